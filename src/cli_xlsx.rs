//! XLSX workbooks in and out (binary only).
//!
//! In: [`is_xlsx`] tells a workbook by its first bytes (a ZIP archive);
//! [`to_csv`] reads its first sheet, or the one named by `--sheet`, with
//! calamine, and writes it as the CSV the engine reads, into an unnamed
//! temporary file: text cells as they are, numbers by their shortest
//! exact text (`17.9`: the workbook stores numbers as binary floating
//! point; the float is only carried from the file to that text, never
//! computed with), dates as `AAAA-MM-JJ`, an error cell (`#N/A`) as its
//! text, which the engine reports as `INVALID_FIELD` on its line.
//!
//! Out: [`Workbook`] is a [`Sink`] of the output rows
//! ([`crate::cli_tap`]): a sheet of rows (errors in red, warnings in
//! orange, numbers as numbers, amounts in euros, dates as dates, a filter
//! on the header), a summary sheet and a sheet per finding code, written
//! once the batch is done ([`Workbook::save`]).

use std::collections::BTreeMap;
use std::io::{Seek, Write};
use std::path::{Path, PathBuf};

use calamine::{Data, Reader};
use kine_tarif::batch::Summary;
use kine_tarif::{Error, FindingCode};
use rust_xlsxwriter::{Color, ExcelDateTime, Format, FormatBorder, Worksheet};

use crate::cli_io::ReadSeek;
use crate::cli_tap::{LINE_COLUMNS, Sink, is_numeric};

/// Rows of a worksheet, header included (Excel's limit).
pub const MAX_SHEET_ROWS: u32 = 1_048_576;

/// Whether the input starts as a ZIP archive does (an XLSX workbook).
pub fn is_xlsx(reader: &mut dyn ReadSeek) -> Result<bool, Error> {
    let mut head = [0u8; 4];
    let mut n = 0;
    while n < head.len() {
        match reader.read(head.get_mut(n..).unwrap_or_default()) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(Error::Input(e)),
        }
    }
    reader.rewind().map_err(Error::Input)?;
    Ok(n == 4 && head == *b"PK\x03\x04")
}

/// The workbook's sheet as CSV in an unnamed temporary file, and its size.
pub fn to_csv(
    reader: Box<dyn ReadSeek>,
    name: &str,
    sheet: Option<&str>,
    temp_dir: Option<&Path>,
) -> Result<(Box<dyn ReadSeek>, u64), Error> {
    let unreadable = |e: &dyn std::fmt::Display| {
        Error::Argument(format!("{name} : classeur XLSX illisible ({e})"))
    };
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(reader).map_err(|e| unreadable(&e))?;
    let names = book.sheet_names();
    let chosen = match sheet {
        Some(s) => names
            .iter()
            .find(|n| n.eq_ignore_ascii_case(s))
            .cloned()
            .ok_or_else(|| {
                Error::Argument(format!(
                    "{name} : pas de feuille « {s} » ; feuilles du classeur : {}",
                    names.join(", ")
                ))
            })?,
        None => names
            .first()
            .cloned()
            .ok_or_else(|| Error::Argument(format!("{name} : le classeur n'a aucune feuille")))?,
    };
    let range = book.worksheet_range(&chosen).map_err(|e| unreadable(&e))?;
    let temp_path = temp_dir.map_or_else(std::env::temp_dir, Path::to_path_buf);
    let io = |source| Error::Io {
        path: temp_path.clone(),
        source,
    };
    let file = match temp_dir {
        Some(dir) => tempfile::tempfile_in(dir),
        None => tempfile::tempfile(),
    }
    .map_err(io)?;
    let mut out = csv::Writer::from_writer(file);
    let mut record = Vec::new();
    for row in range.rows() {
        record.clear();
        record.extend(row.iter().map(cell_text));
        // Trailing empty cells of a row are not columns.
        while record.last().is_some_and(String::is_empty) && record.len() > 1 {
            record.pop();
        }
        if record.iter().all(String::is_empty) {
            continue;
        }
        out.write_record(&record)
            .map_err(|e| Error::Argument(format!("{name} : {e}")))?;
    }
    let mut file = out
        .into_inner()
        .map_err(|e| io(std::io::Error::other(e.to_string())))?;
    let size = file.stream_position().map_err(io)?;
    file.rewind().map_err(io)?;
    Ok((Box::new(file), size))
}

/// A cell as the text the engine reads.
fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        // Rust writes a float by the shortest text that reads back as the
        // same float, without an exponent: what the workbook holds.
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => if *b { "VRAI" } else { "FAUX" }.to_string(),
        Data::DateTime(d) => match d.as_datetime() {
            Some(dt) if d.is_datetime() => dt.date().format("%Y-%m-%d").to_string(),
            _ => d.as_f64().to_string(),
        },
        Data::Error(e) => e.to_string(),
    }
}

/// Output columns holding euros (formatted as such).
const EUROS: [&str; 8] = [
    "unit_value",
    "amount",
    "billed_amount",
    "reprice_unit_value",
    "reprice_amount",
    "amo_amount",
    "patient_amount",
    "franchise",
];

/// The formats of a cell: its kind × its row's status.
struct Formats {
    header: Format,
    /// [plain, euros, date, integer] × [ok, warning, error].
    cells: [[Format; 3]; 4],
}

impl Formats {
    fn new() -> Formats {
        let fill = |f: Format, status: usize| match status {
            1 => f.set_background_color(Color::RGB(0xFFE0B2)),
            2 => f.set_background_color(Color::RGB(0xFFCDD2)),
            _ => f,
        };
        let kind = |k: usize| match k {
            1 => Format::new().set_num_format("#,##0.00\\ \"€\""),
            2 => Format::new().set_num_format("dd/mm/yyyy"),
            3 => Format::new().set_num_format("0"),
            _ => Format::new(),
        };
        Formats {
            header: Format::new()
                .set_bold()
                .set_border_bottom(FormatBorder::Thin)
                .set_background_color(Color::RGB(0xE8EAF6)),
            cells: std::array::from_fn(|k| std::array::from_fn(|s| fill(kind(k), s))),
        }
    }
}

/// The XLSX output: see the module documentation. The rows' sheets are
/// in rust_xlsxwriter's constant-memory mode (each row goes to a temporary
/// file as it is written): memory stays flat whatever the rows.
pub struct Workbook {
    book: rust_xlsxwriter::Workbook,
    /// Each finding code's sheet (its index in the book) and its next row.
    by_code: BTreeMap<String, (usize, u32)>,
    next_row: u32,
    columns: usize,
    formats: Formats,
    error: Option<String>,
    temp_dir: Option<PathBuf>,
}

/// The summary's sheet and the rows' sheet, in the book.
const SUMMARY_SHEET: usize = 0;
const ROWS_SHEET: usize = 1;

/// Columns of a finding code's sheet: the line's, then its status.
fn code_columns() -> Vec<&'static str> {
    let mut c = LINE_COLUMNS.to_vec();
    c.push("status");
    c
}

impl Workbook {
    pub fn new(temp_dir: Option<&Path>) -> Workbook {
        let mut w = Workbook {
            book: rust_xlsxwriter::Workbook::new(),
            by_code: BTreeMap::new(),
            next_row: 0,
            columns: 0,
            formats: Formats::new(),
            error: None,
            temp_dir: temp_dir.map(Path::to_path_buf),
        };
        if let Err(e) = w.sheets() {
            w.fail(e);
        }
        w
    }

    /// The summary's sheet (filled at the end) and the rows' sheet.
    fn sheets(&mut self) -> Result<(), rust_xlsxwriter::XlsxError> {
        if let Some(dir) = &self.temp_dir {
            self.book.set_tempdir(dir)?;
        }
        self.book.add_worksheet().set_name("Résumé")?;
        self.book
            .add_worksheet_with_constant_memory()?
            .set_name("Lignes")?;
        Ok(())
    }

    fn fail(&mut self, e: impl std::fmt::Display) {
        self.error.get_or_insert_with(|| e.to_string());
    }

    /// One cell, as a number, an amount or a date where it reads as one.
    fn cell(
        sheet: &mut Worksheet,
        formats: &Formats,
        (row, col): (u32, u16),
        column: &str,
        text: &str,
        status: usize,
    ) -> Result<(), rust_xlsxwriter::XlsxError> {
        let f = |k: usize| &formats.cells[k][status];
        if column == "row" {
            if let Ok(n) = text.parse::<u32>() {
                sheet.write_number_with_format(row, col, n, f(3))?;
                return Ok(());
            }
        } else if is_numeric(column) && !text.is_empty() {
            // The decimal text to the nearest double, for the cell only.
            if let (Ok(_), Ok(x)) = (text.parse::<kine_tarif::Decimal>(), text.parse::<f64>()) {
                let kind = if EUROS.contains(&column) { 1 } else { 0 };
                sheet.write_number_with_format(row, col, x, f(kind))?;
                return Ok(());
            }
        } else if column == "date"
            && let Ok(d) = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
            && let Ok(x) = excel_date(d)
        {
            sheet.write_datetime_with_format(row, col, x, f(2))?;
            return Ok(());
        }
        sheet.write_string_with_format(row, col, text, f(0))?;
        Ok(())
    }

    fn header(sheet: &mut Worksheet, formats: &Formats, names: &[&str]) {
        for (c, name) in names.iter().enumerate() {
            let _ = sheet.write_string_with_format(0, c as u16, *name, &formats.header);
            let width = if *name == "message" { 80 } else { 14 };
            let _ = sheet.set_column_width(c as u16, width);
        }
        let _ = sheet.set_freeze_panes(1, 0);
    }

    /// The workbook, with the batch's summary, to `path` (or standard
    /// output).
    pub fn save(
        mut self,
        summary: &Summary,
        data_version: &str,
        path: Option<&PathBuf>,
    ) -> Result<(), Error> {
        let xlsx = |e: rust_xlsxwriter::XlsxError| Error::Argument(format!("classeur XLSX : {e}"));
        if let Some(e) = self.error.take() {
            return Err(Error::Argument(format!("classeur XLSX : {e}")));
        }
        let last = self.next_row.saturating_sub(1);
        if self.columns > 0 {
            let rows = self.book.worksheet_from_index(ROWS_SHEET).map_err(xlsx)?;
            let _ = rows.autofilter(0, 0, last, (self.columns - 1) as u16);
        }
        let width = code_columns().len() as u16;
        for (index, n) in self.by_code.values() {
            let sheet = self.book.worksheet_from_index(*index).map_err(xlsx)?;
            let _ = sheet.autofilter(0, 0, n.saturating_sub(1), width);
        }
        let formats = &self.formats;
        let resume = self
            .book
            .worksheet_from_index(SUMMARY_SHEET)
            .map_err(xlsx)?;
        summary_sheet(resume, summary, data_version, formats);
        match path {
            Some(p) => self.book.save(p).map_err(|e| match e {
                rust_xlsxwriter::XlsxError::IoError(source) => Error::Io {
                    path: p.clone(),
                    source,
                },
                e => xlsx(e),
            }),
            None => {
                let bytes = self.book.save_to_buffer().map_err(xlsx)?;
                std::io::stdout()
                    .lock()
                    .write_all(&bytes)
                    .map_err(Error::Output)
            }
        }
    }
}

fn excel_date(d: chrono::NaiveDate) -> Result<ExcelDateTime, rust_xlsxwriter::XlsxError> {
    use chrono::Datelike;
    let year = u16::try_from(d.year())
        .map_err(|_| rust_xlsxwriter::XlsxError::DateTimeRangeError(d.to_string()))?;
    ExcelDateTime::from_ymd(year, d.month() as u8, d.day() as u8)
}

fn status_index(fields: &[String], header: &[String]) -> usize {
    match header
        .iter()
        .position(|h| h == "status")
        .and_then(|k| fields.get(k))
    {
        Some(s) if s == "error" => 2,
        Some(s) if s == "warning" => 1,
        _ => 0,
    }
}

impl Sink for Workbook {
    fn row(&mut self, header: &[String], fields: &[String]) {
        if self.error.is_some() {
            return;
        }
        if self.next_row == 0 {
            let names: Vec<&str> = header.iter().map(String::as_str).collect();
            match self.book.worksheet_from_index(ROWS_SHEET) {
                Ok(sheet) => Self::header(sheet, &self.formats, &names),
                Err(e) => return self.fail(e),
            }
            self.columns = header.len();
            self.next_row = 1;
        }
        if self.next_row >= MAX_SHEET_ROWS {
            self.fail(format!(
                "plus de {} lignes : une feuille XLSX n'en contient pas davantage ; écrivez un CSV",
                MAX_SHEET_ROWS - 1
            ));
            return;
        }
        let status = status_index(fields, header);
        let r = self.next_row;
        let formats = &self.formats;
        let written = self
            .book
            .worksheet_from_index(ROWS_SHEET)
            .and_then(|sheet| {
                for (c, (column, text)) in header.iter().zip(fields).enumerate() {
                    Self::cell(sheet, formats, (r, c as u16), column, text, status)?;
                }
                Ok(())
            });
        if let Err(e) = written {
            return self.fail(e);
        }
        self.next_row += 1;
        // The row again in the sheet of each of its finding codes.
        let get = |name: &str| {
            header
                .iter()
                .position(|h| h == name)
                .and_then(|k| fields.get(k))
                .map_or("", String::as_str)
        };
        let codes: Vec<&str> = get("findings")
            .split(';')
            .filter(|c| !c.is_empty())
            .collect();
        let messages: Vec<&str> = get("message").split(" | ").collect();
        let columns = if codes.is_empty() {
            Vec::new()
        } else {
            code_columns()
        };
        for (i, code) in codes.iter().enumerate() {
            let message = if messages.len() == codes.len() {
                messages.get(i).copied().unwrap_or_default()
            } else {
                get("message")
            };
            if !self.by_code.contains_key(*code) {
                let added = self
                    .book
                    .add_worksheet_with_constant_memory()
                    .and_then(|s| {
                        // Sheet names: at most 31 characters (the codes are
                        // shorter).
                        s.set_name(code.chars().take(31).collect::<String>())?;
                        let mut names = columns.clone();
                        names.push("message");
                        Self::header(s, &self.formats, &names);
                        Ok(())
                    });
                if let Err(e) = added {
                    return self.fail(e);
                }
                let index = self.by_code.len() + 2;
                self.by_code.insert(code.to_string(), (index, 1));
            }
            let Some((index, n)) = self.by_code.get_mut(*code) else {
                continue;
            };
            let formats = &self.formats;
            let written = self.book.worksheet_from_index(*index).and_then(|sheet| {
                for (c, column) in columns.iter().enumerate() {
                    Self::cell(sheet, formats, (*n, c as u16), column, get(column), status)?;
                }
                sheet.write_string_with_format(
                    *n,
                    columns.len() as u16,
                    message,
                    &formats.cells[0][status],
                )?;
                Ok(())
            });
            *n += 1;
            if let Err(e) = written {
                return self.fail(e);
            }
        }
    }

    fn reset(&mut self) {
        let temp_dir = self.temp_dir.take();
        *self = Workbook::new(temp_dir.as_deref());
    }
}

/// The summary sheet: counts, totals, findings by code, the data version.
fn summary_sheet(sheet: &mut Worksheet, s: &Summary, data_version: &str, formats: &Formats) {
    let euros = &formats.cells[1][0];
    let bold = &formats.header;
    let _ = sheet.set_column_width(0, 34);
    let _ = sheet.set_column_width(1, 16);
    let _ = sheet.set_column_width(2, 16);
    let _ = sheet.set_column_width(3, 90);
    let mut r = 0;
    let mut line = |sheet: &mut Worksheet, label: &str, value: Value| {
        let _ = sheet.write_string(r, 0, label);
        let _ = match value {
            Value::Count(n) => sheet.write_number(r, 1, n as f64),
            Value::Euros(d) => sheet.write_number_with_format(r, 1, to_cell(d), euros),
            Value::Text(t) => sheet.write_string(r, 1, t),
        };
        r += 1;
    };
    line(sheet, "Lignes", Value::Count(s.rows));
    line(sheet, "Conformes", Value::Count(s.ok));
    line(sheet, "Avertissements", Value::Count(s.warnings));
    line(sheet, "Erreurs", Value::Count(s.errors));
    line(sheet, "Montant calculé", Value::Euros(s.total_amount));
    line(sheet, "Montant facturé", Value::Euros(s.total_billed));
    if let Some(split) = &s.split {
        line(sheet, "Part AMO", Value::Euros(split.amo_amount));
        line(sheet, "Part patient", Value::Euros(split.patient_amount));
        line(sheet, "Franchise", Value::Euros(split.franchise));
    }
    line(
        sheet,
        "Version des données tarifaires",
        Value::Text(data_version.to_string()),
    );
    r += 1;
    let _ = sheet.write_string_with_format(r, 0, "Constat", bold);
    let _ = sheet.write_string_with_format(r, 1, "Gravité", bold);
    let _ = sheet.write_string_with_format(r, 2, "Lignes", bold);
    let _ = sheet.write_string_with_format(r, 3, "Règle", bold);
    r += 1;
    for (code, n) in &s.findings {
        let parsed = code.parse::<FindingCode>().ok();
        let _ = sheet.write_string(r, 0, *code);
        let _ = sheet.write_string(r, 1, parsed.map_or("", |c| c.severity().label()));
        let _ = sheet.write_number(r, 2, *n as f64);
        let _ = sheet.write_string(r, 3, parsed.map_or("", |c| c.rule()));
        r += 1;
    }
}

enum Value {
    Count(u64),
    Euros(kine_tarif::Decimal),
    Text(String),
}

/// An exact amount to the cell's number (the nearest double of its text).
fn to_cell(d: kine_tarif::Decimal) -> f64 {
    d.to_string().parse().unwrap_or_default()
}
