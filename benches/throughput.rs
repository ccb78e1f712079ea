//! Throughput on a generated batch (issue: high-throughput batch engine).
//!
//! The group is named after the batch size (`throughput_1000000_lines`),
//! so runs of different sizes are never compared with each other.
//!
//! - `price_preparsed_1_thread`: pricing already parsed lines, one thread
//!   (`Tariffs::price`).
//! - `csv_all_rules_1_thread` and `…_all_threads`: CSV in → priced CSV
//!   out, every rule on, input and output in memory, through
//!   `price_seekable` with the input's size given (as `kine-tarif price`
//!   does for a file to a file): a generated batch is grouped by
//!   practitioner, so it is streamed when larger than the budget;
//!   `…_all_threads_size_unknown`: `price_csv_with` without the size (as
//!   from a pipe): held up to the 48 MiB budget, spilled beyond it.
//! - `floor_csv_read`: the csv crate reading the same bytes into one
//!   reused `ByteRecord` and doing nothing else.
//!
//! `KINE_BENCH_LINES` sets the batch size (default 1,000,000); CI runs a
//! small one. Run: `cargo bench --bench throughput`.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use kine_tarif::batch::{BatchOptions, price_csv_with, price_seekable};
use kine_tarif::money::parse_decimal;
use kine_tarif::{Code, InvoiceLine, Tariffs, Territory};

fn lines() -> u64 {
    std::env::var("KINE_BENCH_LINES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000)
}

fn batch(n: u64) -> Vec<u8> {
    let mut v = Vec::new();
    kine_tarif::generate::generate(Tariffs::embedded(), n, 1, 2025, &mut v).unwrap();
    v
}

/// The generated lines as `InvoiceLine`s (bad rows skipped).
fn preparsed(input: &[u8]) -> Vec<InvoiceLine> {
    let mut r = csv::Reader::from_reader(input);
    r.records()
        .filter_map(|rec| {
            let rec = rec.ok()?;
            let date = rec[3].parse().ok()?;
            let code: Code = rec[4].parse().ok()?;
            let mut l = InvoiceLine::new(date, code, parse_decimal(&rec[5]))
                .in_territory(Territory::from_department(&rec[7]).ok()?);
            if let Some(q) = parse_decimal(&rec[6]) {
                l = l.with_quantity(q);
            }
            if !rec[9].is_empty() {
                l = l.with_act_id(&rec[9]);
            }
            Some(l)
        })
        .collect()
}

fn throughput(c: &mut Criterion) {
    let n = lines();
    let input = batch(n);
    let parsed = preparsed(&input);
    let t = Tariffs::embedded();
    let mut g = c.benchmark_group(format!("throughput_{n}_lines"));
    g.sample_size(10);

    g.throughput(Throughput::Elements(parsed.len() as u64));
    g.bench_function("price_preparsed_1_thread", |b| {
        b.iter(|| {
            let mut cents = 0i64;
            for l in &parsed {
                if let Some(a) = t.price(black_box(l)).amount {
                    cents += i64::try_from(a.mantissa()).unwrap_or(0);
                }
            }
            cents
        })
    });

    g.throughput(Throughput::Elements(n));
    let size = Some(input.len() as u64);
    for (name, threads, input_size) in [
        ("csv_all_rules_1_thread", 1, size),
        ("csv_all_rules_all_threads", 0, size),
        ("csv_all_rules_all_threads_size_unknown", 0, None),
    ] {
        g.bench_function(name, |b| {
            b.iter(|| {
                let options = BatchOptions {
                    threads,
                    input_size,
                    ..BatchOptions::default()
                };
                let summary = match input_size {
                    Some(_) => price_seekable(
                        t,
                        std::io::Cursor::new(input.as_slice()),
                        std::io::sink(),
                        &options,
                        None,
                    ),
                    None => price_csv_with(t, input.as_slice(), std::io::sink(), &options),
                };
                summary.unwrap().rows
            })
        });
    }
    g.bench_function("floor_csv_read", |b| {
        b.iter(|| {
            let mut r = csv::ReaderBuilder::new()
                .flexible(true)
                .from_reader(input.as_slice());
            let mut rec = csv::ByteRecord::new();
            let mut fields = 0u64;
            while r.read_byte_record(&mut rec).unwrap() {
                fields += rec.len() as u64;
            }
            fields
        })
    });
    g.finish();
}

criterion_group!(benches, throughput);
criterion_main!(benches);
