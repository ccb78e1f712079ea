//! The NIR (numéro de sécurité sociale): 13 characters and a 2-digit key.

use super::{IdError, IdKind, compact, digit_at};

/// A NIR whose key matches.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Nir {
    /// The 15 characters without white space, `2A`/`2B` upper-cased.
    pub number: String,
    /// First digit: 1 man, 2 woman; 7 or 8 for a temporary number.
    pub sex: u8,
    /// Whether the first digit is 7 or 8: a temporary number (numéro
    /// provisoire, NIA) awaiting the civil-status documents. Confidence L.
    pub temporary: bool,
    /// Year of birth, two digits as written (the century is not in the
    /// number).
    pub birth_year: u8,
    /// Month of birth as written: 01–12, but 20–30 or 50 occur for people
    /// registered from an incomplete civil record. Not checked.
    pub birth_month: u8,
    /// Place of birth, first two characters: the département (`2A`, `2B`
    /// for Corsica), 97/98 overseas, 99 abroad. Not checked against a list.
    pub department: String,
    /// The key, 01 to 97.
    pub key: u8,
}

/// Checks a NIR: 15 characters once white space is removed (13 and a 2-digit
/// key), digits except the Corsican départements `2A`/`2B` at positions
/// 6–7, first digit 1, 2, 7 or 8, and key = 97 − (N mod 97) where N is the
/// 13 characters read as a number with `2A` read as `19` and `2B` as `18`.
pub fn check_nir(text: &str) -> Result<Nir, IdError> {
    const KIND: IdKind = IdKind::Nir;
    let chars = compact(text, KIND)?;
    if chars.len() != 15 {
        return Err(IdError::Length {
            kind: KIND,
            found: chars.len(),
        });
    }
    // The 13 digits of N, Corsica substituted at positions 6–7 only.
    let corsica = match (chars.get(5), chars.get(6)) {
        (Some('2'), Some('A')) => Some([1, 9]),
        (Some('2'), Some('B')) => Some([1, 8]),
        _ => None,
    };
    let mut body = [0u8; 13];
    for (i, slot) in body.iter_mut().enumerate() {
        *slot = match (corsica, i) {
            (Some([tens, _]), 5) => tens,
            (Some([_, units]), 6) => units,
            _ => digit_at(&chars, i, KIND)?,
        };
    }
    let key_tens = digit_at(&chars, 13, KIND)?;
    let key_units = digit_at(&chars, 14, KIND)?;
    let found = two_digits(key_tens, key_units);

    let [sex, y1, y2, m1, m2, ..] = body;
    let temporary = match sex {
        1 | 2 => false,
        7 | 8 => true,
        _ => return Err(IdError::Sex { found: sex }),
    };

    let expected = nir_key(&body).ok_or(IdError::Characters {
        kind: KIND,
        position: 1,
        found: chars.first().copied().unwrap_or(' '),
    })?;
    if expected != found {
        return Err(IdError::Key {
            kind: KIND,
            expected,
            found,
        });
    }
    Ok(Nir {
        number: chars.iter().collect(),
        sex,
        temporary,
        birth_year: two_digits(y1, y2),
        birth_month: two_digits(m1, m2),
        department: chars.iter().skip(5).take(2).collect(),
        key: found,
    })
}

/// 97 − (N mod 97) for the 13 digits of N (at most 9 999 999 999 999, far
/// below `u64::MAX`); `None` only if a value were not a digit.
fn nir_key(body: &[u8; 13]) -> Option<u8> {
    let n = body.iter().try_fold(0u64, |n, &d| {
        if d > 9 {
            return None;
        }
        n.checked_mul(10)?.checked_add(u64::from(d))
    })?;
    let rest = n.checked_rem(97)?;
    u8::try_from(97u64.checked_sub(rest)?).ok()
}

/// `tens` and `units` (digits 0–9) as one number, 0–99.
fn two_digits(tens: u8, units: u8) -> u8 {
    tens.saturating_mul(10).saturating_add(units)
}
