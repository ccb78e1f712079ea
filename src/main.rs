//! `kine-tarif`: the command line, a thin layer over the library.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use chrono::NaiveDate;
use clap::{Parser, Subcommand, ValueEnum};
use kine_tarif::batch::{BatchOptions, OutputFormat, Summary, price_csv_with};
use kine_tarif::money::{format_money, parse_decimal};
use kine_tarif::{Code, Error, FindingCode, InvoiceLine, LineStatus, Tariffs, Territory};

#[derive(Parser)]
#[command(
    name = "kine-tarif",
    version,
    about = "Prices and checks French physiotherapy invoice lines (NGAP Titre XIV)."
)]
struct Cli {
    /// Load the tariff files from this directory instead of the embedded data.
    #[arg(long, global = true, value_name = "DIR")]
    tariffs_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Csv,
    Jsonl,
}

#[derive(Clone, Copy, ValueEnum)]
enum FailOn {
    Error,
    Warning,
}

#[derive(Subcommand)]
enum Command {
    /// Price and check an invoice CSV: one output row per input row.
    Price {
        /// Input CSV file, or `-` for standard input.
        #[arg(default_value = "-")]
        input: String,
        /// Output file (default: standard output).
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value = "csv")]
        format: Format,
        /// Exit with status 1 when a row has at least this status.
        #[arg(long, value_enum)]
        fail_on: Option<FailOn>,
        /// Price each line on its own, without the invoice rules.
        #[arg(long)]
        no_rules: bool,
    },
    /// The new cotations replacing an old AMS / AMC / AMK cotation.
    Convert {
        /// Old key letter (AMS, AMC, AMK).
        letter: String,
        /// Old coefficient (dot or comma).
        coefficient: String,
        /// Target date (default: today).
        #[arg(long)]
        date: Option<NaiveDate>,
        /// Narrow to one act id.
        #[arg(long)]
        act: Option<String>,
        /// Narrow to acts whose label contains these words.
        #[arg(long)]
        label: Option<String>,
    },
    /// The table in force at a date: letter values and acts with their price.
    Tariffs {
        /// Date (default: today).
        #[arg(long)]
        date: Option<NaiveDate>,
        /// Département code (default: metropolitan).
        #[arg(long)]
        department: Option<String>,
    },
    /// Explain one line (every value used, its validity and its source), or
    /// one finding code.
    Explain {
        /// A billing code (RIM, IFD, …) or a finding code (UNKNOWN_ACT, …).
        code: String,
        /// The coefficient, for acts and TMK.
        coefficient: Option<String>,
        /// Date of the act (default: today).
        #[arg(long)]
        date: Option<NaiveDate>,
        /// Département code (default: metropolitan).
        #[arg(long)]
        department: Option<String>,
        /// Quantity (km for IK).
        #[arg(long)]
        quantity: Option<String>,
        /// Act id.
        #[arg(long)]
        act: Option<String>,
        /// Billed amount to check.
        #[arg(long)]
        billed: Option<String>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("kine-tarif: {e}");
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
    let loaded;
    let tariffs: &Tariffs = match &cli.tariffs_dir {
        Some(dir) => {
            loaded = Tariffs::from_dir(dir)?;
            &loaded
        }
        None => Tariffs::embedded(),
    };
    match cli.command {
        Command::Price {
            input,
            output,
            format,
            fail_on,
            no_rules,
        } => {
            let format = match format {
                Format::Csv => OutputFormat::Csv,
                Format::Jsonl => OutputFormat::Jsonl,
            };
            let reader: Box<dyn io::Read> = if input == "-" {
                Box::new(io::stdin().lock())
            } else {
                Box::new(File::open(&input).map_err(|source| Error::Io {
                    path: input.clone().into(),
                    source,
                })?)
            };
            let writer: Box<dyn Write> = match &output {
                Some(p) => Box::new(File::create(p).map_err(|source| Error::Io {
                    path: p.clone(),
                    source,
                })?),
                None => Box::new(io::stdout().lock()),
            };
            let summary = price_csv_with(
                tariffs,
                reader,
                writer,
                &BatchOptions {
                    format,
                    rules: !no_rules,
                },
            )?;
            print_summary(&summary, tariffs);
            let failed = match fail_on {
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
        Command::Convert {
            letter,
            coefficient,
            date,
            act,
            label,
        } => {
            let letter: Code = letter.parse()?;
            let coef = parse_decimal(&coefficient)
                .ok_or_else(|| format!("coefficient {coefficient:?} is not a number"))?;
            let date = date.unwrap_or_else(today);
            let found = tariffs.convert(letter, coef, date, act.as_deref(), label.as_deref())?;
            let mut out = BufWriter::new(io::stdout().lock());
            writeln!(out, "{letter} {coef} → nouvelles cotations au {date} :")?;
            for c in found {
                writeln!(
                    out,
                    "  {:<4}{:>6}  {:<24} {}",
                    c.act.letter.as_str(),
                    c.period.coefficient.to_string(),
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
        Command::Explain {
            code,
            coefficient,
            date,
            department,
            quantity,
            act,
            billed,
        } => {
            if let Ok(f) = code.parse::<FindingCode>() {
                println!(
                    "{f} [{}]\n  règle : {}\n  source : {}",
                    f.severity().as_str(),
                    f.rule(),
                    f.source()
                );
                return Ok(ExitCode::SUCCESS);
            }
            let code: Code = code.parse()?;
            let num =
                |s: &Option<String>, what: &str| -> Result<Option<rust_decimal::Decimal>, String> {
                    s.as_deref()
                        .map(|v| {
                            parse_decimal(v).ok_or_else(|| format!("{what} {v:?} is not a number"))
                        })
                        .transpose()
                };
            let mut line = InvoiceLine::new(
                date.unwrap_or_else(today),
                code,
                num(&coefficient, "coefficient")?,
            )
            .in_territory(territory(department.as_deref())?);
            if let Some(q) = num(&quantity, "quantity")? {
                line = line.with_quantity(q);
            }
            if let Some(a) = act {
                line = line.with_act_id(a);
            }
            if let Some(b) = num(&billed, "billed amount")? {
                line = line.with_billed_amount(b);
            }
            println!("{}", tariffs.price(&line).explain());
            println!("Données tarifaires : version {}", tariffs.version());
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn print_summary(s: &Summary, t: &Tariffs) {
    eprintln!(
        "kine-tarif: {} rows: {} ok, {} warning, {} error; computed {} €, billed {} € (tariff data {})",
        s.rows,
        s.ok,
        s.warnings,
        s.errors,
        format_money(s.total_amount),
        format_money(s.total_billed),
        t.version()
    );
    for (code, n) in &s.findings {
        eprintln!("  {code}: {n}");
    }
}

fn print_table(t: &Tariffs, date: NaiveDate, terr: Territory) -> io::Result<()> {
    let mut out = BufWriter::new(io::stdout().lock());
    writeln!(
        out,
        "Tarifs en vigueur le {date} ({terr}) — données {}",
        t.version()
    )?;
    writeln!(out, "\nValeurs des codes :")?;
    for &code in Code::ALL {
        if let Some(v) = t.letter_value(code, terr, date) {
            let val = v
                .value
                .map(|x| format!("{} €", format_money(x)))
                .unwrap_or_else(|| "inconnue".into());
            writeln!(
                out,
                "  {:<4}{:>10}  {}  {}",
                code.as_str(),
                val,
                v.period,
                v.status.as_str()
            )?;
        }
    }
    writeln!(out, "\nActes :")?;
    for a in t.acts() {
        if let Some(p) = a.period_at(date) {
            let price = t
                .letter_value(a.letter, terr, date)
                .and_then(|v| v.value)
                .map(|v| {
                    format!(
                        "{} €",
                        format_money(kine_tarif::money::round_to_cent(v * p.coefficient))
                    )
                })
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
                p.coefficient.to_string(),
                price,
                a.id,
                a.label
            )?;
        }
    }
    out.flush()
}
