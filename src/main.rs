//! `kine-tarif`: the command line, a thin layer over the library.
//!
//! Input: the arguments (checked by [`cli_args`] and, for `contract`, by
//! [`cli_contract`] before anything is read or written), invoice CSV files
//! or standard input, the tariff data (embedded or `--tariffs-dir`).
//! Output: standard output or `-o FILE`, a summary and errors on standard
//! error. Exit status: 0 done (also when the reader of standard output
//! closed the pipe early: `kine-tarif price big.csv | head -1` ends
//! quietly), 1 `--fail-on` met, 2 an error that stopped the work, with its
//! message (never a panic).

mod cli_args;
mod cli_clap;
mod cli_contract;
mod cli_history;
mod cli_html;
mod cli_io;
mod cli_price;
mod cli_report;
mod cli_tap;
mod cli_xlsx;
mod serve;

use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use chrono::NaiveDate;
use clap::{Parser, Subcommand};
use kine_tarif::fr::{Date, Eur, Num, Span};
use kine_tarif::money::parse_decimal;
use kine_tarif::{Code, FindingCode, InvoiceLine, Tariffs, Territory};

use cli_args::date;
use cli_contract::ContractCommand;
use cli_io::{is_broken_pipe, output_name, output_writer};

#[derive(Parser)]
#[command(
    name = "kine-tarif",
    version,
    about = "Tarife et contrôle les lignes de facturation des masseurs-kinésithérapeutes (NGAP, titre XIV).",
    after_help = "Statut de sortie : 0 terminé (aussi quand le lecteur de la sortie ferme le tube avant la fin, par exemple `| head -1` : arrêt silencieux), 1 seuil de --fail-on atteint, 2 erreur (message sur la sortie d'erreur)."
)]
struct Cli {
    /// Lit les fichiers tarifaires de ce répertoire au lieu des données
    /// intégrées.
    #[arg(long, global = true, value_name = "RÉPERTOIRE")]
    tariffs_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    #[command(name = "price")]
    Price(cli_price::PriceArgs),
    /// Les nouvelles cotations qui remplacent une ancienne cotation AMS,
    /// AMC ou AMK.
    Convert {
        /// Ancienne lettre clé (AMS, AMC, AMK).
        #[arg(value_name = "LETTRE")]
        letter: String,
        /// Ancien coefficient (point ou virgule).
        #[arg(value_name = "COEFFICIENT")]
        coefficient: String,
        /// Date visée, AAAA-MM-JJ (par défaut : aujourd'hui).
        #[arg(long, value_parser = date, value_name = "DATE")]
        date: Option<NaiveDate>,
        /// Un seul acte, par son identifiant.
        #[arg(long, value_name = "ACTE")]
        act: Option<String>,
        /// Les actes dont le libellé contient ces mots.
        #[arg(long, value_name = "MOTS")]
        label: Option<String>,
    },
    /// Les tarifs en vigueur à une date : valeurs des lettres clés et actes
    /// avec leur prix.
    Tariffs {
        /// Date, AAAA-MM-JJ (par défaut : aujourd'hui).
        #[arg(long, value_parser = date, value_name = "DATE")]
        date: Option<NaiveDate>,
        /// Code du département (par défaut : la métropole).
        #[arg(long, value_name = "DÉPARTEMENT")]
        department: Option<String>,
    },
    /// Écrit un lot de factures synthétique et réaliste (groupé par
    /// praticien).
    Generate {
        /// Nombre de lignes de facture (au plus 1 000 000 000).
        #[arg(long, value_parser = cli_args::lines, value_name = "N")]
        lines: u64,
        /// Graine du hasard : la même graine donne le même fichier.
        #[arg(long, default_value_t = 1, value_name = "GRAINE")]
        seed: u64,
        /// Année des actes : une année couverte par les données tarifaires
        /// (2012 à 2028 avec les données intégrées) ; avant le 22/02/2024,
        /// les anciennes cotations AMS / AMK.
        #[arg(long, default_value_t = 2025, value_parser = cli_args::year, allow_negative_numbers = true, value_name = "ANNÉE")]
        year: i32,
        /// Fichier de sortie (par défaut : la sortie standard).
        #[arg(short, long, value_name = "FICHIER")]
        output: Option<PathBuf>,
    },
    /// Contrats incitatifs démographiques, forfait d'aide à la
    /// modernisation et décision de conventionnement.
    #[command(subcommand)]
    Contract(ContractCommand),
    /// L'historique des lignes facturées (import, oubli, état, bilan annuel).
    #[command(subcommand)]
    History(cli_history::HistoryCommand),
    Serve(serve::ServeArgs),
    /// Explique une ligne (chaque valeur utilisée, sa validité et sa
    /// source) ou un code de constat.
    Explain {
        /// Un code de facturation (RIM, IFD, …) ou un code de constat
        /// (UNKNOWN_ACT, …).
        #[arg(value_name = "CODE")]
        code: String,
        /// Le coefficient, pour les actes et le TMK.
        #[arg(value_name = "COEFFICIENT")]
        coefficient: Option<String>,
        /// Date de l'acte, AAAA-MM-JJ (par défaut : aujourd'hui).
        #[arg(long, value_parser = date, value_name = "DATE")]
        date: Option<NaiveDate>,
        /// Code du département (par défaut : la métropole).
        #[arg(long, value_name = "DÉPARTEMENT")]
        department: Option<String>,
        /// Quantité (km pour les IK).
        #[arg(long, value_name = "QUANTITÉ")]
        quantity: Option<String>,
        /// Identifiant de l'acte.
        #[arg(long, value_name = "ACTE")]
        act: Option<String>,
        /// Montant facturé à contrôler.
        #[arg(long, value_name = "MONTANT")]
        billed: Option<String>,
        /// Régime du patient (general, alsace_moselle) : montre aussi qui
        /// paie quoi.
        #[arg(long, value_name = "RÉGIME")]
        regime: Option<String>,
        /// Exonération (ald, maternity, at_mp, c2s, ame, …) : montre aussi
        /// qui paie quoi.
        #[arg(long, value_name = "EXONÉRATION")]
        exoneration: Option<String>,
        /// Date de naissance du patient, AAAA-MM-JJ (franchise des mineurs).
        #[arg(long, value_parser = date, value_name = "DATE")]
        birth: Option<NaiveDate>,
    },
}

fn main() -> ExitCode {
    let cli: Cli = match cli_clap::parse() {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    match run(cli) {
        Ok(code) => code,
        // The reader of standard output went away (`| head -1`): what it
        // wanted it has; end quietly, as a Unix filter does.
        Err(e) if is_broken_pipe(e.as_ref()) => ExitCode::SUCCESS,
        Err(e) => {
            let _ = writeln!(io::stderr(), "kine-tarif : {e}");
            ExitCode::from(2)
        }
    }
}

fn today() -> NaiveDate {
    chrono::Local::now().date_naive()
}

fn territory(dept: Option<&str>) -> Result<Territory, String> {
    dept.map(Territory::from_department)
        .transpose()
        .map(|t| t.unwrap_or_default())
        .map_err(|e| e.to_string())
}

fn run(cli: Cli) -> Result<ExitCode, Box<dyn std::error::Error>> {
    // Loaded once for the life of the process (the service shares them
    // between its threads).
    let tariffs: &'static Tariffs = match &cli.tariffs_dir {
        Some(dir) => Box::leak(Box::new(Tariffs::from_dir(dir)?)),
        None => Tariffs::embedded(),
    };
    match cli.command {
        Command::Price(args) => cli_price::run(args, tariffs),
        Command::Convert {
            letter,
            coefficient,
            date,
            act,
            label,
        } => {
            let letter: Code = letter.parse()?;
            let coef = parse_decimal(&coefficient)
                .ok_or_else(|| format!("coefficient « {coefficient} » : pas un nombre"))?;
            let date = date.unwrap_or_else(today);
            let found = tariffs.convert(letter, coef, date, act.as_deref(), label.as_deref())?;
            let mut out = BufWriter::new(io::stdout().lock());
            writeln!(
                out,
                "{letter} {} → nouvelles cotations au {} :",
                Num(coef),
                Date(date)
            )?;
            for c in found {
                writeln!(
                    out,
                    "  {:<4}{:>6}  {:<24} {}",
                    c.act.letter.as_str(),
                    Num(c.period.coefficient).to_string(),
                    c.act.id,
                    c.act.label
                )?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Tariffs { date, department } => {
            let date = date.unwrap_or_else(today);
            let terr = territory(department.as_deref())?;
            print_table(tariffs, date, terr)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Generate {
            lines,
            seed,
            year,
            output,
        } => {
            // Checked before the output file is created.
            let years = kine_tarif::generate::year_range(tariffs);
            if !years.contains(&year) {
                return Err(format!(
                    "--year : année {year} hors de la couverture des données tarifaires, de {} à {}",
                    years.start(),
                    years.end()
                )
                .into());
            }
            let writer = output_writer(output.as_ref())?;
            kine_tarif::generate::generate(tariffs, lines, seed, year, writer)
                .map_err(|e| e.named("", &output_name(output.as_ref())))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::History(cmd) => cli_history::run(cmd, tariffs),
        Command::Serve(args) => serve::run(args, tariffs),
        Command::Contract(cmd) => {
            let mut out = BufWriter::new(io::stdout().lock());
            cli_contract::run(cmd, &mut out)?;
            out.flush()?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Explain {
            code,
            coefficient,
            date,
            department,
            quantity,
            act,
            billed,
            regime,
            exoneration,
            birth,
        } => {
            let mut out = io::stdout().lock();
            if let Ok(f) = code.trim().to_ascii_uppercase().parse::<FindingCode>() {
                writeln!(
                    out,
                    "{f} [{}]\n  règle : {}\n  source : {}",
                    f.severity().label(),
                    f.rule(),
                    f.source()
                )?;
                return Ok(ExitCode::SUCCESS);
            }
            let code: Code = code.parse()?;
            let num = |s: &Option<String>,
                       what: &str|
             -> Result<Option<rust_decimal::Decimal>, String> {
                s.as_deref()
                    .map(|v| {
                        parse_decimal(v).ok_or_else(|| format!("{what} « {v} » : pas un nombre"))
                    })
                    .transpose()
            };
            let mut line = InvoiceLine::new(
                date.unwrap_or_else(today),
                code,
                num(&coefficient, "coefficient")?,
            )
            .in_territory(territory(department.as_deref())?);
            if let Some(q) = num(&quantity, "quantité")? {
                line = line.with_quantity(q);
            }
            if let Some(a) = act {
                line = line.with_act_id(a);
            }
            if let Some(b) = num(&billed, "montant facturé")? {
                line = line.with_billed_amount(b);
            }
            let priced = tariffs.price(&line);
            writeln!(out, "{}", priced.explain())?;
            if regime.is_some() || exoneration.is_some() || birth.is_some() {
                let coverage = kine_tarif::coverage::Coverage {
                    regime: kine_tarif::coverage::Regime::parse(regime.as_deref().unwrap_or(""))?,
                    exoneration: kine_tarif::coverage::Exoneration::parse(
                        exoneration.as_deref().unwrap_or(""),
                    )?,
                    ..Default::default()
                };
                cli_report::write_split(&mut out, &priced, &coverage, birth)?;
            }
            writeln!(out, "Données tarifaires : version {}", tariffs.version())?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn print_table(t: &Tariffs, date: NaiveDate, terr: Territory) -> io::Result<()> {
    let mut out = BufWriter::new(io::stdout().lock());
    writeln!(
        out,
        "Tarifs en vigueur le {} ({}) — données {}",
        Date(date),
        terr.label(),
        t.version()
    )?;
    writeln!(out, "\nValeurs des codes :")?;
    for &code in Code::ALL {
        if let Some(v) = t.letter_value(code, terr, date) {
            let val = v
                .value
                .map(|x| Eur(x).to_string())
                .unwrap_or_else(|| "inconnue".into());
            writeln!(
                out,
                "  {:<4}{:>10}  {}  {}",
                code.as_str(),
                val,
                Span(&v.period),
                v.status.label()
            )?;
        }
    }
    writeln!(out, "\nActes :")?;
    for a in t.acts() {
        if let Some(p) = a.period_at(date) {
            let price = t
                .letter_value(a.letter, terr, date)
                .and_then(|v| v.value)
                .map(|v| Eur(kine_tarif::money::round_to_cent(v * p.coefficient)).to_string())
                .unwrap_or_default();
            let cond = if p.status == kine_tarif::RowStatus::Conditional {
                " (sous condition)"
            } else {
                ""
            };
            writeln!(
                out,
                "  {:<4}{:>6} {:>9}  {:<22} {}{cond}",
                a.letter.as_str(),
                Num(p.coefficient).to_string(),
                price,
                a.id,
                a.label
            )?;
        }
    }
    out.flush()
}
