//! Which past (and future) lines each rule family reads, and the queries
//! to a [`History`] that fetch just those for the lines being checked.
//!
//! | rule family | window | asked as |
//! |---|---|---|
//! | same day, travel, majorations | the day | the patient's lines |
//! | one travel per trip (several patients) | the day | the practitioner's lines |
//! | télésoin known patient | 12 months before | the patient's lines |
//! | télésoin share | the calendar year | the practitioner's lines |
//! | RQD | the calendar year | the patient's lines |
//! | direct access | the episode (6 months before: the episode's 3 months, and 3 more to find where it started) | the patient's lines |
//! | référentiel counts, BDK ranks | the prescription's series (24 months before) | the patient's lines |
//! | bilans | 30 days before and after | the patient's lines |
//!
//! Each rule module declares its window as a `WINDOW` constant; the table
//! above is [`RULE_WINDOWS`]. The history is asked once per practitioner
//! (only when a line needs the practitioner's other patients) and once per
//! patient, each time for the union of the windows of the families the
//! patient's lines concern, the part already fetched for the practitioner
//! left out.

use std::collections::{BTreeMap, HashSet};
use std::ops::Range;

use chrono::{Datelike, Days, Months, NaiveDate};

use super::{Cotation, History, HistoryLine};
use crate::pricing::PriceCache;
use crate::rules::telesoin::ShareBase;
use crate::rules::{self, Ctx};
use crate::rules::{
    Concerns, Line, bilans, direct_access, prescription, referentiel, same_day, teleexpertise,
    telesoin, travel,
};
use crate::{Error, Finding, Priced, Tariffs};

/// A span of dates around a line's date that a rule family reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Window {
    /// The line's day.
    Day,
    /// `n` days before and after the line's day.
    Days(u32),
    /// `n` months before the line's day, up to the day.
    MonthsBefore(u32),
    /// The calendar year of the line.
    CalendarYear,
}

impl Window {
    /// The dates the window spans around `date`, half-open (cut at the
    /// ends of the calendar).
    pub fn around(self, date: NaiveDate) -> Range<NaiveDate> {
        let after = |n: u64| {
            date.checked_add_days(Days::new(n))
                .unwrap_or(NaiveDate::MAX)
        };
        match self {
            Window::Day => date..after(1),
            Window::Days(n) => {
                date.checked_sub_days(Days::new(n.into()))
                    .unwrap_or(NaiveDate::MIN)..after(u64::from(n) + 1)
            }
            Window::MonthsBefore(n) => {
                date.checked_sub_months(Months::new(n))
                    .unwrap_or(NaiveDate::MIN)..after(1)
            }
            Window::CalendarYear => {
                let first = |y: i32| NaiveDate::from_ymd_opt(y, 1, 1);
                first(date.year()).unwrap_or(NaiveDate::MIN)
                    ..first(date.year() + 1).unwrap_or(NaiveDate::MAX)
            }
        }
    }
}

/// Each rule family and the window it reads (the module's `WINDOW`).
pub const RULE_WINDOWS: [(&str, Window); 10] = [
    ("same_day", same_day::WINDOW),
    ("travel", travel::WINDOW),
    ("travel_trip", travel::TRIP_WINDOW),
    ("telesoin_known_patient", telesoin::KNOWN_PATIENT_WINDOW),
    ("telesoin_share", telesoin::SHARE_WINDOW),
    ("teleexpertise", teleexpertise::WINDOW),
    ("direct_access", direct_access::WINDOW),
    ("referentiel", referentiel::WINDOW),
    ("bilans", bilans::WINDOW),
    ("prescription", prescription::WINDOW),
];

/// The smallest range holding `a` and `b`.
fn hull(a: Option<Range<NaiveDate>>, b: Range<NaiveDate>) -> Option<Range<NaiveDate>> {
    Some(match a {
        None => b,
        Some(a) => a.start.min(b.start)..a.end.max(b.end),
    })
}

/// The windows of the families `l` concerns: for its patient, the
/// practitioner's year of the télésoin share, and the practitioner's day of
/// a trip.
type LineWindows = (
    Range<NaiveDate>,
    Option<Range<NaiveDate>>,
    Option<Range<NaiveDate>>,
);

fn line_windows(l: &Line<'_>) -> LineWindows {
    let mut patient = same_day::WINDOW.around(l.date);
    let mut add = |w: Window| {
        let r = w.around(l.date);
        patient = patient.start.min(r.start)..patient.end.max(r.end);
    };
    if l.concerns(Concerns::TELESOIN_ACT) {
        add(telesoin::KNOWN_PATIENT_WINDOW);
    }
    if l.concerns(Concerns::RQD) {
        add(teleexpertise::WINDOW);
    }
    if l.concerns(Concerns::DIRECT_ACCESS) {
        add(direct_access::WINDOW);
    }
    if l.concerns(Concerns::PRIOR_AGREEMENT) {
        add(referentiel::WINDOW);
    }
    if l.concerns(Concerns::PRESCRIPTION_DATED) {
        add(prescription::WINDOW);
    }
    if l.concerns(Concerns::BILAN) {
        add(bilans::WINDOW);
        add(bilans::SERIES_WINDOW);
    }
    let share = l
        .concerns(Concerns::TELESOIN_SESSION)
        .then(|| telesoin::SHARE_WINDOW.around(l.date));
    let trip = l
        .concerns(Concerns::TRIP)
        .then(|| travel::TRIP_WINDOW.around(l.date));
    (patient, share, trip)
}

/// What the history gives the rules for one practitioner's lines.
pub(crate) struct Fetched {
    /// The lines of the windows, as context.
    pub lines: Vec<HistoryLine>,
    /// For the télésoin share: each year's (remote sessions, sessions) of
    /// the practitioner in the history, counted from the cotations alone
    /// (`classify` tells a session and a remote one).
    pub share: Vec<(i32, usize, usize)>,
}

/// The history the rules need to check `lines`, all of `practitioner`:
/// the lines of the union of their windows, and the télésoin share's
/// counts, without the invoices being checked (which replace them).
pub(crate) fn fetch(
    history: &dyn History,
    practitioner: &str,
    lines: &[Line<'_>],
    classify: &mut dyn FnMut(&Cotation<'_>) -> (bool, bool),
) -> Result<Fetched, Error> {
    let (mut share, mut trip): (Option<Range<NaiveDate>>, Option<Range<NaiveDate>>) = (None, None);
    let mut patients: BTreeMap<&str, Range<NaiveDate>> = BTreeMap::new();
    for l in lines {
        let (p, s, t) = line_windows(l);
        if let Some(s) = s {
            share = hull(share, s);
        }
        if let Some(t) = t {
            trip = hull(trip, t);
        }
        let entry = patients.entry(l.ctx.patient_id).or_insert(p.clone());
        *entry = entry.start.min(p.start)..entry.end.max(p.end);
    }
    // The invoices checked (a set: a batch may hold thousands of one-line
    // invoices of the practitioner, each history line is looked up).
    let invoices: HashSet<&str> = lines.iter().map(|l| l.ctx.invoice_id).collect();
    let mut counts: Vec<(i32, usize, usize)> = Vec::new();
    if let Some(s) = share {
        history.practitioner_cotations(practitioner, s, &mut |c| {
            if invoices.contains(c.invoice_id) {
                return;
            }
            let (session, remote) = classify(&c);
            if !session {
                return;
            }
            let year = c.date.year();
            match counts.iter_mut().find(|y| y.0 == year) {
                Some(y) => (y.1, y.2) = (y.1 + usize::from(remote), y.2 + 1),
                None => counts.push((year, usize::from(remote), 1)),
            }
        })?;
    }
    let mut out = match &trip {
        Some(w) => history.practitioner_lines(practitioner, w.clone())?,
        None => Vec::new(),
    };
    for (patient, range) in patients {
        // The parts of the patient's window not fetched with the
        // practitioner's lines.
        let parts = match &trip {
            None => [Some(range), None],
            Some(w) => [
                (range.start < w.start).then(|| range.start..range.end.min(w.start)),
                (range.end > w.end).then(|| range.start.max(w.end)..range.end),
            ],
        };
        for part in parts.into_iter().flatten() {
            out.extend(history.patient_lines(practitioner, patient, part)?);
        }
    }
    out.retain(|h| h.practitioner_id == practitioner && !invoices.contains(h.invoice_id.as_str()));
    Ok(Fetched {
        lines: out,
        share: counts,
    })
}

/// The cross-line rules over one practitioner's `lines` with the history's
/// lines of their windows as context ([`fetch`]): the findings of `lines`
/// only, and how many history lines were consulted. History lines and the
/// cotations of the share are priced with `prices` (the history repeats
/// the cotations of the lines checked). The batch engine (per
/// practitioner group) and the checker (per practitioner) both call it.
pub(crate) fn check_against<'t>(
    (t, prices): (&'t Tariffs, &mut PriceCache<'t>),
    history: &dyn History,
    practitioner: &str,
    lines: Vec<Line<'_>>,
) -> Result<(Vec<Vec<Finding>>, usize), Error> {
    let mut classify = |c: &Cotation<'_>| {
        let mut p = Priced::new(c.invoice_line());
        t.price_cached(&mut p, c.act_id, prices);
        rules::session_and_remote(t, &p, c.telesoin)
    };
    let fetched = fetch(history, practitioner, &lines, &mut classify)?;
    let past = fetched.lines;
    let share: ShareBase = std::iter::once((practitioner.to_string(), fetched.share)).collect();
    let priced: Vec<Priced<'t>> = past
        .iter()
        .map(|h| {
            let mut line = h.invoice_line();
            let act_id = line.act_id.take();
            let mut p = Priced::new(line);
            t.price_cached(&mut p, act_id.as_deref(), prices);
            p
        })
        .collect();
    let views: Vec<Ctx<'_>> = past.iter().map(HistoryLine::view).collect();
    let n = lines.len();
    let mut lines: Vec<Line<'_>> = lines;
    rules::push_past(t, (&priced, &views), &mut lines);
    let mut cross = rules::check_all(lines, true, Some(&share));
    cross.truncate(n);
    Ok((cross, past.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_span_the_dates_their_rules_read() {
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        assert_eq!(
            Window::Day.around(d("2026-03-02")),
            d("2026-03-02")..d("2026-03-03")
        );
        assert_eq!(
            Window::Days(30).around(d("2026-03-02")),
            d("2026-01-31")..d("2026-04-02")
        );
        assert_eq!(
            Window::MonthsBefore(12).around(d("2024-02-29")),
            d("2023-02-28")..d("2024-03-01")
        );
        assert_eq!(
            Window::CalendarYear.around(d("2026-12-31")),
            d("2026-01-01")..d("2027-01-01")
        );
        assert_eq!(
            Window::Day.around(NaiveDate::MAX),
            NaiveDate::MAX..NaiveDate::MAX
        );
        assert_eq!(Window::Days(3).around(NaiveDate::MIN).start, NaiveDate::MIN);
    }
}
