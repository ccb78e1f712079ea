//! The reference answers: conversion of an old cotation, the tariff table
//! at a date, a contract's schedule, the finding catalogue.

use serde::Deserialize;
use serde_json::{Value, json};

use super::{RequestError, parse, territory};
use crate::{Code, Decimal, FindingCode, NaiveDate, Tariffs};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConvertRequest {
    letter: Code,
    #[serde(with = "rust_decimal::serde::str")]
    coefficient: Decimal,
    date: NaiveDate,
    #[serde(default)]
    act_id: Option<String>,
    #[serde(default)]
    label: Option<String>,
}

/// `convert`: the new cotations replacing an old one at a date.
pub fn convert(t: &Tariffs, text: &str) -> Result<Value, RequestError> {
    let r: ConvertRequest = parse(text)?;
    let found = t
        .convert(
            r.letter,
            r.coefficient,
            r.date,
            r.act_id.as_deref(),
            r.label.as_deref(),
        )
        .map_err(|e| RequestError::invalid("", e.to_string()))?;
    Ok(Value::Array(
        found
            .iter()
            .map(|c| {
                json!({
                    "act_id": c.act.id,
                    "letter": c.act.letter,
                    "coefficient": c.period.coefficient.to_string(),
                    "label": c.act.label,
                    "article": c.act.article,
                })
            })
            .collect(),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TableRequest {
    date: NaiveDate,
    #[serde(default)]
    department: Option<String>,
}

/// `tariffs`: the letter values and the acts with their amount, at a date
/// in a territory.
pub fn tariffs(t: &Tariffs, text: &str) -> Result<Value, RequestError> {
    let r: TableRequest = parse(text)?;
    let terr = territory(r.department.as_deref(), "department")?.unwrap_or_default();
    let values: Vec<Value> = Code::ALL
        .iter()
        .filter_map(|&code| {
            let v = t.letter_value(code, terr, r.date)?;
            Some(json!({
                "code": code,
                "value": v.value.map(|x| x.to_string()),
                "valid_from": v.period.from,
                "valid_to": v.period.to,
                "source": v.source,
            }))
        })
        .collect();
    let acts: Vec<Value> = t
        .acts()
        .iter()
        .filter_map(|a| {
            let p = a.period_at(r.date)?;
            let amount = t
                .letter_value(a.letter, terr, r.date)
                .and_then(|v| v.value)
                .and_then(|v| v.checked_mul(p.coefficient))
                .map(|x| crate::money::round_to_cent(x).to_string());
            Some(json!({
                "act_id": a.id,
                "letter": a.letter,
                "coefficient": p.coefficient.to_string(),
                "amount": amount,
                "label": a.label,
            }))
        })
        .collect();
    Ok(json!({ "letter_values": values, "acts": acts }))
}

/// `contract_schedule`: a contract's payment schedule
/// ([`crate::contracts::json::ScheduleRequest`]).
pub fn contract_schedule(text: &str) -> Result<Value, RequestError> {
    let r: crate::contracts::json::ScheduleRequest = parse(text)?;
    let (contract, options) = r.into_parts().map_err(|e| RequestError::invalid("", e))?;
    let s = crate::contracts::schedule(&contract, &options)
        .map_err(|e| RequestError::invalid("", e))?;
    Ok(crate::contracts::json::schedule_value(&contract, &s))
}

/// `findings`: the catalogue, each code with its severity, rule and
/// source.
pub fn findings() -> Value {
    Value::Array(
        FindingCode::ALL
            .iter()
            .map(|c| {
                json!({
                    "code": c.as_str(),
                    "severity": c.severity().as_str(),
                    "rule": c.rule(),
                    "source": c.source(),
                })
            })
            .collect(),
    )
}
