//! The payment schedule of a contract: each payment with the year it
//! covers, its due date, the base amount, the activity ratio applied, the
//! amount, and why.
//!
//! Input: a [`Contract`] as practice software knows it and the readings of
//! [`Options`]; amounts from `tariffs/contract_parameters.csv`. Output: a
//! [`Schedule`] for the command line (`kine-tarif contract schedule`) or
//! the caller. Total: any contract gives a schedule or an error in French
//! (a date past chrono's range, more than [`MAX_RENEWALS`](super::MAX_RENEWALS)
//! renewals, a termination before the signature, an amount too large for a
//! decimal); every date and amount is computed with checked arithmetic.

use chrono::{Datelike, Months, NaiveDate};
use rust_decimal::Decimal;
use serde::Serialize;

use super::{
    Contract, ContractType, Eligibility, Options, Parameters, ProrataUnit, Repayment, Version,
    Year1Proration, YearBasis, eligibility, try_planned_end,
};
use crate::fr::{Date, Eur, Num};
use crate::money::round_to_cent;

/// What a schedule line is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentKind {
    /// A scheduled payment.
    Payment,
    /// Recovery of the year-1 shortfall (negative).
    Regularisation,
    /// Intern supplement.
    Intern,
    /// A commitment year with no payment.
    Commitment,
    /// A payment cancelled by an early termination.
    Cancelled,
    /// Repayment after an early termination (negative).
    Repayment,
}

/// One line of a schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Payment {
    /// The year covered (`2025`, or `année 2 (2026-03-15 → 2027-03-14)`).
    pub covers: String,
    /// Due date: the signature for year 1, then before 30 April of the
    /// following year (first quarter for the CIMK).
    #[serde(serialize_with = "date_str")]
    pub due: NaiveDate,
    /// What the line is.
    pub kind: PaymentKind,
    /// The amount before the activity ratio.
    #[serde(serialize_with = "decimal_str")]
    pub base: Decimal,
    /// The ratio applied (activity, pro rata temporis).
    #[serde(serialize_with = "decimal_str")]
    pub ratio: Decimal,
    /// The amount, in euros, rounded to the cent.
    #[serde(serialize_with = "decimal_str")]
    pub amount: Decimal,
    /// Why, in French.
    pub note: String,
}

/// A contract's schedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    /// Eligibility at signature.
    pub eligibility: Eligibility,
    /// The lines, in order.
    pub payments: Vec<Payment>,
    /// Sum of the amounts.
    pub total: Decimal,
    /// General notes and sources.
    pub notes: Vec<String>,
}

/// Decimals as strings in JSON (`"30000.00"`), never as floats.
fn decimal_str<S: serde::Serializer>(d: &Decimal, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&d.to_string())
}

fn date_str<S: serde::Serializer>(d: &NaiveDate, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&d.to_string())
}

/// The error of a date past chrono's range.
fn beyond(what: &str) -> String {
    format!("{what} tombe hors des dates représentables (de l'an -262143 à l'an 262142)")
}

/// 30 April of the year after `year`: when a year's payment is due.
fn april_30(year: i32) -> Result<NaiveDate, String> {
    year.checked_add(1)
        .and_then(|y| NaiveDate::from_ymd_opt(y, 4, 30))
        .ok_or_else(|| beyond(&format!("l'échéance du 30 avril suivant l'année {year}")))
}

fn add_years(d: NaiveDate, years: u32) -> Result<NaiveDate, String> {
    years
        .checked_mul(12)
        .and_then(|m| d.checked_add_months(Months::new(m)))
        .ok_or_else(|| beyond(&format!("la date du {} plus {years} ans", Date(d))))
}

/// `a × b`, or an error naming both when the product exceeds a decimal.
fn mul(a: Decimal, b: Decimal) -> Result<Decimal, String> {
    a.checked_mul(b).ok_or_else(|| {
        format!(
            "montant trop grand : {} × {} dépasse la capacité d'un décimal (28 chiffres)",
            Num(a),
            Num(b)
        )
    })
}

/// `a / b`, or an error when the quotient exceeds a decimal or `b` is zero.
fn div(a: Decimal, b: Decimal) -> Result<Decimal, String> {
    a.checked_div(b).ok_or_else(|| {
        format!(
            "montant impossible : {} / {} (division par zéro ou dépassement)",
            Num(a),
            Num(b)
        )
    })
}

/// The sum of `amounts`, or an error when it exceeds a decimal.
fn sum<'a>(amounts: impl IntoIterator<Item = &'a Decimal>) -> Result<Decimal, String> {
    amounts.into_iter().try_fold(Decimal::ZERO, |acc, &x| {
        acc.checked_add(x).ok_or_else(|| {
            "montant trop grand : la somme des versements dépasse la capacité d'un décimal (28 chiffres)"
                .to_string()
        })
    })
}

fn whole_months(from: NaiveDate, to: NaiveDate) -> i64 {
    let m = (to.year() as i64 * 12 + to.month() as i64)
        - (from.year() as i64 * 12 + from.month() as i64);
    if to.day() < from.day() { m - 1 } else { m }
}

fn ratio(num: i64, den: i64) -> Decimal {
    if den <= 0 {
        Decimal::ZERO
    } else {
        Decimal::from(num) / Decimal::from(den)
    }
}

/// Activity ratio: 1 at or above the full count, acts / full between the
/// floor and the full count, 0 below the floor.
fn activity_ratio(acts: u32, floor: Decimal, full: Decimal) -> Decimal {
    let a = Decimal::from(acts);
    if a >= full {
        Decimal::ONE
    } else if a >= floor {
        a / full
    } else {
        Decimal::ZERO
    }
}

struct Year {
    covers: String,
    key: u32,
    due: NaiveDate,
}

fn years(c: &Contract, basis: YearBasis, count: u32) -> Result<Vec<Year>, String> {
    (1..=count)
        .map(|k| match basis {
            YearBasis::Calendar => {
                // count is 5: no overflow below chrono's last year.
                let y = c.signed.year() + k as i32 - 1;
                Ok(Year {
                    covers: y.to_string(),
                    key: y as u32,
                    due: april_30(y)?,
                })
            }
            YearBasis::Contract => {
                let start = add_years(c.signed, k - 1)?;
                let end = add_years(c.signed, k)?;
                let last = end.pred_opt().unwrap_or(end);
                Ok(Year {
                    covers: format!("année {k} (du {} au {})", Date(start), Date(last)),
                    key: k,
                    due: april_30(last.year())?,
                })
            }
        })
        .collect()
}

fn gates(c: &Contract, key: u32, min_share: Decimal, note: &mut Vec<String>) -> bool {
    let mut ok = true;
    if let Some(s) = c.in_zone_share.get(&key)
        && *s < min_share
    {
        note.push(format!(
            "part d'activité dans la zone {} < {}",
            Num(*s),
            Num(min_share)
        ));
        ok = false;
    }
    if c.modernisation_met.get(&key) == Some(&false) {
        note.push("indicateurs du forfait de modernisation (art. 4.9) non remplis".into());
        ok = false;
    }
    ok
}

/// The schedule of a contract under the given readings.
///
/// Errors (in French): more than [`MAX_RENEWALS`](super::MAX_RENEWALS)
/// renewals; a term, a due date or an intern year past chrono's range; a
/// termination before the signature; an amount beyond a decimal's 28
/// digits (an intern period of absurd months × FTE); a CACCMK or CAIMK
/// under avenant 3.
pub fn schedule(c: &Contract, o: &Options) -> Result<Schedule, String> {
    if c.renewals > super::MAX_RENEWALS {
        return Err(format!(
            "{} renouvellements tacites : au plus {} (un terme de {} ans)",
            c.renewals,
            super::MAX_RENEWALS,
            3 * (1 + super::MAX_RENEWALS)
        ));
    }
    let term_end = try_planned_end(c).ok_or_else(|| {
        beyond(&format!(
            "la fin du contrat signé le {} ({} ans)",
            Date(c.signed),
            super::term_years(c)
        ))
    })?;
    if let Some(t) = &c.termination
        && t.date < c.signed
    {
        return Err(format!(
            "résiliation le {} avant la signature du {}",
            Date(t.date),
            Date(c.signed)
        ));
    }
    let p = Parameters::embedded();
    let kind = c.kind.as_str();
    let version = c.version.as_str();
    let param = |name: &str, index: &str| p.get(kind, version, name, index);
    let eligibility = eligibility(c);
    let mut payments = Vec::new();
    let mut notes = Vec::new();
    let min_share = match c.kind {
        ContractType::Cimk => param("in_zone_share", "")
            .map(|x| x.0)
            .unwrap_or(Decimal::new(6667, 4)),
        _ => param("in_zone_share", "")
            .map(|x| x.0)
            .unwrap_or(Decimal::new(5, 1)),
    };

    match c.kind {
        ContractType::Caccmk | ContractType::Caimk => {
            if c.version == Version::Avenant3 {
                return Err(format!("le {kind} n'existe pas sous l'avenant 3"));
            }
            let need = |name: &str, index: &str| {
                param(name, index).map(|x| x.0).ok_or_else(|| {
                    format!("paramètre {name} {index} absent pour {kind} {version} (contract_parameters.csv)")
                })
            };
            let (floor1, full1) = (need("act_floor", "1")?, need("act_full", "1")?);
            let (floor, full) = (need("act_floor", "2")?, need("act_full", "2")?);
            for (k, y) in years(c, o.year_basis, 5)?.into_iter().enumerate() {
                let k = k + 1;
                let Some((base, source)) = param("payment", &k.to_string()) else {
                    payments.push(Payment {
                        covers: y.covers,
                        due: y.due,
                        kind: super::PaymentKind::Commitment,
                        base: Decimal::ZERO,
                        ratio: Decimal::ZERO,
                        amount: Decimal::ZERO.round_dp(2),
                        note: format!("année {k} : engagement d'exercice, pas de versement prévu"),
                    });
                    continue;
                };
                let (fl, fu) = if k == 1 {
                    (floor1, full1)
                } else {
                    (floor, full)
                };
                let mut note = vec![source.to_string()];
                let r = match c.acts.get(&y.key) {
                    Some(&acts) => {
                        let r = activity_ratio(acts, fl, fu);
                        note.push(format!(
                            "{acts} actes : seuil {}, 100 % à {} → {} %",
                            Num(fl),
                            Num(fu),
                            Num((r * Decimal::ONE_HUNDRED).round_dp(2))
                        ));
                        r
                    }
                    None => {
                        note.push("activité non renseignée : montant maximal".into());
                        Decimal::ONE
                    }
                };
                let r = if gates(c, y.key, min_share, &mut note) {
                    r
                } else {
                    Decimal::ZERO
                };
                if k == 1 {
                    payments.push(Payment {
                        covers: y.covers.clone(),
                        due: c.signed,
                        kind: super::PaymentKind::Payment,
                        base,
                        ratio: Decimal::ONE,
                        amount: round_to_cent(base),
                        note: format!("versé à la signature ; {}", note.join(" ; ")),
                    });
                    if r < Decimal::ONE && o.year1 == Year1Proration::Recover {
                        let due = round_to_cent(mul(base, r)?);
                        payments.push(Payment {
                            covers: y.covers,
                            due: y.due,
                            kind: super::PaymentKind::Regularisation,
                            base,
                            ratio: r,
                            amount: due - round_to_cent(base),
                            note: format!(
                                "régularisation de la 1re année : dû {} sur {} versés",
                                Eur(due),
                                Eur(base)
                            ),
                        });
                    }
                } else {
                    payments.push(Payment {
                        covers: y.covers,
                        due: y.due,
                        kind: super::PaymentKind::Payment,
                        base,
                        ratio: r,
                        amount: round_to_cent(mul(base, r)?),
                        note: note.join(" ; "),
                    });
                }
            }
        }
        ContractType::Cammk | ContractType::Cimk => {
            let annual = param("annual", "").ok_or_else(|| {
                format!("pas de montant annuel pour {kind} {version} (contract_parameters.csv)")
            })?;
            let end = c
                .termination
                .as_ref()
                .map(|t| t.date)
                .unwrap_or(term_end)
                .min(term_end);
            // Months convention: engagements start the 1st of the month after adhesion.
            let first_month = c
                .signed
                .with_day(1)
                .and_then(|d| d.checked_add_months(Months::new(1)))
                .ok_or_else(|| beyond(&format!("le 1er du mois suivant le {}", Date(c.signed))))?;
            let total_months =
                whole_months(c.signed, term_end).min(whole_months(c.signed, end).max(0));
            // At most 12 × 48 months (MAX_RENEWALS), never negative.
            let months_end = u32::try_from(total_months)
                .ok()
                .and_then(|m| first_month.checked_add_months(Months::new(m)))
                .ok_or_else(|| {
                    beyond(&format!(
                        "le {} plus {total_months} mois",
                        Date(first_month)
                    ))
                })?;
            let cimk = c.kind == ContractType::Cimk;
            let last = match o.prorata {
                ProrataUnit::Days => end,
                ProrataUnit::Months => months_end,
            }
            .pred_opt()
            .unwrap_or(end);
            for y in c.signed.year()..=last.year() {
                let ys = NaiveDate::from_ymd_opt(y, 1, 1)
                    .ok_or_else(|| beyond(&format!("le 1er janvier {y}")))?;
                let ye = y
                    .checked_add(1)
                    .and_then(|n| NaiveDate::from_ymd_opt(n, 1, 1))
                    .ok_or_else(|| beyond(&format!("le 1er janvier suivant l'année {y}")))?;
                let (r, how) = match o.prorata {
                    ProrataUnit::Days => {
                        let from = c.signed.max(ys);
                        let to = end.min(ye);
                        let days = (to - from).num_days().max(0);
                        (
                            ratio(days, (ye - ys).num_days()),
                            format!("{days} jours sur {}", (ye - ys).num_days()),
                        )
                    }
                    ProrataUnit::Months => {
                        let from = first_month.max(ys);
                        let to = months_end.min(ye);
                        let m = whole_months(from, to).max(0);
                        (
                            ratio(m, 12),
                            format!("{m} mois sur 12 (à partir du 1er du mois suivant l'adhésion)"),
                        )
                    }
                };
                if r.is_zero() {
                    continue;
                }
                let mut note = vec![annual.1.to_string(), how];
                let key = match o.year_basis {
                    YearBasis::Calendar => y as u32,
                    YearBasis::Contract => (y - c.signed.year() + 1) as u32,
                };
                let g = gates(
                    c,
                    key,
                    if cimk
                        && matches!(
                            c.zone,
                            super::ZoneType::TresSousDotee | super::ZoneType::SousDotee
                        )
                    {
                        Decimal::ZERO
                    } else {
                        min_share
                    },
                    &mut note,
                );
                let r = if g { r } else { Decimal::ZERO };
                let due = if cimk {
                    y.checked_add(1)
                        .and_then(|n| NaiveDate::from_ymd_opt(n, 3, 31))
                        .ok_or_else(|| beyond(&format!("le 31 mars suivant l'année {y}")))?
                } else {
                    april_30(y)?
                };
                payments.push(Payment {
                    covers: y.to_string(),
                    due,
                    kind: super::PaymentKind::Payment,
                    base: annual.0,
                    ratio: r.round_dp(6),
                    amount: round_to_cent(mul(annual.0, r)?),
                    note: note.join(" ; "),
                });
            }
            if cimk {
                notes.push("CIMK : plus la prise en charge de la cotisation d'allocations familiales (art. L.242-11 CSS), selon les revenus conventionnés ; versé au premier trimestre de l'année suivante.".into());
            } else if c.renewals == 0 {
                notes.push(
                    "CAMMK : 3 ans, renouvelable par tacite reconduction (paramètre renewals)."
                        .into(),
                );
            }
        }
    }

    // Intern supplement.
    if c.kind != ContractType::Cimk {
        for i in &c.interns {
            let (rate, source) = param("intern_month", "").ok_or_else(|| {
                format!("pas de montant de stage pour {kind} {version} (contract_parameters.csv)")
            })?;
            let eligible =
                c.version != Version::Avenant7 || i.study_year.is_none_or(|y| y == 4 || y == 5);
            let share = mul(i.months, i.fte)?;
            let amount = if eligible {
                round_to_cent(mul(rate, share)?)
            } else {
                Decimal::ZERO.round_dp(2)
            };
            let due = match o.year_basis {
                YearBasis::Calendar => april_30(
                    i32::try_from(i.year)
                        .map_err(|_| beyond(&format!("l'année de stage {}", i.year)))?,
                ),
                YearBasis::Contract => {
                    let end = add_years(c.signed, i.year)?;
                    april_30(end.pred_opt().unwrap_or(end).year())
                }
            }?;
            payments.push(Payment {
                covers: i.year.to_string(),
                due,
                kind: super::PaymentKind::Intern,
                base: rate,
                ratio: share,
                amount,
                note: if eligible {
                    format!(
                        "{source} ; {} × {} mois × {} ETP",
                        Eur(rate),
                        Num(i.months),
                        Num(i.fte)
                    )
                } else {
                    "avenant 7 : supplément réservé aux étudiants de 4e ou 5e année".into()
                },
            });
        }
    }

    // Early termination.
    if let Some(t) = &c.termination {
        for pmt in payments
            .iter_mut()
            .filter(|p| p.due > t.date && p.kind != super::PaymentKind::Commitment)
        {
            pmt.note = format!(
                "annulé par la résiliation du {} ({} prévus) ; {}",
                Date(t.date),
                Eur(pmt.amount),
                pmt.note
            );
            pmt.kind = super::PaymentKind::Cancelled;
            pmt.amount = Decimal::ZERO.round_dp(2);
        }
        if matches!(
            c.kind,
            ContractType::Caccmk | ContractType::Caimk | ContractType::Cimk
        ) {
            let paid = sum(payments
                .iter()
                .filter(|p| p.due <= t.date)
                .map(|p| &p.amount))?;
            let end = term_end;
            let (served, total) = match o.prorata {
                ProrataUnit::Days => ((t.date - c.signed).num_days(), (end - c.signed).num_days()),
                ProrataUnit::Months => {
                    (whole_months(c.signed, t.date), whole_months(c.signed, end))
                }
            };
            // A termination on or after the planned end leaves nothing to
            // serve (served is never negative: checked above).
            let served = served.min(total);
            let remaining = total - served;
            let (dserved, dremaining, dtotal) = (
                Decimal::from(served),
                Decimal::from(remaining),
                Decimal::from(total),
            );
            let (amount, note) = if let Some(reason) = t.reason {
                (
                    Decimal::ZERO,
                    format!(
                        "résiliation pour un motif légitime ({}) : rien à rembourser",
                        reason.label()
                    ),
                )
            } else {
                match o.repayment {
                    Repayment::PaidProrata => (
                        round_to_cent(div(mul(paid, dremaining)?, dtotal)?),
                        format!(
                            "prorata temporis des sommes versées : {} × {remaining} / {total}",
                            Eur(paid)
                        ),
                    ),
                    Repayment::PaidMinusEarned => {
                        let contract_total: Decimal = match c.kind {
                            ContractType::Caccmk | ContractType::Caimk => (1..=5)
                                .filter_map(|k| param("payment", &k.to_string()))
                                .map(|x| x.0)
                                .sum(),
                            _ => mul(
                                param("annual", "").map(|x| x.0).unwrap_or_default(),
                                Decimal::from(super::term_years(c)),
                            )?,
                        };
                        let earned = div(mul(contract_total, dserved)?, dtotal)?;
                        (
                            round_to_cent((paid - earned).max(Decimal::ZERO)),
                            format!(
                                "sommes versées {} moins le montant acquis au prorata du temps ({} × {served} / {total})",
                                Eur(paid),
                                Eur(contract_total)
                            ),
                        )
                    }
                }
            };
            payments.push(Payment {
                covers: format!("résiliation du {}", Date(t.date)),
                due: t.date,
                kind: super::PaymentKind::Repayment,
                base: paid,
                ratio: if total > 0 {
                    div(dremaining, dtotal)?
                } else {
                    Decimal::ZERO
                }
                .round_dp(6),
                // Never "-0.00" when nothing is repaid.
                amount: if amount.is_zero() {
                    Decimal::ZERO
                } else {
                    -amount
                },
                note,
            });
        }
    }
    let total = sum(payments.iter().map(|p| &p.amount))?.round_dp(2);
    let mut total = total;
    total.rescale(2);
    for pmt in &mut payments {
        pmt.amount.rescale(2);
    }
    Ok(Schedule {
        eligibility,
        payments,
        total,
        notes,
    })
}
