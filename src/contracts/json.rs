//! Contracts in JSON (serde): the request of a schedule, as the C library
//! and other languages send it, and the schedule as it comes back. The
//! shapes mirror [`Contract`] and [`Options`]; decimals are strings, codes
//! are read as the command line reads them (`"CAIMK"`, `"avenant7"`,
//! `"tsd"`, …).
//!
//! ```
//! use kine_tarif::contracts::{json::ScheduleRequest, schedule};
//!
//! let r: ScheduleRequest = serde_json::from_str(r#"{
//!     "contract": {"kind": "CAIMK", "version": "avenant7", "signed": "2025-03-01", "zone": "tsd",
//!                  "acts": {"2025": 1000, "2026": 1000, "2027": 1000, "2028": 1000, "2029": 1000}}
//! }"#).unwrap();
//! let (contract, options) = r.into_parts().unwrap();
//! let s = schedule(&contract, &options).unwrap();
//! let answer = kine_tarif::contracts::json::schedule_value(&contract, &s);
//! assert_eq!(answer["contract"], "CAIMK");
//! assert!(answer["total"].is_string());
//! ```

use std::collections::BTreeMap;
use std::str::FromStr;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer};
use serde_json::{Value, json};

use super::{
    Contract, InternPeriod, Options, ProrataUnit, Repayment, Schedule, Termination, Year1Proration,
    YearBasis,
};

/// A value read by its `FromStr` (the command line's spellings).
fn parsed<'de, D: Deserializer<'de>, T: FromStr<Err = String>>(d: D) -> Result<T, D::Error> {
    let s = String::deserialize(d)?;
    s.parse().map_err(serde::de::Error::custom)
}

fn parsed_opt<'de, D: Deserializer<'de>, T: FromStr<Err = String>>(
    d: D,
) -> Result<Option<T>, D::Error> {
    Option::<String>::deserialize(d)?
        .map(|s| s.parse().map_err(serde::de::Error::custom))
        .transpose()
}

/// A decimal written as a string.
#[derive(Deserialize)]
#[serde(transparent)]
struct Text(#[serde(with = "rust_decimal::serde::str")] Decimal);

/// One intern period.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct InternRequest {
    year: u32,
    months: Text,
    fte: Text,
    #[serde(default)]
    study_year: Option<u8>,
}

/// An early termination.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TerminationRequest {
    date: NaiveDate,
    #[serde(default, deserialize_with = "parsed_opt")]
    reason: Option<super::LegitimateReason>,
}

/// A contract ([`Contract`]'s fields).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ContractRequest {
    #[serde(deserialize_with = "parsed")]
    kind: super::ContractType,
    #[serde(deserialize_with = "parsed")]
    version: super::Version,
    signed: NaiveDate,
    #[serde(deserialize_with = "parsed")]
    zone: super::ZoneType,
    #[serde(default)]
    acts: BTreeMap<u32, u32>,
    #[serde(default)]
    in_zone_share: BTreeMap<u32, Text>,
    #[serde(default)]
    modernisation_met: BTreeMap<u32, bool>,
    #[serde(default)]
    interns: Vec<InternRequest>,
    #[serde(default)]
    termination: Option<TerminationRequest>,
    #[serde(default)]
    collaborator_days: Option<Text>,
    #[serde(default)]
    renewals: u32,
}

/// The readings the sources leave open ([`Options`]); each may be left
/// out for its default.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
struct OptionsRequest {
    /// `calendar` or `contract`.
    year_basis: Option<String>,
    /// `days` or `months`.
    prorata: Option<String>,
    /// `recover` or `ignore`.
    year1: Option<String>,
    /// `paid_prorata` or `paid_minus_earned`.
    repayment: Option<String>,
}

/// The request of a schedule: `{"contract": {…}, "options": {…}}`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduleRequest {
    contract: ContractRequest,
    #[serde(default)]
    options: OptionsRequest,
}

impl ScheduleRequest {
    /// The contract and the options, or what is wrong with an option.
    pub fn into_parts(self) -> Result<(Contract, Options), String> {
        let unknown = self.unknown_options();
        if !unknown.is_empty() {
            return Err(unknown.join(" ; "));
        }
        let c = self.contract;
        let contract = Contract {
            kind: c.kind,
            version: c.version,
            signed: c.signed,
            zone: c.zone,
            acts: c.acts,
            in_zone_share: c.in_zone_share.into_iter().map(|(y, t)| (y, t.0)).collect(),
            modernisation_met: c.modernisation_met,
            interns: c
                .interns
                .into_iter()
                .map(|i| InternPeriod {
                    year: i.year,
                    months: i.months.0,
                    fte: i.fte.0,
                    study_year: i.study_year,
                })
                .collect(),
            termination: c.termination.map(|t| Termination {
                date: t.date,
                reason: t.reason,
            }),
            collaborator_days: c.collaborator_days.map(|t| t.0),
            renewals: c.renewals,
        };
        let o = self.options;
        let options = Options {
            year_basis: match o.year_basis.as_deref() {
                Some("contract") => YearBasis::Contract,
                _ => YearBasis::Calendar,
            },
            prorata: match o.prorata.as_deref() {
                Some("months") => ProrataUnit::Months,
                _ => ProrataUnit::Days,
            },
            year1: match o.year1.as_deref() {
                Some("ignore") => Year1Proration::Ignore,
                _ => Year1Proration::Recover,
            },
            repayment: match o.repayment.as_deref() {
                Some("paid_minus_earned") => Repayment::PaidMinusEarned,
                _ => Repayment::PaidProrata,
            },
        };
        Ok((contract, options))
    }

    /// The options' values that are not one of theirs, named.
    fn unknown_options(&self) -> Vec<String> {
        let o = &self.options;
        [
            ("year_basis", &o.year_basis, &["calendar", "contract"][..]),
            ("prorata", &o.prorata, &["days", "months"][..]),
            ("year1", &o.year1, &["recover", "ignore"][..]),
            (
                "repayment",
                &o.repayment,
                &["paid_prorata", "paid_minus_earned"][..],
            ),
        ]
        .into_iter()
        .filter_map(|(name, v, allowed)| {
            let v = v.as_deref()?;
            (!allowed.contains(&v)).then(|| {
                let quoted: Vec<String> = allowed.iter().map(|a| format!("{a:?}")).collect();
                format!("options.{name} {v:?} : attendu {}", quoted.join(" ou "))
            })
        })
        .collect()
    }
}

/// A schedule as JSON: the contract, its eligibility, the payments
/// (decimals as strings), the total and the notes. `contract schedule
/// --format json` prints the same.
pub fn schedule_value(c: &Contract, s: &Schedule) -> Value {
    json!({
        "contract": c.kind.as_str(),
        "version": c.version.as_str(),
        "signed": c.signed.to_string(),
        "eligible": s.eligibility.eligible,
        "eligibility": s.eligibility.reasons,
        "payments": s.payments,
        "total": s.total.to_string(),
        "notes": s.notes,
    })
}
