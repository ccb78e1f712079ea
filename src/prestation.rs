//! SNDS prestation codes (nature de prestation, `IR_NAT_V` / `PRS_NAT`):
//! the code under which the national health data and Open DAMIR count a
//! line, for those who cross-check against them.
//!
//! Data: `tariffs/prestation_codes.csv`, each row dated (half-open) and
//! sourced, with its confidence. Known: AMK 3122, AMC 3121, AMS 3125, TMK
//! 3123, RQD 1199, IFO / IFR / IFN / IFP / IFS 1843–1847 (until 2025),
//! IK / IKM / IKS 1811–1813, and IFD as 1842 (probable). **Unknown, so
//! none:** the 20 key letters of 2024 (no public nomenclature row found:
//! the public IR_NAT_V stops in December 2020), the single IFS of 2026,
//! MDN / MDD (whether they map to the generic 1226 / 1228 is not
//! established) and DE (carried on the act's line, not a prestation).
//!
//! ```
//! use kine_tarif::{prestation::prestation_code, Code};
//! let d = |s: &str| s.parse().unwrap();
//! assert_eq!(prestation_code(Code::AMK, d("2025-03-01")), Some(3122));
//! assert_eq!(prestation_code(Code::RIM, d("2025-03-01")), None);
//! ```

use std::sync::LazyLock;

use chrono::NaiveDate;

use crate::{Code, Error, Period};

const FILE: &str = "prestation_codes.csv";
const EMBEDDED: &str = include_str!("../tariffs/prestation_codes.csv");

/// One row of `prestation_codes.csv`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrestationRow {
    /// The billing code.
    pub code: Code,
    /// The SNDS prestation code.
    pub prestation: u16,
    /// `valid_from` and `valid_to`, half-open.
    pub period: Period,
    /// `H`, `M` or `L`.
    pub confidence: String,
    /// The source.
    pub source: String,
}

// Compiled-in data, validated by the test suite.
#[allow(clippy::expect_used)]
static ROWS: LazyLock<Vec<PrestationRow>> = LazyLock::new(|| {
    parse(EMBEDDED).expect("embedded prestation_codes.csv is validated by the tests")
});

/// The embedded rows.
pub fn rows() -> &'static [PrestationRow] {
    &ROWS
}

/// The prestation code of `code` on `date`, when the sources give one.
pub fn prestation_code(code: Code, date: NaiveDate) -> Option<u16> {
    ROWS.iter()
        .find(|r| r.code == code && r.period.contains(date))
        .map(|r| r.prestation)
}

/// Reads and checks a `prestation_codes.csv` text, with the tariff files'
/// CSV layer: known codes, dates, a source on every row, no two rows of a
/// code overlapping.
pub fn parse(text: &str) -> Result<Vec<PrestationRow>, Error> {
    let required = [
        "code",
        "prestation",
        "valid_from",
        "valid_to",
        "confidence",
        "source",
    ];
    let mut t = crate::tariffs::table::Table::new(FILE, text, &required)?;
    let mut rows: Vec<PrestationRow> = Vec::new();
    t.for_each(|r| {
        let code = r.code("code")?;
        let prestation: u16 = r.get("prestation").parse().map_err(|_| {
            r.err(
                "prestation",
                format!("nombre attendu, pas {:?}", r.get("prestation")),
            )
        })?;
        let period = r.period()?;
        let confidence = r.text("confidence")?;
        if !matches!(confidence.as_str(), "H" | "M" | "L") {
            return Err(r.err(
                "confidence",
                format!("H, M ou L attendu, pas {confidence:?}"),
            ));
        }
        if rows
            .iter()
            .any(|o| o.code == code && o.period.overlaps(&period))
        {
            return Err(r.err(
                "valid_from",
                format!("{code} : deux lignes en vigueur le même jour"),
            ));
        }
        rows.push(PrestationRow {
            code,
            prestation,
            period,
            confidence,
            source: r.text("source")?,
        });
        Ok(())
    })?;
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn codes_from_the_snds_nomenclature() {
        assert!(parse(EMBEDDED).is_ok());
        // research-reimbursement-and-identifiers.md §2.1 (IR_NAT_V).
        for (code, p) in [
            (Code::AMC, 3121),
            (Code::AMS, 3125),
            (Code::IK, 1811),
            (Code::IKS, 1813),
        ] {
            assert_eq!(prestation_code(code, d("2023-06-01")), Some(p), "{code}");
        }
        assert_eq!(prestation_code(Code::TMK, d("2025-01-01")), Some(3123));
        // AMS is gone with the old cotations; the 2026 single IFS has no known code.
        assert_eq!(prestation_code(Code::AMS, d("2024-06-01")), None);
        assert_eq!(prestation_code(Code::IFS, d("2025-12-31")), Some(1847));
        assert_eq!(prestation_code(Code::IFS, d("2026-01-01")), None);
        for code in [Code::RIM, Code::TER, Code::MDN, Code::DE] {
            assert_eq!(prestation_code(code, d("2025-01-01")), None, "{code}");
        }
    }

    #[test]
    fn bad_rows_are_refused_with_their_line() {
        let head = "code,prestation,valid_from,valid_to,confidence,source,note\n";
        let e = parse(&format!("{head}AMK,3122,2012-01-01,,X,s,\n"))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("prestation_codes.csv, ligne 2") && e.contains("confidence"),
            "{e}"
        );
        let e = parse(&format!(
            "{head}AMK,3122,2012-01-01,,H,s,\nAMK,3122,2020-01-01,,H,s,\n"
        ))
        .unwrap_err()
        .to_string();
        assert!(e.contains("ligne 3") && e.contains("valid_from"), "{e}");
        assert!(parse(&format!("{head}XYZ,1,2012-01-01,,H,s,\n")).is_err());
    }
}
