//! Arrow columns into the batch engine's input: the known invoice columns
//! of each record batch ([`crate::batch`]'s names, matched as the CSV
//! header is: trimmed, any case) written as CSV rows, one per table row,
//! in order. Other columns are left out.
//!
//! Each cell is written as the text the CSV reader would have been given:
//! strings as they are, integers and decimals in full, dates as
//! `YYYY-MM-DD`, booleans as `1` / `0`, nulls as empty fields. Floats and
//! timestamps are refused, naming the column: a binary float cannot hold
//! 16.55 exactly, and a timestamp's day depends on a time zone.

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Decimal32Type, Decimal64Type, Decimal128Type, Int8Type, Int16Type, Int32Type, Int64Type,
    UInt8Type, UInt16Type, UInt32Type, UInt64Type,
};
use arrow_array::{Array, RecordBatch};
use arrow_schema::{DataType, Schema};
use chrono::NaiveDate;

use crate::Error;
use crate::batch::parse::SLOT_NAMES;

/// The known columns of a schema: each one's index in the batches and its
/// name as the engine knows it; the first column of a name wins, as in a
/// CSV header.
pub(super) fn known_columns(schema: &Schema) -> Vec<(usize, &'static str)> {
    let mut cols: Vec<(usize, &'static str)> = Vec::new();
    for (i, field) in schema.fields().iter().enumerate() {
        let name = field.name().trim();
        if let Some(known) = SLOT_NAMES.iter().find(|n| n.eq_ignore_ascii_case(name))
            && !cols.iter().any(|(_, k)| k == known)
        {
            cols.push((i, known));
        }
    }
    cols
}

/// The CSV header of the known columns.
fn header(cols: &[(usize, &'static str)], out: &mut Vec<u8>) {
    for (k, (_, name)) in cols.iter().enumerate() {
        if k > 0 {
            out.push(b',');
        }
        out.extend_from_slice(name.as_bytes());
    }
    out.push(b'\n');
}

/// The CSV text of `batches` (header, then rows), written by up to
/// `threads` threads, each a run of whole batches: the parts in order.
pub(super) struct Csv(Vec<Vec<u8>>);

impl Csv {
    /// Its length in bytes.
    pub(super) fn len(&self) -> usize {
        self.0.iter().map(Vec::len).sum()
    }

    /// A reader of the parts one after the other.
    pub(super) fn reader(&self) -> Parts<'_> {
        Parts {
            parts: &self.0,
            at: (0, 0),
        }
    }
}

/// Reads parts one after the other.
pub(super) struct Parts<'a> {
    parts: &'a [Vec<u8>],
    /// The part and the position in it.
    at: (usize, usize),
}

impl std::io::Seek for Parts<'_> {
    fn seek(&mut self, to: std::io::SeekFrom) -> std::io::Result<u64> {
        let len: u64 = self.parts.iter().map(|p| p.len() as u64).sum();
        let here: u64 = self
            .parts
            .iter()
            .take(self.at.0)
            .map(|p| p.len() as u64)
            .sum::<u64>()
            + self.at.1 as u64;
        let target = match to {
            std::io::SeekFrom::Start(n) => Some(n),
            std::io::SeekFrom::End(d) => len.checked_add_signed(d),
            std::io::SeekFrom::Current(d) => here.checked_add_signed(d),
        }
        .filter(|&t| t <= len)
        .ok_or_else(|| std::io::Error::other("position hors du texte"))?;
        let mut rest = target;
        self.at = (self.parts.len(), 0);
        for (i, p) in self.parts.iter().enumerate() {
            if rest <= p.len() as u64 {
                self.at = (i, rest as usize);
                break;
            }
            rest -= p.len() as u64;
        }
        Ok(target)
    }
}

impl std::io::Read for Parts<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while let Some(part) = self.parts.get(self.at.0) {
            let rest = part.get(self.at.1..).unwrap_or_default();
            if rest.is_empty() {
                self.at = (self.at.0 + 1, 0);
                continue;
            }
            let n = rest.len().min(buf.len());
            buf.get_mut(..n)
                .unwrap_or_default()
                .copy_from_slice(rest.get(..n).unwrap_or_default());
            self.at.1 += n;
            return Ok(n);
        }
        Ok(0)
    }
}

/// Writes `batches` as CSV (see [`Csv`]).
pub(super) fn csv(
    batches: &[RecordBatch],
    cols: &[(usize, &'static str)],
    threads: usize,
) -> Result<Csv, Error> {
    let sizes: Vec<usize> = batches.iter().map(RecordBatch::num_rows).collect();
    let write = |run: std::ops::Range<usize>| -> Result<Vec<u8>, Error> {
        let mut out = Vec::new();
        for b in batches.get(run).unwrap_or_default() {
            rows_of(b, cols, &mut out)?;
        }
        Ok(out)
    };
    let mut head = Vec::new();
    header(cols, &mut head);
    let mut parts = vec![head];
    let written = super::on_threads(
        super::runs(&sizes, threads),
        write,
        "lecture des colonnes Arrow interrompue",
    );
    for w in written {
        parts.push(w?);
    }
    Ok(Csv(parts))
}

/// Appends the rows of `batch` (its known columns `cols`) to `out`.
fn rows_of(
    batch: &RecordBatch,
    cols: &[(usize, &'static str)],
    out: &mut Vec<u8>,
) -> Result<(), Error> {
    let cells = cols
        .iter()
        .map(|&(i, name)| {
            let array = batch
                .columns()
                .get(i)
                .ok_or_else(|| Error::Argument(format!("colonne {name} absente d'un lot")))?;
            Cells::of(array.as_ref(), name)
        })
        .collect::<Result<Vec<_>, Error>>()?;
    out.reserve(batch.num_rows() * (cols.len() * 6 + 1));
    for row in 0..batch.num_rows() {
        for (k, c) in cells.iter().enumerate() {
            if k > 0 {
                out.push(b',');
            }
            c.write(row, out);
        }
        out.push(b'\n');
    }
    Ok(())
}

/// Whether each value of column `col` (compared as the engine does,
/// trimmed) has its rows together, in one run.
pub(super) fn grouped(batches: &[RecordBatch], col: usize) -> Result<bool, Error> {
    let mut seen: std::collections::HashSet<Vec<u8>> = std::collections::HashSet::new();
    let (mut current, mut cell) = (Vec::new(), Vec::new());
    for b in batches {
        let Some(array) = b.columns().get(col) else {
            return Ok(false);
        };
        let cells = Cells::of(array.as_ref(), "practitioner_id")?;
        for row in 0..b.num_rows() {
            cell.clear();
            cells.write(row, &mut cell);
            if cell.first() == Some(&b'"') {
                // A quoted id, compared unquoted by the engine: not
                // decided here.
                return Ok(false);
            }
            if cell.trim_ascii() != current.trim_ascii() {
                let previous = std::mem::replace(&mut current, cell.clone());
                seen.insert(previous.trim_ascii().to_vec());
                if seen.contains(current.trim_ascii()) {
                    return Ok(false);
                }
            }
        }
    }
    Ok(true)
}

/// One column, by type.
enum Cells<'a> {
    Null,
    Text(Text<'a>),
    Int(Int<'a>),
    Bool(&'a arrow_array::BooleanArray),
    Date32(&'a arrow_array::Date32Array),
    Date64(&'a arrow_array::Date64Array),
    Decimal(Dec<'a>, u32),
    /// A dictionary: the row's key, its value's cells, and the
    /// dictionary for its nulls.
    Dict(&'a dyn Array, Vec<usize>, Box<Cells<'a>>),
}

enum Text<'a> {
    Utf8(&'a arrow_array::StringArray),
    LargeUtf8(&'a arrow_array::LargeStringArray),
    Utf8View(&'a arrow_array::StringViewArray),
    Binary(&'a arrow_array::BinaryArray),
    LargeBinary(&'a arrow_array::LargeBinaryArray),
    BinaryView(&'a arrow_array::BinaryViewArray),
}

enum Int<'a> {
    I8(&'a arrow_array::Int8Array),
    I16(&'a arrow_array::Int16Array),
    I32(&'a arrow_array::Int32Array),
    I64(&'a arrow_array::Int64Array),
    U8(&'a arrow_array::UInt8Array),
    U16(&'a arrow_array::UInt16Array),
    U32(&'a arrow_array::UInt32Array),
    U64(&'a arrow_array::UInt64Array),
}

enum Dec<'a> {
    D32(&'a arrow_array::Decimal32Array),
    D64(&'a arrow_array::Decimal64Array),
    D128(&'a arrow_array::Decimal128Array),
}

impl<'a> Cells<'a> {
    fn of(a: &'a dyn Array, name: &str) -> Result<Cells<'a>, Error> {
        Ok(match a.data_type() {
            DataType::Null => Cells::Null,
            DataType::Utf8 => Cells::Text(Text::Utf8(a.as_string::<i32>())),
            DataType::LargeUtf8 => Cells::Text(Text::LargeUtf8(a.as_string::<i64>())),
            DataType::Utf8View => Cells::Text(Text::Utf8View(a.as_string_view())),
            DataType::Binary => Cells::Text(Text::Binary(a.as_binary::<i32>())),
            DataType::LargeBinary => Cells::Text(Text::LargeBinary(a.as_binary::<i64>())),
            DataType::BinaryView => Cells::Text(Text::BinaryView(a.as_binary_view())),
            DataType::Int8 => Cells::Int(Int::I8(a.as_primitive::<Int8Type>())),
            DataType::Int16 => Cells::Int(Int::I16(a.as_primitive::<Int16Type>())),
            DataType::Int32 => Cells::Int(Int::I32(a.as_primitive::<Int32Type>())),
            DataType::Int64 => Cells::Int(Int::I64(a.as_primitive::<Int64Type>())),
            DataType::UInt8 => Cells::Int(Int::U8(a.as_primitive::<UInt8Type>())),
            DataType::UInt16 => Cells::Int(Int::U16(a.as_primitive::<UInt16Type>())),
            DataType::UInt32 => Cells::Int(Int::U32(a.as_primitive::<UInt32Type>())),
            DataType::UInt64 => Cells::Int(Int::U64(a.as_primitive::<UInt64Type>())),
            DataType::Boolean => Cells::Bool(a.as_boolean()),
            DataType::Date32 => Cells::Date32(a.as_primitive()),
            DataType::Date64 => Cells::Date64(a.as_primitive()),
            DataType::Decimal32(_, s) => Cells::Decimal(
                Dec::D32(a.as_primitive::<Decimal32Type>()),
                scale(*s, name)?,
            ),
            DataType::Decimal64(_, s) => Cells::Decimal(
                Dec::D64(a.as_primitive::<Decimal64Type>()),
                scale(*s, name)?,
            ),
            DataType::Decimal128(_, s) => Cells::Decimal(
                Dec::D128(a.as_primitive::<Decimal128Type>()),
                scale(*s, name)?,
            ),
            DataType::Dictionary(_, _) => {
                let d = a
                    .as_any_dictionary_opt()
                    .ok_or_else(|| refused(name, a.data_type()))?;
                if d.values().is_empty() {
                    // Every key is null: an empty dictionary has no value.
                    Cells::Null
                } else {
                    Cells::Dict(
                        a,
                        d.normalized_keys(),
                        Box::new(Cells::of(d.values(), name)?),
                    )
                }
            }
            other => return Err(refused(name, other)),
        })
    }

    fn write(&self, row: usize, out: &mut Vec<u8>) {
        match self {
            Cells::Null => {}
            Cells::Text(t) => t.write(row, out),
            Cells::Int(i) => i.write(row, out),
            Cells::Bool(b) => {
                if b.is_valid(row) {
                    out.push(if b.value(row) { b'1' } else { b'0' });
                }
            }
            Cells::Date32(d) => {
                if d.is_valid(row) {
                    let days = i64::from(d.value(row));
                    date(days, out);
                }
            }
            Cells::Date64(d) => {
                if d.is_valid(row) {
                    date(d.value(row).div_euclid(86_400_000), out);
                }
            }
            Cells::Decimal(d, s) => {
                let v = match d {
                    Dec::D32(a) => a.is_valid(row).then(|| i128::from(a.value(row))),
                    Dec::D64(a) => a.is_valid(row).then(|| i128::from(a.value(row))),
                    Dec::D128(a) => a.is_valid(row).then(|| a.value(row)),
                };
                if let Some(v) = v {
                    decimal(v, *s, out);
                }
            }
            Cells::Dict(a, keys, values) => {
                if a.is_valid(row)
                    && let Some(&k) = keys.get(row)
                {
                    values.write(k, out);
                }
            }
        }
    }
}

impl Text<'_> {
    fn write(&self, row: usize, out: &mut Vec<u8>) {
        let bytes: Option<&[u8]> = match self {
            Text::Utf8(a) => a.is_valid(row).then(|| a.value(row).as_bytes()),
            Text::LargeUtf8(a) => a.is_valid(row).then(|| a.value(row).as_bytes()),
            Text::Utf8View(a) => a.is_valid(row).then(|| a.value(row).as_bytes()),
            Text::Binary(a) => a.is_valid(row).then(|| a.value(row)),
            Text::LargeBinary(a) => a.is_valid(row).then(|| a.value(row)),
            Text::BinaryView(a) => a.is_valid(row).then(|| a.value(row)),
        };
        if let Some(b) = bytes {
            field(b, out);
        }
    }
}

impl Int<'_> {
    fn write(&self, row: usize, out: &mut Vec<u8>) {
        let v: Option<i128> = match self {
            Int::I8(a) => a.is_valid(row).then(|| a.value(row).into()),
            Int::I16(a) => a.is_valid(row).then(|| a.value(row).into()),
            Int::I32(a) => a.is_valid(row).then(|| a.value(row).into()),
            Int::I64(a) => a.is_valid(row).then(|| a.value(row).into()),
            Int::U8(a) => a.is_valid(row).then(|| a.value(row).into()),
            Int::U16(a) => a.is_valid(row).then(|| a.value(row).into()),
            Int::U32(a) => a.is_valid(row).then(|| a.value(row).into()),
            Int::U64(a) => a.is_valid(row).then(|| a.value(row).into()),
        };
        if let Some(v) = v {
            decimal(v, 0, out);
        }
    }
}

/// A column's type that is refused, and why.
fn refused(name: &str, t: &DataType) -> Error {
    let why = match t {
        DataType::Float16 | DataType::Float32 | DataType::Float64 => {
            "un nombre à virgule flottante ne tient pas exactement un montant ou un coefficient \
             (16,55 n'y est qu'approché) : donnez la colonne en décimal (decimal128) ou en texte"
        }
        DataType::Timestamp(_, _) | DataType::Time32(_) | DataType::Time64(_) => {
            "le jour d'un horodatage dépend du fuseau : donnez une date (date32) ou un texte \
             AAAA-MM-JJ"
        }
        _ => "attendu : texte, entier, décimal, date ou booléen",
    };
    Error::Argument(format!("colonne {name} de type {t} refusée : {why}."))
}

/// A decimal's scale as a count of decimals (a negative scale is a
/// multiple of a power of ten: refused, no invoice column is one).
fn scale(s: i8, name: &str) -> Result<u32, Error> {
    u32::try_from(s).map_err(|_| {
        Error::Argument(format!(
            "colonne {name} : échelle décimale négative ({s}) refusée ; attendu un décimal \
             d'échelle 0 ou plus."
        ))
    })
}

/// A text field, quoted when it holds a comma or a quote. A line break
/// inside it becomes a space: the engine reads one row per line, and an
/// invoice field has no line break.
fn field(b: &[u8], out: &mut Vec<u8>) {
    if !b.iter().any(|&c| matches!(c, b',' | b'"' | b'\n' | b'\r')) {
        out.extend_from_slice(b);
        return;
    }
    let quote = b.iter().any(|&c| matches!(c, b',' | b'"'));
    if quote {
        out.push(b'"');
    }
    for &c in b {
        match c {
            b'"' => out.extend_from_slice(b"\"\""),
            b'\n' | b'\r' => out.push(b' '),
            c => out.push(c),
        }
    }
    if quote {
        out.push(b'"');
    }
}

/// A day count from 1970-01-01 as `YYYY-MM-DD`; a day no calendar date
/// has is written as its number (the engine then reports the field).
fn date(days: i64, out: &mut Vec<u8>) {
    let d = i32::try_from(days)
        .ok()
        .and_then(|d| d.checked_add(719_163))
        .and_then(NaiveDate::from_num_days_from_ce_opt);
    match d {
        Some(d) => {
            use std::io::Write;
            let _ = write!(out, "{}", d.format("%Y-%m-%d"));
        }
        None => decimal(i128::from(days), 0, out),
    }
}

/// An integer `v` scaled by 10^-`s` in decimal: `1655` at scale 2 is
/// `16.55`.
fn decimal(v: i128, s: u32, out: &mut Vec<u8>) {
    if v < 0 {
        out.push(b'-');
    }
    let mut digits = [0u8; 40];
    let mut n = v.unsigned_abs();
    let mut k = digits.len();
    loop {
        k -= 1;
        digits[k] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    let text = &digits[k..];
    let s = s as usize;
    if s == 0 {
        out.extend_from_slice(text);
    } else if text.len() > s {
        let (int, frac) = text.split_at(text.len() - s);
        out.extend_from_slice(int);
        out.push(b'.');
        out.extend_from_slice(frac);
    } else {
        out.extend_from_slice(b"0.");
        out.extend(std::iter::repeat_n(b'0', s - text.len()));
        out.extend_from_slice(text);
    }
}

#[cfg(test)]
mod tests {
    use super::{date, decimal, field};

    fn text(f: impl Fn(&mut Vec<u8>)) -> String {
        let mut v = Vec::new();
        f(&mut v);
        String::from_utf8(v).unwrap()
    }

    #[test]
    fn decimals_are_written_in_full() {
        assert_eq!(text(|o| decimal(1655, 2, o)), "16.55");
        assert_eq!(text(|o| decimal(-5, 3, o)), "-0.005");
        assert_eq!(text(|o| decimal(7, 0, o)), "7");
        assert_eq!(text(|o| decimal(0, 2, o)), "0.00");
        assert_eq!(
            text(|o| decimal(i128::MIN, 0, o)),
            "-170141183460469231731687303715884105728"
        );
    }

    #[test]
    fn dates_count_days_from_1970() {
        // 2024-02-22 is 19,775 days after 1970-01-01 (54 years, 13 leap
        // days: 54 × 365 + 13 = 19,723, then 31 + 21 days).
        assert_eq!(text(|o| date(19_775, o)), "2024-02-22");
        assert_eq!(text(|o| date(-1, o)), "1969-12-31");
        assert_eq!(text(|o| date(i64::MAX, o)), i64::MAX.to_string());
    }

    #[test]
    fn fields_are_quoted_when_needed() {
        assert_eq!(text(|o| field(b"7,50", o)), "\"7,50\"");
        assert_eq!(text(|o| field(b"F\"1", o)), "\"F\"\"1\"");
        assert_eq!(text(|o| field(b"a\nb", o)), "a b");
        assert_eq!(text(|o| field(b"RIM", o)), "RIM");
    }
}
