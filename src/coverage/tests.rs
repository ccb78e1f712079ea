//! Splits worked out by hand from `tariffs/coverage.csv` (rates, franchise
//! amounts and caps) and the crate's rounding rule (to the cent, half away
//! from zero).

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::franchise::Caps;
use super::*;

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn day(y: i32, m: u32, dd: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, dd).unwrap()
}

fn cov(regime: Regime, exoneration: Exoneration) -> Coverage {
    Coverage {
        regime,
        exoneration,
        tiers_payant: TiersPayant::None,
    }
}

/// (rate, AMO, patient, franchise) of a line.
fn parts(c: Coverage, date: NaiveDate, kind: LineKind, amount: &str) -> [Decimal; 4] {
    let s = split(&c, date, kind, d(amount), None).unwrap();
    [s.amo_rate, s.amo_amount, s.patient_amount, s.franchise]
}

#[test]
fn each_rate_and_exoneration() {
    let june = day(2024, 6, 15);
    let g = Regime::General;
    // RIM 7.50 × 2.21 € = 16.58 €.
    // Général: 16.58 × 60 % = 9.948 → 9.95; 16.58 − 9.95 = 6.63; 1 € franchise.
    assert_eq!(
        parts(cov(g, Exoneration::None), june, LineKind::Act, "16.58"),
        [d("60"), d("9.95"), d("6.63"), d("1.00")]
    );
    // Alsace-Moselle: 16.58 × 90 % = 14.922 → 14.92; 1.66 left.
    let am = cov(Regime::AlsaceMoselle, Exoneration::None);
    assert_eq!(
        parts(am, june, LineKind::Act, "16.58"),
        [d("90"), d("14.92"), d("1.66"), d("1.00")]
    );
    // 100 % cases: the whole amount; ALD and AT/MP patients still owe the
    // franchise, maternity and AME do not.
    for (e, franchise) in [
        (Exoneration::Ald, "1.00"),
        (Exoneration::AtMp, "1.00"),
        (Exoneration::Invalidity, "1.00"),
        (Exoneration::MilitaryPension, "1.00"),
        (Exoneration::Mines, "1.00"),
        (Exoneration::Maternity, "0"),
        (Exoneration::Ame, "0"),
    ] {
        let got = parts(cov(g, e), june, LineKind::Act, "16.58");
        assert_eq!(
            got,
            [d("100"), d("16.58"), d("0.00"), d(franchise)],
            "{e:?}"
        );
    }
    // C2S: the régime's rate (the C2S pays the 6.63 left), no franchise;
    // in Alsace-Moselle, 90 %.
    assert_eq!(
        parts(cov(g, Exoneration::C2s), june, LineKind::Act, "16.58"),
        [d("60"), d("9.95"), d("6.63"), d("0")]
    );
    assert_eq!(
        parts(
            cov(Regime::AlsaceMoselle, Exoneration::C2s),
            june,
            LineKind::Act,
            "16.58"
        )[0],
        d("90")
    );
    // The C2S began on 2019-11-01 (before: CMU-C / ACS).
    let e = split(
        &cov(g, Exoneration::C2s),
        day(2019, 10, 31),
        LineKind::Act,
        d("16.58"),
        None,
    )
    .unwrap_err();
    assert!(matches!(e, CoverageError::NotInForce { case: "c2s", .. }));
    assert!(e.to_string().contains("31/10/2019"), "{e}");
}

#[test]
fn travel_allowances_follow_the_act_and_a_de_is_not_reimbursed() {
    let june = day(2024, 6, 15);
    // IFD 2.50 €: 60 % = 1.50, no franchise; in Alsace-Moselle 2.25.
    assert_eq!(
        parts(Coverage::default(), june, LineKind::Allowance, "2.50"),
        [d("60"), d("1.50"), d("1.00"), d("0")]
    );
    assert_eq!(
        parts(
            cov(Regime::AlsaceMoselle, Exoneration::None),
            june,
            LineKind::Allowance,
            "2.50"
        )[1],
        d("2.25")
    );
    // A DE of 10 €: all the patient's, whatever the coverage.
    assert_eq!(
        parts(
            cov(Regime::General, Exoneration::Ald),
            june,
            LineKind::Depassement,
            "10.00"
        ),
        [d("0"), d("0"), d("10.00"), d("0")]
    );
}

#[test]
fn the_amo_amount_is_rounded_half_away_from_zero() {
    let june = day(2024, 6, 15);
    let am = cov(Regime::AlsaceMoselle, Exoneration::None);
    // 0.05 × 90 % = 0.045 → 0.05 (half away from zero; banker's rounding
    // would give 0.04).
    assert_eq!(parts(am, june, LineKind::Allowance, "0.05")[1], d("0.05"));
    // 2.21 × 90 % = 1.989 → 1.99; 17.88 × 60 % = 10.728 → 10.73.
    assert_eq!(parts(am, june, LineKind::Allowance, "2.21")[1], d("1.99"));
    assert_eq!(
        parts(Coverage::default(), june, LineKind::Act, "17.88")[1],
        d("10.73")
    );
    // A credit line: −16.58 × 60 % = −9.948 → −9.95.
    assert_eq!(
        parts(Coverage::default(), june, LineKind::Act, "-16.58")[1..3],
        [d("-9.95"), d("-6.63")]
    );
    let e = split(
        &Coverage::default(),
        june,
        LineKind::Act,
        Decimal::MAX,
        None,
    )
    .unwrap_err();
    assert!(matches!(e, CoverageError::Overflow(_)));
}

#[test]
fn the_franchise_and_its_daily_cap_on_both_sides_of_2024_03_31() {
    let act = |date| {
        split(&Coverage::default(), date, LineKind::Act, d("16.58"), None)
            .unwrap()
            .franchise
    };
    // Until 2024-03-30: 0.50 € an act, 2 € a day: the fifth act pays none.
    let before = day(2024, 3, 30);
    assert_eq!(act(before), d("0.50"));
    let mut caps = Caps::new(Decimal::ZERO);
    let charged: Vec<Decimal> = (0..5).map(|_| caps.charge(before, act(before))).collect();
    assert_eq!(
        charged,
        [d("0.50"), d("0.50"), d("0.50"), d("0.50"), d("0.00")]
    );
    // From 2024-03-31 (décret 2024-114): 1 € an act, 4 € a day; the next
    // day starts again.
    let after = day(2024, 3, 31);
    assert_eq!(act(after), d("1.00"));
    let charged: Vec<Decimal> = (0..5).map(|_| caps.charge(after, act(after))).collect();
    assert_eq!(
        charged,
        [d("1.00"), d("1.00"), d("1.00"), d("1.00"), d("0.00")]
    );
    assert_eq!(caps.charge(day(2024, 4, 1), d("1.00")), d("1.00"));
    // 2.00 + 4.00 + 1.00 charged this year.
    assert_eq!(caps.used_year(), d("7.00"));
}

#[test]
fn the_yearly_cap_counts_what_the_history_shows() {
    // 49.50 € already charged this year: the next act pays 0.50, the one
    // after nothing; a new year starts from zero.
    let mut caps = Caps::new(d("49.50"));
    assert_eq!(caps.charge(day(2024, 6, 15), d("1.00")), d("0.50"));
    assert_eq!(caps.charge(day(2024, 6, 16), d("1.00")), d("0.00"));
    assert_eq!(caps.charge(day(2025, 1, 2), d("1.00")), d("1.00"));
    // Far beyond any cap: nothing more, and no overflow.
    let mut caps = Caps::new(Decimal::MAX);
    assert_eq!(caps.charge(day(2024, 6, 15), d("1.00")), d("0.00"));
}

#[test]
fn minors_are_exempt_until_their_eighteenth_birthday() {
    let date = day(2024, 6, 15);
    let f = |birth| {
        split(
            &Coverage::default(),
            date,
            LineKind::Act,
            d("16.58"),
            Some(birth),
        )
        .unwrap()
        .franchise
    };
    assert_eq!(f(day(2010, 5, 1)), d("0")); // 14
    assert_eq!(f(day(2006, 6, 16)), d("0")); // 17, 18 tomorrow
    assert_eq!(f(day(2006, 6, 15)), d("1.00")); // 18 today
    assert_eq!(f(day(2030, 1, 1)), d("1.00")); // born after the act: not an age
    // Born on 29 February: 18 on 28 February of a common year (the age of
    // the other rules, rules::age_on).
    assert_eq!(f(day(2005, 2, 28)), d("1.00"));
    let born_29 = |date| {
        split(
            &Coverage::default(),
            date,
            LineKind::Act,
            d("16.58"),
            Some(day(2004, 2, 29)),
        )
        .unwrap()
        .franchise
    };
    assert_eq!(born_29(day(2022, 2, 27)), d("0"));
    assert_eq!(born_29(day(2022, 2, 28)), d("0.50"));
}

#[test]
fn coverage_texts_are_read_by_name_or_code() {
    assert_eq!(Regime::parse("13"), Ok(Regime::AlsaceMoselle));
    assert_eq!(Regime::parse(" Alsace-Moselle "), Ok(Regime::AlsaceMoselle));
    assert_eq!(Regime::parse(""), Ok(Regime::General));
    assert_eq!(Exoneration::parse("4"), Ok(Exoneration::Ald));
    assert_eq!(Exoneration::parse("Maternité"), Ok(Exoneration::Maternity));
    assert_eq!(TiersPayant::parse("intégral"), Ok(TiersPayant::Full));
    let e = Exoneration::parse("9").unwrap_err().to_string();
    assert!(e.starts_with("exonération \"9\" inconnue"), "{e}");
    assert!(Regime::parse("msa").is_err());
}
