//! Reading one invoice row: columns by name, fields parsed from bytes
//! without detours through owned strings, every problem a finding.

use crate::coverage::{Coverage, Exoneration, Regime, TiersPayant};
use chrono::{NaiveDate, NaiveTime};
use rust_decimal::Decimal;

use super::{REQUIRED_COLUMNS, split};
use crate::bounds;
use crate::money::parse_decimal;
use crate::rules::Ctx;
use crate::{Code, Error, Finding, FindingCode, InvoiceLine, Territory};

/// Where the known columns are in the header.
#[derive(Debug, Clone)]
pub(crate) struct Columns {
    /// Column position → slot in [`Slots`] ([`NO_SLOT`] for a column no
    /// rule reads).
    pub slots: Vec<u8>,
    /// Position of `practitioner_id`, the unit the rules split by.
    pub practitioner_id: Option<usize>,
    /// A coverage column is there (`regime`, `exoneration`,
    /// `tiers_payant`): the output has the split columns.
    pub split: bool,
}

impl Columns {
    /// Finds the known columns by name (case-insensitive, a UTF-8 BOM
    /// ignored); a missing required column stops the work.
    pub fn from_headers(h: &csv::ByteRecord) -> Result<Columns, Error> {
        let find = |name: &str| {
            h.iter().position(|f| {
                let f = f.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(f);
                f.trim_ascii().eq_ignore_ascii_case(name.as_bytes())
            })
        };
        let mut slots = vec![NO_SLOT; h.len()];
        for (slot, name) in SLOT_NAMES.iter().enumerate() {
            match find(name) {
                Some(i) => slots[i] = slot as u8,
                None if REQUIRED_COLUMNS.contains(name) => {
                    return Err(Error::MissingColumn(name.to_string()));
                }
                None => {}
            }
        }
        Ok(Columns {
            split: [slot::REGIME, slot::EXONERATION, slot::TIERS_PAYANT]
                .iter()
                .any(|&s| find(SLOT_NAMES[s]).is_some()),
            slots,
            practitioner_id: find(SLOT_NAMES[slot::PRACTITIONER_ID]),
        })
    }
}

/// The known columns, in the order their fields are read (and their
/// non-UTF-8 findings reported).
pub(crate) const SLOT_NAMES: [&str; SLOTS] = [
    "invoice_id",
    "patient_id",
    "practitioner_id",
    "department",
    "prescription_id",
    "prescription_date",
    "prescriber_id",
    "session",
    "telesoin",
    "patient_birth_date",
    "distance_km",
    "discharge_date",
    "trip_id",
    "time",
    "call_time",
    "date",
    "code",
    "coefficient",
    "quantity",
    "billed_amount",
    "act_id",
    "patient_nir",
    "practitioner_number",
    "prescriber_number",
    "regime",
    "exoneration",
    "tiers_payant",
];

/// Slot numbers of the known columns (see [`SLOT_NAMES`]).
pub(crate) mod slot {
    pub const INVOICE_ID: usize = 0;
    pub const PATIENT_ID: usize = 1;
    pub const PRACTITIONER_ID: usize = 2;
    pub const DEPARTMENT: usize = 3;
    pub const PRESCRIPTION_ID: usize = 4;
    pub const PRESCRIPTION_DATE: usize = 5;
    pub const PRESCRIBER_ID: usize = 6;
    pub const SESSION: usize = 7;
    pub const TELESOIN: usize = 8;
    pub const PATIENT_BIRTH_DATE: usize = 9;
    pub const DISTANCE_KM: usize = 10;
    pub const DISCHARGE_DATE: usize = 11;
    pub const TRIP_ID: usize = 12;
    pub const TIME: usize = 13;
    pub const CALL_TIME: usize = 14;
    pub const DATE: usize = 15;
    pub const CODE: usize = 16;
    pub const COEFFICIENT: usize = 17;
    pub const QUANTITY: usize = 18;
    pub const BILLED_AMOUNT: usize = 19;
    pub const ACT_ID: usize = 20;
    pub const PATIENT_NIR: usize = 21;
    pub const PRACTITIONER_NUMBER: usize = 22;
    pub const PRESCRIBER_NUMBER: usize = 23;
    pub const REGIME: usize = 24;
    pub const EXONERATION: usize = 25;
    pub const TIERS_PAYANT: usize = 26;
}

/// Number of known columns.
pub(crate) const SLOTS: usize = 27;

/// Marks a column no rule reads: its field goes to a last, unread slot
/// (one store instead of a test per field).
pub(crate) const NO_SLOT: u8 = SLOTS as u8;

/// The known fields of one row as trimmed text, read in one pass over its
/// fields; a missing field is empty. (One more slot than known fields: see
/// [`NO_SLOT`].)
pub(crate) type Slots<'b> = [&'b str; SLOTS + 1];

/// Where a row's fields are, as [`fill_slots`] reads them.
pub(crate) enum RowFields<'a> {
    /// Fields packed one after the other (the csv crate's records): the
    /// end offset of each in `data`, and the start of the first; each next
    /// one starts where the previous ends.
    Ends { ends: &'a [u32], start: usize },
    /// A line of plain CSV, `data[start..end]` without its line end, cut
    /// at `delimiter` while it is read ([`split::each_field`]).
    Line {
        start: usize,
        end: usize,
        delimiter: u8,
    },
}

/// Fills the slots of a row from its fields, and reports a row shorter
/// than the header (`headers` fields): its missing fields read as empty.
/// `text` is `data` as text when the whole buffer was checked to be UTF-8
/// (fields are cut at ASCII bytes, so each range is text too); otherwise
/// each field is checked, and a non-UTF-8 field becomes a finding and
/// reads as empty.
pub(crate) fn fill_slots<'b>(
    row: RowFields<'_>,
    data: &'b [u8],
    text: Option<&'b str>,
    (map, headers): (&[u8], usize),
    pre: &mut Vec<Finding>,
) -> Slots<'b> {
    let mut slots: Slots<'b> = [""; SLOTS + 1];
    let mut bad = 0u32;
    let mut put = |k: usize, start: usize, end: usize| {
        // An empty field stays "" (as most optional fields are), and so
        // does a column past the header.
        let Some(&slot) = map.get(k) else { return };
        if end <= start {
            return;
        }
        slots[slot as usize] = match text {
            Some(t) => t.get(start..end).map_or("", trim),
            None => match data
                .get(start..end)
                .map(|f| std::str::from_utf8(f.trim_ascii()))
            {
                Some(Ok(s)) => s,
                _ => {
                    bad |= 1 << slot;
                    ""
                }
            },
        };
    };
    let n = match row {
        RowFields::Ends { ends, start } => {
            let mut start = start;
            for (k, &end) in ends.iter().enumerate() {
                put(k, start, end as usize);
                start = end as usize;
            }
            ends.len()
        }
        RowFields::Line {
            start,
            end,
            delimiter,
        } => split::each_field(data, (start, end), delimiter, put),
    };
    if n < headers {
        pre.push(Finding::new(
            FindingCode::InvalidField,
            format!(
                "ligne de {n} champs, l'en-tête en a {headers} : champs manquants lus comme vides."
            ),
        ));
    }
    if bad != 0 {
        for (slot, name) in SLOT_NAMES.iter().enumerate() {
            if bad & (1 << slot) != 0 {
                pre.push(Finding::new(
                    FindingCode::InvalidField,
                    format!("colonne {name} : texte non UTF-8."),
                ));
            }
        }
    }
    slots
}

/// `str::trim_ascii`, after one look at the two end bytes: ASCII
/// whitespace is at most `b' '`, and fields seldom start or end with it.
fn trim(s: &str) -> &str {
    match s.as_bytes() {
        [first, .., last] if *first > b' ' && *last > b' ' => s,
        [only] if *only > b' ' => s,
        _ => s.trim_ascii(),
    }
}

/// `YYYY-MM-DD` (or `JJ/MM/AAAA`), digits only, straight from the bytes.
pub(crate) fn parse_date(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    if b.len() != 10 {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        b[r].iter().try_fold(0u32, |acc, &c| {
            c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
        })
    };
    if b[4] == b'-' && b[7] == b'-' {
        NaiveDate::from_ymd_opt(num(0..4)? as i32, num(5..7)?, num(8..10)?)
    } else if b[2] == b'/' && b[5] == b'/' {
        // JJ/MM/AAAA, as a French spreadsheet writes it.
        NaiveDate::from_ymd_opt(num(6..10)? as i32, num(3..5)?, num(0..2)?)
    } else {
        None
    }
}

/// The dates of recent lines by their text: a batch has a few hundred
/// distinct dates for millions of lines, and building a `NaiveDate` costs
/// more than finding it again. A slot holds a text and what
/// [`parse_date`] made of it (ten NUL bytes, which it rejects, to begin
/// with); a year's dates each have their own.
pub(crate) struct DateMemo {
    slots: Vec<(u64, u16, Option<NaiveDate>)>,
}

impl Default for DateMemo {
    fn default() -> DateMemo {
        DateMemo {
            slots: vec![(0, 0, None); 512],
        }
    }
}

impl DateMemo {
    /// [`parse_date`], from the memo when `s` was seen recently.
    // Inlined into the engine's loop (measured: out of line, +1 % instructions a line).
    #[inline(always)]
    pub fn parse(&mut self, s: &str) -> Option<NaiveDate> {
        let b = s.as_bytes();
        let (Some(head), Some(tail), 10) = (b.get(..8), b.get(8..10), b.len()) else {
            return parse_date(s);
        };
        let head = u64::from_le_bytes(head.try_into().unwrap_or_default());
        let tail = u16::from_le_bytes(tail.try_into().unwrap_or_default());
        // One slot per month and day (`MM` × 32 + `DD` for a date),
        // whatever the bytes are.
        let digits = |i: usize| usize::from(b[i].wrapping_sub(b'0'));
        let month = digits(5) * 10 + digits(6);
        let day = digits(8) * 10 + digits(9);
        let slot = &mut self.slots[(month * 32 + day) % 512];
        if slot.0 != head || slot.1 != tail {
            *slot = (head, tail, parse_date(s));
        }
        slot.2
    }
}

/// The priced fields of recent lines (code, coefficient, quantity,
/// département, billed amount) by their text, and what they read as: a
/// batch repeats a few hundred such combinations over millions of lines.
/// Only combinations that read without a finding are kept. A key is each
/// field's bytes as a little-endian word (fields of up to eight bytes,
/// the usual; longer ones are read every time) and their lengths.
pub(crate) struct FieldsMemo {
    slots: Vec<Option<([u64; 6], ReadFields)>>,
}

/// What the fields of a [`FieldsMemo`] key read as.
#[derive(Clone, Copy)]
struct ReadFields {
    code: Code,
    coefficient: Option<Decimal>,
    quantity: Decimal,
    territory: Territory,
    billed_amount: Option<Decimal>,
}

impl Default for FieldsMemo {
    fn default() -> FieldsMemo {
        FieldsMemo {
            slots: vec![None; 256],
        }
    }
}

impl FieldsMemo {
    /// The key of five fields, pieces of `data` (or empty); `None` when
    /// one is longer than eight bytes.
    #[inline(always)]
    fn key(data: &[u8], f: [&str; 5]) -> Option<[u64; 6]> {
        let mut key = [0u64; 6];
        for (k, field) in f.iter().enumerate() {
            let n = field.len();
            if n > 8 {
                return None;
            }
            key[5] |= (n as u64) << (8 * k);
            if n == 0 {
                continue;
            }
            // The eight bytes from the field's first one, when `data` has
            // them there (the same memory as the field's), else a copy.
            let at = (field.as_ptr() as usize).wrapping_sub(data.as_ptr() as usize);
            let word = match data.get(at..).and_then(|d| d.get(..8)) {
                Some(w) => u64::from_le_bytes(w.try_into().unwrap_or_default()),
                None => {
                    let mut w = [0u8; 8];
                    w[..n].copy_from_slice(field.as_bytes());
                    u64::from_le_bytes(w)
                }
            };
            key[k] = word & (u64::MAX >> (64 - 8 * n));
        }
        Some(key)
    }

    fn slot(key: &[u64; 6]) -> usize {
        let h = key.iter().fold(0u64, |h, &w| {
            (h.rotate_left(5) ^ w).wrapping_mul(0x9e37_79b9_7f4a_7c15)
        });
        (h >> 56) as usize
    }
}

/// An optional date field: `None` when empty (most lines: asked where it
/// is read, the rest out of line), else [`read_date`].
#[inline(always)]
fn opt_date(s: &str, name: &str, pre: &mut Vec<Finding>) -> Option<NaiveDate> {
    if s.is_empty() {
        None
    } else {
        read_date(s, name, pre)
    }
}

/// A date field, or a finding.
#[inline(never)]
fn read_date(s: &str, name: &str, pre: &mut Vec<Finding>) -> Option<NaiveDate> {
    let d = parse_date(s);
    if d.is_none() {
        pre.push(Finding::new(
            FindingCode::InvalidField,
            format!("colonne {name} : {s:?} illisible, attendu AAAA-MM-JJ ou JJ/MM/AAAA."),
        ));
    }
    d
}

/// An optional time field: `None` when empty, else [`read_time`].
#[inline(always)]
fn opt_time(s: &str, name: &str, pre: &mut Vec<Finding>) -> Option<NaiveTime> {
    if s.is_empty() {
        None
    } else {
        read_time(s, name, pre)
    }
}

/// A time field, `HH:MM` or `HH:MM:SS`, or a finding.
#[inline(never)]
fn read_time(s: &str, name: &str, pre: &mut Vec<Finding>) -> Option<NaiveTime> {
    let t = NaiveTime::parse_from_str(s, "%H:%M")
        .or_else(|_| NaiveTime::parse_from_str(s, "%H:%M:%S"))
        .ok();
    if t.is_none() {
        pre.push(Finding::new(
            FindingCode::InvalidField,
            format!("colonne {name} : {s:?} illisible, attendu une heure HH:MM."),
        ));
    }
    t
}

/// An optional number field: `Ok(None)` when empty, `Ok(Some(_))` when it
/// parses and passes `valid`, `Err(())` (and a finding) otherwise.
fn number(
    s: &str,
    name: &str,
    expected: &str,
    valid: impl Fn(Decimal) -> bool,
    pre: &mut Vec<Finding>,
) -> Result<Option<Decimal>, ()> {
    if s.is_empty() {
        return Ok(None);
    }
    match parse_decimal(s).filter(|d| valid(*d)) {
        Some(d) => Ok(Some(d)),
        None => {
            pre.push(Finding::new(
                FindingCode::InvalidField,
                format!("colonne {name} : {s:?} refusé, {expected}."),
            ));
            Err(())
        }
    }
}

pub(crate) fn opt(s: &str) -> Option<&str> {
    (!s.is_empty()).then_some(s)
}

/// The rule context of a row, borrowed from its fields.
// Inlined into the batch engine's loop, its one hot caller (measured:
// the history's import and checker calling it too made the inliner keep
// it out of line, +5 % instructions a line).
#[inline(always)]
pub(crate) fn context<'b>(f: &Slots<'b>, pre: &mut Vec<Finding>) -> Ctx<'b> {
    let invoice_id = f[slot::INVOICE_ID];
    let patient_id = f[slot::PATIENT_ID];
    let practitioner_id = f[slot::PRACTITIONER_ID];
    let department = f[slot::DEPARTMENT];
    let prescription = f[slot::PRESCRIPTION_ID];
    let prescription_date = f[slot::PRESCRIPTION_DATE];
    let prescriber = f[slot::PRESCRIBER_ID];
    let session = f[slot::SESSION];
    let telesoin = f[slot::TELESOIN];
    let birth = f[slot::PATIENT_BIRTH_DATE];
    let distance = f[slot::DISTANCE_KM];
    let discharge = f[slot::DISCHARGE_DATE];
    let trip = f[slot::TRIP_ID];
    let time = f[slot::TIME];
    let call_time = f[slot::CALL_TIME];
    let (nir, own_number, prescriber_number) = (
        f[slot::PATIENT_NIR],
        f[slot::PRACTITIONER_NUMBER],
        f[slot::PRESCRIBER_NUMBER],
    );
    if !(nir.is_empty() && own_number.is_empty() && prescriber_number.is_empty()) {
        crate::rules::numbers::check(opt(nir), opt(own_number), opt(prescriber_number), pre);
    }
    let cov = [f[slot::REGIME], f[slot::EXONERATION], f[slot::TIERS_PAYANT]];
    let coverage = if cov.iter().all(|s| s.is_empty()) {
        crate::coverage::Coverage::default()
    } else {
        coverage(cov, pre)
    };
    let telesoin = match telesoin {
        "" | "0" => false,
        "1" => true,
        other => match other.to_ascii_lowercase().as_str() {
            "false" | "no" | "non" | "n" => false,
            "true" | "yes" | "oui" | "o" | "y" | "x" => true,
            _ => {
                pre.push(Finding::new(
                    FindingCode::InvalidField,
                    format!("colonne telesoin : {other:?} illisible, attendu 1 ou 0 (oui ou non)."),
                ));
                false
            }
        },
    };
    let distance_km = number(
        distance,
        "distance_km",
        bounds::KILOMETRES_EXPECTED,
        |d| bounds::is_kilometres(d, false),
        pre,
    )
    .ok()
    .flatten();
    Ctx {
        invoice_id,
        patient_id,
        practitioner_id,
        department: opt(department),
        prescription_id: opt(prescription),
        prescriber_id: opt(prescriber),
        session: opt(session),
        telesoin,
        patient_birth_date: opt_date(birth, "patient_birth_date", pre),
        prescription_date: opt_date(prescription_date, "prescription_date", pre),
        distance_km,
        discharge_date: opt_date(discharge, "discharge_date", pre),
        trip_id: opt(trip),
        time: opt_time(time, "time", pre),
        call_time: opt_time(call_time, "call_time", pre),
        coverage,
    }
}

/// The coverage of a row (`regime`, `exoneration`, `tiers_payant`); a
/// text not recognised is an `INVALID_FIELD` finding and its default.
/// Out of line: a batch without these columns does not carry it.
#[inline(never)]
fn coverage([regime, exoneration, tiers_payant]: [&str; 3], pre: &mut Vec<Finding>) -> Coverage {
    let mut bad = |e: crate::coverage::CoverageError| {
        pre.push(Finding::new(FindingCode::InvalidField, format!("{e}.")))
    };
    Coverage {
        regime: Regime::parse(regime).unwrap_or_else(|e| {
            bad(e);
            Regime::default()
        }),
        exoneration: Exoneration::parse(exoneration).unwrap_or_else(|e| {
            bad(e);
            Exoneration::default()
        }),
        tiers_payant: TiersPayant::parse(tiers_payant).unwrap_or_else(|e| {
            bad(e);
            TiersPayant::default()
        }),
    }
}

/// The priced part of a row; `None` when a field it needs does not parse
/// (reported in `pre`). A bad billed amount is reported but does not stop
/// pricing.
/// The priced fields of a row as read (echoed in the output).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Fields<'b> {
    pub date: &'b str,
    pub code: &'b str,
    pub coefficient: &'b str,
    pub quantity: &'b str,
    pub billed: &'b str,
    /// Priced with the line, borrowed (`InvoiceLine::act_id` stays `None`).
    pub act_id: &'b str,
}

// Inlined into the batch engine's loop, its one hot caller (measured:
// the history's import and checker calling it too made the inliner keep
// it out of line, +5 % instructions a line).
#[inline(always)]
pub(crate) fn invoice_line<'b>(
    (f, data): (&Slots<'b>, &[u8]),
    pre: &mut Vec<Finding>,
    (dates, memo): (&mut DateMemo, &mut FieldsMemo),
) -> (Option<InvoiceLine>, Fields<'b>) {
    let fields = Fields {
        date: f[slot::DATE],
        code: f[slot::CODE],
        coefficient: f[slot::COEFFICIENT],
        quantity: f[slot::QUANTITY],
        billed: f[slot::BILLED_AMOUNT],
        act_id: f[slot::ACT_ID],
    };
    (
        parse_fields(&fields, (f[slot::DEPARTMENT], data), pre, (dates, memo)),
        fields,
    )
}

#[inline(always)]
fn parse_fields(
    fl: &Fields<'_>,
    (dept_s, data): (&str, &[u8]),
    pre: &mut Vec<Finding>,
    (dates, memo): (&mut DateMemo, &mut FieldsMemo),
) -> Option<InvoiceLine> {
    let (date_s, code_s, coef_s, qty_s, billed_s) =
        (fl.date, fl.code, fl.coefficient, fl.quantity, fl.billed);
    let date = dates.parse(date_s);
    if date.is_none() {
        pre.push(Finding::new(
            FindingCode::InvalidField,
            format!("colonne date : {date_s:?} illisible, attendu AAAA-MM-JJ ou JJ/MM/AAAA."),
        ));
    }
    // The other priced fields as they read the last time they were seen.
    let keyed = FieldsMemo::key(data, [code_s, coef_s, qty_s, dept_s, billed_s])
        .map(|key| (key, FieldsMemo::slot(&key)));
    if let Some((key, slot)) = keyed
        && let Some((k, v)) = &memo.slots[slot]
        && k.iter().zip(&key).fold(0, |d, (a, b)| d | (a ^ b)) == 0
    {
        return Some(InvoiceLine {
            date: date?,
            territory: v.territory,
            code: v.code,
            coefficient: v.coefficient,
            quantity: v.quantity,
            act_id: None,
            billed_amount: v.billed_amount,
        });
    }
    let before = pre.len();
    let code = Code::from_bytes(code_s.as_bytes());
    if code.is_none() {
        if code_s.is_empty() {
            pre.push(Finding::new(
                FindingCode::InvalidField,
                "colonne code : vide.",
            ));
        } else {
            pre.push(Finding::new(
                FindingCode::UnknownCode,
                format!("code {code_s:?} inconnu."),
            ));
        }
    }
    // `None` = malformed (reported, stops pricing); `Some(None)` = empty.
    let coefficient = number(
        coef_s,
        "coefficient",
        bounds::COEFFICIENT_EXPECTED,
        bounds::is_coefficient,
        pre,
    )
    .ok();
    // Positive and at most the kilometre bound here; whole units (acts)
    // or kilometres (IK) are told apart by pricing, which knows the code.
    let quantity = number(
        qty_s,
        "quantity",
        bounds::QUANTITY_EXPECTED,
        |q| bounds::is_kilometres(q, true),
        pre,
    )
    .ok()
    .map(|q| q.unwrap_or(Decimal::ONE));
    let territory = if dept_s.is_empty() {
        Some(Territory::Metropole)
    } else {
        match Territory::from_department(dept_s) {
            Ok(t) => Some(t),
            Err(e) => {
                pre.push(Finding::new(
                    FindingCode::InvalidField,
                    format!("colonne department : {e}."),
                ));
                None
            }
        }
    };
    // A bad billed amount is reported but does not stop pricing.
    let billed_amount = number(
        billed_s,
        "billed_amount",
        bounds::BILLED_EXPECTED,
        bounds::is_billed_amount,
        pre,
    )
    .ok()
    .flatten();
    if let (Some((key, slot)), true) = (keyed, pre.len() == before)
        && let (Some(code), Some(coefficient), Some(quantity), Some(territory)) =
            (code, coefficient, quantity, territory)
    {
        let v = ReadFields {
            code,
            coefficient,
            quantity,
            territory,
            billed_amount,
        };
        memo.slots[slot] = Some((key, v));
    }
    Some(InvoiceLine {
        date: date?,
        territory: territory?,
        code: code?,
        coefficient: coefficient?,
        quantity: quantity?,
        act_id: None,
        billed_amount,
    })
}

/// `,` unless the header line has semicolons and no comma.
pub(crate) fn sniff_delimiter(header: &[u8]) -> u8 {
    let line = header.split(|&b| b == b'\n').next().unwrap_or(header);
    if line.contains(&b';') && !line.contains(&b',') {
        b';'
    } else {
        b','
    }
}

#[cfg(test)]
mod tests {
    use super::{DateMemo, Fields, FieldsMemo, parse_date, parse_fields, trim};

    #[test]
    fn the_date_memo_answers_as_parsing_does() {
        // Dates of several years (same month and day, another year: the
        // same slot), impossible days, garbage of the right length, NUL
        // bytes, other lengths; each asked several times in a shuffled
        // order.
        let mut texts: Vec<String> = Vec::new();
        for year in [1999, 2024, 2025, 2026] {
            for month in 0..=13 {
                for day in 0..=32 {
                    texts.push(format!("{year:04}-{month:02}-{day:02}"));
                }
            }
        }
        texts.extend(
            [
                "2025-02-29",
                "2024-02-29",
                "2025/05/01",
                "2025-5-01x",
                "\0\0\0\0\0\0\0\0\0\0",
                "2025-05-1",
                "2025-05-011",
                "",
                "abcdefghij",
                "2025-0é-01",
                "9999-99-99",
                // The same slot as 2025-05-10, other text.
                "2025-05-0:",
            ]
            .map(String::from),
        );
        let mut memo = DateMemo::default();
        let mut x = 1u64;
        for _ in 0..20 * texts.len() {
            x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            let t = &texts[(x >> 33) as usize % texts.len()];
            assert_eq!(memo.parse(t), parse_date(t), "{t:?}");
        }
    }

    #[test]
    fn the_fields_memo_answers_as_parsing_does() {
        // Codes, coefficients, quantities, départements and billed amounts,
        // good and bad, of up to eight bytes and longer (not memoised),
        // some differing in one byte or by a NUL, in a shuffled order; the
        // last line ends at the buffer's end (its fields copied, not
        // loaded as words).
        let codes = ["RIM", "AMK", "IFD", "RIMX", "", "TMK", "ABCDEFGHI"];
        let coefs = ["7.50", "7.5", "10.7", "", "-1", "x", "7.50\0", "12345678.9"];
        let qtys = ["", "2", "0", "1.5"];
        let depts = ["75", "974", "2A", "20", "", "7"];
        let billed = ["16.58", "", "16.5", "abc", "123456789.0"];
        let mut rows: Vec<[&str; 5]> = Vec::new();
        for c in codes {
            for k in coefs {
                for q in qtys {
                    for d in depts {
                        for b in billed {
                            rows.push([c, k, q, d, b]);
                        }
                    }
                }
            }
        }
        let mut data = String::new();
        for r in &rows {
            data.push_str(&r.join(","));
            data.push('\n');
        }
        data.pop();
        // Each row's fields as pieces of `data`.
        let mut pieces: Vec<[&str; 5]> = Vec::new();
        for line in data.split('\n') {
            let f: Vec<&str> = line.split(',').collect();
            pieces.push([f[0], f[1], f[2], f[3], f[4]]);
        }
        let (mut dates, mut memo) = (DateMemo::default(), FieldsMemo::default());
        let read = |f: [&str; 5], dates: &mut DateMemo, memo: &mut FieldsMemo| {
            let fields = Fields {
                date: "2025-03-03",
                code: f[0],
                coefficient: f[1],
                quantity: f[2],
                billed: f[4],
                act_id: "",
            };
            let mut pre = Vec::new();
            let line = parse_fields(&fields, (f[3], data.as_bytes()), &mut pre, (dates, memo));
            (line, pre)
        };
        let mut x = 7u64;
        let (mut priced, mut n) = (0, 0);
        for i in 0..6 * pieces.len() {
            x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            // The last row often, for its end-of-buffer fields.
            let k = if i % 50 == 0 {
                pieces.len() - 1
            } else {
                (x >> 33) as usize % pieces.len()
            };
            let f = pieces[k];
            let fresh = read(f, &mut DateMemo::default(), &mut FieldsMemo::default());
            let memoised = read(f, &mut dates, &mut memo);
            assert_eq!(memoised, fresh, "{f:?}");
            priced += usize::from(fresh.0.is_some());
            n += 1;
        }
        // Both outcomes are exercised.
        assert!(priced > n / 20 && priced < n, "{priced} of {n}");
        // A line read from the memo is the one parsed: RIM 7.50 at 75,
        // billed 16.58.
        let line = read(
            ["RIM", "7.50", "", "75", "16.58"].map(|s| s),
            &mut dates,
            &mut memo,
        );
        let want = "16.58".parse().ok();
        assert_eq!(
            line.0.map(|l| (l.code, l.billed_amount)),
            Some((crate::Code::RIM, want))
        );
    }

    #[test]
    fn trim_is_trim_ascii() {
        for s in [
            "", " ", "\t", "a", " a", "a ", " a ", "\ta\r", "ab", "a b", "\x0Cx\n", "é", " é ",
            "\u{a0}x", "x\u{a0}", "!", "~ ",
        ] {
            assert_eq!(trim(s), s.trim_ascii(), "{s:?}");
        }
    }
}
