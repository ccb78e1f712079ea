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

    /// The severity as a person reads it: `information`, `avertissement`,
    /// `erreur`.
    pub fn label(self) -> &'static str {
        match self {
            Severity::Info => "information",
            Severity::Warning => "avertissement",
            Severity::Error => "erreur",
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

    /// The status as a person reads it: `conforme`, `avertissement`,
    /// `erreur`.
    pub fn label(self) -> &'static str {
        match self {
            LineStatus::Ok => "conforme",
            LineStatus::Warning => "avertissement",
            LineStatus::Error => "erreur",
        }
    }

    /// The status of a line carrying these findings.
    ///
    /// ```
    /// use kine_tarif::{Finding, FindingCode, LineStatus};
    /// let f = Finding::new(FindingCode::AmbiguousAct, "deux actes");
    /// assert_eq!(LineStatus::of(&[f.clone()]), LineStatus::Warning);
    /// assert_eq!(LineStatus::of(&[]).to_string(), "ok");
    /// assert_eq!(f.to_string(), "AMBIGUOUS_ACT [avertissement] deux actes");
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

            /// The rule, in one sentence, in French for a person.
            pub const fn rule(self) -> &'static str {
                match self { $(FindingCode::$variant => $rule,)* }
            }

            /// Where the rule is written: a legal reference, in French.
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

// The rules and sources are shown to people (`explain`, the command's
// catalogue): French, legal references only. Where a rule rests on the
// project's research notes rather than on an official text, the note is
// named in a comment above the entry.
findings! {
    InvalidField => "INVALID_FIELD", Error,
        "Un champ de la ligne est illisible ou hors des bornes (date, département, coefficient, quantité, montant) ; la ligne figure quand même dans le résultat.",
        "format du fichier de factures de kine-tarif (README)";
    UnknownCode => "UNKNOWN_CODE", Error,
        "Le code n'est ni une lettre clé de masso-kinésithérapie, ni TMK, ni RQD, ni une indemnité de déplacement.",
        "décision UNCAM du 14/12/2023, art. 3 (annexe 2, lettres clés) ; NGAP DG art. 13";
    UnknownAct => "UNKNOWN_ACT", Error,
        "Aucun acte n'a jamais eu ce coefficient avec cette lettre clé (ou l'acte indiqué est inconnu, ou se cote avec une autre lettre clé).",
        "NGAP Titre XIV (version du 21/06/2026) et ses versions antérieures reprises dans les données tarifaires";
    AmbiguousAct => "AMBIGUOUS_ACT", Warning,
        "Plusieurs actes ont cette cotation à cette date et aucun acte indiqué ne les départage : la ligne est valorisée, l'acte reste indéterminé.",
        "NGAP Titre XIV chap. I section 1 (AMK 5 et AMK 10 désignent chacun deux bilans)";
    CoefficientRevalued => "COEFFICIENT_REVALUED", Error,
        "La cotation désigne un acte dont le coefficient à cette date est différent ; le coefficient et le montant corrigés sont donnés.",
        "avenants 7 et 8 à la convention nationale ; décision UNCAM du 14/12/2023";
    ActNotInForce => "ACT_NOT_IN_FORCE", Error,
        "L'acte ou le code n'existait pas encore, ou n'existait plus, à cette date.",
        "décision UNCAM du 14/12/2023 ; avenant 7 ; NGAP DG art. 13 E";
    OldCotationTransition => "OLD_COTATION_TRANSITION", Warning,
        "Une cotation AMS, AMC ou AMK de rééducation entre le 22/02/2024 et le 31/05/2024 : acceptée pendant la transition et valorisée, avec les nouvelles cotations à utiliser.",
        "décision UNCAM du 14/12/2023 (JORF du 08/02/2024), art. 3 ; avenant 7";
    OldCotationRejected => "OLD_COTATION_REJECTED", Error,
        "Une cotation AMS, AMC ou AMK de rééducation à partir du 01/06/2024 : les nouvelles lettres clés sont obligatoires.",
        "décision UNCAM du 14/12/2023 (JORF du 08/02/2024), art. 3 ; avenant 7";
    NoTariffForDate => "NO_TARIFF_FOR_DATE", Error,
        "La date est hors de la période couverte par les données tarifaires (avant le 15/07/2012).",
        "avenant 3 à la convention nationale : ses valeurs du 15/07/2012 sont les premières des données tarifaires";
    AmountMismatch => "AMOUNT_MISMATCH", Error,
        "Le montant facturé diffère du montant calculé : coefficient × valeur de la lettre clé × quantité, arrondi au centime.",
        "NGAP DG art. 2 (valeur des lettres clés) ; convention nationale des masseurs-kinésithérapeutes";
    UnknownValue => "UNKNOWN_VALUE", Error,
        "Les sources ne donnent pas de valeur pour ce code sur ce territoire à cette date (TMK en outre-mer) : la ligne n'est pas valorisée plutôt que valorisée avec une valeur inventée.",
        "données tarifaires : valeur inconnue dans le fichier letter_values.csv";
    ConditionalTariff => "CONDITIONAL_TARIFF", Warning,
        "Le coefficient ou la valeur utilisés sont une étape programmée sous condition (changement de LAP, procédure d'alerte de l'ONDAM) : vérifiez qu'elle est entrée en vigueur.",
        "avenant 7 ; CSS art. L.162-14-1-1 (comité d'alerte de l'ONDAM)";
    SameDayNotAllowed => "SAME_DAY_NOT_ALLOWED", Error,
        "Une deuxième séance de rééducation le même jour pour le patient n'est facturable qu'avec deux prescriptions, pour des affections relevant d'articles différents de la NGAP, en deux séances distinctes (sauf ARL 8,49, ARL 10 et RPB, jusqu'à deux par jour ; PLL est un forfait journalier ; RAV 1 ou RAV 2 jamais avec RAV 15,5).",
        "NGAP Titre XIV, dispositions liminaires (décision UNCAM du 14/12/2023, art. 1) ; chap. II art. 5, 7, 10, 11";
    TelesoinNotTmk => "TELESOIN_NOT_TMK", Error,
        "Une séance à distance (colonne telesoin) se facture avec la lettre clé TMK et le coefficient de l'acte en présence du patient, et non avec la lettre clé de cet acte.",
        "avenant 7 art. 2.3.1 ; décision UNCAM du 14/12/2023, art. 3 (TMK)";
    TelesoinWithTravel => "TELESOIN_WITH_TRAVEL", Error,
        "Une séance de télésoin est facturée avec une indemnité de déplacement pour le même patient, le même praticien et le même jour.",
        "avenant 7 art. 2.3.1 ; NGAP DG art. 13 (déplacement seulement pour les actes au domicile du patient)";
    TelesoinExcluded => "TELESOIN_EXCLUDED", Error,
        "L'acte demande un contact ou un équipement (désencombrement urgent ARL 8,49, balnéothérapie) ou est un bilan : il n'est pas facturable en télésoin.",
        "avenant 7 art. 2.3.1 ; https://www.ameli.fr/masseur-kinesitherapeute/exercice-liberal/telesante/telesoin";
    TelesoinFirstSession => "TELESOIN_FIRST_SESSION", Error,
        "La première séance d'un traitement, avec le bilan-diagnostic initial (BDK), a lieu en présence du patient.",
        "avenant 7 art. 2.3.1 ; page télésoin du site ameli.fr";
    TelesoinUnknownPatient => "TELESOIN_UNKNOWN_PATIENT", Warning,
        "Le lot ne contient aucun acte en présence du patient avec ce praticien dans les 12 mois qui précèdent la séance de télésoin.",
        "avenant 7 art. 2.3.1 ; page télésoin du site ameli.fr";
    TelesoinShareExceeded => "TELESOIN_SHARE_EXCEEDED", Warning,
        "Les séances de télésoin dépassent 20 % des séances du praticien dans l'année civile (comptées dans le lot ; 20 % exactement est admis).",
        "avenant 7 art. 2.3.1 (activité à distance ≤ 20 % de l'activité)";
    TravelWithoutAct => "TRAVEL_WITHOUT_ACT", Error,
        "Une indemnité de déplacement suppose un acte en présence du même patient, par le même praticien, le même jour.",
        "NGAP DG art. 13 (frais de déplacement « en sus de la valeur de l'acte »)";
    TravelNotCumulable => "TRAVEL_NOT_CUMULABLE", Error,
        "IFD et IFS (ou les anciennes IFO, IFR, IFN, IFP) ne se cumulent pas ; une seule indemnité forfaitaire par déplacement, y compris quand plusieurs patients sont vus au même domicile ou dans le même établissement.",
        "NGAP DG art. 13 A et E, art. 13.1";
    IfsNotEligible => "IFS_NOT_ELIGIBLE", Error,
        "L'IFS (ou, avant 2026, l'IFO, l'IFR, l'IFN, l'IFP, l'IFS de sortie) n'est pas admise avec les actes de ce jour : voir la liste de l'article 13 E des dispositions générales (art. 1 A à C, E et F seulement après chirurgie, jusqu'au 35e jour après la sortie).",
        "NGAP DG art. 13 E (version du 21/06/2026) ; avenant 7";
    IkDistanceMismatch => "IK_DISTANCE_MISMATCH", Error,
        "Les kilomètres facturés diffèrent de 2d − 4 (plaine) ou 2d − 2 (montagne) pour une distance aller d ; pas d'IK sous 2 km en plaine ni sous 1 km en montagne.",
        "NGAP DG art. 13 C 1°";
    RqdLimitExceeded => "RQD_LIMIT_EXCEEDED", Error,
        "Plus de 2 demandes de téléexpertise (RQD) par le praticien pour le patient dans l'année civile.",
        "NGAP DG art. 14.9.6";
    DirectAccessLimit => "DIRECT_ACCESS_LIMIT", Warning,
        "Plus de 8 séances en accès direct (prescripteur = praticien) pour le patient dans un épisode de soins d'au plus 3 mois : admis seulement avec un diagnostic médical préalable.",
        "CSP art. L.4321-1 (loi n° 2023-379 du 19 mai 2023) ; avenant 7";
    PriorAgreementRequired => "PRIOR_AGREEMENT_REQUIRED", Warning,
        "À partir de cette séance, l'acte soumis à un référentiel de la HAS demande l'accord préalable du service du contrôle médical (canal carpien : avant la première séance).",
        "NGAP Titre XIV, dispositions liminaires a) et b) ; chap. II art. 1 ; NGAP DG art. 7";
    AgeCondition => "AGE_CONDITION", Error,
        "L'acte dépend de l'âge du patient : DRA avant 18 ans, bilan de repérage de la fragilité à 70 ans ou plus.",
        "NGAP Titre XIV chap. II art. 1 E ; décision UNCAM du 14/12/2023 (bilan de repérage de la fragilité)";
    AgeUnknown => "AGE_UNKNOWN", Warning,
        "L'acte dépend de l'âge du patient mais la date de naissance (colonne patient_birth_date) manque : la condition n'a pas pu être vérifiée.",
        "NGAP Titre XIV chap. II art. 1 E ; décision UNCAM du 14/12/2023";
    BilanDuringTreatment => "BILAN_DURING_TREATMENT", Warning,
        "Un bilan du chapitre I section 1 n'est facturable que si aucune rééducation n'est en cours ou prescrite en même temps pour le patient.",
        "NGAP Titre XIV chap. I section 1";
    BdkRank => "BDK_RANK", Warning,
        "Le forfait BDK se facture à la première séance, puis à la 30e et toutes les 20 séances (AMK 10,7), ou à la 60e et toutes les 50 séances (AMK 10,8, neurologie).",
        "NGAP Titre XIV chap. I section 2 §3";
    MajorationJustification => "MAJORATION_JUSTIFICATION", Warning,
        "Les majorations de nuit et de dimanche ou jour férié supposent une urgence justifiée par l'état du patient (ou un traitement quotidien impératif), de préférence mentionnée sur la prescription.",
        "NGAP DG art. 14 et 14 B ; Titre XIV, dispositions liminaires";
    MajorationNotApplicable => "MAJORATION_NOT_APPLICABLE", Error,
        "MDD un jour qui n'est ni un dimanche ni un jour férié, MDN en dehors de 20 h à 8 h ou avec un appel en dehors de 19 h à 7 h, ou les deux sur un même acte.",
        "NGAP DG art. 14";
    PrescriptionAfterAct => "PRESCRIPTION_AFTER_ACT", Error,
        "La prescription est datée après l'acte : les actes ne sont pris en charge que sur prescription écrite et datée, antérieure au début des soins.",
        "NGAP Titre XIV, dispositions liminaires ; CSS art. R.161-45";
    // Research note: research-reimbursement-and-identifiers.md §4.2.
    PrescriptionOld => "PRESCRIPTION_OLD", Warning,
        "La première séance d'une prescription a lieu plus de 12 mois après sa date. Aucun texte officiel ne fixe de délai : c'est un avertissement, à vérifier avec la caisse.",
        "aucun texte officiel ; pratique des caisses";
    RenewalLate => "RENEWAL_LATE", Warning,
        "Un renouvellement par le masseur-kinésithérapeute (prescripteur 291991123) dont la première séance renouvelée a lieu 12 mois ou plus après la prescription : le renouvellement doit intervenir moins de 12 mois après elle, sauf opposition du médecin.",
        "CSP art. L.4321-1 (loi n° 2021-502 du 26/04/2021) ; avenant 7 (arrêté du 21/08/2023)";
    ExceptionalOverrun => "EXCEPTIONAL_OVERRUN", Warning,
        "Un dépassement exceptionnel (DE) : accepté, jamais remboursé ; seulement pour une exigence particulière du patient (un horaire fixe, un déplacement qu'il a demandé), qui en est informé avant les soins ; son usage abusif est sanctionné.",
        "convention nationale des masseurs-kinésithérapeutes du 3 avril 2007, §5.4.1";
    // Research note: research-reimbursement-and-identifiers.md §3.1.
    NirInvalid => "NIR_INVALID", Error,
        "Le NIR du patient (colonne patient_nir) est mal formé : 13 caractères et une clé de 2 chiffres, clé = 97 − (numéro modulo 97), 2A et 2B lus 19 et 18 pour la Corse ; premier chiffre 1 ou 2, ou 7 ou 8 pour un numéro provisoire.",
        "clé du NIR (INSEE, CNAM : contrôle du NIR, nir-validation)";
    // Research note: research-reimbursement-and-identifiers.md §3.2-3.3.
    PractitionerNumberInvalid => "PRACTITIONER_NUMBER_INVALID", Error,
        "Le numéro du praticien (colonne practitioner_number) n'est ni un numéro AM de masseur-kinésithérapeute (9 chiffres, catégorie 7) ni un numéro RPPS (11 chiffres, clé de Luhn).",
        "ANS, FAQ des industriels (RPPS, numéro AM)";
    // Research note: research-reimbursement-and-identifiers.md §3.6.
    PrescriberNumberInvalid => "PRESCRIBER_NUMBER_INVALID", Error,
        "Le numéro du prescripteur (colonne prescriber_number) n'est pas un numéro AM, RPPS ou FINESS bien formé, ni 291991123 (renouvellement par le masseur-kinésithérapeute).",
        "ANS, FAQ des industriels ; GIE SESAM-Vitale, SFG RG_MF609 (FINESS)";
    // Research note: research-reimbursement-and-identifiers.md §3.2, §3.5
    // (confidence M).
    NumberKeyDoubtful => "NUMBER_KEY_DOUBTFUL", Warning,
        "La clé de Luhn d'un numéro AM ou FINESS ne correspond pas : les sources ne déduisent cette clé que d'exemples, d'où un avertissement.",
        "aucun texte officiel : clé déduite d'exemples de numéros (confiance moyenne)";
    MajorationWithoutAct => "MAJORATION_WITHOUT_ACT", Error,
        "Une majoration suppose un acte du même patient, par le même praticien, le même jour.",
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

/// `CODE [gravité] message`, the severity in French
/// ([`Severity::label`]).
impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} [{}] {}",
            self.code,
            self.code.severity().label(),
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
            "Montant facturé 16,57 € ≠ 16,58 €.",
        );
        let text = serde_json::to_string(&f).unwrap();
        assert_eq!(
            text,
            r#"{"code":"AMOUNT_MISMATCH","severity":"error","message":"Montant facturé 16,57 € ≠ 16,58 €."}"#
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
