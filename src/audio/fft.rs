//! The real FFT (through [`microfft`](https://docs.rs/microfft)) and the power spectrum.
//!
//! `microfft` transforms in place with precomputed twiddle tables and no allocation. Its real FFT
//! of `N` samples returns `N/2` complex bins, with the real Nyquist value packed into the
//! imaginary part of bin 0; [`bin_power`] unpacks that. The sizes offered are the powers of two
//! from 64 to 2048 (the `size-2048` feature: 40 ms frames at up to 48 kHz), which keeps the
//! twiddle table in flash at 1024 complex values.

pub use microfft::Complex32;

/// An FFT size the front end supports: `[f32; N]` for `N` a power of two from 64 to 2048.
///
/// Any other size is a compile error naming this trait ("`RealFft` is not implemented for
/// `[f32; 1000]`").
pub trait RealFft {
    /// Transforms `self` in place and returns its first `N/2` complex bins (bin 0 holds DC in
    /// `re` and Nyquist in `im`). Never panics; NaN or infinite inputs give NaN or infinite bins.
    fn rfft(&mut self) -> &mut [Complex32];
}

macro_rules! real_fft {
    ($($n:literal => $f:ident),* $(,)?) => {$(
        impl RealFft for [f32; $n] {
            #[inline]
            fn rfft(&mut self) -> &mut [Complex32] {
                microfft::real::$f(self)
            }
        }
    )*};
}

real_fft! {
    64 => rfft_64,
    128 => rfft_128,
    256 => rfft_256,
    512 => rfft_512,
    1024 => rfft_1024,
    2048 => rfft_2048,
}

/// `|X_k|²` for bin `k` in `0..=N/2` of a spectrum from [`RealFft::rfft`] (`N/2` complex values):
/// `re² + im²`, DC `re₀²`, Nyquist `im₀²`; 0 for `k` past Nyquist. Not normalized (librosa's
/// `power=2`).
#[inline]
pub fn bin_power(spectrum: &[Complex32], k: usize) -> f32 {
    let half = spectrum.len();
    if k == 0 || k == half {
        let dc_nyquist = spectrum.first().copied().unwrap_or_default();
        let v = if k == 0 { dc_nyquist.re } else { dc_nyquist.im };
        v * v
    } else {
        spectrum.get(k).map_or(0.0, |c| c.re * c.re + c.im * c.im)
    }
}
