//! [`FrontEnd`]: a clip of PCM samples in, a typed log-mel or MFCC tensor out.

use core::mem::size_of;

use super::dct::Dct;
use super::fft::RealFft;
use super::frame::{frame_count, hann, windowed_frame, Sample};
use super::mel::MelFilterbank;

/// The audio front end: framing, periodic Hann window, real FFT, power spectrum, HTK mel
/// filterbank, natural log, orthonormal DCT-II. Every parameter is a constant of the type, so
/// the output is a typed tensor that plugs into a model:
///
/// | parameter | meaning | [`KwsFrontEnd`] |
/// |---|---|---|
/// | `SAMPLE_RATE` | samples per second | 16 000 |
/// | `SAMPLES` | samples per clip | 16 000 (1 s) |
/// | `FRAME` | samples per frame (window length) | 640 (40 ms) |
/// | `HOP` | samples between frame starts | 320 (20 ms) |
/// | `FFT` | FFT size (a power of two, 64–2048, ≥ `FRAME`; the frame is zero-padded) | 1024 |
/// | `LOW_HZ`, `HIGH_HZ` | the filterbank's lowest and highest edge | 20, 4000 |
/// | `MELS` | mel bands | 40 |
/// | `COEFFS` | MFCCs kept (≤ `MELS`) | 10 |
/// | `FRAMES` | frames per clip: must be `(SAMPLES - FRAME) / HOP + 1` | 49 |
///
/// Sizes that do not fit together are compile errors, like a layer's. The tables (window, mel
/// weights, DCT matrix) are computed at compile time when the front end is a `const` or
/// `static`, which puts them in flash on a device:
///
/// ```
/// use embednn::audio::KwsFrontEnd;
///
/// static FRONT_END: KwsFrontEnd = KwsFrontEnd::new();
///
/// let clip = [0i16; 16_000]; // 1 s of 16 kHz PCM
/// let mut mfcc = [[0.0f32; 10]; 49]; // the MLPerf Tiny KWS DS-CNN input
/// FRONT_END.mfcc(&clip, &mut mfcc);
/// assert!(mfcc.iter().flatten().all(|v| v.is_finite()));
/// ```
///
/// A wrong frame count does not compile:
///
/// ```compile_fail
/// use embednn::audio::FrontEnd;
/// // 1 s, 40 ms frames, 20 ms hop gives 49 frames, not 50.
/// const F: FrontEnd<16000, 16000, 640, 320, 1024, 20, 4000, 40, 10, 50> = FrontEnd::new();
/// ```
///
/// **Numbers.** Log-mel `i` of frame `t` is `ln(Σ_k w_ik |X_tk|² + 1e-6)` with `X_t` the
/// unnormalized FFT of the windowed frame (`i16` samples scaled by 1/32768), and MFCC `j` is the
/// orthonormal DCT-II of the log-mels. Every sum runs in a fixed order and the only
/// transcendental function at run time is `libm::logf`, so the output is the same bits on every
/// target with IEEE-754 `f32` (x86-64, Cortex-M4F, soft-float Cortex-M0).
///
/// **No panics.** NaN or infinite samples make NaN or infinite features in the frames they fall
/// in (and only those); a silent frame gives `ln(1e-6)` in every band.
#[derive(Clone, Debug, PartialEq)]
pub struct FrontEnd<
    const SAMPLE_RATE: usize,
    const SAMPLES: usize,
    const FRAME: usize,
    const HOP: usize,
    const FFT: usize,
    const LOW_HZ: usize,
    const HIGH_HZ: usize,
    const MELS: usize,
    const COEFFS: usize,
    const FRAMES: usize,
> {
    window: [f32; FRAME],
    mel: MelFilterbank<FFT, MELS>,
    dct: Dct<MELS, COEFFS>,
}

/// The MLPerf Tiny keyword-spotting features: 1 s of 16 kHz audio, 40 ms frames every 20 ms,
/// 1024-point FFT, 40 mel bands from 20 Hz to 4 kHz, 10 MFCCs: `[[f32; 10]; 49]`.
pub type KwsFrontEnd = FrontEnd<16_000, 16_000, 640, 320, 1024, 20, 4000, 40, 10, 49>;

impl<
        const SAMPLE_RATE: usize,
        const SAMPLES: usize,
        const FRAME: usize,
        const HOP: usize,
        const FFT: usize,
        const LOW_HZ: usize,
        const HIGH_HZ: usize,
        const MELS: usize,
        const COEFFS: usize,
        const FRAMES: usize,
    > FrontEnd<SAMPLE_RATE, SAMPLES, FRAME, HOP, FFT, LOW_HZ, HIGH_HZ, MELS, COEFFS, FRAMES>
{
    /// The offset added to every mel energy before the log (TensorFlow's MLPerf Tiny features
    /// use the same), so silence gives `ln(1e-6) ≈ -13.8` rather than `-inf`.
    pub const LOG_OFFSET: f32 = 1e-6;

    /// Bytes of the tables (window, mel weights, DCT matrix): flash when the front end is a
    /// `static`.
    pub const TABLE_BYTES: usize = size_of::<Self>();

    /// Bytes of working memory (stack) while computing: the FFT buffer and one frame of mel
    /// energies.
    pub const SCRATCH_BYTES: usize = size_of::<[f32; FFT]>() + size_of::<[f32; MELS]>();

    /// Bytes of one clip's MFCCs, `[[f32; COEFFS]; FRAMES]`.
    pub const MFCC_BYTES: usize = size_of::<[[f32; COEFFS]; FRAMES]>();

    /// Bytes of one clip's log-mel spectrogram, `[[f32; MELS]; FRAMES]`.
    pub const LOG_MEL_BYTES: usize = size_of::<[[f32; MELS]; FRAMES]>();

    /// RAM to turn one clip of `i16` PCM into MFCCs: the clip, the MFCC output and the scratch.
    pub const CLIP_RAM_BYTES: usize =
        size_of::<[i16; SAMPLES]>() + Self::MFCC_BYTES + Self::SCRATCH_BYTES;

    /// The compile-time size check (evaluated by [`FrontEnd::new`]).
    const CHECK: () = {
        assert!(SAMPLE_RATE > 0, "FrontEnd: SAMPLE_RATE must be at least 1");
        assert!(HOP > 0, "FrontEnd: HOP must be at least 1");
        assert!(FRAME > 0, "FrontEnd: FRAME must be at least 1");
        assert!(
            FRAME <= SAMPLES,
            "FrontEnd: FRAME is longer than the clip (SAMPLES)"
        );
        assert!(
            FRAME <= FFT,
            "FrontEnd: FFT must be at least FRAME (the frame is zero-padded)"
        );
        assert!(
            FRAMES == frame_count(SAMPLES, FRAME, HOP),
            "FrontEnd: FRAMES is wrong: write FRAMES = (SAMPLES - FRAME) / HOP + 1"
        );
        assert!(MELS > 0, "FrontEnd: MELS must be at least 1");
        assert!(
            COEFFS > 0 && COEFFS <= MELS,
            "FrontEnd: COEFFS must be in 1..=MELS"
        );
        assert!(LOW_HZ < HIGH_HZ, "FrontEnd: LOW_HZ must be below HIGH_HZ");
        assert!(
            2 * HIGH_HZ <= SAMPLE_RATE,
            "FrontEnd: HIGH_HZ is above Nyquist (SAMPLE_RATE / 2)"
        );
        assert!(FFT / 2 < u16::MAX as usize, "FrontEnd: FFT is too large");
        let bank = MelFilterbank::<FFT, MELS>::new(SAMPLE_RATE, LOW_HZ, HIGH_HZ);
        let mut band = 0;
        while band < MELS {
            let bins = bank.bins(band);
            let mut k = bins.start;
            let mut nonzero = false;
            while k < bins.end {
                nonzero |= bank.weight(band, k) > 0.0;
                k += 1;
            }
            assert!(
                nonzero,
                "FrontEnd: a mel band contains no FFT bin: use fewer MELS, a larger FFT or a wider LOW_HZ..HIGH_HZ"
            );
            band += 1;
        }
    };

    /// The front end, its tables computed (at compile time in a `const` or `static`).
    pub const fn new() -> Self {
        let () = Self::CHECK;
        FrontEnd {
            window: hann(),
            mel: MelFilterbank::new(SAMPLE_RATE, LOW_HZ, HIGH_HZ),
            dct: Dct::new(),
        }
    }

    /// The analysis window (periodic Hann of length `FRAME`).
    pub const fn window(&self) -> &[f32; FRAME] {
        &self.window
    }

    /// The mel filterbank.
    pub const fn filterbank(&self) -> &MelFilterbank<FFT, MELS> {
        &self.mel
    }

    /// The DCT-II matrix.
    pub const fn dct(&self) -> &Dct<MELS, COEFFS> {
        &self.dct
    }
}

impl<
        const SAMPLE_RATE: usize,
        const SAMPLES: usize,
        const FRAME: usize,
        const HOP: usize,
        const FFT: usize,
        const LOW_HZ: usize,
        const HIGH_HZ: usize,
        const MELS: usize,
        const COEFFS: usize,
        const FRAMES: usize,
    > FrontEnd<SAMPLE_RATE, SAMPLES, FRAME, HOP, FFT, LOW_HZ, HIGH_HZ, MELS, COEFFS, FRAMES>
where
    [f32; FFT]: RealFft,
{
    /// The log-mel energies of frame `t` (samples `t · HOP ..`) into `out`; a frame past the
    /// clip reads zeros.
    pub fn log_mel_frame<S: Sample>(&self, clip: &[S; SAMPLES], t: usize, out: &mut [f32; MELS]) {
        let mut buf = [0.0f32; FFT];
        windowed_frame(clip, &self.window, t.saturating_mul(HOP), &mut buf);
        let spectrum = buf.rfft();
        self.mel.apply(spectrum, out);
        for e in out.iter_mut() {
            *e = libm::logf(*e + Self::LOG_OFFSET);
        }
    }

    /// The log-mel spectrogram of a clip: `FRAMES` frames of `MELS` bands.
    pub fn log_mel<S: Sample>(&self, clip: &[S; SAMPLES], out: &mut [[f32; MELS]; FRAMES]) {
        for (t, frame) in out.iter_mut().enumerate() {
            self.log_mel_frame(clip, t, frame);
        }
    }

    /// The MFCCs of a clip: `FRAMES` frames of `COEFFS` coefficients.
    pub fn mfcc<S: Sample>(&self, clip: &[S; SAMPLES], out: &mut [[f32; COEFFS]; FRAMES]) {
        let mut mel = [0.0f32; MELS];
        for (t, frame) in out.iter_mut().enumerate() {
            self.log_mel_frame(clip, t, &mut mel);
            self.dct.apply(&mel, frame);
        }
    }
}

impl<
        const SAMPLE_RATE: usize,
        const SAMPLES: usize,
        const FRAME: usize,
        const HOP: usize,
        const FFT: usize,
        const LOW_HZ: usize,
        const HIGH_HZ: usize,
        const MELS: usize,
        const COEFFS: usize,
        const FRAMES: usize,
    > Default
    for FrontEnd<SAMPLE_RATE, SAMPLES, FRAME, HOP, FFT, LOW_HZ, HIGH_HZ, MELS, COEFFS, FRAMES>
{
    fn default() -> Self {
        Self::new()
    }
}
