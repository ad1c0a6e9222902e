//! The orthonormal DCT-II from log-mel energies to MFCCs (`scipy.fft.dct(type=2, norm="ortho")`,
//! what `librosa.feature.mfcc` applies), keeping the first `COEFFS` coefficients.
//!
//! `c[j] = s_j Σ_i x[i] cos(π j (2i + 1) / (2 MELS))`, with `s_0 = √(1/MELS)` and
//! `s_j = √(2/MELS)` otherwise.

use super::const_math::cos_pi;

/// The DCT-II matrix from `MELS` log-mel energies to `COEFFS` MFCCs, built at compile time.
#[derive(Clone, Debug, PartialEq)]
pub struct Dct<const MELS: usize, const COEFFS: usize> {
    /// `matrix[j][i]`: the weight of log-mel `i` in coefficient `j` (scale included).
    matrix: [[f32; MELS]; COEFFS],
}

impl<const MELS: usize, const COEFFS: usize> Default for Dct<MELS, COEFFS> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const MELS: usize, const COEFFS: usize> Dct<MELS, COEFFS> {
    /// The matrix, each entry computed in `f64` and rounded once to `f32`.
    pub const fn new() -> Self {
        let mut matrix = [[0.0f32; MELS]; COEFFS];
        if MELS == 0 {
            return Dct { matrix };
        }
        let n = MELS as f64;
        let mut j = 0;
        while j < COEFFS {
            let scale = if j == 0 { 1.0 / n } else { 2.0 / n };
            let scale = sqrt(scale);
            let mut i = 0;
            while i < MELS {
                let c = cos_pi((j * (2 * i + 1)) as u64, (2 * MELS) as u64);
                matrix[j][i] = (scale * c) as f32;
                i += 1;
            }
            j += 1;
        }
        Dct { matrix }
    }

    /// The weight of log-mel `i` in coefficient `j` (0 out of range).
    pub const fn weight(&self, j: usize, i: usize) -> f32 {
        if j < COEFFS && i < MELS {
            self.matrix[j][i]
        } else {
            0.0
        }
    }

    /// `out[j] = Σ_i matrix[j][i] · x[i]`, summed in increasing `i`.
    pub fn apply(&self, x: &[f32; MELS], out: &mut [f32; COEFFS]) {
        for (o, row) in out.iter_mut().zip(&self.matrix) {
            let mut sum = 0.0f32;
            for (&w, &v) in row.iter().zip(x) {
                sum += w * v;
            }
            *o = sum;
        }
    }
}

/// `√x` for `x` in (0, 1] by Newton's method in `f64` (converges to within an ulp).
const fn sqrt(x: f64) -> f64 {
    let mut y = 1.0;
    let mut k = 0;
    while k < 60 {
        y = 0.5 * (y + x / y);
        k += 1;
    }
    y
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_orthonormal() {
        const D: Dct<40, 40> = Dct::new();
        for a in 0..40 {
            for b in 0..40 {
                let dot: f64 = (0..40)
                    .map(|i| f64::from(D.weight(a, i)) * f64::from(D.weight(b, i)))
                    .sum();
                let want = if a == b { 1.0 } else { 0.0 };
                assert!((dot - want).abs() < 1e-6, "rows {a}, {b}: {dot}");
            }
        }
        // Within one ulp (2.8e-17 near 0.22) of the correctly rounded root.
        assert!((sqrt(0.05) - libm::sqrt(0.05)).abs() <= 2.8e-17);
    }
}
