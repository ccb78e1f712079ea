//! History across invoices (issue 17): checked invoice by invoice against
//! the history of the ones before, each line gets the findings of the
//! whole-batch run for the rules that depend only on the past.

use std::collections::BTreeMap;

use kine_tarif::history::{History, HistoryLine, MemoryHistory, Recorder, read_csv};
use kine_tarif::rules::Checker;
use kine_tarif::{FindingCode, NaiveDate, Tariffs};

/// The corpus's lines as history lines (every field the rules read).
fn corpus() -> Vec<HistoryLine> {
    let mut lines = Vec::new();
    let text = include_str!("corpus/rules.csv");
    read_csv(text.as_bytes(), |l| {
        lines.push(l);
        Ok(())
    })
    .unwrap();
    lines
}

/// The forward-looking rules: the year's télésoin share and a bilan
/// followed by treatment (documented in `rules::telesoin` and
/// `rules::bilans`).
const FORWARD: [FindingCode; 2] = [
    FindingCode::TelesoinShareExceeded,
    FindingCode::BilanDuringTreatment,
];

fn codes(
    findings: &[kine_tarif::Finding],
    keep: impl Fn(FindingCode) -> bool,
) -> Vec<&'static str> {
    let mut c: Vec<&str> = findings
        .iter()
        .map(|f| f.code)
        .filter(|&c| keep(c))
        .map(|c| c.as_str())
        .collect();
    c.sort_unstable();
    c
}

/// Checks `lines` (one invoice) against `history`: each line's finding
/// codes, by (invoice, line reference).
fn check(
    lines: &[HistoryLine],
    history: Option<&dyn History>,
) -> BTreeMap<(String, String), Vec<kine_tarif::Finding>> {
    let mut checker = Checker::new(Tariffs::embedded());
    if let Some(h) = history {
        checker = checker.with_history(h);
    }
    for l in lines {
        checker.add(
            (l.invoice_id.clone(), l.line_ref.clone()),
            l.invoice_line(),
            l.context(),
        );
    }
    checker
        .finalize()
        .unwrap()
        .lines
        .into_iter()
        .map(|r| (r.reference, r.findings))
        .collect()
}

/// What checking a batch day by day found against one whole-batch run.
#[derive(Default)]
struct DayByDay {
    /// Lines whose past-rule findings differ from the whole run's.
    mismatches: Vec<String>,
    /// Lines that differ when checked day by day without the history.
    without: usize,
    /// History lines consulted.
    consulted: usize,
    /// Forward-looking findings of the whole run.
    forward: usize,
}

/// Splits `lines` into one invoice a day, in date order; checks each
/// against the history of the days before, then records it.
fn day_by_day(lines: &[HistoryLine]) -> DayByDay {
    let whole = check(lines, None);
    let mut days: BTreeMap<NaiveDate, Vec<HistoryLine>> = BTreeMap::new();
    for l in lines {
        days.entry(l.date).or_default().push(l.clone());
    }
    let keep = |c| !FORWARD.contains(&c);
    let mut history = MemoryHistory::default();
    let mut out = DayByDay::default();
    for invoice in days.values() {
        for (key, found) in check(invoice, None) {
            out.without += usize::from(codes(&found, keep) != codes(&whole[&key], keep));
        }
        let mut checker = Checker::new(Tariffs::embedded()).with_history(&history);
        for l in invoice {
            checker.add(
                (l.invoice_id.clone(), l.line_ref.clone()),
                l.invoice_line(),
                l.context(),
            );
        }
        let checked = checker.finalize().unwrap();
        out.consulted += checked.history_lines;
        for r in checked.lines {
            let want = &whole[&r.reference];
            if codes(&r.findings, keep) != codes(want, keep) {
                out.mismatches.push(format!(
                    "{:?}: {:?} day by day, {:?} whole",
                    r.reference,
                    codes(&r.findings, keep),
                    codes(want, keep)
                ));
            }
            out.forward += codes(want, |c| FORWARD.contains(&c)).len();
        }
        history.record(invoice).unwrap();
    }
    assert_eq!(history.lines().len(), lines.len());
    out
}

#[test]
fn invoice_by_invoice_equals_the_whole_batch_for_the_rules_of_the_past() {
    let lines = corpus();
    assert_eq!(lines.len(), 188);
    let found = day_by_day(&lines);
    assert!(found.mismatches.is_empty(), "{:#?}", found.mismatches);
    // Days split the corpus's series, same-day pairs over two days apart,
    // direct-access episodes, RQD years and télésoin patients: many lines
    // are wrong without the history.
    assert!(found.without >= 5, "{}", found.without);
    // The corpus exercises the forward-looking rules too.
    assert!(found.forward >= 5, "{}", found.forward);
}

#[test]
fn the_session_types_go_to_json_and_back() {
    use kine_tarif::InvoiceLine;
    use kine_tarif::rules::LineContext;
    // An invoice line written by hand, as another language would send it:
    // decimals as strings, the territory and quantity left out.
    let line: InvoiceLine =
        serde_json::from_str(r#"{"date": "2026-02-01", "code": "rim", "coefficient": "8.10"}"#)
            .unwrap();
    assert_eq!(line.code.as_str(), "RIM");
    assert_eq!(line.quantity.to_string(), "1");
    assert_eq!(line.territory, kine_tarif::Territory::Metropole);
    let ctx: LineContext = serde_json::from_str(
        r#"{"invoice_id": "F1", "patient_id": "P1", "practitioner_id": "K1", "telesoin": true, "time": "20:30:00"}"#,
    )
    .unwrap();
    assert!(ctx.telesoin && ctx.session.is_none());
    let back: InvoiceLine = serde_json::from_str(&serde_json::to_string(&line).unwrap()).unwrap();
    assert_eq!(back, line);
    assert!(
        serde_json::from_str::<InvoiceLine>(r#"{"date": "2026-02-01", "code": "XYZ"}"#).is_err()
    );
    // A result: 8.10 × 2.15 = 17.415 → 17.42 € for a remote session.
    let mut checker = Checker::new(Tariffs::embedded());
    checker.add(
        7u32,
        InvoiceLine {
            code: kine_tarif::Code::TMK,
            ..line
        },
        ctx,
    );
    let checked = checker.finalize().unwrap();
    let json = serde_json::to_value(&checked).unwrap();
    assert_eq!(json["lines"][0]["reference"], 7);
    assert_eq!(json["lines"][0]["code"], "TMK");
    assert_eq!(json["lines"][0]["amount"], "17.42");
    assert_eq!(
        json["lines"][0]["findings"][0]["code"],
        "TELESOIN_UNKNOWN_PATIENT"
    );
    assert_eq!(json["invoices"][0]["computed"], "17.42");
    let again: kine_tarif::rules::Checked<u32> = serde_json::from_value(json).unwrap();
    assert_eq!(again, checked);
}

/// Generated lines (realistic: series, télésoin, travel, bilans, about
/// 0.1 % bad rows) as history lines.
fn generated(lines: u64, seed: u64, year: i32) -> Vec<HistoryLine> {
    let mut csv = Vec::new();
    kine_tarif::generate::generate(Tariffs::embedded(), lines, seed, year, &mut csv).unwrap();
    let mut out = Vec::new();
    read_csv(csv.as_slice(), |l| {
        out.push(l);
        Ok(())
    })
    .unwrap();
    out
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 6, ..Default::default() })]

    /// Any generated batch, checked day by day against the history of the
    /// days before (then recorded), gives every line the findings of the
    /// whole batch for the rules of the past.
    #[test]
    fn day_by_day_equals_the_whole_batch_on_generated_data(seed in 0u64..1_000_000, year in 2024i32..=2026) {
        let found = day_by_day(&generated(1200, seed, year));
        proptest::prop_assert!(found.mismatches.is_empty(), "{:#?}", found.mismatches);
        // The history mattered: checked day by day without it, lines
        // differ (a series' sessions, a patient's earlier days).
        proptest::prop_assert!(found.consulted > 1000, "{}", found.consulted);
        proptest::prop_assert!(found.without > 0, "{}", found.without);
    }
}
