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

use chrono::{NaiveDate, NaiveTime};
use rust_decimal::Decimal;
use serde::Serialize;

use crate::money::{format_money, parse_decimal};
use crate::rules::{Checker, LineContext};
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
    practitioner_id: Option<usize>,
    prescription_id: Option<usize>,
    prescription_date: Option<usize>,
    prescriber_id: Option<usize>,
    session: Option<usize>,
    telesoin: Option<usize>,
    patient_birth_date: Option<usize>,
    distance_km: Option<usize>,
    discharge_date: Option<usize>,
    trip_id: Option<usize>,
    time: Option<usize>,
    call_time: Option<usize>,
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
            practitioner_id: find("practitioner_id"),
            prescription_id: find("prescription_id"),
            prescription_date: find("prescription_date"),
            prescriber_id: find("prescriber_id"),
            session: find("session"),
            telesoin: find("telesoin"),
            patient_birth_date: find("patient_birth_date"),
            distance_km: find("distance_km"),
            discharge_date: find("discharge_date"),
            trip_id: find("trip_id"),
            time: find("time"),
            call_time: find("call_time"),
        })
    }
}

/// One output row.
#[derive(Debug, Serialize)]
struct OutRow {
    row: u64,
    invoice_id: String,
    patient_id: String,
    date: String,
    code_in: String,
    coefficient_in: String,
    code: String,
    coefficient: String,
    act_id: String,
    unit_value: String,
    quantity: String,
    amount: String,
    billed_amount: String,
    status: &'static str,
    #[serde(skip)]
    finding_list: Vec<Finding>,
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
    row: &'a OutRow,
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

fn opt_text(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_string())
}

fn opt_date(s: &str, name: &str, pre: &mut Vec<Finding>) -> Option<NaiveDate> {
    if s.is_empty() {
        return None;
    }
    let d = NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .filter(|_| s.len() == 10);
    if d.is_none() {
        pre.push(Finding::new(
            FindingCode::InvalidField,
            format!("{name} {s:?} : attendu AAAA-MM-JJ."),
        ));
    }
    d
}

fn opt_time(s: &str, name: &str, pre: &mut Vec<Finding>) -> Option<NaiveTime> {
    if s.is_empty() {
        return None;
    }
    let t = NaiveTime::parse_from_str(s, "%H:%M")
        .or_else(|_| NaiveTime::parse_from_str(s, "%H:%M:%S"))
        .ok();
    if t.is_none() {
        pre.push(Finding::new(
            FindingCode::InvalidField,
            format!("{name} {s:?} : attendu HH:MM."),
        ));
    }
    t
}

fn parse_context(
    rec: &csv::ByteRecord,
    cols: &Columns,
    invoice_id: &str,
    patient_id: &str,
    dept: &str,
    pre: &mut Vec<Finding>,
) -> LineContext {
    let mut f = |i: Option<usize>, name: &str| field(rec, i, name, pre).to_string();
    let practitioner = f(cols.practitioner_id, "practitioner_id");
    let prescription = f(cols.prescription_id, "prescription_id");
    let prescription_date = f(cols.prescription_date, "prescription_date");
    let prescriber = f(cols.prescriber_id, "prescriber_id");
    let session = f(cols.session, "session");
    let telesoin = f(cols.telesoin, "telesoin");
    let birth = f(cols.patient_birth_date, "patient_birth_date");
    let distance = f(cols.distance_km, "distance_km");
    let discharge = f(cols.discharge_date, "discharge_date");
    let trip = f(cols.trip_id, "trip_id");
    let time = f(cols.time, "time");
    let call_time = f(cols.call_time, "call_time");
    let telesoin = match telesoin.to_ascii_lowercase().as_str() {
        "" | "0" | "false" | "no" | "non" | "n" => false,
        "1" | "true" | "yes" | "oui" | "o" | "y" | "x" => true,
        other => {
            pre.push(Finding::new(
                FindingCode::InvalidField,
                format!("telesoin {other:?} : attendu 1 / 0 (oui / non)."),
            ));
            false
        }
    };
    let distance_km = if distance.is_empty() {
        None
    } else {
        let d = parse_decimal(&distance).filter(|d| *d >= Decimal::ZERO);
        if d.is_none() {
            pre.push(Finding::new(
                FindingCode::InvalidField,
                format!("distance_km {distance:?} : nombre positif attendu."),
            ));
        }
        d
    };
    LineContext {
        invoice_id: invoice_id.to_string(),
        patient_id: patient_id.to_string(),
        practitioner_id: practitioner,
        department: opt_text(dept),
        prescription_id: opt_text(&prescription),
        prescription_date: opt_date(&prescription_date, "prescription_date", pre),
        prescriber_id: opt_text(&prescriber),
        session: opt_text(&session),
        telesoin,
        patient_birth_date: opt_date(&birth, "patient_birth_date", pre),
        distance_km,
        discharge_date: opt_date(&discharge, "discharge_date", pre),
        trip_id: opt_text(&trip),
        time: opt_time(&time, "time", pre),
        call_time: opt_time(&call_time, "call_time", pre),
    }
}

/// Prices every row of an invoice CSV, applies the invoice rules across
/// the batch, and writes one row per input row. Returns the summary; fails
/// only when the input cannot be read (I/O, missing required column) or the
/// output cannot be written.
///
/// The cross-line rules need the whole batch: rows are held in memory
/// until the end of the input.
pub fn price_csv<R: Read, W: Write>(
    tariffs: &Tariffs,
    input: R,
    output: W,
    format: OutputFormat,
) -> Result<Summary, Error> {
    price_csv_with(
        tariffs,
        input,
        output,
        &BatchOptions {
            format,
            rules: true,
        },
    )
}

/// Options of [`price_csv_with`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchOptions {
    /// Output format.
    pub format: OutputFormat,
    /// Apply the invoice rules ([`crate::rules`]); `false` prices each line
    /// on its own.
    pub rules: bool,
}

impl Default for BatchOptions {
    fn default() -> BatchOptions {
        BatchOptions {
            format: OutputFormat::Csv,
            rules: true,
        }
    }
}

/// [`price_csv`] with options: the output format, and whether to apply the
/// invoice rules or only price each line.
pub fn price_csv_with<R: Read, W: Write>(
    tariffs: &Tariffs,
    input: R,
    output: W,
    options: &BatchOptions,
) -> Result<Summary, Error> {
    let format = options.format;
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

    let mut rows: Vec<OutRow> = Vec::new();
    let mut checker: Checker<'_, usize> = Checker::new(tariffs);
    let mut rec = csv::ByteRecord::new();
    loop {
        match reader.read_byte_record(&mut rec) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => return Err(Error::csv(e)),
        }
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
        let ctx = parse_context(&rec, &cols, invoice_id, patient_id, dept_s, &mut pre);
        let index = rows.len();
        let priced = parsed.map(|line| {
            if options.rules {
                checker.add(index, line, ctx)
            } else {
                tariffs.price(&line)
            }
        });
        let mut findings = pre;
        if let Some(p) = &priced {
            findings.extend(p.findings.iter().cloned());
        }
        let billed = parse_decimal(billed_s);
        rows.push(out_row(
            index as u64 + 1,
            [invoice_id, patient_id, date_s, code_s, coef_s],
            qty_s,
            billed_s,
            billed,
            priced.as_ref(),
            findings,
        ));
    }
    for (index, cross) in checker.finalize() {
        rows[index].finding_list.extend(cross);
    }

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
    let mut summary = Summary::default();
    let mut json_buf = Vec::new();
    for row in &mut rows {
        let status = LineStatus::of(&row.finding_list);
        row.status = status.as_str();
        summary.rows += 1;
        match status {
            LineStatus::Ok => summary.ok += 1,
            LineStatus::Warning => summary.warnings += 1,
            LineStatus::Error => summary.errors += 1,
        }
        for f in &row.finding_list {
            *summary.findings.entry(f.code.as_str()).or_default() += 1;
        }
        if let Some(b) = parse_decimal(&row.billed_amount) {
            summary.total_billed += b;
        }
        if let Some(a) = parse_decimal(&row.amount) {
            summary.total_amount += a;
        }
        match &mut sink {
            Sink::Csv(csv_out) => {
                let codes = join_codes(&row.finding_list);
                let message = row
                    .finding_list
                    .iter()
                    .map(|f| f.message.as_str())
                    .collect::<Vec<_>>()
                    .join(" | ");
                let row_s = row.row.to_string();
                csv_out
                    .write_record([
                        row_s.as_str(),
                        &row.invoice_id,
                        &row.patient_id,
                        &row.date,
                        &row.code_in,
                        &row.coefficient_in,
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
                    row,
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

fn out_row(
    row: u64,
    [invoice_id, patient_id, date, code_in, coefficient_in]: [&str; 5],
    qty_s: &str,
    billed_s: &str,
    billed: Option<Decimal>,
    priced: Option<&Priced<'_>>,
    findings: Vec<Finding>,
) -> OutRow {
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
        invoice_id: invoice_id.to_string(),
        patient_id: patient_id.to_string(),
        date: date.to_string(),
        code_in: code_in.to_string(),
        coefficient_in: coefficient_in.to_string(),
        code,
        coefficient,
        act_id,
        unit_value,
        quantity,
        amount,
        billed_amount: billed
            .map(format_money)
            .unwrap_or_else(|| billed_s.to_string()),
        status: "",
        finding_list: findings,
    }
}
