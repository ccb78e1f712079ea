//! Blocks: the unit the reading side hands the workers. Plain CSV is
//! kept as the bytes read (its fields found by the worker); lines read by
//! [`super::super::records`] are kept as fields copied one after the other.
//! Offsets inside a block are 32-bit: a block is at most 4 GiB.

use crate::Error;
use crate::batch::parse::{self};
use crate::batch::split;

/// The largest block (its offsets are `u32`): 4 GiB − 1.
pub(super) const MAX_BLOCK: usize = u32::MAX as usize;

/// A practitioner whose lines do not fit one block (more than 4 GiB of
/// them, from data row `row` on).
pub(super) fn practitioner_too_large(row: u64) -> Error {
    // File line of the data row (the header is line 1; without blank
    // lines before it).
    Error::Csv {
        line: row.saturating_add(1),
        message: "les lignes d'un même praticien dépassent 4 Gio : elles ne peuvent pas être traitées ensemble ; découpez le fichier, ou utilisez --no-rules".into(),
    }
}

/// Target size of a streamed block: 1 MiB, or a quarter of the memory
/// budget when that is smaller (the blocks in flight stay near the budget).
/// Small enough for the buffers going round to stay in cache and be
/// reused rather than page-faulted (4 MiB blocks: 17,000 faults a million
/// lines instead of 6,000).
pub(super) fn block_bytes(budget: usize) -> usize {
    (1 << 20).min(budget / 4).max(1)
}

/// Lines as raw fields in one buffer: no allocation per line once grown.
/// Either the input bytes themselves, plain CSV whose fields are found
/// when a worker reads the line (`plain`), or the fields copied one after
/// the other from the csv crate's records, with their end offsets.
#[derive(Default)]
pub(super) struct Block {
    pub(super) data: Vec<u8>,
    pub(super) ends: Vec<u32>,
    pub(super) lines: Vec<RawLine>,
    pub(super) plain: bool,
    pub(super) delimiter: u8,
    /// Lines (indices into `lines`) whose quote was left open at the end
    /// of the line (lines from [`records`], in order).
    pub(super) unclosed: Vec<u32>,
}

#[derive(Clone, Copy)]
pub(super) struct RawLine {
    /// Offset of the line's first field in `data`.
    pub(super) start: u32,
    /// Offset of the end of its last field (plain lines).
    pub(super) end: u32,
    /// Index of its first field in `ends`, and its number of fields
    /// (lines from the csv crate).
    pub(super) first: u32,
    pub(super) n: u32,
    pub(super) row: u64,
}

impl Block {
    /// A block of plain CSV lines (see [`split`]), numbered from `row`;
    /// reuses the index vectors of `self`.
    pub(super) fn plain(mut self, data: Vec<u8>, delimiter: u8, row: u64) -> Block {
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
    pub(super) fn push(&mut self, rec: &csv::ByteRecord, row: u64, closed: bool) {
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
    pub(super) fn fields(&self, i: usize) -> parse::RowFields<'_> {
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

    pub(super) fn practitioner(&self, i: usize, col: Option<usize>) -> &[u8] {
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
    pub(super) fn unclosed(&self, i: usize) -> bool {
        !self.plain && self.unclosed.binary_search(&(i as u32)).is_ok()
    }

    pub(super) fn bytes(&self) -> usize {
        self.data.len() + self.ends.len() * 4 + self.lines.len() * size_of::<RawLine>()
    }
}
