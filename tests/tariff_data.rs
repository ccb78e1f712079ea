//! The tariff data: the embedded tables match the files, the version file
//! tracks them, the coverage has no gap or conflict over a date ×
//! territory × code grid, and invalid files are rejected with a position.

use std::path::{Path, PathBuf};

use chrono::{Datelike, NaiveDate};
use kine_tarif::tariffs::{
    MAX_COEFFICIENT, MAX_COEFFICIENT_DECIMALS, MAX_LETTER_VALUE, MAX_VALUE_DECIMALS,
};
use kine_tarif::{Code, Error, RowStatus, TARIFF_DATA_VERSION, TARIFF_FILES, Tariffs, Territory};
use rust_decimal::Decimal;

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn tariff_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tariffs")
}

#[test]
fn embedded_tables_match_the_files() {
    let from_files = Tariffs::from_dir(tariff_dir()).unwrap();
    assert!(
        *Tariffs::embedded() == from_files,
        "embedded data differs from tariffs/: rebuild"
    );
    assert_eq!(Tariffs::embedded().version(), TARIFF_DATA_VERSION);
}

fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf29ce484222325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x100000001b3);
    }
    h
}

#[test]
fn version_file_matches_the_files() {
    let mut data = Vec::new();
    for f in TARIFF_FILES.iter().chain(&[
        "contract_parameters.csv",
        "zonage_regions.csv",
        "coverage.csv",
        "prestation_codes.csv",
    ]) {
        data.extend_from_slice(f.as_bytes());
        data.push(0);
        data.extend_from_slice(&std::fs::read(tariff_dir().join(f)).unwrap());
        data.push(0);
    }
    let fingerprint = format!("{:016x}", fnv1a64(&data));
    let version_file = std::fs::read_to_string(tariff_dir().join("VERSION")).unwrap();
    let field = |name: &str| {
        version_file
            .lines()
            .find_map(|l| {
                l.strip_prefix(name)
                    .and_then(|r| r.trim().strip_prefix('='))
                    .map(|v| v.trim().to_string())
            })
            .unwrap()
    };
    assert_eq!(
        field("fingerprint"),
        fingerprint,
        "tariffs/ changed: set `fingerprint = {fingerprint}` in tariffs/VERSION, bump the version, and update CHANGELOG.md"
    );
    assert_eq!(
        field("version"),
        TARIFF_DATA_VERSION,
        "tariffs/VERSION and TARIFF_DATA_VERSION disagree"
    );
}

/// The life of each code, from the sources (not from the data): first day,
/// and first day no longer billable.
fn expected_life(code: Code) -> (NaiveDate, Option<NaiveDate>) {
    match code {
        // avenant 3: 2.15 / 2.36 from 2012-07-15 (start of the data).
        Code::AMK => (d("2012-07-15"), None),
        // deleted by the decision of 14/12/2023; new keys obligatory 2024-06-01.
        Code::AMS | Code::AMC => (d("2012-07-15"), Some(d("2024-06-01"))),
        // IFD 2.50 from avenant 3.
        Code::IFD => (d("2012-07-15"), None),
        // IFO / IFR / IFN / IFP from 2006-03-31, replaced by the single IFS on 2026-01-01.
        Code::IFO | Code::IFR | Code::IFN | Code::IFP => (d("2006-03-31"), Some(d("2026-01-01"))),
        Code::IFS => (d("2006-03-31"), None),
        Code::IK | Code::IKM | Code::IKS => (d("2003-06-21"), None),
        // night and Sunday majorations: avenant of 15/06/1998.
        Code::MDN | Code::MDD => (d("1998-11-05"), None),
        // the 20 new keys, TMK and RQD: avenant 7 / decision of 14/12/2023.
        _ => (d("2024-02-22"), None),
    }
}

/// The 1st and 15th of each month from 2012-07 to 2028-12, plus every
/// dated step of the sources and the day before it.
fn grid() -> Vec<NaiveDate> {
    let mut dates = Vec::new();
    let mut m = d("2012-07-01");
    while m <= d("2028-12-15") {
        dates.push(m);
        dates.push(m.with_day(15).unwrap());
        m = m.checked_add_months(chrono::Months::new(1)).unwrap();
    }
    for step in [
        "2012-07-15",
        "2024-02-22",
        "2024-04-05",
        "2024-06-01",
        "2026-01-01",
        "2026-05-28",
        "2026-09-01",
        "2027-07-01",
    ] {
        dates.push(d(step));
        dates.push(d(step).pred_opt().unwrap());
    }
    dates.sort();
    dates.dedup();
    dates
}

/// The coverage rates and franchise values on every date of the grid, from
/// the sources (research-reimbursement-and-identifiers.md §1.1 and §1.3),
/// not from the data: 60 % général, 90 % Alsace-Moselle, 100 % for the
/// exonerations; 0.50 € an act and 2 € a day until 2024-03-30, 1 € and 4 €
/// from 2024-03-31; 50 € a year; the C2S from 2019-11-01.
#[test]
fn coverage_covers_the_grid() {
    use kine_tarif::coverage::Table;
    let t = Table::embedded();
    let v = |p: &str, c: &str, date| t.at(p, c, date).map(|r| r.value.to_string());
    let mut dates = grid();
    dates.extend([
        d("2019-10-31"),
        d("2019-11-01"),
        d("2024-03-30"),
        d("2024-03-31"),
    ]);
    for date in dates {
        assert_eq!(
            v("amo_rate", "general", date).as_deref(),
            Some("60"),
            "{date}"
        );
        assert_eq!(
            v("amo_rate", "alsace_moselle", date).as_deref(),
            Some("90"),
            "{date}"
        );
        for c in [
            "ald",
            "maternity",
            "at_mp",
            "invalidity",
            "military_pension",
            "mines",
            "ame",
        ] {
            assert_eq!(v("amo_rate", c, date).as_deref(), Some("100"), "{c} {date}");
        }
        let c2s = (date >= d("2019-11-01")).then_some("60");
        assert_eq!(v("amo_rate", "c2s", date).as_deref(), c2s, "c2s {date}");
        let (per_act, daily) = if date < d("2024-03-31") {
            ("0.50", "2.00")
        } else {
            ("1.00", "4.00")
        };
        assert_eq!(
            v("franchise", "per_act", date).as_deref(),
            Some(per_act),
            "{date}"
        );
        assert_eq!(
            v("franchise", "daily_cap", date).as_deref(),
            Some(daily),
            "{date}"
        );
        assert_eq!(
            v("franchise", "yearly_cap", date).as_deref(),
            Some("50.00"),
            "{date}"
        );
        assert_eq!(
            v("franchise", "exempt_under_age", date).as_deref(),
            Some("18"),
            "{date}"
        );
    }
    assert!(t.rows().iter().all(|r| !r.source.is_empty()));
}

#[test]
fn letter_values_cover_the_grid_without_gap_or_conflict() {
    let t = Tariffs::embedded();
    let mut checked = 0;
    for date in grid() {
        for terr in Territory::ALL {
            // A DE has no letter value (its amount is the billed amount).
            for &code in Code::ALL.iter().filter(|&&c| c != Code::DE) {
                let rows = t
                    .letter_values(code, terr)
                    .iter()
                    .filter(|v| v.period.contains(date))
                    .count();
                let (from, to) = expected_life(code);
                let alive = date >= from && to.is_none_or(|t| date < t);
                assert!(rows <= 1, "{code} {terr} {date}: {rows} values (conflict)");
                assert_eq!(
                    rows == 1,
                    alive,
                    "{code} {terr} {date}: expected {}",
                    if alive { "a value" } else { "none" }
                );
                if alive {
                    let v = t.letter_value(code, terr, date).unwrap();
                    // Only the overseas TMK value is unknown.
                    assert_eq!(
                        v.value.is_none(),
                        code == Code::TMK && terr == Territory::Dom,
                        "{code} {terr} {date}"
                    );
                    assert_eq!(v.status == RowStatus::Unknown, v.value.is_none());
                    assert!(!v.source.is_empty());
                }
                checked += 1;
            }
        }
    }
    assert!(checked > 10_000);
}

#[test]
fn acts_on_the_grid_have_one_meaning_per_cotation_and_a_letter_value() {
    let t = Tariffs::embedded();
    for date in grid() {
        let mut seen: Vec<(Code, String, &str, bool)> = Vec::new();
        for a in t.acts() {
            if let Some(p) = a.period_at(date) {
                let key = (a.letter, p.coefficient.normalize().to_string());
                for (l, c, other, shared) in &seen {
                    if (*l, c.clone()) == key {
                        assert!(
                            *shared && a.shared_cotation.is_some(),
                            "{date}: {} and {other} share {} {} without declaring it",
                            a.id,
                            key.0,
                            key.1
                        );
                    }
                }
                seen.push((key.0, key.1, a.id.as_str(), a.shared_cotation.is_some()));
                for terr in Territory::ALL {
                    let v = t.letter_value(a.letter, terr, date);
                    assert!(
                        v.and_then(|v| v.value).is_some(),
                        "{date} {terr}: {} has no {} value",
                        a.id,
                        a.letter
                    );
                }
            }
        }
    }
}

#[test]
fn the_dated_steps_of_the_sources() {
    let t = Tariffs::embedded();
    let coef = |id: &str, date: &str| {
        t.act(id)
            .unwrap()
            .period_at(d(date))
            .map(|p| p.coefficient.to_string())
    };
    // Acts formerly AMS 7.5: +0.6 postponed from 2025-07-01 to 2026-01-01, +0.3 on 2027-07-01.
    assert_eq!(
        coef("A1C-ENTORSE-MED", "2025-12-31").as_deref(),
        Some("7.50")
    );
    assert_eq!(
        coef("A1C-ENTORSE-MED", "2026-01-01").as_deref(),
        Some("8.10")
    );
    assert_eq!(
        coef("A1C-ENTORSE-MED", "2027-07-01").as_deref(),
        Some("8.40")
    );
    // Formerly AMS 9.5: +0.3 brought forward to 2026-05-28 by avenant 8.
    assert_eq!(coef("A1D-TER-CHIR", "2026-05-27").as_deref(), Some("9.51"));
    assert_eq!(coef("A1D-TER-CHIR", "2026-05-28").as_deref(), Some("9.81"));
    assert_eq!(coef("A1F-AMPUT-2M", "2026-05-28").as_deref(), Some("9.80"));
    // NMI +1 on 2026-09-01 (conditional).
    assert_eq!(
        coef("A4-ENCEPHALOPATHIE", "2026-09-01").as_deref(),
        Some("12")
    );
    // TER 16 from 2024-04-05; RPE 6 suppressed; fragility bilan from 2026-09-01.
    assert_eq!(coef("A4-PC-POLYHANDICAP", "2024-04-04"), None);
    assert_eq!(coef("A9-DEAMBULATION-20MIN", "2026-01-01"), None);
    assert_eq!(coef("C1S1-FRAGILITE", "2026-09-01").as_deref(), Some("10"));
    // Balneotherapy supplements +1.3 on 2026-01-01.
    assert_eq!(
        coef("C4-BALNEO-PISCINE", "2026-01-01").as_deref(),
        Some("3.5")
    );
    // Every row has a source.
    for a in t.acts() {
        assert!(!a.source.is_empty(), "{}", a.id);
        assert!(a.periods.iter().all(|p| !p.source.is_empty()), "{}", a.id);
    }
}

#[test]
fn every_chapter_ii_article_and_the_référentiel_thresholds_are_there() {
    let t = Tariffs::embedded();
    for art in 1..=11 {
        assert!(
            t.acts()
                .iter()
                .any(|a| a.chapter == "II" && a.article == art.to_string()),
            "article {art}"
        );
    }
    // NGAP Titre XIV chap. II art. 1: thresholds read in the official text.
    let thr = |id: &str| t.act(id).unwrap().prior_agreement_from;
    assert_eq!(thr("A1B-CANAL-CARPIEN"), Some(1));
    assert_eq!(thr("A1C-ENTORSE-MED"), Some(11));
    assert_eq!(thr("A1C-LCA"), Some(41));
    assert_eq!(thr("A1B-COIFFE-SUTURE"), Some(51));
    assert_eq!(thr("A1A-LOMBALGIE"), Some(16));
    assert_eq!(t.acts().iter().filter(|a| a.referentiel).count(), 17);
}

// ---- invalid data sets -------------------------------------------------

fn broken_set(name: &str, file: &str, edit: impl Fn(String) -> String) -> Result<Tariffs, Error> {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("broken-{name}"));
    std::fs::create_dir_all(&dir).unwrap();
    for f in TARIFF_FILES {
        let text = std::fs::read_to_string(tariff_dir().join(f)).unwrap();
        let text = if f == file { edit(text) } else { text };
        std::fs::write(dir.join(f), text).unwrap();
    }
    Tariffs::from_dir(&dir)
}

fn expect_data_error(res: Result<Tariffs, Error>, file: &str, column: &str, needle: &str) -> u64 {
    match res {
        Err(Error::Data {
            file: f,
            line,
            column: c,
            message,
        }) => {
            assert_eq!(f, file, "{message}");
            assert_eq!(c, column, "{message}");
            assert!(
                message.contains(needle),
                "{message:?} should mention {needle:?}"
            );
            line
        }
        Err(e) => panic!("unexpected error {e}"),
        Ok(_) => panic!("the broken set was accepted"),
    }
}

#[test]
fn unknown_letter_is_rejected_with_its_line() {
    let r = broken_set("letter", "letter_values.csv", |t| {
        t.replacen("\nRIM,metropole", "\nRIX,metropole", 1)
    });
    let line = expect_data_error(r, "letter_values.csv", "code", "code \"RIX\" inconnu");
    assert!(line > 1);
}

#[test]
fn overlapping_values_are_rejected() {
    let r = broken_set("overlap", "letter_values.csv", |t| {
        t.replacen(
            "AMK,metropole,2.21,2024-02-22,",
            "AMK,metropole,2.21,2024-02-01,",
            1,
        )
    });
    expect_data_error(r, "letter_values.csv", "valid_from", "chevauche");
}

#[test]
fn gap_in_values_is_rejected() {
    let r = broken_set("gap", "letter_values.csv", |t| {
        t.replacen(
            "AMK,metropole,2.21,2024-02-22,",
            "AMK,metropole,2.21,2024-03-01,",
            1,
        )
    });
    let line = expect_data_error(
        r,
        "letter_values.csv",
        "valid_to",
        "AMK en métropole : trou entre la ligne 2 (du 15/07/2012 au 21/02/2024) et la ligne 3 (à partir du 01/03/2024) : aucune valeur du 22/02/2024 au 29/02/2024",
    );
    assert_eq!(line, 2);
}

#[test]
fn unordered_period_is_rejected() {
    let r = broken_set("unordered", "act_coefficients.csv", |t| {
        t.replacen(
            "A1D-TER-MED,9.49,2024-02-22,2026-05-28",
            "A1D-TER-MED,9.49,2026-05-28,2024-02-22",
            1,
        )
    });
    expect_data_error(
        r,
        "act_coefficients.csv",
        "valid_to",
        "période dans le désordre",
    );
}

#[test]
fn gap_inside_an_acts_life_is_rejected() {
    let r = broken_set("actgap", "act_coefficients.csv", |t| {
        t.replacen(
            "A1D-TER-MED,9.79,2026-05-28,",
            "A1D-TER-MED,9.79,2026-06-01,",
            1,
        )
    });
    // A1D-TER-MED's rows are lines 134 (9.49) and 135 (9.79).
    let line = expect_data_error(
        r,
        "act_coefficients.csv",
        "valid_to",
        "A1D-TER-MED : trou dans la vie de l'acte entre la ligne 134 (du 22/02/2024 au 27/05/2026) et la ligne 135 (à partir du 01/06/2026) : aucun coefficient du 28/05/2026 au 31/05/2026",
    );
    assert_eq!(line, 134);
}

#[test]
fn malformed_date_and_decimal_are_rejected() {
    let r = broken_set("date", "act_coefficients.csv", |t| {
        t.replacen("2024-04-05", "2024-4-5", 1)
    });
    expect_data_error(
        r,
        "act_coefficients.csv",
        "valid_from",
        "date \"2024-4-5\" illisible",
    );
    let r = broken_set("decimal", "letter_values.csv", |t| {
        t.replacen("0.38", "0.3.8", 1)
    });
    expect_data_error(
        r,
        "letter_values.csv",
        "value",
        "nombre \"0.3.8\" illisible",
    );
    // A comma decimal splits the row: the CSV layer reports the line.
    let r = broken_set("comma", "letter_values.csv", |t| {
        t.replacen("0.38", "0,38", 1)
    });
    let line = expect_data_error(r, "letter_values.csv", "-", "9 champs au lieu des 8");
    assert!(line > 1);
}

#[test]
fn two_acts_with_the_same_cotation_at_the_same_date_are_rejected() {
    // Give the lombo-sacral act (RAM 7.51) the coefficient of the dorsal act (RAM 7.50).
    let r = broken_set("duplicate", "act_coefficients.csv", |t| {
        t.replacen("A1A-LOMBOSACRE-MED,7.51,", "A1A-LOMBOSACRE-MED,7.50,", 1)
    });
    expect_data_error(
        r,
        "act_coefficients.csv",
        "coefficient",
        "ont tous deux la cotation RAM 7,5",
    );
}

#[test]
fn missing_file_is_an_io_error() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("empty-tariffs");
    std::fs::create_dir_all(&dir).unwrap();
    assert!(matches!(Tariffs::from_dir(&dir), Err(Error::Io { .. })));
}

#[test]
fn a_revalorisation_can_be_loaded_before_a_release() {
    // An integrator raises the metropolitan value of RIM from 2027-01-01.
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("revalorisation");
    std::fs::create_dir_all(&dir).unwrap();
    for f in TARIFF_FILES {
        let mut text = std::fs::read_to_string(tariff_dir().join(f)).unwrap();
        if f == "letter_values.csv" {
            text = text.replacen(
                "RIM,metropole,2.21,2024-02-22,,in_force,",
                "RIM,metropole,2.30,2027-01-01,,in_force,test revalorisation,\nRIM,metropole,2.21,2024-02-22,2027-01-01,in_force,",
                1,
            );
        }
        std::fs::write(dir.join(f), text).unwrap();
    }
    let t = Tariffs::from_dir(&dir).unwrap();
    assert!(t.version().starts_with("custom:"));
    let v = |date: &str| {
        t.letter_value(Code::RIM, Territory::Metropole, d(date))
            .unwrap()
            .value
            .unwrap()
            .to_string()
    };
    assert_eq!(v("2026-12-31"), "2.21");
    assert_eq!(v("2027-01-01"), "2.30");
}

#[test]
fn the_bounds_keep_every_amount_within_a_decimal() {
    assert_eq!(MAX_LETTER_VALUE, Decimal::from(1000));
    assert_eq!(MAX_COEFFICIENT, Decimal::from(1000));
    assert_eq!((MAX_VALUE_DECIMALS, MAX_COEFFICIENT_DECIMALS), (4, 2));
    // The largest coefficient × the largest value with the most decimals,
    // times a quantity of 10^21: 999.99 × 999.9999 × 10^21 < 10^27.
    let c = MAX_COEFFICIENT - Decimal::new(1, 2);
    let v = MAX_LETTER_VALUE - Decimal::new(1, 4);
    let q = Decimal::from_i128_with_scale(10i128.pow(21), 0);
    let amount = c.checked_mul(v).and_then(|cv| cv.checked_mul(q));
    assert!(amount.is_some_and(|a| a < Decimal::from_i128_with_scale(10i128.pow(27), 0)));
    assert_eq!(c * v, "999989.900001".parse::<Decimal>().unwrap());
}

#[test]
fn columns_are_found_by_name_in_any_order() {
    // Every file with its columns in reverse order loads the same set.
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("tariff-data-reversed");
    std::fs::create_dir_all(&dir).unwrap();
    for f in TARIFF_FILES {
        let text = std::fs::read_to_string(tariff_dir().join(f)).unwrap();
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let mut writer = csv::Writer::from_path(dir.join(f)).unwrap();
        let header: Vec<String> = reader
            .headers()
            .unwrap()
            .iter()
            .rev()
            .map(String::from)
            .collect();
        writer.write_record(&header).unwrap();
        for rec in reader.records() {
            writer.write_record(rec.unwrap().iter().rev()).unwrap();
        }
        writer.flush().unwrap();
    }
    let header = std::fs::read_to_string(dir.join("acts.csv")).unwrap();
    assert!(header.starts_with("note,source,status,valid_to,valid_from,"));
    assert!(Tariffs::from_dir(&dir).unwrap() == *Tariffs::embedded());
}
