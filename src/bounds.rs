//! The documented bounds of an invoice line's numbers.
//!
//! Every number a line brings (coefficient, quantity, kilometres, billed
//! amount) is checked against these bounds where it is read — by the batch
//! reader ([`crate::batch`]) and by pricing ([`crate::Tariffs::price`]) for
//! lines built in code — and a number outside them is an `INVALID_FIELD`
//! finding on its line, never a panic.
//!
//! With the tariff set's own bounds (letter values of at most 1,000 €,
//! checked when a tariff set is loaded), they keep every computation far
//! from `Decimal`'s limits: the largest amount is
//! 1,000 × 1,000 € × 9,999 ≈ 10¹⁰ €, and the largest batch total
//! (2⁶⁴ lines × 99,999.99 €) ≈ 1.8 × 10²⁴ € < 7.9 × 10²⁸.
//!
//! ```
//! use kine_tarif::{price, Code, FindingCode, InvoiceLine};
//! use rust_decimal::Decimal;
//! let n = |s: &str| s.parse::<Decimal>().unwrap();
//! // A session is billed in whole units: RIM × 1.5 is refused.
//! let line = InvoiceLine::new("2024-06-15".parse().unwrap(), Code::RIM, Some(n("7.50")));
//! let p = price(&line.with_quantity(n("1.5")));
//! assert!(p.has(FindingCode::InvalidField));
//! assert!(p.amount.is_none());
//! ```

use rust_decimal::Decimal;

use crate::money::is_positive;

/// The largest quantity of an act, majoration, flat travel allowance,
/// télésoin or téléexpertise line: a whole number from 1 to 99.
pub const MAX_QUANTITY: u32 = 99;

/// The largest kilometre count: the quantity of an IK / IKM / IKS line and
/// the one-way `distance_km` (9,999 km, more than any trip in France,
/// overseas included). Kilometres may have decimals.
pub const MAX_KILOMETRES: u32 = 9_999;

/// The largest coefficient an invoice line may carry (the largest of the
/// nomenclature is under 100).
pub const MAX_COEFFICIENT: u32 = 1_000;

/// The largest billed amount, in absolute value: 99,999.99 €. A billed
/// amount may be negative (a credit line) and may have more than two
/// decimals (it is echoed as written, and never equal to a computed amount
/// then).
pub const MAX_BILLED_CENTS: i64 = 9_999_999;

/// What a person is told a coefficient must be (the bounds above, written
/// the French way).
pub(crate) const COEFFICIENT_EXPECTED: &str = "nombre positif d'au plus 1\u{202f}000 attendu";
/// What a quantity read from a batch must be, whatever its code (pricing
/// then asks whole units of an act: [`unit_quantity_expected`]).
pub(crate) const QUANTITY_EXPECTED: &str = "nombre positif d'au plus 9\u{202f}999 attendu";
/// What a kilometre count must be.
pub(crate) const KILOMETRES_EXPECTED: &str = "nombre de kilomètres de 0 à 9\u{202f}999 attendu";
/// What a billed amount must be.
pub(crate) const BILLED_EXPECTED: &str =
    "montant de −99\u{202f}999,99 € à 99\u{202f}999,99 € attendu";

/// What an act's quantity must be, for `code`.
pub(crate) fn unit_quantity_expected(code: crate::Code) -> String {
    format!("nombre entier de 1 à {MAX_QUANTITY} attendu pour {code}")
}

/// Whether a quantity is a whole number from 1 to [`MAX_QUANTITY`].
pub fn is_unit_quantity(q: Decimal) -> bool {
    is_positive(q) && q.fract().is_zero() && q <= Decimal::from(MAX_QUANTITY)
}

/// Whether a number of kilometres is from 0 (excluded when `positive`) to
/// [`MAX_KILOMETRES`].
pub fn is_kilometres(km: Decimal, positive: bool) -> bool {
    if km.is_zero() {
        return !positive;
    }
    km.is_sign_positive() && km <= Decimal::from(MAX_KILOMETRES)
}

/// Whether a coefficient is positive and at most [`MAX_COEFFICIENT`].
pub fn is_coefficient(c: Decimal) -> bool {
    is_positive(c) && c <= Decimal::from(MAX_COEFFICIENT)
}

/// Whether a billed amount is within ± [`MAX_BILLED_CENTS`] cents.
pub fn is_billed_amount(b: Decimal) -> bool {
    b.abs() <= Decimal::new(MAX_BILLED_CENTS, 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn the_texts_say_the_bounds() {
        // French thousands: a narrow no-break space every three digits.
        let fr = |n: u32| {
            let digits = n.to_string();
            let mut out = String::new();
            for (i, c) in digits.chars().enumerate() {
                if i > 0 && (digits.len() - i).is_multiple_of(3) {
                    out.push('\u{202f}');
                }
                out.push(c);
            }
            out
        };
        assert!(COEFFICIENT_EXPECTED.contains(&fr(MAX_COEFFICIENT)));
        assert!(QUANTITY_EXPECTED.contains(&fr(MAX_KILOMETRES)));
        assert!(KILOMETRES_EXPECTED.contains(&fr(MAX_KILOMETRES)));
        let euros = fr(u32::try_from(MAX_BILLED_CENTS / 100).unwrap());
        assert!(BILLED_EXPECTED.contains(&format!("{euros},{:02} €", MAX_BILLED_CENTS % 100)));
        assert_eq!(fr(1_000), "1\u{202f}000");
    }

    #[test]
    fn bounds_by_hand() {
        assert!(is_unit_quantity(d("1")));
        assert!(is_unit_quantity(d("99")));
        assert!(is_unit_quantity(d("2.00")));
        assert!(!is_unit_quantity(d("100")));
        assert!(!is_unit_quantity(d("1.5")));
        assert!(!is_unit_quantity(d("0")));
        assert!(!is_unit_quantity(d("-1")));
        assert!(!is_unit_quantity(Decimal::MAX));
        assert!(!is_unit_quantity(Decimal::MIN));
        assert!(is_kilometres(d("0"), false));
        assert!(!is_kilometres(d("0"), true));
        assert!(is_kilometres(d("12.5"), true));
        assert!(is_kilometres(d("9999"), true));
        assert!(!is_kilometres(d("9999.01"), true));
        assert!(!is_kilometres(d("-0.01"), false));
        assert!(!is_kilometres(Decimal::MAX, false));
        assert!(is_coefficient(d("1000")));
        assert!(!is_coefficient(d("1000.0001")));
        assert!(!is_coefficient(d("0")));
        assert!(is_billed_amount(d("-99999.99")));
        assert!(is_billed_amount(d("99999.99")));
        assert!(!is_billed_amount(d("100000")));
        assert!(!is_billed_amount(Decimal::MIN));
    }
}
