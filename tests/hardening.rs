//! What the hardening issue found, each case as a test: a bad line gives a
//! finding on its row, never a panic, a hang, a lost or merged row.

mod common;

use std::process::Stdio;
use std::time::Duration;

use kine_tarif::batch::{BatchOptions, OUTPUT_COLUMNS, Summary, price_csv_with};
use kine_tarif::rules::{Checker, LineContext};
use kine_tarif::{Code, Error, FindingCode, InvoiceLine, Tariffs, price};
use rust_decimal::Decimal;

fn run(input: &[u8], options: BatchOptions) -> Result<(Summary, Vec<u8>), Error> {
    let mut out = Vec::new();
    let s = price_csv_with(Tariffs::embedded(), input, &mut out, &options)?;
    Ok((s, out))
}

fn rows(out: &[u8]) -> Vec<csv::ByteRecord> {
    csv::ReaderBuilder::new()
        .from_reader(out)
        .byte_records()
        .map(Result::unwrap)
        .collect()
}

fn col<'r>(r: &'r csv::ByteRecord, name: &str) -> &'r str {
    std::str::from_utf8(&r[OUTPUT_COLUMNS.iter().position(|c| *c == name).unwrap()]).unwrap()
}

fn generated(lines: u64, seed: u64) -> Vec<u8> {
    let mut v = Vec::new();
    kine_tarif::generate::generate(Tariffs::embedded(), lines, seed, 2025, &mut v).unwrap();
    v
}

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

const HEADER: &str =
    "invoice_id,patient_id,date,code,coefficient,quantity,billed_amount,distance_km,department\n";

#[test]
fn a_stray_quote_is_a_finding_on_its_line_and_swallows_nothing() {
    // 20,000 generated lines, a line opening a quote it never closes after
    // the 10,000th: 20,001 rows, the bad one an error, the next ones intact.
    let input = generated(20_000, 5);
    let text = std::str::from_utf8(&input).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    lines.insert(10_001, "\"F9,P9,2024-06-15,RIM,7.50");
    let bad = lines.join("\n") + "\n";
    // Held whole (the rules on), and streamed in small blocks without the
    // rules (the bad line has no practitioner: with the rules, a budget
    // this small needs the input grouped by practitioner).
    for (budget, rules) in [(48 << 20, true), (64 << 10, false)] {
        let options = BatchOptions {
            memory_budget: budget,
            rules,
            ..BatchOptions::default()
        };
        let (s, out) = run(bad.as_bytes(), options).unwrap();
        let rows = rows(&out);
        assert_eq!(s.rows, 20_001);
        assert_eq!(rows.len(), 20_001);
        let r = &rows[10_000];
        assert_eq!(col(r, "row"), "10001");
        assert_eq!(col(r, "invoice_id"), "F9,P9,2024-06-15,RIM,7.50");
        assert_eq!(col(r, "status"), "error");
        assert!(col(r, "findings").starts_with("INVALID_FIELD"));
        assert!(col(r, "message").starts_with("Guillemet ouvert"));
        // The line after it is its own row, as it was before.
        let next = lines[10_002].split(',').next().unwrap();
        assert_eq!(col(&rows[10_001], "invoice_id"), next);
        assert_eq!(col(&rows[10_001], "row"), "10002");
    }
}

#[test]
fn a_quote_closed_on_a_later_line_merges_nothing() {
    let input = format!(
        "{HEADER}\"F1,P1,2024-06-15,RIM,7.50,,,,75\nF2,P2,2024-06-15,RIM,7.50,,,,75\nF3\",P3,2024-06-15,RIM,7.50,,,,75\n"
    );
    let (s, out) = run(input.as_bytes(), BatchOptions::default()).unwrap();
    let rows = rows(&out);
    assert_eq!((s.rows, rows.len()), (3, 3));
    assert_eq!(col(&rows[0], "status"), "error");
    // F2 is a line of its own: RIM 7.50 × 2.21 = 16.575 → 16.58.
    assert_eq!(col(&rows[1], "amount"), "16.58");
    assert_eq!(col(&rows[1], "status"), "ok");
    // F3" is an unquoted field with a quote in it: a byte of the field.
    assert_eq!(col(&rows[2], "invoice_id"), "F3\"");
    assert_eq!(col(&rows[2], "amount"), "16.58");
}

#[test]
fn cr_line_ends_and_a_lone_cr_in_a_field() {
    let cr = "invoice_id,patient_id,date,code,coefficient\rF1,P1,2024-06-15,RIM,7.50\rF2,P2,2024-06-15,RIM,7,5\r";
    let (s, out) = run(cr.as_bytes(), BatchOptions::default()).unwrap();
    assert_eq!(s.rows, 2);
    assert_eq!(col(&rows(&out)[0], "amount"), "16.58");
    // In a \n file, a lone \r is a byte of its field: still two rows.
    let lf = "invoice_id,patient_id,date,code,coefficient\nF1\rX,P1,2024-06-15,RIM,7.50\nF2,P2,2024-06-15,RIM,7.50\n";
    let (s, out) = run(lf.as_bytes(), BatchOptions::default()).unwrap();
    assert_eq!(s.rows, 2);
    assert_eq!(col(&rows(&out)[0], "invoice_id"), "F1\rX");
}

#[test]
fn a_huge_memory_budget_saturates_and_reads_everything() {
    let input = generated(30_000, 8);
    for budget in [usize::MAX, usize::MAX - 1, 17_592_186_044_416 << 20] {
        let (s, _) = run(
            &input,
            BatchOptions {
                memory_budget: budget,
                input_size: Some(input.len() as u64),
                ..BatchOptions::default()
            },
        )
        .unwrap();
        assert_eq!(s.rows, 30_000, "budget {budget}");
        let (s, _) = run(
            &input,
            BatchOptions {
                memory_budget: budget,
                ..BatchOptions::default()
            },
        )
        .unwrap();
        assert_eq!(s.rows, 30_000, "budget {budget}");
    }
}

#[test]
fn numbers_out_of_bounds_are_findings_not_panics() {
    let big = "9999999999999999999999999999";
    let lines = [
        // quantity 28 digits, 1.5, 100 on an act; 99 is the largest.
        format!("F1,P1,2024-06-15,RIM,7.50,{big},,,75"),
        "F2,P2,2024-06-15,RIM,7.50,1.5,,,75".to_string(),
        "F3,P3,2024-06-15,RIM,7.50,100,,,75".to_string(),
        "F4,P4,2024-06-15,RIM,7.50,99,,,75".to_string(),
        // a billed amount of 28 digits, and of 100,000.00 €
        format!("F5,P5,2024-06-15,RIM,7.50,1,{big},,75"),
        "F6,P6,2024-06-15,RIM,7.50,1,100000.00,,75".to_string(),
        // a huge MDN quantity; a huge distance; a huge coefficient
        format!("F7,P1,2024-06-15,MDN,,{big},,,75"),
        format!("F8,P1,2024-06-15,IK,,12,,{big},75"),
        format!("F9,P1,2024-06-15,RIM,{big},1,,,75"),
        // IK kilometres: 12.5 is fine (2 × 8.25 − 4 = 12.5), 10,000 is not
        "F10,P1,2024-06-15,IK,,12.5,,8.25,75".to_string(),
        "F11,P1,2024-06-15,IK,,10000,,8.25,75".to_string(),
    ];
    let input = format!("{HEADER}{}\n", lines.join("\n"));
    let (s, out) = run(input.as_bytes(), BatchOptions::default()).unwrap();
    let rows = rows(&out);
    assert_eq!((s.rows, rows.len()), (11, 11));
    let finding = |i: usize| col(&rows[i], "findings").to_string();
    let amount = |i: usize| col(&rows[i], "amount").to_string();
    for i in [0, 1, 2, 6, 8, 10] {
        assert!(
            finding(i).contains("INVALID_FIELD"),
            "row {i}: {}",
            finding(i)
        );
        assert_eq!(amount(i), "", "row {i}");
    }
    // 7.50 × 2.21 × 99 = 1,640.925 → 1,640.93
    assert_eq!(amount(3), "1640.93");
    assert_eq!(finding(3), "");
    // A bad billed amount is reported, the line still priced.
    for i in [4, 5] {
        assert!(finding(i).contains("INVALID_FIELD"), "row {i}");
        assert_eq!(amount(i), "16.58");
    }
    // A bad distance is reported; the kilometres are not checked against it.
    assert!(finding(7).contains("INVALID_FIELD"));
    assert_eq!(amount(9), "4.75"); // 12.5 × 0.38 = 4.75
    // Totals keep cents.
    assert_eq!(s.total_amount.scale(), 2);
}

#[test]
fn repricing_at_any_date_does_not_overflow() {
    let input =
        format!("{HEADER}F1,P1,2024-06-15,RIM,7.50,99,,,75\nF2,P1,2024-06-15,MDN,,99,,,75\n");
    for at in ["2012-07-15", "2099-12-31", "9999-12-31"] {
        let options = BatchOptions {
            reprice_at: Some(at.parse().unwrap()),
            ..BatchOptions::default()
        };
        let (s, _) = run(input.as_bytes(), options).unwrap();
        assert_eq!(s.rows, 2);
    }
}

#[test]
fn the_library_prices_any_decimal_without_panicking() {
    let date = "2024-06-15".parse().unwrap();
    let edges = [
        Decimal::MAX,
        Decimal::MIN,
        Decimal::ZERO,
        d("-1"),
        d("0.0000000000000000000000000001"),
        d("1.5"),
        d("100"),
    ];
    for code in [
        Code::RIM,
        Code::IFD,
        Code::IK,
        Code::TMK,
        Code::RQD,
        Code::AMS,
    ] {
        for q in edges {
            let p = price(&InvoiceLine::new(date, code, Some(d("7.50"))).with_quantity(q));
            // Kilometres may have decimals and pass 99.
            let km_ok = code == Code::IK && q > Decimal::ZERO && q <= d("9999");
            if !km_ok {
                assert!(p.has(FindingCode::InvalidField), "{code} × {q}");
                assert!(p.amount.is_none(), "{code} × {q}");
            }
            for c in edges {
                let p = price(
                    &InvoiceLine::new(date, code, Some(c))
                        .with_quantity(q)
                        .with_billed_amount(c),
                );
                assert!(p.amount.is_none() || p.amount.unwrap().scale() == 2);
                let _ = (p.formula(), p.explain());
            }
        }
    }
    // Dates at chrono's ends.
    let p = price(&InvoiceLine::new(
        chrono::NaiveDate::MIN,
        Code::RIM,
        Some(d("7.50")),
    ));
    assert!(p.has(FindingCode::NoTariffForDate));
    let _ = p.explain();
    // The last values stay in force (open periods): priced, revalued.
    let p = price(&InvoiceLine::new(
        chrono::NaiveDate::MAX,
        Code::RIM,
        Some(d("7.50")),
    ));
    assert!(p.has(FindingCode::CoefficientRevalued));
    let _ = p.explain();
}

#[test]
fn the_checker_takes_any_distance() {
    let t = Tariffs::embedded();
    let mut c: Checker<'_, u32> = Checker::new(t);
    let date = "2024-06-15".parse().unwrap();
    for (i, km) in [Decimal::MAX, Decimal::MIN, d("10000"), d("8")]
        .into_iter()
        .enumerate()
    {
        let ctx = LineContext {
            distance_km: Some(km),
            ..LineContext::default()
        };
        let p = c.add(
            i as u32,
            InvoiceLine::new(date, Code::IK, None).with_quantity(d("12")),
            ctx,
        );
        if i < 3 {
            assert!(p.has(FindingCode::InvalidField), "{km}");
        } else {
            // 2 × 8 − 4 = 12: right.
            assert!(!p.has(FindingCode::IkDistanceMismatch));
        }
    }
    assert_eq!(c.finalize().unwrap().lines.len(), 4);
}

use common::run_timed as run_cli;

#[test]
fn a_failing_worker_stops_the_run_promptly_with_its_rows() {
    let dir = env!("CARGO_TARGET_TMPDIR");
    let path = format!("{dir}/hardening-fail.csv");
    std::fs::write(&path, generated(60_000, 4)).unwrap();
    let out = format!("{dir}/hardening-fail-out.csv");
    // Held whole, streamed to a file, and spilled (to a pipe: the spill's
    // partitions number their rows from 1, and row 5 is in each).
    let cases = [
        ("5", "48", false),
        ("59000", "48", false),
        ("30000", "1", true),
        ("5", "1", false),
    ];
    for (row, budget, to_file) in cases {
        for threads in ["1", "2"] {
            let mut args = vec![
                "price",
                &path,
                "--threads",
                threads,
                "--memory-budget",
                budget,
            ];
            if to_file {
                args.extend(["-o", out.as_str()]);
            }
            let got = run_cli(
                &args,
                &[("KINE_TARIF_FAIL_AT_ROW", row)],
                Stdio::null(),
                Duration::from_secs(60),
            );
            let (code, _, err) =
                got.unwrap_or_else(|| panic!("hung: row {row} threads {threads} budget {budget}"));
            assert_eq!(code, 2, "{err}");
            assert!(err.contains("erreur interne"), "{err}");
            assert!(!err.contains("ligne 0"), "{err}");
        }
    }
}
