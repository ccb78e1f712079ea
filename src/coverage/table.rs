//! `tariffs/coverage.csv`: the dated, sourced parameters of the
//! reimbursement split — the AMO rate of each case, the franchise's
//! amounts and caps, who is exempt. Each row: `parameter`, `case`, `value`,
//! `valid_from`, `valid_to` (half-open, empty: open), `source`, `note`.
//!
//! Checked at load: every field readable, a source on every row, no two
//! rows of one parameter and case overlapping in time. Errors name the
//! file, the line and the column.

use std::sync::LazyLock;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::Error;

/// The file's name in errors.
pub const FILE: &str = "coverage.csv";

const EMBEDDED: &str = include_str!("../../tariffs/coverage.csv");

/// One row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// `amo_rate`, `franchise`, `franchise_exempt`.
    pub parameter: String,
    /// The case: `general`, `ald`, … for a rate; `per_act`, `daily_cap`, …
    /// for the franchise.
    pub case: String,
    /// The value (a rate in %, an amount in €, an age, 1 for a flag).
    pub value: Decimal,
    /// First day.
    pub valid_from: NaiveDate,
    /// First day no longer covered (none: open).
    pub valid_to: Option<NaiveDate>,
    /// The legal or documentary source.
    pub source: String,
}

impl Row {
    /// Whether the row is in force on `date`.
    pub fn covers(&self, date: NaiveDate) -> bool {
        self.valid_from <= date && self.valid_to.is_none_or(|to| date < to)
    }
}

/// The rows of a `coverage.csv`.
#[derive(Debug, Clone)]
pub struct Table {
    rows: Vec<Row>,
}

// Compiled-in data, validated by the test suite: like a constant, it
// cannot fail at run time.
#[allow(clippy::expect_used)]
static TABLE: LazyLock<Table> = LazyLock::new(|| {
    Table::parse(EMBEDDED).expect("embedded coverage.csv is validated by the tests")
});

impl Table {
    /// The embedded table.
    pub fn embedded() -> &'static Table {
        &TABLE
    }

    /// The row of `parameter` and `case` in force on `date`, if any.
    pub fn at(&self, parameter: &str, case: &str, date: NaiveDate) -> Option<&Row> {
        self.rows
            .iter()
            .find(|r| r.parameter == parameter && r.case == case && r.covers(date))
    }

    /// Every row, in file order.
    pub fn rows(&self) -> &[Row] {
        &self.rows
    }

    /// Reads and checks a `coverage.csv` text.
    pub fn parse(text: &str) -> Result<Table, Error> {
        let mut r = csv::Reader::from_reader(text.as_bytes());
        let mut rows: Vec<Row> = Vec::new();
        for rec in r.records() {
            let rec = rec.map_err(|e| {
                let line = e.position().map_or(0, |p| p.line());
                Error::data(FILE, line, "-", e.to_string())
            })?;
            let line = rec.position().map_or(0, |p| p.line());
            let get = |i: usize| rec.get(i).unwrap_or("").trim();
            let date = |i: usize, name: &str| {
                get(i).parse::<NaiveDate>().map_err(|_| {
                    Error::data(
                        FILE,
                        line,
                        name,
                        format!("date AAAA-MM-JJ attendue, pas {:?}", get(i)),
                    )
                })
            };
            let value: Decimal = get(2).parse().map_err(|_| {
                Error::data(
                    FILE,
                    line,
                    "value",
                    format!("nombre attendu, pas {:?}", get(2)),
                )
            })?;
            let valid_from = date(3, "valid_from")?;
            let valid_to = match get(4) {
                "" => None,
                _ => Some(date(4, "valid_to")?),
            };
            if valid_to.is_some_and(|to| to <= valid_from) {
                return Err(Error::data(
                    FILE,
                    line,
                    "valid_to",
                    "période vide : valid_to ≤ valid_from",
                ));
            }
            for (i, name) in [(0, "parameter"), (1, "case"), (5, "source")] {
                if get(i).is_empty() {
                    return Err(Error::data(FILE, line, name, "vide"));
                }
            }
            let row = Row {
                parameter: get(0).to_string(),
                case: get(1).to_string(),
                value,
                valid_from,
                valid_to,
                source: get(5).to_string(),
            };
            let overlaps = |o: &Row| {
                o.parameter == row.parameter
                    && o.case == row.case
                    && o.valid_to.is_none_or(|to| row.valid_from < to)
                    && row.valid_to.is_none_or(|to| o.valid_from < to)
            };
            if rows.iter().any(overlaps) {
                return Err(Error::data(
                    FILE,
                    line,
                    "valid_from",
                    format!(
                        "{} {} : deux lignes en vigueur le même jour",
                        row.parameter, row.case
                    ),
                ));
            }
            rows.push(row);
        }
        Ok(Table { rows })
    }
}

#[cfg(test)]
mod tests {
    use super::Table;

    const HEAD: &str = "parameter,case,value,valid_from,valid_to,source,note\n";

    #[test]
    fn the_embedded_table_loads() {
        assert!(Table::parse(super::EMBEDDED).is_ok());
    }

    #[test]
    fn bad_rows_name_their_line_and_column() {
        let overlap = format!(
            "{HEAD}amo_rate,general,60,2012-01-01,,s,\namo_rate,general,70,2020-01-01,,s,\n"
        );
        let e = Table::parse(&overlap).unwrap_err().to_string();
        assert!(
            e.contains("coverage.csv:3") && e.contains("valid_from"),
            "{e}"
        );
        let no_source = format!("{HEAD}amo_rate,general,60,2012-01-01,,,\n");
        let e = Table::parse(&no_source).unwrap_err().to_string();
        assert!(e.contains("coverage.csv:2") && e.contains("source"), "{e}");
        let bad_value = format!("{HEAD}amo_rate,general,soixante,2012-01-01,,s,\n");
        assert!(
            Table::parse(&bad_value)
                .unwrap_err()
                .to_string()
                .contains("value")
        );
        let empty = format!("{HEAD}amo_rate,general,60,2012-01-01,2012-01-01,s,\n");
        assert!(
            Table::parse(&empty)
                .unwrap_err()
                .to_string()
                .contains("valid_to")
        );
    }
}
