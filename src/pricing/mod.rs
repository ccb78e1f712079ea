//! Pricing one invoice line: resolve the act, look up the dated values,
//! compute the amount, and record what is wrong.
//!
//! Amount = coefficient × letter value × quantity, in exact decimal,
//! rounded once to the cent half away from zero
//! ([`crate::money::round_to_cent`]). Travel allowances and
//! RQD have no coefficient: amount = value × quantity (kilometres for IK).

mod explain;

use std::collections::HashMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::bounds;
use crate::fr::{Date, Eur, Num, Span};
use crate::money::{product3, round_to_cent};
use crate::nomenclature::{Act, ActPeriod, OldCotation, RowStatus};
use crate::tariffs::{FastHash, LetterValue};
use crate::{Code, CodeKind, Finding, FindingCode, LineStatus, Tariffs, Territory};

/// One invoice line, already parsed.
///
/// ```
/// use kine_tarif::{Code, InvoiceLine, Territory};
/// let line = InvoiceLine::new("2026-02-01".parse().unwrap(), Code::RIM, Some("8.10".parse().unwrap()))
///     .in_territory(Territory::Dom);
/// let priced = kine_tarif::price(&line);
/// assert_eq!(priced.amount.unwrap().to_string(), "19.68"); // 8.10 × 2.43 = 19.683
/// ```
///
/// In JSON (serde): `{"date": "2026-02-01", "territory": "metropole",
/// "code": "RIM", "coefficient": "8.10", "quantity": "1", "act_id": null,
/// "billed_amount": null}`; decimals as strings (a JSON number is refused:
/// a binary float cannot hold 16.575 exactly); every field but `date` and
/// `code` may be left out (metropole, no coefficient, quantity 1).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct InvoiceLine {
    /// Date the act was performed.
    pub date: NaiveDate,
    /// Metropolitan or overseas.
    #[serde(default)]
    pub territory: Territory,
    /// Billing code.
    pub code: Code,
    /// Coefficient (none for IFD / IFS / IK / RQD).
    #[serde(default, with = "rust_decimal::serde::str_option")]
    pub coefficient: Option<Decimal>,
    /// Quantity: 1 by default; kilometres for IK / IKM / IKS.
    #[serde(default = "one", with = "rust_decimal::serde::str")]
    pub quantity: Decimal,
    /// The act id, when the software knows it (resolves ambiguities).
    #[serde(default)]
    pub act_id: Option<String>,
    /// The amount the invoice claims, checked against the computed one.
    #[serde(default, with = "rust_decimal::serde::str_option")]
    pub billed_amount: Option<Decimal>,
}

/// The default quantity of a line read from JSON.
fn one() -> Decimal {
    Decimal::ONE
}

impl InvoiceLine {
    /// The line without its act id (a copy that does not allocate).
    fn head(&self) -> InvoiceLine {
        InvoiceLine {
            act_id: None,
            ..*self
        }
    }

    /// A line in metropolitan France, quantity 1.
    pub fn new(date: NaiveDate, code: Code, coefficient: Option<Decimal>) -> InvoiceLine {
        InvoiceLine {
            date,
            territory: Territory::Metropole,
            code,
            coefficient,
            quantity: Decimal::ONE,
            act_id: None,
            billed_amount: None,
        }
    }

    /// Sets the territory.
    pub fn in_territory(mut self, territory: Territory) -> InvoiceLine {
        self.territory = territory;
        self
    }

    /// Sets the quantity.
    pub fn with_quantity(mut self, quantity: Decimal) -> InvoiceLine {
        self.quantity = quantity;
        self
    }

    /// Sets the act id.
    pub fn with_act_id(mut self, act_id: impl Into<String>) -> InvoiceLine {
        self.act_id = Some(act_id.into());
        self
    }

    /// Sets the billed amount.
    pub fn with_billed_amount(mut self, amount: Decimal) -> InvoiceLine {
        self.billed_amount = Some(amount);
        self
    }
}

/// The result of pricing a line: what was resolved, the amount, and the
/// findings. Every reference points into the [`Tariffs`] used.
#[derive(Debug, Clone)]
pub struct Priced<'t> {
    /// The line as given.
    pub line: InvoiceLine,
    /// The act resolved, if one was.
    pub act: Option<&'t Act>,
    /// The act's coefficient period used.
    pub act_period: Option<&'t ActPeriod>,
    /// The old cotation used, for AMS / AMC / old AMK lines.
    pub old_cotation: Option<&'t OldCotation>,
    /// The coefficient priced (corrected when revalued).
    pub coefficient: Option<Decimal>,
    /// The letter value row used.
    pub value: Option<&'t LetterValue>,
    /// The unrounded product, for the formula.
    pub exact: Option<Decimal>,
    /// The amount, rounded to the cent; `None` when the line is not billable.
    pub amount: Option<Decimal>,
    /// What is wrong, most important first in the order found.
    pub findings: Vec<Finding>,
}

impl<'t> Priced<'t> {
    pub(crate) fn new(line: InvoiceLine) -> Priced<'t> {
        Priced {
            line,
            act: None,
            act_period: None,
            old_cotation: None,
            coefficient: None,
            value: None,
            exact: None,
            amount: None,
            findings: Vec::new(),
        }
    }

    fn add(&mut self, code: FindingCode, message: impl Into<String>) {
        self.findings.push(Finding::new(code, message));
    }

    /// `ok`, `warning` or `error`.
    pub fn status(&self) -> LineStatus {
        LineStatus::of(&self.findings)
    }

    /// Whether a finding with this code is present.
    pub fn has(&self, code: FindingCode) -> bool {
        self.findings.iter().any(|f| f.code == code)
    }

    /// The unit value in euros.
    pub fn unit_value(&self) -> Option<Decimal> {
        self.value.and_then(|v| v.value)
    }
}

/// Prices a line with the embedded tariffs.
pub fn price(line: &InvoiceLine) -> Priced<'static> {
    Tariffs::embedded().price(line)
}

const MAX_LISTED: usize = 6;

fn act_not_in_force(out: &mut Priced<'_>, act: &Act, date: NaiveDate) {
    out.add(
        FindingCode::ActNotInForce,
        format!(
            "{} n'est pas en vigueur le {} (acte en vigueur {}).",
            act.id,
            Date(date),
            Span(&act.life())
        ),
    );
}

/// An act id that names no act.
fn unknown_act_id(out: &mut Priced<'_>, id: &str) {
    out.add(
        FindingCode::UnknownAct,
        format!("Acte {id} inconnu (colonne act_id)."),
    );
}

fn list_candidates(items: impl Iterator<Item = String>) -> String {
    let all: Vec<String> = items.collect();
    if all.len() <= MAX_LISTED {
        all.join(", ")
    } else {
        format!(
            "{}, … (+{} autres ; voir la commande kine-tarif convert)",
            all[..MAX_LISTED].join(", "),
            all.len() - MAX_LISTED
        )
    }
}

/// A billed amount that is not the amount computed.
/// Whether a line's quantity is within [`bounds`]: kilometres for the IK
/// codes, a whole number of units otherwise.
#[inline]
fn quantity_in_bounds(code: Code, q: Decimal) -> bool {
    // The usual quantity, 1, answered without the decimal comparisons.
    if q.mantissa() == 1 && q.scale() == 0 {
        return true;
    }
    match code.kind() {
        CodeKind::TravelKm => bounds::is_kilometres(q, true),
        _ => bounds::is_unit_quantity(q),
    }
}

/// The finding message of a quantity out of [`bounds`], out of line.
#[inline(never)]
fn quantity_message(line: &InvoiceLine) -> String {
    match line.code.kind() {
        CodeKind::TravelKm => format!(
            "Quantité {} : {}.",
            Num(line.quantity),
            bounds::QUANTITY_EXPECTED
        ),
        _ => format!(
            "Quantité {} : {}.",
            Num(line.quantity),
            bounds::unit_quantity_expected(line.code)
        ),
    }
}

#[inline(always)]
fn check_billed(out: &mut Priced<'_>) {
    // The same representation is the same amount (the usual case, and
    // cheaper to see than comparing the values).
    if let (Some(billed), Some(amount)) = (out.line.billed_amount, out.amount)
        && billed.serialize() != amount.serialize()
        && billed != amount
    {
        amount_mismatch(out, billed, amount);
    }
}

/// A DE line: its amount is the billed amount, accepted with a warning
/// that recalls its conditions (convention nationale of 3 April 2007,
/// §5.4.1); never reimbursed ([`crate::coverage`]). Without a positive
/// billed amount, or with a coefficient or a quantity other than 1, it is
/// not billable as written. Out of line: rare.
#[inline(never)]
fn price_depassement(out: &mut Priced<'_>) {
    let line = &out.line;
    let problem = if line.coefficient.is_some_and(|c| c != Decimal::ONE) {
        Some("un DE n'a pas de coefficient")
    } else if line.quantity != Decimal::ONE {
        Some("un DE se facture en quantité 1")
    } else {
        None
    };
    if let Some(p) = problem {
        out.add(FindingCode::InvalidField, format!("DE : {p}."));
        return;
    }
    match line
        .billed_amount
        .filter(|b| b.is_sign_positive() && !b.is_zero())
    {
        Some(b) => {
            out.amount = Some(b);
            out.add(
                FindingCode::ExceptionalOverrun,
                format!(
                    "Dépassement exceptionnel de {} : jamais remboursé par l'assurance maladie ; admis seulement pour une exigence particulière du patient (horaire, déplacement qu'il a demandé…), dont il est informé avant les soins ; un usage abusif est sanctionné.",
                    Eur(b)
                ),
            );
        }
        None => out.add(
            FindingCode::InvalidField,
            "DE : le montant du dépassement est attendu, positif, dans la colonne billed_amount.",
        ),
    }
}

/// The finding of [`check_billed`], out of line.
#[inline(never)]
fn amount_mismatch(out: &mut Priced<'_>, billed: Decimal, amount: Decimal) {
    out.add(
        FindingCode::AmountMismatch,
        format!(
            "Montant facturé {} ≠ montant calculé {}.",
            Eur(billed),
            Eur(amount)
        ),
    );
}

/// What the pricing of a line reads, its date as its
/// [`Tariffs::epoch`]; the numbers as represented (`7.5` and `7.50` are
/// echoed differently), the act by address.
#[derive(Clone, Copy, PartialEq, Eq)]
struct PriceKey {
    code: Code,
    territory: Territory,
    epoch: usize,
    coefficient: Option<[u8; 16]>,
    quantity: [u8; 16],
    act: Option<*const Act>,
}

impl std::hash::Hash for PriceKey {
    /// A few words (the derived hash feeds the hasher byte by byte).
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        let half = |b: [u8; 16]| u128::from_le_bytes(b);
        let c = self.coefficient.map_or(0, half);
        h.write_u64(
            self.code.index() as u64
                | (self.territory as u64) << 8
                | u64::from(self.coefficient.is_some()) << 9
                | (self.epoch as u64) << 10,
        );
        h.write_u64(c as u64);
        h.write_u64((c >> 64) as u64);
        let q = half(self.quantity);
        h.write_u64(q as u64 ^ (q >> 64) as u64);
        h.write_usize(self.act.map_or(0, |a| a as usize));
    }
}

/// What the pricing resolved for a line without a finding.
#[derive(Clone, Copy)]
struct Resolved<'t> {
    /// The entry's number: the cache's generation (how many times it was
    /// emptied) and its place in it.
    id: u64,
    act: Option<&'t Act>,
    act_period: Option<&'t ActPeriod>,
    old_cotation: Option<&'t OldCotation>,
    coefficient: Option<Decimal>,
    value: Option<&'t LetterValue>,
    exact: Option<Decimal>,
    amount: Option<Decimal>,
}

impl<'t> Resolved<'t> {
    fn of(p: &Priced<'t>) -> Resolved<'t> {
        Resolved {
            id: 0,
            act: p.act,
            act_period: p.act_period,
            old_cotation: p.old_cotation,
            coefficient: p.coefficient,
            value: p.value,
            exact: p.exact,
            amount: p.amount,
        }
    }

    fn fill(&self, p: &mut Priced<'t>) {
        p.act = self.act;
        p.act_period = self.act_period;
        p.old_cotation = self.old_cotation;
        p.coefficient = self.coefficient;
        p.value = self.value;
        p.exact = self.exact;
        p.amount = self.amount;
    }
}

/// The pricing of the lines a batch worker has seen
/// ([`Tariffs::price_cached`]); at most [`PriceCache::CAPACITY`] of them,
/// emptied when full.
#[derive(Default)]
pub(crate) struct PriceCache<'t> {
    map: HashMap<PriceKey, Resolved<'t>, FastHash>,
    generation: u32,
}

impl PriceCache<'_> {
    /// A year of generated lines has some four thousand keys.
    const CAPACITY: usize = 1 << 14;
}

impl Tariffs {
    /// Prices and checks one line.
    ///
    /// ```
    /// use kine_tarif::{Code, FindingCode, InvoiceLine, Tariffs};
    /// let t = Tariffs::embedded();
    /// let d = |s: &str| s.parse().unwrap();
    /// // TER 9.49 after the avenant 8 step of 2026-05-28: the act is now TER 9.79.
    /// let p = t.price(&InvoiceLine::new(d("2026-06-01"), Code::TER, Some("9.49".parse().unwrap())));
    /// assert!(p.has(FindingCode::CoefficientRevalued));
    /// assert_eq!(p.coefficient.unwrap().to_string(), "9.79");
    /// assert_eq!(p.amount.unwrap().to_string(), "21.64");
    /// ```
    pub fn price(&self, line: &InvoiceLine) -> Priced<'_> {
        // Built where it is returned: through a function returning it, the
        // 208-byte result was moved twice (two calls to `memcpy`).
        let mut p = Priced::new(line.head());
        self.price_in(&mut p, line.act_id.as_deref());
        p.line.act_id.clone_from(&line.act_id);
        p
    }

    /// [`Tariffs::price`] of a line whose act id is given apart (the batch
    /// engine's, borrowed from its buffer, not copied into a `String`), into
    /// a [`Priced`] made by [`Priced::new`] where it is to stay (the batch
    /// engine's work item): no move of the result.
    pub(crate) fn price_in<'t>(&'t self, out: &mut Priced<'t>, act_id: Option<&str>) {
        self.resolve(out, act_id);
        check_billed(out);
    }

    /// [`Tariffs::price_in`] with the results of earlier lines at hand: a
    /// line that differs from one priced before only by its date, within
    /// the same [`Tariffs::epoch`], and whose pricing found nothing wrong,
    /// gets the same act, coefficient, value and amount without the
    /// lookups. Lines with a finding are priced anew every time (their
    /// messages name the date).
    ///
    /// Returns the number of the cache entry the line was priced as, when
    /// it was: two lines with the same number have the same code, act,
    /// coefficient, value, quantity (as written) and amount.
    pub(crate) fn price_cached<'t>(
        &'t self,
        out: &mut Priced<'t>,
        act_id: Option<&str>,
        cache: &mut PriceCache<'t>,
    ) -> Option<u64> {
        let act = match act_id {
            None => None,
            Some(id) => match self.act(id) {
                Some(a) => Some(a as *const Act),
                // An unknown act id is a finding: priced without the cache.
                None => {
                    self.price_in(out, act_id);
                    return None;
                }
            },
        };
        let l = &out.line;
        let key = PriceKey {
            code: l.code,
            territory: l.territory,
            epoch: self.epoch(l.date),
            coefficient: l.coefficient.map(|c| c.serialize()),
            quantity: l.quantity.serialize(),
            act,
        };
        let entry = if let Some(r) = cache.map.get(&key) {
            r.fill(out);
            Some(r.id)
        } else {
            self.resolve(out, act_id);
            if out.findings.is_empty() {
                if cache.map.len() >= PriceCache::CAPACITY {
                    cache.map.clear();
                    cache.generation += 1;
                }
                let mut r = Resolved::of(out);
                r.id = u64::from(cache.generation) << 32 | cache.map.len() as u64;
                cache.map.insert(key, r);
                Some(r.id)
            } else {
                None
            }
        };
        check_billed(out);
        entry
    }

    /// Everything [`Tariffs::price_in`] does but the check of the billed
    /// amount.
    fn resolve<'t>(&'t self, out: &mut Priced<'t>, act_id: Option<&str>) {
        let line = out.line.head();
        let line = &line;
        if line.date < self.coverage_start() {
            out.add(
                FindingCode::NoTariffForDate,
                format!(
                    "Date {} antérieure à la couverture des tarifs (à partir du {}).",
                    Date(line.date),
                    Date(self.coverage_start())
                ),
            );
            return;
        }
        if !quantity_in_bounds(line.code, line.quantity) {
            out.add(FindingCode::InvalidField, quantity_message(line));
            return;
        }
        if let Some(c) = line.coefficient
            && !bounds::is_coefficient(c)
        {
            out.add(
                FindingCode::InvalidField,
                format!("Coefficient {} : {}.", Num(c), bounds::COEFFICIENT_EXPECTED),
            );
            return;
        }
        match line.code.kind() {
            CodeKind::TravelFlat
            | CodeKind::TravelKm
            | CodeKind::Teleexpertise
            | CodeKind::Majoration => {
                if let Some(c) = line.coefficient.filter(|c| *c != Decimal::ONE) {
                    out.add(
                        FindingCode::InvalidField,
                        format!("Coefficient {} sur une ligne {} : ce code n'a pas de coefficient (la quantité est un nombre, ou des km pour les IK) ; ignoré.", Num(c), line.code),
                    );
                }
                self.apply_value(out, line.code, None);
            }
            CodeKind::Telesoin => self.price_telesoin_as(out, act_id),
            CodeKind::ActKey | CodeKind::OldKey => self.price_act_as(out, act_id),
            CodeKind::Depassement => price_depassement(out),
        }
    }

    /// Looks up the value of `code`, computes the amount and records the
    /// value's status findings.
    fn apply_value<'t>(&'t self, out: &mut Priced<'t>, code: Code, coefficient: Option<Decimal>) {
        let (date, territory, quantity) = (out.line.date, out.line.territory, out.line.quantity);
        let Some(v) = self.letter_value(code, territory, date) else {
            let rows = self.letter_values(code, territory);
            let msg = match (rows.first(), rows.last()) {
                (Some(first), _) if date < first.period.from => {
                    format!(
                        "{code} n'existe pas encore le {} {} (à partir du {}).",
                        Date(date),
                        territory.within(),
                        Date(first.period.from)
                    )
                }
                (_, Some(last)) if last.period.to.is_some_and(|t| date >= t) => {
                    format!(
                        "{code} n'existe plus le {} (supprimé le {}).",
                        Date(date),
                        Date(last.period.to.unwrap_or(date))
                    )
                }
                _ => format!(
                    "{code} n'a pas de valeur le {} {}.",
                    Date(date),
                    territory.within()
                ),
            };
            out.add(FindingCode::ActNotInForce, msg);
            return;
        };
        out.value = Some(v);
        out.coefficient = coefficient;
        let Some(value) = v.value else {
            out.add(
                FindingCode::UnknownValue,
                format!(
                    "Valeur de {code} inconnue {} le {} : {}.",
                    territory.within(),
                    Date(date),
                    v.source
                ),
            );
            return;
        };
        if v.status == RowStatus::Conditional {
            out.add(
                FindingCode::ConditionalTariff,
                format!("Valeur de {code} programmée sous condition ({}).", v.source),
            );
        }
        let exact = product3(coefficient.unwrap_or(Decimal::ONE), value, quantity);
        out.exact = Some(exact);
        out.amount = Some(round_to_cent(exact));
    }

    fn use_act_period<'t>(&'t self, out: &mut Priced<'t>, act: &'t Act, p: &'t ActPeriod) {
        out.act = Some(act);
        out.act_period = Some(p);
        if p.status == RowStatus::Conditional {
            out.add(
                FindingCode::ConditionalTariff,
                format!(
                    "{} {} ({}) : étape programmée le {} sous condition ({}).",
                    act.letter,
                    Num(p.coefficient),
                    act.id,
                    Date(p.period.from),
                    p.source
                ),
            );
        }
        self.apply_value(out, act.letter, Some(p.coefficient));
    }

    fn price_telesoin_as<'t>(&'t self, out: &mut Priced<'t>, act_id: Option<&str>) {
        let line = out.line.head();
        if self
            .letter_value(Code::TMK, line.territory, line.date)
            .is_none()
        {
            // Reports the code as not (yet, or any more) in force.
            return self.apply_value(out, Code::TMK, line.coefficient);
        }
        let Some(c) = line.coefficient else {
            out.add(
                FindingCode::InvalidField,
                "Coefficient manquant : TMK se cote avec le coefficient de l'acte présentiel.",
            );
            return;
        };
        if let Some(id) = act_id {
            let Some(act) = self.act(id) else {
                return unknown_act_id(out, id);
            };
            out.act = Some(act);
            match act.period_at(line.date) {
                Some(p) if p.coefficient == c => out.act_period = Some(p),
                Some(p) => {
                    out.add(
                        FindingCode::CoefficientRevalued,
                        format!(
                            "{} se cote {} le {} : TMK {} au lieu de TMK {}.",
                            act.id,
                            Num(p.coefficient),
                            Date(line.date),
                            Num(p.coefficient),
                            Num(c)
                        ),
                    );
                    out.act_period = Some(p);
                    self.apply_value(out, Code::TMK, Some(p.coefficient));
                    return;
                }
                None => return act_not_in_force(out, act, line.date),
            }
        } else if !self
            .acts
            .iter()
            .any(|a| a.period_at(line.date).is_some_and(|p| p.coefficient == c))
        {
            out.add(
                FindingCode::UnknownAct,
                format!(
                    "TMK {} : aucun acte en vigueur le {} n'a le coefficient {}.",
                    Num(c),
                    Date(line.date),
                    Num(c)
                ),
            );
            return;
        }
        self.apply_value(out, Code::TMK, Some(c));
    }

    fn price_act_as<'t>(&'t self, out: &mut Priced<'t>, act_id: Option<&str>) {
        let line = out.line.head();
        let code = line.code;
        let Some(c) = line.coefficient else {
            out.add(
                FindingCode::InvalidField,
                format!("Coefficient manquant pour {code}."),
            );
            return;
        };
        if let Some(id) = act_id {
            let Some(act) = self.act(id) else {
                return unknown_act_id(out, id);
            };
            if act.letter == code {
                match act.period_at(line.date) {
                    Some(p) => {
                        if p.coefficient != c {
                            out.add(
                                FindingCode::CoefficientRevalued,
                                format!(
                                    "{} se cote {} {} le {} (et non {code} {}).",
                                    act.id,
                                    act.letter,
                                    Num(p.coefficient),
                                    Date(line.date),
                                    Num(c)
                                ),
                            );
                        }
                        self.use_act_period(out, act, p);
                    }
                    None => act_not_in_force(out, act, line.date),
                }
                return;
            }
            if act
                .old_cotations
                .iter()
                .any(|&(l, oc)| l == code && oc == c)
                && let Some(old) = self.old_cotation(code, c)
            {
                self.price_old(out, old, Some(act.id.as_str()));
                return;
            }
            out.add(
                FindingCode::UnknownAct,
                format!(
                    "{} se cote en {}, et non {code} {}.",
                    act.id,
                    act.letter,
                    Num(c)
                ),
            );
            return;
        }

        // The usual case, one act in force for the pair, without allocating.
        let mut in_force = self
            .pair_history(code, c)
            .filter(|(_, p)| p.period.contains(line.date));
        match (in_force.next(), in_force.next()) {
            (Some((act, p)), None) => return self.use_act_period(out, act, p),
            (Some((act, p)), Some(_)) => {
                let at = self.acts_at(code, c, line.date);
                out.add(
                    FindingCode::AmbiguousAct,
                    format!(
                        "{code} {} désigne {} actes le {} : {} ; précisez la colonne act_id.",
                        Num(c),
                        at.len(),
                        Date(line.date),
                        list_candidates(at.iter().map(|(a, _)| format!("{} ({})", a.id, a.label)))
                    ),
                );
                // Same cotation, same price: price it, leave the act unresolved.
                self.apply_value(out, act.letter, Some(p.coefficient));
                out.act_period = Some(p);
                return;
            }
            (None, _) => {}
        }

        let history: Vec<(&Act, &ActPeriod)> = self.pair_history(code, c).collect();
        // An old cotation is read as such before the reform, or when no act
        // of the new nomenclature ever carried the pair (AMK 8 is an old
        // cotation; AMK 1.2 in 2026 is a revalued balneotherapy supplement).
        if let Some(old) = self.old_cotation(code, c)
            && (history.is_empty() || line.date < old.transition_from)
        {
            return self.price_old(out, old, None);
        }

        if history.is_empty() {
            let msg = if code.kind() == CodeKind::OldKey {
                format!("{code} {} n'est pas une ancienne cotation connue.", Num(c))
            } else {
                format!("Aucun acte n'a jamais été coté {code} {}.", Num(c))
            };
            out.add(FindingCode::UnknownAct, msg);
            return;
        }
        let mut now: Vec<(&Act, &ActPeriod)> = Vec::new();
        for (a, _) in &history {
            if let Some(p) = a.period_at(line.date)
                && !now.iter().any(|(b, _)| b.id == a.id)
            {
                now.push((a, p));
            }
        }
        match now.as_slice() {
            [] => {
                let (a, p) = history[0];
                let life = a.life();
                let when = if line.date < life.from {
                    "pas encore créé"
                } else {
                    "supprimé"
                };
                out.add(
                    FindingCode::ActNotInForce,
                    format!(
                        "{code} {} désigne {} ({}), {when} le {} (en vigueur {}).",
                        Num(c),
                        a.id,
                        a.label,
                        Date(line.date),
                        Span(&life)
                    ),
                );
                let _ = p;
            }
            [(a, p)] => {
                let was = history
                    .iter()
                    .find(|(h, _)| h.id == a.id)
                    .map(|(_, hp)| hp.period)
                    .unwrap_or(p.period);
                out.add(
                    FindingCode::CoefficientRevalued,
                    format!(
                        "{code} {} est la cotation de {} {} ; le {}, cet acte se cote {} {}.",
                        Num(c),
                        a.id,
                        Span(&was),
                        Date(line.date),
                        a.letter,
                        Num(p.coefficient)
                    ),
                );
                self.use_act_period(out, a, p);
            }
            many => {
                out.add(
                    FindingCode::CoefficientRevalued,
                    format!(
                        "{code} {} a désigné plusieurs actes dont la cotation a changé : {} ; précisez la colonne act_id.",
                        Num(c),
                        list_candidates(many.iter().map(|(a, p)| {
                            format!("{} {} ({})", a.letter, Num(p.coefficient), a.id)
                        }))
                    ),
                );
                out.add(
                    FindingCode::AmbiguousAct,
                    "Cotation corrigée impossible à choisir sans l'acte (colonne act_id).",
                );
            }
        }
    }

    fn price_old<'t>(&'t self, out: &mut Priced<'t>, old: &'t OldCotation, act_id: Option<&str>) {
        let line = out.line.head();
        out.old_cotation = Some(old);
        let candidates = || match self.convert(old.letter, old.coefficient, line.date, act_id, None)
        {
            Ok(c) => list_candidates(c.iter().map(|c| c.short())),
            Err(e) => format!("aucune ({e})"),
        };
        if old.period.to.is_some_and(|t| line.date >= t) {
            out.add(
                FindingCode::OldCotationRejected,
                format!(
                    "{} {} n'est plus facturable depuis le {} ; nouvelles cotations au {} : {}.",
                    old.letter,
                    Num(old.coefficient),
                    Date(old.period.to.unwrap_or(line.date)),
                    Date(line.date),
                    candidates()
                ),
            );
            return;
        }
        if line.date >= old.transition_from {
            out.add(
                FindingCode::OldCotationTransition,
                format!(
                    "{} {} accepté pendant la transition (jusqu'au {}) ; nouvelles cotations : {}.",
                    old.letter,
                    Num(old.coefficient),
                    old.period
                        .to
                        .map(|t| Date(t.pred_opt().unwrap_or(t)).to_string())
                        .unwrap_or_default(),
                    candidates()
                ),
            );
        }
        self.apply_value(out, old.letter, Some(old.coefficient));
    }
}

#[cfg(test)]
mod tests;
