//! Reading history lines from the invoice CSV (`kine-tarif history
//! import`, `price --record`): the same columns as a batch, by name, in
//! any order, comma or semicolon.
//!
//! A line's reference is its `line_id` column when the file has one,
//! otherwise its rank among the lines of its invoice in the file (`1`,
//! `2`, …): importing the same file twice records nothing new. A line
//! without a readable date or code, or without a patient or practitioner,
//! cannot be recorded: it is counted in [`Imported::skipped`] with its
//! line number.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read};

use super::HistoryLine;
use crate::batch::parse::{self, Columns, SLOTS, Slots};
use crate::rules::LineContext;
use crate::{Error, Finding};

/// What an import read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Imported {
    /// Data lines read.
    pub read: u64,
    /// Lines that could not be recorded: their line numbers in the file
    /// (the header is line 1), the first 20.
    pub skipped_lines: Vec<u64>,
    /// How many could not be recorded.
    pub skipped: u64,
}

/// The history lines of an invoice CSV, one at a time
/// ([`HistoryRows::imported`] counts them as they come).
pub struct HistoryRows<R: Read> {
    reader: csv::Reader<BufReader<R>>,
    cols: Columns,
    line_id: Option<usize>,
    /// Lines seen of each invoice, by a 64-bit hash of its id (a file of
    /// 10 million one-line invoices held its ids at 1 GB; the hash, 24
    /// bytes an invoice: two ids share a rank only on a collision, about
    /// one chance in 10^5 in such a file).
    ranks: HashMap<u64, u32>,
    imported: Imported,
    dates: parse::DateMemo,
    memo: parse::FieldsMemo,
    record: csv::ByteRecord,
    findings: Vec<Finding>,
}

impl<R: Read> HistoryRows<R> {
    /// Reads the header; a missing required column stops the work.
    pub fn new(input: R) -> Result<HistoryRows<R>, Error> {
        let mut input = BufReader::with_capacity(1 << 16, input);
        let head = input.fill_buf().map_err(Error::Input)?;
        let first = head.split(|&b| b == b'\n').next().unwrap_or_default();
        let delimiter = parse::sniff_delimiter(first);
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .delimiter(delimiter)
            .from_reader(input);
        let headers = reader.byte_headers().map_err(Error::csv)?.clone();
        let cols = Columns::from_headers(&headers)?;
        let line_id = headers
            .iter()
            .position(|h| h.trim_ascii().eq_ignore_ascii_case(b"line_id"));
        Ok(HistoryRows {
            reader,
            cols,
            line_id,
            ranks: HashMap::new(),
            imported: Imported::default(),
            dates: parse::DateMemo::default(),
            memo: parse::FieldsMemo::default(),
            record: csv::ByteRecord::new(),
            findings: Vec::new(),
        })
    }

    /// What was read so far.
    pub fn imported(&self) -> &Imported {
        &self.imported
    }

    /// The next line that can be recorded, the others counted as skipped.
    fn next_line(&mut self) -> Result<Option<HistoryLine>, Error> {
        loop {
            if !self
                .reader
                .read_byte_record(&mut self.record)
                .map_err(Error::csv)?
            {
                return Ok(None);
            }
            let out = &mut self.imported;
            out.read += 1;
            let record = &self.record;
            let line_no = record.position().map_or(out.read + 1, |p| p.line());
            let mut slots: Slots<'_> = [""; SLOTS + 1];
            for (k, field) in record.iter().enumerate() {
                if let (Some(&slot), Ok(text)) =
                    (self.cols.slots.get(k), std::str::from_utf8(field))
                    && usize::from(slot) < SLOTS
                {
                    slots[usize::from(slot)] = text.trim_ascii();
                }
            }
            self.findings.clear();
            let ctx = parse::context(&slots, &mut self.findings);
            let (line, _) = parse::invoice_line(
                (&slots, &[]),
                &mut self.findings,
                (&mut self.dates, &mut self.memo),
            );
            let line = match line {
                Some(l) if !ctx.patient_id.is_empty() && !ctx.practitioner_id.is_empty() => l,
                _ => {
                    out.skipped += 1;
                    if out.skipped_lines.len() < 20 {
                        out.skipped_lines.push(line_no);
                    }
                    continue;
                }
            };
            let reference = match self
                .line_id
                .and_then(|k| record.get(k))
                .and_then(|f| std::str::from_utf8(f).ok())
                .map(str::trim_ascii)
                .filter(|s| !s.is_empty())
            {
                Some(id) => id.to_string(),
                None => {
                    let rank = self.ranks.entry(id_hash(ctx.invoice_id)).or_default();
                    *rank += 1;
                    rank.to_string()
                }
            };
            let context = LineContext {
                invoice_id: ctx.invoice_id.to_string(),
                patient_id: ctx.patient_id.to_string(),
                practitioner_id: ctx.practitioner_id.to_string(),
                department: ctx.department.map(str::to_string),
                prescription_id: ctx.prescription_id.map(str::to_string),
                prescriber_id: ctx.prescriber_id.map(str::to_string),
                session: ctx.session.map(str::to_string),
                telesoin: ctx.telesoin,
                time: ctx.time,
                trip_id: ctx.trip_id.map(str::to_string),
                ..LineContext::default()
            };
            return Ok(Some(HistoryLine::new(
                ctx.invoice_id,
                &reference,
                &line,
                &context,
            )));
        }
    }
}

impl<R: Read> Iterator for HistoryRows<R> {
    type Item = Result<HistoryLine, Error>;

    fn next(&mut self) -> Option<Result<HistoryLine, Error>> {
        self.next_line().transpose()
    }
}

/// Reads the history lines of an invoice CSV, giving each to `each`
/// (which may stop the reading with an error). The errors that stop the
/// work name the line.
pub fn read_csv<R: Read>(
    input: R,
    mut each: impl FnMut(HistoryLine) -> Result<(), Error>,
) -> Result<Imported, Error> {
    let mut rows = HistoryRows::new(input)?;
    for line in &mut rows {
        each(line?)?;
    }
    Ok(rows.imported)
}

/// A fixed 64-bit hash of an invoice id (the same in every run).
fn id_hash(id: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    #[allow(deprecated)]
    let mut h = std::hash::SipHasher::new();
    id.hash(&mut h);
    h.finish()
}
