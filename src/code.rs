//! Billing codes: the *lettres clés* of physiotherapy acts, télésoin and
//! téléexpertise, and the travel allowances.
//!
//! A *lettre clé* (key letter) is the three-letter code written on an
//! invoice line; the amount of an act is its *coefficient* times the value
//! of the key letter. Since 22 February 2024 treatments use 20 new keys
//! (RIM, RSC, TER, …) instead of AMS / AMC / AMK; AMK stays for the
//! chapter I bilans and the chapter IV supplements. Codes are a closed enum,
//! so the hot path never compares strings.

use std::fmt;
use std::str::FromStr;

macro_rules! codes {
    ($( $variant:ident => $text:literal, $kind:ident, $doc:literal; )*) => {
        /// A billing code of an invoice line (key letter, télésoin,
        /// téléexpertise or travel allowance).
        ///
        /// ```
        /// use kine_tarif::{Code, CodeKind};
        /// let code: Code = "rim".parse().unwrap();
        /// assert_eq!(code, Code::RIM);
        /// assert_eq!(code.kind(), CodeKind::ActKey);
        /// assert!("XYZ".parse::<Code>().is_err());
        /// ```
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[allow(clippy::upper_case_acronyms)]
        pub enum Code {
            $( #[doc = $doc] $variant, )*
        }

        impl Code {
            /// Every code, in a fixed order (the order of [`Code::index`]).
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            /// The code as written on an invoice (upper case).
            pub const fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $text,)* }
            }

            /// What kind of line this code bills.
            pub const fn kind(self) -> CodeKind {
                match self { $(Code::$variant => CodeKind::$kind,)* }
            }

            /// Parses a code from raw bytes, ignoring ASCII case and
            /// surrounding spaces, without allocating.
            pub fn from_bytes(raw: &[u8]) -> Option<Code> {
                let raw = raw.trim_ascii();
                if raw.len() > 3 || raw.len() < 2 {
                    return None;
                }
                let mut buf = [0u8; 4];
                for (b, r) in buf.iter_mut().zip(raw) {
                    *b = r.to_ascii_uppercase();
                }
                // One integer, looked up in the sorted table.
                let key = u32::from_le_bytes(buf);
                PACKED
                    .binary_search_by_key(&key, |&(k, _)| k)
                    .ok()
                    .map(|i| PACKED[i].1)
            }
        }

        /// Every code as one integer ([`pack`]), sorted, for
        /// [`Code::from_bytes`].
        const PACKED: [(u32, Code); Code::ALL.len()] =
            sort_packed([$( (pack($text), Code::$variant), )*]);
    };
}

/// Sorts the packed codes by their integer (at compile time).
const fn sort_packed<const N: usize>(mut t: [(u32, Code); N]) -> [(u32, Code); N] {
    let mut i = 1;
    while i < N {
        let mut j = i;
        while j > 0 && t[j - 1].0 > t[j].0 {
            let x = t[j - 1];
            t[j - 1] = t[j];
            t[j] = x;
            j -= 1;
        }
        i += 1;
    }
    t
}

/// A code of two or three ASCII letters as one integer (`from_bytes`).
const fn pack(text: &str) -> u32 {
    let b = text.as_bytes();
    let mut buf = [0u8; 4];
    let mut i = 0;
    while i < b.len() && i < 3 {
        buf[i] = b[i];
        i += 1;
    }
    u32::from_le_bytes(buf)
}

codes! {
    AMK => "AMK", ActKey, "Actes divers du masseur-kinésithérapeute: chapter I bilans and chapter IV supplements since 2024-02-22; before, all acts.";
    AMS => "AMS", OldKey, "Old key of orthopaedic and rheumatological rehabilitation (deleted 2024-02-22, billable until 2024-05-31).";
    AMC => "AMC", OldKey, "Old key of acts performed in an establishment (deleted 2024-02-22, billable until 2024-05-31).";
    APM => "APM", ActKey, "Amputations (chap. II art. 1 F).";
    ARL => "ARL", ActKey, "Respiratory, maxillo-facial and ENT rehabilitation (art. 5 and 6).";
    DRA => "DRA", ActKey, "Deviation of the spine, under 18 (art. 1 E).";
    NMI => "NMI", ActKey, "Neurological, muscular and inflammatory rheumatic conditions (art. 2 and 4).";
    PLL => "PLL", ActKey, "Palliative care, daily flat fee (art. 11).";
    RAB => "RAB", ActKey, "Abdominal wall and perineal rehabilitation (art. 3 and 8).";
    RAM => "RAM", ActKey, "Spine, not operated (art. 1 A).";
    RAO => "RAO", ActKey, "Spine, operated (art. 1 A).";
    RAV => "RAV", ActKey, "Vascular conditions and lymphoedema (art. 7).";
    RIC => "RIC", ActKey, "Lower limb, référentiel, operated (art. 1 C).";
    RIM => "RIM", ActKey, "Lower limb, référentiel, not operated (art. 1 C).";
    RPB => "RPB", ActKey, "Burns (art. 10).";
    RPE => "RPE", ActKey, "Walking rehabilitation of the elderly (art. 9).";
    RSC => "RSC", ActKey, "Upper limb, référentiel, operated (art. 1 B).";
    RSM => "RSM", ActKey, "Upper limb, référentiel, not operated (art. 1 B).";
    TER => "TER", ActKey, "At least two injured territories (art. 1 D), and TER 16 (art. 4).";
    VIC => "VIC", ActKey, "Lower limb outside référentiel, operated (art. 1 C).";
    VIM => "VIM", ActKey, "Lower limb outside référentiel, not operated (art. 1 C).";
    VSC => "VSC", ActKey, "Upper limb outside référentiel, operated (art. 1 B).";
    VSM => "VSM", ActKey, "Upper limb outside référentiel, not operated (art. 1 B).";
    TMK => "TMK", Telesoin, "Télésoin: a remote session, TMK × the coefficient of the presential act (avenant 7 art. 2.3.1).";
    RQD => "RQD", Teleexpertise, "Téléexpertise request by the physiotherapist, flat fee (avenant 7 art. 2.3.2).";
    IFD => "IFD", TravelFlat, "Indemnité forfaitaire de déplacement (NGAP DG art. 13 A).";
    IFO => "IFO", TravelFlat, "Old specific travel allowance, orthopaedic (until 2025-12-31).";
    IFR => "IFR", TravelFlat, "Old specific travel allowance, inflammatory rheumatism (until 2025-12-31).";
    IFN => "IFN", TravelFlat, "Old specific travel allowance, neurological (until 2025-12-31).";
    IFP => "IFP", TravelFlat, "Old specific travel allowance, respiratory (until 2025-12-31).";
    IFS => "IFS", TravelFlat, "IFS « de sortie » until 2025-12-31; single IFS « spécifique » from 2026-01-01 (DG art. 13 E).";
    IK => "IK", TravelKm, "Indemnité kilométrique, plain (DG art. 13 C); quantity in billable km.";
    IKM => "IKM", TravelKm, "Indemnité kilométrique, mountain; quantity in billable km.";
    IKS => "IKS", TravelKm, "Indemnité kilométrique on foot or on skis; quantity in km.";
    MDN => "MDN", Majoration, "Night majoration for urgency justified by the patient's state (NGAP DG art. 14 B); code of the SNDS nomenclature.";
    MDD => "MDD", Majoration, "Sunday and public holiday majoration for urgency (NGAP DG art. 14 B); code of the SNDS nomenclature.";
    DE => "DE", Depassement, "Dépassement exceptionnel: an amount asked of the patient for a particular demand (convention nationale of 3 April 2007, §5.4.1), written as the line's billed amount; never reimbursed.";
}

/// The family a [`Code`] belongs to; it decides how a line is priced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CodeKind {
    /// A key letter of the current nomenclature (AMK and the 20 new keys):
    /// the (letter, coefficient) pair names an act.
    ActKey,
    /// AMS or AMC: old keys, only meaningful as old cotations.
    OldKey,
    /// TMK: télésoin, priced with the coefficient of a presential act.
    Telesoin,
    /// RQD: téléexpertise request, a flat fee.
    Teleexpertise,
    /// IFD, IFS and the old IFO / IFR / IFN / IFP: flat travel allowances.
    TravelFlat,
    /// IK, IKM, IKS: per-kilometre allowances, quantity in km.
    TravelKm,
    /// MDN, MDD: night and Sunday / public holiday majorations, flat.
    Majoration,
    /// DE: a dépassement exceptionnel, its amount the billed amount; no
    /// letter value, never reimbursed.
    Depassement,
}

impl Code {
    /// Position of the code in [`Code::ALL`], for table lookups.
    pub fn index(self) -> usize {
        self as usize
    }

    /// True for a code whose line carries a coefficient (acts and TMK).
    pub fn takes_coefficient(self) -> bool {
        matches!(
            self.kind(),
            CodeKind::ActKey | CodeKind::OldKey | CodeKind::Telesoin
        )
    }

    /// The 20 keys created on 2024-02-22 (APM … VSM).
    pub fn is_new_key(self) -> bool {
        self.kind() == CodeKind::ActKey && self != Code::AMK
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The text is not a known billing code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("code de facturation {0:?} inconnu")]
pub struct UnknownCode(pub String);

impl FromStr for Code {
    type Err = UnknownCode;
    fn from_str(s: &str) -> Result<Code, UnknownCode> {
        Code::from_bytes(s.as_bytes()).ok_or_else(|| UnknownCode(s.trim().to_string()))
    }
}

/// JSON and other serde formats: the code as its text (`"RIM"`).
impl serde::Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// Any case, surrounding spaces ignored; an unknown code is an error
/// naming it.
impl<'de> serde::Deserialize<'de> for Code {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Code, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_round_trips_through_its_text() {
        for &c in Code::ALL {
            assert_eq!(Code::from_bytes(c.as_str().as_bytes()), Some(c));
            assert_eq!(
                Code::from_bytes(c.as_str().to_lowercase().as_bytes()),
                Some(c)
            );
            assert_eq!(Code::ALL[c.index()], c);
        }
    }

    #[test]
    fn twenty_new_keys() {
        assert_eq!(Code::ALL.iter().filter(|c| c.is_new_key()).count(), 20);
    }

    #[test]
    fn rejects_unknown_and_padded() {
        assert_eq!(Code::from_bytes(b" ter "), Some(Code::TER));
        assert_eq!(Code::from_bytes(b"AMKX"), None);
        assert_eq!(Code::from_bytes(b""), None);
        assert_eq!(Code::from_bytes(b"I"), None);
    }
}
