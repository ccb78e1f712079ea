//! Conventionnement of a physiotherapist in a non-priority zone (avenant 7
//! art. 1.2; avenant 5 for the "sur-dotées" zones before), as a decision
//! with the rule that made it.
//!
//! In a non-priority zone, a new physiotherapist is conventionné only as
//! the successor of one who stops practising for good in the zone and
//! names him in an attestation, within 2 years of the cessation. The place
//! is granted when the departing physiotherapist billed at least 1,200 acts
//! in year N−1 (N = year of cessation), otherwise on the favourable opinion
//! of the CPD (commission paritaire départementale). Once designated, the
//! successor has 6 months to start the installation formalities; if that
//! lapses, the departing physiotherapist has 6 more months to designate
//! another. Derogations (personal life, shortage of specific care, economic
//! risk) grant an extra place. Sources: seed 004 (avenant 7 memo), ameli
//! "avenant 7 : le point sur l'accès au conventionnement".
//!
//! Choice: the 1,200-act threshold is read as "1,200 or more" (the memo
//! says "> 1200" in one place; `threshold_inclusive` switches it).

use chrono::{Datelike, Months, NaiveDate};

use super::ZoneType;
use crate::fr::Date;

/// A derogation invoked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Derogation {
    /// Serious medical situation of a relative, spouse's transfer, forced
    /// change of professional address; `proof` = the proof was sent.
    PersonalLife {
        /// Proof sent to the CPAM.
        proof: bool,
    },
    /// Shortage of specific care: shares of specific acts over the 3 years
    /// before, and of the activity in the zone (both at least 50 %).
    SpecificCare {
        /// Share of specific acts over the 3 previous years (0–100).
        share_3_years_percent: u32,
        /// Share of the zone activity that is specific (0–100).
        share_in_zone_percent: u32,
    },
    /// Joining a group whose finances are threatened by a former member's
    /// installation in the zone; `searched` = it looked for a collaborator.
    EconomicRisk {
        /// The group looked for a collaborator in the zone.
        searched: bool,
    },
}

/// A request for conventionnement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConventionnementRequest {
    /// Zone type of the place.
    pub zone: ZoneType,
    /// Date of the request.
    pub request_date: NaiveDate,
    /// A derogation, if invoked.
    pub derogation: Option<Derogation>,
    /// Definitive cessation date of the departing physiotherapist.
    pub cessation_date: Option<NaiveDate>,
    /// An attestation of the departing physiotherapist names the applicant.
    pub attestation: bool,
    /// Acts of the departing physiotherapist in year N−1.
    pub departing_acts_previous_year: Option<u32>,
    /// Opinion of the CPD, when given.
    pub cpd_opinion: Option<bool>,
    /// Date the successor was designated.
    pub designation_date: Option<NaiveDate>,
    /// Date the successor started the installation formalities.
    pub formalities_date: Option<NaiveDate>,
    /// Whether 1,200 acts exactly is enough (default reading: yes).
    pub threshold_inclusive: bool,
}

/// The decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Conventionné.
    Granted,
    /// Conventionné on an extra place (derogation).
    GrantedExtraPlace,
    /// Refused.
    Refused,
    /// Waiting for the CPD opinion.
    PendingCpdOpinion,
}

/// A decision with the rule that made it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// The outcome.
    pub outcome: Outcome,
    /// The rule, in French.
    pub rule: String,
}

fn decision(outcome: Outcome, rule: impl Into<String>) -> Decision {
    Decision {
        outcome,
        rule: rule.into(),
    }
}

/// Decides a request. Total: any dates (a window ending past chrono's
/// last date is open up to it) and any counts give a decision.
///
/// ```
/// use kine_tarif::contracts::{conventionnement_decision, ConventionnementRequest, Outcome, ZoneType};
/// let d = |s: &str| s.parse().unwrap();
/// let r = ConventionnementRequest {
///     zone: ZoneType::NonPrioritaire, request_date: d("2025-06-01"), derogation: None,
///     cessation_date: Some(d("2025-01-10")), attestation: true, departing_acts_previous_year: Some(1200),
///     cpd_opinion: None, designation_date: None, formalities_date: None, threshold_inclusive: true,
/// };
/// assert_eq!(conventionnement_decision(&r).outcome, Outcome::Granted);
/// ```
pub fn conventionnement_decision(r: &ConventionnementRequest) -> Decision {
    if r.zone != ZoneType::NonPrioritaire {
        return decision(
            Outcome::Granted,
            "Hors zone non prioritaire, le conventionnement n'est pas soumis à la régulation.",
        );
    }
    if let Some(d) = r.derogation {
        let (ok, why) = match d {
            Derogation::PersonalLife { proof } => (
                proof,
                "dérogation pour raison personnelle (justificatif transmis à la CPAM)",
            ),
            Derogation::SpecificCare {
                share_3_years_percent,
                share_in_zone_percent,
            } => (
                share_3_years_percent >= 50 && share_in_zone_percent >= 50,
                "dérogation pour soins spécifiques (au moins 50 % d'actes spécifiques sur 3 ans et 50 % de l'activité dans la zone)",
            ),
            Derogation::EconomicRisk { searched } => (
                searched,
                "dérogation pour risque économique du groupe (recherche d'un collaborateur dans la zone)",
            ),
        };
        return if ok {
            decision(
                Outcome::GrantedExtraPlace,
                format!("Accordé en surnombre : {why}."),
            )
        } else {
            decision(
                Outcome::Refused,
                format!("Conditions non remplies pour la {why}."),
            )
        };
    }
    let Some(cessation) = r.cessation_date else {
        return decision(
            Outcome::Refused,
            "Zone non prioritaire : un conventionnement suppose la cessation définitive d'activité d'un masseur-kinésithérapeute conventionné de la zone.",
        );
    };
    if !r.attestation {
        return decision(
            Outcome::Refused,
            "Zone non prioritaire : l'attestation du masseur-kinésithérapeute cessant son activité, désignant son successeur, est requise.",
        );
    }
    let window = cessation
        .checked_add_months(Months::new(24))
        .unwrap_or(NaiveDate::MAX);
    if r.request_date > window {
        return decision(
            Outcome::Refused,
            format!(
                "Demande du {} au-delà des 2 ans suivant la cessation du {} (jusqu'au {}).",
                Date(r.request_date),
                Date(cessation),
                Date(window)
            ),
        );
    }
    if let (Some(designated), Some(formalities)) = (r.designation_date, r.formalities_date) {
        let limit = designated
            .checked_add_months(Months::new(6))
            .unwrap_or(NaiveDate::MAX);
        if formalities > limit {
            return decision(
                Outcome::Refused,
                format!(
                    "Formalités d'installation commencées le {}, après le délai de 6 mois suivant la désignation du {} ; le cédant dispose de 6 mois de plus pour désigner un autre successeur.",
                    Date(formalities),
                    Date(designated)
                ),
            );
        }
    }
    let n1 = cessation.year() - 1;
    match r.departing_acts_previous_year {
        Some(acts) if acts > 1200 || (acts == 1200 && r.threshold_inclusive) => decision(
            Outcome::Granted,
            format!(
                "Le cédant a réalisé {acts} actes en {n1} (seuil de 1 200) : la place est attribuée au successeur désigné."
            ),
        ),
        acts => {
            let what = acts
                .map(|a| format!("{a} actes en {n1}, sous le seuil de 1 200"))
                .unwrap_or_else(|| format!("activité {n1} du cédant inconnue"));
            match r.cpd_opinion {
                Some(true) => decision(
                    Outcome::Granted,
                    format!("{what} : avis favorable de la CPD."),
                ),
                Some(false) => decision(
                    Outcome::Refused,
                    format!("{what} : avis défavorable de la CPD."),
                ),
                None => decision(
                    Outcome::PendingCpdOpinion,
                    format!("{what} : l'avis de la CPD est nécessaire."),
                ),
            }
        }
    }
}
