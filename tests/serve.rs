//! `kine-tarif serve`, a real server started by the test on a free port
//! of the loopback, called over HTTP (ureq). Amounts worked out by hand
//! from `tariffs/`:
//! - RIM 7.50 on 15/06/2024: 7.5 × 2.21 = 16.575 → 16.58 €; in La Réunion
//!   (974) RIM is 2.43: 7.5 × 2.43 = 18.225 → 18.23 €.
//! - TER 9.49 on 01/06/2026: the act A1D-TER-MED is TER 9.79 since
//!   28/05/2026: 9.79 × 2.21 = 21.6359 → 21.64 €, COEFFICIENT_REVALUED.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

struct Server {
    child: Child,
    base: String,
}

impl Server {
    fn start(extra: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_kine-tarif"))
            .args(["serve", "--bind", "127.0.0.1:0"])
            .args(extra)
            .env_remove("KINE_TARIF_TOKEN")
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let mut lines = BufReader::new(stderr).lines();
        let first = lines.next().unwrap().unwrap();
        // "kine-tarif : service à l'écoute sur http://127.0.0.1:PORT (…)"
        let base = first
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .unwrap_or_else(|| panic!("{first}"))
            .to_string();
        // The rest of its standard error, drained so it never blocks.
        std::thread::spawn(move || for _ in lines {});
        Server { child, base }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into()
}

fn post(s: &Server, path: &str, body: &[u8]) -> (u16, String) {
    let mut r = agent().post(&s.url(path)).send(body).unwrap();
    (r.status().as_u16(), r.body_mut().read_to_string().unwrap())
}

fn get(s: &Server, path: &str) -> (u16, String) {
    let mut r = agent().get(&s.url(path)).call().unwrap();
    (r.status().as_u16(), r.body_mut().read_to_string().unwrap())
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

#[test]
fn json_routes_answer_with_amounts_and_versions() {
    let s = Server::start(&[]);
    let (code, body) = get(&s, "/health");
    assert_eq!((code, json(&body)["status"].as_str()), (200, Some("ok")));
    let (_, body) = get(&s, "/version");
    assert_eq!(
        json(&body)["tariff_data_version"],
        kine_tarif::TARIFF_DATA_VERSION
    );

    let (code, body) = post(
        &s,
        "/v1/price",
        br#"{"date": "2024-06-15", "code": "RIM", "coefficient": "7.50"}"#,
    );
    let v = json(&body);
    assert_eq!(code, 200, "{body}");
    assert_eq!(v["result"]["amount"], "16.58");
    assert_eq!(v["result"]["act_id"], "A1C-ENTORSE-MED");
    assert_eq!(v["tariff_data_version"], kine_tarif::TARIFF_DATA_VERSION);
    let (_, body) = post(
        &s,
        "/v1/price",
        br#"{"date": "2024-06-15", "code": "RIM", "coefficient": "7.50", "department": "974"}"#,
    );
    assert_eq!(json(&body)["result"]["amount"], "18.23");

    let (code, body) = get(&s, "/v1/explain?code=TER&coefficient=9.49&date=2026-06-01");
    let v = json(&body);
    assert_eq!(code, 200, "{body}");
    assert_eq!(v["result"]["line"]["amount"], "21.64");
    assert_eq!(
        v["result"]["line"]["findings"][0]["code"],
        "COEFFICIENT_REVALUED"
    );
    assert!(
        v["result"]["explanation"]
            .as_str()
            .unwrap()
            .contains("9,79 × 2,21\u{a0}€ × 1 = 21,6359 → 21,64\u{a0}€")
    );

    let (_, body) = get(&s, "/v1/convert?letter=AMS&coefficient=9.5&date=2026-06-01");
    let v = json(&body);
    assert!(
        v["result"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["act_id"] == "A1D-TER-MED" && c["coefficient"] == "9.79"),
        "{body}"
    );

    let (_, body) = get(&s, "/v1/tariffs?date=2026-06-01&department=974");
    let v = json(&body);
    let rim = v["result"]["letter_values"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["code"] == "RIM")
        .unwrap()
        .clone();
    assert_eq!(rim["value"], "2.43");

    let (_, body) = get(&s, "/v1/findings");
    let v = json(&body);
    let mismatch = v["result"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["code"] == "AMOUNT_MISMATCH")
        .unwrap()
        .clone();
    assert_eq!(mismatch["severity"], "error");
    assert!(
        mismatch["rule"]
            .as_str()
            .unwrap()
            .starts_with("Le montant facturé diffère")
    );
}

#[test]
fn bad_requests_are_400_in_french_with_the_field() {
    let s = Server::start(&[]);
    for (body, path, says) in [
        (&b"{pas du json"[..], "", "JSON mal formé"),
        (br#"{"date": "2026-02-01", "code": "XYZ"}"#, "code", "XYZ"),
        (
            br#"{"date": "2026-02-31", "code": "RIM"}"#,
            "date",
            "date invalide",
        ),
        (
            br#"{"date": "2026-02-01", "code": "RIM", "coefficient": 8.1}"#,
            "coefficient",
            "",
        ),
        (
            br#"{"date": "2026-02-01", "code": "RIM", "department": "975"}"#,
            "department",
            "975",
        ),
        (br#"{"code": "RIM"}"#, "", "champ « date » manquant"),
        (b"[]", "", ""),
        (
            b"{\"date\": \"2026-02-01\", \"code\": \"RIM\xff\"}",
            "",
            "UTF-8",
        ),
    ] {
        let (code, text) = post(&s, "/v1/price", body);
        assert_eq!(code, 400, "{text}");
        let v = json(&text);
        assert_eq!(v["error"]["status"], "INVALID_REQUEST", "{text}");
        assert_eq!(v["error"]["path"], path, "{text}");
        assert!(
            v["error"]["message"].as_str().unwrap().contains(says),
            "{text}"
        );
        assert!(v["tariff_data_version"].is_string());
    }
    let (code, text) = post(
        &s,
        "/v1/check",
        br#"{"lines": [], "history": {"path": "/etc/passwd"}}"#,
    );
    assert_eq!(code, 400, "{text}");
    assert_eq!(json(&text)["error"]["path"], "history.path");
    // 5 MiB: the server answers 413 and closes without reading it all,
    // so the request is written by hand, its write errors ignored.
    let addr = s.base.trim_start_matches("http://");
    let mut c = std::net::TcpStream::connect(addr).unwrap();
    let big = 5usize << 20;
    let _ = write!(
        c,
        "POST /v1/price HTTP/1.1\r\nHost: {addr}\r\nContent-Length: {big}\r\n\r\n"
    );
    let _ = c.write_all(&vec![b' '; big]);
    let mut answer = Vec::new();
    let _ = c.read_to_end(&mut answer);
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("trop grand"), "{answer}");
    let (code, text) = get(&s, "/v1/price");
    assert_eq!(code, 405, "{text}");
    assert_eq!(json(&text)["error"]["status"], "METHOD_NOT_ALLOWED");
    let (code, text) = get(&s, "/v2/rien");
    assert_eq!(code, 404, "{text}");
    let (code, text) = get(&s, "/v1/explain?code=RIM&code=TER");
    assert_eq!(code, 400, "{text}");
    let (code, text) = get(&s, "/v1/explain?code=RIM&date=2026-06-01&inconnu=1");
    assert_eq!(code, 400, "{text}");
    assert_eq!(json(&text)["error"]["path"], "inconnu", "{text}");
}

#[test]
fn check_with_the_service_history_and_record() {
    let dir = tempfile::tempdir().unwrap();
    let history = dir.path().join("historique.sqlite");
    let s = Server::start(&["--history", history.to_str().unwrap()]);
    let invoice = br#"{"record": true, "lines": [
        {"reference": "1", "line": {"date": "2024-06-15", "code": "RIM", "coefficient": "7.50"},
         "context": {"invoice_id": "F1", "patient_id": "P1", "practitioner_id": "K1"}},
        {"reference": "2", "line": {"date": "2024-06-16", "code": "RIM", "coefficient": "7.50"},
         "context": {"invoice_id": "F1", "patient_id": "P1", "practitioner_id": "K1"}}]}"#;
    let (code, text) = post(&s, "/v1/check", invoice);
    assert_eq!(code, 200, "{text}");
    let v = json(&text);
    assert_eq!(v["result"]["recorded"]["lines"], 2, "{text}");
    assert_eq!(v["result"]["recorded"]["new"], 2, "{text}");
    // Sent twice, recorded once.
    let (_, text) = post(&s, "/v1/check", invoice);
    assert_eq!(json(&text)["result"]["recorded"]["new"], 0, "{text}");
}

#[test]
fn a_batch_streams_the_commands_rows() {
    let s = Server::start(&[]);
    let csv = std::fs::read("examples/invoices.csv").unwrap();
    let (code, body) = post(&s, "/v1/batch", &csv);
    assert_eq!(code, 200);
    let cli = Command::new(env!("CARGO_BIN_EXE_kine-tarif"))
        .args(["price", "examples/invoices.csv", "-q"])
        .output()
        .unwrap();
    // The same engine: the same bytes as the command.
    assert_eq!(body.as_bytes(), &cli.stdout[..]);
    assert_eq!(body.lines().count(), 600);
    let (code, body) = post(&s, "/v1/batch?format=jsonl", &csv);
    assert_eq!(code, 200);
    let rows: Vec<Value> = body.lines().map(json).collect();
    assert_eq!(rows.len(), 599);
    assert_eq!(rows.iter().filter(|r| r["status"] == "error").count(), 10);
    // Refused before any row: a 400 with its message.
    let (code, body) = post(&s, "/v1/batch", b"a,b\n1,2\n");
    assert_eq!(code, 400, "{body}");
    assert!(
        json(&body)["error"]["message"]
            .as_str()
            .unwrap()
            .contains("invoice_id"),
        "{body}"
    );
    let (code, body) = post(&s, "/v1/batch?format=xml", &csv);
    assert_eq!(
        (code, json(&body)["error"]["path"].as_str()),
        (400, Some("format"))
    );
}

/// A request by hand: the headers, part of a chunked body, the connection
/// kept open.
fn open_batch(s: &Server) -> std::net::TcpStream {
    let addr = s.base.trim_start_matches("http://");
    let mut c = std::net::TcpStream::connect(addr).unwrap();
    let head = "invoice_id,patient_id,date,code,coefficient\n";
    write!(
        c,
        "POST /v1/batch HTTP/1.1\r\nHost: {addr}\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n{head}\r\n",
        head.len()
    )
    .unwrap();
    c
}

#[test]
fn batches_are_limited_and_the_token_guards() {
    let s = Server::start(&["--max-batches", "1"]);
    // The held batch takes the only slot while its body keeps coming; a
    // probe then gets 503. (If the probe came first, the held one got the
    // 503: try again.)
    let mut code = 0;
    let mut held = None;
    for _ in 0..50 {
        let c = open_batch(&s);
        std::thread::sleep(Duration::from_millis(100));
        code = post(
            &s,
            "/v1/batch",
            b"invoice_id,patient_id,date,code,coefficient\n",
        )
        .0;
        held = Some(c);
        if code == 503 {
            break;
        }
    }
    assert_eq!(code, 503);
    drop(held);
    // Its slot comes back once the client is gone.
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(5) {
        code = post(
            &s,
            "/v1/batch",
            b"invoice_id,patient_id,date,code,coefficient\n",
        )
        .0;
        if code == 200 {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(code, 200);

    let s = Server::start(&["--token", "secret"]);
    let (code, text) = post(
        &s,
        "/v1/price",
        br#"{"date": "2024-06-15", "code": "RIM", "coefficient": "7.50"}"#,
    );
    assert_eq!(code, 401, "{text}");
    assert!(
        json(&text)["error"]["message"]
            .as_str()
            .unwrap()
            .contains("jeton")
    );
    let mut r = agent()
        .post(&s.url("/v1/price"))
        .header("Authorization", "Bearer secret")
        .send(&br#"{"date": "2024-06-15", "code": "RIM", "coefficient": "7.50"}"#[..])
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(
        json(&r.body_mut().read_to_string().unwrap())["result"]["amount"],
        "16.58"
    );
    assert_eq!(get(&s, "/health").0, 200);
    assert_eq!(get(&s, "/").0, 200);
}

#[cfg(unix)]
#[test]
fn sigterm_stops_it_gracefully() {
    let mut s = Server::start(&[]);
    assert_eq!(get(&s, "/health").0, 200);
    let pid = s.child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let start = Instant::now();
    loop {
        if let Some(status) = s.child.try_wait().unwrap() {
            assert!(status.success(), "{status}");
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(10), "still running");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Every route of the code is in `openapi.json`, and every path there
/// answers (neither 404 nor 405).
#[test]
fn openapi_describes_every_route() {
    let spec: Value = json(&std::fs::read_to_string("src/serve/openapi.json").unwrap());
    let paths = spec["paths"].as_object().unwrap();
    let code = std::fs::read_to_string("src/serve/routes.rs").unwrap();
    let router = code.split("pub fn router(").nth(1).unwrap();
    let router = router.split(".fallback(").next().unwrap();
    let mut routed = Vec::new();
    for part in router.split(".route(").skip(1) {
        let path = part.split('"').nth(1).unwrap();
        let method = if part.contains("post(") {
            "post"
        } else {
            "get"
        };
        routed.push((path.to_string(), method));
    }
    assert!(routed.len() >= 14, "{routed:?}");
    for (path, method) in &routed {
        assert!(
            paths.get(path).and_then(|p| p.get(*method)).is_some(),
            "{method} {path} not in openapi.json"
        );
    }
    assert_eq!(
        paths.len(),
        routed.len(),
        "openapi.json has paths the code does not route"
    );
    let s = Server::start(&[]);
    let (code, served) = get(&s, "/openapi.json");
    assert_eq!(code, 200);
    assert_eq!(json(&served), spec);
    for (path, method) in &routed {
        let status = if *method == "post" {
            post(&s, path, b"{}").0
        } else {
            get(&s, path).0
        };
        assert!(
            status != 404 && status != 405 && status != 500,
            "{method} {path}: {status}"
        );
    }
}

#[test]
fn the_page_and_its_assets_are_served() {
    let s = Server::start(&[]);
    let (code, html) = get(&s, "/");
    assert_eq!(code, 200);
    assert!(html.contains("<html lang=\"fr\">") && html.contains("Une cotation"));
    for asset in ["/page.js", "/page.css"] {
        let mut r = agent().get(&s.url(asset)).call().unwrap();
        assert_eq!(r.status().as_u16(), 200);
        let mut body = String::new();
        r.body_mut().as_reader().read_to_string(&mut body).unwrap();
        assert!(!body.is_empty());
    }
    // No asset from elsewhere.
    for external in ["http://", "https://", "//cdn"] {
        assert!(!html.contains(external), "{external}");
    }
}
