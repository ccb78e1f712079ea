//! `kine-tarif price` (binary only): the arguments, then the batch from
//! the input to the outputs.
//!
//! Input: a CSV file or standard input, in UTF-8 or Windows-1252
//! ([`cli_io::decoded`]), or an XLSX workbook ([`cli_xlsx::to_csv`]).
//! Output: the engine's rows as they are (CSV or JSON lines), or through a
//! [`Tap`] when they go out otherwise (the semicolon dialect, an XLSX
//! workbook, an HTML report); the summary on standard error, and the
//! files asked for (`--summary-json`, `--invoices`, `--report`).

use std::fs::File;
use std::io::{self, Seek};
use std::path::PathBuf;
use std::process::ExitCode;

use chrono::NaiveDate;
use kine_tarif::batch::{BatchOptions, Once, OutputFormat, Restart, price_seekable};
use kine_tarif::history::SharedHistory;
use kine_tarif::money::format_euros;
use kine_tarif::{Error, LineStatus, Tariffs};

use crate::cli_args::{self, date};
use crate::cli_io::{self, ReadSeek, output_name, output_writer};
use crate::cli_tap::{Dialect, Nowhere, Sink, Tap, semicolon_input};
use crate::{cli_history, cli_html, cli_report, cli_xlsx};

/// Format of the priced rows.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// CSV (colonnes stables, en anglais).
    Csv,
    /// Un objet JSON par ligne.
    Jsonl,
    /// Classeur XLSX : lignes, résumé, une feuille par code de constat.
    Xlsx,
}

/// Status from which `--fail-on` exits with 1.
#[derive(Clone, Copy, clap::ValueEnum)]
pub enum FailOn {
    /// Au moins une ligne en erreur.
    Error,
    /// Au moins une ligne en avertissement ou en erreur.
    Warning,
}

/// Tarife et contrôle un fichier de factures : une ligne de sortie par
/// ligne d'entrée.
///
/// Si le lecteur de la sortie ferme le tube avant la fin (`| head -1`),
/// le traitement s'arrête sans message, avec le statut 0.
#[derive(clap::Args)]
pub struct PriceArgs {
    /// Fichier d'entrée (CSV ou classeur XLSX), ou `-` pour l'entrée
    /// standard.
    #[arg(default_value = "-", value_name = "ENTRÉE")]
    input: String,
    /// Fichier de sortie (par défaut : la sortie standard).
    #[arg(short, long, value_name = "FICHIER")]
    output: Option<PathBuf>,
    /// Format de sortie (par défaut : d'après l'extension de --output,
    /// .xlsx ou .jsonl, sinon csv).
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// Dialecte CSV de la sortie : auto (comme l'entrée : points-virgules
    /// et virgules décimales pour un export de tableur ou un classeur
    /// XLSX), comma ou semicolon.
    #[arg(long, value_enum, default_value = "auto", value_name = "DIALECTE")]
    dialect: Dialect,
    /// Feuille du classeur XLSX à lire (par défaut : la première).
    #[arg(long, value_name = "NOM")]
    sheet: Option<String>,
    /// Sort avec le statut 1 quand une ligne a au moins ce statut.
    #[arg(long, value_enum, value_name = "STATUT")]
    fail_on: Option<FailOn>,
    /// Tarife chaque ligne seule, sans les règles de facturation.
    #[arg(long)]
    no_rules: bool,
    /// Fils de calcul : 0 = un par cœur (par défaut), au plus 256.
    #[arg(long, default_value_t = 0, value_parser = cli_args::threads, value_name = "N")]
    threads: usize,
    /// Entrée tenue entière en mémoire jusqu'à ce nombre de Mio ; au-delà,
    /// lue au fil de l'eau si elle est groupée par praticien, sinon
    /// déversée dans des fichiers temporaires.
    #[arg(long, default_value_t = 48, value_parser = cli_args::mebibytes, value_name = "MIO")]
    memory_budget: usize,
    /// Où déverser une grande entrée non groupée (par défaut : le
    /// répertoire temporaire du système, TMPDIR).
    #[arg(long, value_name = "RÉPERTOIRE")]
    temp_dir: Option<PathBuf>,
    /// Tarife aussi chaque ligne avec les coefficients et valeurs en
    /// vigueur à cette date (AAAA-MM-JJ), avec l'écart par lettre clé.
    #[arg(long, value_parser = date, value_name = "DATE")]
    reprice_at: Option<NaiveDate>,
    /// Les règles voient aussi les lignes passées de cet historique
    /// (base SQLite, créée au premier usage).
    #[arg(long, value_name = "FICHIER")]
    history: Option<PathBuf>,
    /// Une fois le lot traité, enregistre ses lignes dans l'historique
    /// (les factures ont été envoyées). Idempotent par facture et ligne.
    #[arg(long, requires = "history")]
    record: bool,
    /// Écrit aussi le total de chaque facture dans ce fichier CSV
    /// (lignes, montants, parts AMO et patient, franchise, statut).
    #[arg(long, value_name = "FICHIER")]
    invoices: Option<PathBuf>,
    /// Écrit le résumé en JSON dans ce fichier (comptes, totaux,
    /// constats par code, version des données), pour les chaînes de
    /// traitement.
    #[arg(long, value_name = "FICHIER")]
    summary_json: Option<PathBuf>,
    /// Écrit un rapport HTML autonome, en français, dans ce fichier
    /// (résumé, constats par code et par praticien, montants par lettre
    /// clé, lignes en erreur).
    #[arg(long, value_name = "FICHIER")]
    report: Option<PathBuf>,
    /// Encodage de l'entrée CSV : auto (UTF-8, sinon Windows-1252 comme
    /// un export de tableur), utf8 ou windows1252.
    #[arg(long, value_enum, default_value = "auto", value_name = "ENCODAGE")]
    encoding: cli_io::Encoding,
    /// N'affiche ni le résumé ni la progression sur la sortie d'erreur.
    #[arg(long, short = 'q')]
    quiet: bool,
}

/// The format: `--format`, else from the output's extension.
fn format_of(args: &PriceArgs) -> Format {
    if let Some(f) = args.format {
        return f;
    }
    let ext = args
        .output
        .as_ref()
        .and_then(|p| p.extension())
        .map(|e| e.to_string_lossy().to_ascii_lowercase());
    match ext.as_deref() {
        Some("xlsx") => Format::Xlsx,
        Some("jsonl") | Some("ndjson") => Format::Jsonl,
        _ => Format::Csv,
    }
}

pub fn run(args: PriceArgs, tariffs: &Tariffs) -> Result<ExitCode, Box<dyn std::error::Error>> {
    let format = format_of(&args);
    let input = &args.input;
    let input_name = if input == "-" {
        "entrée standard".to_string()
    } else {
        input.clone()
    };
    let output_name = output_name(args.output.as_ref());
    let named = |e: Error| e.named(&input_name, &output_name);
    // Saturates: a budget beyond the address space is "no limit".
    let budget = cli_args::mib_to_bytes(args.memory_budget);
    let temp_dir = args.temp_dir.as_deref();
    // An input that can be read again: a file, or standard input when it
    // is one (a redirection), held in memory up to the budget, or copied
    // to an unnamed temporary file (a pipe).
    let (mut reader, input_size) = if input == "-" {
        cli_io::stdin_seekable(budget, temp_dir).map_err(&named)?
    } else {
        // A directory opens, then fails at the first read with a message
        // that would not name it: say so up front.
        if std::fs::metadata(input).is_ok_and(|m| m.is_dir()) {
            return Err(format!("{input} : est un répertoire, pas un fichier de factures").into());
        }
        let io = |source| Error::Io {
            path: input.into(),
            source,
        };
        let file = File::open(input).map_err(io)?;
        let size = file.metadata().map_err(io)?.len();
        (Box::new(file) as Box<dyn ReadSeek>, size)
    };
    let xlsx_in = cli_xlsx::is_xlsx(&mut *reader).map_err(&named)?;
    let (mut reader, input_size) = if xlsx_in {
        cli_xlsx::to_csv(reader, &input_name, args.sheet.as_deref(), temp_dir)?
    } else if args.sheet.is_some() {
        return Err(format!("--sheet : {input_name} n'est pas un classeur XLSX").into());
    } else {
        cli_io::decoded(reader, input_size, args.encoding, temp_dir).map_err(&named)?
    };
    let semicolon = match args.dialect {
        Dialect::Comma => false,
        Dialect::Semicolon => true,
        Dialect::Auto => xlsx_in || semicolon_input(&mut reader).map_err(&named)?,
    };
    let options = BatchOptions {
        format: if format == Format::Jsonl {
            OutputFormat::Jsonl
        } else {
            OutputFormat::Csv
        },
        rules: !args.no_rules,
        threads: args.threads,
        memory_budget: budget,
        input_size: Some(input_size),
        reprice_at: args.reprice_at,
        temp_dir: args.temp_dir.clone(),
        invoices: args.invoices.is_some(),
        history: match &args.history {
            Some(path) => Some(SharedHistory::new(cli_history::open(path)?)),
            None => None,
        },
    };
    let bar = (!args.quiet && std::io::IsTerminal::is_terminal(&io::stderr())).then(|| {
        let bar = indicatif::ProgressBar::new_spinner();
        bar.set_style(
            indicatif::ProgressStyle::with_template("{spinner} {pos} lignes, {elapsed}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
        );
        bar
    });
    let show = |n: u64| {
        if let Some(b) = &bar {
            b.set_position(n);
        }
    };
    let progress: Option<&(dyn Fn(u64) + Sync)> = bar.as_ref().map(|_| &show as _);
    let mut workbook = (format == Format::Xlsx).then(|| cli_xlsx::Workbook::new(temp_dir));
    let mut report = args.report.is_some().then(cli_html::Report::default);
    let tapped = workbook.is_some() || report.is_some() || (semicolon && format == Format::Csv);
    let result = {
        let mut sinks: Vec<&mut dyn Sink> = Vec::new();
        if let Some(w) = workbook.as_mut() {
            sinks.push(w);
        }
        if let Some(r) = report.as_mut() {
            sinks.push(r);
        }
        let jsonl = format == Format::Jsonl;
        let semicolon = semicolon && format == Format::Csv;
        // A file, `/dev/null` or a redirected standard output is emptied
        // if a large input turns out not to be grouped; a pipe or a
        // terminal cannot be (`Restart::can_restart`): the input is then
        // read through once first.
        if format == Format::Xlsx {
            let tap = Tap::new(Some(Nowhere), false, false, sinks);
            priced(tariffs, &mut reader, tap, &options, progress)
        } else {
            let out_file = match &args.output {
                Some(p) => Some(File::create(p).map_err(|source| Error::Io {
                    path: p.clone(),
                    source,
                })?),
                None => cli_io::stdio_file(&io::stdout()),
            };
            match (out_file, tapped) {
                (Some(o), false) => price_seekable(
                    tariffs,
                    &mut reader,
                    cli_io::Rewritable::new(o),
                    &options,
                    progress,
                ),
                (None, false) => price_seekable(
                    tariffs,
                    &mut reader,
                    Once(output_writer(None)?),
                    &options,
                    progress,
                ),
                (Some(o), true) => {
                    let tap = Tap::new(Some(cli_io::Rewritable::new(o)), semicolon, jsonl, sinks);
                    priced(tariffs, &mut reader, tap, &options, progress)
                }
                (None, true) => {
                    let tap = Tap::new(Some(Once(output_writer(None)?)), semicolon, jsonl, sinks);
                    priced(tariffs, &mut reader, tap, &options, progress)
                }
            }
        }
    };
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    let summary = result.map_err(&named)?;
    if let Some(w) = workbook {
        w.save(&summary, tariffs.version(), args.output.as_ref())?;
    }
    if let (Some(r), Some(path)) = (report.as_mut(), &args.report) {
        r.practitioners(&mut reader).map_err(&named)?;
        let page = r.write(
            &summary,
            &input_name,
            tariffs.version(),
            chrono::Local::now().date_naive(),
            args.reprice_at,
        );
        std::fs::write(path, page).map_err(|source| Error::Io {
            path: path.clone(),
            source,
        })?;
    }
    if !args.quiet {
        cli_report::print_summary(&summary, tariffs);
    }
    if let Some(path) = &args.summary_json {
        let value = serde_json::json!({
            "crate_version": env!("CARGO_PKG_VERSION"),
            "tariff_data_version": tariffs.version(),
            "summary": &summary,
        });
        let text =
            serde_json::to_string_pretty(&value).map_err(|e| Error::Argument(e.to_string()))?;
        std::fs::write(path, text + "\n").map_err(|e| Error::Io {
            path: path.clone(),
            source: e,
        })?;
    }
    if let Some(s) = summary.split.as_ref().filter(|_| !args.quiet) {
        eprintln!(
            "  part AMO {}, part patient {}, franchise (retenue plus tard par la caisse) {}",
            format_euros(s.amo_amount),
            format_euros(s.patient_amount),
            format_euros(s.franchise)
        );
    }
    if let Some(path) = &args.invoices {
        cli_report::write_invoices(path, &summary, args.quiet)?;
    }
    if let Some(path) = &args.history {
        if !args.quiet {
            eprintln!("  historique : {} lignes consultées", summary.history_lines);
        }
        if args.record {
            reader
                .seek(io::SeekFrom::Start(0))
                .map_err(|e| named(Error::Input(e)))?;
            let mut store = cli_history::open(path)?;
            let done = cli_history::record_csv(&mut store, &mut reader).map_err(&named)?;
            cli_history::say_recorded(path, &done);
        }
    }
    let failed = match args.fail_on {
        Some(FailOn::Error) => summary.worst() == LineStatus::Error,
        Some(FailOn::Warning) => summary.worst() >= LineStatus::Warning,
        None => false,
    };
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// The batch through a [`Tap`], finished once the engine is done.
fn priced<W: Restart>(
    tariffs: &Tariffs,
    reader: &mut Box<dyn ReadSeek>,
    mut tap: Tap<'_, W>,
    options: &BatchOptions,
    progress: Option<&(dyn Fn(u64) + Sync)>,
) -> Result<kine_tarif::batch::Summary, Error> {
    let summary = price_seekable(tariffs, &mut *reader, &mut tap, options, progress)?;
    tap.finish().map_err(Error::Output)?;
    Ok(summary)
}
