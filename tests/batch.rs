//! The invoice CSV in and out: columns by name, bad rows kept with
//! `INVALID_FIELD`, one output row per input row, never a panic.

use kine_tarif::batch::{OUTPUT_COLUMNS, OutputFormat, price_csv};
use kine_tarif::{Error, Tariffs};

fn run(input: &[u8], format: OutputFormat) -> (kine_tarif::batch::Summary, String) {
    let mut out = Vec::new();
    let s = price_csv(Tariffs::embedded(), input, &mut out, format).unwrap();
    (s, String::from_utf8(out).unwrap())
}

fn rows(out: &str) -> Vec<csv::StringRecord> {
    csv::Reader::from_reader(out.as_bytes())
        .records()
        .map(Result::unwrap)
        .collect()
}

fn col(r: &csv::StringRecord, name: &str) -> String {
    r[OUTPUT_COLUMNS.iter().position(|c| *c == name).unwrap()].to_string()
}

#[test]
fn missing_required_column_stops_with_its_name() {
    let input = b"invoice_id,patient_id,date,code\nF1,P1,2024-06-15,RIM\n";
    let mut out = Vec::new();
    match price_csv(Tariffs::embedded(), &input[..], &mut out, OutputFormat::Csv) {
        Err(Error::MissingColumn(c)) => assert_eq!(c, "coefficient"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn columns_in_any_order_unknown_ones_ignored_semicolons_and_bom() {
    let input = "\u{feff}Coefficient;note;CODE;date;patient_id;invoice_id;department\n7,50;x;rim;2024-06-15;P1;F1;974\n";
    let (s, out) = run(input.as_bytes(), OutputFormat::Csv);
    assert_eq!(s.rows, 1);
    let r = &rows(&out)[0];
    // 7.50 × 2.43 = 18.225 → 18.23 (half away from zero).
    assert_eq!(col(r, "amount"), "18.23");
    assert_eq!(col(r, "code"), "RIM");
    assert_eq!(col(r, "status"), "ok");
}

#[test]
fn short_rows_and_non_utf8_fields_come_out_with_invalid_field() {
    let mut input = b"invoice_id,patient_id,date,code,coefficient\nF1,P1,2024-06-15\nF2,P\xff,2024-06-15,RIM,7.50\nF3,P3,2024-06-15,RIM,7.50\n".to_vec();
    input.extend_from_slice(b"F4,P4,2024-06-15,RIM,7.50,extra,fields\n");
    let (s, out) = run(&input, OutputFormat::Csv);
    let r = rows(&out);
    assert_eq!(s.rows, 4);
    assert_eq!(r.len(), 4);
    assert_eq!(col(&r[0], "findings"), "INVALID_FIELD;INVALID_FIELD");
    assert_eq!(col(&r[1], "findings"), "INVALID_FIELD");
    assert!(col(&r[1], "message").contains("patient_id"));
    // A bad patient id does not stop pricing the act.
    assert_eq!(col(&r[1], "amount"), "16.58");
    assert_eq!(col(&r[2], "status"), "ok");
    assert_eq!(col(&r[3], "amount"), "16.58");
}

#[test]
fn jsonl_has_one_object_per_row_with_findings() {
    let input = b"invoice_id,patient_id,date,code,coefficient\nF1,P1,2026-06-01,TER,9.49\nF2,P2,2024-06-15,RIM,7.50\n";
    let (_, out) = run(input, OutputFormat::Jsonl);
    let lines: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["row"], 1);
    assert_eq!(lines[0]["coefficient"], "9.79");
    assert_eq!(lines[0]["amount"], "21.64");
    assert_eq!(lines[0]["findings"][0]["code"], "COEFFICIENT_REVALUED");
    assert_eq!(lines[0]["findings"][0]["severity"], "error");
    assert_eq!(lines[1]["findings"].as_array().unwrap().len(), 0);
}

#[test]
fn summary_totals_are_exact() {
    // 16.58 + 19.68 + 17.70 = 53.96 computed; billed 16.58 + 17.70 = 34.28.
    let input = b"invoice_id,patient_id,date,code,coefficient,department,billed_amount\n\
F1,P1,2024-06-15,RIM,7.50,75,16.58\nF2,P2,2026-02-01,RIM,8.10,974,\nF3,P3,2023-05-10,AMS,7.5,972,17.70\n";
    let (s, _) = run(input, OutputFormat::Csv);
    assert_eq!(s.total_amount.to_string(), "53.96");
    assert_eq!(s.total_billed.to_string(), "34.28");
    assert_eq!((s.ok, s.warnings, s.errors), (3, 0, 0));
}

/// A small deterministic generator (xorshift), to throw garbage at the
/// reader without a dependency.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[(self.next() % xs.len() as u64) as usize]
    }
}

#[test]
fn garbage_never_panics_and_never_loses_a_row() {
    let mut rng = Rng(0x9E3779B97F4A7C15);
    let dates = [
        "2024-06-15",
        "2026-13-01",
        "",
        "2011-01-01",
        "2024-02-29",
        "2023-02-29",
        "x",
        "2026-09-01",
    ];
    let codes = [
        "RIM", "AMS", "TMK", "IK", "", "ZZZ", "ifd", "NMI", "AMK", "RQD", "TER",
    ];
    let coefs = [
        "7.50",
        "",
        "0",
        "-3",
        "1e9",
        "99999999999999999999999999999",
        "8,10",
        "11.01",
        "10",
        "abc",
        "9.49",
    ];
    let qtys = ["", "1", "0", "-1", "3.5", "100000000000000000000", "x"];
    let depts = ["", "75", "974", "2B", "975", "99", "zz", "976"];
    let billed = ["", "16.58", "x", "-1", "0.001"];
    let mut input = String::from(
        "invoice_id,patient_id,date,code,coefficient,quantity,department,billed_amount,act_id\n",
    );
    let n = 3000;
    for i in 0..n {
        input.push_str(&format!(
            "F{i},P{},{},{},{},{},{},{},{}\n",
            rng.next() % 50,
            rng.pick(&dates),
            rng.pick(&codes),
            rng.pick(&coefs),
            rng.pick(&qtys),
            rng.pick(&depts),
            rng.pick(&billed),
            rng.pick(&["", "A1C-ENTORSE-MED", "NOPE", "C1S1-MUSC-2M"]),
        ));
    }
    for format in [OutputFormat::Csv, OutputFormat::Jsonl] {
        let (s, out) = run(input.as_bytes(), format);
        assert_eq!(s.rows, n);
        assert_eq!(s.ok + s.warnings + s.errors, n);
        let out_rows = match format {
            OutputFormat::Csv => rows(&out).len(),
            _ => out.lines().count(),
        };
        assert_eq!(out_rows as u64, n);
    }
}

#[test]
fn lines_priced_alike_but_written_differently_keep_their_own_text() {
    // The writer formats the priced columns once per distinct pricing: a
    // quantity of 12 and of 12.0 are the same amount (12 × 0.38 = 4.56 €,
    // IK 2025) but not the same text; RIM 7.50 after IK 12 is unrelated.
    let input =
        b"invoice_id,patient_id,practitioner_id,date,code,coefficient,quantity,distance_km\n\
        F1,P1,K1,2025-03-03,RIM,7.50,,\n\
        F2,P1,K1,2025-03-03,IK,,12,8\n\
        F3,P2,K1,2025-03-04,IK,,12.0,8\n\
        F4,P2,K1,2025-03-04,RIM,7.50,,\n\
        F5,P3,K1,2025-03-05,IK,,12,8\n";
    let (_, out) = run(input, OutputFormat::Csv);
    let rows = rows(&out);
    let cells = |i: usize| ["code", "coefficient", "quantity", "amount"].map(|c| col(&rows[i], c));
    assert_eq!(cells(0), ["RIM", "7.50", "1", "16.58"]);
    assert_eq!(cells(1), ["IK", "", "12", "4.56"]);
    assert_eq!(cells(2), ["IK", "", "12.0", "4.56"]);
    assert_eq!(cells(3), cells(0));
    assert_eq!(cells(4), cells(1));
}
