//! `kine-tarif contract …` (binary only): the flags of the `schedule`,
//! `forfait` and `conventionnement` subcommands, their checks, and what is
//! printed. Input: the flags; output: a table or JSON on standard output,
//! computed by [`kine_tarif::contracts`].
//!
//! Every argument is checked before anything is computed, and a value out
//! of range stops the run with a French message naming the flag (exit 2):
//!
//! - dates: [`CONTRACT_DATES`](crate::cli_args::CONTRACT_DATES) (2000 to
//!   2099), and `--terminated` from the signature to the day before the
//!   planned end;
//! - `--renewals`: 0 to [`MAX_RENEWALS`] (15), and only for a CAMMK or a
//!   CIMK (the others do not renew);
//! - the years of `--acts`, `--in-zone` and `--interns`: a calendar year of
//!   the planned term (from the signature's year to the year of its last
//!   day), or with `--year-basis contract` a contract year from 1 to the
//!   term's years; each year once in `--acts` and in `--in-zone`;
//! - acts a year (and `--departing-acts`): 0 to [`MAX_ACTS`];
//! - a share in the zone: 0 to 1;
//! - an intern period: months above 0 and at most 12, a full-time
//!   equivalent above 0 and at most 1, a year of study from 1 to 5 (the
//!   five years of the physiotherapy diploma).

use std::error::Error;
use std::io::Write;
use std::ops::RangeInclusive;

use chrono::{Datelike, NaiveDate};
use clap::{Subcommand, ValueEnum};
use kine_tarif::contracts::*;
use kine_tarif::fr::{Date, Eur};
use kine_tarif::money::parse_decimal;
use rust_decimal::Decimal;

use crate::cli_args::{contract_date, contract_year};

/// Most acts a year `--acts` and `--departing-acts` accept: 30,000, ten
/// times the 3,000 acts that earn a full contract year (82 acts a day,
/// every day of the year: beyond what one physiotherapist bills).
pub const MAX_ACTS: u32 = 30_000;

/// Table or JSON.
#[derive(Clone, Copy, ValueEnum)]
pub enum TableOrJson {
    /// Un tableau à lire.
    Table,
    /// Du JSON pour un programme.
    Json,
}

#[derive(Subcommand)]
// Parsed once per run: the size difference between variants does not matter.
#[allow(clippy::large_enum_variant)]
pub enum ContractCommand {
    /// L'échéancier de paiement d'un contrat incitatif.
    Schedule {
        /// CACCMK, CAIMK, CAMMK ou CIMK.
        #[arg(long = "type", value_name = "CONTRAT")]
        kind: String,
        /// avenant3, avenant5 ou avenant7 (ou donnez --region).
        #[arg(long, value_name = "AVENANT")]
        version: Option<String>,
        /// Région, pour trouver l'avenant d'après la date de son zonage.
        #[arg(long, value_name = "RÉGION")]
        region: Option<String>,
        /// Date de signature (adhésion), AAAA-MM-JJ, du 2000-01-01 au
        /// 2099-12-31.
        #[arg(long, value_parser = contract_date, value_name = "DATE")]
        signed: NaiveDate,
        /// Zone à la signature : tsd, sd, intermediaire, non-prioritaire.
        #[arg(long, default_value = "tsd", value_name = "ZONE")]
        zone: String,
        /// Actes par an : 2025:2100,2026:3000 (rang de l'année de contrat
        /// avec --year-basis contract).
        #[arg(long, default_value = "", value_name = "ANNÉE:ACTES,…")]
        acts: String,
        /// Part de l'activité auprès des habitants de la zone : 2026:0.45,…
        #[arg(long, default_value = "", value_name = "ANNÉE:PART,…")]
        in_zone: String,
        /// Stagiaires accueillis ANNÉE:MOIS[:ETP[:ANNÉE_D_ÉTUDES]], par
        /// exemple 2025:2:1:4,2025:1:0.5:5.
        #[arg(long, default_value = "", value_name = "PÉRIODES")]
        interns: String,
        /// Date de résiliation anticipée (de la signature à la veille de la
        /// fin prévue).
        #[arg(long, value_parser = contract_date, value_name = "DATE")]
        terminated: Option<NaiveDate>,
        /// Motif de la résiliation : none (aucun), family-medical,
        /// spouse-transfer, legal-situation, illness, imprisonment, death,
        /// force-majeure.
        #[arg(long, default_value = "none", value_name = "MOTIF")]
        reason: String,
        /// Renouvellements tacites du CAMMK ou du CIMK (0 à 15).
        #[arg(long, default_value_t = 0, value_parser = renewals, value_name = "N")]
        renewals: u32,
        /// Années civiles (calendar) ou années de contrat (contract).
        #[arg(long, default_value = "calendar", value_name = "BASE")]
        year_basis: String,
        /// Prorata en jours (days) ou en mois (months).
        #[arg(long, default_value = "days", value_name = "UNITÉ")]
        prorata: String,
        /// Manque de la première année : récupéré (recover) ou ignoré
        /// (ignore).
        #[arg(long, default_value = "recover", value_name = "RÈGLE")]
        year1: String,
        /// Remboursement en cas de résiliation : paid-prorata (prorata du
        /// versé) ou paid-minus-earned (versé moins acquis).
        #[arg(long, default_value = "paid-prorata", value_name = "RÈGLE")]
        repayment: String,
        /// Format de sortie.
        #[arg(long, value_enum, default_value = "table")]
        format: TableOrJson,
    },
    /// Le forfait d'aide à la modernisation d'une année de référence.
    Forfait {
        /// Année de référence (2018 à 2099).
        #[arg(long, value_parser = contract_year, allow_negative_numbers = true, value_name = "ANNÉE")]
        year: i32,
        /// Les cinq indicateurs obligatoires remplis (DMP, SESAM-Vitale,
        /// SCOR, FSE ≥ 70 %, MSS).
        #[arg(long)]
        socle: bool,
        /// Exercice coordonné.
        #[arg(long)]
        coordinated: bool,
        /// Équipement de vidéotransmission.
        #[arg(long)]
        video: bool,
        /// Appareils connectés.
        #[arg(long)]
        devices: bool,
    },
    /// La décision de conventionnement pour un lieu en zone non
    /// prioritaire.
    Conventionnement {
        /// Zone du lieu d'installation.
        #[arg(long, default_value = "non-prioritaire", value_name = "ZONE")]
        zone: String,
        /// Date de la demande (AAAA-MM-JJ).
        #[arg(long, value_parser = contract_date, value_name = "DATE")]
        request: NaiveDate,
        /// Date de cessation définitive du kinésithérapeute qui part.
        #[arg(long, value_parser = contract_date, value_name = "DATE")]
        cessation: Option<NaiveDate>,
        /// L'attestation du kinésithérapeute qui part désigne le demandeur.
        #[arg(long)]
        attestation: bool,
        /// Actes du kinésithérapeute qui part en année N−1 (0 à 30 000).
        #[arg(long, value_parser = acts_count, value_name = "ACTES")]
        departing_acts: Option<u32>,
        /// Avis de la CPD : favourable ou unfavourable (défavorable).
        #[arg(long, value_name = "AVIS")]
        cpd: Option<String>,
        /// Date de désignation du successeur.
        #[arg(long, value_parser = contract_date, value_name = "DATE")]
        designated: Option<NaiveDate>,
        /// Date du début des formalités d'installation.
        #[arg(long, value_parser = contract_date, value_name = "DATE")]
        formalities: Option<NaiveDate>,
    },
}

/// `--renewals`: 0 to [`MAX_RENEWALS`].
fn renewals(s: &str) -> Result<u32, String> {
    s.trim()
        .parse::<u32>()
        .ok()
        .filter(|&n| n <= MAX_RENEWALS)
        .ok_or_else(|| {
            format!(
                "attendu un nombre de renouvellements tacites de 0 à {MAX_RENEWALS} (un terme de {} ans)",
                3 * (1 + MAX_RENEWALS)
            )
        })
}

/// A count of acts in a year: 0 to [`MAX_ACTS`].
fn acts_count(s: &str) -> Result<u32, String> {
    s.trim()
        .parse::<u32>()
        .ok()
        .filter(|&n| n <= MAX_ACTS)
        .ok_or_else(|| format!("attendu un nombre d'actes de 0 à {MAX_ACTS}"))
}

/// `KEY:VALUE,…` with each key once.
fn pairs<V>(
    s: &str,
    flag: &str,
    value: impl Fn(&str) -> Option<V>,
    expected: &str,
) -> Result<Vec<(u32, V)>, String> {
    let mut out: Vec<(u32, V)> = Vec::new();
    for x in s.split(',').map(str::trim).filter(|x| !x.is_empty()) {
        let (k, v) = x
            .split_once(':')
            .ok_or_else(|| format!("{flag} : attendu ANNÉE:VALEUR, reçu {x:?}"))?;
        let k: u32 = k
            .trim()
            .parse()
            .map_err(|_| format!("{flag} : année {k:?} invalide"))?;
        let v = value(v.trim()).ok_or_else(|| format!("{flag} : {v:?} invalide, {expected}"))?;
        if out.iter().any(|(o, _)| *o == k) {
            return Err(format!("{flag} : l'année {k} est donnée deux fois"));
        }
        out.push((k, v));
    }
    Ok(out)
}

/// A decimal in `range` (exclusive of the start when `open_start`).
fn decimal_in(s: &str, low: Decimal, open_low: bool, high: Decimal) -> Option<Decimal> {
    parse_decimal(s).filter(|&x| (if open_low { x > low } else { x >= low }) && x <= high)
}

/// The keys a year of `--acts`, `--in-zone` or `--interns` may take, and
/// how to say them.
fn term_keys(c: &Contract, basis: YearBasis) -> Result<(RangeInclusive<u32>, String), String> {
    match basis {
        YearBasis::Calendar => {
            let end = try_planned_end(c)
                .and_then(|e| e.pred_opt())
                .ok_or("fin du contrat hors des dates représentables")?;
            // Both years are within 2000..=2147 (CONTRACT_DATES + 48 years).
            let (from, to) = (c.signed.year() as u32, end.year() as u32);
            Ok((
                from..=to,
                format!("une année civile du contrat, de {from} à {to}"),
            ))
        }
        YearBasis::Contract => {
            let n = term_years(c) as u32;
            Ok((1..=n, format!("une année de contrat, de 1 à {n}")))
        }
    }
}

fn check_years<'a>(
    flag: &str,
    years: impl IntoIterator<Item = &'a u32>,
    keys: &(RangeInclusive<u32>, String),
) -> Result<(), String> {
    match years.into_iter().find(|y| !keys.0.contains(y)) {
        Some(y) => Err(format!(
            "{flag} : année {y} hors du contrat, attendu {}",
            keys.1
        )),
        None => Ok(()),
    }
}

fn choice<T: Copy>(flag: &str, value: &str, choices: &[(&str, T)]) -> Result<T, String> {
    choices
        .iter()
        .find(|(name, _)| *name == value)
        .map(|(_, v)| *v)
        .ok_or_else(|| {
            let names: Vec<&str> = choices.iter().map(|(n, _)| *n).collect();
            format!("{flag} : {} attendu, pas {value:?}", names.join(" ou "))
        })
}

/// The contract and readings of `contract schedule`, every flag checked.
#[allow(clippy::too_many_arguments)]
fn contract_of(
    kind: &str,
    version: Option<String>,
    region: Option<String>,
    signed: NaiveDate,
    zone: &str,
    acts: &str,
    in_zone: &str,
    interns: &str,
    terminated: Option<NaiveDate>,
    reason: &str,
    renewals: u32,
    options: Options,
) -> Result<Contract, Box<dyn Error>> {
    let kind: ContractType = kind.parse()?;
    let version: Version = match (version, region) {
        (Some(v), _) => v.parse()?,
        (None, Some(r)) => version_for(&r, signed).ok_or_else(|| {
            format!("la région {r:?} n'a pas de date de zonage pour le {signed} dans tariffs/zonage_regions.csv : donnez --version")
        })?,
        (None, None) => return Err("donnez --version ou --region".into()),
    };
    let mut c = Contract::new(kind, version, signed, zone.parse()?);
    if renewals > 0 && !matches!(kind, ContractType::Cammk | ContractType::Cimk) {
        return Err(format!(
            "--renewals : le {kind} ne se renouvelle pas (CAMMK et CIMK seulement)"
        )
        .into());
    }
    c.renewals = renewals;
    let keys = term_keys(&c, options.year_basis)?;
    let counts = pairs(
        acts,
        "--acts",
        |v| acts_count(v).ok(),
        &format!("attendu un nombre d'actes de 0 à {MAX_ACTS}"),
    )?;
    check_years("--acts", counts.iter().map(|x| &x.0), &keys)?;
    c.acts.extend(counts);
    let shares = pairs(
        in_zone,
        "--in-zone",
        |v| decimal_in(v, Decimal::ZERO, false, Decimal::ONE),
        "attendu une part de 0 à 1",
    )?;
    check_years("--in-zone", shares.iter().map(|x| &x.0), &keys)?;
    c.in_zone_share.extend(shares);
    for part in interns.split(',').map(str::trim).filter(|x| !x.is_empty()) {
        let f: Vec<&str> = part.split(':').map(str::trim).collect();
        let bad = |what: &str| {
            format!("--interns : {what} dans {part:?} (ANNÉE:MOIS[:ETP[:ANNÉE_D_ÉTUDES]])")
        };
        if f.len() < 2 || f.len() > 4 {
            return Err(bad("attendu 2 à 4 champs").into());
        }
        let year: u32 = f[0].parse().map_err(|_| bad("année invalide"))?;
        check_years("--interns", [&year], &keys)?;
        let twelve = Decimal::from(12);
        let months = decimal_in(f[1], Decimal::ZERO, true, twelve)
            .ok_or_else(|| bad("mois attendus au-dessus de 0 et au plus 12"))?;
        let fte = match f.get(2) {
            Some(x) => decimal_in(x, Decimal::ZERO, true, Decimal::ONE)
                .ok_or_else(|| bad("équivalent temps plein attendu au-dessus de 0 et au plus 1"))?,
            None => Decimal::ONE,
        };
        let study_year = match f.get(3) {
            Some(x) => Some(
                x.parse::<u8>()
                    .ok()
                    .filter(|y| (1..=5).contains(y))
                    .ok_or_else(|| bad("année d'études attendue de 1 à 5"))?,
            ),
            None => None,
        };
        c.interns.push(InternPeriod {
            year,
            months,
            fte,
            study_year,
        });
    }
    if let Some(date) = terminated {
        let end = planned_end(&c);
        if date < signed || date >= end {
            return Err(format!(
                "--terminated : {date} hors du contrat, attendu du {signed} (signature) au {} (veille de la fin prévue)",
                end.pred_opt().unwrap_or(end)
            )
            .into());
        }
        let reason = if reason == "none" {
            None
        } else {
            Some(reason.parse()?)
        };
        c.termination = Some(Termination { date, reason });
    }
    Ok(c)
}

/// Runs a `contract` subcommand, printing to `out`.
pub fn run(cmd: ContractCommand, out: &mut dyn Write) -> Result<(), Box<dyn Error>> {
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
            let o = Options {
                year_basis: choice(
                    "--year-basis",
                    &year_basis,
                    &[
                        ("calendar", YearBasis::Calendar),
                        ("contract", YearBasis::Contract),
                    ],
                )?,
                prorata: choice(
                    "--prorata",
                    &prorata,
                    &[("days", ProrataUnit::Days), ("months", ProrataUnit::Months)],
                )?,
                year1: choice(
                    "--year1",
                    &year1,
                    &[
                        ("recover", Year1Proration::Recover),
                        ("ignore", Year1Proration::Ignore),
                    ],
                )?,
                repayment: choice(
                    "--repayment",
                    &repayment,
                    &[
                        ("paid-prorata", Repayment::PaidProrata),
                        ("paid-minus-earned", Repayment::PaidMinusEarned),
                    ],
                )?,
            };
            let c = contract_of(
                &kind, version, region, signed, &zone, &acts, &in_zone, &interns, terminated,
                &reason, renewals, o,
            )?;
            let s = schedule(&c, &o)?;
            print_schedule(&c, &s, format, out)?;
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
                fse_rate: if socle { Decimal::ONE } else { Decimal::ZERO },
                mss: socle,
                coordinated_care: coordinated,
                video,
                connected_devices: devices,
            };
            let f = modernisation_forfait(year, &i)?;
            writeln!(
                out,
                "Forfait de modernisation, année de référence {} (versé en {})",
                f.reference_year, f.paid_in
            )?;
            for (part, amount, rule) in &f.parts {
                writeln!(out, "  {part:<18} {amount:>8} €  {rule}")?;
            }
            writeln!(out, "  {:<18} {:>8} €", "total", f.total)?;
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
                    Some(x) => Some(choice(
                        "--cpd",
                        x,
                        &[("favourable", true), ("unfavourable", false)],
                    )?),
                },
                designation_date: designated,
                formalities_date: formalities,
                threshold_inclusive: true,
            };
            let d = conventionnement_decision(&r);
            writeln!(out, "{} — {}", outcome_label(d.outcome), d.rule)?;
        }
    }
    Ok(())
}

fn print_schedule(
    c: &Contract,
    s: &Schedule,
    format: TableOrJson,
    out: &mut dyn Write,
) -> Result<(), Box<dyn Error>> {
    let (kind, version, signed) = (c.kind, c.version, c.signed);
    match format {
        TableOrJson::Json => {
            let v = kine_tarif::contracts::json::schedule_value(c, s);
            writeln!(out, "{}", serde_json::to_string_pretty(&v)?)?;
        }
        TableOrJson::Table => {
            writeln!(
                out,
                "{kind} {} signé le {} — {}",
                version.as_str(),
                Date(signed),
                if s.eligibility.eligible {
                    "éligible"
                } else {
                    "NON éligible"
                }
            )?;
            for r in &s.eligibility.reasons {
                writeln!(out, "  {r}")?;
            }
            writeln!(
                out,
                "{:<34} {:<10} {:<15} {:>12}  motif",
                "période", "échéance", "nature", "montant"
            )?;
            for p in &s.payments {
                writeln!(
                    out,
                    "{:<34} {:<10} {:<15} {:>12}  {}",
                    p.covers,
                    Date(p.due).to_string(),
                    kind_label(p.kind),
                    Eur(p.amount).to_string(),
                    p.note
                )?;
            }
            writeln!(out, "{:<62} {:>12}", "total", Eur(s.total).to_string())?;
            for n in &s.notes {
                writeln!(out, "note : {n}")?;
            }
        }
    }
    Ok(())
}

/// A payment's nature as a reader says it.
fn kind_label(k: kine_tarif::contracts::PaymentKind) -> &'static str {
    use kine_tarif::contracts::PaymentKind as K;
    match k {
        K::Payment => "versement",
        K::Regularisation => "régularisation",
        K::Intern => "stagiaire",
        K::Commitment => "engagement",
        K::Cancelled => "annulé",
        K::Repayment => "remboursement",
    }
}

/// A conventionnement decision as a reader says it.
fn outcome_label(o: kine_tarif::contracts::Outcome) -> &'static str {
    use kine_tarif::contracts::Outcome as O;
    match o {
        O::Granted => "Conventionnement accordé",
        O::GrantedExtraPlace => "Conventionnement accordé sur une place supplémentaire",
        O::Refused => "Conventionnement refusé",
        O::PendingCpdOpinion => "En attente de l'avis de la CPD",
    }
}
