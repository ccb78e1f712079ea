//! The session API on any lines: `Checker::add` and `finalize` never
//! panic, and `finalize` answers for every line added.
#![no_main]

use chrono::NaiveDate;
use kine_tarif::rules::{Checker, LineContext};
use kine_tarif::{Code, InvoiceLine, Tariffs, Territory};
use libfuzzer_sys::fuzz_target;
use rust_decimal::Decimal;

/// Reads a line's fields from 16 bytes.
fn line(b: &[u8]) -> (InvoiceLine, LineContext) {
    let byte = |i: usize| b.get(i).copied().unwrap_or(0);
    let word = |i: usize| u32::from_le_bytes([byte(i), byte(i + 1), byte(i + 2), byte(i + 3)]);
    let date = NaiveDate::from_ymd_opt(2012, 1, 1)
        .unwrap()
        .checked_add_days(chrono::Days::new(u64::from(word(0) % 7000)))
        .unwrap_or(NaiveDate::MAX);
    let code = Code::ALL[usize::from(byte(4)) % Code::ALL.len()];
    let decimal = |m: u32, scale: u8| {
        // Some edges, else a small number.
        match m % 16 {
            0 => Decimal::MAX,
            1 => Decimal::MIN,
            2 => Decimal::ZERO,
            _ => Decimal::new(i64::from(m >> 4), u32::from(scale % 29)),
        }
    };
    let coefficient = (byte(5) & 1 == 0).then(|| decimal(word(6), byte(10)));
    let quantity = decimal(u32::from(byte(11)) << 4 | 3, 0);
    let territory = if byte(12) & 1 == 0 {
        Territory::Metropole
    } else {
        Territory::Dom
    };
    let mut l = InvoiceLine::new(date, code, coefficient)
        .in_territory(territory)
        .with_quantity(quantity);
    if byte(12) & 2 != 0 {
        l = l.with_billed_amount(decimal(word(6).rotate_left(7), 2));
    }
    let ctx = LineContext {
        patient_id: format!("P{}", byte(13) % 4),
        practitioner_id: format!("K{}", byte(14) % 2),
        prescription_id: (byte(15) & 1 == 0).then(|| format!("O{}", byte(15) % 3)),
        session: (byte(15) & 2 == 0).then(|| "1".to_string()),
        telesoin: byte(15) & 4 != 0,
        distance_km: (byte(15) & 8 != 0).then(|| decimal(word(9), byte(13))),
        patient_birth_date: (byte(15) & 16 != 0)
            .then(|| date.checked_sub_days(chrono::Days::new(u64::from(byte(14)) * 300)))
            .flatten(),
        department: (byte(15) & 32 != 0).then(|| "974".to_string()),
        time: chrono::NaiveTime::from_hms_opt(u32::from(byte(9) % 24), 0, 0),
        ..LineContext::default()
    };
    (l, ctx)
}

fuzz_target!(|data: &[u8]| {
    let mut c: Checker<'_, usize> = Checker::new(Tariffs::embedded());
    let mut n = 0;
    for (i, chunk) in data.chunks(16).enumerate().take(200) {
        let (l, ctx) = line(chunk);
        let _ = c.add(i, l, ctx);
        n += 1;
    }
    let out = c.finalize();
    assert_eq!(out.len(), n);
});
