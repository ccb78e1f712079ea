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

/// Easter Sunday of a year (anonymous Gregorian computus), or `None` when
/// that Sunday is outside the dates `chrono` can represent (years beyond
/// about ±262,000, e.g. `i32::MIN` and `i32::MAX`).
///
/// The computus is applied to the proleptic Gregorian calendar for every
/// year (before 1583 too), with floored division so that negative years
/// follow the same 5,700,000-year cycle; its result is always a Sunday
/// between 22 March and 25 April.
///
/// ```
/// use kine_tarif::rules::holidays::easter;
/// assert_eq!(easter(2024).unwrap().to_string(), "2024-03-31");
/// assert_eq!(easter(2025).unwrap().to_string(), "2025-04-20");
/// assert_eq!(easter(2026).unwrap().to_string(), "2026-04-05");
/// assert_eq!(easter(i32::MAX), None);
/// ```
pub fn easter(year: i32) -> Option<NaiveDate> {
    // i64 and floored division: no overflow, no negative remainder, for
    // any i32 year.
    let y = i64::from(year);
    let a = y.rem_euclid(19);
    let b = y.div_euclid(100);
    let c = y.rem_euclid(100);
    let d = b.div_euclid(4);
    let e = b.rem_euclid(4);
    let f = (b + 8).div_euclid(25);
    let g = (b - f + 1).div_euclid(3);
    let h = (19 * a + b - d - g + 15).rem_euclid(30);
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k).rem_euclid(7);
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    NaiveDate::from_ymd_opt(year, u32::try_from(month).ok()?, u32::try_from(day).ok()?)
}

/// Whether `date` is a public holiday in the given département (`None`:
/// the national list only). Total: any date chrono represents gives an
/// answer (at its edges, the movable holidays that fall outside its range
/// are simply absent).
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
    // Easter of a year at chrono's edges may not exist: no movable holiday
    // then (and none past the last representable date).
    let e = easter(y);
    let after_easter = |n: u64| e.and_then(|e| e.checked_add_days(chrono::Days::new(n)));
    let movable = [1, 39, 50].iter().any(|&n| after_easter(n) == Some(date));
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

    #[test]
    fn easter_extremes_of_the_cycle() {
        // Published: 2285 has the earliest possible Easter (22 March), 2038
        // the latest (25 April); 2000 and 1583 (first Gregorian Easter).
        for (y, e) in [
            (2285, "2285-03-22"),
            (2038, "2038-04-25"),
            (2000, "2000-04-23"),
            (1583, "1583-04-10"),
        ] {
            assert_eq!(easter(y), Some(d(e)), "{y}");
        }
    }

    #[test]
    fn easter_is_a_sunday_from_22_march_to_25_april_or_none() {
        let (min, max) = (NaiveDate::MIN.year(), NaiveDate::MAX.year());
        let years = (min..min + 500)
            .chain(-500..3000)
            .chain(max - 500..=max)
            .chain([
                i32::MIN,
                i32::MIN + 1,
                min - 1,
                max + 1,
                i32::MAX - 1,
                i32::MAX,
            ]);
        for y in years {
            match easter(y) {
                Some(e) => {
                    assert_eq!(e.year(), y);
                    assert_eq!(e.weekday(), Weekday::Sun, "{e}");
                    let md = (e.month(), e.day());
                    assert!(((3, 22)..=(4, 25)).contains(&md), "{e}");
                }
                None => assert!(y < min || y > max, "{y}"),
            }
        }
        // Inside chrono's range, every year has its Easter.
        assert!(easter(min).is_some() && easter(max).is_some());
    }

    #[test]
    fn holidays_at_chrono_edges_answer_without_panicking() {
        for date in [
            NaiveDate::MIN,
            NaiveDate::MAX,
            NaiveDate::MIN.succ_opt().unwrap(),
            NaiveDate::MAX.pred_opt().unwrap(),
        ] {
            for dept in [None, Some("75"), Some("57"), Some("974"), Some("")] {
                let _ = is_sunday_or_holiday(date, dept);
            }
        }
        // 1 January is a holiday even in chrono's first year.
        assert!(is_public_holiday(NaiveDate::MIN, None));
        // 31 December is not (26 December is, in Moselle).
        assert!(!is_public_holiday(NaiveDate::MAX, Some("57")));
    }
}
