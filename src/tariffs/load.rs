//! The four tariff files, each parsed and checked on its own.
//!
//! In: the text of each file of [`TARIFF_FILES`](super::TARIFF_FILES), cut
//! into rows by [`table`](super::table). Out: letter-value rows by code and
//! territory, acts with their declared life, each act's coefficients
//! sorted by date, old cotations — handed to
//! [`validate`](super::validate), which checks that they fit together and
//! leave nothing uncovered. Checked here, row by row: the fields (codes,
//! dates, decimals within [`MAX_LETTER_VALUE`], [`MAX_COEFFICIENT`] and
//! their decimals, statuses), ordered periods, duplicates and overlaps
//! within a file.

use std::collections::HashMap;

use chrono::NaiveDate;

use super::table::Table;
use super::{
    FastHash, LetterValue, MAX_COEFFICIENT, MAX_COEFFICIENT_DECIMALS, MAX_LETTER_VALUE,
    MAX_VALUE_DECIMALS, slot,
};
use crate::fr::{Date, Num, Span};
use crate::nomenclature::{
    Act, ActPeriod, ActStatus, ActTraits, IfsScope, OldCotation, RowStatus, coef_key,
};
use crate::{Code, CodeKind, Error, Period, Territory};

/// What the messages call a letter value and a coefficient.
/// (Their bounds are `MAX_VALUE_DECIMALS`, `MAX_LETTER_VALUE`,
/// `MAX_COEFFICIENT_DECIMALS` and `MAX_COEFFICIENT`.)
const A_VALUE: &str = "une valeur de lettre clé";
const A_COEFFICIENT: &str = "un coefficient";

/// One row of `letter_values.csv`.
#[derive(Debug)]
pub(super) struct ValueRow {
    /// Line in the file.
    pub line: u64,
    /// Validity of the row.
    pub period: Period,
    /// The value; `None` for a `suppressed` row, which declares that the
    /// code no longer exists from `period.from` on.
    pub value: Option<LetterValue>,
}

/// The rows of `letter_values.csv`, per [`slot`], sorted by start date
/// (no two overlapping).
#[derive(Debug)]
pub(super) struct LetterRows {
    pub slots: Vec<Vec<ValueRow>>,
    /// Number of lines of the file (the header included).
    pub lines: u64,
}

pub(super) fn letter_values(text: &str) -> Result<LetterRows, Error> {
    let mut t = Table::new(
        "letter_values.csv",
        text,
        &[
            "code",
            "territory",
            "value",
            "valid_from",
            "valid_to",
            "status",
            "source",
            "note",
        ],
    )?;
    let mut slots: Vec<Vec<ValueRow>> = Vec::new();
    slots.resize_with(Code::ALL.len() * 2, Vec::new);
    t.for_each(|r| {
        let code = r.code("code")?;
        let territory = Territory::from_data_name(r.get("territory")).ok_or_else(|| {
            r.err(
                "territory",
                format!(
                    "territoire {:?} inconnu : attendu \"metropole\" ou \"dom\"",
                    r.get("territory")
                ),
            )
        })?;
        let period = r.period()?;
        let source = r.text("source")?;
        let value = if r.get("status") == "suppressed" {
            if !r.get("value").is_empty() {
                return Err(r.err(
                    "value",
                    "une ligne de statut \"suppressed\" (le code n'existe plus à partir de valid_from) n'a pas de valeur",
                ));
            }
            None
        } else {
            let status = r.status().map_err(|_| {
                r.err(
                    "status",
                    format!(
                        "statut {:?} inconnu : attendu \"in_force\", \"conditional\", \"unknown\" ou \"suppressed\"",
                        r.get("status")
                    ),
                )
            })?;
            let value = match (status, r.get("value").is_empty()) {
                (RowStatus::Unknown, true) => None,
                (RowStatus::Unknown, false) => {
                    return Err(r.err(
                        "value",
                        "une ligne de statut \"unknown\" (valeur inconnue) n'a pas de valeur",
                    ));
                }
                (_, _) => Some(r.decimal("value", MAX_VALUE_DECIMALS, MAX_LETTER_VALUE, A_VALUE)?),
            };
            Some(LetterValue {
                code,
                territory,
                value,
                period,
                status,
                source,
                note: r.get("note").to_string(),
            })
        };
        let list = &mut slots[slot(code, territory)];
        if let Some(other) = list.iter().find(|o| o.period.overlaps(&period)) {
            return Err(r.err(
                "valid_from",
                format!(
                    "{code} {} : la période {} chevauche celle de la ligne {} ({})",
                    territory.within(),
                    Span(&period),
                    other.line,
                    Span(&other.period)
                ),
            ));
        }
        list.push(ValueRow {
            line: r.line,
            period,
            value,
        });
        Ok(())
    })?;
    for list in &mut slots {
        list.sort_by_key(|v| v.period.from);
    }
    Ok(LetterRows {
        slots,
        lines: t.lines(),
    })
}

/// Act positions by id.
pub(super) type ActIndex = HashMap<String, usize, FastHash>;

/// The acts of `acts.csv` in file order, their index by id, and the life
/// each row declares (`valid_from`, `valid_to`), in the same order.
pub(super) fn acts(text: &str) -> Result<(Vec<Act>, ActIndex, Vec<Period>), Error> {
    let mut t = Table::new(
        "acts.csv",
        text,
        &[
            "act_id",
            "chapter",
            "article",
            "paragraph",
            "label_fr",
            "letter",
            "old_cotation",
            "referentiel",
            "prior_agreement_from",
            "ifs",
            "shared_cotation",
            "valid_from",
            "valid_to",
            "status",
            "source",
            "note",
        ],
    )?;
    let mut acts = Vec::new();
    let mut lives = Vec::new();
    let mut by_id = HashMap::with_hasher(FastHash);
    t.for_each(|r| {
        let id = r.text("act_id")?;
        if by_id.contains_key(&id) {
            return Err(r.err("act_id", format!("acte {id} en double")));
        }
        let letter = r.code("letter")?;
        if letter.kind() != CodeKind::ActKey {
            return Err(r.err(
                "letter",
                format!("{letter} n'est pas une lettre clé de la nomenclature actuelle"),
            ));
        }
        let mut old_cotations = Vec::new();
        for part in r
            .get("old_cotation")
            .split(';')
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            let (l, c) = part.split_once(' ').ok_or_else(|| {
                r.err(
                    "old_cotation",
                    format!("{part:?} illisible, attendu une lettre clé et un coefficient (\"AMK 8\")"),
                )
            })?;
            let l = Code::from_bytes(l.as_bytes())
                .filter(|l| matches!(l, Code::AMK | Code::AMS | Code::AMC))
                .ok_or_else(|| {
                    r.err(
                        "old_cotation",
                        format!("ancienne lettre clé {l:?} refusée : attendu AMK, AMS ou AMC"),
                    )
                })?;
            let c = c
                .trim()
                .parse::<rust_decimal::Decimal>()
                .map_err(|_| r.err("old_cotation", format!("coefficient {c:?} illisible")))?;
            old_cotations.push((l, c));
        }
        let referentiel = match r.get("referentiel") {
            "yes" => true,
            "no" => false,
            v => {
                return Err(r.err(
                    "referentiel",
                    format!("{v:?} refusé : attendu \"yes\" ou \"no\""),
                ));
            }
        };
        let prior_agreement_from = match r.get("prior_agreement_from") {
            "" => None,
            v => Some(v.parse::<u32>().ok().filter(|n| *n >= 1).ok_or_else(|| {
                r.err(
                    "prior_agreement_from",
                    format!("{v:?} refusé : attendu un numéro de séance (1 ou plus)"),
                )
            })?),
        };
        if referentiel != prior_agreement_from.is_some() {
            return Err(r.err(
                "prior_agreement_from",
                "un acte soumis à un référentiel a un seuil d'accord préalable, et lui seul",
            ));
        }
        let ifs = match r.get("ifs") {
            "no" => IfsScope::No,
            "always" => IfsScope::Always,
            "post_surgery_35d" => IfsScope::PostSurgery35Days,
            v => {
                return Err(r.err(
                    "ifs",
                    format!(
                        "{v:?} refusé : attendu \"no\", \"always\" ou \"post_surgery_35d\""
                    ),
                ));
            }
        };
        let status = match r.get("status") {
            "in_force" => ActStatus::InForce,
            "conditional" => ActStatus::Conditional,
            "suppressed" => ActStatus::Suppressed,
            v => {
                return Err(r.err(
                    "status",
                    format!(
                        "statut {v:?} inconnu : attendu \"in_force\", \"conditional\" ou \"suppressed\""
                    ),
                ));
            }
        };
        let life = r.period()?;
        match (status, life.to) {
            (ActStatus::Suppressed, None) => {
                return Err(r.err(
                    "valid_to",
                    format!(
                        "{id} : statut \"suppressed\" sans valid_to : un acte supprimé a une fin de vie (le premier jour où il n'existe plus)"
                    ),
                ));
            }
            (ActStatus::InForce | ActStatus::Conditional, Some(to)) => {
                return Err(r.err(
                    "status",
                    format!(
                        "{id} : la vie de l'acte s'arrête le {} (valid_to) mais son statut n'est pas \"suppressed\"",
                        Date(to)
                    ),
                ));
            }
            _ => {}
        }
        let shared = r.get("shared_cotation");
        by_id.insert(id.clone(), acts.len());
        let (chapter, paragraph) = (r.text("chapter")?, r.get("paragraph").to_string());
        acts.push(Act {
            traits: ActTraits::of(&id, &chapter, &paragraph),
            id,
            chapter,
            article: r.get("article").to_string(),
            paragraph,
            label: r.text("label_fr")?,
            letter,
            old_cotations,
            referentiel,
            prior_agreement_from,
            ifs,
            shared_cotation: (!shared.is_empty()).then(|| shared.to_string()),
            status,
            source: r.text("source")?,
            note: r.get("note").to_string(),
            periods: Vec::new(),
            line: r.line,
        });
        lives.push(life);
        Ok(())
    })?;
    Ok((acts, by_id, lives))
}

/// Reads `act_coefficients.csv` into each act's `periods`, sorted by date
/// (whether they cover the act's life is [`validate`](super::validate)'s
/// business).
pub(super) fn act_coefficients(
    text: &str,
    acts: &mut [Act],
    by_id: &ActIndex,
) -> Result<(), Error> {
    let mut t = Table::new(
        "act_coefficients.csv",
        text,
        &[
            "act_id",
            "coefficient",
            "valid_from",
            "valid_to",
            "status",
            "source",
            "note",
        ],
    )?;
    t.for_each(|r| {
        let id = r.text("act_id")?;
        let &ai = by_id
            .get(&id)
            .ok_or_else(|| r.err("act_id", format!("acte {id} inconnu (absent de acts.csv)")))?;
        let coefficient = r.decimal(
            "coefficient",
            MAX_COEFFICIENT_DECIMALS,
            MAX_COEFFICIENT,
            A_COEFFICIENT,
        )?;
        let status = r.status()?;
        if status == RowStatus::Unknown {
            return Err(r.err(
                "status",
                "le coefficient d'un acte ne peut pas être de statut \"unknown\"",
            ));
        }
        let p = ActPeriod {
            coefficient,
            period: r.period()?,
            status,
            source: r.text("source")?,
            note: r.get("note").to_string(),
            line: r.line,
        };
        if let Some(o) = acts[ai]
            .periods
            .iter()
            .find(|o| o.period.overlaps(&p.period))
        {
            return Err(r.err(
                "valid_from",
                format!(
                    "{id} : la période {} chevauche la période {}",
                    Span(&p.period),
                    Span(&o.period)
                ),
            ));
        }
        acts[ai].periods.push(p);
        Ok(())
    })?;
    for act in acts.iter_mut() {
        act.periods.sort_by_key(|p| p.period.from);
    }
    Ok(())
}

/// The old cotations by (letter, coefficient key), and the line of each.
pub(super) type OldCotations = (HashMap<(Code, i64), OldCotation>, HashMap<(Code, i64), u64>);

pub(super) fn old_cotations(text: &str) -> Result<OldCotations, Error> {
    let mut t = Table::new(
        "old_cotations.csv",
        text,
        &[
            "letter",
            "coefficient",
            "valid_from",
            "transition_from",
            "valid_to",
            "source",
            "note",
        ],
    )?;
    let mut out = HashMap::new();
    let mut lines = HashMap::new();
    t.for_each(|r| {
        let letter = r.code("letter")?;
        if !matches!(letter, Code::AMK | Code::AMS | Code::AMC) {
            return Err(r.err(
                "letter",
                format!("une ancienne cotation est en AMK, AMS ou AMC, pas en {letter}"),
            ));
        }
        let coefficient = r.decimal(
            "coefficient",
            MAX_COEFFICIENT_DECIMALS,
            MAX_COEFFICIENT,
            A_COEFFICIENT,
        )?;
        let key =
            coef_key(coefficient).ok_or_else(|| r.err("coefficient", "plus de deux décimales"))?;
        let period = r.period()?;
        let transition_from: NaiveDate = r.date("transition_from")?;
        if !period.contains(transition_from) {
            return Err(r.err(
                "transition_from",
                format!(
                    "le {} est hors de la période de la ligne ({})",
                    Date(transition_from),
                    Span(&period)
                ),
            ));
        }
        let o = OldCotation {
            letter,
            coefficient,
            period,
            transition_from,
            source: r.text("source")?,
            note: r.get("note").to_string(),
        };
        if out.insert((letter, key), o).is_some() {
            return Err(r.err(
                "coefficient",
                format!("ancienne cotation {letter} {} en double", Num(coefficient)),
            ));
        }
        lines.insert((letter, key), r.line);
        Ok(())
    })?;
    Ok((out, lines))
}
