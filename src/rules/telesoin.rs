//! Télésoin (TMK), avenant 7 art. 2.3.1, from 2024-02-22.
//!
//! A remote session is billed TMK × the coefficient of the presential act.
//! Not with a travel allowance; not for acts that need contact or equipment
//! (urgent airway clearance ARL 8.49, balneotherapy), nor for bilans; not
//! the first session, with the initial BDK; the patient must have had a
//! presential act with the practitioner in the previous 12 months; remote
//! sessions may not exceed 20 % of the practitioner's activity in the year.
//!
//! The 20 % share is counted in **sessions** (TMK lines over all treatment
//! sessions, presential and remote, of the practitioner in the calendar
//! year, within the batch): the convention speaks of activity, a session is
//! the unit of a physiotherapist's activity, and counting amounts would
//! favour télésoin, whose letter is worth less (2.15 € against 2.21 €).

use super::{Line, group_by};
use crate::{Act, Code, Finding, FindingCode};

/// Acts that cannot be performed remotely.
fn excluded(a: &Act) -> Option<&'static str> {
    if a.id == "A5-DESENCOMBREMENT" {
        Some("désencombrement urgent (contact direct)")
    } else if a.chapter == "IV" {
        Some("kinébalnéothérapie (équipement)")
    } else if a.chapter == "I" {
        Some("bilan (réalisé en présence du patient)")
    } else {
        None
    }
}

/// Single-line checks: code and excluded acts.
pub(crate) fn check_line(l: &Line<'_>, out: &mut Vec<Finding>) {
    if l.ctx.telesoin && l.code != Code::TMK && l.act_line() {
        out.push(Finding::new(
            FindingCode::TelesoinNotTmk,
            format!(
                "Séance à distance : se cote TMK {} (lettre clé du télésoin), pas {} {}.",
                l.coefficient.map(|c| c.to_string()).unwrap_or_default(),
                l.code,
                l.coefficient.map(|c| c.to_string()).unwrap_or_default()
            ),
        ));
    }
    if l.telesoin() && l.all_acts(|a| excluded(a).is_some()) {
        let why = l.acts.as_slice().first().and_then(|a| excluded(a)).unwrap_or_default();
        out.push(Finding::new(
            FindingCode::TelesoinExcluded,
            format!("Acte exclu du télésoin : {why}."),
        ));
    }
}

/// Cross-line checks.
pub(crate) fn check(lines: &[Line<'_>], out: &mut [Vec<Finding>]) {
    let by_visit = group_by(
        lines,
        |_| true,
        |l| {
            (
                l.ctx.patient_id,
                l.ctx.practitioner_id,
                l.date,
            )
        },
    );
    for idx in by_visit.values() {
        let travel: Vec<&str> = idx
            .iter()
            .filter(|&&i| lines[i].travel())
            .map(|&i| lines[i].code.as_str())
            .collect();
        let bdk = idx
            .iter()
            .any(|&i| lines[i].all_acts(|a| a.id.starts_with("C1S2-BDK")));
        for &i in idx
            .iter()
            .filter(|&&i| lines[i].telesoin() && lines[i].act_line())
        {
            if !travel.is_empty() {
                out[i].push(Finding::new(
                    FindingCode::TelesoinWithTravel,
                    format!(
                        "Télésoin facturé avec une indemnité de déplacement ({}) le même jour.",
                        travel.join(", ")
                    ),
                ));
            }
            if bdk {
                let l = &lines[i];
                let earlier = lines.iter().any(|o| {
                    o.session()
                        && !o.telesoin()
                        && o.ctx.patient_id == l.ctx.patient_id
                        && o.prescription_key() == l.prescription_key()
                        && o.date < l.date
                });
                if !earlier {
                    out[i].push(Finding::new(
                        FindingCode::TelesoinFirstSession,
                        "Première séance (avec le bilan-diagnostic initial) : elle doit avoir lieu en présence du patient.",
                    ));
                }
            }
        }
    }

    // Known patient: a presential act with the practitioner in the 12
    // months before (the same day included).
    let by_pair = group_by(
        lines,
        |l| l.act_line(),
        |l| (l.ctx.patient_id, l.ctx.practitioner_id),
    );
    for idx in by_pair.values() {
        for &i in idx.iter().filter(|&&i| lines[i].telesoin()) {
            let l = &lines[i];
            let from = l
                .date
                .checked_sub_months(chrono::Months::new(12))
                .unwrap_or(l.date);
            let known = idx.iter().any(|&j| {
                lines[j].presential() && lines[j].date >= from && lines[j].date <= l.date
            });
            if !known {
                out[i].push(Finding::new(
                    FindingCode::TelesoinUnknownPatient,
                    format!("Aucun acte en présence de ce patient avec ce praticien entre le {from} et le {} dans le lot.", l.date),
                ));
            }
        }
    }

    // 20 % of the practitioner's sessions in the calendar year.
    let by_year = group_by(
        lines,
        |l| l.session(),
        |l| {
            (
                l.ctx.practitioner_id,
                chrono::Datelike::year(&l.date),
            )
        },
    );
    for ((_, year), idx) in &by_year {
        let remote = idx.iter().filter(|&&i| lines[i].telesoin()).count();
        let total = idx.len();
        if remote * 5 > total {
            for &i in idx.iter().filter(|&&i| lines[i].telesoin()) {
                out[i].push(Finding::new(
                    FindingCode::TelesoinShareExceeded,
                    format!("Télésoin : {remote} séances sur {total} en {year} pour ce praticien, au-delà de 20 %."),
                ));
            }
        }
    }
}
