//! The web page at `/`, in French: a cotation priced and explained, a CSV
//! export checked (table, filters, totals, the result to download), the
//! tariff table at a date. Its three files are compiled into the binary
//! (no CDN: practices are often offline or filtered); the page calls the
//! JSON API like any other client.

use axum::body::Bytes;
use axum::response::Response;

use super::routes::bytes_response;

const INDEX: &str = include_str!("page/index.html");
const SCRIPT: &str = include_str!("page/page.js");
const STYLE: &str = include_str!("page/page.css");

pub async fn index() -> Response {
    bytes_response(
        "text/html; charset=utf-8",
        Bytes::from_static(INDEX.as_bytes()),
    )
}

pub async fn script() -> Response {
    bytes_response(
        "text/javascript; charset=utf-8",
        Bytes::from_static(SCRIPT.as_bytes()),
    )
}

pub async fn style() -> Response {
    bytes_response(
        "text/css; charset=utf-8",
        Bytes::from_static(STYLE.as_bytes()),
    )
}
