//! The file's identity and its schema: kine-tarif's application id, the
//! migrations, and what opening finds in a file.

use std::time::{Duration, Instant};

use rusqlite::{Connection, ErrorCode, TransactionBehavior};

use super::{BUSY_TIMEOUT, SCHEMA_VERSION, describe, open_error};
use crate::Error;
use crate::history::error;

/// `PRAGMA application_id` of a kine-tarif history: `KTHF`.
pub(super) const APPLICATION_ID: i32 = 0x4B54_4846;

/// The schema steps: `MIGRATIONS[i]` brings version `i` to `i + 1`.
pub(super) const MIGRATIONS: &[&str] = &[
    // 0 → 1: the lines and the indexes of the two questions.
    "CREATE TABLE lines (
        id              INTEGER PRIMARY KEY,
        invoice_id      TEXT NOT NULL,
        line_ref        TEXT NOT NULL,
        practitioner_id TEXT NOT NULL,
        patient_id      TEXT NOT NULL,
        date            TEXT NOT NULL,
        code            TEXT NOT NULL,
        coefficient     TEXT,
        quantity        TEXT NOT NULL,
        act_id          TEXT,
        department      TEXT,
        prescription_id TEXT,
        prescriber_id   TEXT,
        session         TEXT,
        telesoin        INTEGER NOT NULL CHECK (telesoin IN (0, 1)),
        time            TEXT,
        trip_id         TEXT,
        recorded_at     TEXT NOT NULL,
        UNIQUE (invoice_id, line_ref)
    ) STRICT;
    CREATE INDEX lines_by_practitioner ON lines (practitioner_id, date);
    CREATE INDEX lines_by_patient ON lines (practitioner_id, patient_id, date);",
    // 1 → 2: the cotations of a practitioner's days, read from the index
    // alone (the télésoin share counts a whole year of sessions); it
    // starts with (practitioner_id, date), so it replaces the first index.
    "CREATE INDEX lines_by_cotation ON lines
        (practitioner_id, date, code, coefficient, act_id, department, telesoin, invoice_id);
    DROP INDEX lines_by_practitioner;",
];

const _: () = assert!(MIGRATIONS.len() == SCHEMA_VERSION as usize);

/// What opening found in the file.
pub(super) enum Found {
    /// An empty database: nothing of anyone's.
    New,
    /// Ours, at this schema version (at most [`SCHEMA_VERSION`]).
    Ours(u32),
    /// Another program's: why we think so.
    Foreign(String),
    /// Ours, written by a later kine-tarif at this version.
    Newer(i64),
}

/// Whose database `conn` is. One statement, so one snapshot: another
/// process creating the schema at the same moment is seen before or after,
/// never half-way.
pub(super) fn identify(conn: &Connection) -> rusqlite::Result<Found> {
    let (application, version, count, tables): (i32, i64, i64, Option<String>) = conn.query_row(
        "SELECT (SELECT application_id FROM pragma_application_id),
                    (SELECT user_version FROM pragma_user_version),
                    (SELECT count(*) FROM sqlite_schema WHERE type = 'table'),
                    (SELECT group_concat(name, ', ') FROM (
                        SELECT name FROM sqlite_schema WHERE type = 'table'
                        ORDER BY name LIMIT 5))",
        [],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
    )?;
    Ok(match application {
        APPLICATION_ID => match u32::try_from(version) {
            Ok(v) if v <= SCHEMA_VERSION => Found::Ours(v),
            Ok(_) => Found::Newer(version),
            Err(_) => Found::Foreign(format!(
                "identifiant de kine-tarif mais version de schéma {version} invalide"
            )),
        },
        0 if count == 0 && version == 0 => Found::New,
        0 if count == 0 => Found::Foreign(format!("version de schéma {version}")),
        0 => {
            let more = if count > 5 { ", …" } else { "" };
            Found::Foreign(format!("tables : {}{more}", tables.unwrap_or_default()))
        }
        other => Found::Foreign(format!("application_id {:#010x}", other)),
    })
}

/// Puts the file in WAL mode; the mode it is in. Switching needs the file
/// to itself for a moment and SQLite does not wait for that (no busy
/// handler): another process opening the same new file at the same time
/// makes it fail at once, so it is tried again, up to [`BUSY_TIMEOUT`].
pub(super) fn use_wal(conn: &Connection) -> rusqlite::Result<String> {
    let start = Instant::now();
    loop {
        let mode: String = conn.pragma_query_value(None, "journal_mode", |r| r.get(0))?;
        if mode.eq_ignore_ascii_case("wal") {
            return Ok(mode);
        }
        match conn.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0)) {
            Err(e) if is_busy(&e) && start.elapsed() < BUSY_TIMEOUT => {
                std::thread::sleep(Duration::from_millis(10));
            }
            done => return done,
        }
    }
}

fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)
    )
}

/// The schema version of a file we may use, or why we may not.
pub(super) fn accept(store: &str, found: Found) -> Result<u32, Error> {
    match found {
        Found::New => Ok(0),
        Found::Ours(v) => Ok(v),
        Found::Foreign(why) => Err(error(
            store,
            format!(
                "cette base SQLite appartient à un autre programme ({why}), pas à kine-tarif ; elle n'a pas été modifiée"
            ),
        )),
        Found::Newer(v) => Err(error(
            store,
            format!(
                "ce fichier a été écrit par une version plus récente de kine-tarif (schéma version {v}) ; celle-ci connaît jusqu'à la version {SCHEMA_VERSION} : mettez kine-tarif à jour"
            ),
        )),
    }
}

/// Applies the missing schema steps in one transaction. Another process
/// may be opening the same new file: the write lock is taken first, then
/// the version read again.
pub(super) fn migrate(conn: &mut Connection, store: &str) -> Result<(), Error> {
    let fail = |e: rusqlite::Error| error(store, describe("mise à jour du schéma", &e));
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(|e| open_error(store, &e))?;
    let version = accept(store, identify(&tx).map_err(|e| open_error(store, &e))?)?;
    for (step, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
        tx.execute_batch(sql).map_err(fail)?;
        tx.pragma_update(None, "user_version", step as i64 + 1)
            .map_err(fail)?;
    }
    if version == 0 {
        tx.pragma_update(None, "application_id", APPLICATION_ID)
            .map_err(fail)?;
    }
    tx.commit().map_err(fail)
}
