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
    // Fast path, same result: a mantissa that fits 64 bits is rounded with
    // one integer division (half away from zero).
    let scale = amount.scale();
    if scale <= 2 {
        return amount;
    }
    if let (Ok(m), Some(unit)) = (
        i64::try_from(amount.mantissa()),
        pow10_i64(scale as usize - 2),
    ) {
        let (q, r) = (m / unit, m % unit);
        let q = if 2 * r.unsigned_abs() >= unit.unsigned_abs() {
            q + m.signum()
        } else {
            q
        };
        return Decimal::new(q, 2);
    }
    amount.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

/// Greater than zero, by sign and zero tests (cheaper than comparing with
/// `Decimal::ZERO`).
pub(crate) fn is_positive(d: Decimal) -> bool {
    d.is_sign_positive() && !d.is_zero()
}

/// `a × b × c` exactly as rust_decimal computes it (mantissas multiplied,
/// scales added: `7.49 × 2.21 × 1` is `16.5529`), by one 64-bit product when
/// the three are positive and small, as coefficients, values and quantities
/// are; rust_decimal's 96-bit multiplication otherwise.
pub(crate) fn product3(a: Decimal, b: Decimal, c: Decimal) -> Decimal {
    let small = |d: Decimal| {
        is_positive(d)
            .then(|| u64::try_from(d.mantissa()).ok())
            .flatten()
    };
    let scale = a.scale() + b.scale() + c.scale();
    if let (Some(x), Some(y), Some(z)) = (small(a), small(b), small(c))
        && scale <= 28
        && let Some(m) = x.checked_mul(y).and_then(|p| p.checked_mul(z))
    {
        return Decimal::from_parts(m as u32, (m >> 32) as u32, 0, false, scale);
    }
    a * b * c
}

/// Formats an amount with a dot and two decimals, or more when it has more
/// significant ones: display never rounds (a billed amount of 16.551 € is
/// shown as `16.551`, not as the `16.55` it differs from).
///
/// ```
/// use kine_tarif::money::format_money;
/// assert_eq!(format_money("4".parse().unwrap()), "4.00");
/// assert_eq!(format_money("0.38".parse().unwrap()), "0.38");
/// assert_eq!(format_money("16.551".parse().unwrap()), "16.551");
/// assert_eq!(format_money("16.5500".parse().unwrap()), "16.55");
/// ```
pub fn format_money(amount: Decimal) -> String {
    money_digits(amount).to_string()
}

/// An amount as a French reader writes it: a decimal comma, a narrow
/// no-break space between thousands, and the euro sign
/// (`8\u{202f}528,88\u{a0}€`); two decimals, or more when it has more.
///
/// ```
/// use kine_tarif::money::format_euros;
/// let d = |s: &str| s.parse().unwrap();
/// assert_eq!(format_euros(d("8528.88")), "8\u{202f}528,88\u{a0}€");
/// assert_eq!(format_euros(d("-0.5")), "-0,50\u{a0}€");
/// assert_eq!(format_euros(d("16.551")), "16,551\u{a0}€");
/// ```
pub fn format_euros(amount: Decimal) -> String {
    let text = money_digits(amount).to_string();
    let (sign, digits) = match text.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", text.as_str()),
    };
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let mut out = String::from(sign);
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push('\u{202f}');
        }
        out.push(c);
    }
    if !frac.is_empty() {
        out.push(',');
        out.push_str(frac);
    }
    out.push_str("\u{a0}€");
    out
}

/// `d` with two decimals, or with its significant decimals when it has
/// more: the same value, for display.
fn money_digits(mut d: Decimal) -> Decimal {
    if d.scale() > 2 {
        d = d.normalize();
    }
    if d.scale() < 2 {
        d.rescale(2);
    }
    d
}

/// Parses a decimal written with a dot or a comma (`"7,5"`, `"7.50"`),
/// surrounding spaces allowed, and an amount as a French spreadsheet
/// writes it (`"17,90 €"`, `"1 234,50 €"`: spaces only between groups of
/// three digits). Rejects exponents and anything else.
///
/// ```
/// use kine_tarif::money::parse_decimal;
/// assert_eq!(parse_decimal("7,5").unwrap().to_string(), "7.5");
/// assert_eq!(parse_decimal(" 9.49 ").unwrap().to_string(), "9.49");
/// assert_eq!(parse_decimal("17,90 €").unwrap().to_string(), "17.90");
/// assert_eq!(parse_decimal("1\u{202f}234,50\u{a0}€").unwrap().to_string(), "1234.50");
/// assert_eq!(parse_decimal("-2 500 EUR").unwrap().to_string(), "-2500");
/// assert!(parse_decimal("7 50").is_none());
/// assert!(parse_decimal("€").is_none());
/// assert!(parse_decimal("1e3").is_none());
/// assert!(parse_decimal("7,5,1").is_none());
/// ```
pub fn parse_decimal(text: &str) -> Option<Decimal> {
    let t = trim(text).as_bytes();
    if t.is_empty() || t.len() > 28 {
        return None;
    }
    let (negative, digits) = match t[0] {
        b'-' => (true, &t[1..]),
        b'+' => (false, &t[1..]),
        _ => (false, t),
    };
    let parsed = if digits.len() <= 19 {
        parse_short(negative, digits)
    } else {
        parse_wide(negative, digits)
    };
    match parsed {
        Some(d) => Some(d),
        None if t.iter().any(|&c| c == b' ' || c >= 0x80) => parse_spreadsheet(text),
        None => None,
    }
}

/// An amount as a French spreadsheet writes it: `17,90 €`, `1 234,50 €`
/// (spaces, no-break or narrow no-break spaces between groups of three
/// digits), `17,90 EUR`. Any other text is refused: a space elsewhere
/// (`7 50`) is not a thousands separator. Out of line: only for text
/// [`parse_decimal`] refused.
#[inline(never)]
fn parse_spreadsheet(text: &str) -> Option<Decimal> {
    let t = text.trim_matches(|c: char| c.is_whitespace());
    let t = t
        .strip_suffix('€')
        .or_else(|| t.strip_suffix("EUR"))
        .unwrap_or(t)
        .trim_end_matches(|c: char| c.is_whitespace());
    let is_space = |c: char| matches!(c, ' ' | '\u{a0}' | '\u{202f}');
    let (int, frac) = match t.find([',', '.']) {
        Some(i) => t.split_at(i),
        None => (t, ""),
    };
    let (sign, int) = match int.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", int),
    };
    let groups: Vec<&str> = int.split(is_space).collect();
    let digits = |g: &str| g.bytes().all(|b| b.is_ascii_digit());
    if !groups.iter().all(|g| digits(g)) || !frac.get(1..).is_none_or(digits) {
        return None;
    }
    let well_grouped = groups.len() > 1
        && groups.first().is_some_and(|g| (1..=3).contains(&g.len()))
        && groups.iter().skip(1).all(|g| g.len() == 3);
    if groups.len() > 1 && !well_grouped {
        return None;
    }
    if frac.chars().any(is_space) {
        return None;
    }
    let joined = format!("{sign}{}{frac}", groups.concat());
    // Nothing taken away: the text was refused for another reason (and
    // the joined text has no space nor euro sign: no second fallback).
    if joined == text.trim() {
        return None;
    }
    parse_decimal(&joined)
}

/// [`parse_decimal`]'s digits and separator, for at most 19 bytes: the
/// mantissa (below 10^19) fits 64 bits, and the scale is the number of
/// bytes after the separator (all digits, or the text is refused).
#[inline(always)]
fn parse_short(negative: bool, digits: &[u8]) -> Option<Decimal> {
    let mut mantissa: u64 = 0;
    let mut sep: Option<usize> = None;
    for (i, &b) in digits.iter().enumerate() {
        let d = b.wrapping_sub(b'0');
        if d < 10 {
            mantissa = mantissa * 10 + u64::from(d);
        } else if matches!(b, b'.' | b',') && sep.is_none() {
            sep = Some(i);
        } else {
            return None;
        }
    }
    let scale = sep.map_or(0, |i| digits.len() - 1 - i);
    if digits.len() == usize::from(sep.is_some()) {
        // No digit.
        return None;
    }
    Some(Decimal::from_parts(
        mantissa as u32,
        (mantissa >> 32) as u32,
        0,
        negative && mantissa != 0,
        scale as u32,
    ))
}

/// [`parse_decimal`]'s digits and separator, up to 28 bytes.
#[inline(never)]
fn parse_wide(negative: bool, digits: &[u8]) -> Option<Decimal> {
    // At most 28 digits: the mantissa stays below 10^28 < 2^96, the size of
    // a Decimal's mantissa, and the scale below 28.
    let mut mantissa: u128 = 0;
    let mut scale: u32 = 0;
    let mut seen_sep = false;
    let mut count = 0;
    for &b in digits {
        match b {
            b'0'..=b'9' => {
                mantissa = mantissa * 10 + u128::from(b - b'0');
                count += 1;
                scale += u32::from(seen_sep);
            }
            b'.' | b',' if !seen_sep => seen_sep = true,
            _ => return None,
        }
    }
    if count == 0 {
        return None;
    }
    // `-0` is zero, without a sign, as rust_decimal reads it.
    Some(Decimal::from_parts(
        mantissa as u32,
        (mantissa >> 32) as u32,
        (mantissa >> 64) as u32,
        negative && mantissa != 0,
        scale,
    ))
}

/// Appends a decimal as text (`7.50`, `-3`, `0.38`) without allocating:
/// the same text as its `Display`.
///
/// ```
/// use kine_tarif::money::write_decimal;
/// let mut s = String::new();
/// write_decimal(&mut s, "16.575".parse().unwrap());
/// s.push(' ');
/// write_decimal(&mut s, "-0.05".parse().unwrap());
/// assert_eq!(s, "16.575 -0.05");
/// ```
pub fn write_decimal(out: &mut String, d: Decimal) {
    let mut buf = [0u8; DECIMAL_TEXT];
    // ASCII digits, sign and point only: always valid text.
    out.push_str(std::str::from_utf8(decimal_text(d, &mut buf)).unwrap_or(""));
}

/// Appends a decimal as text to a byte buffer (the CSV writer's path).
pub(crate) fn push_decimal(out: &mut Vec<u8>, d: Decimal) {
    let mut buf = [0u8; DECIMAL_TEXT];
    out.extend_from_slice(decimal_text(d, &mut buf));
}

/// Appends an amount as [`format_money`] writes it.
pub(crate) fn push_money(out: &mut Vec<u8>, d: Decimal) {
    push_decimal(out, money_digits(d));
}

/// Whether `t` is written exactly as [`push_money`] writes the amount it
/// parses to (`16.55`, `0.38`: digits, no leading zero, a point, two
/// digits): such a field can be echoed instead of formatted again.
pub(crate) fn is_money_text(t: &[u8]) -> bool {
    match t {
        [int @ .., b'.', c, d] => {
            c.is_ascii_digit()
                && d.is_ascii_digit()
                && int.iter().all(u8::is_ascii_digit)
                && !matches!(int, [] | [b'0', _, ..])
        }
        _ => false,
    }
}

/// `str::trim`, without its Unicode tables when both ends are ASCII.
pub(crate) fn trim(text: &str) -> &str {
    // Printable ASCII at both ends (the usual field): nothing to trim.
    let printable = |b: u8| b > b' ' && b < 0x7f;
    if let (Some(&a), Some(&b)) = (text.as_bytes().first(), text.as_bytes().last())
        && printable(a)
        && printable(b)
    {
        return text;
    }
    let t = text.trim_ascii();
    match (t.as_bytes().first(), t.as_bytes().last()) {
        (Some(a), Some(b)) if !a.is_ascii() || !b.is_ascii() => t.trim(),
        _ => t,
    }
}

/// "00" to "99", for writing two digits at a time.
const PAIRS: &[u8; 200] = b"0001020304050607080910111213141516171819\
2021222324252627282930313233343536373839\
4041424344454647484950515253545556575859\
6061626364656667686970717273747576777879\
8081828384858687888990919293949596979899";

/// Longest text of a decimal: 29 digits, a sign, a point, leading `0.`.
const DECIMAL_TEXT: usize = 40;

/// Powers of ten that fit a `u64`, by exponent.
const POW10: [u64; 20] = {
    let mut p = [1u64; 20];
    let mut i = 1;
    while i < 20 {
        p[i] = p[i - 1] * 10;
        i += 1;
    }
    p
};

/// 10 to the power `k` when it fits an `i64` (from the table: `checked_pow`
/// loops).
pub(crate) fn pow10_i64(k: usize) -> Option<i64> {
    POW10.get(k).and_then(|&p| i64::try_from(p).ok())
}

/// Writes `int` right to left ending at `*pos`, two digits at a time.
fn put_int(buf: &mut [u8; DECIMAL_TEXT], pos: &mut usize, mut int: u64) {
    while int >= 100 {
        let r = (int % 100) as usize * 2;
        int /= 100;
        *pos -= 2;
        buf[*pos] = PAIRS[r];
        buf[*pos + 1] = PAIRS[r + 1];
    }
    if int >= 10 {
        let r = int as usize * 2;
        *pos -= 2;
        buf[*pos] = PAIRS[r];
        buf[*pos + 1] = PAIRS[r + 1];
    } else {
        *pos -= 1;
        buf[*pos] = b'0' + int as u8;
    }
}

/// Appends an unsigned integer in decimal (row numbers).
pub(crate) fn push_u64(out: &mut Vec<u8>, n: u64) {
    let mut buf = [0u8; DECIMAL_TEXT];
    let mut pos = buf.len();
    put_int(&mut buf, &mut pos, n);
    out.extend_from_slice(&buf[pos..]);
}

/// The text of a decimal, written right to left into `buf`.
fn decimal_text(d: Decimal, buf: &mut [u8; DECIMAL_TEXT]) -> &[u8] {
    let scale = d.scale() as usize;
    let mut pos = buf.len();
    let m = d.mantissa();
    // u64 arithmetic for the usual sizes: u128 division is done in software.
    match u64::try_from(m.unsigned_abs()) {
        Ok(n) if scale == 2 => {
            // Amounts: the two decimals as one pair, by a constant divisor.
            let r = (n % 100) as usize * 2;
            pos -= 3;
            buf[pos] = b'.';
            buf[pos + 1] = PAIRS[r];
            buf[pos + 2] = PAIRS[r + 1];
            put_int(buf, &mut pos, n / 100);
        }
        Ok(n) if scale < POW10.len() => {
            // The fraction digit by digit, the integer part two digits at a
            // time.
            let unit = POW10[scale];
            let mut frac = n % unit;
            for _ in 0..scale {
                pos -= 1;
                buf[pos] = b'0' + (frac % 10) as u8;
                frac /= 10;
            }
            if scale > 0 {
                pos -= 1;
                buf[pos] = b'.';
            }
            put_int(buf, &mut pos, n / unit);
        }
        _ => {
            let mut n = m.unsigned_abs();
            let mut digits = 0usize;
            loop {
                if digits == scale && scale > 0 {
                    pos -= 1;
                    buf[pos] = b'.';
                }
                pos -= 1;
                buf[pos] = b'0' + (n % 10) as u8;
                digits += 1;
                n /= 10;
                if n == 0 && digits > scale {
                    break;
                }
            }
        }
    }
    if m < 0 {
        pos -= 1;
        buf[pos] = b'-';
    }
    &buf[pos..]
}

/// Appends an amount as [`format_money`] writes it (`16.58`, `4.00`,
/// `16.551`): two decimals, more when it has more, never rounded.
pub fn write_money(out: &mut String, d: Decimal) {
    write_decimal(out, money_digits(d));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn money_text_is_what_push_money_writes() {
        // Every way of writing some amounts: what `is_money_text` accepts,
        // `push_money` writes back unchanged.
        for int in ["", "0", "00", "1", "01", "16", "160", "1234567"] {
            for frac in ["", ".", ".5", ".50", ".55", ".551", ",55", ".5a"] {
                for sign in ["", "-", "+", " "] {
                    let t = format!("{sign}{int}{frac}");
                    let Some(d) = parse_decimal(&t) else {
                        assert!(!is_money_text(t.as_bytes()), "{t:?}");
                        continue;
                    };
                    let mut out = Vec::new();
                    push_money(&mut out, d);
                    if is_money_text(t.as_bytes()) {
                        assert_eq!(out, t.as_bytes(), "{t:?}");
                    }
                }
            }
        }
        for yes in ["16.55", "0.38", "0.00", "1234567.50"] {
            assert!(is_money_text(yes.as_bytes()), "{yes}");
        }
        for no in [
            "016.55", "16.5", "16.550", "-16.55", "16,55", ".55", " 16.55",
        ] {
            assert!(!is_money_text(no.as_bytes()), "{no}");
        }
    }

    #[test]
    fn the_integer_fast_path_rounds_as_rust_decimal_does() {
        // Every value from -3 to 3 in steps of 0.0001 (scale 4, as a
        // coefficient × value product), and a few at scale 3 and 6, give
        // the same digits as rust_decimal's own half-away-from-zero.
        let reference =
            |x: Decimal| x.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
        for m in -30_000i64..=30_000 {
            for scale in [3, 4, 6] {
                let x = Decimal::new(m, scale);
                assert_eq!(round_to_cent(x), reference(x), "{x}");
                assert_eq!(
                    round_to_cent(x).to_string(),
                    reference(x).to_string(),
                    "{x}"
                );
            }
        }
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
    fn write_decimal_matches_display() {
        for x in [
            "0",
            "7.5",
            "7.50",
            "-7.50",
            "0.38",
            "0.05",
            "-0.005",
            "16.5750",
            "1000000",
            "123456789.123456789",
            "10.00",
            "99",
            "100.01",
            "0.0000000000000000001",
            "79228162514264337593543950335",
            "-7922816251426433759354395033.5",
        ] {
            let d = d(x);
            let mut s = String::new();
            write_decimal(&mut s, d);
            assert_eq!(s, d.to_string(), "{x}");
        }
        for (x, want) in [
            ("4", "4.00"),
            ("16.551", "16.551"),
            ("16.5500", "16.55"),
            ("-0.5", "-0.50"),
        ] {
            let mut s = String::new();
            write_money(&mut s, d(x));
            assert_eq!(s, want, "{x}");
            assert_eq!(format_money(d(x)), want, "{x}");
        }
        // Every mantissa up to 100,000 at scales 0 to 3.
        for m in 0..100_000i64 {
            for scale in 0..4 {
                let x = Decimal::new(m, scale);
                let mut s = String::new();
                write_decimal(&mut s, x);
                assert_eq!(s, x.to_string());
            }
        }
    }

    #[test]
    fn product3_is_rust_decimal_product() {
        // Same value and same representation (scale) as `a * b * c`.
        let mut values: Vec<Decimal> = Vec::new();
        for m in [
            0i64, 1, 2, 5, 7, 10, 38, 100, 215, 221, 250, 749, 1000, 1201, 99_999,
        ] {
            for scale in [0, 1, 2, 3] {
                values.push(Decimal::new(m, scale));
                values.push(Decimal::new(-m, scale));
            }
        }
        values.extend([
            Decimal::MAX,
            Decimal::new(i64::MAX, 0),
            Decimal::new(4_294_967_296, 0),
            Decimal::new(1, 28),
            Decimal::new(3, 20),
        ]);
        for &a in &values {
            for &b in &values {
                for c in [
                    Decimal::ONE,
                    Decimal::new(20, 0),
                    Decimal::new(15, 1),
                    d("0.001"),
                ] {
                    let Some(want) = a.checked_mul(b).and_then(|p| p.checked_mul(c)) else {
                        continue;
                    };
                    let got = product3(a, b, c);
                    assert_eq!(got.serialize(), want.serialize(), "{a} × {b} × {c}");
                }
            }
        }
    }

    #[test]
    fn push_u64_matches_display() {
        let mut values: Vec<u64> = (0..20_000).collect();
        values.extend([99_999, 100_000, 1_000_001, u64::MAX / 10, u64::MAX]);
        for n in values {
            let mut out = Vec::new();
            push_u64(&mut out, n);
            assert_eq!(out, n.to_string().into_bytes());
        }
    }

    #[test]
    fn parse_keeps_the_scale() {
        assert_eq!(parse_decimal("7,50").unwrap().to_string(), "7.50");
        assert_eq!(parse_decimal("-0.5").unwrap().to_string(), "-0.5");
        assert_eq!(parse_decimal("12").unwrap().to_string(), "12");
    }

    #[test]
    fn parse_gives_rust_decimal_representation() {
        // Same value and scale as rust_decimal's own exact parser, on both
        // sides of the 19-digit fast path.
        let mut texts: Vec<String> = Vec::new();
        for m in 0..2_000u64 {
            for scale in 0..4 {
                let t = Decimal::new(m as i64, scale).to_string();
                texts.push(format!("-{t}"));
                texts.push(t);
            }
        }
        texts.extend(
            [
                "-0",
                "-0.00",
                "+7.5",
                "0000012.50",
                "1234567890123456789",
                "12345678901234567890",
                "1.234567890123456789",
                "18446744073709551615",
                "-9999999999999999999.9",
                "0.0000000000000000000000001",
                "7922816251426433759354395033",
            ]
            .map(String::from),
        );
        for t in texts {
            let want = Decimal::from_str_exact(&t).unwrap();
            let got = parse_decimal(&t).unwrap();
            assert_eq!(got.serialize(), want.serialize(), "{t}");
        }
    }

    #[test]
    fn short_texts_parse_as_the_wide_loop_parses_them() {
        // Every text of up to five bytes over digits, both separators and
        // other bytes, and texts of 17 to 22 bytes around the 19-byte
        // limit of the 64-bit loop.
        let alphabet = [b'0', b'1', b'9', b'.', b',', b'x', b' ', b'5'];
        let mut texts: Vec<Vec<u8>> = vec![Vec::new()];
        let mut last = vec![Vec::new()];
        for _ in 0..5 {
            last = last
                .iter()
                .flat_map(|t| {
                    alphabet.iter().map(move |&b| {
                        let mut t = t.clone();
                        t.push(b);
                        t
                    })
                })
                .collect();
            texts.extend(last.iter().cloned());
        }
        for n in 17..=22 {
            for dot in [None, Some(0), Some(1), Some(n / 2), Some(n - 1)] {
                let mut t = vec![b'9'; n];
                if let Some(i) = dot {
                    t[i] = b'.';
                }
                texts.push(t);
            }
        }
        for t in &texts {
            for negative in [false, true] {
                let short = (t.len() <= 19).then(|| parse_short(negative, t));
                let wide = parse_wide(negative, t);
                if let Some(short) = short {
                    assert_eq!(
                        short.map(|d| d.serialize()),
                        wide.map(|d| d.serialize()),
                        "{:?}",
                        String::from_utf8_lossy(t)
                    );
                }
            }
        }
        assert_eq!(
            parse_decimal("9999999999999999999"),
            Some(d("9999999999999999999"))
        );
        assert_eq!(
            parse_decimal("99999999999999999999"),
            Some(d("99999999999999999999"))
        );
    }

    #[test]
    fn trim_is_str_trim() {
        for s in [
            "",
            " ",
            "7.5",
            " 7.5",
            "7.5 ",
            "\t7,5\r",
            "\u{a0}7.5\u{2003}",
            "x",
            "é",
            "é ",
            "\u{85}1",
            "1\u{7f}",
        ] {
            assert_eq!(trim(s), s.trim(), "{s:?}");
        }
    }

    #[test]
    fn parse_rejects_garbage() {
        for bad in [
            "",
            " ",
            "abc",
            "1.2.3",
            "1,2,3",
            "--1",
            "1-",
            ".",
            "7 50",
            "1 00",
            "€",
            "EUR",
            "1 000 €€",
            "12 345 6",
            "1,5 0 €",
        ] {
            assert!(parse_decimal(bad).is_none(), "{bad:?}");
        }
        // A spreadsheet's amounts (issue 21): a euro sign, groups of three.
        assert_eq!(parse_decimal("7.5€"), Some(d("7.5")));
        assert_eq!(parse_decimal("1 000"), Some(d("1000")));
        assert_eq!(parse_decimal("12 345 678,9 EUR"), Some(d("12345678.9")));
        assert_eq!(parse_decimal(".5"), Some(d("0.5")));
        assert_eq!(parse_decimal("-3"), Some(d("-3")));
    }
}
