//! The batch engine: blocks of raw fields, parallel processing by
//! practitioner, output in input order. See the module documentation of
//! [`crate::batch`] for the strategy and its memory cost.

use std::collections::HashMap;
use std::io::{BufReader, BufWriter, Read, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, mpsc};

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;

use super::parse::{self, Columns};
use super::{BatchOptions, OUTPUT_COLUMNS, OutputFormat, REPRICE_COLUMNS, RepriceTotals, Summary};
use super::{records, split};
use crate::money::{
    is_money_text, parse_decimal, product3, push_decimal, push_money, push_u64, round_to_cent,
};
use crate::pricing::PriceCache;
use crate::rules::{self, Core, Ctx, Line};
use crate::{Code, CodeKind, Error, Finding, LineStatus, Priced, Tariffs};

/// The largest block (its offsets are `u32`): 4 GiB − 1.
const MAX_BLOCK: usize = u32::MAX as usize;

/// A practitioner whose lines do not fit one block (more than 4 GiB of
/// them, from data row `row` on).
fn practitioner_too_large(row: u64) -> Error {
    Error::Csv {
        line: row,
        message: "les lignes d'un même praticien dépassent 4 Gio : elles ne peuvent pas être traitées ensemble ; découpez le fichier, ou utilisez --no-rules".into(),
    }
}

/// Target size of a streamed block: 1 MiB, or a quarter of the memory
/// budget when that is smaller (the blocks in flight stay near the budget).
/// Small enough for the buffers going round to stay in cache and be
/// reused rather than page-faulted (4 MiB blocks: 17,000 faults a million
/// lines instead of 6,000).
fn block_bytes(budget: usize) -> usize {
    (1 << 20).min(budget / 4).max(1)
}

/// Lines as raw fields in one buffer: no allocation per line once grown.
/// Either the input bytes themselves, plain CSV whose fields are found
/// when a worker reads the line (`plain`), or the fields copied one after
/// the other from the csv crate's records, with their end offsets.
#[derive(Default)]
struct Block {
    data: Vec<u8>,
    ends: Vec<u32>,
    lines: Vec<RawLine>,
    plain: bool,
    delimiter: u8,
    /// Lines (indices into `lines`) whose quote was left open at the end
    /// of the line (lines from [`records`], in order).
    unclosed: Vec<u32>,
}

#[derive(Clone, Copy)]
struct RawLine {
    /// Offset of the line's first field in `data`.
    start: u32,
    /// Offset of the end of its last field (plain lines).
    end: u32,
    /// Index of its first field in `ends`, and its number of fields
    /// (lines from the csv crate).
    first: u32,
    n: u32,
    row: u64,
}

impl Block {
    /// A block of plain CSV lines (see [`split`]), numbered from `row`;
    /// reuses the index vectors of `self`.
    fn plain(mut self, data: Vec<u8>, delimiter: u8, row: u64) -> Block {
        self.plain = true;
        self.delimiter = delimiter;
        self.ends.clear();
        self.unclosed.clear();
        self.lines.clear();
        let mut row = row;
        let lines = &mut self.lines;
        lines.reserve(data.len() / 48);
        split::lines(&data, |start, end| {
            lines.push(RawLine {
                start,
                end,
                first: 0,
                n: 0,
                row,
            });
            row += 1;
        });
        self.data = data;
        self
    }

    /// Adds a line read by [`records`]; `closed`: whether its quotes
    /// closed.
    fn push(&mut self, rec: &csv::ByteRecord, row: u64, closed: bool) {
        if !closed {
            self.unclosed.push(self.lines.len() as u32);
        }
        let first = self.ends.len() as u32;
        // One copy of the record's fields, which the csv crate keeps
        // contiguous, then their end offsets.
        let base = self.data.len() as u32;
        self.data.extend_from_slice(rec.as_slice());
        self.ends
            .extend((0..rec.len()).map(|i| base + rec.range(i).map_or(0, |r| r.end) as u32));
        self.lines.push(RawLine {
            start: base,
            end: self.data.len() as u32,
            first,
            n: rec.len() as u32,
            row,
        });
    }

    /// Where line `i`'s fields are in `data`.
    fn fields(&self, i: usize) -> parse::RowFields<'_> {
        let l = self.lines[i];
        if self.plain {
            parse::RowFields::Line {
                start: l.start as usize,
                end: l.end as usize,
                delimiter: self.delimiter,
            }
        } else {
            parse::RowFields::Ends {
                ends: &self.ends[l.first as usize..(l.first + l.n) as usize],
                start: l.start as usize,
            }
        }
    }

    fn practitioner(&self, i: usize, col: Option<usize>) -> &[u8] {
        let l = self.lines[i];
        match col {
            Some(c) if self.plain => split::field_of(
                &self.data[l.start as usize..l.end as usize],
                self.delimiter,
                c,
            ),
            Some(c) if c < l.n as usize => {
                let k = (l.first as usize) + c;
                let start = if c == 0 { l.start } else { self.ends[k - 1] };
                self.data[start as usize..self.ends[k] as usize].trim_ascii()
            }
            _ => b"",
        }
    }

    /// Whether line `i` left a quote open (never, for plain blocks).
    fn unclosed(&self, i: usize) -> bool {
        !self.plain && self.unclosed.binary_search(&(i as u32)).is_ok()
    }

    fn bytes(&self) -> usize {
        self.data.len() + self.ends.len() * 4 + self.lines.len() * size_of::<RawLine>()
    }
}

#[derive(Clone)]
pub(super) struct Setup<'t> {
    pub(super) tariffs: &'t Tariffs,
    pub(super) delimiter: u8,
    pub(super) cols: Columns,
    pub(super) headers: usize,
    pub(super) options: BatchOptions,
    /// The data row whose worker fails on purpose (a test of the failure
    /// path; see [`process_caught`]).
    pub(super) fail_at: Option<u64>,
}

/// The output of some lines: their formatted rows, and where each row is
/// when they are not in input order.
struct Chunk {
    buf: Vec<u8>,
    ranges: Vec<(usize, usize, usize)>,
    summary: Summary,
    /// The practitioners of a streamed block, in order: id, first and last
    /// row of each run (checked for grouping before the chunk is written).
    runs: Vec<(Vec<u8>, u64, u64)>,
}

/// One processed line, waiting to be formatted (its pricing is beside it,
/// in a vector of its own: a work item this small is pushed without a
/// call to `memcpy`).
struct Work<'a> {
    index: usize,
    findings: Vec<Finding>,
    fields: parse::Fields<'a>,
    /// The pricing cache's entry the line was priced as, if any: lines
    /// with the same entry show the same columns 6 to 11.
    entry: Option<u64>,
}

/// What a worker keeps from one block to the next: per-line vectors,
/// empty (what is kept is their allocation), and the pricing of the lines
/// seen ([`Tariffs::price_cached`]).
#[derive(Default)]
struct Scratch<'t> {
    works: Vec<Work<'static>>,
    priced: Vec<Option<Priced<'static>>>,
    ctxs: Vec<Ctx<'static>>,
    prices: PriceCache<'t>,
    dates: parse::DateMemo,
    fields: parse::FieldsMemo,
}

/// An empty vector of another lifetime with the allocation of `v`: the
/// types differ in lifetimes only, so the standard library collects in
/// place, into the same memory.
fn recycle<T, U>(mut v: Vec<T>) -> Vec<U> {
    v.clear();
    v.into_iter().filter_map(|_| None).collect()
}

/// Processes `lines` of `block` into a chunk, writing into `buf` (a
/// buffer handed back by the writer, or a new one). With `runs` (and the
/// rules on), the chunk lists the practitioner runs it found, for the
/// grouping check of streamed blocks.
fn process<'t>(
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
fn process_group<'t, 'b>(
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
        // One practitioner's lines (grouped above).
        for (w, f) in positions.into_iter().zip(rules::check_all(lines, true)) {
            // Most lines have none.
            if !f.is_empty()
                && let Some(p) = &mut priced[w]
            {
                p.findings.extend(f);
            }
        }
    }
    for ((w, p), ctx) in works.iter_mut().zip(priced.iter_mut()).zip(ctxs.iter()) {
        if let Some(p) = p
            && !p.findings.is_empty()
        {
            w.findings.append(&mut p.findings);
        }
        out.row(block, w, p.as_ref(), ctx);
    }
    from + works.len()
}

/// The finding of a line whose quote is left open (out of line: rare).
#[inline(never)]
fn unclosed_quote() -> Finding {
    Finding::new(
        crate::FindingCode::InvalidField,
        "Guillemet ouvert et non refermé sur la ligne : le reste de la ligne est lu comme un seul champ (une ligne de facture ne peut pas continuer sur la suivante).",
    )
}

/// What a line is worth at another date.
struct Repriced {
    code: Code,
    coefficient: Option<Decimal>,
    unit: Decimal,
    amount: Decimal,
}

fn reprice(t: &Tariffs, p: &Priced<'_>, date: NaiveDate) -> Option<Repriced> {
    p.amount?;
    let line = &p.line;
    let (code, coefficient) = match line.code.kind() {
        CodeKind::TravelFlat
        | CodeKind::TravelKm
        | CodeKind::Teleexpertise
        | CodeKind::Majoration => (line.code, None),
        CodeKind::Telesoin => {
            let c = match p.act {
                Some(a) => a.period_at(date)?.coefficient,
                None => p.coefficient?,
            };
            (Code::TMK, Some(c))
        }
        CodeKind::ActKey | CodeKind::OldKey => {
            let candidates: Vec<(Code, Decimal)> = if let Some(a) = p.act {
                vec![(a.letter, a.period_at(date)?.coefficient)]
            } else if let Some(o) = p.old_cotation {
                t.convert(o.letter, o.coefficient, date, None, None)
                    .ok()?
                    .iter()
                    .map(|c| (c.act.letter, c.period.coefficient))
                    .collect()
            } else {
                let c = p.coefficient?;
                t.acts_at(line.code, c, line.date)
                    .iter()
                    .filter_map(|(a, _)| a.period_at(date).map(|q| (a.letter, q.coefficient)))
                    .collect()
            };
            let first = *candidates.first()?;
            if candidates.iter().any(|c| *c != first) {
                return None;
            }
            (first.0, Some(first.1))
        }
    };
    let unit = t.letter_value(code, line.territory, date)?.value?;
    let amount = round_to_cent(product3(
        coefficient.unwrap_or(Decimal::ONE),
        unit,
        line.quantity,
    ));
    Some(Repriced {
        code,
        coefficient,
        unit,
        amount,
    })
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    code: &'static str,
    severity: &'static str,
    message: &'a str,
}

#[derive(Serialize)]
struct JsonRow<'a> {
    row: u64,
    invoice_id: &'a str,
    patient_id: &'a str,
    date: &'a str,
    code_in: &'a str,
    coefficient_in: &'a str,
    code: &'a str,
    coefficient: &'a str,
    act_id: &'a str,
    unit_value: &'a str,
    quantity: &'a str,
    amount: &'a str,
    billed_amount: &'a str,
    status: &'static str,
    findings: Vec<JsonFinding<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reprice: Option<[&'a str; 4]>,
}

/// The text of columns 6 to 11 of a pricing (see [`CellsKey`]), and the
/// rest of the row of a line without findings whose billed amount is
/// written as the amount.
#[derive(Default)]
struct PricedCells {
    key: Option<CellsKey>,
    /// Columns 6 to 11.
    text: Vec<u8>,
    /// Columns 6 to the row's end of such a line: `text`, then
    /// `,{amount},ok,,` and the line end; empty for a line without an
    /// amount.
    ok_row: Vec<u8>,
    /// The amount in cents, when `ok_row` is not empty and the amount is
    /// summed as cents ([`add_cents`]): such a row is added to the
    /// summary without its cells ([`Formatter::ok_row`]).
    cents: Option<i64>,
}

impl PricedCells {
    /// The amount's text in `ok_row`.
    fn amount(&self) -> &[u8] {
        let tail = b",ok,,\n".len();
        self.ok_row
            .get(self.text.len() + 1..self.ok_row.len().saturating_sub(tail))
            .unwrap_or_default()
    }
}

/// Formats rows into a chunk.
struct Formatter<'s> {
    setup: &'s Setup<'s>,
    csv: bool,
    buf: Vec<u8>,
    track: bool,
    ranges: Vec<(usize, usize, usize)>,
    summary: Summary,
    /// Scratch buffer for the JSON path.
    scratch: Vec<u8>,
    /// The block being formatted was split from plain comma-separated
    /// CSV: its fields need no quotes.
    plain_echo: bool,
    /// Text of columns 6 to 11 of recent pricings (see [`CellsKey`]).
    priced_cells: Vec<PricedCells>,
    /// Amounts with exactly two decimals summed as integers (amount,
    /// billed), added to the summary's totals at the end.
    cents: [i64; 2],
    /// The text of the last row number written.
    row_text: RowText,
}

/// The text of the last row number written, counted up in place: rows
/// mostly come one after the other, and adding one to a decimal text costs
/// less than writing the number anew.
#[derive(Default)]
struct RowText {
    row: Option<u64>,
    text: Vec<u8>,
}

impl RowText {
    /// The text of `row` in decimal.
    #[inline(always)]
    fn of(&mut self, row: u64) -> &[u8] {
        if self.row.and_then(|r| r.checked_add(1)) != Some(row) || !self.add_one() {
            self.text.clear();
            push_u64(&mut self.text, row);
        }
        self.row = Some(row);
        &self.text
    }

    /// Adds one to the text; false (the text then to be written anew) when
    /// that takes one more digit.
    fn add_one(&mut self) -> bool {
        for b in self.text.iter_mut().rev() {
            if *b == b'9' {
                *b = b'0';
            } else {
                *b += 1;
                return true;
            }
        }
        false
    }
}

/// Adds an amount to a total: as integer cents when it has exactly two
/// decimals and the sum stays far from overflow, as a decimal otherwise.
fn add_cents(cents: &mut i64, total: &mut Decimal, d: Decimal) {
    match as_cents(d) {
        Some(m) if cents.unsigned_abs() < 1 << 62 => *cents += m,
        _ => *total += d,
    }
}

/// An amount as integer cents, when it has exactly two decimals and is far
/// from overflow (what [`add_cents`] sums as an integer).
fn as_cents(d: Decimal) -> Option<i64> {
    let m = i64::try_from(d.mantissa()).ok()?;
    (d.scale() == 2 && m.unsigned_abs() < 1 << 40).then_some(m)
}

/// What columns 6 to 11 (code, coefficient, act, unit value, quantity,
/// amount) show, exactly as represented (7.5 and 7.50 differ): lines with
/// the same key have the same text there (for lines priced without the
/// pricing cache).
#[derive(Clone, Copy)]
struct PricedKey {
    code: &'static str,
    act: *const u8,
    /// The four decimals' representations (`Decimal::serialize`).
    numbers: [u128; 4],
    present: u8,
}

impl PartialEq for PricedKey {
    /// Field by field, the numbers without a branch each.
    fn eq(&self, other: &PricedKey) -> bool {
        let n = self
            .numbers
            .iter()
            .zip(&other.numbers)
            .fold(0, |acc, (a, b)| acc | (a ^ b));
        n == 0
            && std::ptr::eq(self.code, other.code)
            && self.act == other.act
            && self.present == other.present
    }
}

impl PricedKey {
    /// The key of a priced line's cells; `None` for a line not priced.
    fn of(c: &Cells<'_>) -> Option<PricedKey> {
        let quantity = c.quantity.ok()?;
        let d = |x: Option<Decimal>| x.map_or(0, |d| u128::from_le_bytes(d.serialize()));
        Some(PricedKey {
            code: c.code,
            act: c.act.as_ptr(),
            numbers: [
                d(c.coefficient),
                d(c.unit),
                u128::from_le_bytes(quantity.serialize()),
                d(c.amount),
            ],
            present: u8::from(c.coefficient.is_some())
                | u8::from(c.unit.is_some()) << 1
                | u8::from(c.amount.is_some()) << 2
                | u8::from(c.act.is_empty()) << 3,
        })
    }

    fn slot(&self) -> usize {
        let mut h = self.code.len() as u64 ^ (self.act as u64);
        for &n in &self.numbers {
            h = (h.rotate_left(7) ^ n as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        }
        (h >> 58) as usize
    }
}

/// What identifies the text of a priced line's columns 6 to 11: the
/// pricing cache's entry it was priced as ([`Work::entry`], nothing to
/// work out), or else its [`PricedKey`].
#[derive(Clone, Copy, PartialEq)]
enum CellsKey {
    Entry(u64),
    Priced(PricedKey),
}

impl CellsKey {
    /// The key of a line's cells; `None` for a line not priced.
    fn of(w: &Work<'_>, priced: Option<&Priced<'_>>, c: &Cells<'_>) -> Option<CellsKey> {
        match priced.and(w.entry) {
            Some(e) => Some(CellsKey::Entry(e)),
            None => PricedKey::of(c).map(CellsKey::Priced),
        }
    }

    /// Its place in a cache of 64.
    fn slot(&self) -> usize {
        match self {
            CellsKey::Entry(e) => *e as usize % 64,
            CellsKey::Priced(k) => k.slot(),
        }
    }
}

/// What a line's output columns show, before formatting.
struct Cells<'w> {
    row: u64,
    status: LineStatus,
    /// The letter key priced (empty when the line was not priced).
    code: &'static str,
    coefficient: Option<Decimal>,
    act: &'w str,
    unit: Option<Decimal>,
    /// The quantity read, or the field as given when it does not parse.
    quantity: Result<Decimal, &'w str>,
    amount: Option<Decimal>,
    /// The billed amount read, or the field as given when it does not parse.
    billed: Result<Decimal, &'w str>,
    /// `Some` with `--reprice-at`: the line at the other date, if it can be.
    repriced: Option<Option<Repriced>>,
}

/// Where a column's text comes from, for quoting: numbers and codes never
/// need quotes; fields echoed from the input need them only when the input
/// was not plain comma-separated CSV (a plain field holds no comma, quote
/// or line break); the act id and the messages are always checked.
#[derive(Clone, Copy, PartialEq)]
enum Text {
    Safe,
    Echo,
    Check,
}

const COLUMN_TEXT: [Text; 20] = {
    use Text::{Check, Echo, Safe};
    [
        Safe, Echo, Echo, Echo, Echo, Echo, Safe, Safe, Check, Safe, Echo, Safe, Echo, Safe, Safe,
        Check, Safe, Safe, Safe, Safe,
    ]
};

/// Writes the text of output column `k` (see [`OUTPUT_COLUMNS`] and
/// [`REPRICE_COLUMNS`]), unquoted.
#[inline(always)]
fn column(k: usize, c: &Cells<'_>, w: &Work<'_>, ctx: &Ctx<'_>, out: &mut Vec<u8>) {
    let opt_decimal = |out: &mut Vec<u8>, d: Option<Decimal>| {
        if let Some(d) = d {
            push_decimal(out, d);
        }
    };
    let opt_money = |out: &mut Vec<u8>, d: Option<Decimal>| {
        if let Some(d) = d {
            push_money(out, d);
        }
    };
    let repriced = c.repriced.as_ref().and_then(|r| r.as_ref());
    match k {
        0 => push_u64(out, c.row),
        1 => out.extend_from_slice(ctx.invoice_id.as_bytes()),
        2 => out.extend_from_slice(ctx.patient_id.as_bytes()),
        3 => out.extend_from_slice(w.fields.date.as_bytes()),
        4 => out.extend_from_slice(w.fields.code.as_bytes()),
        5 => out.extend_from_slice(w.fields.coefficient.as_bytes()),
        6 => out.extend_from_slice(c.code.as_bytes()),
        7 => opt_decimal(out, c.coefficient),
        8 => out.extend_from_slice(c.act.as_bytes()),
        9 => opt_money(out, c.unit),
        10 => match c.quantity {
            Ok(q) => push_decimal(out, q),
            Err(s) => out.extend_from_slice(s.as_bytes()),
        },
        11 => opt_money(out, c.amount),
        12 => match c.billed {
            // Usually written as it would be written back: echoed.
            Ok(_) if is_money_text(w.fields.billed.as_bytes()) => {
                out.extend_from_slice(w.fields.billed.as_bytes());
            }
            Ok(b) => push_money(out, b),
            Err(s) => out.extend_from_slice(s.as_bytes()),
        },
        13 => out.extend_from_slice(c.status.as_str().as_bytes()),
        14 => {
            for (i, f) in w.findings.iter().enumerate() {
                if i > 0 {
                    out.push(b';');
                }
                out.extend_from_slice(f.code.as_str().as_bytes());
            }
        }
        15 => {
            for (i, f) in w.findings.iter().enumerate() {
                if i > 0 {
                    out.extend_from_slice(b" | ");
                }
                out.extend_from_slice(f.message.as_bytes());
            }
        }
        16 => {
            if let Some(r) = repriced {
                out.extend_from_slice(r.code.as_str().as_bytes());
            }
        }
        17 => opt_decimal(out, repriced.and_then(|r| r.coefficient)),
        18 => opt_money(out, repriced.map(|r| r.unit)),
        19 => opt_money(out, repriced.map(|r| r.amount)),
        _ => {}
    }
}

/// Appends output column `K` to a CSV row, quoted when it must be.
#[inline(always)]
fn csv_cell<const K: usize>(
    c: &Cells<'_>,
    w: &Work<'_>,
    ctx: &Ctx<'_>,
    plain_echo: bool,
    buf: &mut Vec<u8>,
) {
    if K > 0 {
        buf.push(b',');
    }
    let at = buf.len();
    column(K, c, w, ctx, buf);
    let text = COLUMN_TEXT[K];
    let check = text == Text::Check || (text == Text::Echo && !plain_echo);
    if check && needs_quotes(&buf[at..]) {
        let text = buf.split_off(at);
        push_field(buf, &text);
    }
}

impl<'s> Formatter<'s> {
    fn new(setup: &'s Setup<'s>, track: bool) -> Formatter<'s> {
        Formatter {
            setup,
            csv: setup.options.format == OutputFormat::Csv,
            buf: Vec::new(),
            track,
            ranges: Vec::new(),
            summary: Summary::default(),
            scratch: Vec::new(),
            plain_echo: false,
            priced_cells: (0..64).map(|_| PricedCells::default()).collect(),
            cents: [0; 2],
            row_text: RowText::default(),
        }
    }

    /// The cells of a line; adds it to the summary.
    fn cells<'w>(
        &mut self,
        block: &Block,
        w: &'w Work<'_>,
        priced: Option<&'w Priced<'_>>,
    ) -> Cells<'w> {
        let status = LineStatus::of(&w.findings);
        let sm = &mut self.summary;
        sm.rows += 1;
        match status {
            LineStatus::Ok => sm.ok += 1,
            LineStatus::Warning => sm.warnings += 1,
            LineStatus::Error => sm.errors += 1,
        }
        for f in &w.findings {
            *sm.findings.entry(f.code.as_str()).or_default() += 1;
        }
        // Parsed once already when the line was priced.
        let billed = match priced
            .and_then(|p| p.line.billed_amount)
            .or_else(|| parse_decimal(w.fields.billed))
        {
            Some(b) => {
                add_cents(&mut self.cents[1], &mut sm.total_billed, b);
                Ok(b)
            }
            None => Err(w.fields.billed),
        };
        let mut c = Cells {
            row: block.lines[w.index].row,
            status,
            code: "",
            coefficient: None,
            act: "",
            unit: None,
            quantity: Err(w.fields.quantity),
            amount: None,
            billed,
            repriced: None,
        };
        let Some(p) = priced else { return c };
        let letter = p
            .value
            .map(|v| v.code)
            .or(p.old_cotation.map(|o| o.letter))
            .unwrap_or(p.line.code)
            .as_str();
        if p.value.is_some() || p.old_cotation.is_some() {
            c.code = letter;
            c.coefficient = p.coefficient.or(p.old_cotation.map(|o| o.coefficient));
            c.act = p.act.map_or("", |a| a.id.as_str());
            c.unit = p.unit_value();
            c.amount = p.amount;
            if let Some(a) = p.amount {
                add_cents(&mut self.cents[0], &mut sm.total_amount, a);
            }
        }
        c.quantity = Ok(p.line.quantity);
        if let Some(date) = self.setup.options.reprice_at {
            let r = reprice(self.setup.tariffs, p, date);
            if let Some(a) = p.amount {
                let e: &mut RepriceTotals = sm.reprice.entry(letter).or_default();
                match &r {
                    Some(r) => {
                        e.lines += 1;
                        e.amount += a;
                        e.repriced += r.amount;
                    }
                    None => e.not_repriced += 1,
                }
            }
            c.repriced = Some(r);
        }
        c
    }

    /// Not inlined into the line loop: inlined, the loop took some 170
    /// more instructions a line (callgrind), LLVM then inlining less there.
    #[inline(never)]
    fn row(&mut self, block: &Block, w: &Work<'_>, priced: Option<&Priced<'_>>, ctx: &Ctx<'_>) {
        let start = self.buf.len();
        if !self.ok_row(block, w, priced, ctx) {
            self.full_row(block, w, priced, ctx);
        }
        if self.track {
            self.ranges.push((w.index, start, self.buf.len()));
        }
    }

    /// The usual row, written without its cells: a line of plain CSV
    /// without findings, priced as a pricing whose row is formatted already
    /// (its priced-cells slot), its billed amount written as that amount.
    /// The summary counts it as ok, its amount and billed amount (the
    /// same) in cents. False, with nothing written, for any other line.
    #[inline(always)]
    fn ok_row(
        &mut self,
        block: &Block,
        w: &Work<'_>,
        priced: Option<&Priced<'_>>,
        ctx: &Ctx<'_>,
    ) -> bool {
        let Some(e) = priced.and(w.entry) else {
            return false;
        };
        if !(self.csv && self.plain_echo && w.findings.is_empty())
            || self.setup.options.reprice_at.is_some()
        {
            return false;
        }
        let key = CellsKey::Entry(e);
        let slot = &self.priced_cells[key.slot()];
        let Some(m) = slot.cents else { return false };
        if slot.key != Some(key)
            || !crate::bytes::same(w.fields.billed.as_bytes(), slot.amount())
            || self.cents.iter().any(|c| c.unsigned_abs() >= 1 << 62)
        {
            return false;
        }
        let sm = &mut self.summary;
        sm.rows += 1;
        sm.ok += 1;
        self.cents[0] += m;
        self.cents[1] += m;
        let buf = &mut self.buf;
        buf.extend_from_slice(self.row_text.of(block.lines[w.index].row));
        let f = &w.fields;
        echo_fields(buf, &block.data, [ctx.invoice_id, ctx.patient_id]);
        echo_fields(buf, &block.data, [f.date, f.code, f.coefficient]);
        buf.extend_from_slice(&slot.ok_row);
        true
    }

    /// A row from its cells ([`Formatter::cells`]), in CSV or JSON.
    #[inline(never)]
    fn full_row(
        &mut self,
        block: &Block,
        w: &Work<'_>,
        priced: Option<&Priced<'_>>,
        ctx: &Ctx<'_>,
    ) {
        let c = self.cells(block, w, priced);
        // With `--reprice-at`, every row has the reprice columns (empty
        // for a line that was not priced): a CSV reader sees one width.
        let repricing = self.setup.options.reprice_at.is_some();
        let columns = OUTPUT_COLUMNS.len() + if repricing { REPRICE_COLUMNS.len() } else { 0 };
        if self.csv {
            let plain_echo = self.plain_echo;
            let buf = &mut self.buf;
            let cache = &mut self.priced_cells;
            // One call per column with a constant `k`: `column` is inlined
            // and its `match` folds away.
            macro_rules! columns {
                ($buf:expr; $($k:literal)*) => {{
                    $(csv_cell::<$k>(&c, w, ctx, plain_echo, $buf);)*
                }};
            }
            // Column 0, the row number: mostly the one before plus one.
            buf.extend_from_slice(self.row_text.of(c.row));
            if plain_echo {
                // Columns 1 to 5 echo input fields, several of them next
                // to each other in plain CSV: one copy for each such run.
                let f = &w.fields;
                echo_fields(buf, &block.data, [ctx.invoice_id, ctx.patient_id]);
                echo_fields(buf, &block.data, [f.date, f.code, f.coefficient]);
            } else {
                columns!(buf; 1 2 3 4 5);
            }
            // Columns 6 to 11 (code … amount) follow from the pricing
            // alone, which repeats from line to line: formatted once.
            let whole = match CellsKey::of(w, priced, &c) {
                Some(key) => {
                    let slot = &mut cache[key.slot()];
                    if slot.key != Some(key) {
                        slot.text.clear();
                        columns!(&mut slot.text; 6 7 8 9 10 11);
                        slot.ok_row.clear();
                        slot.cents = None;
                        if let Some(amount) = c.amount {
                            slot.ok_row.extend_from_slice(&slot.text);
                            slot.ok_row.push(b',');
                            push_money(&mut slot.ok_row, amount);
                            slot.ok_row.extend_from_slice(b",ok,,\n");
                            // Column 12 echoes a billed amount written as
                            // `push_money` writes it (a negative amount is
                            // not): only then is the row the slot's.
                            if !is_money_text(slot.amount()) {
                                slot.ok_row.clear();
                            } else {
                                slot.cents = as_cents(amount);
                            }
                        }
                        slot.key = Some(key);
                    }
                    // The usual line: no findings, the billed amount
                    // written as the amount: the rest of the row is the
                    // slot's.
                    let billed = w.fields.billed.as_bytes();
                    if columns == OUTPUT_COLUMNS.len()
                        && w.findings.is_empty()
                        && c.billed.is_ok()
                        && !slot.ok_row.is_empty()
                        && crate::bytes::same(billed, slot.amount())
                    {
                        buf.extend_from_slice(&slot.ok_row);
                        true
                    } else {
                        buf.extend_from_slice(&slot.text);
                        false
                    }
                }
                None => {
                    columns!(buf; 6 7 8 9 10 11);
                    false
                }
            };
            if !whole {
                columns!(buf; 12 13 14 15);
                if columns > OUTPUT_COLUMNS.len() {
                    columns!(buf; 16 17 18 19);
                }
                buf.push(b'\n');
            }
        } else {
            let mut text: [String; 20] = Default::default();
            for (k, t) in text.iter_mut().enumerate().take(columns).skip(1) {
                self.scratch.clear();
                column(k, &c, w, ctx, &mut self.scratch);
                *t = String::from_utf8_lossy(&self.scratch).into_owned();
            }
            let j = JsonRow {
                row: c.row,
                invoice_id: &text[1],
                patient_id: &text[2],
                date: &text[3],
                code_in: &text[4],
                coefficient_in: &text[5],
                code: &text[6],
                coefficient: &text[7],
                act_id: &text[8],
                unit_value: &text[9],
                quantity: &text[10],
                amount: &text[11],
                billed_amount: &text[12],
                status: c.status.as_str(),
                findings: w
                    .findings
                    .iter()
                    .map(|f| JsonFinding {
                        code: f.code.as_str(),
                        severity: f.severity().as_str(),
                        message: &f.message,
                    })
                    .collect(),
                reprice: repricing.then(|| [&*text[16], &*text[17], &*text[18], &*text[19]]),
            };
            let _ = serde_json::to_writer(&mut self.buf, &j);
            self.buf.push(b'\n');
        }
    }

    fn finish(mut self) -> Chunk {
        self.summary.total_amount += Decimal::new(self.cents[0], 2);
        self.summary.total_billed += Decimal::new(self.cents[1], 2);
        Chunk {
            buf: self.buf,
            ranges: self.ranges,
            summary: self.summary,
            runs: Vec::new(),
        }
    }
}

/// Where `field`, a piece of `data`, starts in it.
fn offset(data: &[u8], field: &str) -> usize {
    (field.as_ptr() as usize).wrapping_sub(data.as_ptr() as usize)
}

/// Whether `a` and `b` are pieces of `data` one separator byte apart:
/// fields next to each other in plain CSV, neither empty nor trimmed.
#[inline(always)]
fn next_to(data: &[u8], a: &str, b: &str) -> bool {
    !a.is_empty() && offset(data, a).wrapping_add(a.len() + 1) == offset(data, b)
}

/// Appends the fields `f` of plain CSV as cells (each after a comma),
/// unquoted; a run of fields next to each other in `data` is one copy.
#[inline(always)]
fn echo_fields<const N: usize>(buf: &mut Vec<u8>, data: &[u8], f: [&str; N]) {
    // Each pair looked at (no early exit: N is 2 or 3, unrolled).
    let mut adjacent = true;
    for k in 1..N {
        adjacent &= next_to(data, f[k - 1], f[k]);
    }
    if adjacent
        && let Some(run) = data.get(offset(data, f[0])..offset(data, f[N - 1]) + f[N - 1].len())
    {
        buf.push(b',');
        buf.extend_from_slice(run);
        return;
    }
    for field in f {
        buf.push(b',');
        buf.extend_from_slice(field.as_bytes());
    }
}

/// Whether a CSV field must be quoted: it holds a comma, a quote or a line
/// break (what the csv crate does by default).
fn needs_quotes(field: &[u8]) -> bool {
    field
        .iter()
        .any(|&b| matches!(b, b',' | b'"' | b'\n' | b'\r'))
}

/// A CSV field, quoted when it must be.
fn push_field(buf: &mut Vec<u8>, field: &[u8]) {
    if needs_quotes(field) {
        buf.push(b'"');
        for &b in field {
            if b == b'"' {
                buf.push(b'"');
            }
            buf.push(b);
        }
        buf.push(b'"');
    } else {
        buf.extend_from_slice(field);
    }
}

pub(super) struct Output<'p, W: Write> {
    pub(super) w: BufWriter<W>,
    /// The output's header, until it is written.
    pub(super) header: Vec<u8>,
    pub(super) rows: u64,
    pub(super) progress: Option<&'p (dyn Fn(u64) + Sync)>,
    pub(super) summary: Summary,
}

impl<W: Write> Output<'_, W> {
    /// Writes the header if it is not written yet.
    pub(super) fn begin(&mut self) -> Result<(), Error> {
        if !self.header.is_empty() {
            self.w.write_all(&self.header).map_err(output_error)?;
            self.header = Vec::new();
        }
        Ok(())
    }

    /// Writes a chunk; returns its buffer for reuse.
    fn chunk(&mut self, c: Chunk) -> Result<Vec<u8>, Error> {
        self.begin()?;
        self.w.write_all(&c.buf).map_err(output_error)?;
        self.rows += c.summary.rows;
        self.summary.merge(c.summary);
        if let Some(p) = self.progress {
            p(self.rows);
        }
        Ok(c.buf)
    }
}

fn threads(options: &BatchOptions) -> usize {
    match options.threads {
        0 => std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1),
        n => n,
    }
}

/// A worker that stopped without saying why (its channel closed): a bug.
fn worker_panicked() -> Error {
    Error::Internal {
        first: 0,
        last: 0,
        message: "un fil de traitement s'est arrêté".into(),
    }
}

/// The error of a worker that panicked on `block`: the data rows it was
/// on (the output's `row` column).
fn worker_failed(block: &Block, payload: &(dyn std::any::Any + Send)) -> Error {
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
fn process_caught<'t>(
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
}

pub(super) fn input_error(source: std::io::Error) -> Error {
    Error::Input(source)
}

pub(super) fn output_error(source: std::io::Error) -> Error {
    Error::Output(source)
}

/// Appends up to `n` more bytes of `input` to `buf`; returns how many.
fn read_more(input: &mut impl Read, buf: &mut Vec<u8>, n: usize) -> Result<usize, Error> {
    input.take(n as u64).read_to_end(buf).map_err(input_error)
}

/// Reads on to one byte past the budget (`read` bytes were read before):
/// whether the input ended within it.
fn ends_within(
    input: &mut impl Read,
    buf: &mut Vec<u8>,
    read: &mut usize,
    budget: usize,
) -> Result<bool, Error> {
    *read += read_more(input, buf, budget.saturating_add(1).saturating_sub(*read))?;
    Ok(*read <= budget)
}

/// What to do with an input larger than the memory budget that is not
/// known to be grouped by practitioner (with the rules on).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Large {
    /// Stream it, checking the grouping on the way: a practitioner met
    /// again stops the run with [`Error::NotGrouped`] (rows may have been
    /// written: the caller starts again with `SpillNow`).
    Stream,
    /// Spill it by practitioner to temporary files ([`super::spill`]).
    Spill,
    /// Spill it whatever its size (a run started again).
    SpillNow,
}

pub(super) fn run<R: Read, W: Write>(
    tariffs: &Tariffs,
    mut input: R,
    output: W,
    options: &BatchOptions,
    (progress, large): (Option<&(dyn Fn(u64) + Sync)>, Large),
) -> Result<Summary, Error> {
    // The first read: one block, or the budget when it is smaller. Input
    // that goes on is streamed at once; whether it ends within the budget
    // (and may be held whole) is settled while the workers start.
    // Offsets inside a block are 32-bit: an input is held whole up to
    // 4 GiB at most, whatever the budget asked.
    let options = &BatchOptions {
        memory_budget: options.memory_budget.min(MAX_BLOCK),
        ..options.clone()
    };
    let budget = options.memory_budget;
    // Said not to fit: streamed, never undecided (see
    // `BatchOptions::input_size`). Said to fit, it is read as when its size
    // is not known: the workers start on the first block (the pipe checks
    // the grouping in parallel, where holding it whole would check it
    // first, on this thread alone).
    let larger = options.input_size.is_some_and(|n| n > budget as u64);
    let first = budget.saturating_add(1).min(block_bytes(budget));
    let mut buf = Vec::new();
    read_more(&mut input, &mut buf, first)?;
    let mut eof = buf.len() < first;
    while !eof && memchr::memchr2(b'\n', b'\r', &buf).is_none() {
        eof = read_more(&mut input, &mut buf, 1 << 16)? == 0;
    }
    // A file whose header ends with a lone `\r` has `\r` line ends: read
    // as `\n` from here on.
    let swap = records::cr_line_ends(&buf);
    if swap {
        records::swap_line_ends(&mut buf);
    }
    let mut input = records::LineEnds { inner: input, swap };
    let read = buf.len();
    let delimiter = parse::sniff_delimiter(&buf);
    // The header: the first line that is not empty.
    let (headers, header_line, body) = {
        let mut start = 0;
        let mut h = csv::ByteRecord::new();
        let mut header_line: &[u8] = b"";
        while start < buf.len() {
            let (line, next) = records::next_line(&buf, start);
            start = next;
            if !line.is_empty() {
                records::record(line, delimiter, &mut h);
                header_line = line;
                break;
            }
        }
        (h, header_line.to_vec(), start)
    };
    if headers.is_empty() {
        return Err(Error::MissingColumn("invoice_id".into()));
    }
    let setup = Setup {
        tariffs,
        cols: Columns::from_headers(&headers)?,
        headers: headers.len(),
        delimiter,
        options: options.clone(),
        fail_at: std::env::var("KINE_TARIF_FAIL_AT_ROW")
            .ok()
            .and_then(|v| v.parse().ok()),
    };
    // The output's header is written with the first rows (or at the end):
    // a run refused before its first row writes nothing.
    let header = if options.format == OutputFormat::Csv {
        let mut h = csv::Writer::from_writer(Vec::new());
        let mut header: Vec<&str> = OUTPUT_COLUMNS.to_vec();
        if options.reprice_at.is_some() {
            header.extend(REPRICE_COLUMNS);
        }
        h.write_record(&header).map_err(Error::csv)?;
        h.into_inner().unwrap_or_default()
    } else {
        Vec::new()
    };
    let mut out = Output {
        w: BufWriter::with_capacity(1 << 16, output),
        header,
        rows: 0,
        progress,
        summary: Summary::default(),
    };
    buf.drain(..body.min(buf.len()));
    // Only the rules care whether the input fits the budget (a batch that
    // is not grouped by practitioner is grouped when held whole).
    let spill = options.rules && large != Large::Stream;
    let undecided = options.rules && read <= budget && !larger;
    if eof && large != Large::SpillNow {
        whole(&setup, buf, &mut out)?;
    } else if spill && (large == Large::SpillNow || !undecided) {
        // Without a practitioner column every line is one practitioner's:
        // nothing to split by; refused before anything is written.
        if setup.cols.practitioner_id.is_none() {
            return Err(Error::NoPractitionerColumn { budget });
        }
        let body = std::io::Cursor::new(buf).chain(&mut input);
        super::spill::run(&setup, &header_line, body, &mut out)?;
    } else {
        match streaming(&setup, &mut input, buf, &mut out, (read, undecided, spill))? {
            Next::Done => {}
            Next::Whole(all) => whole(&setup, all, &mut out)?,
            Next::Spill(all) => {
                let body = std::io::Cursor::new(all).chain(&mut input);
                super::spill::run(&setup, &header_line, body, &mut out)?;
            }
        }
    }
    out.begin()?;
    out.w.flush().map_err(output_error)?;
    Ok(out.summary)
}

/// The body of an input held whole (it ended within the budget).
fn whole<W: Write>(setup: &Setup<'_>, buf: Vec<u8>, out: &mut Output<'_, W>) -> Result<(), Error> {
    let delimiter = setup.delimiter;
    let plain = split::is_plain(&buf);
    // Plain input held whole that is grouped by practitioner gives the same
    // output through the streaming pipeline, which splits it in parallel
    // and does not hold the whole output.
    let stream_whole = plain
        && (!setup.options.rules
            || setup
                .cols
                .practitioner_id
                .is_some_and(|col| split::is_grouped(&buf, delimiter, col)));
    if stream_whole {
        streaming(setup, std::io::empty(), buf, out, (0, false, false))?;
        return Ok(());
    }
    let block = if plain {
        Block::default().plain(buf, delimiter, 1)
    } else {
        let mut block = Block::default();
        let mut row = 0;
        records::each_record(&buf, delimiter, |rec, closed| {
            row += 1;
            block.push(rec, row, closed);
        });
        block
    };
    in_memory(setup, &block, out)
}

/// Holds the whole input: groups by practitioner, shares the groups among
/// the threads, writes back in input order.
fn in_memory<W: Write>(
    setup: &Setup<'_>,
    block: &Block,
    out: &mut Output<'_, W>,
) -> Result<(), Error> {
    let n = block.lines.len();
    let prac = setup.cols.practitioner_id;
    let mut order: Vec<usize> = (0..n).collect();
    // Each line's practitioner, found once (a plain line's fields are not
    // indexed: the sort would scan for it at every comparison).
    let ids: Vec<&[u8]> = if setup.options.rules {
        (0..n).map(|i| block.practitioner(i, prac)).collect()
    } else {
        Vec::new()
    };
    // Each practitioner's lines must be together; already so unless a
    // practitioner comes back after another one.
    if setup.options.rules && !split::each_together(ids.iter().copied()) {
        order.sort_by(|&a, &b| ids[a].cmp(ids[b]).then(a.cmp(&b)));
    }
    let t = threads(&setup.options).max(1);
    let mut parts: Vec<&[usize]> = Vec::new();
    let mut start = 0;
    for k in 1..=t {
        let mut end = (n * k / t).max(start);
        if setup.options.rules {
            while end > start && end < n && ids[order[end]] == ids[order[end - 1]] {
                end += 1;
            }
        }
        if end > start {
            parts.push(&order[start..end]);
        }
        start = end;
    }
    let chunks: Vec<Chunk> = std::thread::scope(|s| {
        let handles: Vec<_> = parts
            .iter()
            .map(|part| {
                s.spawn(move || {
                    let mut scratch = Scratch::default();
                    process_caught(
                        setup,
                        block,
                        part,
                        (true, false),
                        (Vec::new(), &mut scratch),
                    )
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().map_err(|_| worker_panicked()).and_then(|r| r))
            .collect::<Result<Vec<_>, _>>()
    })?;
    // Where each line's row is: its chunk, start and end (a chunk's
    // output may pass 4 GiB: offsets are `usize`).
    out.begin()?;
    let mut loc = vec![(0u32, 0usize, 0usize); n];
    for (ci, c) in chunks.iter().enumerate() {
        for &(line, s, e) in &c.ranges {
            if let Some(l) = loc.get_mut(line) {
                *l = (ci as u32, s, e);
            }
        }
    }
    for (i, &(ci, s, e)) in loc.iter().enumerate() {
        let row = chunks
            .get(ci as usize)
            .and_then(|c| c.buf.get(s..e))
            .unwrap_or_default();
        out.w.write_all(row).map_err(output_error)?;
        if i % 65536 == 65535
            && let Some(p) = out.progress
        {
            p(i as u64 + 1);
        }
    }
    for c in chunks {
        out.rows += c.summary.rows;
        out.summary.merge(c.summary);
    }
    if let Some(p) = out.progress {
        p(out.rows);
    }
    Ok(())
}

/// A block for the workers: plain bytes they split themselves (numbered
/// from the given row), or lines already read by the csv crate.
enum Job {
    Plain(Vec<u8>, u64),
    Read(Block),
}

/// The ordered end of the streaming pipeline: blocks sent to the workers
/// by sequence number, chunks written back in that order, the grouping by
/// practitioner checked on the way.
struct Pipe<'o, 'p, W: Write> {
    jobs: mpsc::SyncSender<(u64, Job)>,
    results: mpsc::Receiver<(u64, Result<Chunk, Error>)>,
    /// Output buffers written, handed back to the workers.
    spent: mpsc::Sender<Vec<u8>>,
    sent: u64,
    next: u64,
    pending: std::collections::BTreeMap<u64, Chunk>,
    /// Practitioners whose lines are over, with their last row.
    closed: HashMap<Vec<u8>, u64>,
    /// While it is not known whether the input ends within the budget:
    /// chunks are checked and kept, not written (see [`Pipe::commit`]).
    hold: bool,
    held: Vec<Chunk>,
    /// The first practitioner met again while holding.
    failed: Option<Error>,
    out: &'o mut Output<'p, W>,
}

fn not_grouped(line: u64, p: &[u8], previous: u64) -> Error {
    Error::NotGrouped {
        line,
        practitioner: String::from_utf8_lossy(p).into_owned(),
        previous,
    }
}

impl<W: Write> Pipe<'_, '_, W> {
    /// The input does not end within the budget: the chunks held are
    /// written, or the practitioner met again stops the work (as it would
    /// have, had the chunks been written as they came).
    fn commit(&mut self) -> Result<(), Error> {
        self.hold = false;
        for c in std::mem::take(&mut self.held) {
            let buf = self.out.chunk(c)?;
            let _ = self.spent.send(buf);
        }
        match self.failed.take() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// Sends a block to the workers. While their queue is full, takes
    /// their results in: a blocking send would wait for ever on workers
    /// that all stopped on a failure, whose error is in the results.
    fn send(&mut self, job: Job) -> Result<(), Error> {
        let mut item = (self.sent, job);
        loop {
            match self.jobs.try_send(item) {
                Ok(()) => break,
                Err(mpsc::TrySendError::Full(back)) => {
                    item = back;
                    let (seq, c) = self.results.recv().map_err(|_| worker_panicked())?;
                    self.pending.insert(seq, c?);
                }
                Err(mpsc::TrySendError::Disconnected(_)) => return Err(worker_panicked()),
            }
        }
        self.sent += 1;
        self.drain(false)
    }

    /// Writes the chunks ready, in order; with `all`, waits for every
    /// block sent.
    fn drain(&mut self, all: bool) -> Result<(), Error> {
        loop {
            while let Some(c) = self.pending.remove(&self.next) {
                self.next += 1;
                if self.failed.is_some() {
                    continue;
                }
                for (p, first, last) in &c.runs {
                    if let Some(&previous) = self.closed.get(p) {
                        let e = not_grouped(*first, p, previous);
                        if !self.hold {
                            return Err(e);
                        }
                        self.failed = Some(e);
                        break;
                    }
                    self.closed.insert(p.clone(), *last);
                }
                if self.failed.is_some() {
                    continue;
                }
                if self.hold {
                    self.held.push(c);
                } else {
                    let buf = self.out.chunk(c)?;
                    // The workers may reuse it; if they are gone, it is dropped.
                    let _ = self.spent.send(buf);
                }
            }
            if self.next >= self.sent {
                return Ok(());
            }
            let (seq, c) = if all {
                self.results.recv().map_err(|_| worker_panicked())?
            } else {
                match self.results.try_recv() {
                    Ok(x) => x,
                    Err(mpsc::TryRecvError::Empty) => return Ok(()),
                    Err(mpsc::TryRecvError::Disconnected) => return Err(worker_panicked()),
                }
            };
            // A worker's failure stops the run at once.
            self.pending.insert(seq, c?);
        }
    }
}

/// What [`streaming`] leaves to do: nothing, or the input read so far
/// (the body up to where it stopped) to hold whole, or to spill with the
/// rest of the input.
enum Next {
    Done,
    Whole(Vec<u8>),
    Spill(Vec<u8>),
}

/// Streams input in blocks of whole practitioners, processed in parallel
/// and written in order. Plain CSV is cut by bytes here and split into
/// fields by the workers; from the first block that is not plain on, the
/// csv crate reads the rest.
///
/// `(read, undecided)`: the bytes read so far, and whether it is still to
/// be seen if the input ends within the budget. Until then the blocks are
/// processed but their rows held (and the blocks kept): an input that ends
/// within the budget and is not grouped by practitioner, or not plain, is
/// returned whole (nothing written) to be held whole; otherwise the rows
/// are written once the budget is passed or the input ends.
fn streaming<R: Read, W: Write>(
    setup: &Setup<'_>,
    mut input: R,
    mut buf: Vec<u8>,
    out: &mut Output<'_, W>,
    (mut read, mut undecided, spill): (usize, bool, bool),
) -> Result<Next, Error> {
    let rules = setup.options.rules;
    let prac = setup.cols.practitioner_id;
    let delimiter = setup.delimiter;
    let budget = setup.options.memory_budget;
    if rules && prac.is_none() {
        // Held whole if it ends within the budget.
        if undecided && ends_within(&mut input, &mut buf, &mut read, budget)? {
            return Ok(Next::Whole(buf));
        }
        return Err(Error::NoPractitionerColumn { budget });
    }
    let block_bytes = block_bytes(budget);
    let t = threads(&setup.options).max(1);
    let (job_tx, job_rx) = mpsc::sync_channel::<(u64, Job)>(t * 2);
    let job_rx = Mutex::new(job_rx);
    let (res_tx, res_rx) = mpsc::channel::<(u64, Result<Chunk, Error>)>();
    // Buffers go round instead of being allocated (and page-faulted) for
    // every block: input pieces back to the reader, output to the workers.
    let (free_in_tx, free_in) = mpsc::channel::<(u64, Vec<u8>)>();
    let (spent, free_out) = mpsc::channel::<Vec<u8>>();
    let free_out = Mutex::new(free_out);
    // Set when the blocks sent are to be held whole after all: the workers
    // hand them back unprocessed.
    let cancel = AtomicBool::new(false);
    std::thread::scope(|s| -> Result<Next, Error> {
        for _ in 0..t {
            let res_tx = res_tx.clone();
            let free_in_tx = free_in_tx.clone();
            let (job_rx, free_out, cancel) = (&job_rx, &free_out, &cancel);
            s.spawn(move || {
                let mut spare = Block::default();
                let mut scratch = Scratch::default();
                loop {
                    let job = job_rx.lock().map(|rx| rx.recv());
                    let Ok(Ok((seq, job))) = job else { break };
                    if cancel.load(Ordering::Relaxed) {
                        if let Job::Plain(data, _) = job {
                            let _ = free_in_tx.send((seq, data));
                        }
                        continue;
                    }
                    let (block, plain) = match job {
                        Job::Plain(data, row) => (spare.plain(data, delimiter, row), true),
                        Job::Read(block) => (block, false),
                    };
                    let buf = free_out
                        .lock()
                        .ok()
                        .and_then(|rx| rx.try_recv().ok())
                        .unwrap_or_default();
                    let idx: Vec<usize> = (0..block.lines.len()).collect();
                    let chunk =
                        process_caught(setup, &block, &idx, (false, plain), (buf, &mut scratch));
                    let failed = chunk.is_err();
                    if res_tx.send((seq, chunk)).is_err() || failed {
                        // Its input goes back all the same: an input
                        // taken back whole waits for every piece.
                        if plain {
                            let _ = free_in_tx.send((seq, block.data));
                        }
                        break;
                    }
                    spare = block;
                    if plain {
                        let _ = free_in_tx.send((seq, std::mem::take(&mut spare.data)));
                    }
                }
            });
        }
        drop(res_tx);
        drop(free_in_tx);
        let mut pipe = Pipe {
            jobs: job_tx,
            results: res_rx,
            spent,
            sent: 0,
            next: 0,
            pending: std::collections::BTreeMap::new(),
            closed: HashMap::new(),
            hold: undecided,
            held: Vec::new(),
            failed: None,
            out,
        };
        // The whole body while undecided: the blocks sent (given back by
        // the workers, by sequence number) and what is left in `buf`.
        let taken_back = |pipe: &Pipe<'_, '_, W>, rest: Vec<u8>| {
            cancel.store(true, Ordering::Relaxed);
            let mut pieces: Vec<(u64, Vec<u8>)> = free_in.iter().take(pipe.sent as usize).collect();
            if pieces.len() as u64 != pipe.sent {
                return Err(worker_panicked());
            }
            if pieces.is_empty() {
                return Ok(rest);
            }
            pieces.sort_unstable_by_key(|p| p.0);
            let size = pieces.iter().map(|p| p.1.len()).sum::<usize>() + rest.len();
            let mut all = Vec::with_capacity(size);
            for (_, p) in pieces {
                all.extend_from_slice(&p);
            }
            all.extend_from_slice(&rest);
            Ok(all)
        };
        let mut start = 0usize;
        let mut row = 0u64;
        // Once the input is read to its end, smaller blocks: the last ones
        // keep every worker busy to the end.
        let tail_block = (block_bytes / 4).max(1);
        // Doubled while a block would hold no whole practitioner.
        let mut grow = 1usize;
        let mut want;
        let mut eof = false;
        // While undecided, the first blocks are checked for grouping before
        // they are sent (the pipe checks every block, and has the last word).
        let mut grouping = split::Grouping::default();
        let mut ungrouped = false;
        loop {
            want = block_bytes.saturating_mul(grow);
            if want > MAX_BLOCK {
                return Err(practitioner_too_large(row + 1));
            }
            // A practitioner met again while undecided: no more blocks are
            // sent; the rest is read to see whether the input fits.
            if undecided && (ungrouped || pipe.failed.is_some()) {
                want = budget.saturating_add(1);
            }
            while buf.len() - start < want && !eof {
                if start > 0 {
                    buf.drain(..start);
                    start = 0;
                }
                let n = (want - buf.len()).max(1 << 16);
                let got = read_more(&mut input, &mut buf, n)?;
                read += got;
                eof = got == 0;
                if undecided && read > budget {
                    // Too large to be held whole and not known to be
                    // grouped: spilled (see `super::spill`), nothing
                    // written.
                    if spill {
                        return taken_back(&pipe, std::mem::take(&mut buf)).map(Next::Spill);
                    }
                    // Too large to be held whole: what was held is written.
                    undecided = false;
                    pipe.commit()?;
                    want = want.min(block_bytes.saturating_mul(grow));
                }
            }
            if undecided && (ungrouped || pipe.failed.is_some()) {
                // Ended within the budget (else it would be decided).
                buf.drain(..start);
                return taken_back(&pipe, buf).map(Next::Whole);
            }
            let avail = &buf[start..];
            if avail.is_empty() {
                break;
            }
            if eof {
                want = tail_block.saturating_mul(grow);
            }
            let at_end = eof && avail.len() <= want;
            let mut cut = if at_end {
                avail.len()
            } else {
                match memchr::memrchr(b'\n', &avail[..want.min(avail.len())]) {
                    Some(p) => p + 1,
                    None => {
                        grow *= 2;
                        continue;
                    }
                }
            };
            if !split::is_plain(&avail[..cut]) {
                buf.drain(..start);
                if undecided {
                    if ends_within(&mut input, &mut buf, &mut read, budget)? {
                        return taken_back(&pipe, buf).map(Next::Whole);
                    }
                    if spill {
                        return taken_back(&pipe, buf).map(Next::Spill);
                    }
                    pipe.commit()?;
                }
                return read_rest(setup, &mut pipe, buf, input, row, block_bytes)
                    .map(|()| Next::Done);
            }
            if rules && !at_end {
                let group = split::last_group_start(&avail[..cut], delimiter, prac.unwrap_or(0));
                if group == 0 {
                    grow *= 2;
                    continue;
                }
                cut = group;
            }
            // The first block of each worker is checked here (an input in
            // no particular order is caught before any work); later ones
            // by the pipe, whose chunks are held until it is decided.
            if undecided
                && pipe.sent < t as u64
                && !grouping.extend(&avail[..cut], delimiter, prac.unwrap_or(0))
            {
                ungrouped = true;
                continue;
            }
            // Blocks sent while undecided are kept: new buffers for them.
            let mut other = if undecided {
                Vec::new()
            } else {
                free_in.try_recv().map(|p| p.1).unwrap_or_default()
            };
            other.clear();
            let piece = if start == 0 && avail.len() - cut <= cut {
                // The usual case: the block goes to a worker as read, and
                // only the bytes after it (the next block's start) are
                // copied, into the buffer that becomes the reading one.
                other.extend_from_slice(&avail[cut..]);
                buf.truncate(cut);
                std::mem::replace(&mut buf, other)
            } else {
                // More read than one block: the block is copied out.
                other.extend_from_slice(&avail[..cut]);
                start += cut;
                other
            };
            let n = split::count_records(&piece);
            pipe.send(Job::Plain(piece, row + 1))?;
            row += n;
            grow = 1;
        }
        drop(buf);
        pipe.drain(true)?;
        if undecided {
            // Ended within the budget.
            if pipe.failed.is_some() {
                return taken_back(&pipe, Vec::new()).map(Next::Whole);
            }
            pipe.commit()?;
        }
        Ok(Next::Done)
    })
}

/// The rest of a streamed input, from the first block that is not plain
/// CSV: read by the csv crate, blocks cut at practitioner boundaries.
fn read_rest<R: Read, W: Write>(
    setup: &Setup<'_>,
    pipe: &mut Pipe<'_, '_, W>,
    rest: Vec<u8>,
    input: R,
    mut row: u64,
    block_bytes: usize,
) -> Result<(), Error> {
    // The plain blocks sent so far close their practitioners first.
    pipe.drain(true)?;
    let rules = setup.options.rules;
    let prac = setup.cols.practitioner_id;
    let mut reader = records::Records::new(BufReader::with_capacity(
        1 << 16,
        std::io::Cursor::new(rest).chain(input),
    ));
    let mut rec = csv::ByteRecord::new();
    let mut current = Block::default();
    let mut current_prac: Vec<u8> = Vec::new();
    while let Some(closed) = reader
        .read(setup.delimiter, &mut rec)
        .map_err(input_error)?
    {
        row += 1;
        if rules {
            let p = rec
                .get(prac.unwrap_or(usize::MAX))
                .unwrap_or(b"")
                .trim_ascii();
            if current.lines.is_empty() || p != current_prac.as_slice() {
                if let Some(&previous) = pipe.closed.get(p) {
                    return Err(not_grouped(row, p, previous));
                }
                if !current.lines.is_empty() {
                    let last = current.lines[current.lines.len() - 1].row;
                    pipe.closed.insert(std::mem::take(&mut current_prac), last);
                    if current.bytes() >= block_bytes {
                        pipe.send(Job::Read(std::mem::take(&mut current)))?;
                    }
                }
                current_prac = p.to_vec();
            }
        } else if current.bytes() >= block_bytes {
            pipe.send(Job::Read(std::mem::take(&mut current)))?;
        }
        if current.data.len().saturating_add(rec.as_slice().len()) >= MAX_BLOCK
            || current.ends.len().saturating_add(rec.len()) >= MAX_BLOCK
        {
            return Err(practitioner_too_large(row));
        }
        current.push(&rec, row, closed);
    }
    if !current.lines.is_empty() {
        pipe.send(Job::Read(current))?;
    }
    pipe.drain(true)
}

#[cfg(test)]
mod tests {
    use super::{RowText, echo_fields};

    #[test]
    fn row_numbers_counted_up_are_row_numbers_written_anew() {
        let mut t = RowText::default();
        // Runs across every change of length, jumps back and forth, a
        // repeated row, and the largest numbers.
        let rows = (1..=1_200)
            .chain(9_990..10_011)
            .chain([5, 6, 6, 99_999, 100_000, 100_001, 7])
            .chain(u64::MAX - 2..=u64::MAX)
            .chain([0, 1]);
        for row in rows {
            assert_eq!(t.of(row), row.to_string().as_bytes(), "{row}");
        }
    }

    #[test]
    fn echoed_fields_are_the_fields_joined_whatever_their_places() {
        let data = b"F1,P1,K1, 2025-01-01,RIM ,7.5,, x ,y".to_vec();
        let text = std::str::from_utf8(&data).unwrap();
        let field = |k: usize| text.split(',').nth(k).unwrap().trim_ascii();
        let whole = |fields: &[&str]| {
            let mut v = Vec::new();
            for f in fields {
                v.push(b',');
                v.extend_from_slice(f.as_bytes());
            }
            v
        };
        let cases: [[usize; 3]; 6] = [
            [0, 1, 2],
            [3, 4, 5],
            [5, 6, 7],
            [6, 7, 8],
            [1, 0, 2],
            [2, 3, 4],
        ];
        for ks in cases {
            let fields = ks.map(field);
            let mut buf = Vec::new();
            echo_fields(&mut buf, &data, fields);
            assert_eq!(buf, whole(&fields), "{ks:?}");
        }
        // A field that is not a piece of the data (an empty default).
        let mut buf = Vec::new();
        echo_fields(&mut buf, &data, [field(0), ""]);
        assert_eq!(buf, b",F1,");
        // Next to each other: one piece, separator included.
        let mut buf = Vec::new();
        echo_fields(&mut buf, &data, [field(0), field(1), field(2)]);
        assert_eq!(buf, b",F1,P1,K1");
    }
}
