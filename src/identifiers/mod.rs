//! Checks of the identifiers on an MK invoice: the patient's NIR, the
//! practitioner's numéro AM, the prescriber's number (numéro AM, RPPS or
//! FINESS), and the number marking a renewal by the physiotherapist.
//!
//! Each check takes the text as written (white space, including non-breaking
//! spaces, is ignored; `2a`/`2b` are read as `2A`/`2B`) and returns either
//! what it read or one [`IdError`], whose [`message`](IdError::message) is a
//! short French sentence for a billing clerk. No check panics, whatever the
//! input; the arithmetic is checked and nothing is indexed.
//!
//! ## Rules and where they come from
//!
//! Confidence: **H** an official or issuer's text says so; **M** inferred
//! from several consistent examples; **L** commonly stated, no authoritative
//! text seen. The research notes are
//! `shared/reference/research-reimbursement-and-identifiers.md`, §3.1–3.6.
//!
//! | Check | Rule | Source | Conf. |
//! |---|---|---|---|
//! | [`check_nir`] | 13 characters + 2-digit key; key = 97 − (N mod 97) | CNAM `assurance-maladie-digital/nir-validation` `src/NirKey.php`; INSEE-based pages (comptavoo.com, publimath.fr, trabucaire.free.fr) | H |
//! | | Corsica: département `2A` read as `19`, `2B` as `18` before the mod 97 | CNAM `NirKey.php` (« Pour la Corse, remplacer 2A par 19 et 2B par 18 »); python-stdnum / stdnum-js `fr/nir` (substitution at positions 6–7 only, as here) | H |
//! | | first digit 1 or 2 (sex) | CNAM `NirValidator.php`; service-public.fr F33078 | H |
//! | | first digit 7 or 8: temporary number (numéro provisoire / NIA), same key | CNAM `NnpValidator.php` (7 man, 8 woman, for the keyless 13-digit NNP); blog.dreamnev.org, lbcd78.fr (« 7 ou 8 … en cours d'inscription »); the NIA is « constitué comme un NIR » (formation-net-entreprises.fr) | L |
//! | [`check_rpps`] | 11 digits, the last a Luhn key | ANS, « FAQ des industriels », table of identifiers (industriels.esante.gouv.fr) | H |
//! | [`check_am`] | 9 digits: département (2), category (1), serial (5), key (1) | ANS FAQ (9 numeric); HDH fiche « Numéro du professionnel de santé » (8 characters without key, category per IR_CAT_V); GIE SESAM-Vitale SFG, B2 field « N° du partenaire de santé + Clé », 9 N | H |
//! | | category 7 = masseur-kinésithérapeute | IR_CAT_V via the HDH fiche | H |
//! | | key = Luhn over the 9 digits | no official text; 291991123 and the FINESS numbers of the same B2 field pass Luhn | M |
//! | [`check_finess`] | 9 characters, key = Luhn | FINESS numbers and the SFG Corsican examples all pass Luhn; no official statement found | M |
//! | | Corsica: `2Ayy xxxx L` → `2001 xxxx L`, `2Byy xxxx L` → `2002 xxxx L`, then Luhn | GIE SESAM-Vitale SFG « TF – Transmettre les factures », rule RG_MF609 (examples 2A0002689 → 200102689, 2A0002168 → 200102168) | H for the conversion, M for the key |
//! | [`RENEWAL_PRESCRIBER`] | 291991123 as prescriber when the MK renews a prescription (avenant 7, from end of August 2023) | kine-web.com (« numéro de prescription spécifique 291991123 »); ameli « Avenant 7 … » (billing paragraph cut off in the stored copy); socare.fr | M-H |
//! | [`check_prescriber`] | 11 characters: RPPS; 9: numéro AM, FINESS (letters `2A`/`2B`, or category digit 0 = « établissement » in IR_CAT_V), or the renewal number | lengths: ANS FAQ (H); telling an AM number from a FINESS by the third digit: inference (L) | L–H |
//!
//! A key that fails on a rule graded M ([`IdError::certain`] is `false`:
//! the numéro AM and FINESS keys) should be reported as a warning, not as a
//! rejection.
//!
//! ## What is not checked
//!
//! - The NIR's month (01–12 normally; 20–30 or 50 occur for people
//!   registered from an incomplete civil record), département and commune
//!   are read but not checked against any list; the keyless 13-digit NNP and
//!   MIG numbers (first digit 7/8 or 5/6) are not NIRs here (length error).
//! - Whether a number exists or is active (RPPS, AM, FINESS registries).
//! - ADELI numbers (9 digits, no key algorithm found: §3.4 of the notes):
//!   a 9-digit ADELI given as prescriber is read as a numéro AM.
//! - A numéro AM of a Corsican practitioner with letters: the B2 field is
//!   numeric, so letters are refused.
//! - A FINESS of an overseas département (`97x…`) given as prescriber is
//!   labelled a numéro AM by [`check_prescriber`] (third digit not 0); the
//!   key check is the same Luhn either way.
//!
//! ## Example
//!
//! ```
//! use kine_tarif::identifiers::{check_am, check_nir, check_prescriber, IdError, PrescriberKind};
//!
//! // A NIR from the CNAM test data, written with spaces.
//! let nir = check_nir("2 55 08 14 168 025 38").unwrap();
//! assert_eq!((nir.sex, nir.temporary, nir.department.as_str()), (2, false, "14"));
//!
//! // The same number with a wrong key.
//! let err = check_nir("2 55 08 14 168 025 39").unwrap_err();
//! assert_eq!(err.message(), "clé du NIR incorrecte : 38 attendu, 39 reçu");
//!
//! // A doctor's numéro AM is not a physiotherapist's.
//! let err = check_am("291991123").unwrap_err();
//! assert!(matches!(err, IdError::Category { found: 1, .. }));
//!
//! // The prescriber number of a renewal by the physiotherapist.
//! assert!(matches!(check_prescriber("291 991 123"), Ok(PrescriberKind::Renewal)));
//! ```

#![deny(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use std::fmt;

mod nir;
mod practitioner;
#[cfg(test)]
mod tests;

pub use nir::{Nir, check_nir};
pub use practitioner::{
    AmNumber, Finess, PrescriberKind, RENEWAL_PRESCRIBER, Rpps, am_category_label, check_am,
    check_am_any, check_finess, check_prescriber, check_rpps, is_renewal_prescriber,
};

/// Which identifier an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum IdKind {
    /// The patient's NIR (numéro de sécurité sociale).
    Nir,
    /// An RPPS number.
    Rpps,
    /// A numéro AM (Assurance Maladie) of a liberal practitioner.
    Am,
    /// A FINESS number (establishment).
    Finess,
    /// A prescriber number whose kind could not be told (wrong length).
    Prescriber,
}

impl IdKind {
    /// The French name, as used in the messages (« NIR », « numéro AM » …).
    pub fn name(self) -> &'static str {
        match self {
            IdKind::Nir => "NIR",
            IdKind::Rpps => "numéro RPPS",
            IdKind::Am => "numéro AM",
            IdKind::Finess => "numéro FINESS",
            IdKind::Prescriber => "numéro du prescripteur",
        }
    }

    /// The accepted lengths, white space not counted.
    pub fn lengths(self) -> &'static [usize] {
        match self {
            IdKind::Nir => &[15],
            IdKind::Rpps => &[11],
            IdKind::Am | IdKind::Finess => &[9],
            IdKind::Prescriber => &[9, 11],
        }
    }
}

impl fmt::Display for IdKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why an identifier is refused. The variants are stable: a caller can grade
/// them (see [`IdError::certain`]). Positions are 1-based and count the
/// characters left once white space is removed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum IdError {
    /// Nothing but white space.
    Empty {
        /// The identifier expected.
        kind: IdKind,
    },
    /// Not the length of this identifier ([`IdKind::lengths`]).
    Length {
        /// The identifier expected.
        kind: IdKind,
        /// Characters found, white space not counted.
        found: usize,
    },
    /// A character not allowed at that position (a letter where a digit is
    /// expected, a punctuation mark …).
    Characters {
        /// The identifier expected.
        kind: IdKind,
        /// 1-based position, white space not counted.
        position: usize,
        /// The character found.
        found: char,
    },
    /// The first digit of a NIR is not 1 or 2 (sex), nor 7 or 8 (temporary
    /// number).
    Sex {
        /// The digit found.
        found: u8,
    },
    /// The numéro AM is not a masseur-kinésithérapeute's: its third digit
    /// (category) is not 7.
    Category {
        /// The category expected (7).
        expected: u8,
        /// The category found.
        found: u8,
    },
    /// The key does not match the number. For a NIR, the 2-digit key; for
    /// the others, the Luhn digit.
    Key {
        /// The identifier whose key fails.
        kind: IdKind,
        /// The key the number calls for.
        expected: u8,
        /// The key written.
        found: u8,
    },
}

impl IdError {
    /// The identifier the error is about.
    pub fn kind(&self) -> IdKind {
        match self {
            IdError::Empty { kind }
            | IdError::Length { kind, .. }
            | IdError::Characters { kind, .. }
            | IdError::Key { kind, .. } => *kind,
            IdError::Sex { .. } => IdKind::Nir,
            IdError::Category { .. } => IdKind::Am,
        }
    }

    /// Whether the rule broken is confirmed by an official or issuer's text.
    /// `false` for the key of a numéro AM or a FINESS, whose Luhn key is
    /// inferred from examples (confidence M): report those as warnings.
    pub fn certain(&self) -> bool {
        !matches!(
            self,
            IdError::Key {
                kind: IdKind::Am | IdKind::Finess,
                ..
            }
        )
    }

    /// The French message for a billing clerk, e.g. « clé du NIR
    /// incorrecte : 12 attendu, 34 reçu ».
    pub fn message(&self) -> String {
        match self {
            IdError::Empty { kind } => format!("{kind} absent"),
            IdError::Length { kind, found } => {
                let expected = match kind.lengths() {
                    [one] => one.to_string(),
                    [first, second] => format!("{first} ou {second}"),
                    _ => String::from("?"),
                };
                let plural = if *found > 1 { "s" } else { "" };
                format!("{kind} : {expected} caractères attendus, {found} reçu{plural}")
            }
            IdError::Characters {
                kind,
                position,
                found,
            } => format!("{kind} : caractère « {found} » non admis en position {position}"),
            IdError::Sex { found } => {
                format!("premier chiffre du NIR incorrect : 1, 2, 7 ou 8 attendu, {found} reçu")
            }
            IdError::Category { expected, found } => format!(
                "catégorie du numéro AM incorrecte : {expected} ({}) attendu, {found} ({}) reçu",
                am_category_label(*expected),
                am_category_label(*found)
            ),
            IdError::Key {
                kind: IdKind::Nir,
                expected,
                found,
            } => format!("clé du NIR incorrecte : {expected:02} attendu, {found:02} reçu"),
            IdError::Key {
                kind,
                expected,
                found,
            } => format!("clé du {kind} incorrecte : {expected} attendu, {found} reçu"),
        }
    }
}

impl fmt::Display for IdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())
    }
}

impl std::error::Error for IdError {}

/// The characters of `text` without white space, ASCII letters upper-cased.
/// An empty result is [`IdError::Empty`].
fn compact(text: &str, kind: IdKind) -> Result<Vec<char>, IdError> {
    let chars: Vec<char> = text
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if chars.is_empty() {
        Err(IdError::Empty { kind })
    } else {
        Ok(chars)
    }
}

/// The value of the digit at 0-based `index`, or the error naming it.
fn digit_at(chars: &[char], index: usize, kind: IdKind) -> Result<u8, IdError> {
    let position = index.saturating_add(1);
    let c = chars.get(index).copied().ok_or(IdError::Length {
        kind,
        found: chars.len(),
    })?;
    c.to_digit(10)
        .and_then(|d| u8::try_from(d).ok())
        .ok_or(IdError::Characters {
            kind,
            position,
            found: c,
        })
}

/// The digits of `chars`, or the first character that is not one.
fn digits(chars: &[char], kind: IdKind) -> Result<Vec<u8>, IdError> {
    (0..chars.len()).map(|i| digit_at(chars, i, kind)).collect()
}
