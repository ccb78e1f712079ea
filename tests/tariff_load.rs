//! A replacement tariff set is complete or refused: the embedded set copied
//! to a temporary directory, then cut, emptied or edited one way at a time,
//! must fail to load with an error naming the file, the line, the column
//! and what is missing; the unchanged copy loads and equals the embedded
//! set. Line numbers are found in the files (the header is line 1), never
//! copied from an error.

use std::path::{Path, PathBuf};

use kine_tarif::{Code, Error, TARIFF_DATA_VERSION, TARIFF_FILES, Tariffs, Territory};
use rust_decimal::Decimal;

fn embedded_file(f: &str) -> String {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tariffs");
    std::fs::read_to_string(dir.join(f)).unwrap()
}

/// The embedded set written to a fresh directory `name`, with `file`
/// replaced by `bytes`.
fn set_with(name: &str, file: &str, bytes: &[u8]) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("tariff-load-{name}"));
    std::fs::create_dir_all(&dir).unwrap();
    for f in TARIFF_FILES {
        if f == file {
            std::fs::write(dir.join(f), bytes).unwrap();
        } else {
            std::fs::write(dir.join(f), embedded_file(f)).unwrap();
        }
    }
    dir
}

/// Loads the embedded set with `file` edited by `edit`.
fn load_with(
    name: &str,
    file: &str,
    edit: impl FnOnce(String) -> String,
) -> Result<Tariffs, Error> {
    let text = edit(embedded_file(file));
    Tariffs::from_dir(set_with(name, file, text.as_bytes()))
}

/// The (file, line, column, message) of a data error; panics otherwise.
fn data_error(res: Result<Tariffs, Error>) -> (String, u64, String, String) {
    match res {
        Err(Error::Data {
            file,
            line,
            column,
            message,
        }) => (file, line, column, message),
        Err(e) => panic!("expected a data error, got {e}"),
        Ok(_) => panic!("the set was accepted"),
    }
}

/// Asserts a data error at `file`:`line`, column `column`, whose message
/// contains every needle.
fn assert_refused(
    res: Result<Tariffs, Error>,
    file: &str,
    line: u64,
    column: &str,
    needles: &[&str],
) {
    let (f, l, c, message) = data_error(res);
    assert_eq!(
        (f.as_str(), l, c.as_str()),
        (file, line, column),
        "{message}"
    );
    for n in needles {
        assert!(message.contains(n), "{message:?} should contain {n:?}");
    }
}

/// The line (1-based) of the first line of `text` starting with `prefix`.
fn line_of(text: &str, prefix: &str) -> u64 {
    text.lines()
        .position(|l| l.starts_with(prefix))
        .unwrap_or_else(|| panic!("no line starts with {prefix:?}")) as u64
        + 1
}

/// `text` without its lines starting with `prefix`.
fn without_lines(text: &str, prefix: &str) -> String {
    let out: String = text
        .split_inclusive('\n')
        .filter(|l| !l.starts_with(prefix))
        .collect();
    assert_ne!(out.len(), text.len(), "no line starts with {prefix:?}");
    out
}

/// The first `k` lines of `text`, each with its line break.
fn first_lines(text: &str, k: usize) -> String {
    text.split_inclusive('\n').take(k).collect()
}

fn d(s: &str) -> chrono::NaiveDate {
    s.parse().unwrap()
}

#[test]
fn the_unchanged_copy_loads_and_equals_the_embedded_set() {
    let dir = set_with("unchanged", "", b"");
    let t = Tariffs::from_dir(&dir).unwrap();
    assert!(t == *Tariffs::embedded());
    assert_eq!(t.version(), format!("custom:{}", dir.display()));
    let texts = TARIFF_FILES.map(embedded_file);
    let t = Tariffs::from_sources(
        TARIFF_DATA_VERSION,
        [&texts[0], &texts[1], &texts[2], &texts[3]],
    )
    .unwrap();
    assert_eq!(t.version(), Tariffs::embedded().version());
    assert!(t == *Tariffs::embedded());
}

#[test]
fn letter_values_cut_before_the_majorations_are_refused() {
    let text = embedded_file("letter_values.csv");
    let mdn = line_of(&text, "MDN,");
    let mdd = line_of(&text, "MDD,");
    // Cut before the MDN rows: the file ends on the line before, which the
    // error names (no MDN row to point at).
    let cut = first_lines(&text, mdn as usize - 1);
    assert_refused(
        load_with("cut-mdn", "letter_values.csv", |_| cut),
        "letter_values.csv",
        mdn - 1,
        "code",
        &["MDN : aucune ligne dans le fichier, ni en métropole ni en outre-mer"],
    );
    // Cut before the MDD rows.
    let cut = first_lines(&text, mdd as usize - 1);
    assert_refused(
        load_with("cut-mdd", "letter_values.csv", |_| cut),
        "letter_values.csv",
        mdd - 1,
        "code",
        &["MDD : aucune ligne dans le fichier"],
    );
    // Only the overseas MDD row (the last line) missing: named from the
    // metropolitan row, the line before.
    let cut = first_lines(&text, mdd as usize);
    assert_refused(
        load_with("cut-mdd-dom", "letter_values.csv", |_| cut),
        "letter_values.csv",
        mdd,
        "territory",
        &[&format!(
            "MDD : aucune ligne en outre-mer (DOM) (il y en a en métropole, jusqu'à la ligne {mdd})"
        )],
    );
}

#[test]
fn a_balneotherapy_act_without_its_last_coefficient_row_is_refused() {
    let text = embedded_file("act_coefficients.csv");
    // The pool supplement: 2.2 until 2026-01-01, then 3.5, open.
    let first = line_of(&text, "C4-BALNEO-PISCINE,2.2,2024-02-22,2026-01-01,");
    assert_refused(
        load_with("balneo-piscine", "act_coefficients.csv", |t| {
            without_lines(&t, "C4-BALNEO-PISCINE,3.5,")
        }),
        "act_coefficients.csv",
        first,
        "valid_to",
        &[
            "C4-BALNEO-PISCINE : aucun coefficient à partir du 01/01/2026",
            &format!("le dernier (ligne {first}, du 22/02/2024 au 31/12/2025)"),
        ],
    );
    // The same for the other balneotherapy act, whose rows are not last.
    let first = line_of(&text, "C4-BALNEO-BASSIN,1.2,2024-02-22,2026-01-01,");
    assert_refused(
        load_with("balneo-bassin", "act_coefficients.csv", |t| {
            without_lines(&t, "C4-BALNEO-BASSIN,2.5,")
        }),
        "act_coefficients.csv",
        first,
        "valid_to",
        &["C4-BALNEO-BASSIN : aucun coefficient à partir du 01/01/2026"],
    );
}

#[test]
fn letter_values_with_too_many_decimals_or_too_large_are_refused() {
    let text = embedded_file("letter_values.csv");
    let rim = line_of(&text, "RIM,metropole,");
    // 2.21 followed by 28 zeros and a 1: 31 decimals, which a Decimal
    // would round silently.
    let long = format!("2.21{}1", "0".repeat(28));
    assert_eq!(long.len() - 2, 31);
    assert_refused(
        load_with("decimals-31", "letter_values.csv", |t| {
            t.replacen("RIM,metropole,2.21,", &format!("RIM,metropole,{long},"), 1)
        }),
        "letter_values.csv",
        rim,
        "value",
        &["a 31 décimales : au plus 4"],
    );
    // Five decimals, trailing zero included: refused, nothing is rounded.
    assert_refused(
        load_with("decimals-5", "letter_values.csv", |t| {
            t.replacen("RIM,metropole,2.21,", "RIM,metropole,2.21000,", 1)
        }),
        "letter_values.csv",
        rim,
        "value",
        &["a 5 décimales : au plus 4"],
    );
    // Decimal::MAX as a value.
    assert_refused(
        load_with("decimal-max", "letter_values.csv", |t| {
            t.replacen(
                "RIM,metropole,2.21,",
                "RIM,metropole,79228162514264337593543950335,",
                1,
            )
        }),
        "letter_values.csv",
        rim,
        "value",
        &["\"79228162514264337593543950335\" dépasse le maximum de 1000"],
    );
    // Just above the bound: refused; at the bound with 4 decimals: loaded.
    assert_refused(
        load_with("value-1000.0001", "letter_values.csv", |t| {
            t.replacen("RIM,metropole,2.21,", "RIM,metropole,1000.0001,", 1)
        }),
        "letter_values.csv",
        rim,
        "value",
        &["\"1000.0001\" dépasse le maximum de 1000"],
    );
    let t = load_with("value-1000", "letter_values.csv", |t| {
        t.replacen("RIM,metropole,2.21,", "RIM,metropole,1000.0000,", 1)
    })
    .unwrap();
    // Kept as written, four decimals: nothing rounded.
    let v = t.letter_value(Code::RIM, Territory::Metropole, d("2025-01-01"));
    assert_eq!(
        v.and_then(|v| v.value).map(|v| v.to_string()).as_deref(),
        Some("1000.0000")
    );
}

#[test]
fn coefficients_with_too_many_decimals_or_too_large_are_refused() {
    let text = embedded_file("act_coefficients.csv");
    let ter = line_of(&text, "A1D-TER-MED,9.49,");
    let edit = |to: &'static str| {
        move |t: String| t.replacen("A1D-TER-MED,9.49,", &format!("A1D-TER-MED,{to},"), 1)
    };
    assert_refused(
        load_with("coef-3dp", "act_coefficients.csv", edit("9.495")),
        "act_coefficients.csv",
        ter,
        "coefficient",
        &["\"9.495\" a 3 décimales : au plus 2"],
    );
    assert_refused(
        load_with("coef-big", "act_coefficients.csv", edit("1000.01")),
        "act_coefficients.csv",
        ter,
        "coefficient",
        &["\"1000.01\" dépasse le maximum de 1000"],
    );
    let t = load_with("coef-1000", "act_coefficients.csv", edit("1000")).unwrap();
    let p = t.act("A1D-TER-MED").unwrap().period_at(d("2025-01-01"));
    assert_eq!(p.map(|p| p.coefficient), Some(Decimal::ONE_THOUSAND));
}

#[test]
fn a_gap_between_two_rows_of_a_code_names_both_lines() {
    let text = embedded_file("letter_values.csv");
    let old = line_of(&text, "IFS,metropole,4.00,2006-03-31,2026-01-01,");
    let new = line_of(&text, "IFS,metropole,4.00,2026-01-01,,");
    assert_refused(
        load_with("ifs-gap", "letter_values.csv", |t| {
            t.replacen(
                "IFS,metropole,4.00,2026-01-01,,",
                "IFS,metropole,4.00,2026-02-01,,",
                1,
            )
        }),
        "letter_values.csv",
        old,
        "valid_to",
        &[&format!(
            "IFS en métropole : trou entre la ligne {old} (du 31/03/2006 au 31/12/2025) et la ligne {new} (à partir du 01/02/2026) : aucune valeur du 01/01/2026 au 31/01/2026"
        )],
    );
}

#[test]
fn a_code_that_stops_without_a_suppressed_row_is_refused() {
    let text = embedded_file("letter_values.csv");
    let last = line_of(&text, "AMS,dom,2.43,2024-02-22,2024-06-01,");
    assert_refused(
        load_with("ams-no-end", "letter_values.csv", |t| {
            without_lines(&t, "AMS,dom,,2024-06-01,,suppressed,")
        }),
        "letter_values.csv",
        last,
        "valid_to",
        &[
            "AMS en outre-mer (DOM) : la dernière ligne n'est plus valable à partir du 01/06/2024 (valid_to) et aucune ne la suit",
        ],
    );
}

#[test]
fn a_code_must_have_the_same_life_in_both_territories() {
    let text = embedded_file("letter_values.csv");
    // Without its 2006 row, the metropolitan IFS would start in 2026.
    let new = line_of(&text, "IFS,metropole,4.00,2026-01-01,,");
    let res = load_with("ifs-start", "letter_values.csv", |t| {
        without_lines(&t, "IFS,metropole,4.00,2006-03-31,")
    });
    let dom = line_of(&text, "IFS,dom,4.00,2006-03-31,") - 1;
    assert_refused(
        res,
        "letter_values.csv",
        new - 1,
        "valid_from",
        &[&format!(
            "IFS commence le 01/01/2026 en métropole (ligne {}) et le 31/03/2006 en outre-mer (DOM) (ligne {dom})",
            new - 1
        )],
    );
}

#[test]
fn an_act_whose_letter_has_no_value_over_its_life_is_refused() {
    // RIM valued from 2024-03-01 in both territories: the code's life is
    // consistent, but the RIM acts start on 2024-02-22.
    let acts = embedded_file("acts.csv");
    let first_rim = acts
        .lines()
        .position(|l| l.split(',').nth(5) == Some("RIM"))
        .unwrap() as u64
        + 1;
    let id = acts
        .lines()
        .nth(first_rim as usize - 1)
        .unwrap()
        .split(',')
        .next()
        .unwrap()
        .to_string();
    assert_refused(
        load_with("rim-late", "letter_values.csv", |t| {
            t.replacen(
                "RIM,metropole,2.21,2024-02-22,",
                "RIM,metropole,2.21,2024-03-01,",
                1,
            )
            .replacen("RIM,dom,2.43,2024-02-22,", "RIM,dom,2.43,2024-03-01,", 1)
        }),
        "acts.csv",
        first_rim,
        "letter",
        &[&format!(
            "{id} : pas de valeur RIM en métropole du 22/02/2024 au 29/02/2024"
        )],
    );
}

#[test]
fn an_old_cotation_no_act_names_is_refused() {
    let text = embedded_file("old_cotations.csv");
    let added = text.lines().count() as u64 + 1;
    assert_refused(
        load_with("old-orphan", "old_cotations.csv", |t| {
            t + "AMS,99,2012-07-15,2024-02-22,2024-06-01,test,\n"
        }),
        "old_cotations.csv",
        added,
        "coefficient",
        &["AMS 99 : aucun acte de acts.csv ne la nomme"],
    );
}

#[test]
fn a_non_utf8_byte_is_refused_with_its_line_and_column() {
    let text = embedded_file("letter_values.csv");
    let iks = line_of(&text, "IKS,metropole,3.35,");
    let mut bytes = text.into_bytes();
    let at = bytes
        .windows(18)
        .position(|w| w == b"IKS,metropole,3.35")
        .unwrap();
    bytes[at + 16] = 0xFF; // IKS,metropole,3.\xFF5
    let res = Tariffs::from_dir(set_with("utf8", "letter_values.csv", &bytes));
    assert_refused(
        res,
        "letter_values.csv",
        iks,
        "value",
        &["l'octet 0xFF (position 17 de la ligne) n'est pas de l'UTF-8"],
    );
    // In the header: line 1, no column.
    let mut bytes = embedded_file("acts.csv").into_bytes();
    bytes[2] = 0xC3; // "ac" + a lone lead byte
    let res = Tariffs::from_dir(set_with("utf8-header", "acts.csv", &bytes));
    assert_refused(res, "acts.csv", 1, "-", &["0xC3", "UTF-8"]);
}

#[test]
fn a_file_cut_in_the_middle_of_a_row_is_refused() {
    let text = embedded_file("act_coefficients.csv");
    let lines = text.lines().count() as u64;
    // Cut inside the last row's source: the row keeps its field count.
    let mut end = text.len() - 20;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let cut = text[..end].to_string();
    assert_refused(
        load_with("cut-last-row", "act_coefficients.csv", |_| cut),
        "act_coefficients.csv",
        lines,
        "-",
        &[&format!(
            "la ligne {lines}, la dernière, ne se termine pas par un saut de ligne"
        )],
    );
    // A short last row with its line break.
    let short = format!(
        "{}C4-BALNEO-PISCINE,3.5,2026\n",
        first_lines(&text, lines as usize - 1)
    );
    assert_refused(
        load_with("short-row", "act_coefficients.csv", |_| short),
        "act_coefficients.csv",
        lines,
        "-",
        &["3 champs au lieu des 7 de l'en-tête"],
    );
    // Cut inside a quoted field: the quote is never closed.
    let acts = embedded_file("acts.csv");
    let line = line_of(&acts, "C1S1-OSTEO-2M,");
    let at = acts.find("C1S1-OSTEO-2M,").unwrap();
    let quote = at + acts[at..].find(",\"NGAP").unwrap() + 6;
    let cut = acts[..quote].to_string();
    assert_refused(
        load_with("open-quote", "acts.csv", |_| cut),
        "acts.csv",
        line,
        "-",
        &[&format!(
            "guillemet ouvert à la ligne {line} et jamais refermé"
        )],
    );
}

#[test]
fn an_act_whose_life_is_longer_than_its_coefficients_is_refused() {
    let coefs = embedded_file("act_coefficients.csv");
    let acts = embedded_file("acts.csv");
    // RPE 6, suppressed on 2026-01-01, declared alive until 2026-06-01.
    let rpe = line_of(&coefs, "A9-DEAMBULATION-20MIN,");
    assert_refused(
        load_with("life-longer", "acts.csv", |t| {
            t.replacen(
                ",2024-02-22,2026-01-01,suppressed,",
                ",2024-02-22,2026-06-01,suppressed,",
                1,
            )
        }),
        "act_coefficients.csv",
        rpe,
        "valid_to",
        &[&format!(
            "A9-DEAMBULATION-20MIN : aucun coefficient du 01/01/2026 au 31/05/2026 : le dernier (ligne {rpe}, du 22/02/2024 au 31/12/2025) s'arrête avant la fin de la vie de l'acte (du 22/02/2024 au 31/05/2026, acts.csv ligne {})",
            line_of(&acts, "A9-DEAMBULATION-20MIN,")
        )],
    );
    // The fragility bilan declared from 2026-01-01: its coefficient starts on 2026-09-01.
    let fragility = line_of(&coefs, "C1S1-FRAGILITE,");
    assert_refused(
        load_with("life-earlier", "acts.csv", |t| {
            t.replacen(",2026-09-01,,conditional,", ",2026-01-01,,conditional,", 1)
        }),
        "act_coefficients.csv",
        fragility,
        "valid_from",
        &["C1S1-FRAGILITE : aucun coefficient du 01/01/2026 au 31/08/2026"],
    );
    // RPE 6 declared until 2025-06-01: its coefficient runs beyond.
    assert_refused(
        load_with("life-shorter", "acts.csv", |t| {
            t.replacen(
                ",2024-02-22,2026-01-01,suppressed,",
                ",2024-02-22,2025-06-01,suppressed,",
                1,
            )
        }),
        "act_coefficients.csv",
        rpe,
        "valid_to",
        &["court au-delà de la vie de l'acte (du 22/02/2024 au 31/05/2025"],
    );
    // A life that ends needs the status suppressed, and the reverse.
    let line = line_of(&acts, "A9-DEAMBULATION-20MIN,");
    assert_refused(
        load_with("suppressed-open", "acts.csv", |t| {
            t.replacen(
                ",2024-02-22,2026-01-01,suppressed,",
                ",2024-02-22,,suppressed,",
                1,
            )
        }),
        "acts.csv",
        line,
        "valid_to",
        &["statut \"suppressed\" sans valid_to"],
    );
}

#[test]
fn an_empty_file_is_refused() {
    for f in TARIFF_FILES {
        let res = Tariffs::from_dir(set_with(&format!("empty-{f}"), f, b""));
        assert_refused(res, f, 1, "-", &["fichier vide"]);
    }
}

#[test]
fn a_header_alone_is_refused() {
    let header = |f: &str| first_lines(&embedded_file(f), 1);
    let first_act = embedded_file("acts.csv")
        .lines()
        .nth(1)
        .unwrap()
        .split(',')
        .next()
        .unwrap()
        .to_string();
    // No letter value: the first code, AMK, is missing; the file has one line.
    assert_refused(
        load_with("header-values", "letter_values.csv", |_| {
            header("letter_values.csv")
        }),
        "letter_values.csv",
        1,
        "code",
        &["AMK : aucune ligne dans le fichier"],
    );
    // No act: the first coefficient row names an unknown act.
    assert_refused(
        load_with("header-acts", "acts.csv", |_| header("acts.csv")),
        "act_coefficients.csv",
        2,
        "act_id",
        &[&format!("acte {first_act} inconnu")],
    );
    // No coefficient: the first act has none.
    assert_refused(
        load_with("header-coefs", "act_coefficients.csv", |_| {
            header("act_coefficients.csv")
        }),
        "acts.csv",
        2,
        "act_id",
        &[&format!(
            "{first_act} : aucun coefficient dans act_coefficients.csv"
        )],
    );
    // No old cotation: the first act's old cotation (AMK 5) is missing.
    assert_refused(
        load_with("header-old", "old_cotations.csv", |_| {
            header("old_cotations.csv")
        }),
        "acts.csv",
        2,
        "old_cotation",
        &["l'ancienne cotation AMK 5 manque dans old_cotations.csv"],
    );
}

#[test]
fn no_file_cut_at_a_line_boundary_loads() {
    // Every prefix of whole lines of each file, the others whole: refused
    // unless it is the whole file. Loaded from the texts (the same
    // validation as from_dir, without the disk).
    let texts = TARIFF_FILES.map(embedded_file);
    let mut refused = 0;
    for (i, f) in TARIFF_FILES.iter().enumerate() {
        let n = texts[i].lines().count();
        for k in 0..=n {
            let mut set = texts.clone();
            set[i] = first_lines(&texts[i], k);
            let res = Tariffs::from_sources("cut", [&set[0], &set[1], &set[2], &set[3]]);
            match res {
                Ok(_) => assert_eq!(k, n, "{f} cut after {k} of {n} lines loaded"),
                Err(Error::Data { .. }) => {
                    assert!(k < n, "{f} whole was refused");
                    refused += 1;
                }
                Err(e) => panic!("{f} cut after {k} lines: {e}"),
            }
        }
    }
    // 93 + 97 + 201 + 38 lines: one refusal per proper prefix.
    assert_eq!(refused, 93 + 97 + 201 + 38);
}

#[test]
fn no_file_cut_inside_its_last_two_lines_loads() {
    let texts = TARIFF_FILES.map(embedded_file);
    for (i, f) in TARIFF_FILES.iter().enumerate() {
        let text = &texts[i];
        let n = text.lines().count();
        let start = first_lines(text, n - 2).len();
        for cut in start + 1..text.len() {
            if !text.is_char_boundary(cut) || text.as_bytes()[cut - 1] == b'\n' {
                continue;
            }
            let mut set = texts.clone();
            set[i] = text[..cut].to_string();
            let res = Tariffs::from_sources("cut", [&set[0], &set[1], &set[2], &set[3]]);
            assert!(
                matches!(res, Err(Error::Data { .. })),
                "{f} cut at byte {cut} was not refused"
            );
        }
    }
}
