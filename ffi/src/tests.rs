//! Any request to any function: a status and a JSON answer, never a
//! panic (random requests, built from the real shapes and raw bytes).
use super::*;
use proptest::prelude::*;

type Function = unsafe extern "C" fn(*const KtTariffs, *const c_char, *mut *mut c_char) -> KtStatus;

const FUNCTIONS: [Function; 6] = [
    kt_price,
    kt_check,
    kt_explain,
    kt_convert,
    kt_tariffs,
    kt_contract_schedule,
];

/// Calls `f` with `request` (NUL-terminated), returns the status and
/// the answer parsed as JSON (the answer is always JSON).
fn call_with(f: Function, request: &[u8]) -> (KtStatus, Value) {
    let mut bytes = request.to_vec();
    bytes.retain(|&b| b != 0);
    bytes.push(0);
    let mut out: *mut c_char = std::ptr::null_mut();
    // SAFETY: a NUL-terminated buffer and a writable pointer.
    let status = unsafe { f(std::ptr::null(), bytes.as_ptr().cast(), &mut out) };
    assert!(!out.is_null());
    // SAFETY: a string from the library.
    let text = unsafe { CStr::from_ptr(out) }.to_str().unwrap().to_string();
    // SAFETY: freed once.
    unsafe { kt_free(out) };
    (status, serde_json::from_str(&text).unwrap())
}

/// JSON-like requests: fragments of the real shapes, shuffled.
fn request() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        Just(&b"{"[..]),
        Just(&b"}"[..]),
        Just(&b"\"date\": \"2026-02-01\""[..]),
        Just(&b"\"code\": \"RIM\""[..]),
        Just(&b"\"coefficient\": \"8.10\""[..]),
        Just(&b"\"quantity\": \"-1e99\""[..]),
        Just(&b"\"lines\": ["[..]),
        Just(&b"\"line\": {"[..]),
        Just(&b"\"context\": {}"[..]),
        Just(&b"\"history\": {\"lines\": []}"[..]),
        Just(&b"\"letter\": \"AMS\""[..]),
        Just(&b"\"department\": \"974\""[..]),
        Just(&b"\"contract\": {\"kind\": \"CAIMK\", \"version\": \"7\", \"zone\": \"tsd\""[..]),
        Just(&b"\"signed\": \"2025-03-01\""[..]),
        Just(&b","[..]),
        Just(&b"]"[..]),
        Just(&b"\xff"[..]),
        Just(&b"null"[..]),
    ];
    prop::collection::vec(piece, 0..24).prop_map(|v| v.concat())
}

proptest! {
    /// Any request gets a status and a JSON answer with the versions,
    /// an error object exactly when the status is not OK; no panic.
    #[test]
    fn every_request_gets_a_status_and_a_json_answer(req in request(), raw in prop::collection::vec(any::<u8>(), 0..64)) {
        for f in FUNCTIONS {
            for r in [&req, &raw] {
                let (status, answer) = call_with(f, r);
                prop_assert!(answer["tariff_data_version"].is_string());
                prop_assert_eq!(status == KtStatus::KtOk, answer.get("result").is_some());
                prop_assert_eq!(status != KtStatus::KtOk, answer["error"]["message"].is_string());
                prop_assert!(status != KtStatus::KtInternalError, "{}", answer);
            }
        }
    }
}

#[test]
fn null_pointers_are_statuses() {
    let mut out: *mut c_char = std::ptr::null_mut();
    for f in FUNCTIONS {
        // SAFETY: null pointers are part of the contract.
        unsafe {
            assert_eq!(
                f(std::ptr::null(), c"{}".as_ptr(), std::ptr::null_mut()),
                KtStatus::KtNullArgument
            );
            assert_eq!(
                f(std::ptr::null(), std::ptr::null(), &mut out),
                KtStatus::KtNullArgument
            );
            kt_free(out);
        }
    }
}
