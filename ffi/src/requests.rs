//! The requests of the C functions, read from JSON and answered: a line
//! to price, an invoice to check (with its history). `lib.rs` holds the
//! boundary (pointers, statuses, panics) and calls these.

use kt::history::{HistoryLine, MemoryHistory, Recorder, SqliteHistory};
use kt::rules::{Checker, LineContext, LineResult};
use kt::{InvoiceLine, Tariffs, Territory};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::{Failure, KtStatus, parse};

/// A line to price: an invoice line, and the département of the practice
/// (it decides the territory; metropolitan France when absent).
#[derive(Deserialize)]
struct PriceRequest {
    #[serde(flatten)]
    line: InvoiceLine,
    #[serde(default)]
    department: Option<String>,
}

pub(crate) fn territory(department: Option<&str>) -> Result<Option<Territory>, Failure> {
    department
        .map(|d| {
            Territory::from_department(d).map_err(|e| {
                Failure(
                    KtStatus::KtInvalidRequest,
                    format!("champ department : {e}"),
                )
            })
        })
        .transpose()
}

/// The line of a price request, in the territory of its département.
pub(crate) fn line_of(text: &str) -> Result<InvoiceLine, Failure> {
    let PriceRequest {
        mut line,
        department,
    } = parse(text)?;
    if let Some(t) = territory(department.as_deref())? {
        line.territory = t;
    }
    Ok(line)
}

pub(crate) fn price(t: &Tariffs, text: &str) -> Result<Value, Failure> {
    let result = LineResult::of(Value::Null, String::new(), t.price(&line_of(text)?));
    serde_json::to_value(result).map_err(|e| Failure(KtStatus::KtInternalError, e.to_string()))
}

/// One line of an invoice to check.
#[derive(Deserialize)]
struct CheckLine {
    /// The caller's reference, returned with the result (any JSON).
    #[serde(default)]
    reference: Value,
    line: InvoiceLine,
    #[serde(default)]
    context: LineContext,
}

/// The history of a check: past lines given inline, or a history file.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HistoryRequest {
    #[serde(default)]
    lines: Vec<HistoryLine>,
    #[serde(default)]
    path: Option<String>,
}

#[derive(Deserialize)]
struct CheckRequest {
    lines: Vec<CheckLine>,
    #[serde(default)]
    history: Option<HistoryRequest>,
    /// Record the lines in the history file once checked (they were sent).
    #[serde(default)]
    record: bool,
}

fn history_failure(e: kt::Error) -> Failure {
    Failure(KtStatus::KtHistoryError, e.to_string())
}

pub(crate) fn check(tariffs: &Tariffs, text: &str) -> Result<Value, Failure> {
    let request: CheckRequest = parse(text)?;
    let memory = {
        let mut m = MemoryHistory::default();
        if let Some(h) = &request.history {
            m.record(&h.lines).map_err(history_failure)?;
        }
        m
    };
    let file = match request.history.as_ref().and_then(|h| h.path.as_deref()) {
        Some(path) => Some(SqliteHistory::open(path).map_err(history_failure)?),
        None => None,
    };
    if request.record && file.is_none() {
        return Err(Failure(
            KtStatus::KtInvalidRequest,
            "record : demande un fichier d'historique (history.path)".into(),
        ));
    }
    let mut checker: Checker<'_, Value> = Checker::new(tariffs);
    checker = match &file {
        Some(f) => checker.with_history(f),
        None if request.history.is_some() => checker.with_history(&memory),
        None => checker,
    };
    let mut sent = Vec::new();
    for (i, l) in request.lines.into_iter().enumerate() {
        if request.record {
            let reference = match &l.reference {
                Value::String(s) => s.clone(),
                Value::Null => (i + 1).to_string(),
                other => other.to_string(),
            };
            sent.push(HistoryLine::new(
                &l.context.invoice_id,
                &reference,
                &l.line,
                &l.context,
            ));
        }
        checker.add(l.reference, l.line, l.context);
    }
    let checked = checker.finalize().map_err(history_failure)?;
    let mut answer = serde_json::to_value(&checked)
        .map_err(|e| Failure(KtStatus::KtInternalError, e.to_string()))?;
    if let (Some(mut f), true) = (file, request.record) {
        let new = f.record(&sent).map_err(history_failure)?;
        if let Value::Object(m) = &mut answer {
            m.insert(
                "recorded".into(),
                json!({ "lines": sent.len(), "new": new }),
            );
        }
    }
    Ok(answer)
}
