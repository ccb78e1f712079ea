//! The library API: dated lookups, convert, explanation and formula.

use chrono::NaiveDate;
use kine_tarif::{
    Code, ConvertError, FindingCode, InvoiceLine, LineStatus, Tariffs, Territory, price,
};
use rust_decimal::Decimal;

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}
fn n(s: &str) -> Decimal {
    s.parse().unwrap()
}

#[test]
fn letter_values_by_date_and_territory() {
    let t = Tariffs::embedded();
    let v = |c: Code, terr: Territory, date: &str| {
        t.letter_value(c, terr, d(date))
            .and_then(|v| v.value)
            .map(|v| v.to_string())
    };
    // avenant 3 then avenant 7.
    assert_eq!(
        v(Code::AMK, Territory::Metropole, "2024-02-21").as_deref(),
        Some("2.15")
    );
    assert_eq!(
        v(Code::AMK, Territory::Metropole, "2024-02-22").as_deref(),
        Some("2.21")
    );
    assert_eq!(
        v(Code::AMK, Territory::Dom, "2024-02-21").as_deref(),
        Some("2.36")
    );
    assert_eq!(
        v(Code::VSM, Territory::Dom, "2024-02-22").as_deref(),
        Some("2.43")
    );
    assert_eq!(
        v(Code::TMK, Territory::Metropole, "2026-11-23").as_deref(),
        Some("2.15")
    );
    assert_eq!(v(Code::TMK, Territory::Dom, "2026-11-23"), None);
    assert_eq!(
        v(Code::IKM, Territory::Dom, "2026-11-23").as_deref(),
        Some("0.66")
    );
    assert_eq!(
        v(Code::RQD, Territory::Metropole, "2026-11-23").as_deref(),
        Some("10.00")
    );
}

#[test]
fn convert_ams_9_5_gives_the_three_acts_formerly_ams_9_5() {
    let t = Tariffs::embedded();
    let short = |date: &str| {
        let mut v: Vec<String> = t
            .convert(Code::AMS, n("9.5"), d(date), None, None)
            .unwrap()
            .iter()
            .map(|c| c.short())
            .collect();
        v.sort();
        v
    };
    assert_eq!(
        short("2025-01-01"),
        [
            "APM 9,5 (A1F-AMPUT-2M)",
            "TER 9,49 (A1D-TER-MED)",
            "TER 9,51 (A1D-TER-CHIR)"
        ]
    );
    assert_eq!(
        short("2026-05-28"),
        [
            "APM 9,8 (A1F-AMPUT-2M)",
            "TER 9,79 (A1D-TER-MED)",
            "TER 9,81 (A1D-TER-CHIR)"
        ]
    );
}

#[test]
fn convert_narrows_by_act_and_label_and_says_why_it_finds_nothing() {
    let t = Tariffs::embedded();
    let one = t
        .convert(Code::AMS, n("7.5"), d("2026-02-01"), Some("A1C-PTG"), None)
        .unwrap();
    assert_eq!(one.len(), 1);
    assert_eq!(one[0].short(), "RIC 8,12 (A1C-PTG)");
    let hanche = t
        .convert(
            Code::AMS,
            n("7.5"),
            d("2024-03-01"),
            None,
            Some("hanche opérée"),
        )
        .unwrap();
    let ids: Vec<&str> = hanche.iter().map(|c| c.act.id.as_str()).collect();
    // "Hanche ou cuisse hors référentiel - opérée" (VIC 7.49 in 2024).
    assert_eq!(ids, ["A1C-HANCHE-CHIR"]);
    assert_eq!(hanche[0].period.coefficient, n("7.49"));
    assert_eq!(
        t.convert(Code::AMS, n("8"), d("2024-03-01"), None, None),
        Err(ConvertError::NotAnOldCotation(Code::AMS, n("8")))
    );
    assert!(matches!(
        t.convert(
            Code::AMS,
            n("7.5"),
            d("2024-03-01"),
            Some("A4-HEMIPLEGIE"),
            None
        ),
        Err(ConvertError::ActDoesNotMatch(..))
    ));
    // AMK 6 (20-minute walking act) became RPE 6, suppressed on 2026-01-01.
    assert!(matches!(
        t.convert(Code::AMK, n("6"), d("2026-02-01"), None, None),
        Err(ConvertError::NoneInForce(..))
    ));
    assert_eq!(
        t.convert(Code::AMK, n("6"), d("2025-02-01"), None, None)
            .unwrap()[0]
            .short(),
        "RPE 6 (A9-DEAMBULATION-20MIN)"
    );
}

#[test]
fn every_ams_7_5_act_moves_by_0_6_on_2026_01_01() {
    // Avenant 7: acts formerly AMS 7.5 (7.47 … 7.53 in 2024) gain 0.6.
    let t = Tariffs::embedded();
    let before = t
        .convert(Code::AMS, n("7.5"), d("2025-12-31"), None, None)
        .unwrap();
    let after = t
        .convert(Code::AMS, n("7.5"), d("2026-01-01"), None, None)
        .unwrap();
    assert_eq!(before.len(), after.len());
    assert!(before.len() > 40);
    for (b, a) in before.iter().zip(&after) {
        assert_eq!(b.act.id, a.act.id);
        assert!(
            b.period.coefficient >= n("7.47") && b.period.coefficient <= n("7.53"),
            "{}",
            b.short()
        );
        assert_eq!(
            a.period.coefficient - b.period.coefficient,
            n("0.6"),
            "{}",
            a.short()
        );
    }
}

#[test]
fn explain_names_every_value_its_validity_and_source() {
    let p = price(&InvoiceLine::new(
        d("2026-06-01"),
        Code::TER,
        Some(n("9.49")),
    ));
    let e = p.explain();
    assert!(e.contains("A1D-TER-MED"), "{e}");
    assert!(
        e.contains("Coefficient : 9,79 valable à partir du 28/05/2026 (en vigueur)"),
        "{e}"
    );
    assert!(e.contains("avenant 8"), "{e}");
    assert!(
        e.contains(
            "Valeur de TER en métropole : 2,21\u{a0}€ valable à partir du 22/02/2024 (en vigueur)"
        ),
        "{e}"
    );
    assert!(
        e.contains("9,79 × 2,21\u{a0}€ × 1 = 21,6359 → 21,64\u{a0}€"),
        "{e}"
    );
    assert!(e.contains("COEFFICIENT_REVALUED [erreur]"), "{e}");
    assert!(e.ends_with("Statut : erreur"), "{e}");
}

#[test]
fn travel_and_rqd_formulas_have_no_coefficient() {
    let p = price(&InvoiceLine::new(d("2025-06-01"), Code::IK, None).with_quantity(n("6")));
    assert_eq!(p.formula().unwrap(), "0,38\u{a0}€ × 6 = 2,28 → 2,28\u{a0}€");
    assert_eq!(p.status(), LineStatus::Ok);
}

#[test]
fn billed_amount_is_checked_against_the_corrected_amount() {
    // TER 9.49 billed 20.97 € (9.49 × 2.21) on 2026-06-01: the act is TER 9.79 → 21.64 €.
    let p = price(
        &InvoiceLine::new(d("2026-06-01"), Code::TER, Some(n("9.49")))
            .with_billed_amount(n("20.97")),
    );
    assert!(p.has(FindingCode::CoefficientRevalued));
    assert!(p.has(FindingCode::AmountMismatch));
    assert_eq!(p.amount, Some(n("21.64")));
}

#[test]
fn a_billed_amount_with_more_decimals_is_shown_as_given() {
    // RAM 7.49 on 2025-06-02: 7.49 × 2.21 = 16.5529 → 16.55 €. Billed
    // 16.551 €: a mismatch, and the message must not round the billed
    // amount to the 16.55 it differs from.
    let p = price(
        &InvoiceLine::new(d("2025-06-02"), Code::RAM, Some(n("7.49")))
            .with_billed_amount(n("16.551")),
    );
    assert_eq!(p.amount, Some(n("16.55")));
    let m = p
        .findings
        .iter()
        .find(|f| f.code == FindingCode::AmountMismatch)
        .expect("a mismatch");
    assert_eq!(
        m.message,
        "Montant facturé 16,551\u{a0}€ ≠ montant calculé 16,55\u{a0}€."
    );
    // Trailing zeros are not a difference.
    let same = price(
        &InvoiceLine::new(d("2025-06-02"), Code::RAM, Some(n("7.49")))
            .with_billed_amount(n("16.5500")),
    );
    assert!(!same.has(FindingCode::AmountMismatch));
}

#[test]
fn a_pair_names_different_acts_at_different_dates() {
    let t = Tariffs::embedded();
    let id = |date: &str| {
        t.acts_at(Code::NMI, n("11"), d(date))
            .iter()
            .map(|(a, _)| a.id.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(id("2026-08-31"), ["A4-ENCEPHALOPATHIE"]);
    assert_eq!(id("2026-09-01"), ["A4-NEURO-2M"]);
}
