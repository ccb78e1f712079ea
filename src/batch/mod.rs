//! The invoice CSV: read lines, price each one, apply the invoice rules,
//! write one output row per input row, in input order.
//!
//! Input: a header row; columns are matched by name, in any order; unknown
//! columns are ignored. The delimiter is a comma, or a semicolon when the
//! header has semicolons and no comma (spreadsheet exports). A row whose
//! fields do not parse still comes out, with `INVALID_FIELD`.
//!
//! How large batches run (memory, threads, the grouping the rules need) is
//! described in [`engine`](self#engine).
//!
//! ```
//! use kine_tarif::batch::{price_csv, OutputFormat};
//! use kine_tarif::Tariffs;
//! let input = "invoice_id,patient_id,date,code,coefficient,department\n\
//!              F1,P1,2024-06-15,RIM,\"7,50\",75\n\
//!              F2,P2,2024-07-01,AMS,7.5,75\n\
//!              F3,P3,not-a-date,RIM,7.50,75\n";
//! let mut out = Vec::new();
//! let summary = price_csv(Tariffs::embedded(), input.as_bytes(), &mut out, OutputFormat::Csv).unwrap();
//! assert_eq!((summary.rows, summary.ok, summary.errors), (3, 1, 2));
//! let text = String::from_utf8(out).unwrap();
//! let lines: Vec<&str> = text.lines().collect();
//! assert_eq!(lines.len(), 4);
//! assert!(lines[1].starts_with("1,F1,P1,2024-06-15,RIM,\"7,50\",RIM,7.50,A1C-ENTORSE-MED,2.21,1,16.58,,ok,,"));
//! assert!(lines[2].contains(",error,OLD_COTATION_REJECTED,"));
//! assert!(lines[3].contains(",error,INVALID_FIELD,"));
//! ```
//!
//! # Engine
//!
//! Plain CSV — no quote character, no blank line, `\n` or `\r\n` line
//! ends, which is what billing software and `kine-tarif generate` write —
//! is cut into blocks of whole lines by the reading thread, which only
//! moves bytes; the worker threads find each line's fields as they read
//! it (eight bytes at a time), parse them from bytes, price, check and
//! format, and the rows are written in input order. From the first block
//! that is not plain on, the csv crate reads the rest (same records, same
//! output). Buffers go round between the threads instead of being
//! allocated per block. Each worker keeps the pricing of the lines it has
//! seen: a line that differs from an earlier one only by a date in the
//! same stretch between two tariff changes, and whose pricing found
//! nothing wrong, gets the same act, value and amount without the lookups.
//!
//! The cross-line rules look at one practitioner's lines at a time, so the
//! unit of work is a practitioner:
//!
//! - **Input up to the memory budget** (`BatchOptions::memory_budget`,
//!   48 MiB of CSV by default) may be held whole: its lines are grouped by
//!   practitioner whatever their order, the groups shared among the
//!   threads, and the output written back in input order. Memory: about
//!   3.4 × the input size (154 MB measured for a 45 MB input in no
//!   particular order: the input, its line index, each line's
//!   practitioner, and the output held until every line is done).
//! - **Input that is plain and grouped by practitioner is streamed**,
//!   whatever its size: every practitioner's lines contiguous, in any
//!   order inside (sorted files and `kine-tarif generate` are). Blocks are
//!   cut at practitioner boundaries and processed in parallel; rows are
//!   written in order. When the input's size is known
//!   ([`BatchOptions::input_size`]; `kine-tarif price` gives a file's),
//!   an input larger than the budget is streamed from its first block.
//!   Otherwise the workers still start on the first block read, but until
//!   the input has passed the budget (or ended) the rows are held and the
//!   blocks kept, and each block is checked for grouping before it is
//!   sent; an input that ends within the budget and turns out not to be
//!   grouped (or not plain) is then held whole as above, nothing written
//!   twice. Memory: the blocks in flight (threads × 2 blocks of about
//!   1 MiB, or one practitioner's lines if larger), whatever the file
//!   size, plus, when the size is not known, the budget's worth of input
//!   and its rows while it is undecided (peak figures in BENCHMARKS.md).
//!   In a larger input, a practitioner met again after his block stops
//!   the run with [`Error::NotGrouped`] naming both lines — sort the file
//!   by `practitioner_id`, raise the budget, or use
//!   `--no-rules`, which needs no grouping.

mod engine;
pub(crate) mod parse;
mod records;
mod spill;
mod split;

use std::collections::BTreeMap;
use std::io::{Read, Write};

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::{Error, LineStatus, Tariffs};

/// Output format of [`price_csv`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum OutputFormat {
    /// CSV with the columns of [`OUTPUT_COLUMNS`].
    #[default]
    Csv,
    /// One JSON object per line, same fields, findings as objects.
    Jsonl,
}

/// Required input columns.
pub const REQUIRED_COLUMNS: [&str; 5] = ["invoice_id", "patient_id", "date", "code", "coefficient"];

/// Output columns, in order.
pub const OUTPUT_COLUMNS: [&str; 16] = [
    "row",
    "invoice_id",
    "patient_id",
    "date",
    "code_in",
    "coefficient_in",
    "code",
    "coefficient",
    "act_id",
    "unit_value",
    "quantity",
    "amount",
    "billed_amount",
    "status",
    "findings",
    "message",
];

/// Columns added at the end when the input has a coverage column
/// (`regime`, `exoneration`, `tiers_payant`): who pays what
/// ([`crate::coverage`]), each line's AMO rate (%) and amount, the
/// patient's share and the franchise (after its daily and yearly caps
/// over the batch's lines of the patient with the practitioner; before
/// them with `--no-rules`), and the SNDS prestation code of the line's
/// code ([`crate::prestation`]; empty where the sources give none, as for
/// the 2024 key letters).
pub const SPLIT_COLUMNS: [&str; 5] = [
    "amo_rate",
    "amo_amount",
    "patient_amount",
    "franchise",
    "prestation_code",
];

/// Columns added after [`OUTPUT_COLUMNS`] with [`BatchOptions::reprice_at`].
pub const REPRICE_COLUMNS: [&str; 4] = [
    "reprice_code",
    "reprice_coefficient",
    "reprice_unit_value",
    "reprice_amount",
];

/// Per key letter, the amounts of a batch at its own dates and repriced at
/// another date.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct RepriceTotals {
    /// Lines priced both ways.
    pub lines: u64,
    /// Sum of the amounts at the lines' dates.
    pub amount: Decimal,
    /// Sum of the amounts at the repricing date.
    pub repriced: Decimal,
    /// Lines that could not be repriced (no value or act at that date).
    pub not_repriced: u64,
}

/// Counts and totals of a batch. Serializes to JSON (serde) with these
/// field names; not read back (its finding codes are the catalogue's
/// static texts).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Summary {
    /// Data rows read (= rows written).
    pub rows: u64,
    /// Rows with status `ok`.
    pub ok: u64,
    /// Rows with status `warning`.
    pub warnings: u64,
    /// Rows with status `error`.
    pub errors: u64,
    /// Sum of the computed amounts.
    pub total_amount: Decimal,
    /// Sum of the billed amounts given.
    pub total_billed: Decimal,
    /// How many times each finding code occurred.
    pub findings: BTreeMap<&'static str, u64>,
    /// With [`BatchOptions::reprice_at`]: totals per key letter.
    pub reprice: BTreeMap<&'static str, RepriceTotals>,
    /// With [`BatchOptions::history`]: the history lines the rules
    /// consulted (a line consulted for two practitioners' groups counts
    /// once each).
    pub history_lines: u64,
    /// With a coverage column ([`SPLIT_COLUMNS`]): the sums of the AMO
    /// amounts, the patients' shares and the franchises.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub split: Option<SplitTotals>,
    /// With [`BatchOptions::invoices`]: each invoice's totals, by invoice
    /// id.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub invoices: BTreeMap<String, InvoiceTotals>,
}

/// The worst status of lines counted by status.
fn worst(errors: u64, warnings: u64) -> LineStatus {
    if errors > 0 {
        LineStatus::Error
    } else if warnings > 0 {
        LineStatus::Warning
    } else {
        LineStatus::Ok
    }
}

/// One invoice's totals in a batch ([`BatchOptions::invoices`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct InvoiceTotals {
    /// Its lines.
    pub lines: u64,
    /// Sum of the computed amounts.
    pub computed: Decimal,
    /// Sum of the billed amounts given.
    pub billed: Decimal,
    /// With a coverage column: the sums of the split columns.
    pub split: Option<SplitTotals>,
    /// Lines with a warning (and no error).
    pub warnings: u64,
    /// Lines with an error.
    pub errors: u64,
}

impl InvoiceTotals {
    /// The worst status of its lines.
    pub fn status(&self) -> LineStatus {
        worst(self.errors, self.warnings)
    }

    fn add(&mut self, o: &InvoiceTotals) {
        self.lines += o.lines;
        self.computed = self.computed.saturating_add(o.computed);
        self.billed = self.billed.saturating_add(o.billed);
        self.warnings += o.warnings;
        self.errors += o.errors;
        if let Some(s) = o.split {
            self.split.get_or_insert_default().add(&s);
        }
    }
}

impl SplitTotals {
    /// The totals of one line's split cells (AMO rate, AMO amount,
    /// patient's share, franchise).
    pub(crate) fn of(cells: &[Decimal; 4]) -> SplitTotals {
        SplitTotals {
            amo_amount: cells[1],
            patient_amount: cells[2],
            franchise: cells[3],
        }
    }

    pub(crate) fn add(&mut self, s: &SplitTotals) {
        self.amo_amount = self.amo_amount.saturating_add(s.amo_amount);
        self.patient_amount = self.patient_amount.saturating_add(s.patient_amount);
        self.franchise = self.franchise.saturating_add(s.franchise);
    }
}

/// The sums of the split columns.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct SplitTotals {
    /// Sum of the AMO amounts.
    pub amo_amount: Decimal,
    /// Sum of the patients' shares.
    pub patient_amount: Decimal,
    /// Sum of the franchises (deducted later by the caisse).
    pub franchise: Decimal,
}

impl Summary {
    /// The worst status seen.
    pub fn worst(&self) -> LineStatus {
        worst(self.errors, self.warnings)
    }

    pub(crate) fn merge(&mut self, o: Summary) {
        self.rows += o.rows;
        self.ok += o.ok;
        self.warnings += o.warnings;
        self.errors += o.errors;
        self.total_amount += o.total_amount;
        self.total_billed += o.total_billed;
        self.history_lines += o.history_lines;
        if let Some(s) = o.split {
            self.split.get_or_insert_default().add(&s);
        }
        for (k, v) in o.invoices {
            match self.invoices.get_mut(&k) {
                Some(t) => t.add(&v),
                None => {
                    self.invoices.insert(k, v);
                }
            }
        }
        for (k, v) in o.findings {
            *self.findings.entry(k).or_default() += v;
        }
        for (k, v) in o.reprice {
            let e = self.reprice.entry(k).or_default();
            e.lines += v.lines;
            e.amount += v.amount;
            e.repriced += v.repriced;
            e.not_repriced += v.not_repriced;
        }
    }
}

/// The most worker threads a batch uses.
pub const MAX_THREADS: usize = 256;

/// Options of [`price_csv_with`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchOptions {
    /// Output format.
    pub format: OutputFormat,
    /// Apply the invoice rules ([`crate::rules`]); `false` prices each line
    /// on its own.
    pub rules: bool,
    /// Worker threads; 0 = one per core; at most [`MAX_THREADS`] (a larger
    /// number is taken as that).
    pub threads: usize,
    /// Input held whole up to this many bytes; larger input is streamed.
    pub memory_budget: usize,
    /// The input's size in bytes, when it is known (a file's): an input
    /// larger than the budget is then streamed from its first block,
    /// without first holding a budget's worth of it to see whether it ends
    /// within (with the rules on, an input that does may come in any order:
    /// see the module documentation). The size is trusted for that choice
    /// only: an input of another size is still read to its end.
    pub input_size: Option<u64>,
    /// Also price every line with the values in force at this date.
    pub reprice_at: Option<NaiveDate>,
    /// Where an input too large to hold whole and in no particular order
    /// is spilled ([`spill`](self#spilling)); `None`: the system's
    /// temporary directory (`TMPDIR`).
    pub temp_dir: Option<std::path::PathBuf>,
    /// The cross-line rules also see these past lines of each
    /// practitioner ([`crate::history`]); the summary counts them
    /// ([`Summary::history_lines`]). Needs `rules`.
    pub history: Option<crate::history::SharedHistory>,
    /// Total each invoice ([`Summary::invoices`]): lines, amounts, the
    /// split's sums, statuses. Memory: one entry per invoice.
    pub invoices: bool,
}

impl Default for BatchOptions {
    fn default() -> BatchOptions {
        BatchOptions {
            format: OutputFormat::Csv,
            rules: true,
            threads: 0,
            memory_budget: 48 << 20,
            input_size: None,
            reprice_at: None,
            temp_dir: None,
            history: None,
            invoices: false,
        }
    }
}

/// Prices every row of an invoice CSV, applies the invoice rules, and
/// writes one row per input row, in input order. Fails only when the input
/// cannot be read (I/O, missing required column, a large input not grouped
/// by practitioner) or the output cannot be written.
pub fn price_csv<R: Read, W: Write>(
    tariffs: &Tariffs,
    input: R,
    output: W,
    format: OutputFormat,
) -> Result<Summary, Error> {
    price_csv_with(
        tariffs,
        input,
        output,
        &BatchOptions {
            format,
            ..BatchOptions::default()
        },
    )
}

/// [`price_csv`] with options.
pub fn price_csv_with<R: Read, W: Write>(
    tariffs: &Tariffs,
    input: R,
    output: W,
    options: &BatchOptions,
) -> Result<Summary, Error> {
    engine::run(
        tariffs,
        input,
        output,
        options,
        (None, engine::Large::Spill),
    )
}

/// [`price_csv_with`], calling `progress` with the number of rows written
/// so far, from time to time.
pub fn price_csv_progress<R: Read, W: Write>(
    tariffs: &Tariffs,
    input: R,
    output: W,
    options: &BatchOptions,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Summary, Error> {
    engine::run(
        tariffs,
        input,
        output,
        options,
        (Some(progress), engine::Large::Spill),
    )
}

/// An output [`price_seekable`] can empty and write again from its start.
pub trait Restart: Write {
    /// Empties the output: what was written is discarded.
    fn restart(&mut self) -> std::io::Result<()>;

    /// Whether [`Restart::restart`] can succeed (a pipe cannot take back
    /// what it sent: see [`Once`]).
    fn can_restart(&self) -> bool {
        true
    }
}

/// An output written once, that cannot be emptied (a pipe, a socket):
/// [`price_seekable`] reads the input through once first to see whether
/// it comes grouped by practitioner, before writing anything.
pub struct Once<W: Write>(pub W);

impl<W: Write> Write for Once<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.write(buf)
    }
    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.0.write_all(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

impl<W: Write> Restart for Once<W> {
    fn restart(&mut self) -> std::io::Result<()> {
        Err(std::io::Error::new(
            std::io::ErrorKind::Unsupported,
            "la sortie ne peut pas être reprise du début",
        ))
    }
    fn can_restart(&self) -> bool {
        false
    }
}

impl Restart for std::fs::File {
    /// Truncates a regular file and writes again from its start; on
    /// another kind of file (`/dev/null`, a character device) nothing can
    /// be taken back, and that is only allowed where nothing is kept:
    /// `/dev/null`.
    fn restart(&mut self) -> std::io::Result<()> {
        use std::io::Seek;
        let meta = self.metadata()?;
        if meta.is_file() {
            self.set_len(0)?;
            self.seek(std::io::SeekFrom::Start(0))?;
            return Ok(());
        }
        if is_dev_null(&meta) {
            return Ok(());
        }
        Err(std::io::Error::other(
            "la sortie ne peut pas être reprise du début",
        ))
    }

    /// A regular file or `/dev/null`; not a pipe, a terminal or a socket.
    fn can_restart(&self) -> bool {
        self.metadata()
            .is_ok_and(|m| m.is_file() || is_dev_null(&m))
    }
}

#[cfg(unix)]
fn is_dev_null(meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/dev/null").is_ok_and(|n| n.rdev() == meta.rdev() && n.dev() == meta.dev())
}

#[cfg(not(unix))]
fn is_dev_null(_: &std::fs::Metadata) -> bool {
    false
}

impl Restart for Vec<u8> {
    fn restart(&mut self) -> std::io::Result<()> {
        self.clear();
        Ok(())
    }
}

impl Restart for std::io::Sink {
    fn restart(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<T: Restart + ?Sized> Restart for &mut T {
    fn restart(&mut self) -> std::io::Result<()> {
        (**self).restart()
    }
    fn can_restart(&self) -> bool {
        (**self).can_restart()
    }
}

/// [`price_csv_progress`] for an input that can be read again and an
/// output that can be emptied (a file to a file, as `kine-tarif price`
/// does): an input larger than the memory budget is streamed at once,
/// the grouping by practitioner checked on the way — as fast as an input
/// known to be grouped — and, should a practitioner come back after his
/// lines ended, the output is emptied and the input read again from its
/// start and spilled (see [Spilling](self#spilling)). The result is the
/// same as [`price_csv_with`]'s; only the path to it differs.
pub fn price_seekable<R: Read + std::io::Seek, W: Restart>(
    tariffs: &Tariffs,
    mut input: R,
    mut output: W,
    options: &BatchOptions,
    progress: Option<&(dyn Fn(u64) + Sync)>,
) -> Result<Summary, Error> {
    let start = input.stream_position().map_err(Error::Input)?;
    // An output that cannot be emptied: whether the input is grouped is
    // known before anything is written (one read of the input, without
    // pricing), when it matters (the rules on, larger than the budget).
    let large = options.rules
        && options
            .input_size
            .is_none_or(|n| n > options.memory_budget as u64);
    if !output.can_restart() && large {
        let grouped = engine::scan_grouped(&mut input)?;
        input
            .seek(std::io::SeekFrom::Start(start))
            .map_err(Error::Input)?;
        // Not grouped: held whole if it fits after all, spilled otherwise.
        let how = if grouped {
            engine::Large::Stream
        } else {
            engine::Large::Spill
        };
        return engine::run(tariffs, &mut input, &mut output, options, (progress, how));
    }
    match engine::run(
        tariffs,
        &mut input,
        &mut output,
        options,
        (progress, engine::Large::Stream),
    ) {
        Err(Error::NotGrouped { .. }) => {
            output.restart().map_err(Error::Output)?;
            input
                .seek(std::io::SeekFrom::Start(start))
                .map_err(Error::Input)?;
            engine::run(
                tariffs,
                &mut input,
                &mut output,
                options,
                (progress, engine::Large::SpillNow),
            )
        }
        other => other,
    }
}
