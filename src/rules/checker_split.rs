//! The reimbursement split of a [`Checker`](super::Checker)'s lines
//! ([`crate::coverage`]): each priced line's AMO rate and amount, the
//! patient's share, and its franchise after the daily and yearly caps.
//!
//! The caps run over a patient's acts with this practitioner in date order
//! (lines of one day in the order added): first the history's acts of the
//! same calendar year (each charged the franchise of its date, with the
//! patient's coverage of the line being checked — the history does not
//! keep it), then the lines checked. The other professionals' franchises,
//! which share the yearly cap, are not visible: the franchise shown is at
//! most what the caisse will deduct.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::coverage::franchise::Caps;
use crate::coverage::{self, LineKind, Table};
use crate::history::History;
use crate::{Decimal, Error};

use super::LineContext;

/// A line's split, in its [`LineResult`](super::LineResult).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineSplit {
    /// AMO rate, in %.
    #[serde(with = "rust_decimal::serde::str")]
    pub amo_rate: Decimal,
    /// What the AMO pays, rounded to the cent.
    #[serde(with = "rust_decimal::serde::str")]
    pub amo_amount: Decimal,
    /// The rest, the patient's share (a complementary insurer or the C2S
    /// may pay it).
    #[serde(with = "rust_decimal::serde::str")]
    pub patient_amount: Decimal,
    /// The franchise médicale the caisse will deduct later at most, after
    /// the daily and yearly caps seen here; never subtracted from the
    /// invoice.
    #[serde(with = "rust_decimal::serde::str")]
    pub franchise: Decimal,
    /// The rate's source.
    pub source: String,
    /// The SNDS prestation code of the line's code ([`crate::prestation`];
    /// none where the sources give none, as for the 2024 key letters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prestation_code: Option<u16>,
}

/// One line to split: its date, code, amount (none: not billable, no
/// split) and context.
pub(crate) struct ToSplit<'a> {
    pub date: NaiveDate,
    pub code: crate::Code,
    pub amount: Option<Decimal>,
    pub ctx: &'a LineContext,
}

/// A line's split, or why its coverage does not apply (the message of an
/// `INVALID_FIELD` finding).
pub(crate) type SplitOrWhy = (Option<LineSplit>, Option<String>);

/// The split of each line (none for a line without an amount, or whose
/// coverage does not apply on its date: the finding says why), and the
/// findings of coverages that do not apply, by line.
pub(crate) fn split_lines(
    lines: &[ToSplit<'_>],
    history: Option<&dyn History>,
) -> Result<Vec<SplitOrWhy>, Error> {
    let table = Table::embedded();
    let mut out: Vec<SplitOrWhy> = lines
        .iter()
        .map(|l| match l.amount {
            None => (None, None),
            Some(amount) => {
                let c = l.ctx.coverage();
                let birth = l.ctx.patient_birth_date;
                match coverage::split_with(table, &c, l.date, LineKind::of(l.code), amount, birth) {
                    Ok(s) => (
                        Some(LineSplit {
                            amo_rate: s.amo_rate,
                            amo_amount: s.amo_amount,
                            patient_amount: s.patient_amount,
                            franchise: s.franchise,
                            source: s.rate_source,
                            prestation_code: crate::prestation::prestation_code(l.code, l.date),
                        }),
                        None,
                    ),
                    Err(e) => (None, Some(e.to_string())),
                }
            }
        })
        .collect();
    // Each patient's acts with each practitioner, in date order.
    let mut patients: HashMap<(&str, &str), Vec<usize>> = HashMap::new();
    for (i, l) in lines.iter().enumerate() {
        if out.get(i).is_some_and(|(s, _)| s.is_some()) {
            patients
                .entry((l.ctx.practitioner_id.as_str(), l.ctx.patient_id.as_str()))
                .or_default()
                .push(i);
        }
    }
    for ((practitioner, patient), at) in patients {
        let Some(first) = at
            .iter()
            .filter_map(|&i| lines.get(i))
            .min_by_key(|l| l.date)
        else {
            continue;
        };
        let c = first.ctx.coverage();
        let birth = first.ctx.patient_birth_date;
        let mut past: Vec<(NaiveDate, Decimal)> = Vec::new();
        if let Some(h) = history {
            let last = at
                .iter()
                .filter_map(|&i| lines.get(i))
                .map(|l| l.date)
                .max()
                .unwrap_or(first.date);
            let year_start = NaiveDate::from_ymd_opt(first.date.year(), 1, 1).unwrap_or(first.date);
            let end = last.succ_opt().unwrap_or(last);
            for p in h.patient_lines(practitioner, patient, year_start..end)? {
                if LineKind::of(p.code) == LineKind::Act
                    && !coverage::exempt(table, &c, p.date, birth)
                {
                    let f = table
                        .at("franchise", "per_act", p.date)
                        .map_or(Decimal::ZERO, |r| r.value);
                    past.push((p.date, f));
                }
            }
        }
        // The lines checked, in the order added (a day's lines charged so).
        let (at, mut items): (Vec<usize>, Vec<(NaiveDate, Decimal)>) = at
            .iter()
            .filter_map(|&i| {
                let l = lines.get(i)?;
                let s = out.get(i)?.0.as_ref()?;
                Some((i, (l.date, s.franchise)))
            })
            .unzip();
        Caps::cap_patient(table, past, &mut items);
        for (i, (_, f)) in at.into_iter().zip(items) {
            if let Some((Some(s), _)) = out.get_mut(i) {
                s.franchise = f;
            }
        }
    }
    Ok(out)
}
