//! The nomenclature: acts of NGAP Titre XIV, their dated coefficients, and
//! the old AMS / AMC / AMK cotations they replaced.
//!
//! A *cotation* is what is written on an invoice line: a key letter and a
//! coefficient (`RIM 8.10`). Since 2024-02-22 the decimals of the
//! coefficient tell acts apart (RAM 8.07 … 8.13), so the pair
//! (letter, coefficient) names one act — **at a given date**: the same pair
//! can name different acts at different dates (NMI 11.01 is paraplegia
//! until 2026-08-31 and multi-limb peripheral damage from 2026-09-01).

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::fr::{Date, Num};
use crate::money::pow10_i64;
use crate::{Code, Period, Tariffs};

/// Whether a tariff row is in force, scheduled under a condition, or has
/// no known value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RowStatus {
    /// In force (or was, within its period).
    InForce,
    /// Scheduled by a text but subject to a condition (e.g. the ONDAM alert
    /// procedure); priced with a `CONDITIONAL_TARIFF` warning.
    Conditional,
    /// The sources do not give the value; lines priced with it get
    /// `UNKNOWN_VALUE`.
    Unknown,
}

impl RowStatus {
    pub(crate) fn parse(s: &str) -> Option<RowStatus> {
        match s {
            "in_force" => Some(RowStatus::InForce),
            "conditional" => Some(RowStatus::Conditional),
            "unknown" => Some(RowStatus::Unknown),
            _ => None,
        }
    }

    /// The name used in `tariffs/` files.
    pub fn as_str(self) -> &'static str {
        match self {
            RowStatus::InForce => "in_force",
            RowStatus::Conditional => "conditional",
            RowStatus::Unknown => "unknown",
        }
    }

    /// The status as a person reads it: `en vigueur`, `sous condition`,
    /// `valeur inconnue`.
    pub fn label(self) -> &'static str {
        match self {
            RowStatus::InForce => "en vigueur",
            RowStatus::Conditional => "sous condition",
            RowStatus::Unknown => "valeur inconnue",
        }
    }
}

/// Status of an act as a whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ActStatus {
    /// In force today or at its last period.
    InForce,
    /// Created by a text, scheduled under a condition.
    Conditional,
    /// Suppressed: its last period is closed.
    Suppressed,
}

/// When the single IFS travel allowance (from 2026-01-01) may be billed
/// with an act (NGAP DG art. 13 E).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IfsScope {
    /// Never: only the IFD.
    No,
    /// Always at home (art. 1 D, 2, 4, 5 outside urgency, 9).
    Always,
    /// Only after orthopaedic or trauma surgery, from hospital discharge to
    /// the 35th day (art. 1 A, B, C, E, F).
    PostSurgery35Days,
}

/// One dated coefficient of an act.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActPeriod {
    /// The coefficient in force during the period.
    pub coefficient: Decimal,
    /// Validity `[from, to)`.
    pub period: Period,
    /// In force or conditional.
    pub status: RowStatus,
    /// Legal source of the value.
    pub source: String,
    /// Notes (derived values, choices where sources disagree).
    pub note: String,
    /// Line of the row in `act_coefficients.csv`.
    pub line: u64,
}

/// An act of NGAP Titre XIV.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Act {
    /// Stable identifier, e.g. `A1C-ENTORSE-MED`.
    pub id: String,
    /// Chapter (`I`, `II`, `IV`).
    pub chapter: String,
    /// Article within chapter II (`1` … `11`), empty otherwise.
    pub article: String,
    /// Paragraph (`A` … `F` in article 1; `s1` / `s2` for chapter I sections).
    pub paragraph: String,
    /// Short French label.
    pub label: String,
    /// Key letter.
    pub letter: Code,
    /// The old cotations this act replaced (e.g. `AMS 7.5`).
    pub old_cotations: Vec<(Code, Decimal)>,
    /// Subject to an HAS référentiel.
    pub referentiel: bool,
    /// Session from which prior agreement is needed (1 = before the first).
    pub prior_agreement_from: Option<u32>,
    /// IFS eligibility.
    pub ifs: IfsScope,
    /// Why this act legitimately shares its cotation with another, if it does.
    pub shared_cotation: Option<String>,
    /// Status of the act.
    pub status: ActStatus,
    /// Source of the act's definition.
    pub source: String,
    /// Notes.
    pub note: String,
    /// Dated coefficients, sorted and contiguous.
    pub periods: Vec<ActPeriod>,
    /// Line of the row in `acts.csv`.
    pub line: u64,
    /// What the rules ask of the act, worked out once when it is loaded.
    pub(crate) traits: ActTraits,
}

/// What the invoice rules ask of an act, worked out once from its
/// identifier, chapter and paragraph when the tariffs are loaded, so that
/// the rules test a bit instead of comparing strings on every line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct ActTraits(u16);

impl ActTraits {
    /// A chapter II act that is a session of its own: not the multilayer
    /// bandage supplement (art. 7).
    pub const TREATMENT: u16 = 1 << 0;
    /// A bilan of chapter I section 1.
    pub const BILAN_S1: u16 = 1 << 1;
    /// A bilan-diagnostic kinésithérapique (chapter I section 2).
    pub const BDK: u16 = 1 << 2;
    /// The BDK of neurological conditions.
    pub const BDK_NEURO: u16 = 1 << 3;
    /// The palliative care daily forfait PLL 12 (art. 11).
    pub const PALLIATIVE: u16 = 1 << 4;
    /// Lymphoedema of the breast, RAV 15.5 (art. 7).
    pub const LYMPH_BREAST: u16 = 1 << 5;
    /// The multilayer bandage supplement RAV 1 / RAV 2 (art. 7).
    pub const BANDAGE: u16 = 1 << 6;
    /// The fragility screening bilan (patients aged 70 or more).
    pub const FRAGILITY: u16 = 1 << 7;

    /// The traits of an act from its identifier, chapter and paragraph.
    pub(crate) fn of(id: &str, chapter: &str, paragraph: &str) -> ActTraits {
        let bandage = id.starts_with("A7-BANDAGE");
        let bdk = id.starts_with("C1S2-BDK");
        let flags = [
            (chapter == "II" && !bandage, Self::TREATMENT),
            (chapter == "I" && paragraph == "s1", Self::BILAN_S1),
            (bdk, Self::BDK),
            (id == "C1S2-BDK-NEURO", Self::BDK_NEURO),
            (id == "A11-PALLIATIF", Self::PALLIATIVE),
            (id == "A7-LYMPH-SEIN", Self::LYMPH_BREAST),
            (bandage, Self::BANDAGE),
            (id == "C1S1-FRAGILITE", Self::FRAGILITY),
        ];
        ActTraits(
            flags
                .iter()
                .filter(|(on, _)| *on)
                .fold(0, |acc, (_, bit)| acc | bit),
        )
    }
}

impl Act {
    /// Whether the act has the trait `bit` (an [`ActTraits`] constant).
    pub(crate) fn is(&self, bit: u16) -> bool {
        self.traits.0 & bit != 0
    }

    /// The trait bits, for combining over several acts.
    pub(crate) fn trait_bits(&self) -> u16 {
        self.traits.0
    }

    /// The coefficient period in force at `date`, if the act exists then.
    ///
    /// ```
    /// use kine_tarif::Tariffs;
    /// let t = Tariffs::embedded();
    /// let ter = t.act("A1D-TER-MED").unwrap();
    /// let d = |s: &str| s.parse().unwrap();
    /// assert_eq!(ter.period_at(d("2026-05-27")).unwrap().coefficient.to_string(), "9.49");
    /// assert_eq!(ter.period_at(d("2026-05-28")).unwrap().coefficient.to_string(), "9.79");
    /// ```
    pub fn period_at(&self, date: NaiveDate) -> Option<&ActPeriod> {
        self.periods.iter().find(|p| p.period.contains(date))
    }

    /// The whole life of the act: from its first coefficient to the end of
    /// its last, which the loader checks is the life `acts.csv` declares
    /// (`valid_from`, `valid_to`).
    pub fn life(&self) -> Period {
        Period::new(
            self.periods[0].period.from,
            self.periods[self.periods.len() - 1].period.to,
        )
    }

    /// Whether `hint` matches the label: every word of the hint is a word
    /// of the label, ignoring case and accents; `non` binds to the next
    /// word, so `hanche opérée` does not match « non opérée ».
    pub fn label_matches(&self, hint: &str) -> bool {
        let label = words(&self.label);
        words(hint).iter().all(|w| label.contains(w))
    }
}

/// Lower-cased, accent-folded words, with `non` joined to the next word.
fn words(s: &str) -> Vec<String> {
    let folded = fold(s);
    let mut out: Vec<String> = Vec::new();
    let mut pending_non = false;
    for w in folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if w == "non" {
            pending_non = true;
            continue;
        }
        out.push(if pending_non {
            format!("non {w}")
        } else {
            w.to_string()
        });
        pending_non = false;
    }
    out
}

fn fold(s: &str) -> String {
    s.chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'à' | 'â' | 'ä' => 'a',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'î' | 'ï' => 'i',
            'ô' | 'ö' => 'o',
            'ù' | 'û' | 'ü' => 'u',
            'ç' => 'c',
            'œ' => 'o',
            c => c,
        })
        .collect()
}

/// An old cotation (AMS / AMC / AMK + coefficient) of the nomenclature in
/// force before 2024-02-22.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OldCotation {
    /// AMS, AMC or AMK.
    pub letter: Code,
    /// The old coefficient.
    pub coefficient: Decimal,
    /// Billable period (until 2024-05-31 included).
    pub period: Period,
    /// First day of the transition (new nomenclature in force).
    pub transition_from: NaiveDate,
    /// Source.
    pub source: String,
    /// Note.
    pub note: String,
}

/// A new act proposed for an old cotation, with its cotation at the
/// target date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate<'t> {
    /// The act.
    pub act: &'t Act,
    /// Its coefficient period at the target date.
    pub period: &'t ActPeriod,
}

impl Candidate<'_> {
    /// `RAM 7,49 (A1A-LOMBALGIE)`: the cotation as a person reads it.
    pub fn short(&self) -> String {
        format!(
            "{} {} ({})",
            self.act.letter,
            Num(self.period.coefficient),
            self.act.id
        )
    }
}

/// Why [`Tariffs::convert`] found nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConvertError {
    /// The pair is not an old cotation of the data.
    #[error("{0} {n} n'est pas une ancienne cotation de la nomenclature", n = Num(*.1))]
    NotAnOldCotation(Code, Decimal),
    /// The act id is unknown, or does not replace this old cotation.
    #[error("l'acte {0} ne remplace pas {1} {n}", n = Num(*.2))]
    ActDoesNotMatch(String, Code, Decimal),
    /// No replacement act is in force at the date.
    #[error("aucun acte remplaçant {0} {n} n'est en vigueur le {d}", n = Num(*.1), d = Date(*.2))]
    NoneInForce(Code, Decimal, NaiveDate),
}

/// Key of a coefficient in lookup tables: hundredths, when exact.
pub(crate) fn coef_key(c: Decimal) -> Option<i64> {
    // Integer arithmetic on the mantissa: 7.49 is 749 at scale 2.
    let (m, scale) = (c.mantissa(), c.scale());
    // 64-bit arithmetic for the usual sizes (128-bit division is done in
    // software), with the powers of ten from a table.
    if let Ok(m) = i64::try_from(m) {
        return if scale <= 2 {
            m.checked_mul(pow10_i64((2 - scale) as usize)?)
        } else {
            match pow10_i64(scale as usize - 2) {
                Some(unit) => (m % unit == 0).then_some(m / unit),
                // A unit past `i64` divides no mantissa that fits one but 0.
                None => (m == 0).then_some(0),
            }
        };
    }
    let hundredths = if scale <= 2 {
        m.checked_mul(10i128.pow(2 - scale))?
    } else {
        let unit = 10i128.checked_pow(scale - 2)?;
        if m % unit != 0 {
            return None;
        }
        m / unit
    };
    i64::try_from(hundredths).ok()
}

impl Tariffs {
    /// The candidate new acts for an old cotation at `date`, each with its
    /// key letter and coefficient on that date. `act_id` narrows to one act,
    /// `label_hint` to the acts whose label contains every word of the hint.
    ///
    /// ```
    /// use kine_tarif::{Code, Tariffs};
    /// let t = Tariffs::embedded();
    /// let date = "2026-02-01".parse().unwrap();
    /// let c = t.convert(Code::AMS, "7.5".parse().unwrap(), date, None, Some("entorse cheville non opérée")).unwrap();
    /// assert_eq!(c.len(), 1);
    /// assert_eq!(c[0].short(), "RIM 8,1 (A1C-ENTORSE-MED)");
    /// ```
    pub fn convert(
        &self,
        letter: Code,
        coefficient: Decimal,
        date: NaiveDate,
        act_id: Option<&str>,
        label_hint: Option<&str>,
    ) -> Result<Vec<Candidate<'_>>, ConvertError> {
        let key = coef_key(coefficient)
            .filter(|k| self.old_to_new.contains_key(&(letter, *k)))
            .ok_or(ConvertError::NotAnOldCotation(letter, coefficient))?;
        let acts = &self.old_to_new[&(letter, key)];
        if let Some(id) = act_id
            && !acts.iter().any(|&i| self.acts[i].id == id)
        {
            return Err(ConvertError::ActDoesNotMatch(
                id.to_string(),
                letter,
                coefficient,
            ));
        }
        let out: Vec<Candidate<'_>> = acts
            .iter()
            .map(|&i| &self.acts[i])
            .filter(|a| act_id.is_none_or(|id| a.id == id))
            .filter(|a| label_hint.is_none_or(|h| a.label_matches(h)))
            .filter_map(|a| a.period_at(date).map(|p| Candidate { act: a, period: p }))
            .collect();
        if out.is_empty() {
            return Err(ConvertError::NoneInForce(letter, coefficient, date));
        }
        Ok(out)
    }

    /// The acts that the old cotation `(letter, coefficient)` maps to
    /// (whatever the date).
    pub fn replacements(&self, letter: Code, coefficient: Decimal) -> Vec<&Act> {
        coef_key(coefficient)
            .and_then(|k| self.old_to_new.get(&(letter, k)))
            .map(|v| v.iter().map(|&i| &self.acts[i]).collect())
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::ActTraits;
    use crate::Tariffs;
    use rust_decimal::Decimal;

    #[test]
    fn coefficient_keys_are_exact_hundredths() {
        // Every scale, mantissas around the 64-bit limit and multiples of
        // the unit or not: the key is the value × 100 when that is a
        // whole number fitting an i64, as the decimal arithmetic says.
        let mut mantissas: Vec<i128> = vec![0, 1, 7, 749, 75, 750, 7490, 10, 100, 1000, -749];
        mantissas.extend([
            i64::MAX as i128,
            i64::MAX as i128 + 1,
            10i128.pow(19),
            10i128.pow(20),
        ]);
        mantissas.extend((0..19).map(|k| 10i128.pow(k) * 123));
        for m in mantissas {
            for scale in 0..=28 {
                let c = Decimal::from_i128_with_scale(m, scale);
                let h = c * Decimal::ONE_HUNDRED;
                let want = if h.fract().is_zero() {
                    i64::try_from(h.trunc().mantissa() / 10i128.pow(h.trunc().scale())).ok()
                } else {
                    None
                };
                assert_eq!(super::coef_key(c), want, "{m} e-{scale}");
            }
        }
    }

    /// The rules find acts by these traits: an identifier renamed in
    /// `acts.csv` would silently switch a rule off.
    #[test]
    fn each_trait_is_carried_by_the_acts_the_rules_mean() {
        let t = Tariffs::embedded();
        let is = |id: &str, bit: u16| t.act(id).unwrap().is(bit);
        assert!(is("C1S1-FRAGILITE", ActTraits::FRAGILITY));
        assert!(is("C1S1-FRAGILITE", ActTraits::BILAN_S1));
        assert!(is("C1S2-BDK", ActTraits::BDK));
        assert!(!is("C1S2-BDK", ActTraits::BDK_NEURO));
        assert!(!is("C1S2-BDK", ActTraits::BILAN_S1));
        assert!(is("C1S2-BDK-NEURO", ActTraits::BDK));
        assert!(is("C1S2-BDK-NEURO", ActTraits::BDK_NEURO));
        assert!(is("A7-LYMPH-SEIN", ActTraits::LYMPH_BREAST));
        assert!(is("A7-LYMPH-SEIN", ActTraits::TREATMENT));
        for bandage in ["A7-BANDAGE-1M", "A7-BANDAGE-2M"] {
            assert!(is(bandage, ActTraits::BANDAGE));
            assert!(!is(bandage, ActTraits::TREATMENT));
        }
        assert!(is("A11-PALLIATIF", ActTraits::PALLIATIVE));
        assert!(is("A1D-TER-MED", ActTraits::TREATMENT));
        // Chapter I and IV acts are not sessions of their own.
        for a in t.acts() {
            if a.chapter != "II" {
                assert!(!a.is(ActTraits::TREATMENT), "{}", a.id);
            }
        }
    }
}
