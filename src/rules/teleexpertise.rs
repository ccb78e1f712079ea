//! Téléexpertise requests (RQD), NGAP DG art. 14.9.6: at most 2 a year per
//! physiotherapist and patient. The year is the calendar year (the article
//! says "par an" without more).

use super::{Line, for_each_run};
use crate::{Code, Finding, FindingCode};

/// Applies the rule to the whole batch.
pub(crate) fn check(lines: &[Line<'_>], out: &mut [Vec<Finding>]) {
    for_each_run(
        lines,
        |l| l.code == Code::RQD,
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
