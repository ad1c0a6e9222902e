//! The mel filterbank: HTK mel scale, triangles with a peak of 1 (librosa's `htk=True, norm=None`).
//!
//! The `MELS + 2` edge frequencies are equally spaced on the HTK mel scale,
//! `mel(f) = 2595 · log10(1 + f / 700)`, from `low_hz` to `high_hz`. Band `i` rises linearly (in
//! Hz) from edge `i` to 1 at edge `i + 1` and falls back to 0 at edge `i + 2`; FFT bin `k` sits at
//! `k · sample_rate / FFT` Hz. This is `librosa.filters.mel(htk=True, norm=None)`, and the same
//! shape as `python_speech_features` and the Kaldi/HTK banks up to where the triangle corners fall.
//!
//! Each bin lies between two adjacent edges, so it feeds at most two bands: the falling side of
//! one and the rising side of the next. The table therefore keeps two weights per bin (not a dense
//! `MELS × (FFT/2 + 1)` matrix) and each band's bin range.

use super::const_math::{exp, ln};
use super::fft::{bin_power, Complex32};

/// HTK mel of `hz`: `2595 · log10(1 + hz / 700)`.
pub const fn hz_to_mel(hz: f64) -> f64 {
    2595.0 * ln(1.0 + hz / 700.0) / core::f64::consts::LN_10
}

/// Hz of an HTK `mel`: `700 · (10^(mel / 2595) - 1)`.
pub const fn mel_to_hz(mel: f64) -> f64 {
    700.0 * (exp(mel / 2595.0 * core::f64::consts::LN_10) - 1.0)
}

/// The mel filterbank for an `FFT`-point spectrum and `MELS` bands, built at compile time.
#[derive(Clone, Debug, PartialEq)]
pub struct MelFilterbank<const FFT: usize, const MELS: usize> {
    /// `rise[k]`: the weight of bin `k` in the band whose rising side it is on.
    rise: [f32; FFT],
    /// `fall[k]`: the weight of bin `k` in the band whose falling side it is on.
    fall: [f32; FFT],
    /// Band `i` takes `rise` over bins `start[i]..center[i]` and `fall` over `center[i]..end[i]`.
    start: [u16; MELS],
    center: [u16; MELS],
    end: [u16; MELS],
}

impl<const FFT: usize, const MELS: usize> MelFilterbank<FFT, MELS> {
    /// The filterbank from `low_hz` to `high_hz` for audio at `sample_rate` Hz.
    ///
    /// Weights are computed in `f64` and rounded once to `f32`. Out-of-range arguments (`low_hz
    /// >= high_hz`, `high_hz` above Nyquist, `FFT / 2 + 1 > 65535`) are rejected by
    /// [`FrontEnd`](super::FrontEnd)'s compile-time check; here they just give empty bands.
    pub const fn new(sample_rate: usize, low_hz: usize, high_hz: usize) -> Self {
        let mut bank = MelFilterbank {
            rise: [0.0; FFT],
            fall: [0.0; FFT],
            start: [0; MELS],
            center: [0; MELS],
            end: [0; MELS],
        };
        let bins = if FFT / 2 + 1 > u16::MAX as usize {
            0
        } else {
            FFT / 2 + 1
        };
        let bin_hz = sample_rate as f64 / FFT as f64;
        let mut band = 0;
        while band < MELS {
            let lo = edge_hz(band, MELS, low_hz, high_hz);
            let mid = edge_hz(band + 1, MELS, low_hz, high_hz);
            let hi = edge_hz(band + 2, MELS, low_hz, high_hz);
            // Bins strictly inside (lo, hi): the triangle is 0 at both corners.
            let mut k = 0;
            while k < bins && (k as f64) * bin_hz <= lo {
                k += 1;
            }
            bank.start[band] = k as u16;
            while k < bins && (k as f64) * bin_hz < mid {
                bank.rise[k] = (((k as f64) * bin_hz - lo) / (mid - lo)) as f32;
                k += 1;
            }
            bank.center[band] = k as u16;
            while k < bins && (k as f64) * bin_hz < hi {
                bank.fall[k] = ((hi - (k as f64) * bin_hz) / (hi - mid)) as f32;
                k += 1;
            }
            bank.end[band] = k as u16;
            band += 1;
        }
        bank
    }

    /// The FFT bins with a nonzero weight in `band` (empty for a band past `MELS`).
    pub const fn bins(&self, band: usize) -> core::ops::Range<usize> {
        if band >= MELS {
            return 0..0;
        }
        self.start[band] as usize..self.end[band] as usize
    }

    /// The weight of FFT bin `bin` in `band` (0 outside the triangle): one entry of the dense
    /// `MELS × (FFT/2 + 1)` matrix librosa returns.
    pub const fn weight(&self, band: usize, bin: usize) -> f32 {
        if band >= MELS || bin >= FFT {
            return 0.0;
        }
        if bin < self.start[band] as usize || bin >= self.end[band] as usize {
            0.0
        } else if bin < self.center[band] as usize {
            self.rise[bin]
        } else {
            self.fall[bin]
        }
    }

    /// Mel energies of a spectrum from [`RealFft::rfft`](super::RealFft::rfft):
    /// `out[i] = Σ_k weight(i, k) · |X_k|²`, summed in increasing `k`.
    pub fn apply(&self, spectrum: &[Complex32], out: &mut [f32; MELS]) {
        let bands = self.start.iter().zip(&self.center).zip(&self.end);
        for (e, ((&start, &center), &end)) in out.iter_mut().zip(bands) {
            let (start, center, end) = (usize::from(start), usize::from(center), usize::from(end));
            let mut sum = 0.0f32;
            let rising = self.rise.iter().enumerate().take(center).skip(start);
            for (k, &w) in rising {
                sum += w * bin_power(spectrum, k);
            }
            let falling = self.fall.iter().enumerate().take(end).skip(center);
            for (k, &w) in falling {
                sum += w * bin_power(spectrum, k);
            }
            *e = sum;
        }
    }
}

/// Edge `j` of `MELS + 2` in Hz: equally spaced in mel from `low_hz` to `high_hz`
/// (numpy's `linspace`: `start + j · step`, the last edge exactly `high_hz`).
const fn edge_hz(j: usize, mels: usize, low_hz: usize, high_hz: usize) -> f64 {
    if j == mels + 1 {
        return high_hz as f64;
    }
    let lo = hz_to_mel(low_hz as f64);
    let hi = hz_to_mel(high_hz as f64);
    let step = (hi - lo) / (mels + 1) as f64;
    mel_to_hz(lo + j as f64 * step)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mel_scale_round_trips() {
        assert!((hz_to_mel(700.0) - 2595.0 * libm::log10(2.0)).abs() < 1e-9);
        for hz in [0.0, 20.0, 1000.0, 4000.0, 8000.0] {
            assert!((mel_to_hz(hz_to_mel(hz)) - hz).abs() < 1e-9);
        }
    }
}
