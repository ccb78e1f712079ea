//! Exact money arithmetic.
//!
//! Amounts are [`rust_decimal::Decimal`]; nothing here goes through binary
//! floating point. Rounding happens in exactly one place,
//! [`round_to_cent`], half away from zero (7.5 × 2.21 = 16.575 → 16.58 €),
//! which is how published act prices reconcile (e.g. 7.5 × 2.15 = 16.125 →
//! 16.13 €).

use rust_decimal::{Decimal, RoundingStrategy};

/// Rounds an amount in euros to the cent, half away from zero.
///
/// `Decimal::round_dp` rounds half to even (banker's rounding), which
/// would turn 16.125 into 16.12; this function does not.
///
/// ```
/// use kine_tarif::money::round_to_cent;
/// use rust_decimal::Decimal;
/// let d = |s: &str| s.parse::<Decimal>().unwrap();
/// assert_eq!(round_to_cent(d("16.125")), d("16.13"));
/// assert_eq!(round_to_cent(d("16.575")), d("16.58"));
/// assert_eq!(round_to_cent(d("-0.005")), d("-0.01"));
/// ```
pub fn round_to_cent(amount: Decimal) -> Decimal {
    amount.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

/// Formats an amount with exactly two decimals and a dot (`"16.58"`).
///
/// ```
/// use kine_tarif::money::format_money;
/// assert_eq!(format_money("4".parse().unwrap()), "4.00");
/// assert_eq!(format_money("0.38".parse().unwrap()), "0.38");
/// ```
pub fn format_money(amount: Decimal) -> String {
    let mut a = amount;
    a.rescale(2);
    a.to_string()
}

/// Parses a decimal written with a dot or a comma (`"7,5"`, `"7.50"`),
/// surrounding spaces allowed. Rejects exponents, thousands separators and
/// anything else.
///
/// ```
/// use kine_tarif::money::parse_decimal;
/// assert_eq!(parse_decimal("7,5").unwrap().to_string(), "7.5");
/// assert_eq!(parse_decimal(" 9.49 ").unwrap().to_string(), "9.49");
/// assert!(parse_decimal("1e3").is_none());
/// assert!(parse_decimal("7,5,1").is_none());
/// ```
pub fn parse_decimal(text: &str) -> Option<Decimal> {
    let t = text.trim();
    if t.is_empty() || t.len() > 28 {
        return None;
    }
    let mut buf = [0u8; 28];
    let mut seen_sep = false;
    let mut digits = 0;
    for (i, b) in t.bytes().enumerate() {
        buf[i] = match b {
            b'0'..=b'9' => {
                digits += 1;
                b
            }
            b'.' | b',' if !seen_sep => {
                seen_sep = true;
                b'.'
            }
            b'-' | b'+' if i == 0 => b,
            _ => return None,
        };
    }
    if digits == 0 {
        return None;
    }
    let s = std::str::from_utf8(&buf[..t.len()]).ok()?;
    s.parse::<Decimal>().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn half_away_from_zero_not_bankers() {
        // 16.125 would be 16.12 with round-half-even.
        assert_eq!(round_to_cent(d("16.125")), d("16.13"));
        assert_eq!(round_to_cent(d("16.135")), d("16.14"));
        assert_eq!(round_to_cent(d("21.6359")), d("21.64"));
        assert_eq!(round_to_cent(d("19.683")), d("19.68"));
        assert_eq!(round_to_cent(d("-16.125")), d("-16.13"));
    }

    #[test]
    fn parse_rejects_garbage() {
        for bad in [
            "", " ", "abc", "1.2.3", "1,2,3", "--1", "1-", ".", "7.5€", "1 000",
        ] {
            assert!(parse_decimal(bad).is_none(), "{bad:?}");
        }
        assert_eq!(parse_decimal(".5"), Some(d("0.5")));
        assert_eq!(parse_decimal("-3"), Some(d("-3")));
    }
}
