//! The error, load-error and contract texts scanned by `tests/french.rs`.

use std::io::{Error as IoError, ErrorKind};

use chrono::NaiveDate;
use kine_tarif::batch::{BatchOptions, price_csv_with};
use kine_tarif::contracts::{
    Contract, ContractType, ConventionnementRequest, Derogation, Indicators, InternPeriod,
    LegitimateReason, Options, ProrataUnit, Repayment, Termination, Version, Year1Proration,
    YearBasis, ZoneType, conventionnement_decision, cumulation, modernisation_forfait, schedule,
};
use kine_tarif::coverage::{Coverage, Exoneration, LineKind, Regime, TiersPayant, split};
use kine_tarif::{Code, Error, FindingCode, TARIFF_FILES, Tariffs, Territory};
use rust_decimal::Decimal;

/// A text with where it comes from.
pub type Text = (String, String);

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn n(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn text(origin: &str, t: impl ToString) -> Text {
    (origin.to_string(), t.to_string())
}

/// The Display of every `Error` variant, of the parse errors of the
/// public types, of `ConvertError` and of the errors a batch, the
/// generator and a history store return.
pub fn error_texts() -> Vec<Text> {
    let io = |k: ErrorKind| IoError::from(k);
    let mut out = vec![
        text("input", Error::Input(io(ErrorKind::NotFound))),
        text("output", Error::Output(io(ErrorKind::BrokenPipe))),
        text("output", Error::Output(io(ErrorKind::StorageFull))),
        text("output", Error::Output(IoError::other("disque plein"))),
        text(
            "io",
            Error::Io {
                path: "factures.csv".into(),
                source: IoError::from_raw_os_error(2),
            },
        ),
        text(
            "io",
            Error::Io {
                path: "factures.csv".into(),
                source: IoError::from_raw_os_error(13),
            },
        ),
        text(
            "io",
            Error::Io {
                path: "factures.csv".into(),
                source: IoError::from_raw_os_error(5),
            },
        ),
        text(
            "io",
            Error::Io {
                path: "-".into(),
                source: io(ErrorKind::InvalidData),
            },
        ),
        text("missing column", Error::MissingColumn("coefficient".into())),
        text(
            "not grouped",
            Error::NotGrouped {
                line: 12,
                practitioner: "K1".into(),
                previous: 3,
            },
        ),
        text(
            "no practitioner",
            Error::NoPractitionerColumn { budget: 1 << 20 },
        ),
        text(
            "history",
            Error::History {
                store: "historique.db".into(),
                message: "disque plein".into(),
            },
        ),
        text(
            "internal",
            Error::Internal {
                first: 1,
                last: 4096,
                message: "panique".into(),
            },
        ),
        text(
            "csv",
            Error::Csv {
                line: 3,
                message: "guillemet ouvert".into(),
            },
        ),
        text(
            "data",
            Error::Data {
                file: "acts.csv".into(),
                line: 3,
                column: "act_id".into(),
                message: "champ vide".into(),
            },
        ),
        text(
            "data",
            Error::Data {
                file: "acts.csv".into(),
                line: 3,
                column: "-".into(),
                message: "champ vide".into(),
            },
        ),
        text("code", "XYZ".parse::<Code>().unwrap_err()),
        text("department", Territory::from_department("975").unwrap_err()),
        text("finding code", "NOPE".parse::<FindingCode>().unwrap_err()),
        text("regime", Regime::parse("mutuelle").unwrap_err()),
        text("exoneration", Exoneration::parse("gratuit").unwrap_err()),
        text("tiers payant", TiersPayant::parse("parfois").unwrap_err()),
    ];
    let c2s = Coverage {
        exoneration: Exoneration::C2s,
        ..Coverage::default()
    };
    let early = split(&c2s, d("2018-06-01"), LineKind::Act, n("17.70"), None);
    out.push(text("split", early.unwrap_err()));
    let huge = split(
        &Coverage::default(),
        d("2024-06-01"),
        LineKind::Act,
        Decimal::MAX,
        None,
    );
    out.push(text("split", huge.unwrap_err()));
    let t = Tariffs::embedded();
    for (letter, c, date, act) in [
        (Code::AMS, "7.77", "2026-06-01", None),
        (Code::AMS, "7.5", "2026-06-01", Some("NOPE")),
        (Code::AMS, "7.5", "2012-09-01", None),
    ] {
        let e = t.convert(letter, n(c), d(date), act, None).unwrap_err();
        out.push(text("convert", e));
    }
    out.push(text(
        "tariffs dir",
        Tariffs::from_dir("/nonexistent/tariffs").unwrap_err(),
    ));
    let batch = |input: &str, options: BatchOptions| {
        price_csv_with(t, input.as_bytes(), Vec::new(), &options).map(drop)
    };
    if let Err(e) = batch(
        "invoice_id,date,code\nF1,2024-06-15,RIM\n",
        BatchOptions::default(),
    ) {
        out.push(text("batch", e));
    }
    let no_practitioner = format!(
        "invoice_id,patient_id,date,code,coefficient\n{}",
        "F1,P1,2024-06-15,RIM,7.50\n".repeat(2000)
    );
    let tiny = BatchOptions {
        memory_budget: 1,
        input_size: Some(1 << 20),
        ..BatchOptions::default()
    };
    if let Err(e) = batch(&no_practitioner, tiny) {
        out.push(text("batch", e));
    }
    for (year, lines) in [(1990, 10), (2024, u64::MAX)] {
        let e = kine_tarif::generate::generate(t, lines, 1, year, std::io::sink()).unwrap_err();
        out.push(text("generate", e));
    }
    let dir = tempfile::tempdir().unwrap();
    let not_a_db = dir.path().join("historique.db");
    std::fs::write(&not_a_db, "ceci n'est pas une base".repeat(100)).unwrap();
    if let Err(e) = kine_tarif::history::SqliteHistory::open(&not_a_db) {
        out.push(text("history", e));
    }
    out
}

/// The embedded tariff files' texts, in [`TARIFF_FILES`] order.
fn embedded() -> [String; 4] {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tariffs");
    TARIFF_FILES.map(|f| std::fs::read_to_string(dir.join(f)).unwrap())
}

/// `text` with the first line starting with `prefix` replaced by what
/// `edit` makes of it (`None`: removed).
fn line_edit(text: &str, prefix: &str, edit: impl Fn(&str) -> Option<String>) -> String {
    let mut done = false;
    let mut out = String::new();
    for l in text.split_inclusive('\n') {
        if !done && l.starts_with(prefix) {
            done = true;
            if let Some(new) = edit(l.trim_end_matches('\n')) {
                out.push_str(&new);
                out.push('\n');
            }
        } else {
            out.push_str(l);
        }
    }
    assert!(done, "no line starts with {prefix:?}");
    out
}

/// A row with field `k` (0-based) set to `v` (the rows edited have no
/// quoted comma before `k`).
fn field(row: &str, k: usize, v: &str) -> String {
    let mut f: Vec<&str> = row.splitn(k + 2, ',').collect();
    f[k] = v;
    f.join(",")
}

/// The Display of the errors of tariff sets broken one way at a time:
/// file, line and column are kept, the message is French.
pub fn load_error_texts() -> Vec<Text> {
    // (file index, line prefix, field, new value); field usize::MAX: the
    // line removed; a value starting with '+': a copy of the line added.
    let edits: &[(usize, &str, usize, &str)] = &[
        (0, "MDN,metropole", usize::MAX, ""),
        (0, "AMK,metropole,2.15", 1, "xx"),
        (0, "AMK,metropole,2.15", 2, "2,15"),
        (0, "AMK,metropole,2.15", 2, "2.15555"),
        (0, "AMK,metropole,2.15", 2, "0"),
        (0, "AMK,metropole,2.15", 2, "5000"),
        (0, "AMK,metropole,2.15", 2, "abc"),
        (0, "AMK,metropole,2.15", 3, "2012-13-01"),
        (0, "AMK,metropole,2.15", 4, "2011-01-01"),
        (0, "AMK,metropole,2.15", 5, "xx"),
        (0, "AMK,metropole,2.15", 5, "unknown"),
        (0, "AMK,metropole,2.15", 6, ""),
        (0, "AMK,metropole,2.21", 4, "2030-01-01"),
        (0, "AMK,metropole,2.15", 0, "XYZ"),
        (0, "AMK,metropole,2.15", 0, "+"),
        (0, "AMS,metropole,,2024-06-01", usize::MAX, ""),
        (0, "AMS,metropole,2.21", usize::MAX, ""),
        (0, "AMS,metropole,2.15", 5, "suppressed"),
        (0, "IFO,dom", usize::MAX, ""),
        (1, "A1C-ENTORSE-MED", 0, "A1A-LOMBALGIE"),
        (1, "A1C-ENTORSE-MED", 5, "IFD"),
        (1, "A1C-ENTORSE-MED", 6, "AMS"),
        (1, "A1C-ENTORSE-MED", 6, "XYZ 8"),
        (1, "A1C-ENTORSE-MED", 6, "AMS huit"),
        (1, "A1C-ENTORSE-MED", 6, "AMS 99"),
        (1, "A1C-ENTORSE-MED", 7, "peut-être"),
        (1, "A1C-ENTORSE-MED", 8, "x"),
        (1, "A1C-ENTORSE-MED", 8, ""),
        (1, "A1C-ENTORSE-MED", 9, "x"),
        (1, "A1C-ENTORSE-MED", 13, "x"),
        (1, "A1C-ENTORSE-MED", 13, "suppressed"),
        (1, "A1C-ENTORSE-MED", 11, "2020-01-01"),
        (1, "A1C-ENTORSE-MED", 11, "2025-01-01"),
        (1, "A1C-ENTORSE-MED", 12, "2030-01-01"),
        (2, "A1C-ENTORSE-MED", 0, "NOPE"),
        (2, "A1C-ENTORSE-MED", 4, "unknown"),
        (2, "A1C-ENTORSE-MED", 1, "7.555"),
        (2, "A1C-ENTORSE-MED", 0, "+"),
        (2, "A1C-ENTORSE-MED", usize::MAX, ""),
        (2, "A1C-GENOU-MED", 1, "7.50"),
        (3, "AMS,7.5", 0, "RIM"),
        (3, "AMS,7.5", 3, "2030-01-01"),
        (3, "AMS,7.5", 0, "+"),
        (3, "AMS,7.5", usize::MAX, ""),
        (3, "AMS,7.5", 1, "7.49"),
    ];
    let mut out = Vec::new();
    for &(file, prefix, k, value) in edits {
        let mut texts = embedded();
        texts[file] = line_edit(&texts[file], prefix, |l| match (k, value) {
            (usize::MAX, _) => None,
            (_, "+") => Some(format!("{l}\n{l}")),
            _ => Some(field(l, k, value)),
        });
        let t = [&texts[0], &texts[1], &texts[2], &texts[3]].map(String::as_str);
        let origin = format!("{} {prefix} {k} {value:?}", TARIFF_FILES[file]);
        let e = Tariffs::from_sources("test", t).err();
        out.push(text(
            &origin,
            e.unwrap_or_else(|| panic!("{origin}: accepted")),
        ));
    }
    // The whole-file checks, and a header without a column.
    for (origin, broken) in [
        ("empty", String::new()),
        ("no final newline", embedded()[0].trim_end().to_string()),
        ("open quote", format!("{}\"AMK,x\n", embedded()[0])),
        (
            "no value column",
            embedded()[0].replacen("value,", "valeur,", 1),
        ),
        (
            "not UTF-8",
            String::from_utf8_lossy(b"code\n\xff\n").into_owned(),
        ),
    ] {
        let mut texts = embedded();
        texts[0] = broken;
        let t = [&texts[0], &texts[1], &texts[2], &texts[3]].map(String::as_str);
        out.push(text(
            origin,
            Tariffs::from_sources("test", t).err().unwrap(),
        ));
    }
    let dir = tempfile::tempdir().unwrap();
    for (f, t) in TARIFF_FILES.iter().zip(embedded()) {
        std::fs::write(dir.path().join(f), t).unwrap();
    }
    std::fs::write(dir.path().join(TARIFF_FILES[1]), b"act_id\n\xff\xfe\n").unwrap();
    out.push(text(
        "not UTF-8 file",
        Tariffs::from_dir(dir.path()).err().unwrap(),
    ));
    let coverage = "parameter,case,value,valid_from,valid_to,source,note\n";
    for row in [
        "amo_rate,general,soixante,2012-01-01,,s,\n",
        "amo_rate,general,60,2012-01-01,,,\n",
        "amo_rate,general,60,2012-01-01,2012-01-01,s,\n",
        "amo_rate,general,60,2012-01-01,,s,\namo_rate,general,60,2013-01-01,,s,\n",
    ] {
        let e = kine_tarif::coverage::table::Table::parse(&format!("{coverage}{row}"));
        out.push(text("coverage.csv", e.err().unwrap()));
    }
    let prestation = "code,prestation,valid_from,valid_to,confidence,source,note\n";
    for row in ["AMK,x,2012-01-01,,H,s,\n", "AMK,3122,2012-01-01,,Z,s,\n"] {
        let e = kine_tarif::prestation::parse(&format!("{prestation}{row}"));
        out.push(text("prestation_codes.csv", e.err().unwrap()));
    }
    let parameters = "contract,version,parameter,index,value,source,note\n";
    for row in [
        "CAMMK,avenant5,annual,,trois,s,\n",
        "CAMMK,avenant5,annual,,3000,,\n",
        "CAMMK,avenant5,annual,,3000,s,\nCAMMK,avenant5,annual,,3000,s,\n",
        "CAMMK,avenant5\n",
    ] {
        let e = kine_tarif::contracts::Parameters::parse(&format!("{parameters}{row}"));
        out.push(text("contract_parameters.csv", e.err().unwrap()));
    }
    out
}

/// The contracts' eligibility reasons, payment notes and periods, notes,
/// errors, conflicts, forfait parts and conventionnement decisions.
pub fn contract_texts() -> Vec<Text> {
    let mut out = Vec::new();
    let kinds = [
        ContractType::Caccmk,
        ContractType::Caimk,
        ContractType::Cammk,
        ContractType::Cimk,
    ];
    let versions = [Version::Avenant3, Version::Avenant5, Version::Avenant7];
    let zones = [
        ZoneType::TresSousDotee,
        ZoneType::SousDotee,
        ZoneType::NonPrioritaire,
    ];
    let options = [
        Options::default(),
        Options {
            year_basis: YearBasis::Contract,
            prorata: ProrataUnit::Days,
            year1: Year1Proration::Recover,
            repayment: Repayment::PaidMinusEarned,
        },
    ];
    let terminations = [
        None,
        Some(Termination {
            date: d("2026-09-15"),
            reason: None,
        }),
        Some(Termination {
            date: d("2026-09-15"),
            reason: Some(LegitimateReason::Illness),
        }),
        Some(Termination {
            date: d("2020-01-01"),
            reason: None,
        }),
    ];
    let mut signed = Vec::new();
    for kind in kinds {
        for version in versions {
            for zone in zones {
                for termination in &terminations {
                    let mut c = Contract::new(kind, version, d("2025-03-15"), zone).with_acts([
                        (2025, 1500),
                        (2026, 3000),
                        (2027, 1200),
                        (2028, 800),
                    ]);
                    c.in_zone_share.insert(2026, n("0.3"));
                    c.modernisation_met.insert(2027, false);
                    c.interns.push(InternPeriod {
                        year: 2026,
                        months: n("2.5"),
                        fte: n("0.5"),
                        study_year: Some(3),
                    });
                    c.interns.push(InternPeriod {
                        year: 2027,
                        months: n("3"),
                        fte: n("1"),
                        study_year: None,
                    });
                    c.termination = termination.clone();
                    c.renewals = if kind == ContractType::Cammk { 20 } else { 0 };
                    for o in &options {
                        let origin = format!("schedule {kind} {version:?} {zone:?}");
                        match schedule(&c, o) {
                            Err(e) => out.push(text(&origin, e)),
                            Ok(s) => {
                                out.extend(s.eligibility.reasons.iter().map(|r| text(&origin, r)));
                                out.extend(s.notes.iter().map(|r| text(&origin, r)));
                                for p in &s.payments {
                                    out.push(text(&origin, &p.note));
                                    out.push(text(&origin, &p.covers));
                                }
                            }
                        }
                        c.renewals = 0;
                    }
                    signed.push(c);
                }
            }
        }
    }
    for conflict in cumulation(&signed[..8]) {
        out.push(text("cumulation", conflict.message));
    }
    let all = Indicators {
        dmp_software: true,
        sesam_vitale_up_to_date: true,
        scor: true,
        fse_rate: n("0.85"),
        mss: true,
        coordinated_care: true,
        video: true,
        connected_devices: true,
    };
    for (year, i) in [
        (2024, all),
        (2024, Indicators::default()),
        (2017, all),
        (i32::MAX, all),
    ] {
        match modernisation_forfait(year, &i) {
            Ok(f) => out.extend(f.parts.into_iter().map(|p| text("forfait", p.2))),
            Err(e) => out.push(text("forfait", e)),
        }
    }
    let base = ConventionnementRequest {
        zone: ZoneType::NonPrioritaire,
        request_date: d("2025-06-01"),
        derogation: None,
        cessation_date: Some(d("2022-01-01")),
        attestation: true,
        departing_acts_previous_year: Some(900),
        cpd_opinion: None,
        designation_date: Some(d("2024-01-01")),
        formalities_date: Some(d("2025-01-01")),
        threshold_inclusive: false,
    };
    let requests = [
        base.clone(),
        ConventionnementRequest {
            cessation_date: Some(d("2025-01-01")),
            ..base.clone()
        },
        ConventionnementRequest {
            cessation_date: Some(d("2025-01-01")),
            formalities_date: Some(d("2024-03-01")),
            ..base.clone()
        },
        ConventionnementRequest {
            cessation_date: Some(d("2025-01-01")),
            formalities_date: None,
            cpd_opinion: Some(false),
            ..base.clone()
        },
        ConventionnementRequest {
            attestation: false,
            ..base.clone()
        },
        ConventionnementRequest {
            cessation_date: None,
            ..base.clone()
        },
        ConventionnementRequest {
            derogation: Some(Derogation::PersonalLife { proof: false }),
            ..base.clone()
        },
        ConventionnementRequest {
            derogation: Some(Derogation::EconomicRisk { searched: true }),
            ..base.clone()
        },
        ConventionnementRequest {
            zone: ZoneType::SousDotee,
            ..base
        },
    ];
    for r in &requests {
        out.push(text("conventionnement", conventionnement_decision(r).rule));
    }
    out
}
