//! `check`: an invoice's lines through the session API
//! ([`Checker`]), against the history given inline or in a file, and
//! recorded on request.

use std::path::Path;

use serde::Deserialize;
use serde_json::{Value, json};

use super::{RequestError, parse, to_value};
use crate::history::{HistoryLine, MemoryHistory, Recorder};
use crate::rules::{Checker, LineContext};
use crate::{InvoiceLine, Tariffs};

/// Where a check's history may come from.
#[derive(Debug, Clone, Copy)]
pub enum HistoryPolicy<'a> {
    /// The request may name a history file (`history.path`): the C
    /// library, in the caller's own process, with the caller's files.
    RequestPath,
    /// The history file is the service's own (`serve --history`), or
    /// none; a request that names a path is refused (a client may not
    /// open files on the server).
    Configured(Option<&'a Path>),
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

/// `check`: the invoice's results ([`crate::rules::Checked`]), with
/// `recorded` (`lines`, `new`) when it was recorded.
pub fn check(
    tariffs: &Tariffs,
    text: &str,
    policy: HistoryPolicy<'_>,
) -> Result<Value, RequestError> {
    let request: CheckRequest = parse(text)?;
    let memory = {
        let mut m = MemoryHistory::default();
        if let Some(h) = &request.history {
            m.record(&h.lines).map_err(RequestError::history)?;
        }
        m
    };
    let asked = request.history.as_ref().and_then(|h| h.path.as_deref());
    let path: Option<&Path> = match (policy, asked) {
        (HistoryPolicy::RequestPath, asked) => asked.map(Path::new),
        (HistoryPolicy::Configured(_), Some(_)) => {
            return Err(RequestError::invalid(
                "history.path",
                "le service n'ouvre pas de fichier nommé par la requête : son historique est celui donné au démarrage (serve --history)",
            ));
        }
        (HistoryPolicy::Configured(own), None) => own,
    };
    let file = match path {
        Some(p) => Some(open(p)?),
        None => None,
    };
    if request.record && file.is_none() {
        return Err(RequestError::invalid(
            "record",
            "enregistrer demande un fichier d'historique",
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
    let checked = checker.finalize().map_err(RequestError::history)?;
    let mut answer = to_value(&checked)?;
    if let (Some(mut f), true) = (file, request.record) {
        let new = f.record(&sent).map_err(RequestError::history)?;
        if let Value::Object(m) = &mut answer {
            m.insert(
                "recorded".into(),
                json!({ "lines": sent.len(), "new": new }),
            );
        }
    }
    Ok(answer)
}

#[cfg(feature = "sqlite")]
fn open(path: &Path) -> Result<crate::history::SqliteHistory, RequestError> {
    crate::history::SqliteHistory::open(path).map_err(RequestError::history)
}

/// Without the `sqlite` feature there is no history file.
#[cfg(not(feature = "sqlite"))]
fn open(_: &Path) -> Result<MemoryHistory, RequestError> {
    Err(RequestError::invalid(
        "history.path",
        "historique sur fichier indisponible : kine-tarif est construit sans la fonction sqlite",
    ))
}
