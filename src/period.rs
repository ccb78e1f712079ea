//! Half-open validity periods `[from, to)`.

use chrono::NaiveDate;
use std::fmt;

/// A half-open validity period: valid on `from`, valid up to but not on
/// `to`; `to = None` is open-ended.
///
/// ```
/// use kine_tarif::Period;
/// use chrono::NaiveDate;
/// let d = |s: &str| s.parse::<NaiveDate>().unwrap();
/// let p = Period::new(d("2024-02-22"), Some(d("2026-01-01")));
/// assert!(p.contains(d("2024-02-22")));
/// assert!(p.contains(d("2025-12-31")));
/// assert!(!p.contains(d("2026-01-01")));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Period {
    /// First day of validity.
    pub from: NaiveDate,
    /// First day no longer valid; `None` = still open.
    pub to: Option<NaiveDate>,
}

impl Period {
    /// A period `[from, to)`.
    pub const fn new(from: NaiveDate, to: Option<NaiveDate>) -> Period {
        Period { from, to }
    }

    /// Whether `date` falls in the period.
    #[inline]
    pub fn contains(&self, date: NaiveDate) -> bool {
        date >= self.from && self.to.is_none_or(|t| date < t)
    }

    /// Whether two periods share at least one day.
    pub fn overlaps(&self, other: &Period) -> bool {
        let a_before_b = self.to.is_some_and(|t| t <= other.from);
        let b_before_a = other.to.is_some_and(|t| t <= self.from);
        !(a_before_b || b_before_a)
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.to {
            Some(to) => write!(f, "[{}, {})", self.from, to),
            None => write!(f, "[{}, …)", self.from),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn overlap_is_half_open() {
        let a = Period::new(d("2024-02-22"), Some(d("2026-01-01")));
        let b = Period::new(d("2026-01-01"), None);
        assert!(!a.overlaps(&b));
        assert!(!b.overlaps(&a));
        let c = Period::new(d("2025-12-31"), None);
        assert!(a.overlaps(&c) && c.overlaps(&a));
        let open = Period::new(d("2012-07-15"), None);
        assert!(open.overlaps(&b));
    }
}
