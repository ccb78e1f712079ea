//! JSON requests and their answers: the one contract that the C library
//! (`ffi/`) and the HTTP service (`kine-tarif serve`) expose. Each
//! function reads a request (UTF-8 JSON text) and returns the answer as a
//! JSON value, or a [`RequestError`] that says, in French, what is wrong
//! and where (`lines[2].line.date`).
//!
//! The shapes are those of the library's serde types: an invoice line is
//! [`InvoiceLine`] (`{"date": "2026-02-01", "code":
//! "RIM", "coefficient": "8.10"}`, decimals as strings), its context
//! [`LineContext`](crate::rules::LineContext), a result
//! [`LineResult`]. Findings are data in the
//! answer, never errors.
//!
//! ```
//! use kine_tarif::{Tariffs, requests};
//! let t = Tariffs::embedded();
//! let answer = requests::price(t, r#"{"date": "2024-06-15", "code": "RIM", "coefficient": "7.50"}"#).unwrap();
//! assert_eq!(answer["amount"], "16.58");
//! let e = requests::price(t, r#"{"date": "2024-13-01", "code": "RIM"}"#).unwrap_err();
//! assert_eq!(e.path, "date");
//! ```

mod check;
mod serde_fr;
mod tables;

pub use check::{HistoryPolicy, check};
pub use tables::{contract_schedule, convert, findings, tariffs};

use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::rules::LineResult;
use crate::{InvoiceLine, Tariffs, Territory};

/// What kind of request error: the caller's, the history's, or a bug.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestErrorKind {
    /// The request is not JSON, or not of the expected shape (a missing
    /// field, a wrong type, an unknown code, a value out of its range).
    Invalid,
    /// The history could not be opened, read or written.
    History,
    /// A bug in kine-tarif.
    Internal,
}

/// A request that could not be answered: its kind, a French message for
/// a person, and the path of the field at fault (empty when the whole
/// request is).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestError {
    /// The kind.
    pub kind: RequestErrorKind,
    /// In French, for a person.
    pub message: String,
    /// The field at fault, as `lines[2].line.date`; empty for the whole
    /// request.
    pub path: String,
}

impl RequestError {
    /// The caller's error, about the whole request or one field.
    pub fn invalid(path: impl Into<String>, message: impl Into<String>) -> RequestError {
        RequestError {
            kind: RequestErrorKind::Invalid,
            message: message.into(),
            path: path.into(),
        }
    }

    pub(crate) fn history(e: crate::Error) -> RequestError {
        RequestError {
            kind: RequestErrorKind::History,
            message: e.to_string(),
            path: String::new(),
        }
    }

    pub(crate) fn internal(message: impl Into<String>) -> RequestError {
        RequestError {
            kind: RequestErrorKind::Internal,
            message: message.into(),
            path: String::new(),
        }
    }
}

impl std::fmt::Display for RequestError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{} : {}", self.path, self.message)
        }
    }
}

impl std::error::Error for RequestError {}

/// Reads a request of type `T`, or says where and why it is wrong.
pub fn parse<T: DeserializeOwned>(text: &str) -> Result<T, RequestError> {
    let mut de = serde_json::Deserializer::from_str(text);
    let value: T = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        RequestError::invalid(
            if path == "." || path == "?" {
                String::new()
            } else {
                path
            },
            serde_fr::message(&inner),
        )
    })?;
    de.end()
        .map_err(|e| RequestError::invalid("", serde_fr::message(&e)))?;
    Ok(value)
}

/// The crate version and the tariff data version, added to an answer
/// object (every answer carries them).
pub fn with_versions(mut answer: Value, tariffs: &Tariffs) -> Value {
    if let Value::Object(m) = &mut answer {
        m.insert("crate_version".into(), json!(env!("CARGO_PKG_VERSION")));
        m.insert("tariff_data_version".into(), json!(tariffs.version()));
    }
    answer
}

/// The versions: the crate's, the tariff set's and the embedded set's.
pub fn version(tariffs: &Tariffs) -> Value {
    json!({
        "crate_version": env!("CARGO_PKG_VERSION"),
        "tariff_data_version": tariffs.version(),
        "embedded_tariff_data_version": crate::TARIFF_DATA_VERSION,
    })
}

/// The territory of a département, or the caller's error on `path`.
pub(crate) fn territory(
    department: Option<&str>,
    path: &str,
) -> Result<Option<Territory>, RequestError> {
    department
        .map(|d| {
            Territory::from_department(d).map_err(|e| RequestError::invalid(path, e.to_string()))
        })
        .transpose()
}

/// A value of type `T` from a JSON value already read, or where and why
/// it is wrong (`prefix` names where the value sits in the request).
pub(crate) fn from_value<T: DeserializeOwned>(
    value: Value,
    prefix: &str,
) -> Result<T, RequestError> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let path = match (prefix.is_empty(), path == "." || path == "?") {
            (_, true) => prefix.to_string(),
            (true, false) => path,
            (false, false) => format!("{prefix}.{path}"),
        };
        RequestError::invalid(path, serde_fr::message(e.inner()))
    })
}

/// The line of a price request — an invoice line, and the département of
/// the practice (it decides the territory; metropolitan France when
/// absent) — in the territory of its département.
pub fn line_of(text: &str) -> Result<InvoiceLine, RequestError> {
    let mut fields: serde_json::Map<String, Value> = parse(text)?;
    let department: Option<String> = match fields.remove("department") {
        None | Some(Value::Null) => None,
        Some(d) => Some(from_value(d, "department")?),
    };
    let mut line: InvoiceLine = from_value(Value::Object(fields), "")?;
    if let Some(t) = territory(department.as_deref(), "department")? {
        line.territory = t;
    }
    Ok(line)
}

fn to_value<T: serde::Serialize>(v: &T) -> Result<Value, RequestError> {
    serde_json::to_value(v).map_err(|e| RequestError::internal(e.to_string()))
}

/// `price`: one line, priced and checked on its own (a
/// [`LineResult`]).
pub fn price(t: &Tariffs, text: &str) -> Result<Value, RequestError> {
    to_value(&LineResult::of(
        Value::Null,
        String::new(),
        t.price(&line_of(text)?),
    ))
}

/// `explain`: the line's result and its explanation, every value used
/// with its validity and source (French text).
pub fn explain(t: &Tariffs, text: &str) -> Result<Value, RequestError> {
    let p = t.price(&line_of(text)?);
    let explanation = p.explain();
    Ok(json!({
        "explanation": explanation,
        "line": to_value(&LineResult::of(Value::Null, String::new(), p))?,
    }))
}
