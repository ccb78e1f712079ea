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

use std::io::Write;

use chrono::{Datelike, Days, NaiveDate};
use rust_decimal::Decimal;

use crate::money::format_money;
use crate::{Code, Error, InvoiceLine, Tariffs, Territory};

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

/// The years [`generate`] writes: from the year the tariff data starts
/// (2012: lines from its coverage start, 2012-07-15) to 2099. Before
/// 2024-02-22 the lines use the old cotations (AMS / AMC / AMK) of the acts
/// that replaced them, from then on the new nomenclature.
pub const LAST_YEAR: i32 = 2099;

/// The first day of the new nomenclature (décision UNCAM du 14/12/2023).
const NEW_KEYS: NaiveDate = match NaiveDate::from_ymd_opt(2024, 2, 22) {
    Some(d) => d,
    None => NaiveDate::MIN,
};

/// Writes `lines` synthetic invoice lines of `year` (plus the header).
///
/// A year outside the data's coverage (see [`LAST_YEAR`]) is an error
/// naming the accepted range.
pub fn generate<W: Write>(
    tariffs: &Tariffs,
    lines: u64,
    seed: u64,
    year: i32,
    out: W,
) -> Result<(), Error> {
    let io = |e: csv::Error| match e.into_kind() {
        csv::ErrorKind::Io(e) => Error::Output(e),
        other => Error::Output(std::io::Error::other(format!("{other:?}"))),
    };
    let mut w = csv::WriterBuilder::new()
        .buffer_capacity(1 << 16)
        .from_writer(out);
    let mut rng = Rng::new(seed);
    let total_weight: u64 = MIX.iter().map(|m| m.1).sum();
    let coverage = tariffs.coverage_start();
    let start = NaiveDate::from_ymd_opt(year, 1, 1)
        .filter(|_| (coverage.year()..=LAST_YEAR).contains(&year))
        .ok_or_else(|| {
            Error::Argument(format!(
                "année {year} : les données tarifaires couvrent les années {} à {LAST_YEAR}",
                coverage.year()
            ))
        })?
        .max(coverage);
    // Each patient either gives lines or counts as done: the loops end
    // even where no act has a cotation (none should, in the coverage).
    let mut idle = 0u32;
    w.write_record(COLUMNS).map_err(io)?;
    let (mut written, mut invoice, mut patient, mut practitioner) = (0u64, 0u64, 0u64, 0u64);
    let mut fields: Vec<String> = vec![String::new(); COLUMNS.len()];
    while written < lines {
        let at_start = written;
        practitioner += 1;
        let department = if rng.chance(30) {
            DOM[rng.below(5) as usize]
        } else {
            DEPARTMENTS[rng.below(12) as usize]
        };
        let territory = Territory::from_department(department).unwrap_or_default();
        if idle > 1_000 {
            return Err(Error::Argument(format!(
                "année {year} : aucune ligne à générer"
            )));
        }
        let quota = 3000 + rng.below(3000);
        let mut done = 0;
        while done < quota && written < lines {
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
            let Some(act) = tariffs.act(act_id) else {
                done += 1;
                continue;
            };
            let sessions = 5 + rng.below(16);
            let home = rng.chance(120);
            let distance = if home && rng.chance(400) {
                Some(3 + rng.below(12) as u32)
            } else {
                None
            };
            let Some(first) = start.checked_add_days(Days::new(rng.below(350))) else {
                done += 1;
                continue;
            };
            let before = written;
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
                // The act's cotation that day: an old one before the new
                // keys (no télésoin then), the act's own after.
                let old = date < NEW_KEYS;
                let (letter, coefficient) = if old {
                    match act.old_cotations.first() {
                        Some(&(l, c)) if tariffs.old_cotation(l, c).is_some() => (l, c),
                        _ => break,
                    }
                } else {
                    match act.period_at(date) {
                        Some(p) => (act.letter, p.coefficient),
                        None => break,
                    }
                };
                let per_day = if twice && rng.chance(300) { 2 } else { 1 };
                for session in 1..=per_day {
                    let telesoin =
                        !old && s >= 3 && !home && !twice && act.chapter == "II" && rng.chance(10);
                    let base = Row {
                        invoice: 0,
                        patient,
                        practitioner,
                        date,
                        code: if telesoin { Code::TMK } else { letter },
                        coefficient: Some(coefficient),
                        quantity: None,
                        department,
                        act_id: if !old && rng.chance(200) { act_id } else { "" },
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
                        // The BDK forfaits came with the new keys.
                        if !old {
                            rows.push(Row {
                                code: Code::AMK,
                                coefficient: Some(bdk),
                                act_id: "",
                                telesoin: false,
                                ..base
                            });
                        }
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
            if written == before {
                // No line for this patient: counted, so the quota ends.
                done += 1;
            }
        }
        idle = if written == at_start { idle + 1 } else { 0 };
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
