//! The `kine-tarif` command, run as a user would.

use std::process::Command;

fn kine_tarif(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_kine-tarif"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn price_the_bundled_example() {
    let (code, out, err) = kine_tarif(&["price", "examples/invoices.csv"]);
    assert_eq!(code, 0, "{err}");
    let rows = out.lines().count() - 1;
    let input_rows = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/invoices.csv"
    ))
    .unwrap()
    .lines()
    .count()
        - 1;
    assert_eq!(rows, input_rows);
    assert!(err.contains(&format!("{input_rows} lignes")), "{err}");
    // --fail-on error: the sample holds deliberate errors.
    let (code, _, _) = kine_tarif(&[
        "price",
        "examples/invoices.csv",
        "--fail-on",
        "error",
        "-o",
        concat!(env!("CARGO_TARGET_TMPDIR"), "/out.csv"),
    ]);
    assert_eq!(code, 1);
}

#[test]
fn missing_file_and_missing_column_exit_2_with_a_message() {
    let (code, _, err) = kine_tarif(&["price", "no-such-file.csv"]);
    assert_eq!(code, 2);
    assert!(err.contains("no-such-file.csv"), "{err}");
    let path = concat!(env!("CARGO_TARGET_TMPDIR"), "/nocoef.csv");
    std::fs::write(
        path,
        "invoice_id,patient_id,date,code\nF1,P1,2024-06-15,RIM\n",
    )
    .unwrap();
    let (code, _, err) = kine_tarif(&["price", path]);
    assert_eq!(code, 2);
    assert!(err.contains("coefficient"), "{err}");
}

#[test]
fn explain_a_line_and_a_finding() {
    let (code, out, _) = kine_tarif(&[
        "explain",
        "TER",
        "9.49",
        "--date",
        "2026-06-01",
        "--department",
        "974",
    ]);
    assert_eq!(code, 0);
    // 9.79 × 2.43 = 23.7897 → 23.79
    assert!(
        out.contains("9,79 × 2,43\u{a0}€ × 1 = 23,7897 → 23,79\u{a0}€"),
        "{out}"
    );
    let (_, out, _) = kine_tarif(&["explain", "IK_DISTANCE_MISMATCH"]);
    assert!(out.contains("DG art. 13 C"), "{out}");
}

#[test]
fn convert_and_tariffs() {
    let (_, out, _) = kine_tarif(&["convert", "AMS", "9,5", "--date", "2026-06-01"]);
    assert!(
        out.contains("TER") && out.contains("9,79") && out.contains("APM"),
        "{out}"
    );
    let (_, out, _) = kine_tarif(&["tariffs", "--date", "2026-06-01", "--department", "974"]);
    assert!(out.contains("2,43\u{a0}€"), "{out}");
    // TER 9.79 in 974: 9.79 × 2.43 = 23.7897 → 23.79 €
    assert!(
        out.lines()
            .any(|l| l.contains("A1D-TER-MED") && l.contains("23,79\u{a0}€")),
        "{out}"
    );
}

#[test]
fn contract_schedule_as_json() {
    let (code, out, err) = kine_tarif(&[
        "contract",
        "schedule",
        "--type",
        "CACCMK",
        "--version",
        "avenant7",
        "--signed",
        "2025-03-15",
        "--acts",
        "2025:2100,2026:3000,2027:2400,2028:3100,2029:3000",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["total"], "48000.00");
    assert_eq!(v["payments"][0]["covers"], "2025");
    assert_eq!(v["payments"][0]["due"], "2025-03-15");
    assert_eq!(v["payments"][0]["amount"], "30000.00");
    assert_eq!(v["payments"][2]["amount"], "4000.00");
    let (_, out, _) = kine_tarif(&[
        "contract",
        "forfait",
        "--year",
        "2024",
        "--socle",
        "--coordinated",
        "--video",
        "--devices",
    ]);
    assert!(out.contains("1115.00"), "{out}");
    let (_, out, _) = kine_tarif(&[
        "contract",
        "conventionnement",
        "--request",
        "2025-06-01",
        "--cessation",
        "2025-01-10",
        "--attestation",
        "--departing-acts",
        "800",
    ]);
    assert!(out.starts_with("En attente de l'avis de la CPD"), "{out}");
}

/// `--quiet` writes nothing on standard error; `--summary-json` the same
/// summary for a pipeline; finding codes are read in any case.
#[test]
fn quiet_and_summary_json() {
    let json = concat!(env!("CARGO_TARGET_TMPDIR"), "/summary.json");
    let out = concat!(env!("CARGO_TARGET_TMPDIR"), "/quiet.csv");
    let (code, _, err) = kine_tarif(&[
        "price",
        "examples/invoices.csv",
        "-q",
        "--summary-json",
        json,
        "-o",
        out,
    ]);
    assert_eq!((code, err.as_str()), (0, ""));
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(json).unwrap()).unwrap();
    let s = &v["summary"];
    let rows = std::fs::read_to_string(out).unwrap().lines().count() as u64 - 1;
    assert_eq!(s["rows"], rows);
    let n = |k: &str| s[k].as_u64().unwrap();
    assert_eq!(n("ok") + n("warnings") + n("errors"), rows);
    assert_eq!(v["tariff_data_version"], kine_tarif::TARIFF_DATA_VERSION);
    // Decimals are strings, exact.
    assert!(
        s["total_amount"]
            .as_str()
            .unwrap()
            .parse::<kine_tarif::Decimal>()
            .is_ok()
    );
    let (code, text, _) = kine_tarif(&["explain", "coefficient_revalued"]);
    assert_eq!(code, 0);
    assert!(text.starts_with("COEFFICIENT_REVALUED [erreur]"), "{text}");
}

/// A French spreadsheet's export — Windows-1252, semicolons, JJ/MM/AAAA
/// dates, `17,90 €` amounts — gives the findings of its UTF-8 ISO
/// equivalent, row for row, and its accented fields come out whole.
#[test]
fn a_windows_1252_spreadsheet_export_reads_as_its_utf8_equivalent() {
    let dir = env!("CARGO_TARGET_TMPDIR");
    let utf8 = "invoice_id,patient_id,practitioner_id,date,code,coefficient,department,billed_amount\n\
        F1,Hélène,K1,2024-06-15,RIM,7.50,75,16.58\n\
        F2,Hélène,K1,2024-06-16,RIM,7.50,75,17.90\n\
        F3,Zoé,K1,2026-02-01,RIM,8.10,974,19.68\n\
        F4,Zoé,K1,2026-02-02,IFD,,974,1234.50\n";
    // The same in Windows-1252: é is 0xE9, € is 0x80, the narrow no-break
    // space of 1 234,50 a plain space.
    let mut cp1252: Vec<u8> = Vec::new();
    cp1252.extend_from_slice(
        b"invoice_id;patient_id;practitioner_id;date;code;coefficient;department;billed_amount\n",
    );
    for (invoice, patient, date, code, coef, dept, billed) in [
        (
            "F1",
            &b"H\xe9l\xe8ne"[..],
            "15/06/2024",
            "RIM",
            "7,50",
            "75",
            &b"16,58 \x80"[..],
        ),
        (
            "F2",
            &b"H\xe9l\xe8ne"[..],
            "16/06/2024",
            "RIM",
            "7,50",
            "75",
            &b"17,90 \x80"[..],
        ),
        (
            "F3",
            &b"Zo\xe9"[..],
            "01/02/2026",
            "RIM",
            "8,10",
            "974",
            &b"19,68 \x80"[..],
        ),
        (
            "F4",
            &b"Zo\xe9"[..],
            "02/02/2026",
            "IFD",
            "",
            "974",
            &b"1 234,50 \x80"[..],
        ),
    ] {
        for (k, field) in [
            invoice.as_bytes(),
            patient,
            b"K1",
            date.as_bytes(),
            code.as_bytes(),
            coef.as_bytes(),
            dept.as_bytes(),
            billed,
        ]
        .into_iter()
        .enumerate()
        {
            if k > 0 {
                cp1252.push(b';');
            }
            cp1252.extend_from_slice(field);
        }
        cp1252.push(b'\n');
    }
    let a = format!("{dir}/export-utf8.csv");
    let b = format!("{dir}/export-cp1252.csv");
    std::fs::write(&a, utf8).unwrap();
    std::fs::write(&b, &cp1252).unwrap();
    // The semicolon export comes back in its dialect: semicolons and
    // decimal commas (read back with a dot to compare).
    let read = |path: &str, delimiter: u8| {
        let (code, out, err) = kine_tarif(&["price", path]);
        assert_eq!(code, 0, "{err}");
        let mut r = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .from_reader(out.as_bytes());
        let head = r.headers().unwrap().clone();
        let col = |name: &str| head.iter().position(|h| h == name).unwrap();
        let keep = [
            "patient_id",
            "code",
            "act_id",
            "unit_value",
            "amount",
            "status",
            "findings",
        ]
        .map(col);
        r.records()
            .map(|rec| {
                let rec = rec.unwrap();
                keep.iter()
                    .map(|&i| rec[i].replace(',', "."))
                    .collect::<Vec<_>>()
            })
            .collect::<Vec<_>>()
    };
    let (x, y) = (read(&a, b','), read(&b, b';'));
    assert_eq!(x, y);
    // Hélène's second session billed 17.90 for 16.58: a mismatch in both;
    // the others as billed (IFD in La Réunion is not 1 234,50 € either).
    let findings: Vec<&str> = y.iter().map(|r| r[6].as_str()).collect();
    assert_eq!(findings[1], "AMOUNT_MISMATCH");
    assert_eq!(y[0][0], "Hélène");
    assert_eq!(y[0][5], "ok");
}

/// English words that have no business in a French text (whole words,
/// any case). Command names (`explain`) and value identifiers the user types (`error`, `warning`,
/// `none`, `comma`, …) are not in it: they are codes, as the flags are.
const ENGLISH: &[&str] = &[
    "the",
    "of",
    "and",
    "to",
    "for",
    "with",
    "from",
    "is",
    "are",
    "not",
    "this",
    "that",
    "print",
    "default",
    "possible",
    "values",
    "commands",
    "subcommand",
    "load",
    "write",
    "prices",
    "checks",
    "found",
    "unknown",
    "invalid",
    "missing",
    "expected",
    "unexpected",
    "tip",
    "try",
    "more",
    "information",
    "file",
    "directory",
    "such",
    "number",
    "output",
];

/// The English words of `text`, flags (`--format`), placeholders
/// (`<FICHIER>`) and quoted code (`| head -1`) left out.
fn english_words(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for line in text.lines() {
        let mut prose = String::new();
        let mut in_code = false;
        for part in line.split('`') {
            if !in_code {
                prose.push_str(part);
                prose.push(' ');
            }
            in_code = !in_code;
        }
        for word in prose.split(|c: char| !(c.is_alphanumeric() || "-:_".contains(c))) {
            let w = word.trim_matches(|c: char| c == ':' || c == '-');
            if word.starts_with('-') || w.is_empty() || w.contains('_') {
                continue;
            }
            if ENGLISH
                .iter()
                .any(|e| e.trim_end_matches(':').eq_ignore_ascii_case(w))
            {
                found.push(format!("{w} (dans « {line} »)"));
            }
        }
    }
    found
}

#[test]
fn help_and_argument_errors_are_in_french() {
    let mut texts = Vec::new();
    for cmd in [
        &[][..],
        &["price"],
        &["convert"],
        &["tariffs"],
        &["generate"],
        &["explain"],
        &["contract"],
        &["contract", "schedule"],
        &["contract", "forfait"],
        &["contract", "conventionnement"],
        &["history"],
        &["history", "import"],
        &["history", "forget"],
        &["history", "stats"],
        &["history", "report"],
    ] {
        for flag in ["-h", "--help"] {
            let mut args = cmd.to_vec();
            args.push(flag);
            let (code, out, err) = kine_tarif(&args);
            assert_eq!(code, 0, "{args:?}: {err}");
            assert!(out.contains("Utilisation : kine-tarif"), "{args:?}: {out}");
            texts.push((args.join(" "), out));
        }
    }
    for (args, why) in [
        (
            &["prix"][..],
            "commande inconnue « prix » ; vouliez-vous dire « price » ?",
        ),
        (
            &["price", "--formt", "csv"],
            "argument inattendu « --formt » ; vouliez-vous dire « --format » ?",
        ),
        (
            &["price", "--format", "xml"],
            "valeur « xml » invalide pour --format <FORMAT> ; valeurs possibles : csv, jsonl, xlsx",
        ),
        (
            &["price", "--threads", "999"],
            "valeur « 999 » invalide pour --threads <N> : attendu 0 (un fil par cœur) ou un nombre de fils de 1 à 256",
        ),
        (
            &["explain", "RIM", "--date", "01-06-2026"],
            "valeur « 01-06-2026 » invalide pour --date <DATE> : attendu une date AAAA-MM-JJ",
        ),
        (
            &["contract", "schedule"],
            "argument obligatoire manquant : --type <CONTRAT>, --signed <DATE>",
        ),
        (
            &["price", "--record"],
            "argument obligatoire manquant : --history <FICHIER>",
        ),
        (
            &["convert", "AMS", "x"],
            "coefficient « x » : pas un nombre",
        ),
        (&[], "Utilisation : kine-tarif"),
        // Errors that stop the work, from the library.
        (
            &["price", "/nonexistent.csv"],
            "kine-tarif : /nonexistent.csv : fichier ou dossier introuvable",
        ),
        (&["explain", "FOO"], "code de facturation \"FOO\" inconnu"),
        (
            &["tariffs", "--department", "999"],
            "département \"999\" inconnu",
        ),
    ] {
        let (code, out, err) = kine_tarif(args);
        assert_eq!(code, 2, "{args:?}");
        assert!(out.is_empty(), "{args:?}: {out}");
        assert!(err.contains(why), "{args:?}: {err}");
        texts.push((args.join(" "), err));
    }
    for (args, text) in &texts {
        let words = english_words(text);
        assert!(words.is_empty(), "kine-tarif {args} : {words:?}");
        // "usage" is French too; clap's heading is not.
        assert!(!text.contains("Usage:"), "kine-tarif {args} : {text}");
    }
    // The scan catches what it is for.
    assert_eq!(english_words("Print help `the`").len(), 1);
}
