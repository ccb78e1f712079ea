//! The tariff loader on any replacement set: an error or a tariff set,
//! never a panic; a set that loads prices a line without panicking.
#![no_main]

use kine_tarif::{Code, InvoiceLine, TARIFF_FILES, Tariffs};
use libfuzzer_sys::fuzz_target;

/// The embedded files, as a start the fuzzer mutates one of.
const EMBEDDED: [&str; 4] = [
    include_str!("../../tariffs/letter_values.csv"),
    include_str!("../../tariffs/acts.csv"),
    include_str!("../../tariffs/act_coefficients.csv"),
    include_str!("../../tariffs/old_cotations.csv"),
];

fuzz_target!(|data: &[u8]| {
    // The first byte picks the file replaced by the rest.
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let mut texts = EMBEDDED;
    texts[usize::from(pick) % TARIFF_FILES.len()] = text;
    if let Ok(t) = Tariffs::from_sources("fuzz", texts) {
        for code in Code::ALL {
            let line = InvoiceLine::new(
                chrono::NaiveDate::from_ymd_opt(2026, 6, 1).unwrap(),
                *code,
                Some("7.5".parse().unwrap()),
            )
            .with_quantity(rust_decimal::Decimal::from(99));
            let p = t.price(&line);
            let _ = (p.formula(), p.explain());
        }
    }
});
