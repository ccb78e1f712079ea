//! Findings: what is wrong (or worth a second look) on an invoice line.
//!
//! Each finding has a stable code, a severity, the rule it applies and the
//! source of that rule. Codes never change meaning; new ones may be added.
//! The catalogue is [`FindingCode::ALL`], documented in the README.

use std::fmt;

/// How serious a finding is. A line's status is the most serious of its
/// findings (`ok` when it has none, or only [`Severity::Info`] ones).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// For information; the line is fine.
    Info,
    /// Billable as computed, but check it.
    Warning,
    /// Not billable as written.
    Error,
}

impl Severity {
    /// `info`, `warning` or `error`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// Status of a priced line: `ok`, `warning` or `error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LineStatus {
    /// No finding above info.
    Ok,
    /// At least one warning, no error.
    Warning,
    /// At least one error.
    Error,
}

impl LineStatus {
    /// `ok`, `warning` or `error`.
    pub fn as_str(self) -> &'static str {
        match self {
            LineStatus::Ok => "ok",
            LineStatus::Warning => "warning",
            LineStatus::Error => "error",
        }
    }

    /// The status of a line carrying these findings.
    pub fn of(findings: &[Finding]) -> LineStatus {
        match findings.iter().map(|f| f.code.severity()).max() {
            Some(Severity::Error) => LineStatus::Error,
            Some(Severity::Warning) => LineStatus::Warning,
            _ => LineStatus::Ok,
        }
    }
}

macro_rules! findings {
    ($( $variant:ident => $text:literal, $sev:ident, $rule:literal, $source:literal; )*) => {
        /// A stable finding code.
        ///
        /// ```
        /// use kine_tarif::{FindingCode, Severity};
        /// let c = FindingCode::CoefficientRevalued;
        /// assert_eq!(c.as_str(), "COEFFICIENT_REVALUED");
        /// assert_eq!(c.severity(), Severity::Error);
        /// assert_eq!("COEFFICIENT_REVALUED".parse::<FindingCode>(), Ok(c));
        /// ```
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum FindingCode {
            $( #[doc = $rule] $variant, )*
        }

        impl FindingCode {
            /// The whole catalogue.
            pub const ALL: &'static [FindingCode] = &[$(FindingCode::$variant,)*];

            /// The stable code, e.g. `UNKNOWN_ACT`.
            pub const fn as_str(self) -> &'static str {
                match self { $(FindingCode::$variant => $text,)* }
            }

            /// Its severity.
            pub const fn severity(self) -> Severity {
                match self { $(FindingCode::$variant => Severity::$sev,)* }
            }

            /// The rule, in one sentence.
            pub const fn rule(self) -> &'static str {
                match self { $(FindingCode::$variant => $rule,)* }
            }

            /// Where the rule is written.
            pub const fn source(self) -> &'static str {
                match self { $(FindingCode::$variant => $source,)* }
            }
        }

        impl std::str::FromStr for FindingCode {
            type Err = ();
            fn from_str(s: &str) -> Result<FindingCode, ()> {
                match s { $($text => Ok(FindingCode::$variant),)* _ => Err(()) }
            }
        }
    };
}

findings! {
    InvalidField => "INVALID_FIELD", Error,
        "A field of the line does not parse (date, département, coefficient, quantity, amount); the row still comes out.",
        "kine-tarif invoice CSV format (README)";
    UnknownCode => "UNKNOWN_CODE", Error,
        "The code is not a physiotherapy key letter, TMK, RQD or travel allowance.",
        "décision UNCAM du 14/12/2023 art. 3 (annexe 2 lettres clés); NGAP DG art. 13";
    UnknownAct => "UNKNOWN_ACT", Error,
        "No act ever had this coefficient under this key letter (or the act id is unknown or of another letter).",
        "NGAP Titre XIV (version du 21/06/2026) and its earlier versions in tariffs/";
    AmbiguousAct => "AMBIGUOUS_ACT", Warning,
        "Several acts share this cotation on this date and no act id tells them apart; priced, identity unresolved.",
        "NGAP Titre XIV chap. I section 1 (AMK 5 and AMK 10 name two bilans each)";
    CoefficientRevalued => "COEFFICIENT_REVALUED", Error,
        "The cotation names an act whose coefficient on this date is another one; the corrected coefficient and amount are given.",
        "avenant 7 and avenant 8 to the convention nationale; décision UNCAM du 14/12/2023";
    ActNotInForce => "ACT_NOT_IN_FORCE", Error,
        "The act or code did not exist yet, or no longer existed, on this date.",
        "décision UNCAM du 14/12/2023; avenant 7; NGAP DG art. 13 E";
    OldCotationTransition => "OLD_COTATION_TRANSITION", Warning,
        "An AMS / AMC / treatment AMK cotation between 2024-02-22 and 2024-05-31: accepted during the transition, priced, with the new cotations to use.",
        "décision UNCAM du 14/12/2023 (JORF 08/02/2024) art. 3; avenant 7";
    OldCotationRejected => "OLD_COTATION_REJECTED", Error,
        "An AMS / AMC / treatment AMK cotation from 2024-06-01: the new key letters are obligatory.",
        "décision UNCAM du 14/12/2023 (JORF 08/02/2024) art. 3; avenant 7";
    NoTariffForDate => "NO_TARIFF_FOR_DATE", Error,
        "The date is outside the tariff data's coverage (before 2012-07-15).",
        "tariffs/letter_values.csv (coverage starts with avenant 3, 2012-07-15)";
    AmountMismatch => "AMOUNT_MISMATCH", Error,
        "The billed amount differs from the amount computed: coefficient × letter value × quantity, rounded to the cent.",
        "NGAP DG art. 2 (value of the key letters); convention nationale des masseurs-kinésithérapeutes";
    UnknownValue => "UNKNOWN_VALUE", Error,
        "The sources give no value for this code in this territory on this date (TMK overseas); the line is not priced rather than priced with an invented value.",
        "tariffs/letter_values.csv rows with status unknown";
    ConditionalTariff => "CONDITIONAL_TARIFF", Warning,
        "The coefficient or value used is a scheduled step subject to a condition (LAP change, ONDAM alert procedure); check it took effect.",
        "avenant 7; CSS art. L.162-14-1-1 (ONDAM alert committee)";
}

impl fmt::Display for FindingCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A finding on a line: a code and a message in French for a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The stable code.
    pub code: FindingCode,
    /// What is wrong on this line, in French.
    pub message: String,
}

impl Finding {
    /// A finding.
    pub fn new(code: FindingCode, message: impl Into<String>) -> Finding {
        Finding {
            code,
            message: message.into(),
        }
    }

    /// Its severity.
    pub fn severity(&self) -> Severity {
        self.code.severity()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_parse_back() {
        let mut seen = std::collections::HashSet::new();
        for &c in FindingCode::ALL {
            assert!(seen.insert(c.as_str()), "duplicate {c}");
            assert_eq!(c.as_str().parse::<FindingCode>(), Ok(c));
            assert!(!c.rule().is_empty() && !c.source().is_empty());
        }
    }

    #[test]
    fn status_is_the_worst_severity() {
        assert_eq!(LineStatus::of(&[]), LineStatus::Ok);
        let w = Finding::new(FindingCode::AmbiguousAct, "");
        let e = Finding::new(FindingCode::UnknownAct, "");
        assert_eq!(
            LineStatus::of(std::slice::from_ref(&w)),
            LineStatus::Warning
        );
        assert_eq!(LineStatus::of(&[w, e]), LineStatus::Error);
    }
}
