//! The batch engine: from the bytes of an invoice CSV to its rows, in
//! input order. One file per stage:
//!
//! ```text
//!  input ──► run (this file): header, delimiter, line ends, which path
//!              │
//!              ├─ fits the budget ─────────► hold: grouped in memory ─────┐
//!              ├─ larger, grouped ─────────► stream: blocks of whole      │
//!              │                               practitioners, in order ──┤
//!              └─ larger, in no order ─────► ../spill: partitions on disk┤
//!                                                                         │
//!   block (the unit of work) ──► process (a worker: parse, price, rules)  │
//!                                  └─► format + cells (the row's bytes) ──┴─► output, in order
//! ```
//!
//! See the module documentation of [`crate::batch`] for the strategy and
//! its memory cost.

mod block;
mod cells;
mod format;
mod hold;
mod process;
mod shares;
mod stream;

use block::*;
use cells::*;
use format::*;
pub(super) use hold::whole;
pub(super) use process::worker_panicked;
use process::*;
use stream::*;

use std::io::{BufWriter, Read, Write};

use super::parse::{self, Columns};
use super::{BatchOptions, OUTPUT_COLUMNS, OutputFormat, REPRICE_COLUMNS, SPLIT_COLUMNS, Summary};
use super::{records, split};
use crate::{Error, Tariffs};

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
            self.w.write_all(&self.header).map_err(Error::Output)?;
            self.header = Vec::new();
        }
        Ok(())
    }

    /// Writes a chunk; returns its buffer for reuse.
    fn chunk(&mut self, c: Chunk) -> Result<Vec<u8>, Error> {
        self.begin()?;
        self.w.write_all(&c.buf).map_err(Error::Output)?;
        self.rows += c.summary.rows;
        self.summary.merge(c.summary);
        if let Some(p) = self.progress {
            p(self.rows);
        }
        Ok(c.buf)
    }
}

pub(super) fn threads(options: &BatchOptions) -> usize {
    match options.threads {
        0 => std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1),
        n => n,
    }
    .min(super::MAX_THREADS)
}

/// Appends up to `n` more bytes of `input` to `buf`; returns how many.
fn read_more(input: &mut impl Read, buf: &mut Vec<u8>, n: usize) -> Result<usize, Error> {
    input.take(n as u64).read_to_end(buf).map_err(Error::Input)
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

/// What the first read of an input tells: the bytes read (line ends made
/// `\n`), whether that was all, the rest of the input (read with the same
/// line ends), the delimiter, the header and where the body starts.
struct Start<R> {
    buf: Vec<u8>,
    eof: bool,
    input: records::LineEnds<R>,
    delimiter: u8,
    headers: csv::ByteRecord,
    body: usize,
}

/// Reads `first` bytes (more if the first line is longer), decides the
/// line ends (a file whose header ends with a lone `\r` has `\r` line
/// ends: read as `\n` from here on) and the delimiter, and reads the
/// header: the first line that is not empty.
fn start<R: Read>(mut input: R, first: usize) -> Result<Start<R>, Error> {
    let mut buf = Vec::new();
    read_more(&mut input, &mut buf, first)?;
    let mut eof = buf.len() < first;
    while !eof && memchr::memchr2(b'\n', b'\r', &buf).is_none() {
        eof = read_more(&mut input, &mut buf, 1 << 16)? == 0;
    }
    let swap = records::cr_line_ends(&buf);
    if swap {
        records::swap_line_ends(&mut buf);
    }
    let delimiter = parse::sniff_delimiter(&buf);
    let mut body = 0;
    let mut headers = csv::ByteRecord::new();
    while body < buf.len() {
        let (line, next) = records::next_line(&buf, body);
        body = next;
        if !line.is_empty() {
            records::record(line, delimiter, &mut headers);
            break;
        }
    }
    Ok(Start {
        buf,
        eof,
        input: records::LineEnds { inner: input, swap },
        delimiter,
        headers,
        body,
    })
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
    input: R,
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
    let Start {
        mut buf,
        eof,
        mut input,
        delimiter,
        headers,
        body,
    } = start(input, first)?;
    let read = buf.len();

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
        if setup.cols.split {
            header.extend(SPLIT_COLUMNS);
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
        super::spill::run(&setup, body, &mut out)?;
    } else {
        match streaming(&setup, &mut input, buf, &mut out, (read, undecided, spill))? {
            Next::Done => {}
            Next::Whole(all) => whole(&setup, all, &mut out)?,
            Next::Spill(all) => {
                let body = std::io::Cursor::new(all).chain(&mut input);
                super::spill::run(&setup, body, &mut out)?;
            }
        }
    }
    out.begin()?;
    out.w.flush().map_err(Error::Output)?;
    Ok(out.summary)
}

/// Whether the input's lines come grouped by practitioner (each one's
/// lines together), read through once without pricing anything: for an
/// input that can be read again when the output cannot be emptied (see
/// [`super::price_seekable`]). An input without a practitioner column, or
/// whose header does not read, is said grouped: the run then answers as
/// it would anyway. Lines are read as the engine reads them (`\r` line
/// ends, quotes); an empty `\r\n` line may be taken for a practitioner of
/// its own, which only makes the answer `false` (spilled) where `true`
/// would have done.
pub(super) fn scan_grouped<R: Read>(input: R) -> Result<bool, Error> {
    let Start {
        mut buf,
        mut eof,
        mut input,
        delimiter,
        headers,
        body: mut start,
    } = start(input, 1 << 20)?;
    let Some(col) = Columns::from_headers(&headers)
        .ok()
        .and_then(|c| c.practitioner_id)
    else {
        return Ok(true);
    };
    let mut grouping = split::Grouping::default();
    let mut rec = csv::ByteRecord::new();
    loop {
        let rest = buf.get(start..).unwrap_or_default();
        let end = if eof {
            rest.len()
        } else {
            memchr::memrchr(b'\n', rest).map_or(0, |i| i + 1)
        };
        let piece = rest.get(..end).unwrap_or_default();
        let grouped = if memchr::memchr(b'"', piece).is_none() {
            grouping.extend(piece, delimiter, col)
        } else {
            // Lines with quotes read as records, one at a time.
            let mut ok = true;
            let mut at = 0;
            while ok && at < piece.len() {
                let (line, next) = records::next_line(piece, at);
                at = next;
                if line.is_empty() {
                    continue;
                }
                ok = grouping.push(records::field(line, delimiter, col, &mut rec));
            }
            ok
        };
        if !grouped {
            return Ok(false);
        }
        if eof {
            return Ok(true);
        }
        buf.drain(..start + end);
        start = 0;
        eof = read_more(&mut input, &mut buf, 1 << 20)? == 0;
    }
}
