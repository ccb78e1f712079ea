//! How texts for people write dates, periods, numbers and amounts: the
//! French way (`01/06/2026`, `du 22/02/2024 au 27/05/2026`, `9,79`,
//! `17,90 €`). Codes, column names, JSON keys and the CSV/JSONL output keep
//! their machine forms (ISO dates, dot decimals); only messages, `explain`
//! and summaries go through here.
//!
//! Each wrapper is a [`Display`](fmt::Display), to use inside `format!`
//! without an intermediate string:
//!
//! ```
//! use chrono::NaiveDate;
//! use kine_tarif::Period;
//! use kine_tarif::fr::{Date, Eur, Num, Span};
//! let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
//! let p = Period { from: d("2024-02-22"), to: Some(d("2026-05-28")) };
//! assert_eq!(Span(&p).to_string(), "du 22/02/2024 au 27/05/2026");
//! let open = Period { from: d("2024-02-22"), to: None };
//! assert_eq!(Span(&open).to_string(), "à partir du 22/02/2024");
//! assert_eq!(Date(d("2026-06-01")).to_string(), "01/06/2026");
//! assert_eq!(Num("9.790".parse().unwrap()).to_string(), "9,79");
//! assert_eq!(Eur("17.9".parse().unwrap()).to_string(), "17,90\u{a0}€");
//! ```

use std::fmt;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::Period;
use crate::money::format_euros;

/// A date as `JJ/MM/AAAA`.
#[derive(Debug, Clone, Copy)]
pub struct Date(pub NaiveDate);

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.format("%d/%m/%Y"))
    }
}

/// A half-open period as a reader says it: its last day is the day before
/// its end (`[2024-02-22, 2026-05-28)` is "du 22/02/2024 au 27/05/2026");
/// an open one is "à partir du …"; a one-day period is "le …".
#[derive(Debug, Clone, Copy)]
pub struct Span<'a>(pub &'a Period);

impl fmt::Display for Span<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let from = self.0.from;
        match self.0.to.and_then(|to| to.pred_opt()) {
            None => write!(f, "à partir du {}", Date(from)),
            Some(last) if last <= from => write!(f, "le {}", Date(from)),
            Some(last) => write!(f, "du {} au {}", Date(from), Date(last)),
        }
    }
}

/// A number with a decimal comma and no trailing zeros (`9,79`, `7,5`,
/// `10`).
#[derive(Debug, Clone, Copy)]
pub struct Num(pub Decimal);

impl fmt::Display for Num {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = self.0.normalize().to_string();
        f.write_str(&text.replace('.', ","))
    }
}

/// An amount in euros: two decimals (more when it has more), a decimal
/// comma, narrow no-break spaces between thousands, then ` €`
/// ([`format_euros`]).
#[derive(Debug, Clone, Copy)]
pub struct Eur(pub Decimal);

impl fmt::Display for Eur {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format_euros(self.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn one_day_and_edges() {
        let p = Period {
            from: d("2026-01-01"),
            to: Some(d("2026-01-02")),
        };
        assert_eq!(Span(&p).to_string(), "le 01/01/2026");
        assert_eq!(Num(Decimal::ZERO).to_string(), "0");
        assert_eq!(Num("-0.50".parse().unwrap()).to_string(), "-0,5");
        assert_eq!(Date(d("2024-12-31")).to_string(), "31/12/2024");
    }
}
