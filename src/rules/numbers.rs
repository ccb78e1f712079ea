//! The identifiers an invoice line carries, checked where they are read
//! ([`crate::identifiers`] for the rules and their sources): the patient's
//! NIR (`patient_nir`), the practitioner's number (`practitioner_number`:
//! a numéro AM of category 7, or an RPPS) and the prescriber's
//! (`prescriber_number`: a numéro AM, an RPPS, a FINESS, or 291991123 for
//! a renewal). An empty field is not checked.
//!
//! A number that breaks a confirmed rule (length, characters, NIR key,
//! RPPS key, category) is an error of its column's code; the Luhn key of a
//! numéro AM or a FINESS, inferred from examples only, is
//! `NUMBER_KEY_DOUBTFUL`, a warning.

use crate::identifiers::{IdError, check_am, check_nir, check_prescriber, check_rpps};
use crate::{Finding, FindingCode};

/// Checks the numbers given (none: not on the line) and pushes their
/// findings. Out of line: the batch engine's loop, where it is called
/// only for lines that carry a number, keeps its size (measured).
#[inline(never)]
pub(crate) fn check(
    nir: Option<&str>,
    practitioner: Option<&str>,
    prescriber: Option<&str>,
    out: &mut Vec<Finding>,
) {
    let mut push = |code: FindingCode, column: &str, e: IdError| {
        let code = if e.certain() {
            code
        } else {
            FindingCode::NumberKeyDoubtful
        };
        out.push(Finding::new(
            code,
            format!("colonne {column} : {}.", e.message()),
        ));
    };
    if let Some(Err(e)) = nir.map(check_nir) {
        push(FindingCode::NirInvalid, "patient_nir", e);
    }
    if let Some(p) = practitioner {
        let digits = p.chars().filter(|c| !c.is_whitespace()).count();
        let checked = if digits == 11 {
            check_rpps(p).map(drop)
        } else {
            check_am(p).map(drop)
        };
        if let Err(e) = checked {
            push(
                FindingCode::PractitionerNumberInvalid,
                "practitioner_number",
                e,
            );
        }
    }
    if let Some(Err(e)) = prescriber.map(check_prescriber) {
        push(FindingCode::PrescriberNumberInvalid, "prescriber_number", e);
    }
}
