//! The inner loops, written once for host and microcontroller.
//!
//! Results must be bit-identical on every target, so the summation order is fixed here and never
//! depends on the machine: Rust neither reassociates nor fuses `f32` arithmetic, so the same code
//! gives the same bits on x86-64 (SSE), a Cortex-M4F (VFP) and a Cortex-M0 (soft float).

/// `y[o] = dot(rows[o], x) + bias[o]` for every output.
///
/// Summation order of [`dot`], then the bias is added last.
#[inline]
pub fn dense_forward<const I: usize, const O: usize>(
    rows: &[[f32; I]; O],
    bias: &[f32; O],
    x: &[f32; I],
    y: &mut [f32; O],
) {
    for ((out, row), b) in y.iter_mut().zip(rows).zip(bias) {
        *out = dot(row, x) + b;
    }
}

/// Dot product with four partial sums: `s_k` sums the products at indices `i ≡ k (mod 4)` of the
/// whole blocks of four, the sums are combined as `(s0 + s1) + (s2 + s3)`, then the leftover
/// `I mod 4` products are added in order.
#[inline]
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut s = [0.0f32; 4];
    let a4 = a.chunks_exact(4);
    let b4 = b.chunks_exact(4);
    let (ra, rb) = (a4.remainder(), b4.remainder());
    for (ca, cb) in a4.zip(b4) {
        s[0] += ca[0] * cb[0];
        s[1] += ca[1] * cb[1];
        s[2] += ca[2] * cb[2];
        s[3] += ca[3] * cb[3];
    }
    let mut total = (s[0] + s[1]) + (s[2] + s[3]);
    for (x, y) in ra.iter().zip(rb) {
        total += x * y;
    }
    total
}

/// `y += alpha · x`, element by element.
#[inline]
pub fn axpy(alpha: f32, x: &[f32], y: &mut [f32]) {
    for (yi, xi) in y.iter_mut().zip(x) {
        *yi += alpha * xi;
    }
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn dot_matches_documented_order() {
        let a = [1.0e8f32, 1.0, -1.0e8, 1.0, 0.5, 0.25];
        let b = [1.0f32; 6];
        // (s0 + s1) + (s2 + s3) = (1e8 + 1) + (-1e8 + 1) = 1e8 + -1e8 (1 lost twice) = 0,
        // then + 0.5 + 0.25.
        let s = ((1.0e8f32 + 1.0) + (-1.0e8f32 + 1.0)) + 0.5 + 0.25;
        assert_eq!(dot(&a, &b), s);
    }
}
