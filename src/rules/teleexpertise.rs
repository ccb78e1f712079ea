//! Téléexpertise requests (RQD), NGAP DG art. 14.9.6: at most 2 a year per
//! physiotherapist and patient. The year is the calendar year (the article
//! says "par an" without more).

use super::{Concerns, Line, Runs, for_each_run};
use crate::history::Window;
use crate::{Finding, FindingCode};

/// The window this family reads in a history: the calendar year.
pub const WINDOW: Window = Window::CalendarYear;

/// Applies the rule to the whole batch.
pub(crate) fn check(lines: &[Line<'_>], runs: &Runs, out: &mut [Vec<Finding>]) {
    if runs.concerns & Concerns::RQD == 0 {
        return;
    }
    for_each_run(
        lines,
        |l| l.concerns(Concerns::RQD),
        |l| (l.patient_run, chrono::Datelike::year(&l.date)),
        |&(_, year), idx| {
            for (n, &i) in idx.iter().enumerate().skip(2) {
                out[i].push(Finding::new(
                FindingCode::RqdLimitExceeded,
                format!(
                    "Demande de téléexpertise n° {} en {year} pour ce patient : au plus 2 par an.",
                    n + 1
                ),
            ));
            }
        },
    );
}
