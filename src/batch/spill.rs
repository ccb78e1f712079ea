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

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::engine::{self, Output, Setup};
use super::{OutputFormat, Summary, records};
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

/// An id's hash for partition `depth` (FNV-1a, seeded by the depth so a
/// partition spilled again splits differently).
fn hash(id: &[u8], depth: u64) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64 ^ depth.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    for &b in id {
        h = (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
    }
    // FNV's low bits mix poorly: fold the high ones in.
    h ^ (h >> 29)
}

/// A temporary file for the spill, unnamed.
fn temp_file(setup: &Setup<'_>) -> Result<File, Error> {
    let made = match &setup.options.temp_dir {
        Some(dir) => tempfile::tempfile_in(dir),
        None => tempfile::tempfile(),
    };
    made.map_err(temp_error(setup))
}

/// An I/O error of the spill's files, named by their directory.
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

/// Spills `body` (the lines after the header, line ends as read by the
/// engine) by practitioner, prices each partition, and writes the rows to
/// `out` in input order.
pub(super) fn run<R: Read, W: Write>(
    setup: &Setup<'_>,
    body: R,
    out: &mut Output<'_, W>,
) -> Result<(), Error> {
    spill(setup, body, out, 0)
}

fn spill<R: Read, W: Write>(
    setup: &Setup<'_>,
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
        if lines.read_until(b'\n', &mut line).map_err(Error::Input)? == 0 {
            break;
        }
        let text = line.strip_suffix(b"\n").unwrap_or(&line);
        let text = text.strip_suffix(b"\r").unwrap_or(text);
        if text.is_empty() {
            continue;
        }
        // The practitioner as the engine reads it.
        let p = match col {
            Some(c) => records::field(text, delimiter, c, &mut rec),
            None => b"",
        };
        let k = if !first && p == last.0.as_slice() {
            last.1
        } else {
            let k = (hash(p, depth) % n as u64) as u8;
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
    // Each partition priced into a file of its own, as many at once as
    // there are threads, each on one thread: the budget is shared (a
    // partition holds about half of it).
    let mut files = Vec::with_capacity(n);
    for (w, size, rows) in parts {
        let mut file = w.into_inner().map_err(|e| temp(e.into_error()))?;
        file.seek(SeekFrom::Start(0)).map_err(&temp)?;
        files.push(Mutex::new(Some((file, size, rows))));
    }
    let workers = engine::threads(&setup.options).clamp(1, n);
    let one = Setup {
        options: super::BatchOptions {
            threads: 1,
            ..setup.options.clone()
        },
        ..setup.clone()
    };
    let next = AtomicUsize::new(0);
    let priced: Vec<Slot> = (0..n).map(|_| Mutex::new(None)).collect();
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| {
                loop {
                    let k = next.fetch_add(1, Ordering::Relaxed);
                    let Some(slot) = files.get(k) else { break };
                    let Some(part) = slot.lock().ok().and_then(|mut p| p.take()) else {
                        continue;
                    };
                    let result = price_partition(&one, part, depth);
                    let failed = result.is_err();
                    if let Some(Ok(mut r)) = priced.get(k).map(|m| m.lock()) {
                        *r = Some(result);
                    }
                    if failed {
                        // The others stop at their next partition.
                        next.store(n, Ordering::Relaxed);
                        break;
                    }
                }
            });
        }
    });
    let mut outputs = Vec::with_capacity(n);
    for slot in priced {
        let (file, summary) = slot
            .into_inner()
            .ok()
            .flatten()
            .unwrap_or_else(|| Err(engine::worker_panicked()))?;
        out.summary.merge(summary);
        outputs.push(BufReader::with_capacity(1 << 16, file));
    }
    // Merged back in input order.
    out.begin()?;
    let mut which = which.into_inner().map_err(|e| temp(e.into_error()))?;
    which.seek(SeekFrom::Start(0)).map_err(&temp)?;
    let mut which = BufReader::with_capacity(1 << 16, which);
    let mut row = 0u64;
    let mut text = Vec::new();
    let mut number = Vec::with_capacity(20);
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

/// A partition's priced rows and summary, once a worker has done it.
type Slot = Mutex<Option<Result<(File, Summary), Error>>>;

/// Prices one partition (its file, bytes and rows) into a temporary file
/// of rows, rewound: held whole when it fits the budget, spilled again
/// (twice at most) otherwise.
fn price_partition(
    setup: &Setup<'_>,
    (mut file, size, rows): (File, u64, u64),
    depth: u64,
) -> Result<(File, Summary), Error> {
    let temp = temp_error(setup);
    let mut part = Output {
        w: BufWriter::with_capacity(1 << 16, temp_file(setup)?),
        header: Vec::new(),
        rows: 0,
        progress: None,
        summary: Summary::default(),
    };
    if rows > 0 {
        // A partition of one practitioner cannot be split: after two more
        // tries, it is held whole whatever its size.
        if size <= setup.options.memory_budget as u64 || depth >= 2 {
            let mut data = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
            file.read_to_end(&mut data).map_err(&temp)?;
            drop(file);
            engine::whole(setup, data, &mut part)?;
        } else {
            let deeper = Setup {
                options: super::BatchOptions {
                    input_size: Some(size),
                    ..setup.options.clone()
                },
                ..setup.clone()
            };
            spill(&deeper, BufReader::new(file), &mut part, depth + 1)?;
        }
    }
    let mut file = part.w.into_inner().map_err(|e| temp(e.into_error()))?;
    file.seek(SeekFrom::Start(0)).map_err(&temp)?;
    Ok((file, part.summary))
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
    w.write_all(prefix).map_err(Error::Output)?;
    w.write_all(number).map_err(Error::Output)?;
    w.write_all(rest).map_err(Error::Output)
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
