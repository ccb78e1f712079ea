//! A history line to and from a row of `lines`: the statements, the dates
//! as sortable text, and the reading back of a row, which says what is
//! wrong with a value instead of failing.

use std::str::FromStr;

use chrono::{Datelike, NaiveDate};
use rusqlite::Row;
use rusqlite::types::ValueRef;

use crate::Code;
use crate::history::{Cotation, HistoryLine};

/// The columns read back, in [`decode`]'s order (`id` first).
macro_rules! columns {
    () => {
        "id, invoice_id, line_ref, practitioner_id, patient_id, date, code, coefficient, \
         quantity, act_id, department, prescription_id, prescriber_id, session, telesoin, \
         time, trip_id"
    };
}

/// The names of [`columns!`], for the messages.
pub(super) const NAMES: [&str; 17] = [
    "id",
    "invoice_id",
    "line_ref",
    "practitioner_id",
    "patient_id",
    "date",
    "code",
    "coefficient",
    "quantity",
    "act_id",
    "department",
    "prescription_id",
    "prescriber_id",
    "session",
    "telesoin",
    "time",
    "trip_id",
];

/// The selected columns, as in the statements.
#[cfg(test)]
pub(super) const COLUMNS: &str = columns!();

/// A practitioner's lines between two dates (half-open).
pub(super) const BY_PRACTITIONER: &str = concat!(
    "SELECT ",
    columns!(),
    " FROM lines WHERE practitioner_id = ?1 AND date >= ?2 AND date < ?3"
);

/// A patient's lines with a practitioner between two dates (half-open).
/// No `ORDER BY` (the lines may come in any order): with one, SQLite 3.53
/// without statistics reads the practitioner's index instead of this one.
pub(super) const BY_PATIENT: &str = concat!(
    "SELECT ",
    columns!(),
    " FROM lines WHERE practitioner_id = ?1 AND patient_id = ?2 AND date >= ?3 AND date < ?4"
);

/// The cotations of a practitioner's lines between two dates (half-open),
/// from the covering index `lines_by_cotation`.
pub(super) const COTATIONS: &str = "SELECT invoice_id, date, code, coefficient, act_id, department, telesoin \
     FROM lines INDEXED BY lines_by_cotation WHERE practitioner_id = ?1 AND date >= ?2 AND date < ?3";

/// Whether a line is recorded already.
pub(super) const EXISTS: &str = "SELECT 1 FROM lines WHERE invoice_id = ?1 AND line_ref = ?2";

/// Records a line, replacing the one of the same references.
pub(super) const UPSERT: &str = "INSERT INTO lines (invoice_id, line_ref, practitioner_id, \
    patient_id, date, code, coefficient, quantity, act_id, department, prescription_id, \
    prescriber_id, session, telesoin, time, trip_id, recorded_at) \
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, \
    strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) \
    ON CONFLICT (invoice_id, line_ref) DO UPDATE SET \
    practitioner_id = excluded.practitioner_id, patient_id = excluded.patient_id, \
    date = excluded.date, code = excluded.code, coefficient = excluded.coefficient, \
    quantity = excluded.quantity, act_id = excluded.act_id, department = excluded.department, \
    prescription_id = excluded.prescription_id, prescriber_id = excluded.prescriber_id, \
    session = excluded.session, telesoin = excluded.telesoin, time = excluded.time, \
    trip_id = excluded.trip_id, recorded_at = excluded.recorded_at";

/// A line's date as stored: `YYYY-MM-DD`, which sorts as dates do for
/// years 0000 to 9999; none outside them.
pub(super) fn date_text(date: NaiveDate) -> Option<String> {
    (0..=9999).contains(&date.year()).then(|| iso(date))
}

/// `YYYY-MM-DD` from the date's numbers (chrono's `format` goes through
/// a formatter valgrind flags in the C library's tests).
fn iso(date: NaiveDate) -> String {
    format!("{:04}-{:02}-{:02}", date.year(), date.month(), date.day())
}

/// A bound of a question's dates, as text that compares with the stored
/// dates as the date does with theirs (before year 0: before them all;
/// after 9999: after them all).
pub(super) fn bound_text(date: NaiveDate) -> String {
    match date.year() {
        ..0 => "0000-01-01".to_string(),
        10000.. => "9999-99-99".to_string(),
        _ => iso(date),
    }
}

/// The history line of a row selected with [`columns!`], or what is wrong
/// with it (column and value).
pub(super) fn decode(row: &Row<'_>) -> Result<HistoryLine, String> {
    let mut c = Columns {
        row,
        next: 1,
        names: &NAMES,
    };
    Ok(HistoryLine {
        invoice_id: c.text()?,
        line_ref: c.text()?,
        practitioner_id: c.text()?,
        patient_id: c.text()?,
        date: c.parsed("une date AAAA-MM-JJ")?,
        code: c.parsed::<Code>("un code connu")?,
        coefficient: c.opt_parsed("un nombre décimal")?,
        quantity: c.parsed("un nombre décimal")?,
        act_id: c.opt_text()?,
        department: c.opt_text()?,
        prescription_id: c.opt_text()?,
        prescriber_id: c.opt_text()?,
        session: c.opt_text()?,
        telesoin: c.flag()?,
        time: c.opt_parsed("une heure HH:MM:SS")?,
        trip_id: c.opt_text()?,
    })
}

/// The names of the columns of [`COTATIONS`].
const COTATION_NAMES: [&str; 7] = [
    "invoice_id",
    "date",
    "code",
    "coefficient",
    "act_id",
    "department",
    "telesoin",
];

/// A row of [`COTATIONS`], borrowed from the row (nothing allocated).
pub(super) fn cotation<'r>(row: &'r Row<'_>) -> Result<Cotation<'r>, String> {
    let mut c = Columns {
        row,
        next: 0,
        names: &COTATION_NAMES,
    };
    Ok(Cotation {
        invoice_id: c.str()?.1,
        date: c.parsed("une date AAAA-MM-JJ")?,
        code: c.parsed::<Code>("un code connu")?,
        coefficient: c.opt_parsed("un nombre décimal")?,
        act_id: c.opt_str()?.1,
        department: c.opt_str()?.1,
        telesoin: c.flag()?,
    })
}

/// The columns of a row, read in order.
struct Columns<'r, 's> {
    row: &'r Row<'s>,
    next: usize,
    names: &'static [&'static str],
}

impl<'r> Columns<'r, '_> {
    /// The next column's name and value.
    fn value(&mut self) -> Result<(&'static str, ValueRef<'r>), String> {
        let i = self.next;
        self.next += 1;
        let name = self.names.get(i).copied().unwrap_or("?");
        let value = self
            .row
            .get_ref(i)
            .map_err(|e| format!("colonne {name} : {e}"))?;
        Ok((name, value))
    }

    fn opt_str(&mut self) -> Result<(&'static str, Option<&'r str>), String> {
        let (name, value) = self.value()?;
        match value {
            ValueRef::Null => Ok((name, None)),
            ValueRef::Text(bytes) => std::str::from_utf8(bytes)
                .map(|s| (name, Some(s)))
                .map_err(|_| format!("colonne {name} : texte qui n'est pas de l'UTF-8")),
            other => Err(format!(
                "colonne {name} : texte attendu, trouvé {}",
                kind(other)
            )),
        }
    }

    fn str(&mut self) -> Result<(&'static str, &'r str), String> {
        match self.opt_str()? {
            (name, Some(s)) => Ok((name, s)),
            (name, None) => Err(format!("colonne {name} : valeur absente (NULL)")),
        }
    }

    fn text(&mut self) -> Result<String, String> {
        Ok(self.str()?.1.to_string())
    }

    fn opt_text(&mut self) -> Result<Option<String>, String> {
        Ok(self.opt_str()?.1.map(str::to_string))
    }

    fn parsed<T: FromStr>(&mut self, expected: &str) -> Result<T, String> {
        let (name, s) = self.str()?;
        parse(name, s, expected)
    }

    fn opt_parsed<T: FromStr>(&mut self, expected: &str) -> Result<Option<T>, String> {
        match self.opt_str()? {
            (name, Some(s)) => parse(name, s, expected).map(Some),
            (_, None) => Ok(None),
        }
    }

    fn flag(&mut self) -> Result<bool, String> {
        match self.value()? {
            (_, ValueRef::Integer(0)) => Ok(false),
            (_, ValueRef::Integer(1)) => Ok(true),
            (name, ValueRef::Integer(n)) => Err(format!("colonne {name} : {n} au lieu de 0 ou 1")),
            (name, other) => Err(format!(
                "colonne {name} : 0 ou 1 attendu, trouvé {}",
                kind(other)
            )),
        }
    }
}

fn parse<T: FromStr>(name: &str, s: &str, expected: &str) -> Result<T, String> {
    s.parse()
        .map_err(|_| format!("colonne {name} : « {s} » n'est pas {expected}"))
}

fn kind(value: ValueRef<'_>) -> &'static str {
    match value {
        ValueRef::Null => "une valeur absente (NULL)",
        ValueRef::Integer(_) => "un entier",
        ValueRef::Real(_) => "un nombre à virgule flottante",
        ValueRef::Text(_) => "un texte",
        ValueRef::Blob(_) => "des octets (BLOB)",
    }
}
