//! Checking against the history a practice's software already keeps: its
//! own table of sessions, asked through the `History` trait, with no copy
//! into kine-tarif's SQLite file.
//!
//! ```sh
//! cargo run --example own_history
//! ```
//!
//! The software's table here is a map in memory; over a real database the
//! two methods are two `SELECT … WHERE practitioner = ? [AND patient = ?]
//! AND date >= ? AND date < ?` on an index of (practitioner, date).

use std::collections::BTreeMap;
use std::ops::Range;

use kine_tarif::history::{History, HistoryLine};
use kine_tarif::rules::{Checker, LineContext};
use kine_tarif::{Code, Error, InvoiceLine, NaiveDate, Tariffs};

/// A row of the practice software's own sessions table.
struct SessionRow {
    invoice: u32,
    line: u32,
    patient: &'static str,
    date: NaiveDate,
    cotation: (&'static str, &'static str),
    prescription: &'static str,
}

/// The software's table, by practitioner then date.
struct PracticeDb {
    rows: BTreeMap<(String, NaiveDate), Vec<SessionRow>>,
}

impl PracticeDb {
    fn to_line(practitioner: &str, r: &SessionRow) -> Result<HistoryLine, Error> {
        let code: Code = r
            .cotation
            .0
            .parse()
            .map_err(|e: kine_tarif::UnknownCode| Error::Argument(e.to_string()))?;
        let coefficient = r.cotation.1.parse().ok();
        let ctx = LineContext {
            invoice_id: r.invoice.to_string(),
            patient_id: r.patient.to_string(),
            practitioner_id: practitioner.to_string(),
            prescription_id: Some(r.prescription.to_string()),
            ..LineContext::default()
        };
        let line = InvoiceLine::new(r.date, code, coefficient);
        Ok(HistoryLine::new(
            &ctx.invoice_id,
            &r.line.to_string(),
            &line,
            &ctx,
        ))
    }

    fn between(
        &self,
        practitioner: &str,
        dates: Range<NaiveDate>,
        keep: impl Fn(&SessionRow) -> bool,
    ) -> Result<Vec<HistoryLine>, Error> {
        let from = (practitioner.to_string(), dates.start);
        let to = (practitioner.to_string(), dates.end);
        self.rows
            .range(from..to)
            .flat_map(|(_, rows)| rows)
            .filter(|r| keep(r))
            .map(|r| Self::to_line(practitioner, r))
            .collect()
    }
}

impl History for PracticeDb {
    fn practitioner_lines(
        &self,
        practitioner: &str,
        dates: Range<NaiveDate>,
    ) -> Result<Vec<HistoryLine>, Error> {
        self.between(practitioner, dates, |_| true)
    }

    fn patient_lines(
        &self,
        practitioner: &str,
        patient: &str,
        dates: Range<NaiveDate>,
    ) -> Result<Vec<HistoryLine>, Error> {
        self.between(practitioner, dates, |r| r.patient == patient)
    }
}

fn main() -> Result<(), Error> {
    let d = |s: &str| s.parse::<NaiveDate>();
    let date = |s: &str| d(s).map_err(|e| Error::Argument(e.to_string()));
    // Ten sessions of an ankle sprain already billed in January.
    let mut rows: BTreeMap<(String, NaiveDate), Vec<SessionRow>> = BTreeMap::new();
    for n in 1..=10u32 {
        let day = date(&format!("2026-01-{:02}", 4 + n))?;
        rows.entry(("K1".to_string(), day))
            .or_default()
            .push(SessionRow {
                invoice: 100 + (n - 1) / 5,
                line: n,
                patient: "P1",
                date: day,
                cotation: ("RIM", "8.10"),
                prescription: "RX1",
            });
    }
    let db = PracticeDb { rows };
    // Today's session: the 11th of the prescription.
    let mut checker = Checker::new(Tariffs::embedded()).with_history(&db);
    checker.add(
        "today",
        InvoiceLine::new(date("2026-01-15")?, Code::RIM, "8.10".parse().ok()),
        LineContext {
            invoice_id: "102".into(),
            patient_id: "P1".into(),
            practitioner_id: "K1".into(),
            prescription_id: Some("RX1".into()),
            ..LineContext::default()
        },
    );
    let checked = checker.finalize()?;
    let line = &checked.lines[0];
    println!(
        "{} : {} € ({} lignes d'historique consultées)",
        line.reference,
        line.amount.map_or("-".into(), |a| a.to_string()),
        checked.history_lines
    );
    for f in &line.findings {
        println!("  {f}");
    }
    assert!(
        line.findings
            .iter()
            .any(|f| f.code == kine_tarif::FindingCode::PriorAgreementRequired)
    );
    Ok(())
}
