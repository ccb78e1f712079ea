//! Prescription dates (`prescription_date`): the prescription comes before
//! the care, and a series does not start long after it.
//!
//! - **Before the care** (`PRESCRIPTION_AFTER_ACT`, error): the acts are
//!   covered only when prescribed in writing, dated, before the care
//!   started (NGAP Titre XIV dispositions liminaires; CSS art. R.161-45).
//!   Checked on each act line.
//! - **A late first session** (`PRESCRIPTION_OLD`, warning): the first
//!   session of a prescription more than 12 months after its date. No
//!   official text sets a deadline (the 12 months are what caisses and
//!   patient guides use; a Belgian rule of 2 months is not French): a
//!   warning only, and the message says so.
//! - **Renewal by the physiotherapist** (`RENEWAL_LATE`, warning): a series
//!   billed with the renewal prescriber number 291991123 renews a
//!   prescription, which must then be less than 12 months old, unless the
//!   doctor excluded it (CSP art. L.4321-1, loi n° 2021-502; billable since
//!   the avenant 7 measures of August 2023). The renewal's own date is not
//!   on the invoice: its first renewed session 12 months or more after the
//!   prescription is a warning (renewed sessions may run past the
//!   anniversary date, the renewal may not).
//!
//! A series is a patient's sessions with the practitioner under one
//! prescription id (or, without one, one prescription date); its first
//! session is the earliest of the lines seen (the batch and, with a
//! history, the sessions recorded under the same prescription id in the
//! window below).

use chrono::{Months, NaiveDate};

use super::{Concerns, Line, RENEWAL_PRESCRIBER, Runs, for_each_in};
use crate::fr::Date;
use crate::history::Window;
use crate::{Finding, FindingCode};

/// The window this family reads in a history: a series' earlier sessions,
/// taken as the 24 months before the session.
pub const WINDOW: Window = Window::MonthsBefore(24);

/// The months after the prescription date within which a first session
/// (or a renewal) is expected.
pub const MONTHS: u32 = 12;

/// Single-line check: the prescription dated after the act.
pub(crate) fn check_line(l: &Line<'_>, out: &mut Vec<Finding>) {
    if let Some(p) = l.ctx.prescription_date
        && p > l.date
        && l.act_line()
    {
        out.push(Finding::new(
            FindingCode::PrescriptionAfterAct,
            format!(
                "prescription du {} postérieure à l'acte du {} : la prescription écrite et datée précède les soins.",
                Date(p),
                Date(l.date)
            ),
        ));
    }
}

/// The series a line belongs to: its prescription id, or its date.
fn series_key<'a>(l: &Line<'a>) -> (Option<&'a str>, Option<NaiveDate>) {
    match l.ctx.prescription_id {
        Some(id) => (Some(id), None),
        None => (None, l.ctx.prescription_date),
    }
}

/// Applies the rule to the whole batch: each patient's first session of
/// each series.
pub(crate) fn check(lines: &[Line<'_>], runs: &Runs, out: &mut [Vec<Finding>]) {
    if runs.concerns & Concerns::PRESCRIPTION_DATED == 0 {
        return;
    }
    let mut seen: Vec<(Option<&str>, Option<NaiveDate>)> = Vec::new();
    for_each_in(
        (&runs.patients, Concerns::PRESCRIPTION_DATED),
        lines,
        |l| l.session(),
        |idx| {
            seen.clear();
            // In rule order: a patient's sessions by date, the history's
            // first on a day.
            for &i in idx {
                let l = &lines[i];
                let key = series_key(l);
                if key == (None, None) || seen.contains(&key) {
                    continue;
                }
                seen.push(key);
                if l.past() {
                    continue;
                }
                let Some(p) = l.ctx.prescription_date else {
                    continue;
                };
                let Some(limit) = p.checked_add_months(Months::new(MONTHS)) else {
                    continue;
                };
                let renewal = l.ctx.prescriber_id == Some(RENEWAL_PRESCRIBER);
                if renewal && l.date >= limit {
                    out[i].push(Finding::new(
                        FindingCode::RenewalLate,
                        format!(
                            "renouvellement par le masseur-kinésithérapeute : première séance renouvelée le {}, la prescription du {} a alors 12 mois ou plus ; le renouvellement doit intervenir moins de 12 mois après la prescription (CSP art. L.4321-1), sauf opposition du médecin.",
                            Date(l.date),
                            Date(p)
                        ),
                    ));
                } else if !renewal && l.date > limit {
                    out[i].push(Finding::new(
                        FindingCode::PrescriptionOld,
                        format!(
                            "première séance le {}, plus de 12 mois après la prescription du {} ; aucun texte officiel ne fixe de délai, à vérifier avec la caisse.",
                            Date(l.date),
                            Date(p)
                        ),
                    ));
                }
            }
        },
    );
}
