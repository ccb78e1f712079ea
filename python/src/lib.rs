//! kine-tarif for Python (PyO3, one abi3 module for CPython 3.9 and
//! later): `price`, a `Checker` with history, and `price_csv` for the
//! batch engine (the GIL released while it runs). Results are plain
//! Python objects: dicts and lists, amounts as `decimal.Decimal`, dates as
//! `datetime.date`. Errors are exception classes (`KineTarifError` and its
//! subclasses); findings are data in the results, never exceptions.
//!
//! The values cross as JSON, the library's serde shapes: a line's fields
//! are those of `kine_tarif::InvoiceLine` and `rules::LineContext`.
//! Decimals go in as `Decimal`, `int` or `str`; a `float` is refused (a
//! binary float cannot hold 16.575 exactly).

mod arrow;

use std::fs::File;

use kt::batch::{BatchOptions, OutputFormat};
use kt::history::{HistoryLine, SharedHistory, SqliteHistory};
use kt::rules::{Checker as CoreChecker, LineContext, LineResult};
use kt::{InvoiceLine, TARIFF_DATA_VERSION, Tariffs, Territory};
use pyo3::create_exception;
use pyo3::exceptions::{PyException, PyTypeError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use serde_json::Value;

create_exception!(
    _kine_tarif,
    KineTarifError,
    PyException,
    "An error of kine-tarif."
);
create_exception!(
    _kine_tarif,
    InvalidRequestError,
    KineTarifError,
    "A value kine-tarif cannot read (a wrong type, an unknown code, a float for a decimal)."
);
create_exception!(
    _kine_tarif,
    HistoryError,
    KineTarifError,
    "A history file that cannot be opened, read or written."
);
create_exception!(
    _kine_tarif,
    BatchError,
    KineTarifError,
    "A batch that cannot be processed (a missing file or column, an unreadable input)."
);

/// The keys whose string values are decimals, and those that are dates.
const DECIMAL_KEYS: [&str; 12] = [
    "amo_rate",
    "amo_amount",
    "patient_amount",
    "franchise",
    "coefficient",
    "unit_value",
    "quantity",
    "amount",
    "billed_amount",
    "computed",
    "billed",
    "distance_km",
];
const DATE_KEYS: [&str; 1] = ["date"];

/// A Python value as JSON: `Decimal` and `int` as decimal strings, dates
/// as ISO text, dicts and lists recursively; a `float` is refused.
fn to_json(v: &Bound<'_, PyAny>, path: &str) -> PyResult<Value> {
    let py = v.py();
    if v.is_none() {
        return Ok(Value::Null);
    }
    if let Ok(b) = v.cast::<pyo3::types::PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if v.is_instance_of::<pyo3::types::PyFloat>() {
        return Err(InvalidRequestError::new_err(format!(
            "{path} : un float ne tient pas un montant exact ; donnez un Decimal ou une chaîne (\"{}\")",
            v.str()?
        )));
    }
    if v.is_instance_of::<pyo3::types::PyInt>() {
        return Ok(Value::String(v.str()?.to_string()));
    }
    if let Ok(s) = v.cast::<pyo3::types::PyString>() {
        return Ok(Value::String(s.to_string()));
    }
    let decimal = py.import("decimal")?.getattr("Decimal")?;
    if v.is_instance(&decimal)? {
        return Ok(Value::String(v.str()?.to_string()));
    }
    let date = py.import("datetime")?.getattr("date")?;
    if v.is_instance(&date)? {
        return Ok(Value::String(v.call_method0("isoformat")?.to_string()));
    }
    if let Ok(d) = v.cast::<PyDict>() {
        let mut m = serde_json::Map::new();
        for (k, val) in d.iter() {
            let key = k.str()?.to_string();
            let sub = format!("{path}.{key}");
            m.insert(key, to_json(&val, &sub)?);
        }
        return Ok(Value::Object(m));
    }
    if let Ok(l) = v.cast::<PyList>() {
        let items: PyResult<Vec<Value>> = l
            .iter()
            .enumerate()
            .map(|(i, x)| to_json(&x, &format!("{path}[{i}]")))
            .collect();
        return Ok(Value::Array(items?));
    }
    Err(PyTypeError::new_err(format!(
        "{path} : type {} non pris en charge",
        v.get_type().name()?
    )))
}

/// JSON as Python objects: decimals as `Decimal`, dates as `date`.
fn to_python(py: Python<'_>, v: &Value, key: Option<&str>) -> PyResult<Py<PyAny>> {
    Ok(match v {
        Value::Null => py.None(),
        Value::Bool(b) => pyo3::types::PyBool::new(py, *b)
            .to_owned()
            .into_any()
            .unbind(),
        Value::Number(n) => match n.as_i64() {
            Some(i) => i.into_pyobject(py)?.into_any().unbind(),
            None => n.to_string().into_pyobject(py)?.into_any().unbind(),
        },
        Value::String(s) => match key {
            Some(k) if DECIMAL_KEYS.contains(&k) => py
                .import("decimal")?
                .getattr("Decimal")?
                .call1((s.as_str(),))?
                .unbind(),
            Some(k) if DATE_KEYS.contains(&k) => py
                .import("datetime")?
                .getattr("date")?
                .call_method1("fromisoformat", (s.as_str(),))?
                .unbind(),
            _ => s.into_pyobject(py)?.into_any().unbind(),
        },
        Value::Array(a) => {
            let list = PyList::empty(py);
            for x in a {
                list.append(to_python(py, x, None)?)?;
            }
            list.into_any().unbind()
        }
        Value::Object(m) => {
            let d = PyDict::new(py);
            for (k, x) in m {
                d.set_item(k, to_python(py, x, Some(k))?)?;
            }
            d.into_any().unbind()
        }
    })
}

fn invalid(e: impl std::fmt::Display) -> PyErr {
    InvalidRequestError::new_err(e.to_string())
}

fn history_error(e: kt::Error) -> PyErr {
    HistoryError::new_err(e.to_string())
}

/// The invoice line of `fields`, in the territory of its `department`.
fn line_of(fields: Value) -> PyResult<InvoiceLine> {
    let department = fields
        .get("department")
        .and_then(Value::as_str)
        .map(str::to_string);
    let mut line: InvoiceLine = serde_json::from_value(strip(fields, &["department"]))
        .map_err(|e| invalid(format!("ligne : {e}")))?;
    if let Some(d) = department {
        line.territory = Territory::from_department(&d)
            .map_err(|e| invalid(format!("champ department : {e}")))?;
    }
    Ok(line)
}

/// `v` without the keys `drop`.
fn strip(mut v: Value, drop: &[&str]) -> Value {
    if let Value::Object(m) = &mut v {
        for k in drop {
            m.remove(*k);
        }
    }
    v
}

/// Prices one line: `date` (`datetime.date` or `"YYYY-MM-DD"`), `code`,
/// and the optional `coefficient`, `quantity`, `department`,
/// `billed_amount`, `act_id`. Returns a dict: `act_id`, `coefficient`,
/// `unit_value`, `amount` (`Decimal`), `formula`, `status`, `findings`
/// (dicts of `code`, `severity`, `message`).
#[pyfunction]
#[pyo3(signature = (date, code, coefficient=None, *, quantity=None, department=None, billed_amount=None, act_id=None, regime=None, exoneration=None, patient_birth_date=None))]
#[allow(clippy::too_many_arguments)]
fn price(
    py: Python<'_>,
    date: &Bound<'_, PyAny>,
    code: &Bound<'_, PyAny>,
    coefficient: Option<&Bound<'_, PyAny>>,
    quantity: Option<&Bound<'_, PyAny>>,
    department: Option<&Bound<'_, PyAny>>,
    billed_amount: Option<&Bound<'_, PyAny>>,
    act_id: Option<&Bound<'_, PyAny>>,
    regime: Option<&str>,
    exoneration: Option<&str>,
    patient_birth_date: Option<&Bound<'_, PyAny>>,
) -> PyResult<Py<PyAny>> {
    let fields = PyDict::new(py);
    fields.set_item("date", date)?;
    fields.set_item("code", code)?;
    for (k, v) in [
        ("coefficient", coefficient),
        ("quantity", quantity),
        ("department", department),
        ("billed_amount", billed_amount),
        ("act_id", act_id),
    ] {
        if let Some(v) = v {
            fields.set_item(k, v)?;
        }
    }
    let line = line_of(to_json(fields.as_any(), "price")?)?;
    let priced = Tariffs::embedded().price(&line);
    // Who pays what, when a coverage or a birth date is given (the
    // franchise before its daily and yearly caps: one line).
    let split = if regime.is_some() || exoneration.is_some() || patient_birth_date.is_some() {
        let coverage = kt::coverage::Coverage {
            regime: kt::coverage::Regime::parse(regime.unwrap_or("")).map_err(invalid)?,
            exoneration: kt::coverage::Exoneration::parse(exoneration.unwrap_or(""))
                .map_err(invalid)?,
            ..Default::default()
        };
        let birth = match patient_birth_date {
            Some(b) => Some(
                serde_json::from_value::<chrono::NaiveDate>(to_json(b, "patient_birth_date")?)
                    .map_err(|e| invalid(format!("patient_birth_date : {e}")))?,
            ),
            None => None,
        };
        match priced.amount {
            Some(amount) => {
                let kind = kt::coverage::LineKind::of(priced.line.code);
                let s = kt::coverage::split(&coverage, priced.line.date, kind, amount, birth)
                    .map_err(invalid)?;
                Some(serde_json::json!({
                    "amo_rate": s.amo_rate.to_string(),
                    "amo_amount": s.amo_amount.to_string(),
                    "patient_amount": s.patient_amount.to_string(),
                    "franchise": s.franchise.to_string(),
                    "source": s.rate_source,
                    "prestation_code": kt::prestation::prestation_code(priced.line.code, priced.line.date),
                }))
            }
            None => None,
        }
    } else {
        None
    };
    let result = LineResult::of((), String::new(), priced);
    let mut value = strip(
        serde_json::to_value(result).map_err(invalid)?,
        &["reference", "invoice_id"],
    );
    if let (Some(s), Value::Object(m)) = (split, &mut value) {
        m.insert("split".into(), s);
    }
    to_python(py, &value, None)
}

/// Checks invoices line by line, against an optional history file, as
/// practice software bills: `add` each line, then `finalize`.
#[pyclass(module = "kine_tarif")]
struct Checker {
    history: Option<String>,
    lines: Vec<(Py<PyAny>, InvoiceLine, LineContext)>,
}

#[pymethods]
impl Checker {
    /// A checker; `history`: the path of a history file (SQLite, created
    /// on first use), whose earlier lines the rules also see.
    #[new]
    #[pyo3(signature = (history=None))]
    fn new(history: Option<String>) -> Checker {
        Checker {
            history,
            lines: Vec::new(),
        }
    }

    /// Adds a line: `reference` is yours (returned with its result);
    /// `line` a dict of the invoice line (`date`, `code`, `coefficient`,
    /// `quantity`, `department`, `billed_amount`, `act_id`); `context` a
    /// dict of who and which prescription (`invoice_id`, `patient_id`,
    /// `practitioner_id`, `prescription_id`, `session`, `telesoin`, …).
    #[pyo3(signature = (reference, line, context=None))]
    fn add(
        &mut self,
        reference: Py<PyAny>,
        line: &Bound<'_, PyAny>,
        context: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        let fields = to_json(line, "line")?;
        let department = fields.get("department").cloned();
        let line = line_of(fields)?;
        let mut ctx = match context {
            Some(c) => serde_json::from_value::<LineContext>(to_json(c, "context")?)
                .map_err(|e| invalid(format!("context : {e}")))?,
            None => LineContext::default(),
        };
        if ctx.department.is_none() {
            ctx.department = department.and_then(|d| d.as_str().map(str::to_string));
        }
        self.lines.push((reference, line, ctx));
        Ok(())
    }

    /// Applies every rule and returns `{"lines": [...], "invoices":
    /// [...], "history_lines": n}`; each line's result has your
    /// `reference`. With `record=True` (and a history), the lines are
    /// recorded once checked: they were sent. The checker is emptied.
    #[pyo3(signature = (record=false))]
    fn finalize(&mut self, py: Python<'_>, record: bool) -> PyResult<Py<PyAny>> {
        let lines = std::mem::take(&mut self.lines);
        let file = match &self.history {
            Some(p) => Some(SqliteHistory::open(p).map_err(history_error)?),
            None if record => {
                return Err(invalid(
                    "record : demande un fichier d'historique (history=…)",
                ));
            }
            None => None,
        };
        let mut checker: CoreChecker<'_, usize> = CoreChecker::new(Tariffs::embedded());
        if let Some(f) = &file {
            checker = checker.with_history(f);
        }
        let mut refs = Vec::with_capacity(lines.len());
        let mut sent = Vec::new();
        for (i, (reference, line, ctx)) in lines.into_iter().enumerate() {
            if record {
                let r = reference.bind(py).str()?.to_string();
                sent.push(HistoryLine::new(&ctx.invoice_id, &r, &line, &ctx));
            }
            refs.push(reference);
            checker.add(i, line, ctx);
        }
        let checked = checker.finalize().map_err(history_error)?;
        let value = serde_json::to_value(&checked).map_err(invalid)?;
        let out = to_python(py, &value, None)?;
        // The caller's references back in place of the positions.
        let results = out.bind(py).get_item("lines")?;
        for (i, r) in refs.into_iter().enumerate() {
            results.get_item(i)?.set_item("reference", r)?;
        }
        if let (Some(mut f), true) = (file, record) {
            use kt::history::Recorder;
            let new = f.record(&sent).map_err(history_error)?;
            out.bind(py).set_item("recorded", (sent.len(), new))?;
        }
        Ok(out)
    }

    /// Number of lines added and not finalized.
    fn __len__(&self) -> usize {
        self.lines.len()
    }
}

/// Prices and checks an invoice CSV file into another (the command's
/// engine, every rule, any size), the GIL released while it runs. Returns
/// the summary: `rows`, `ok`, `warnings`, `errors`, `total_amount`,
/// `total_billed` (`Decimal`), `findings` (counts by code),
/// `history_lines`.
#[pyfunction]
#[pyo3(signature = (src, dst, *, format="csv", rules=true, threads=0, history=None))]
fn price_csv(
    py: Python<'_>,
    src: String,
    dst: String,
    format: &str,
    rules: bool,
    threads: usize,
    history: Option<String>,
) -> PyResult<Py<PyAny>> {
    let format = match format {
        "csv" => OutputFormat::Csv,
        "jsonl" => OutputFormat::Jsonl,
        other => {
            return Err(invalid(format!(
                "format {other:?} : attendu \"csv\" ou \"jsonl\""
            )));
        }
    };
    let history = match history {
        Some(p) => Some(SharedHistory::new(
            SqliteHistory::open(&p).map_err(history_error)?,
        )),
        None => None,
    };
    let summary = py.detach(|| -> Result<kt::batch::Summary, kt::Error> {
        let io = |path: &String, source| kt::Error::Io {
            path: path.into(),
            source,
        };
        let input = File::open(&src).map_err(|e| io(&src, e))?;
        let size = input.metadata().map_err(|e| io(&src, e))?.len();
        let output = File::create(&dst).map_err(|e| io(&dst, e))?;
        let mut options = BatchOptions {
            format,
            rules,
            threads,
            input_size: Some(size),
            ..BatchOptions::default()
        };
        options.history = history;
        kt::batch::price_seekable(Tariffs::embedded(), input, output, &options, None)
            .map_err(|e| e.named(&src, &dst))
    });
    let summary = summary.map_err(|e| BatchError::new_err(e.to_string()))?;
    summary_dict(py, &summary)
}

/// A batch summary as a dict (`computed` and `billed` for the totals).
fn summary_dict(py: Python<'_>, summary: &kt::batch::Summary) -> PyResult<Py<PyAny>> {
    let value = serde_json::to_value(summary).map_err(invalid)?;
    let rename = |v: Value| match v {
        Value::Object(mut m) => {
            for (from, to) in [("total_amount", "computed"), ("total_billed", "billed")] {
                if let Some(x) = m.remove(from) {
                    m.insert(to.to_string(), x);
                }
            }
            Value::Object(m)
        }
        other => other,
    };
    to_python(py, &rename(value), None)
}

#[pymodule]
fn _kine_tarif(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add_function(wrap_pyfunction!(price, m)?)?;
    m.add_function(wrap_pyfunction!(price_csv, m)?)?;
    m.add_function(wrap_pyfunction!(arrow::_price_arrow, m)?)?;
    m.add_class::<arrow::ArrowStream>()?;
    m.add_class::<Checker>()?;
    m.add("KineTarifError", py.get_type::<KineTarifError>())?;
    m.add("InvalidRequestError", py.get_type::<InvalidRequestError>())?;
    m.add("HistoryError", py.get_type::<HistoryError>())?;
    m.add("BatchError", py.get_type::<BatchError>())?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("TARIFF_DATA_VERSION", TARIFF_DATA_VERSION)?;
    Ok(())
}
