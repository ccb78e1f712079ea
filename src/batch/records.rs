//! The reader of input that is not plain CSV (see [`super::split`]): one
//! record per physical line, whatever the line holds.
//!
//! Invoice exports have no multi-line fields, so a line is a row: a quote
//! opens a quoted field only at the start of a field and closes on the
//! same line (`""` is a quote inside it); a quote left open at the end of
//! its line is reported on that line (`INVALID_FIELD`) and the rest of the
//! line is the field's — it never swallows the lines after it. Line ends
//! are `\n` or `\r\n`; a lone `\r` is a byte of its field. A file whose
//! header line ends with a lone `\r` (old Mac exports) has `\r` line ends
//! throughout: [`LineEnds`] turns them into `\n` as the input is read.
//! Empty lines are skipped (they are not rows).
//!
//! Input: the bytes after the header (held whole, or read on from a
//! stream); output: `csv::ByteRecord`s and whether each line's quotes
//! closed, for [`super::engine`]'s blocks.

use std::io::{BufRead, Read};

/// One line (without its line end) as a record: its fields, unquoted, in
/// `rec`. Returns `false` when a quote is left open at the end of the line.
pub(super) fn record(line: &[u8], delimiter: u8, rec: &mut csv::ByteRecord) -> bool {
    rec.clear();
    let mut field: Vec<u8> = Vec::new();
    let mut rest = line;
    loop {
        if rest.first() == Some(&b'"') {
            // A quoted field: up to its closing quote, `""` a quote.
            field.clear();
            let mut i = 1;
            let closed = loop {
                match memchr::memchr(b'"', rest.get(i..).unwrap_or_default()) {
                    None => {
                        field.extend_from_slice(rest.get(i..).unwrap_or_default());
                        break false;
                    }
                    Some(k) => {
                        field.extend_from_slice(rest.get(i..i + k).unwrap_or_default());
                        i += k + 1;
                        if rest.get(i) == Some(&b'"') {
                            field.push(b'"');
                            i += 1;
                        } else {
                            break true;
                        }
                    }
                }
            };
            if !closed {
                rec.push_field(&field);
                return false;
            }
            // What follows the closing quote up to the delimiter is kept,
            // as the csv crate keeps it.
            let after = rest.get(i..).unwrap_or_default();
            let end = memchr::memchr(delimiter, after).unwrap_or(after.len());
            field.extend_from_slice(after.get(..end).unwrap_or_default());
            rec.push_field(&field);
            match after.get(end + 1..) {
                Some(next) if end < after.len() => rest = next,
                _ => return true,
            }
        } else {
            let end = memchr::memchr(delimiter, rest).unwrap_or(rest.len());
            rec.push_field(rest.get(..end).unwrap_or_default());
            match rest.get(end + 1..) {
                Some(next) if end < rest.len() => rest = next,
                _ => return true,
            }
        }
    }
}

/// Field `col` of one line (without its line end), trimmed, as the engine
/// reads it: a line without quotes split at its delimiters, a line with
/// quotes read as a record (into `rec`).
pub(super) fn field<'a>(
    line: &'a [u8],
    delimiter: u8,
    col: usize,
    rec: &'a mut csv::ByteRecord,
) -> &'a [u8] {
    if memchr::memchr(b'"', line).is_none() {
        super::split::field_of(line, delimiter, col)
    } else {
        record(line, delimiter, rec);
        rec.get(col).unwrap_or_default().trim_ascii()
    }
}

/// The line of `data` starting at `start` (without its `\n` or `\r\n`),
/// and where the next one starts.
pub(super) fn next_line(data: &[u8], start: usize) -> (&[u8], usize) {
    let rest = data.get(start..).unwrap_or_default();
    let (line, next) = match memchr::memchr(b'\n', rest) {
        Some(i) => (rest.get(..i).unwrap_or_default(), start + i + 1),
        None => (rest, data.len()),
    };
    (line.strip_suffix(b"\r").unwrap_or(line), next)
}

/// Calls `on_record(rec, quotes_closed)` for each non-empty line of
/// `data`, in order.
pub(super) fn each_record(
    data: &[u8],
    delimiter: u8,
    mut on_record: impl FnMut(&csv::ByteRecord, bool),
) {
    let mut rec = csv::ByteRecord::new();
    let mut start = 0;
    while start < data.len() {
        let (line, next) = next_line(data, start);
        start = next;
        if !line.is_empty() {
            let closed = record(line, delimiter, &mut rec);
            on_record(&rec, closed);
        }
    }
}

/// Reads the non-empty lines of a stream as records.
pub(super) struct Records<R> {
    input: R,
    line: Vec<u8>,
}

impl<R: BufRead> Records<R> {
    pub(super) fn new(input: R) -> Records<R> {
        Records {
            input,
            line: Vec::new(),
        }
    }

    /// The next record into `rec`: `Some(quotes_closed)`, or `None` at the
    /// end of the input.
    pub(super) fn read(
        &mut self,
        delimiter: u8,
        rec: &mut csv::ByteRecord,
    ) -> std::io::Result<Option<bool>> {
        loop {
            self.line.clear();
            if self.input.read_until(b'\n', &mut self.line)? == 0 {
                return Ok(None);
            }
            let line = self.line.strip_suffix(b"\n").unwrap_or(&self.line);
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            if !line.is_empty() {
                return Ok(Some(record(line, delimiter, rec)));
            }
        }
    }
}

/// Whether `data` (the start of a file) has `\r` line ends: its header
/// line ends with a lone `\r` (its first `\r` comes before any `\n` and
/// is not followed by one), and lone `\r` outnumber `\n` in it — a lone
/// `\r` inside a header name of a `\n` file (a spreadsheet's line break
/// in a cell) does not make it one.
pub(super) fn cr_line_ends(data: &[u8]) -> bool {
    let first = match memchr::memchr2(b'\r', b'\n', data) {
        Some(i) => data.get(i) == Some(&b'\r') && data.get(i + 1).is_some_and(|&b| b != b'\n'),
        None => false,
    };
    if !first {
        return false;
    }
    let lf = memchr::memchr_iter(b'\n', data).count();
    let lone_cr = memchr::memchr_iter(b'\r', data)
        .filter(|&i| data.get(i + 1) != Some(&b'\n'))
        .count();
    lone_cr > lf
}

/// Swaps `\r` and `\n` in place: a file with `\r` line ends becomes one
/// with `\n` line ends, and a `\n` inside one of its fields a `\r` (a
/// byte of the field, as a lone `\r` is in a `\n` file).
pub(super) fn swap_line_ends(data: &mut [u8]) {
    for b in data {
        match *b {
            b'\r' => *b = b'\n',
            b'\n' => *b = b'\r',
            _ => {}
        }
    }
}

/// The input, with [`swap_line_ends`] applied as it is read when the file
/// has `\r` line ends (decided once, from its header line).
pub(super) struct LineEnds<R> {
    pub(super) inner: R,
    pub(super) swap: bool,
}

impl<R: Read> Read for LineEnds<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if self.swap {
            swap_line_ends(buf.get_mut(..n).unwrap_or_default());
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(line: &str) -> (Vec<String>, bool) {
        let mut rec = csv::ByteRecord::new();
        let ok = record(line.as_bytes(), b',', &mut rec);
        (
            rec.iter()
                .map(|f| String::from_utf8_lossy(f).into_owned())
                .collect(),
            ok,
        )
    }

    #[test]
    fn a_line_is_one_record_whatever_its_quotes() {
        assert_eq!(
            fields("a,b,c"),
            (vec!["a".into(), "b".into(), "c".into()], true)
        );
        assert_eq!(
            fields("\"7,50\",x"),
            (vec!["7,50".into(), "x".into()], true)
        );
        assert_eq!(
            fields("\"a\"\"b\",c"),
            (vec!["a\"b".into(), "c".into()], true)
        );
        assert_eq!(fields("a,"), (vec!["a".into(), "".into()], true));
        assert_eq!(fields(""), (vec!["".into()], true));
        // A quote left open: the rest of the line is the field.
        assert_eq!(fields("\"F1,P1,2024"), (vec!["F1,P1,2024".into()], false));
        assert_eq!(fields("a,\"b"), (vec!["a".into(), "b".into()], false));
        // A quote inside an unquoted field is a byte of it.
        assert_eq!(fields("a\"b,c"), (vec!["a\"b".into(), "c".into()], true));
        // After the closing quote, up to the delimiter.
        assert_eq!(fields("\"a\"b,c"), (vec!["ab".into(), "c".into()], true));
        assert_eq!(fields("\"a\""), (vec!["a".into()], true));
    }

    #[test]
    fn lines_split_on_lf_and_crlf_and_keep_a_lone_cr() {
        let mut seen = Vec::new();
        each_record(b"a,b\r\n\nc\rd,e\n\"x\nf", b',', |r, ok| {
            seen.push((r.iter().map(|f| f.to_vec()).collect::<Vec<_>>(), ok))
        });
        assert_eq!(
            seen,
            vec![
                (vec![b"a".to_vec(), b"b".to_vec()], true),
                (vec![b"c\rd".to_vec(), b"e".to_vec()], true),
                (vec![b"x".to_vec()], false),
                (vec![b"f".to_vec()], true),
            ]
        );
        let mut stream = Records::new(&b"a,b\r\n\nc\rd,e\n\"x\nf"[..]);
        let mut rec = csv::ByteRecord::new();
        let mut n = 0;
        while stream.read(b',', &mut rec).unwrap().is_some() {
            n += 1;
        }
        assert_eq!(n, 4);
    }

    #[test]
    fn cr_files_are_told_from_their_header() {
        assert!(cr_line_ends(b"a,b\rc,d\r"));
        assert!(!cr_line_ends(b"a,b\r\nc,d\r\n"));
        assert!(!cr_line_ends(b"a,b\nc\rd\n"));
        assert!(!cr_line_ends(b"a,b"));
        // A lone \r inside a header name of a \n (or \r\n) file.
        assert!(!cr_line_ends(b"a,n\ro\nc,d\ne,f\n"));
        assert!(!cr_line_ends(b"a,n\ro\r\nc,d\r\ne,f\r\n"));
        // A \r file with a \n in a field.
        assert!(cr_line_ends(b"a,b\rc,x\ny\re,f\rg,h\r"));
        let mut v = b"a\rb\nc".to_vec();
        swap_line_ends(&mut v);
        assert_eq!(v, b"a\nb\rc");
    }
}
