//! The CSV layer of the tariff loader: from the bytes of one file to rows
//! whose fields are read by column name.
//!
//! In: the bytes of a file of [`TARIFF_FILES`](super::TARIFF_FILES) (read
//! by [`Tariffs::from_dir`](super::Tariffs::from_dir)) or the text of an
//! embedded file. Out: a [`Table`] whose [`Row`]s [`load`](super::load)
//! turns into values, acts and coefficients. A file that is not whole is
//! refused here, before any row is read: not UTF-8, empty, cut in the
//! middle of a row (no final line break, a quote left open), a row with too
//! few or too many fields. Every error names the file, the line (the
//! header is line 1) and, where one is concerned, the column.

use std::collections::HashMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::fr::{Date, Num};
use crate::nomenclature::RowStatus;
use crate::{Code, Error, Period};

/// The text of a tariff file read from disk, or an error naming the line
/// (and the column, from the header) of the first byte that is not UTF-8.
pub(super) fn decode(file: &str, bytes: Vec<u8>) -> Result<String, Error> {
    String::from_utf8(bytes).map_err(|e| {
        let bytes = e.as_bytes();
        let at = e.utf8_error().valid_up_to();
        let before = &bytes[..at];
        let line = 1 + before.iter().filter(|&&b| b == b'\n').count() as u64;
        let line_start = before.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
        // The column: fields before the byte on its line (quotes aside),
        // named by the header when the byte is not on the header itself.
        let mut field = 0;
        let mut quoted = false;
        for &b in &bytes[line_start..at] {
            match b {
                b'"' => quoted = !quoted,
                b',' if !quoted => field += 1,
                _ => {}
            }
        }
        let header = bytes.split(|&b| b == b'\n').next().unwrap_or_default();
        let column = match std::str::from_utf8(header) {
            Ok(h) if line > 1 => h.split(',').nth(field).map_or("-", str::trim),
            _ => "-",
        };
        Error::data(
            file,
            line,
            column,
            format!(
                "l'octet 0x{:02X} (position {} de la ligne) n'est pas de l'UTF-8 : le fichier doit être enregistré en UTF-8",
                bytes[at],
                at - line_start + 1
            ),
        )
    })
}

/// Checks that the text is a whole file: not empty, every quote closed,
/// and a line break after the last row. Returns the number of lines.
fn check_whole(file: &str, text: &str) -> Result<u64, Error> {
    if text.trim().is_empty() {
        return Err(Error::data(
            file,
            1,
            "-",
            "fichier vide : il manque l'en-tête et les lignes (fichier tronqué ?)",
        ));
    }
    // A quote opens a field only at its start; `""` inside is an escaped
    // quote. A quote still open at the end means the file was cut.
    let (mut line, mut open_at) = (1u64, None);
    let mut at_field_start = true;
    let mut bytes = text.bytes().peekable();
    while let Some(b) = bytes.next() {
        match (open_at, b) {
            (None, b'"') if at_field_start => open_at = Some(line),
            (Some(_), b'"') => {
                if bytes.peek() == Some(&b'"') {
                    bytes.next();
                } else {
                    open_at = None;
                }
            }
            _ => {}
        }
        if b == b'\n' {
            line += 1;
        }
        at_field_start = open_at.is_none() && matches!(b, b',' | b'\n');
    }
    if let Some(l) = open_at {
        return Err(Error::data(
            file,
            l,
            "-",
            format!(
                "guillemet ouvert à la ligne {l} et jamais refermé : fichier coupé au milieu d'une ligne ?"
            ),
        ));
    }
    if !text.ends_with('\n') {
        return Err(Error::data(
            file,
            line,
            "-",
            format!(
                "la ligne {line}, la dernière, ne se termine pas par un saut de ligne : fichier coupé au milieu d'une ligne ? (chaque ligne, la dernière comprise, finit par un saut de ligne)"
            ),
        ));
    }
    Ok(line - 1)
}

/// A CSV table of a tariff file, with its header positions.
pub(crate) struct Table<'a> {
    file: &'a str,
    reader: csv::Reader<&'a [u8]>,
    cols: HashMap<String, usize>,
    lines: u64,
}

/// One row of a [`Table`], its fields read by column name.
pub(crate) struct Row<'a> {
    file: &'a str,
    /// Line of the row in its file (the header is line 1).
    pub line: u64,
    rec: csv::StringRecord,
    cols: &'a HashMap<String, usize>,
}

impl<'a> Table<'a> {
    /// The table of `text`, after checking the file is whole and its
    /// header has every column of `required` (in any order).
    pub fn new(file: &'a str, text: &'a str, required: &[&str]) -> Result<Table<'a>, Error> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let lines = check_whole(file, text)?;
        let mut reader = csv::ReaderBuilder::new()
            .flexible(false)
            .from_reader(text.as_bytes());
        let headers = reader
            .headers()
            .map_err(|e| Error::data(file, 1, "-", crate::error::csv_text(&e)))?
            .clone();
        let cols: HashMap<String, usize> = headers
            .iter()
            .enumerate()
            .map(|(i, h)| (h.trim().to_string(), i))
            .collect();
        for r in required {
            if !cols.contains_key(*r) {
                return Err(Error::data(file, 1, r, "colonne absente de l'en-tête"));
            }
        }
        Ok(Table {
            file,
            reader,
            cols,
            lines,
        })
    }

    /// The number of lines of the file, the header included.
    pub fn lines(&self) -> u64 {
        self.lines
    }

    /// Calls `f` on every row, in file order; stops at the first error.
    pub fn for_each(
        &mut self,
        mut f: impl FnMut(&Row<'_>) -> Result<(), Error>,
    ) -> Result<(), Error> {
        let mut rec = csv::StringRecord::new();
        loop {
            match self.reader.read_record(&mut rec) {
                Ok(false) => return Ok(()),
                Ok(true) => {
                    let line = rec.position().map(|p| p.line()).unwrap_or(0);
                    let row = Row {
                        file: self.file,
                        line,
                        rec: rec.clone(),
                        cols: &self.cols,
                    };
                    f(&row)?;
                }
                Err(e) => {
                    let line = e.position().map(|p| p.line()).unwrap_or(0);
                    let message = match e.kind() {
                        csv::ErrorKind::UnequalLengths {
                            expected_len, len, ..
                        } => format!(
                            "{len} champs au lieu des {expected_len} de l'en-tête : ligne coupée, ou virgule en trop (un décimal s'écrit avec un point)"
                        ),
                        _ => crate::error::csv_text(&e),
                    };
                    return Err(Error::data(self.file, line, "-", message));
                }
            }
        }
    }
}

impl Row<'_> {
    /// An error at this row and `col`.
    pub fn err(&self, col: &str, msg: impl Into<String>) -> Error {
        Error::data(self.file, self.line, col, msg)
    }

    /// The trimmed field of `col` (empty when absent).
    pub fn get(&self, col: &str) -> &str {
        self.cols
            .get(col)
            .and_then(|&i| self.rec.get(i))
            .unwrap_or("")
            .trim()
    }

    /// A field that must not be empty.
    pub fn text(&self, col: &str) -> Result<String, Error> {
        let v = self.get(col);
        if v.is_empty() {
            return Err(self.err(col, "champ vide"));
        }
        Ok(v.to_string())
    }

    /// A `YYYY-MM-DD` date.
    pub fn date(&self, col: &str) -> Result<NaiveDate, Error> {
        let v = self.get(col);
        NaiveDate::parse_from_str(v, "%Y-%m-%d")
            .ok()
            .filter(|_| v.len() == 10)
            .ok_or(())
            .map_err(|_| self.err(col, format!("date {v:?} illisible, attendu AAAA-MM-JJ")))
    }

    /// An optional date (empty = `None`).
    pub fn opt_date(&self, col: &str) -> Result<Option<NaiveDate>, Error> {
        if self.get(col).is_empty() {
            Ok(None)
        } else {
            self.date(col).map(Some)
        }
    }

    /// A positive decimal written with digits and at most one dot, with at
    /// most `max_decimals` digits after the dot (counted as written:
    /// nothing is rounded) and at most `max`. `what` names the quantity in
    /// the messages.
    pub fn decimal(
        &self,
        col: &str,
        max_decimals: usize,
        max: Decimal,
        what: &str,
    ) -> Result<Decimal, Error> {
        let v = self.get(col);
        let (int, frac) = v.split_once('.').unwrap_or((v, ""));
        let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        let well_formed =
            !int.is_empty() && digits(int) && digits(frac) && !(v.contains('.') && frac.is_empty());
        let d = v
            .parse::<Decimal>()
            .ok()
            .filter(|_| well_formed)
            .ok_or_else(|| {
                self.err(
                    col,
                    format!("nombre {v:?} illisible, attendu des chiffres avec un point décimal"),
                )
            })?;
        if frac.len() > max_decimals {
            return Err(self.err(
                col,
                format!(
                    "{v:?} a {} décimales : au plus {max_decimals} pour {what} (rien n'est arrondi)",
                    frac.len()
                ),
            ));
        }
        if d.is_zero() {
            return Err(self.err(col, "zéro refusé, un nombre positif est attendu"));
        }
        if d > max {
            return Err(self.err(
                col,
                format!("{v:?} dépasse le maximum de {} pour {what}", Num(max)),
            ));
        }
        Ok(d)
    }

    /// A billing code.
    pub fn code(&self, col: &str) -> Result<Code, Error> {
        let v = self.get(col);
        Code::from_bytes(v.as_bytes()).ok_or_else(|| self.err(col, format!("code {v:?} inconnu")))
    }

    /// The half-open period of `valid_from` and `valid_to`.
    pub fn period(&self) -> Result<Period, Error> {
        let from = self.date("valid_from")?;
        let to = self.opt_date("valid_to")?;
        if let Some(t) = to
            && t <= from
        {
            return Err(self.err(
                "valid_to",
                format!(
                    "période dans le désordre : valid_to ({}) n'est pas après valid_from ({})",
                    Date(t),
                    Date(from)
                ),
            ));
        }
        Ok(Period::new(from, to))
    }

    /// The `status` column of a value or coefficient row.
    pub fn status(&self) -> Result<RowStatus, Error> {
        let v = self.get("status");
        RowStatus::parse(v).ok_or_else(|| {
            self.err(
                "status",
                format!(
                    "statut {v:?} inconnu : attendu \"in_force\", \"conditional\" ou \"unknown\""
                ),
            )
        })
    }
}
