//! A realistic synthetic invoice batch, so anyone can reproduce a run:
//! `kine-tarif generate --lines N --seed S`.
//!
//! Practitioners, each with a département (about 3 % overseas, the share
//! of the overseas population) and a year of patients; each patient a
//! prescription of 5 to 20 sessions of one act, drawn from a plausible mix
//! (spine and knee first; the weights are illustrative, not statistics),
//! the first session with its BDK; about 12 % treated at home (IFD, IK
//! beyond 2 km, IFS where eligible from 2026), some urgent airway
//! clearances twice a day, about 1 % télésoin sessions, and about 0.1 % bad
//! rows (impossible date, unknown code, wrong amount). The lines come
//! grouped by practitioner, which the streaming engine needs for large
//! batches. The same seed gives the same file.
//!
//! Years: every year of the tariff data's coverage, [`year_range`] (2012
//! to 2028 with the embedded data). Before the new nomenclature (the old
//! cotations' transition date, 2024-02-22) a session is billed with the
//! act's old AMS / AMK cotation (`tariffs/old_cotations.csv`, through
//! [`Tariffs::old_cotation`]) at the old letter value, without act id or
//! télésoin (TMK starts with the new nomenclature); from that date with
//! the act's new key and dated coefficient. 2024 has both, a prescription
//! crossing 22 February changing cotation on that day. In 2012 the acts
//! start at the coverage start (15 July).
//!
//! Every loop is bounded: at most [`MAX_LINES`] lines, and a run of
//! patients that yield no line is an error, never a hang.

use std::io::Write;
use std::ops::RangeInclusive;

use chrono::{Datelike, Days, NaiveDate};
use rust_decimal::Decimal;

use crate::money::format_money;
use crate::nomenclature::Act;
use crate::{Code, Error, InvoiceLine, Tariffs, Territory};

/// Most lines one run writes: a billion, about 100 GB of CSV.
pub const MAX_LINES: u64 = 1_000_000_000;

/// Patients in a row without a single line before the run stops with an
/// error (never reached with valid tariffs: a guard against a hang).
const MAX_BARREN_PATIENTS: u32 = 10_000;

/// The years `generate` accepts with `tariffs`: from the year of the
/// coverage start ([`Tariffs::coverage_start`], 2012-07-15) to the year
/// after the last dated step of the data (a letter value or an act
/// coefficient that starts or ends; 2027-07-01 in the embedded data, so
/// 2028): the values in force after the last step stay so, which makes
/// the following year a whole year priced with known values; later years
/// would only repeat it.
pub fn year_range(tariffs: &Tariffs) -> RangeInclusive<i32> {
    let start = tariffs.coverage_start();
    let acts = tariffs
        .acts()
        .iter()
        .flat_map(|a| &a.periods)
        .map(|p| p.period);
    let values = Code::ALL.iter().flat_map(|&code| {
        [Territory::Metropole, Territory::Dom]
            .into_iter()
            .flat_map(move |t| tariffs.letter_values(code, t).iter().map(|v| v.period))
    });
    let last = acts
        .chain(values)
        .flat_map(|p| [Some(p.from), p.to])
        .flatten()
        .max()
        .unwrap_or(start)
        .max(start);
    start.year()..=last.year().saturating_add(1)
}

/// An argument `generate` refuses, as an error naming the flag.
fn invalid(flag: &str, message: String) -> Error {
    Error::Argument(format!("{flag} : {message}"))
}

/// The cotation of `act` on `date`: before the old cotations' transition
/// date, the act's old AMS or AMK pair (AMC is the clinic's letter, not a
/// practice's); from it, the act's dated coefficient. `None` when neither
/// is in force (outside the coverage). The flag says "old cotation".
fn cotation(tariffs: &Tariffs, act: &Act, date: NaiveDate) -> Option<(Code, Decimal, bool)> {
    let old = act
        .old_cotations
        .iter()
        .find(|(l, _)| *l != Code::AMC)
        .or(act.old_cotations.first())
        .and_then(|&(l, c)| tariffs.old_cotation(l, c))
        .filter(|o| o.period.contains(date) && date < o.transition_from);
    match old {
        Some(o) => Some((o.letter, o.coefficient, true)),
        None => act
            .period_at(date)
            .map(|p| (act.letter, p.coefficient, false)),
    }
}

/// SplitMix64: small, fast, reproducible.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }
    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// A number in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
    /// True with probability `per_mille / 1000`.
    pub fn chance(&mut self, per_mille: u64) -> bool {
        self.below(1000) < per_mille
    }
}

/// (act id, weight) of the act mix.
const MIX: [(&str, u64); 22] = [
    ("A1A-LOMBALGIE", 15),
    ("A1A-CERVICALGIE-NS", 8),
    ("A1A-2SEG-MED", 4),
    ("A1C-PTG", 6),
    ("A1C-LCA", 3),
    ("A1C-PTH", 4),
    ("A1B-COIFFE-TENDINO", 6),
    ("A1B-EPAULE-MED", 4),
    ("A1C-GENOU-MED", 5),
    ("A1C-CHEVILLE-MED", 3),
    ("A1C-ENTORSE-MED", 3),
    ("A1D-TER-MED", 4),
    ("A4-NEURO-2M", 3),
    ("A4-HEMIPLEGIE", 2),
    ("A5-OBSTR-RESTR", 4),
    ("A5-DESENCOMBREMENT", 2),
    ("A8-PERINEAL", 4),
    ("A9-ANALYTIQUE-GLOBALE", 6),
    ("A7-LYMPH-1M", 2),
    ("A11-PALLIATIF", 1),
    ("A1B-COUDE-FX-CHIR", 1),
    ("A1E-DEV-2SEG", 1),
];

const DEPARTMENTS: [&str; 12] = [
    "75", "13", "69", "33", "59", "31", "44", "67", "2A", "06", "35", "57",
];
const DOM: [&str; 5] = ["971", "972", "973", "974", "976"];

/// Header of the generated file.
pub const COLUMNS: [&str; 17] = [
    "invoice_id",
    "patient_id",
    "practitioner_id",
    "date",
    "code",
    "coefficient",
    "quantity",
    "department",
    "billed_amount",
    "act_id",
    "prescription_id",
    "prescriber_id",
    "session",
    "telesoin",
    "patient_birth_date",
    "distance_km",
    "discharge_date",
];

#[derive(Clone, Copy)]
struct Row<'a> {
    invoice: u64,
    patient: u64,
    practitioner: u64,
    date: NaiveDate,
    code: Code,
    coefficient: Option<Decimal>,
    quantity: Option<u32>,
    department: &'a str,
    act_id: &'a str,
    prescription: u64,
    session: u8,
    telesoin: bool,
    birth: Option<NaiveDate>,
    distance: Option<u32>,
    discharge: Option<NaiveDate>,
}

/// Writes `lines` synthetic invoice lines of `year` (plus the header).
///
/// Errors: a year outside [`year_range`] or more than [`MAX_LINES`] lines
/// ([`Error::Argument`] naming the flag, `--year` or `--lines`, before
/// anything is written); a write error ([`Error::Output`]: the caller
/// knows its name, see [`Error::named`]).
pub fn generate<W: Write>(
    tariffs: &Tariffs,
    lines: u64,
    seed: u64,
    year: i32,
    out: W,
) -> Result<(), Error> {
    let years = year_range(tariffs);
    if !years.contains(&year) {
        return Err(invalid(
            "--year",
            format!(
                "année {year} hors de la couverture des données tarifaires : de {} à {}",
                years.start(),
                years.end()
            ),
        ));
    }
    if lines > MAX_LINES {
        return Err(invalid(
            "--lines",
            format!("{lines} lignes : au plus {MAX_LINES}"),
        ));
    }
    // A write error keeps its io::Error (a closed pipe is recognised by
    // its kind); the path is the caller's to fill in.
    let io = |e: csv::Error| match e.into_kind() {
        csv::ErrorKind::Io(source) => Error::Output(source),
        _ => Error::Output(std::io::Error::other("écriture du fichier CSV impossible")),
    };
    let mut w = csv::WriterBuilder::new()
        .buffer_capacity(1 << 16)
        .from_writer(out);
    w.write_record(COLUMNS).map_err(io)?;
    let mut rng = Rng::new(seed);
    let total_weight: u64 = MIX.iter().map(|m| m.1).sum();
    // The acts start on 1 January, or at the coverage start in its year.
    let start = NaiveDate::from_ymd_opt(year, 1, 1)
        .map(|d| d.max(tariffs.coverage_start()))
        .ok_or_else(|| invalid("--year", format!("année {year} hors du calendrier")))?;
    let end = NaiveDate::from_ymd_opt(year.saturating_add(1), 1, 1).unwrap_or(NaiveDate::MAX);
    // First sessions up to 15 days before the year's end: 350 days for a
    // whole year (as always), 155 from 2012-07-15.
    let span = ((end - start).num_days() - 15).clamp(1, 350) as u64;
    let mut barren = 0u32;
    let (mut written, mut invoice, mut patient, mut practitioner) = (0u64, 0u64, 0u64, 0u64);
    let mut fields: Vec<String> = vec![String::new(); COLUMNS.len()];
    while written < lines {
        practitioner += 1;
        let department = if rng.chance(30) {
            DOM[rng.below(5) as usize]
        } else {
            DEPARTMENTS[rng.below(12) as usize]
        };
        let territory = Territory::from_department(department).unwrap_or_default();
        let quota = 3000 + rng.below(3000);
        let mut done = 0;
        while done < quota && written < lines {
            if barren >= MAX_BARREN_PATIENTS {
                return Err(invalid(
                    "--year",
                    format!(
                        "année {year} : {MAX_BARREN_PATIENTS} patients de suite sans aucune séance facturable (données tarifaires sans cotation ce jour-là ?)"
                    ),
                ));
            }
            let before = written;
            patient += 1;
            let mut pick = rng.below(total_weight);
            let act_id = MIX
                .iter()
                .find(|(_, wgt)| {
                    if pick < *wgt {
                        true
                    } else {
                        pick -= wgt;
                        false
                    }
                })
                .map(|m| m.0)
                .unwrap_or(MIX[0].0);
            let act = tariffs.act(act_id).ok_or_else(|| {
                invalid(
                    "--tariffs-dir",
                    format!("acte {act_id} du générateur absent des données tarifaires"),
                )
            })?;
            let sessions = 5 + rng.below(16);
            let home = rng.chance(120);
            let distance = if home && rng.chance(400) {
                Some(3 + rng.below(12) as u32)
            } else {
                None
            };
            let first = start
                .checked_add_days(Days::new(rng.below(span)))
                .unwrap_or(start);
            let birth = match act.letter {
                Code::DRA => first.checked_sub_days(Days::new(3650 + rng.below(2500))),
                Code::RPE => first.checked_sub_days(Days::new(27000 + rng.below(5000))),
                _ => None,
            };
            let surgery = act.ifs == crate::IfsScope::PostSurgery35Days
                && act.label.to_lowercase().contains("apr");
            let discharge = surgery
                .then(|| first.checked_sub_days(Days::new(rng.below(10))))
                .flatten();
            let twice = act_id == "A5-DESENCOMBREMENT";
            let mut date = first;
            for s in 0..sessions {
                if written >= lines || date.year() != year {
                    break;
                }
                let Some((letter, coefficient, old)) = cotation(tariffs, act, date) else {
                    break;
                };
                let per_day = if twice && rng.chance(300) { 2 } else { 1 };
                for session in 1..=per_day {
                    // No télésoin before TMK (the new nomenclature).
                    let telesoin =
                        s >= 3 && !home && !twice && !old && act.chapter == "II" && rng.chance(10);
                    // Old cotations carry no act id (billing software had none).
                    let with_id = rng.chance(200) && !old;
                    let base = Row {
                        invoice: 0,
                        patient,
                        practitioner,
                        date,
                        code: if telesoin { Code::TMK } else { letter },
                        coefficient: Some(coefficient),
                        quantity: None,
                        department,
                        act_id: if with_id { act_id } else { "" },
                        prescription: patient,
                        session,
                        telesoin,
                        birth,
                        distance: None,
                        discharge,
                    };
                    let mut rows = vec![base];
                    if s == 0 && session == 1 {
                        let bdk = if act.article == "4" && act.id != "A4-PERIPH-LOC" {
                            Decimal::new(108, 1)
                        } else {
                            Decimal::new(107, 1)
                        };
                        rows.push(Row {
                            code: Code::AMK,
                            coefficient: Some(bdk),
                            act_id: "",
                            telesoin: false,
                            ..base
                        });
                    }
                    if home && !telesoin {
                        let ifs = date.year() >= 2026 && act.ifs == crate::IfsScope::Always;
                        rows.push(Row {
                            code: if ifs { Code::IFS } else { Code::IFD },
                            coefficient: None,
                            act_id: "",
                            ..base
                        });
                        if let Some(d) = distance {
                            rows.push(Row {
                                code: Code::IK,
                                coefficient: None,
                                quantity: Some(2 * d - 4),
                                distance: Some(d),
                                act_id: "",
                                ..base
                            });
                        }
                    }
                    for mut r in rows {
                        if written >= lines {
                            break;
                        }
                        invoice += 1;
                        r.invoice = invoice;
                        write_row(tariffs, territory, &mut rng, &r, &mut fields);
                        w.write_record(&fields).map_err(io)?;
                        written += 1;
                        done += 1;
                    }
                }
                let Some(next) = date.checked_add_days(Days::new(2 + rng.below(3))) else {
                    break;
                };
                date = next;
            }
            barren = if written == before { barren + 1 } else { 0 };
        }
    }
    w.flush().map_err(Error::Output)?;
    Ok(())
}

fn write_row(
    tariffs: &Tariffs,
    territory: Territory,
    rng: &mut Rng,
    r: &Row<'_>,
    f: &mut [String],
) {
    use std::fmt::Write as _;
    for s in f.iter_mut() {
        s.clear();
    }
    let q = Decimal::from(r.quantity.unwrap_or(1));
    let mut line = InvoiceLine::new(r.date, r.code, r.coefficient)
        .in_territory(territory)
        .with_quantity(q);
    if !r.act_id.is_empty() && r.code != Code::TMK {
        line = line.with_act_id(r.act_id);
    }
    let amount = tariffs.price(&line).amount;
    let _ = write!(f[0], "F{}", r.invoice);
    let _ = write!(f[1], "P{}", r.patient);
    let _ = write!(f[2], "K{}", r.practitioner);
    let _ = write!(f[3], "{}", r.date);
    f[4].push_str(r.code.as_str());
    if let Some(c) = r.coefficient {
        let _ = write!(f[5], "{c}");
    }
    if let Some(q) = r.quantity {
        let _ = write!(f[6], "{q}");
    }
    f[7].push_str(r.department);
    if let Some(a) = amount {
        f[8].push_str(&format_money(a));
    }
    if !r.act_id.is_empty() && r.code != Code::TMK {
        f[9].push_str(r.act_id);
    }
    let _ = write!(f[10], "RX{}", r.prescription);
    let _ = write!(f[11], "M{}", r.prescription % 997);
    let _ = write!(f[12], "{}", r.session);
    if r.telesoin {
        f[13].push('1');
    }
    if let Some(b) = r.birth {
        let _ = write!(f[14], "{b}");
    }
    if let Some(d) = r.distance {
        let _ = write!(f[15], "{d}");
    }
    if let Some(d) = r.discharge {
        let _ = write!(f[16], "{d}");
    }
    // About 0.1 % bad rows, kept as they come.
    match rng.below(3000) {
        0 => {
            f[3].clear();
            let _ = write!(f[3], "{}-02-30", r.date.year());
        }
        1 => {
            f[4].clear();
            f[4].push_str("AMX");
        }
        2 if !f[8].is_empty() => f[8].push('1'),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn years_from_the_coverage_start_to_the_year_after_the_last_step() {
        // Coverage 2012-07-15; last dated step 2027-07-01 (act coefficients).
        let t = Tariffs::embedded();
        assert_eq!(year_range(t), 2012..=2028);
        for (year, lines) in [(2011, 1), (2029, 1), (2025, MAX_LINES + 1)] {
            let mut out = Vec::new();
            let e = generate(t, lines, 1, year, &mut out).unwrap_err();
            assert!(matches!(e, Error::Argument(_)), "{e}");
            assert!(out.is_empty(), "nothing written before the checks");
        }
        let mut out = Vec::new();
        generate(t, 0, 1, 2012, &mut out).unwrap();
        assert_eq!(out.iter().filter(|&&b| b == b'\n').count(), 1); // the header
    }
}
