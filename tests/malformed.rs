//! The malformed-input corpus: every file of `tests/malformed/` run through
//! `kine-tarif price`, against its row of `tests/malformed/expected.csv`.
//!
//! The promise checked: every non-blank physical line after the header
//! gives exactly one output row, in input order (the `row` column counts
//! 1, 2, 3 … and the invoice ids come back in the input's order), whatever
//! quotes, NULs or control bytes it holds; a bad field is a finding on its
//! line; an error that stops the work exits 2 and names its cause; never a
//! panic (exit 101, "panicked" on stderr), never a hang (each run is killed
//! after a deadline).
//!
//! `expected.csv` has one row per case:
//!
//! | column | content |
//! |---|---|
//! | `file` | the input, in `tests/malformed/` |
//! | `via` | `path` (`price FILE`) or `stdin` (`price -`, the file on standard input) |
//! | `args` | extra arguments, space-separated (`--format jsonl`, `--memory-budget 1`) |
//! | `exit` | the expected exit code |
//! | `rows` | the number of output rows |
//! | `ids` | each row's `invoice_id`, joined by `\|`; `*` = not checked; escapes `\r` `\n` `\t` `\\` `\xNN`; the whole cell empty (with rows > 0) = not checked |
//! | `statuses` | each row's status, joined by `\|` |
//! | `findings` | each row's finding codes joined by `;`, the rows joined by `\|`; compared as sets (a code found twice on a line counts once, order aside) |
//! | `amounts` | each row's amount (empty: not priced), joined by `\|` |
//! | `messages` | per row, a text its message must contain (empty: not checked), joined by `\|` |
//! | `stderr_contains` | a text standard error must contain (empty: not checked) |
//! | `note` | why, for a person |
//!
//! In `statuses`, `findings`, `amounts` and `messages`, an item `X*N`
//! stands for `N` items `X` (large files). Every mismatch of every case is
//! collected, and the test fails once at the end listing them all.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How long one run may take before it counts as a hang.
const DEADLINE: Duration = Duration::from_secs(30);

/// The corpus must keep at least this many cases.
const MIN_CASES: usize = 60;

struct Case {
    file: String,
    stdin: bool,
    args: Vec<String>,
    exit: i32,
    rows: usize,
    /// `None`: not checked; an item `None`: that row not checked.
    ids: Option<Vec<Option<Vec<u8>>>>,
    statuses: Vec<String>,
    findings: Vec<Vec<String>>,
    amounts: Vec<String>,
    messages: Vec<String>,
    stderr_contains: String,
}

/// One output row, from CSV or JSON lines.
#[derive(Debug)]
struct Row {
    row: String,
    invoice_id: Vec<u8>,
    status: String,
    findings: Vec<String>,
    amount: String,
    message: String,
}

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/malformed")
}

/// `a|b*3|c` → `a b b b c`; an empty cell with no rows → nothing.
fn expand(cell: &str, rows: usize) -> Vec<String> {
    if rows == 0 && cell.is_empty() {
        return Vec::new();
    }
    let mut out = Vec::new();
    for item in cell.split('|') {
        match item.rsplit_once('*') {
            Some((x, n)) if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => {
                let n: usize = n.parse().unwrap();
                out.extend(std::iter::repeat_n(x.to_string(), n));
            }
            _ => out.push(item.to_string()),
        }
    }
    out
}

/// `\r`, `\n`, `\t`, `\\`, `\xNN` → bytes.
fn unescape(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && i + 1 < b.len() {
            match b[i + 1] {
                b'r' => out.push(b'\r'),
                b'n' => out.push(b'\n'),
                b't' => out.push(b'\t'),
                b'\\' => out.push(b'\\'),
                b'x' if i + 4 <= b.len() => {
                    let hex = std::str::from_utf8(&b[i + 2..i + 4]).unwrap();
                    out.push(u8::from_str_radix(hex, 16).expect("\\xNN in ids"));
                    i += 4;
                    continue;
                }
                other => panic!("unknown escape \\{} in ids", other as char),
            }
            i += 2;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    out
}

fn codes(cell: &str) -> Vec<String> {
    let mut v: Vec<String> = cell
        .split(';')
        .map(|c| c.trim().to_string())
        .filter(|c| !c.is_empty())
        .collect();
    v.sort();
    v.dedup();
    v
}

fn load_cases() -> Vec<Case> {
    let mut r = csv::Reader::from_path(dir().join("expected.csv")).expect("expected.csv");
    let h = r.headers().unwrap().clone();
    let col = |name: &str| {
        h.iter()
            .position(|c| c == name)
            .unwrap_or_else(|| panic!("expected.csv: no column {name}"))
    };
    let (file, via, args, exit, rows, ids, statuses, findings, amounts, messages, stderr) = (
        col("file"),
        col("via"),
        col("args"),
        col("exit"),
        col("rows"),
        col("ids"),
        col("statuses"),
        col("findings"),
        col("amounts"),
        col("messages"),
        col("stderr_contains"),
    );
    let mut cases = Vec::new();
    for rec in r.records() {
        let rec = rec.unwrap();
        let n: usize = rec[rows].parse().unwrap();
        let case = Case {
            file: rec[file].to_string(),
            stdin: match &rec[via] {
                "path" => false,
                "stdin" => true,
                other => panic!("{}: via {other:?}", &rec[file]),
            },
            args: rec[args].split_whitespace().map(String::from).collect(),
            exit: rec[exit].parse().unwrap(),
            rows: n,
            ids: (!rec[ids].is_empty()).then(|| {
                rec[ids]
                    .split('|')
                    .map(|s| (s != "*").then(|| unescape(s)))
                    .collect()
            }),
            statuses: expand(&rec[statuses], n),
            findings: expand(&rec[findings], n).iter().map(|c| codes(c)).collect(),
            amounts: expand(&rec[amounts], n),
            messages: expand(&rec[messages], n),
            stderr_contains: rec[stderr].to_string(),
        };
        // The expectations themselves must be whole.
        for (what, len) in [
            ("statuses", case.statuses.len()),
            ("findings", case.findings.len()),
            ("amounts", case.amounts.len()),
            ("messages", case.messages.len()),
            ("ids", case.ids.as_ref().map_or(n, Vec::len)),
        ] {
            assert_eq!(
                len, n,
                "expected.csv, {}: {what} has {len} items for {n} rows",
                case.file
            );
        }
        cases.push(case);
    }
    cases
}

/// Runs the command with a deadline: `Err("hang")` when it is killed.
fn run(case: &Case) -> Result<(i32, Vec<u8>, Vec<u8>), String> {
    let path = dir().join(&case.file);
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kine-tarif"));
    cmd.arg("price")
        .arg(if case.stdin {
            Path::new("-")
        } else {
            path.as_path()
        })
        .args(&case.args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("KINE_TARIF_FAIL_AT_ROW")
        .stdin(if case.stdin {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().map_err(|e| format!("spawn: {e}"))?;
    let feeder = child.stdin.take().map(|mut stdin| {
        let data = std::fs::read(&path).unwrap();
        // The command may stop reading early (exit 2): a broken pipe is fine.
        std::thread::spawn(move || {
            let _ = stdin.write_all(&data);
        })
    });
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = stdout.read_to_end(&mut v);
        v
    });
    let err = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = stderr.read_to_end(&mut v);
        v
    });
    let start = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break s,
            Ok(None) if start.elapsed() > DEADLINE => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("hang: killed after {DEADLINE:?}"));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
            Err(e) => return Err(format!("wait: {e}")),
        }
    };
    if let Some(f) = feeder {
        let _ = f.join();
    }
    let (out, err) = (out.join().unwrap(), err.join().unwrap());
    // Killed by a signal: no code.
    Ok((status.code().unwrap_or(-1), out, err))
}

/// The output rows; a semicolon input comes back in its dialect
/// (semicolons, decimal commas), read back with a dot.
fn csv_rows(out: &[u8]) -> Result<Vec<Row>, String> {
    let first = out.split(|&b| b == b'\n').next().unwrap_or_default();
    let semicolon = first.contains(&b';') && !first.contains(&b',');
    let mut r = csv::ReaderBuilder::new()
        .flexible(true)
        .delimiter(if semicolon { b';' } else { b',' })
        .from_reader(out);
    let h = r
        .byte_headers()
        .map_err(|e| format!("output header: {e}"))?
        .clone();
    let col = |name: &str| {
        h.iter()
            .position(|c| c == name.as_bytes())
            .ok_or(format!("output has no column {name}"))
    };
    let (row, id, status, findings, amount, message) = (
        col("row")?,
        col("invoice_id")?,
        col("status")?,
        col("findings")?,
        col("amount")?,
        col("message")?,
    );
    let mut rows = Vec::new();
    for (k, rec) in r.byte_records().enumerate() {
        let rec = rec.map_err(|e| format!("output row {}: {e}", k + 1))?;
        if rec.len() != h.len() {
            return Err(format!(
                "output row {} has {} cells, the header {}",
                k + 1,
                rec.len(),
                h.len()
            ));
        }
        let text = |i: usize| String::from_utf8_lossy(&rec[i]).into_owned();
        rows.push(Row {
            row: text(row),
            invoice_id: rec[id].to_vec(),
            status: text(status),
            findings: codes(&text(findings)),
            amount: if semicolon {
                text(amount).replace(',', ".")
            } else {
                text(amount)
            },
            message: text(message),
        });
    }
    Ok(rows)
}

fn jsonl_rows(out: &[u8]) -> Result<Vec<Row>, String> {
    let text = std::str::from_utf8(out).map_err(|e| format!("output not UTF-8: {e}"))?;
    let mut rows = Vec::new();
    for (k, line) in text.lines().enumerate() {
        if line.is_empty() {
            return Err(format!("output line {}: empty", k + 1));
        }
        let v: serde_json::Value =
            serde_json::from_str(line).map_err(|e| format!("output line {}: {e}", k + 1))?;
        let s = |name: &str| match &v[name] {
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Null => String::new(),
            other => other.to_string(),
        };
        let list = v["findings"]
            .as_array()
            .ok_or(format!("output line {}: findings is not a list", k + 1))?;
        let mut findings: Vec<String> = list
            .iter()
            .map(|f| f["code"].as_str().unwrap_or("?").to_string())
            .collect();
        findings.sort();
        findings.dedup();
        let message = list
            .iter()
            .map(|f| f["message"].as_str().unwrap_or(""))
            .collect::<Vec<_>>()
            .join(" | ");
        rows.push(Row {
            row: s("row"),
            invoice_id: s("invoice_id").into_bytes(),
            status: s("status"),
            findings,
            amount: s("amount"),
            message,
        });
    }
    Ok(rows)
}

/// What differs between a run and its expectations.
fn check(case: &Case) -> Vec<String> {
    let mut bad = Vec::new();
    let (code, out, err) = match run(case) {
        Ok(r) => r,
        Err(e) => return vec![e],
    };
    let err_text = String::from_utf8_lossy(&err);
    if code == 101 || err_text.contains("panicked") {
        bad.push(format!("PANIC (exit {code}): {}", err_text.trim()));
    }
    if code != case.exit {
        bad.push(format!(
            "exit {code}, expected {}; stderr: {}",
            case.exit,
            err_text.trim()
        ));
    }
    if !case.stderr_contains.is_empty() && !err_text.contains(&case.stderr_contains) {
        bad.push(format!(
            "stderr does not contain {:?}: {}",
            case.stderr_contains,
            err_text.trim()
        ));
    }
    let jsonl = case
        .args
        .windows(2)
        .any(|w| w[0] == "--format" && w[1] == "jsonl");
    let rows = if code == 2 && out.is_empty() {
        Vec::new()
    } else {
        match if jsonl {
            jsonl_rows(&out)
        } else {
            csv_rows(&out)
        } {
            Ok(r) => r,
            Err(e) => {
                bad.push(e);
                return bad;
            }
        }
    };
    if code == 2 && !rows.is_empty() {
        bad.push(format!("exit 2 with {} rows written", rows.len()));
    }
    if rows.len() != case.rows {
        bad.push(format!("{} rows, expected {}", rows.len(), case.rows));
    }
    // Row by row, as far as both go; at most a few lines per case.
    let mut row_bad = Vec::new();
    for (k, r) in rows.iter().enumerate().take(case.rows) {
        let n = k + 1;
        if r.row != n.to_string() {
            row_bad.push(format!("row {n}: row column {:?}", r.row));
        }
        if let Some(Some(id)) = case.ids.as_ref().map(|ids| &ids[k])
            && &r.invoice_id != id
        {
            row_bad.push(format!(
                "row {n}: invoice_id {:?}, expected {:?} (order or merge?)",
                String::from_utf8_lossy(&r.invoice_id),
                String::from_utf8_lossy(id)
            ));
        }
        if r.status != case.statuses[k] {
            row_bad.push(format!(
                "row {n}: status {}, expected {}",
                r.status, case.statuses[k]
            ));
        }
        if r.findings != case.findings[k] {
            row_bad.push(format!(
                "row {n}: findings {:?}, expected {:?} ({})",
                r.findings, case.findings[k], r.message
            ));
        }
        if r.amount != case.amounts[k] {
            row_bad.push(format!(
                "row {n}: amount {:?}, expected {:?}",
                r.amount, case.amounts[k]
            ));
        }
        if !r.message.contains(&case.messages[k]) {
            row_bad.push(format!(
                "row {n}: message does not contain {:?}: {:?}",
                case.messages[k], r.message
            ));
        }
    }
    let more = row_bad.len().saturating_sub(8);
    bad.extend(row_bad.into_iter().take(8));
    if more > 0 {
        bad.push(format!("… and {more} more row mismatches"));
    }
    bad
}

#[test]
fn malformed_inputs_give_one_row_per_line_and_never_panic_or_hang() {
    let cases = load_cases();
    assert!(
        cases.len() >= MIN_CASES,
        "the corpus has {} cases, at least {MIN_CASES} expected",
        cases.len()
    );
    // Every input file has its case, and every case its file.
    let mut files: Vec<String> = std::fs::read_dir(dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|f| f != "expected.csv")
        .collect();
    files.sort();
    let mut named: Vec<String> = cases.iter().map(|c| c.file.clone()).collect();
    named.sort();
    assert_eq!(
        files, named,
        "tests/malformed/ files and expected.csv rows differ"
    );

    let mut failures = Vec::new();
    let mut passed = 0;
    for case in &cases {
        let bad = check(case);
        if bad.is_empty() {
            passed += 1;
        } else {
            failures.push(format!("{}:\n    {}", case.file, bad.join("\n    ")));
        }
    }
    eprintln!("malformed corpus: {passed} of {} cases pass", cases.len());
    assert!(
        failures.is_empty(),
        "{} of {} malformed cases fail:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
