use std::ops::Range;

use chrono::{NaiveDate, NaiveTime};
use rust_decimal::Decimal;

use super::schema::{APPLICATION_ID, MIGRATIONS};
use super::{SCHEMA_VERSION, SqliteHistory, rows};
use crate::history::{History, HistoryLine, MemoryHistory, Recorder};
use crate::{Code, Error};

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn dec(s: &str) -> Decimal {
    s.parse().unwrap()
}

/// A line with only the required fields.
fn bare(invoice: &str, line: &str, practitioner: &str, patient: &str, date: &str) -> HistoryLine {
    HistoryLine {
        invoice_id: invoice.into(),
        line_ref: line.into(),
        practitioner_id: practitioner.into(),
        patient_id: patient.into(),
        date: d(date),
        code: Code::AMK,
        coefficient: None,
        quantity: dec("1"),
        act_id: None,
        department: None,
        prescription_id: None,
        prescriber_id: None,
        session: None,
        telesoin: false,
        time: None,
        trip_id: None,
    }
}

/// A line with every field given.
fn full() -> HistoryLine {
    HistoryLine {
        invoice_id: "F-1".into(),
        line_ref: "2".into(),
        practitioner_id: "K1".into(),
        patient_id: "P1".into(),
        date: d("2026-03-02"),
        code: Code::RIM,
        coefficient: Some(dec("7.50")),
        quantity: dec("12.500"),
        act_id: Some("A1C-ENTORSE-MED".into()),
        department: Some("971".into()),
        prescription_id: Some("RX-1".into()),
        prescriber_id: Some("10001234567".into()),
        session: Some("matin".into()),
        telesoin: true,
        time: Some(NaiveTime::from_hms_milli_opt(8, 30, 15, 250).unwrap()),
        trip_id: Some("T-é".into()),
    }
}

fn sorted(mut lines: Vec<HistoryLine>) -> Vec<HistoryLine> {
    lines.sort_by(|a, b| (&a.invoice_id, &a.line_ref).cmp(&(&b.invoice_id, &b.line_ref)));
    lines
}

fn all(h: &impl History, practitioner: &str) -> Vec<HistoryLine> {
    sorted(
        h.practitioner_lines(practitioner, NaiveDate::MIN..NaiveDate::MAX)
            .unwrap(),
    )
}

#[test]
fn every_field_comes_back_as_recorded() {
    let mut h = SqliteHistory::open_in_memory().unwrap();
    let lines = vec![full(), bare("F-2", "1", "K1", "P2", "2026-03-03")];
    assert_eq!(h.record(&lines).unwrap(), 2);
    let back = all(&h, "K1");
    assert_eq!(back, lines);
    let coefficient = back[0].coefficient.unwrap();
    assert_eq!(coefficient.to_string(), "7.50");
    assert_eq!(back[0].quantity.to_string(), "12.500");
    assert_eq!(back[0].time.unwrap().to_string(), "08:30:15.250");
}

#[test]
fn recording_again_replaces_and_is_not_new() {
    let mut h = SqliteHistory::open_in_memory().unwrap();
    let mut m = MemoryHistory::default();
    let a = bare("F1", "1", "K1", "P1", "2026-03-02");
    let b = bare("F1", "2", "K1", "P1", "2026-03-02");
    for batch in [vec![a.clone(), b.clone()], vec![a.clone(), b.clone()]] {
        assert_eq!(h.record(&batch).unwrap(), m.record(&batch).unwrap());
    }
    let mut changed = a.clone();
    changed.coefficient = Some(dec("8.10"));
    changed.date = d("2026-03-05");
    // The same line twice in one batch: the last one stays, once.
    let batch = [
        a.clone(),
        changed.clone(),
        bare("F2", "1", "K1", "P1", "2026-03-06"),
    ];
    assert_eq!(h.record(&batch).unwrap(), 1);
    assert_eq!(m.record(&batch).unwrap(), 1);
    assert_eq!(all(&h, "K1"), sorted(m.lines().to_vec()));
    assert_eq!(h.stats().unwrap().lines, 3);
    assert!(all(&h, "K1").contains(&changed));
}

#[test]
fn forget_removes_an_invoice() {
    let mut h = SqliteHistory::open_in_memory().unwrap();
    h.record(&[
        bare("F1", "1", "K1", "P1", "2026-03-02"),
        bare("F1", "2", "K1", "P1", "2026-03-02"),
        bare("F2", "1", "K1", "P1", "2026-03-02"),
    ])
    .unwrap();
    assert_eq!(h.forget("F1").unwrap(), 2);
    assert_eq!(h.forget("F1").unwrap(), 0);
    assert_eq!(h.forget("nope").unwrap(), 0);
    let left = all(&h, "K1");
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].invoice_id, "F2");
}

#[test]
fn the_questions_answer_as_memory_does() {
    // Pseudo-random lines over three practitioners, five patients and
    // two months, recorded in overlapping batches into both stores.
    let mut seed: u64 = 42;
    let mut next = |n: u64| {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (seed >> 33) % n
    };
    let start = d("2026-02-20");
    let mut lines = Vec::new();
    for i in 0..600 {
        let mut l = bare(
            &format!("F{}", next(150)),
            &format!("{}", next(4)),
            &format!("K{}", next(3)),
            &format!("P{}", next(5)),
            "2026-01-01",
        );
        l.date = start + chrono::Days::new(next(60));
        l.coefficient = (i % 3 != 0).then(|| Decimal::new(next(2000) as i64, 2));
        lines.push(l);
    }
    let mut h = SqliteHistory::open_in_memory().unwrap();
    let mut m = MemoryHistory::default();
    for batch in lines.chunks(70) {
        assert_eq!(h.record(batch).unwrap(), m.record(batch).unwrap());
    }
    assert_eq!(m.forget("F7").unwrap(), h.forget("F7").unwrap());
    let ranges: Vec<Range<NaiveDate>> = vec![
        NaiveDate::MIN..NaiveDate::MAX,
        d("2026-03-01")..d("2026-03-02"),
        d("2026-03-01")..d("2026-03-01"),
        d("2026-03-10")..d("2026-03-01"),
        d("2026-02-20")..d("2026-03-15"),
        d("2026-03-15")..NaiveDate::MAX,
        NaiveDate::MIN..d("2026-02-21"),
        d("2026-04-20")..d("2027-01-01"),
    ];
    for practitioner in ["K0", "K1", "K2", "K9"] {
        for r in &ranges {
            assert_eq!(
                sorted(h.practitioner_lines(practitioner, r.clone()).unwrap()),
                sorted(m.practitioner_lines(practitioner, r.clone()).unwrap()),
                "{practitioner} {r:?}"
            );
            for patient in ["P0", "P3", "P4", "P9"] {
                assert_eq!(
                    sorted(h.patient_lines(practitioner, patient, r.clone()).unwrap()),
                    sorted(m.patient_lines(practitioner, patient, r.clone()).unwrap()),
                    "{practitioner} {patient} {r:?}"
                );
            }
        }
    }
}

#[test]
fn the_dates_are_half_open() {
    let mut h = SqliteHistory::open_in_memory().unwrap();
    let days = ["2026-02-28", "2026-03-01", "2026-03-02", "2026-03-03"];
    let lines: Vec<_> = days
        .iter()
        .enumerate()
        .map(|(i, day)| bare(&format!("F{i}"), "1", "K1", "P1", day))
        .collect();
    h.record(&lines).unwrap();
    let dates = |r: Range<NaiveDate>| {
        h.patient_lines("K1", "P1", r)
            .unwrap()
            .into_iter()
            .map(|l| l.date.to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        dates(d("2026-03-01")..d("2026-03-03")),
        ["2026-03-01", "2026-03-02"]
    );
    assert_eq!(dates(d("2026-03-01")..d("2026-03-02")), ["2026-03-01"]);
    assert!(dates(d("2026-03-02")..d("2026-03-02")).is_empty());
    assert_eq!(dates(NaiveDate::MIN..NaiveDate::MAX).len(), 4);
    assert_eq!(dates(d("2026-03-03")..NaiveDate::MAX), ["2026-03-03"]);
    assert!(dates(NaiveDate::MIN..d("2026-02-28")).is_empty());
}

#[test]
fn a_date_that_would_not_sort_is_refused_and_nothing_recorded() {
    let mut h = SqliteHistory::open_in_memory().unwrap();
    let mut far = bare("F2", "1", "K1", "P1", "2026-03-01");
    far.date = NaiveDate::from_ymd_opt(10_000, 1, 1).unwrap();
    let ok = bare("F1", "1", "K1", "P1", "2026-03-01");
    let err = h.record(&[ok, far]).unwrap_err();
    assert!(err.to_string().contains("hors des années"), "{err}");
    assert_eq!(h.stats().unwrap().lines, 0);
    assert_eq!(rows::bound_text(NaiveDate::MIN), "0000-01-01");
    assert_eq!(rows::bound_text(NaiveDate::MAX), "9999-99-99");
    assert_eq!(rows::date_text(d("0001-01-01")).unwrap(), "0001-01-01");
}

#[test]
fn a_value_that_does_not_read_back_names_the_row() {
    let mut h = SqliteHistory::open_in_memory().unwrap();
    h.record(&[bare("F1", "1", "K1", "P1", "2026-03-02"), full()])
        .unwrap();
    let cases = [
        ("coefficient = 'sept'", "coefficient"),
        ("quantity = '1,5'", "quantity"),
        ("code = 'XYZ'", "code"),
        ("date = '2026-02-30'", "date"),
        ("time = '25:00:00'", "time"),
    ];
    for (set, column) in cases {
        let conn = h.conn.lock().unwrap();
        conn.execute("SAVEPOINT s", []).unwrap();
        conn.execute(&format!("UPDATE lines SET {set} WHERE id = 2"), [])
            .unwrap();
        drop(conn);
        let err = h
            .practitioner_lines("K1", d("2026-01-01")..d("2027-01-01"))
            .unwrap_err();
        let Error::History { store, message } = &err else {
            panic!("{err:?}")
        };
        assert_eq!(store, ":memory:");
        assert!(message.contains("ligne 2 de la table lines"), "{message}");
        assert!(message.contains(&format!("colonne {column}")), "{message}");
        h.conn
            .lock()
            .unwrap()
            .execute_batch("ROLLBACK TO s; RELEASE s")
            .unwrap();
    }
    assert_eq!(all(&h, "K1").len(), 2);
}

#[test]
fn stats_and_practitioners() {
    let mut h = SqliteHistory::open_in_memory().unwrap();
    let empty = h.stats().unwrap();
    assert_eq!(empty.lines, 0);
    assert_eq!(empty.first_date, None);
    assert_eq!(empty.schema_version, SCHEMA_VERSION);
    h.record(&[
        bare("F1", "1", "K2", "P1", "2026-03-02"),
        bare("F1", "2", "K2", "P2", "2026-01-15"),
        bare("F2", "1", "K1", "P1", "2026-04-01"),
    ])
    .unwrap();
    let stats = h.stats().unwrap();
    assert_eq!(
        (
            stats.lines,
            stats.invoices,
            stats.practitioners,
            stats.patients
        ),
        (3, 2, 2, 2)
    );
    assert_eq!(stats.first_date, Some(d("2026-01-15")));
    assert_eq!(stats.last_date, Some(d("2026-04-01")));
    assert_eq!(h.practitioners().unwrap(), ["K1", "K2"]);
    assert_eq!(h.path(), std::path::Path::new(":memory:"));
}

#[test]
fn the_schema_is_marked_and_the_questions_use_their_indexes() {
    let h = SqliteHistory::open_in_memory().unwrap();
    let conn = h.conn.lock().unwrap();
    let app: i32 = conn
        .pragma_query_value(None, "application_id", |r| r.get(0))
        .unwrap();
    let version: u32 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!((app, version), (APPLICATION_ID, SCHEMA_VERSION));
    assert_eq!(MIGRATIONS.len(), SCHEMA_VERSION as usize);
    let names: Vec<String> = conn
        .prepare("SELECT name FROM pragma_table_info('lines') ORDER BY cid")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(names[..17], rows::NAMES);
    assert_eq!(rows::COLUMNS, rows::NAMES.join(", "));
    assert_eq!(names[17], "recorded_at");
    for (sql, index, params) in [
        (rows::BY_PRACTITIONER, "INDEX lines_by_cotation", 3),
        (rows::COTATIONS, "COVERING INDEX lines_by_cotation", 3),
        (rows::BY_PATIENT, "INDEX lines_by_patient", 4),
        (
            "DELETE FROM lines WHERE invoice_id = ?1",
            "INDEX sqlite_autoindex_lines_1",
            1,
        ),
    ] {
        let plan: Vec<String> = conn
            .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
            .unwrap()
            .query_map(
                rusqlite::params_from_iter(std::iter::repeat_n("x", params)),
                |r| r.get(3),
            )
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        let plan = plan.join("; ");
        assert!(plan.contains(&format!("USING {index}")), "{plan}");
        assert!(!plan.contains("TEMP B-TREE"), "{plan}");
    }
}

#[test]
fn a_poisoned_store_is_an_error_not_a_panic() {
    let h = SqliteHistory::open_in_memory().unwrap();
    let _ = std::thread::scope(|s| {
        s.spawn(|| {
            let _guard = h.conn.lock();
            panic!("a worker fails while holding the store");
        })
        .join()
    });
    let err = h
        .practitioner_lines("K1", NaiveDate::MIN..NaiveDate::MAX)
        .unwrap_err();
    assert!(matches!(err, Error::History { .. }), "{err:?}");
}

#[test]
fn record_iter_records_from_an_iterator() {
    let mut h = SqliteHistory::open_in_memory().unwrap();
    let lines = (0..1000).map(|i| bare(&format!("F{i}"), "1", "K1", "P1", "2026-03-02"));
    assert_eq!(h.record_iter(lines.clone()).unwrap(), 1000);
    assert_eq!(h.record_iter(lines).unwrap(), 0);
    assert_eq!(h.stats().unwrap().invoices, 1000);
}

#[test]
fn the_documented_schema_is_the_one_created() {
    let words = |sql: &str| {
        sql.lines()
            .map(|l| l.split("--").next().unwrap_or(""))
            .flat_map(str::split_whitespace)
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    let source = include_str!("../sqlite.rs");
    let doc: String = source
        .lines()
        .filter_map(|l| l.strip_prefix("///"))
        .skip_while(|l| l.trim() != "```sql")
        .skip(1)
        .take_while(|l| l.trim() != "```")
        .map(|l| format!("{l}\n"))
        .collect();
    assert!(!doc.is_empty());
    assert_eq!(words(&doc), words(MIGRATIONS[0]));
}
