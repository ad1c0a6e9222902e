//! The int8 inner loops, portable (host, Cortex-M0) and, on cores with the DSP extension, in
//! assembly (`src/quant/dsp.rs`, compiled for those Arm targets only) — integer sums are exact,
//! so every path gives the same bits.
//!
//! # Weight layout ("4-row interleaved")
//!
//! A weight matrix of `rows` × `k` (one row of `k` int8 weights per output channel) is stored in
//! the order the kernels read it: rows go in blocks of four; inside a block, for each group of
//! four inputs, the four rows' four weights follow each other (16 bytes), then the block's last
//! `k % 4` inputs row by row; rows past the last full block are stored plainly, row by row. One
//! 16-byte load then feeds sixteen multiply-accumulates of four outputs, and the layout is the
//! same size as the plain one, so it fits the layer's `[[i8; K]; ROWS]` storage.
//!
//! ```
//! use embednn::quant::kernels::{pack_rows, dot_rows};
//! let plain: [i8; 8] = [1, 2, 3, 4, 5, 6, 7, 8]; // 2 rows of 4: below a block, stored plainly
//! let mut packed = [0i8; 8];
//! pack_rows(&plain, 4, &mut packed);
//! assert_eq!(packed, plain);
//! let mut acc = [0i32; 2];
//! dot_rows(&packed, 4, &[1, 1, 1, -1], &mut acc);
//! assert_eq!(acc, [1 + 2 + 3 - 4, 5 + 6 + 7 - 8]);
//! ```

/// Rows per interleaved block.
pub const BLOCK_ROWS: usize = 4;

/// Index in the packed layout of row `r`, input `i`, for `rows` rows of `k` inputs.
#[inline]
pub const fn packed_index(r: usize, i: usize, rows: usize, k: usize) -> usize {
    let full_blocks = rows / BLOCK_ROWS;
    if r >= full_blocks * BLOCK_ROWS {
        return r * k + i;
    }
    let base = (r / BLOCK_ROWS) * BLOCK_ROWS * k;
    let rr = r % BLOCK_ROWS;
    let k4 = k / 4 * 4;
    if i < k4 {
        base + (i / 4) * 16 + rr * 4 + i % 4
    } else {
        base + 4 * k4 + rr * (k - k4) + (i - k4)
    }
}

/// Packs `plain` (row-major, rows of `k`) into the interleaved layout. `plain` and `packed` must
/// have the same length, a multiple of `k`; otherwise nothing is written.
pub fn pack_rows(plain: &[i8], k: usize, packed: &mut [i8]) {
    if k == 0 || plain.len() != packed.len() || !plain.len().is_multiple_of(k) {
        return;
    }
    let rows = plain.len() / k;
    for (r, row) in plain.chunks_exact(k).enumerate() {
        for (i, &w) in row.iter().enumerate() {
            if let Some(slot) = packed.get_mut(packed_index(r, i, rows, k)) {
                *slot = w;
            }
        }
    }
}

/// The inverse of [`pack_rows`].
pub fn unpack_rows(packed: &[i8], k: usize, plain: &mut [i8]) {
    if k == 0 || plain.len() != packed.len() || !plain.len().is_multiple_of(k) {
        return;
    }
    let rows = plain.len() / k;
    for (r, row) in plain.chunks_exact_mut(k).enumerate() {
        for (i, w) in row.iter_mut().enumerate() {
            *w = packed
                .get(packed_index(r, i, rows, k))
                .copied()
                .unwrap_or(0);
        }
    }
}

/// `acc[r] += Σᵢ w[r][i] · x[i]` for every row of the packed matrix `packed` (rows of `k =
/// x.len()` weights, `acc.len()` rows). Mismatched lengths compute nothing.
#[inline]
pub fn dot_rows(packed: &[i8], k: usize, x: &[i8], acc: &mut [i32]) {
    if x.len() != k || packed.len() != acc.len() * k {
        return;
    }
    // The condition of `mod dsp` (see there: stable Rust never sets `target_feature = "dsp"`).
    #[cfg(all(
        target_arch = "arm",
        any(
            all(target_feature = "dsp", target_feature = "mclass"),
            all(
                target_os = "none",
                target_abi = "eabihf",
                target_endian = "little",
                not(target_has_atomic = "64")
            )
        )
    ))]
    if super::dsp::dot_rows(packed, k, x, acc) {
        return;
    }
    dot_rows_portable(packed, k, x, acc);
}

/// [`dot_rows`] in plain Rust (what every target without the DSP path runs, and what the DSP
/// path is tested against).
pub fn dot_rows_portable(packed: &[i8], k: usize, x: &[i8], acc: &mut [i32]) {
    if k == 0 || x.len() != k || Some(packed.len()) != acc.len().checked_mul(k) {
        return;
    }
    // Every split is checked (and cannot fail after the test above), so no panic path exists,
    // which the firmware's link-time no-panic check proves.
    let Some((x4, x_tail)) = x.split_at_checked(k / 4 * 4) else {
        return;
    };
    let (x4, _) = x4.as_chunks::<4>();
    let mut w = packed;
    let (acc_blocks, acc_rest) = acc.as_chunks_mut::<BLOCK_ROWS>();
    for a in acc_blocks {
        let Some((groups, rest)) = w.split_at_checked(16 * x4.len()) else {
            return;
        };
        let Some((mut tail, rest)) = rest.split_at_checked(BLOCK_ROWS * x_tail.len()) else {
            return;
        };
        w = rest;
        let (groups, _) = groups.as_chunks::<16>();
        let mut s = [0i32; 4];
        for (g, xs) in groups.iter().zip(x4) {
            for (r, sr) in s.iter_mut().enumerate() {
                let mut t = 0i32;
                for (j, &xv) in xs.iter().enumerate() {
                    t += g.get(r * 4 + j).copied().unwrap_or(0) as i32 * xv as i32;
                }
                *sr = sr.wrapping_add(t);
            }
        }
        for sr in s.iter_mut() {
            let Some((row, rest)) = tail.split_at_checked(x_tail.len()) else {
                break;
            };
            tail = rest;
            *sr = sr.wrapping_add(dot(row, x_tail));
        }
        for (ar, sr) in a.iter_mut().zip(s) {
            *ar = ar.wrapping_add(sr);
        }
    }
    for ar in acc_rest {
        let Some((row, rest)) = w.split_at_checked(k) else {
            return;
        };
        w = rest;
        *ar = ar.wrapping_add(dot(row, x));
    }
}

/// `Σᵢ a[i] · b[i]` over the shorter of the two.
#[inline(always)]
pub fn dot(a: &[i8], b: &[i8]) -> i32 {
    a.iter()
        .zip(b)
        .fold(0i32, |s, (&p, &q)| s.wrapping_add(p as i32 * q as i32))
}

#[cfg(test)]
mod test {
    use super::*;

    fn naive(plain: &[i8], k: usize, x: &[i8]) -> [i32; 16] {
        let mut out = [0; 16];
        for (o, row) in out.iter_mut().zip(plain.chunks_exact(k)) {
            *o = dot(row, x);
        }
        out
    }

    #[test]
    fn packing_round_trips_and_dot_rows_equals_the_naive_sums() {
        let mut rng = crate::rng::Rng::seed(3);
        for rows in 1..=13 {
            for k in 1..=11 {
                let mut plain = [0i8; 13 * 11];
                let plain = &mut plain[..rows * k];
                for w in plain.iter_mut() {
                    *w = (rng.next_word() >> 24) as u8 as i8;
                }
                let mut x = [0i8; 11];
                for v in x.iter_mut() {
                    *v = (rng.next_word() >> 24) as u8 as i8;
                }
                let x = &x[..k];
                let mut packed = [0i8; 13 * 11];
                let packed = &mut packed[..rows * k];
                pack_rows(plain, k, packed);
                let mut back = [0i8; 13 * 11];
                unpack_rows(packed, k, &mut back[..rows * k]);
                assert_eq!(&back[..rows * k], &plain[..]);
                let mut acc = [0i32; 16];
                dot_rows(packed, k, x, &mut acc[..rows]);
                assert_eq!(
                    &acc[..rows],
                    &naive(plain, k, x)[..rows],
                    "rows {rows}, k {k}"
                );
            }
        }
    }

    #[test]
    fn extremes_do_not_overflow() {
        let plain = [-128i8; 4 * 640];
        let mut packed = [0i8; 4 * 640];
        pack_rows(&plain, 640, &mut packed);
        let mut acc = [0i32; 4];
        dot_rows(&packed, 640, &[-128; 640], &mut acc);
        assert_eq!(acc, [640 * 16384; 4]);
    }
}
