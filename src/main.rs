//! `kine-tarif`: the command line, a thin layer over the library.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

mod cli_io;

use chrono::NaiveDate;
use clap::{Parser, Subcommand, ValueEnum};
use kine_tarif::batch::{BatchOptions, Once, OutputFormat, Summary, price_seekable};
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
        /// Worker threads: 0 (the default) for one per core, or 1 to 256.
        #[arg(long, default_value_t = 0, value_parser = cli_io::threads_arg)]
        threads: usize,
        /// Input held whole up to this many MiB; a larger input is streamed
        /// when grouped by practitioner, spilled to temporary files otherwise.
        #[arg(long, default_value_t = 48)]
        memory_budget: usize,
        /// Where a large input in no particular order is spilled (default:
        /// the system's temporary directory, TMPDIR).
        #[arg(long)]
        temp_dir: Option<PathBuf>,
        /// Also price every line with the coefficients and values in force at
        /// this date, with a per-letter summary of the difference.
        #[arg(long)]
        reprice_at: Option<NaiveDate>,
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
    /// Write a realistic synthetic invoice batch (grouped by practitioner).
    Generate {
        /// Number of invoice lines.
        #[arg(long)]
        lines: u64,
        /// Random seed: the same seed gives the same file.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Year of the acts.
        #[arg(long, default_value_t = 2025)]
        year: i32,
        /// Output file (default: standard output).
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// Demographic incentive contracts, the modernisation forfait and the
    /// conventionnement decision.
    #[command(subcommand)]
    Contract(ContractCommand),
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

#[derive(Clone, Copy, ValueEnum)]
enum TableOrJson {
    Table,
    Json,
}

#[derive(Subcommand)]
// Parsed once per run: the size difference between variants does not matter.
#[allow(clippy::large_enum_variant)]
enum ContractCommand {
    /// The payment schedule of a contract.
    Schedule {
        /// CACCMK, CAIMK, CAMMK or CIMK.
        #[arg(long = "type")]
        kind: String,
        /// avenant3, avenant5 or avenant7 (or give --region).
        #[arg(long)]
        version: Option<String>,
        /// Region, to find the version from its zonage date.
        #[arg(long)]
        region: Option<String>,
        /// Signature (adhesion) date.
        #[arg(long)]
        signed: NaiveDate,
        /// Zone at signature: tsd, sd, intermediaire, non-prioritaire.
        #[arg(long, default_value = "tsd")]
        zone: String,
        /// Acts per year: 2025:2100,2026:3000 (contract year indexes with --year-basis contract).
        #[arg(long, default_value = "")]
        acts: String,
        /// Share of the activity with residents of the zone: 2026:0.45,…
        #[arg(long, default_value = "")]
        in_zone: String,
        /// Intern periods YEAR:MONTHS[:FTE[:STUDY_YEAR]], e.g. 2025:2:1:4,2025:1:0.5:5.
        #[arg(long, default_value = "")]
        interns: String,
        /// Early termination date.
        #[arg(long)]
        terminated: Option<NaiveDate>,
        /// Termination reason: none, family-medical, spouse-transfer, legal-situation, illness, imprisonment, death, force-majeure.
        #[arg(long, default_value = "none")]
        reason: String,
        /// CAMMK / CIMK tacit renewals.
        #[arg(long, default_value_t = 0)]
        renewals: u32,
        /// calendar or contract years.
        #[arg(long, default_value = "calendar")]
        year_basis: String,
        /// days or months.
        #[arg(long, default_value = "days")]
        prorata: String,
        /// recover or ignore the year-1 shortfall.
        #[arg(long, default_value = "recover")]
        year1: String,
        /// paid-prorata or paid-minus-earned.
        #[arg(long, default_value = "paid-prorata")]
        repayment: String,
        /// Output format.
        #[arg(long, value_enum, default_value = "table")]
        format: TableOrJson,
    },
    /// The modernisation forfait of a reference year.
    Forfait {
        /// Reference year.
        #[arg(long)]
        year: i32,
        /// All five mandatory indicators met (DMP, SESAM-Vitale, SCOR, FSE ≥ 70 %, MSS).
        #[arg(long)]
        socle: bool,
        /// Coordinated care.
        #[arg(long)]
        coordinated: bool,
        /// Video equipment.
        #[arg(long)]
        video: bool,
        /// Connected devices.
        #[arg(long)]
        devices: bool,
    },
    /// Conventionnement decision for a place in a non-priority zone.
    Conventionnement {
        /// Zone of the place.
        #[arg(long, default_value = "non-prioritaire")]
        zone: String,
        /// Date of the request.
        #[arg(long)]
        request: NaiveDate,
        /// Definitive cessation date of the departing physiotherapist.
        #[arg(long)]
        cessation: Option<NaiveDate>,
        /// The departing physiotherapist's attestation names the applicant.
        #[arg(long)]
        attestation: bool,
        /// Acts of the departing physiotherapist in year N−1.
        #[arg(long)]
        departing_acts: Option<u32>,
        /// CPD opinion: favourable or unfavourable.
        #[arg(long)]
        cpd: Option<String>,
        /// Designation date of the successor.
        #[arg(long)]
        designated: Option<NaiveDate>,
        /// Date the installation formalities started.
        #[arg(long)]
        formalities: Option<NaiveDate>,
    },
}

fn pairs<K: std::str::FromStr, V: std::str::FromStr>(
    s: &str,
    what: &str,
) -> Result<Vec<(K, V)>, String> {
    s.split(',')
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(|x| {
            let (k, v) = x
                .split_once(':')
                .ok_or_else(|| format!("{what}: expected KEY:VALUE, got {x:?}"))?;
            Ok((
                k.trim()
                    .parse()
                    .map_err(|_| format!("{what}: bad key {k:?}"))?,
                v.trim()
                    .parse()
                    .map_err(|_| format!("{what}: bad value {v:?}"))?,
            ))
        })
        .collect()
}

fn run_contract(cmd: ContractCommand) -> Result<(), Box<dyn std::error::Error>> {
    use kine_tarif::contracts::*;
    match cmd {
        ContractCommand::Schedule {
            kind,
            version,
            region,
            signed,
            zone,
            acts,
            in_zone,
            interns,
            terminated,
            reason,
            renewals,
            year_basis,
            prorata,
            year1,
            repayment,
            format,
        } => {
            let kind: ContractType = kind.parse()?;
            let version: Version = match (version, region) {
                (Some(v), _) => v.parse()?,
                (None, Some(r)) => version_for(&r, signed)
                    .ok_or_else(|| format!("region {r:?} has no zonage date for {signed} in tariffs/zonage_regions.csv: give --version"))?,
                (None, None) => return Err("give --version or --region".into()),
            };
            let mut c = Contract::new(kind, version, signed, zone.parse()?);
            c.acts.extend(pairs::<u32, u32>(&acts, "--acts")?);
            c.in_zone_share
                .extend(pairs::<u32, rust_decimal::Decimal>(&in_zone, "--in-zone")?);
            for part in interns.split(',').map(str::trim).filter(|x| !x.is_empty()) {
                let f: Vec<&str> = part.split(':').collect();
                let bad =
                    || format!("--interns: expected YEAR:MONTHS[:FTE[:STUDY_YEAR]], got {part:?}");
                if f.len() < 2 || f.len() > 4 {
                    return Err(bad().into());
                }
                c.interns.push(InternPeriod {
                    year: f[0].parse().map_err(|_| bad())?,
                    months: parse_decimal(f[1]).ok_or_else(bad)?,
                    fte: f
                        .get(2)
                        .map(|x| parse_decimal(x).ok_or_else(bad))
                        .transpose()?
                        .unwrap_or(rust_decimal::Decimal::ONE),
                    study_year: f.get(3).map(|x| x.parse().map_err(|_| bad())).transpose()?,
                });
            }
            if let Some(date) = terminated {
                let reason = if reason == "none" {
                    None
                } else {
                    Some(reason.parse()?)
                };
                c.termination = Some(Termination { date, reason });
            }
            c.renewals = renewals;
            let o = Options {
                year_basis: match year_basis.as_str() {
                    "calendar" => YearBasis::Calendar,
                    "contract" => YearBasis::Contract,
                    x => {
                        return Err(format!("--year-basis: calendar or contract, not {x:?}").into());
                    }
                },
                prorata: match prorata.as_str() {
                    "days" => ProrataUnit::Days,
                    "months" => ProrataUnit::Months,
                    x => return Err(format!("--prorata: days or months, not {x:?}").into()),
                },
                year1: match year1.as_str() {
                    "recover" => Year1Proration::Recover,
                    "ignore" => Year1Proration::Ignore,
                    x => return Err(format!("--year1: recover or ignore, not {x:?}").into()),
                },
                repayment: match repayment.as_str() {
                    "paid-prorata" => Repayment::PaidProrata,
                    "paid-minus-earned" => Repayment::PaidMinusEarned,
                    x => {
                        return Err(format!(
                            "--repayment: paid-prorata or paid-minus-earned, not {x:?}"
                        )
                        .into());
                    }
                },
            };
            let s = schedule(&c, &o)?;
            match format {
                TableOrJson::Json => {
                    let v = serde_json::json!({
                        "contract": kind.as_str(),
                        "version": version.as_str(),
                        "signed": signed.to_string(),
                        "eligible": s.eligibility.eligible,
                        "eligibility": s.eligibility.reasons,
                        "payments": s.payments,
                        "total": s.total.to_string(),
                        "notes": s.notes,
                    });
                    println!("{}", serde_json::to_string_pretty(&v)?);
                }
                TableOrJson::Table => {
                    println!(
                        "{kind} {} signé le {signed} — {}",
                        version.as_str(),
                        if s.eligibility.eligible {
                            "éligible"
                        } else {
                            "NON éligible"
                        }
                    );
                    for r in &s.eligibility.reasons {
                        println!("  {r}");
                    }
                    println!(
                        "{:<34} {:<10} {:<15} {:>12}  motif",
                        "période", "échéance", "nature", "montant"
                    );
                    for p in &s.payments {
                        println!(
                            "{:<34} {:<10} {:<15} {:>12}  {}",
                            p.covers,
                            p.due,
                            format!("{:?}", p.kind).to_lowercase(),
                            p.amount,
                            p.note
                        );
                    }
                    println!("{:<62} {:>12}", "total", s.total);
                    for n in &s.notes {
                        println!("note : {n}");
                    }
                }
            }
        }
        ContractCommand::Forfait {
            year,
            socle,
            coordinated,
            video,
            devices,
        } => {
            let i = Indicators {
                dmp_software: socle,
                sesam_vitale_up_to_date: socle,
                scor: socle,
                fse_rate: if socle {
                    rust_decimal::Decimal::ONE
                } else {
                    rust_decimal::Decimal::ZERO
                },
                mss: socle,
                coordinated_care: coordinated,
                video,
                connected_devices: devices,
            };
            let f = modernisation_forfait(year, &i)?;
            println!(
                "Forfait de modernisation, année de référence {} (versé en {})",
                f.reference_year, f.paid_in
            );
            for (part, amount, rule) in &f.parts {
                println!("  {part:<18} {amount:>8} €  {rule}");
            }
            println!("  {:<18} {:>8} €", "total", f.total);
        }
        ContractCommand::Conventionnement {
            zone,
            request,
            cessation,
            attestation,
            departing_acts,
            cpd,
            designated,
            formalities,
        } => {
            let r = ConventionnementRequest {
                zone: zone.parse()?,
                request_date: request,
                derogation: None,
                cessation_date: cessation,
                attestation,
                departing_acts_previous_year: departing_acts,
                cpd_opinion: match cpd.as_deref() {
                    None => None,
                    Some("favourable") => Some(true),
                    Some("unfavourable") => Some(false),
                    Some(x) => {
                        return Err(format!("--cpd: favourable or unfavourable, not {x:?}").into());
                    }
                },
                designation_date: designated,
                formalities_date: formalities,
                threshold_inclusive: true,
            };
            let d = conventionnement_decision(&r);
            println!("{:?} — {}", d.outcome, d.rule);
        }
    }
    Ok(())
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

/// The output file, or standard output.
fn output_writer(path: Option<&PathBuf>) -> Result<Box<dyn Write>, Error> {
    Ok(match path {
        Some(p) => Box::new(File::create(p).map_err(|source| Error::Io {
            path: p.clone(),
            source,
        })?),
        None => Box::new(io::stdout().lock()),
    })
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
            threads,
            memory_budget,
            temp_dir,
            reprice_at,
        } => {
            let format = match format {
                Format::Csv => OutputFormat::Csv,
                Format::Jsonl => OutputFormat::Jsonl,
            };
            let in_name = if input == "-" {
                "<entrée standard>".to_string()
            } else {
                input.clone()
            };
            let out_name = output
                .as_ref()
                .map_or("<sortie standard>".to_string(), |p| p.display().to_string());
            let named = |e: Error| e.named(&in_name, &out_name);
            let budget = memory_budget.saturating_mul(1 << 20);
            // An input that can be read again: a file, or standard input
            // when it is one (a redirection), held in memory up to the
            // budget, or copied to an unnamed temporary file (a pipe).
            let (reader, input_size) = if input == "-" {
                cli_io::stdin_seekable(budget, temp_dir.as_deref()).map_err(&named)?
            } else {
                let file = File::open(&input).map_err(|source| Error::Io {
                    path: input.clone().into(),
                    source,
                })?;
                let meta = file.metadata().map_err(|source| Error::Io {
                    path: input.clone().into(),
                    source,
                })?;
                if meta.is_dir() {
                    return Err(format!("{input} : est un dossier, pas un fichier CSV").into());
                }
                let size = meta.len();
                (Box::new(file) as Box<dyn cli_io::ReadSeek>, size)
            };
            let out_file = match &output {
                Some(p) => Some(File::create(p).map_err(|source| Error::Io {
                    path: p.clone(),
                    source,
                })?),
                None => cli_io::stdio_file(&io::stdout()),
            };
            let input_size = Some(input_size);
            let options = BatchOptions {
                format,
                rules: !no_rules,
                threads,
                memory_budget: budget,
                input_size,
                reprice_at,
                temp_dir,
            };
            let bar = std::io::IsTerminal::is_terminal(&io::stderr()).then(|| {
                let bar = indicatif::ProgressBar::new_spinner();
                bar.set_style(
                    indicatif::ProgressStyle::with_template(
                        "{spinner} {pos} lignes ({per_sec}) {elapsed}",
                    )
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
            // A file, `/dev/null` or a redirected standard output is emptied
            // if a large input turns out not to be grouped; a pipe or a
            // terminal has the input read through once first.
            let result = match out_file {
                Some(o) => price_seekable(
                    tariffs,
                    reader,
                    cli_io::Rewritable::new(o),
                    &options,
                    progress,
                ),
                None => {
                    let w = output_writer(output.as_ref())?;
                    price_seekable(tariffs, reader, Once(w), &options, progress)
                }
            };
            if let Some(b) = &bar {
                b.finish_and_clear();
            }
            let summary = match result {
                Ok(s) => s,
                // The reader of the output went away (`| head`): not a failure.
                Err(e) if e.is_broken_pipe() => return Ok(ExitCode::SUCCESS),
                Err(e) => return Err(named(e).into()),
            };
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
        Command::Generate {
            lines,
            seed,
            year,
            output,
        } => {
            let writer = output_writer(output.as_ref())?;
            let out_name = output
                .as_ref()
                .map_or("<sortie standard>".to_string(), |p| p.display().to_string());
            match kine_tarif::generate::generate(tariffs, lines, seed, year, writer) {
                Ok(()) => Ok(ExitCode::SUCCESS),
                Err(e) if e.is_broken_pipe() => Ok(ExitCode::SUCCESS),
                Err(e) => Err(e.named("-", &out_name).into()),
            }
        }
        Command::Contract(cmd) => {
            run_contract(cmd)?;
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
    if !s.reprice.is_empty() {
        eprintln!("  repricing by key letter: lines, amount, repriced, difference (not repriced)");
        let (mut a, mut r) = (rust_decimal::Decimal::ZERO, rust_decimal::Decimal::ZERO);
        for (letter, t) in &s.reprice {
            a += t.amount;
            r += t.repriced;
            eprintln!(
                "  {letter:<4} {:>9} {:>14} {:>14} {:>+13} ({})",
                t.lines,
                format_money(t.amount),
                format_money(t.repriced),
                t.repriced - t.amount,
                t.not_repriced
            );
        }
        eprintln!(
            "  all  {:>9} {:>14} {:>14} {:>+13}",
            "",
            format_money(a),
            format_money(r),
            r - a
        );
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
