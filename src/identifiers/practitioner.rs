//! Numbers with a Luhn key: RPPS, numéro AM, FINESS; the prescriber field.

use super::{IdError, IdKind, compact, digit_at, digits};

/// The prescriber number written when the physiotherapist renews a
/// prescription (avenant 7 to the MK convention, from end of August 2023).
/// Source: kine-web.com, « La facturation s'effectue avec le numéro de
/// prescription spécifique 291991123 »; ameli « Avenant 7 : renouvellement
/// d'ordonnance … » (consignes de facturation). Confidence M-H.
pub const RENEWAL_PRESCRIBER: &str = "291991123";

/// The category of a masseur-kinésithérapeute in a numéro AM (IR_CAT_V).
const CATEGORY_MK: u8 = 7;

/// An RPPS number whose Luhn key matches.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Rpps {
    /// The 11 digits.
    pub number: String,
}

/// A numéro AM whose Luhn key matches.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AmNumber {
    /// The 9 digits.
    pub number: String,
    /// Département of practice, first two digits.
    pub department: String,
    /// Category of practitioner, third digit (IR_CAT_V; 7 is a
    /// masseur-kinésithérapeute, see [`am_category_label`]).
    pub category: u8,
}

/// A FINESS number whose Luhn key matches.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Finess {
    /// The 9 characters as written, letters upper-cased (`2A0002689`).
    pub number: String,
    /// The numeric form carried in the B2 and checked (`200102689`): the
    /// same as `number` except for Corsica.
    pub numeric: String,
}

/// What a prescriber number on an MK invoice is, told by its length and
/// shape (see the module documentation).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PrescriberKind {
    /// [`RENEWAL_PRESCRIBER`]: a renewal by the physiotherapist.
    Renewal,
    /// A practitioner's numéro AM (9 digits, third digit 1–9): a liberal
    /// doctor, or the physiotherapist himself in direct access.
    Am(AmNumber),
    /// An establishment (9 characters with `2A`/`2B`, or third digit 0).
    Finess(Finess),
    /// An RPPS number (11 digits).
    Rpps(Rpps),
}

/// The practitioner category of a numéro AM's third digit, per the SNDS
/// nomenclature IR_CAT_V (HDH fiche « Numéro du professionnel de santé »).
pub fn am_category_label(category: u8) -> &'static str {
    match category {
        0 => "établissement",
        1 => "médecin",
        2 => "fournisseur",
        3 => "laboratoire",
        4 => "dentiste",
        5 => "sage-femme",
        6 => "infirmier",
        7 => "masseur-kinésithérapeute",
        8 => "pédicure-podologue",
        9 => "orthophoniste ou orthoptiste",
        _ => "inconnue",
    }
}

/// Checks an RPPS number: 11 digits, the last a Luhn key (ANS, FAQ des
/// industriels; confidence H).
pub fn check_rpps(text: &str) -> Result<Rpps, IdError> {
    let chars = compact(text, IdKind::Rpps)?;
    let number = luhn_number(&chars, 11, IdKind::Rpps)?;
    Ok(Rpps { number })
}

/// Checks the numéro AM of a masseur-kinésithérapeute: 9 digits, category
/// (third digit) 7, Luhn key. Errors come in that order, so a wrong category
/// is reported before a wrong key; a wrong key ([`IdError::Key`] with
/// [`IdKind::Am`]) breaks a rule of confidence M and is best reported as a
/// warning. For a number of any category (a prescribing doctor's), see
/// [`check_am_any`].
pub fn check_am(text: &str) -> Result<AmNumber, IdError> {
    let chars = compact(text, IdKind::Am)?;
    let category = am_shape(&chars)?;
    if category != CATEGORY_MK {
        return Err(IdError::Category {
            expected: CATEGORY_MK,
            found: category,
        });
    }
    am_number(&chars, category)
}

/// Checks a numéro AM of any category: 9 digits and the Luhn key
/// (confidence M for the key).
pub fn check_am_any(text: &str) -> Result<AmNumber, IdError> {
    let chars = compact(text, IdKind::Am)?;
    let category = am_shape(&chars)?;
    am_number(&chars, category)
}

/// Checks a FINESS number: 9 characters; a Corsican number `2Ayy xxxx L` or
/// `2Byy xxxx L` is first converted to `2001 xxxx L` or `2002 xxxx L` (GIE
/// SESAM-Vitale, SFG rule RG_MF609); the numeric form's last digit is a Luhn
/// key (confidence M).
pub fn check_finess(text: &str) -> Result<Finess, IdError> {
    let chars = compact(text, IdKind::Finess)?;
    finess(&chars)
}

/// Whether `text` (white space ignored) is [`RENEWAL_PRESCRIBER`].
pub fn is_renewal_prescriber(text: &str) -> bool {
    text.chars()
        .filter(|c| !c.is_whitespace())
        .eq(RENEWAL_PRESCRIBER.chars())
}

/// Checks the prescriber number of an MK invoice and tells what it is:
/// 11 characters, an RPPS; 9 characters, [`RENEWAL_PRESCRIBER`], else a
/// FINESS if it has `2A`/`2B` in front or a third digit 0 (« établissement »
/// in IR_CAT_V), else a numéro AM of any category. Each is then checked as
/// by [`check_rpps`], [`check_finess`] or [`check_am_any`]; another length
/// is an [`IdError::Length`] of [`IdKind::Prescriber`].
pub fn check_prescriber(text: &str) -> Result<PrescriberKind, IdError> {
    let chars = compact(text, IdKind::Prescriber)?;
    match chars.len() {
        11 => Ok(PrescriberKind::Rpps(Rpps {
            number: luhn_number(&chars, 11, IdKind::Rpps)?,
        })),
        9 => {
            if chars.iter().copied().eq(RENEWAL_PRESCRIBER.chars()) {
                return Ok(PrescriberKind::Renewal);
            }
            let establishment = matches!(
                (chars.first(), chars.get(1), chars.get(2)),
                (Some('2'), Some('A' | 'B'), _) | (_, _, Some('0'))
            );
            if establishment {
                Ok(PrescriberKind::Finess(finess(&chars)?))
            } else {
                let category = am_shape(&chars)?;
                Ok(PrescriberKind::Am(am_number(&chars, category)?))
            }
        }
        found => Err(IdError::Length {
            kind: IdKind::Prescriber,
            found,
        }),
    }
}

/// Length 9 and digits only; returns the category (third digit).
fn am_shape(chars: &[char]) -> Result<u8, IdError> {
    if chars.len() != 9 {
        return Err(IdError::Length {
            kind: IdKind::Am,
            found: chars.len(),
        });
    }
    digits(chars, IdKind::Am)?;
    digit_at(chars, 2, IdKind::Am)
}

fn am_number(chars: &[char], category: u8) -> Result<AmNumber, IdError> {
    let number = luhn_number(chars, 9, IdKind::Am)?;
    Ok(AmNumber {
        department: number.chars().take(2).collect(),
        number,
        category,
    })
}

fn finess(chars: &[char]) -> Result<Finess, IdError> {
    const KIND: IdKind = IdKind::Finess;
    if chars.len() != 9 {
        return Err(IdError::Length {
            kind: KIND,
            found: chars.len(),
        });
    }
    let number: String = chars.iter().collect();
    let prefix = match (chars.first(), chars.get(1)) {
        (Some('2'), Some('A')) => Some("2001"),
        (Some('2'), Some('B')) => Some("2002"),
        _ => None,
    };
    let numeric: Vec<char> = match prefix {
        Some(prefix) => {
            // The two characters `yy` dropped by RG_MF609 must be digits.
            digit_at(chars, 2, KIND)?;
            digit_at(chars, 3, KIND)?;
            prefix
                .chars()
                .chain(chars.iter().copied().skip(4))
                .collect()
        }
        None => chars.to_vec(),
    };
    // Positions in errors refer to the text as written: the converted form
    // keeps positions 5–9 in place.
    let numeric = luhn_number(&numeric, 9, KIND)?;
    Ok(Finess { number, numeric })
}

/// `chars` must be `len` digits whose last is the Luhn key of the others;
/// returns them as a string.
fn luhn_number(chars: &[char], len: usize, kind: IdKind) -> Result<String, IdError> {
    if chars.len() != len {
        return Err(IdError::Length {
            kind,
            found: chars.len(),
        });
    }
    let values = digits(chars, kind)?;
    let (found, body) = values.split_last().ok_or(IdError::Empty { kind })?;
    let expected = luhn_key(body);
    if expected != *found {
        return Err(IdError::Key {
            kind,
            expected,
            found: *found,
        });
    }
    Ok(chars.iter().collect())
}

/// The Luhn key of `body` (digits 0–9): from the right, every other digit
/// starting with the rightmost is doubled (less 9 if over 9); the key makes
/// the sum a multiple of 10.
fn luhn_key(body: &[u8]) -> u8 {
    let sum = body.iter().rev().enumerate().fold(0u32, |sum, (i, &d)| {
        let d = u32::from(d.min(9));
        let v = if i % 2 == 0 {
            let doubled = d.saturating_mul(2);
            if doubled > 9 {
                doubled.saturating_sub(9)
            } else {
                doubled
            }
        } else {
            d
        };
        sum.saturating_add(v)
    });
    let key = (10u32.saturating_sub(sum.checked_rem(10).unwrap_or(0))).checked_rem(10);
    key.and_then(|k| u8::try_from(k).ok()).unwrap_or(0)
}
