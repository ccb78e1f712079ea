//! Loading, validation and dated lookup of the tariff data.
//!
//! The data lives in plain CSV files in `tariffs/` (see its README). They
//! are compiled into the crate with `include_str!` and parsed once, at
//! first use of [`Tariffs::embedded`]; [`Tariffs::from_dir`] loads a
//! replacement set (e.g. a revalorisation published before a crate
//! release) through the same validation.

use std::collections::HashMap;
use std::path::Path;
use std::sync::LazyLock;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::nomenclature::{
    Act, ActPeriod, ActStatus, ActTraits, IfsScope, OldCotation, RowStatus, coef_key,
};
use crate::{Code, CodeKind, Error, Period, Territory};

/// Version of the embedded tariff data. It changes whenever a file of
/// `tariffs/` changes; `tariffs/VERSION` records it with a fingerprint of
/// the files, and a test fails when they drift apart.
pub const TARIFF_DATA_VERSION: &str = "2026-11-23.3";

/// The files of a tariff set, in load order.
pub const TARIFF_FILES: [&str; 4] = [
    "letter_values.csv",
    "acts.csv",
    "act_coefficients.csv",
    "old_cotations.csv",
];

const EMBEDDED: [&str; 4] = [
    include_str!("../tariffs/letter_values.csv"),
    include_str!("../tariffs/acts.csv"),
    include_str!("../tariffs/act_coefficients.csv"),
    include_str!("../tariffs/old_cotations.csv"),
];

static EMBEDDED_TARIFFS: LazyLock<Tariffs> = LazyLock::new(|| {
    Tariffs::from_sources(TARIFF_DATA_VERSION, EMBEDDED)
        .expect("embedded tariff data is validated by the test suite")
});

/// The value of a billing code in a territory over a period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LetterValue {
    /// The code (key letter, TMK, RQD, travel allowance).
    pub code: Code,
    /// Metropolitan or overseas.
    pub territory: Territory,
    /// Value in euros; `None` when the sources do not give it.
    pub value: Option<Decimal>,
    /// Validity `[from, to)`.
    pub period: Period,
    /// In force, conditional, or unknown.
    pub status: RowStatus,
    /// Legal source.
    pub source: String,
    /// Notes.
    pub note: String,
}

/// A validated tariff set: letter values, acts with their dated
/// coefficients, old cotations.
#[derive(Debug, Clone)]
pub struct Tariffs {
    version: String,
    /// Per `code.index() * 2 + territory`, sorted by start date.
    values: Vec<Vec<LetterValue>>,
    pub(crate) acts: Vec<Act>,
    by_id: ActIndex,
    /// (letter, coefficient in hundredths) → (act, period index) that ever
    /// carried the pair.
    by_pair: HashMap<(Code, i64), Vec<(usize, usize)>, FastHash>,
    /// Coefficient in hundredths → the acts (in order, each once) that
    /// ever carried it, whatever their letter.
    by_coefficient: HashMap<i64, Vec<usize>, FastHash>,
    old: HashMap<(Code, i64), OldCotation>,
    pub(crate) old_to_new: HashMap<(Code, i64), Vec<usize>>,
    coverage_start: NaiveDate,
    /// Every date on which something the pricing reads starts or stops
    /// (a period's start or end, a transition, the coverage start), sorted:
    /// between two of them, every dated lookup gives the same answer.
    boundaries: Vec<NaiveDate>,
}

impl PartialEq for Tariffs {
    fn eq(&self, other: &Tariffs) -> bool {
        self.values == other.values && self.acts == other.acts && {
            let mut a: Vec<_> = self
                .old
                .values()
                .map(|o| (o.letter, coef_key(o.coefficient), o))
                .collect();
            let mut b: Vec<_> = other
                .old
                .values()
                .map(|o| (o.letter, coef_key(o.coefficient), o))
                .collect();
            a.sort_by_key(|x| (x.0, x.1));
            b.sort_by_key(|x| (x.0, x.1));
            a == b
        }
    }
}

/// A small multiplicative hasher for the (letter, coefficient) and act id
/// indexes: the tables are the crate's own few hundred keys (an input can
/// only ask for a key, not add one), and the lookups are on the pricing
/// hot path (std's SipHash costs more than the rest of the lookup).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct FastHash;

#[derive(Debug, Default)]
pub(crate) struct FastHasher(u64);

impl std::hash::Hasher for FastHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        // Eight bytes at a time (act ids are some twenty bytes long).
        let words = bytes.chunks_exact(8);
        let tail = words.remainder();
        for w in words {
            self.write_u64(u64::from_le_bytes(w.try_into().unwrap_or_default()));
        }
        let mut last = [0u8; 8];
        last[..tail.len()].copy_from_slice(tail);
        self.write_u64(u64::from_le_bytes(last) ^ (tail.len() as u64) << 59);
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    fn write_i64(&mut self, n: i64) {
        self.write_u64(n as u64);
    }
    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }
    fn write_isize(&mut self, n: isize) {
        self.write_u64(n as u64);
    }
}

impl std::hash::BuildHasher for FastHash {
    type Hasher = FastHasher;
    fn build_hasher(&self) -> FastHasher {
        FastHasher(0)
    }
}

fn slot(code: Code, territory: Territory) -> usize {
    code.index() * 2 + territory as usize
}

impl Tariffs {
    /// The tariff data compiled into the crate (parsed once, then shared).
    ///
    /// ```
    /// use kine_tarif::{Code, Tariffs, Territory, TARIFF_DATA_VERSION};
    /// let t = Tariffs::embedded();
    /// assert_eq!(t.version(), TARIFF_DATA_VERSION);
    /// let v = t.letter_value(Code::RIM, Territory::Dom, "2025-01-10".parse().unwrap()).unwrap();
    /// assert_eq!(v.value.unwrap().to_string(), "2.43");
    /// ```
    pub fn embedded() -> &'static Tariffs {
        &EMBEDDED_TARIFFS
    }

    /// Loads and validates a tariff set from a directory holding the files
    /// of [`TARIFF_FILES`]. The version is `custom:<dir>`.
    pub fn from_dir(dir: impl AsRef<Path>) -> Result<Tariffs, Error> {
        let dir = dir.as_ref();
        let mut texts = Vec::with_capacity(4);
        for f in TARIFF_FILES {
            let path = dir.join(f);
            let text =
                std::fs::read_to_string(&path).map_err(|source| Error::Io { path, source })?;
            texts.push(text);
        }
        let version = format!("custom:{}", dir.display());
        Tariffs::from_sources(&version, [&texts[0], &texts[1], &texts[2], &texts[3]])
    }

    /// Loads and validates a tariff set from the text of the four files, in
    /// the order of [`TARIFF_FILES`].
    pub fn from_sources(version: &str, texts: [&str; 4]) -> Result<Tariffs, Error> {
        let values = load_letter_values(texts[0])?;
        let (mut acts, by_id) = load_acts(texts[1])?;
        load_act_coefficients(texts[2], &mut acts, &by_id)?;
        let old = load_old_cotations(texts[3])?;
        let mut t = Tariffs {
            version: version.to_string(),
            values,
            acts,
            by_id,
            by_pair: HashMap::default(),
            by_coefficient: HashMap::default(),
            old,
            old_to_new: HashMap::new(),
            coverage_start: NaiveDate::MIN,
            boundaries: Vec::new(),
        };
        t.index_and_check()?;
        t.boundaries = t.find_boundaries();
        Ok(t)
    }

    /// The data version ([`TARIFF_DATA_VERSION`] for the embedded set).
    pub fn version(&self) -> &str {
        &self.version
    }

    /// First date the data covers: the first AMK value (2012-07-15).
    pub fn coverage_start(&self) -> NaiveDate {
        self.coverage_start
    }

    /// The dates of [`Tariffs::epoch`]'s changes.
    fn find_boundaries(&self) -> Vec<NaiveDate> {
        let periods = self
            .values
            .iter()
            .flatten()
            .map(|v| v.period)
            .chain(
                self.acts
                    .iter()
                    .flat_map(|a| a.periods.iter().map(|p| p.period)),
            )
            .chain(self.old.values().map(|o| o.period));
        let mut b: Vec<NaiveDate> = periods
            .flat_map(|p| [Some(p.from), p.to])
            .flatten()
            .chain(self.old.values().map(|o| o.transition_from))
            .chain([self.coverage_start])
            .collect();
        b.sort_unstable();
        b.dedup();
        b
    }

    /// The number of the stretch of days `date` falls in, between two dates
    /// on which a period of the data starts or ends: two dates with the
    /// same number get the same answer from every dated lookup of the
    /// pricing (the findings' messages aside, which name the date).
    pub(crate) fn epoch(&self, date: NaiveDate) -> usize {
        self.boundaries.partition_point(|&b| b <= date)
    }

    /// The dates on which [`Tariffs::epoch`] changes.
    #[cfg(test)]
    pub(crate) fn boundaries(&self) -> &[NaiveDate] {
        &self.boundaries
    }

    /// The value row of `code` in `territory` at `date`.
    pub fn letter_value(
        &self,
        code: Code,
        territory: Territory,
        date: NaiveDate,
    ) -> Option<&LetterValue> {
        self.values[slot(code, territory)]
            .iter()
            .find(|v| v.period.contains(date))
    }

    /// Every value row of `code` in `territory`, by date.
    pub fn letter_values(&self, code: Code, territory: Territory) -> &[LetterValue] {
        &self.values[slot(code, territory)]
    }

    /// All acts, in file order.
    pub fn acts(&self) -> &[Act] {
        &self.acts
    }

    /// An act by its id.
    pub fn act(&self, id: &str) -> Option<&Act> {
        self.by_id.get(id).map(|&i| &self.acts[i])
    }

    /// The acts whose cotation is `(letter, coefficient)` at `date`.
    ///
    /// ```
    /// use kine_tarif::{Code, Tariffs};
    /// let t = Tariffs::embedded();
    /// let d = |s: &str| s.parse().unwrap();
    /// let nmi = |c: &str| t.acts_at(Code::NMI, c.parse().unwrap(), d("2026-06-01"));
    /// assert_eq!(nmi("11.01")[0].0.id, "A4-PARA-TETRA");
    /// let later = t.acts_at(Code::NMI, "11.01".parse().unwrap(), d("2026-09-01"));
    /// assert_eq!(later[0].0.id, "A4-PERIPH-MULTI");
    /// ```
    pub fn acts_at(
        &self,
        letter: Code,
        coefficient: Decimal,
        date: NaiveDate,
    ) -> Vec<(&Act, &ActPeriod)> {
        self.pair_history(letter, coefficient)
            .filter(|(_, p)| p.period.contains(date))
            .collect()
    }

    /// The acts whose coefficient at `date` is `coefficient`, whatever
    /// their letter, in the order of [`Tariffs::acts`] (a TMK line's
    /// candidates): `acts().filter(period_at(date) has coefficient)`, asked
    /// only of the acts that ever had that coefficient.
    pub(crate) fn acts_with_coefficient_at(
        &self,
        coefficient: Decimal,
        date: NaiveDate,
    ) -> Vec<&Act> {
        coef_key(coefficient)
            .and_then(|k| self.by_coefficient.get(&k))
            .map_or(&[][..], |v| v.as_slice())
            .iter()
            .map(|&a| &self.acts[a])
            .filter(|a| {
                a.period_at(date)
                    .is_some_and(|p| p.coefficient == coefficient)
            })
            .collect()
    }

    /// Every (act, period) that ever carried `(letter, coefficient)`.
    pub fn pair_history(
        &self,
        letter: Code,
        coefficient: Decimal,
    ) -> impl Iterator<Item = (&Act, &ActPeriod)> {
        coef_key(coefficient)
            .and_then(|k| self.by_pair.get(&(letter, k)))
            .map(|v| v.as_slice())
            .unwrap_or(&[])
            .iter()
            .map(|&(a, p)| (&self.acts[a], &self.acts[a].periods[p]))
    }

    /// The old cotation `(letter, coefficient)`, if it existed.
    pub fn old_cotation(&self, letter: Code, coefficient: Decimal) -> Option<&OldCotation> {
        coef_key(coefficient).and_then(|k| self.old.get(&(letter, k)))
    }

    fn index_and_check(&mut self) -> Result<(), Error> {
        // Pair index, and no two acts with the same pair at the same date
        // unless both declare the shared cotation.
        for (ai, act) in self.acts.iter().enumerate() {
            for (pi, p) in act.periods.iter().enumerate() {
                let key = coef_key(p.coefficient).ok_or_else(|| {
                    Error::data(
                        "act_coefficients.csv",
                        p.line,
                        "coefficient",
                        format!("{}: more than two decimals", act.id),
                    )
                })?;
                let acts = self.by_coefficient.entry(key).or_default();
                if acts.last() != Some(&ai) {
                    acts.push(ai);
                }
                let entry = self.by_pair.entry((act.letter, key)).or_default();
                for &(bi, bp) in entry.iter() {
                    let other = &self.acts[bi];
                    if other.id == act.id {
                        continue;
                    }
                    if other.periods[bp].period.overlaps(&p.period)
                        && (act.shared_cotation.is_none() || other.shared_cotation.is_none())
                    {
                        return Err(Error::data(
                            "act_coefficients.csv",
                            p.line,
                            "coefficient",
                            format!(
                                "{} and {} both carry {} {} on overlapping dates ({} and {}); declare it in `shared_cotation` of acts.csv if the official text does so",
                                other.id,
                                act.id,
                                act.letter,
                                p.coefficient,
                                other.periods[bp].period,
                                p.period
                            ),
                        ));
                    }
                }
                entry.push((ai, pi));
            }
            for &(l, c) in &act.old_cotations {
                let key = coef_key(c).unwrap_or(i64::MIN);
                if !self.old.contains_key(&(l, key)) {
                    return Err(Error::data(
                        "acts.csv",
                        act.line,
                        "old_cotation",
                        format!(
                            "{}: old cotation {l} {c} is missing from old_cotations.csv",
                            act.id
                        ),
                    ));
                }
                self.old_to_new.entry((l, key)).or_default().push(ai);
            }
        }
        self.coverage_start = self.values[slot(Code::AMK, Territory::Metropole)]
            .first()
            .map(|v| v.period.from)
            .ok_or_else(|| {
                Error::data(
                    "letter_values.csv",
                    0,
                    "code",
                    "no AMK value: the data covers no date",
                )
            })?;
        Ok(())
    }
}

/// A CSV table of a tariff file, with its header positions.
struct Table<'a> {
    file: &'a str,
    reader: csv::Reader<&'a [u8]>,
    cols: HashMap<String, usize>,
}

struct Row<'a> {
    file: &'a str,
    line: u64,
    rec: csv::StringRecord,
    cols: &'a HashMap<String, usize>,
}

impl<'a> Table<'a> {
    fn new(file: &'a str, text: &'a str, required: &[&str]) -> Result<Table<'a>, Error> {
        let mut reader = csv::ReaderBuilder::new()
            .flexible(false)
            .from_reader(text.as_bytes());
        let headers = reader
            .headers()
            .map_err(|e| Error::data(file, 1, "-", e.to_string()))?
            .clone();
        let cols: HashMap<String, usize> = headers
            .iter()
            .enumerate()
            .map(|(i, h)| (h.trim().to_string(), i))
            .collect();
        for r in required {
            if !cols.contains_key(*r) {
                return Err(Error::data(file, 1, r, "missing column"));
            }
        }
        Ok(Table { file, reader, cols })
    }

    fn for_each(&mut self, mut f: impl FnMut(&Row<'_>) -> Result<(), Error>) -> Result<(), Error> {
        let mut rec = csv::StringRecord::new();
        loop {
            match self.reader.read_record(&mut rec) {
                Ok(false) => return Ok(()),
                Ok(true) => {
                    let line = rec.position().map(|p| p.line()).unwrap_or(0);
                    let row = Row {
                        file: self.file,
                        line,
                        rec: rec.clone(),
                        cols: &self.cols,
                    };
                    f(&row)?;
                }
                Err(e) => {
                    let line = e.position().map(|p| p.line()).unwrap_or(0);
                    return Err(Error::data(self.file, line, "-", e.to_string()));
                }
            }
        }
    }
}

impl Row<'_> {
    fn err(&self, col: &str, msg: impl Into<String>) -> Error {
        Error::data(self.file, self.line, col, msg)
    }
    fn get(&self, col: &str) -> &str {
        self.cols
            .get(col)
            .and_then(|&i| self.rec.get(i))
            .unwrap_or("")
            .trim()
    }
    fn text(&self, col: &str) -> Result<String, Error> {
        let v = self.get(col);
        if v.is_empty() {
            return Err(self.err(col, "empty"));
        }
        Ok(v.to_string())
    }
    fn date(&self, col: &str) -> Result<NaiveDate, Error> {
        let v = self.get(col);
        NaiveDate::parse_from_str(v, "%Y-%m-%d")
            .ok()
            .filter(|_| v.len() == 10)
            .ok_or(())
            .map_err(|_| self.err(col, format!("malformed date {v:?} (expected YYYY-MM-DD)")))
    }
    fn opt_date(&self, col: &str) -> Result<Option<NaiveDate>, Error> {
        if self.get(col).is_empty() {
            Ok(None)
        } else {
            self.date(col).map(Some)
        }
    }
    fn decimal(&self, col: &str) -> Result<Decimal, Error> {
        let v = self.get(col);
        let d = v
            .parse::<Decimal>()
            .ok()
            .filter(|_| v.bytes().all(|b| b.is_ascii_digit() || b == b'.'))
            .ok_or_else(|| {
                self.err(
                    col,
                    format!("malformed decimal {v:?} (expected digits with a dot)"),
                )
            })?;
        if d.is_zero() {
            return Err(self.err(col, "zero"));
        }
        Ok(d)
    }
    fn code(&self, col: &str) -> Result<Code, Error> {
        let v = self.get(col);
        Code::from_bytes(v.as_bytes()).ok_or_else(|| self.err(col, format!("unknown letter {v:?}")))
    }
    fn period(&self) -> Result<Period, Error> {
        let from = self.date("valid_from")?;
        let to = self.opt_date("valid_to")?;
        if let Some(t) = to
            && t <= from
        {
            return Err(self.err(
                "valid_to",
                format!("period not ordered: valid_to {t} is not after valid_from {from}"),
            ));
        }
        Ok(Period::new(from, to))
    }
    fn status(&self) -> Result<RowStatus, Error> {
        let v = self.get("status");
        RowStatus::parse(v).ok_or_else(|| {
            self.err(
                "status",
                format!("unknown status {v:?} (in_force, conditional, unknown)"),
            )
        })
    }
}

fn load_letter_values(text: &str) -> Result<Vec<Vec<LetterValue>>, Error> {
    const F: &str = "letter_values.csv";
    let mut t = Table::new(
        F,
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
    let mut values: Vec<Vec<(u64, LetterValue)>> = vec![Vec::new(); Code::ALL.len() * 2];
    t.for_each(|r| {
        let code = r.code("code")?;
        let territory = Territory::from_data_name(r.get("territory")).ok_or_else(|| {
            r.err(
                "territory",
                format!(
                    "unknown territory {:?} (metropole, dom)",
                    r.get("territory")
                ),
            )
        })?;
        let status = r.status()?;
        let value = match (status, r.get("value").is_empty()) {
            (RowStatus::Unknown, true) => None,
            (RowStatus::Unknown, false) => {
                return Err(r.err("value", "a row with status unknown has no value"));
            }
            (_, _) => Some(r.decimal("value")?),
        };
        let lv = LetterValue {
            code,
            territory,
            value,
            period: r.period()?,
            status,
            source: r.text("source")?,
            note: r.get("note").to_string(),
        };
        let list = &mut values[slot(code, territory)];
        if let Some((line, other)) = list.iter().find(|(_, o)| o.period.overlaps(&lv.period)) {
            return Err(r.err(
                "valid_from",
                format!(
                    "{code} {territory}: period {} overlaps {} of line {line}",
                    lv.period, other.period
                ),
            ));
        }
        list.push((r.line, lv));
        Ok(())
    })?;
    let mut out = Vec::with_capacity(values.len());
    for mut list in values {
        list.sort_by_key(|(_, v)| v.period.from);
        for w in list.windows(2) {
            let (l, a) = &w[0];
            let (_, b) = &w[1];
            if a.period.to != Some(b.period.from) {
                return Err(Error::data(
                    F,
                    *l,
                    "valid_to",
                    format!(
                        "{} {}: gap between {} and {}",
                        a.code, a.territory, a.period, b.period
                    ),
                ));
            }
        }
        out.push(list.into_iter().map(|(_, v)| v).collect());
    }
    Ok(out)
}

/// Act positions by id.
type ActIndex = HashMap<String, usize, FastHash>;

fn load_acts(text: &str) -> Result<(Vec<Act>, ActIndex), Error> {
    const F: &str = "acts.csv";
    let mut t = Table::new(
        F,
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
            "status",
            "source",
            "note",
        ],
    )?;
    let mut acts = Vec::new();
    let mut by_id = HashMap::with_hasher(FastHash);
    t.for_each(|r| {
        let id = r.text("act_id")?;
        if by_id.contains_key(&id) {
            return Err(r.err("act_id", format!("duplicate act id {id}")));
        }
        let letter = r.code("letter")?;
        if letter.kind() != CodeKind::ActKey {
            return Err(r.err(
                "letter",
                format!("{letter} is not a key letter of the current nomenclature"),
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
                    format!("expected `LETTER COEF`, got {part:?}"),
                )
            })?;
            let l = Code::from_bytes(l.as_bytes())
                .filter(|l| matches!(l, Code::AMK | Code::AMS | Code::AMC))
                .ok_or_else(|| {
                    r.err(
                        "old_cotation",
                        format!("old letter must be AMK, AMS or AMC, got {l:?}"),
                    )
                })?;
            let c = c
                .trim()
                .parse::<Decimal>()
                .map_err(|_| r.err("old_cotation", format!("malformed coefficient {c:?}")))?;
            old_cotations.push((l, c));
        }
        let referentiel = match r.get("referentiel") {
            "yes" => true,
            "no" => false,
            v => return Err(r.err("referentiel", format!("expected yes or no, got {v:?}"))),
        };
        let prior_agreement_from = match r.get("prior_agreement_from") {
            "" => None,
            v => Some(v.parse::<u32>().ok().filter(|n| *n >= 1).ok_or_else(|| {
                r.err(
                    "prior_agreement_from",
                    format!("expected a session number, got {v:?}"),
                )
            })?),
        };
        if referentiel != prior_agreement_from.is_some() {
            return Err(r.err(
                "prior_agreement_from",
                "an act subject to a référentiel needs a threshold, and only such an act",
            ));
        }
        let ifs = match r.get("ifs") {
            "no" => IfsScope::No,
            "always" => IfsScope::Always,
            "post_surgery_35d" => IfsScope::PostSurgery35Days,
            v => {
                return Err(r.err(
                    "ifs",
                    format!("expected no, always or post_surgery_35d, got {v:?}"),
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
                    format!("expected in_force, conditional or suppressed, got {v:?}"),
                ));
            }
        };
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
        Ok(())
    })?;
    Ok((acts, by_id))
}

fn load_act_coefficients(text: &str, acts: &mut [Act], by_id: &ActIndex) -> Result<(), Error> {
    const F: &str = "act_coefficients.csv";
    let mut t = Table::new(
        F,
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
    let mut lines: Vec<Vec<u64>> = vec![Vec::new(); acts.len()];
    t.for_each(|r| {
        let id = r.text("act_id")?;
        let &ai = by_id
            .get(&id)
            .ok_or_else(|| r.err("act_id", format!("unknown act {id} (not in acts.csv)")))?;
        let coefficient = r.decimal("coefficient")?;
        if coef_key(coefficient).is_none() {
            return Err(r.err("coefficient", "more than two decimals"));
        }
        let status = r.status()?;
        if status == RowStatus::Unknown {
            return Err(r.err("status", "an act coefficient cannot be unknown"));
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
                format!("{id}: period {} overlaps {}", p.period, o.period),
            ));
        }
        acts[ai].periods.push(p);
        lines[ai].push(r.line);
        Ok(())
    })?;
    for (ai, act) in acts.iter_mut().enumerate() {
        if act.periods.is_empty() {
            return Err(Error::data(
                "acts.csv",
                act.line,
                "act_id",
                format!("{}: no coefficient in act_coefficients.csv", act.id),
            ));
        }
        let mut order: Vec<usize> = (0..act.periods.len()).collect();
        order.sort_by_key(|&i| act.periods[i].period.from);
        let sorted: Vec<ActPeriod> = order.iter().map(|&i| act.periods[i].clone()).collect();
        for (k, w) in sorted.windows(2).enumerate() {
            if w[0].period.to != Some(w[1].period.from) {
                return Err(Error::data(
                    F,
                    lines[ai][order[k]],
                    "valid_to",
                    format!(
                        "{}: gap inside the act's life between {} and {}",
                        act.id, w[0].period, w[1].period
                    ),
                ));
            }
        }
        act.periods = sorted;
    }
    Ok(())
}

fn load_old_cotations(text: &str) -> Result<HashMap<(Code, i64), OldCotation>, Error> {
    const F: &str = "old_cotations.csv";
    let mut t = Table::new(
        F,
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
    t.for_each(|r| {
        let letter = r.code("letter")?;
        if !matches!(letter, Code::AMK | Code::AMS | Code::AMC) {
            return Err(r.err(
                "letter",
                format!("old cotations use AMK, AMS or AMC, not {letter}"),
            ));
        }
        let coefficient = r.decimal("coefficient")?;
        let key =
            coef_key(coefficient).ok_or_else(|| r.err("coefficient", "more than two decimals"))?;
        let period = r.period()?;
        let transition_from = r.date("transition_from")?;
        if !period.contains(transition_from) {
            return Err(r.err(
                "transition_from",
                format!("{transition_from} is outside the period {period}"),
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
                format!("duplicate old cotation {letter} {coefficient}"),
            ));
        }
        Ok(())
    })?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use chrono::{Days, NaiveDate};
    use rust_decimal::Decimal;

    use super::Tariffs;

    #[test]
    fn acts_with_a_coefficient_are_those_of_the_whole_list() {
        // Every coefficient any act ever had, a few it never had, 7.5 and
        // 7.50 and 7.500 alike; every 10th day from before the coverage to
        // 2028: the index gives the acts, in order, the list filtered does.
        let t = Tariffs::embedded();
        let mut coefficients: Vec<Decimal> = t
            .acts()
            .iter()
            .flat_map(|a| a.periods.iter().map(|p| p.coefficient))
            .collect();
        coefficients.extend(
            ["0", "7.495", "99.99", "7.5", "7.500", "-7.5"].map(|s| s.parse::<Decimal>().unwrap()),
        );
        coefficients.sort();
        coefficients.dedup();
        let mut date = NaiveDate::from_ymd_opt(2023, 12, 1).unwrap();
        let mut found = 0;
        while date < NaiveDate::from_ymd_opt(2028, 1, 1).unwrap() {
            for &c in &coefficients {
                let want: Vec<&str> = t
                    .acts()
                    .iter()
                    .filter(|a| a.period_at(date).is_some_and(|p| p.coefficient == c))
                    .map(|a| a.id.as_str())
                    .collect();
                let got: Vec<&str> = t
                    .acts_with_coefficient_at(c, date)
                    .iter()
                    .map(|a| a.id.as_str())
                    .collect();
                assert_eq!(got, want, "{c} {date}");
                found += got.len();
            }
            date = date + Days::new(10);
        }
        assert!(found > 1000, "{found}");
    }
}
