//! The threshold session of every référentiel act, read from NGAP Titre XIV
//! chap. II art. 1 (version of 21/06/2026), not from the data: the session
//! before the threshold passes, the threshold session and later ones need
//! prior agreement.

use chrono::{Days, NaiveDate};
use kine_tarif::rules::{Checker, LineContext};
use kine_tarif::{Code, FindingCode, InvoiceLine, Tariffs};

/// (act, letter, coefficient in 2026, first session needing prior agreement)
const REFERENTIELS: [(&str, Code, &str, usize); 17] = [
    ("A1A-LOMBALGIE", Code::RAM, "8.09", 16),
    ("A1A-CERVICALGIE-NS", Code::RAM, "8.07", 16),
    ("A1A-TRAUMA-CERV", Code::RAM, "8.08", 16),
    ("A1B-CANAL-CARPIEN", Code::RSC, "8.09", 1),
    ("A1B-AVANTBRAS-FX-MED", Code::RSM, "8.11", 26),
    ("A1B-AVANTBRAS-FX-CHIR", Code::RSC, "8.10", 26),
    ("A1B-COUDE-FX-MED", Code::RSM, "8.12", 31),
    ("A1B-COUDE-FX-CHIR", Code::RSC, "8.12", 31),
    ("A1B-COIFFE-TENDINO", Code::RSM, "8.09", 26),
    ("A1B-COIFFE-SUTURE", Code::RSC, "8.11", 51),
    ("A1B-HUMERUS-FX", Code::RSM, "8.10", 31),
    ("A1C-ENTORSE-CHIR", Code::RIC, "8.11", 11),
    ("A1C-ENTORSE-MED", Code::RIM, "8.10", 11),
    ("A1C-PTG", Code::RIC, "8.12", 26),
    ("A1C-LCA", Code::RIC, "8.08", 41),
    ("A1C-MENISCECTOMIE", Code::RIC, "8.09", 16),
    ("A1C-PTH", Code::RIC, "8.10", 16),
];

#[test]
fn threshold_session_of_each_referentiel() {
    let start: NaiveDate = "2026-01-05".parse().unwrap();
    for (act, letter, coef, threshold) in REFERENTIELS {
        let mut checker = Checker::new(Tariffs::embedded());
        let sessions = threshold + 1;
        for n in 0..sessions {
            let date = start + Days::new(n as u64);
            let ctx = LineContext {
                invoice_id: format!("{act}-{}", n + 1),
                patient_id: "P".into(),
                practitioner_id: "K".into(),
                prescription_id: Some("RX".into()),
                ..LineContext::default()
            };
            let priced = checker.add(
                n + 1,
                InvoiceLine::new(date, letter, Some(coef.parse().unwrap())),
                ctx,
            );
            assert_eq!(
                priced.act.map(|a| a.id.as_str()),
                Some(act),
                "{letter} {coef} on {date}"
            );
        }
        for line in checker.finalize().unwrap().lines {
            let (session, findings) = (line.reference, line.findings);
            let flagged = findings
                .iter()
                .any(|f| f.code == FindingCode::PriorAgreementRequired);
            assert_eq!(
                flagged,
                session >= threshold,
                "{act}: session {session} of {sessions}, threshold {threshold}"
            );
        }
    }
}
