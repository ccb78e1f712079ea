//! Properties over random input (proptest): one row per line whatever the
//! bytes, output independent of threads, budget, source and line order,
//! and each amount equal to an independent computation.

use kine_tarif::batch::{BatchOptions, OUTPUT_COLUMNS, price_csv_with};
use kine_tarif::{InvoiceLine, Tariffs, Territory, price};
use proptest::prelude::*;
use rust_decimal::Decimal;

fn run(input: &[u8], options: BatchOptions) -> Vec<u8> {
    let mut out = Vec::new();
    price_csv_with(Tariffs::embedded(), input, &mut out, &options).unwrap();
    out
}

fn records(out: &[u8]) -> Vec<csv::ByteRecord> {
    csv::ReaderBuilder::new()
        .from_reader(out)
        .byte_records()
        .map(Result::unwrap)
        .collect()
}

const HEADER: &[u8] =
    b"invoice_id,patient_id,practitioner_id,date,code,coefficient,quantity,billed_amount\n";

/// A line's bytes: mostly CSV-like pieces, with quotes, CR, NUL, control
/// bytes, invalid UTF-8 and delimiters among them; never `\n`.
fn line() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        Just(b"F1,P1,K1,2024-06-15,RIM,7.50".to_vec()),
        Just(b",".to_vec()),
        Just(b"\"".to_vec()),
        Just(b"\"\"".to_vec()),
        Just(b"\r".to_vec()),
        Just(b"\0".to_vec()),
        Just(vec![0xff, 0xfe]),
        Just(vec![0xc3]),
        Just(b"7,5".to_vec()),
        Just(b"9999999999999999999999999999".to_vec()),
        Just(b";".to_vec()),
        "[a-zA-Z0-9 .:-]{0,6}".prop_map(String::into_bytes),
        any::<u8>()
            .prop_filter("not a line end", |b| *b != b'\n')
            .prop_map(|b| vec![b]),
    ];
    prop::collection::vec(piece, 0..12).prop_map(|v| v.concat())
}

/// The rows the reader promises for `lines` joined by `\n`: one per line
/// that is not empty once a final `\r` is dropped.
fn expected_rows(lines: &[Vec<u8>]) -> usize {
    lines
        .iter()
        .filter(|l| !l.strip_suffix(b"\r").unwrap_or(l).is_empty())
        .count()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn one_row_per_line_whatever_the_bytes(lines in prop::collection::vec(line(), 0..30), final_newline in any::<bool>()) {
        let mut input = HEADER.to_vec();
        input.extend(lines.join(&b'\n'));
        if final_newline && !lines.is_empty() {
            input.push(b'\n');
        }
        let n = expected_rows(&lines);
        for options in [
            BatchOptions::default(),
            BatchOptions { threads: 1, memory_budget: 64, rules: false, ..BatchOptions::default() },
        ] {
            let out = run(&input, options.clone());
            let rows = records(&out);
            prop_assert_eq!(rows.len(), n);
            for (i, r) in rows.iter().enumerate() {
                let want = (i + 1).to_string();
                prop_assert_eq!(&r[0], want.as_bytes());
                prop_assert_eq!(r.len(), OUTPUT_COLUMNS.len());
            }
        }
    }
}

/// Generated lines (realistic: the rules fire), shuffled by a seed.
fn generated(lines: u64, seed: u64) -> Vec<Vec<u8>> {
    let mut v = Vec::new();
    kine_tarif::generate::generate(Tariffs::embedded(), lines, seed, 2025, &mut v).unwrap();
    v.split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .map(<[u8]>::to_vec)
        .collect()
}

/// Each row keyed by its input line (the `row` column dropped).
fn by_line(out: &[u8], order: &[usize]) -> Vec<Vec<Vec<u8>>> {
    let mut rows = vec![Vec::new(); order.len()];
    for r in records(out) {
        let row: usize = std::str::from_utf8(&r[0]).unwrap().parse().unwrap();
        rows[order[row - 1]] = r.iter().skip(1).map(<[u8]>::to_vec).collect();
    }
    rows
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    #[test]
    fn output_does_not_depend_on_threads_budget_source_or_order(seed in 0u64..1000, shuffle in any::<u64>()) {
        let lines = generated(3_000, seed);
        let (header, body) = lines.split_first().unwrap();
        let join = |order: &[usize]| {
            let mut v = header.clone();
            v.push(b'\n');
            for &i in order {
                v.extend_from_slice(&body[i]);
                v.push(b'\n');
            }
            v
        };
        let identity: Vec<usize> = (0..body.len()).collect();
        let reference = run(&join(&identity), BatchOptions { threads: 1, ..BatchOptions::default() });
        let expected = by_line(&reference, &identity);
        // A permutation from the seed (Fisher–Yates over a xorshift).
        let mut order = identity.clone();
        let mut x = shuffle | 1;
        for i in (1..order.len()).rev() {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            order.swap(i, (x % (i as u64 + 1)) as usize);
        }
        let shuffled = join(&order);
        for (threads, budget) in [(1, 48 << 20), (2, 48 << 20), (2, 1 << 20), (1, 64 << 10)] {
            let options = BatchOptions { threads, memory_budget: budget, ..BatchOptions::default() };
            // Grouped input in small blocks, streamed: same bytes.
            let same = run(&join(&identity), options.clone());
            prop_assert!(same == reference, "threads {} budget {}", threads, budget);
            // From a reader that gives a few bytes at a time (a pipe).
            let piped = {
                let mut out = Vec::new();
                let input = join(&identity);
                price_csv_with(Tariffs::embedded(), Trickle(&input, 0), &mut out, &options).unwrap();
                out
            };
            prop_assert!(piped == reference);
            // Shuffled and held whole: each line's row is the same.
            // Shuffled: held whole (the budget holds it) or spilled (it
            // does not): each line's row is the same.
            let got = by_line(&run(&shuffled, options), &order);
            prop_assert!(got == expected, "shuffled, threads {} budget {}", threads, budget);
        }
    }
}

/// A reader giving at most 1,000 bytes a call.
struct Trickle<'a>(&'a [u8], usize);

impl std::io::Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = buf.len().min(1000).min(self.0.len() - self.1);
        buf[..n].copy_from_slice(&self.0[self.1..self.1 + n]);
        self.1 += n;
        Ok(n)
    }
}

/// coefficient × value × quantity to the cent, half away from zero, in
/// integers: the mantissas multiplied, then divided by 10^(scale − 2).
fn by_hand(coefficient: Decimal, value: Decimal, quantity: Decimal) -> Decimal {
    let m = coefficient.mantissa() * value.mantissa() * quantity.mantissa();
    let scale = coefficient.scale() + value.scale() + quantity.scale();
    if scale <= 2 {
        return Decimal::from_i128_with_scale(m, scale);
    }
    let unit = 10i128.pow(scale - 2);
    let (q, r) = (m / unit, m % unit);
    let q = if 2 * r.abs() >= unit {
        q + m.signum()
    } else {
        q
    };
    Decimal::from_i128_with_scale(q, 2)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn each_amount_is_coefficient_times_value_times_quantity(
        act in 0usize..1000,
        period in 0usize..10,
        day in 0i64..100_000,
        dom in any::<bool>(),
        quantity in 1u32..=99,
    ) {
        let t = Tariffs::embedded();
        let acts = t.acts();
        let a = &acts[act % acts.len()];
        let p = &a.periods[period % a.periods.len()];
        // A day of the period (open periods: up to the end of 2028).
        let end = p.period.to.unwrap_or(chrono::NaiveDate::from_ymd_opt(2029, 1, 1).unwrap());
        let days = (end - p.period.from).num_days().max(1);
        let date = p.period.from + chrono::Days::new((day % days) as u64);
        prop_assert!(p.period.contains(date));
        let territory = if dom { Territory::Dom } else { Territory::Metropole };
        let line = InvoiceLine::new(date, a.letter, Some(p.coefficient))
            .in_territory(territory)
            .with_quantity(Decimal::from(quantity))
            .with_act_id(a.id.clone());
        let priced = price(&line);
        let value = t.letter_value(a.letter, territory, date).and_then(|v| v.value);
        match (priced.amount, value) {
            (Some(amount), Some(value)) => {
                prop_assert_eq!(amount, by_hand(p.coefficient, value, Decimal::from(quantity)));
                prop_assert_eq!(amount.scale(), 2);
            }
            (None, _) => prop_assert!(!priced.findings.is_empty()),
            (Some(_), None) => prop_assert!(false, "priced without a value"),
        }
    }
}
