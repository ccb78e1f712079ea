//! Night and Sunday / public holiday majorations, NGAP DG art. 14 and 14 B,
//! extended by the Titre XIV dispositions liminaires to repeated acts when
//! a daily treatment is imperative.
//!
//! For an urgency justified by the patient's state, acts performed at night
//! (20:00–08:00, the call made between 19:00 and 07:00) or on a Sunday or
//! public holiday add a flat majoration: 9.15 € at night, 7.62 € on Sundays
//! and public holidays (avenant of 15/06/1998). They are billed on their
//! own lines with the codes MDN and MDD of the SNDS nomenclature (IR_NAT_V
//! 1226 and 1228; the research notes could not confirm physiotherapy
//! software uses these exact codes).

use chrono::{NaiveTime, Timelike};

use super::holidays::is_sunday_or_holiday;
use super::{Concerns, Line, Runs, for_each_in};
use crate::fr::Date;
use crate::{Code, CodeKind, Finding, FindingCode};

fn in_window(t: NaiveTime, from_hour: u32, to_hour: u32) -> bool {
    t.hour() >= from_hour || t.hour() < to_hour
}

/// Single-line checks: the day and the hours.
pub(crate) fn check_line(l: &Line<'_>, out: &mut Vec<Finding>) {
    if l.code.kind() != CodeKind::Majoration {
        return;
    }
    out.push(Finding::new(
        FindingCode::MajorationJustification,
        "Majoration : seulement pour une urgence justifiée par l'état du patient (ou un traitement quotidien impératif), de préférence mentionnée sur la prescription.",
    ));
    match l.code {
        Code::MDD if !is_sunday_or_holiday(l.date, l.ctx.department) => out.push(Finding::new(
            FindingCode::MajorationNotApplicable,
            format!(
                "MDD le {} : ni un dimanche ni un jour férié{}.",
                Date(l.date),
                l.ctx
                    .department
                    .map(|d| format!(" dans le {d}"))
                    .unwrap_or_default()
            ),
        )),
        Code::MDN => {
            if let Some(t) = l.ctx.time.filter(|&t| !in_window(t, 20, 8)) {
                out.push(Finding::new(
                    FindingCode::MajorationNotApplicable,
                    format!(
                        "MDN : acte à {} ; la nuit va de 20 h à 8 h.",
                        t.format("%H h %M")
                    ),
                ));
            }
            if let Some(t) = l.ctx.call_time.filter(|&t| !in_window(t, 19, 7)) {
                out.push(Finding::new(
                    FindingCode::MajorationNotApplicable,
                    format!("MDN : appel à {} ; la majoration de nuit suppose un appel entre 19 h et 7 h.", t.format("%H h %M")),
                ));
            }
        }
        _ => {}
    }
}

/// Cross-line checks: an act the same day, one majoration per act.
pub(crate) fn check(lines: &[Line<'_>], runs: &Runs, out: &mut [Vec<Finding>]) {
    for_each_in(
        (&runs.days, Concerns::MAJORATION),
        lines,
        |_| true,
        |idx| {
            let majoration = |i: usize| lines[i].code.kind() == CodeKind::Majoration;
            if !idx.iter().any(|&i| majoration(i)) {
                return;
            }
            let acts = idx
                .iter()
                .filter(|&&i| lines[i].session() || lines[i].act_line())
                .count();
            let maj: Vec<usize> = idx.iter().copied().filter(|&i| majoration(i)).collect();
            for (n, &i) in maj.iter().enumerate() {
                if acts == 0 {
                    out[i].push(Finding::new(
                        FindingCode::MajorationWithoutAct,
                        "Majoration sans acte du même patient, du même praticien le même jour.",
                    ));
                } else if n >= acts {
                    out[i].push(Finding::new(
                    FindingCode::MajorationNotApplicable,
                    format!("{} majorations pour {acts} acte(s) ce jour : une seule majoration (nuit ou dimanche) par acte.", maj.len()),
                ));
                }
            }
        },
    );
}
