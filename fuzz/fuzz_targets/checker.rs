//! The session API on any lines: `Checker::add` and `finalize` never
//! panic, and `finalize` answers for every line added, with or without a
//! history (the first lines recorded, the others checked against them).
#![no_main]

use chrono::NaiveDate;
use kine_tarif::history::{HistoryLine, MemoryHistory, Recorder};
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
    let lines: Vec<(InvoiceLine, LineContext)> = data.chunks(16).take(200).map(line).collect();
    // The first byte says how many lines are history.
    let split = usize::from(data.first().copied().unwrap_or(0)) % (lines.len() + 1);
    let mut history = MemoryHistory::default();
    let past: Vec<HistoryLine> = lines[..split]
        .iter()
        .enumerate()
        .map(|(i, (l, ctx))| HistoryLine::new(&format!("H{}", i % 7), &i.to_string(), l, ctx))
        .collect();
    history.record(&past).unwrap();
    for with_history in [false, true] {
        let mut c: Checker<'_, usize> = Checker::new(Tariffs::embedded());
        if with_history {
            c = c.with_history(&history);
        }
        for (i, (l, ctx)) in lines[split..].iter().enumerate() {
            let _ = c.add(i, l.clone(), ctx.clone());
        }
        let out = c.finalize().unwrap();
        assert_eq!(out.lines.len(), lines.len() - split);
        assert!(out.history_lines <= split);
    }
});
