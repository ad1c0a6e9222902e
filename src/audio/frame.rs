//! Framing and the Hann window: which samples make up frame `t`, and how they are weighted.
//!
//! Frame `t` is samples `t · HOP .. t · HOP + FRAME` of the clip (no padding at either end, as
//! TensorFlow's `tf.signal.frame` and the MLPerf Tiny keyword-spotting features do), multiplied by
//! a periodic Hann window of length `FRAME`, then zero-padded to the FFT size.

use super::const_math::cos_pi;

/// How many whole frames of `frame` samples, `hop` apart, fit in `samples` samples:
/// `(samples - frame) / hop + 1`, or 0 when a single frame does not fit (or `hop` is 0).
///
/// ```
/// // 1 s of 16 kHz audio, 40 ms frames, 20 ms hop: the 49 frames of the MLPerf Tiny KWS input.
/// assert_eq!(embednn::audio::frame_count(16_000, 640, 320), 49);
/// assert_eq!(embednn::audio::frame_count(100, 640, 320), 0);
/// ```
pub const fn frame_count(samples: usize, frame: usize, hop: usize) -> usize {
    if hop == 0 || frame == 0 || frame > samples {
        0
    } else {
        (samples - frame) / hop + 1
    }
}

/// The periodic Hann window of length `N`: `w[n] = 0.5 - 0.5 cos(2π n / N)`, each value
/// computed in `f64` and rounded once (`scipy.signal.get_window("hann", N)`, `tf.signal.hann_window`).
///
/// ```
/// const W: [f32; 4] = embednn::audio::hann();
/// assert_eq!(W, [0.0, 0.5, 1.0, 0.5]);
/// ```
pub const fn hann<const N: usize>() -> [f32; N] {
    let mut w = [0.0f32; N];
    let mut n = 0;
    while n < N {
        w[n] = (0.5 - 0.5 * cos_pi(2 * n as u64, N as u64)) as f32;
        n += 1;
    }
    w
}

/// An audio sample the front end accepts, converted to `f32` in `[-1, 1)` for full scale.
pub trait Sample: Copy {
    /// The sample as `f32`.
    fn to_f32(self) -> f32;
}

impl Sample for i16 {
    /// `x / 32768`, exact (a power-of-two scale), so `i16::MIN` is `-1.0`.
    #[inline]
    fn to_f32(self) -> f32 {
        f32::from(self) * (1.0 / 32768.0)
    }
}

impl Sample for [u8; 2] {
    /// Little-endian 16-bit PCM as a WAV's data chunk stores it, so a clip can be read straight
    /// from flash bytes (`bytes.as_chunks::<2>().0`) without a copy: the `i16` scaling.
    #[inline]
    fn to_f32(self) -> f32 {
        i16::from_le_bytes(self).to_f32()
    }
}

impl Sample for f32 {
    /// The value itself (NaN and infinities included).
    #[inline]
    fn to_f32(self) -> f32 {
        self
    }
}

/// Writes frame `t` of `clip`, windowed, into `buf` and zero-fills the rest of `buf`.
///
/// Samples past the end of `clip` count as zero, so this never panics; the front end only asks
/// for frames that fit.
pub(crate) fn windowed_frame<
    S: Sample,
    const SAMPLES: usize,
    const FRAME: usize,
    const FFT: usize,
>(
    clip: &[S; SAMPLES],
    window: &[f32; FRAME],
    start: usize,
    buf: &mut [f32; FFT],
) {
    buf.fill(0.0);
    let samples = clip.iter().skip(start);
    for ((b, &w), &x) in buf.iter_mut().zip(window).zip(samples) {
        *b = x.to_f32() * w;
    }
}
