//! Spreadsheet files in and out of `kine-tarif price`: the output's CSV
//! dialect following the input's, XLSX workbooks read and written (read
//! back here with calamine), and the HTML report.
//!
//! The batch, worked out by hand from `tariffs/`: RIM 7.5 on 15/06/2024
//! in metropolitan France is act A1C-ENTORSE-MED, RIM worth 2.21 € (from
//! 2024-02-22): 7.5 × 2.21 = 16.575 → 16.58 €. Billed 16.58 € it is
//! conforming; billed 17.00 € it is AMOUNT_MISMATCH. XYZ is no code:
//! UNKNOWN_CODE. Computed 2 × 16.58 = 33.16 €; billed 16.58 + 17.00 +
//! 10.00 = 43.58 €. At 01/06/2026 A1C-ENTORSE-MED is RIM 8.10:
//! 8.1 × 2.21 = 17.901 → 17.90 €, so each RIM line gains 1.32 € and the
//! two 2.64 €.

use std::path::Path;
use std::process::Command;

use calamine::{Data, Reader, Xlsx, open_workbook};

fn kine_tarif(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_kine-tarif"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const FRENCH_EXPORT: &str = "invoice_id;patient_id;practitioner_id;date;code;coefficient;department;billed_amount\n\
F1;P1;K1;15/06/2024;RIM;7,5;75;16,58 €\n\
F2;P2;K1;15/06/2024;RIM;7,5;75;17,00 €\n\
F3;P3;K2;15/06/2024;XYZ;7,5;75;10 €\n";

/// The data rows of a CSV text, fields unquoted.
fn records(text: &str, delimiter: u8) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .from_reader(text.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.to_str().unwrap().to_string()
}

#[test]
fn a_semicolon_export_comes_back_with_semicolons_and_decimal_commas() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "in.csv", FRENCH_EXPORT);
    let (code, out, _) = kine_tarif(&["price", &input, "-q"]);
    assert_eq!(code, 0);
    let lines: Vec<&str> = out.lines().collect();
    assert!(
        lines[0].starts_with("row;invoice_id;patient_id;date;"),
        "{out}"
    );
    let row1: Vec<&str> = lines[1].split(';').collect();
    // unit_value, quantity, amount, status.
    assert_eq!(
        (row1[9], row1[10], row1[11], row1[13]),
        ("2,21", "1", "16,58", "ok"),
        "{out}"
    );
    let row2: Vec<&str> = lines[2].split(';').collect();
    assert_eq!(
        (row2[11], row2[13], row2[14]),
        ("16,58", "error", "AMOUNT_MISMATCH")
    );
    assert!(lines[3].contains(";error;UNKNOWN_CODE;"), "{out}");
    // Forced back to commas and dot decimals.
    let (_, out, _) = kine_tarif(&["price", &input, "-q", "--dialect", "comma"]);
    let rows = records(&out, b',');
    assert_eq!(
        (
            rows[0][5].as_str(),
            rows[0][9].as_str(),
            rows[0][11].as_str()
        ),
        ("7,5", "2.21", "16.58"),
        "{out}"
    );
    // A comma file forced to semicolons.
    let comma = write(
        dir.path(),
        "comma.csv",
        "invoice_id,patient_id,date,code,coefficient,department\nF1,P1,2024-06-15,RIM,7.5,75\n",
    );
    let (_, out, _) = kine_tarif(&["price", &comma, "-q", "--dialect", "semicolon"]);
    assert!(
        out.lines()
            .nth(1)
            .unwrap()
            .contains(";RIM;7,50;A1C-ENTORSE-MED;2,21;1;16,58;"),
        "{out}"
    );
}

/// The same batch as a workbook a spreadsheet writes: dates as dates,
/// numbers as numbers (the département too), text as text.
fn workbook(path: &Path) {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("Factures").unwrap();
    let date = Format::new().set_num_format("dd/mm/yyyy");
    let header = [
        "invoice_id",
        "patient_id",
        "practitioner_id",
        "date",
        "code",
        "coefficient",
        "department",
        "billed_amount",
    ];
    for (c, h) in header.iter().enumerate() {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    let rows: [(&str, &str, &str, &str, f64, f64, f64); 3] = [
        ("F1", "P1", "K1", "RIM", 7.5, 75.0, 16.58),
        ("F2", "P2", "K1", "RIM", 7.5, 75.0, 17.0),
        ("F3", "P3", "K2", "XYZ", 7.5, 75.0, 10.0),
    ];
    for (r, (inv, pat, pra, code, coef, dept, billed)) in rows.iter().enumerate() {
        let r = r as u32 + 1;
        sheet.write_string(r, 0, *inv).unwrap();
        sheet.write_string(r, 1, *pat).unwrap();
        sheet.write_string(r, 2, *pra).unwrap();
        let d = ExcelDateTime::from_ymd(2024, 6, 15).unwrap();
        sheet.write_datetime_with_format(r, 3, &d, &date).unwrap();
        sheet.write_string(r, 4, *code).unwrap();
        sheet.write_number(r, 5, *coef).unwrap();
        sheet.write_number(r, 6, *dept).unwrap();
        sheet.write_number(r, 7, *billed).unwrap();
    }
    book.save(path).unwrap();
}

fn cell(range: &calamine::Range<Data>, row: u32, col: u32) -> &Data {
    range.get_value((row, col)).unwrap_or(&Data::Empty)
}

/// The value beside a label in the summary sheet.
fn summary_value(range: &calamine::Range<Data>, label: &str) -> Data {
    range
        .rows()
        .find(|r| r.first() == Some(&Data::String(label.to_string())))
        .and_then(|r| r.get(1).cloned())
        .unwrap_or(Data::Empty)
}

#[test]
fn xlsx_in_and_out_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("factures.xlsx");
    workbook(&input);
    let output = dir.path().join("résultat.xlsx");
    let (code, out, err) = kine_tarif(&[
        "price",
        input.to_str().unwrap(),
        "-o",
        output.to_str().unwrap(),
        "-q",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.is_empty());
    let mut book: Xlsx<_> = open_workbook(&output).unwrap();
    assert_eq!(
        book.sheet_names(),
        ["Résumé", "Lignes", "AMOUNT_MISMATCH", "UNKNOWN_CODE"]
    );
    let rows = book.worksheet_range("Lignes").unwrap();
    let header: Vec<String> = rows
        .rows()
        .next()
        .unwrap()
        .iter()
        .map(|c| c.to_string())
        .collect();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap() as u32;
    assert_eq!(rows.height(), 4);
    assert_eq!(cell(&rows, 1, col("amount")), &Data::Float(16.58));
    assert_eq!(cell(&rows, 1, col("unit_value")), &Data::Float(2.21));
    assert_eq!(cell(&rows, 1, col("status")), &Data::String("ok".into()));
    match cell(&rows, 1, col("date")) {
        Data::DateTime(d) => assert_eq!(
            d.as_datetime().unwrap().date(),
            chrono::NaiveDate::from_ymd_opt(2024, 6, 15).unwrap()
        ),
        other => panic!("date cell {other:?}"),
    }
    assert_eq!(
        cell(&rows, 2, col("findings")),
        &Data::String("AMOUNT_MISMATCH".into())
    );
    assert_eq!(cell(&rows, 2, col("billed_amount")), &Data::Float(17.0));
    assert_eq!(
        cell(&rows, 3, col("findings")),
        &Data::String("UNKNOWN_CODE".into())
    );
    let mismatch = book.worksheet_range("AMOUNT_MISMATCH").unwrap();
    assert_eq!(mismatch.height(), 2);
    assert_eq!(cell(&mismatch, 1, 1), &Data::String("F2".into()));
    let summary = book.worksheet_range("Résumé").unwrap();
    assert_eq!(summary_value(&summary, "Lignes"), Data::Float(3.0));
    assert_eq!(summary_value(&summary, "Erreurs"), Data::Float(2.0));
    assert_eq!(
        summary_value(&summary, "Montant calculé"),
        Data::Float(33.16)
    );
    assert_eq!(
        summary_value(&summary, "Montant facturé"),
        Data::Float(43.58)
    );

    // The workbook read as input gives the same findings as the CSV.
    let csv = write(dir.path(), "in.csv", FRENCH_EXPORT);
    let (_, from_csv, _) = kine_tarif(&["price", &csv, "-q", "--dialect", "comma"]);
    let (_, from_xlsx, _) =
        kine_tarif(&["price", input.to_str().unwrap(), "-q", "--dialect", "comma"]);
    let statuses = |text: &str| -> Vec<String> {
        records(text, b',')
            .iter()
            .map(|f| format!("{} {} {}", f[11], f[13], f[14]))
            .collect()
    };
    assert_eq!(statuses(&from_xlsx), statuses(&from_csv));
    assert_eq!(statuses(&from_csv)[0], "16.58 ok ");

    // A workbook to CSV: semicolons by default (a spreadsheet user).
    let (_, out, _) = kine_tarif(&["price", input.to_str().unwrap(), "-q"]);
    assert!(out.lines().nth(1).unwrap().contains(";16,58;"), "{out}");
    // --sheet: by name; an absent one names those there are.
    let (code, _, err) = kine_tarif(&["price", input.to_str().unwrap(), "--sheet", "Autre"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("pas de feuille « Autre » ; feuilles du classeur : Factures"),
        "{err}"
    );
    let (code, _, _) = kine_tarif(&[
        "price",
        input.to_str().unwrap(),
        "--sheet",
        "factures",
        "-q",
    ]);
    assert_eq!(code, 0);
    let (code, _, err) = kine_tarif(&["price", &csv, "--sheet", "Factures"]);
    assert_eq!(code, 2);
    assert!(err.contains("n'est pas un classeur XLSX"), "{err}");
}

/// The report, as a file; `--reprice-at` adds the chart.
pub fn report(dir: &Path) -> String {
    let input = write(dir, "in.csv", FRENCH_EXPORT);
    let html = dir.join("rapport.html");
    let (code, _, err) = kine_tarif(&[
        "price",
        &input,
        "-o",
        dir.join("out.csv").to_str().unwrap(),
        "--report",
        html.to_str().unwrap(),
        "--reprice-at",
        "2026-06-01",
    ]);
    assert_eq!(code, 0, "{err}");
    html.to_str().unwrap().to_string()
}

#[test]
fn the_report_is_one_french_page_without_external_assets() {
    let dir = tempfile::tempdir().unwrap();
    let page = std::fs::read_to_string(report(dir.path())).unwrap();
    assert!(page.starts_with("<!DOCTYPE html>\n<html lang=\"fr\">"));
    assert!(
        page.contains("3 lignes : 1 conforme, 0 avertissement, 2 erreurs ; calculé 33,16\u{a0}€, facturé 43,58\u{a0}€"),
        "{page}"
    );
    // K1: two lines, one in error, 33.16 €; K2: one line in error, nothing computed.
    assert!(page.contains("<tr><td>K1</td><td class=\"n\">2</td><td class=\"n\">1</td><td class=\"n\">0</td><td class=\"n\">33,16\u{a0}€</td><td>AMOUNT_MISMATCH (1)</td></tr>"), "{page}");
    assert!(page.contains("<tr><td>K2</td><td class=\"n\">1</td><td class=\"n\">1</td><td class=\"n\">0</td><td class=\"n\">0,00\u{a0}€</td><td>UNKNOWN_CODE (1)</td></tr>"), "{page}");
    // RIM: two lines, 33.16 € computed, 33.58 € billed.
    assert!(page.contains("<tr><td>RIM</td><td class=\"n\">2</td><td class=\"n\">33,16\u{a0}€</td><td class=\"n\">33,58\u{a0}€</td></tr>"), "{page}");
    // The revalorisation: 33.16 → 35.80, +2.64 €.
    assert!(page.contains("<svg"), "{page}");
    assert!(page.contains("+2,64\u{a0}€"), "{page}");
    assert!(page.contains("35,80\u{a0}€"), "{page}");
    // The rows in error, with their dates as a reader writes them.
    assert!(page.contains("<td>15/06/2024</td>"), "{page}");
    assert!(page.contains("UNKNOWN_CODE") && page.contains("AMOUNT_MISMATCH"));
    for external in ["<script", "src=", "href=", "<link", "url("] {
        assert!(!page.contains(external), "{external} in {page}");
    }
}

/// The report rendered by a real browser: Debian's headless Chromium
/// draws it to PNG (its size read from the PNG header) and prints it to
/// PDF, whose text, extracted by `pdftotext` (poppler-utils), is the text
/// a reader sees. Needs `chromium` and `pdftotext`, which `.ci/run`
/// installs before running it (`cargo test --test spreadsheet --
/// --ignored`).
#[test]
#[ignore = "needs chromium and pdftotext: run by .ci/run"]
fn the_report_renders_in_chromium() {
    let dir = tempfile::tempdir().unwrap();
    let html = report(dir.path());
    let url = format!("file://{html}");
    let png = dir.path().join("rapport.png");
    let pdf = dir.path().join("rapport.pdf");
    let chromium = |extra: &[String]| {
        let out = Command::new("chromium")
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--window-size=1200,1600",
            ])
            .arg(format!(
                "--user-data-dir={}",
                dir.path().join("profil").display()
            ))
            .args(extra)
            .arg(&url)
            .output()
            .expect("chromium (apt-get install chromium)");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    chromium(&[format!("--screenshot={}", png.display())]);
    let image = std::fs::read(&png).unwrap();
    assert_eq!(&image[..8], b"\x89PNG\r\n\x1a\n");
    let width = u32::from_be_bytes(image[16..20].try_into().unwrap());
    let height = u32::from_be_bytes(image[20..24].try_into().unwrap());
    assert_eq!((width, height), (1200, 1600));
    // A blank page compresses to a few kilobytes; tables and a chart do not.
    assert!(image.len() > 20_000, "{} bytes", image.len());
    chromium(&[
        format!("--print-to-pdf={}", pdf.display()),
        "--no-pdf-header-footer".to_string(),
    ]);
    let out = Command::new("pdftotext")
        .args([pdf.to_str().unwrap(), "-"])
        .output()
        .expect("pdftotext (apt-get install poppler-utils)");
    assert!(out.status.success());
    // Spaces of every kind as one, as the eye reads them.
    let text = String::from_utf8(out.stdout)
        .unwrap()
        .split(|c: char| c.is_whitespace() || c == '\u{a0}' || c == '\u{202f}')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    for shown in [
        "Rapport de facturation",
        "3 lignes : 1 conforme, 0 avertissement, 2 erreurs ; calculé 33,16 €, facturé 43,58 €",
        "Constats par code",
        "Par praticien",
        "Montants par lettre clé",
        "Impact de la revalorisation par lettre clé",
        "+2,64 €",
        "Lignes en erreur",
        "15/06/2024",
    ] {
        assert!(text.contains(shown), "« {shown} » absent de : {text}");
    }
}
