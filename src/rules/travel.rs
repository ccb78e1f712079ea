//! Travel allowances, NGAP DG art. 13.
//!
//! - A: the IFD when the patient lives in the same built-up area or less
//!   than 2 km away (1 km in mountain areas).
//! - C 1°: IK beyond that, on the distance from the professional address,
//!   less 2 km each way (1 km in mountain areas): billable kilometres
//!   2d − 4 in plain, 2d − 2 in mountain, for a one-way distance d. For a
//!   physiotherapist the IK adds to the flat allowance. The abatement of IKS
//!   (on foot or skis) is not in the sources: IKS quantities are not checked.
//! - E: the single IFS (from 2026-01-01) only with the listed chapter II
//!   acts; before, the IFO (art. 1 D), IFR (art. 2), IFN (art. 4),
//!   IFP (art. 5 outside urgency) and IFS « de sortie » (after hospital
//!   discharge). IFD and IFS are not cumulable.
//! - 13.1: several patients in one establishment in one trip: the travel
//!   is billed once. The `trip_id` column tells the rule which lines share a
//!   trip; without it one trip per session is assumed.

use crate::history::Window;
use chrono::NaiveDate;
use rust_decimal::Decimal;

/// The window the travel rules read in a history: the day.
pub const WINDOW: Window = Window::Day;

/// The window of one allowance per trip for several patients: the
/// practitioner's lines of the day.
pub const TRIP_WINDOW: Window = Window::Day;

use super::{Concerns, Line, Runs, for_each_in, group_by};
use crate::bounds;
use crate::fr::{Date, Num};
use crate::{Act, Code, CodeKind, Finding, FindingCode, IfsScope};

const SINGLE_IFS: NaiveDate = match NaiveDate::from_ymd_opt(2026, 1, 1) {
    Some(d) => d,
    None => panic!(),
};

/// Single-line check: IK kilometres against the distance.
pub(crate) fn check_line(l: &Line<'_>, out: &mut Vec<Finding>) {
    let Some(d) = l.ctx.distance_km else { return };
    let (abatement, zone, min) = match l.code {
        Code::IK => (Decimal::from(4), "plaine", Decimal::from(2)),
        Code::IKM => (Decimal::from(2), "montagne", Decimal::ONE),
        _ => return,
    };
    // Within the bounds (the batch reader refuses others; a line built in
    // code may carry any distance), 2d − 4 cannot overflow.
    let Some(expected) = bounds::is_kilometres(d, false)
        .then(|| Decimal::TWO.checked_mul(d)?.checked_sub(abatement))
        .flatten()
    else {
        out.push(Finding::new(
            FindingCode::InvalidField,
            format!(
                "distance_km {} : {} ; IK non vérifiées.",
                Num(d),
                bounds::KILOMETRES_EXPECTED
            ),
        ));
        return;
    };
    if d <= min {
        out.push(Finding::new(
            FindingCode::IkDistanceMismatch,
            format!("Distance {} km : pas d'IK à {min} km ou moins en {zone} (quantité attendue 0) ; l'IFD s'applique.", Num(d)),
        ));
    } else if l.quantity != expected {
        out.push(Finding::new(
            FindingCode::IkDistanceMismatch,
            format!(
                "{} : {} km facturés, attendu 2 × {} − {abatement} = {} km ({zone}).",
                l.code,
                Num(l.quantity),
                Num(d),
                Num(expected)
            ),
        ));
    }
}

fn specific(code: Code) -> bool {
    matches!(
        code,
        Code::IFS | Code::IFO | Code::IFR | Code::IFN | Code::IFP
    )
}

/// Why an act makes `code` eligible on `date` (given the discharge date
/// known for the visit), or `None`.
fn eligible(code: Code, a: &Act, date: NaiveDate, discharge: Option<NaiveDate>) -> bool {
    let within_35_days = discharge.is_some_and(|dis| date >= dis && (date - dis).num_days() <= 35);
    if date >= SINGLE_IFS {
        return code == Code::IFS
            && match a.ifs {
                IfsScope::Always => true,
                IfsScope::PostSurgery35Days => within_35_days,
                IfsScope::No => false,
            };
    }
    match code {
        Code::IFO => {
            a.chapter == "II" && a.article == "1" && (a.paragraph == "D" || a.id == "A1F-AMPUT-2M")
        }
        Code::IFR => a.chapter == "II" && a.article == "2",
        Code::IFN => a.chapter == "II" && a.article == "4",
        Code::IFP => a.chapter == "II" && a.article == "5" && a.id != "A5-DESENCOMBREMENT",
        Code::IFS => a.chapter == "II" && discharge.is_some(),
        _ => false,
    }
}

/// Cross-line checks.
pub(crate) fn check(lines: &[Line<'_>], runs: &Runs, out: &mut [Vec<Finding>]) {
    // Reused from one day to the next (a day with travel is a common case).
    let (mut acts, mut travel, mut flat) = (Vec::new(), Vec::new(), Vec::new());
    let mut trips: Vec<&Option<&str>> = Vec::new();
    for_each_in(
        (&runs.days, Concerns::TRAVEL),
        lines,
        |_| true,
        |idx| {
            if !idx.iter().any(|&i| lines[i].travel()) {
                return;
            }
            acts.clear();
            acts.extend(idx.iter().copied().filter(|&i| lines[i].presential()));
            travel.clear();
            travel.extend(idx.iter().copied().filter(|&i| lines[i].travel()));
            if travel.is_empty() {
                return;
            }
            if acts.is_empty() {
                for &i in &travel {
                    out[i].push(Finding::new(
                    FindingCode::TravelWithoutAct,
                    format!(
                        "{} sans acte en présence du même patient, du même praticien le même jour.",
                        lines[i].code
                    ),
                ));
                }
                return;
            }
            // Flat allowances: IFD xor IFS / IF*, and no more than one per trip.
            flat.clear();
            flat.extend(
                travel
                    .iter()
                    .copied()
                    .filter(|&i| lines[i].code.kind() == CodeKind::TravelFlat),
            );
            let has_ifd = flat.iter().any(|&i| lines[i].code == Code::IFD);
            let has_specific = flat.iter().any(|&i| specific(lines[i].code));
            if has_ifd && has_specific {
                for &i in &flat {
                    out[i].push(Finding::new(
                    FindingCode::TravelNotCumulable,
                    "IFD et indemnité spécifique (IFS, IFO, IFR, IFN, IFP) ne se cumulent pas : une seule indemnité forfaitaire par déplacement.",
                ));
                }
            } else {
                trips.clear();
                trips.extend(acts.iter().map(|&i| &lines[i].ctx.session));
                trips.sort();
                trips.dedup();
                for &i in flat.iter().skip(trips.len()) {
                    out[i].push(Finding::new(
                    FindingCode::TravelNotCumulable,
                    format!("{} indemnités forfaitaires pour {} déplacement(s) ce jour : une par déplacement.", flat.len(), trips.len()),
                ));
                }
            }
            // Eligibility of the specific allowances.
            let discharge = idx.iter().find_map(|&i| lines[i].ctx.discharge_date);
            for &i in flat.iter().filter(|&&i| specific(lines[i].code)) {
                let l = &lines[i];
                let ok = acts
                    .iter()
                    .any(|&j| lines[j].any_act(|a| eligible(l.code, a, l.date, discharge)));
                if !ok {
                    let why = if l.date >= SINGLE_IFS && l.code == Code::IFS {
                        if acts
                            .iter()
                            .any(|&j| lines[j].any_act(|a| a.ifs == IfsScope::PostSurgery35Days))
                        {
                            match discharge {
                            None => "l'acte de l'article 1 (A, B, C, E, F) n'y ouvre droit qu'après chirurgie, de la sortie d'hospitalisation au 35e jour : date de sortie absente (colonne discharge_date)".to_string(),
                            Some(dis) => format!("sortie d'hospitalisation le {} : le {} est au-delà du 35e jour", Date(dis), Date(l.date)),
                        }
                        } else {
                            "aucun acte du jour n'est dans la liste de l'article 13 E (art. 1 D ; 1 A, B, C, E, F après chirurgie ; 2 ; 4 ; 5 hors urgence ; 9)".to_string()
                        }
                    } else {
                        format!(
                            "{} n'ouvre pas droit à {} (champ de l'indemnité avant 2026 : IFO art. 1 D, IFR art. 2, IFN art. 4, IFP art. 5, IFS de sortie après hospitalisation)",
                            acts.iter()
                                .map(|&j| lines[j].code.as_str())
                                .collect::<Vec<_>>()
                                .join(", "),
                            l.code
                        )
                    };
                    out[i].push(Finding::new(
                        FindingCode::IfsNotEligible,
                        format!("{} non facturable : {why}.", l.code),
                    ));
                }
            }
        },
    );

    // One allowance per trip for several patients (DG art. 13.1).
    if runs.concerns & Concerns::TRIP == 0 {
        return;
    }
    let trips = group_by(
        lines,
        |l| l.travel() && l.ctx.trip_id.is_some(),
        |l| (l.practitioner_run, l.date, l.ctx.trip_id.unwrap_or("")),
    );
    for ((_, _, trip), idx) in &trips {
        // The patient the trip was billed for: one already in the
        // history if any (the lines checked come after it), else the first
        // by id.
        let patient = |i: &usize| lines[*i].ctx.patient_id;
        let first_patient = idx
            .iter()
            .filter(|&&i| lines[i].past())
            .map(patient)
            .min()
            .or_else(|| idx.iter().map(patient).min())
            .unwrap_or("");
        for &i in idx
            .iter()
            .filter(|&&i| lines[i].ctx.patient_id != first_patient)
        {
            out[i].push(Finding::new(
                FindingCode::TravelNotCumulable,
                format!("Déplacement {trip} pour plusieurs patients : les frais ne sont facturés qu'une fois (patient {first_patient})."),
            ));
        }
    }
}
