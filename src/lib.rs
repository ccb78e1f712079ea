//! # kine-tarif
//!
//! Computes and checks the billing of French physiotherapists
//! (masseurs-kinésithérapeutes): for any invoice line, which act, which
//! coefficient and letter value on that date and territory, what amount,
//! and what is wrong with it and why.
//!
//! ## Vocabulary
//!
//! - **lettre clé** (key letter): the code of an act family (`RIM`, `TER`,
//!   `AMK`, …). Its value in euros is set by the convention and changes on
//!   dated steps; see [`Code`].
//! - **coefficient**: the multiplier of the key letter for one act. Since
//!   2024-02-22 its decimals tell acts apart (`RAM 8.07` … `RAM 8.13`).
//! - **cotation**: key letter + coefficient, as written on the invoice.
//! - **DOM**: the overseas départements, with their own letter values; see
//!   [`Territory`].
//! - **IFD / IFS / IK**: travel allowances (flat, specific, per kilometre).
//! - **TMK** (télésoin) and **RQD** (téléexpertise request).
//!
//! ## Pricing a line
//!
//! ```
//! use kine_tarif::{price, Code, FindingCode, InvoiceLine, LineStatus};
//!
//! let d = |s: &str| s.parse().unwrap();
//! // An ankle sprain session (RIM 7.50) on 2024-06-15 in Paris.
//! let line = InvoiceLine::new(d("2024-06-15"), Code::RIM, Some("7.50".parse().unwrap()));
//! let p = price(&line);
//! assert_eq!(p.act.unwrap().id, "A1C-ENTORSE-MED");
//! assert_eq!(p.amount.unwrap().to_string(), "16.58"); // 7.50 × 2.21 = 16.575
//! assert_eq!(p.status(), LineStatus::Ok);
//! assert_eq!(p.formula().unwrap(), "7,5 × 2,21\u{a0}€ × 1 = 16,575 → 16,58\u{a0}€");
//!
//! // The same cotation after the step of 2026-01-01.
//! let later = price(&InvoiceLine::new(d("2026-02-01"), Code::RIM, Some("7.50".parse().unwrap())));
//! assert!(later.has(FindingCode::CoefficientRevalued));
//! assert_eq!(later.coefficient.unwrap().to_string(), "8.10");
//! ```
//!
//! ## Modules
//!
//! - [`tariffs`]: the data (embedded from `tariffs/`, or loaded from a
//!   directory), validation, dated lookups.
//! - [`nomenclature`]: acts, dated coefficients, old cotations, `convert`.
//! - [`pricing`]: pricing one line, with the formula and an explanation.
//! - [`findings`]: the catalogue of finding codes.
//! - [`batch`]: the invoice CSV in and out.
//! - [`money`]: exact amounts and the single rounding rule.

#![warn(missing_docs)]
// No public function panics (see the README, *Library*): no unwrap, expect
// or panic outside the tests. Indexing is not denied: the indices of the
// batch engine and the rules are positions found in the same buffers, and
// the property tests, the malformed corpus and the fuzz targets exercise
// them; the few compiled-in tables use `expect` with a justified allow.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

#[cfg(feature = "arrow")]
pub mod arrow;
pub mod batch;
pub mod bounds;
mod bytes;
pub mod code;
pub mod contracts;
pub mod coverage;
pub mod error;
pub mod findings;
pub mod fr;
pub mod generate;
pub mod history;
pub mod identifiers;
pub mod money;
pub mod nomenclature;
pub mod period;
pub mod prestation;
pub mod pricing;
pub mod requests;
pub mod rules;
pub mod tariffs;
pub mod territory;

/// The date type of every line and period (chrono 0.4), re-exported so
/// that callers use the same version.
pub use chrono::NaiveDate;
pub use code::{Code, CodeKind, UnknownCode};
pub use error::Error;
pub use findings::{Finding, FindingCode, LineStatus, Severity, UnknownFindingCode};
pub use nomenclature::{
    Act, ActPeriod, ActStatus, Candidate, ConvertError, IfsScope, OldCotation, RowStatus,
};
pub use period::Period;
pub use pricing::{InvoiceLine, Priced, price};
/// The decimal type of every amount, coefficient and quantity (rust_decimal
/// 1.x), re-exported so that callers use the same version.
pub use rust_decimal::Decimal;
pub use tariffs::{LetterValue, TARIFF_DATA_VERSION, TARIFF_FILES, Tariffs};
pub use territory::{Territory, UnknownDepartment};

/// The README's Rust examples, run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
