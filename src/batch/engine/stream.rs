//! Streaming: an input cut into blocks of whole practitioners by the
//! reading thread, processed in parallel, and written in order by the
//! pipe, which checks on the way that each practitioner's lines come
//! together (see [`super::Large`] for what happens when they do not).

use std::collections::HashMap;
use std::io::{BufReader, Read, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, mpsc};

use crate::Error;
use crate::batch::{records, split};

use super::*;

/// A block for the workers: plain bytes they split themselves (numbered
/// from the given row), or lines already read by the csv crate.
pub(super) enum Job {
    Plain(Vec<u8>, u64),
    Read(Block),
}

/// The ordered end of the streaming pipeline: blocks sent to the workers
/// by sequence number, chunks written back in that order, the grouping by
/// practitioner checked on the way.
pub(super) struct Pipe<'o, 'p, W: Write> {
    pub(super) jobs: mpsc::SyncSender<(u64, Job)>,
    pub(super) results: mpsc::Receiver<(u64, Result<Chunk, Error>)>,
    /// Output buffers written, handed back to the workers.
    pub(super) spent: mpsc::Sender<Vec<u8>>,
    pub(super) sent: u64,
    pub(super) next: u64,
    pub(super) pending: std::collections::BTreeMap<u64, Chunk>,
    /// Practitioners whose lines are over, with their last row.
    pub(super) closed: HashMap<Vec<u8>, u64>,
    /// While it is not known whether the input ends within the budget:
    /// chunks are checked and kept, not written (see [`Pipe::commit`]).
    pub(super) hold: bool,
    pub(super) held: Vec<Chunk>,
    /// The first practitioner met again while holding.
    pub(super) failed: Option<Error>,
    pub(super) out: &'o mut Output<'p, W>,
}

pub(super) fn not_grouped(line: u64, p: &[u8], previous: u64) -> Error {
    Error::NotGrouped {
        line,
        practitioner: String::from_utf8_lossy(p).into_owned(),
        previous,
    }
}

impl<W: Write> Pipe<'_, '_, W> {
    /// The input does not end within the budget: the chunks held are
    /// written, or the practitioner met again stops the work (as it would
    /// have, had the chunks been written as they came).
    pub(super) fn commit(&mut self) -> Result<(), Error> {
        self.hold = false;
        for c in std::mem::take(&mut self.held) {
            let buf = self.out.chunk(c)?;
            let _ = self.spent.send(buf);
        }
        match self.failed.take() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// Sends a block to the workers. While their queue is full, takes
    /// their results in: a blocking send would wait for ever on workers
    /// that all stopped on a failure, whose error is in the results.
    pub(super) fn send(&mut self, job: Job) -> Result<(), Error> {
        let mut item = (self.sent, job);
        loop {
            match self.jobs.try_send(item) {
                Ok(()) => break,
                Err(mpsc::TrySendError::Full(back)) => {
                    item = back;
                    let (seq, c) = self.results.recv().map_err(|_| worker_panicked())?;
                    self.pending.insert(seq, c?);
                }
                Err(mpsc::TrySendError::Disconnected(_)) => return Err(worker_panicked()),
            }
        }
        self.sent += 1;
        self.drain(false)
    }

    /// Writes the chunks ready, in order; with `all`, waits for every
    /// block sent.
    pub(super) fn drain(&mut self, all: bool) -> Result<(), Error> {
        loop {
            while let Some(c) = self.pending.remove(&self.next) {
                self.next += 1;
                if self.failed.is_some() {
                    continue;
                }
                for (p, first, last) in &c.runs {
                    if let Some(&previous) = self.closed.get(p) {
                        let e = not_grouped(*first, p, previous);
                        if !self.hold {
                            return Err(e);
                        }
                        self.failed = Some(e);
                        break;
                    }
                    self.closed.insert(p.clone(), *last);
                }
                if self.failed.is_some() {
                    continue;
                }
                if self.hold {
                    self.held.push(c);
                } else {
                    let buf = self.out.chunk(c)?;
                    // The workers may reuse it; if they are gone, it is dropped.
                    let _ = self.spent.send(buf);
                }
            }
            if self.next >= self.sent {
                return Ok(());
            }
            let (seq, c) = if all {
                self.results.recv().map_err(|_| worker_panicked())?
            } else {
                match self.results.try_recv() {
                    Ok(x) => x,
                    Err(mpsc::TryRecvError::Empty) => return Ok(()),
                    Err(mpsc::TryRecvError::Disconnected) => return Err(worker_panicked()),
                }
            };
            // A worker's failure stops the run at once.
            self.pending.insert(seq, c?);
        }
    }
}

/// What [`streaming`] leaves to do: nothing, or the input read so far
/// (the body up to where it stopped) to hold whole, or to spill with the
/// rest of the input.
pub(super) enum Next {
    Done,
    Whole(Vec<u8>),
    Spill(Vec<u8>),
}

/// Streams input in blocks of whole practitioners, processed in parallel
/// and written in order. Plain CSV is cut by bytes here and split into
/// fields by the workers; from the first block that is not plain on, the
/// csv crate reads the rest.
///
/// `(read, undecided)`: the bytes read so far, and whether it is still to
/// be seen if the input ends within the budget. Until then the blocks are
/// processed but their rows held (and the blocks kept): an input that ends
/// within the budget and is not grouped by practitioner, or not plain, is
/// returned whole (nothing written) to be held whole; otherwise the rows
/// are written once the budget is passed or the input ends.
pub(super) fn streaming<R: Read, W: Write>(
    setup: &Setup<'_>,
    mut input: R,
    mut buf: Vec<u8>,
    out: &mut Output<'_, W>,
    (mut read, mut undecided, spill): (usize, bool, bool),
) -> Result<Next, Error> {
    let rules = setup.options.rules;
    let prac = setup.cols.practitioner_id;
    let delimiter = setup.delimiter;
    let budget = setup.options.memory_budget;
    if rules && prac.is_none() {
        // Held whole if it ends within the budget.
        if undecided && ends_within(&mut input, &mut buf, &mut read, budget)? {
            return Ok(Next::Whole(buf));
        }
        return Err(Error::NoPractitionerColumn { budget });
    }
    let block_bytes = block_bytes(budget);
    let t = threads(&setup.options).max(1);
    let (job_tx, job_rx) = mpsc::sync_channel::<(u64, Job)>(t * 2);
    let job_rx = Mutex::new(job_rx);
    let (res_tx, res_rx) = mpsc::channel::<(u64, Result<Chunk, Error>)>();
    // Buffers go round instead of being allocated (and page-faulted) for
    // every block: input pieces back to the reader, output to the workers.
    let (free_in_tx, free_in) = mpsc::channel::<(u64, Vec<u8>)>();
    let (spent, free_out) = mpsc::channel::<Vec<u8>>();
    let free_out = Mutex::new(free_out);
    // Set when the blocks sent are to be held whole after all: the workers
    // hand them back unprocessed.
    let cancel = AtomicBool::new(false);
    std::thread::scope(|s| -> Result<Next, Error> {
        for _ in 0..t {
            let res_tx = res_tx.clone();
            let free_in_tx = free_in_tx.clone();
            let (job_rx, free_out, cancel) = (&job_rx, &free_out, &cancel);
            s.spawn(move || {
                let mut spare = Block::default();
                let mut scratch = Scratch::default();
                loop {
                    let job = job_rx.lock().map(|rx| rx.recv());
                    let Ok(Ok((seq, job))) = job else { break };
                    if cancel.load(Ordering::Relaxed) {
                        if let Job::Plain(data, _) = job {
                            let _ = free_in_tx.send((seq, data));
                        }
                        continue;
                    }
                    let (block, plain) = match job {
                        Job::Plain(data, row) => (spare.plain(data, delimiter, row), true),
                        Job::Read(block) => (block, false),
                    };
                    let buf = free_out
                        .lock()
                        .ok()
                        .and_then(|rx| rx.try_recv().ok())
                        .unwrap_or_default();
                    let idx: Vec<usize> = (0..block.lines.len()).collect();
                    let chunk =
                        process_caught(setup, &block, &idx, (false, plain), (buf, &mut scratch));
                    let failed = chunk.is_err();
                    if res_tx.send((seq, chunk)).is_err() || failed {
                        // Its input goes back all the same: an input
                        // taken back whole waits for every piece.
                        if plain {
                            let _ = free_in_tx.send((seq, block.data));
                        }
                        break;
                    }
                    spare = block;
                    if plain {
                        let _ = free_in_tx.send((seq, std::mem::take(&mut spare.data)));
                    }
                }
            });
        }
        drop(res_tx);
        drop(free_in_tx);
        let mut pipe = Pipe {
            jobs: job_tx,
            results: res_rx,
            spent,
            sent: 0,
            next: 0,
            pending: std::collections::BTreeMap::new(),
            closed: HashMap::new(),
            hold: undecided,
            held: Vec::new(),
            failed: None,
            out,
        };
        // The whole body while undecided: the blocks sent (given back by
        // the workers, by sequence number) and what is left in `buf`.
        let taken_back = |pipe: &Pipe<'_, '_, W>, rest: Vec<u8>| {
            cancel.store(true, Ordering::Relaxed);
            let mut pieces: Vec<(u64, Vec<u8>)> = free_in.iter().take(pipe.sent as usize).collect();
            if pieces.len() as u64 != pipe.sent {
                return Err(worker_panicked());
            }
            if pieces.is_empty() {
                return Ok(rest);
            }
            pieces.sort_unstable_by_key(|p| p.0);
            let size = pieces.iter().map(|p| p.1.len()).sum::<usize>() + rest.len();
            let mut all = Vec::with_capacity(size);
            for (_, p) in pieces {
                all.extend_from_slice(&p);
            }
            all.extend_from_slice(&rest);
            Ok(all)
        };
        let mut start = 0usize;
        let mut row = 0u64;
        // Once the input is read to its end, smaller blocks: the last ones
        // keep every worker busy to the end.
        let tail_block = (block_bytes / 4).max(1);
        // Doubled while a block would hold no whole practitioner.
        let mut grow = 1usize;
        let mut want;
        let mut eof = false;
        // While undecided, the first blocks are checked for grouping before
        // they are sent (the pipe checks every block, and has the last word).
        let mut grouping = split::Grouping::default();
        let mut ungrouped = false;
        loop {
            want = block_bytes.saturating_mul(grow);
            if want > MAX_BLOCK {
                return Err(practitioner_too_large(row + 1));
            }
            // A practitioner met again while undecided: no more blocks are
            // sent; the rest is read to see whether the input fits.
            if undecided && (ungrouped || pipe.failed.is_some()) {
                want = budget.saturating_add(1);
            }
            while buf.len() - start < want && !eof {
                if start > 0 {
                    buf.drain(..start);
                    start = 0;
                }
                let n = (want - buf.len()).max(1 << 16);
                let got = read_more(&mut input, &mut buf, n)?;
                read += got;
                eof = got == 0;
                if undecided && read > budget {
                    // Too large to be held whole and not known to be
                    // grouped: spilled (see `super::spill`), nothing
                    // written.
                    if spill {
                        return taken_back(&pipe, std::mem::take(&mut buf)).map(Next::Spill);
                    }
                    // Too large to be held whole: what was held is written.
                    undecided = false;
                    pipe.commit()?;
                    want = want.min(block_bytes.saturating_mul(grow));
                }
            }
            if undecided && (ungrouped || pipe.failed.is_some()) {
                // Ended within the budget (else it would be decided).
                buf.drain(..start);
                return taken_back(&pipe, buf).map(Next::Whole);
            }
            let avail = &buf[start..];
            if avail.is_empty() {
                break;
            }
            if eof {
                want = tail_block.saturating_mul(grow);
            }
            let at_end = eof && avail.len() <= want;
            let mut cut = if at_end {
                avail.len()
            } else {
                match memchr::memrchr(b'\n', &avail[..want.min(avail.len())]) {
                    Some(p) => p + 1,
                    None => {
                        grow *= 2;
                        continue;
                    }
                }
            };
            if !split::is_plain(&avail[..cut]) {
                buf.drain(..start);
                if undecided {
                    if ends_within(&mut input, &mut buf, &mut read, budget)? {
                        return taken_back(&pipe, buf).map(Next::Whole);
                    }
                    if spill {
                        return taken_back(&pipe, buf).map(Next::Spill);
                    }
                    pipe.commit()?;
                }
                return read_rest(setup, &mut pipe, buf, input, row, block_bytes)
                    .map(|()| Next::Done);
            }
            if rules && !at_end {
                let group = split::last_group_start(&avail[..cut], delimiter, prac.unwrap_or(0));
                if group == 0 {
                    grow *= 2;
                    continue;
                }
                cut = group;
            }
            // The first block of each worker is checked here (an input in
            // no particular order is caught before any work); later ones
            // by the pipe, whose chunks are held until it is decided.
            if undecided
                && pipe.sent < t as u64
                && !grouping.extend(&avail[..cut], delimiter, prac.unwrap_or(0))
            {
                ungrouped = true;
                continue;
            }
            // Blocks sent while undecided are kept: new buffers for them.
            let mut other = if undecided {
                Vec::new()
            } else {
                free_in.try_recv().map(|p| p.1).unwrap_or_default()
            };
            other.clear();
            let piece = if start == 0 && avail.len() - cut <= cut {
                // The usual case: the block goes to a worker as read, and
                // only the bytes after it (the next block's start) are
                // copied, into the buffer that becomes the reading one.
                other.extend_from_slice(&avail[cut..]);
                buf.truncate(cut);
                std::mem::replace(&mut buf, other)
            } else {
                // More read than one block: the block is copied out.
                other.extend_from_slice(&avail[..cut]);
                start += cut;
                other
            };
            let n = split::count_records(&piece);
            pipe.send(Job::Plain(piece, row + 1))?;
            row += n;
            grow = 1;
        }
        drop(buf);
        pipe.drain(true)?;
        if undecided {
            // Ended within the budget.
            if pipe.failed.is_some() {
                return taken_back(&pipe, Vec::new()).map(Next::Whole);
            }
            pipe.commit()?;
        }
        Ok(Next::Done)
    })
}

/// The rest of a streamed input, from the first block that is not plain
/// CSV: read by the csv crate, blocks cut at practitioner boundaries.
pub(super) fn read_rest<R: Read, W: Write>(
    setup: &Setup<'_>,
    pipe: &mut Pipe<'_, '_, W>,
    rest: Vec<u8>,
    input: R,
    mut row: u64,
    block_bytes: usize,
) -> Result<(), Error> {
    // The plain blocks sent so far close their practitioners first.
    pipe.drain(true)?;
    let rules = setup.options.rules;
    let prac = setup.cols.practitioner_id;
    let mut reader = records::Records::new(BufReader::with_capacity(
        1 << 16,
        std::io::Cursor::new(rest).chain(input),
    ));
    let mut rec = csv::ByteRecord::new();
    let mut current = Block::default();
    let mut current_prac: Vec<u8> = Vec::new();
    while let Some(closed) = reader
        .read(setup.delimiter, &mut rec)
        .map_err(Error::Input)?
    {
        row += 1;
        if rules {
            let p = rec
                .get(prac.unwrap_or(usize::MAX))
                .unwrap_or(b"")
                .trim_ascii();
            if current.lines.is_empty() || p != current_prac.as_slice() {
                if let Some(&previous) = pipe.closed.get(p) {
                    return Err(not_grouped(row, p, previous));
                }
                if !current.lines.is_empty() {
                    let last = current.lines[current.lines.len() - 1].row;
                    pipe.closed.insert(std::mem::take(&mut current_prac), last);
                    if current.bytes() >= block_bytes {
                        pipe.send(Job::Read(std::mem::take(&mut current)))?;
                    }
                }
                current_prac = p.to_vec();
            }
        } else if current.bytes() >= block_bytes {
            pipe.send(Job::Read(std::mem::take(&mut current)))?;
        }
        if current.data.len().saturating_add(rec.as_slice().len()) >= MAX_BLOCK
            || current.ends.len().saturating_add(rec.len()) >= MAX_BLOCK
        {
            return Err(practitioner_too_large(row));
        }
        current.push(&rec, row, closed);
    }
    if !current.lines.is_empty() {
        pipe.send(Job::Read(current))?;
    }
    pipe.drain(true)
}
