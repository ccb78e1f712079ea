//! Loading, validation and dated lookup of the tariff data.
//!
//! The data lives in plain CSV files in `tariffs/` (see its README). They
//! are compiled into the crate with `include_str!` and parsed once, at
//! first use of [`Tariffs::embedded`]; [`Tariffs::from_dir`] loads a
//! replacement set (e.g. a revalorisation published before a crate
//! release) through the same validation: a set is complete or refused.
//!
//! The stages, one module each:
//!
//! 1. `table`: the bytes of a file → CSV rows read by column name; a file
//!    that is not UTF-8, empty, or cut in the middle of a row is refused;
//! 2. `load`: each file's rows → values, acts, coefficients, old
//!    cotations, each field checked (dates, codes, decimals within the
//!    bounds below);
//! 3. `validate`: the files together → complete (every code's values and
//!    every act's coefficients without a gap over their whole life, in
//!    both territories) and consistent (no cotation shared by accident),
//!    with the lookup indexes built;
//! 4. this module: the validated [`Tariffs`] and its dated lookups, which
//!    the pricing reads.
//!
//! Every error names the file, the line (the header is line 1) and the
//! column ([`Error::Data`]).

use std::collections::HashMap;
use std::path::Path;
use std::sync::LazyLock;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::nomenclature::{Act, ActPeriod, OldCotation, RowStatus, coef_key};
use crate::{Code, Error, Period, Territory};

mod load;
pub(crate) mod table;
mod validate;

use load::ActIndex;

/// Version of the embedded tariff data. It changes whenever a file of
/// `tariffs/` changes; `tariffs/VERSION` records it with a fingerprint of
/// the files, and a test fails when they drift apart.
pub const TARIFF_DATA_VERSION: &str = "2026-12-05.3";

/// The files of a tariff set, in load order.
pub const TARIFF_FILES: [&str; 4] = [
    "letter_values.csv",
    "acts.csv",
    "act_coefficients.csv",
    "old_cotations.csv",
];

/// The largest letter value a tariff set may give, in euros: 1,000 €
/// (the largest in the data is the 10 € RQD fee). A larger value is
/// refused at load.
///
/// With [`MAX_COEFFICIENT`], a coefficient × value is at most 10^6 with at
/// most [`MAX_COEFFICIENT_DECIMALS`] + [`MAX_VALUE_DECIMALS`] = 6 decimals:
/// times any quantity below 10^22 (the invoice quantity is bounded far
/// lower) the amount stays below 10^28, under `Decimal::MAX` (about
/// 7.9 × 10^28), so the pricing's products cannot overflow.
pub const MAX_LETTER_VALUE: Decimal = Decimal::ONE_THOUSAND;

/// The most decimals a letter value may be written with: 4 (the data has
/// 2). Counted as written — `2.21000` has 5 and is refused — so that
/// nothing is rounded at load.
pub const MAX_VALUE_DECIMALS: usize = 4;

/// The largest coefficient of an act or an old cotation: 1,000 (the
/// largest in the data is 16). A larger one is refused at load; see
/// [`MAX_LETTER_VALUE`] for the bound on amounts it gives.
pub const MAX_COEFFICIENT: Decimal = Decimal::ONE_THOUSAND;

/// The most decimals a coefficient may be written with: 2 (the data has
/// 8.07, 10.7, 5). Cotations are told apart by their hundredths
/// (RAM 8.07 … 8.13), and the lookup tables key them in hundredths.
pub const MAX_COEFFICIENT_DECIMALS: usize = 2;

const EMBEDDED: [&str; 4] = [
    include_str!("../../tariffs/letter_values.csv"),
    include_str!("../../tariffs/acts.csv"),
    include_str!("../../tariffs/act_coefficients.csv"),
    include_str!("../../tariffs/old_cotations.csv"),
];

// Compiled-in data, validated by the test suite (`tests/tariff_data.rs`):
// like a constant, it cannot fail at run time.
#[allow(clippy::expect_used)]
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
    ///
    /// The set must be complete: see the [module documentation](self) and
    /// `tariffs/README.md` for what is checked. A file that is not UTF-8
    /// is an [`Error::Data`] naming the line of its first invalid byte.
    pub fn from_dir(dir: impl AsRef<Path>) -> Result<Tariffs, Error> {
        let dir = dir.as_ref();
        let mut texts = Vec::with_capacity(4);
        for f in TARIFF_FILES {
            let path = dir.join(f);
            let bytes = std::fs::read(&path).map_err(|source| Error::Io { path, source })?;
            texts.push(table::decode(f, bytes)?);
        }
        let version = format!("custom:{}", dir.display());
        Tariffs::from_sources(&version, [&texts[0], &texts[1], &texts[2], &texts[3]])
    }

    /// Loads and validates a tariff set from the text of the four files, in
    /// the order of [`TARIFF_FILES`].
    pub fn from_sources(version: &str, texts: [&str; 4]) -> Result<Tariffs, Error> {
        let value_rows = load::letter_values(texts[0])?;
        let (mut acts, by_id, lives) = load::acts(texts[1])?;
        load::act_coefficients(texts[2], &mut acts, &by_id)?;
        let (old, old_lines) = load::old_cotations(texts[3])?;
        validate::code_lives(&value_rows)?;
        validate::act_lives(&acts, &lives)?;
        // The `suppressed` rows only mark where a code ends: lookups see
        // the value rows (and `unknown` ones).
        let values = value_rows
            .slots
            .into_iter()
            .map(|list| list.into_iter().filter_map(|r| r.value).collect())
            .collect();
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
        t.check_letters_cover(&old_lines)?;
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
