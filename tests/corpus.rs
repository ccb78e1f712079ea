//! The priced-lines corpus: `tests/corpus/priced_lines.csv` holds invoice
//! lines priced each on its own (rules off; `tests/corpus/rules.csv` covers
//! the invoice rules),
//! with the expected result worked out by hand from the sources
//! (`expected_*` columns, and the arithmetic in `why`). The batch ignores
//! the unknown columns, so the file is both the input and the expectation.

use kine_tarif::Tariffs;
use kine_tarif::batch::{BatchOptions, OUTPUT_COLUMNS, OutputFormat, price_csv_with};

const CORPUS: &str = include_str!("corpus/priced_lines.csv");

#[test]
fn every_corpus_line_prices_as_worked_out_by_hand() {
    let mut out = Vec::new();
    let options = BatchOptions {
        format: OutputFormat::Csv,
        rules: false,
        ..BatchOptions::default()
    };
    let summary =
        price_csv_with(Tariffs::embedded(), CORPUS.as_bytes(), &mut out, &options).unwrap();

    let mut expected = csv::Reader::from_reader(CORPUS.as_bytes());
    let exp_headers = expected.headers().unwrap().clone();
    let exp: Vec<csv::StringRecord> = expected.records().map(Result::unwrap).collect();
    let mut got_reader = csv::Reader::from_reader(out.as_slice());
    assert_eq!(
        got_reader.headers().unwrap().iter().collect::<Vec<_>>(),
        OUTPUT_COLUMNS
    );
    let got: Vec<csv::StringRecord> = got_reader.records().map(Result::unwrap).collect();

    assert_eq!(got.len(), exp.len(), "one output row per input row");
    assert_eq!(summary.rows as usize, exp.len());

    let e = |r: &csv::StringRecord, name: &str| {
        r[exp_headers.iter().position(|h| h == name).unwrap()].to_string()
    };
    let g = |r: &csv::StringRecord, name: &str| {
        r[OUTPUT_COLUMNS.iter().position(|h| *h == name).unwrap()].to_string()
    };
    let mut failures = Vec::new();
    for (i, (x, y)) in exp.iter().zip(&got).enumerate() {
        assert_eq!(g(y, "row"), (i + 1).to_string());
        assert_eq!(
            g(y, "invoice_id"),
            e(x, "invoice_id"),
            "input order is kept"
        );
        for (exp_col, out_col) in [
            ("expected_code", "code"),
            ("expected_coefficient", "coefficient"),
            ("expected_act_id", "act_id"),
            ("expected_amount", "amount"),
            ("expected_status", "status"),
            ("expected_findings", "findings"),
        ] {
            if e(x, exp_col) != g(y, out_col) {
                failures.push(format!(
                    "{} ({}): {out_col} = {:?}, expected {:?} — {}",
                    e(x, "invoice_id"),
                    e(x, "why"),
                    g(y, out_col),
                    e(x, exp_col),
                    g(y, "message")
                ));
            }
        }
        if !g(y, "findings").is_empty() {
            assert!(
                !g(y, "message").is_empty(),
                "{}: a finding comes with a message",
                e(x, "invoice_id")
            );
        }
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn the_corpora_exercise_every_finding_code() {
    let mut seen = std::collections::HashSet::new();
    for corpus in [CORPUS, include_str!("corpus/rules.csv")] {
        let mut r = csv::Reader::from_reader(corpus.as_bytes());
        let col = r
            .headers()
            .unwrap()
            .iter()
            .position(|h| h == "expected_findings")
            .unwrap();
        for rec in r.records() {
            seen.extend(rec.unwrap()[col].split(';').map(str::to_string));
        }
    }
    for code in kine_tarif::FindingCode::ALL {
        assert!(
            seen.contains(code.as_str()),
            "no corpus line expects {code}"
        );
    }
}
