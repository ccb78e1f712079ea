//! Holding an input whole (it fits the memory budget): its lines grouped
//! by practitioner whatever their order, the groups shared among the
//! threads, and the rows written back in input order.

use std::collections::HashMap;
use std::io::Write;

use crate::Error;
use crate::batch::{records, split};

use super::*;

/// The body of an input held whole (it ended within the budget).
pub(in crate::batch) fn whole<W: Write>(
    setup: &Setup<'_>,
    buf: Vec<u8>,
    out: &mut Output<'_, W>,
) -> Result<(), Error> {
    let delimiter = setup.delimiter;
    let plain = split::is_plain(&buf);
    // Plain input held whole that is grouped by practitioner gives the same
    // output through the streaming pipeline, which splits it in parallel
    // and does not hold the whole output.
    let stream_whole = plain
        && (!setup.options.rules
            || setup
                .cols
                .practitioner_id
                .is_some_and(|col| split::is_grouped(&buf, delimiter, col)));
    if stream_whole {
        streaming(setup, std::io::empty(), buf, out, (0, false, false))?;
        return Ok(());
    }
    let block = if plain {
        Block::default().plain(buf, delimiter, 1)
    } else {
        let mut block = Block::default();
        let mut row = 0;
        records::each_record(&buf, delimiter, |rec, closed| {
            row += 1;
            block.push(rec, row, closed);
        });
        block
    };
    in_memory(setup, &block, out)
}

/// Holds the whole input: groups by practitioner, shares the groups among
/// the threads, writes back in input order.
pub(super) fn in_memory<W: Write>(
    setup: &Setup<'_>,
    block: &Block,
    out: &mut Output<'_, W>,
) -> Result<(), Error> {
    let n = block.lines.len();
    let prac = setup.cols.practitioner_id;
    let mut order: Vec<usize> = (0..n).collect();
    // Each line's practitioner, found once (a plain line's fields are not
    // indexed: the sort would scan for it at every comparison).
    let ids: Vec<&[u8]> = if setup.options.rules {
        (0..n).map(|i| block.practitioner(i, prac)).collect()
    } else {
        Vec::new()
    };
    // Each practitioner's lines must be together; already so unless a
    // practitioner comes back after another one.
    if setup.options.rules && !split::each_together(ids.iter().copied()) {
        order = grouped_order(&ids);
    }
    let t = threads(&setup.options).max(1);
    let mut parts: Vec<&[usize]> = Vec::new();
    let mut start = 0;
    for k in 1..=t {
        let mut end = (n * k / t).max(start);
        if setup.options.rules {
            while end > start && end < n && ids[order[end]] == ids[order[end - 1]] {
                end += 1;
            }
        }
        if end > start {
            parts.push(&order[start..end]);
        }
        start = end;
    }
    let chunks: Vec<Chunk> = std::thread::scope(|s| {
        let handles: Vec<_> = parts
            .iter()
            .map(|part| {
                s.spawn(move || {
                    let mut scratch = Scratch::default();
                    process_caught(
                        setup,
                        block,
                        part,
                        (true, false),
                        (Vec::new(), &mut scratch),
                    )
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().map_err(|_| worker_panicked()).and_then(|r| r))
            .collect::<Result<Vec<_>, _>>()
    })?;
    // Where each line's row is: its chunk, start and end (a chunk's
    // output may pass 4 GiB: offsets are `usize`).
    out.begin()?;
    let mut loc = vec![(0u32, 0usize, 0usize); n];
    for (ci, c) in chunks.iter().enumerate() {
        for &(line, s, e) in &c.ranges {
            if let Some(l) = loc.get_mut(line) {
                *l = (ci as u32, s, e);
            }
        }
    }
    for (i, &(ci, s, e)) in loc.iter().enumerate() {
        let row = chunks
            .get(ci as usize)
            .and_then(|c| c.buf.get(s..e))
            .unwrap_or_default();
        out.w.write_all(row).map_err(Error::Output)?;
        if i % 65536 == 65535
            && let Some(p) = out.progress
        {
            p(i as u64 + 1);
        }
    }
    for c in chunks {
        out.rows += c.summary.rows;
        out.summary.merge(c.summary);
    }
    if let Some(p) = out.progress {
        p(out.rows);
    }
    Ok(())
}

/// The lines' indices with each id's lines together, in input order
/// inside, the ids in order of first appearance: a counting sort over the
/// ids numbered as met (std's hasher, randomly keyed: ids come from the
/// input). Linear, where a comparison sort of the ids took most of the
/// time of a large input held whole.
pub(super) fn grouped_order(ids: &[&[u8]]) -> Vec<usize> {
    let mut numbers: HashMap<&[u8], usize> = HashMap::new();
    let keys: Vec<usize> = ids
        .iter()
        .map(|id| {
            let next = numbers.len();
            *numbers.entry(id).or_insert(next)
        })
        .collect();
    // Where each id's lines start.
    let mut starts = vec![0usize; numbers.len() + 1];
    for &k in &keys {
        if let Some(c) = starts.get_mut(k + 1) {
            *c += 1;
        }
    }
    for k in 1..starts.len() {
        starts[k] += starts[k - 1];
    }
    let mut order = vec![0usize; ids.len()];
    for (i, &k) in keys.iter().enumerate() {
        if let Some(at) = starts.get_mut(k)
            && let Some(slot) = order.get_mut(*at)
        {
            *slot = i;
            *at += 1;
        }
    }
    order
}

#[cfg(test)]
mod tests {
    use super::grouped_order;

    #[test]
    fn each_ids_lines_together_in_input_order() {
        let ids: Vec<&[u8]> = vec![b"K2", b"K1", b"K2", b"", b"K1", b"K2"];
        assert_eq!(grouped_order(&ids), vec![0, 2, 5, 1, 4, 3]);
        assert_eq!(grouped_order(&[]), Vec::<usize>::new());
    }
}
