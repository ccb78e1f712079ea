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

use crate::{Error, Period};

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
    /// `valid_from` and `valid_to`, half-open.
    pub period: Period,
    /// The legal or documentary source.
    pub source: String,
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
            .find(|r| r.parameter == parameter && r.case == case && r.period.contains(date))
    }

    /// Every row, in file order.
    pub fn rows(&self) -> &[Row] {
        &self.rows
    }

    /// Reads and checks a `coverage.csv` text, with the tariff files' CSV
    /// layer (a whole file, fields by column name, errors naming the file,
    /// line and column).
    pub fn parse(text: &str) -> Result<Table, Error> {
        let required = [
            "parameter",
            "case",
            "value",
            "valid_from",
            "valid_to",
            "source",
        ];
        let mut t = crate::tariffs::table::Table::new(FILE, text, &required)?;
        let mut rows: Vec<Row> = Vec::new();
        t.for_each(|r| {
            let row = Row {
                parameter: r.text("parameter")?,
                case: r.text("case")?,
                value: r.decimal(
                    "value",
                    4,
                    Decimal::from(1000),
                    "une valeur de coverage.csv",
                )?,
                period: r.period()?,
                source: r.text("source")?,
            };
            let overlaps = |o: &Row| {
                o.parameter == row.parameter && o.case == row.case && o.period.overlaps(&row.period)
            };
            if rows.iter().any(overlaps) {
                return Err(r.err(
                    "valid_from",
                    format!(
                        "{} {} : deux lignes en vigueur le même jour",
                        row.parameter, row.case
                    ),
                ));
            }
            rows.push(row);
            Ok(())
        })?;
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
            e.contains("coverage.csv, ligne 3") && e.contains("valid_from"),
            "{e}"
        );
        let no_source = format!("{HEAD}amo_rate,general,60,2012-01-01,,,\n");
        let e = Table::parse(&no_source).unwrap_err().to_string();
        assert!(
            e.contains("coverage.csv, ligne 2") && e.contains("source"),
            "{e}"
        );
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
