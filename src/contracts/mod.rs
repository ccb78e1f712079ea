//! Demographic incentive contracts of the convention nationale des
//! masseurs-kinésithérapeutes, the modernisation forfait, and the
//! conventionnement decision in a non-priority zone.
//!
//! - **CACCMK** (aide à la création ou reprise de cabinet) and **CAIMK**
//!   (aide à l'installation): 5 years; avenant 5 (2017) versions in
//!   "très sous-dotée" and "sous-dotée" zones, avenant 7 (2023) versions in
//!   "très sous-dotée" zones only.
//! - **CAMMK** (aide au maintien): 3 years, renewable by tacit renewal.
//! - **CIMK** (contrat incitatif, avenant 3, 2012): 3 years; closed to new
//!   signatures once a region publishes its avenant 5 zonage.
//!
//! Which version applies depends on when the region published its zonage
//! ([`version_for`], table `tariffs/zonage_regions.csv`). Amounts and
//! thresholds are data (`tariffs/contract_parameters.csv`, each row with its
//! source). Where the sources leave a reading open, [`Options`] makes it a
//! parameter; the defaults are documented in the README.
//!
//! ```
//! use kine_tarif::contracts::{schedule, Contract, ContractType, Options, Version, ZoneType};
//! let c = Contract::new(ContractType::Caccmk, Version::Avenant7, "2025-03-15".parse().unwrap(), ZoneType::TresSousDotee)
//!     .with_acts([(2025, 2100), (2026, 3000), (2027, 2400), (2028, 3100), (2029, 3000)]);
//! let s = schedule(&c, &Options::default()).unwrap();
//! let amounts: Vec<String> = s.payments.iter().map(|p| p.amount.to_string()).collect();
//! assert_eq!(amounts, ["30000.00", "9000.00", "4000.00", "5000.00", "0.00"]); // 2,400 acts → 80 % of 5,000
//! assert_eq!(s.total.to_string(), "48000.00");
//! ```

mod conventionnement;
mod forfait;
pub mod json;
mod schedule;

pub use conventionnement::{
    ConventionnementRequest, Decision, Derogation, Outcome, conventionnement_decision,
};
pub use forfait::{Forfait, Indicators, modernisation_forfait};
pub use schedule::{Payment, PaymentKind, Schedule, schedule};

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::str::FromStr;
use std::sync::LazyLock;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::Error;
use crate::fr::Span;

/// The contract types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ContractType {
    /// Contrat d'aide à la création ou à la reprise d'un cabinet.
    Caccmk,
    /// Contrat d'aide à l'installation.
    Caimk,
    /// Contrat d'aide au maintien d'activité.
    Cammk,
    /// Contrat incitatif (avenant 3).
    Cimk,
}

impl ContractType {
    /// `CACCMK`, `CAIMK`, `CAMMK`, `CIMK`.
    pub fn as_str(self) -> &'static str {
        match self {
            ContractType::Caccmk => "CACCMK",
            ContractType::Caimk => "CAIMK",
            ContractType::Cammk => "CAMMK",
            ContractType::Cimk => "CIMK",
        }
    }
}

impl FromStr for ContractType {
    type Err = String;
    fn from_str(s: &str) -> Result<ContractType, String> {
        match s.to_ascii_uppercase().as_str() {
            "CACCMK" => Ok(ContractType::Caccmk),
            "CAIMK" => Ok(ContractType::Caimk),
            "CAMMK" => Ok(ContractType::Cammk),
            "CIMK" => Ok(ContractType::Cimk),
            _ => Err(format!(
                "type de contrat {s:?} inconnu : attendu CACCMK, CAIMK, CAMMK ou CIMK"
            )),
        }
    }
}

impl fmt::Display for ContractType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The version of the convention a contract was signed under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Version {
    /// Avenant 3 (2012): the CIMK.
    Avenant3,
    /// Avenant 5 (2017), from the region's avenant 5 zonage.
    Avenant5,
    /// Avenant 7 (2023), from the region's avenant 7 zonage.
    Avenant7,
}

impl Version {
    /// `avenant3`, `avenant5`, `avenant7`.
    pub fn as_str(self) -> &'static str {
        match self {
            Version::Avenant3 => "avenant3",
            Version::Avenant5 => "avenant5",
            Version::Avenant7 => "avenant7",
        }
    }

    /// `avenant 3`, `avenant 5`, `avenant 7`: as a person reads it.
    pub fn label(self) -> &'static str {
        match self {
            Version::Avenant3 => "avenant 3",
            Version::Avenant5 => "avenant 5",
            Version::Avenant7 => "avenant 7",
        }
    }
}

impl FromStr for Version {
    type Err = String;
    fn from_str(s: &str) -> Result<Version, String> {
        match s.to_ascii_lowercase().replace([' ', '-', '_'], "").as_str() {
            "avenant3" | "a3" | "3" => Ok(Version::Avenant3),
            "avenant5" | "a5" | "5" => Ok(Version::Avenant5),
            "avenant7" | "a7" | "7" => Ok(Version::Avenant7),
            _ => Err(format!(
                "version {s:?} inconnue : attendu avenant3, avenant5 ou avenant7"
            )),
        }
    }
}

/// Zone type of the practice at signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ZoneType {
    /// Très sous-dotée.
    TresSousDotee,
    /// Sous-dotée.
    SousDotee,
    /// Intermédiaire (or très dotée under avenant 5).
    Intermediaire,
    /// Non prioritaire (avenant 7) — sur-dotée before.
    NonPrioritaire,
}

impl FromStr for ZoneType {
    type Err = String;
    fn from_str(s: &str) -> Result<ZoneType, String> {
        let folded: String = s
            .to_lowercase()
            .chars()
            .map(|c| match c {
                'é' | 'è' | 'ê' => 'e',
                ' ' | '_' => '-',
                c => c,
            })
            .collect();
        match folded.as_str() {
            "tsd" | "tres-sous-dotee" => Ok(ZoneType::TresSousDotee),
            "sd" | "sous-dotee" => Ok(ZoneType::SousDotee),
            "intermediaire" | "tres-dotee" => Ok(ZoneType::Intermediaire),
            "non-prioritaire" | "np" | "sur-dotee" => Ok(ZoneType::NonPrioritaire),
            _ => Err(format!(
                "zone {s:?} inconnue : attendu tsd, sd, intermediaire ou non-prioritaire"
            )),
        }
    }
}

/// One intern period (stagiaire), for the intern supplement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InternPeriod {
    /// Calendar year (or contract year index with [`YearBasis::Contract`]).
    pub year: u32,
    /// Months of internship (may be fractional).
    pub months: Decimal,
    /// Full-time equivalent: 1 for full time, 0.5 for half time.
    pub fte: Decimal,
    /// Year of study (avenant 7 pays only 4th- and 5th-year students);
    /// `None` = not given (taken as eligible).
    pub study_year: Option<u8>,
}

/// A legitimate reason for an early termination: nothing to repay
/// (list of the CIMK contract, assumed identical in the later contrats
/// types).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LegitimateReason {
    /// Serious medical situation of the spouse, a child or a direct ascendant.
    FamilyMedical,
    /// Transfer of the spouse's job.
    SpouseTransfer,
    /// Personal legal situation forcing a change of professional address.
    LegalSituation,
    /// Illness or disability preventing practice.
    Illness,
    /// Imprisonment of 3 months or more.
    Imprisonment,
    /// Death of the physiotherapist.
    Death,
    /// Force majeure.
    ForceMajeure,
}

impl FromStr for LegitimateReason {
    type Err = String;
    fn from_str(s: &str) -> Result<LegitimateReason, String> {
        Ok(match s.to_ascii_lowercase().as_str() {
            "family-medical" => LegitimateReason::FamilyMedical,
            "spouse-transfer" => LegitimateReason::SpouseTransfer,
            "legal-situation" => LegitimateReason::LegalSituation,
            "illness" => LegitimateReason::Illness,
            "imprisonment" => LegitimateReason::Imprisonment,
            "death" => LegitimateReason::Death,
            "force-majeure" => LegitimateReason::ForceMajeure,
            _ => {
                return Err(format!(
                    "motif {s:?} inconnu : attendu \"family-medical\", \"spouse-transfer\", \"legal-situation\", \"illness\", \"imprisonment\", \"death\", \"force-majeure\" ou \"none\""
                ));
            }
        })
    }
}

impl LegitimateReason {
    /// The reason as a person reads it, in French.
    pub fn label(self) -> &'static str {
        match self {
            LegitimateReason::FamilyMedical => {
                "situation médicale grave du conjoint, d'un enfant ou d'un ascendant direct"
            }
            LegitimateReason::SpouseTransfer => "mutation professionnelle du conjoint",
            LegitimateReason::LegalSituation => {
                "situation juridique personnelle imposant un changement d'adresse professionnelle"
            }
            LegitimateReason::Illness => "maladie ou invalidité empêchant d'exercer",
            LegitimateReason::Imprisonment => "incarcération de 3 mois ou plus",
            LegitimateReason::Death => "décès du masseur-kinésithérapeute",
            LegitimateReason::ForceMajeure => "force majeure",
        }
    }
}

/// An early termination.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Termination {
    /// Date the contract ends.
    pub date: NaiveDate,
    /// A legitimate reason, or `None`.
    pub reason: Option<LegitimateReason>,
}

/// A contract, as practice software knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contract {
    /// Type.
    pub kind: ContractType,
    /// Version.
    pub version: Version,
    /// Signature (adhesion) date.
    pub signed: NaiveDate,
    /// Zone type at signature.
    pub zone: ZoneType,
    /// Acts per year (calendar year, or contract year index 1..).
    pub acts: BTreeMap<u32, u32>,
    /// Share of the activity with patients living in the zone, per year;
    /// a year absent is taken as meeting the condition.
    pub in_zone_share: BTreeMap<u32, Decimal>,
    /// Whether the modernisation forfait indicators (art. 4.9) are met, per
    /// year; a year absent is taken as met.
    pub modernisation_met: BTreeMap<u32, bool>,
    /// Intern periods.
    pub interns: Vec<InternPeriod>,
    /// Early termination.
    pub termination: Option<Termination>,
    /// CIMK: a collaborator's days a week in the zone.
    pub collaborator_days: Option<Decimal>,
    /// CAMMK and CIMK: number of tacit renewals (3-year periods).
    pub renewals: u32,
}

impl Contract {
    /// A contract with no activity data yet.
    pub fn new(
        kind: ContractType,
        version: Version,
        signed: NaiveDate,
        zone: ZoneType,
    ) -> Contract {
        Contract {
            kind,
            version,
            signed,
            zone,
            acts: BTreeMap::new(),
            in_zone_share: BTreeMap::new(),
            modernisation_met: BTreeMap::new(),
            interns: Vec::new(),
            termination: None,
            collaborator_days: None,
            renewals: 0,
        }
    }

    /// Sets the acts per year.
    pub fn with_acts(mut self, acts: impl IntoIterator<Item = (u32, u32)>) -> Contract {
        self.acts.extend(acts);
        self
    }
}

/// How a contract's years are counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum YearBasis {
    /// Calendar years: year N is the year of signature (the summaries say
    /// "année N", amounts "computed at the end of each calendar year").
    #[default]
    Calendar,
    /// Contract years from the anniversary of the signature.
    Contract,
}

/// Unit of the pro rata temporis (CAMMK and CIMK years, repayments).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ProrataUnit {
    /// Days covered over days in the year (or in the contract).
    #[default]
    Days,
    /// Whole months, counted from the 1st of the month after adhesion (the
    /// CIMK rule for when engagements start).
    Months,
}

/// What happens when year 1, paid in full at signature, falls short of
/// the first-year activity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Year1Proration {
    /// The shortfall is recovered: a negative line due before 30 April of
    /// the following year.
    #[default]
    Recover,
    /// Year 1 stays paid in full.
    Ignore,
}

/// How an early termination's repayment is computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Repayment {
    /// "Prorata temporis des avantages versés" read literally: the amounts
    /// paid × the share of the contract not served.
    #[default]
    PaidProrata,
    /// The amounts paid minus the contract total earned pro rata of the
    /// time served (never below zero).
    PaidMinusEarned,
}

/// The readings the sources leave open. Defaults: calendar years, days,
/// year-1 shortfall recovered, literal repayment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Options {
    /// Calendar or contract years.
    pub year_basis: YearBasis,
    /// Days or months.
    pub prorata: ProrataUnit,
    /// Year-1 shortfall.
    pub year1: Year1Proration,
    /// Repayment formula.
    pub repayment: Repayment,
}

/// The contract parameters of `tariffs/contract_parameters.csv`.
#[derive(Debug, Clone)]
pub struct Parameters {
    values: HashMap<(String, String, String, String), (Decimal, String)>,
}

const PARAMETERS_CSV: &str = include_str!("../../tariffs/contract_parameters.csv");
const REGIONS_CSV: &str = include_str!("../../tariffs/zonage_regions.csv");

// Compiled-in data, validated by the test suite: like a constant, it
// cannot fail at run time.
#[allow(clippy::expect_used)]
static PARAMETERS: LazyLock<Parameters> = LazyLock::new(|| {
    Parameters::parse(PARAMETERS_CSV)
        .expect("embedded contract parameters are validated by the tests")
});

impl Parameters {
    /// The embedded parameters.
    pub fn embedded() -> &'static Parameters {
        &PARAMETERS
    }

    /// Parses a `contract_parameters.csv` text.
    pub fn parse(text: &str) -> Result<Parameters, Error> {
        const F: &str = "contract_parameters.csv";
        let mut r = csv::Reader::from_reader(text.as_bytes());
        let mut values = HashMap::new();
        for rec in r.records() {
            let rec = rec.map_err(|e| {
                Error::data(
                    F,
                    e.position().map(|p| p.line()).unwrap_or(0),
                    "-",
                    crate::error::csv_text(&e),
                )
            })?;
            let line = rec.position().map(|p| p.line()).unwrap_or(0);
            let get = |i: usize| rec.get(i).unwrap_or("").trim().to_string();
            let value: Decimal = get(4).parse().map_err(|_| {
                Error::data(F, line, "value", format!("nombre {:?} illisible", get(4)))
            })?;
            if get(5).is_empty() {
                return Err(Error::data(F, line, "source", "champ vide"));
            }
            let key = (get(0), get(1), get(2), get(3));
            if values.insert(key, (value, get(5))).is_some() {
                return Err(Error::data(F, line, "parameter", "paramètre en double"));
            }
        }
        Ok(Parameters { values })
    }

    /// A parameter with its source: exact row first, then the `ALL` / `all`
    /// defaults.
    pub fn get(
        &self,
        contract: &str,
        version: &str,
        parameter: &str,
        index: &str,
    ) -> Option<(Decimal, &str)> {
        [(contract, version), ("ALL", "all")]
            .iter()
            .find_map(|(c, v)| {
                self.values
                    .get(&(
                        c.to_string(),
                        v.to_string(),
                        parameter.to_string(),
                        index.to_string(),
                    ))
                    .map(|(d, s)| (*d, s.as_str()))
            })
    }
}

/// A region's zonage dates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegionZonage {
    /// Region name.
    pub region: String,
    /// First day of the avenant 5 contracts.
    pub avenant5_from: Option<NaiveDate>,
    /// First day of the avenant 7 contracts.
    pub avenant7_from: Option<NaiveDate>,
    /// Source.
    pub source: String,
}

// Compiled-in data, validated by the test suite.
#[allow(clippy::expect_used)]
static REGIONS: LazyLock<Vec<RegionZonage>> = LazyLock::new(|| {
    let mut r = csv::Reader::from_reader(REGIONS_CSV.as_bytes());
    r.records()
        .map(|rec| {
            let rec = rec.expect("embedded zonage table is valid");
            let date = |i: usize| {
                rec.get(i)
                    .filter(|s| !s.is_empty())
                    .map(|s| s.parse().expect("zonage date"))
            };
            RegionZonage {
                region: rec[0].to_string(),
                avenant5_from: date(1),
                avenant7_from: date(2),
                source: rec[3].to_string(),
            }
        })
        .collect()
});

/// The regions whose zonage dates are in the data.
pub fn regions() -> &'static [RegionZonage] {
    &REGIONS
}

/// The version of a contract signed on `signed` in `region` (by name), or
/// `None` when the region is not in the table: the caller then gives the
/// zonage date to [`version_at`].
///
/// ```
/// use kine_tarif::contracts::{version_for, Version};
/// let d = |s: &str| s.parse().unwrap();
/// assert_eq!(version_for("Normandie", d("2025-04-01")), Some(Version::Avenant7));
/// assert_eq!(version_for("Atlantide", d("2025-04-01")), None);
/// ```
pub fn version_for(region: &str, signed: NaiveDate) -> Option<Version> {
    let r = REGIONS
        .iter()
        .find(|r| r.region.eq_ignore_ascii_case(region))?;
    version_at(signed, r.avenant5_from, r.avenant7_from)
}

/// The version in force on `signed` given a region's zonage dates; `None`
/// when the dates do not say (an avenant 5 contract signed in a region
/// whose avenant 5 date is unknown).
pub fn version_at(
    signed: NaiveDate,
    avenant5_from: Option<NaiveDate>,
    avenant7_from: Option<NaiveDate>,
) -> Option<Version> {
    if avenant7_from.is_some_and(|d| signed >= d) {
        return Some(Version::Avenant7);
    }
    match avenant5_from {
        Some(d) if signed >= d => Some(Version::Avenant5),
        Some(_) => Some(Version::Avenant3),
        None => None,
    }
}

/// Whether a contract can be signed, and why (not).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Eligibility {
    /// Eligible.
    pub eligible: bool,
    /// The rules applied, in French.
    pub reasons: Vec<String>,
}

/// Eligibility at signature: the contract exists in that version, the zone
/// qualifies. The yearly activity commitments are checked by [`schedule`].
pub fn eligibility(c: &Contract) -> Eligibility {
    let mut reasons = Vec::new();
    let version_ok = match (c.kind, c.version) {
        (ContractType::Cimk, Version::Avenant3) => true,
        (ContractType::Cimk, v) => {
            reasons.push(format!(
                "Le CIMK est un contrat de l'avenant 3 ; pas de CIMK sous l'{}.",
                v.label()
            ));
            false
        }
        (k, Version::Avenant3) => {
            reasons.push(format!("Le {k} est créé par l'avenant 5 (2017)."));
            false
        }
        _ => true,
    };
    let zone_ok = match (c.kind, c.version, c.zone) {
        (_, Version::Avenant7, ZoneType::TresSousDotee) => true,
        (_, Version::Avenant7, _) => {
            reasons.push("Avenant 7 : contrats réservés aux zones très sous-dotées.".into());
            false
        }
        (ContractType::Cimk, _, z) => {
            let in_zone = matches!(z, ZoneType::TresSousDotee | ZoneType::SousDotee);
            let share = c.in_zone_share.values().next().copied().unwrap_or_default();
            let collab = c
                .collaborator_days
                .is_some_and(|d| d >= Decimal::new(25, 1));
            if !(in_zone || share >= Decimal::new(6667, 4) || collab) {
                reasons.push("CIMK : zone très sous-dotée ou sous-dotée, ou deux tiers de l'activité dans une telle zone, ou 2,5 jours par semaine pour un collaborateur.".into());
            }
            in_zone || share >= Decimal::new(6667, 4) || collab
        }
        (_, _, ZoneType::TresSousDotee | ZoneType::SousDotee) => true,
        _ => {
            reasons.push(
                "Avenant 5 : contrats réservés aux zones très sous-dotées et sous-dotées.".into(),
            );
            false
        }
    };
    if version_ok && zone_ok {
        reasons.push(format!(
            "{} ({}) : zone éligible à la signature.",
            c.kind,
            c.version.label()
        ));
    }
    Eligibility {
        eligible: version_ok && zone_ok,
        reasons,
    }
}

/// Most tacit renewals of a CAMMK or CIMK: 15, a term of 3 × 16 = 48
/// years, a whole career. The sources set no limit; the bound keeps every
/// date of the schedule a real one. [`schedule`] refuses more.
pub const MAX_RENEWALS: u32 = 15;

/// Years of a contract's planned term: 5 for the CACCMK and CAIMK, 3 per
/// period for the CAMMK and CIMK (the first and each tacit renewal).
pub fn term_years(c: &Contract) -> u64 {
    match c.kind {
        ContractType::Caccmk | ContractType::Caimk => 5,
        ContractType::Cammk | ContractType::Cimk => 3 * (1 + u64::from(c.renewals)),
    }
}

/// End date (exclusive) of a contract's planned term, or `None` when it
/// falls past the last date `chrono` represents (+262142-12-31).
pub fn try_planned_end(c: &Contract) -> Option<NaiveDate> {
    let months = u32::try_from(term_years(c).checked_mul(12)?).ok()?;
    c.signed.checked_add_months(chrono::Months::new(months))
}

/// End date (exclusive) of a contract's planned term; a term ending past
/// the last date `chrono` represents ends on [`NaiveDate::MAX`] (see
/// [`try_planned_end`]).
pub fn planned_end(c: &Contract) -> NaiveDate {
    try_planned_end(c).unwrap_or(NaiveDate::MAX)
}

/// A cumulation conflict between two contracts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    /// Indices of the two contracts in the slice given.
    pub contracts: (usize, usize),
    /// Why, in French.
    pub message: String,
}

/// CACCMK, CAIMK, CAMMK (and CIMK) are not cumulable: any two whose terms
/// overlap conflict. A CAMMK may follow the end of the others.
pub fn cumulation(contracts: &[Contract]) -> Vec<Conflict> {
    let mut out = Vec::new();
    for i in 0..contracts.len() {
        for j in i + 1..contracts.len() {
            let (a, b) = (&contracts[i], &contracts[j]);
            let end = |c: &Contract| {
                c.termination
                    .as_ref()
                    .map(|t| t.date)
                    .unwrap_or_else(|| planned_end(c))
            };
            if a.signed < end(b) && b.signed < end(a) {
                out.push(Conflict {
                    contracts: (i, j),
                    message: format!(
                        "{} ({}) et {} ({}) ne se cumulent pas ; un CAMMK peut suivre la fin des autres.",
                        a.kind,
                        Span(&crate::Period::new(a.signed, Some(end(a)))),
                        b.kind,
                        Span(&crate::Period::new(b.signed, Some(end(b))))
                    ),
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_parameters_parse_and_sum_to_the_published_totals() {
        let p = Parameters::embedded();
        let total = |c: &str, v: &str, n: u32| -> Decimal {
            (1..=n)
                .map(|k| p.get(c, v, "payment", &k.to_string()).unwrap().0)
                .sum()
        };
        // Published maxima: 49,000 € and 34,000 € in both versions.
        assert_eq!(total("CACCMK", "avenant5", 5), Decimal::from(49000));
        assert_eq!(total("CAIMK", "avenant5", 5), Decimal::from(34000));
        assert_eq!(total("CACCMK", "avenant7", 4), Decimal::from(49000));
        assert_eq!(total("CAIMK", "avenant7", 4), Decimal::from(34000));
        assert_eq!(regions().len(), 4);
    }

    #[test]
    fn versions_by_zonage_date() {
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        assert_eq!(
            version_for("Bourgogne-Franche-Comté", d("2024-07-23")),
            None
        );
        assert_eq!(
            version_for("Bourgogne-Franche-Comté", d("2024-07-24")),
            Some(Version::Avenant7)
        );
        assert_eq!(
            version_for("Provence-Alpes-Côte d'Azur", d("2019-06-06")),
            Some(Version::Avenant3)
        );
        assert_eq!(
            version_for("Provence-Alpes-Côte d'Azur", d("2019-06-07")),
            Some(Version::Avenant5)
        );
    }
}
