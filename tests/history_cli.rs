//! The six situations of issue 17, through the command line with a
//! history file: each checked once with the history of the invoices sent
//! before (recorded with `price --history H --record`), and once without,
//! which shows what the history changes. Expected findings are worked out
//! from the rules' articles (see each case).

mod common;

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

const HEADER: &str = "invoice_id,patient_id,practitioner_id,date,code,coefficient,department,prescription_id,prescriber_id,session\n";

fn kine(args: &[&str]) -> (i32, String, String) {
    common::run_timed(args, &[], Stdio::null(), Duration::from_secs(60)).expect("no hang")
}

/// Writes `rows` (after the header) to `dir/name` and returns its path.
fn csv(dir: &Path, name: &str, rows: &[String]) -> String {
    let p = dir.join(name);
    std::fs::write(&p, format!("{HEADER}{}\n", rows.join("\n"))).unwrap();
    p.to_string_lossy().into_owned()
}

/// Sends `file`: checked against the history, then recorded.
fn send(history: &str, file: &str) {
    let (code, _, err) = kine(&[
        "price",
        "--history",
        history,
        "--record",
        file,
        "-o",
        "/dev/null",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("lignes enregistrées"), "{err}");
}

/// Each row's findings column (`invoice_id` → codes), checked with or
/// without the history.
fn findings(history: Option<&str>, file: &str) -> Vec<(String, String)> {
    let mut args = vec!["price", file];
    if let Some(h) = history {
        args.extend(["--history", h]);
    }
    let (code, out, err) = kine(&args);
    assert_eq!(code, 0, "{err}");
    let mut r = csv::Reader::from_reader(out.as_bytes());
    let h = r.headers().unwrap().clone();
    let at = |name: &str| h.iter().position(|c| c == name).unwrap();
    let (inv, f) = (at("invoice_id"), at("findings"));
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            (rec[inv].to_string(), rec[f].to_string())
        })
        .collect()
}

fn has(rows: &[(String, String)], invoice: &str, code: &str) -> bool {
    rows.iter()
        .any(|(i, f)| i == invoice && f.split(';').any(|c| c == code))
}

fn row(
    invoice: &str,
    patient: &str,
    practitioner: &str,
    date: &str,
    cotation: &str,
    rest: &str,
) -> String {
    let (code, coef) = cotation.split_once(' ').unwrap_or((cotation, ""));
    format!("{invoice},{patient},{practitioner},{date},{code},{coef},75,{rest}")
}

/// A temporary directory and the path of a history file in it (created
/// on first use).
fn history_file() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let h = dir.path().join("h.sqlite").to_string_lossy().into_owned();
    (dir, h)
}

/// One line for each patient `P{i}` of `patients`, on prescription
/// `RX{i}`, with `practitioner`: invoice `invoice(i)`, date `date(i)`.
fn one_a_patient(
    patients: std::ops::RangeInclusive<u32>,
    practitioner: &str,
    cotation: &str,
    invoice: impl Fn(u32) -> String,
    date: impl Fn(u32) -> String,
) -> Vec<String> {
    patients
        .map(|i| {
            let (p, rx) = (format!("P{i}"), format!("RX{i},,"));
            row(&invoice(i), &p, practitioner, &date(i), cotation, &rx)
        })
        .collect()
}

#[test]
fn telesoin_share_is_the_practitioners_year_not_the_invoice() {
    // Avenant 7 art. 2.3.1: remote sessions at most 20 % of the year's
    // activity. 40 presential sessions sent in January, then an invoice of
    // 5 sessions with 2 remote: 2 of 45 sessions, 4.4 %. Alone, the invoice
    // is 2 of 5, 40 %.
    let (dir, h) = history_file();
    let january: Vec<String> = (0..40)
        .map(|i| {
            let date = format!("2026-01-{:02}", 5 + i / 10);
            row(
                &format!("J{i}"),
                &format!("P{}", i % 10),
                "K1",
                &date,
                "RIM 8.10",
                &format!("RX{},,", i % 10),
            )
        })
        .collect();
    send(&h, &csv(dir.path(), "january.csv", &january));
    let mut invoice: Vec<String> = (0..3)
        .map(|i| {
            row(
                "F1",
                &format!("P{i}"),
                "K1",
                "2026-02-02",
                "RIM 8.10",
                &format!("RX{i},,"),
            )
        })
        .collect();
    invoice.push(row("F1", "P3", "K1", "2026-02-02", "TMK 8.10", "RX3,,"));
    invoice.push(row("F1", "P4", "K1", "2026-02-02", "TMK 8.10", "RX4,,"));
    let f = csv(dir.path(), "f1.csv", &invoice);
    let with = findings(Some(&h), &f);
    assert!(!has(&with, "F1", "TELESOIN_SHARE_EXCEEDED"), "{with:?}");
    // P3 and P4 were seen in person in January: known patients.
    assert!(!has(&with, "F1", "TELESOIN_UNKNOWN_PATIENT"), "{with:?}");
    assert!(with.iter().all(|(_, f)| f.is_empty()), "{with:?}");
    let without = findings(None, &f);
    assert_eq!(
        without
            .iter()
            .filter(|(_, f)| f.contains("TELESOIN_SHARE_EXCEEDED"))
            .count(),
        2
    );
}

#[test]
fn a_third_rqd_of_the_year_in_another_invoice_is_found() {
    // NGAP DG art. 14.9.6: at most 2 téléexpertise requests a year per
    // physiotherapist and patient.
    let (dir, h) = history_file();
    send(
        &h,
        &csv(
            dir.path(),
            "r1.csv",
            &[row("R1", "P60", "K9", "2025-01-10", "RQD", ",,")],
        ),
    );
    send(
        &h,
        &csv(
            dir.path(),
            "r2.csv",
            &[row("R2", "P60", "K9", "2025-06-10", "RQD", ",,")],
        ),
    );
    let f = csv(
        dir.path(),
        "r3.csv",
        &[row("R3", "P60", "K9", "2025-11-10", "RQD", ",,")],
    );
    assert!(has(&findings(Some(&h), &f), "R3", "RQD_LIMIT_EXCEEDED"));
    assert!(!has(&findings(None, &f), "R3", "RQD_LIMIT_EXCEEDED"));
    // A new calendar year starts again.
    let next = csv(
        dir.path(),
        "r4.csv",
        &[row("R4", "P60", "K9", "2026-01-05", "RQD", ",,")],
    );
    assert!(!has(&findings(Some(&h), &next), "R4", "RQD_LIMIT_EXCEEDED"));
}

#[test]
fn the_referentiel_threshold_in_the_series_third_invoice_is_found() {
    // Ankle sprain, medical (RIM 8.10 in 2026): prior agreement from the
    // 11th session of the prescription (Titre XIV chap. II art. 1 C,
    // référentiel). Sessions 1-5, 6-10 sent, then the 11th.
    let (dir, h) = history_file();
    let session = |n: u32, inv: &str| {
        let date = format!("2026-01-{:02}", 4 + n);
        row(inv, "P70", "K11", &date, "RIM 8.10", "RXE,,")
    };
    send(
        &h,
        &csv(
            dir.path(),
            "e1.csv",
            &(1..=5).map(|n| session(n, "E1")).collect::<Vec<_>>(),
        ),
    );
    send(
        &h,
        &csv(
            dir.path(),
            "e2.csv",
            &(6..=10).map(|n| session(n, "E2")).collect::<Vec<_>>(),
        ),
    );
    let f = csv(dir.path(), "e3.csv", &[session(11, "E3")]);
    let with = findings(Some(&h), &f);
    assert!(has(&with, "E3", "PRIOR_AGREEMENT_REQUIRED"), "{with:?}");
    assert!(!has(&findings(None, &f), "E3", "PRIOR_AGREEMENT_REQUIRED"));
}

#[test]
fn a_second_session_the_same_day_in_a_separate_invoice_is_found() {
    // Titre XIV dispositions liminaires: two sessions the same day need
    // two prescriptions, two articles, two sessions. The knee (art. 1 C)
    // and the spine (art. 1 A) are both article 1.
    let (dir, h) = history_file();
    send(
        &h,
        &csv(
            dir.path(),
            "a.csv",
            &[row("SD1", "P01", "K1", "2026-03-02", "RIC 8.12", "RX1,,1")],
        ),
    );
    let f = csv(
        dir.path(),
        "b.csv",
        &[row("SD2", "P01", "K1", "2026-03-02", "RAM 8.09", "RX2,,2")],
    );
    let with = findings(Some(&h), &f);
    assert!(has(&with, "SD2", "SAME_DAY_NOT_ALLOWED"), "{with:?}");
    assert!(!has(&findings(None, &f), "SD2", "SAME_DAY_NOT_ALLOWED"));
    // Checking the sent invoice again does not see it twice.
    let again = csv(
        dir.path(),
        "a2.csv",
        &[row("SD1", "P01", "K1", "2026-03-02", "RIC 8.12", "RX1,,1")],
    );
    assert!(findings(Some(&h), &again).iter().all(|(_, f)| f.is_empty()));
}

#[test]
fn a_patient_seen_in_person_last_month_is_known_to_telesoin() {
    // Avenant 7 art. 2.3.1: a presential act with the practitioner in the
    // 12 months before a remote session.
    let (dir, h) = history_file();
    send(
        &h,
        &csv(
            dir.path(),
            "jan.csv",
            &[row("T1", "P20", "K2", "2026-01-15", "RIM 8.10", "RX20,,")],
        ),
    );
    let f = csv(
        dir.path(),
        "feb.csv",
        &[row("T2", "P20", "K2", "2026-02-10", "TMK 8.10", "RX20,,")],
    );
    assert!(!has(
        &findings(Some(&h), &f),
        "T2",
        "TELESOIN_UNKNOWN_PATIENT"
    ));
    assert!(has(&findings(None, &f), "T2", "TELESOIN_UNKNOWN_PATIENT"));
    // 13 months later, no longer.
    let later = csv(
        dir.path(),
        "later.csv",
        &[row("T3", "P20", "K2", "2027-02-16", "TMK 8.10", "RX20,,")],
    );
    assert!(has(
        &findings(Some(&h), &later),
        "T3",
        "TELESOIN_UNKNOWN_PATIENT"
    ));
}

#[test]
fn the_ninth_direct_access_session_and_a_bdk_rank_are_found_across_invoices() {
    // Direct access (CSP L.4321-1, avenant 7): at most 8 sessions an
    // episode of 3 months. Weekly sessions from 2026-01-05, sent 4 and 4.
    let (dir, h) = history_file();
    let weekly = |n: u64, inv: &str| {
        let date =
            chrono::NaiveDate::from_ymd_opt(2026, 1, 5).unwrap() + chrono::Days::new(7 * (n - 1));
        row(inv, "P61", "K10", &date.to_string(), "RIM 8.10", ",K10,")
    };
    send(
        &h,
        &csv(
            dir.path(),
            "d1.csv",
            &(1..=4).map(|n| weekly(n, "D1")).collect::<Vec<_>>(),
        ),
    );
    send(
        &h,
        &csv(
            dir.path(),
            "d2.csv",
            &(5..=8).map(|n| weekly(n, "D2")).collect::<Vec<_>>(),
        ),
    );
    let f = csv(dir.path(), "d3.csv", &[weekly(9, "D3")]);
    assert!(has(&findings(Some(&h), &f), "D3", "DIRECT_ACCESS_LIMIT"));
    assert!(!has(&findings(None, &f), "D3", "DIRECT_ACCESS_LIMIT"));

    // Titre XIV chap. I section 2 §3: the BDK AMK 10.7 covers sessions 1
    // to 10; one at the 5th session of the prescription is out of rank.
    let s = |date: &str, inv: &str, cot: &str| row(inv, "P82", "K1", date, cot, "RX82,,");
    send(
        &h,
        &csv(
            dir.path(),
            "b1.csv",
            &[
                s("2026-01-05", "B1", "AMK 10.7"),
                s("2026-01-05", "B1", "VIM 8.11"),
                s("2026-01-07", "B1", "VIM 8.11"),
            ],
        ),
    );
    send(
        &h,
        &csv(
            dir.path(),
            "b2.csv",
            &[
                s("2026-01-09", "B2", "VIM 8.11"),
                s("2026-01-12", "B2", "VIM 8.11"),
            ],
        ),
    );
    let f = csv(
        dir.path(),
        "b3.csv",
        &[
            s("2026-01-14", "B3", "VIM 8.11"),
            s("2026-01-14", "B3", "AMK 10.7"),
        ],
    );
    assert!(has(&findings(Some(&h), &f), "B3", "BDK_RANK"));
    assert!(!has(&findings(None, &f), "B3", "BDK_RANK"));
}

#[test]
fn import_stats_forget_and_the_year_end_report() {
    let (dir, h) = history_file();
    // 19 presential sessions in January, one a patient; then 6 of those
    // patients seen remotely in February: 6 remote sessions of 25.
    let mut rows: Vec<String> = one_a_patient(
        1..=19,
        "K1",
        "RIM 8.10",
        |i| format!("J{i}"),
        |i| format!("2026-01-{:02}", 4 + i),
    );
    rows.extend(one_a_patient(
        1..=6,
        "K1",
        "TMK 8.10",
        |_| "FEB".to_string(),
        |i| format!("2026-02-{:02}", 1 + i),
    ));
    rows.push("BAD,P1,K1,not-a-date,RIM,8.10,75,,,".to_string());
    let file = csv(dir.path(), "year.csv", &rows);
    let (code, _, err) = kine(&["history", "import", &file, "--history", &h]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("25 lignes enregistrées (25 nouvelles)"),
        "{err}"
    );
    assert!(
        err.contains("1 lignes non enregistrées") && err.contains("lignes 27"),
        "{err}"
    );
    // Importing it again records nothing new.
    let (_, _, err) = kine(&["history", "import", &file, "--history", &h]);
    assert!(err.contains("(0 nouvelles)"), "{err}");
    let (code, out, _) = kine(&["history", "stats", "--history", &h]);
    assert_eq!(code, 0);
    assert!(
        out.contains("lignes : 25") && out.contains("factures : 20"),
        "{out}"
    );
    assert!(out.contains("lignes du 05/01/2026 au 07/02/2026"), "{out}");
    // The year-end check: 6 / 25 = 24.0 % remote, above 20 %: each of the
    // 6 remote sessions is flagged.
    let (code, out, err) = kine(&["history", "report", "--year", "2026", "--history", &h]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        "practitioner_id,year,lines,sessions,remote_sessions,remote_share,findings\nK1,2026,25,25,6,24.0,TELESOIN_SHARE_EXCEEDED:6\n"
    );
    // The February invoice cancelled: 19 sessions left, no remote one.
    let (code, _, err) = kine(&["history", "forget", "FEB", "--history", &h]);
    assert_eq!(code, 0);
    assert!(err.contains("6 lignes retirées"), "{err}");
    let (_, out, _) = kine(&["history", "report", "--year", "2026", "--history", &h]);
    assert!(out.ends_with("K1,2026,19,19,0,0.0,\n"), "{out}");
}

#[test]
fn a_file_that_is_not_a_history_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let not = dir.path().join("notes.txt");
    std::fs::write(&not, "ceci n'est pas une base\n".repeat(200)).unwrap();
    let not = not.to_string_lossy().into_owned();
    let input = csv(
        dir.path(),
        "a.csv",
        &[row("A", "P1", "K1", "2026-01-05", "RIM 8.10", ",,")],
    );
    for args in [
        vec!["price", input.as_str(), "--history", not.as_str()],
        vec!["history", "stats", "--history", not.as_str()],
        vec![
            "history",
            "stats",
            "--history",
            dir.path().to_str().unwrap(),
        ],
    ] {
        let (code, out, err) = kine(&args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(out.is_empty(), "nothing written before the refusal: {out}");
        assert!(err.contains("historique"), "{err}");
    }
    // --record needs --history.
    let (code, _, _) = kine(&["price", input.as_str(), "--record"]);
    assert_eq!(code, 2);
}

#[test]
fn the_share_counts_the_recorded_year_once_and_an_invoice_checked_again_replaces_itself() {
    // Avenant 7 art. 2.3.1, 20 % of the year's sessions. Recorded: 15
    // presential sessions in January and 4 remote ones in February.
    let (dir, h) = history_file();
    let mut past: Vec<String> = one_a_patient(
        1..=15,
        "K5",
        "RIM 8.10",
        |i| format!("J{i}"),
        |i| format!("2026-01-{:02}", 4 + i),
    );
    past.extend(one_a_patient(
        1..=4,
        "K5",
        "TMK 8.10",
        |i| format!("T{i}"),
        |i| format!("2026-02-{:02}", 1 + i),
    ));
    send(&h, &csv(dir.path(), "past.csv", &past));
    // G1: one more remote session and one presential: 5 remote of 21
    // sessions, 23.8 % (21 ≥ the 20-session minimum): flagged.
    let g1 = csv(
        dir.path(),
        "g1.csv",
        &[
            row("G1", "P5", "K5", "2026-02-10", "TMK 8.10", "RX5,,"),
            row("G1", "P16", "K5", "2026-02-10", "RIM 8.10", "RX16,,"),
        ],
    );
    let with = findings(Some(&h), &g1);
    assert_eq!(
        with.iter()
            .filter(|(_, f)| f.contains("TELESOIN_SHARE_EXCEEDED"))
            .count(),
        1,
        "{with:?}"
    );
    send(&h, &g1);
    // Checked again once recorded: the same 5 of 21, not 6 of 23.
    assert_eq!(findings(Some(&h), &g1), with);
    // G1 corrected (the session was presential) and checked again: its
    // recorded lines are replaced, 4 remote of 21 = 19 %: not flagged
    // (counted twice, it would be 5 of 23 = 21.7 %).
    let corrected = csv(
        dir.path(),
        "g1b.csv",
        &[
            row("G1", "P5", "K5", "2026-02-10", "RIM 8.10", "RX5,,"),
            row("G1", "P16", "K5", "2026-02-10", "RIM 8.10", "RX16,,"),
        ],
    );
    assert!(
        findings(Some(&h), &corrected)
            .iter()
            .all(|(_, f)| f.is_empty())
    );
}
