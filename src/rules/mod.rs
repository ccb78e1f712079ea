//! Invoice rules: what makes a priced line wrong in the light of the other
//! lines of the batch (two sessions the same day, télésoin, travel
//! allowances, téléexpertise, direct access, référentiel thresholds, age,
//! bilans, majorations).
//!
//! Each rule family is a module that cites the article it implements; each
//! finding code carries its rule and source ([`FindingCode::rule`],
//! [`FindingCode::source`]). Single-line rules run when a line is added;
//! cross-line rules run at [`Checker::finalize`], on the lines grouped by
//! patient, practitioner, date and prescription. Each patient's lines are
//! walked in one order (date, session, time, invoice id, code,
//! coefficient), and no rule depends on the order of two patients, so the
//! findings do not depend on the order the lines were added in, nor on how
//! a batch is split, as long as a split keeps each practitioner's lines
//! together.
//!
//! ```
//! use kine_tarif::rules::{Checker, LineContext};
//! use kine_tarif::{Code, FindingCode, InvoiceLine, Tariffs};
//!
//! let d = |s: &str| s.parse().unwrap();
//! let ctx = |invoice: &str, prescription: &str, session: &str| LineContext {
//!     invoice_id: invoice.into(),
//!     patient_id: "P1".into(),
//!     practitioner_id: "K1".into(),
//!     prescription_id: Some(prescription.into()),
//!     session: Some(session.into()),
//!     ..LineContext::default()
//! };
//! let mut checker = Checker::new(Tariffs::embedded());
//! // Two sessions on 2026-03-02: the knee (art. 1 C) and the spine (art. 1 A) are both article 1.
//! let knee = checker.add("line-1", InvoiceLine::new(d("2026-03-02"), Code::RIC, Some("8.12".parse().unwrap())), ctx("F1", "RX1", "1"));
//! assert_eq!(knee.amount.unwrap().to_string(), "17.95");
//! checker.add("line-2", InvoiceLine::new(d("2026-03-02"), Code::RAM, Some("8.09".parse().unwrap())), ctx("F2", "RX2", "2"));
//! let checked = checker.finalize().unwrap();
//! assert!(checked.lines[0].findings.is_empty());
//! assert_eq!(checked.lines[1].reference, "line-2");
//! assert_eq!(checked.lines[1].findings[0].code, FindingCode::SameDayNotAllowed);
//! // Both invoices' totals: 17.95 € and 8.09 × 2.21 = 17.8789 → 17.88 €.
//! assert_eq!(checked.invoices[1].computed.to_string(), "17.88");
//! ```

pub mod age;
pub mod bilans;
mod checker;
mod checker_split;
pub mod direct_access;
pub mod holidays;
pub mod majorations;
pub(crate) mod numbers;
pub mod prescription;
pub mod referentiel;
pub mod same_day;
pub mod teleexpertise;
pub mod telesoin;
pub mod travel;

pub use checker::{Checked, Checker, InvoiceTotal, LineResult};
pub use checker_split::LineSplit;

use std::collections::BTreeMap;
use std::ops::Range;

use chrono::{NaiveDate, NaiveTime};
use rust_decimal::Decimal;

use crate::nomenclature::ActTraits;
use crate::{Act, Code, CodeKind, Finding, Priced, Tariffs};

#[cfg(doc)]
use crate::FindingCode;

/// What the rules need to know about a line besides its cotation: who,
/// which prescription, which session. Empty strings and `None` mean
/// unknown; a rule that needs a missing field does not fire (or says so).
///
/// In JSON (serde): an object with these field names, any of them left out
/// (dates `YYYY-MM-DD`, times `HH:MM:SS`, `distance_km` a string).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct LineContext {
    /// The caller's invoice reference.
    pub invoice_id: String,
    /// Patient identifier.
    pub patient_id: String,
    /// Practitioner identifier (RPPS or AM number).
    pub practitioner_id: String,
    /// Département code, for public holidays (Alsace-Moselle, overseas).
    pub department: Option<String>,
    /// Prescription identifier.
    pub prescription_id: Option<String>,
    /// Date of the prescription.
    pub prescription_date: Option<NaiveDate>,
    /// Prescriber identifier: the practitioner's own for direct access,
    /// 291991123 for a prescription renewed by the physiotherapist.
    pub prescriber_id: Option<String>,
    /// Session label within the day (two sessions the same day differ).
    pub session: Option<String>,
    /// Remote session (télésoin).
    pub telesoin: bool,
    /// Patient's date of birth.
    pub patient_birth_date: Option<NaiveDate>,
    /// One-way distance from the professional address, in km (IK lines).
    #[serde(with = "rust_decimal::serde::str_option")]
    pub distance_km: Option<Decimal>,
    /// Hospital discharge date (IFS after surgery).
    pub discharge_date: Option<NaiveDate>,
    /// Trip identifier: lines of several patients seen in one home or
    /// establishment during one trip share it.
    pub trip_id: Option<String>,
    /// Time of the act (night majoration).
    pub time: Option<NaiveTime>,
    /// Time of the call (night majoration).
    pub call_time: Option<NaiveTime>,
    /// The patient's régime, for the reimbursement split
    /// ([`crate::coverage`]): `general` (default) or `alsace_moselle`.
    pub regime: crate::coverage::Regime,
    /// The exoneration of the ticket modérateur (`none` by default, `ald`,
    /// `maternity`, `at_mp`, `invalidity`, `military_pension`, `mines`,
    /// `c2s`, `ame`).
    pub exoneration: crate::coverage::Exoneration,
    /// Tiers payant: `none` (default), `amo`, `full`.
    pub tiers_payant: crate::coverage::TiersPayant,
    /// The patient's NIR (checked: [`crate::identifiers::check_nir`]).
    pub patient_nir: Option<String>,
    /// The practitioner's numéro AM or RPPS (checked).
    pub practitioner_number: Option<String>,
    /// The prescriber's numéro AM, RPPS or FINESS, or 291991123 (checked).
    pub prescriber_number: Option<String>,
}

/// Prescriber number of a prescription renewed by the physiotherapist: not
/// direct access (defined with the identifier checks).
pub use crate::identifiers::RENEWAL_PRESCRIBER;

/// A borrowed view of a [`LineContext`]: what the rules read, without
/// owning strings (the batch engine points it into its record buffers).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Ctx<'a> {
    pub invoice_id: &'a str,
    pub patient_id: &'a str,
    pub practitioner_id: &'a str,
    pub department: Option<&'a str>,
    pub prescription_id: Option<&'a str>,
    pub prescriber_id: Option<&'a str>,
    pub session: Option<&'a str>,
    pub telesoin: bool,
    pub patient_birth_date: Option<NaiveDate>,
    pub prescription_date: Option<NaiveDate>,
    pub distance_km: Option<Decimal>,
    pub discharge_date: Option<NaiveDate>,
    pub trip_id: Option<&'a str>,
    pub time: Option<NaiveTime>,
    pub call_time: Option<NaiveTime>,
    pub coverage: crate::coverage::Coverage,
}

impl LineContext {
    pub(crate) fn view(&self) -> Ctx<'_> {
        Ctx {
            invoice_id: &self.invoice_id,
            patient_id: &self.patient_id,
            practitioner_id: &self.practitioner_id,
            department: self.department.as_deref(),
            prescription_id: self.prescription_id.as_deref(),
            prescriber_id: self.prescriber_id.as_deref(),
            session: self.session.as_deref(),
            telesoin: self.telesoin,
            patient_birth_date: self.patient_birth_date,
            prescription_date: self.prescription_date,
            distance_km: self.distance_km,
            discharge_date: self.discharge_date,
            trip_id: self.trip_id.as_deref(),
            time: self.time,
            call_time: self.call_time,
            coverage: self.coverage(),
        }
    }

    /// The patient's coverage on the line ([`crate::coverage`]).
    pub fn coverage(&self) -> crate::coverage::Coverage {
        crate::coverage::Coverage {
            regime: self.regime,
            exoneration: self.exoneration,
            tiers_payant: self.tiers_payant,
        }
    }
}

/// The acts a line may be: none, one (the usual case, no allocation), or
/// several candidates.
#[derive(Debug, Clone)]
pub(crate) enum Acts<'a> {
    One(&'a Act),
    Many(Vec<&'a Act>),
}

impl<'a> Acts<'a> {
    pub fn as_slice(&self) -> &[&'a Act] {
        match self {
            Acts::One(a) => std::slice::from_ref(a),
            Acts::Many(v) => v,
        }
    }
}

/// What pricing resolved about a line.
#[derive(Debug, Clone)]
pub(crate) struct Core<'a> {
    pub date: NaiveDate,
    pub code: Code,
    pub coefficient: Option<Decimal>,
    pub quantity: Decimal,
    pub acts: Acts<'a>,
}

impl<'a> Core<'a> {
    #[inline(always)]
    pub fn new(tariffs: &'a Tariffs, priced: &Priced<'a>) -> Core<'a> {
        let l = &priced.line;
        let acts = if let Some(a) = priced.act {
            Acts::One(a)
        } else if let Some(o) = priced.old_cotation {
            Acts::Many(tariffs.replacements(o.letter, o.coefficient))
        } else if let Some(c) = priced.coefficient.or(l.coefficient) {
            match l.code.kind() {
                CodeKind::Telesoin => Acts::Many(tariffs.acts_with_coefficient_at(c, l.date)),
                CodeKind::ActKey => Acts::Many(
                    tariffs
                        .acts_at(l.code, c, l.date)
                        .into_iter()
                        .map(|(a, _)| a)
                        .collect(),
                ),
                _ => Acts::Many(Vec::new()),
            }
        } else {
            Acts::Many(Vec::new())
        };
        Core {
            date: l.date,
            code: l.code,
            coefficient: priced.coefficient.or(l.coefficient),
            quantity: l.quantity,
            acts,
        }
    }
}

/// A line as the cross-line rules see it.
#[derive(Debug, Clone)]
pub(crate) struct Line<'a> {
    pub date: NaiveDate,
    pub code: Code,
    pub coefficient: Option<Decimal>,
    pub quantity: Decimal,
    pub ctx: &'a Ctx<'a>,
    pub acts: Acts<'a>,
    /// Asked by several rules on every line: worked out once, so that a
    /// rule pass reads the line and not its context.
    is_session: bool,
    is_remote: bool,
    is_direct_access: bool,
    /// The trait bits ([`ActTraits`]) every candidate act has (none when
    /// there is no act), and those any has.
    all_traits: u16,
    any_traits: u16,
    /// What the line gives the cross-line rules to check ([`Concerns`]).
    concerns: u16,
    /// Numbers of the practitioner and of the (practitioner, patient) pair,
    /// in order of first appearance ([`check_all`] sets them): the rules
    /// group by these instead of comparing the strings again.
    pub practitioner_run: u32,
    pub patient_run: u32,
}

impl<'a> Line<'a> {
    // Inlined into the batch engine's loop, its one hot caller (measured:
    // the history's import and checker calling it too made the inliner keep
    // it out of line, +5 % instructions a line).
    #[inline(always)]
    pub fn new(core: Core<'a>, ctx: &'a Ctx<'a>) -> Line<'a> {
        let mut l = Line {
            date: core.date,
            code: core.code,
            coefficient: core.coefficient,
            quantity: core.quantity,
            ctx,
            acts: core.acts,
            is_session: false,
            is_remote: false,
            is_direct_access: false,
            all_traits: 0,
            any_traits: 0,
            concerns: 0,
            practitioner_run: 0,
            patient_run: 0,
        };
        if let Some((first, rest)) = l.acts.as_slice().split_first() {
            let (all, any) = rest
                .iter()
                .fold((first.trait_bits(), first.trait_bits()), |(all, any), a| {
                    (all & a.trait_bits(), any | a.trait_bits())
                });
            (l.all_traits, l.any_traits) = (all, any);
        }
        l.is_session = l.compute_session();
        l.is_remote = l.code == Code::TMK || (l.ctx.telesoin && l.act_line());
        l.is_direct_access = direct_access::is_direct_access(&l);
        l.concerns = l.compute_concerns();
        l
    }

    /// Marks a line of the history ([`crate::history`]): context for the
    /// rules, its own findings dropped. It comes before the lines checked
    /// in the order of a patient's day. (A bit of the concerns, not a
    /// field: the line stays the size the batch engine moves.)
    pub fn set_past(&mut self) {
        self.concerns |= Concerns::PAST;
    }

    /// A line of the history ([`Line::set_past`]).
    pub fn past(&self) -> bool {
        self.concerns & Concerns::PAST != 0
    }

    /// Whether the line has the [`Concerns`] bit `bit`.
    pub fn concerns(&self, bit: u16) -> bool {
        self.concerns & bit != 0
    }

    fn compute_concerns(&self) -> u16 {
        let bit = |yes: bool, bit: u16| if yes { bit } else { 0 };
        let travel = self.travel();
        let mut c = bit(travel, Concerns::TRAVEL)
            | bit(travel && self.ctx.trip_id.is_some(), Concerns::TRIP)
            | bit(self.code == Code::RQD, Concerns::RQD)
            | bit(
                self.code.kind() == CodeKind::Majoration,
                Concerns::MAJORATION,
            );
        if self.act_line() {
            let remote = self.telesoin();
            c |= bit(
                self.all_are(ActTraits::LYMPH_BREAST),
                Concerns::LYMPH_BREAST,
            ) | bit(remote, Concerns::TELESOIN_ACT)
                | bit(
                    self.all_are(ActTraits::BILAN_S1) || self.all_are(ActTraits::BDK),
                    Concerns::BILAN,
                );
            if self.session() {
                c |= bit(self.date >= same_day::IN_FORCE, Concerns::SESSION_IN_FORCE)
                    | bit(remote, Concerns::TELESOIN_SESSION)
                    | bit(
                        self.ctx.prescription_date.is_some(),
                        Concerns::PRESCRIPTION_DATED,
                    )
                    | bit(self.direct_access(), Concerns::DIRECT_ACCESS)
                    | bit(
                        self.single_act()
                            .is_some_and(|a| a.prior_agreement_from.is_some()),
                        Concerns::PRIOR_AGREEMENT,
                    );
            }
        }
        c
    }

    /// A remote session.
    pub fn telesoin(&self) -> bool {
        self.is_remote
    }

    /// A direct-access session ([`direct_access`]).
    pub fn direct_access(&self) -> bool {
        self.is_direct_access
    }

    /// A line carrying an act (key letter, old key or TMK).
    pub fn act_line(&self) -> bool {
        matches!(
            self.code.kind(),
            CodeKind::ActKey | CodeKind::OldKey | CodeKind::Telesoin
        )
    }

    /// A presential act (anything billed in person with a coefficient).
    pub fn presential(&self) -> bool {
        self.act_line() && !self.telesoin()
    }

    pub fn travel(&self) -> bool {
        matches!(self.code.kind(), CodeKind::TravelFlat | CodeKind::TravelKm)
    }

    /// Whether every candidate act satisfies `f` (false when there is none).
    pub fn all_acts(&self, f: impl Fn(&Act) -> bool) -> bool {
        let acts = self.acts.as_slice();
        !acts.is_empty() && acts.iter().all(|a| f(a))
    }

    pub fn any_act(&self, f: impl Fn(&Act) -> bool) -> bool {
        self.acts.as_slice().iter().any(|a| f(a))
    }

    /// Whether every candidate act has the trait `bit` (an [`ActTraits`]
    /// constant; false when there is none): `all_acts(|a| a.is(bit))`,
    /// worked out once.
    pub fn all_are(&self, bit: u16) -> bool {
        self.all_traits & bit != 0
    }

    /// Whether some candidate act has the trait `bit`.
    pub fn any_is(&self, bit: u16) -> bool {
        self.any_traits & bit != 0
    }

    /// A treatment session: a chapter II act that is not a supplement.
    /// An old cotation counts when one of its replacements is one; a TMK
    /// line with no known act still counts.
    pub fn session(&self) -> bool {
        self.is_session
    }

    fn compute_session(&self) -> bool {
        if !self.act_line() {
            return false;
        }
        if self.code == Code::TMK && self.acts.as_slice().is_empty() {
            return true;
        }
        self.any_is(ActTraits::TREATMENT)
    }

    /// The chapter II article, when every candidate agrees on it.
    pub fn article(&self) -> Option<&'a str> {
        let first = *self.acts.as_slice().first()?;
        self.all_acts(|a| a.chapter == "II" && a.article == first.article)
            .then_some(first.article.as_str())
    }

    /// The single act, when there is exactly one.
    pub fn single_act(&self) -> Option<&'a Act> {
        match self.acts.as_slice() {
            [a] => Some(a),
            _ => None,
        }
    }

    fn prescription_key(&self) -> &'a str {
        self.ctx.prescription_id.unwrap_or("")
    }

    /// Whether two lines have the same prescription key (ids compared by
    /// word loads: asked for many pairs of a patient's lines).
    pub fn same_prescription(&self, other: &Line<'_>) -> bool {
        crate::bytes::same(
            self.prescription_key().as_bytes(),
            other.prescription_key().as_bytes(),
        )
    }
}

/// The order of one patient's lines with one practitioner: date, the
/// history's lines first, session, time, invoice id, code, coefficient.
/// The cross-line rules walk each patient's lines in this order, whatever
/// order they came in.
pub(crate) fn cmp_within_patient(x: &Line<'_>, y: &Line<'_>) -> std::cmp::Ordering {
    x.date
        .cmp(&y.date)
        .then_with(|| y.past().cmp(&x.past()))
        .then_with(|| x.ctx.session.cmp(&y.ctx.session))
        .then_with(|| x.ctx.time.cmp(&y.ctx.time))
        .then_with(|| x.ctx.invoice_id.cmp(y.ctx.invoice_id))
        .then_with(|| x.code.cmp(&y.code))
        .then_with(|| x.coefficient.cmp(&y.coefficient))
}

/// Groups the indices of the lines kept by `keep` by `key`, each group in
/// the order of the lines (the rule order of [`check_all`]).
pub(crate) fn group_by<'a, K: Ord>(
    lines: &'a [Line<'_>],
    keep: impl Fn(&Line<'_>) -> bool,
    key: impl Fn(&'a Line<'_>) -> K,
) -> BTreeMap<K, Vec<usize>> {
    let mut groups: BTreeMap<K, Vec<usize>> = BTreeMap::new();
    for (i, l) in lines.iter().enumerate() {
        if keep(l) {
            groups.entry(key(l)).or_default().push(i);
        }
    }
    groups
}

/// Calls `f` on each run of consecutive kept lines sharing `key`. With the
/// lines in rule order, a key that starts with the patient run
/// ([`Line::patient_run`], then date, …) makes every group one run, found
/// in one pass without a map. The index buffer is reused.
pub(crate) fn for_each_run<'a, K: PartialEq>(
    lines: &'a [Line<'_>],
    keep: impl Fn(&Line<'_>) -> bool,
    key: impl Fn(&'a Line<'_>) -> K,
    mut f: impl FnMut(&K, &[usize]),
) {
    let mut idx: Vec<usize> = Vec::with_capacity(lines.len());
    let mut current: Option<K> = None;
    for (i, l) in lines.iter().enumerate() {
        if !keep(l) {
            continue;
        }
        let k = key(l);
        if current.as_ref() != Some(&k) {
            if let Some(c) = current.take() {
                f(&c, &idx);
            }
            idx.clear();
            current = Some(k);
        }
        idx.push(i);
    }
    if let Some(c) = current {
        f(&c, &idx);
    }
}

/// What a line gives the cross-line rules to check: bits worked out once
/// per line ([`Line::concerns`]) and OR-ed over each run ([`Runs::of`]).
/// A rule pass skips the runs that hold no line of its bit, where it could
/// find nothing: the rules stay as written, the walk over the many runs
/// with nothing to check (most days hold one session) is what is saved.
pub(crate) struct Concerns;

impl Concerns {
    /// A session on or after 22 February 2024 ([`same_day`]).
    pub const SESSION_IN_FORCE: u16 = 1 << 0;
    /// Two or more such sessions in one day: a bit of runs only, set by
    /// [`Runs::of`] ([`same_day`]: one session a day is always allowed).
    pub const SESSIONS_SAME_DAY: u16 = 1 << 1;
    /// An act line every candidate act of which is RAV 15.5 ([`same_day`]).
    pub const LYMPH_BREAST: u16 = 1 << 2;
    /// A remote act line ([`telesoin`]: travel, first session, patient).
    pub const TELESOIN_ACT: u16 = 1 << 3;
    /// A remote session ([`telesoin`]: share of the year's sessions).
    pub const TELESOIN_SESSION: u16 = 1 << 4;
    /// A travel allowance ([`travel`]).
    pub const TRAVEL: u16 = 1 << 5;
    /// A travel allowance with a trip id ([`travel`]: one per trip).
    pub const TRIP: u16 = 1 << 6;
    /// A téléexpertise request ([`teleexpertise`]).
    pub const RQD: u16 = 1 << 7;
    /// A direct-access session ([`direct_access`]).
    pub const DIRECT_ACCESS: u16 = 1 << 8;
    /// A session of one act with a prior-agreement threshold
    /// ([`referentiel`]).
    pub const PRIOR_AGREEMENT: u16 = 1 << 9;
    /// An act line that is an isolated bilan or a BDK ([`bilans`]).
    pub const BILAN: u16 = 1 << 10;
    /// A majoration ([`majorations`]).
    pub const MAJORATION: u16 = 1 << 11;
    /// A session with a prescription date ([`prescription`]).
    pub const PRESCRIPTION_DATED: u16 = 1 << 12;
    /// A line of the history, not checked ([`Line::set_past`]); no rule
    /// asks a run for it.
    pub const PAST: u16 = 1 << 15;
}

/// A run of lines in rule order, and the [`Concerns`] of its lines.
pub(crate) struct Run {
    pub lines: Range<usize>,
    pub concerns: u16,
}

/// The runs most cross-line rules walk, found once for all of them: each
/// patient's lines with one practitioner, and within them each day's, as
/// ranges of lines in rule order ([`check_all`]); and the [`Concerns`] of
/// all the lines.
pub(crate) struct Runs {
    pub patients: Vec<Run>,
    pub days: Vec<Run>,
    pub concerns: u16,
}

impl Runs {
    fn of(lines: &[Line<'_>]) -> Runs {
        // A patient has a few days, a day a few lines.
        let (mut patients, mut days) = (
            Vec::with_capacity(lines.len() / 8),
            Vec::with_capacity(lines.len() / 2),
        );
        let (mut patient, mut day) = (0, 0);
        let (mut of_patient, mut of_day, mut sessions) = (0u16, 0u16, 0u32);
        let mut all = 0u16;
        for i in 1..=lines.len() {
            let prev = &lines[i - 1];
            of_day |= prev.concerns;
            sessions += u32::from(prev.concerns(Concerns::SESSION_IN_FORCE));
            let new_patient = lines
                .get(i)
                .is_none_or(|l| l.patient_run != prev.patient_run);
            if new_patient || lines[i].date != prev.date {
                if sessions >= 2 {
                    of_day |= Concerns::SESSIONS_SAME_DAY;
                }
                days.push(Run {
                    lines: day..i,
                    concerns: of_day,
                });
                of_patient |= of_day;
                (day, of_day, sessions) = (i, 0, 0);
            }
            if new_patient {
                patients.push(Run {
                    lines: patient..i,
                    concerns: of_patient,
                });
                all |= of_patient;
                (patient, of_patient) = (i, 0);
            }
        }
        Runs {
            patients,
            days,
            concerns: all,
        }
    }
}

/// Calls `f` with the kept lines of each run of `runs` (indices in rule
/// order) that has the [`Concerns`] bit `need`, for the runs that keep any.
/// The index buffer is reused.
pub(crate) fn for_each_in(
    (runs, need): (&[Run], u16),
    lines: &[Line<'_>],
    keep: impl Fn(&Line<'_>) -> bool,
    mut f: impl FnMut(&[usize]),
) {
    let mut idx: Vec<usize> = Vec::new();
    for r in runs.iter().filter(|r| r.concerns & need != 0) {
        idx.clear();
        idx.extend(r.lines.clone().filter(|&i| keep(&lines[i])));
        if !idx.is_empty() {
            f(&idx);
        }
    }
}

/// Appends the history's lines (priced, with their contexts) to `lines`,
/// marked as past. Out of line: the batch engine's loop over the lines
/// checked keeps its one call of [`Line::new`], inlined.
#[inline(never)]
pub(crate) fn push_past<'a>(
    tariffs: &'a Tariffs,
    (priced, views): (&'a [Priced<'a>], &'a [Ctx<'a>]),
    lines: &mut Vec<Line<'a>>,
) {
    for (p, v) in priced.iter().zip(views) {
        let mut l = Line::new(Core::new(tariffs, p), v);
        l.set_past();
        lines.push(l);
    }
}

/// Whether a priced line is a treatment session, and a remote one (what
/// the télésoin share counts), from its pricing and télésoin flag alone.
pub(crate) fn session_and_remote(
    tariffs: &Tariffs,
    priced: &Priced<'_>,
    telesoin: bool,
) -> (bool, bool) {
    let ctx = Ctx {
        telesoin,
        ..Ctx::default()
    };
    let l = Line::new(Core::new(tariffs, priced), &ctx);
    (l.session(), l.session() && l.telesoin())
}

/// The single-line rules.
pub(crate) fn check_line(l: &Line<'_>, out: &mut Vec<Finding>) {
    telesoin::check_line(l, out);
    travel::check_line(l, out);
    majorations::check_line(l, out);
    age::check_line(l, out);
    prescription::check_line(l, out);
}

/// The cross-line rules over lines in any order, holding every line of
/// each practitioner concerned: puts them in rule order (see
/// [`rule_order`]), applies [`check_batch`], and returns each line's
/// findings in the order given. `one_practitioner`: the caller knows every
/// line is the same practitioner's (the batch engine's groups), so the ids
/// need not be compared.
pub(crate) fn check_all(
    mut lines: Vec<Line<'_>>,
    one_practitioner: bool,
    share: Option<&telesoin::ShareBase>,
) -> Vec<Vec<Finding>> {
    let (order, rank) = rule_order(&lines, one_practitioner);
    for (l, &r) in lines.iter_mut().zip(&rank) {
        (l.practitioner_run, l.patient_run) = r;
    }
    let mut out = vec![Vec::new(); lines.len()];
    if order.iter().enumerate().all(|(k, &i)| k == i as usize) {
        // Already in rule order (the usual case for a sorted batch): no
        // permutation of the lines nor of their findings.
        check_batch(&lines, &mut out, share);
        return out;
    }
    let mut slots: Vec<Option<Line<'_>>> = lines.into_iter().map(Some).collect();
    let mut sorted: Vec<Line<'_>> = Vec::with_capacity(slots.len());
    sorted.extend(order.iter().filter_map(|&i| slots[i as usize].take()));
    let mut sorted_out = vec![Vec::new(); sorted.len()];
    check_batch(&sorted, &mut sorted_out, share);
    for (&pos, findings) in order.iter().zip(sorted_out) {
        out[pos as usize] = findings;
    }
    out
}

/// The order the rules walk: each practitioner's lines together, within
/// them each patient's, and a patient's lines in order
/// ([`cmp_within_patient`], ties in input order). Practitioners and
/// patients come in order of first appearance: no rule depends on the
/// order of two patients' lines, so this gives the findings a full sort
/// would, at the cost of sorting each patient's few lines (when they are
/// not in order already) rather than the batch.
fn rule_order(lines: &[Line<'_>], one_practitioner: bool) -> (Vec<u32>, Vec<(u32, u32)>) {
    let n = lines.len();
    // Practitioner numbers by first appearance (all 0 for one practitioner's
    // lines), then patient numbers of the (practitioner, patient) pairs.
    let practitioner: Vec<u32> = if one_practitioner {
        vec![0; n]
    } else {
        let id = |i: usize| lines[i].ctx.practitioner_id;
        numbered_runs_by(n, |i, k| id(i) == id(k), id)
    };
    let patient = numbered_runs_by(
        n,
        |i, k| {
            practitioner[i] == practitioner[k]
                && crate::bytes::same(
                    lines[i].ctx.patient_id.as_bytes(),
                    lines[k].ctx.patient_id.as_bytes(),
                )
        },
        |i| (practitioner[i], lines[i].ctx.patient_id),
    );
    let rank: Vec<(u32, u32)> = practitioner.into_iter().zip(patient).collect();
    let mut order: Vec<u32> = (0..n as u32).collect();
    if !rank.is_sorted() {
        order.sort_by_key(|&i| rank[i as usize]);
    }
    // Then each patient's lines in order.
    let within = |a: &u32, b: &u32| cmp_within_patient(&lines[*a as usize], &lines[*b as usize]);
    for run in order.chunk_by_mut(|a, b| rank[*a as usize] == rank[*b as usize]) {
        if run.len() > 64 {
            run.sort_by(|a, b| within(a, b).then(a.cmp(b)));
        } else {
            // A patient's few lines, usually in order or nearly: insertion
            // sort (stable: only a strictly greater line moves up).
            for i in 1..run.len() {
                let mut j = i;
                while j > 0 && within(&run[j - 1], &run[j]).is_gt() {
                    run.swap(j - 1, j);
                    j -= 1;
                }
            }
        }
    }
    (order, rank)
}

/// For each of `n` items, the number of its key in order of first
/// appearance: `same(i, i - 1)` tells whether item `i` has the key of the
/// one before it (a run), `key(i)` is the key of the first item of a run.
/// Runs are numbered as they come, then the runs of a key met again are
/// given the number of its first run: a sort of the runs' keys, not a
/// hash map (the keys are the input's ids: no hashing an input can make
/// slow), and for input grouped by patient a few runs per patient.
fn numbered_runs_by<K: Ord>(
    n: usize,
    same: impl Fn(usize, usize) -> bool,
    key: impl Fn(usize) -> K,
) -> Vec<u32> {
    // The run of each item, and the first item of each run.
    let mut run_of: Vec<u32> = Vec::with_capacity(n);
    let mut starts: Vec<usize> = Vec::new();
    for i in 0..n {
        if i == 0 || !same(i, i - 1) {
            starts.push(i);
        }
        run_of.push(starts.len() as u32 - 1);
    }
    // The first run of each run's key: runs sorted by key, ties by run.
    let mut by_key: Vec<u32> = (0..starts.len() as u32).collect();
    let keys: Vec<K> = starts.iter().map(|&i| key(i)).collect();
    by_key.sort_unstable_by(|&a, &b| keys[a as usize].cmp(&keys[b as usize]).then(a.cmp(&b)));
    let mut first_run: Vec<u32> = vec![0; starts.len()];
    for group in by_key.chunk_by(|&a, &b| keys[a as usize] == keys[b as usize]) {
        for &r in group {
            first_run[r as usize] = group[0];
        }
    }
    // Numbers in order of first appearance: a run whose key came before
    // takes the number of that key's first run (numbered already).
    let mut number: Vec<u32> = Vec::with_capacity(starts.len());
    let mut next = 0u32;
    for (r, &f) in first_run.iter().enumerate() {
        if f as usize == r {
            number.push(next);
            next += 1;
        } else {
            number.push(number[f as usize]);
        }
    }
    run_of.into_iter().map(|r| number[r as usize]).collect()
}

/// The cross-line rules over a set of lines holding every line of each
/// practitioner concerned, in rule order ([`rule_order`]). Every rule
/// looks at one practitioner's lines: a patient's lines with another
/// practitioner are not seen (the unit a batch can be split by).
fn check_batch(lines: &[Line<'_>], out: &mut [Vec<Finding>], share: Option<&telesoin::ShareBase>) {
    let runs = Runs::of(lines);
    same_day::check(lines, &runs, out);
    telesoin::check(lines, &runs, out, share);
    travel::check(lines, &runs, out);
    teleexpertise::check(lines, &runs, out);
    direct_access::check(lines, &runs, out);
    referentiel::check(lines, &runs, out);
    prescription::check(lines, &runs, out);
    bilans::check(lines, &runs, out);
    majorations::check(lines, &runs, out);
}

/// Age in whole years on `date` (a person born on 29 February has a
/// birthday on 28 February in common years).
pub fn age_on(birth: NaiveDate, date: NaiveDate) -> Option<u32> {
    use chrono::Datelike;
    if date < birth {
        return None;
    }
    // The birthday in the year of `date`, then whether it has come.
    let (month, day) = (birth.month(), birth.day());
    let birthday = if (month, day) == (2, 29) && !date.leap_year() {
        (2, 28)
    } else {
        (month, day)
    };
    let before = (date.month(), date.day()) < birthday;
    u32::try_from(date.year() - birth.year() - i32::from(before)).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_are_numbered_by_first_appearance_of_their_key() {
        let number =
            |keys: &[&str]| numbered_runs_by(keys.len(), |i, k| keys[i] == keys[k], |i| keys[i]);
        // A key met again after others takes its first number; keys are
        // numbered in the order they first come, not in their sort order.
        assert_eq!(
            number(&["p9", "p9", "p1", "p9", "p5", "p1", "p1", "p9"]),
            [0, 0, 1, 0, 2, 1, 1, 0]
        );
        assert_eq!(number(&["b", "a", "c", "a", "b"]), [0, 1, 2, 1, 0]);
        assert_eq!(number(&["x"]), [0]);
        assert!(number(&[]).is_empty());
        // Against a map of first appearances, on keys that come back often.
        let keys: Vec<String> = (0..500u32)
            .map(|i| format!("P{}", (i * 7919) % 37 / 3))
            .collect();
        let mut first: Vec<&str> = Vec::new();
        let want: Vec<u32> = keys
            .iter()
            .map(|k| match first.iter().position(|f| f == k) {
                Some(n) => n as u32,
                None => {
                    first.push(k);
                    first.len() as u32 - 1
                }
            })
            .collect();
        let got = numbered_runs_by(keys.len(), |i, k| keys[i] == keys[k], |i| keys[i].as_str());
        assert_eq!(got, want);
    }

    #[test]
    fn age_is_the_number_of_birthdays_passed() {
        // Against the definition: the number of whole years (12 months,
        // 29 February falling on 28 February) from birth to the date.
        let by_months = |birth: NaiveDate, date: NaiveDate| {
            (date >= birth).then(|| {
                (0u32..)
                    .take_while(|&k| {
                        birth
                            .checked_add_months(chrono::Months::new(12 * (k + 1)))
                            .is_some_and(|d| d <= date)
                    })
                    .count() as u32
            })
        };
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        let births = [
            "1956-09-01",
            "1996-02-28",
            "1996-02-29",
            "1996-03-01",
            "2000-02-29",
            "2007-12-31",
            "2008-01-01",
            "2024-02-29",
        ];
        for b in births.map(d) {
            let mut date = d("2024-02-20");
            while date <= d("2029-03-05") {
                assert_eq!(age_on(b, date), by_months(b, date), "{b} {date}");
                date = date.succ_opt().unwrap();
            }
        }
        assert_eq!(age_on(d("2024-02-29"), d("2024-02-28")), None);
    }

    #[test]
    fn age_counts_the_birthday_itself() {
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        assert_eq!(age_on(d("1956-09-01"), d("2026-09-01")), Some(70));
        assert_eq!(age_on(d("1956-09-02"), d("2026-09-01")), Some(69));
        assert_eq!(age_on(d("2008-03-10"), d("2026-03-09")), Some(17));
        assert_eq!(age_on(d("2008-03-10"), d("2026-03-10")), Some(18));
        assert_eq!(age_on(d("2004-02-29"), d("2022-02-28")), Some(18));
        assert_eq!(age_on(d("2030-01-01"), d("2026-01-01")), None);
    }
}
