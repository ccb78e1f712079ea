//! `POST /v1/batch`: an invoice CSV in the body, streamed through the
//! batch engine (the command's), its rows streamed back as CSV or JSON
//! lines (`?format=jsonl`), one per input row.
//!
//! The body comes in by chunks through a channel to the engine's blocking
//! thread, which reads it as a [`Read`] — as the command takes a pipe:
//! held in memory up to the engine's budget (48 MiB), past it copied to an
//! unnamed temporary file, then priced as a file (a large input grouped by
//! practitioner streamed, one in no particular order spilled); its output
//! goes out by chunks through another channel as the response body. Memory
//! is bounded by the budget and the two channels (16 chunks each). The answer's status waits for the engine's
//! first output or its end: an input the engine refuses (a missing column)
//! is a `400` with its message, never rows followed by a refusal. A
//! client that goes away closes the output channel: the engine's next
//! write fails and the batch stops. At most `--max-batches` run at once;
//! another gets a `503` at once.

use std::io::{self, Read, Write};

use axum::body::{Body, Bytes};
use axum::extract::{RawQuery, State as With};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use kine_tarif::batch::{BatchOptions, Once, OutputFormat, price_seekable};
use kine_tarif::requests::{self, RequestError};
use kine_tarif::{Error, NaiveDate};
use serde::Deserialize;
use tokio::sync::mpsc;

use super::State;
use super::routes::{error, query_object, request_error};

/// Chunks in flight in each direction.
const CHANNEL: usize = 16;
/// Output bytes gathered before a chunk goes out.
const CHUNK: usize = 64 << 10;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BatchQuery {
    #[serde(default)]
    format: Option<String>,
    #[serde(default)]
    rules: Option<String>,
    #[serde(default)]
    reprice_at: Option<NaiveDate>,
}

/// The engine's options from the query string.
fn options(raw: Option<&str>) -> Result<(BatchOptions, bool), RequestError> {
    let q: BatchQuery = requests::parse(&query_object(raw, &[], None)?)?;
    let jsonl = match q.format.as_deref() {
        None | Some("csv") => false,
        Some("jsonl") => true,
        Some(other) => {
            return Err(RequestError::invalid(
                "format",
                format!("format « {other} » inconnu : csv ou jsonl"),
            ));
        }
    };
    let rules = match q.rules.as_deref() {
        None | Some("true") => true,
        Some("false") => false,
        Some(other) => {
            return Err(RequestError::invalid(
                "rules",
                format!("« {other} » : true ou false"),
            ));
        }
    };
    let options = BatchOptions {
        format: if jsonl {
            OutputFormat::Jsonl
        } else {
            OutputFormat::Csv
        },
        rules,
        reprice_at: q.reprice_at,
        ..BatchOptions::default()
    };
    Ok((options, jsonl))
}

pub async fn batch(With(s): With<State>, RawQuery(raw): RawQuery, body: Body) -> Response {
    let t = s.tariffs;
    let (options, jsonl) = match options(raw.as_deref()) {
        Ok(o) => o,
        Err(e) => return request_error(&e, t),
    };
    let Ok(permit) = s.batches.clone().try_acquire_owned() else {
        return error(
            StatusCode::SERVICE_UNAVAILABLE,
            "BUSY",
            "",
            &format!(
                "déjà {} lots en cours : réessayez dans un moment",
                s.max_batches
            ),
            Some(t),
        );
    };
    let (in_tx, in_rx) = mpsc::channel::<io::Result<Bytes>>(CHANNEL);
    let (out_tx, mut out_rx) = mpsc::channel::<io::Result<Bytes>>(CHANNEL);
    // Kept until the engine ends: an error after the first rows aborts the
    // response (the client sees it cut, not complete).
    let abort_tx = out_tx.clone();
    // The body, chunk by chunk, to the engine.
    tokio::spawn(async move {
        let mut stream = body.into_data_stream();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(io::Error::other);
            if in_tx.send(chunk).await.is_err() {
                break;
            }
        }
    });
    let mut engine = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        let reader = ChannelReader {
            rx: in_rx,
            chunk: Bytes::new(),
            failed: None,
        };
        let writer = ChannelWriter {
            tx: out_tx,
            buf: Vec::with_capacity(CHUNK),
        };
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            spooled(t, reader, writer, options)
        }))
    });
    // The status waits for the first output or the end.
    let first = tokio::select! {
        chunk = out_rx.recv() => {
            tokio::spawn(async move {
                let failed = match engine.await {
                    Ok(Ok(Ok(_))) => None,
                    Ok(Ok(Err(e))) => Some(e.to_string()),
                    _ => Some("erreur interne de kine-tarif".to_string()),
                };
                if let Some(m) = failed {
                    let _ = abort_tx.send(Err(io::Error::other(m))).await;
                }
            });
            chunk
        }
        done = &mut engine => {
            drop(abort_tx);
            match done {
                Ok(Ok(Ok(_))) => out_rx.recv().await,
                Ok(Ok(Err(e))) => return engine_error(e, t),
                _ => return error(StatusCode::INTERNAL_SERVER_ERROR, "INTERNAL_ERROR", "", "erreur interne de kine-tarif (panique interceptée)", Some(t)),
            }
        }
    };
    let head = futures_util::stream::iter(first);
    let rest = futures_util::stream::unfold(out_rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    });
    let mut r = Body::from_stream(head.chain(rest)).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(if jsonl {
            "application/x-ndjson; charset=utf-8"
        } else {
            "text/csv; charset=utf-8"
        }),
    );
    r.headers_mut().insert(
        "x-tariff-data-version",
        HeaderValue::from_str(t.version()).unwrap_or(HeaderValue::from_static("")),
    );
    r
}

/// An error that stopped the engine before any row: the input's fault
/// (`400`) unless it is a bug.
fn engine_error(e: Error, t: &'static kine_tarif::Tariffs) -> Response {
    match &e {
        Error::Internal { .. } => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "INTERNAL_ERROR",
            "",
            &e.to_string(),
            Some(t),
        ),
        _ => error(
            StatusCode::BAD_REQUEST,
            "INVALID_REQUEST",
            "",
            &e.named("corps de la requête", "réponse").to_string(),
            Some(t),
        ),
    }
}

/// The body to the engine as the command takes a pipe: held in memory up
/// to the engine's budget, past it copied to an unnamed temporary file
/// (removed however the batch ends), so that the engine can read it again
/// — a large input grouped by practitioner is then streamed, one in no
/// particular order spilled — instead of spilling every large input.
fn spooled(
    t: &kine_tarif::Tariffs,
    reader: ChannelReader,
    writer: ChannelWriter,
    mut options: BatchOptions,
) -> Result<kine_tarif::batch::Summary, Error> {
    let (input, size) = crate::cli_io::held_or_spooled(reader, options.memory_budget, None)?;
    options.input_size = Some(size);
    price_seekable(t, input, Once(writer), &options, None)
}

/// The body's chunks as a [`Read`], on the engine's blocking thread.
struct ChannelReader {
    rx: mpsc::Receiver<io::Result<Bytes>>,
    chunk: Bytes,
    /// An error of the body met after bytes already given: the next read's.
    failed: Option<io::Error>,
}

impl Read for ChannelReader {
    /// As much as `buf` takes: the current chunk, then the chunks already
    /// arrived (the engine reads large blocks; a network chunk is small).
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if let Some(e) = self.failed.take() {
            return Err(e);
        }
        while self.chunk.is_empty() {
            match self.rx.blocking_recv() {
                Some(Ok(c)) => self.chunk = c,
                Some(Err(e)) => return Err(e),
                None => return Ok(0),
            }
        }
        let mut filled = 0;
        loop {
            let room = buf.len() - filled;
            let n = room.min(self.chunk.len());
            let taken = self.chunk.split_to(n);
            if let Some(dst) = buf.get_mut(filled..filled + n) {
                dst.copy_from_slice(&taken);
            }
            filled += n;
            if filled == buf.len() {
                return Ok(filled);
            }
            match self.rx.try_recv() {
                Ok(Ok(c)) => self.chunk = c,
                // An error after some bytes: those first, the error at the
                // next read (a cut upload is never taken for its end).
                Ok(Err(e)) => {
                    self.failed = Some(e);
                    return Ok(filled);
                }
                Err(_) => return Ok(filled),
            }
        }
    }
}

/// The engine's output as chunks of the response body; a client gone is
/// a broken pipe, which stops the engine.
struct ChannelWriter {
    tx: mpsc::Sender<io::Result<Bytes>>,
    buf: Vec<u8>,
}

impl ChannelWriter {
    fn send(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK)));
        self.tx.blocking_send(Ok(chunk)).map_err(|_| {
            io::Error::new(io::ErrorKind::BrokenPipe, "le client a fermé la connexion")
        })
    }
}

impl Write for ChannelWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(buf);
        if self.buf.len() >= CHUNK {
            self.send()?;
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        self.send()
    }
}

impl Drop for ChannelWriter {
    fn drop(&mut self) {
        let _ = self.send();
    }
}
