//! Contract schedules worked out by hand from the seed documents and the
//! research notes (amounts: seed 000 / PAPS Normandie for avenant 7, seed
//! 001 for avenant 5; proration "100 % at 3,000 acts", "1,000–2,000 the
//! first year").

use chrono::NaiveDate;
use kine_tarif::contracts::{
    Contract, ContractType, ConventionnementRequest, Derogation, InternPeriod, LegitimateReason,
    Options, Outcome, PaymentKind, ProrataUnit, Repayment, Termination, Version, Year1Proration,
    YearBasis, ZoneType, conventionnement_decision, cumulation, eligibility, schedule,
};
use rust_decimal::Decimal;

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}
fn n(s: &str) -> Decimal {
    s.parse().unwrap()
}

const ACTS: [(u32, u32); 5] = [
    (2025, 2100),
    (2026, 3000),
    (2027, 2400),
    (2028, 3100),
    (2029, 1400),
];

fn lines(c: &Contract, o: &Options) -> Vec<(String, String, String)> {
    schedule(c, o)
        .unwrap()
        .payments
        .iter()
        .map(|p| (p.covers.clone(), p.due.to_string(), p.amount.to_string()))
        .collect()
}

fn t(covers: &str, due: &str, amount: &str) -> (String, String, String) {
    (covers.into(), due.into(), amount.into())
}

#[test]
fn caccmk_avenant7_five_years() {
    // 2025: 2,100 ≥ 2,000 → 30,000 at signature; 2026: 3,000 → 9,000;
    // 2027: 2,400 / 3,000 = 80 % of 5,000 = 4,000; 2028: 5,000; 2029: commitment only.
    let c = Contract::new(
        ContractType::Caccmk,
        Version::Avenant7,
        d("2025-03-15"),
        ZoneType::TresSousDotee,
    )
    .with_acts(ACTS);
    let s = schedule(&c, &Options::default()).unwrap();
    assert!(s.eligibility.eligible);
    assert_eq!(
        lines(&c, &Options::default()),
        [
            t("2025", "2025-03-15", "30000.00"),
            t("2026", "2027-04-30", "9000.00"),
            t("2027", "2028-04-30", "4000.00"),
            t("2028", "2029-04-30", "5000.00"),
            t("2029", "2030-04-30", "0.00"),
        ]
    );
    assert_eq!(s.total, n("48000.00"));
    assert_eq!(s.payments[4].kind, PaymentKind::Commitment);
}

#[test]
fn caimk_avenant7_five_years() {
    // 15,000 + 9,000 + 80 % of 5,000 + 5,000 = 33,000.
    let c = Contract::new(
        ContractType::Caimk,
        Version::Avenant7,
        d("2025-03-15"),
        ZoneType::TresSousDotee,
    )
    .with_acts(ACTS);
    let s = schedule(&c, &Options::default()).unwrap();
    let amounts: Vec<String> = s.payments.iter().map(|p| p.amount.to_string()).collect();
    assert_eq!(
        amounts,
        ["15000.00", "9000.00", "4000.00", "5000.00", "0.00"]
    );
    assert_eq!(s.total, n("33000.00"));
}

#[test]
fn caccmk_avenant5_five_years_with_a_year_under_1500_acts() {
    // 20,000 (2,100 ≥ 2,000) + 20,000 + 80 % × 3,000 = 2,400 + 3,000 + 0 (1,400 < 1,500) = 45,400.
    let c = Contract::new(
        ContractType::Caccmk,
        Version::Avenant5,
        d("2025-03-15"),
        ZoneType::SousDotee,
    )
    .with_acts(ACTS);
    assert_eq!(
        lines(&c, &Options::default()),
        [
            t("2025", "2025-03-15", "20000.00"),
            t("2026", "2027-04-30", "20000.00"),
            t("2027", "2028-04-30", "2400.00"),
            t("2028", "2029-04-30", "3000.00"),
            t("2029", "2030-04-30", "0.00"),
        ]
    );
    assert_eq!(
        schedule(&c, &Options::default()).unwrap().total,
        n("45400.00")
    );
}

#[test]
fn caimk_avenant5_five_years() {
    // 12,500 + 12,500 + 2,400 + 3,000 + 0 = 30,400.
    let c = Contract::new(
        ContractType::Caimk,
        Version::Avenant5,
        d("2025-03-15"),
        ZoneType::TresSousDotee,
    )
    .with_acts(ACTS);
    assert_eq!(
        schedule(&c, &Options::default()).unwrap().total,
        n("30400.00")
    );
}

#[test]
fn year_one_shortfall_is_recovered_or_ignored() {
    // 1,500 acts the first year: 1,500 / 2,000 = 75 % of 30,000 = 22,500 → 7,500 recovered.
    let c = Contract::new(
        ContractType::Caccmk,
        Version::Avenant7,
        d("2024-03-15"),
        ZoneType::TresSousDotee,
    )
    .with_acts([
        (2024, 1500),
        (2025, 2400),
        (2026, 3200),
        (2027, 1400),
        (2028, 3000),
    ]);
    let s = schedule(&c, &Options::default()).unwrap();
    assert_eq!(s.payments[1].kind, PaymentKind::Regularisation);
    assert_eq!(s.payments[1].amount, n("-7500.00"));
    assert_eq!(s.payments[1].due, d("2025-04-30"));
    // research-contracts.md §7.1 (b): 22,500 + 7,200 + 5,000 + 0 = 34,700.
    assert_eq!(s.total, n("34700.00"));
    let o = Options {
        year1: Year1Proration::Ignore,
        ..Options::default()
    };
    assert_eq!(schedule(&c, &o).unwrap().total, n("42200.00"));
}

#[test]
fn contract_years_move_the_due_dates() {
    // Year 2 runs 2026-03-15 → 2027-03-14: due before 2028-04-30; acts keyed by year index.
    let c = Contract::new(
        ContractType::Caimk,
        Version::Avenant7,
        d("2025-03-15"),
        ZoneType::TresSousDotee,
    )
    .with_acts([(1, 2100), (2, 2400), (3, 3000), (4, 3000), (5, 3000)]);
    let o = Options {
        year_basis: YearBasis::Contract,
        ..Options::default()
    };
    let s = schedule(&c, &o).unwrap();
    assert_eq!(s.payments[1].due, d("2028-04-30"));
    assert_eq!(s.payments[1].amount, n("7200.00")); // 80 % of 9,000
}

#[test]
fn cammk_avenant7_pro_rata_in_days_and_months() {
    // Adhesion 2024-03-15, 3 years to 2027-03-14 (research-contracts.md §7.2).
    let c = Contract::new(
        ContractType::Cammk,
        Version::Avenant7,
        d("2024-03-15"),
        ZoneType::TresSousDotee,
    );
    // Days: 2024: 292/366 × 4,000 = 3,191.256… → 3,191.26; 2027: 73/365 × 4,000 = 800.
    assert_eq!(
        lines(&c, &Options::default()),
        [
            t("2024", "2025-04-30", "3191.26"),
            t("2025", "2026-04-30", "4000.00"),
            t("2026", "2027-04-30", "4000.00"),
            t("2027", "2028-04-30", "800.00"),
        ]
    );
    // Months from 2024-04-01, 36 months: 9 + 12 + 12 + 3 = 36 → 3,000 + 4,000 + 4,000 + 1,000.
    let o = Options {
        prorata: ProrataUnit::Months,
        ..Options::default()
    };
    let amounts: Vec<String> = schedule(&c, &o)
        .unwrap()
        .payments
        .iter()
        .map(|p| p.amount.to_string())
        .collect();
    assert_eq!(amounts, ["3000.00", "4000.00", "4000.00", "1000.00"]);
    // Avenant 5: 3,000 a year.
    let a5 = Contract::new(
        ContractType::Cammk,
        Version::Avenant5,
        d("2024-01-01"),
        ZoneType::SousDotee,
    );
    let amounts: Vec<String> = schedule(&a5, &Options::default())
        .unwrap()
        .payments
        .iter()
        .map(|p| p.amount.to_string())
        .collect();
    assert_eq!(amounts, ["3000.00", "3000.00", "3000.00"]);
}

#[test]
fn part_time_intern_supplement() {
    // Avenant 7: 300 €/month; 2 months full time + 1 month half time = 600 + 150 = 750.
    let mut c = Contract::new(
        ContractType::Caccmk,
        Version::Avenant7,
        d("2025-03-15"),
        ZoneType::TresSousDotee,
    )
    .with_acts(ACTS);
    c.interns = vec![
        InternPeriod {
            year: 2025,
            months: n("2"),
            fte: n("1"),
            study_year: Some(4),
        },
        InternPeriod {
            year: 2025,
            months: n("1"),
            fte: n("0.5"),
            study_year: Some(5),
        },
        InternPeriod {
            year: 2026,
            months: n("1"),
            fte: n("1"),
            study_year: Some(3),
        },
    ];
    let s = schedule(&c, &Options::default()).unwrap();
    let interns: Vec<String> = s
        .payments
        .iter()
        .filter(|p| p.kind == PaymentKind::Intern)
        .map(|p| p.amount.to_string())
        .collect();
    assert_eq!(interns, ["600.00", "150.00", "0.00"]); // a 3rd-year student earns nothing under avenant 7
    assert_eq!(s.total, n("48750.00"));
    // Avenant 5: 150 €/month, any year of study.
    let mut a5 = Contract::new(
        ContractType::Caimk,
        Version::Avenant5,
        d("2025-03-15"),
        ZoneType::SousDotee,
    )
    .with_acts(ACTS);
    a5.interns = vec![InternPeriod {
        year: 2026,
        months: n("3"),
        fte: n("0.5"),
        study_year: Some(3),
    }];
    let s = schedule(&a5, &Options::default()).unwrap();
    assert_eq!(s.payments.last().unwrap().amount, n("225.00"));
}

#[test]
fn early_termination_with_and_without_a_legitimate_reason() {
    // Avenant 7 CACCMK signed 2024-03-15, left 2026-03-15: paid 30,000 at signature;
    // the 2025 payment (due 2026-04-30) and later ones are cancelled.
    let mut c = Contract::new(
        ContractType::Caccmk,
        Version::Avenant7,
        d("2024-03-15"),
        ZoneType::TresSousDotee,
    )
    .with_acts([(2024, 2000), (2025, 2400), (2026, 3000)]);
    c.termination = Some(Termination {
        date: d("2026-03-15"),
        reason: None,
    });
    // Months: 30,000 × 36 / 60 = 18,000 to repay.
    let months = Options {
        prorata: ProrataUnit::Months,
        ..Options::default()
    };
    let s = schedule(&c, &months).unwrap();
    let rep = s.payments.last().unwrap();
    assert_eq!(rep.kind, PaymentKind::Repayment);
    assert_eq!(rep.amount, n("-18000.00"));
    assert_eq!(s.total, n("12000.00"));
    assert!(s.payments.iter().any(|p| p.kind == PaymentKind::Cancelled));
    // Days: 1,096 of 1,826 days remain: 30,000 × 1,096 / 1,826 = 18,006.5717… → 18,006.57.
    assert_eq!(
        schedule(&c, &Options::default())
            .unwrap()
            .payments
            .last()
            .unwrap()
            .amount,
        n("-18006.57")
    );
    // Paid minus earned, months: 30,000 − 49,000 × 24 / 60 = 10,400.
    let o = Options {
        prorata: ProrataUnit::Months,
        repayment: Repayment::PaidMinusEarned,
        ..Options::default()
    };
    assert_eq!(
        schedule(&c, &o).unwrap().payments.last().unwrap().amount,
        n("-10400.00")
    );
    // Legitimate reason: nothing to repay.
    c.termination = Some(Termination {
        date: d("2026-03-15"),
        reason: Some(LegitimateReason::SpouseTransfer),
    });
    let s = schedule(&c, &months).unwrap();
    assert_eq!(s.payments.last().unwrap().amount, n("0.00"));
    assert_eq!(s.total, n("30000.00"));
}

#[test]
fn eligibility_by_version_and_zone() {
    let c = |k, v, z| eligibility(&Contract::new(k, v, d("2025-03-15"), z)).eligible;
    assert!(c(
        ContractType::Caccmk,
        Version::Avenant5,
        ZoneType::SousDotee
    ));
    assert!(!c(
        ContractType::Caccmk,
        Version::Avenant7,
        ZoneType::SousDotee
    ));
    assert!(c(
        ContractType::Cammk,
        Version::Avenant7,
        ZoneType::TresSousDotee
    ));
    assert!(!c(
        ContractType::Caimk,
        Version::Avenant5,
        ZoneType::Intermediaire
    ));
    assert!(c(
        ContractType::Cimk,
        Version::Avenant3,
        ZoneType::SousDotee
    ));
    assert!(!c(
        ContractType::Cimk,
        Version::Avenant5,
        ZoneType::SousDotee
    ));
    // CIMK outside the zones: two thirds of the activity in one, or a collaborator 2.5 days a week.
    let mut cimk = Contract::new(
        ContractType::Cimk,
        Version::Avenant3,
        d("2013-01-10"),
        ZoneType::Intermediaire,
    );
    assert!(!eligibility(&cimk).eligible);
    cimk.collaborator_days = Some(n("2.5"));
    assert!(eligibility(&cimk).eligible);
}

#[test]
fn activity_commitment_gates_the_year() {
    // Half of the activity with residents of the zone is required.
    let mut c = Contract::new(
        ContractType::Caccmk,
        Version::Avenant7,
        d("2025-03-15"),
        ZoneType::TresSousDotee,
    )
    .with_acts(ACTS);
    c.in_zone_share.insert(2026, n("0.49"));
    let s = schedule(&c, &Options::default()).unwrap();
    assert_eq!(s.payments[1].amount, n("0.00"));
}

#[test]
fn cimk_three_years_paid_in_the_first_quarter() {
    // Signed 2013-05-20; engagements from 2013-06-01 for 36 months (months reading):
    // 2013: 7/12 × 3,000 = 1,750; 2014, 2015: 3,000; 2016: 5/12 × 3,000 = 1,250.
    let c = Contract::new(
        ContractType::Cimk,
        Version::Avenant3,
        d("2013-05-20"),
        ZoneType::TresSousDotee,
    );
    let o = Options {
        prorata: ProrataUnit::Months,
        ..Options::default()
    };
    assert_eq!(
        lines(&c, &o),
        [
            t("2013", "2014-03-31", "1750.00"),
            t("2014", "2015-03-31", "3000.00"),
            t("2015", "2016-03-31", "3000.00"),
            t("2016", "2017-03-31", "1250.00"),
        ]
    );
}

#[test]
fn cumulation_rules() {
    let caccmk = Contract::new(
        ContractType::Caccmk,
        Version::Avenant7,
        d("2025-03-15"),
        ZoneType::TresSousDotee,
    );
    let overlapping = Contract::new(
        ContractType::Cammk,
        Version::Avenant7,
        d("2027-01-01"),
        ZoneType::TresSousDotee,
    );
    let after = Contract::new(
        ContractType::Cammk,
        Version::Avenant7,
        d("2030-03-15"),
        ZoneType::TresSousDotee,
    );
    assert_eq!(cumulation(&[caccmk.clone(), overlapping]).len(), 1);
    assert!(
        cumulation(&[caccmk, after]).is_empty(),
        "a CAMMK may follow the end of a CACCMK"
    );
}

#[test]
fn conventionnement_in_a_non_priority_zone() {
    let base = ConventionnementRequest {
        zone: ZoneType::NonPrioritaire,
        request_date: d("2025-06-01"),
        derogation: None,
        cessation_date: Some(d("2025-01-10")),
        attestation: true,
        departing_acts_previous_year: Some(1199),
        cpd_opinion: None,
        designation_date: None,
        formalities_date: None,
        threshold_inclusive: true,
    };
    let out = |r: &ConventionnementRequest| conventionnement_decision(r).outcome;
    assert_eq!(out(&base), Outcome::PendingCpdOpinion);
    assert_eq!(
        out(&ConventionnementRequest {
            cpd_opinion: Some(true),
            ..base.clone()
        }),
        Outcome::Granted
    );
    assert_eq!(
        out(&ConventionnementRequest {
            cpd_opinion: Some(false),
            ..base.clone()
        }),
        Outcome::Refused
    );
    assert_eq!(
        out(&ConventionnementRequest {
            departing_acts_previous_year: Some(1200),
            ..base.clone()
        }),
        Outcome::Granted
    );
    assert_eq!(
        out(&ConventionnementRequest {
            departing_acts_previous_year: Some(1200),
            threshold_inclusive: false,
            ..base.clone()
        }),
        Outcome::PendingCpdOpinion
    );
    // 2 years after the cessation: 2027-01-10 is the last day.
    assert_eq!(
        out(&ConventionnementRequest {
            request_date: d("2027-01-10"),
            departing_acts_previous_year: Some(1500),
            ..base.clone()
        }),
        Outcome::Granted
    );
    assert_eq!(
        out(&ConventionnementRequest {
            request_date: d("2027-01-11"),
            departing_acts_previous_year: Some(1500),
            ..base.clone()
        }),
        Outcome::Refused
    );
    // 6 months to start the formalities after designation.
    let late = ConventionnementRequest {
        designation_date: Some(d("2025-02-01")),
        formalities_date: Some(d("2025-08-02")),
        departing_acts_previous_year: Some(1500),
        ..base.clone()
    };
    assert_eq!(out(&late), Outcome::Refused);
    assert_eq!(
        out(&ConventionnementRequest {
            attestation: false,
            ..base.clone()
        }),
        Outcome::Refused
    );
    assert_eq!(
        out(&ConventionnementRequest {
            derogation: Some(Derogation::SpecificCare {
                share_3_years_percent: 60,
                share_in_zone_percent: 50
            }),
            ..base.clone()
        }),
        Outcome::GrantedExtraPlace
    );
    assert_eq!(
        out(&ConventionnementRequest {
            zone: ZoneType::SousDotee,
            ..base
        }),
        Outcome::Granted
    );
}
