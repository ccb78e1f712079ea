//! The year-end check of a practitioner (`kine-tarif history report`):
//! the forward-looking rules, which an incremental check can only judge
//! on what was recorded so far, applied to the whole year at once.
//!
//! The year's lines of the practitioner are checked as one batch (the
//! 20 % télésoin share of the year, bilans with the sessions after them,
//! and every other cross-line rule), with the lines of the 12 months
//! before as context (their own findings dropped).

use std::collections::BTreeMap;

use chrono::{Datelike, Months, NaiveDate};

use super::{History, HistoryLine};
use crate::rules::{Core, Ctx, Line, check_all};
use crate::{Error, Priced, Tariffs};

/// A practitioner's year, as `history report` prints it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct YearReport {
    /// Practitioner identifier.
    pub practitioner_id: String,
    /// Calendar year.
    pub year: i32,
    /// Lines recorded in the year.
    pub lines: u64,
    /// Treatment sessions (presential and remote).
    pub sessions: u64,
    /// Remote sessions (télésoin).
    pub remote_sessions: u64,
    /// Finding codes of the year's lines and how many times each occurs.
    pub findings: BTreeMap<&'static str, u64>,
}

impl YearReport {
    /// The remote share in tenths of a per cent (`None` without
    /// sessions), rounded half away from zero: `remote × 1000 / sessions`
    /// in whole numbers.
    pub fn remote_share_permille(&self) -> Option<u64> {
        let num = self.remote_sessions.checked_mul(2000)?;
        let den = self.sessions.checked_mul(2)?;
        // (2 × 1000 × remote + sessions) / (2 × sessions): half up on
        // non-negative numbers, that is half away from zero.
        (self.sessions > 0).then(|| (num + self.sessions) / den)
    }
}

/// Checks `practitioner`'s lines of `year` in `history` as one batch.
pub fn year_report(
    history: &dyn History,
    tariffs: &Tariffs,
    practitioner: &str,
    year: i32,
) -> Result<YearReport, Error> {
    let bad = || Error::Argument(format!("année {year} hors du calendrier"));
    let first = NaiveDate::from_ymd_opt(year, 1, 1).ok_or_else(bad)?;
    let next =
        NaiveDate::from_ymd_opt(year.checked_add(1).ok_or_else(bad)?, 1, 1).ok_or_else(bad)?;
    let before = first.checked_sub_months(Months::new(12)).unwrap_or(first);
    let mut lines: Vec<HistoryLine> = history.practitioner_lines(practitioner, before..next)?;
    // The year's lines first, then the context.
    lines.sort_by_key(|l| l.date.year() != year);
    let n = lines.iter().take_while(|l| l.date.year() == year).count();
    let priced: Vec<Priced<'_>> = lines
        .iter()
        .map(|h| tariffs.price(&h.invoice_line()))
        .collect();
    let views: Vec<Ctx<'_>> = lines.iter().map(HistoryLine::view).collect();
    let mut report = YearReport {
        practitioner_id: practitioner.to_string(),
        year,
        lines: n as u64,
        ..YearReport::default()
    };
    let mut checked: Vec<Line<'_>> = Vec::with_capacity(lines.len());
    for (k, (p, v)) in priced.iter().zip(&views).enumerate() {
        let mut l = Line::new(Core::new(tariffs, p), v);
        if k >= n {
            l.set_past();
        } else if l.session() {
            report.sessions += 1;
            report.remote_sessions += u64::from(l.telesoin());
        }
        checked.push(l);
    }
    let found = check_all(checked, true, None);
    for f in found.iter().take(n).flatten() {
        *report.findings.entry(f.code.as_str()).or_default() += 1;
    }
    Ok(report)
}
