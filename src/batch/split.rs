//! The fast path of the reader: cutting plain CSV (no quotes, no blank
//! lines, no lone carriage returns) into records and fields with `memchr`,
//! so that the worker threads do it in parallel and the reading thread
//! only moves bytes.
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

/// A line's fields: its start, and the end offset of each field pushed on
/// `ends`.
pub(super) struct SplitLine {
    pub start: u32,
    pub first: u32,
    pub n: u32,
}

/// Splits plain `data` into lines and fields: field end offsets go to
/// `ends`, one [`SplitLine`] per line to `on_line`.
pub(super) fn split(
    data: &[u8],
    delimiter: u8,
    ends: &mut Vec<u32>,
    mut on_line: impl FnMut(SplitLine),
) {
    // Fields are a few bytes long: a plain loop beats searching for the
    // next separator.
    ends.reserve(data.len() / 4);
    let mut start = 0usize;
    let mut first = ends.len() as u32;
    for (i, &b) in data.iter().enumerate() {
        if b == delimiter {
            ends.push(i as u32);
        } else if b == b'\n' {
            let end = if i > start && data[i - 1] == b'\r' {
                i - 1
            } else {
                i
            };
            ends.push(end as u32);
            let last = ends.len() as u32;
            on_line(SplitLine {
                start: start as u32,
                first,
                n: last - first,
            });
            first = last;
            start = i + 1;
        }
    }
    if start < data.len() {
        ends.push(data.len() as u32);
        let last = ends.len() as u32;
        on_line(SplitLine {
            start: start as u32,
            first,
            n: last - first,
        });
    }
}

/// Field `col` of one line (without its line end), trimmed; empty when the
/// line is shorter.
pub(super) fn field_of(line: &[u8], delimiter: u8, col: usize) -> &[u8] {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    line.split(|&b| b == delimiter)
        .nth(col)
        .unwrap_or(b"")
        .trim_ascii()
}

/// Where the lines of the last practitioner of plain `data` (whole lines,
/// ending with `\n`) start: 0 when every line is the same practitioner's.
pub(super) fn last_group_start(data: &[u8], delimiter: u8, col: usize) -> usize {
    let Some(body) = data.strip_suffix(b"\n") else {
        return 0;
    };
    let line_start = |end: usize| memrchr(b'\n', &body[..end]).map_or(0, |p| p + 1);
    let mut start = line_start(body.len());
    let last = field_of(&body[start..], delimiter, col);
    while start > 0 {
        let end = start - 1;
        let previous = line_start(end);
        if field_of(&body[previous..end], delimiter, col) != last {
            return start;
        }
        start = previous;
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records(data: &[u8]) -> Vec<Vec<String>> {
        let mut ends = Vec::new();
        let mut lines = Vec::new();
        split(data, b',', &mut ends, |l| lines.push(l));
        lines
            .iter()
            .map(|l| {
                (l.first..l.first + l.n)
                    .map(|k| {
                        let s = if k == l.first {
                            l.start
                        } else {
                            ends[k as usize - 1] + 1
                        };
                        String::from_utf8_lossy(&data[s as usize..ends[k as usize] as usize])
                            .into_owned()
                    })
                    .collect()
            })
            .collect()
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
    fn the_last_practitioner_is_found_from_the_end() {
        let data = b"F1,K1\nF2,K1\nF3, K2\nF4,K2 \r\n";
        assert_eq!(last_group_start(data, b',', 1), 12);
        assert_eq!(last_group_start(b"F1,K1\nF2,K1\n", b',', 1), 0);
        assert_eq!(last_group_start(b"F1\nF2,K1\n", b',', 1), 3);
    }
}
