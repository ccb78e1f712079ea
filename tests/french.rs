//! Every text the library shows to a person reads as French prose for a
//! billing clerk: no English word, no developer notation (an ISO date, a
//! `[from, to)` period, a backtick, a dot decimal). Finding codes, column
//! names, JSON keys and data values stay stable identifiers: the scan
//! passes them by (see [`problems`]).
//!
//! The texts scanned: every finding message of the corpus files, the
//! sample, the malformed inputs and generated batches (through the batch
//! API, JSON lines); `Priced::explain` of every code at several dates in
//! both territories, with and without coefficients, and of malformed
//! lines; every finding code's rule and source; the split's sources; the
//! contracts' reasons, notes and errors; the Display of `Error`,
//! `ConvertError`, the parse errors and the tariff load errors.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use kine_tarif::batch::{BatchOptions, OutputFormat, price_csv_with};
use kine_tarif::{Code, FindingCode, InvoiceLine, Tariffs, Territory};
use rust_decimal::Decimal;

#[path = "french/texts.rs"]
mod texts;
use texts::{contract_texts, error_texts, load_error_texts};

/// English words a French text never needs: whole words, any case.
/// Chosen not to be French words as well: "a", "an", "as", "but", "on",
/// "or", "plus", "date", "source", "note", "code", "session", "patient",
/// "prescription", "distance", "total", "type", "version", "article",
/// "page", "convention", "signature", "opinion", "probable",
/// "confidence", "exempt" are left out.
const ENGLISH: &str = "\
    the and of not no found value values with without for from is are be \
    been was were has have had should must can cannot may will would could \
    missing unknown invalid line lines row rows error errors warning \
    warnings billed computed overseas open question research see only per \
    each none metropole in to by at this that which when than it its if \
    then there these those into after before between until since also any \
    all other same new old one two first expected got empty duplicate \
    malformed period overlaps letter letters act acts amount amounts \
    invoice invoices rule rules file files column columns field fields \
    number numbers quantity department day days year years month months \
    time status key keys limit billable price priced pricing travel \
    allowance treatment supplement scheduled step postponed alert committee \
    deleted obligatory read decision reference paid full care related \
    practice minors women beneficiaries insurance shared seed renewable \
    renewal independent mandatory indicators student activity contract \
    contracts reason internal input output yes true false doubtful inferred \
    examples practitioner prescriber night sunday holiday call home";

/// [`ENGLISH`] as a set.
fn english() -> &'static BTreeSet<&'static str> {
    static SET: std::sync::LazyLock<BTreeSet<&str>> =
        std::sync::LazyLock::new(|| ENGLISH.split_whitespace().collect());
    &SET
}

/// The words of `text` an English reader wrote, and its developer
/// notation. Passed by, each for a reason:
/// - text in straight double quotes: what the user wrote, echoed as it is
///   (`"2024-02-30"`), or a data value to type (`"suppressed"`);
/// - a chunk with `_`, `/`, `://`, an inner `.` or a leading `--`: an
///   identifier, a file name, a URL, an option (`act_id`, `acts.csv`,
///   `ameli.fr`, `--no-rules`);
/// - the word after "colonne": a column name (`colonne quantity`);
/// - a word in capitals: an acronym or a code (`HAS`, an act id as typed);
/// - a dotted number after "art." or "§": how the texts number their
///   articles (`avenant 7 art. 2.3.1`, `§5.4.1`).
fn problems(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let text = unquoted(text);
    if text.contains('`') {
        out.push("backtick".to_string());
    }
    if let Some(iso) = iso_date(&text) {
        out.push(format!("ISO date {iso}"));
    }
    for (open, _) in text.match_indices('[') {
        let rest = &text[open..];
        let (close, paren) = (rest.find(']'), rest.find(')'));
        if let Some(p) = paren.filter(|&p| close.is_none_or(|c| p < c))
            && rest[..p].contains(", ")
        {
            out.push(format!("period {}", &rest[..=p]));
        }
    }
    let chunks: Vec<&str> = text.split_whitespace().collect();
    for (k, raw) in chunks.iter().enumerate() {
        let prev = if k > 0 { chunks[k - 1] } else { "" };
        let chunk = raw.trim_matches(|c: char| !c.is_alphanumeric() && c != '§');
        let legal =
            prev.trim_start_matches('(') == "art." || chunk.starts_with('§') || raw.contains("://");
        if !legal && dot_decimal(chunk) {
            out.push(format!("dot decimal {chunk:?}"));
        }
        let identifier = chunk.contains(['_', '/'])
            || raw.contains("://")
            || raw.starts_with("--")
            || chunk.contains('.');
        if identifier || prev.eq_ignore_ascii_case("colonne") {
            continue;
        }
        for word in chunk.split(['-', '\'', '’']) {
            let w = word.to_lowercase();
            if word.len() > 1 && w != word && word.to_uppercase() == word {
                // An acronym or a code (HAS, NO-SUCH-ACT as typed).
                continue;
            }
            if english().contains(w.as_str()) {
                out.push(format!("English word {word:?}"));
            }
        }
    }
    out
}

/// `text` without its straight-double-quoted parts (a `\"` inside is part
/// of the quote).
fn unquoted(text: &str) -> String {
    let (mut out, mut inside, mut escaped) = (String::new(), false, false);
    for c in text.chars() {
        match (inside, c) {
            (true, _) if escaped => escaped = false,
            (true, '\\') => escaped = true,
            (_, '"') => inside = !inside,
            (false, c) => out.push(c),
            (true, _) => {}
        }
    }
    out
}

fn iso_date(text: &str) -> Option<&str> {
    let b = text.as_bytes();
    let digit = |i: usize| b.get(i).is_some_and(u8::is_ascii_digit);
    (0..b.len()).find_map(|i| {
        let ok = (0..4).all(|k| digit(i + k))
            && b.get(i + 4) == Some(&b'-')
            && digit(i + 5)
            && digit(i + 6)
            && b.get(i + 7) == Some(&b'-')
            && digit(i + 8)
            && digit(i + 9);
        ok.then(|| &text[i..i + 10])
    })
}

fn dot_decimal(chunk: &str) -> bool {
    let b = chunk.as_bytes();
    b.windows(3)
        .any(|w| w[0].is_ascii_digit() && w[1] == b'.' && w[2].is_ascii_digit())
}

/// The texts, each with where it comes from; checks them all and fails
/// listing the first problems.
#[derive(Default)]
struct Texts {
    seen: BTreeSet<String>,
    found: Vec<String>,
    count: usize,
}

impl Texts {
    fn add(&mut self, origin: &str, text: &str) {
        self.count += 1;
        if !self.seen.insert(text.to_string()) {
            return;
        }
        let p = problems(text);
        if !p.is_empty() {
            self.found
                .push(format!("{origin}: {} — {text:?}", p.join(", ")));
        }
    }

    fn assert_french(&self, at_least: usize) {
        assert!(
            self.found.is_empty(),
            "{} texts are not French prose:\n{}",
            self.found.len(),
            self.found
                .iter()
                .take(60)
                .cloned()
                .collect::<Vec<_>>()
                .join("\n")
        );
        assert!(
            self.seen.len() >= at_least,
            "only {} texts",
            self.seen.len()
        );
    }
}

#[test]
fn the_scan_finds_english_and_notation() {
    // The test can fail: each of these is caught.
    for planted in [
        "Montant facturé : valeur inconnue (not found).",
        "Coefficient 9.79 refusé.",
        "Valable le 2024-02-22.",
        "Valable sur [22/02/2024, 28/05/2026).",
        "voir `kine-tarif convert`",
        "tarif en metropole",
        "Voir la ligne : the line",
    ] {
        assert!(!problems(planted).is_empty(), "{planted}");
    }
    for fine in [
        "colonne quantity : \"1.5\" refusé, avant le 01/06/2024 ; avenant 7 art. 2.3.1, §5.4.1.",
        "Coefficient 9,79 × 2,21 € = 21,6359 → 21,64 € ; précisez la colonne act_id (acts.csv).",
        "https://www.ameli.fr/masseur-kinesitherapeute/exercice-liberal/telesante/telesoin",
    ] {
        assert!(problems(fine).is_empty(), "{fine}: {:?}", problems(fine));
    }
}

/// The finding messages of a batch, priced with the rules.
fn batch_messages(texts: &mut Texts, origin: &str, input: &[u8]) {
    let options = BatchOptions {
        format: OutputFormat::Jsonl,
        ..BatchOptions::default()
    };
    let mut out = Vec::new();
    match price_csv_with(Tariffs::embedded(), input, &mut out, &options) {
        Ok(_) => {}
        Err(e) => return texts.add(origin, &e.to_string()),
    }
    for line in out.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
        let v: serde_json::Value = serde_json::from_slice(line).unwrap();
        for f in v["findings"].as_array().unwrap() {
            texts.add(origin, f["message"].as_str().unwrap());
        }
    }
}

/// A batch that reaches the parse and coverage messages the corpus does
/// not: every optional field malformed once.
const MALFORMED_FIELDS: &str = "\
invoice_id,patient_id,practitioner_id,date,code,coefficient,quantity,department,billed_amount,act_id,prescription_id,prescription_date,prescriber_id,session,telesoin,patient_birth_date,distance_km,discharge_date,trip_id,time,call_time,patient_nir,practitioner_number,prescriber_number,regime,exoneration,tiers_payant
F1,P1,K1,2024-02-30,RIM,7.50,,75,,,,,,,,,,,,,,,,,,,
F2,P1,K1,2024-06-15,XYZ,7.50,,75,,,,,,,,,,,,,,,,,,,
F3,P1,K1,2024-06-15,,7.50,,75,,,,,,,,,,,,,,,,,,,
F4,P1,K1,2024-06-15,RIM,abc,x,999,1e9,,,,,,peut-être,1950-13-01,-3,hier,,25:00,9h,,,,,,
F5,P2,K1,2024-06-15,RIM,7.50,1.5,75,12.00,NOPE,,,,,,,,,,,,123,456,789,mutuelle,gratuit,parfois
F6,P3,K1,2026-06-01,IK,,30,75,,,,,,,,,12,,,,,,,,,,
F7,P3,K1,2026-06-01,IK,,3,75,,,,,,,,,1.5,,,,,,,,,,
F8,P4,K1,2026-06-01,MDN,,,75,,,,,,,,,,,,12:00,12:00,,,,,,
F9,P4,K1,2026-06-02,MDD,,,75,,,,,,,,,,,,,,,,,,,
F10,P5,K1,2026-06-01,TMK,7.5,,974,,,,,,,1,,,,,,,,,,,c2s,
F11,P5,K1,2018-06-01,AMS,7.5,,75,,,,,,,,,,,,,,,,,,c2s,
F12,P6,K1,2026-06-01,DE,,,75,,,,,,,,,,,,,,,,,,,
F13,P6,K1,2026-06-01,DE,2,,75,30,,,,,,,,,,,,,,,,,,
F14,P7,K1,2026-06-01,DRA,8,,75,,,,,,,,2000-01-01,,,,,,,,,,,
F15,P7,K1,2026-06-01,DRA,8,,75,,,,,,,,,,,,,,,,,,,
F16,P8,K1,2026-06-01,IFS,,,75,,,,,,,,,,,,,,,,,,,
F17,P8,K1,2026-06-01,RIM,8.10,,75,,,RX1,2026-07-01,291991123,1,,,,,,,,,,,,,
F18,P8,K1,2026-06-01,TER,9.79,,75,,,RX2,2024-01-01,,2,,,,,,,,,,,,,
F19,P9,K1,2026-06-01,RQD,,,75,,,,,,,,,,,,,,,,,,,
";

#[test]
fn every_finding_message_is_french() {
    let mut texts = Texts::default();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    for f in [
        "tests/corpus/priced_lines.csv",
        "tests/corpus/rules.csv",
        "examples/invoices.csv",
    ] {
        batch_messages(&mut texts, f, &std::fs::read(root.join(f)).unwrap());
    }
    let mut malformed: Vec<_> = std::fs::read_dir(root.join("tests/malformed"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "csv"))
        .filter(|p| !p.ends_with("expected.csv"))
        .collect();
    malformed.sort();
    for p in &malformed {
        let origin = p.display().to_string();
        batch_messages(&mut texts, &origin, &std::fs::read(p).unwrap());
    }
    batch_messages(&mut texts, "malformed fields", MALFORMED_FIELDS.as_bytes());
    let t = Tariffs::embedded();
    for year in kine_tarif::generate::year_range(t) {
        let mut csv = Vec::new();
        kine_tarif::generate::generate(t, 1500, year as u64, year, &mut csv).unwrap();
        batch_messages(&mut texts, &format!("generated {year}"), &csv);
    }
    // Through the session API too: the split's refusals.
    let mut checker = kine_tarif::rules::Checker::new(t);
    let ctx = kine_tarif::rules::LineContext {
        invoice_id: "F1".into(),
        department: Some("975".into()),
        exoneration: kine_tarif::coverage::Exoneration::C2s,
        ..Default::default()
    };
    let line = InvoiceLine::new(d("2018-06-01"), Code::AMS, Some(n("7.5")));
    checker.add("1", line, ctx);
    for l in checker.finalize().unwrap().lines {
        for f in &l.findings {
            texts.add("checker", &f.message);
        }
        texts.add("checker formula", l.formula.as_deref().unwrap_or(""));
    }
    texts.assert_french(250);
}

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn n(s: &str) -> Decimal {
    s.parse().unwrap()
}

/// Lines of `code` on `date`: without a coefficient, with each coefficient
/// the data gives its letter (acts and old cotations), and malformed.
fn lines_of(t: &Tariffs, code: Code, date: NaiveDate) -> Vec<InvoiceLine> {
    let mut coefficients: BTreeSet<Option<Decimal>> = [None, Some(n("0")), Some(n("7.777"))]
        .into_iter()
        .chain([Some(n("2000")), Some(n("1"))])
        .collect();
    for a in t.acts() {
        if a.letter == code || code == Code::TMK {
            coefficients.extend(a.periods.iter().map(|p| Some(p.coefficient)));
        }
        for &(l, c) in &a.old_cotations {
            if l == code {
                coefficients.insert(Some(c));
            }
        }
    }
    let mut out = Vec::new();
    for c in coefficients {
        let line = InvoiceLine::new(date, code, c);
        out.push(line.clone().with_billed_amount(n("12.34")));
        out.push(line.clone().with_quantity(n("1.5")));
        out.push(line.clone().with_act_id("NOPE"));
        out.push(line.clone().with_act_id("A1C-ENTORSE-MED"));
        out.push(line);
    }
    out
}

#[test]
fn every_explanation_is_french() {
    let t = Tariffs::embedded();
    let mut texts = Texts::default();
    let dates = [
        "2010-01-01",
        "2012-09-01",
        "2023-05-10",
        "2024-03-15",
        "2024-06-01",
        "2026-06-01",
        "2027-09-01",
    ];
    for &code in Code::ALL {
        for date in dates.map(d) {
            for line in lines_of(t, code, date) {
                for territory in Territory::ALL {
                    let p = t.price(&line.clone().in_territory(territory));
                    let origin = format!("explain {code} {date} {territory}");
                    for f in &p.findings {
                        texts.add(&origin, &f.message);
                    }
                    texts.add(&origin, &p.explain());
                }
            }
        }
    }
    texts.assert_french(2_000);
}

#[test]
fn every_rule_and_source_is_french() {
    let mut texts = Texts::default();
    for &c in FindingCode::ALL {
        texts.add(c.as_str(), c.rule());
        texts.add(c.as_str(), c.source());
    }
    // The split's sources (coverage.csv), for every case on both sides of
    // the data's changes.
    use kine_tarif::coverage::{Coverage, Exoneration, LineKind, Regime, split};
    // Every exoneration the data has a rate for, and none.
    let table = kine_tarif::coverage::table::Table::embedded();
    let mut exonerations = vec![Exoneration::None];
    exonerations.extend(
        table
            .rows()
            .iter()
            .filter_map(|r| Exoneration::parse(&r.case).ok()),
    );
    for regime in [Regime::General, Regime::AlsaceMoselle] {
        for &e in &exonerations {
            let coverage = Coverage {
                regime,
                exoneration: e,
                ..Coverage::default()
            };
            for date in ["2015-01-01", "2024-06-01"].map(d) {
                for kind in [LineKind::Act, LineKind::Depassement] {
                    match split(&coverage, date, kind, n("16.58"), None) {
                        Ok(s) => texts.add("split", &s.rate_source),
                        Err(e) => texts.add("split", &e.to_string()),
                    }
                }
            }
        }
    }
    for row in table.rows() {
        texts.add("coverage.csv", &row.source);
    }
    for row in kine_tarif::prestation::rows() {
        texts.add("prestation_codes.csv", &row.source);
    }
    texts.assert_french(2 * FindingCode::ALL.len());
}

#[test]
fn every_error_is_french() {
    let mut texts = Texts::default();
    for (origin, text) in error_texts()
        .into_iter()
        .chain(load_error_texts())
        .chain(contract_texts())
    {
        texts.add(&origin, &text);
    }
    texts.assert_french(80);
}
