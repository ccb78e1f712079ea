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

use crate::history::Window;
use chrono::Datelike;

/// The window the known-patient check reads in a history: a presential act
/// in the 12 months before.
pub const KNOWN_PATIENT_WINDOW: Window = Window::MonthsBefore(12);

/// The window the 20 % share reads in a history: the practitioner's
/// sessions of the calendar year. A forward-looking rule: checked
/// incrementally, the share is the share **so far** (the history's
/// sessions of the year and the lines checked), and a remote session is
/// flagged once it is above 20 % of at least [`SHARE_MINIMUM_SESSIONS`]
/// sessions; the year-end figure is `kine-tarif history report --year`.
pub const SHARE_WINDOW: Window = Window::CalendarYear;

/// The sessions of a history counted for the share, by practitioner: each
/// year's (year, remote sessions, sessions), the lines being checked left
/// out ([`crate::history::windows`]).
pub(crate) type ShareBase = std::collections::BTreeMap<String, Vec<(i32, usize, usize)>>;

/// Checked against a history, the share is not judged on fewer sessions of
/// the year than this (the first remote session of January would be
/// 100 %): 20 sessions, about a week of a practitioner's activity. A
/// choice of kine-tarif, the convention gives no minimum; without a
/// history the batch is taken as the year's activity and no minimum
/// applies.
pub const SHARE_MINIMUM_SESSIONS: usize = 20;

use super::{Concerns, Line, Runs, for_each_in};
use crate::fr::{Date, Num};
use crate::nomenclature::ActTraits;
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
                "Séance à distance : se cote TMK {} (lettre clé du télésoin), et non {} {}.",
                l.coefficient
                    .map(|c| Num(c).to_string())
                    .unwrap_or_default(),
                l.code,
                l.coefficient
                    .map(|c| Num(c).to_string())
                    .unwrap_or_default()
            ),
        ));
    }
    if l.telesoin() && l.all_acts(|a| excluded(a).is_some()) {
        let why = l
            .acts
            .as_slice()
            .first()
            .and_then(|a| excluded(a))
            .unwrap_or_default();
        out.push(Finding::new(
            FindingCode::TelesoinExcluded,
            format!("Acte exclu du télésoin : {why}."),
        ));
    }
}

/// Cross-line checks.
pub(crate) fn check(
    lines: &[Line<'_>],
    runs: &Runs,
    out: &mut [Vec<Finding>],
    share: Option<&ShareBase>,
) {
    // One patient of one practitioner: travel the same day, the initial BDK,
    // a presential act in the 12 months before.
    for_each_in(
        (&runs.patients, Concerns::TELESOIN_ACT),
        lines,
        |_| true,
        |idx| {
            for &i in idx
                .iter()
                .filter(|&&i| lines[i].telesoin() && lines[i].act_line())
            {
                let l = &lines[i];
                let same_day = idx.iter().filter(|&&j| lines[j].date == l.date);
                let mut travel: Vec<&str> = same_day
                    .clone()
                    .filter(|&&j| lines[j].travel())
                    .map(|&j| lines[j].code.as_str())
                    .collect();
                travel.dedup();
                if !travel.is_empty() {
                    out[i].push(Finding::new(
                        FindingCode::TelesoinWithTravel,
                        format!(
                            "Télésoin facturé avec une indemnité de déplacement ({}) le même jour.",
                            travel.join(", ")
                        ),
                    ));
                }
                let bdk = same_day.clone().any(|&j| lines[j].all_are(ActTraits::BDK));
                if bdk {
                    let earlier = idx.iter().any(|&j| {
                        let o = &lines[j];
                        o.session() && !o.telesoin() && o.same_prescription(l) && o.date < l.date
                    });
                    if !earlier {
                        out[i].push(Finding::new(
                        FindingCode::TelesoinFirstSession,
                        "Première séance (avec le bilan-diagnostic initial) : elle doit avoir lieu en présence du patient.",
                    ));
                    }
                }
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
                    format!("Aucun acte en présence de ce patient avec ce praticien entre le {} et le {} dans le lot.", Date(from), Date(l.date)),
                ));
                }
            }
        },
    );

    // 20 % of the practitioner's sessions in the calendar year. A
    // practitioner's lines come together (rule order): counted per run,
    // over the few years it spans. Only remote sessions are found wrong.
    if runs.concerns & Concerns::TELESOIN_SESSION == 0 {
        return;
    }
    // (practitioner run, year, remote sessions, sessions), in rule order:
    // a practitioner's entries together, in the order of the runs.
    // With a history, its sessions of the year come counted (`share`):
    // its lines among `lines` are not counted again.
    let mut counts: Vec<(u32, i32, usize, usize)> = Vec::new();
    let mut first = 0;
    for l in lines
        .iter()
        .filter(|l| l.session() && (share.is_none() || !l.past()))
    {
        let (p, y, remote) = (l.practitioner_run, l.date.year(), usize::from(l.telesoin()));
        if counts.last().is_none_or(|c| c.0 != p) {
            first = counts.len();
        }
        match counts[first..].iter_mut().find(|c| c.1 == y) {
            Some(c) => (c.2, c.3) = (c.2 + remote, c.3 + 1),
            None => counts.push((p, y, remote, 1)),
        }
    }
    for (i, l) in lines.iter().enumerate() {
        if !(l.session() && l.telesoin()) {
            continue;
        }
        let (p, y) = (l.practitioner_run, l.date.year());
        let from = counts.partition_point(|c| c.0 < p);
        let Some(&(_, _, mut remote, mut total)) = counts[from..]
            .iter()
            .take_while(|c| c.0 == p)
            .find(|c| c.1 == y)
        else {
            continue;
        };
        if let Some(base) = share {
            let past = base
                .get(l.ctx.practitioner_id)
                .and_then(|years| years.iter().find(|c| c.0 == y));
            if let Some(&(_, r, t)) = past {
                (remote, total) = (remote + r, total + t);
            }
        }
        if remote * 5 > total && (share.is_none() || total >= SHARE_MINIMUM_SESSIONS) {
            out[i].push(Finding::new(
                FindingCode::TelesoinShareExceeded,
                format!("Télésoin : {remote} séances sur {total} en {y} pour ce praticien, au-delà de 20 %."),
            ));
        }
    }
}
