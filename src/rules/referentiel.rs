//! Référentiel thresholds, NGAP Titre XIV dispositions liminaires a) and b)
//! and chap. II art. 1: for an act subject to an HAS référentiel, prior
//! agreement (DG art. 7) is needed from the threshold session on; for the
//! carpal tunnel release (RSC), before the first session.
//!
//! Sessions are counted per patient, prescription and act, in date order,
//! within the batch (a batch that does not hold the start of the series
//! counts from its first line). The "31st session when 30 sessions were
//! covered in the previous 12 months" variant of the lombalgie and
//! cervicalgie référentiels is not applied: it needs the patient's history.

use super::{Concerns, Line, Runs, for_each_in};
use crate::history::Window;
use crate::{Finding, FindingCode};

/// The window this family reads in a history: the prescription's series, taken as the 24 months before the session.
pub const WINDOW: Window = Window::MonthsBefore(24);

/// Applies the rule to the whole batch.
pub(crate) fn check(lines: &[Line<'_>], runs: &Runs, out: &mut [Vec<Finding>]) {
    // One patient's lines at a time (they come together in rule order),
    // then per prescription and act: a patient has few such series.
    let mut series: Vec<(&str, &crate::Act, u32)> = Vec::new();
    for_each_in(
        (&runs.patients, Concerns::PRIOR_AGREEMENT),
        lines,
        |l| l.concerns(Concerns::PRIOR_AGREEMENT),
        |idx| {
            series.clear();
            for &i in idx {
                let l = &lines[i];
                let Some(act) = l.single_act() else { continue };
                let Some(threshold) = act.prior_agreement_from else {
                    continue;
                };
                let prescription = l.prescription_key();
                // Sessions of this series so far, this one included (the
                // act by address: one entry of the tariffs per act).
                let rank = match series.iter_mut().find(|s| {
                    std::ptr::eq(s.1, act)
                        && crate::bytes::same(s.0.as_bytes(), prescription.as_bytes())
                }) {
                    Some(s) => {
                        s.2 += 1;
                        s.2
                    }
                    None => {
                        series.push((prescription, act, 1));
                        1
                    }
                };
                if rank >= threshold {
                    let act_id = act.id.as_str();
                    let msg = if threshold == 1 {
                        format!(
                            "{act_id} : accord préalable du service du contrôle médical nécessaire avant de commencer la rééducation (séance {rank})."
                        )
                    } else {
                        format!(
                            "{act_id} : séance {rank} de la prescription ; accord préalable nécessaire à partir de la {threshold}e séance."
                        )
                    };
                    out[i].push(Finding::new(FindingCode::PriorAgreementRequired, msg));
                }
            }
        },
    );
}
