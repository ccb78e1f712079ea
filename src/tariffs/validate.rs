//! Completeness of a tariff set: what the four files say must fit together
//! and leave no day uncovered, so that a set cut short or with a row
//! missing is refused instead of pricing lines `ACT_NOT_IN_FORCE`.
//!
//! In: the rows of each file as [`load`](super::load) read them. Out: an
//! error naming the file, the line and the column of the first thing
//! missing or in conflict, or nothing; [`Tariffs::index_and_check`] also
//! builds the lookup indexes. The rules:
//!
//! - **letter values**: every [`Code`] has rows in both territories; from
//!   its first row on they follow each other without a gap and end on an
//!   open row. A code that stops existing ends with a `suppressed` row
//!   (no value) from the day it stops, so that a missing last row is
//!   seen; a row `unknown` counts as covered. A code starts and stops on
//!   the same days in both territories.
//! - **acts**: each act's coefficient rows cover exactly the life that
//!   `acts.csv` declares (`valid_from`, `valid_to`): no gap, nothing
//!   before or after.
//! - **across files**: the letter of each act has a value row in both
//!   territories over the act's whole life, and the letter of each old
//!   cotation over its period; every old cotation is named by an act, and
//!   every old cotation an act names exists; no two acts carry the same
//!   cotation on the same day unless both declare it (`shared_cotation`).

use chrono::NaiveDate;

use super::load::LetterRows;
use super::{LetterValue, Tariffs, slot};
use crate::fr::{Date, Num, Span};
use crate::nomenclature::{Act, coef_key};
use crate::{Code, CodeKind, Error, Period, Territory};

const VALUES: &str = "letter_values.csv";
const COEFFICIENTS: &str = "act_coefficients.csv";

/// The life of a code in one territory, as its rows give it.
#[derive(Clone, Copy)]
struct CodeLife {
    /// First day, and the line of the row.
    from: NaiveDate,
    line: u64,
    /// The day it stops (a `suppressed` row) and that row's line.
    end: Option<(NaiveDate, u64)>,
}

/// Every code has a continuous, open-ended history in both territories,
/// with the same life in each.
pub(super) fn code_lives(rows: &LetterRows) -> Result<(), Error> {
    // A DE has no letter value: its amount is the billed amount.
    for &code in Code::ALL
        .iter()
        .filter(|c| c.kind() != CodeKind::Depassement)
    {
        let mut lives: Vec<CodeLife> = Vec::new();
        for terr in Territory::ALL {
            let list = &rows.slots[slot(code, terr)];
            let other = Territory::ALL.into_iter().find(|&o| o != terr);
            let other_rows = other.map_or(&[][..], |o| rows.slots[slot(code, o)].as_slice());
            let (Some(first), Some(last)) = (list.first(), list.last()) else {
                return Err(match (other, other_rows.last()) {
                    (Some(o), Some(seen)) => Error::data(
                        VALUES,
                        seen.line,
                        "territory",
                        format!(
                            "{code} : aucune ligne {} (il y en a {}, jusqu'à la ligne {}) : chaque code a ses valeurs dans les deux territoires (statut \"unknown\" si la source n'en donne pas)",
                            terr.within(),
                            o.within(),
                            seen.line
                        ),
                    ),
                    _ => Error::data(
                        VALUES,
                        rows.lines,
                        "code",
                        format!(
                            "{code} : aucune ligne dans le fichier, ni en métropole ni en outre-mer (fichier tronqué ?) : chaque code a ses valeurs dans les deux territoires, de statut \"unknown\" si la source n'en donne pas, \"suppressed\" à partir du jour où il disparaît"
                        ),
                    ),
                });
            };
            if first.value.is_none() {
                return Err(Error::data(
                    VALUES,
                    first.line,
                    "status",
                    format!(
                        "{code} {} : la première ligne du code est de statut \"suppressed\" : un code commence par une valeur",
                        terr.within()
                    ),
                ));
            }
            for w in list.windows(2) {
                let (a, b) = (&w[0], &w[1]);
                if a.period.to != Some(b.period.from) {
                    let hole =
                        Period::new(a.period.to.unwrap_or(b.period.from), Some(b.period.from));
                    return Err(Error::data(
                        VALUES,
                        a.line,
                        "valid_to",
                        format!(
                            "{code} {} : trou entre la ligne {} ({}) et la ligne {} ({}) : aucune valeur {}",
                            terr.within(),
                            a.line,
                            Span(&a.period),
                            b.line,
                            Span(&b.period),
                            Span(&hole)
                        ),
                    ));
                }
            }
            if let Some(to) = last.period.to {
                return Err(Error::data(
                    VALUES,
                    last.line,
                    "valid_to",
                    format!(
                        "{code} {} : la dernière ligne n'est plus valable à partir du {} (valid_to) et aucune ne la suit : aucune valeur à partir de ce jour (ligne manquante ? un code qui disparaît finit par une ligne de statut \"suppressed\" à partir de ce jour)",
                        terr.within(),
                        Date(to)
                    ),
                ));
            }
            let end = last
                .value
                .is_none()
                .then_some((last.period.from, last.line));
            lives.push(CodeLife {
                from: first.period.from,
                line: first.line,
                end,
            });
        }
        if let [
            CodeLife {
                from: from_m,
                line: line_m,
                end: end_m,
            },
            CodeLife {
                from: from_d,
                line: line_d,
                end: end_d,
            },
        ] = lives[..]
        {
            let [m, d] = Territory::ALL;
            if from_m != from_d {
                let line = if from_m > from_d { line_m } else { line_d };
                return Err(Error::data(
                    VALUES,
                    line,
                    "valid_from",
                    format!(
                        "{code} commence le {} {} (ligne {line_m}) et le {} {} (ligne {line_d}) : un code a la même vie dans les deux territoires (ligne manquante ?)",
                        Date(from_m),
                        m.within(),
                        Date(from_d),
                        d.within()
                    ),
                ));
            }
            if end_m.map(|e| e.0) != end_d.map(|e| e.0) {
                let show = |e: Option<(NaiveDate, u64)>| match e {
                    Some((day, line)) => format!("supprimé le {} (ligne {line})", Date(day)),
                    None => "sans fin".to_string(),
                };
                let line = end_m.or(end_d).map_or(line_m, |e| e.1);
                return Err(Error::data(
                    VALUES,
                    line,
                    "status",
                    format!(
                        "{code} : {} {}, {} {} : un code a la même vie dans les deux territoires",
                        show(end_m),
                        m.within(),
                        show(end_d),
                        d.within()
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// Each act's coefficients cover exactly the life `acts.csv` declares.
pub(super) fn act_lives(acts: &[Act], lives: &[Period]) -> Result<(), Error> {
    for (act, life) in acts.iter().zip(lives) {
        let id = &act.id;
        let (Some(first), Some(last)) = (act.periods.first(), act.periods.last()) else {
            return Err(Error::data(
                "acts.csv",
                act.line,
                "act_id",
                format!(
                    "{id} : aucun coefficient dans act_coefficients.csv pour sa vie ({})",
                    Span(life)
                ),
            ));
        };
        if first.period.from < life.from {
            return Err(Error::data(
                COEFFICIENTS,
                first.line,
                "valid_from",
                format!(
                    "{id} : coefficient à partir du {}, avant le début de la vie de l'acte ({}, acts.csv ligne {})",
                    Date(first.period.from),
                    Date(life.from),
                    act.line
                ),
            ));
        }
        if first.period.from > life.from {
            return Err(Error::data(
                COEFFICIENTS,
                first.line,
                "valid_from",
                format!(
                    "{id} : aucun coefficient {} : la vie de l'acte commence le {} (acts.csv ligne {}), son premier coefficient le {}",
                    Span(&Period::new(life.from, Some(first.period.from))),
                    Date(life.from),
                    act.line,
                    Date(first.period.from)
                ),
            ));
        }
        for w in act.periods.windows(2) {
            let (a, b) = (&w[0], &w[1]);
            if a.period.to != Some(b.period.from) {
                let hole = Period::new(a.period.to.unwrap_or(b.period.from), Some(b.period.from));
                return Err(Error::data(
                    COEFFICIENTS,
                    a.line,
                    "valid_to",
                    format!(
                        "{id} : trou dans la vie de l'acte entre la ligne {} ({}) et la ligne {} ({}) : aucun coefficient {}",
                        a.line,
                        Span(&a.period),
                        b.line,
                        Span(&b.period),
                        Span(&hole)
                    ),
                ));
            }
        }
        match (last.period.to, life.to) {
            (to, end) if to == end => {}
            (Some(to), end) if end.is_none_or(|e| to < e) => {
                return Err(Error::data(
                    COEFFICIENTS,
                    last.line,
                    "valid_to",
                    format!(
                        "{id} : aucun coefficient {} : le dernier (ligne {}, {}) s'arrête avant la fin de la vie de l'acte ({}, acts.csv ligne {}) ; ligne de coefficient manquante ?",
                        Span(&Period::new(to, end)),
                        last.line,
                        Span(&last.period),
                        Span(life),
                        act.line
                    ),
                ));
            }
            _ => {
                return Err(Error::data(
                    COEFFICIENTS,
                    last.line,
                    "valid_to",
                    format!(
                        "{id} : le coefficient de la ligne {} ({}) court au-delà de la vie de l'acte ({}, acts.csv ligne {})",
                        last.line,
                        Span(&last.period),
                        Span(life),
                        act.line
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// The first stretch of `target` that no row covers, if any (`rows`
/// sorted by start date, not overlapping).
fn first_uncovered(rows: &[LetterValue], target: Period) -> Option<Period> {
    let mut at = target.from;
    for p in rows.iter().map(|r| r.period) {
        if p.to.is_some_and(|t| t <= at) {
            continue;
        }
        if p.from > at {
            let end = target.to.map_or(p.from, |e| e.min(p.from));
            return Some(Period::new(at, Some(end)));
        }
        match p.to {
            None => return None,
            Some(t) => at = t,
        }
        if target.to.is_some_and(|e| at >= e) {
            return None;
        }
    }
    Some(Period::new(at, target.to))
}

impl Tariffs {
    /// Builds the lookup indexes and checks what they bring together: no
    /// two acts with the same cotation on one day unless both declare it,
    /// every old cotation an act names exists.
    pub(super) fn index_and_check(&mut self) -> Result<(), Error> {
        for (ai, act) in self.acts.iter().enumerate() {
            for (pi, p) in act.periods.iter().enumerate() {
                let key = coef_key(p.coefficient).ok_or_else(|| {
                    Error::data(
                        COEFFICIENTS,
                        p.line,
                        "coefficient",
                        format!("{} : plus de deux décimales", act.id),
                    )
                })?;
                let acts = self.by_coefficient.entry(key).or_default();
                if acts.last() != Some(&ai) {
                    acts.push(ai);
                }
                let entry = self.by_pair.entry((act.letter, key)).or_default();
                for &(bi, bp) in entry.iter() {
                    let other = &self.acts[bi];
                    if other.id == act.id {
                        continue;
                    }
                    if other.periods[bp].period.overlaps(&p.period)
                        && (act.shared_cotation.is_none() || other.shared_cotation.is_none())
                    {
                        return Err(Error::data(
                            COEFFICIENTS,
                            p.line,
                            "coefficient",
                            format!(
                                "{} et {} ont tous deux la cotation {} {} à des dates communes ({} et {}) ; si le texte officiel le prévoit, déclarez-le dans la colonne shared_cotation de acts.csv",
                                other.id,
                                act.id,
                                act.letter,
                                Num(p.coefficient),
                                Span(&other.periods[bp].period),
                                Span(&p.period)
                            ),
                        ));
                    }
                }
                entry.push((ai, pi));
            }
            for &(l, c) in &act.old_cotations {
                let key = coef_key(c).unwrap_or(i64::MIN);
                if !self.old.contains_key(&(l, key)) {
                    return Err(Error::data(
                        "acts.csv",
                        act.line,
                        "old_cotation",
                        format!(
                            "{} : l'ancienne cotation {l} {} manque dans old_cotations.csv",
                            act.id,
                            Num(c)
                        ),
                    ));
                }
                self.old_to_new.entry((l, key)).or_default().push(ai);
            }
        }
        self.coverage_start = self.values[slot(Code::AMK, Territory::Metropole)]
            .first()
            .map(|v| v.period.from)
            .ok_or_else(|| {
                Error::data(
                    VALUES,
                    1,
                    "code",
                    "aucune valeur de AMK : les données ne couvrent aucune date",
                )
            })?;
        Ok(())
    }

    /// Every act's letter has a value over the act's life, every old
    /// cotation's letter over its period, in both territories; every old
    /// cotation is named by an act. `old_lines` gives each old cotation's
    /// line; [`Tariffs::index_and_check`] has run.
    pub(super) fn check_letters_cover(
        &self,
        old_lines: &std::collections::HashMap<(Code, i64), u64>,
    ) -> Result<(), Error> {
        for act in &self.acts {
            let life = act.life();
            for terr in Territory::ALL {
                if let Some(hole) = first_uncovered(self.letter_values(act.letter, terr), life) {
                    return Err(Error::data(
                        "acts.csv",
                        act.line,
                        "letter",
                        format!(
                            "{} : pas de valeur {} {} {} dans letter_values.csv, pendant la vie de l'acte ({})",
                            act.id,
                            act.letter,
                            terr.within(),
                            Span(&hole),
                            Span(&life)
                        ),
                    ));
                }
            }
        }
        let mut old: Vec<_> = old_lines.iter().map(|(&k, &line)| (line, k)).collect();
        old.sort_unstable();
        for (line, key) in old {
            let Some(o) = self.old.get(&key) else {
                continue;
            };
            if !self.old_to_new.contains_key(&key) {
                return Err(Error::data(
                    "old_cotations.csv",
                    line,
                    "coefficient",
                    format!(
                        "{} {} : aucun acte de acts.csv ne la nomme (colonne old_cotation) : la liste des anciennes cotations est celle que nomment les actes (ligne d'acte manquante ?)",
                        o.letter,
                        Num(o.coefficient)
                    ),
                ));
            }
            for terr in Territory::ALL {
                if let Some(hole) = first_uncovered(self.letter_values(o.letter, terr), o.period) {
                    return Err(Error::data(
                        "old_cotations.csv",
                        line,
                        "letter",
                        format!(
                            "{} {} : pas de valeur {} {} {} dans letter_values.csv, pendant la période de l'ancienne cotation ({})",
                            o.letter,
                            Num(o.coefficient),
                            o.letter,
                            terr.within(),
                            Span(&hole),
                            Span(&o.period)
                        ),
                    ));
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::first_uncovered;
    use crate::tariffs::LetterValue;
    use crate::{Code, Period, RowStatus, Territory};

    fn d(s: &str) -> chrono::NaiveDate {
        s.parse().unwrap()
    }

    fn rows(periods: &[(&str, Option<&str>)]) -> Vec<LetterValue> {
        periods
            .iter()
            .map(|&(from, to)| LetterValue {
                code: Code::RIM,
                territory: Territory::Metropole,
                value: None,
                period: Period::new(d(from), to.map(d)),
                status: RowStatus::Unknown,
                source: "test".into(),
                note: String::new(),
            })
            .collect()
    }

    #[test]
    fn the_first_uncovered_stretch_of_a_period() {
        let p = |from: &str, to: Option<&str>| Period::new(d(from), to.map(d));
        let two = rows(&[("2024-01-01", Some("2024-03-01")), ("2024-04-01", None)]);
        // Inside the first row, across the hole, after it, before the start.
        assert_eq!(
            first_uncovered(&two, p("2024-01-15", Some("2024-02-01"))),
            None
        );
        assert_eq!(
            first_uncovered(&two, p("2024-02-01", Some("2024-05-01"))),
            Some(p("2024-03-01", Some("2024-04-01")))
        );
        assert_eq!(
            first_uncovered(&two, p("2024-03-10", Some("2024-03-20"))),
            Some(p("2024-03-10", Some("2024-03-20")))
        );
        assert_eq!(first_uncovered(&two, p("2024-04-01", None)), None);
        assert_eq!(
            first_uncovered(&two, p("2023-12-01", None)),
            Some(p("2023-12-01", Some("2024-01-01")))
        );
        // Rows that end: an open target is uncovered from their end on.
        let closed = rows(&[("2024-01-01", Some("2024-03-01"))]);
        assert_eq!(
            first_uncovered(&closed, p("2024-02-01", None)),
            Some(p("2024-03-01", None))
        );
        assert_eq!(
            first_uncovered(&closed, p("2024-01-01", Some("2024-03-01"))),
            None
        );
        assert_eq!(
            first_uncovered(&[], p("2024-01-01", None)),
            Some(p("2024-01-01", None))
        );
    }
}
