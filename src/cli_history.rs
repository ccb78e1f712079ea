//! `kine-tarif history …` and the history of `price --history FILE
//! [--record]`: an embedded SQLite database ([`SqliteHistory`]), created
//! on first use.
//!
//! - `history import FILE.csv --history H`: past activity in bulk, from the
//!   invoice CSV format, in one transaction;
//! - `history forget INVOICE --history H`: removes a cancelled invoice;
//! - `history stats --history H`: what the file holds;
//! - `history report --year Y --history H`: the year-end check of each
//!   practitioner (the forward-looking rules on the whole year).

use std::fs::File;
use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Subcommand;
use kine_tarif::fr::Date;
use kine_tarif::history::{HistoryRows, Imported, Recorder, SqliteHistory, year_report};
use kine_tarif::{Error, Tariffs};

#[derive(Subcommand)]
pub enum HistoryCommand {
    /// Charge l'activité passée d'un CSV de factures (mêmes colonnes que
    /// `price`) dans l'historique, en une transaction.
    Import {
        /// CSV de factures, ou `-` pour l'entrée standard.
        #[arg(value_name = "FICHIER")]
        file: String,
        /// Fichier d'historique (créé au premier usage).
        #[arg(long, value_name = "FICHIER")]
        history: PathBuf,
    },
    /// Retire de l'historique toutes les lignes d'une facture annulée.
    Forget {
        /// Référence de la facture (colonne invoice_id).
        #[arg(value_name = "FACTURE")]
        invoice: String,
        /// Fichier d'historique.
        #[arg(long, value_name = "FICHIER")]
        history: PathBuf,
    },
    /// Ce que contient l'historique.
    Stats {
        /// Fichier d'historique.
        #[arg(long, value_name = "FICHIER")]
        history: PathBuf,
    },
    /// Contrôle de fin d'année, par praticien : part de télésoin de
    /// l'année, bilans suivis de séances, et les autres règles sur l'année
    /// entière (CSV sur la sortie standard).
    Report {
        /// Année civile.
        #[arg(long, value_parser = crate::cli_args::year, value_name = "ANNÉE")]
        year: i32,
        /// Un seul praticien.
        #[arg(long, value_name = "PRATICIEN")]
        practitioner: Option<String>,
        /// Fichier d'historique.
        #[arg(long, value_name = "FICHIER")]
        history: PathBuf,
    },
}

/// Opens (or creates) the history file; a directory is said up front.
pub fn open(path: &Path) -> Result<SqliteHistory, Error> {
    if path.is_dir() {
        return Err(Error::History {
            store: path.display().to_string(),
            message: "est un répertoire, pas un fichier d'historique".into(),
        });
    }
    SqliteHistory::open(path)
}

/// Records the lines of an invoice CSV into `store`, in one transaction,
/// read as they are recorded: nothing is recorded if the file cannot be
/// read to its end.
pub fn record_csv(store: &mut SqliteHistory, input: impl Read) -> Result<(Imported, usize), Error> {
    let mut rows = HistoryRows::new(input)?;
    let new = store.record_results(&mut rows)?;
    Ok((rows.imported().clone(), new))
}

/// Says what was recorded, on standard error.
pub fn say_recorded(path: &Path, (imported, new): &(Imported, usize)) {
    let mut err = io::stderr().lock();
    let recorded = imported.read - imported.skipped;
    let _ = writeln!(
        err,
        "kine-tarif : historique {} : {recorded} lignes enregistrées ({new} nouvelles)",
        path.display()
    );
    if imported.skipped > 0 {
        let _ = writeln!(
            err,
            "  {} lignes non enregistrées (date, code, patient ou praticien illisible ou absent), lignes {}{}",
            imported.skipped,
            imported
                .skipped_lines
                .iter()
                .map(u64::to_string)
                .collect::<Vec<_>>()
                .join(", "),
            if imported.skipped > imported.skipped_lines.len() as u64 {
                ", …"
            } else {
                ""
            }
        );
    }
}

pub fn run(cmd: HistoryCommand, tariffs: &Tariffs) -> Result<ExitCode, Box<dyn std::error::Error>> {
    match cmd {
        HistoryCommand::Import { file, history } => {
            let mut store = open(&history)?;
            let done = if file == "-" {
                record_csv(&mut store, io::stdin().lock())
            } else {
                let f = File::open(&file).map_err(|source| Error::Io {
                    path: file.clone().into(),
                    source,
                })?;
                record_csv(&mut store, f)
            }
            .map_err(|e| e.named(&file, "-"))?;
            say_recorded(&history, &done);
        }
        HistoryCommand::Forget { invoice, history } => {
            let mut store = open(&history)?;
            let n = store.forget(&invoice)?;
            eprintln!(
                "kine-tarif : facture {invoice} : {n} lignes retirées de l'historique {}",
                history.display()
            );
        }
        HistoryCommand::Stats { history } => {
            let store = open(&history)?;
            let s = store.stats()?;
            let mut out = BufWriter::new(io::stdout().lock());
            let date = |d: Option<kine_tarif::NaiveDate>| {
                d.map_or("-".to_string(), |d| Date(d).to_string())
            };
            writeln!(out, "historique {}", history.display())?;
            writeln!(out, "  version du schéma : {}", s.schema_version)?;
            writeln!(out, "  lignes : {}", s.lines)?;
            writeln!(out, "  factures : {}", s.invoices)?;
            writeln!(out, "  praticiens : {}", s.practitioners)?;
            writeln!(out, "  patients : {}", s.patients)?;
            writeln!(
                out,
                "  lignes du {} au {}",
                date(s.first_date),
                date(s.last_date)
            )?;
        }
        HistoryCommand::Report {
            year,
            practitioner,
            history,
        } => {
            let store = open(&history)?;
            let practitioners = match practitioner {
                Some(p) => vec![p],
                None => store.practitioners()?,
            };
            let mut out = BufWriter::new(io::stdout().lock());
            writeln!(
                out,
                "practitioner_id,year,lines,sessions,remote_sessions,remote_share,findings"
            )?;
            for p in practitioners {
                let r = year_report(&store, tariffs, &p, year)?;
                let share = r
                    .remote_share_permille()
                    .map_or(String::new(), |m| format!("{}.{}", m / 10, m % 10));
                let findings = r
                    .findings
                    .iter()
                    .map(|(c, n)| format!("{c}:{n}"))
                    .collect::<Vec<_>>()
                    .join(";");
                writeln!(
                    out,
                    "{},{},{},{},{},{},{}",
                    csv_field(&r.practitioner_id),
                    r.year,
                    r.lines,
                    r.sessions,
                    r.remote_sessions,
                    share,
                    findings
                )?;
            }
            out.flush()?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// A CSV field, quoted when it needs to be.
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}
