//! Who pays what on a feuille de soins: the AMO rate and amount, the
//! patient's share, and the franchise médicale the caisse deducts later.
//!
//! Data: `tariffs/coverage.csv` ([`table`]), each rate and franchise value
//! dated and sourced. Input: a line's amount (from [`crate::pricing`]), its
//! kind (act, travel allowance, dépassement), date, and the patient's
//! [`Coverage`] (régime, exoneration, tiers payant) and birth date.
//! Output: a [`Split`]; the franchise's daily and yearly caps over a
//! patient's lines are [`franchise`]'s.
//!
//! The rules, each with its source in the data file:
//!
//! - **Rate.** The régime's rate (60 % général, 90 % Alsace-Moselle), or
//!   the exoneration's when higher (100 % for ALD-related care, maternity,
//!   AT/MP, invalidity, military pension, the mining régime, AME; the C2S
//!   keeps the régime's rate and pays the rest). Travel allowances follow
//!   the act's rate. A dépassement (DE) is never reimbursed: rate 0.
//! - **Rounding.** The sources do not say how the caisse rounds. Chosen
//!   here: the AMO amount of each line is rounded to the cent, half away
//!   from zero ([`crate::money::round_to_cent`], the crate's one rounding
//!   rule), and the patient's share is the rest, so that the two always
//!   add up to the line's amount; an invoice's totals are sums of its
//!   lines. This is how a feuille de soins shows them: line by line.
//! - **Franchise.** Per act (not on travel allowances, majorations or a
//!   DE: the sources speak of acts), 0.50 € then 1 € from 2024-03-31;
//!   exempt: minors, C2S, AME, maternity. Shown as information: it is
//!   deducted later by the caisse, never from the invoice.
//!
//! ```
//! use chrono::NaiveDate;
//! use kine_tarif::coverage::{split, Coverage, Exoneration, LineKind, Regime};
//! use rust_decimal::Decimal;
//! let d = |s: &str| s.parse::<Decimal>().unwrap();
//! let date = NaiveDate::from_ymd_opt(2024, 6, 15).unwrap();
//! // RIM 7.50 × 2.21 € = 16.58 €, régime général: 60 % is 9.948 → 9.95 €.
//! let s = split(&Coverage::default(), date, LineKind::Act, d("16.58"), None).unwrap();
//! assert_eq!((s.amo_rate, s.amo_amount, s.patient_amount, s.franchise), (d("60"), d("9.95"), d("6.63"), d("1.00")));
//! // Alsace-Moselle: 90 % is 14.922 → 14.92 €.
//! let am = Coverage { regime: Regime::AlsaceMoselle, ..Coverage::default() };
//! assert_eq!(split(&am, date, LineKind::Act, d("16.58"), None).unwrap().amo_amount, d("14.92"));
//! ```

pub mod franchise;
pub mod table;
mod text;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::money::round_to_cent;
pub use table::Table;

/// The patient's régime, for the AMO rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Regime {
    /// Régime général (and the régimes aligned on it: MSA, …).
    #[default]
    General,
    /// Régime local d'Alsace-Moselle (by the beneficiary's affiliation).
    AlsaceMoselle,
}

/// Why the ticket modérateur is not due (or who pays it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Exoneration {
    /// None.
    #[default]
    None,
    /// Care related to an exonerating ALD (FSE exoneration code 4).
    Ald,
    /// Maternity insurance (6th month of pregnancy to 12 days after
    /// delivery).
    Maternity,
    /// Accident du travail / maladie professionnelle, related care.
    AtMp,
    /// Invalidity pensioner.
    Invalidity,
    /// Military invalidity pension (art. L.115), related care.
    MilitaryPension,
    /// Régime minier (CANSSM; FSE exoneration code 6, SNCF / Mines).
    Mines,
    /// Complémentaire santé solidaire: the régime's rate, the C2S pays the
    /// rest.
    C2s,
    /// Aide médicale de l'État.
    Ame,
}

/// Tiers payant: who the practitioner is paid by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TiersPayant {
    /// None: the patient pays the whole amount.
    #[default]
    None,
    /// On the AMO part.
    Amo,
    /// On the whole amount (AMO and complementary).
    Full,
}

/// A patient's coverage on the act's date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Coverage {
    /// Régime.
    pub regime: Regime,
    /// Exoneration.
    pub exoneration: Exoneration,
    /// Tiers payant.
    pub tiers_payant: TiersPayant,
}

/// What a line is, for the split.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineKind {
    /// An act (a key letter, TMK, RQD): the rate, and the franchise.
    Act,
    /// A travel allowance or a majoration: the act's rate, no franchise.
    Allowance,
    /// A dépassement exceptionnel: never reimbursed.
    Depassement,
}

impl LineKind {
    /// What a line of `code` is: a dépassement (DE), an allowance (travel,
    /// majoration) or an act (key letters, TMK, RQD).
    pub fn of(code: crate::Code) -> LineKind {
        use crate::CodeKind as K;
        match code.kind() {
            K::Depassement => LineKind::Depassement,
            K::TravelFlat | K::TravelKm | K::Majoration => LineKind::Allowance,
            K::ActKey | K::OldKey | K::Telesoin | K::Teleexpertise => LineKind::Act,
        }
    }
}

/// The split of one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split {
    /// AMO rate, in % (60, 90, 100; 0 for a DE).
    pub amo_rate: Decimal,
    /// What the AMO pays: the amount × the rate, rounded to the cent.
    pub amo_amount: Decimal,
    /// The rest: the patient's share (which a complementary insurer or
    /// the C2S may pay).
    pub patient_amount: Decimal,
    /// The franchise of this line before the daily and yearly caps
    /// ([`franchise`] applies them): 0 when exempt or not an act.
    pub franchise: Decimal,
    /// The rate's source (`coverage.csv`).
    pub rate_source: String,
}

/// A coverage that cannot be applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CoverageError {
    /// A régime text not recognised.
    #[error("régime {0:?} inconnu : attendu général (10) ou alsace_moselle (13)")]
    UnknownRegime(String),
    /// An exoneration text not recognised.
    #[error(
        "exonération {0:?} inconnue : attendu aucune (0), ald (4), maternité, at_mp, invalidité, pension_militaire, mines (6), c2s ou ame"
    )]
    UnknownExoneration(String),
    /// A tiers payant text not recognised.
    #[error("tiers payant {0:?} inconnu : attendu non, partiel (amo) ou intégral")]
    UnknownTiersPayant(String),
    /// No row of the data covers the case on that date (the C2S before
    /// 2019-11-01, a date before the data).
    #[error(
        "aucun taux de prise en charge ({}) en vigueur le {}",
        case_label(case),
        crate::fr::Date(*date)
    )]
    NotInForce {
        /// The case (`general`, `c2s`, …).
        case: &'static str,
        /// The date.
        date: NaiveDate,
    },
    /// An amount too large to split (beyond the documented bounds).
    #[error("montant {} hors des bornes du calcul", crate::fr::Eur(*.0))]
    Overflow(Decimal),
}

/// A case of `coverage.csv` as a person reads it (`c2s` → `C2S`).
fn case_label(case: &str) -> &str {
    match case {
        "general" => "régime général",
        "alsace_moselle" => "régime local d'Alsace-Moselle",
        "ald" => "ALD",
        "maternity" => "maternité",
        "at_mp" => "accident du travail ou maladie professionnelle",
        "invalidity" => "invalidité",
        "military_pension" => "pension militaire d'invalidité",
        "mines" => "régime minier",
        "c2s" => "C2S",
        "ame" => "AME",
        other => other,
    }
}

impl Regime {
    /// Reads a régime: its name or its B2 nature-of-insurance code (10, 13);
    /// empty is the régime général.
    pub fn parse(text: &str) -> Result<Regime, CoverageError> {
        match text.trim().to_ascii_lowercase().as_str() {
            "" | "general" | "général" | "rg" | "10" => Ok(Regime::General),
            "alsace_moselle" | "alsace-moselle" | "local" | "am" | "13" => {
                Ok(Regime::AlsaceMoselle)
            }
            _ => Err(CoverageError::UnknownRegime(text.to_string())),
        }
    }

    fn case(self) -> &'static str {
        self.name()
    }
}

/// Each exoneration: its case in `coverage.csv`, and the texts read as
/// it (names, and the FSE exoneration code where one code means one case:
/// 0 none, 4 ALD, 6 SNCF / Mines).
const EXONERATIONS: [(Exoneration, Option<&str>, &[&str]); 9] = [
    (Exoneration::None, None, &["", "none", "0", "aucune"]),
    (Exoneration::Ald, Some("ald"), &["ald", "4"]),
    (
        Exoneration::Maternity,
        Some("maternity"),
        &["maternity", "maternite", "maternité"],
    ),
    (
        Exoneration::AtMp,
        Some("at_mp"),
        &["at_mp", "at", "mp", "atmp"],
    ),
    (
        Exoneration::Invalidity,
        Some("invalidity"),
        &["invalidity", "invalidite", "invalidité"],
    ),
    (
        Exoneration::MilitaryPension,
        Some("military_pension"),
        &["military_pension", "pension_militaire"],
    ),
    (Exoneration::Mines, Some("mines"), &["mines", "canssm", "6"]),
    (Exoneration::C2s, Some("c2s"), &["c2s"]),
    (Exoneration::Ame, Some("ame"), &["ame"]),
];

impl Exoneration {
    /// Reads an exoneration: its name, or the FSE exoneration code where
    /// one code means one case (0 none, 4 ALD, 6 mines); empty is none.
    pub fn parse(text: &str) -> Result<Exoneration, CoverageError> {
        let key = text.trim().to_lowercase();
        EXONERATIONS
            .iter()
            .find(|(_, _, names)| names.contains(&key.as_str()))
            .map(|(e, _, _)| *e)
            .ok_or_else(|| CoverageError::UnknownExoneration(text.to_string()))
    }

    /// The case's name in `coverage.csv` (none for [`Exoneration::None`]).
    pub fn case(self) -> Option<&'static str> {
        EXONERATIONS
            .iter()
            .find(|(e, _, _)| *e == self)
            .and_then(|(_, c, _)| *c)
    }
}

impl TiersPayant {
    /// Reads a tiers payant: `none` / `non` / `0`, `amo` / `partiel`,
    /// `full` / `total` / `integral`; empty is none.
    pub fn parse(text: &str) -> Result<TiersPayant, CoverageError> {
        Ok(match text.trim().to_ascii_lowercase().as_str() {
            "" | "none" | "non" | "0" => TiersPayant::None,
            "amo" | "partiel" | "partial" => TiersPayant::Amo,
            "full" | "total" | "integral" | "intégral" => TiersPayant::Full,
            _ => return Err(CoverageError::UnknownTiersPayant(text.to_string())),
        })
    }
}

/// Splits a line of `amount` on `date` with the embedded table; see
/// [`split_with`].
pub fn split(
    coverage: &Coverage,
    date: NaiveDate,
    kind: LineKind,
    amount: Decimal,
    birth_date: Option<NaiveDate>,
) -> Result<Split, CoverageError> {
    split_with(Table::embedded(), coverage, date, kind, amount, birth_date)
}

/// Splits a line: the rate (the régime's, or the exoneration's when
/// higher; 0 for a DE), the AMO amount rounded to the cent, the rest for
/// the patient, and the line's franchise (an act, not exempt; a patient
/// whose birth date is not given is taken as an adult).
pub fn split_with(
    table: &Table,
    coverage: &Coverage,
    date: NaiveDate,
    kind: LineKind,
    amount: Decimal,
    birth_date: Option<NaiveDate>,
) -> Result<Split, CoverageError> {
    if kind == LineKind::Depassement {
        return Ok(Split {
            amo_rate: Decimal::ZERO,
            amo_amount: Decimal::ZERO,
            patient_amount: amount,
            franchise: Decimal::ZERO,
            rate_source: "convention nationale des masseurs-kinésithérapeutes du 3 avril 2007, §5.4.1 : le DE n'est jamais remboursé".into(),
        });
    }
    let rate_of = |case: &'static str| {
        table
            .at("amo_rate", case, date)
            .ok_or(CoverageError::NotInForce { case, date })
    };
    let mut rate = rate_of(coverage.regime.case())?;
    if let Some(case) = coverage.exoneration.case() {
        let e = rate_of(case)?;
        if e.value > rate.value {
            rate = e;
        }
    }
    let amo_amount = amount
        .checked_mul(rate.value)
        .and_then(|x| x.checked_div(Decimal::ONE_HUNDRED))
        .map(round_to_cent)
        .ok_or(CoverageError::Overflow(amount))?;
    let patient_amount = amount
        .checked_sub(amo_amount)
        .ok_or(CoverageError::Overflow(amount))?;
    let franchise = if kind == LineKind::Act && !exempt(table, coverage, date, birth_date) {
        table
            .at("franchise", "per_act", date)
            .map_or(Decimal::ZERO, |r| r.value)
    } else {
        Decimal::ZERO
    };
    Ok(Split {
        amo_rate: rate.value,
        amo_amount,
        patient_amount,
        franchise,
        rate_source: rate.source.clone(),
    })
}

/// Whether the patient is exempt from the franchise on `date`: an
/// exempting exoneration, or under the age of exemption.
pub fn exempt(
    table: &Table,
    coverage: &Coverage,
    date: NaiveDate,
    birth_date: Option<NaiveDate>,
) -> bool {
    let by_case = coverage
        .exoneration
        .case()
        .and_then(|c| table.at("franchise_exempt", c, date))
        .is_some_and(|r| !r.value.is_zero());
    let by_age = match (birth_date, table.at("franchise", "exempt_under_age", date)) {
        (Some(b), Some(r)) => {
            crate::rules::age_on(b, date).is_some_and(|a| Decimal::from(a) < r.value)
        }
        _ => false,
    };
    by_case || by_age
}

#[cfg(test)]
mod tests;
