//! Formatting rows: a line's cells (priced by [`super::process`]) into CSV
//! or JSON lines, with the summary's counts and totals. The fast paths of
//! the usual row (no findings, priced as an earlier line) live here, each
//! saying why it exists.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;

use crate::batch::{
    OUTPUT_COLUMNS, OutputFormat, REPRICE_COLUMNS, RepriceTotals, SPLIT_COLUMNS, SplitTotals,
    Summary,
};
use crate::money::{is_money_text, parse_decimal, product3, push_money, push_u64, round_to_cent};
use crate::rules::Ctx;
use crate::{Code, CodeKind, LineStatus, Priced, Tariffs};

use super::*;

/// What a line is worth at another date.
pub(super) struct Repriced {
    pub(super) code: Code,
    pub(super) coefficient: Option<Decimal>,
    pub(super) unit: Decimal,
    pub(super) amount: Decimal,
}

pub(super) fn reprice(t: &Tariffs, p: &Priced<'_>, date: NaiveDate) -> Option<Repriced> {
    p.amount?;
    let line = &p.line;
    let (code, coefficient) = match line.code.kind() {
        CodeKind::TravelFlat
        | CodeKind::TravelKm
        | CodeKind::Teleexpertise
        | CodeKind::Majoration
        | CodeKind::Depassement => (line.code, None),
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
pub(super) struct JsonFinding<'a> {
    pub(super) code: &'static str,
    pub(super) severity: &'static str,
    pub(super) message: &'a str,
}

#[derive(Serialize)]
pub(super) struct JsonRow<'a> {
    pub(super) row: u64,
    pub(super) invoice_id: &'a str,
    pub(super) patient_id: &'a str,
    pub(super) date: &'a str,
    pub(super) code_in: &'a str,
    pub(super) coefficient_in: &'a str,
    pub(super) code: &'a str,
    pub(super) coefficient: &'a str,
    pub(super) act_id: &'a str,
    pub(super) unit_value: &'a str,
    pub(super) quantity: &'a str,
    pub(super) amount: &'a str,
    pub(super) billed_amount: &'a str,
    pub(super) status: &'static str,
    pub(super) findings: Vec<JsonFinding<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) reprice: Option<[&'a str; 4]>,
    /// With a coverage column: who pays what ([`crate::batch::SPLIT_COLUMNS`]).
    #[serde(skip_serializing_if = "Option::is_none", flatten)]
    pub(super) split: Option<SplitJson<'a>>,
}

/// The split columns of a JSON line (empty strings for a line without an
/// amount).
#[derive(Serialize)]
pub(super) struct SplitJson<'a> {
    pub(super) amo_rate: &'a str,
    pub(super) amo_amount: &'a str,
    pub(super) patient_amount: &'a str,
    pub(super) franchise: &'a str,
    pub(super) prestation_code: &'a str,
}

/// The text of columns 6 to 11 of a pricing (see [`CellsKey`]), and the
/// rest of the row of a line without findings whose billed amount is
/// written as the amount.
#[derive(Default)]
pub(super) struct PricedCells {
    pub(super) key: Option<CellsKey>,
    /// Columns 6 to 11.
    pub(super) text: Vec<u8>,
    /// Columns 6 to the row's end of such a line: `text`, then
    /// `,{amount},ok,,` and the line end; empty for a line without an
    /// amount.
    pub(super) ok_row: Vec<u8>,
    /// The amount in cents, when `ok_row` is not empty and the amount is
    /// summed as cents ([`add_cents`]): such a row is added to the
    /// summary without its cells ([`Formatter::ok_row`]).
    pub(super) cents: Option<i64>,
}

impl PricedCells {
    /// The amount's text in `ok_row`.
    pub(super) fn amount(&self) -> &[u8] {
        let tail = b",ok,,\n".len();
        self.ok_row
            .get(self.text.len() + 1..self.ok_row.len().saturating_sub(tail))
            .unwrap_or_default()
    }
}

/// Formats rows into a chunk.
pub(super) struct Formatter<'s> {
    pub(super) setup: &'s Setup<'s>,
    pub(super) csv: bool,
    pub(super) buf: Vec<u8>,
    pub(super) track: bool,
    pub(super) ranges: Vec<(usize, usize, usize)>,
    pub(super) summary: Summary,
    /// Scratch buffer for the JSON path.
    pub(super) scratch: Vec<u8>,
    /// The block being formatted was split from plain comma-separated
    /// CSV: its fields need no quotes.
    pub(super) plain_echo: bool,
    /// Text of columns 6 to 11 of recent pricings (see [`CellsKey`]).
    pub(super) priced_cells: Vec<PricedCells>,
    /// Amounts with exactly two decimals summed as integers (amount,
    /// billed), added to the summary's totals at the end.
    pub(super) cents: [i64; 2],
    /// The text of the last row number written.
    pub(super) row_text: RowText,
    /// The history could not be read (see [`Chunk::error`]).
    pub(super) error: Option<crate::Error>,
    /// The split of the next row ([`super::shares`]), with a coverage
    /// column.
    pub(super) shares: Option<super::shares::Shares>,
}

/// The text of the last row number written, counted up in place: rows
/// mostly come one after the other, and adding one to a decimal text costs
/// less than writing the number anew.
#[derive(Default)]
pub(super) struct RowText {
    pub(super) row: Option<u64>,
    pub(super) text: Vec<u8>,
}

impl RowText {
    /// The text of `row` in decimal.
    #[inline(always)]
    pub(super) fn of(&mut self, row: u64) -> &[u8] {
        if self.row.and_then(|r| r.checked_add(1)) != Some(row) || !self.add_one() {
            self.text.clear();
            push_u64(&mut self.text, row);
        }
        self.row = Some(row);
        &self.text
    }

    /// Adds one to the text; false (the text then to be written anew) when
    /// that takes one more digit.
    pub(super) fn add_one(&mut self) -> bool {
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
pub(super) fn add_cents(cents: &mut i64, total: &mut Decimal, d: Decimal) {
    match as_cents(d) {
        Some(m) if cents.unsigned_abs() < 1 << 62 => *cents += m,
        _ => *total += d,
    }
}

/// An amount as integer cents, when it has exactly two decimals and is far
/// from overflow (what [`add_cents`] sums as an integer).
pub(super) fn as_cents(d: Decimal) -> Option<i64> {
    let m = i64::try_from(d.mantissa()).ok()?;
    (d.scale() == 2 && m.unsigned_abs() < 1 << 40).then_some(m)
}

impl<'s> Formatter<'s> {
    pub(super) fn new(setup: &'s Setup<'s>, track: bool) -> Formatter<'s> {
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
            error: None,
            shares: None,
        }
    }

    /// The cells of a line; adds it to the summary.
    pub(super) fn cells<'w>(
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
            shares: self.shares.take(),
        };
        if let Some((s, _)) = c.shares {
            sm.split.get_or_insert_default().add(&SplitTotals::of(&s));
        } else if self.setup.cols.split {
            sm.split.get_or_insert_default();
        }
        let Some(p) = priced else { return c };
        let letter = p
            .value
            .map(|v| v.code)
            .or(p.old_cotation.map(|o| o.letter))
            .unwrap_or(p.line.code)
            .as_str();
        // A DE has no value: its amount is the billed amount.
        if p.value.is_some()
            || p.old_cotation.is_some()
            || (p.line.code == Code::DE && p.amount.is_some())
        {
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
    pub(super) fn row(
        &mut self,
        block: &Block,
        w: &Work<'_>,
        priced: Option<&Priced<'_>>,
        ctx: &Ctx<'_>,
    ) {
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
    pub(super) fn ok_row(
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
            || self.setup.cols.split
            || self.setup.options.invoices
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
    pub(super) fn full_row(
        &mut self,
        block: &Block,
        w: &Work<'_>,
        priced: Option<&Priced<'_>>,
        ctx: &Ctx<'_>,
    ) {
        let c = self.cells(block, w, priced);
        if self.setup.options.invoices {
            self.invoice_total(ctx.invoice_id, &c);
        }
        // With `--reprice-at`, every row has the reprice columns (empty
        // for a line that was not priced): a CSV reader sees one width.
        let repricing = self.setup.options.reprice_at.is_some();
        let splitting = self.setup.cols.split;
        let columns = OUTPUT_COLUMNS.len()
            + if repricing { REPRICE_COLUMNS.len() } else { 0 }
            + if splitting { SPLIT_COLUMNS.len() } else { 0 };
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
                if repricing {
                    columns!(buf; 16 17 18 19);
                }
                if splitting {
                    columns!(buf; 20 21 22 23 24);
                }
                buf.push(b'\n');
            }
        } else {
            let mut text: [String; 25] = Default::default();
            let wanted = |k: usize| {
                k < OUTPUT_COLUMNS.len()
                    || (repricing && k < OUTPUT_COLUMNS.len() + REPRICE_COLUMNS.len())
                    || (splitting && k >= OUTPUT_COLUMNS.len() + REPRICE_COLUMNS.len())
            };
            for (k, t) in text
                .iter_mut()
                .enumerate()
                .skip(1)
                .filter(|(k, _)| wanted(*k))
            {
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
                split: splitting.then(|| SplitJson {
                    amo_rate: &text[20],
                    amo_amount: &text[21],
                    patient_amount: &text[22],
                    franchise: &text[23],
                    prestation_code: &text[24],
                }),
            };
            let _ = serde_json::to_writer(&mut self.buf, &j);
            self.buf.push(b'\n');
        }
    }

    /// Adds a row to its invoice's totals ([`crate::batch::BatchOptions::invoices`]).
    #[inline(never)]
    fn invoice_total(&mut self, invoice_id: &str, c: &Cells<'_>) {
        let invoices = &mut self.summary.invoices;
        let t = match invoices.get_mut(invoice_id) {
            Some(t) => t,
            None => invoices.entry(invoice_id.to_string()).or_default(),
        };
        t.lines += 1;
        t.computed = t.computed.saturating_add(c.amount.unwrap_or_default());
        t.billed = t.billed.saturating_add(c.billed.unwrap_or_default());
        match c.status {
            LineStatus::Error => t.errors += 1,
            LineStatus::Warning => t.warnings += 1,
            LineStatus::Ok => {}
        }
        if let Some((s, _)) = c.shares {
            t.split.get_or_insert_default().add(&SplitTotals::of(&s));
        } else if self.setup.cols.split {
            t.split.get_or_insert_default();
        }
    }

    pub(super) fn finish(mut self) -> Chunk {
        self.summary.total_amount += Decimal::new(self.cents[0], 2);
        self.summary.total_billed += Decimal::new(self.cents[1], 2);
        Chunk {
            buf: self.buf,
            ranges: self.ranges,
            summary: self.summary,
            runs: Vec::new(),
            error: self.error,
        }
    }
}
