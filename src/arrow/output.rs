//! The batch engine's output rows (CSV, [`crate::batch::OUTPUT_COLUMNS`]
//! and, when repricing, [`crate::batch::REPRICE_COLUMNS`]) into the Arrow
//! columns of [`super::output_schema`] (the CSV's columns but the echoes
//! of the input): numbers as exact decimals, empty cells as nulls.
//!
//! The rows come in input order; they are cut into record batches of the
//! input batches' sizes.

use std::sync::Arc;

use arrow_array::builder::{Decimal128Builder, Int64Builder, StringBuilder};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, SchemaRef};

use crate::Error;

enum Builder {
    Row(Int64Builder),
    Text(StringBuilder),
    Decimal(Decimal128Builder, u32),
}

/// Cuts the engine's CSV output (header included) into batches of
/// `sizes` rows with `schema`'s columns, on up to `threads` threads (each
/// a run of whole batches).
pub(super) fn batches(
    csv: &[u8],
    schema: &SchemaRef,
    sizes: &[usize],
    threads: usize,
) -> Result<Vec<RecordBatch>, Error> {
    let header_end = memchr::memchr(b'\n', csv).map_or(csv.len(), |i| i + 1);
    let (header, body) = csv.split_at(header_end);
    // Which output column each CSV cell goes to, by the header's names.
    let slots: Vec<Option<usize>> = header
        .trim_ascii_end()
        .split(|&b| b == b',')
        .map(|name| {
            schema
                .fields()
                .iter()
                .position(|f| f.name().as_bytes() == name)
        })
        .collect();
    // Where each batch's rows start in `body` (a row is a line: the
    // engine writes no line break inside a field).
    let total: usize = sizes.iter().sum();
    let mut starts = Vec::with_capacity(sizes.len() + 1);
    starts.push(0);
    let mut ends = memchr::memchr_iter(b'\n', body);
    for &size in sizes {
        let last = starts.last().copied().unwrap_or(0);
        let end = match size {
            0 => last,
            n => ends
                .nth(n - 1)
                .map(|e| e + 1)
                .ok_or_else(|| missing(total as u64))?,
        };
        starts.push(end);
    }
    if body
        .get(starts.last().copied().unwrap_or(0)..)
        .is_some_and(|rest| !rest.is_empty())
    {
        return Err(Error::Internal {
            first: total as u64 + 1,
            last: total as u64 + 1,
            message: "plus de lignes en sortie qu'en entrée".into(),
        });
    }
    let cut = |run: std::ops::Range<usize>| -> Result<Vec<RecordBatch>, Error> {
        let mut out = Vec::with_capacity(run.len());
        let mut row = sizes
            .get(..run.start)
            .unwrap_or_default()
            .iter()
            .sum::<usize>() as u64;
        for k in run {
            let (Some(&a), Some(&b), Some(&size)) =
                (starts.get(k), starts.get(k + 1), sizes.get(k))
            else {
                return Err(missing(row));
            };
            out.push(batch(
                body.get(a..b).unwrap_or_default(),
                schema,
                &slots,
                size,
                &mut row,
            )?);
        }
        Ok(out)
    };
    let threads = threads.clamp(1, sizes.len().max(1));
    let parts = super::on_threads(
        super::runs(sizes, threads),
        cut,
        "conversion des lignes de sortie en colonnes",
    );
    let mut out = Vec::with_capacity(sizes.len());
    for p in parts {
        out.extend(p?);
    }
    Ok(out)
}

/// One record batch of `size` rows from `lines` (the CSV rows, each ending
/// with a line break); `row` counts the rows read.
fn batch(
    lines: &[u8],
    schema: &SchemaRef,
    slots: &[Option<usize>],
    size: usize,
    row: &mut u64,
) -> Result<RecordBatch, Error> {
    let mut builders: Vec<Builder> = schema
        .fields()
        .iter()
        .map(|f| {
            Ok(match f.data_type() {
                DataType::Int64 => Builder::Row(Int64Builder::with_capacity(size)),
                DataType::Decimal128(p, s) => Builder::Decimal(
                    Decimal128Builder::with_capacity(size)
                        .with_precision_and_scale(*p, *s)
                        .map_err(|e| Error::Argument(e.to_string()))?,
                    u32::try_from(*s).unwrap_or(0),
                ),
                _ => Builder::Text(StringBuilder::with_capacity(size, size * 8)),
            })
        })
        .collect::<Result<_, Error>>()?;
    let mut fields: Vec<Vec<u8>> = Vec::new();
    for line in lines.split(|&b| b == b'\n').take(size) {
        *row += 1;
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let (mut k, mut filled) = (0, 0);
        split(line, &mut fields, |cell| {
            if let Some(b) = slots
                .get(k)
                .copied()
                .flatten()
                .and_then(|i| builders.get_mut(i))
            {
                b.push(cell);
                filled += 1;
            }
            k += 1;
        });
        if filled != builders.len() {
            return Err(Error::Internal {
                first: *row,
                last: *row,
                message: format!("ligne de sortie de {k} cellules"),
            });
        }
    }
    let columns: Vec<ArrayRef> = builders.into_iter().map(Builder::finish).collect();
    RecordBatch::try_new(schema.clone(), columns).map_err(|e| Error::Internal {
        first: *row,
        last: *row,
        message: e.to_string(),
    })
}

fn missing(row: u64) -> Error {
    Error::Internal {
        first: row,
        last: row,
        message: "moins de lignes en sortie qu'en entrée".into(),
    }
}

impl Builder {
    fn push(&mut self, cell: &[u8]) {
        match self {
            Builder::Row(b) => b.append_option(parse_int(cell)),
            Builder::Text(b) => match std::str::from_utf8(cell) {
                Ok(s) if !s.is_empty() => b.append_value(s),
                Ok(_) => b.append_null(),
                // The engine writes bytes it could not read as they came
                // (a field reported `INVALID_FIELD`): shown with U+FFFD.
                Err(_) => b.append_value(String::from_utf8_lossy(cell)),
            },
            Builder::Decimal(b, s) => b.append_option(parse_scaled(cell, *s)),
        }
    }

    fn finish(self) -> ArrayRef {
        match self {
            Builder::Row(mut b) => Arc::new(b.finish()),
            Builder::Text(mut b) => Arc::new(b.finish()),
            Builder::Decimal(mut b, _) => Arc::new(b.finish()),
        }
    }
}

/// Calls `cell` with each field of a CSV line (quotes removed, `""` a
/// quote); `scratch` holds unquoted fields.
fn split(line: &[u8], scratch: &mut Vec<Vec<u8>>, mut cell: impl FnMut(&[u8])) {
    if memchr::memchr(b'"', line).is_none() {
        line.split(|&b| b == b',').for_each(cell);
        return;
    }
    scratch.clear();
    let mut field = Vec::new();
    let mut quoted = false;
    let mut i = 0;
    while let Some(&c) = line.get(i) {
        match (quoted, c) {
            (false, b'"') if field.is_empty() => quoted = true,
            (true, b'"') if line.get(i + 1) == Some(&b'"') => {
                field.push(b'"');
                i += 1;
            }
            (true, b'"') => quoted = false,
            (false, b',') => scratch.push(std::mem::take(&mut field)),
            (_, c) => field.push(c),
        }
        i += 1;
    }
    scratch.push(field);
    scratch.iter().for_each(|f| cell(f));
}

/// A row number.
fn parse_int(cell: &[u8]) -> Option<i64> {
    std::str::from_utf8(cell).ok()?.parse().ok()
}

/// A decimal text (`-16.55`) as an integer of `scale` decimals; `None`
/// when empty, not a number, out of [`super::PRECISION`] digits, or with
/// more (non-zero) decimals than `scale`.
pub(super) fn parse_scaled(cell: &[u8], scale: u32) -> Option<i128> {
    let (neg, digits) = match cell.split_first()? {
        (b'-', rest) => (true, rest),
        (b'+', rest) => (false, rest),
        _ => (false, cell),
    };
    let (int, frac) = match memchr::memchr(b'.', digits) {
        Some(p) => (digits.get(..p)?, digits.get(p + 1..)?),
        None => (digits, &b""[..]),
    };
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    let mut v: i128 = 0;
    let mut push = |d: u8| -> Option<()> {
        if !d.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add(i128::from(d - b'0'))?;
        Some(())
    };
    for &d in int {
        push(d)?;
    }
    for k in 0..scale as usize {
        push(frac.get(k).copied().unwrap_or(b'0'))?;
    }
    if frac
        .get(scale as usize..)
        .is_some_and(|rest| rest.iter().any(|&d| d != b'0'))
    {
        return None;
    }
    if v >= 10i128.pow(super::PRECISION as u32) {
        return None;
    }
    Some(if neg { -v } else { v })
}

#[cfg(test)]
mod tests {
    use super::{parse_scaled, split};

    #[test]
    fn decimals_are_read_exactly_or_not_at_all() {
        assert_eq!(parse_scaled(b"16.55", 2), Some(1655));
        assert_eq!(parse_scaled(b"-0.5", 2), Some(-50));
        assert_eq!(parse_scaled(b"7", 4), Some(70_000));
        assert_eq!(parse_scaled(b"2.5010", 3), Some(2501));
        // 2.501 € does not fit two decimals: no value rather than 2.50.
        assert_eq!(parse_scaled(b"2.501", 2), None);
        assert_eq!(parse_scaled(b"", 2), None);
        assert_eq!(parse_scaled(b"7,5", 2), None);
        assert_eq!(parse_scaled(b"1e3", 2), None);
        assert_eq!(parse_scaled(b"99999999999999999999", 2), None);
    }

    #[test]
    fn quoted_fields_are_unquoted() {
        let mut got = Vec::new();
        split(b"1,\"7,50\",\"a\"\"b\",", &mut Vec::new(), |c| {
            got.push(String::from_utf8(c.to_vec()).unwrap())
        });
        assert_eq!(got, ["1", "7,50", "a\"b", ""]);
    }
}
