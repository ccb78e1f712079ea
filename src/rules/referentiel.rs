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

use super::{Line, group_by};
use crate::{Finding, FindingCode};

/// Applies the rule to the whole batch.
pub(crate) fn check(lines: &[Line<'_>], out: &mut [Vec<Finding>]) {
    let groups = group_by(
        lines,
        |l| {
            l.session()
                && l.single_act()
                    .is_some_and(|a| a.prior_agreement_from.is_some())
        },
        |l| {
            (
                l.patient_run,
                l.prescription_key(),
                l.single_act().map(|a| a.id.as_str()).unwrap_or(""),
            )
        },
    );
    for ((_, _, act_id), idx) in &groups {
        let Some(threshold) = lines[idx[0]]
            .single_act()
            .and_then(|a| a.prior_agreement_from)
        else {
            continue;
        };
        for (n, &i) in idx.iter().enumerate() {
            let rank = n as u32 + 1;
            if rank >= threshold {
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
    }
}
