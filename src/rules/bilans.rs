//! Bilans, NGAP Titre XIV chapter I.
//!
//! - Section 1: the isolated bilans are billable only when no
//!   rehabilitation is ongoing or prescribed at the same time. A treatment
//!   is taken as ongoing when the batch holds, for the patient, a session
//!   on the same prescription, or on the same day, or sessions both in the
//!   30 days before and in the 30 days after the bilan.
//! - Section 2 §3: the BDK forfait AMK 10.7 is billed for a series of 1 to
//!   10 sessions, then at the 30th session, then every 20 sessions; AMK 10.8
//!   (neurological and muscular conditions) at the start, the 60th, then
//!   every 50. The rank is the number of sessions of the patient's
//!   prescription up to the BDK's day, in the batch.

use crate::history::Window;
use chrono::{Days, NaiveDate};

/// The window of the isolated bilans in a history: 30 days before and
/// after (forward-looking: checked incrementally, the sessions after the
/// bilan are those already recorded, so a bilan followed by treatment is
/// only seen once the treatment is recorded; re-check it then, or use the
/// year-end report).
pub const WINDOW: Window = Window::Days(30);

/// The window of the BDK ranks: the prescription's series, taken as the
/// 24 months before.
pub const SERIES_WINDOW: Window = Window::MonthsBefore(24);

use super::{Concerns, Line, Runs};
use crate::nomenclature::ActTraits;
use crate::{Finding, FindingCode};

fn allowed_rank(neuro: bool, rank: usize) -> bool {
    let (second, step) = if neuro { (60, 50) } else { (30, 20) };
    rank <= 1 || (rank >= second && (rank - second).is_multiple_of(step))
}

/// Applies the rules to the whole batch.
pub(crate) fn check(lines: &[Line<'_>], runs: &Runs, out: &mut [Vec<Finding>]) {
    let mut sessions: Vec<usize> = Vec::new();
    let mut seen: Vec<(&str, usize)> = Vec::new();
    // Each patient with a bilan, its lines in rule order (a run's lines are
    // contiguous: walked as a range, once for its sessions and once for
    // its bilans).
    for r in runs
        .patients
        .iter()
        .filter(|r| r.concerns & Concerns::BILAN != 0)
    {
        sessions.clear();
        // (A session is an act line: `Line::session`.)
        sessions.extend(r.lines.clone().filter(|&i| lines[i].session()));
        seen.clear();
        for i in r.lines.clone() {
            let b = &lines[i];
            if !b.concerns(Concerns::BILAN) {
                continue;
            }
            if b.all_are(ActTraits::BILAN_S1) {
                isolated_bilan(lines, &sessions, i, &mut out[i]);
            }
            // BDK ranks, per prescription.
            if b.all_are(ActTraits::BDK) {
                let neuro = b.all_are(ActTraits::BDK_NEURO);
                let rank = sessions
                    .iter()
                    .filter(|&&j| lines[j].same_prescription(b) && lines[j].date <= b.date)
                    .count();
                let key = (b.prescription_key(), rank.max(1));
                let twice = seen.contains(&key);
                if !allowed_rank(neuro, rank) || twice {
                    let (second, step) = if neuro { (60, 50) } else { (30, 20) };
                    out[i].push(Finding::new(
                    FindingCode::BdkRank,
                    format!(
                        "Bilan-diagnostic à la séance {rank}{} : facturable au début, puis à la {second}e séance, puis toutes les {step} séances.",
                        if twice { " (déjà facturé à ce rang)" } else { "" }
                    ),
                ));
                }
                seen.push(key);
            }
        }
    }
}

/// Section 1: the isolated bilan `lines[i]` during a treatment (the
/// patient's `sessions`).
fn isolated_bilan(lines: &[Line<'_>], sessions: &[usize], i: usize, out: &mut Vec<Finding>) {
    let b = &lines[i];
    let same_prescription =
        b.ctx.prescription_id.is_some() && sessions.iter().any(|&j| lines[j].same_prescription(b));
    let same_day = sessions.iter().any(|&j| lines[j].date == b.date);
    // The 30 days before and after, worked out once (at the ends of the
    // calendar, up to its first or last day).
    let from = b
        .date
        .checked_sub_days(Days::new(30))
        .unwrap_or(NaiveDate::MIN);
    let to = b
        .date
        .checked_add_days(Days::new(30))
        .unwrap_or(NaiveDate::MAX);
    let before = sessions
        .iter()
        .any(|&j| lines[j].date < b.date && lines[j].date >= from);
    let after = sessions
        .iter()
        .any(|&j| lines[j].date > b.date && lines[j].date <= to);
    if same_prescription || same_day || (before && after) {
        out.push(Finding::new(
            FindingCode::BilanDuringTreatment,
            "Bilan isolé (chap. I section 1) pendant une rééducation en cours ou prescrite en même temps : non facturable.",
        ));
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn bdk_ranks_from_the_text() {
        let ok: Vec<usize> = (0..=130)
            .filter(|&r| super::allowed_rank(false, r))
            .collect();
        assert_eq!(ok, [0, 1, 30, 50, 70, 90, 110, 130]);
        let ok: Vec<usize> = (0..=160)
            .filter(|&r| super::allowed_rank(true, r))
            .collect();
        assert_eq!(ok, [0, 1, 60, 110, 160]);
    }
}
