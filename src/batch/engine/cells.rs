//! The cells of an output row: what columns 6 to 11 show for a pricing
//! (keyed so lines priced alike share their text), the echoed input
//! fields, and CSV quoting.

use rust_decimal::Decimal;

use crate::money::{is_money_text, push_decimal, push_money, push_u64};
use crate::rules::Ctx;
use crate::{LineStatus, Priced};

use super::*;

/// What columns 6 to 11 (code, coefficient, act, unit value, quantity,
/// amount) show, exactly as represented (7.5 and 7.50 differ): lines with
/// the same key have the same text there (for lines priced without the
/// pricing cache).
#[derive(Clone, Copy)]
pub(super) struct PricedKey {
    pub(super) code: &'static str,
    pub(super) act: *const u8,
    /// The four decimals' representations (`Decimal::serialize`).
    pub(super) numbers: [u128; 4],
    pub(super) present: u8,
}

impl PartialEq for PricedKey {
    /// Field by field, the numbers without a branch each.
    fn eq(&self, other: &PricedKey) -> bool {
        let n = self
            .numbers
            .iter()
            .zip(&other.numbers)
            .fold(0, |acc, (a, b)| acc | (a ^ b));
        n == 0
            && std::ptr::eq(self.code, other.code)
            && self.act == other.act
            && self.present == other.present
    }
}

impl PricedKey {
    /// The key of a priced line's cells; `None` for a line not priced.
    pub(super) fn of(c: &Cells<'_>) -> Option<PricedKey> {
        let quantity = c.quantity.ok()?;
        let d = |x: Option<Decimal>| x.map_or(0, |d| u128::from_le_bytes(d.serialize()));
        Some(PricedKey {
            code: c.code,
            act: c.act.as_ptr(),
            numbers: [
                d(c.coefficient),
                d(c.unit),
                u128::from_le_bytes(quantity.serialize()),
                d(c.amount),
            ],
            present: u8::from(c.coefficient.is_some())
                | u8::from(c.unit.is_some()) << 1
                | u8::from(c.amount.is_some()) << 2
                | u8::from(c.act.is_empty()) << 3,
        })
    }

    pub(super) fn slot(&self) -> usize {
        let mut h = self.code.len() as u64 ^ (self.act as u64);
        for &n in &self.numbers {
            h = (h.rotate_left(7) ^ n as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        }
        (h >> 58) as usize
    }
}

/// What identifies the text of a priced line's columns 6 to 11: the
/// pricing cache's entry it was priced as ([`Work::entry`], nothing to
/// work out), or else its [`PricedKey`].
#[derive(Clone, Copy, PartialEq)]
pub(super) enum CellsKey {
    Entry(u64),
    Priced(PricedKey),
}

impl CellsKey {
    /// The key of a line's cells; `None` for a line not priced.
    pub(super) fn of(w: &Work<'_>, priced: Option<&Priced<'_>>, c: &Cells<'_>) -> Option<CellsKey> {
        match priced.and(w.entry) {
            Some(e) => Some(CellsKey::Entry(e)),
            None => PricedKey::of(c).map(CellsKey::Priced),
        }
    }

    /// Its place in a cache of 64.
    pub(super) fn slot(&self) -> usize {
        match self {
            CellsKey::Entry(e) => *e as usize % 64,
            CellsKey::Priced(k) => k.slot(),
        }
    }
}

/// What a line's output columns show, before formatting.
pub(super) struct Cells<'w> {
    pub(super) row: u64,
    pub(super) status: LineStatus,
    /// The letter key priced (empty when the line was not priced).
    pub(super) code: &'static str,
    pub(super) coefficient: Option<Decimal>,
    pub(super) act: &'w str,
    pub(super) unit: Option<Decimal>,
    /// The quantity read, or the field as given when it does not parse.
    pub(super) quantity: Result<Decimal, &'w str>,
    pub(super) amount: Option<Decimal>,
    /// The billed amount read, or the field as given when it does not parse.
    pub(super) billed: Result<Decimal, &'w str>,
    /// `Some` with `--reprice-at`: the line at the other date, if it can be.
    pub(super) repriced: Option<Option<Repriced>>,
    /// With a coverage column: AMO rate, AMO amount, patient's share,
    /// franchise ([`super::shares`]).
    pub(super) shares: Option<super::shares::Shares>,
}

/// Where a column's text comes from, for quoting: numbers and codes never
/// need quotes; fields echoed from the input need them only when the input
/// was not plain comma-separated CSV (a plain field holds no comma, quote
/// or line break); the act id and the messages are always checked.
#[derive(Clone, Copy, PartialEq)]
pub(super) enum Text {
    Safe,
    Echo,
    Check,
}

pub(super) const COLUMN_TEXT: [Text; 25] = {
    use Text::{Check, Echo, Safe};
    [
        Safe, Echo, Echo, Echo, Echo, Echo, Safe, Safe, Check, Safe, Echo, Safe, Echo, Safe, Safe,
        Check, Safe, Safe, Safe, Safe, Safe, Safe, Safe, Safe, Safe,
    ]
};

/// Writes the text of output column `k` (see [`OUTPUT_COLUMNS`] and
/// [`REPRICE_COLUMNS`]), unquoted.
#[inline(always)]
pub(super) fn column(k: usize, c: &Cells<'_>, w: &Work<'_>, ctx: &Ctx<'_>, out: &mut Vec<u8>) {
    let opt_decimal = |out: &mut Vec<u8>, d: Option<Decimal>| {
        if let Some(d) = d {
            push_decimal(out, d);
        }
    };
    let opt_money = |out: &mut Vec<u8>, d: Option<Decimal>| {
        if let Some(d) = d {
            push_money(out, d);
        }
    };
    let repriced = c.repriced.as_ref().and_then(|r| r.as_ref());
    match k {
        0 => push_u64(out, c.row),
        1 => out.extend_from_slice(ctx.invoice_id.as_bytes()),
        2 => out.extend_from_slice(ctx.patient_id.as_bytes()),
        3 => out.extend_from_slice(w.fields.date.as_bytes()),
        4 => out.extend_from_slice(w.fields.code.as_bytes()),
        5 => out.extend_from_slice(w.fields.coefficient.as_bytes()),
        6 => out.extend_from_slice(c.code.as_bytes()),
        7 => opt_decimal(out, c.coefficient),
        8 => out.extend_from_slice(c.act.as_bytes()),
        9 => opt_money(out, c.unit),
        10 => match c.quantity {
            Ok(q) => push_decimal(out, q),
            Err(s) => out.extend_from_slice(s.as_bytes()),
        },
        11 => opt_money(out, c.amount),
        12 => match c.billed {
            // Usually written as it would be written back: echoed.
            Ok(_) if is_money_text(w.fields.billed.as_bytes()) => {
                out.extend_from_slice(w.fields.billed.as_bytes());
            }
            Ok(b) => push_money(out, b),
            Err(s) => out.extend_from_slice(s.as_bytes()),
        },
        13 => out.extend_from_slice(c.status.as_str().as_bytes()),
        14 => {
            for (i, f) in w.findings.iter().enumerate() {
                if i > 0 {
                    out.push(b';');
                }
                out.extend_from_slice(f.code.as_str().as_bytes());
            }
        }
        15 => {
            for (i, f) in w.findings.iter().enumerate() {
                if i > 0 {
                    out.extend_from_slice(b" | ");
                }
                out.extend_from_slice(f.message.as_bytes());
            }
        }
        16 => {
            if let Some(r) = repriced {
                out.extend_from_slice(r.code.as_str().as_bytes());
            }
        }
        17 => opt_decimal(out, repriced.and_then(|r| r.coefficient)),
        18 => opt_money(out, repriced.map(|r| r.unit)),
        19 => opt_money(out, repriced.map(|r| r.amount)),
        20 => opt_decimal(out, c.shares.map(|s| s.0[0])),
        21..=23 => opt_money(out, c.shares.and_then(|s| s.0.get(k - 20).copied())),
        24 => {
            if let Some((_, Some(p))) = c.shares {
                push_u64(out, u64::from(p));
            }
        }
        _ => {}
    }
}

/// Appends output column `K` to a CSV row, quoted when it must be.
#[inline(always)]
pub(super) fn csv_cell<const K: usize>(
    c: &Cells<'_>,
    w: &Work<'_>,
    ctx: &Ctx<'_>,
    plain_echo: bool,
    buf: &mut Vec<u8>,
) {
    if K > 0 {
        buf.push(b',');
    }
    let at = buf.len();
    column(K, c, w, ctx, buf);
    let text = COLUMN_TEXT[K];
    let check = text == Text::Check || (text == Text::Echo && !plain_echo);
    if check && needs_quotes(&buf[at..]) {
        let text = buf.split_off(at);
        push_field(buf, &text);
    }
}

/// Where `field`, a piece of `data`, starts in it.
pub(super) fn offset(data: &[u8], field: &str) -> usize {
    (field.as_ptr() as usize).wrapping_sub(data.as_ptr() as usize)
}

/// Whether `a` and `b` are pieces of `data` one separator byte apart:
/// fields next to each other in plain CSV, neither empty nor trimmed.
#[inline(always)]
pub(super) fn next_to(data: &[u8], a: &str, b: &str) -> bool {
    !a.is_empty() && offset(data, a).wrapping_add(a.len() + 1) == offset(data, b)
}

/// Appends the fields `f` of plain CSV as cells (each after a comma),
/// unquoted; a run of fields next to each other in `data` is one copy.
#[inline(always)]
pub(super) fn echo_fields<const N: usize>(buf: &mut Vec<u8>, data: &[u8], f: [&str; N]) {
    // Each pair looked at (no early exit: N is 2 or 3, unrolled).
    let mut adjacent = true;
    for k in 1..N {
        adjacent &= next_to(data, f[k - 1], f[k]);
    }
    if adjacent
        && let Some(run) = data.get(offset(data, f[0])..offset(data, f[N - 1]) + f[N - 1].len())
    {
        buf.push(b',');
        buf.extend_from_slice(run);
        return;
    }
    for field in f {
        buf.push(b',');
        buf.extend_from_slice(field.as_bytes());
    }
}

/// Whether a CSV field must be quoted: it holds a comma, a quote or a line
/// break (what the csv crate does by default).
pub(super) fn needs_quotes(field: &[u8]) -> bool {
    field
        .iter()
        .any(|&b| matches!(b, b',' | b'"' | b'\n' | b'\r'))
}

/// A CSV field, quoted when it must be.
pub(super) fn push_field(buf: &mut Vec<u8>, field: &[u8]) {
    if needs_quotes(field) {
        buf.push(b'"');
        for &b in field {
            if b == b'"' {
                buf.push(b'"');
            }
            buf.push(b);
        }
        buf.push(b'"');
    } else {
        buf.extend_from_slice(field);
    }
}

#[cfg(test)]
mod tests {
    use super::{RowText, echo_fields};

    #[test]
    fn row_numbers_counted_up_are_row_numbers_written_anew() {
        let mut t = RowText::default();
        // Runs across every change of length, jumps back and forth, a
        // repeated row, and the largest numbers.
        let rows = (1..=1_200)
            .chain(9_990..10_011)
            .chain([5, 6, 6, 99_999, 100_000, 100_001, 7])
            .chain(u64::MAX - 2..=u64::MAX)
            .chain([0, 1]);
        for row in rows {
            assert_eq!(t.of(row), row.to_string().as_bytes(), "{row}");
        }
    }

    #[test]
    fn echoed_fields_are_the_fields_joined_whatever_their_places() {
        let data = b"F1,P1,K1, 2025-01-01,RIM ,7.5,, x ,y".to_vec();
        let text = std::str::from_utf8(&data).unwrap();
        let field = |k: usize| text.split(',').nth(k).unwrap().trim_ascii();
        let whole = |fields: &[&str]| {
            let mut v = Vec::new();
            for f in fields {
                v.push(b',');
                v.extend_from_slice(f.as_bytes());
            }
            v
        };
        let cases: [[usize; 3]; 6] = [
            [0, 1, 2],
            [3, 4, 5],
            [5, 6, 7],
            [6, 7, 8],
            [1, 0, 2],
            [2, 3, 4],
        ];
        for ks in cases {
            let fields = ks.map(field);
            let mut buf = Vec::new();
            echo_fields(&mut buf, &data, fields);
            assert_eq!(buf, whole(&fields), "{ks:?}");
        }
        // A field that is not a piece of the data (an empty default).
        let mut buf = Vec::new();
        echo_fields(&mut buf, &data, [field(0), ""]);
        assert_eq!(buf, b",F1,");
        // Next to each other: one piece, separator included.
        let mut buf = Vec::new();
        echo_fields(&mut buf, &data, [field(0), field(1), field(2)]);
        assert_eq!(buf, b",F1,P1,K1");
    }
}
