//! Spilling: an input larger than the memory budget, in no particular
//! order, with the invoice rules on.
//!
//! The rules need each practitioner's lines together. An input that does
//! not fit the budget and is not known to come grouped by practitioner is
//! read once and its lines written, as they are, into temporary files, one
//! per partition, a practitioner always in the same partition (a hash of
//! its id); each line's partition is noted, a byte per line, in one more
//! file. Each partition is then priced and checked as an input of its own
//! (held whole when it fits the budget, spilled again with another hash
//! otherwise), its rows written to a temporary file of its own, and the
//! rows are merged back in input order by reading the partition bytes
//! again, each row's number set to its place in the input.
//!
//! A line's row depends only on the lines of its practitioner (the rules
//! look at one practitioner's lines at a time, in their own canonical
//! order), so the output is byte for byte that of the input held whole.
//!
//! The temporary files are unnamed (`tempfile::tempfile_in`): the system
//! removes them when the run ends, whether it succeeds, fails or is
//! interrupted. They go to [`BatchOptions::temp_dir`](super::BatchOptions),
//! or to the system's temporary directory. Disk used: about the input's
//! size plus the output's. Memory: one partition held whole (a budget's
//! worth of input, or one practitioner's lines when they alone pass it),
//! plus 64 KiB of buffer per partition file.

use std::collections::hash_map::DefaultHasher;
use std::fs::File;
use std::hash::{Hash, Hasher};
use std::io::{BufRead, BufReader, BufWriter, Read, Seek, SeekFrom, Write};

use super::engine::{self, Large, Output, Setup, input_error, output_error};
use super::{OutputFormat, records};
use crate::Error;

/// Partitions of one spill: enough for each to hold about half the
/// budget when the input's size is known, 64 otherwise (a partition that
/// turns out larger than the budget is spilled again).
fn partitions(size: Option<u64>, budget: usize) -> usize {
    let half = (budget as u64 / 2).max(1);
    match size {
        Some(s) => usize::try_from((s / half).saturating_add(1))
            .unwrap_or(255)
            .clamp(2, 255),
        None => 64,
    }
}

/// A temporary file for the spill, unnamed.
fn temp_file(setup: &Setup<'_>) -> Result<File, Error> {
    let made = match &setup.options.temp_dir {
        Some(dir) => tempfile::tempfile_in(dir),
        None => tempfile::tempfile(),
    };
    made.map_err(|e| Error::Io {
        path: setup
            .options
            .temp_dir
            .clone()
            .unwrap_or_else(std::env::temp_dir),
        source: e,
    })
}

fn temp_error<'s>(setup: &'s Setup<'_>) -> impl Fn(std::io::Error) -> Error + 's {
    move |e| Error::Io {
        path: setup
            .options
            .temp_dir
            .clone()
            .unwrap_or_else(std::env::temp_dir),
        source: e,
    }
}

/// Spills `body` (the lines after `header`, line ends as read by the
/// engine) by practitioner, prices each partition, and writes the rows to
/// `out` in input order.
pub(super) fn run<R: Read, W: Write>(
    setup: &Setup<'_>,
    header: &[u8],
    body: R,
    out: &mut Output<'_, W>,
) -> Result<(), Error> {
    spill(setup, header, body, out, 0)
}

fn spill<R: Read, W: Write>(
    setup: &Setup<'_>,
    header: &[u8],
    body: R,
    out: &mut Output<'_, W>,
    depth: u64,
) -> Result<(), Error> {
    let temp = temp_error(setup);
    let budget = setup.options.memory_budget;
    let n = partitions(setup.options.input_size, budget);
    let col = setup.cols.practitioner_id;
    let delimiter = setup.delimiter;
    // The partition files and the partition of each line.
    let mut parts: Vec<(BufWriter<File>, u64, u64)> = Vec::with_capacity(n);
    for _ in 0..n {
        parts.push((BufWriter::with_capacity(1 << 16, temp_file(setup)?), 0, 0));
    }
    let mut which = BufWriter::with_capacity(1 << 16, temp_file(setup)?);
    let mut lines = BufReader::with_capacity(1 << 16, body);
    let mut line = Vec::new();
    let mut rec = csv::ByteRecord::new();
    // The practitioner of the previous line and its partition: most
    // lines follow one of the same practitioner.
    let mut last: (Vec<u8>, u8) = (Vec::new(), 0);
    let mut first = true;
    loop {
        line.clear();
        if lines.read_until(b'\n', &mut line).map_err(input_error)? == 0 {
            break;
        }
        let text = line.strip_suffix(b"\n").unwrap_or(&line);
        let text = text.strip_suffix(b"\r").unwrap_or(text);
        if text.is_empty() {
            continue;
        }
        records::record(text, delimiter, &mut rec);
        let p = col
            .and_then(|c| rec.get(c))
            .unwrap_or_default()
            .trim_ascii();
        let k = if !first && p == last.0.as_slice() {
            last.1
        } else {
            let mut h = DefaultHasher::new();
            (depth, p).hash(&mut h);
            let k = (h.finish() % n as u64) as u8;
            last = (p.to_vec(), k);
            first = false;
            k
        };
        let Some(part) = parts.get_mut(usize::from(k)) else {
            continue;
        };
        part.0.write_all(&line).map_err(&temp)?;
        if line.last() != Some(&b'\n') {
            part.0.write_all(b"\n").map_err(&temp)?;
        }
        part.1 += line.len() as u64 + 1;
        part.2 += 1;
        which.write_all(&[k]).map_err(&temp)?;
    }
    // Each partition priced into a file of its own.
    let mut outputs = Vec::with_capacity(n);
    for (w, size, rows) in parts {
        let mut file = w.into_inner().map_err(|e| temp(e.into_error()))?;
        file.seek(SeekFrom::Start(0)).map_err(&temp)?;
        let result = BufWriter::with_capacity(1 << 16, temp_file(setup)?);
        let mut part = Output {
            w: result,
            header: Vec::new(),
            rows: 0,
            progress: None,
            summary: Default::default(),
        };
        // Whether the partition went through the engine, whose CSV output
        // opens with its header (a partition spilled again has none).
        let mut engine_ran = false;
        if rows > 0 {
            let whole_fits = size <= budget as u64;
            // Once (a partition of one practitioner cannot be split) or
            // twice more at most, then held whole whatever its size.
            if whole_fits || depth >= 2 {
                let mut data = Vec::with_capacity(header.len() + 1 + size as usize);
                data.extend_from_slice(header);
                data.push(b'\n');
                file.read_to_end(&mut data).map_err(&temp)?;
                drop(file);
                let options = super::BatchOptions {
                    memory_budget: usize::MAX,
                    input_size: None,
                    ..setup.options.clone()
                };
                let summary = engine::run(
                    setup.tariffs,
                    data.as_slice(),
                    &mut part.w,
                    &options,
                    (None, Large::Stream),
                )?;
                part.summary = summary;
                engine_ran = true;
            } else {
                let options = super::BatchOptions {
                    input_size: Some(size),
                    ..setup.options.clone()
                };
                let deeper = Setup {
                    options,
                    ..setup.clone()
                };
                spill(&deeper, header, BufReader::new(file), &mut part, depth + 1)?;
            }
        }
        let mut file = part.w.into_inner().map_err(|e| temp(e.into_error()))?;
        file.seek(SeekFrom::Start(0)).map_err(&temp)?;
        let mut reader = BufReader::with_capacity(1 << 16, file);
        // The CSV header of the partition's own run.
        if engine_ran && setup.options.format == OutputFormat::Csv {
            skip_line(&mut reader).map_err(&temp)?;
        }
        out.summary.merge(part.summary);
        outputs.push(reader);
    }
    // Merged back in input order.
    out.begin()?;
    let mut which = which.into_inner().map_err(|e| temp(e.into_error()))?;
    which.seek(SeekFrom::Start(0)).map_err(&temp)?;
    let mut which = BufReader::with_capacity(1 << 16, which);
    let mut row = 0u64;
    let mut text = Vec::new();
    let mut number = itoa_buf();
    loop {
        let ks = which.fill_buf().map_err(&temp)?;
        if ks.is_empty() {
            break;
        }
        let taken = ks.len();
        for &k in ks {
            row += 1;
            text.clear();
            let Some(reader) = outputs.get_mut(usize::from(k)) else {
                continue;
            };
            reader.read_until(b'\n', &mut text).map_err(&temp)?;
            renumber(&text, row, setup.options.format, &mut number, &mut out.w)?;
        }
        which.consume(taken);
        if let Some(p) = out.progress {
            p(row);
        }
    }
    out.rows += row;
    Ok(())
}

/// Skips one line of `r`.
fn skip_line(r: &mut impl BufRead) -> std::io::Result<()> {
    let mut v = Vec::new();
    r.read_until(b'\n', &mut v).map(|_| ())
}

fn itoa_buf() -> Vec<u8> {
    Vec::with_capacity(20)
}

/// Writes the row `text` (with its line end) with its row number set to
/// `row`: the first CSV field, or the `row` key that opens a JSON line.
fn renumber(
    text: &[u8],
    row: u64,
    format: OutputFormat,
    number: &mut Vec<u8>,
    w: &mut impl Write,
) -> Result<(), Error> {
    number.clear();
    crate::money::push_u64(number, row);
    let (prefix, rest): (&[u8], &[u8]) = match format {
        OutputFormat::Csv => {
            let at = text.iter().position(|&b| b == b',').unwrap_or(text.len());
            (b"", text.get(at..).unwrap_or_default())
        }
        OutputFormat::Jsonl => {
            const KEY: &[u8] = b"{\"row\":";
            let digits = text
                .get(KEY.len()..)
                .unwrap_or_default()
                .iter()
                .take_while(|b| b.is_ascii_digit())
                .count();
            (KEY, text.get(KEY.len() + digits..).unwrap_or_default())
        }
    };
    w.write_all(prefix).map_err(output_error)?;
    w.write_all(number).map_err(output_error)?;
    w.write_all(rest).map_err(output_error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_renumbered_in_both_formats() {
        let mut out = Vec::new();
        let mut n = Vec::new();
        renumber(b"1,F1,P1\n", 1234, OutputFormat::Csv, &mut n, &mut out).unwrap();
        renumber(
            b"{\"row\":7,\"x\":1}\n",
            80,
            OutputFormat::Jsonl,
            &mut n,
            &mut out,
        )
        .unwrap();
        assert_eq!(out, b"1234,F1,P1\n{\"row\":80,\"x\":1}\n");
    }

    #[test]
    fn partitions_hold_half_a_budget() {
        assert_eq!(partitions(Some(1000), 1000), 3);
        assert_eq!(partitions(Some(10), 1000), 2);
        assert_eq!(partitions(Some(u64::MAX), 2), 255);
        assert_eq!(partitions(None, 1000), 64);
    }
}
