//! Processing a block (a worker's stage): each practitioner's lines are
//! parsed, priced (with the worker's pricing cache), checked by the rules
//! (one practitioner at a time), and formatted by [`super::format`] into a
//! chunk of output rows. A panic here is caught and becomes
//! [`Error::Internal`] with the block's rows, never a hang.

use super::Summary;
use crate::batch::parse::{self};
use crate::pricing::PriceCache;
use crate::rules::{self, Core, Ctx, Line};
use crate::{Error, Finding, Priced};

use super::*;

/// The output of some lines: their formatted rows, and where each row is
/// when they are not in input order.
pub(super) struct Chunk {
    pub(super) buf: Vec<u8>,
    pub(super) ranges: Vec<(usize, usize, usize)>,
    pub(super) summary: Summary,
    /// The practitioners of a streamed block, in order: id, first and last
    /// row of each run (checked for grouping before the chunk is written).
    pub(super) runs: Vec<(Vec<u8>, u64, u64)>,
    /// The history could not be read: the run stops with this error.
    pub(super) error: Option<Error>,
}

/// One processed line, waiting to be formatted (its pricing is beside it,
/// in a vector of its own: a work item this small is pushed without a
/// call to `memcpy`).
pub(super) struct Work<'a> {
    pub(super) index: usize,
    pub(super) findings: Vec<Finding>,
    pub(super) fields: parse::Fields<'a>,
    /// The pricing cache's entry the line was priced as, if any: lines
    /// with the same entry show the same columns 6 to 11.
    pub(super) entry: Option<u64>,
}

/// What a worker keeps from one block to the next: per-line vectors,
/// empty (what is kept is their allocation), and the pricing of the lines
/// seen ([`Tariffs::price_cached`]).
#[derive(Default)]
pub(super) struct Scratch<'t> {
    pub(super) works: Vec<Work<'static>>,
    pub(super) priced: Vec<Option<Priced<'static>>>,
    pub(super) ctxs: Vec<Ctx<'static>>,
    pub(super) prices: PriceCache<'t>,
    pub(super) dates: parse::DateMemo,
    pub(super) fields: parse::FieldsMemo,
}

/// An empty vector of another lifetime with the allocation of `v`: the
/// types differ in lifetimes only, so the standard library collects in
/// place, into the same memory.
pub(super) fn recycle<T, U>(mut v: Vec<T>) -> Vec<U> {
    v.clear();
    v.into_iter().filter_map(|_| None).collect()
}

/// Processes `lines` of `block` into a chunk, writing into `buf` (a
/// buffer handed back by the writer, or a new one). With `runs` (and the
/// rules on), the chunk lists the practitioner runs it found, for the
/// grouping check of streamed blocks.
pub(super) fn process<'t>(
    setup: &Setup<'t>,
    block: &Block,
    lines: &[usize],
    (track, runs): (bool, bool),
    (buf, scratch): (Vec<u8>, &mut Scratch<'t>),
) -> Chunk {
    let mut out = Formatter::new(setup, track);
    out.buf = buf;
    out.buf.clear();
    // An output row is some 80 to 100 bytes: grow the buffer once.
    out.buf.reserve(lines.len() * 96);
    out.plain_echo = block.plain && setup.delimiter == b',';
    let prac = setup.cols.practitioner_id;
    // One UTF-8 check for the whole block; a block with invalid bytes is
    // checked field by field, so the bad field becomes a finding.
    let text = std::str::from_utf8(&block.data).ok();
    // Reused from one practitioner (and block) to the next.
    let mut works = recycle(std::mem::take(&mut scratch.works));
    let mut priced = recycle(std::mem::take(&mut scratch.priced));
    let mut ctxs = recycle(std::mem::take(&mut scratch.ctxs));
    let mut practitioners = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let j = process_group(
            setup,
            block,
            text,
            (lines, i),
            (&mut works, &mut priced, &mut ctxs),
            (
                &mut out,
                &mut scratch.prices,
                (&mut scratch.dates, &mut scratch.fields),
            ),
        );
        if runs && setup.options.rules {
            let row = |k: usize| block.lines[lines[k]].row;
            let p = block.practitioner(lines[i], prac);
            practitioners.push((p.to_vec(), row(i), row(j - 1)));
        }
        i = j;
    }
    scratch.works = recycle(works);
    scratch.priced = recycle(priced);
    scratch.ctxs = recycle(ctxs);
    let mut chunk = out.finish();
    chunk.runs = practitioners;
    chunk
}

/// Processes the lines `lines[from..]` of one practitioner (with the
/// rules on: up to the first line of another; without them, up to 4,096
/// lines) and formats their rows; returns where it stopped.
pub(super) fn process_group<'t, 'b>(
    setup: &Setup<'t>,
    block: &'b Block,
    text: Option<&'b str>,
    (lines, from): (&[usize], usize),
    (works, priced, ctxs): (
        &mut Vec<Work<'b>>,
        &mut Vec<Option<Priced<'t>>>,
        &mut Vec<Ctx<'b>>,
    ),
    (out, prices, dates): (
        &mut Formatter<'_>,
        &mut PriceCache<'t>,
        (&mut parse::DateMemo, &mut parse::FieldsMemo),
    ),
) -> usize
where
    't: 'b,
{
    let t = setup.tariffs;
    let rules = setup.options.rules;
    works.clear();
    priced.clear();
    ctxs.clear();
    let until = if rules {
        lines.len()
    } else {
        (from + 4096).min(lines.len())
    };
    // The practitioner's id, from the first line; the group ends where
    // another starts (read from the slots, which hold the same trimmed
    // field, unless the block is not UTF-8).
    let mut practitioner: Option<&[u8]> = None;
    for &li in &lines[from..until] {
        let mut findings = Vec::new();
        if block.unclosed(li) {
            findings.push(unclosed_quote());
        }
        let slots = parse::fill_slots(
            block.fields(li),
            &block.data,
            text,
            (&setup.cols.slots, setup.headers),
            &mut findings,
        );
        if rules {
            let p = match text {
                Some(_) => slots[parse::slot::PRACTITIONER_ID].as_bytes(),
                None => block.practitioner(li, setup.cols.practitioner_id),
            };
            match practitioner {
                Some(first) if !crate::bytes::same(first, p) => break,
                Some(_) => {}
                None => practitioner = Some(p),
            }
        }
        // The pricing is built and filled where it lives (a push of the
        // whole item would copy it).
        let k = priced.len();
        priced.resize_with(k + 1, || None);
        let p = &mut priced[k];
        ctxs.push(parse::context(&slots, &mut findings));
        let (line, fields) =
            parse::invoice_line((&slots, &block.data), &mut findings, (dates.0, dates.1));
        let entry = line.and_then(|line| {
            t.price_cached(
                p.insert(Priced::new(line)),
                parse::opt(fields.act_id),
                prices,
            )
        });
        works.push(Work {
            index: li,
            findings,
            fields,
            entry,
        });
    }
    if setup.options.rules {
        let mut positions = Vec::with_capacity(works.len());
        let mut lines = Vec::with_capacity(works.len());
        for (w, (p, ctx)) in priced.iter_mut().zip(ctxs.iter()).enumerate() {
            if let Some(p) = p {
                let line = Line::new(Core::new(t, p), ctx);
                rules::check_line(&line, &mut p.findings);
                positions.push(w);
                lines.push(line);
            }
        }
        let cross = match (&setup.options.history, positions.first()) {
            (Some(h), Some(&w)) => {
                let practitioner = ctxs[w].practitioner_id;
                let found = (&mut out.error, &mut out.summary.history_lines);
                check_with_history((t, &mut *prices), h, practitioner, lines, found)
            }
            _ => rules::check_all(lines, true, None),
        };
        // One practitioner's lines (grouped above).
        for (w, f) in positions.into_iter().zip(cross) {
            // Most lines have none.
            if !f.is_empty()
                && let Some(p) = &mut priced[w]
            {
                p.findings.extend(f);
            }
        }
    }
    let shares = if setup.cols.split {
        super::shares::group_shares(priced, ctxs, rules)
    } else {
        Vec::new()
    };
    for (k, ((w, p), ctx)) in works
        .iter_mut()
        .zip(priced.iter_mut())
        .zip(ctxs.iter())
        .enumerate()
    {
        if let Some(p) = p
            && !p.findings.is_empty()
        {
            w.findings.append(&mut p.findings);
        }
        if !shares.is_empty() {
            out.shares = shares.get(k).copied().flatten();
        }
        out.row(block, w, p.as_ref(), ctx);
    }
    from + works.len()
}

/// [`crate::history::windows::check_against`] for the batch: a history
/// that cannot be read leaves its error in `error` (the run stops with it,
/// the chunk is not written); `consulted` counts the history's lines. Out
/// of line: a batch without a history does not carry this code in its loop.
#[inline(never)]
fn check_with_history<'t>(
    tp: (&'t crate::Tariffs, &mut PriceCache<'t>),
    history: &crate::history::SharedHistory,
    practitioner: &str,
    lines: Vec<Line<'_>>,
    (error, consulted): (&mut Option<Error>, &mut u64),
) -> Vec<Vec<Finding>> {
    let n = lines.len();
    match crate::history::windows::check_against(tp, history.history(), practitioner, lines) {
        Ok((cross, past)) => {
            *consulted += past as u64;
            cross
        }
        Err(e) => {
            error.get_or_insert(e);
            vec![Vec::new(); n]
        }
    }
}

/// The finding of a line whose quote is left open (out of line: rare).
#[inline(never)]
pub(super) fn unclosed_quote() -> Finding {
    Finding::new(
        crate::FindingCode::InvalidField,
        "Guillemet ouvert et non refermé sur la ligne : le reste de la ligne est lu comme un seul champ (une ligne de facture ne peut pas continuer sur la suivante).",
    )
}

/// A worker that stopped without saying why (its channel closed): a bug.
pub(in crate::batch) fn worker_panicked() -> Error {
    Error::Internal {
        first: 0,
        last: 0,
        message: "un fil de traitement s'est arrêté".into(),
    }
}

/// The error of a worker that panicked on `block`: the data rows it was
/// on (the output's `row` column).
pub(super) fn worker_failed(block: &Block, payload: &(dyn std::any::Any + Send)) -> Error {
    let row = |l: Option<&RawLine>| l.map_or(0, |l| l.row);
    let message = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panique".into());
    Error::Internal {
        first: row(block.lines.first()),
        last: row(block.lines.last()),
        message,
    }
}

/// [`process`] with a panic caught and turned into [`Error::Internal`]:
/// a bug in one worker stops the run promptly, never hangs it (the other
/// threads wait on channels the failed one would have fed).
///
/// `KINE_TARIF_FAIL_AT_ROW` (read once a run, into `Setup::fail_at`)
/// makes the worker given that data row fail, to test this path.
pub(super) fn process_caught<'t>(
    setup: &Setup<'t>,
    block: &Block,
    lines: &[usize],
    flags: (bool, bool),
    (buf, scratch): (Vec<u8>, &mut Scratch<'t>),
) -> Result<Chunk, Error> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        if let Some(row) = setup.fail_at
            && lines
                .iter()
                .any(|&i| block.lines.get(i).is_some_and(|l| l.row == row))
        {
            #[allow(clippy::panic)]
            {
                panic!("défaillance provoquée par KINE_TARIF_FAIL_AT_ROW={row}");
            }
        }
        process(setup, block, lines, flags, (buf, scratch))
    }))
    .map_err(|p| worker_failed(block, p.as_ref()))
    .and_then(|mut chunk| match chunk.error.take() {
        Some(e) => Err(e),
        None => Ok(chunk),
    })
}
