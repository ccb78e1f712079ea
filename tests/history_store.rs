//! The SQLite history file as processes meet it: two writers at once, a
//! writer killed in the middle of a batch, files that are not ours.
//!
//! The writers are this test binary run again (`current_exe()`) with
//! `KT_HISTORY_ROLE` set: the test named on the command line sees the
//! variable at its start and acts as the child instead.
#![cfg(feature = "sqlite")]

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use kine_tarif::Error;
use kine_tarif::history::{History, HistoryLine, Recorder, SCHEMA_VERSION, SqliteHistory};

const ROLE: &str = "KT_HISTORY_ROLE";
const FILE: &str = "KT_HISTORY_FILE";

/// kine-tarif's `PRAGMA application_id` (documented in the module).
const APPLICATION_ID: i32 = 0x4B54_4846;

/// The role this process was started in, if it is a child.
fn role() -> Option<(String, PathBuf)> {
    let role = std::env::var(ROLE).ok()?;
    let file = std::env::var_os(FILE)?;
    Some((role, PathBuf::from(file)))
}

/// This test binary again, running only `test` in `role` on `file`.
fn spawn(test: &str, role: &str, file: &Path) -> Child {
    Command::new(std::env::current_exe().unwrap())
        .args([test, "--exact", "--nocapture", "--test-threads=1", "-q"])
        .env(ROLE, role)
        .env(FILE, file)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap()
}

fn line(invoice: &str, line_ref: usize, practitioner: &str, day: u64) -> HistoryLine {
    HistoryLine {
        invoice_id: invoice.to_string(),
        line_ref: line_ref.to_string(),
        practitioner_id: practitioner.to_string(),
        patient_id: format!("P{}", line_ref % 7),
        date: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap() + chrono::Days::new(day % 300),
        code: kine_tarif::Code::AMK,
        coefficient: Some("7.50".parse().unwrap()),
        quantity: "1".parse().unwrap(),
        act_id: None,
        department: Some("75".into()),
        prescription_id: Some(format!("RX-{invoice}")),
        prescriber_id: None,
        session: Some("1".into()),
        telesoin: false,
        time: None,
        trip_id: None,
    }
}

fn wait_with_deadline(child: &mut Child, limit: Duration) -> std::process::ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("child still running after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

// ---------------------------------------------------------------------
// Two processes writing at once.

const BATCHES: usize = 20;
const BATCH: usize = 100;

/// A writer: waits for "go" on its standard input, opens the file (both
/// open a new file at the same moment) and records its 2,000 lines in
/// batches of 100, asking the history between batches.
fn writer(name: &str, file: &Path) {
    let mut go = String::new();
    std::io::stdin().read_line(&mut go).unwrap();
    let mut h = SqliteHistory::open(file).unwrap();
    for b in 0..BATCHES {
        let invoice = format!("{name}-{b}");
        let lines: Vec<_> = (0..BATCH)
            .map(|i| line(&invoice, i, "K1", (b * BATCH + i) as u64))
            .collect();
        assert_eq!(h.record(&lines).unwrap(), BATCH);
        let year = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap()
            ..NaiveDate::from_ymd_opt(2027, 1, 1).unwrap();
        assert!(h.practitioner_lines("K1", year).unwrap().len() >= (b + 1) * BATCH);
    }
    println!("KT-DONE {name}");
}

#[test]
fn two_processes_recording_at_once_lose_nothing() {
    if let Some((role, file)) = role() {
        if let Some(name) = role.strip_prefix("writer-") {
            writer(name, &file);
        }
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("history.sqlite");
    let test = "two_processes_recording_at_once_lose_nothing";
    let mut children = [
        spawn(test, "writer-a", &file),
        spawn(test, "writer-b", &file),
    ];
    for child in &mut children {
        child.stdin.take().unwrap().write_all(b"go\n").unwrap();
    }
    for (child, name) in children.iter_mut().zip(["a", "b"]) {
        let status = wait_with_deadline(child, Duration::from_secs(300));
        let mut out = String::new();
        child
            .stdout
            .take()
            .unwrap()
            .read_to_string(&mut out)
            .unwrap();
        assert!(status.success(), "writer {name}: {status}\n{out}");
        assert!(out.contains(&format!("KT-DONE {name}")), "{out}");
    }
    let h = SqliteHistory::open(&file).unwrap();
    let stats = h.stats().unwrap();
    assert_eq!(stats.lines, 2 * (BATCHES * BATCH) as u64);
    assert_eq!(stats.invoices, 2 * BATCHES as u64);
    assert_eq!(stats.schema_version, SCHEMA_VERSION);
    let all = h
        .practitioner_lines("K1", NaiveDate::MIN..NaiveDate::MAX)
        .unwrap();
    for name in ["a", "b"] {
        for b in 0..BATCHES {
            let invoice = format!("{name}-{b}");
            assert_eq!(
                all.iter().filter(|l| l.invoice_id == invoice).count(),
                BATCH
            );
        }
    }
}

#[test]
fn threads_share_one_store() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = SqliteHistory::open(dir.path().join("h.sqlite")).unwrap();
    let lines: Vec<_> = (0..400).map(|i| line("F", i, "K1", i as u64)).collect();
    h.record(&lines).unwrap();
    let h = &h;
    std::thread::scope(|s| {
        let workers: Vec<_> = (0..4)
            .map(|_| {
                s.spawn(move || {
                    (0..50)
                        .map(|_| {
                            h.patient_lines("K1", "P3", NaiveDate::MIN..NaiveDate::MAX)
                                .unwrap()
                                .len()
                        })
                        .sum::<usize>()
                })
            })
            .collect();
        for w in workers {
            assert_eq!(
                w.join().unwrap(),
                50 * lines.iter().filter(|l| l.patient_id == "P3").count()
            );
        }
    });
}

// ---------------------------------------------------------------------
// A writer killed in the middle of a batch.

const BEFORE: usize = 10;

/// Records 10 lines, then starts a batch of a million in one
/// `record_iter` transaction, saying so after its first 1,000 lines.
fn bulk(file: &Path) {
    let mut h = SqliteHistory::open(file).unwrap();
    let first: Vec<_> = (0..BEFORE)
        .map(|i| line("BEFORE", i, "K1", i as u64))
        .collect();
    assert_eq!(h.record(&first).unwrap(), BEFORE);
    let lines = (0..1_000_000).map(|i| {
        if i == 1_000 {
            println!("KT-STARTED");
            std::io::stdout().flush().unwrap();
        }
        line(&format!("BULK-{}", i / 50), i, "K1", i as u64)
    });
    h.record_iter(lines).unwrap();
    println!("KT-FINISHED");
}

#[test]
fn a_writer_killed_while_recording_leaves_what_was_committed() {
    if let Some((role, file)) = role() {
        if role == "bulk" {
            bulk(&file);
        }
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("history.sqlite");
    let wal = dir.path().join("history.sqlite-wal");
    let mut child = spawn(
        "a_writer_killed_while_recording_leaves_what_was_committed",
        "bulk",
        &file,
    );
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut said = String::new();
    while !said.contains("KT-STARTED") {
        said.clear();
        assert!(
            out.read_line(&mut said).unwrap() > 0,
            "the writer ended first"
        );
    }
    // Kill it once the uncommitted batch has spilled to the WAL: the
    // transaction is well under way, its pages partly on disk.
    let start = Instant::now();
    let mut wal_size = 0;
    while wal_size <= 1 << 20 {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the writer ended first"
        );
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "WAL still {wal_size} bytes"
        );
        std::thread::sleep(Duration::from_millis(10));
        wal_size = std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
    }
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert!(!status.success());
    let mut rest = String::new();
    out.read_to_string(&mut rest).unwrap();
    assert!(!rest.contains("KT-FINISHED"), "{rest}");

    let mut h = SqliteHistory::open(&file).unwrap();
    let stats = h.stats().unwrap();
    assert_eq!(stats.lines, BEFORE as u64, "WAL was {wal_size} bytes");
    assert_eq!(stats.invoices, 1);
    let check = rusqlite::Connection::open(&file).unwrap();
    let integrity: String = check
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(integrity, "ok");
    // And it takes new lines.
    assert_eq!(h.record(&[line("AFTER", 0, "K1", 0)]).unwrap(), 1);
    assert_eq!(h.stats().unwrap().lines, BEFORE as u64 + 1);
}

// ---------------------------------------------------------------------
// Files that are not ours.

/// Opening `file` fails with a history error naming it, whose message
/// contains `word`; the file is left as it was.
fn refused(file: &Path, word: &str) -> String {
    let before = std::fs::read(file).ok();
    let err = SqliteHistory::open(file).unwrap_err();
    let Error::History { store, message } = &err else {
        panic!("not a history error: {err:?}")
    };
    assert_eq!(store, &file.display().to_string());
    assert!(message.contains(word), "{message}");
    assert!(err.to_string().contains(&file.display().to_string()));
    assert_eq!(std::fs::read(file).ok(), before, "the file was changed");
    message.clone()
}

/// A valid history with some lines, closed.
fn valid_history(file: &Path) {
    let mut h = SqliteHistory::open(file).unwrap();
    let lines: Vec<_> = (0..500).map(|i| line("F", i, "K1", i as u64)).collect();
    h.record(&lines).unwrap();
}

#[test]
fn a_text_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("invoices.csv");
    std::fs::write(
        &file,
        "invoice_id,patient_id,date,code,coefficient\nF1,P1,2026-03-02,RIM,7.50\n",
    )
    .unwrap();
    refused(&file, "n'est pas une base SQLite de kine-tarif");
}

#[test]
fn random_bytes_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("noise.bin");
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let bytes: Vec<u8> = (0..8192)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect();
    std::fs::write(&file, bytes).unwrap();
    refused(&file, "n'est pas une base SQLite de kine-tarif");
}

#[test]
fn an_empty_file_becomes_a_history() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("empty.sqlite");
    std::fs::write(&file, b"").unwrap();
    let mut h = SqliteHistory::open(&file).unwrap();
    assert_eq!(h.record(&[line("F", 0, "K1", 0)]).unwrap(), 1);
    assert_eq!(h.path(), file);
    drop(h);
    let h = SqliteHistory::open(&file).unwrap();
    assert_eq!(h.stats().unwrap().lines, 1);
    assert_eq!(h.practitioners().unwrap(), ["K1"]);
}

#[test]
fn a_truncated_history_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("history.sqlite");
    valid_history(&file);
    assert!(!dir.path().join("history.sqlite-wal").exists());
    let bytes = std::fs::read(&file).unwrap();
    assert!(bytes.len() > 4096);
    let cut = dir.path().join("cut.sqlite");
    std::fs::write(&cut, &bytes[..1000]).unwrap();
    refused(&cut, "endommagé");
}

#[test]
fn another_programs_database_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("other.sqlite");
    let conn = rusqlite::Connection::open(&file).unwrap();
    conn.execute_batch("CREATE TABLE foo (x INTEGER); INSERT INTO foo VALUES (1);")
        .unwrap();
    drop(conn);
    let message = refused(&file, "appartient à un autre programme");
    assert!(message.contains("foo"), "{message}");

    let marked = dir.path().join("marked.sqlite");
    let conn = rusqlite::Connection::open(&marked).unwrap();
    conn.execute_batch("PRAGMA application_id = 305419896; CREATE TABLE lines (x);")
        .unwrap();
    drop(conn);
    let message = refused(&marked, "appartient à un autre programme");
    assert!(message.contains("0x12345678"), "{message}");
}

#[test]
fn a_newer_schema_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("future.sqlite");
    valid_history(&file);
    let conn = rusqlite::Connection::open(&file).unwrap();
    let app: i32 = conn
        .query_row("PRAGMA application_id", [], |r| r.get(0))
        .unwrap();
    assert_eq!(app, APPLICATION_ID);
    conn.execute_batch("PRAGMA user_version = 99").unwrap();
    drop(conn);
    let message = refused(&file, "version plus récente de kine-tarif");
    assert!(message.contains("version 99"), "{message}");
    assert!(
        message.contains(&format!("jusqu'à la version {SCHEMA_VERSION}")),
        "{message}"
    );
}

#[test]
fn an_unreachable_path_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("no").join("such").join("history.sqlite");
    let err = SqliteHistory::open(&file).unwrap_err();
    assert!(matches!(err, Error::History { .. }), "{err:?}");
    assert!(err.to_string().contains("impossible d'ouvrir"), "{err}");
    let err = SqliteHistory::open(dir.path()).unwrap_err();
    assert!(matches!(err, Error::History { .. }), "{err:?}");
}
