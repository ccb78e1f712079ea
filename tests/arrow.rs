//! `kine_tarif::arrow` (feature `arrow`): record batches priced by the
//! batch engine give, row for row, what the engine gives on the same lines
//! as CSV, whatever the rows' order, the batches' sizes, the columns'
//! types or the cells' text; bad columns are errors naming the column.
#![cfg(feature = "arrow")]

use std::sync::Arc;

use arrow_array::{
    Array, ArrayRef, BooleanArray, Date32Array, Decimal128Array, Float64Array, Int32Array,
    Int64Array, LargeStringArray, RecordBatch, StringArray, StringViewArray,
};
use kine_tarif::Tariffs;
use kine_tarif::arrow::{Priced, price_batches};
use kine_tarif::batch::{BatchOptions, OutputFormat, price_csv_with};
use kine_tarif::generate::{Rng, generate};
use proptest::prelude::*;

fn strings(v: &[&str]) -> ArrayRef {
    Arc::new(StringArray::from(v.to_vec()))
}

fn price(batches: &[RecordBatch]) -> Priced {
    let schema = batches.first().expect("a batch").schema();
    price_batches(
        Tariffs::embedded(),
        &schema,
        batches,
        BatchOptions::default(),
    )
    .expect("priced")
}

/// A column of the output, each value as text (null: empty).
fn texts(p: &Priced, name: &str) -> Vec<String> {
    let mut out = Vec::new();
    for b in &p.batches {
        let c = b.column_by_name(name).expect("column");
        for i in 0..c.len() {
            out.push(if c.is_null(i) {
                String::new()
            } else if let Some(d) = c.as_any().downcast_ref::<Decimal128Array>() {
                d.value_as_string(i)
            } else if let Some(n) = c.as_any().downcast_ref::<Int64Array>() {
                n.value(i).to_string()
            } else {
                let s = c.as_any().downcast_ref::<StringArray>().expect("utf8");
                s.value(i).to_string()
            });
        }
    }
    out
}

#[test]
fn amounts_worked_out_by_hand() {
    let batch = RecordBatch::try_from_iter([
        ("invoice_id", strings(&["F1", "F2", "F3"])),
        ("patient_id", strings(&["P1", "P2", "P3"])),
        ("date", strings(&["2024-06-15", "2026-02-01", "2024-06-15"])),
        ("code", strings(&["RIM", "RIM", "IFD"])),
        ("coefficient", strings(&["7.50", "8.10", ""])),
        ("department", strings(&["75", "974", "75"])),
    ])
    .unwrap();
    let p = price(&[batch]);
    // RIM 7.50 × 2.21 € = 16.575 → 16.58 €; in La Réunion in 2026, RIM
    // 8.10 × 2.43 € = 19.683 → 19.68 €; an IFD alone: 2.50 €, but a travel
    // allowance needs an act the same day.
    assert_eq!(texts(&p, "amount"), ["16.58", "19.68", "2.50"]);
    assert_eq!(texts(&p, "unit_value"), ["2.21", "2.43", "2.50"]);
    assert_eq!(texts(&p, "coefficient"), ["7.500000", "8.100000", ""]);
    assert_eq!(texts(&p, "status"), ["ok", "ok", "error"]);
    assert_eq!(texts(&p, "findings")[2], "TRAVEL_WITHOUT_ACT");
    assert_eq!(texts(&p, "row"), ["1", "2", "3"]);
    assert_eq!((p.summary.rows, p.summary.ok, p.summary.errors), (3, 2, 1));
}

#[test]
fn typed_columns_are_read_as_their_text() {
    let text = RecordBatch::try_from_iter([
        ("invoice_id", strings(&["F1", "F2"])),
        ("patient_id", strings(&["P1", "P2"])),
        ("date", strings(&["2024-06-15", "2026-02-01"])),
        ("code", strings(&["RIM", "RIM"])),
        ("coefficient", strings(&["7.50", "8.10"])),
        ("department", strings(&["75", "974"])),
        ("telesoin", strings(&["0", ""])),
    ])
    .unwrap();
    let dec = Decimal128Array::from(vec![750, 810])
        .with_precision_and_scale(5, 2)
        .unwrap();
    let typed = RecordBatch::try_from_iter([
        (
            "invoice_id",
            Arc::new(LargeStringArray::from(vec!["F1", "F2"])) as ArrayRef,
        ),
        (
            "Patient_ID ",
            Arc::new(StringViewArray::from(vec!["P1", "P2"])) as ArrayRef,
        ),
        // 2024-06-15 and 2026-02-01, in days from 1970-01-01.
        (
            "date",
            Arc::new(Date32Array::from(vec![19_889, 20_485])) as ArrayRef,
        ),
        ("code", strings(&["RIM", "RIM"])),
        ("coefficient", Arc::new(dec) as ArrayRef),
        (
            "department",
            Arc::new(Int32Array::from(vec![75, 974])) as ArrayRef,
        ),
        (
            "telesoin",
            Arc::new(BooleanArray::from(vec![Some(false), None])) as ArrayRef,
        ),
        (
            "notes",
            Arc::new(Float64Array::from(vec![1.5, 2.5])) as ArrayRef,
        ),
    ])
    .unwrap();
    let (a, b) = (price(&[text]), price(&[typed]));
    for c in [
        "amount",
        "unit_value",
        "status",
        "findings",
        "code",
        "act_id",
    ] {
        assert_eq!(texts(&a, c), texts(&b, c), "{c}");
    }
    assert_eq!(texts(&b, "amount"), ["16.58", "19.68"]);
}

#[test]
fn bad_columns_are_errors_naming_them() {
    let batch = RecordBatch::try_from_iter([
        ("invoice_id", strings(&["F1"])),
        ("patient_id", strings(&["P1"])),
        ("date", strings(&["2024-06-15"])),
        ("code", strings(&["RIM"])),
        (
            "coefficient",
            Arc::new(Float64Array::from(vec![7.5])) as ArrayRef,
        ),
    ])
    .unwrap();
    let e = price_batches(
        Tariffs::embedded(),
        &batch.schema(),
        std::slice::from_ref(&batch),
        BatchOptions::default(),
    )
    .unwrap_err();
    let message = e.to_string();
    assert!(
        message.contains("coefficient") && message.contains("décimal"),
        "{message}"
    );
    let without = batch.project(&[0, 1, 2, 3]).unwrap();
    let e = price_batches(
        Tariffs::embedded(),
        &without.schema(),
        &[without],
        BatchOptions::default(),
    )
    .unwrap_err();
    assert!(
        matches!(e, kine_tarif::Error::MissingColumn(ref c) if c.contains("coefficient")),
        "{e}"
    );
}

/// A generated batch as its header and rows of fields.
fn generated(lines: u64, seed: u64) -> (Vec<String>, Vec<Vec<String>>) {
    let mut csv = Vec::new();
    generate(Tariffs::embedded(), lines, seed, 2025, &mut csv).unwrap();
    let mut r = csv::Reader::from_reader(&csv[..]);
    let header = r.headers().unwrap().iter().map(String::from).collect();
    let rows = r
        .records()
        .map(|rec| rec.unwrap().iter().map(String::from).collect())
        .collect();
    (header, rows)
}

/// `rows` as batches of the given sizes (the last takes the rest).
fn batches(header: &[String], rows: &[Vec<String>], cuts: &[usize]) -> Vec<RecordBatch> {
    let mut out = Vec::new();
    let mut from = 0usize;
    for &size in cuts.iter().chain(std::iter::once(&usize::MAX)) {
        let to = from.saturating_add(size).min(rows.len());
        let part = rows.get(from..to).unwrap();
        let cols: Vec<(String, ArrayRef)> = header
            .iter()
            .enumerate()
            .map(|(k, h)| {
                let v: Vec<&str> = part.iter().map(|r| r[k].as_str()).collect();
                (h.clone(), strings(&v))
            })
            .collect();
        out.push(RecordBatch::try_from_iter(cols).unwrap());
        from = to;
        if to == rows.len() {
            break;
        }
    }
    out
}

/// The engine's CSV output of the same rows.
fn engine_rows(header: &[String], rows: &[Vec<String>]) -> Vec<csv::StringRecord> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(header).unwrap();
    for r in rows {
        w.write_record(r).unwrap();
    }
    let input = w.into_inner().unwrap();
    let mut out = Vec::new();
    let options = BatchOptions {
        format: OutputFormat::Csv,
        memory_budget: input.len() + 1,
        ..BatchOptions::default()
    };
    price_csv_with(Tariffs::embedded(), &input[..], &mut out, &options).unwrap();
    csv::Reader::from_reader(&out[..])
        .records()
        .map(Result::unwrap)
        .collect()
}

/// Arrow output and CSV output agree on every priced column of every row.
fn agree(header: &[String], rows: &[Vec<String>], cuts: &[usize]) {
    let p = price(&batches(header, rows, cuts));
    let want = engine_rows(header, rows);
    assert_eq!(
        p.batches.iter().map(|b| b.num_rows()).sum::<usize>(),
        rows.len()
    );
    let names = kine_tarif::batch::OUTPUT_COLUMNS;
    for name in ["row", "code", "act_id", "status", "findings", "message"] {
        let k = names.iter().position(|n| *n == name).unwrap();
        let got = texts(&p, name);
        for (i, w) in want.iter().enumerate() {
            assert_eq!(got[i], w[k], "row {}, {name}", i + 1);
        }
    }
    for name in ["coefficient", "unit_value", "quantity", "amount"] {
        let k = names.iter().position(|n| *n == name).unwrap();
        let got = texts(&p, name);
        for (i, w) in want.iter().enumerate() {
            let same = match (got[i].as_str(), &w[k]) {
                ("", w) => w.is_empty(),
                (g, w) => g.parse::<rust_decimal::Decimal>().ok() == w.parse().ok(),
            };
            assert!(same, "row {}, {name}: {} / {}", i + 1, got[i], &w[k]);
        }
    }
}

#[test]
fn a_generated_batch_in_any_order_agrees_with_the_engine() {
    let (header, mut rows) = generated(20_000, 5);
    agree(&header, &rows, &[7_000, 1, 0, 5_000]);
    // Shuffled: each practitioner's lines scattered among the others'.
    let mut rng = Rng::new(9);
    for i in (1..rows.len()).rev() {
        let j = (rng.next_u64() % (i as u64 + 1)) as usize;
        rows.swap(i, j);
    }
    agree(&header, &rows, &[3_333, 3_333]);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Any text in any cell (commas, quotes, line breaks, accents): one
    /// output row per input row, in order, and the same as the engine's.
    #[test]
    fn any_cells_give_one_row_each(
        cells in proptest::collection::vec(
            proptest::collection::vec(
                prop_oneof![
                    Just(String::new()),
                    "[A-Z]{2,4}",
                    "[0-9]{1,2}[.,][0-9]{1,3}",
                    "20[0-9]{2}-[01][0-9]-[0-3][0-9]",
                    any::<String>(),
                    "[ ,\"\r\n]{0,3}[A-Za-z0-9]{0,3}",
                ],
                8,
            ),
            1..40,
        ),
        cut in 0usize..40,
    ) {
        let header: Vec<String> = ["invoice_id", "patient_id", "practitioner_id", "date", "code",
            "coefficient", "department", "billed_amount"].map(String::from).to_vec();
        let p = price(&batches(&header, &cells, &[cut]));
        let rows: Vec<String> = (1..=cells.len()).map(|i| i.to_string()).collect();
        prop_assert_eq!(texts(&p, "row"), rows);
        // Line breaks inside a cell are spaces to the engine (one row a
        // line): the CSV given to it here has them as spaces too.
        let flat: Vec<Vec<String>> = cells
            .iter()
            .map(|r| r.iter().map(|c| c.replace(['\n', '\r'], " ")).collect())
            .collect();
        agree(&header, &flat, &[cut]);
    }
}
