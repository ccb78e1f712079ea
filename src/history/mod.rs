//! The history of billed lines: what the cross-line rules see of a
//! patient's and a practitioner's past billing.
//!
//! Practice software bills session by session and an integrator checks
//! one day's batch; the rules of [`crate::rules`] need the lines sent
//! before. A [`History`] answers two questions, each between two dates: a
//! practitioner's lines, and a patient's lines with a practitioner. Where
//! it comes from:
//!
//! - [`SqliteHistory`] (feature `sqlite`, on by default): an embedded
//!   SQLite database, the one `kine-tarif price --history FILE` uses;
//! - [`MemoryHistory`]: lines held in memory (tests, short-lived checks);
//! - the caller's own store: practice software keeps this history in its
//!   own database and implements [`History`] over it
//!   (`examples/own_history.rs`).
//!
//! A history line ([`HistoryLine`]) holds exactly the fields the rules
//! read, plus the caller's invoice and line references. History lines give
//! context and never get findings of their own; the lines of an invoice
//! being checked replace that invoice's recorded lines (re-checking a sent
//! invoice does not see it twice).
//!
//! Each rule family declares the [`Window`] of past (and, for the
//! forward-looking ones, future) lines it reads; the checker asks the
//! history for the union of the windows of the families the lines being
//! checked concern, and nothing more ([`windows`]).
//!
//! ```
//! use kine_tarif::history::{History, HistoryLine, MemoryHistory, Recorder};
//! use kine_tarif::rules::{Checker, LineContext};
//! use kine_tarif::{Code, FindingCode, InvoiceLine, Tariffs};
//!
//! let d = |s: &str| s.parse().unwrap();
//! let ctx = |invoice: &str, session: &str| LineContext {
//!     invoice_id: invoice.into(),
//!     patient_id: "P1".into(),
//!     practitioner_id: "K1".into(),
//!     prescription_id: Some(format!("RX-{invoice}")),
//!     session: Some(session.into()),
//!     ..LineContext::default()
//! };
//! let mut history = MemoryHistory::default();
//! // Monday morning: invoice F1 is checked, sent, and recorded.
//! let knee = InvoiceLine::new(d("2026-03-02"), Code::RIC, Some("8.12".parse().unwrap()));
//! let mut checker = Checker::new(Tariffs::embedded()).with_history(&history);
//! checker.add("1", knee.clone(), ctx("F1", "1"));
//! let result = checker.finalize().unwrap();
//! assert!(result.lines[0].findings.is_empty());
//! history.record(&[HistoryLine::new("F1", "1", &knee, &ctx("F1", "1"))]).unwrap();
//! // Monday afternoon: a second article-1 session the same day, invoice F2.
//! let spine = InvoiceLine::new(d("2026-03-02"), Code::RAM, Some("8.09".parse().unwrap()));
//! let mut checker = Checker::new(Tariffs::embedded()).with_history(&history);
//! checker.add("1", spine, ctx("F2", "2"));
//! let result = checker.finalize().unwrap();
//! assert_eq!(result.lines[0].findings[0].code, FindingCode::SameDayNotAllowed);
//! assert_eq!(result.history_lines, 1);
//! ```

mod import;
mod memory;
mod report;
#[cfg(feature = "sqlite")]
mod sqlite;
pub mod windows;

use std::ops::Range;

use chrono::{NaiveDate, NaiveTime};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::rules::{Ctx, LineContext};
use crate::{Code, Error, InvoiceLine, Territory};

pub use import::{HistoryRows, Imported, read_csv};
pub use memory::MemoryHistory;
pub use report::{YearReport, year_report};
#[cfg(feature = "sqlite")]
pub use sqlite::{HistoryStats, SCHEMA_VERSION, SqliteHistory};
pub use windows::{RULE_WINDOWS, Window};

/// One billed line as a history keeps it: the fields the cross-line rules
/// read, and the caller's references. Serialized as a JSON object with
/// these field names (dates `YYYY-MM-DD`, decimals as strings, absent
/// options omitted or `null`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryLine {
    /// The caller's invoice reference: with `line_ref`, what makes
    /// recording idempotent; `forget` removes an invoice by it.
    pub invoice_id: String,
    /// The caller's line reference within the invoice.
    pub line_ref: String,
    /// Practitioner identifier.
    pub practitioner_id: String,
    /// Patient identifier.
    pub patient_id: String,
    /// Date of the act.
    pub date: NaiveDate,
    /// Billing code.
    pub code: Code,
    /// Coefficient.
    #[serde(default, with = "rust_decimal::serde::str_option")]
    pub coefficient: Option<Decimal>,
    /// Quantity (kilometres for IK).
    #[serde(with = "rust_decimal::serde::str")]
    pub quantity: Decimal,
    /// The act id, when the software gave it.
    #[serde(default)]
    pub act_id: Option<String>,
    /// Département code (the territory of the pricing).
    #[serde(default)]
    pub department: Option<String>,
    /// Prescription identifier.
    #[serde(default)]
    pub prescription_id: Option<String>,
    /// Prescriber identifier (direct access).
    #[serde(default)]
    pub prescriber_id: Option<String>,
    /// Session label within the day.
    #[serde(default)]
    pub session: Option<String>,
    /// Remote session.
    #[serde(default)]
    pub telesoin: bool,
    /// Time of the act.
    #[serde(default)]
    pub time: Option<NaiveTime>,
    /// Trip identifier.
    #[serde(default)]
    pub trip_id: Option<String>,
}

impl HistoryLine {
    /// The history line of an invoice line and its context, under the
    /// caller's references.
    pub fn new(
        invoice_id: &str,
        line_ref: &str,
        line: &InvoiceLine,
        ctx: &LineContext,
    ) -> HistoryLine {
        HistoryLine {
            invoice_id: invoice_id.to_string(),
            line_ref: line_ref.to_string(),
            practitioner_id: ctx.practitioner_id.clone(),
            patient_id: ctx.patient_id.clone(),
            date: line.date,
            code: line.code,
            coefficient: line.coefficient,
            quantity: line.quantity,
            act_id: line.act_id.clone(),
            department: ctx.department.clone(),
            prescription_id: ctx.prescription_id.clone(),
            prescriber_id: ctx.prescriber_id.clone(),
            session: ctx.session.clone(),
            telesoin: ctx.telesoin,
            time: ctx.time,
            trip_id: ctx.trip_id.clone(),
        }
    }

    /// The invoice line to price it again (the territory from the
    /// département; an unknown one is metropolitan France, as in a batch).
    pub fn invoice_line(&self) -> InvoiceLine {
        InvoiceLine {
            quantity: self.quantity,
            act_id: self.act_id.clone(),
            ..Cotation::of(self).invoice_line()
        }
    }

    /// The line's context for a [`crate::rules::Checker`] (the fields a
    /// history keeps; the others empty).
    pub fn context(&self) -> LineContext {
        LineContext {
            invoice_id: self.invoice_id.clone(),
            patient_id: self.patient_id.clone(),
            practitioner_id: self.practitioner_id.clone(),
            department: self.department.clone(),
            prescription_id: self.prescription_id.clone(),
            prescriber_id: self.prescriber_id.clone(),
            session: self.session.clone(),
            telesoin: self.telesoin,
            time: self.time,
            trip_id: self.trip_id.clone(),
            ..LineContext::default()
        }
    }

    /// What the rules read of the line's context.
    pub(crate) fn view(&self) -> Ctx<'_> {
        Ctx {
            invoice_id: &self.invoice_id,
            patient_id: &self.patient_id,
            practitioner_id: &self.practitioner_id,
            department: self.department.as_deref(),
            prescription_id: self.prescription_id.as_deref(),
            prescriber_id: self.prescriber_id.as_deref(),
            session: self.session.as_deref(),
            telesoin: self.telesoin,
            time: self.time,
            trip_id: self.trip_id.as_deref(),
            ..Ctx::default()
        }
    }
}

/// A store of billed lines the rules can ask. Implement it over your own
/// database to check against the history your software already keeps: the
/// two methods return the lines in any order, and an error stops the check
/// ([`Error::History`]).
pub trait History {
    /// The lines of `practitioner` dated within `dates` (half-open).
    fn practitioner_lines(
        &self,
        practitioner: &str,
        dates: Range<NaiveDate>,
    ) -> Result<Vec<HistoryLine>, Error>;

    /// The lines of `patient` with `practitioner` dated within `dates`.
    fn patient_lines(
        &self,
        practitioner: &str,
        patient: &str,
        dates: Range<NaiveDate>,
    ) -> Result<Vec<HistoryLine>, Error>;

    /// The cotation of each line of `practitioner` within `dates`, given
    /// to `each`: what the télésoin share counts over a whole year, without
    /// each line's other fields. The default reads
    /// [`History::practitioner_lines`]; a store can answer it from an
    /// index ([`SqliteHistory`] does).
    fn practitioner_cotations(
        &self,
        practitioner: &str,
        dates: Range<NaiveDate>,
        each: &mut dyn FnMut(Cotation<'_>),
    ) -> Result<(), Error> {
        for l in self.practitioner_lines(practitioner, dates)? {
            each(Cotation::of(&l));
        }
        Ok(())
    }
}

/// What the télésoin share reads of a history line
/// ([`History::practitioner_cotations`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cotation<'a> {
    /// The caller's invoice reference (an invoice being checked is left
    /// out).
    pub invoice_id: &'a str,
    /// Date of the act.
    pub date: NaiveDate,
    /// Billing code.
    pub code: Code,
    /// Coefficient.
    pub coefficient: Option<Decimal>,
    /// Act id, when given.
    pub act_id: Option<&'a str>,
    /// Département code.
    pub department: Option<&'a str>,
    /// Remote session.
    pub telesoin: bool,
}

impl<'a> Cotation<'a> {
    /// The cotation of a history line.
    pub fn of(l: &'a HistoryLine) -> Cotation<'a> {
        Cotation {
            invoice_id: &l.invoice_id,
            date: l.date,
            code: l.code,
            coefficient: l.coefficient,
            act_id: l.act_id.as_deref(),
            department: l.department.as_deref(),
            telesoin: l.telesoin,
        }
    }

    /// The invoice line to price it (the territory from the département,
    /// metropolitan France when unknown); the act id apart.
    pub fn invoice_line(&self) -> InvoiceLine {
        let territory = self
            .department
            .and_then(|d| Territory::from_department(d).ok())
            .unwrap_or_default();
        InvoiceLine {
            date: self.date,
            territory,
            code: self.code,
            coefficient: self.coefficient,
            quantity: Decimal::ONE,
            act_id: None,
            billed_amount: None,
        }
    }
}

impl<H: History + ?Sized> History for &H {
    fn practitioner_lines(
        &self,
        practitioner: &str,
        dates: Range<NaiveDate>,
    ) -> Result<Vec<HistoryLine>, Error> {
        (**self).practitioner_lines(practitioner, dates)
    }

    fn patient_lines(
        &self,
        practitioner: &str,
        patient: &str,
        dates: Range<NaiveDate>,
    ) -> Result<Vec<HistoryLine>, Error> {
        (**self).patient_lines(practitioner, patient, dates)
    }

    fn practitioner_cotations(
        &self,
        practitioner: &str,
        dates: Range<NaiveDate>,
        each: &mut dyn FnMut(Cotation<'_>),
    ) -> Result<(), Error> {
        (**self).practitioner_cotations(practitioner, dates, each)
    }
}

/// A history lines can be recorded into, once the caller says they were
/// sent. Recording is idempotent by `(invoice_id, line_ref)`: a line
/// recorded again replaces the one recorded before.
pub trait Recorder: History {
    /// Records `lines` at once (all or none); returns how many were new.
    fn record(&mut self, lines: &[HistoryLine]) -> Result<usize, Error>;

    /// Removes every line of `invoice_id` (a cancelled invoice); returns
    /// how many there were.
    fn forget(&mut self, invoice_id: &str) -> Result<usize, Error>;
}

/// The error of a history store, named after its path or kind.
#[cfg_attr(not(feature = "sqlite"), allow(dead_code))]
pub(crate) fn error(store: &str, message: impl Into<String>) -> Error {
    Error::History {
        store: store.to_string(),
        message: message.into(),
    }
}

/// A history shared by the threads of a batch
/// ([`crate::batch::BatchOptions::history`]).
#[derive(Clone)]
pub struct SharedHistory(pub std::sync::Arc<dyn History + Send + Sync>);

impl SharedHistory {
    /// Shares `history` with a batch's threads.
    pub fn new(history: impl History + Send + Sync + 'static) -> SharedHistory {
        SharedHistory(std::sync::Arc::new(history))
    }

    /// The history.
    pub fn history(&self) -> &(dyn History + Send + Sync) {
        &*self.0
    }
}

impl std::fmt::Debug for SharedHistory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SharedHistory")
    }
}

/// Two options are equal when they share the same history.
impl PartialEq for SharedHistory {
    fn eq(&self, other: &SharedHistory) -> bool {
        std::sync::Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for SharedHistory {}
