//! What the command writes besides the priced rows: the summary on
//! standard error (in French), the invoices file (`price --invoices`) and
//! who pays what for `explain --regime / --exoneration / --birth`.

use std::io::{self, Write};

use chrono::NaiveDate;
use kine_tarif::batch::Summary;
use kine_tarif::fr::{Eur, Num};
use kine_tarif::money::{format_euros, format_money};
use kine_tarif::{Error, Tariffs};

/// The summary of a batch on standard error. A write error there (a
/// closed pipe) is ignored: the output is complete already.
pub(crate) fn print_summary(s: &Summary, t: &Tariffs) {
    let _ = write_summary(&mut io::stderr().lock(), s, t);
}

/// A decimal, or `dépassement` when a sum or difference left the range of
/// a decimal.
fn shown(d: Option<rust_decimal::Decimal>, f: impl Fn(rust_decimal::Decimal) -> String) -> String {
    d.map(f).unwrap_or_else(|| "dépassement".into())
}

/// The summary in one sentence: "599 lignes : 575 conformes,
/// 14 avertissements, 10 erreurs ; calculé 8 528,88 €, facturé 8 616,86 €".
pub(crate) fn summary_sentence(s: &Summary) -> String {
    // French: 0 and 1 take the singular.
    let count = |n: u64, one: &str, many: &str| format!("{n} {}", if n <= 1 { one } else { many });
    format!(
        "{} : {}, {}, {} ; calculé {}, facturé {}",
        count(s.rows, "ligne", "lignes"),
        count(s.ok, "conforme", "conformes"),
        count(s.warnings, "avertissement", "avertissements"),
        count(s.errors, "erreur", "erreurs"),
        format_euros(s.total_amount),
        format_euros(s.total_billed),
    )
}

/// A difference with its sign: `+41,18 €`, `-0,50 €`.
fn signed(d: rust_decimal::Decimal) -> String {
    let sign = if d.is_sign_negative() { "" } else { "+" };
    format!("{sign}{}", format_euros(d))
}

fn write_summary(out: &mut dyn Write, s: &Summary, t: &Tariffs) -> io::Result<()> {
    writeln!(
        out,
        "kine-tarif : {} (données tarifaires {})",
        summary_sentence(s),
        t.version()
    )?;
    for (code, n) in &s.findings {
        writeln!(out, "  {code} : {n}")?;
    }
    if !s.reprice.is_empty() {
        writeln!(
            out,
            "  revalorisation par lettre clé : lignes, montant, montant revalorisé, écart (lignes non revalorisées)"
        )?;
        let zero = Some(rust_decimal::Decimal::ZERO);
        let (mut a, mut r) = (zero, zero);
        for (letter, t) in &s.reprice {
            a = a.and_then(|a| a.checked_add(t.amount));
            r = r.and_then(|r| r.checked_add(t.repriced));
            writeln!(
                out,
                "  {letter:<4} {:>9} {:>14} {:>14} {:>13} ({})",
                t.lines,
                format_euros(t.amount),
                format_euros(t.repriced),
                shown(t.repriced.checked_sub(t.amount), signed),
                t.not_repriced
            )?;
        }
        let diff = a.zip(r).and_then(|(a, r)| r.checked_sub(a));
        writeln!(
            out,
            "  tout {:>9} {:>14} {:>14} {:>13}",
            "",
            shown(a, format_euros),
            shown(r, format_euros),
            shown(diff, signed)
        )?;
    }
    Ok(())
}

/// `price --invoices FILE`: one row per invoice, by invoice id.
pub(crate) fn write_invoices(
    path: &std::path::Path,
    summary: &Summary,
    quiet: bool,
) -> Result<(), Error> {
    let io = |e: std::io::Error| Error::Io {
        path: path.to_path_buf(),
        source: e,
    };
    let file = std::fs::File::create(path).map_err(io)?;
    let mut w = csv::Writer::from_writer(std::io::BufWriter::new(file));
    let csv_err = |e: csv::Error| match e.into_kind() {
        csv::ErrorKind::Io(e) => io(e),
        other => Error::Argument(format!("{}: {other:?}", path.display())),
    };
    w.write_record([
        "invoice_id",
        "lines",
        "computed",
        "billed",
        "amo_amount",
        "patient_amount",
        "franchise",
        "warnings",
        "errors",
        "status",
    ])
    .map_err(csv_err)?;
    for (id, t) in &summary.invoices {
        let split = |f: fn(&kine_tarif::batch::SplitTotals) -> kine_tarif::Decimal| {
            t.split
                .as_ref()
                .map(|s| format_money(f(s)))
                .unwrap_or_default()
        };
        w.write_record([
            id.clone(),
            t.lines.to_string(),
            format_money(t.computed),
            format_money(t.billed),
            split(|s| s.amo_amount),
            split(|s| s.patient_amount),
            split(|s| s.franchise),
            t.warnings.to_string(),
            t.errors.to_string(),
            t.status().to_string(),
        ])
        .map_err(csv_err)?;
    }
    w.flush().map_err(io)?;
    if quiet {
        return Ok(());
    }
    eprintln!(
        "  {} factures écrites dans {}",
        summary.invoices.len(),
        path.display()
    );
    Ok(())
}

/// `explain … --regime / --exoneration / --birth`: who pays what, with
/// the formula of each part.
pub(crate) fn write_split(
    out: &mut impl Write,
    p: &kine_tarif::Priced<'_>,
    coverage: &kine_tarif::coverage::Coverage,
    birth: Option<NaiveDate>,
) -> Result<(), Box<dyn std::error::Error>> {
    use kine_tarif::coverage::{LineKind, split};
    let Some(amount) = p.amount else {
        writeln!(out, "Qui paie quoi : pas de montant, pas de partage.")?;
        return Ok(());
    };
    let kind = LineKind::of(p.line.code);
    let s = split(coverage, p.line.date, kind, amount, birth)?;
    writeln!(
        out,
        "Qui paie quoi ({}, exonération {}) :",
        coverage.regime.name(),
        coverage.exoneration.name()
    )?;
    writeln!(
        out,
        "  part AMO : {} × {} % = {} → {} (au centime, la moitié arrondie au plus loin de zéro)",
        Eur(amount),
        Num(s.amo_rate),
        amount
            .checked_mul(s.amo_rate)
            .and_then(|x| x.checked_div(rust_decimal::Decimal::ONE_HUNDRED))
            .map(|x| format!("{}\u{a0}€", Num(x)))
            .unwrap_or_default(),
        Eur(s.amo_amount)
    )?;
    writeln!(
        out,
        "  part patient : {} − {} = {} (complémentaire ou C2S le cas échéant)",
        Eur(amount),
        Eur(s.amo_amount),
        Eur(s.patient_amount)
    )?;
    writeln!(
        out,
        "  franchise (retenue plus tard par la caisse, plafonds par jour et par an non comptés ici) : {}",
        Eur(s.franchise)
    )?;
    writeln!(out, "  source du taux : {}", s.rate_source)?;
    Ok(())
}
