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

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A text that is no finding code of the catalogue
/// ([`FindingCode`]'s `FromStr`).
///
/// ```
/// use kine_tarif::FindingCode;
/// let e = "NO_SUCH_CODE".parse::<FindingCode>().unwrap_err();
/// assert_eq!(e.to_string(), "code de constat inconnu : \"NO_SUCH_CODE\"");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownFindingCode(pub String);

impl fmt::Display for UnknownFindingCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "code de constat inconnu : {:?}", self.0)
    }
}

impl std::error::Error for UnknownFindingCode {}

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
    ///
    /// ```
    /// use kine_tarif::{Finding, FindingCode, LineStatus};
    /// let f = Finding::new(FindingCode::AmbiguousAct, "deux actes");
    /// assert_eq!(LineStatus::of(&[f.clone()]), LineStatus::Warning);
    /// assert_eq!(LineStatus::of(&[]).to_string(), "ok");
    /// assert_eq!(f.to_string(), "AMBIGUOUS_ACT [warning] deux actes");
    /// ```
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
        #[non_exhaustive]
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
            type Err = UnknownFindingCode;
            fn from_str(s: &str) -> Result<FindingCode, UnknownFindingCode> {
                match s {
                    $($text => Ok(FindingCode::$variant),)*
                    _ => Err(UnknownFindingCode(s.to_string())),
                }
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
    SameDayNotAllowed => "SAME_DAY_NOT_ALLOWED", Error,
        "A second treatment session the same day for the patient is billable only with two prescriptions, for conditions under different NGAP articles, in two distinct sessions (except ARL 8.49, ARL 10 and RPB, up to two a day; PLL is a daily forfait; RAV 1 / RAV 2 never with RAV 15.5).",
        "NGAP Titre XIV dispositions liminaires (décision UNCAM du 14/12/2023 art. 1); chap. II art. 5, 7, 10, 11";
    TelesoinNotTmk => "TELESOIN_NOT_TMK", Error,
        "A remote session (telesoin column) is billed with the key letter TMK and the coefficient of the presential act, not with the presential key letter.",
        "avenant 7 art. 2.3.1; décision UNCAM du 14/12/2023 art. 3 (TMK)";
    TelesoinWithTravel => "TELESOIN_WITH_TRAVEL", Error,
        "A télésoin session is billed with a travel allowance for the same patient, practitioner and day.",
        "avenant 7 art. 2.3.1; NGAP DG art. 13 (travel only for acts at the patient's home)";
    TelesoinExcluded => "TELESOIN_EXCLUDED", Error,
        "The act needs contact or equipment (urgent airway clearance ARL 8.49, balneotherapy) or is a bilan: not billable in télésoin.",
        "avenant 7 art. 2.3.1; https://www.ameli.fr/masseur-kinesitherapeute/exercice-liberal/telesante/telesoin";
    TelesoinFirstSession => "TELESOIN_FIRST_SESSION", Error,
        "The first session of a treatment, with the initial BDK, must be presential.",
        "avenant 7 art. 2.3.1; ameli télésoin page";
    TelesoinUnknownPatient => "TELESOIN_UNKNOWN_PATIENT", Warning,
        "The batch holds no presential act of the patient with this practitioner in the 12 months before the télésoin session.",
        "avenant 7 art. 2.3.1; ameli télésoin page";
    TelesoinShareExceeded => "TELESOIN_SHARE_EXCEEDED", Warning,
        "Télésoin sessions exceed 20 % of the practitioner's sessions in the calendar year (counted in the batch; 20 % exactly is allowed).",
        "avenant 7 art. 2.3.1 (activité à distance ≤ 20 % de l'activité)";
    TravelWithoutAct => "TRAVEL_WITHOUT_ACT", Error,
        "A travel allowance needs a presential act of the same patient and practitioner on the same day.",
        "NGAP DG art. 13 (frais de déplacement « en sus de la valeur de l'acte »)";
    TravelNotCumulable => "TRAVEL_NOT_CUMULABLE", Error,
        "IFD and IFS (or the old IFO / IFR / IFN / IFP) are not cumulable; one flat allowance per trip, and one per trip when several patients are seen in one home or establishment.",
        "NGAP DG art. 13 A and E, art. 13.1";
    IfsNotEligible => "IFS_NOT_ELIGIBLE", Error,
        "The IFS (or before 2026 the IFO / IFR / IFN / IFP / IFS de sortie) is not allowed with the acts of that day: see the list of DG art. 13 E (art. 1 A-C, E, F only after surgery up to the 35th day after discharge).",
        "NGAP DG art. 13 E (version du 21/06/2026); avenant 7";
    IkDistanceMismatch => "IK_DISTANCE_MISMATCH", Error,
        "The kilometres billed differ from 2d − 4 (plain) or 2d − 2 (mountain) for a one-way distance d; no IK under 2 km in plain or 1 km in mountain.",
        "NGAP DG art. 13 C 1°";
    RqdLimitExceeded => "RQD_LIMIT_EXCEEDED", Error,
        "More than 2 téléexpertise requests (RQD) by the practitioner for the patient in the calendar year.",
        "NGAP DG art. 14.9.6";
    DirectAccessLimit => "DIRECT_ACCESS_LIMIT", Warning,
        "More than 8 direct-access sessions (prescriber = practitioner) for the patient in an episode of care of at most 3 months; allowed only with a prior medical diagnosis.",
        "CSP art. L.4321-1 (loi n° 2023-379 du 19 mai 2023); avenant 7";
    PriorAgreementRequired => "PRIOR_AGREEMENT_REQUIRED", Warning,
        "From this session on, the act subject to an HAS référentiel needs the prior agreement of the service du contrôle médical (carpal tunnel: before the first session).",
        "NGAP Titre XIV dispositions liminaires a) and b); chap. II art. 1; NGAP DG art. 7";
    AgeCondition => "AGE_CONDITION", Error,
        "The act is bound to the patient's age: DRA under 18, fragility screening bilan at 70 or more.",
        "NGAP Titre XIV chap. II art. 1 E; décision UNCAM du 14/12/2023 (bilan de repérage de la fragilité)";
    AgeUnknown => "AGE_UNKNOWN", Warning,
        "The act is bound to the patient's age but patient_birth_date is missing: the condition could not be checked.",
        "NGAP Titre XIV chap. II art. 1 E; décision UNCAM du 14/12/2023";
    BilanDuringTreatment => "BILAN_DURING_TREATMENT", Warning,
        "A chapter I section 1 bilan is billable only when no rehabilitation is ongoing or prescribed at the same time for the patient.",
        "NGAP Titre XIV chap. I section 1";
    BdkRank => "BDK_RANK", Warning,
        "The BDK forfait is billed at the first session, then at the 30th and every 20 sessions (AMK 10.7), or at the 60th and every 50 (AMK 10.8, neurological).",
        "NGAP Titre XIV chap. I section 2 §3";
    MajorationJustification => "MAJORATION_JUSTIFICATION", Warning,
        "Night and Sunday / public holiday majorations need an urgency justified by the patient's state (or an imperative daily treatment), best shown on the prescription.",
        "NGAP DG art. 14 and 14 B; Titre XIV dispositions liminaires";
    MajorationNotApplicable => "MAJORATION_NOT_APPLICABLE", Error,
        "MDD on a day that is neither a Sunday nor a public holiday, MDN outside 20:00–08:00 or with a call outside 19:00–07:00, or both on one act.",
        "NGAP DG art. 14";
    PrescriptionAfterAct => "PRESCRIPTION_AFTER_ACT", Error,
        "The prescription is dated after the act: acts are covered only when prescribed in writing, dated, before the care started.",
        "NGAP Titre XIV dispositions liminaires; CSS art. R.161-45";
    PrescriptionOld => "PRESCRIPTION_OLD", Warning,
        "The first session of a prescription comes more than 12 months after its date. No official text sets a deadline: a warning, to check with the caisse.",
        "no official text (research-reimbursement-and-identifiers.md §4.2); caisses' practice";
    RenewalLate => "RENEWAL_LATE", Warning,
        "A renewal by the physiotherapist (prescriber 291991123) whose first renewed session is 12 months or more after the prescription: the renewal must come less than 12 months after it, unless the doctor excluded it.",
        "CSP art. L.4321-1 (loi n° 2021-502 du 26/04/2021); avenant 7 (arrêté du 21/08/2023)";
    ExceptionalOverrun => "EXCEPTIONAL_OVERRUN", Warning,
        "A dépassement exceptionnel (DE): accepted, never reimbursed; only for a particular demand of the patient (a fixed time, travel the patient asked for), who is told before the care; its abusive use is sanctioned.",
        "convention nationale des masseurs-kinésithérapeutes du 3 avril 2007, §5.4.1";
    NirInvalid => "NIR_INVALID", Error,
        "The patient's NIR (patient_nir) is malformed: 13 characters and a 2-digit key, key = 97 − (number mod 97), 2A / 2B read as 19 / 18 for Corsica; first digit 1, 2, or 7, 8 for a temporary number.",
        "INSEE / CNAM NIR key (CNAM nir-validation); research-reimbursement-and-identifiers.md §3.1";
    PractitionerNumberInvalid => "PRACTITIONER_NUMBER_INVALID", Error,
        "The practitioner's number (practitioner_number) is neither a numéro AM of a masseur-kinésithérapeute (9 digits, category 7) nor an RPPS (11 digits, Luhn key).",
        "ANS, FAQ des industriels (RPPS, numéro AM); research-reimbursement-and-identifiers.md §3.2-3.3";
    PrescriberNumberInvalid => "PRESCRIBER_NUMBER_INVALID", Error,
        "The prescriber's number (prescriber_number) is not a well-formed numéro AM, RPPS or FINESS, nor 291991123 (renewal by the physiotherapist).",
        "ANS FAQ; GIE SESAM-Vitale SFG RG_MF609 (FINESS); research-reimbursement-and-identifiers.md §3.6";
    NumberKeyDoubtful => "NUMBER_KEY_DOUBTFUL", Warning,
        "The Luhn key of a numéro AM or a FINESS does not match: the sources infer this key from examples only, so a warning.",
        "research-reimbursement-and-identifiers.md §3.2, §3.5 (confidence M)";
    MajorationWithoutAct => "MAJORATION_WITHOUT_ACT", Error,
        "A majoration needs an act of the same patient and practitioner on the same day.",
        "NGAP DG art. 14 (« en plus des honoraires normaux »)";
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

impl fmt::Display for LineStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `CODE [severity] message`.
impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} [{}] {}",
            self.code,
            self.code.severity(),
            self.message
        )
    }
}

/// JSON shapes (the batch's JSON lines use the same): a code as its stable
/// text (`"AMOUNT_MISMATCH"`), a severity and a status in lower case
/// (`"error"`, `"ok"`), a finding as `{"code", "severity", "message"}`
/// (the severity, which follows from the code, is written and ignored when
/// read).
mod json {
    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use super::{Finding, FindingCode, LineStatus, Severity};

    impl Serialize for FindingCode {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.serialize_str(self.as_str())
        }
    }

    impl<'de> Deserialize<'de> for FindingCode {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<FindingCode, D::Error> {
            let text = String::deserialize(d)?;
            text.parse().map_err(D::Error::custom)
        }
    }

    impl Serialize for Severity {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.serialize_str(self.as_str())
        }
    }

    /// The value named `text` in `table`, or an error listing the names.
    fn named<T: Copy, E: serde::de::Error>(
        text: &str,
        table: &[(&str, T)],
        what: &str,
    ) -> Result<T, E> {
        table
            .iter()
            .find(|(n, _)| *n == text)
            .map(|(_, v)| *v)
            .ok_or_else(|| {
                let names: Vec<&str> = table.iter().map(|(n, _)| *n).collect();
                E::custom(format!(
                    "{what} inconnu(e) : {text:?} ({})",
                    names.join(", ")
                ))
            })
    }

    impl<'de> Deserialize<'de> for Severity {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Severity, D::Error> {
            let table = [
                ("info", Severity::Info),
                ("warning", Severity::Warning),
                ("error", Severity::Error),
            ];
            named(&String::deserialize(d)?, &table, "gravité")
        }
    }

    impl Serialize for LineStatus {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.serialize_str(self.as_str())
        }
    }

    impl<'de> Deserialize<'de> for LineStatus {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<LineStatus, D::Error> {
            let table = [
                ("ok", LineStatus::Ok),
                ("warning", LineStatus::Warning),
                ("error", LineStatus::Error),
            ];
            named(&String::deserialize(d)?, &table, "statut")
        }
    }

    #[derive(Serialize)]
    struct FindingOut<'a> {
        code: FindingCode,
        severity: Severity,
        message: &'a str,
    }

    #[derive(Deserialize)]
    struct FindingIn {
        code: FindingCode,
        message: String,
    }

    impl Serialize for Finding {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            FindingOut {
                code: self.code,
                severity: self.code.severity(),
                message: &self.message,
            }
            .serialize(s)
        }
    }

    impl<'de> Deserialize<'de> for Finding {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Finding, D::Error> {
            let f = FindingIn::deserialize(d)?;
            Ok(Finding::new(f.code, f.message))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn findings_go_to_json_and_back() {
        let f = Finding::new(
            FindingCode::AmountMismatch,
            "Montant facturé 16.57 € ≠ 16.58 €.",
        );
        let text = serde_json::to_string(&f).unwrap();
        assert_eq!(
            text,
            r#"{"code":"AMOUNT_MISMATCH","severity":"error","message":"Montant facturé 16.57 € ≠ 16.58 €."}"#
        );
        assert_eq!(serde_json::from_str::<Finding>(&text).unwrap(), f);
        assert!(serde_json::from_str::<Finding>(r#"{"code":"NOPE","message":""}"#).is_err());
        assert_eq!(
            serde_json::to_string(&LineStatus::Warning).unwrap(),
            r#""warning""#
        );
        assert_eq!(
            serde_json::from_str::<Severity>(r#""info""#).unwrap(),
            Severity::Info
        );
        assert!(serde_json::from_str::<LineStatus>(r#""bad""#).is_err());
    }

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
