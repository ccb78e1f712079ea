//! Two sessions the same day.
//!
//! NGAP Titre XIV, dispositions liminaires (added by the UNCAM decision of
//! 14/12/2023, in force 2024-02-22): one cotation per session; two sessions
//! the same day for one patient are billable, both at full rate, only with
//! two distinct prescriptions, for conditions under different NGAP articles,
//! on two distinct anatomical regions, in two distinct sessions. Exceptions
//! in the text: ARL 8.49 (art. 5, urgent airway clearance) and ARL 10
//! (mucoviscidose) and RPB (art. 10, burns) up to two sessions a day;
//! PLL 12 (art. 11) is a daily forfait; the BDK and the chapter IV
//! supplements add to a session; the multilayer bandage supplement RAV 1 /
//! RAV 2 never with RAV 15.5 (art. 7).
//!
//! Before 2024-02-22, DG art. 11 B applied instead; this rule does not look
//! at those dates. The anatomical regions are not in the invoice data: two
//! different articles are taken as two regions.

use crate::history::Window;
use chrono::NaiveDate;

/// The window this family reads in a history: the day.
pub const WINDOW: Window = Window::Day;

use super::{Concerns, Line, Runs, for_each_in};
use crate::fr::Date;
use crate::nomenclature::ActTraits;
use crate::{Finding, FindingCode};

pub(crate) const IN_FORCE: NaiveDate = match NaiveDate::from_ymd_opt(2024, 2, 22) {
    Some(d) => d,
    None => panic!(),
};

fn twice_a_day(l: &Line<'_>) -> Option<&'static str> {
    let a = l.single_act()?;
    match a.id.as_str() {
        "A5-DESENCOMBREMENT" => Some("ARL 8,49"),
        "A5-MUCOVISCIDOSE" => Some("ARL 10"),
        id if id.starts_with("A10-") => Some("RPB"),
        _ => None,
    }
}

fn is_pll(l: &Line<'_>) -> bool {
    l.all_are(ActTraits::PALLIATIVE)
}

/// Applies the rule to the whole batch.
pub(crate) fn check(lines: &[Line<'_>], runs: &Runs, out: &mut [Vec<Finding>]) {
    let mut accepted: Vec<usize> = Vec::new();
    for_each_in(
        (&runs.days, Concerns::SESSIONS_SAME_DAY),
        lines,
        |l| l.concerns(Concerns::SESSION_IN_FORCE),
        |idx| {
            // One session a day is always allowed.
            if idx.len() < 2 {
                return;
            }
            let date = lines[idx[0]].date;
            accepted.clear();
            let mut pll: Option<usize> = None;
            for &i in idx {
                let l = &lines[i];
                if is_pll(l) {
                    if let Some(p) = pll {
                        out[i].push(Finding::new(
                            FindingCode::SameDayNotAllowed,
                            format!(
                                "PLL 12 est un forfait journalier : déjà facturé le {} (facture {}).",
                                Date(date),
                                lines[p].ctx.invoice_id
                            ),
                        ));
                        continue;
                    }
                    pll = Some(i);
                }
                let Some(&first) = accepted.first() else {
                    accepted.push(i);
                    continue;
                };
                let f = &lines[first];
                if let (Some(name), Some(other)) = (twice_a_day(l), twice_a_day(f))
                    && accepted.len() == 1
                    && name == other
                {
                    if l.ctx.session.is_some() && l.ctx.session != f.ctx.session {
                        accepted.push(i);
                    } else {
                        out[i].push(Finding::new(
                            FindingCode::SameDayNotAllowed,
                            format!("{name} : deux séances par jour possibles, mais dans deux séances distinctes (colonne session) ; facture {} le même jour.", f.ctx.invoice_id),
                        ));
                    }
                    continue;
                }
                if accepted.len() >= 2 {
                    out[i].push(Finding::new(
                    FindingCode::SameDayNotAllowed,
                    format!("Troisième séance le {} pour ce patient : au plus deux séances le même jour.", Date(date)),
                ));
                    continue;
                }
                let mut missing = Vec::new();
                match (&l.ctx.prescription_id, &f.ctx.prescription_id) {
                    (Some(a), Some(b)) if a != b => {}
                    _ => missing.push("deux prescriptions distinctes"),
                }
                match (l.article(), f.article()) {
                    (Some(a), Some(b)) if a != b => {}
                    (Some(a), Some(_)) => missing.push(if a == "1" {
                        "des articles NGAP différents (les deux actes relèvent de l'article 1)"
                    } else {
                        "des articles NGAP différents"
                    }),
                    _ => missing.push("des articles NGAP différents (article de l'acte inconnu)"),
                }
                match (&l.ctx.session, &f.ctx.session) {
                    (Some(a), Some(b)) if a != b => {}
                    _ => missing.push("deux séances distinctes (colonne session)"),
                }
                if missing.is_empty() {
                    accepted.push(i);
                } else {
                    out[i].push(Finding::new(
                        FindingCode::SameDayNotAllowed,
                        format!(
                            "Deuxième séance le {} (après la facture {}) : il manque {}.",
                            Date(date),
                            f.ctx.invoice_id,
                            missing.join(", ")
                        ),
                    ));
                }
            }
        },
    );

    // RAV 1 / RAV 2 (multilayer bandage) never with RAV 15.5.
    for_each_in(
        (&runs.days, Concerns::LYMPH_BREAST),
        lines,
        |l| l.act_line(),
        |idx| {
            let with_breast = idx
                .iter()
                .any(|&i| lines[i].all_are(ActTraits::LYMPH_BREAST));
            if !with_breast {
                return;
            }
            for &i in idx {
                if lines[i].all_are(ActTraits::BANDAGE) {
                    out[i].push(Finding::new(
                    FindingCode::SameDayNotAllowed,
                    "Supplément bandage multicouche (RAV 1 / RAV 2) : jamais avec RAV 15,5, dont la cotation comprend le bandage.",
                ));
                }
            }
        },
    );
}
