//! The embedded SQLite history: one database file holding the lines
//! recorded, asked by the two questions of [`History`].
//!
//! See [`SqliteHistory`] for the file and its schema.

mod rows;
mod schema;
#[cfg(test)]
mod tests;

use std::borrow::Borrow;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use chrono::NaiveDate;
use rusqlite::{Connection, ErrorCode, TransactionBehavior, params};

use schema::{accept, identify, migrate, use_wal};

use super::{Cotation, History, HistoryLine, Recorder, error};
use crate::Error;

/// The version of the database schema this kine-tarif writes and reads
/// (`PRAGMA user_version`). A file of a later version is refused.
pub const SCHEMA_VERSION: u32 = 2;

/// How long a writer waits for another before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// A [`History`] and [`Recorder`] in an SQLite database file.
///
/// One connection for writing, behind a mutex, and read-only connections
/// opened as threads ask at once: the store can be shared between threads
/// (`&SqliteHistory` is `Send + Sync`) and their questions are answered
/// side by side (WAL readers). Each process opens its own `SqliteHistory`
/// on the file.
///
/// # The file
///
/// An SQLite 3 database in WAL mode, `synchronous=NORMAL`: a commit
/// survives the process being killed; a power failure may lose the last
/// commits but never leaves the file inconsistent. Several processes may
/// read and write it at once: a writer waits for another up to 10 s
/// (`busy_timeout`) instead of failing. Every write is a transaction: a
/// batch is recorded whole or not at all, even if the process is killed
/// while recording. The schema has no foreign keys (one table).
///
/// It is marked as kine-tarif's: `PRAGMA application_id` is
/// `0x4B544846` (the ASCII letters `KTHF`, *kine-tarif history file*)
/// and `PRAGMA user_version` is the schema version ([`SCHEMA_VERSION`]).
/// Opening refuses, without changing it, a file that is not an SQLite
/// database, the database of another program (another application id, or
/// none and tables of its own) and a schema newer than this version
/// knows; an empty or missing file becomes a new database.
///
/// # Schema (version 1)
///
/// ```sql
/// CREATE TABLE lines (
///     id              INTEGER PRIMARY KEY,
///     invoice_id      TEXT NOT NULL,
///     line_ref        TEXT NOT NULL,
///     practitioner_id TEXT NOT NULL,
///     patient_id      TEXT NOT NULL,
///     date            TEXT NOT NULL,    -- YYYY-MM-DD (years 0000 to 9999)
///     code            TEXT NOT NULL,    -- RIM, AMK, IFD…
///     coefficient     TEXT,             -- decimal as written ("7.50")
///     quantity        TEXT NOT NULL,    -- decimal as written
///     act_id          TEXT,
///     department      TEXT,
///     prescription_id TEXT,
///     prescriber_id   TEXT,
///     session         TEXT,
///     telesoin        INTEGER NOT NULL CHECK (telesoin IN (0, 1)),
///     time            TEXT,             -- HH:MM:SS[.fraction]
///     trip_id         TEXT,
///     recorded_at     TEXT NOT NULL,    -- UTC, YYYY-MM-DDTHH:MM:SS.SSSZ
///     UNIQUE (invoice_id, line_ref)
/// ) STRICT;
/// CREATE INDEX lines_by_practitioner ON lines (practitioner_id, date);
/// CREATE INDEX lines_by_patient ON lines (practitioner_id, patient_id, date);
/// ```
///
/// Decimals are kept as text (their written form, scale included), never
/// as floating point. Dates are text, which sorts as dates only for years
/// 0000 to 9999: a line dated outside them is refused. The index of `UNIQUE (invoice_id, line_ref)` is the
/// one recording upserts through and the one `forget` deletes by (its
/// first column is `invoice_id`); the others answer the questions.
/// `recorded_at` is when the line was last recorded (replaced lines take
/// the time of the new recording).
///
/// Version 2 adds the index the télésoin share reads a practitioner's year
/// from, covering the columns it needs, and drops `lines_by_practitioner`,
/// a prefix of it:
/// `CREATE INDEX lines_by_cotation ON lines (practitioner_id, date, code,
/// coefficient, act_id, department, telesoin, invoice_id)`.
///
/// A later schema adds a step to the migrations (`MIGRATIONS[i]` brings
/// version `i` to `i + 1`); opening applies the missing steps in one
/// transaction.
#[derive(Debug)]
pub struct SqliteHistory {
    conn: Mutex<Connection>,
    /// Read-only connections of a file, one per thread asking at once (the
    /// batch's workers): WAL lets them read side by side instead of
    /// queuing on `conn`. Opened on demand, kept for the next question.
    readers: Mutex<Vec<Connection>>,
    file: bool,
    path: PathBuf,
    store: String,
}

const _: () = {
    const fn send_sync<T: Send + Sync>() {}
    send_sync::<SqliteHistory>();
};

/// What a history database holds ([`SqliteHistory::stats`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryStats {
    /// Lines recorded.
    pub lines: u64,
    /// Distinct invoices.
    pub invoices: u64,
    /// Distinct practitioners.
    pub practitioners: u64,
    /// Distinct patient identifiers.
    pub patients: u64,
    /// Date of the earliest line (none when empty).
    pub first_date: Option<NaiveDate>,
    /// Date of the latest line.
    pub last_date: Option<NaiveDate>,
    /// The file's schema version.
    pub schema_version: u32,
}

impl SqliteHistory {
    /// Opens the history database at `path`, creating it if it does not
    /// exist (or is empty), and brings its schema up to date.
    ///
    /// Errors ([`Error::History`], naming the path): a file that is not
    /// an SQLite database or is damaged, another program's database, a
    /// schema newer than [`SCHEMA_VERSION`], an unwritable file.
    pub fn open(path: impl AsRef<Path>) -> Result<SqliteHistory, Error> {
        let path = path.as_ref().to_path_buf();
        let store = path.display().to_string();
        let conn = Connection::open(&path).map_err(|e| error(&store, describe("ouverture", &e)))?;
        SqliteHistory::setup(conn, path, store, true)
    }

    /// A new, empty history database in memory (tests, one-off checks).
    /// Its [`path`](Self::path) is `:memory:`.
    pub fn open_in_memory() -> Result<SqliteHistory, Error> {
        let store = ":memory:".to_string();
        let conn =
            Connection::open_in_memory().map_err(|e| error(&store, describe("ouverture", &e)))?;
        SqliteHistory::setup(conn, PathBuf::from(&store), store, false)
    }

    fn setup(
        mut conn: Connection,
        path: PathBuf,
        store: String,
        file: bool,
    ) -> Result<SqliteHistory, Error> {
        let fail = |e: rusqlite::Error| open_error(&store, &e);
        conn.busy_timeout(BUSY_TIMEOUT).map_err(fail)?;
        // Whose file is it? Asked before anything is changed in it.
        let version = accept(&store, identify(&conn).map_err(fail)?)?;
        if file {
            let mode = use_wal(&conn).map_err(fail)?;
            if !mode.eq_ignore_ascii_case("wal") {
                return Err(error(
                    &store,
                    format!("le mode WAL n'a pas pu être activé (mode : {mode})"),
                ));
            }
        }
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(fail)?;
        if version < SCHEMA_VERSION {
            migrate(&mut conn, &store)?;
        }
        Ok(SqliteHistory {
            conn: Mutex::new(conn),
            readers: Mutex::new(Vec::new()),
            file,
            path,
            store,
        })
    }

    /// The path of the database (`:memory:` for one in memory).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Records `lines` in one transaction, reading them one at a time (a
    /// bulk import of millions of lines is not held in memory); returns
    /// how many were new. All or none: an error, or the process ending,
    /// before the end records none of them.
    pub fn record_iter(
        &mut self,
        lines: impl IntoIterator<Item = HistoryLine>,
    ) -> Result<usize, Error> {
        self.upsert(lines.into_iter().map(Ok))
    }

    /// [`SqliteHistory::record_iter`] over lines that may fail to come
    /// (a file read as it is recorded, [`super::HistoryRows`]): the first
    /// error cancels the transaction, nothing is recorded, and it is
    /// returned.
    pub fn record_results(
        &mut self,
        lines: impl IntoIterator<Item = Result<HistoryLine, Error>>,
    ) -> Result<usize, Error> {
        self.upsert(lines)
    }

    /// What the database holds: counts, the dates spanned, the schema
    /// version.
    pub fn stats(&self) -> Result<HistoryStats, Error> {
        let conn = self.lock()?;
        let fail = |e: rusqlite::Error| error(&self.store, describe("lecture", &e));
        let (counts, first, last) = conn
            .query_row(
                "SELECT count(*), count(DISTINCT invoice_id), count(DISTINCT practitioner_id),
                        count(DISTINCT patient_id), min(date), max(date)
                 FROM lines",
                [],
                |r| {
                    let counts: [i64; 4] = [r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?];
                    Ok((
                        counts,
                        r.get::<_, Option<String>>(4)?,
                        r.get::<_, Option<String>>(5)?,
                    ))
                },
            )
            .map_err(fail)?;
        let version: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(fail)?;
        let count = |n: i64| u64::try_from(n).unwrap_or(0);
        let date = |text: Option<String>, which: &str| {
            text.map(|t| {
                t.parse::<NaiveDate>()
                    .map_err(|_| error(&self.store, format!("date {which} illisible : « {t} »")))
            })
            .transpose()
        };
        Ok(HistoryStats {
            lines: count(counts[0]),
            invoices: count(counts[1]),
            practitioners: count(counts[2]),
            patients: count(counts[3]),
            first_date: date(first, "la plus ancienne")?,
            last_date: date(last, "la plus récente")?,
            schema_version: u32::try_from(version).unwrap_or(0),
        })
    }

    /// The practitioners with recorded lines, distinct, sorted.
    pub fn practitioners(&self) -> Result<Vec<String>, Error> {
        let conn = self.lock()?;
        let fail = |e: rusqlite::Error| error(&self.store, describe("lecture", &e));
        let mut stmt = conn
            .prepare_cached("SELECT DISTINCT practitioner_id FROM lines ORDER BY practitioner_id")
            .map_err(fail)?;
        let names = stmt
            .query_map([], |r| r.get::<_, String>(0))
            .map_err(fail)?
            .collect::<Result<Vec<_>, _>>()
            .map_err(fail)?;
        Ok(names)
    }

    fn lock(&self) -> Result<MutexGuard<'_, Connection>, Error> {
        self.conn.lock().map_err(|_| error(&self.store, POISONED))
    }

    /// The lines one of the two questions selects.
    fn select(
        &self,
        sql: &str,
        params: &[&dyn rusqlite::ToSql],
    ) -> Result<Vec<HistoryLine>, Error> {
        self.with_reader(|conn| self.select_on(conn, sql, params))
    }

    /// Runs `f` on a connection that reads: one of the pool's for a file
    /// (opened when none is free), the connection itself in memory.
    fn with_reader<T>(&self, f: impl FnOnce(&Connection) -> Result<T, Error>) -> Result<T, Error> {
        if !self.file {
            return f(&*self.lock()?);
        }
        let fail = |e: rusqlite::Error| error(&self.store, describe("lecture", &e));
        let pool = || {
            self.readers
                .lock()
                .map_err(|_| error(&self.store, POISONED))
        };
        let reader = match pool()?.pop() {
            Some(c) => c,
            None => {
                let c = Connection::open_with_flags(
                    &self.path,
                    rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY
                        | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
                )
                .map_err(fail)?;
                c.busy_timeout(BUSY_TIMEOUT).map_err(fail)?;
                c
            }
        };
        let found = f(&reader);
        pool()?.push(reader);
        found
    }

    /// [`Self::select`] on one connection.
    fn select_on(
        &self,
        conn: &Connection,
        sql: &str,
        params: &[&dyn rusqlite::ToSql],
    ) -> Result<Vec<HistoryLine>, Error> {
        let fail = |e: rusqlite::Error| error(&self.store, describe("lecture", &e));
        let mut stmt = conn.prepare_cached(sql).map_err(fail)?;
        let mut found = stmt.query(params).map_err(fail)?;
        let mut lines = Vec::new();
        while let Some(row) = found.next().map_err(fail)? {
            let id: i64 = row.get(0).map_err(fail)?;
            let line = rows::decode(row).map_err(|problem| {
                error(
                    &self.store,
                    format!("ligne {id} de la table lines illisible : {problem}"),
                )
            })?;
            lines.push(line);
        }
        Ok(lines)
    }

    /// Records `lines` in one transaction; how many were new.
    fn upsert<L: Borrow<HistoryLine>>(
        &mut self,
        lines: impl IntoIterator<Item = Result<L, Error>>,
    ) -> Result<usize, Error> {
        let store = &self.store;
        let conn = self.conn.get_mut().map_err(|_| error(store, POISONED))?;
        let fail = |e: rusqlite::Error| {
            error(
                store,
                describe("enregistrement annulé, rien n'a été enregistré", &e),
            )
        };
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(fail)?;
        let mut new = 0;
        {
            let mut exists = tx.prepare_cached(rows::EXISTS).map_err(fail)?;
            let mut upsert = tx.prepare_cached(rows::UPSERT).map_err(fail)?;
            for line in lines {
                let line = line?;
                let l = line.borrow();
                let date = rows::date_text(l.date).ok_or_else(|| {
                    error(
                        store,
                        format!(
                            "facture {:?}, ligne {:?} : la date {} est hors des années 0000 à 9999 ; rien n'a été enregistré",
                            l.invoice_id,
                            l.line_ref,
                            crate::fr::Date(l.date)
                        ),
                    )
                })?;
                if !exists
                    .exists(params![l.invoice_id, l.line_ref])
                    .map_err(fail)?
                {
                    new += 1;
                }
                upsert
                    .execute(params![
                        l.invoice_id,
                        l.line_ref,
                        l.practitioner_id,
                        l.patient_id,
                        date,
                        l.code.as_str(),
                        l.coefficient.map(|c| c.to_string()),
                        l.quantity.to_string(),
                        l.act_id,
                        l.department,
                        l.prescription_id,
                        l.prescriber_id,
                        l.session,
                        l.telesoin,
                        l.time.map(|t| t.to_string()),
                        l.trip_id,
                    ])
                    .map_err(fail)?;
            }
        }
        tx.commit().map_err(fail)?;
        Ok(new)
    }
}

impl History for SqliteHistory {
    fn practitioner_lines(
        &self,
        practitioner: &str,
        dates: Range<NaiveDate>,
    ) -> Result<Vec<HistoryLine>, Error> {
        let (start, end) = (rows::bound_text(dates.start), rows::bound_text(dates.end));
        self.select(rows::BY_PRACTITIONER, params![practitioner, start, end])
    }

    fn patient_lines(
        &self,
        practitioner: &str,
        patient: &str,
        dates: Range<NaiveDate>,
    ) -> Result<Vec<HistoryLine>, Error> {
        let (start, end) = (rows::bound_text(dates.start), rows::bound_text(dates.end));
        self.select(rows::BY_PATIENT, params![practitioner, patient, start, end])
    }

    fn practitioner_cotations(
        &self,
        practitioner: &str,
        dates: Range<NaiveDate>,
        each: &mut dyn FnMut(Cotation<'_>),
    ) -> Result<(), Error> {
        let (start, end) = (rows::bound_text(dates.start), rows::bound_text(dates.end));
        self.with_reader(|conn| {
            let fail = |e: rusqlite::Error| error(&self.store, describe("lecture", &e));
            let mut stmt = conn.prepare_cached(rows::COTATIONS).map_err(fail)?;
            let mut found = stmt
                .query(params![practitioner, start, end])
                .map_err(fail)?;
            while let Some(row) = found.next().map_err(fail)? {
                let cotation = rows::cotation(row).map_err(|problem| {
                    error(
                        &self.store,
                        format!("ligne du praticien {practitioner:?} illisible : {problem}"),
                    )
                })?;
                each(cotation);
            }
            Ok(())
        })
    }
}

impl Recorder for SqliteHistory {
    fn record(&mut self, lines: &[HistoryLine]) -> Result<usize, Error> {
        self.upsert(lines.iter().map(Ok))
    }

    fn forget(&mut self, invoice_id: &str) -> Result<usize, Error> {
        let store = &self.store;
        let conn = self.conn.get_mut().map_err(|_| error(store, POISONED))?;
        let fail = |e: rusqlite::Error| error(store, describe("suppression", &e));
        let mut stmt = conn
            .prepare_cached("DELETE FROM lines WHERE invoice_id = ?1")
            .map_err(fail)?;
        stmt.execute([invoice_id]).map_err(fail)
    }
}

const POISONED: &str = "une tâche a échoué en utilisant la base ; elle n'est plus utilisée par ce processus (les écritures en cours ont été annulées)";

/// An error while identifying the file: not a database, or a damaged one,
/// is said so; anything else as it is.
fn open_error(store: &str, e: &rusqlite::Error) -> Error {
    match e.sqlite_error_code() {
        Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => error(
            store,
            format!(
                "ce fichier n'est pas une base SQLite de kine-tarif, ou il est endommagé ({})",
                sqlite_code(e)
            ),
        ),
        _ => error(store, describe("ouverture", e)),
    }
}

/// An SQLite error, in French, after what was being done.
fn describe(doing: &str, e: &rusqlite::Error) -> String {
    let what = match e.sqlite_error_code() {
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => {
            "la base est occupée par un autre processus depuis plus de 10 s"
        }
        Some(ErrorCode::CannotOpen) => "impossible d'ouvrir ou de créer le fichier",
        Some(ErrorCode::PermissionDenied | ErrorCode::ReadOnly) => "écriture refusée",
        Some(ErrorCode::DiskFull) => "disque plein",
        Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase) => "la base est endommagée",
        Some(ErrorCode::SystemIoFailure) => "erreur d'entrée-sortie",
        _ => "erreur SQLite",
    };
    format!("{doing} : {what} ({})", sqlite_code(e))
}

/// The SQLite error's number, for a support request (its text is
/// SQLite's, in English).
fn sqlite_code(e: &rusqlite::Error) -> String {
    match e {
        rusqlite::Error::SqliteFailure(f, _) => format!("code SQLite {}", f.extended_code),
        _ => "erreur de la bibliothèque SQLite".to_string(),
    }
}
