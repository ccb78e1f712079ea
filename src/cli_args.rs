//! Argument checks of the `kine-tarif` command (binary only: the library
//! does not depend on clap's conventions). Each parser takes the text of
//! one flag and returns its value or a French message, which clap prints
//! after the flag's name before exiting with status 2; nothing is read or
//! written before every argument has passed.
//!
//! The ranges, and why:
//! - `--threads`: 0 (one per core) or 1 to [`MAX_THREADS`];
//! - dates of `price`, `convert`, `tariffs`, `explain`: any date chrono
//!   reads (`-262143-01-01` to `+262142-12-31`): the library answers for
//!   each, with a finding when the data does not cover it;
//! - dates of `contract`: [`CONTRACT_DATES`]; years of `contract forfait`:
//!   [`CONTRACT_YEARS`];
//! - `generate --lines`: at most [`MAX_LINES`](kine_tarif::generate::MAX_LINES);
//!   `generate --year` is checked against the tariff data in `main`.

use std::ops::RangeInclusive;

use chrono::NaiveDate;

/// Most worker threads `price --threads` accepts: 256, well above the
/// cores of any machine this runs on; each thread holds blocks of input in
/// flight, so more only costs memory.
pub const MAX_THREADS: usize = kine_tarif::batch::MAX_THREADS;

/// Dates the `contract` subcommands accept (signature, termination,
/// request, cessation, designation, formalities): 2000-01-01 to
/// 2099-12-31. The contracts start with avenant 3 (2012) and the
/// regulated conventionnement with avenant 5 (2017); 2000 leaves room for
/// a departing physiotherapist's earlier cessation, 2099 for any term
/// signed this century (a CAMMK with every renewal runs 48 years).
pub const CONTRACT_DATES: RangeInclusive<NaiveDate> =
    NaiveDate::from_ymd_opt(2000, 1, 1).unwrap()..=NaiveDate::from_ymd_opt(2099, 12, 31).unwrap();

/// Reference years `contract forfait` accepts: 2000 to 2099 (the forfait
/// itself starts with reference year 2018, which the library checks
/// against the data).
pub const CONTRACT_YEARS: RangeInclusive<i32> = 2000..=2099;

/// `--threads`: 0 (one per core) or 1 to [`MAX_THREADS`].
pub fn threads(s: &str) -> Result<usize, String> {
    s.trim()
        .parse::<usize>()
        .ok()
        .filter(|&n| n <= MAX_THREADS)
        .ok_or_else(|| {
            format!("attendu 0 (un fil par cœur) ou un nombre de fils de 1 à {MAX_THREADS}")
        })
}

/// `--memory-budget`: a whole number of MiB (its conversion to bytes
/// saturates: see [`mib_to_bytes`]).
pub fn mebibytes(s: &str) -> Result<usize, String> {
    s.trim()
        .parse::<usize>()
        .map_err(|_| format!("attendu un nombre entier de Mio (0 à {})", usize::MAX))
}

/// MiB to bytes, saturating at `usize::MAX` (never wrapping).
pub fn mib_to_bytes(mib: usize) -> usize {
    mib.saturating_mul(1 << 20)
}

/// Any date chrono reads, `YYYY-MM-DD`.
pub fn date(s: &str) -> Result<NaiveDate, String> {
    s.trim()
        .parse()
        .map_err(|_| "attendu une date AAAA-MM-JJ (par exemple 2026-06-01)".to_string())
}

/// A date of the `contract` subcommands, within [`CONTRACT_DATES`].
pub fn contract_date(s: &str) -> Result<NaiveDate, String> {
    let d = date(s)?;
    if CONTRACT_DATES.contains(&d) {
        Ok(d)
    } else {
        Err(format!(
            "date hors de la plage des contrats : du {} au {}",
            CONTRACT_DATES.start(),
            CONTRACT_DATES.end()
        ))
    }
}

/// A reference year of `contract forfait`, within [`CONTRACT_YEARS`].
pub fn contract_year(s: &str) -> Result<i32, String> {
    s.trim()
        .parse::<i32>()
        .ok()
        .filter(|y| CONTRACT_YEARS.contains(y))
        .ok_or_else(|| {
            format!(
                "attendu une année de {} à {}",
                CONTRACT_YEARS.start(),
                CONTRACT_YEARS.end()
            )
        })
}

/// `generate --lines`: 0 to [`MAX_LINES`](kine_tarif::generate::MAX_LINES).
pub fn lines(s: &str) -> Result<u64, String> {
    let max = kine_tarif::generate::MAX_LINES;
    s.trim()
        .parse::<u64>()
        .ok()
        .filter(|&n| n <= max)
        .ok_or_else(|| format!("attendu un nombre de lignes de 0 à {max}"))
}

/// `generate --year`: a whole number (checked against the data's
/// coverage once the tariffs are loaded).
pub fn year(s: &str) -> Result<i32, String> {
    s.trim()
        .parse::<i32>()
        .map_err(|_| "attendu une année (par exemple 2025)".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        assert_eq!(threads("0"), Ok(0));
        assert_eq!(threads("256"), Ok(256));
        for bad in ["257", "30000", "18446744073709551615", "-1", "", "x"] {
            assert!(threads(bad).is_err(), "{bad}");
        }
        // 2^44 MiB is 2^64 bytes: saturates.
        assert_eq!(mib_to_bytes(17_592_186_044_416), usize::MAX);
        assert_eq!(mib_to_bytes(48), 48 * 1024 * 1024);
        assert!(contract_date("1999-12-31").is_err());
        assert!(contract_date("2000-01-01").is_ok());
        assert!(contract_date("2099-12-31").is_ok());
        assert!(contract_date("+262142-06-01").is_err());
        assert!(date("+262142-06-01").is_ok());
        assert!(contract_year("2100").is_err() && contract_year("2099").is_ok());
        assert!(lines("1000000000").is_ok() && lines("1000000001").is_err());
    }
}
