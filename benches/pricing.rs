//! Benchmarks of the core engine. Run: `cargo bench --bench pricing`.
//!
//! - `load/embedded_tariffs`: parsing and validating the embedded CSV
//!   tables (what the first call to `Tariffs::embedded()` costs).
//! - `price/*`: pricing one pre-parsed line, by family.
//!
//! Whole batches and the csv floor are in `benches/throughput.rs`.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
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

criterion_group!(benches, load, price);
criterion_main!(benches);
