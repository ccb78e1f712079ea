//! Apache Arrow in and out (feature `arrow`): the batch engine on record
//! batches, for columnar callers — the Python package's `price_arrow`,
//! Polars and PySpark.
//!
//! Input: record batches with the invoice columns of
//! [`crate::batch`] (matched by name, in any order, other columns left
//! out), as text, integers, decimals, dates or booleans (`input.rs` says
//! how each type is read; floats and timestamps are refused, naming the
//! column). Output: one row per input row, in input order, cut into
//! batches of the input batches' sizes, with the columns of
//! [`output_schema`]: those of the CSV output ([`OUTPUT_COLUMNS`], and
//! [`REPRICE_COLUMNS`] when repricing) but the echoes of the input, which
//! the caller has (the `row` number, from 1, ties each row to its input
//! row), the same values, amounts as exact `decimal128`, empty cells as
//! nulls.
//!
//! The rows go through the engine itself (as the CSV it would read, then
//! back), so every amount, status and finding is the command's: the whole
//! input is held, and the cross-line rules see each practitioner's lines
//! together whatever their order.
//!
//! ```
//! use std::sync::Arc;
//! use arrow_array::{Array, ArrayRef, Decimal128Array, RecordBatch, StringArray};
//! use kine_tarif::arrow::price_batches;
//! use kine_tarif::batch::BatchOptions;
//! use kine_tarif::Tariffs;
//!
//! let col = |v: &[&str]| Arc::new(StringArray::from(v.to_vec())) as ArrayRef;
//! let batch = RecordBatch::try_from_iter([
//!     ("invoice_id", col(&["F1", "F2"])),
//!     ("patient_id", col(&["P1", "P2"])),
//!     ("date", col(&["2024-06-15", "2024-06-15"])),
//!     ("code", col(&["RIM", "XYZ"])),
//!     ("coefficient", col(&["7.50", "1"])),
//!     ("department", col(&["75", "75"])),
//! ])
//! .unwrap();
//! let priced = price_batches(Tariffs::embedded(), &batch.schema(), &[batch], BatchOptions::default()).unwrap();
//! let out = &priced.batches[0];
//! let amount = out.column_by_name("amount").unwrap();
//! let amount = amount.as_any().downcast_ref::<Decimal128Array>().unwrap();
//! // RIM 7.50 × 2.21 € (the value of RIM in mainland France in June 2024) = 16.575, rounded half away from zero: 16.58 €.
//! assert_eq!(amount.value_as_string(0), "16.58");
//! assert!(amount.is_null(1));
//! let status = out.column_by_name("status").unwrap();
//! let status = status.as_any().downcast_ref::<StringArray>().unwrap();
//! assert_eq!((status.value(0), status.value(1)), ("ok", "error"));
//! assert_eq!(priced.summary.rows, 2);
//! ```

mod input;
mod output;

use std::sync::{Arc, OnceLock};

use arrow_array::RecordBatch;
use arrow_schema::{DataType, Field, Schema, SchemaRef};

use crate::batch::{
    self, BatchOptions, OUTPUT_COLUMNS, OutputFormat, REPRICE_COLUMNS, SPLIT_COLUMNS, Summary,
};
use crate::{Error, Tariffs};

/// The precision of every decimal column: 18 digits, an `i64` on the way
/// (Spark's `DECIMAL(18, s)`).
pub const PRECISION: u8 = 18;

/// The scale of each decimal output column: two decimals for euros
/// (values and amounts); six for what the line brought (coefficient,
/// quantity — kilometres may have decimals). A value with more decimals
/// than its column has (none in the nomenclature) is null there, the
/// input keeping it as given.
pub const DECIMAL_SCALES: [(&str, i8); 11] = [
    ("amo_rate", 2),
    ("amo_amount", 2),
    ("patient_amount", 2),
    ("franchise", 2),
    ("coefficient", 6),
    ("unit_value", 2),
    ("quantity", 6),
    ("amount", 2),
    ("reprice_coefficient", 6),
    ("reprice_unit_value", 2),
    ("reprice_amount", 2),
];

/// The columns of the CSV output that echo the input, left out of the
/// Arrow output.
pub const ECHO_COLUMNS: [&str; 6] = [
    "invoice_id",
    "patient_id",
    "date",
    "code_in",
    "coefficient_in",
    "billed_amount",
];

/// The output columns: those of the CSV output but [`ECHO_COLUMNS`], that
/// is `row` (the input row, from 1) as `int64`, `code`, `coefficient`,
/// `act_id`, `unit_value`, `quantity`, `amount`, `status`, `findings`,
/// `message` (and the `reprice_*` columns; and the split columns,
/// [`SPLIT_COLUMNS`], when the input has a coverage column), the decimals of
/// [`DECIMAL_SCALES`] as `decimal128(18, scale)`, the others as text
/// (`utf8`); every column nullable, an empty cell of the CSV output being
/// a null.
pub fn output_schema(reprice: bool, split: bool) -> SchemaRef {
    static SCHEMAS: [OnceLock<SchemaRef>; 4] = [const { OnceLock::new() }; 4];
    let make = || {
        let names = OUTPUT_COLUMNS
            .iter()
            .chain(REPRICE_COLUMNS.iter().take(if reprice { 4 } else { 0 }))
            .chain(
                SPLIT_COLUMNS
                    .iter()
                    .take(if split { SPLIT_COLUMNS.len() } else { 0 }),
            )
            .filter(|n| !ECHO_COLUMNS.contains(n));
        let fields: Vec<Field> = names
            .map(|&n| {
                let t = if n == "row" {
                    DataType::Int64
                } else if let Some((_, s)) = DECIMAL_SCALES.iter().find(|(d, _)| *d == n) {
                    DataType::Decimal128(PRECISION, *s)
                } else {
                    DataType::Utf8
                };
                Field::new(n, t, true)
            })
            .collect();
        Arc::new(Schema::new(fields))
    };
    SCHEMAS[usize::from(reprice) * 2 + usize::from(split)]
        .get_or_init(make)
        .clone()
}

/// Priced record batches and the batch's summary.
#[derive(Debug)]
pub struct Priced {
    /// One output batch per input batch, same row counts, same order.
    pub batches: Vec<RecordBatch>,
    /// Counts and totals, as the command prints them.
    pub summary: Summary,
    /// The batches' schema ([`output_schema`]), also for none.
    pub schema: SchemaRef,
}

/// Prices the rows of `batches` (all of `schema`) with the batch engine
/// and `options` (rules, threads, repricing, history; the format is the
/// engine's own, and the whole input is held so that each practitioner's
/// lines meet). Errors: a column of a refused type
/// ([`Error::Argument`]), a missing required column
/// ([`Error::MissingColumn`]), a history that cannot be read.
pub fn price_batches(
    tariffs: &Tariffs,
    schema: &Schema,
    batches: &[RecordBatch],
    options: BatchOptions,
) -> Result<Priced, Error> {
    let cols = input::known_columns(schema);
    if let Some(b) = batches
        .iter()
        .find(|b| b.schema().fields() != schema.fields())
    {
        return Err(Error::Argument(format!(
            "un lot n'a pas les colonnes du schéma donné ({} colonnes au lieu de {})",
            b.num_columns(),
            schema.fields().len()
        )));
    }
    let sizes: Vec<usize> = batches.iter().map(RecordBatch::num_rows).collect();
    let threads = match options.threads {
        0 => std::thread::available_parallelism().map_or(1, usize::from),
        n => n,
    };
    let csv = input::csv(batches, &cols, threads)?;
    let reprice = options.reprice_at.is_some();
    let len = csv.len();
    // Lines grouped by practitioner are streamed, as the command streams a
    // sorted file (should one come back after all, the engine starts again
    // and spills); others are held whole, which is faster than spilling
    // (BENCHMARKS.md, "Arrow and Python").
    let grouped = match cols.iter().find(|(_, n)| *n == "practitioner_id") {
        Some(&(i, _)) => input::grouped(batches, i)?,
        None => false,
    };
    let options = BatchOptions {
        format: OutputFormat::Csv,
        input_size: u64::try_from(len).ok(),
        memory_budget: if grouped {
            options.memory_budget
        } else {
            options.memory_budget.max(len.saturating_add(1))
        },
        ..options
    };
    let mut out = Vec::with_capacity(len.saturating_mul(2));
    let summary = batch::price_seekable(tariffs, csv.reader(), &mut out, &options, None)?;
    drop(csv);
    let split = cols
        .iter()
        .any(|(_, n)| matches!(*n, "regime" | "exoneration" | "tiers_payant"));
    let schema = output_schema(reprice, split);
    let batches = output::batches(&out, &schema, &sizes, threads)?;
    Ok(Priced {
        batches,
        summary,
        schema,
    })
}

/// The batches (of `sizes` rows) cut into runs of whole batches of about
/// the same number of rows, one for each of up to `threads` threads.
fn runs(sizes: &[usize], threads: usize) -> Vec<std::ops::Range<usize>> {
    let total: usize = sizes.iter().sum();
    let per = total.div_ceil(threads.max(1)).max(1);
    let mut runs = Vec::new();
    let (mut from, mut rows) = (0, 0);
    for (i, &size) in sizes.iter().enumerate() {
        rows += size;
        if rows >= per || i + 1 == sizes.len() {
            runs.push(from..i + 1);
            from = i + 1;
            rows = 0;
        }
    }
    runs
}

/// `f` on each run, each on its own thread when there are several; the
/// results in run order. A thread that panicked is [`Error::Internal`]
/// saying `what` it was doing.
fn on_threads<T: Send>(
    runs: Vec<std::ops::Range<usize>>,
    f: impl Fn(std::ops::Range<usize>) -> Result<T, Error> + Sync,
    what: &str,
) -> Vec<Result<T, Error>> {
    if runs.len() <= 1 {
        return runs.into_iter().map(f).collect();
    }
    let f = &f;
    std::thread::scope(|s| {
        let handles: Vec<_> = runs.into_iter().map(|r| s.spawn(move || f(r))).collect();
        handles
            .into_iter()
            .map(|h| {
                h.join().unwrap_or_else(|_| {
                    Err(Error::Internal {
                        first: 0,
                        last: 0,
                        message: what.into(),
                    })
                })
            })
            .collect()
    })
}
