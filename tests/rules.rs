//! The invoice-rules corpus: `tests/corpus/rules.csv` is one batch whose
//! lines carry the findings expected from the rules, worked out by hand
//! from the NGAP text (`expected_findings`, `why`). Also: the findings do
//! not depend on the order of the lines nor on how the batch is split.

use std::collections::BTreeMap;

use kine_tarif::Tariffs;
use kine_tarif::batch::{OUTPUT_COLUMNS, OutputFormat, price_csv};

const CORPUS: &str = include_str!("corpus/rules.csv");

/// invoice_id → (amount, sorted finding codes).
fn run(input: &str) -> BTreeMap<String, (String, Vec<String>)> {
    let mut out = Vec::new();
    price_csv(
        Tariffs::embedded(),
        input.as_bytes(),
        &mut out,
        OutputFormat::Csv,
    )
    .unwrap();
    let col = |name: &str| OUTPUT_COLUMNS.iter().position(|c| *c == name).unwrap();
    csv::Reader::from_reader(out.as_slice())
        .records()
        .map(|r| {
            let r = r.unwrap();
            let mut f: Vec<String> = r[col("findings")]
                .split(';')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect();
            f.sort();
            (
                r[col("invoice_id")].to_string(),
                (r[col("amount")].to_string(), f),
            )
        })
        .collect()
}

/// invoice_id → (expected amount, sorted expected codes, why).
type Expected = BTreeMap<String, (String, Vec<String>, String)>;

fn expected() -> Expected {
    let mut r = csv::Reader::from_reader(CORPUS.as_bytes());
    let h = r.headers().unwrap().clone();
    let c = |name: &str| h.iter().position(|x| x == name).unwrap();
    let mut map = BTreeMap::new();
    for rec in r.records() {
        let rec = rec.unwrap();
        let mut f: Vec<String> = rec[c("expected_findings")]
            .split(';')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
        f.sort();
        map.insert(
            rec[c("invoice_id")].to_string(),
            (
                rec[c("expected_amount")].to_string(),
                f,
                rec[c("why")].to_string(),
            ),
        );
    }
    map
}

#[test]
fn every_rule_fires_where_worked_out_by_hand_and_nowhere_else() {
    let exp = expected();
    let got = run(CORPUS);
    assert_eq!(
        got.len(),
        exp.len(),
        "invoice ids are unique and every row comes out"
    );
    let mut failures = Vec::new();
    for (id, (amount, findings, why)) in &exp {
        let (g_amount, g_findings) = &got[id];
        if g_amount != amount || g_findings != findings {
            failures.push(format!(
                "{id} ({why}): got {g_amount} {g_findings:?}, expected {amount} {findings:?}"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

fn lines_of(corpus: &str) -> (String, Vec<String>) {
    let mut it = corpus.lines();
    let header = it.next().unwrap().to_string();
    (header, it.map(str::to_string).collect())
}

/// A deterministic shuffle (xorshift + Fisher-Yates).
fn shuffle<T>(v: &mut [T], mut seed: u64) {
    for i in (1..v.len()).rev() {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        v.swap(i, (seed % (i as u64 + 1)) as usize);
    }
}

#[test]
fn shuffled_batches_give_the_same_findings() {
    let reference = run(CORPUS);
    let (header, mut lines) = lines_of(CORPUS);
    for seed in [1u64, 42, 0xDEADBEEF] {
        shuffle(&mut lines, seed);
        let input = format!("{header}\n{}\n", lines.join("\n"));
        assert_eq!(run(&input), reference, "seed {seed}");
    }
}

#[test]
fn batches_split_by_practitioner_give_the_same_findings() {
    let reference = run(CORPUS);
    let (header, lines) = lines_of(CORPUS);
    let prac_col = header
        .split(',')
        .position(|h| h == "practitioner_id")
        .unwrap();
    let mut parts: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for l in lines {
        let prac = l.split(',').nth(prac_col).unwrap().to_string();
        parts.entry(prac).or_default().push(l);
    }
    assert!(parts.len() > 5);
    let mut merged = BTreeMap::new();
    // Two different splits: one part per practitioner, and the parts paired up.
    for part in parts.values() {
        merged.extend(run(&format!("{header}\n{}\n", part.join("\n"))));
    }
    assert_eq!(merged, reference);
    let keys: Vec<&String> = parts.keys().collect();
    let mut merged = BTreeMap::new();
    for pair in keys.chunks(2) {
        let body: Vec<String> = pair
            .iter()
            .flat_map(|k| parts[*k].iter().rev().cloned())
            .collect();
        merged.extend(run(&format!("{header}\n{}\n", body.join("\n"))));
    }
    assert_eq!(merged, reference);
}

#[test]
fn a_bilan_at_the_ends_of_the_calendar_is_checked_without_a_panic() {
    use chrono::{Days, NaiveDate};
    use kine_tarif::rules::{Checker, LineContext};
    use kine_tarif::{Code, InvoiceLine};
    // An isolated bilan and a session a day apart, at the last and the
    // first day chrono represents: the 30-day window cannot be added to
    // such dates; they are still checked (the session is within 30 days
    // on one side only: no treatment ongoing).
    for (bilan, session) in [
        (NaiveDate::MAX, NaiveDate::MAX - Days::new(1)),
        (NaiveDate::MIN, NaiveDate::MIN + Days::new(1)),
    ] {
        let mut checker = Checker::new(Tariffs::embedded());
        let ctx = |id: &str| LineContext {
            invoice_id: id.into(),
            patient_id: "P".into(),
            practitioner_id: "K".into(),
            ..LineContext::default()
        };
        let d = |s: &str| s.parse().unwrap();
        checker.add(
            1,
            InvoiceLine::new(session, Code::VIM, Some(d("8.11"))),
            ctx("S"),
        );
        checker.add(
            2,
            InvoiceLine::new(bilan, Code::AMK, Some(d("8.5"))),
            ctx("B"),
        );
        let out = checker.finalize().unwrap().lines;
        assert_eq!(out.len(), 2);
        assert!(
            out.iter()
                .flat_map(|r| &r.findings)
                .all(|f| f.code != kine_tarif::FindingCode::BilanDuringTreatment),
            "{bilan}"
        );
    }
}
