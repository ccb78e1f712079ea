//! `price --report FILE`: one self-contained HTML page, in French, for a
//! person (binary only). No script, no external asset: styles inline, the
//! chart an inline SVG.
//!
//! [`Report`] is a [`Sink`] of the output rows ([`crate::cli_tap`]): it
//! keeps, per row, its status, amount and finding codes, totals by key
//! letter, and the rows in error (the first [`SHOWN_ERRORS`]). The rows do
//! not carry the practitioner: [`Report::practitioners`] reads the input
//! again for its `practitioner_id` column. [`Report::write`] then writes
//! the page with the engine's summary: the summary, findings by code and
//! by practitioner, amounts by key letter, with `--reprice-at` the impact
//! of the revalorisation per key letter as a bar chart, and the rows in
//! error with their messages.
//!
//! Memory: some 40 bytes a row, for the per-practitioner table; the report
//! is for a batch a person reads, not for a national year.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use kine_tarif::batch::Summary;
use kine_tarif::fr::{Date, Eur};
use kine_tarif::{Decimal, Error, FindingCode};

use crate::cli_io::ReadSeek;
use crate::cli_tap::{LINE_COLUMNS, Sink, semicolon_input};

/// Rows in error listed in full; the page says how many more there are.
pub const SHOWN_ERRORS: usize = 1000;

#[derive(Default)]
struct Brief {
    status: u8,
    amount: Option<Decimal>,
    codes: Vec<u16>,
}

#[derive(Default)]
struct LetterTotals {
    lines: u64,
    amount: Decimal,
    billed: Decimal,
}

#[derive(Default)]
struct PractitionerTotals {
    lines: u64,
    warnings: u64,
    errors: u64,
    amount: Decimal,
    codes: BTreeMap<u16, u64>,
}

/// The report's rows: see the module documentation.
#[derive(Default)]
pub struct Report {
    rows: Vec<Brief>,
    codes: Vec<String>,
    letters: BTreeMap<String, LetterTotals>,
    errors: Vec<Vec<String>>,
    more_errors: u64,
    practitioners: BTreeMap<String, PractitionerTotals>,
    overflow: bool,
}

fn field<'a>(header: &[String], fields: &'a [String], name: &str) -> &'a str {
    header
        .iter()
        .position(|h| h == name)
        .and_then(|k| fields.get(k))
        .map_or("", String::as_str)
}

fn add(total: &mut Decimal, d: Decimal, overflow: &mut bool) {
    match total.checked_add(d) {
        Some(t) => *total = t,
        None => *overflow = true,
    }
}

impl Sink for Report {
    fn row(&mut self, header: &[String], fields: &[String]) {
        let get = |name| field(header, fields, name);
        let status = match get("status") {
            "error" => 2,
            "warning" => 1,
            _ => 0,
        };
        let amount = get("amount").parse::<Decimal>().ok();
        let mut codes = Vec::new();
        for c in get("findings").split(';').filter(|c| !c.is_empty()) {
            let k = match self.codes.iter().position(|x| x == c) {
                Some(k) => k,
                None => {
                    self.codes.push(c.to_string());
                    self.codes.len() - 1
                }
            };
            codes.push(u16::try_from(k).unwrap_or(u16::MAX));
        }
        if let Some(a) = amount {
            let e = self.letters.entry(get("code").to_string()).or_default();
            e.lines += 1;
            add(&mut e.amount, a, &mut self.overflow);
            if let Ok(b) = get("billed_amount").parse::<Decimal>() {
                add(&mut e.billed, b, &mut self.overflow);
            }
        }
        if status == 2 {
            if self.errors.len() < SHOWN_ERRORS {
                self.errors.push(
                    LINE_COLUMNS
                        .iter()
                        .chain(&["message"])
                        .map(|c| get(c).to_string())
                        .collect(),
                );
            } else {
                self.more_errors += 1;
            }
        }
        self.rows.push(Brief {
            status,
            amount,
            codes,
        });
    }

    fn reset(&mut self) {
        *self = Report::default();
    }
}

impl Report {
    /// Reads the input again (from its start) for each row's
    /// practitioner, and totals the rows by practitioner.
    pub fn practitioners(&mut self, input: &mut Box<dyn ReadSeek>) -> Result<(), Error> {
        let semicolon = semicolon_input(input)?;
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(if semicolon { b';' } else { b',' })
            .flexible(true)
            .from_reader(&mut *input);
        let column = reader.byte_headers().ok().and_then(|h| {
            h.iter()
                .position(|c| c.eq_ignore_ascii_case(b"practitioner_id"))
        });
        let mut records = reader.byte_records();
        for brief in &self.rows {
            let name = match records.next() {
                Some(Ok(r)) => column
                    .and_then(|k| r.get(k))
                    .map(|b| String::from_utf8_lossy(b).trim().to_string())
                    .unwrap_or_default(),
                _ => String::new(),
            };
            let name = if name.is_empty() {
                "(non renseigné)".to_string()
            } else {
                name
            };
            let e = self.practitioners.entry(name).or_default();
            e.lines += 1;
            match brief.status {
                2 => e.errors += 1,
                1 => e.warnings += 1,
                _ => {}
            }
            if let Some(a) = brief.amount {
                add(&mut e.amount, a, &mut self.overflow);
            }
            for c in &brief.codes {
                *e.codes.entry(*c).or_default() += 1;
            }
        }
        Ok(())
    }

    /// The page.
    pub fn write(
        &self,
        summary: &Summary,
        input_name: &str,
        data_version: &str,
        today: chrono::NaiveDate,
        reprice_at: Option<chrono::NaiveDate>,
    ) -> String {
        let mut h = String::with_capacity(64 << 10);
        let _ = write!(
            h,
            "<!DOCTYPE html>\n<html lang=\"fr\">\n<head>\n<meta charset=\"utf-8\">\n\
             <title>Rapport de facturation — {}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n\
             <h1>Rapport de facturation</h1>\n<p class=\"meta\">Fichier : {} — établi le {} — données tarifaires {} — kine-tarif {}</p>\n",
            esc(input_name),
            esc(input_name),
            Date(today),
            esc(data_version),
            env!("CARGO_PKG_VERSION")
        );
        let _ = write!(
            h,
            "<h2>Résumé</h2>\n<p class=\"summary\">{}</p>\n",
            esc(&crate::cli_report::summary_sentence(summary))
        );
        if let Some(s) = &summary.split {
            let _ = writeln!(
                h,
                "<p>Part AMO {}, part patient {}, franchise {}.</p>",
                Eur(s.amo_amount),
                Eur(s.patient_amount),
                Eur(s.franchise)
            );
        }
        if self.overflow {
            h.push_str("<p class=\"warn\">Un total dépasse la capacité d'un décimal : il est incomplet.</p>\n");
        }
        self.findings_by_code(&mut h, summary);
        self.by_practitioner(&mut h);
        self.by_letter(&mut h);
        if let Some(at) = reprice_at {
            reprice_chart(&mut h, summary, at);
        }
        self.error_rows(&mut h);
        h.push_str("</body>\n</html>\n");
        h
    }

    fn findings_by_code(&self, h: &mut String, summary: &Summary) {
        h.push_str("<h2>Constats par code</h2>\n");
        if summary.findings.is_empty() {
            h.push_str("<p>Aucun constat : toutes les lignes sont conformes.</p>\n");
            return;
        }
        h.push_str("<table><tr><th>Code</th><th>Gravité</th><th>Lignes</th><th>Règle</th></tr>\n");
        for (code, n) in &summary.findings {
            let parsed = code.parse::<FindingCode>().ok();
            let _ = writeln!(
                h,
                "<tr class=\"{}\"><td><code>{}</code></td><td>{}</td><td class=\"n\">{n}</td><td>{}</td></tr>",
                parsed.map_or("", |c| c.severity().as_str()),
                esc(code),
                parsed.map_or("", |c| c.severity().label()),
                esc(parsed.map_or("", |c| c.rule()))
            );
        }
        h.push_str("</table>\n");
    }

    fn by_practitioner(&self, h: &mut String) {
        h.push_str("<h2>Par praticien</h2>\n<table><tr><th>Praticien</th><th>Lignes</th><th>Erreurs</th><th>Avertissements</th><th>Montant calculé</th><th>Constats</th></tr>\n");
        for (name, p) in &self.practitioners {
            let codes: Vec<String> = p
                .codes
                .iter()
                .map(|(c, n)| {
                    let code = self.codes.get(usize::from(*c)).map_or("", String::as_str);
                    format!("{} ({n})", esc(code))
                })
                .collect();
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td></tr>",
                esc(name),
                p.lines,
                p.errors,
                p.warnings,
                Eur(p.amount),
                codes.join(", ")
            );
        }
        h.push_str("</table>\n");
    }

    fn by_letter(&self, h: &mut String) {
        h.push_str("<h2>Montants par lettre clé</h2>\n<table><tr><th>Lettre clé</th><th>Lignes</th><th>Montant calculé</th><th>Montant facturé</th></tr>\n");
        for (letter, t) in &self.letters {
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
                esc(letter),
                t.lines,
                Eur(t.amount),
                Eur(t.billed)
            );
        }
        h.push_str("</table>\n");
    }

    fn error_rows(&self, h: &mut String) {
        h.push_str("<h2>Lignes en erreur</h2>\n");
        if self.errors.is_empty() {
            h.push_str("<p>Aucune ligne en erreur.</p>\n");
            return;
        }
        h.push_str("<table><tr><th>Ligne</th><th>Facture</th><th>Patient</th><th>Date</th><th>Code</th><th>Coefficient</th><th>Messages</th></tr>\n");
        for r in &self.errors {
            h.push_str("<tr class=\"error\">");
            for (k, f) in r.iter().enumerate() {
                let text = if k == 3 {
                    chrono::NaiveDate::parse_from_str(f, "%Y-%m-%d")
                        .map(|d| Date(d).to_string())
                        .unwrap_or_else(|_| esc(f))
                } else if k == 6 {
                    f.split(" | ").map(esc).collect::<Vec<_>>().join("<br>")
                } else {
                    esc(f)
                };
                let _ = write!(h, "<td>{text}</td>");
            }
            h.push_str("</tr>\n");
        }
        h.push_str("</table>\n");
        if self.more_errors > 0 {
            let _ = writeln!(
                h,
                "<p>… et {} autres lignes en erreur, dans la sortie.</p>",
                self.more_errors
            );
        }
    }
}

/// With `--reprice-at`: the difference per key letter as horizontal bars
/// (inline SVG), longest bar for the largest difference in either sense.
fn reprice_chart(h: &mut String, summary: &Summary, at: chrono::NaiveDate) {
    let _ = writeln!(
        h,
        "<h2>Impact de la revalorisation par lettre clé</h2>\n<p>Écart entre le montant de chaque ligne tarifée aux valeurs du {} et son montant à sa date.</p>",
        Date(at)
    );
    let diffs: Vec<(&str, Option<Decimal>)> = summary
        .reprice
        .iter()
        .map(|(l, t)| (*l, t.repriced.checked_sub(t.amount)))
        .collect();
    let max = diffs
        .iter()
        .filter_map(|(_, d)| d.map(|d| d.abs()))
        .max()
        .unwrap_or_default();
    let (half, row_h) = (260i64, 24i64);
    let height = row_h * diffs.len() as i64 + 10;
    let _ = writeln!(
        h,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"900\" height=\"{height}\" role=\"img\" aria-label=\"Écart de montant par lettre clé\">"
    );
    let _ = writeln!(
        h,
        "<line x1=\"{}\" y1=\"0\" x2=\"{}\" y2=\"{height}\" stroke=\"#555\"/>",
        80 + half,
        80 + half
    );
    for (i, (letter, d)) in diffs.iter().enumerate() {
        let y = 5 + row_h * i as i64;
        let _ = writeln!(
            h,
            "<text x=\"0\" y=\"{}\" font-size=\"14\">{}</text>",
            y + 16,
            esc(letter)
        );
        let Some(d) = d else {
            let _ = writeln!(
                h,
                "<text x=\"90\" y=\"{}\" font-size=\"13\">écart hors capacité</text>",
                y + 16
            );
            continue;
        };
        // Pixels from the exact difference, rounded once.
        let px = if max.is_zero() {
            0
        } else {
            (d.abs() * Decimal::from(half) / max)
                .round()
                .try_into()
                .unwrap_or(0i64)
        };
        let (x, colour) = if d.is_sign_negative() {
            (80 + half - px, "#c62828")
        } else {
            (80 + half, "#2e7d32")
        };
        let _ = writeln!(
            h,
            "<rect x=\"{x}\" y=\"{}\" width=\"{px}\" height=\"{}\" fill=\"{colour}\"/><text x=\"{}\" y=\"{}\" font-size=\"13\">{}{}</text>",
            y + 2,
            row_h - 6,
            80 + 2 * half + 10,
            y + 16,
            if d.is_sign_negative() { "" } else { "+" },
            Eur(*d)
        );
    }
    h.push_str("</svg>\n<table><tr><th>Lettre clé</th><th>Lignes</th><th>Montant</th><th>Montant revalorisé</th><th>Écart</th><th>Non revalorisées</th></tr>\n");
    for (letter, t) in &summary.reprice {
        let diff = t
            .repriced
            .checked_sub(t.amount)
            .map_or_else(|| "hors capacité".to_string(), |d| Eur(d).to_string());
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{diff}</td><td class=\"n\">{}</td></tr>",
            esc(letter),
            t.lines,
            Eur(t.amount),
            Eur(t.repriced),
            t.not_repriced
        );
    }
    h.push_str("</table>\n");
}

/// Text for HTML.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:2em;color:#222;max-width:1200px}\
h1{font-size:1.6em}h2{font-size:1.2em;margin-top:1.6em;border-bottom:1px solid #ccc}\
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:.25em .5em;vertical-align:top}\
th{background:#e8eaf6;text-align:left}td.n{text-align:right;white-space:nowrap}\
tr.error td{background:#ffebee}tr.warning td{background:#fff3e0}.meta{color:#555}\
.summary{font-size:1.1em;font-weight:600}.warn{color:#c62828}";
