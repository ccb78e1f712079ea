//! Benchmarks of the core engine. Run: `cargo bench --bench pricing`.
//!
//! - `load/embedded_tariffs`: parsing and validating the embedded CSV
//!   tables (what the first call to `Tariffs::embedded()` costs).
//! - `price/*`: pricing one pre-parsed line, by family.
//! - `batch/examples_invoices`: CSV in → priced CSV out on
//!   `examples/invoices.csv`, and the floor: the csv crate reading the same
//!   bytes into one reused `ByteRecord` and doing nothing else.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use kine_tarif::batch::{OutputFormat, price_csv};
use kine_tarif::{Code, InvoiceLine, TARIFF_FILES, Tariffs, Territory};

fn load(c: &mut Criterion) {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tariffs");
    let texts: Vec<String> = TARIFF_FILES
        .iter()
        .map(|f| std::fs::read_to_string(format!("{dir}/{f}")).unwrap())
        .collect();
    c.bench_function("load/embedded_tariffs", |b| {
        b.iter(|| {
            Tariffs::from_sources("bench", [&texts[0], &texts[1], &texts[2], &texts[3]]).unwrap()
        })
    });
}

fn price(c: &mut Criterion) {
    let t = Tariffs::embedded();
    let d = |s: &str| s.parse().unwrap();
    let n = |s: &str| Some(s.parse().unwrap());
    let lines = [
        (
            "new_key",
            InvoiceLine::new(d("2026-02-01"), Code::RIM, n("8.10")).in_territory(Territory::Dom),
        ),
        (
            "revalued",
            InvoiceLine::new(d("2026-06-01"), Code::TER, n("9.49")),
        ),
        (
            "old_cotation",
            InvoiceLine::new(d("2023-05-10"), Code::AMS, n("7.5")),
        ),
        (
            "travel",
            InvoiceLine::new(d("2026-02-01"), Code::IK, None).with_quantity("6".parse().unwrap()),
        ),
    ];
    let mut g = c.benchmark_group("price");
    g.throughput(Throughput::Elements(1));
    for (name, line) in &lines {
        g.bench_function(*name, |b| b.iter(|| t.price(black_box(line)).amount));
    }
    g.finish();
}

fn batch(c: &mut Criterion) {
    let input = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/invoices.csv"
    ))
    .unwrap();
    let rows = input.iter().filter(|&&b| b == b'\n').count() as u64 - 1;
    let t = Tariffs::embedded();
    let mut g = c.benchmark_group("batch");
    g.throughput(Throughput::Elements(rows));
    g.bench_function("examples_invoices", |b| {
        b.iter(|| {
            let mut out = Vec::with_capacity(input.len() * 2);
            price_csv(t, input.as_slice(), &mut out, OutputFormat::Csv)
                .unwrap()
                .rows
        })
    });
    g.bench_function("floor_csv_read", |b| {
        b.iter(|| {
            let mut r = csv::ReaderBuilder::new()
                .flexible(true)
                .from_reader(input.as_slice());
            let mut rec = csv::ByteRecord::new();
            let mut n = 0u64;
            while r.read_byte_record(&mut rec).unwrap() {
                n += rec.len() as u64;
            }
            n
        })
    });
    g.finish();
}

criterion_group!(benches, load, price, batch);
criterion_main!(benches);
