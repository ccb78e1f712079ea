//! Who pays what, in the batch (with a `regime`, `exoneration` or
//! `tiers_payant` column): each priced line's AMO rate and amount, the
//! patient's share and the franchise ([`crate::coverage`]), for the
//! formatter's split columns ([`crate::batch::SPLIT_COLUMNS`]).
//!
//! With the rules on, a group is one practitioner's lines: the franchise's
//! daily and yearly caps run over each patient's lines of the group, in
//! date order (a day's lines in input order). With `--no-rules`, no
//! cross-line rule runs: each line's franchise is shown before the caps.
//! The batch's caps see the batch's lines only (the session API also
//! counts the history's).

use std::collections::HashMap;

use chrono::NaiveDate;

use crate::coverage::franchise::Caps;
use crate::coverage::{self, Table};
use crate::rules::Ctx;
use crate::{Decimal, Finding, FindingCode, Priced};

/// A line's split cells: AMO rate, AMO amount, patient's share, franchise;
/// and its prestation code.
pub(in crate::batch) type Shares = ([Decimal; 4], Option<u16>);

/// The shares of a group's lines (none for a line without an amount, or
/// whose coverage does not apply on its date: an `INVALID_FIELD` finding
/// is added to it then). Out of line: only batches with a coverage column
/// call it.
#[inline(never)]
pub(super) fn group_shares(
    priced: &mut [Option<Priced<'_>>],
    ctxs: &[Ctx<'_>],
    caps: bool,
) -> Vec<Option<Shares>> {
    let table = Table::embedded();
    let mut shares: Vec<Option<Shares>> = Vec::with_capacity(priced.len());
    for (p, ctx) in priced.iter_mut().zip(ctxs) {
        let Some(p) = p else {
            shares.push(None);
            continue;
        };
        let Some(amount) = p.amount else {
            shares.push(None);
            continue;
        };
        let kind = coverage::LineKind::of(p.line.code);
        let birth = ctx.patient_birth_date;
        match coverage::split_with(table, &ctx.coverage, p.line.date, kind, amount, birth) {
            Ok(s) => shares.push(Some((
                [s.amo_rate, s.amo_amount, s.patient_amount, s.franchise],
                crate::prestation::prestation_code(p.line.code, p.line.date),
            ))),
            Err(e) => {
                p.findings
                    .push(Finding::new(FindingCode::InvalidField, format!("{e}.")));
                shares.push(None);
            }
        }
    }
    if caps {
        let mut patients: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, (s, ctx)) in shares.iter().zip(ctxs).enumerate() {
            if s.is_some() {
                patients.entry(ctx.patient_id).or_default().push(i);
            }
        }
        for (_, at) in patients {
            let date = |i: usize| priced.get(i).and_then(|p| p.as_ref()).map(|p| p.line.date);
            let (at, mut items): (Vec<usize>, Vec<(NaiveDate, Decimal)>) = at
                .iter()
                .filter_map(|&i| Some((i, (date(i)?, shares.get(i)?.as_ref()?.0[3]))))
                .unzip();
            Caps::cap_patient(table, Vec::new(), &mut items);
            for (i, (_, f)) in at.into_iter().zip(items) {
                if let Some(Some(s)) = shares.get_mut(i) {
                    s.0[3] = f;
                }
            }
        }
    }
    shares
}
