//! Vectors for the identifier checks. Every NIR key is shown as
//! N = q × 97 + r, key = 97 − r (q and r worked with `python3 -c 'divmod(N, 97)'`,
//! not with this code); every Luhn key as the digits from the right, the
//! doubled ones (less 9 over 9) in brackets, and their sum.

#![allow(clippy::arithmetic_side_effects)]

use super::*;
use proptest::prelude::*;

fn nir_err(text: &str) -> IdError {
    match check_nir(text) {
        Ok(nir) => panic!("{text:?} accepted as {nir:?}"),
        Err(e) => e,
    }
}

// ---------------------------------------------------------------- NIR

/// Valid NIRs from the sources, with the arithmetic.
#[test]
fn nir_valid_vectors_from_the_sources() {
    let cases = [
        // python-stdnum fr/nir doctest and stdnum-js spec « 2 95 10 99 126 111 93 »:
        // 2951099126111 = 30423702331 × 97 + 4, key 97 − 4 = 93.
        "2 95 10 99 126 111 93",
        // CNAM nir-validation NirKeySpec « 2 55 08 14 168 025 » => 38:
        // 2550814168025 = 26297053278 × 97 + 59, key 97 − 59 = 38.
        "2 55 08 14 168 025 38",
        // CNAM NirKeySpec « 2 94 03 75 120 005 » => 91:
        // 2940375120005 = 30313145567 × 97 + 6, key 91.
        "294037512000591",
        // CNAM NirKeySpec « 1 53 12 45 007 231 » => 60:
        // 1531245007231 = 15786031002 × 97 + 37, key 60.
        "1 53 12 45 007 231 60",
        // lbcd78.fr: « 2 06 12 75 111 005 … sa clé est : 64 »:
        // 2061275111005 = 21250258876 × 97 + 33, key 64.
        "2 06 12 75 111 005 64",
        // trabucaire.free.fr: « 2 62 08 75 032 039 77 », reste 20, clé 77:
        // 2620875032039 = 27019330227 × 97 + 20.
        "2 62 08 75 032 039 77",
        // trabucaire.free.fr: 1 631 278 477 042, reste 3, clé 94.
        "1 63 12 78 477 042 94",
        // mathweb.fr: 1891275125012, reste 15, clé 82.
        "189127512501282",
        // scienceetonnante.com (via the notes): 1370476243484 = 14128621066 × 97 + 82, key 15.
        "1 37 04 76 243 484 15",
    ];
    for text in cases {
        let nir = check_nir(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        assert!(!nir.temporary, "{text}");
        assert_eq!(nir.number.len(), 15);
    }
}

#[test]
fn nir_fields() {
    let nir = check_nir("2 95 10 99 126 111 93").unwrap();
    assert_eq!(nir.number, "295109912611193");
    assert_eq!(
        (nir.sex, nir.birth_year, nir.birth_month, nir.key),
        (2, 95, 10, 93)
    );
    assert_eq!(nir.department, "99");
}

/// Corsica: « 2A » read as 19, « 2B » as 18, at positions 6–7.
#[test]
fn nir_corsica() {
    // python-stdnum doctest 253072B073004 => 70: N = 2530718073004
    // = 26089877041 × 97 + 27, key 97 − 27 = 70.
    let b = check_nir("2 53 07 2B 073 004 70").unwrap();
    assert_eq!(b.department, "2B");
    // python-stdnum doctest 253072A073004 => 43: N = 2530719073004
    // = 26089887350 × 97 + 54, key 43.
    let a = check_nir("2530 72a0 7300 443").unwrap();
    assert_eq!(a.department, "2A");
    assert_eq!(a.number, "253072A07300443");
    // CNAM NirKeySpec « 2 84 05 2A 321 025 » => 52: N = 2840519321025
    // = 29283704340 × 97 + 45, key 52.
    check_nir("2 84 05 2A 321 025 52").unwrap();
    // stdnum-js spec « 186022A21532523 »: N = 1860219215325
    // = 19177517683 × 97 + 74, key 23.
    check_nir("186022A21532523").unwrap();
    // The 2A key on a 2B number: 2B gives 70, not 43.
    assert_eq!(
        nir_err("2 53 07 2B 073 004 43"),
        IdError::Key {
            kind: IdKind::Nir,
            expected: 70,
            found: 43
        }
    );
    // A letter outside positions 6–7 is refused (CNAM's NirKey would
    // substitute anywhere; a strict check does not, as python-stdnum).
    assert_eq!(
        nir_err("2B3456789012378"),
        IdError::Characters {
            kind: IdKind::Nir,
            position: 2,
            found: 'B'
        }
    );
    // « 2C » is no département.
    assert!(matches!(
        nir_err("2 53 07 2C 073 004 70"),
        IdError::Characters {
            position: 7,
            found: 'C',
            ..
        }
    ));
}

/// Temporary numbers: first digit 7 or 8 (confidence L). No official
/// vector found: the bodies are made up, the keys worked by hand.
#[test]
fn nir_temporary() {
    // 7850599123456 = 80934011582 × 97 + 2, key 95.
    let nir = check_nir("7 85 05 99 123 456 95").unwrap();
    assert!(nir.temporary);
    assert_eq!(nir.sex, 7);
    // 8920175001002 = 91960567020 × 97 + 62, key 35.
    assert!(check_nir("8 92 01 75 001 002 35").unwrap().temporary);
    // Same key rule: a wrong key is refused.
    assert!(matches!(
        nir_err("8 92 01 75 001 002 36"),
        IdError::Key {
            expected: 35,
            found: 36,
            ..
        }
    ));
}

#[test]
fn nir_wrong_key() {
    // CNAM README example « 2 84 05 88 321 025 30 » has a wrong key:
    // 2840588321025 = 29284415680 × 97 + 65, key 32.
    let e = nir_err("2 84 05 88 321 025 30");
    assert_eq!(
        e,
        IdError::Key {
            kind: IdKind::Nir,
            expected: 32,
            found: 30
        }
    );
    assert_eq!(e.message(), "clé du NIR incorrecte : 32 attendu, 30 reçu");
    assert!(e.certain());
    // stdnum-js spec: 295109912611199 fails (key 93).
    assert!(matches!(
        nir_err("295109912611199"),
        IdError::Key {
            expected: 93,
            found: 99,
            ..
        }
    ));
    // A key written with one digit makes 14 characters.
    assert_eq!(
        nir_err("1 53 12 45 007 231 6"),
        IdError::Length {
            kind: IdKind::Nir,
            found: 14
        }
    );
}

#[test]
fn nir_shape_errors() {
    assert_eq!(nir_err(""), IdError::Empty { kind: IdKind::Nir });
    assert_eq!(nir_err(" \t\u{a0}"), IdError::Empty { kind: IdKind::Nir });
    assert_eq!(nir_err("").message(), "NIR absent");
    // stdnum-js spec: « 12345678 » is a length error.
    let e = nir_err("12345678");
    assert_eq!(
        e,
        IdError::Length {
            kind: IdKind::Nir,
            found: 8
        }
    );
    assert_eq!(e.message(), "NIR : 15 caractères attendus, 8 reçus");
    // The 13 characters alone (the key missing).
    assert!(matches!(
        nir_err("2951099126111"),
        IdError::Length { found: 13, .. }
    ));
    // 16 characters.
    assert!(matches!(
        nir_err("2951099126111930"),
        IdError::Length { found: 16, .. }
    ));
    // Letters, punctuation.
    let e = nir_err("2951O9912611193");
    assert_eq!(
        e,
        IdError::Characters {
            kind: IdKind::Nir,
            position: 5,
            found: 'O'
        }
    );
    assert_eq!(e.message(), "NIR : caractère « O » non admis en position 5");
    assert!(matches!(
        nir_err("2.95.10.99.126."),
        IdError::Characters {
            position: 2,
            found: '.',
            ..
        }
    ));
    assert!(matches!(
        nir_err("29510991261119X"),
        IdError::Characters { position: 15, .. }
    ));
    // Non-ASCII digits are not digits.
    assert!(matches!(
        nir_err("２95109912611193"),
        IdError::Characters { position: 1, .. }
    ));
}

#[test]
fn nir_first_digit() {
    // First digit 3: 3951099126111, whatever its key.
    let e = nir_err("3 95 10 99 126 111 93");
    assert_eq!(e, IdError::Sex { found: 3 });
    assert_eq!(
        e.message(),
        "premier chiffre du NIR incorrect : 1, 2, 7 ou 8 attendu, 3 reçu"
    );
    assert_eq!(nir_err("0 95 10 99 126 111 93"), IdError::Sex { found: 0 });
    assert_eq!(nir_err("5 95 10 99 126 111 93"), IdError::Sex { found: 5 });
}

// -------------------------------------------------------------- RPPS

#[test]
fn rpps() {
    // packagist qrcommunication/rppsapi example 10005173140, from the right:
    // 0 [4→8] 1 [3→6] 7 [1→2] 5 [0] 0 [0] 1 = 0+8+1+6+7+2+5+0+0+0+1 = 30.
    assert_eq!(check_rpps("10005173140").unwrap().number, "10005173140");
    // From the ANS structure id 410003879623017 (4 + RPPS + rank 017):
    // 10003879623: 3 [2→4] 6 [9→18→9] 7 [8→16→7] 3 [0] 0 [0] 1 = 40.
    check_rpps("100 038 796 23").unwrap();
    // Last digit changed: the body calls for 0.
    let e = check_rpps("10005173141").unwrap_err();
    assert_eq!(
        e,
        IdError::Key {
            kind: IdKind::Rpps,
            expected: 0,
            found: 1
        }
    );
    assert_eq!(
        e.message(),
        "clé du numéro RPPS incorrecte : 0 attendu, 1 reçu"
    );
    assert!(e.certain());
    assert_eq!(
        check_rpps("1000517314").unwrap_err(),
        IdError::Length {
            kind: IdKind::Rpps,
            found: 10
        }
    );
    assert!(matches!(
        check_rpps("1000517314A"),
        Err(IdError::Characters {
            position: 11,
            found: 'A',
            ..
        })
    ));
    assert_eq!(
        check_rpps(" ").unwrap_err(),
        IdError::Empty { kind: IdKind::Rpps }
    );
}

// ------------------------------------------------------------ numéro AM

#[test]
fn am_physiotherapist() {
    // Synthetic MK number (département 75, category 7, serial 00001; the
    // notes give the same key): 757000013 from the right,
    // 3 [1→2] 0 [0] 0 [0] 7 [5→10→1] 7 = 3+2+0+0+0+0+7+1+7 = 20.
    let am = check_am("75 7 00001 3").unwrap();
    assert_eq!(
        (am.number.as_str(), am.department.as_str(), am.category),
        ("757000013", "75", 7)
    );
    // The key is Luhn with confidence M: a failure says so.
    let e = check_am("757000014").unwrap_err();
    assert_eq!(
        e,
        IdError::Key {
            kind: IdKind::Am,
            expected: 3,
            found: 4
        }
    );
    assert!(!e.certain());
    assert_eq!(
        e.message(),
        "clé du numéro AM incorrecte : 3 attendu, 4 reçu"
    );
}

#[test]
fn am_category() {
    // 291991123 (renewal prescriber): category 1, a doctor's number.
    let e = check_am("291991123").unwrap_err();
    assert_eq!(
        e,
        IdError::Category {
            expected: 7,
            found: 1
        }
    );
    assert_eq!(
        e.message(),
        "catégorie du numéro AM incorrecte : 7 (masseur-kinésithérapeute) attendu, 1 (médecin) reçu"
    );
    assert!(e.certain());
    // The category is reported before the key: 291991124 has both wrong.
    assert!(matches!(
        check_am("291991124"),
        Err(IdError::Category { found: 1, .. })
    ));
    // Any category for check_am_any.
    assert_eq!(check_am_any("291991123").unwrap().category, 1);
}

#[test]
fn am_shape_errors() {
    assert_eq!(
        check_am("").unwrap_err(),
        IdError::Empty { kind: IdKind::Am }
    );
    assert_eq!(
        check_am("75700001").unwrap_err(),
        IdError::Length {
            kind: IdKind::Am,
            found: 8
        }
    );
    assert_eq!(
        check_am("75700001").unwrap_err().message(),
        "numéro AM : 9 caractères attendus, 8 reçus"
    );
    assert!(matches!(
        check_am("2A7000013"),
        Err(IdError::Characters {
            position: 2,
            found: 'A',
            ..
        })
    ));
    assert!(matches!(
        check_am("75x000013"),
        Err(IdError::Characters { position: 3, .. })
    ));
}

// -------------------------------------------------------------- FINESS

#[test]
fn finess() {
    // Test data of a public FINESS parser (via the notes), 010003978:
    // 8 [7→14→5] 9 [3→6] 0 [0] 0 [1→2] 0 = 8+5+9+6+0+0+0+2+0 = 30.
    let f = check_finess("010003978").unwrap();
    assert_eq!(f.numeric, "010003978");
    // 750712184 (notes, « from memory »): 4 [8→7] 1 [2→4] 1 [7→5] 0 [5→1] 7 = 30.
    check_finess("750 712 184").unwrap();
    // Changed key.
    let e = check_finess("750712185").unwrap_err();
    assert_eq!(
        e,
        IdError::Key {
            kind: IdKind::Finess,
            expected: 4,
            found: 5
        }
    );
    assert!(!e.certain());
    assert_eq!(
        check_finess("75071218").unwrap_err(),
        IdError::Length {
            kind: IdKind::Finess,
            found: 8
        }
    );
}

/// GIE SESAM-Vitale SFG, RG_MF609: « 2AyyxxxxL par 2001xxxxL », examples
/// 2A0002689 → 200102689 and 2A0002168 → 200102168.
#[test]
fn finess_corsica() {
    // 200102689: 9 [8→16→7] 6 [2→4] 0 [1→2] 0 [0] 2 = 9+7+6+4+0+2+0+0+2 = 30.
    let f = check_finess("2A0002689").unwrap();
    assert_eq!(f.number, "2A0002689");
    assert_eq!(f.numeric, "200102689");
    // 200102168: 8 [6→12→3] 1 [2→4] 0 [1→2] 0 [0] 2 = 8+3+1+4+0+2+0+0+2 = 20.
    assert_eq!(check_finess("2a 000 2168").unwrap().numeric, "200102168");
    // 2B: 2002 in front. 2B0002689 → 200202689: 9 [8→7] 6 [2→4] 0 [2→4] 0 [0] 2 = 32,
    // so the key should be 7: 200202687 → 7+7+6+4+0+4+0+0+2 = 30.
    assert_eq!(check_finess("2B0002687").unwrap().numeric, "200202687");
    assert!(matches!(
        check_finess("2B0002689"),
        Err(IdError::Key {
            expected: 7,
            found: 9,
            ..
        })
    ));
    // The dropped `yy` must be digits; positions are those written.
    assert!(matches!(
        check_finess("2AX002689"),
        Err(IdError::Characters {
            position: 3,
            found: 'X',
            ..
        })
    ));
    assert!(matches!(
        check_finess("2A00026B9"),
        Err(IdError::Characters {
            position: 8,
            found: 'B',
            ..
        })
    ));
    // A letter elsewhere.
    assert!(matches!(
        check_finess("2C0002689"),
        Err(IdError::Characters { position: 2, .. })
    ));
}

// ---------------------------------------------------------- prescriber

#[test]
fn renewal_prescriber() {
    // kine-web.com: « numéro de prescription spécifique 291991123 ». Luhn
    // (notes, [computed here]): 3 [2→4] 1 [1→2] 9 [9→9] 1 [9→9] 2 = 40.
    assert_eq!(RENEWAL_PRESCRIBER, "291991123");
    assert!(is_renewal_prescriber("291991123"));
    assert!(is_renewal_prescriber(" 291 991 123 "));
    assert!(!is_renewal_prescriber("291991124"));
    assert!(!is_renewal_prescriber(""));
    assert_eq!(check_prescriber("291 991 123"), Ok(PrescriberKind::Renewal));
    assert_eq!(check_am_any(RENEWAL_PRESCRIBER).unwrap().category, 1);
}

#[test]
fn prescriber_kinds() {
    match check_prescriber("10005173140") {
        Ok(PrescriberKind::Rpps(r)) => assert_eq!(r.number, "10005173140"),
        other => panic!("{other:?}"),
    }
    match check_prescriber("757000013") {
        Ok(PrescriberKind::Am(am)) => assert_eq!(am.category, 7),
        other => panic!("{other:?}"),
    }
    match check_prescriber("2A0002689") {
        Ok(PrescriberKind::Finess(f)) => assert_eq!(f.numeric, "200102689"),
        other => panic!("{other:?}"),
    }
    // Third digit 0: an establishment.
    assert!(matches!(
        check_prescriber("750712184"),
        Ok(PrescriberKind::Finess(_))
    ));
    // Keys: graded by the kind found.
    let e = check_prescriber("757000014").unwrap_err();
    assert_eq!(e.kind(), IdKind::Am);
    assert!(!e.certain());
    let e = check_prescriber("10005173141").unwrap_err();
    assert_eq!(e.kind(), IdKind::Rpps);
    assert!(e.certain());
    assert!(matches!(
        check_prescriber("750712185"),
        Err(IdError::Key {
            kind: IdKind::Finess,
            ..
        })
    ));
    // Lengths.
    let e = check_prescriber("1234567890").unwrap_err();
    assert_eq!(
        e,
        IdError::Length {
            kind: IdKind::Prescriber,
            found: 10
        }
    );
    assert_eq!(
        e.message(),
        "numéro du prescripteur : 9 ou 11 caractères attendus, 10 reçus"
    );
    assert_eq!(
        check_prescriber("").unwrap_err(),
        IdError::Empty {
            kind: IdKind::Prescriber
        }
    );
    assert_eq!(
        check_prescriber("7").unwrap_err().message(),
        "numéro du prescripteur : 9 ou 11 caractères attendus, 1 reçu"
    );
    assert!(matches!(
        check_prescriber("75700001Z"),
        Err(IdError::Characters {
            kind: IdKind::Am,
            position: 9,
            ..
        })
    ));
}

// ------------------------------------------------------------ no panic

proptest! {
    #[test]
    fn no_input_panics(text in ".{0,40}") {
        for r in [
            check_nir(&text).map(|_| ()),
            check_rpps(&text).map(|_| ()),
            check_am(&text).map(|_| ()),
            check_am_any(&text).map(|_| ()),
            check_finess(&text).map(|_| ()),
            check_prescriber(&text).map(|_| ()),
        ] {
            if let Err(e) = r {
                prop_assert!(!e.message().is_empty());
            }
        }
        let _ = is_renewal_prescriber(&text);
    }

    /// Inputs close to the real shapes, to reach the key checks.
    #[test]
    fn near_shapes_do_not_panic(text in "[0-9AB2ab ]{0,20}") {
        let _ = check_nir(&text).map_err(|e| e.message());
        let _ = check_finess(&text).map_err(|e| e.message());
        let _ = check_prescriber(&text).map_err(|e| e.message());
        let _ = check_am(&text).map_err(|e| e.message());
    }

    /// Any 13 digits with the key 97 − (N mod 97) pass, if the first digit
    /// is 1, 2, 7 or 8.
    #[test]
    fn nir_key_round_trip(sex in prop::sample::select(vec![1u64, 2, 7, 8]), rest in 0u64..1_000_000_000_000) {
        let n = sex * 1_000_000_000_000 + rest;
        let text = format!("{n:013}{:02}", 97 - n % 97);
        let nir = check_nir(&text).unwrap();
        prop_assert_eq!(nir.temporary, sex >= 7);
    }
}
