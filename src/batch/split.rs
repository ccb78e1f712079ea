//! The fast path of the reader: plain CSV (no quotes, no blank lines, no
//! lone carriage returns) is cut into blocks of whole lines with `memchr`
//! by the reading thread, which only moves bytes, and split into fields
//! eight bytes at a time by the worker threads.
//!
//! Input that is not plain goes through the csv crate; [`is_plain`] tells
//! which. On plain input both give the same records: a record per line,
//! fields between delimiters, `\r\n` or `\n` line ends, a last line with or
//! without its line end.

use memchr::{memchr, memchr_iter, memmem, memrchr};

/// Whether `data` (whole lines) can be split without the csv crate: no
/// quote, no blank line, and every `\r` followed by `\n`.
pub(super) fn is_plain(data: &[u8]) -> bool {
    if memchr(b'"', data).is_some()
        || data.first() == Some(&b'\n')
        || memmem::find(data, b"\n\n").is_some()
    {
        return false;
    }
    memchr_iter(b'\r', data)
        .all(|i| data.get(i + 1) == Some(&b'\n') && i > 0 && data[i - 1] != b'\n')
}

/// Number of records in plain `data`: its lines, the last one with or
/// without a line end.
pub(super) fn count_records(data: &[u8]) -> u64 {
    let n = memchr_iter(b'\n', data).count() as u64;
    match data.last() {
        Some(b'\n') | None => n,
        Some(_) => n + 1,
    }
}

/// Calls `on_line(start, end)` for each line of plain `data`, `end`
/// before its line end (`\n` or `\r\n`); a last line without a line end
/// is a line too.
pub(super) fn lines(data: &[u8], mut on_line: impl FnMut(u32, u32)) {
    let mut start = 0usize;
    for i in memchr_iter(b'\n', data) {
        // A `\r` of plain input is always followed by `\n` (`is_plain`).
        let end = if i > start && data[i - 1] == b'\r' {
            i - 1
        } else {
            i
        };
        on_line(start as u32, end as u32);
        start = i + 1;
    }
    if start < data.len() {
        on_line(start as u32, data.len() as u32);
    }
}

/// Calls `on_field(k, start, end)` for each field `k` of the plain line
/// `data[start..end]` (without its line end), in order; returns the
/// number of fields.
///
/// Eight bytes at a time: fields are a few bytes long, so searching for
/// each delimiter would cost more than finding them all in one word. The
/// fields are found where the worker reads them, so no list of field ends
/// is written and read back.
#[inline(always)]
pub(super) fn each_field(
    data: &[u8],
    (start, end): (usize, usize),
    delimiter: u8,
    mut on_field: impl FnMut(usize, usize, usize),
) -> usize {
    let d = u64::from_ne_bytes([delimiter; 8]);
    let (mut k, mut field) = (0, start);
    let mut pos = start;
    let mut found = |m: u64, pos: usize, k: &mut usize, field: &mut usize| {
        let mut m = m;
        while m != 0 {
            let i = pos + m.trailing_zeros() as usize / 8;
            on_field(*k, *field, i);
            *k += 1;
            *field = i + 1;
            m &= m - 1;
        }
    };
    while let Some(word) = data.get(pos..pos + 8) {
        let x = u64::from_le_bytes(word.try_into().unwrap_or_default());
        let m = zero_bytes(x ^ d);
        if pos + 8 > end {
            // The last word reaches past the line: only its first bytes.
            let keep = (end - pos) * 8;
            found(m & ((1u64 << keep) - 1), pos, &mut k, &mut field);
            pos = end;
            break;
        }
        found(m, pos, &mut k, &mut field);
        pos += 8;
    }
    // Near the end of the buffer, fewer than eight bytes: one at a time.
    for (i, &b) in data.iter().enumerate().take(end).skip(pos) {
        if b == delimiter {
            on_field(k, field, i);
            k += 1;
            field = i + 1;
        }
    }
    on_field(k, field, end);
    k + 1
}

/// The high bit of each byte of `y` that is zero, and nothing else (no
/// false positive from a borrow).
fn zero_bytes(y: u64) -> u64 {
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    !(((y & LOW7) + LOW7) | y | LOW7)
}

/// Field `col` of one line (without its line end), trimmed; empty when the
/// line is shorter.
pub(super) fn field_of(line: &[u8], delimiter: u8, col: usize) -> &[u8] {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    // A byte loop that stops at the field (the practitioner is third in
    // the usual layout): cheaper than a generic split.
    let (mut start, mut k) = (0, 0);
    for (i, &b) in line.iter().enumerate() {
        if b == delimiter {
            if k == col {
                return line[start..i].trim_ascii();
            }
            k += 1;
            start = i + 1;
        }
    }
    if k == col {
        line[start..].trim_ascii()
    } else {
        b""
    }
}

/// Whether every practitioner's lines (field `col`) of plain `data` come
/// together.
pub(super) fn is_grouped(data: &[u8], delimiter: u8, col: usize) -> bool {
    Grouping::default().extend(data, delimiter, col)
}

/// The check of [`is_grouped`] over consecutive pieces of one input.
#[derive(Default)]
pub(super) struct Grouping {
    closed: std::collections::HashSet<Vec<u8>>,
    current: Option<Vec<u8>>,
}

impl Grouping {
    /// Whether the lines of plain `data` keep every practitioner's lines
    /// together, with the pieces seen before.
    pub fn extend(&mut self, data: &[u8], delimiter: u8, col: usize) -> bool {
        let mut rest = data;
        while !rest.is_empty() {
            let end = memchr(b'\n', rest).unwrap_or(rest.len());
            let line = &rest[..end];
            rest = rest.get(end + 1..).unwrap_or_default();
            if line.is_empty() {
                continue;
            }
            if !self.push(field_of(line, delimiter, col)) {
                return false;
            }
        }
        true
    }

    /// Whether the next id `p` keeps equal ids together: it is the
    /// current one, or one not seen before.
    pub fn push(&mut self, p: &[u8]) -> bool {
        if self.current.as_deref() != Some(p) {
            if self.closed.contains(p) {
                return false;
            }
            if let Some(c) = self.current.replace(p.to_vec()) {
                self.closed.insert(c);
            }
        }
        true
    }
}

/// Whether equal ids come together: none comes back after another one.
pub(super) fn each_together<'a>(ids: impl IntoIterator<Item = &'a [u8]>) -> bool {
    let mut grouping = Grouping::default();
    ids.into_iter().all(|p| grouping.push(p))
}

/// Where the lines of the last practitioner of plain `data` (whole lines,
/// ending with `\n`) start: 0 when every line is the same practitioner's.
///
/// Found by bisection over the lines, which is exact when the last
/// practitioner's lines come together at the end (grouped input). On input
/// that is not grouped it may stop at an earlier run of the same
/// practitioner; the cut is still at the start of a run, so the grouping
/// check sees the same runs in the same order and reports the same lines.
pub(super) fn last_group_start(data: &[u8], delimiter: u8, col: usize) -> usize {
    let Some(body) = data.strip_suffix(b"\n") else {
        return 0;
    };
    let line_at = |s: usize| {
        let e = memchr(b'\n', &body[s..]).map_or(body.len(), |p| s + p);
        &body[s..e]
    };
    let practitioner = |s: usize| field_of(line_at(s), delimiter, col);
    // `hi` starts a line of the last practitioner, `lo` a line of another.
    let mut hi = memrchr(b'\n', body).map_or(0, |p| p + 1);
    let last = practitioner(hi);
    if practitioner(0) == last {
        return 0;
    }
    let mut lo = 0;
    loop {
        // A line start strictly between `lo` and `hi`, near the middle.
        let next = |from: usize| {
            memchr(b'\n', &body[from..hi])
                .map(|p| from + p + 1)
                .filter(|&s| s < hi)
        };
        let Some(s) = next(lo + (hi - lo) / 2).or_else(|| next(lo)) else {
            return hi;
        };
        if practitioner(s) == last {
            hi = s;
        } else {
            lo = s;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records(data: &[u8]) -> Vec<Vec<String>> {
        let mut out = Vec::new();
        lines(data, |start, end| {
            let mut fields = Vec::new();
            let n = each_field(data, (start as usize, end as usize), b',', |k, s, e| {
                assert_eq!(k, fields.len());
                fields.push(String::from_utf8_lossy(&data[s..e]).into_owned());
            });
            assert_eq!(n, fields.len());
            out.push(fields);
        });
        out
    }

    fn csv_crate(data: &[u8]) -> Vec<Vec<String>> {
        csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(data)
            .byte_records()
            .map(|r| {
                r.unwrap()
                    .iter()
                    .map(|f| String::from_utf8_lossy(f).into_owned())
                    .collect()
            })
            .collect()
    }

    #[test]
    fn field_of_is_the_trimmed_field_or_empty() {
        let line = b"F1, P1 ,K1,,last\r";
        assert_eq!(field_of(line, b',', 0), b"F1");
        assert_eq!(field_of(line, b',', 1), b"P1");
        assert_eq!(field_of(line, b',', 2), b"K1");
        assert_eq!(field_of(line, b',', 3), b"");
        // The last field, without the carriage return of a CRLF line end.
        assert_eq!(field_of(line, b',', 4), b"last");
        assert_eq!(field_of(line, b',', 5), b"");
        assert_eq!(field_of(b"", b',', 0), b"");
        assert_eq!(field_of(b"a;b", b';', 1), b"b");
    }

    #[test]
    fn plain_input_splits_as_the_csv_crate_reads_it() {
        for data in [
            &b"a,b,c\nd,,f\n"[..],
            b"a,b,c\r\nd,e\r\n,\r\n",
            b"a,b\nlast,line",
            b"one\n  \nx,y,z,w\n",
            b"",
            b"a",
        ] {
            assert!(is_plain(data), "{data:?}");
            assert_eq!(records(data), csv_crate(data), "{data:?}");
            assert_eq!(count_records(data), csv_crate(data).len() as u64);
        }
    }

    #[test]
    fn every_field_length_and_position_in_the_word_splits_the_same() {
        // Fields of 0 to 10 bytes, lines of 1 to 7 fields, CRLF on every
        // third line: separators fall at every offset of the 8-byte words.
        let mut data = Vec::new();
        let mut x = 7u32;
        for line in 0..300 {
            let fields = 1 + line % 7;
            for f in 0..fields {
                if f > 0 {
                    data.push(b',');
                }
                x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                for k in 0..(x >> 16) % 11 {
                    data.push(b'a' + (k as u8 % 26));
                }
            }
            if line % 3 == 0 {
                data.push(b'\r');
            }
            data.push(b'\n');
        }
        // Not plain when a line is empty; keep only the plain prefix cases.
        let data: Vec<u8> = String::from_utf8(data)
            .unwrap()
            .split('\n')
            .filter(|l| !l.is_empty() && *l != "\r")
            .flat_map(|l| format!("{l}\n").into_bytes())
            .collect();
        assert!(is_plain(&data));
        assert_eq!(records(&data), csv_crate(&data));
        assert_eq!(count_records(&data), csv_crate(&data).len() as u64);
    }

    #[test]
    fn quotes_blank_lines_and_lone_carriage_returns_are_not_plain() {
        for data in [
            &b"a,\"b,c\"\n"[..],
            b"a\n\nb\n",
            b"\na\n",
            b"a\r\n\r\nb\r\n",
            b"a\rb\n",
            b"a\r",
        ] {
            assert!(!is_plain(data), "{data:?}");
        }
    }

    #[test]
    fn grouping_is_checked_line_by_line() {
        assert!(is_grouped(b"F1,K1\nF2,K1\nF3,K2\n", b',', 1));
        assert!(is_grouped(b"F1,K1\r\nF2, K1\r\nF3,K2", b',', 1));
        assert!(!is_grouped(b"F1,K1\nF2,K2\nF3,K1\n", b',', 1));
        assert!(is_grouped(b"", b',', 1));
    }

    #[test]
    fn the_last_practitioner_is_found_from_the_end() {
        let data = b"F1,K1\nF2,K1\nF3, K2\nF4,K2 \r\n";
        assert_eq!(last_group_start(data, b',', 1), 12);
        assert_eq!(last_group_start(b"F1,K1\nF2,K1\n", b',', 1), 0);
        assert_eq!(last_group_start(b"F1\nF2,K1\n", b',', 1), 3);
        // Every size of the last group and of what comes before it.
        for before in 0..40 {
            for group in 1..40 {
                let mut data = Vec::new();
                for k in 0..before {
                    data.extend_from_slice(format!("F{k},K{}\n", k % 3).as_bytes());
                }
                let start = data.len();
                for k in 0..group {
                    data.extend_from_slice(format!("G{k},K9\n").as_bytes());
                }
                let want = if before == 0 { 0 } else { start };
                assert_eq!(last_group_start(&data, b',', 1), want, "{before} {group}");
            }
        }
    }
}
