//! The contracts module at the edges: chrono's first and last dates,
//! `u32::MAX` counts, `Decimal::MAX` amounts. Every public function answers
//! (a value or an error in French), never panics; the values asserted are
//! worked out by hand from the rules of the README's *Contracts* section.

use chrono::{Days, NaiveDate};
use kine_tarif::contracts::{
    Contract, ContractType, ConventionnementRequest, Indicators, InternPeriod, LegitimateReason,
    MAX_RENEWALS, Options, Outcome, PaymentKind, ProrataUnit, Repayment, Termination, Version,
    Year1Proration, YearBasis, ZoneType, conventionnement_decision, cumulation, eligibility,
    modernisation_forfait, planned_end, schedule, term_years, try_planned_end, version_at,
    version_for,
};
use rust_decimal::Decimal;

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

const KINDS: [ContractType; 4] = [
    ContractType::Caccmk,
    ContractType::Caimk,
    ContractType::Cammk,
    ContractType::Cimk,
];
const VERSIONS: [Version; 3] = [Version::Avenant3, Version::Avenant5, Version::Avenant7];

fn edge_dates() -> Vec<NaiveDate> {
    vec![
        NaiveDate::MIN,
        NaiveDate::MIN + Days::new(1),
        NaiveDate::MAX,
        NaiveDate::MAX - Days::new(1),
        NaiveDate::MAX - Days::new(365),
        NaiveDate::MAX - Days::new(5 * 366),
        d("0001-01-01"),
        d("2025-03-15"),
    ]
}

fn every_option() -> Vec<Options> {
    let mut out = Vec::new();
    for year_basis in [YearBasis::Calendar, YearBasis::Contract] {
        for prorata in [ProrataUnit::Days, ProrataUnit::Months] {
            for year1 in [Year1Proration::Recover, Year1Proration::Ignore] {
                for repayment in [Repayment::PaidProrata, Repayment::PaidMinusEarned] {
                    out.push(Options {
                        year_basis,
                        prorata,
                        year1,
                        repayment,
                    });
                }
            }
        }
    }
    out
}

#[test]
fn schedule_answers_for_every_edge_without_panicking() {
    let options = every_option();
    let interns = [
        InternPeriod {
            year: u32::MAX,
            months: Decimal::ONE,
            fte: Decimal::ONE,
            study_year: Some(u8::MAX),
        },
        InternPeriod {
            year: 0,
            months: Decimal::MAX,
            fte: Decimal::MAX,
            study_year: None,
        },
        InternPeriod {
            year: 2025,
            months: Decimal::MIN,
            fte: Decimal::MAX,
            study_year: Some(4),
        },
    ];
    let mut runs = 0;
    for kind in KINDS {
        for version in VERSIONS {
            for signed in edge_dates() {
                for renewals in [0, MAX_RENEWALS, MAX_RENEWALS + 1, u32::MAX] {
                    for termination in [None, Some(NaiveDate::MIN), Some(NaiveDate::MAX)] {
                        for intern in std::iter::once(None).chain(interns.iter().map(Some)) {
                            let mut c =
                                Contract::new(kind, version, signed, ZoneType::TresSousDotee)
                                    .with_acts([(0, u32::MAX), (u32::MAX, 0), (2025, u32::MAX)]);
                            c.in_zone_share.insert(u32::MAX, Decimal::MIN);
                            c.collaborator_days = Some(Decimal::MAX);
                            c.renewals = renewals;
                            c.termination =
                                termination.map(|date| Termination { date, reason: None });
                            c.interns.extend(intern.cloned());
                            for o in &options {
                                // Either a schedule or a message: both fine here.
                                if let Err(e) = schedule(&c, o) {
                                    assert!(!e.is_empty());
                                }
                                runs += 1;
                            }
                            let _ = eligibility(&c);
                            let _ = planned_end(&c);
                        }
                    }
                }
            }
        }
    }
    assert!(runs > 10_000);
}

#[test]
fn a_term_past_chronos_last_date_is_an_error() {
    for kind in KINDS {
        let c = Contract::new(
            kind,
            Version::Avenant7,
            NaiveDate::MAX,
            ZoneType::TresSousDotee,
        );
        let e = schedule(&c, &Options::default()).unwrap_err();
        assert!(e.contains("hors des dates représentables"), "{e}");
        assert_eq!(try_planned_end(&c), None);
        assert_eq!(planned_end(&c), NaiveDate::MAX);
    }
    // Signed on chrono's first date: a 5-year term exists.
    let c = Contract::new(
        ContractType::Caccmk,
        Version::Avenant7,
        NaiveDate::MIN,
        ZoneType::TresSousDotee,
    );
    assert_eq!(planned_end(&c), d("-262138-01-01"));
}

#[test]
fn renewals_are_bounded() {
    // 15 renewals of a CAMMK avenant 7 signed on 1 January 2025: 16 periods
    // of 3 years, 2025 to 2072, each a whole calendar year at 4,000 €:
    // 48 × 4,000 = 192,000.
    let mut c = Contract::new(
        ContractType::Cammk,
        Version::Avenant7,
        d("2025-01-01"),
        ZoneType::TresSousDotee,
    );
    c.renewals = MAX_RENEWALS;
    assert_eq!(MAX_RENEWALS, 15);
    assert_eq!(term_years(&c), 48);
    assert_eq!(planned_end(&c), d("2073-01-01"));
    let s = schedule(&c, &Options::default()).unwrap();
    assert_eq!(s.payments.len(), 48);
    assert_eq!(s.payments[47].covers, "2072");
    assert_eq!(s.total.to_string(), "192000.00");
    // One more, or u32::MAX (which once divided by zero), is refused.
    for renewals in [MAX_RENEWALS + 1, u32::MAX] {
        c.renewals = renewals;
        let e = schedule(&c, &Options::default()).unwrap_err();
        assert!(e.contains("au plus 15"), "{e}");
        c.termination = Some(Termination {
            date: d("2026-01-01"),
            reason: None,
        });
        assert!(schedule(&c, &Options::default()).is_err());
    }
    c.renewals = u32::MAX;
    assert_eq!(term_years(&c), 3 * (1 + u64::from(u32::MAX)));
    assert_eq!(try_planned_end(&c), None);
}

#[test]
fn an_intern_amount_beyond_a_decimal_is_an_error() {
    let mut c = Contract::new(
        ContractType::Caccmk,
        Version::Avenant7,
        d("2025-03-15"),
        ZoneType::TresSousDotee,
    );
    c.interns.push(InternPeriod {
        year: 2025,
        months: Decimal::MAX,
        fte: Decimal::ONE,
        study_year: Some(4),
    });
    // 300 € × Decimal::MAX overflows.
    let e = schedule(&c, &Options::default()).unwrap_err();
    assert!(e.contains("montant trop grand"), "{e}");
    // An intern year beyond i32 (calendar basis) has no due date.
    c.interns[0] = InternPeriod {
        year: u32::MAX,
        months: Decimal::ONE,
        fte: Decimal::ONE,
        study_year: Some(4),
    };
    let e = schedule(&c, &Options::default()).unwrap_err();
    assert!(e.contains("hors des dates représentables"), "{e}");
    // As a contract-year index, u32::MAX years after 2025 is past chrono too.
    let o = Options {
        year_basis: YearBasis::Contract,
        ..Options::default()
    };
    assert!(schedule(&c, &o).is_err());
}

#[test]
fn termination_before_signature_is_an_error_and_after_the_end_repays_nothing() {
    let mut c = Contract::new(
        ContractType::Caccmk,
        Version::Avenant7,
        d("2024-03-15"),
        ZoneType::TresSousDotee,
    );
    c.termination = Some(Termination {
        date: d("2024-03-14"),
        reason: None,
    });
    let e = schedule(&c, &Options::default()).unwrap_err();
    assert!(e.contains("avant la signature"), "{e}");
    // Ended 2030-01-01, after the planned end 2029-03-15: no activity given,
    // so every year at its maximum, all due by 2029-04-30: 30,000 + 9,000 +
    // 5,000 + 5,000 = 49,000 paid, nothing of the term left to repay.
    c.termination = Some(Termination {
        date: d("2030-01-01"),
        reason: None,
    });
    for o in every_option() {
        let s = schedule(&c, &o).unwrap();
        let last = s.payments.last().unwrap();
        assert_eq!(last.kind, PaymentKind::Repayment);
        assert_eq!(last.amount.to_string(), "0.00", "{o:?}");
        assert_eq!(s.total.to_string(), "49000.00", "{o:?}");
    }
    // Terminated on chrono's last date: same, and a legitimate reason too.
    c.termination = Some(Termination {
        date: NaiveDate::MAX,
        reason: Some(LegitimateReason::Death),
    });
    let s = schedule(&c, &Options::default()).unwrap();
    assert_eq!(s.total.to_string(), "49000.00");
    // Nothing to repay reads "0.00", not "-0.00".
    assert_eq!(s.payments.last().unwrap().amount.to_string(), "0.00");
}

#[test]
fn cumulation_and_versions_at_the_edges() {
    let a = Contract::new(
        ContractType::Cammk,
        Version::Avenant7,
        NaiveDate::MAX,
        ZoneType::TresSousDotee,
    );
    let mut b = a.clone();
    b.signed = NaiveDate::MAX - Days::new(1);
    b.renewals = u32::MAX;
    // a signed 10 days before chrono's last date: its term saturates there.
    let mut a = a;
    a.signed = NaiveDate::MAX - Days::new(10);
    let c = Contract::new(
        ContractType::Caimk,
        Version::Avenant7,
        NaiveDate::MIN,
        ZoneType::TresSousDotee,
    );
    // a and b both run to chrono's last date: they overlap; c ended long
    // before.
    let conflicts = cumulation(&[a, b, c]);
    assert_eq!(conflicts.len(), 1);
    assert_eq!(conflicts[0].contracts, (0, 1));
    for date in edge_dates() {
        let _ = version_for("Normandie", date);
        assert_eq!(version_at(date, None, None), None);
        assert_eq!(
            version_at(date, Some(NaiveDate::MIN), Some(NaiveDate::MAX)),
            Some(if date == NaiveDate::MAX {
                Version::Avenant7
            } else {
                Version::Avenant5
            })
        );
    }
}

#[test]
fn forfait_for_extreme_years() {
    let all = Indicators {
        dmp_software: true,
        sesam_vitale_up_to_date: true,
        scor: true,
        fse_rate: Decimal::MAX,
        mss: true,
        coordinated_care: true,
        video: true,
        connected_devices: true,
    };
    for year in [i32::MIN, -1, 0, 2017] {
        let e = modernisation_forfait(year, &all).unwrap_err();
        assert!(e.contains("2018"), "{e}");
    }
    let e = modernisation_forfait(i32::MAX, &all).unwrap_err();
    assert!(e.contains("versement"), "{e}");
    // The year before: 490 + 100 + 350 + 175 = 1,115, paid in i32::MAX.
    let f = modernisation_forfait(i32::MAX - 1, &all).unwrap();
    assert_eq!(f.total.to_string(), "1115.00");
    assert_eq!(f.paid_in, i32::MAX);
    let none = Indicators {
        fse_rate: Decimal::MIN,
        ..Indicators::default()
    };
    assert_eq!(
        modernisation_forfait(2024, &none)
            .unwrap()
            .total
            .to_string(),
        "0.00"
    );
}

#[test]
fn conventionnement_at_the_edges() {
    let base = ConventionnementRequest {
        zone: ZoneType::NonPrioritaire,
        request_date: NaiveDate::MAX,
        derogation: None,
        cessation_date: Some(NaiveDate::MAX - Days::new(1)),
        attestation: true,
        departing_acts_previous_year: Some(u32::MAX),
        cpd_opinion: None,
        designation_date: Some(NaiveDate::MAX),
        formalities_date: Some(NaiveDate::MAX),
        threshold_inclusive: true,
    };
    // Request the day after the cessation: well within the 2 years (whose end
    // is past chrono's range), formalities the day of designation, u32::MAX
    // acts ≥ 1,200: granted.
    assert_eq!(conventionnement_decision(&base).outcome, Outcome::Granted);
    // Formalities on chrono's last date, designated on its first: more than 6
    // months later: refused.
    let late = ConventionnementRequest {
        designation_date: Some(NaiveDate::MIN),
        ..base.clone()
    };
    assert_eq!(conventionnement_decision(&late).outcome, Outcome::Refused);
    // Ceased on chrono's first date, asked on its last: beyond 2 years.
    let old = ConventionnementRequest {
        cessation_date: Some(NaiveDate::MIN),
        ..base.clone()
    };
    assert_eq!(conventionnement_decision(&old).outcome, Outcome::Refused);
    for date in edge_dates() {
        let r = ConventionnementRequest {
            request_date: date,
            cessation_date: Some(date),
            designation_date: Some(date),
            formalities_date: Some(date),
            departing_acts_previous_year: Some(0),
            ..base.clone()
        };
        assert_eq!(
            conventionnement_decision(&r).outcome,
            Outcome::PendingCpdOpinion,
            "{date}"
        );
    }
}

#[test]
fn parameters_parse_any_text_into_a_table_or_an_error() {
    use kine_tarif::contracts::Parameters;
    let huge = format!("ALL,all,x,,{}9,src", "9".repeat(40));
    for text in [
        "",
        "contract,version,parameter,index,value,source\n",
        "contract,version,parameter,index,value,source\nA,b,c,d\n",
        "contract,version,parameter,index,value,source\nA,b,c,d,1.5,\n",
        "contract,version,parameter,index,value,source\nA,b,c,d,x,s\n",
        "\u{0}\u{feff},\n\"",
        huge.as_str(),
    ] {
        let _ = Parameters::parse(text);
    }
    // A row without a source is refused, with its line (2: the header is 1).
    let e = Parameters::parse("contract,version,parameter,index,value,source\nA,b,c,d,1.5,\n")
        .unwrap_err()
        .to_string();
    assert!(e.contains("ligne 2") && e.contains("source"), "{e}");
}
