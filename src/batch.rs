//! The invoice CSV: read lines, price each one, write one output row per
//! input row, in input order.
//!
//! Input: a header row; columns are matched by name, in any order; unknown
//! columns are ignored. The delimiter is a comma, or a semicolon when the
//! header has semicolons and no comma (spreadsheet exports). A row whose
//! fields do not parse still comes out, with `INVALID_FIELD`.
//!
//! ```
//! use kine_tarif::batch::{price_csv, OutputFormat};
//! use kine_tarif::Tariffs;
//! let input = "invoice_id,patient_id,date,code,coefficient,department\n\
//!              F1,P1,2024-06-15,RIM,\"7,50\",75\n\
//!              F2,P2,2024-07-01,AMS,7.5,75\n\
//!              F3,P3,not-a-date,RIM,7.50,75\n";
//! let mut out = Vec::new();
//! let summary = price_csv(Tariffs::embedded(), input.as_bytes(), &mut out, OutputFormat::Csv).unwrap();
//! assert_eq!((summary.rows, summary.ok, summary.errors), (3, 1, 2));
//! let text = String::from_utf8(out).unwrap();
//! let lines: Vec<&str> = text.lines().collect();
//! assert_eq!(lines.len(), 4);
//! assert!(lines[1].starts_with("1,F1,P1,2024-06-15,RIM,\"7,50\",RIM,7.50,A1C-ENTORSE-MED,2.21,1,16.58,,ok,,"));
//! assert!(lines[2].contains(",error,OLD_COTATION_REJECTED,"));
//! assert!(lines[3].contains(",error,INVALID_FIELD,"));
//! ```

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, BufWriter, Read, Write};

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;

use crate::money::{format_money, parse_decimal};
use crate::{
    Code, Error, Finding, FindingCode, InvoiceLine, LineStatus, Priced, Tariffs, Territory,
};

/// Output format of [`price_csv`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OutputFormat {
    /// CSV with the columns of [`OUTPUT_COLUMNS`].
    #[default]
    Csv,
    /// One JSON object per line, same fields, findings as objects.
    Jsonl,
}

/// Required input columns.
pub const REQUIRED_COLUMNS: [&str; 5] = ["invoice_id", "patient_id", "date", "code", "coefficient"];

/// Output columns, in order.
pub const OUTPUT_COLUMNS: [&str; 16] = [
    "row",
    "invoice_id",
    "patient_id",
    "date",
    "code_in",
    "coefficient_in",
    "code",
    "coefficient",
    "act_id",
    "unit_value",
    "quantity",
    "amount",
    "billed_amount",
    "status",
    "findings",
    "message",
];

/// Counts and totals of a batch.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// Data rows read (= rows written).
    pub rows: u64,
    /// Rows with status `ok`.
    pub ok: u64,
    /// Rows with status `warning`.
    pub warnings: u64,
    /// Rows with status `error`.
    pub errors: u64,
    /// Sum of the computed amounts.
    pub total_amount: Decimal,
    /// Sum of the billed amounts given.
    pub total_billed: Decimal,
    /// How many times each finding code occurred.
    pub findings: BTreeMap<&'static str, u64>,
}

impl Summary {
    /// The worst status seen.
    pub fn worst(&self) -> LineStatus {
        if self.errors > 0 {
            LineStatus::Error
        } else if self.warnings > 0 {
            LineStatus::Warning
        } else {
            LineStatus::Ok
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Columns {
    invoice_id: usize,
    patient_id: usize,
    date: usize,
    code: usize,
    coefficient: usize,
    quantity: Option<usize>,
    department: Option<usize>,
    billed_amount: Option<usize>,
    act_id: Option<usize>,
}

impl Columns {
    fn from_headers(h: &csv::ByteRecord) -> Result<Columns, Error> {
        let find = |name: &str| {
            h.iter().position(|f| {
                let f = f.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(f);
                f.trim_ascii().eq_ignore_ascii_case(name.as_bytes())
            })
        };
        let req = |name: &str| find(name).ok_or_else(|| Error::MissingColumn(name.to_string()));
        Ok(Columns {
            invoice_id: req("invoice_id")?,
            patient_id: req("patient_id")?,
            date: req("date")?,
            code: req("code")?,
            coefficient: req("coefficient")?,
            quantity: find("quantity"),
            department: find("department"),
            billed_amount: find("billed_amount"),
            act_id: find("act_id"),
        })
    }
}

/// One output row, borrowed from the input record where it can be.
#[derive(Debug, Serialize)]
struct OutRow<'a> {
    row: u64,
    invoice_id: &'a str,
    patient_id: &'a str,
    date: &'a str,
    code_in: &'a str,
    coefficient_in: &'a str,
    code: String,
    coefficient: String,
    act_id: String,
    unit_value: String,
    quantity: String,
    amount: String,
    billed_amount: String,
    status: &'static str,
    #[serde(skip)]
    finding_list: &'a [Finding],
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    code: &'static str,
    severity: &'static str,
    message: &'a str,
}

#[derive(Serialize)]
struct JsonRow<'a> {
    #[serde(flatten)]
    row: &'a OutRow<'a>,
    findings: Vec<JsonFinding<'a>>,
}

fn field<'r>(
    rec: &'r csv::ByteRecord,
    i: Option<usize>,
    name: &str,
    findings: &mut Vec<Finding>,
) -> &'r str {
    let Some(raw) = i.and_then(|i| rec.get(i)) else {
        return "";
    };
    match std::str::from_utf8(raw) {
        Ok(s) => s.trim(),
        Err(_) => {
            findings.push(Finding::new(
                FindingCode::InvalidField,
                format!("{name} : texte non UTF-8."),
            ));
            ""
        }
    }
}

fn sniff_delimiter(header: &[u8]) -> u8 {
    let line = header.split(|&b| b == b'\n').next().unwrap_or(header);
    if line.contains(&b';') && !line.contains(&b',') {
        b';'
    } else {
        b','
    }
}

/// Prices every row of an invoice CSV and writes the result. Returns the
/// summary; fails only when the input cannot be read (I/O, missing
/// required column) or the output cannot be written.
pub fn price_csv<R: Read, W: Write>(
    tariffs: &Tariffs,
    input: R,
    output: W,
    format: OutputFormat,
) -> Result<Summary, Error> {
    let mut input = BufReader::with_capacity(1 << 16, input);
    let head = input.fill_buf().map_err(|source| Error::Io {
        path: "-".into(),
        source,
    })?;
    let delimiter = sniff_delimiter(head);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .has_headers(true)
        .from_reader(input);
    let headers = reader.byte_headers().map_err(Error::csv)?.clone();
    if headers.is_empty() {
        return Err(Error::MissingColumn("invoice_id".into()));
    }
    let cols = Columns::from_headers(&headers)?;

    let mut summary = Summary::default();
    let io_err = |source| Error::Io {
        path: "-".into(),
        source,
    };
    let mut sink = match format {
        OutputFormat::Csv => {
            let mut w = csv::WriterBuilder::new().from_writer(output);
            w.write_record(OUTPUT_COLUMNS).map_err(Error::csv)?;
            Sink::Csv(Box::new(w))
        }
        OutputFormat::Jsonl => Sink::Json(BufWriter::with_capacity(1 << 16, output)),
    };
    let mut rec = csv::ByteRecord::new();
    let mut json_buf = Vec::new();
    loop {
        match reader.read_byte_record(&mut rec) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => return Err(Error::csv(e)),
        }
        summary.rows += 1;
        let mut pre = Vec::new();
        if rec.len() < headers.len() {
            pre.push(Finding::new(
                FindingCode::InvalidField,
                format!(
                    "ligne de {} champs, l'en-tête en a {} : champs manquants lus comme vides.",
                    rec.len(),
                    headers.len()
                ),
            ));
        }
        let invoice_id = field(&rec, Some(cols.invoice_id), "invoice_id", &mut pre);
        let patient_id = field(&rec, Some(cols.patient_id), "patient_id", &mut pre);
        let date_s = field(&rec, Some(cols.date), "date", &mut pre);
        let code_s = field(&rec, Some(cols.code), "code", &mut pre);
        let coef_s = field(&rec, Some(cols.coefficient), "coefficient", &mut pre);
        let qty_s = field(&rec, cols.quantity, "quantity", &mut pre);
        let dept_s = field(&rec, cols.department, "department", &mut pre);
        let billed_s = field(&rec, cols.billed_amount, "billed_amount", &mut pre);
        let act_s = field(&rec, cols.act_id, "act_id", &mut pre);

        let parsed = parse_line(
            date_s, code_s, coef_s, qty_s, dept_s, billed_s, act_s, &mut pre,
        );
        let priced = parsed.map(|line| tariffs.price(&line));
        let mut findings = pre;
        if let Some(p) = &priced {
            findings.extend(p.findings.iter().cloned());
        }
        let status = LineStatus::of(&findings);
        match status {
            LineStatus::Ok => summary.ok += 1,
            LineStatus::Warning => summary.warnings += 1,
            LineStatus::Error => summary.errors += 1,
        }
        for f in &findings {
            *summary.findings.entry(f.code.as_str()).or_default() += 1;
        }
        let billed = parse_decimal(billed_s);
        if let Some(b) = billed {
            summary.total_billed += b;
        }
        let row = out_row(
            summary.rows,
            invoice_id,
            patient_id,
            date_s,
            code_s,
            coef_s,
            qty_s,
            billed_s,
            billed,
            priced.as_ref(),
            &findings,
            status,
        );
        if let Some(a) = priced.as_ref().and_then(|p| p.amount) {
            summary.total_amount += a;
        }
        match &mut sink {
            Sink::Csv(csv_out) => {
                let codes = join_codes(&findings);
                let message = findings
                    .iter()
                    .map(|f| f.message.as_str())
                    .collect::<Vec<_>>()
                    .join(" | ");
                let row_s = row.row.to_string();
                csv_out
                    .write_record([
                        row_s.as_str(),
                        row.invoice_id,
                        row.patient_id,
                        row.date,
                        row.code_in,
                        row.coefficient_in,
                        &row.code,
                        &row.coefficient,
                        &row.act_id,
                        &row.unit_value,
                        &row.quantity,
                        &row.amount,
                        &row.billed_amount,
                        row.status,
                        &codes,
                        &message,
                    ])
                    .map_err(Error::csv)?;
            }
            Sink::Json(w) => {
                json_buf.clear();
                let j = JsonRow {
                    row: &row,
                    findings: row
                        .finding_list
                        .iter()
                        .map(|f| JsonFinding {
                            code: f.code.as_str(),
                            severity: f.severity().as_str(),
                            message: &f.message,
                        })
                        .collect(),
                };
                serde_json::to_writer(&mut json_buf, &j).map_err(|e| Error::Csv {
                    line: 0,
                    message: e.to_string(),
                })?;
                json_buf.push(b'\n');
                w.write_all(&json_buf).map_err(io_err)?;
            }
        }
    }
    match &mut sink {
        Sink::Csv(w) => w.flush().map_err(io_err)?,
        Sink::Json(w) => w.flush().map_err(io_err)?,
    }
    Ok(summary)
}

enum Sink<W: Write> {
    Csv(Box<csv::Writer<W>>),
    Json(BufWriter<W>),
}

fn join_codes(findings: &[Finding]) -> String {
    let mut s = String::new();
    for f in findings {
        if !s.is_empty() {
            s.push(';');
        }
        s.push_str(f.code.as_str());
    }
    s
}

#[allow(clippy::too_many_arguments)]
fn parse_line(
    date_s: &str,
    code_s: &str,
    coef_s: &str,
    qty_s: &str,
    dept_s: &str,
    billed_s: &str,
    act_s: &str,
    pre: &mut Vec<Finding>,
) -> Option<InvoiceLine> {
    let date = NaiveDate::parse_from_str(date_s, "%Y-%m-%d")
        .ok()
        .filter(|_| date_s.len() == 10);
    if date.is_none() {
        pre.push(Finding::new(
            FindingCode::InvalidField,
            format!("date {date_s:?} : attendu AAAA-MM-JJ."),
        ));
    }
    let code = Code::from_bytes(code_s.as_bytes());
    if code.is_none() {
        if code_s.is_empty() {
            pre.push(Finding::new(FindingCode::InvalidField, "code vide."));
        } else {
            pre.push(Finding::new(
                FindingCode::UnknownCode,
                format!("code {code_s:?} inconnu."),
            ));
        }
    }
    // `None` = malformed (reported, stops pricing); `Some(None)` = empty.
    let coefficient = if coef_s.is_empty() {
        Some(None)
    } else {
        let c = parse_decimal(coef_s).filter(|c| *c > Decimal::ZERO);
        if c.is_none() {
            pre.push(Finding::new(
                FindingCode::InvalidField,
                format!("coefficient {coef_s:?} : nombre positif attendu."),
            ));
        }
        c.map(Some)
    };
    let quantity = if qty_s.is_empty() {
        Some(Decimal::ONE)
    } else {
        let q = parse_decimal(qty_s).filter(|q| *q > Decimal::ZERO);
        if q.is_none() {
            pre.push(Finding::new(
                FindingCode::InvalidField,
                format!("quantity {qty_s:?} : nombre positif attendu."),
            ));
        }
        q
    };
    let territory = if dept_s.is_empty() {
        Some(Territory::Metropole)
    } else {
        match Territory::from_department(dept_s) {
            Ok(t) => Some(t),
            Err(e) => {
                pre.push(Finding::new(
                    FindingCode::InvalidField,
                    format!("department : {e}."),
                ));
                None
            }
        }
    };
    let billed_amount = if billed_s.is_empty() {
        None
    } else {
        let b = parse_decimal(billed_s);
        if b.is_none() {
            pre.push(Finding::new(
                FindingCode::InvalidField,
                format!("billed_amount {billed_s:?} : montant attendu."),
            ));
        }
        b
    };
    // A bad billed amount is reported but does not stop pricing; any other
    // field that failed above is `None` and stops it here.
    Some(InvoiceLine {
        date: date?,
        territory: territory?,
        code: code?,
        coefficient: coefficient?,
        quantity: quantity?,
        act_id: (!act_s.is_empty()).then(|| act_s.to_string()),
        billed_amount,
    })
}

#[allow(clippy::too_many_arguments)]
fn out_row<'a>(
    row: u64,
    invoice_id: &'a str,
    patient_id: &'a str,
    date: &'a str,
    code_in: &'a str,
    coefficient_in: &'a str,
    qty_s: &str,
    billed_s: &str,
    billed: Option<Decimal>,
    priced: Option<&Priced<'_>>,
    findings: &'a [Finding],
    status: LineStatus,
) -> OutRow<'a> {
    let empty = || (String::new(), String::new(), String::new(), String::new());
    let ((code, coefficient, act_id, unit_value), quantity, amount) = match priced {
        // The cotation is shown when the line resolved to one: a value was
        // looked up, or an old cotation was recognised.
        Some(p) if p.value.is_some() || p.old_cotation.is_some() => (
            (
                p.value
                    .map(|v| v.code)
                    .or(p.old_cotation.map(|o| o.letter))
                    .unwrap_or(p.line.code)
                    .to_string(),
                p.coefficient
                    .or(p.old_cotation.map(|o| o.coefficient))
                    .map(|c| c.to_string())
                    .unwrap_or_default(),
                p.act.map(|a| a.id.clone()).unwrap_or_default(),
                p.unit_value().map(format_money).unwrap_or_default(),
            ),
            p.line.quantity.to_string(),
            p.amount.map(format_money).unwrap_or_default(),
        ),
        Some(p) => (empty(), p.line.quantity.to_string(), String::new()),
        None => (empty(), qty_s.to_string(), String::new()),
    };
    OutRow {
        row,
        invoice_id,
        patient_id,
        date,
        code_in,
        coefficient_in,
        code,
        coefficient,
        act_id,
        unit_value,
        quantity,
        amount,
        billed_amount: billed
            .map(format_money)
            .unwrap_or_else(|| billed_s.to_string()),
        status: status.as_str(),
        finding_list: findings,
    }
}
