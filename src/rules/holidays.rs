//! French public holidays (jours fériés légaux), for the Sunday and public
//! holiday majoration.
//!
//! Code du travail art. L.3133-1: 1 January, Easter Monday, 1 May, 8 May,
//! Ascension, Whit Monday, 14 July, 15 August, 1 November, 11 November,
//! 25 December. Alsace-Moselle (57, 67, 68) adds Good Friday and
//! 26 December (Code du travail art. L.3134-13). The overseas départements
//! add the commemoration of the abolition of slavery (loi n° 83-550 du
//! 30 juin 1983, décret n° 83-1003): Guadeloupe 27 May, Martinique 22 May,
//! Guyane 10 June, La Réunion 20 December, Mayotte 27 April.

use chrono::{Datelike, NaiveDate, Weekday};

/// Easter Sunday of a year (anonymous Gregorian computus), for the years
/// of the Gregorian calendar (1583 on) that chrono can represent; `None`
/// for any other year.
///
/// ```
/// use kine_tarif::rules::holidays::easter;
/// assert_eq!(easter(2024).unwrap().to_string(), "2024-03-31");
/// assert_eq!(easter(2025).unwrap().to_string(), "2025-04-20");
/// assert_eq!(easter(2026).unwrap().to_string(), "2026-04-05");
/// assert_eq!(easter(1000), None);
/// assert_eq!(easter(i32::MAX), None);
/// ```
pub fn easter(year: i32) -> Option<NaiveDate> {
    // Before the Gregorian reform the computus does not apply; past
    // chrono's last year no date exists (and no arithmetic below can
    // overflow within these bounds).
    if !(1583..=NaiveDate::MAX.year()).contains(&year) {
        return None;
    }
    let a = year % 19;
    let b = year / 100;
    let c = year % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    NaiveDate::from_ymd_opt(year, u32::try_from(month).ok()?, u32::try_from(day).ok()?)
}

/// Whether `date` is a public holiday in the given département (`None`:
/// the national list only).
///
/// ```
/// use kine_tarif::rules::holidays::is_public_holiday;
/// let d = |s: &str| s.parse().unwrap();
/// assert!(is_public_holiday(d("2026-05-25"), Some("75")));  // Whit Monday
/// assert!(!is_public_holiday(d("2026-04-03"), Some("75"))); // Good Friday, not in Paris
/// assert!(is_public_holiday(d("2026-04-03"), Some("67")));  // but in Bas-Rhin
/// ```
pub fn is_public_holiday(date: NaiveDate, department: Option<&str>) -> bool {
    let (y, m, d) = (date.year(), date.month(), date.day());
    let fixed = matches!(
        (m, d),
        (1, 1) | (5, 1) | (5, 8) | (7, 14) | (8, 15) | (11, 1) | (11, 11) | (12, 25)
    );
    let e = easter(y);
    let movable = [1, 39, 50]
        .iter()
        .any(|&n| e.and_then(|e| e.checked_add_days(chrono::Days::new(n))) == Some(date));
    if fixed || movable {
        return true;
    }
    match department.map(str::trim) {
        Some("57" | "67" | "68") => {
            (m, d) == (12, 26)
                || e.and_then(|e| e.checked_sub_days(chrono::Days::new(2))) == Some(date)
        }
        Some("971") => (m, d) == (5, 27),
        Some("972") => (m, d) == (5, 22),
        Some("973") => (m, d) == (6, 10),
        Some("974") => (m, d) == (12, 20),
        Some("976") => (m, d) == (4, 27),
        _ => false,
    }
}

/// Whether the Sunday and public holiday majoration can apply on `date`.
pub fn is_sunday_or_holiday(date: NaiveDate, department: Option<&str>) -> bool {
    date.weekday() == Weekday::Sun || is_public_holiday(date, department)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn easter_dates_from_the_calendar() {
        // Published Easter Sundays.
        for (y, e) in [
            (2012, "2012-04-08"),
            (2019, "2019-04-21"),
            (2027, "2027-03-28"),
            (2028, "2028-04-16"),
        ] {
            assert_eq!(easter(y), Some(d(e)));
        }
    }

    #[test]
    fn no_panic_at_the_ends_of_the_calendar() {
        for y in [i32::MIN, -262_143, -1, 0, 1582, 262_142, 262_143, i32::MAX] {
            let _ = easter(y);
        }
        assert_eq!(easter(1583), Some(d("1583-04-10")));
        for date in [NaiveDate::MIN, NaiveDate::MAX] {
            for dept in [None, Some("57"), Some("974")] {
                let _ = is_sunday_or_holiday(date, dept);
            }
        }
    }

    #[test]
    fn movable_holidays_2025() {
        // Easter 2025-04-20: Monday 04-21, Ascension 05-29, Whit Monday 06-09.
        for h in [
            "2025-04-21",
            "2025-05-29",
            "2025-06-09",
            "2025-07-14",
            "2025-11-11",
        ] {
            assert!(is_public_holiday(d(h), Some("13")), "{h}");
        }
        assert!(!is_public_holiday(d("2025-04-18"), Some("13")));
        assert!(is_public_holiday(d("2025-04-18"), Some("57")));
        assert!(is_public_holiday(d("2025-12-26"), Some("68")));
        assert!(!is_public_holiday(d("2025-12-26"), Some("69")));
        assert!(is_public_holiday(d("2025-12-20"), Some("974")));
        assert!(!is_sunday_or_holiday(d("2025-12-20"), Some("75")));
        assert!(is_sunday_or_holiday(d("2025-12-21"), Some("75")));
    }
}
