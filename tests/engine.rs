//! The batch engine gives the same output whatever the mode (whole input
//! or streamed blocks) and the number of threads, and refuses, with a clear
//! error, to stream an input the rules cannot split.

use kine_tarif::batch::{BatchOptions, Once, Summary, price_csv_with, price_seekable};
use kine_tarif::{Error, Tariffs};

fn run(input: &[u8], options: BatchOptions) -> Result<(Summary, Vec<u8>), Error> {
    let mut out = Vec::new();
    let s = price_csv_with(Tariffs::embedded(), input, &mut out, &options)?;
    Ok((s, out))
}

/// Each (threads, memory budget) run of `input` gives the summary and the
/// bytes of `reference`.
fn assert_same(input: &[u8], reference: &(Summary, Vec<u8>), runs: &[(usize, usize)], what: &str) {
    for &(threads, budget) in runs {
        let other = run(
            input,
            BatchOptions {
                threads,
                memory_budget: budget,
                ..BatchOptions::default()
            },
        )
        .unwrap();
        let how = format!("{what}, threads {threads} budget {budget}");
        assert_eq!(other.0, reference.0, "summary, {how}");
        assert!(other.1 == reference.1, "output bytes, {how}");
    }
}

/// Default options but for the memory budget.
fn budget(bytes: usize) -> BatchOptions {
    BatchOptions {
        memory_budget: bytes,
        ..BatchOptions::default()
    }
}

fn generated(lines: u64, seed: u64) -> Vec<u8> {
    let mut v = Vec::new();
    kine_tarif::generate::generate(Tariffs::embedded(), lines, seed, 2025, &mut v).unwrap();
    v
}

#[test]
fn streamed_blocks_and_threads_give_the_same_bytes() {
    let input = generated(20_000, 3);
    let whole = run(
        &input,
        BatchOptions {
            threads: 1,
            ..BatchOptions::default()
        },
    )
    .unwrap();
    assert_eq!(whole.0.rows, 20_000);
    // Budgets of 2 and 4 MiB (blocks of a quarter) leave it undecided
    // for a while whether the 1.4 MB input fits: rows held, then written.
    let runs = [
        (2, usize::MAX >> 1),
        (1, 64 << 10),
        (2, 64 << 10),
        (3, 200 << 10),
        (1, 2 << 20),
        (2, 4 << 20),
    ];
    assert_same(&input, &whole, &runs, "generated");
}

#[test]
fn the_generator_is_reproducible_and_grouped_by_practitioner() {
    let a = generated(5_000, 9);
    assert_eq!(a, generated(5_000, 9));
    assert_ne!(a, generated(5_000, 10));
    let text = String::from_utf8(a).unwrap();
    let mut seen = std::collections::HashSet::new();
    let mut last = String::new();
    for line in text.lines().skip(1) {
        let prac = line.split(',').nth(2).unwrap().to_string();
        if prac != last {
            assert!(
                seen.insert(prac.clone()),
                "practitioner {prac} is not contiguous"
            );
            last = prac;
        }
    }
    assert_eq!(text.lines().count(), 5_001);
}

/// The rows of `input` held whole (the default budget), and the same
/// bytes spilled (a budget of a few bytes) and through `price_seekable`
/// (streamed, then started again and spilled).
fn assert_spilled_as_held(input: &[u8], runs: &[(usize, usize)], what: &str) {
    let whole = run(input, BatchOptions::default()).unwrap();
    assert_same(input, &whole, runs, what);
    for threads in [1, 2] {
        let mut out = Vec::new();
        let options = BatchOptions {
            threads,
            memory_budget: 16,
            ..BatchOptions::default()
        };
        let s = price_seekable(
            Tariffs::embedded(),
            std::io::Cursor::new(input),
            &mut out,
            &options,
            None,
        )
        .unwrap();
        assert_eq!(s, whole.0, "{what}: seekable summary");
        assert!(out == whole.1, "{what}: seekable bytes, threads {threads}");
        // An output that cannot be emptied: the input is read through
        // first, then streamed (grouped) or spilled.
        let mut once = Once(Vec::new());
        let s = price_seekable(
            Tariffs::embedded(),
            std::io::Cursor::new(input),
            &mut once,
            &options,
            None,
        )
        .unwrap();
        assert_eq!(s, whole.0, "{what}: once summary");
        assert!(once.0 == whole.1, "{what}: once bytes, threads {threads}");
    }
}

#[test]
fn a_grouped_input_read_through_first_streams_to_the_same_bytes() {
    let grouped = generated(20_000, 12);
    let whole = run(&grouped, BatchOptions::default()).unwrap();
    for budget in [64 << 10, 1 << 20] {
        let options = BatchOptions {
            memory_budget: budget,
            input_size: Some(grouped.len() as u64),
            ..BatchOptions::default()
        };
        let mut once = Once(Vec::new());
        let s = price_seekable(
            Tariffs::embedded(),
            std::io::Cursor::new(&grouped),
            &mut once,
            &options,
            None,
        )
        .unwrap();
        assert_eq!(s, whole.0);
        assert!(once.0 == whole.1, "budget {budget}");
    }
}

#[test]
fn a_large_ungrouped_input_is_spilled_to_the_bytes_held_whole() {
    let input = "invoice_id,patient_id,practitioner_id,date,code,coefficient\n\
                 F1,P1,K1,2025-03-03,RIM,7.50\nF2,P2,K2,2025-03-03,RIM,7.50\nF3,P1,K1,2025-03-03,RIM,7.50\n";
    // K1's two sessions the same day: the second is SAME_DAY_NOT_ALLOWED
    // only when both are seen together (held whole, or spilled).
    let whole = run(input.as_bytes(), BatchOptions::default()).unwrap();
    let text = String::from_utf8(whole.1.clone()).unwrap();
    assert!(
        text.lines()
            .nth(3)
            .unwrap()
            .contains("SAME_DAY_NOT_ALLOWED"),
        "{text}"
    );
    // A budget of a few bytes: spilled.
    assert_spilled_as_held(input.as_bytes(), &[(1, 16), (2, 16), (2, 0)], "plain");
    // The same with a quoted field (not plain).
    let quoted = input.replace("F1,", "\"F1\",");
    assert_spilled_as_held(quoted.as_bytes(), &[(1, 16), (2, 16)], "quoted");
    // Without the rules no grouping is needed.
    let (s, _) = run(
        input.as_bytes(),
        BatchOptions {
            memory_budget: 16,
            rules: false,
            ..BatchOptions::default()
        },
    )
    .unwrap();
    assert_eq!(s.rows, 3);
}

#[test]
fn shuffled_generated_input_is_spilled_to_the_bytes_held_whole() {
    // 20,000 generated lines in an order of their own (every 7th line
    // first, then the rest): practitioners all over the file.
    let grouped = String::from_utf8(generated(20_000, 11)).unwrap();
    let lines: Vec<&str> = grouped.lines().collect();
    let (header, body) = lines.split_first().unwrap();
    let mut order: Vec<&str> = body.iter().step_by(7).copied().collect();
    order.extend(
        body.iter()
            .enumerate()
            .filter(|(i, _)| i % 7 != 0)
            .map(|(_, l)| *l),
    );
    let shuffled = format!("{header}\n{}\n", order.join("\n"));
    // 1.4 MB: 256 KiB spills in about 12 partitions, 64 KiB in 45, each
    // partition spilled again; 0 spills to the third level.
    assert_spilled_as_held(
        shuffled.as_bytes(),
        &[(2, 256 << 10), (1, 64 << 10), (2, 0)],
        "shuffled",
    );
    // JSON lines too.
    let json = BatchOptions {
        format: kine_tarif::batch::OutputFormat::Jsonl,
        ..BatchOptions::default()
    };
    let whole = run(shuffled.as_bytes(), json.clone()).unwrap();
    let spilled = run(
        shuffled.as_bytes(),
        BatchOptions {
            memory_budget: 64 << 10,
            ..json
        },
    )
    .unwrap();
    assert!(spilled == whole);
}

#[test]
fn a_known_input_size_decides_at_once_and_changes_no_output() {
    let grouped = generated(20_000, 5);
    let whole = run(&grouped, BatchOptions::default()).unwrap();
    let sized = |size: u64, budget: usize| BatchOptions {
        memory_budget: budget,
        input_size: Some(size),
        ..BatchOptions::default()
    };
    let n = grouped.len() as u64;
    // Grouped input, size told right or wrong, larger or smaller than
    // the budget: the same bytes (a size said to be small does not cut
    // the input short).
    for (size, budget) in [
        (n, 4 << 20),
        (n, 256 << 10),
        (1, 256 << 10),
        (10 * n, 4 << 20),
    ] {
        let other = run(&grouped, sized(size, budget)).unwrap();
        assert_eq!(other.0, whole.0, "summary, size {size} budget {budget}");
        assert!(other.1 == whole.1, "bytes, size {size} budget {budget}");
    }
    // An input in no particular order that fits the budget is held whole
    // (and checked by practitioner) when its size is not known or said
    // to fit; said to be larger than the budget, it is spilled: the same
    // rows.
    let input = "invoice_id,patient_id,practitioner_id,date,code,coefficient\n\
                 F1,P1,K1,2025-03-03,RIM,7.50\nF2,P2,K2,2025-03-03,RIM,7.50\nF3,P1,K1,2025-03-04,RIM,7.50\n";
    let len = input.len() as u64;
    let budget = input.len() + 10;
    for options in [BatchOptions::default(), sized(len, budget)] {
        assert_eq!(run(input.as_bytes(), options).unwrap().0.rows, 3);
    }
    let held = run(input.as_bytes(), BatchOptions::default()).unwrap();
    assert!(run(input.as_bytes(), sized(2 * len + 20, budget)).unwrap() == held);
}

#[test]
fn streaming_without_a_practitioner_column_is_refused() {
    let input = "invoice_id,patient_id,date,code,coefficient\nF1,P1,2025-03-03,RIM,7.50\nF2,P2,2025-03-03,RIM,7.50\n";
    assert!(matches!(
        run(input.as_bytes(), budget(16)),
        Err(Error::NoPractitionerColumn { .. })
    ));
}

#[test]
fn reprice_at_another_date() {
    // RIM 7.50 in 2025 (7.50 × 2.21 = 16.58) repriced at 2026-02-01 (8.10 × 2.21 = 17.901 → 17.90);
    // IFD 2.50 both dates; AMS 7.5 of 2023 has 47 candidate acts at 2026: not repriced.
    let input = "invoice_id,patient_id,practitioner_id,date,code,coefficient\n\
                 F1,P1,K1,2025-03-03,RIM,7.50\nF2,P1,K1,2025-03-03,IFD,\nF3,P2,K1,2023-03-03,AMS,7.5\n";
    let options = BatchOptions {
        reprice_at: Some("2026-02-01".parse().unwrap()),
        ..BatchOptions::default()
    };
    let (s, out) = run(input.as_bytes(), options).unwrap();
    let text = String::from_utf8(out).unwrap();
    let header: Vec<&str> = text.lines().next().unwrap().split(',').collect();
    assert_eq!(
        &header[16..],
        [
            "reprice_code",
            "reprice_coefficient",
            "reprice_unit_value",
            "reprice_amount"
        ]
    );
    assert!(
        text.lines()
            .nth(1)
            .unwrap()
            .ends_with(",RIM,8.10,2.21,17.90"),
        "{text}"
    );
    let rim = &s.reprice["RIM"];
    assert_eq!(
        (rim.lines, rim.amount.to_string(), rim.repriced.to_string()),
        (1, "16.58".into(), "17.90".into())
    );
    assert_eq!(s.reprice["AMS"].not_repriced, 1);
    assert_eq!(s.reprice["IFD"].repriced.to_string(), "2.50");
}

#[test]
fn with_reprice_every_row_has_the_reprice_columns() {
    // The second line has no valid date: not priced, so not repriced, but
    // its row still has 20 columns (a strict CSV reader refuses rows of
    // another width); in JSON lines its `reprice` cells are empty.
    let input = "invoice_id,patient_id,practitioner_id,date,code,coefficient,billed_amount\n\
                 F1,P1,K1,2025-03-03,RIM,7.50,16.581\nF2,P1,K1,2025-02-30,RIM,7.50,16.58\n";
    let options = BatchOptions {
        reprice_at: Some("2026-02-01".parse().unwrap()),
        ..BatchOptions::default()
    };
    let (_, out) = run(input.as_bytes(), options.clone()).unwrap();
    let rows: Vec<csv::StringRecord> = csv::Reader::from_reader(&out[..])
        .records()
        .collect::<Result<_, _>>()
        .expect("every row as wide as the header");
    assert_eq!(rows.len(), 2);
    // RIM 7.50 × 2.21 = 16.575 → 16.58 €; the billed 16.581 € is echoed as given.
    assert_eq!(&rows[0][11], "16.58");
    assert_eq!(&rows[0][12], "16.581");
    let reprice = |r: &csv::StringRecord| r.iter().skip(16).map(String::from).collect::<Vec<_>>();
    assert_eq!(reprice(&rows[0]), ["RIM", "8.10", "2.21", "17.90"]);
    assert_eq!(&rows[1][13], "error");
    assert_eq!(reprice(&rows[1]), ["", "", "", ""]);
    let (_, json) = run(
        input.as_bytes(),
        BatchOptions {
            format: kine_tarif::batch::OutputFormat::Jsonl,
            ..options
        },
    )
    .unwrap();
    let second = String::from_utf8(json)
        .unwrap()
        .lines()
        .nth(1)
        .unwrap()
        .to_string();
    assert!(second.ends_with(r#""reprice":["","","",""]}"#), "{second}");
}

#[test]
fn plain_and_quoted_crlf_and_blank_line_inputs_stream_to_the_same_bytes() {
    let plain = String::from_utf8(generated(20_000, 5)).unwrap();
    let lines: Vec<&str> = plain.lines().collect();
    // A quoted field with a comma half-way: the reader switches from the
    // plain fast path to the csv crate there.
    let mut quoted = lines.clone();
    let with_quote = quoted[10_000].replacen(',', ",bis\",", 1);
    let with_quote = format!("\"{with_quote}");
    quoted[10_000] = &with_quote;
    let quoted = quoted.join("\n") + "\n";
    let variants = [
        ("quoted", quoted.clone()),
        ("crlf", lines.join("\r\n") + "\r\n"),
        ("blank line", {
            let mut v = lines.clone();
            v.insert(12_000, "");
            v.join("\n")
        }),
    ];
    for (name, input) in variants {
        let whole = run(
            input.as_bytes(),
            BatchOptions {
                threads: 1,
                ..BatchOptions::default()
            },
        )
        .unwrap();
        assert_eq!(whole.0.rows, 20_000, "{name}");
        // 2 and 4 MiB: the input fits the budget, which is found out after
        // one or more blocks were sent; held whole from there.
        let runs = [(1, 64 << 10), (2, 200 << 10), (1, 2 << 20), (2, 4 << 20)];
        assert_same(input.as_bytes(), &whole, &runs, name);
    }
    // The quoted invoice id comes out quoted, on its row.
    let out = run(quoted.as_bytes(), BatchOptions::default()).unwrap().1;
    let text = String::from_utf8(out).unwrap();
    let row = text.lines().nth(10_000).unwrap();
    assert!(row.starts_with("10000,\"F10000,bis\","), "{row}");
}

#[test]
fn an_ungrouped_input_held_whole_has_the_findings_of_the_grouped_one() {
    // The first line moved to the end: its practitioner comes back after
    // the others, so the input is held whole and grouped in memory; every
    // line must come out as it does from the grouped input (but for its row
    // number).
    let grouped = String::from_utf8(generated(20_000, 4)).unwrap();
    let mut lines: Vec<&str> = grouped.lines().collect();
    let first = lines.remove(1);
    lines.push(first);
    let moved = lines.join("\n") + "\n";
    let by_invoice = |out: &[u8]| -> std::collections::HashMap<String, String> {
        String::from_utf8(out.to_vec())
            .unwrap()
            .lines()
            .skip(1)
            .map(|row| {
                let (_, rest) = row.split_once(',').unwrap();
                (
                    rest.split(',').next().unwrap().to_string(),
                    rest.to_string(),
                )
            })
            .collect()
    };
    let a = run(grouped.as_bytes(), BatchOptions::default()).unwrap();
    let b = run(moved.as_bytes(), BatchOptions::default()).unwrap();
    let b_whole = b.clone();
    assert_eq!(a.0, b.0);
    // With budgets of 2 and 4 MiB the first blocks are streamed before the
    // practitioner comes back (in the last block); the input fits the
    // budget, so it is held whole after all: the same bytes.
    assert_same(moved.as_bytes(), &b, &[(1, 2 << 20), (2, 4 << 20)], "moved");
    let (a, b) = (by_invoice(&a.1), by_invoice(&b.1));
    assert_eq!(a.len(), 20_000);
    assert!(a == b);
    // Too large for a budget of 64 KiB: spilled, the same bytes.
    assert!(run(moved.as_bytes(), budget(64 << 10)).unwrap() == b_whole);
}

#[test]
fn an_input_found_larger_than_the_budget_after_a_practitioner_came_back_is_spilled() {
    // The first line (practitioner K1, whose lines come first) moved 100
    // lines into the next practitioner's: K1 comes back there. With a
    // budget of 1 MiB (blocks of 256 KiB) the block holding it is met
    // while it is not yet known that the 1.4 MB input exceeds the budget;
    // once it is, the run stops as any streamed run would, naming both
    // lines.
    let grouped = String::from_utf8(generated(20_000, 4)).unwrap();
    let practitioner = |l: &str| l.split(',').nth(2).unwrap().to_string();
    let mut lines: Vec<&str> = grouped.lines().collect();
    // Rows are numbered from 1 after the header.
    let k1_rows = lines[1..]
        .iter()
        .position(|l| practitioner(l) != "K1")
        .unwrap();
    assert!(k1_rows > 1_000 && (k1_rows + 100) * 72 < 1 << 20);
    let first = lines.remove(1);
    assert_eq!(practitioner(first), "K1");
    // K1's lines are now rows 1 to k1_rows - 1, and row k1_rows + 100.
    lines.insert(k1_rows + 100, first);
    let moved = lines.join("\n") + "\n";
    // Once it is known not to fit, the rows held are not written: the
    // input is spilled, and gives the bytes held whole.
    let held = run(moved.as_bytes(), BatchOptions::default()).unwrap();
    assert_same(
        moved.as_bytes(),
        &held,
        &[(1, 1 << 20), (2, 1 << 20)],
        "came back",
    );
    // With a budget it fits, it is held whole (as with the default one).
    let held = run(moved.as_bytes(), BatchOptions::default()).unwrap();
    assert_eq!(held.0.rows, 20_000);
    assert_same(moved.as_bytes(), &held, &[(2, 2 << 20)], "fits");
}

#[test]
fn without_a_practitioner_column_an_input_within_the_budget_is_held_whole() {
    // 1.4 MB with the practitioner column renamed (so unknown): streamed
    // in blocks of 512 KiB it cannot be, but it fits a 2 MiB budget.
    let input =
        String::from_utf8(generated(20_000, 6))
            .unwrap()
            .replacen("practitioner_id", "cabinet", 1);
    let whole = run(input.as_bytes(), BatchOptions::default()).unwrap();
    assert_eq!(whole.0.rows, 20_000);
    assert_same(input.as_bytes(), &whole, &[(2, 2 << 20)], "fits");
    assert!(matches!(
        run(input.as_bytes(), budget(1 << 20)),
        Err(Error::NoPractitionerColumn { .. })
    ));
}

#[test]
fn rows_of_one_pricing_differ_by_their_billed_amount_and_findings() {
    // One pricing for every line (RIM 7.50, A1C-ENTORSE-MED, metropole,
    // March 2025: 7.50 × 2.21 = 16.575 → 16.58 €), so the rows share the
    // formatted columns 6 to 11; what follows them is each line's own.
    let input = "invoice_id,patient_id,practitioner_id,date,code,coefficient,billed_amount,telesoin\n\
                 F1,P1,K1,2025-03-03,RIM,7.50,16.58,\n\
                 F2,P1,K1,2025-03-10,RIM,7.50,16.58,\n\
                 F3,P1,K1,2025-03-17,RIM,7.50,16.57,\n\
                 F4,P1,K1,2025-03-24,RIM,7.50,016.58,\n\
                 F5,P1,K1,2025-03-31,RIM,7.50,16.58,peut-être\n\
                 F6,P1,K1,2025-04-07,RIM,7.50,,\n\
                 F7,P1,K1,2025-04-14,RIM,7.50,16.58,\n";
    let (summary, out) = run(input.as_bytes(), BatchOptions::default()).unwrap();
    let text = String::from_utf8(out).unwrap();
    let rows: Vec<&str> = text.lines().skip(1).collect();
    let ok = |n: usize, date: &str| {
        format!("{n},F{n},P1,{date},RIM,7.50,RIM,7.50,A1C-ENTORSE-MED,2.21,1,16.58,16.58,ok,,")
    };
    assert_eq!(rows[0], ok(1, "2025-03-03"));
    assert_eq!(rows[1], ok(2, "2025-03-10"));
    assert_eq!(rows[6], ok(7, "2025-04-14"));
    let cells: Vec<csv::StringRecord> = csv::Reader::from_reader(text.as_bytes())
        .records()
        .collect::<Result<_, _>>()
        .unwrap();
    // 16.57 € billed for 16.58 €: a mismatch, the billed amount as given.
    assert_eq!(&cells[2][12], "16.57");
    assert_eq!(&cells[2][14], "AMOUNT_MISMATCH");
    assert_eq!(&cells[2][13], "error");
    // 016.58 is 16.58 €: no finding, written back without the zero.
    assert_eq!(&cells[3][12], "16.58");
    assert_eq!(&cells[3][13], "ok");
    // The right amount, but a field that does not read: the finding shows.
    assert_eq!(&cells[4][12], "16.58");
    assert_eq!(&cells[4][14], "INVALID_FIELD");
    assert_ne!(&cells[4][13], "ok");
    // No billed amount: nothing to echo.
    assert_eq!(&cells[5][11], "16.58");
    assert_eq!(&cells[5][12], "");
    assert_eq!(summary.rows, 7);
    // Rows 1, 2, 4, 6 and 7 are ok (row 4's 016.58 reads as 16.58), row 3
    // an error, row 5 not ok; the summary counts rows written by the usual
    // row's shortcut as it counts the others.
    assert_eq!(summary.ok, 5);
    assert_eq!(summary.warnings + summary.errors, 2);
    // Computed: 7 × 16.58 = 116.06 €. Billed: 5 × 16.58 + 16.57 (row 3)
    // + nothing (row 6) = 99.47 €.
    assert_eq!(summary.total_amount, "116.06".parse().unwrap());
    assert_eq!(summary.total_billed, "99.47".parse().unwrap());
}

#[test]
fn optional_dates_and_times_are_read_or_reported() {
    // Empty optional fields read as absent; well-formed ones are taken;
    // malformed ones are an INVALID_FIELD finding naming the field, and the
    // line is still priced (RIM 7.50 in March 2025: 16.58 €).
    let input = "invoice_id,patient_id,practitioner_id,date,code,coefficient,patient_birth_date,discharge_date,prescription_date,time,call_time\n\
                 F1,P1,K1,2025-03-03,RIM,7.50,,,,,\n\
                 F2,P1,K1,2025-03-04,RIM,7.50,1950-02-28,2025-01-10,2025-02-01,09:30,08:15:00\n\
                 F3,P1,K1,2025-03-05,RIM,7.50,1950-02-30,2025/01/10,,25:00,9h\n";
    let (summary, out) = run(input.as_bytes(), BatchOptions::default()).unwrap();
    let cells: Vec<csv::StringRecord> = csv::Reader::from_reader(out.as_slice())
        .records()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(summary.rows, 3);
    for row in &cells {
        assert_eq!(&row[11], "16.58");
    }
    assert_eq!(&cells[0][13], "ok");
    assert_eq!(&cells[1][13], "ok");
    // Four bad fields, in the order of the context's fields: birth date,
    // discharge date, time, call time.
    assert_eq!(
        &cells[2][14],
        "INVALID_FIELD;INVALID_FIELD;INVALID_FIELD;INVALID_FIELD"
    );
    let messages = &cells[2][15];
    for (field, text) in [
        (
            "patient_birth_date",
            "\"1950-02-30\" illisible, attendu AAAA-MM-JJ ou JJ/MM/AAAA.",
        ),
        (
            "discharge_date",
            "\"2025/01/10\" illisible, attendu AAAA-MM-JJ ou JJ/MM/AAAA.",
        ),
        ("time", "\"25:00\" illisible, attendu une heure HH:MM."),
        ("call_time", "\"9h\" illisible, attendu une heure HH:MM."),
    ] {
        assert!(
            messages.contains(&format!("colonne {field} : {text}")),
            "{field}: {messages}"
        );
    }
}
