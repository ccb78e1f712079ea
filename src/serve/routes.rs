//! The routes, their answers and their errors.
//!
//! An answer is `{"result": …, "crate_version": …, "tariff_data_version":
//! …}`, an error `{"error": {"status": "INVALID_REQUEST", "message": "…",
//! "path": "lines[0].line.date"}, …}` with the versions too — the C
//! library's envelope. Statuses: `400` the request's fault (bad JSON, a
//! wrong field, an unknown code), `401` no or wrong token, `404` no such
//! route, `405` wrong method, `413` body too large, `503` busy or too
//! slow (a batch slot, the timeout) or the history file unavailable,
//! `500` a bug only (a panic caught).

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{RawQuery, Request, State as With};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use kine_tarif::Tariffs;
use kine_tarif::requests::{self, HistoryPolicy, RequestError, RequestErrorKind};
use serde_json::{Value, json};

use super::{MAX_JSON_BODY, REQUEST_TIMEOUT, State};

/// The OpenAPI 3 description, committed beside the code; `tests/serve.rs`
/// checks that it describes every `.route(…)` of [`router`] and nothing
/// else, and schemathesis (`.ci/run`) calls every route it describes.
pub const OPENAPI: &str = include_str!("openapi.json");

pub fn router(state: State) -> Router {
    Router::new()
        .route("/", get(super::page::index))
        .route("/page.js", get(super::page::script))
        .route("/page.css", get(super::page::style))
        .route(
            "/health",
            get(|| async { json_response(StatusCode::OK, json!({ "status": "ok" })) }),
        )
        .route("/version", get(version))
        .route("/openapi.json", get(openapi))
        .route("/v1/price", post(price))
        .route("/v1/check", post(check))
        .route("/v1/batch", post(super::batch::batch))
        .route("/v1/explain", get(explain))
        .route("/v1/convert", get(convert))
        .route("/v1/tariffs", get(tariffs))
        .route("/v1/findings", get(findings))
        .route("/v1/contracts/schedule", post(contract_schedule))
        .fallback(|| async {
            error(
                StatusCode::NOT_FOUND,
                "NOT_FOUND",
                "",
                "aucune route à cette adresse (voir /openapi.json)",
                None,
            )
        })
        .method_not_allowed_fallback(|| async {
            error(
                StatusCode::METHOD_NOT_ALLOWED,
                "METHOD_NOT_ALLOWED",
                "",
                "méthode non prise en charge sur cette route (voir /openapi.json)",
                None,
            )
        })
        .layer(middleware::from_fn_with_state(state.clone(), authorize))
        .with_state(state)
}

/// A JSON answer.
pub fn json_response(status: StatusCode, value: Value) -> Response {
    let body = serde_json::to_vec(&value).unwrap_or_default();
    let mut r = (status, body).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    r
}

/// An error answer: its status, code, field path and French message.
pub fn error(
    status: StatusCode,
    code: &str,
    path: &str,
    message: &str,
    tariffs: Option<&Tariffs>,
) -> Response {
    let t = tariffs.unwrap_or_else(|| Tariffs::embedded());
    json_response(
        status,
        requests::with_versions(
            json!({ "error": { "status": code, "message": message, "path": path } }),
            t,
        ),
    )
}

/// A request error of the library, as its answer.
pub fn request_error(e: &RequestError, tariffs: &Tariffs) -> Response {
    let (status, code) = match e.kind {
        RequestErrorKind::Invalid => (StatusCode::BAD_REQUEST, "INVALID_REQUEST"),
        RequestErrorKind::History => (StatusCode::SERVICE_UNAVAILABLE, "HISTORY_ERROR"),
        RequestErrorKind::Internal => (StatusCode::INTERNAL_SERVER_ERROR, "INTERNAL_ERROR"),
    };
    error(status, code, &e.path, &e.message, Some(tariffs))
}

fn internal(tariffs: &Tariffs) -> Response {
    error(
        StatusCode::INTERNAL_SERVER_ERROR,
        "INTERNAL_ERROR",
        "",
        "erreur interne de kine-tarif (panique interceptée) : signalez-la avec la requête",
        Some(tariffs),
    )
}

/// `f` on the body's text, on a blocking thread, within the timeout, a
/// panic caught: the answer or the error.
async fn answer(
    s: &State,
    body: Body,
    f: impl FnOnce(&'static Tariffs, &str) -> Result<Value, RequestError> + Send + 'static,
) -> Response {
    let t = s.tariffs;
    let bytes = match axum::body::to_bytes(body, MAX_JSON_BODY).await {
        Ok(b) => b,
        Err(_) => {
            return error(
                StatusCode::PAYLOAD_TOO_LARGE,
                "BODY_TOO_LARGE",
                "",
                &format!(
                    "corps de requête trop grand ou interrompu (au plus {} Mio ; un lot va à /v1/batch)",
                    MAX_JSON_BODY >> 20
                ),
                Some(t),
            );
        }
    };
    run(t, move || {
        let text = std::str::from_utf8(&bytes).map_err(|e| {
            RequestError::invalid(
                "",
                format!(
                    "la requête n'est pas du texte UTF-8 (octet {} invalide)",
                    e.valid_up_to()
                ),
            )
        })?;
        f(t, text)
    })
    .await
}

/// `f` on a blocking thread, within the timeout, a panic caught.
async fn run(
    t: &'static Tariffs,
    f: impl FnOnce() -> Result<Value, RequestError> + Send + 'static,
) -> Response {
    let task = tokio::task::spawn_blocking(move || catch_unwind(AssertUnwindSafe(f)));
    match tokio::time::timeout(REQUEST_TIMEOUT, task).await {
        Ok(Ok(Ok(Ok(v)))) => json_response(
            StatusCode::OK,
            requests::with_versions(json!({ "result": v }), t),
        ),
        Ok(Ok(Ok(Err(e)))) => request_error(&e, t),
        Ok(Ok(Err(_))) | Ok(Err(_)) => internal(t),
        Err(_) => error(
            StatusCode::SERVICE_UNAVAILABLE,
            "TIMEOUT",
            "",
            &format!("délai dépassé ({} s)", REQUEST_TIMEOUT.as_secs()),
            Some(t),
        ),
    }
}

async fn version(With(s): With<State>) -> Response {
    json_response(StatusCode::OK, requests::version(s.tariffs))
}

async fn openapi() -> Response {
    let mut r = OPENAPI.into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    r
}

async fn price(With(s): With<State>, body: Body) -> Response {
    answer(&s, body, requests::price).await
}

async fn check(With(s): With<State>, body: Body) -> Response {
    let history = s.history.clone();
    answer(&s, body, move |t, text| {
        requests::check(
            t,
            text,
            HistoryPolicy::Configured(history.as_deref().map(|p| p.as_path())),
        )
    })
    .await
}

async fn contract_schedule(With(s): With<State>, body: Body) -> Response {
    answer(&s, body, |_, text| requests::contract_schedule(text)).await
}

async fn findings(With(s): With<State>) -> Response {
    run(s.tariffs, || Ok(requests::findings())).await
}

/// A query string as a JSON object of texts (`?code=RIM&coefficient=7.5`
/// → `{"code": "RIM", "coefficient": "7.5"}`), the request of a GET route.
/// `defaults` fill what is absent; with `allowed`, another name is the
/// caller's error (a typo is said, not ignored).
pub fn query_object(
    raw: Option<&str>,
    defaults: &[(&str, String)],
    allowed: Option<&[&str]>,
) -> Result<String, RequestError> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(raw.unwrap_or_default())
        .map_err(|_| {
            RequestError::invalid("", "paramètres de l'adresse illisibles (encodage %)")
        })?;
    let mut object: BTreeMap<String, Value> = BTreeMap::new();
    for (k, v) in pairs {
        if allowed.is_some_and(|a| !a.contains(&k.as_str())) {
            return Err(RequestError::invalid(
                k.clone(),
                format!(
                    "paramètre « {k} » inconnu ; paramètres possibles : {}",
                    allowed.unwrap_or_default().join(", ")
                ),
            ));
        }
        if object.contains_key(&k) {
            return Err(RequestError::invalid(
                k.clone(),
                format!("paramètre « {k} » donné deux fois"),
            ));
        }
        object.insert(k, Value::String(v));
    }
    for (k, v) in defaults {
        object
            .entry((*k).to_string())
            .or_insert_with(|| Value::String(v.clone()));
    }
    Ok(serde_json::to_string(&object).unwrap_or_default())
}

fn today() -> String {
    chrono::Local::now().date_naive().to_string()
}

/// A GET route: its query as the request (the date today when absent),
/// answered by `f` like a POST body.
async fn query_route(
    s: &State,
    raw: Option<String>,
    allowed: Option<&'static [&'static str]>,
    f: fn(&Tariffs, &str) -> Result<Value, RequestError>,
) -> Response {
    let t = s.tariffs;
    run(t, move || {
        let text = query_object(raw.as_deref(), &[("date", today())], allowed)?;
        f(t, &text)
    })
    .await
}

async fn explain(With(s): With<State>, RawQuery(raw): RawQuery) -> Response {
    const PARAMETERS: &[&str] = &[
        "code",
        "coefficient",
        "date",
        "department",
        "quantity",
        "act_id",
        "billed_amount",
    ];
    query_route(&s, raw, Some(PARAMETERS), requests::explain).await
}

async fn convert(With(s): With<State>, RawQuery(raw): RawQuery) -> Response {
    query_route(&s, raw, None, requests::convert).await
}

async fn tariffs(With(s): With<State>, RawQuery(raw): RawQuery) -> Response {
    query_route(&s, raw, None, requests::tariffs).await
}

/// With `--token`: every route but `/health` and the page's wants
/// `Authorization: Bearer <token>`.
async fn authorize(With(s): With<State>, request: Request, next: Next) -> Response {
    let Some(token) = s.token.as_deref() else {
        return next.run(request).await;
    };
    let path = request.uri().path();
    if matches!(path, "/health" | "/" | "/page.js" | "/page.css") {
        return next.run(request).await;
    }
    let given = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    if given.is_some_and(|g| constant_time_eq(g.as_bytes(), token.as_bytes())) {
        next.run(request).await
    } else {
        let mut r = error(
            StatusCode::UNAUTHORIZED,
            "UNAUTHORIZED",
            "",
            "jeton absent ou incorrect (en-tête Authorization: Bearer …)",
            Some(s.tariffs),
        );
        r.headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        r
    }
}

/// Compares two byte strings in a time that does not depend on where they
/// differ.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Bytes as a body (for the page's assets).
pub fn bytes_response(content_type: &'static str, bytes: Bytes) -> Response {
    let mut r = bytes.into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    r
}
