//! The C library's boundary on any bytes: every function that takes a
//! request answers with a documented status (never `KT_INTERNAL_ERROR`,
//! which would be a caught panic), and its answer is JSON (a result, or an
//! error with a French message), freed by `kt_free`. The first byte picks
//! the function, the rest is the request (cut at its first NUL, as C
//! would pass it). Requests naming a file (`path`) are skipped: the
//! fuzzer must not write history files where it likes.
#![no_main]

use std::ffi::{CStr, CString, c_char};

use kt_ffi::{
    KtStatus, kt_check, kt_contract_schedule, kt_convert, kt_explain, kt_free, kt_price,
    kt_tariffs,
};
use libfuzzer_sys::fuzz_target;

type Call = unsafe extern "C" fn(
    *const kt_ffi::KtTariffs,
    *const c_char,
    *mut *mut c_char,
) -> KtStatus;

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let calls: [Call; 6] = [
        kt_price,
        kt_check,
        kt_explain,
        kt_convert,
        kt_tariffs,
        kt_contract_schedule,
    ];
    let call = calls[usize::from(pick) % calls.len()];
    let request = rest.split(|&b| b == 0).next().unwrap_or_default();
    if request.windows(4).any(|w| w == b"path") {
        return;
    }
    let request = CString::new(request).expect("no NUL");
    let mut out: *mut c_char = std::ptr::null_mut();
    // SAFETY: a NUL-terminated request, a pointer for the answer; the
    // embedded tariffs (NULL handle).
    let status = unsafe { call(std::ptr::null(), request.as_ptr(), &mut out) };
    assert!(!out.is_null(), "every call answers");
    // SAFETY: `out` is the library's NUL-terminated answer.
    let answer = unsafe { CStr::from_ptr(out) }.to_str().expect("UTF-8 answer").to_owned();
    // SAFETY: given back once.
    unsafe { kt_free(out) };
    assert!(
        !matches!(status, KtStatus::KtInternalError),
        "caught panic for {request:?}: {answer}"
    );
    let v: serde_json::Value = serde_json::from_str(&answer).expect("JSON answer");
    match status {
        KtStatus::KtOk => assert!(v.get("result").is_some(), "{answer}"),
        _ => assert!(v["error"]["message"].is_string(), "{answer}"),
    }
});
