//! kine-tarif as a C library: every function takes UTF-8 JSON and writes
//! UTF-8 JSON, so that C, C# (P/Invoke), Java (JNA), Delphi or WinDev call
//! it with strings only. The header is `include/kine_tarif.h`, generated
//! from this file by cbindgen and checked by `ffi/tests/header.rs`.
//!
//! # The contract
//!
//! - Each function returns a [`KtStatus`] and, through `out`, a string the
//!   library allocated: the answer (`{"result": …}`) when the status is
//!   `KT_OK`, else `{"error": {"status": "…", "message": "…"}}` with a
//!   message in French for a person. Both carry `crate_version` and
//!   `tariff_data_version`. Free it with [`kt_free`], once.
//! - Findings (a wrong coefficient, an unknown code on a line) are data in
//!   the answer, never errors: an error is a request the library could not
//!   read (null pointer, bad UTF-8, bad JSON, a field of the wrong type), a
//!   history it could not open, or a bug.
//! - No panic crosses the boundary: each function catches them
//!   (`KT_INTERNAL_ERROR`).
//! - Threads: the functions keep no state; they may be called from any
//!   thread at once. The tariffs are the embedded set, shared read-only.
//!
//! The JSON shapes are those of the library's serde types: an invoice line
//! is `kine_tarif::InvoiceLine` (`{"date": "2026-02-01", "code": "RIM",
//! "coefficient": "8.10"}`, decimals as strings), its context
//! `kine_tarif::rules::LineContext`, a result `kine_tarif::rules::LineResult`.
//! README, *C library*, shows them whole.

use std::ffi::{CStr, CString, c_char};
use std::panic::{AssertUnwindSafe, catch_unwind};

use kt::Tariffs;
use kt::requests::{self, HistoryPolicy, RequestError, RequestErrorKind};
use serde::Deserialize;
use serde_json::{Value, json};

/// What a call came to. The values are stable: new ones may be added.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KtStatus {
    /// Done: `out` holds the answer.
    KtOk = 0,
    /// A pointer argument was null.
    KtNullArgument = 1,
    /// The request is not UTF-8.
    KtInvalidUtf8 = 2,
    /// The request is not JSON, or not of the expected shape (a missing
    /// field, a wrong type, an unknown code): the message names the place.
    KtInvalidRequest = 3,
    /// The history could not be opened, read or written.
    KtHistoryError = 4,
    /// A bug in the library (a panic caught at the boundary).
    KtInternalError = 5,
    /// A replacement tariff set could not be loaded (`kt_load_tariffs`):
    /// the message names the file, the line and the column.
    KtTariffError = 6,
}

/// A tariff set loaded at run time ([`kt_load_tariffs`]), opaque to C.
/// It is read-only: one handle may be used by several threads at once.
/// Free it with [`kt_tariffs_free`] once no call uses it.
pub struct KtTariffs {
    tariffs: Tariffs,
}

impl KtStatus {
    fn name(self) -> &'static str {
        match self {
            KtStatus::KtOk => "OK",
            KtStatus::KtNullArgument => "NULL_ARGUMENT",
            KtStatus::KtInvalidUtf8 => "INVALID_UTF8",
            KtStatus::KtInvalidRequest => "INVALID_REQUEST",
            KtStatus::KtHistoryError => "HISTORY_ERROR",
            KtStatus::KtInternalError => "INTERNAL_ERROR",
            KtStatus::KtTariffError => "TARIFF_ERROR",
        }
    }
}

/// An error of a call: its status and a French message.
pub(crate) struct Failure(pub(crate) KtStatus, pub(crate) String);

/// A request error of the library's JSON contract ([`kt::requests`]), as
/// a status and its message (the field's path first).
impl From<RequestError> for Failure {
    fn from(e: RequestError) -> Failure {
        match e.kind {
            RequestErrorKind::Invalid => Failure(
                KtStatus::KtInvalidRequest,
                format!("requête JSON invalide : {e}"),
            ),
            RequestErrorKind::History => Failure(KtStatus::KtHistoryError, e.to_string()),
            RequestErrorKind::Internal => Failure(KtStatus::KtInternalError, e.to_string()),
        }
    }
}

/// `f` of the library's JSON contract, its errors as failures.
fn via(f: impl FnOnce() -> Result<Value, RequestError>) -> Result<Value, Failure> {
    f().map_err(Failure::from)
}

/// The tariffs of a handle; the embedded set for null.
///
/// # Safety
/// `handle` is null or a live handle from [`kt_load_tariffs`].
unsafe fn tariffs_of<'a>(handle: *const KtTariffs) -> &'a Tariffs {
    if handle.is_null() {
        Tariffs::embedded()
    } else {
        // SAFETY: a live handle, by the contract.
        unsafe { &(*handle).tariffs }
    }
}

/// Writes `text` to `out` as a string the caller frees with [`kt_free`].
///
/// # Safety
/// `out` is null or points to a writable `char *`.
unsafe fn give(out: *mut *mut c_char, text: String) {
    if out.is_null() {
        return;
    }
    // JSON text has no NUL byte (serde_json escapes it).
    let c = CString::new(text).unwrap_or_default();
    // SAFETY: `out` is not null and, by the contract, writable.
    unsafe { *out = c.into_raw() };
}

/// Runs `f` on the request text, catches panics, and writes the answer or
/// the error to `out`.
///
/// # Safety
/// `tariffs` as in [`tariffs_of`]; `request` is null or a NUL-terminated
/// string; `out` as in [`give`].
unsafe fn call(
    tariffs: *const KtTariffs,
    request: *const c_char,
    out: *mut *mut c_char,
    f: impl FnOnce(&Tariffs, &str) -> Result<Value, Failure>,
) -> KtStatus {
    // SAFETY: the caller's handle.
    let t = unsafe { tariffs_of(tariffs) };
    if out.is_null() {
        return KtStatus::KtNullArgument;
    }
    // SAFETY: `out` is not null.
    unsafe { *out = std::ptr::null_mut() };
    let result = if request.is_null() {
        Err(Failure(
            KtStatus::KtNullArgument,
            "requête absente (pointeur nul)".into(),
        ))
    } else {
        // SAFETY: `request` is a NUL-terminated string (the contract).
        let bytes = unsafe { CStr::from_ptr(request) }.to_bytes();
        match std::str::from_utf8(bytes) {
            Err(e) => Err(Failure(
                KtStatus::KtInvalidUtf8,
                format!(
                    "la requête n'est pas du texte UTF-8 (octet {} invalide)",
                    e.valid_up_to()
                ),
            )),
            Ok(text) => catch_unwind(AssertUnwindSafe(|| f(t, text))).unwrap_or_else(|_| {
                Err(Failure(
                    KtStatus::KtInternalError,
                    "erreur interne de kine-tarif (panique interceptée) : signalez-la avec la requête".into(),
                ))
            }),
        }
    };
    let (status, answer) = match result {
        Ok(v) => (KtStatus::KtOk, json!({ "result": v })),
        Err(Failure(status, message)) => (
            status,
            json!({ "error": { "status": status.name(), "message": message } }),
        ),
    };
    let text = serde_json::to_string(&requests::with_versions(answer, t)).unwrap_or_default();
    // SAFETY: `out` is not null.
    unsafe { give(out, text) };
    status
}

/// The crate version and the tariff data version:
/// `{"result": {"crate_version": "…", "tariff_data_version": "…"}, …}`.
///
/// # Safety
/// `tariffs` is null (the embedded set) or a live handle; `out` is null or
/// points to a writable `char *`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn kt_version(tariffs: *const KtTariffs, out: *mut *mut c_char) -> KtStatus {
    // SAFETY: an empty request, and the caller's pointers.
    unsafe {
        call(tariffs, c"{}".as_ptr(), out, |t, _| {
            Ok(requests::version(t))
        })
    }
}

/// Prices one line: `request` is an invoice line
/// (`{"date": "2026-02-01", "code": "RIM", "coefficient": "8.10",
/// "department": "974"}`; also `quantity`, `act_id`, `billed_amount`),
/// the answer's `result` a line result (act, coefficient, value, amount,
/// formula, findings, status).
///
/// # Safety
/// `tariffs` is null (the embedded set) or a live handle; `request` is
/// null or a NUL-terminated string; `out` is null or points to a writable
/// `char *`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn kt_price(
    tariffs: *const KtTariffs,
    request: *const c_char,
    out: *mut *mut c_char,
) -> KtStatus {
    // SAFETY: the caller's pointers, as documented.
    unsafe {
        call(tariffs, request, out, |t, text| {
            via(|| requests::price(t, text))
        })
    }
}

/// Checks an invoice: `request` is `{"lines": [{"reference": …, "line":
/// {…}, "context": {…}}], "history": {"lines": [past lines]} or
/// {"path": "history.sqlite"}, "record": false}`; the answer's `result`
/// holds every line's result, each invoice's totals and the number of
/// history lines consulted. With `record` and a history file, the lines
/// are recorded once checked (`recorded`).
///
/// # Safety
/// As [`kt_price`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn kt_check(
    tariffs: *const KtTariffs,
    request: *const c_char,
    out: *mut *mut c_char,
) -> KtStatus {
    // SAFETY: the caller's pointers, as documented.
    unsafe {
        call(tariffs, request, out, |t, text| {
            via(|| requests::check(t, text, HistoryPolicy::RequestPath))
        })
    }
}

/// Prices one line (the request of [`kt_price`]) and explains it: the
/// answer's `result` is `{"explanation": "…", "line": {…}}`, the
/// explanation in French: every value used, its validity and source, the
/// formula, each finding with its rule and source.
///
/// # Safety
/// As [`kt_price`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn kt_explain(
    tariffs: *const KtTariffs,
    request: *const c_char,
    out: *mut *mut c_char,
) -> KtStatus {
    // SAFETY: the caller's pointers, as documented.
    unsafe {
        call(tariffs, request, out, |t, text| {
            via(|| requests::explain(t, text))
        })
    }
}

/// The new cotations replacing an old one: `request` is `{"letter":
/// "AMS", "coefficient": "7.5", "date": "2026-02-01", "act_id": null,
/// "label": "entorse"}`; the answer's `result` lists the candidates
/// (`act_id`, `letter`, `coefficient`, `label`, `article`).
///
/// # Safety
/// As [`kt_price`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn kt_convert(
    tariffs: *const KtTariffs,
    request: *const c_char,
    out: *mut *mut c_char,
) -> KtStatus {
    // SAFETY: the caller's pointers, as documented.
    unsafe {
        call(tariffs, request, out, |t, text| {
            via(|| requests::convert(t, text))
        })
    }
}

/// The table in force at a date and département: `request` is
/// `{"date": "2026-06-01", "department": "974"}` (département optional:
/// metropolitan France); the answer's `result` has `letter_values`
/// (`code`, `value`, `valid_from`, `valid_to`) and `acts` (`act_id`,
/// `letter`, `coefficient`, `amount`, `label`).
///
/// # Safety
/// As [`kt_price`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn kt_tariffs(
    tariffs: *const KtTariffs,
    request: *const c_char,
    out: *mut *mut c_char,
) -> KtStatus {
    // SAFETY: the caller's pointers, as documented.
    unsafe {
        call(tariffs, request, out, |t, text| {
            via(|| requests::tariffs(t, text))
        })
    }
}

/// A contract's schedule: `request` is `{"contract": {"kind": "CAIMK",
/// "version": "avenant7", "signed": "2025-03-01", "zone": "tsd", "acts":
/// {"2025": 1000, …}, …}, "options": {"year_basis": "calendar", …}}` (the
/// fields of `kine_tarif::contracts::json`); the answer's `result` has the
/// eligibility, each payment (due date, kind, base, ratio, amount, note),
/// the total and the notes. Contract parameters are the embedded ones.
///
/// # Safety
/// As [`kt_price`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn kt_contract_schedule(
    tariffs: *const KtTariffs,
    request: *const c_char,
    out: *mut *mut c_char,
) -> KtStatus {
    // SAFETY: the caller's pointers, as documented.
    unsafe {
        call(tariffs, request, out, |_, text| {
            via(|| requests::contract_schedule(text))
        })
    }
}

/// Loads a replacement tariff set: `request` is `{"directory":
/// "/path/to/tariffs"}` (the files of `tariffs/`, validated as the
/// embedded ones). On `KT_OK`, `*handle` is a new handle for the other
/// functions, freed with [`kt_tariffs_free`]; on an error it is null and
/// the answer says which file, line and column is wrong.
///
/// # Safety
/// `request` as in [`kt_price`]; `handle` and `out` are null or point to
/// writable pointers.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn kt_load_tariffs(
    request: *const c_char,
    handle: *mut *mut KtTariffs,
    out: *mut *mut c_char,
) -> KtStatus {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct LoadRequest {
        directory: String,
    }
    if handle.is_null() {
        // SAFETY: `out` as documented.
        return unsafe {
            call(std::ptr::null(), std::ptr::null(), out, |_, _| {
                Err(Failure(KtStatus::KtNullArgument, String::new()))
            })
        };
    }
    // SAFETY: `handle` is not null.
    unsafe { *handle = std::ptr::null_mut() };
    let mut loaded: Option<Box<KtTariffs>> = None;
    // SAFETY: the caller's pointers, as documented.
    let status = unsafe {
        call(std::ptr::null(), request, out, |_, text| {
            let r: LoadRequest = requests::parse(text)?;
            let tariffs = Tariffs::from_dir(&r.directory)
                .map_err(|e| Failure(KtStatus::KtTariffError, format!("{} : {e}", r.directory)))?;
            let version = tariffs.version().to_string();
            loaded = Some(Box::new(KtTariffs { tariffs }));
            Ok(json!({ "tariff_data_version": version }))
        })
    };
    if let Some(t) = loaded {
        // SAFETY: `handle` is not null.
        unsafe { *handle = Box::into_raw(t) };
    }
    status
}

/// Frees a tariff handle (null is allowed).
///
/// # Safety
/// `handle` is null or from [`kt_load_tariffs`], not freed before, and no
/// call is using it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn kt_tariffs_free(handle: *mut KtTariffs) {
    if !handle.is_null() {
        // SAFETY: `handle` came from `Box::into_raw` in `kt_load_tariffs`.
        drop(unsafe { Box::from_raw(handle) });
    }
}

/// Frees a string the library returned (null is allowed).
///
/// # Safety
/// `s` is null or a string from this library, not freed before.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn kt_free(s: *mut c_char) {
    if !s.is_null() {
        // SAFETY: `s` came from `CString::into_raw` in `give`.
        drop(unsafe { CString::from_raw(s) });
    }
}

#[cfg(test)]
mod tests;
