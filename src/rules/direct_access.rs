//! Direct access (loi n° 2023-379 du 19 mai 2023, CSP art. L.4321-1;
//! avenant 7): a session whose prescriber is the practitioner himself is a
//! direct-access session. Without a prior medical diagnosis, at most 8
//! sessions per patient and episode of care, an episode lasting at most
//! 3 months.
//!
//! An episode starts at the first direct-access session of the patient with
//! the practitioner and covers 3 calendar months from that day; the next
//! session after it starts a new episode. The prior diagnosis is not in the
//! invoice data, so the finding is a warning. Prescriber number 291991123
//! marks a prescription renewed by the physiotherapist: not direct access.

use super::{Concerns, Line, RENEWAL_PRESCRIBER, Runs, for_each_in};
use crate::fr::Date;
use crate::history::Window;
use crate::{Finding, FindingCode};

/// The window this family reads in a history: the episode, taken as the 6 months before (an episode lasts 3 months; 3 more find where the current one started). An unbroken chain of direct-access episodes over more than 6 months would be cut: the law allows 8 sessions before a medical diagnosis.
pub const WINDOW: Window = Window::MonthsBefore(6);

/// A session whose prescriber is the practitioner (not a renewal).
pub(crate) fn is_direct_access(l: &Line<'_>) -> bool {
    match &l.ctx.prescriber_id {
        Some(p) => {
            !p.is_empty() && *p != RENEWAL_PRESCRIBER && *p == l.ctx.practitioner_id && l.session()
        }
        None => false,
    }
}

/// Applies the rule to the whole batch.
pub(crate) fn check(lines: &[Line<'_>], runs: &Runs, out: &mut [Vec<Finding>]) {
    for_each_in(
        (&runs.patients, Concerns::DIRECT_ACCESS),
        lines,
        |l| l.direct_access(),
        |idx| {
            let mut start = None;
            let mut count = 0;
            for &i in idx {
                let d = lines[i].date;
                let end = start
                    .and_then(|s: chrono::NaiveDate| s.checked_add_months(chrono::Months::new(3)));
                if end.is_none_or(|e| d >= e) {
                    start = Some(d);
                    count = 0;
                }
                count += 1;
                if count > 8 {
                    out[i].push(Finding::new(
                    FindingCode::DirectAccessLimit,
                    format!(
                        "Accès direct : séance n° {count} de l'épisode commencé le {} ; au-delà de 8 séances, un diagnostic médical préalable est nécessaire.",
                        Date(start.unwrap_or(d))
                    ),
                ));
                }
            }
        },
    );
}
