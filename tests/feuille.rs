//! The feuille de soins through the session API: each line's split (AMO
//! rate and amount, the patient's share, the franchise after its caps) and
//! each invoice's totals. Amounts worked out by hand from tariffs/
//! (letter values, coverage.csv) and the rounding rule (the AMO amount to
//! the cent, half away from zero; the patient's share is the rest).

use chrono::NaiveDate;
use kine_tarif::history::{HistoryLine, MemoryHistory, Recorder};
use kine_tarif::rules::{Checker, LineContext};
use kine_tarif::{Code, Decimal, FindingCode, InvoiceLine, Tariffs};

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn line(date: &str, code: Code, coefficient: Option<&str>) -> InvoiceLine {
    InvoiceLine::new(date.parse().unwrap(), code, coefficient.map(d))
}

/// Patient P1 with K1, invoice `invoice`, session `session`, in JSON as
/// practice software sends it (the coverage fields are text).
fn ctx(invoice: &str, session: &str, coverage: &str) -> LineContext {
    let json = format!(
        r#"{{"invoice_id": "{invoice}", "patient_id": "P1", "practitioner_id": "K1",
            "department": "67", "session": "{session}"{coverage}}}"#
    );
    serde_json::from_str(&json).unwrap()
}

#[test]
fn alsace_moselle_act_and_travel_allowance_and_their_invoice_total() {
    let t = Tariffs::embedded();
    let mut c = Checker::new(t);
    let am = r#", "regime": "13""#;
    // RIM 7.50 × 2.21 € = 16.575 → 16.58 €; IFD 2.50 €.
    c.add(
        1,
        line("2024-06-15", Code::RIM, Some("7.50")),
        ctx("F1", "1", am),
    );
    c.add(2, line("2024-06-15", Code::IFD, None), ctx("F1", "1", am));
    let out = c.finalize().unwrap();
    let s = out.lines[0].split.as_ref().unwrap();
    // 16.58 × 90 % = 14.922 → 14.92; 16.58 − 14.92 = 1.66; franchise 1 €
    // (from 2024-03-31).
    assert_eq!(
        (s.amo_rate, s.amo_amount, s.patient_amount, s.franchise),
        (d("90"), d("14.92"), d("1.66"), d("1.00"))
    );
    // IFD: 2.50 × 90 % = 2.25, 0.25 left; no franchise on an allowance.
    let s = out.lines[1].split.as_ref().unwrap();
    assert_eq!(
        (s.amo_amount, s.patient_amount, s.franchise),
        (d("2.25"), d("0.25"), d("0"))
    );
    let total = &out.invoices[0];
    // 14.92 + 2.25 = 17.17; 1.66 + 0.25 = 1.91; 16.58 + 2.50 = 19.08.
    assert_eq!(
        (
            total.computed,
            total.amo_amount,
            total.patient_amount,
            total.franchise
        ),
        (d("19.08"), d("17.17"), d("1.91"), d("1.00"))
    );
    // In JSON, decimals are strings.
    let json = serde_json::to_value(&out).unwrap();
    assert_eq!(json["lines"][0]["split"]["amo_amount"], "14.92");
    assert_eq!(json["invoices"][0]["patient_amount"], "1.91");
}

#[test]
fn the_daily_cap_on_both_sides_of_2024_03_31() {
    // Five acts for one patient the same day (five invoices): until
    // 2024-03-30, 0.50 € each up to 2 €; from 2024-03-31, 1 € up to 4 €.
    for (date, each, cap) in [
        ("2024-03-29", "0.50", "2.00"),
        ("2024-04-02", "1.00", "4.00"),
    ] {
        let mut c = Checker::new(Tariffs::embedded());
        for i in 0..5 {
            let invoice = format!("F{i}");
            c.add(
                i,
                line(date, Code::RIM, Some("7.50")),
                ctx(&invoice, &i.to_string(), ""),
            );
        }
        let out = c.finalize().unwrap();
        let franchises: Vec<Decimal> = out
            .lines
            .iter()
            .map(|l| l.split.as_ref().unwrap().franchise)
            .collect();
        let e = d(each);
        assert_eq!(franchises, [e, e, e, e, d("0")], "{date}");
        let sum: Decimal = out.invoices.iter().map(|i| i.franchise).sum();
        assert_eq!(sum, d(cap), "{date}");
    }
}

#[test]
fn a_minor_and_c2s_owe_no_franchise_and_ald_does() {
    let mut c = Checker::new(Tariffs::embedded());
    let mut minor = ctx("F1", "1", "");
    minor.patient_birth_date = NaiveDate::from_ymd_opt(2010, 5, 1);
    c.add(1, line("2024-06-15", Code::RIM, Some("7.50")), minor);
    let mut c2s = ctx(
        "F2",
        "1",
        r#", "exoneration": "c2s", "tiers_payant": "full""#,
    );
    c2s.patient_id = "P2".into();
    c.add(2, line("2024-06-15", Code::RIM, Some("7.50")), c2s);
    let mut ald = ctx("F3", "1", r#", "exoneration": "4""#);
    ald.patient_id = "P3".into();
    ald.department = Some("75".into());
    c.add(3, line("2024-06-15", Code::RIM, Some("7.50")), ald);
    let out = c.finalize().unwrap();
    let parts = |i: usize| {
        let s = out.lines[i].split.as_ref().unwrap();
        (s.amo_rate, s.amo_amount, s.patient_amount, s.franchise)
    };
    // Minor in the régime général: 16.58 × 60 % = 9.948 → 9.95; 6.63 left.
    assert_eq!(parts(0), (d("60"), d("9.95"), d("6.63"), d("0")));
    // C2S: the régime's rate (the C2S pays the 6.63), no franchise.
    assert_eq!(parts(1), (d("60"), d("9.95"), d("6.63"), d("0")));
    // ALD-related care: 100 %, and the franchise is still due.
    assert_eq!(parts(2), (d("100"), d("16.58"), d("0.00"), d("1.00")));
}

#[test]
fn the_history_counts_in_the_caps() {
    // Three acts recorded the morning of 2024-04-02; two more that day:
    // 3 € already charged of the 4 € cap, so 1 € then nothing.
    let t = Tariffs::embedded();
    let mut history = MemoryHistory::default();
    let past: Vec<HistoryLine> = (0..3)
        .map(|i| {
            let c = ctx(&format!("H{i}"), &format!("m{i}"), "");
            HistoryLine::new(
                &format!("H{i}"),
                "1",
                &line("2024-04-02", Code::RIM, Some("7.50")),
                &c,
            )
        })
        .collect();
    history.record(&past).unwrap();
    let mut c = Checker::new(t).with_history(&history);
    c.add(
        1,
        line("2024-04-02", Code::RIM, Some("7.50")),
        ctx("F1", "a", ""),
    );
    c.add(
        2,
        line("2024-04-02", Code::RIM, Some("7.50")),
        ctx("F2", "b", ""),
    );
    let out = c.finalize().unwrap();
    let f: Vec<Decimal> = out
        .lines
        .iter()
        .map(|l| l.split.as_ref().unwrap().franchise)
        .collect();
    assert_eq!(f, [d("1.00"), d("0.00")]);
}

#[test]
fn a_coverage_not_in_force_is_a_finding_and_bad_text_is_refused() {
    // The C2S began on 2019-11-01; AMK 8 was then billed at 2.15 €.
    let mut c = Checker::new(Tariffs::embedded());
    c.add(
        1,
        line("2019-06-03", Code::AMK, Some("8")),
        ctx("F1", "1", r#", "exoneration": "c2s""#),
    );
    let out = c.finalize().unwrap();
    assert!(out.lines[0].split.is_none());
    let f = &out.lines[0].findings;
    assert!(
        f.iter()
            .any(|f| f.code == FindingCode::InvalidField && f.message.contains("C2S")),
        "{f:?}"
    );
    let bad = serde_json::from_str::<LineContext>(r#"{"exoneration": "9"}"#).unwrap_err();
    assert!(
        bad.to_string().contains("exonération \"9\" inconnue"),
        "{bad}"
    );
}

#[test]
fn a_late_series_is_flagged_on_its_first_session_only_history_included() {
    // Prescription RX9 of 2025-01-10; sessions on 2026-02-20 (recorded)
    // and 2026-03-02: the first came more than 12 months after it.
    let t = Tariffs::embedded();
    let session = |invoice: &str, date: &str| {
        let mut c = ctx(invoice, "1", "");
        c.prescription_id = Some("RX9".into());
        c.prescription_date = NaiveDate::from_ymd_opt(2025, 1, 10);
        (line(date, Code::RIM, Some("8.10")), c)
    };
    let (l, c) = session("F1", "2026-03-02");
    let mut alone = Checker::new(t);
    alone.add(1, l.clone(), c.clone());
    let out = alone.finalize().unwrap();
    assert_eq!(out.lines[0].findings.len(), 1);
    assert_eq!(out.lines[0].findings[0].code, FindingCode::PrescriptionOld);
    assert!(
        out.lines[0].findings[0]
            .message
            .contains("aucun texte officiel")
    );
    let mut history = MemoryHistory::default();
    let (pl, pc) = session("F0", "2026-02-20");
    history
        .record(&[HistoryLine::new("F0", "1", &pl, &pc)])
        .unwrap();
    let mut with = Checker::new(t).with_history(&history);
    with.add(1, l, c);
    let out = with.finalize().unwrap();
    assert!(
        out.lines[0].findings.is_empty(),
        "{:?}",
        out.lines[0].findings
    );
    assert_eq!(out.history_lines, 1);
}

/// The batch with a coverage column: the split columns, worked by hand.
#[test]
fn the_batch_writes_who_pays_what() {
    use kine_tarif::batch::{BatchOptions, OutputFormat, price_csv_with};
    let input = "invoice_id,patient_id,practitioner_id,date,code,coefficient,department,regime,exoneration,patient_birth_date,session\n\
        F1,P1,K1,2024-06-15,RIM,7.50,67,13,,,\n\
        F1,P1,K1,2024-06-15,IFD,,67,13,,,\n\
        F2,P2,K1,2024-03-30,RIM,7.50,75,,,,1\n\
        F3,P2,K1,2024-03-30,RIM,7.50,75,,,,2\n\
        F4,P2,K1,2024-03-30,RIM,7.50,75,,,,3\n\
        F5,P2,K1,2024-03-30,RIM,7.50,75,,,,4\n\
        F6,P2,K1,2024-03-30,RIM,7.50,75,,,,5\n\
        F7,P3,K1,2019-06-03,AMK,8,75,,c2s,,\n\
        F8,P4,K1,2024-06-15,RIM,7.50,75,,ald,2010-01-01,\n";
    let run = |format, rules| {
        let mut out = Vec::new();
        let options = BatchOptions {
            format,
            rules,
            ..BatchOptions::default()
        };
        let s = price_csv_with(Tariffs::embedded(), input.as_bytes(), &mut out, &options).unwrap();
        (String::from_utf8(out).unwrap(), s)
    };
    let (csv, summary) = run(OutputFormat::Csv, true);
    let rows: Vec<Vec<String>> = csv::Reader::from_reader(csv.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect();
    let split: Vec<[&str; 4]> = rows
        .iter()
        .map(|r| [&*r[16], &*r[17], &*r[18], &*r[19]])
        .collect();
    assert_eq!(
        split,
        [
            // Alsace-Moselle: 16.58 × 90 % = 14.922 → 14.92; IFD 2.50 × 90 % = 2.25.
            ["90", "14.92", "1.66", "1.00"],
            ["90", "2.25", "0.25", "0.00"],
            // Five acts on 2024-03-30: 0.50 € each up to 2 € a day.
            ["60", "9.95", "6.63", "0.50"],
            ["60", "9.95", "6.63", "0.50"],
            ["60", "9.95", "6.63", "0.50"],
            ["60", "9.95", "6.63", "0.50"],
            ["60", "9.95", "6.63", "0.00"],
            // No C2S before 2019-11-01: no split, a finding.
            ["", "", "", ""],
            // ALD-related care of a minor: 100 %, no franchise.
            ["100", "16.58", "0.00", "0.00"],
        ]
    );
    assert_eq!(rows[7][14], "INVALID_FIELD");
    // SNDS prestation codes: none known for RIM (a 2024 key letter); IFD
    // is 1842 (IFA, IFD des auxiliaires médicaux).
    let prestation: Vec<&str> = rows.iter().map(|r| &*r[20]).collect();
    assert_eq!(prestation, ["", "1842", "", "", "", "", "", "", ""]);
    let totals = summary.split.unwrap();
    // 14.92 + 2.25 + 5 × 9.95 + 16.58 = 83.50; 1.66 + 0.25 + 5 × 6.63 = 35.06;
    // 1.00 + 2.00 = 3.00.
    assert_eq!(
        (totals.amo_amount, totals.patient_amount, totals.franchise),
        (d("83.50"), d("35.06"), d("3.00"))
    );
    // JSON lines: the same fields; without the rules, no cap.
    let (jsonl, _) = run(OutputFormat::Jsonl, false);
    let last_of_day: serde_json::Value =
        serde_json::from_str(jsonl.lines().nth(6).unwrap()).unwrap();
    assert_eq!(last_of_day["amo_amount"], "9.95");
    assert_eq!(last_of_day["franchise"], "0.50");
    // Without a coverage column, the output is as before.
    let (plain, s) = run(OutputFormat::Csv, true);
    assert!(plain.starts_with("row,") && s.split.is_some());
    let mut out = Vec::new();
    let no_cov = "invoice_id,patient_id,date,code,coefficient\nF1,P1,2024-06-15,RIM,7.50\n";
    let s = price_csv_with(
        Tariffs::embedded(),
        no_cov.as_bytes(),
        &mut out,
        &BatchOptions::default(),
    )
    .unwrap();
    assert!(
        String::from_utf8(out)
            .unwrap()
            .lines()
            .next()
            .unwrap()
            .ends_with(",findings,message")
    );
    assert!(s.split.is_none());
}

#[test]
fn a_de_is_accepted_with_a_warning_and_never_reimbursed() {
    let mut c = Checker::new(Tariffs::embedded());
    c.add(
        1,
        line("2024-06-15", Code::RIM, Some("7.50")),
        ctx("F1", "1", ""),
    );
    let de = line("2024-06-15", Code::DE, None).with_billed_amount(d("10.00"));
    c.add(2, de, ctx("F1", "1", ""));
    // Above the tariff without a DE: still AMOUNT_MISMATCH.
    let over = line("2024-06-15", Code::RIM, Some("7.50")).with_billed_amount(d("26.58"));
    c.add(3, over, ctx("F2", "2", r#", "regime": "general""#));
    let out = c.finalize().unwrap();
    let de = &out.lines[1];
    assert_eq!(de.amount, Some(d("10.00")));
    assert_eq!(de.findings[0].code, FindingCode::ExceptionalOverrun);
    assert!(de.findings[0].message.contains("jamais remboursé"));
    let s = de.split.as_ref().unwrap();
    assert_eq!(
        (s.amo_amount, s.patient_amount, s.franchise),
        (d("0"), d("10.00"), d("0"))
    );
    // The invoice: 16.58 + 10.00 = 26.58; AMO 9.95; patient 6.63 + 10.00.
    let f1 = &out.invoices[0];
    assert_eq!(
        (f1.computed, f1.amo_amount, f1.patient_amount),
        (d("26.58"), d("9.95"), d("16.63"))
    );
    assert!(
        out.lines[2]
            .findings
            .iter()
            .any(|f| f.code == FindingCode::AmountMismatch)
    );
}

/// `kine-tarif price --invoices FILE`: one row per invoice, worked by hand.
#[test]
fn the_command_writes_each_invoices_totals() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("lot.csv");
    std::fs::write(
        &input,
        "invoice_id,patient_id,practitioner_id,date,code,coefficient,department,regime,billed_amount\n\
         F1,P1,K1,2024-06-15,RIM,7.50,67,13,16.58\n\
         F1,P1,K1,2024-06-15,IFD,,67,13,2.50\n\
         F2,P2,K1,2024-06-15,RIM,7.50,75,,17.00\n",
    )
    .unwrap();
    let invoices = dir.path().join("factures.csv");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_kine-tarif"))
        .arg("price")
        .arg(&input)
        .arg("--invoices")
        .arg(&invoices)
        .arg("-o")
        .arg(dir.path().join("out.csv"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&invoices).unwrap();
    let rows: Vec<&str> = text.lines().collect();
    assert_eq!(
        rows,
        [
            "invoice_id,lines,computed,billed,amo_amount,patient_amount,franchise,warnings,errors,status",
            // Alsace-Moselle: 16.58 + 2.50 = 19.08; 14.92 + 2.25 = 17.17;
            // 1.66 + 0.25 = 1.91; one act: 1 € of franchise.
            "F1,2,19.08,19.08,17.17,1.91,1.00,0,0,ok",
            // Régime général, billed 17.00 for 16.58: AMOUNT_MISMATCH.
            "F2,1,16.58,17.00,9.95,6.63,1.00,0,1,error",
        ]
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("part AMO 27,12\u{a0}€"), "{stderr}");
}

/// `kine-tarif explain … --regime --exoneration`: the formula of each part.
#[test]
fn explain_shows_who_pays_what() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_kine-tarif"))
        .args([
            "explain",
            "RIM",
            "7.50",
            "--date",
            "2024-06-15",
            "--regime",
            "13",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    // 16.58 × 90 % = 14.922 → 14.92; 16.58 − 14.92 = 1.66.
    assert!(
        text.contains("part AMO : 16,58\u{a0}€ × 90 % = 14,922\u{a0}€ → 14,92\u{a0}€"),
        "{text}"
    );
    assert!(
        text.contains("part patient : 16,58\u{a0}€ − 14,92\u{a0}€ = 1,66\u{a0}€"),
        "{text}"
    );
    let bad = std::process::Command::new(env!("CARGO_BIN_EXE_kine-tarif"))
        .args(["explain", "RIM", "7.50", "--exoneration", "xyz"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("exonération \"xyz\" inconnue"));
}
