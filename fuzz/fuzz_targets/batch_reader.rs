//! The batch reader on any bytes: never a panic; one output row per
//! non-empty line after the header, in order, whatever the options.
#![no_main]

use kine_tarif::Tariffs;
use kine_tarif::batch::{BatchOptions, OutputFormat, price_csv_with};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The first byte picks the options; the rest is the file.
    let Some((&pick, input)) = data.split_first() else {
        return;
    };
    let options = BatchOptions {
        format: if pick & 1 == 0 {
            OutputFormat::Csv
        } else {
            OutputFormat::Jsonl
        },
        rules: pick & 2 == 0,
        threads: 1 + usize::from(pick >> 2 & 1),
        memory_budget: if pick & 8 == 0 { 48 << 20 } else { 256 },
        reprice_at: (pick & 16 != 0).then(|| chrono::NaiveDate::from_ymd_opt(2027, 7, 1).unwrap()),
        ..BatchOptions::default()
    };
    let mut out = Vec::new();
    // An error (missing column, a large input not grouped) is an answer;
    // a panic is the bug this looks for.
    if let Ok(summary) = price_csv_with(Tariffs::embedded(), input, &mut out, &options)
        && options.format == OutputFormat::Jsonl
    {
        let rows = out.iter().filter(|&&b| b == b'\n').count() as u64;
        assert_eq!(rows, summary.rows);
    }
});
