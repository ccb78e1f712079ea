//! `kine-tarif serve` (binary only): the library's JSON requests
//! ([`kine_tarif::requests`]) and the batch engine over HTTP, for practice
//! software that calls a service more easily than a library, and a page
//! for a billing clerk.
//!
//! - [`routes`]: the JSON routes under `/v1`, `/health`, `/version`,
//!   `/openapi.json`, the answers and the errors (French, with the
//!   field's path; a bad request is a `400`, never a `500`).
//! - [`batch`]: `POST /v1/batch`, a CSV body streamed through the engine
//!   and the rows streamed back.
//! - [`page`]: the web page at `/`, its assets compiled in.
//!
//! Limits, each documented in the README and `openapi.json`: a JSON body
//! of at most [`MAX_JSON_BODY`] bytes, [`REQUEST_TIMEOUT`] per JSON
//! request, `--max-batches` batches at once (the others get a `503`).
//! Loopback by default; with `--token` (or `KINE_TARIF_TOKEN`) every route
//! but `/health` and the page wants `Authorization: Bearer <token>`.
//! SIGTERM or Ctrl-C: no new connection, the requests under way finish.

pub mod batch;
pub mod page;
pub mod routes;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use kine_tarif::Tariffs;
use tokio::sync::Semaphore;

/// Largest JSON body: 4 MiB (an invoice of thousands of lines with its
/// history fits; a batch goes to `/v1/batch`, streamed).
pub const MAX_JSON_BODY: usize = 4 << 20;

/// Longest a JSON request may take before a `503`.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Lance le service HTTP : API JSON sous /v1 et page web pour la
/// facturation.
#[derive(clap::Args)]
pub struct ServeArgs {
    /// Adresse d'écoute (boucle locale par défaut ; sur une autre adresse,
    /// donnez --token et placez le service derrière le proxy inverse du
    /// cabinet pour le TLS).
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "ADRESSE:PORT")]
    bind: SocketAddr,
    /// Historique des lignes facturées (base SQLite) que voit /v1/check.
    #[arg(long, value_name = "FICHIER")]
    history: Option<PathBuf>,
    /// Jeton exigé dans l'en-tête Authorization: Bearer (aussi par la
    /// variable KINE_TARIF_TOKEN).
    #[arg(long, value_name = "JETON")]
    token: Option<String>,
    /// Lots (/v1/batch) traités en même temps, au plus ; les suivants
    /// reçoivent 503.
    #[arg(long, default_value_t = 2, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=64))]
    max_batches: u16,
}

/// What every handler shares.
#[derive(Clone)]
pub struct State {
    pub tariffs: &'static Tariffs,
    pub history: Option<Arc<PathBuf>>,
    pub token: Option<Arc<str>>,
    pub batches: Arc<Semaphore>,
    pub max_batches: usize,
}

/// Runs the service until SIGTERM or Ctrl-C.
pub fn run(
    args: ServeArgs,
    tariffs: &'static Tariffs,
) -> Result<ExitCode, Box<dyn std::error::Error>> {
    if !args.bind.ip().is_loopback()
        && args.token.is_none()
        && std::env::var_os("KINE_TARIF_TOKEN").is_none()
    {
        eprintln!(
            "kine-tarif : attention, service ouvert sur {} sans jeton (--token) : placez-le derrière le proxy inverse du cabinet",
            args.bind
        );
    }
    let token = args
        .token
        .or_else(|| std::env::var("KINE_TARIF_TOKEN").ok())
        .filter(|t| !t.is_empty());
    let state = State {
        tariffs,
        history: args.history.map(Arc::new),
        token: token.map(Arc::from),
        batches: Arc::new(Semaphore::new(usize::from(args.max_batches))),
        max_batches: usize::from(args.max_batches),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(args.bind)
            .await
            .map_err(|e| {
                format!(
                    "{} : écoute impossible ({})",
                    args.bind,
                    kine_tarif::error::io_text(&e)
                )
            })?;
        let addr = listener.local_addr()?;
        eprintln!(
            "kine-tarif : service à l'écoute sur http://{addr} (données tarifaires {})",
            tariffs.version()
        );
        axum::serve(listener, routes::router(state))
            .with_graceful_shutdown(shutdown())
            .await?;
        eprintln!("kine-tarif : service arrêté");
        Ok::<_, Box<dyn std::error::Error>>(())
    })?;
    Ok(ExitCode::SUCCESS)
}

/// SIGTERM or Ctrl-C.
async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
