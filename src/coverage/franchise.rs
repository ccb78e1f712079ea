//! The franchise's caps over a patient's lines: each line's franchise
//! ([`super::Split::franchise`]) is charged in order until the daily cap
//! (2 €, then 4 € from 2024-03-31) and the yearly cap (50 € a calendar
//! year) are reached.
//!
//! What can be seen here is this practitioner's lines (and the history's):
//! the yearly cap is shared with medicines, transport and the other
//! auxiliaries, which only the caisse sees. So the amount is the franchise
//! *at most* due for these acts, shown as information; the caisse deducts
//! the real one later, never from the invoice.
//!
//! ```
//! use chrono::NaiveDate;
//! use kine_tarif::coverage::franchise::Caps;
//! use rust_decimal::Decimal;
//! let d = |s: &str| s.parse::<Decimal>().unwrap();
//! // Five sessions the same day in April 2024: 1 € each, capped at 4 €.
//! let day = NaiveDate::from_ymd_opt(2024, 4, 2).unwrap();
//! let mut caps = Caps::new(Decimal::ZERO);
//! let charged: Vec<Decimal> = (0..5).map(|_| caps.charge(day, d("1.00"))).collect();
//! assert_eq!(charged, [d("1.00"), d("1.00"), d("1.00"), d("1.00"), d("0.00")]);
//! ```

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;

use super::Table;

/// The running totals of one patient's franchise.
#[derive(Debug, Clone)]
pub struct Caps<'t> {
    table: &'t Table,
    day: Option<NaiveDate>,
    used_day: Decimal,
    year: Option<i32>,
    used_year: Decimal,
}

impl Caps<'static> {
    /// Caps with the embedded table; `used_year` is the franchise already
    /// charged this calendar year that the caller knows of (from the
    /// history), before the first line charged.
    pub fn new(used_year: Decimal) -> Caps<'static> {
        Caps::with_table(Table::embedded(), used_year)
    }
}

impl<'t> Caps<'t> {
    /// Caps with `table`.
    pub fn with_table(table: &'t Table, used_year: Decimal) -> Caps<'t> {
        Caps {
            table,
            day: None,
            used_day: Decimal::ZERO,
            year: None,
            used_year,
        }
    }

    /// Charges a line's franchise on `date` (lines in date order): what is
    /// left of it under the day's and the year's caps, to the cent. A new
    /// day starts the day's total again; a new year the year's (the
    /// `used_year` given at the start counts for the first year only).
    pub fn charge(&mut self, date: NaiveDate, franchise: Decimal) -> Decimal {
        if self.day != Some(date) {
            self.day = Some(date);
            self.used_day = Decimal::ZERO;
        }
        if self.year.is_some_and(|y| y != date.year()) {
            self.used_year = Decimal::ZERO;
        }
        self.year = Some(date.year());
        let left = |parameter_case: &str, used: Decimal| {
            self.table
                .at("franchise", parameter_case, date)
                .map(|r| (r.value - used).max(Decimal::ZERO))
        };
        let mut charged = franchise.max(Decimal::ZERO);
        for cap in [
            left("daily_cap", self.used_day),
            left("yearly_cap", self.used_year),
        ]
        .into_iter()
        .flatten()
        {
            charged = charged.min(cap);
        }
        let mut charged = crate::money::round_to_cent(charged);
        charged.rescale(2);
        self.used_day = self.used_day.saturating_add(charged);
        self.used_year = self.used_year.saturating_add(charged);
        charged
    }

    /// Caps one patient's lines: `lines` holds each line's date and
    /// franchise (in any order; the franchise is replaced by what is
    /// charged), `past` the acts already charged (a history's). They are
    /// charged in date order, the past first within a day, a day's lines
    /// in the order given.
    pub fn cap_patient(
        table: &'t Table,
        mut past: Vec<(NaiveDate, Decimal)>,
        lines: &mut [(NaiveDate, Decimal)],
    ) {
        past.sort_by_key(|(d, _)| *d);
        let mut order: Vec<usize> = (0..lines.len()).collect();
        order.sort_by_key(|&i| lines.get(i).map(|l| l.0));
        let mut caps = Caps::with_table(table, Decimal::ZERO);
        let mut past = past.into_iter().peekable();
        for i in order {
            let Some((date, franchise)) = lines.get_mut(i) else {
                continue;
            };
            while let Some((d, f)) = past.next_if(|(d, _)| d <= date) {
                caps.charge(d, f);
            }
            *franchise = caps.charge(*date, *franchise);
        }
    }

    /// The franchise charged on the current year so far (given and
    /// charged).
    pub fn used_year(&self) -> Decimal {
        self.used_year
    }
}
