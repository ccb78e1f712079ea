//! The output rows on their way out (binary only): the batch engine writes
//! its usual CSV (commas, dot decimals) or JSON lines; when the output
//! goes elsewhere than as it is — a French spreadsheet's dialect
//! (semicolons and decimal commas), an XLSX workbook, an HTML report —
//! a [`Tap`] between the engine and the output cuts what is written into
//! rows and hands each to its [`Sink`]s, and writes it on in the dialect
//! asked for. Without any of these the engine writes to the output
//! directly: the usual path pays nothing.
//!
//! A row is its fields by the CSV header's column names: the JSON lines'
//! objects are read into the same fields (`findings` as the codes joined
//! by `;`, `message` as the messages joined by ` | `, as the CSV has them).

use std::io::{self, Write};

use kine_tarif::Error;
use kine_tarif::batch::{OUTPUT_COLUMNS, REPRICE_COLUMNS, Restart, SPLIT_COLUMNS};

use crate::cli_io::ReadSeek;

/// The CSV dialect of the output (`price --dialect`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Dialect {
    /// Comme l'entrée : points-virgules et virgules décimales quand son
    /// en-tête est séparé par des points-virgules (export de tableur) ou
    /// que c'est un classeur XLSX, virgules et points décimaux sinon.
    Auto,
    /// Virgules et points décimaux.
    Comma,
    /// Points-virgules et virgules décimales.
    Semicolon,
}

/// The output columns that say which line a row is: `row` to
/// `coefficient_in`, as the input had them.
pub const LINE_COLUMNS: &[&str] = OUTPUT_COLUMNS.split_at(6).0;

/// Output columns holding a decimal number (written with a decimal comma
/// in the semicolon dialect).
const NUMERIC: [&str; 12] = [
    "coefficient",
    "unit_value",
    "quantity",
    "amount",
    "billed_amount",
    "reprice_coefficient",
    "reprice_unit_value",
    "reprice_amount",
    "amo_rate",
    "amo_amount",
    "patient_amount",
    "franchise",
];

/// Whether an output column holds a decimal number.
pub fn is_numeric(column: &str) -> bool {
    NUMERIC.contains(&column)
}

/// Something that takes the output rows.
pub trait Sink {
    /// One row: `header` are the column names, `fields` the row's values
    /// in the same order.
    fn row(&mut self, header: &[String], fields: &[String]);
    /// The engine started the output over (an input that turned out not
    /// to be grouped): forget the rows seen.
    fn reset(&mut self);
}

/// Cuts the engine's output into rows: see the module documentation.
pub struct Tap<'s, W: Restart> {
    /// Where the rows go on, in `semicolon` dialect or as they came;
    /// `None` when only the sinks take them (an XLSX output).
    inner: Option<W>,
    semicolon: bool,
    jsonl: bool,
    header: Option<Vec<String>>,
    numeric: Vec<bool>,
    pending: Vec<u8>,
    /// How far `pending` was scanned, and whether that point is inside
    /// quotes.
    scanned: usize,
    quoted: bool,
    fields: Vec<String>,
    line: Vec<u8>,
    sinks: Vec<&'s mut dyn Sink>,
}

impl<'s, W: Restart> Tap<'s, W> {
    pub fn new(
        inner: Option<W>,
        semicolon: bool,
        jsonl: bool,
        sinks: Vec<&'s mut dyn Sink>,
    ) -> Self {
        Tap {
            inner,
            semicolon,
            jsonl,
            header: None,
            numeric: Vec::new(),
            pending: Vec::new(),
            scanned: 0,
            quoted: false,
            fields: Vec::new(),
            line: Vec::new(),
            sinks,
        }
    }

    /// Every complete record in `pending`, handed on.
    fn drain(&mut self) -> io::Result<()> {
        let mut pending = std::mem::take(&mut self.pending);
        let mut start = 0;
        let mut i = self.scanned;
        let result = loop {
            let rest = pending.get(i..).unwrap_or_default();
            let hit = if self.jsonl {
                memchr::memchr(b'\n', rest)
            } else {
                memchr::memchr2(b'"', b'\n', rest)
            };
            let Some(k) = hit else { break Ok(()) };
            let at = i + k;
            if pending.get(at) == Some(&b'"') {
                self.quoted = !self.quoted;
            } else if !self.quoted {
                if let Err(e) = self.record(pending.get(start..at).unwrap_or_default()) {
                    break Err(e);
                }
                start = at + 1;
            }
            i = at + 1;
        };
        pending.drain(..start);
        self.scanned = pending.len();
        self.pending = pending;
        result
    }

    fn record(&mut self, bytes: &[u8]) -> io::Result<()> {
        let bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
        let text = String::from_utf8_lossy(bytes);
        if self.jsonl {
            if self.header.is_none() {
                self.set_header(json_header(&text));
            }
            let header = self.header.as_deref().unwrap_or_default();
            self.fields = json_fields(header, &text);
            if let Some(w) = self.inner.as_mut() {
                w.write_all(bytes)?;
                w.write_all(b"\n")?;
            }
        } else {
            split_csv_into(&text, &mut self.fields);
            if self.header.is_none() {
                let header = self.fields.clone();
                self.write_on(true)?;
                self.set_header(header);
                return Ok(());
            }
            self.write_on(false)?;
        }
        let header = self.header.as_deref().unwrap_or_default();
        for s in self.sinks.iter_mut() {
            s.row(header, &self.fields);
        }
        Ok(())
    }

    fn set_header(&mut self, header: Vec<String>) {
        self.numeric = header.iter().map(|c| is_numeric(c)).collect();
        self.header = Some(header);
    }

    /// The current CSV record, on to the output in its dialect.
    fn write_on(&mut self, is_header: bool) -> io::Result<()> {
        let Some(w) = self.inner.as_mut() else {
            return Ok(());
        };
        let sep = if self.semicolon { b';' } else { b',' };
        self.line.clear();
        for (k, f) in self.fields.iter().enumerate() {
            if k > 0 {
                self.line.push(sep);
            }
            let comma = self.semicolon
                && !is_header
                && self.numeric.get(k).copied().unwrap_or(false)
                && is_plain_number(f);
            if comma {
                self.line
                    .extend(f.bytes().map(|b| if b == b'.' { b',' } else { b }));
            } else {
                push_field(&mut self.line, f, sep);
            }
        }
        self.line.push(b'\n');
        w.write_all(&self.line)
    }

    /// The rest (a last record without its line end), handed on, and the
    /// output flushed.
    pub fn finish(&mut self) -> io::Result<()> {
        if !self.pending.is_empty() {
            self.pending.push(b'\n');
            self.drain()?;
        }
        match self.inner.as_mut() {
            Some(w) => w.flush(),
            None => Ok(()),
        }
    }
}

/// `-12.50` and the like: digits with at most one dot.
fn is_plain_number(f: &str) -> bool {
    let digits = f.strip_prefix('-').unwrap_or(f);
    !digits.is_empty()
        && digits.bytes().filter(|&b| b == b'.').count() <= 1
        && digits.bytes().all(|b| b.is_ascii_digit() || b == b'.')
}

/// A field written as CSV: quoted when it holds the separator, a quote or
/// a line end.
fn push_field(out: &mut Vec<u8>, f: &str, sep: u8) {
    if f.bytes()
        .any(|b| b == sep || b == b'"' || b == b'\n' || b == b'\r')
    {
        out.push(b'"');
        for b in f.bytes() {
            if b == b'"' {
                out.push(b'"');
            }
            out.push(b);
        }
        out.push(b'"');
    } else {
        out.extend_from_slice(f.as_bytes());
    }
}

/// The fields of one CSV record as the engine writes it (commas, fields
/// quoted with doubled quotes inside), into `fields` (its strings reused).
pub fn split_csv_into(line: &str, fields: &mut Vec<String>) {
    let mut n = 0;
    let mut next = |fields: &mut Vec<String>| -> usize {
        if n == fields.len() {
            fields.push(String::new());
        }
        if let Some(f) = fields.get_mut(n) {
            f.clear();
        }
        n += 1;
        n - 1
    };
    if !line.contains('"') {
        for part in line.split(',') {
            let k = next(fields);
            if let Some(f) = fields.get_mut(k) {
                f.push_str(part);
            }
        }
    } else {
        let mut k = next(fields);
        let mut quoted = false;
        let mut chars = line.chars().peekable();
        while let Some(c) = chars.next() {
            match (c, quoted) {
                ('"', true) if chars.peek() == Some(&'"') => {
                    chars.next();
                    if let Some(f) = fields.get_mut(k) {
                        f.push('"');
                    }
                }
                ('"', _) => quoted = !quoted,
                (',', false) => k = next(fields),
                (c, _) => {
                    if let Some(f) = fields.get_mut(k) {
                        f.push(c);
                    }
                }
            }
        }
    }
    fields.truncate(n);
}

/// The columns of the JSON lines, in the CSV's order: the output columns,
/// then the reprice and split ones the first line has.
fn json_header(first: &str) -> Vec<String> {
    let value: serde_json::Value = serde_json::from_str(first).unwrap_or_default();
    let has = |c: &str| value.get(c).is_some();
    OUTPUT_COLUMNS
        .iter()
        .chain(REPRICE_COLUMNS.iter().filter(|c| has(c)))
        .chain(SPLIT_COLUMNS.iter().filter(|c| has(c)))
        .map(|c| c.to_string())
        .collect()
}

/// A JSON line's fields by `header`.
fn json_fields(header: &[String], line: &str) -> Vec<String> {
    let value: serde_json::Value = serde_json::from_str(line).unwrap_or_default();
    let findings = value.get("findings").and_then(|f| f.as_array());
    let joined = |key: &str, sep: &str| {
        findings
            .map(|fs| {
                fs.iter()
                    .filter_map(|f| f.get(key).and_then(|v| v.as_str()))
                    .collect::<Vec<_>>()
                    .join(sep)
            })
            .unwrap_or_default()
    };
    header
        .iter()
        .map(|c| match c.as_str() {
            "findings" => joined("code", ";"),
            "message" => joined("message", " | "),
            _ => match value.get(c) {
                Some(serde_json::Value::String(s)) => s.clone(),
                Some(serde_json::Value::Null) | None => String::new(),
                Some(v) => v.to_string(),
            },
        })
        .collect()
}

impl<W: Restart> Write for Tap<'_, W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.pending.extend_from_slice(buf);
        self.drain()?;
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        match self.inner.as_mut() {
            Some(w) => w.flush(),
            None => Ok(()),
        }
    }
}

impl<W: Restart> Restart for Tap<'_, W> {
    fn restart(&mut self) -> io::Result<()> {
        self.pending.clear();
        self.scanned = 0;
        self.quoted = false;
        self.header = None;
        for s in self.sinks.iter_mut() {
            s.reset();
        }
        match self.inner.as_mut() {
            Some(w) => w.restart(),
            None => Ok(()),
        }
    }
    fn can_restart(&self) -> bool {
        self.inner.as_ref().is_none_or(|w| w.can_restart())
    }
}

/// No output of its own: the rows only go to the sinks.
pub struct Nowhere;

impl Write for Nowhere {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Restart for Nowhere {
    fn restart(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The dialect of an input from its first line: semicolons and no comma
/// (as the engine reads it).
pub fn semicolon_header(first_line: &[u8]) -> bool {
    first_line.contains(&b';') && !first_line.contains(&b',')
}

/// Whether the input's first line (up to 64 KiB) is separated by
/// semicolons; the reader is put back at its start.
pub fn semicolon_input(reader: &mut Box<dyn ReadSeek>) -> Result<bool, Error> {
    use std::io::{Read, Seek};
    reader.rewind().map_err(Error::Input)?;
    let mut head = Vec::new();
    (&mut *reader)
        .take(1 << 16)
        .read_to_end(&mut head)
        .map_err(Error::Input)?;
    reader.rewind().map_err(Error::Input)?;
    let end = memchr::memchr(b'\n', &head).unwrap_or(head.len());
    Ok(semicolon_header(head.get(..end).unwrap_or_default()))
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Rows(Vec<Vec<String>>);
    impl Sink for Rows {
        fn row(&mut self, _: &[String], fields: &[String]) {
            self.0.push(fields.to_vec());
        }
        fn reset(&mut self) {
            self.0.clear();
        }
    }

    #[test]
    fn semicolons_and_decimal_commas_in_chunks() {
        let engine = "row,code,coefficient,amount,message\n\
                      1,RIM,7.50,16.58,\n\
                      2,AMS,\"7,5\",,\"a, \"\"b\"\"\nc\"\n";
        let mut rows = Rows(Vec::new());
        let mut out = Vec::new();
        {
            let mut tap = Tap::new(
                Some(kine_tarif::batch::Once(&mut out)),
                true,
                false,
                vec![&mut rows],
            );
            // Cut anywhere, even inside a quoted field.
            for chunk in engine.as_bytes().chunks(7) {
                tap.write_all(chunk).unwrap();
            }
            tap.finish().unwrap();
        }
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            "row;code;coefficient;amount;message\n1;RIM;7,50;16,58;\n2;AMS;7,5;;\"a, \"\"b\"\"\nc\"\n"
        );
        assert_eq!(rows.0.len(), 2);
        assert_eq!(rows.0[1][4], "a, \"b\"\nc");
    }
}
