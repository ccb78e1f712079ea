//! Byte-string equality for the short ids compared on every line
//! (practitioner, patient): a few word loads instead of a call to
//! `memcmp`.

/// `a == b`, for any lengths; ids of up to 16 bytes are compared as two
/// overlapping words (or two half-words under 8 bytes).
#[inline(always)]
pub(crate) fn same(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    let w64 = |s: &[u8], i: usize| {
        s.get(i..i + 8)
            .map(|w| u64::from_le_bytes(w.try_into().unwrap_or_default()))
    };
    let w32 = |s: &[u8], i: usize| {
        s.get(i..i + 4)
            .map(|w| u32::from_le_bytes(w.try_into().unwrap_or_default()))
    };
    match n {
        0 => true,
        1..=3 => a.iter().zip(b).all(|(x, y)| x == y),
        4..=7 => w32(a, 0) == w32(b, 0) && w32(a, n - 4) == w32(b, n - 4),
        8..=16 => w64(a, 0) == w64(b, 0) && w64(a, n - 8) == w64(b, n - 8),
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::same;

    #[test]
    fn same_is_slice_equality() {
        // Every length to 40, equal, and different in each single byte (by
        // one bit, the lowest and the highest) or in length.
        for n in 0..=40usize {
            let a: Vec<u8> = (0..n).map(|i| b'A' + (i % 26) as u8).collect();
            assert!(same(&a, &a.clone()), "{n}");
            for i in 0..n {
                for flip in [1u8, 0x80] {
                    let mut b = a.clone();
                    b[i] ^= flip;
                    assert!(!same(&a, &b), "{n} {i} {flip}");
                    assert!(!same(&b, &a), "{n} {i} {flip}");
                }
            }
            let mut longer = a.clone();
            longer.push(b'A');
            assert!(!same(&a, &longer), "{n}");
            assert!(!same(&longer, &a), "{n}");
        }
    }
}
