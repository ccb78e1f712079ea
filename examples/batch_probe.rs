//! In-process batches of generated lines, alternated with the csv floor:
//! wall time, user and system time and minor page faults per batch
//! (Linux: read from `/proc/self/stat`), for one or more memory budgets.
//!
//! ```sh
//! cargo run --release --example batch_probe -- LINES THREADS BUDGETS_MIB ROUNDS [sized]
//! cargo run --release --example batch_probe -- 1000000 0 48,16,8 10
//! ```
//!
//! With `sized`, the engine is told the input's size
//! (`BatchOptions::input_size`).
//!
//! Prints the median and best wall time of each budget, its ratio to the
//! floor's median, and the mean user and system ticks and faults a batch.
//! A measuring aid for BENCHMARKS.md, not a benchmark of record.

use kine_tarif::Tariffs;
use kine_tarif::batch::{BatchOptions, price_csv_with, price_seekable};
use std::time::Instant;
fn stat() -> (u64, u64, u64) {
    let s = std::fs::read_to_string("/proc/self/stat").unwrap();
    let rest = &s[s.rfind(')').unwrap() + 2..];
    let f: Vec<&str> = rest.split(' ').collect();
    (
        f[7].parse().unwrap(),
        f[11].parse().unwrap(),
        f[12].parse().unwrap(),
    )
}
fn main() {
    let n: u64 = std::env::args()
        .nth(1)
        .map_or(1_000_000, |s| s.parse().unwrap());
    let threads: usize = std::env::args().nth(2).map_or(0, |s| s.parse().unwrap());
    let budgets: Vec<usize> = std::env::args().nth(3).map_or(vec![48], |s| {
        s.split(',').map(|x| x.parse().unwrap()).collect()
    });
    let rounds: usize = std::env::args().nth(4).map_or(8, |s| s.parse().unwrap());
    let sized = std::env::args().nth(5).is_some_and(|s| s == "sized");
    let t = Tariffs::embedded();
    let mut input = Vec::new();
    kine_tarif::generate::generate(t, n, 1, 2025, &mut input).unwrap();
    let mut res: Vec<Vec<(f64, u64, u64, u64)>> = vec![Vec::new(); budgets.len() + 1];
    for _ in 0..rounds {
        for (bi, &budget) in budgets.iter().enumerate() {
            let (f0, u0, s0) = stat();
            let t0 = Instant::now();
            let o = BatchOptions {
                threads,
                memory_budget: budget << 20,
                input_size: sized.then_some(input.len() as u64),
                ..BatchOptions::default()
            };
            // A file to a file: streamed when grouped and larger than the
            // budget, as `kine-tarif price` does.
            let _ = if sized {
                price_seekable(
                    t,
                    std::io::Cursor::new(input.as_slice()),
                    std::io::sink(),
                    &o,
                    None,
                )
            } else {
                price_csv_with(t, input.as_slice(), std::io::sink(), &o)
            }
            .unwrap()
            .rows;
            let el = t0.elapsed().as_secs_f64() * 1e3;
            let (f1, u1, s1) = stat();
            res[bi].push((el, u1 - u0, s1 - s0, f1 - f0));
        }
        let t1 = Instant::now();
        let mut rd = csv::ReaderBuilder::new()
            .flexible(true)
            .from_reader(input.as_slice());
        let mut rec = csv::ByteRecord::new();
        let mut k = 0u64;
        while rd.read_byte_record(&mut rec).unwrap() {
            k += rec.len() as u64;
        }
        std::hint::black_box(k);
        res[budgets.len()].push((t1.elapsed().as_secs_f64() * 1e3, 0, 0, 0));
    }
    let med = |v: &mut Vec<f64>| {
        v.sort_by(|a, b| a.partial_cmp(b).unwrap());
        v[v.len() / 2]
    };
    let mut fl: Vec<f64> = res[budgets.len()].iter().map(|r| r.0).collect();
    let floor = med(&mut fl);
    println!("floor median {floor:.1} ms min {:.1}", fl[0]);
    for (bi, b) in budgets.iter().enumerate() {
        let mut w: Vec<f64> = res[bi].iter().map(|r| r.0).collect();
        let m = med(&mut w);
        let u: u64 = res[bi].iter().map(|r| r.1).sum();
        let s: u64 = res[bi].iter().map(|r| r.2).sum();
        let f: u64 = res[bi].iter().map(|r| r.3).sum();
        println!(
            "budget {b:3}: median {m:.1} ms min {:.1} ratio {:.3} user {} sys {} faults {}",
            w[0],
            floor / m,
            u / rounds as u64,
            s / rounds as u64,
            f / rounds as u64
        );
    }
}
