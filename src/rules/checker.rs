//! The session API: a [`Checker`] takes lines one by one (each priced and
//! given its single-line findings at once), then [`Checker::finalize`]
//! applies the cross-line rules, against a [`History`] when one is given,
//! and returns every line's full result and each invoice's totals, owned
//! (they outlive the tariffs and the history they were checked with).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::checker_split::{LineSplit, ToSplit, split_lines};
use super::{Core, Ctx, Line, LineContext, check_all, check_line};
use crate::Territory;
use crate::history::{self, History};
use crate::pricing::PriceCache;
use crate::{Code, Decimal, Error, Finding, InvoiceLine, LineStatus, NaiveDate, Priced, Tariffs};

/// Adds lines one by one, prices them and applies the single-line rules at
/// once; [`Checker::finalize`] applies the cross-line rules. `R` is the
/// caller's own line reference, returned with each line's result.
pub struct Checker<'t, R> {
    tariffs: &'t Tariffs,
    history: Option<&'t dyn History>,
    refs: Vec<R>,
    priced: Vec<Priced<'t>>,
    ctxs: Vec<LineContext>,
}

/// One line's result: its pricing, every finding (single-line and
/// cross-line), its status. Serialized as a JSON object with these field
/// names (decimals as strings, the code as its text).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineResult<R> {
    /// The caller's reference of the line.
    pub reference: R,
    /// The caller's invoice reference.
    pub invoice_id: String,
    /// Date of the act.
    pub date: NaiveDate,
    /// The billing code as given.
    pub code: Code,
    /// The coefficient priced (corrected when revalued).
    pub coefficient: Option<Decimal>,
    /// The act resolved, if one was.
    pub act_id: Option<String>,
    /// The letter value used.
    pub unit_value: Option<Decimal>,
    /// The quantity.
    pub quantity: Decimal,
    /// The amount, rounded to the cent; `None` when not billable.
    pub amount: Option<Decimal>,
    /// The amount the invoice claims.
    pub billed_amount: Option<Decimal>,
    /// How the amount was worked out (`7,5 × 2,21 € × 1 = 16,575 → 16,58 €`).
    pub formula: Option<String>,
    /// `ok`, `warning` or `error`.
    pub status: LineStatus,
    /// What is wrong, the single-line findings first.
    pub findings: Vec<Finding>,
    /// Who pays what ([`crate::coverage`], for the context's régime,
    /// exoneration and the patient's age); none for a line without an
    /// amount.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub split: Option<LineSplit>,
}

impl<R> LineResult<R> {
    /// The owned result of a priced line (its findings all in `priced`).
    pub fn of(reference: R, invoice_id: String, priced: Priced<'_>) -> LineResult<R> {
        LineResult {
            reference,
            invoice_id,
            date: priced.line.date,
            code: priced.line.code,
            coefficient: priced.coefficient.or(priced.line.coefficient),
            act_id: priced.act.map(|a| a.id.clone()),
            unit_value: priced.value.and_then(|v| v.value),
            quantity: priced.line.quantity,
            amount: priced.amount,
            billed_amount: priced.line.billed_amount,
            formula: priced.formula(),
            status: priced.status(),
            findings: priced.findings,
            split: None,
        }
    }
}

/// One invoice's totals, over its lines checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceTotal {
    /// The caller's invoice reference.
    pub invoice_id: String,
    /// Number of lines.
    pub lines: usize,
    /// Sum of the computed amounts.
    pub computed: Decimal,
    /// Sum of the billed amounts given.
    pub billed: Decimal,
    /// Lines with an error, and with a warning.
    pub errors: usize,
    /// Lines with a warning and no error.
    pub warnings: usize,
    /// The worst status of its lines.
    pub status: LineStatus,
    /// Sum of the lines' AMO amounts.
    pub amo_amount: Decimal,
    /// Sum of the lines' patient shares.
    pub patient_amount: Decimal,
    /// Sum of the lines' franchises (deducted later by the caisse, never
    /// from the invoice).
    pub franchise: Decimal,
}

/// What [`Checker::finalize`] returns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checked<R> {
    /// Every line, in the order added.
    pub lines: Vec<LineResult<R>>,
    /// Every invoice, in the order of its first line.
    pub invoices: Vec<InvoiceTotal>,
    /// How many history lines the rules consulted.
    pub history_lines: usize,
}

impl<'t, R> Checker<'t, R> {
    /// A checker over a tariff set, with no history: the cross-line rules
    /// see the lines added only.
    pub fn new(tariffs: &'t Tariffs) -> Checker<'t, R> {
        Checker {
            tariffs,
            history: None,
            refs: Vec::new(),
            priced: Vec::new(),
            ctxs: Vec::new(),
        }
    }

    /// The same checker, whose cross-line rules also see the lines of
    /// `history` within their windows ([`crate::history`]).
    pub fn with_history(mut self, history: &'t dyn History) -> Checker<'t, R> {
        self.history = Some(history);
        self
    }

    /// Prices a line and applies the rules that need no other line
    /// (télésoin code and exclusions, age, IK distance, majoration date and
    /// time); their findings are appended to the returned [`Priced`].
    ///
    /// The département is given once, in the context: when
    /// `ctx.department` is set, the line is priced in its territory
    /// (`line.territory` is then ignored); an unknown département is an
    /// `INVALID_FIELD` finding and the line is priced in metropolitan
    /// France, as in a batch.
    pub fn add(&mut self, reference: R, mut line: InvoiceLine, ctx: LineContext) -> Priced<'t> {
        let mut dept_finding = None;
        if let Some(d) = ctx.department.as_deref() {
            match Territory::from_department(d) {
                Ok(t) => line.territory = t,
                Err(e) => {
                    line.territory = Territory::Metropole;
                    dept_finding = Some(Finding::new(
                        crate::FindingCode::InvalidField,
                        format!("colonne department : {e}."),
                    ));
                }
            }
        }
        let mut priced = self.tariffs.price(&line);
        priced.findings.extend(dept_finding);
        super::numbers::check(
            ctx.patient_nir.as_deref().filter(|s| !s.trim().is_empty()),
            ctx.practitioner_number
                .as_deref()
                .filter(|s| !s.trim().is_empty()),
            ctx.prescriber_number
                .as_deref()
                .filter(|s| !s.trim().is_empty()),
            &mut priced.findings,
        );
        let view = ctx.view();
        check_line(
            &Line::new(Core::new(self.tariffs, &priced), &view),
            &mut priced.findings,
        );
        self.refs.push(reference);
        self.priced.push(priced.clone());
        self.ctxs.push(ctx);
        priced
    }

    /// Number of lines added.
    pub fn len(&self) -> usize {
        self.priced.len()
    }

    /// Whether no line was added.
    pub fn is_empty(&self) -> bool {
        self.priced.is_empty()
    }

    /// Applies the cross-line rules (against the history, if any) and
    /// returns every line's result, each invoice's totals, and how many
    /// history lines were consulted. An error of the history stops it.
    pub fn finalize(self) -> Result<Checked<R>, Error> {
        let t = self.tariffs;
        let mut consulted = 0;
        let views: Vec<Ctx<'_>> = self.ctxs.iter().map(LineContext::view).collect();
        let lines: Vec<Line<'_>> = self
            .priced
            .iter()
            .zip(&views)
            .map(|(p, x)| Line::new(Core::new(t, p), x))
            .collect();
        let n = lines.len();
        let cross = match self.history {
            None => check_all(lines, false, None),
            Some(h) => {
                // Against the history, one practitioner at a time (no rule
                // links two practitioners' lines).
                let mut cross = vec![Vec::new(); n];
                let mut prices = PriceCache::default();
                let mut practitioners: Vec<&str> =
                    views.iter().map(|v| v.practitioner_id).collect();
                practitioners.sort_unstable();
                practitioners.dedup();
                for p in practitioners {
                    let (at, mine): (Vec<usize>, Vec<Line<'_>>) = lines
                        .iter()
                        .enumerate()
                        .filter(|(_, l)| l.ctx.practitioner_id == p)
                        .map(|(i, l)| (i, l.clone()))
                        .unzip();
                    let (found, past) =
                        history::windows::check_against((t, &mut prices), h, p, mine)?;
                    consulted += past;
                    for (i, f) in at.into_iter().zip(found) {
                        cross[i] = f;
                    }
                }
                cross
            }
        };
        let to_split: Vec<ToSplit<'_>> = self
            .priced
            .iter()
            .zip(&self.ctxs)
            .map(|(p, ctx)| ToSplit {
                date: p.line.date,
                code: p.line.code,
                amount: p.amount,
                ctx,
            })
            .collect();
        let splits = split_lines(&to_split, self.history)?;
        drop(to_split);
        let mut out = Vec::with_capacity(n);
        let mut invoices: Vec<InvoiceTotal> = Vec::new();
        let mut index: HashMap<String, usize> = HashMap::new();
        for (((reference, mut priced), (ctx, found)), (split, refused)) in self
            .refs
            .into_iter()
            .zip(self.priced)
            .zip(self.ctxs.iter().zip(cross))
            .zip(splits)
        {
            priced.findings.extend(found);
            priced.findings.extend(refused.map(|m| {
                Finding::new(
                    crate::FindingCode::InvalidField,
                    format!("colonne exoneration : {m}."),
                )
            }));
            let mut result = LineResult::of(reference, ctx.invoice_id.clone(), priced);
            result.split = split;
            let k = *index.entry(result.invoice_id.clone()).or_insert_with(|| {
                invoices.push(InvoiceTotal {
                    invoice_id: result.invoice_id.clone(),
                    lines: 0,
                    computed: Decimal::ZERO,
                    billed: Decimal::ZERO,
                    errors: 0,
                    warnings: 0,
                    status: LineStatus::Ok,
                    amo_amount: Decimal::ZERO,
                    patient_amount: Decimal::ZERO,
                    franchise: Decimal::ZERO,
                });
                invoices.len() - 1
            });
            let total = &mut invoices[k];
            total.lines += 1;
            // Amounts are bounded (crate::bounds): these sums cannot reach
            // the limit of a Decimal; saturating keeps that an argument, not
            // a panic.
            total.computed = total
                .computed
                .saturating_add(result.amount.unwrap_or_default());
            total.billed = total
                .billed
                .saturating_add(result.billed_amount.unwrap_or_default());
            if let Some(s) = &result.split {
                total.amo_amount = total.amo_amount.saturating_add(s.amo_amount);
                total.patient_amount = total.patient_amount.saturating_add(s.patient_amount);
                total.franchise = total.franchise.saturating_add(s.franchise);
            }
            match result.status {
                LineStatus::Error => total.errors += 1,
                LineStatus::Warning => total.warnings += 1,
                _ => {}
            }
            total.status = total.status.max(result.status);
            out.push(result);
        }
        Ok(Checked {
            lines: out,
            invoices,
            history_lines: consulted,
        })
    }
}
