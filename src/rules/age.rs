//! Age-bound acts: rehabilitation for a deviation of the spine (DRA,
//! NGAP Titre XIV chap. II art. 1 E, "personnes de moins de 18 ans"), and
//! the fragility screening bilan (chap. I section 1, décision UNCAM du
//! 14/12/2023, patients aged 70 or more). The age is taken on the date of
//! the act; a patient turning 70 that day qualifies, one turning 18 that day
//! no longer does.

use super::{Line, age_on};
use crate::fr::Date;
use crate::nomenclature::ActTraits;
use crate::{Code, Finding, FindingCode};

/// Single-line check.
pub(crate) fn check_line(l: &Line<'_>, out: &mut Vec<Finding>) {
    let (what, ok): (&str, fn(u32) -> bool) =
        if l.code == Code::DRA || l.all_acts(|a| a.letter == Code::DRA) {
            (
                "DRA (déviation du rachis) : patient de moins de 18 ans",
                |age| age < 18,
            )
        } else if l.single_act().is_some_and(|a| a.is(ActTraits::FRAGILITY)) {
            (
                "Bilan de repérage de la fragilité : patient de 70 ans ou plus",
                |age| age >= 70,
            )
        } else {
            return;
        };
    match l.ctx.patient_birth_date {
        None => out.push(Finding::new(
            FindingCode::AgeUnknown,
            format!(
                "{what} ; date de naissance absente (colonne patient_birth_date), condition non vérifiée."
            ),
        )),
        Some(birth) => match age_on(birth, l.date) {
            Some(age) if ok(age) => {}
            Some(age) => out.push(Finding::new(
                FindingCode::AgeCondition,
                format!("{what} ; le patient a {age} ans le {}.", Date(l.date)),
            )),
            None => out.push(Finding::new(
                FindingCode::AgeCondition,
                format!(
                    "{what} ; date de naissance {} postérieure à l'acte.",
                    Date(birth)
                ),
            )),
        },
    }
}
