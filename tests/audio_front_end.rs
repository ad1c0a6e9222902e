//! The audio front end against hand-derived values (frame counts, window, filterbank edges) and
//! against the float64 librosa/numpy/scipy reference in `tests/reference/audio/` (written by
//! `scripts/audio_reference.py`), and its behaviour on NaN, infinities, silence and full scale.
//!
//! Tolerances, and why they are what they are: embednn computes in `f32` with microfft's
//! radix-2 FFT; the reference in `f64` with numpy's pocketfft. The `f32` FFT's rounding adds to
//! every bin an error whose power is a small multiple of `eps² · N · S` (`eps = 2⁻²⁴`, `N = 1024`,
//! `S` the windowed frame's energy `Σ (x_n w_n)²`): a floor set by the whole frame, not by the
//! band. A band of energy `E` (in the reference) is then off by at most
//! `ΔE = 1e-5 · E + 2 √(E F) + F` with `F = 10 · eps² · N · S` (the first term: `f32` products
//! and sums of the filterbank), and its log-mel `ln(E + 1e-6)` by `1e-4 + ΔE / (E + 1e-6)`. Loud
//! bands are therefore held to about `1e-4`; bands near the floor, where an `f32` FFT cannot say
//! more, to what the floor allows. MFCC `j` is held to `Σ_i |DCT_ji| · bound_i`.
//! The measured maxima are printed (`cargo test --test audio_front_end -- --nocapture`).

use std::fs;
use std::path::{Path, PathBuf};

use embednn::audio::{fft::bin_power, frame_count, hann, KwsFrontEnd, RealFft, Sample};
use serde_json::Value;

const FRONT_END: KwsFrontEnd = KwsFrontEnd::new();
const FRAMES: usize = 49;
const MELS: usize = 40;
const COEFFS: usize = 10;
const LOG_OFFSET: f64 = 1e-6;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read_wav(path: &Path) -> Box<[i16; 16_000]> {
    let bytes = fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    // RIFF, WAVE, then chunks; the data chunk holds 16 kHz mono PCM16 (checked by the generator).
    let mut at = 12;
    while at + 8 <= bytes.len() {
        let len = u32::from_le_bytes(bytes[at + 4..at + 8].try_into().unwrap()) as usize;
        if &bytes[at..at + 4] == b"data" {
            let body = &bytes[at + 8..at + 8 + len];
            assert_eq!(body.len(), 32_000, "{}", path.display());
            let mut pcm = Box::new([0i16; 16_000]);
            for (s, b) in pcm.iter_mut().zip(body.chunks_exact(2)) {
                *s = i16::from_le_bytes([b[0], b[1]]);
            }
            return pcm;
        }
        at += 8 + len + (len & 1);
    }
    panic!("{}: no data chunk", path.display())
}

fn matrix(v: &Value) -> Vec<Vec<f64>> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|row| {
            row.as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_f64().unwrap())
                .collect()
        })
        .collect()
}

fn reference_cases() -> Vec<(String, Value)> {
    let dir = root().join("tests/reference/audio");
    let mut cases: Vec<(String, Value)> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .filter(|p| p.file_stem().is_some_and(|s| s != "filterbank"))
        .map(|p| {
            let name = p.file_stem().unwrap().to_string_lossy().into_owned();
            let text = fs::read_to_string(&p).unwrap();
            (name, serde_json::from_str(&text).unwrap())
        })
        .collect();
    cases.sort_by(|a, b| a.0.cmp(&b.0));
    cases
}

#[test]
fn features_match_the_librosa_reference_within_tolerance() {
    let cases = reference_cases();
    assert!(
        cases.len() >= 16,
        "12 keyword clips and 4 synthetic signals"
    );
    let dct = FRONT_END.dct();
    let (mut worst_mel, mut worst_mfcc, mut worst_loud, mut worst_ratio) =
        (0.0f64, 0.0f64, 0.0f64, 0.0f64);
    for (name, case) in &cases {
        for (key, want) in [
            ("frame", 640),
            ("hop", 320),
            ("fft", 1024),
            ("mels", 40),
            ("coeffs", 10),
        ] {
            assert_eq!(case[key].as_u64(), Some(want), "{name}: {key}");
        }
        let pcm = read_wav(&root().join(case["wav"].as_str().unwrap()));
        let mut log_mel = [[0.0f32; MELS]; FRAMES];
        let mut mfcc = [[0.0f32; COEFFS]; FRAMES];
        FRONT_END.log_mel(&pcm, &mut log_mel);
        FRONT_END.mfcc(&pcm, &mut mfcc);
        let (ref_mel, ref_mfcc) = (matrix(&case["log_mel"]), matrix(&case["mfcc"]));
        assert_eq!((ref_mel.len(), ref_mel[0].len()), (FRAMES, MELS));
        assert_eq!((ref_mfcc.len(), ref_mfcc[0].len()), (FRAMES, COEFFS));
        for t in 0..FRAMES {
            let energy = |v: f64| (v.exp() - LOG_OFFSET).max(0.0);
            let window = FRONT_END.window();
            let frame_energy: f64 = (0..640)
                .map(|n| (f64::from(pcm[320 * t + n]) / 32768.0 * f64::from(window[n])).powi(2))
                .sum();
            let floor = 10.0 * (2f64.powi(-24)).powi(2) * 1024.0 * frame_energy;
            let mut bounds = [0.0f64; MELS];
            for i in 0..MELS {
                let (got, want) = (f64::from(log_mel[t][i]), ref_mel[t][i]);
                let e = energy(want);
                let delta = 1e-5 * e + 2.0 * (e * floor).sqrt() + floor;
                bounds[i] = 1e-4 + delta / (e + LOG_OFFSET);
                let err = (got - want).abs();
                assert!(
                    err <= bounds[i],
                    "{name} frame {t} band {i}: {got} vs {want} (bound {})",
                    bounds[i]
                );
                worst_mel = worst_mel.max(err);
                worst_ratio = worst_ratio.max(err / bounds[i]);
                if e >= 1e-3 * 1024.0 * frame_energy {
                    worst_loud = worst_loud.max(err);
                }
            }
            for j in 0..COEFFS {
                let (got, want) = (f64::from(mfcc[t][j]), ref_mfcc[t][j]);
                let bound: f64 = (0..MELS)
                    .map(|i| f64::from(dct.weight(j, i).abs()) * bounds[i])
                    .sum();
                let err = (got - want).abs();
                assert!(
                    err <= bound,
                    "{name} frame {t} mfcc {j}: {got} vs {want} (bound {bound})"
                );
                worst_mfcc = worst_mfcc.max(err);
                worst_ratio = worst_ratio.max(err / bound);
            }
        }
    }
    println!(
        "{} clips: max |log-mel error| {worst_mel:.3e} ({worst_loud:.3e} in bands holding at \
         least 0.1% of the frame's energy), max |MFCC error| {worst_mfcc:.3e}; largest error / bound \
         {worst_ratio:.3}",
        cases.len()
    );
}

#[test]
fn filterbank_matches_librosa_htk_and_hand_derived_edges() {
    let text = fs::read_to_string(root().join("tests/reference/audio/filterbank.json")).unwrap();
    let reference: Value = serde_json::from_str(&text).unwrap();
    let bank = FRONT_END.filterbank();
    let bands = reference["bands"].as_array().unwrap();
    assert_eq!(bands.len(), MELS);
    for (i, band) in bands.iter().enumerate() {
        let start = band["start"].as_u64().unwrap() as usize;
        let weights: Vec<f64> = band["weights"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| w.as_f64().unwrap())
            .collect();
        let ours = bank.bins(i);
        assert_eq!(ours.start, start, "band {i} first bin");
        assert_eq!(ours.end, start + weights.len(), "band {i} last bin");
        for (k, &w) in weights.iter().enumerate() {
            let got = f64::from(bank.weight(i, start + k));
            // One f32 rounding of the same f64 value.
            assert!(
                (got - w).abs() <= w * 6e-8 + 1e-12,
                "band {i} bin {}: {got} vs {w}",
                start + k
            );
        }
        assert_eq!(bank.weight(i, start.wrapping_sub(1)), 0.0);
        assert_eq!(bank.weight(i, start + weights.len()), 0.0);
    }
    // By hand: mel(f) = 2595 log10(1 + f/700); 42 edges equally spaced in mel from 20 to 4000 Hz.
    let mel = |f: f64| 2595.0 * (1.0 + f / 700.0).log10();
    let hz = |m: f64| 700.0 * (10f64.powf(m / 2595.0) - 1.0);
    let step = (mel(4000.0) - mel(20.0)) / 41.0;
    let edges: Vec<f64> = (0..42).map(|j| hz(mel(20.0) + j as f64 * step)).collect();
    let ref_edges: Vec<f64> = reference["edges_hz"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    for (a, b) in edges.iter().zip(&ref_edges) {
        assert!((a - b).abs() < 1e-6, "edge {a} vs librosa {b}");
    }
    // Bin k is k · 15.625 Hz. Band 0 spans (20, 89.0) Hz, peaking at 53.7 Hz: bins 2..=5
    // (31.25, 46.875, 62.5, 78.125 Hz).
    assert!(
        (edges[1] - 53.711).abs() < 1e-3 && (edges[2] - 89.000).abs() < 1e-3,
        "{edges:?}"
    );
    assert_eq!(bank.bins(0), 2..6);
    let rise = (31.25 - edges[0]) / (edges[1] - edges[0]);
    assert!((f64::from(bank.weight(0, 2)) - rise).abs() < 1e-7);
    // Band 39 ends at 4000 Hz = bin 256 exactly, where its weight is 0: last bin 255.
    assert_eq!(bank.bins(39).end, 256);
    // Between the peaks of the first and last band (53.7 and 3789.8 Hz: bins 4..=242) every bin
    // is on the falling side of one band and the rising side of the next, and the two add to 1.
    for k in 4..243 {
        let sum: f32 = (0..MELS).map(|i| bank.weight(i, k)).sum();
        assert!((sum - 1.0).abs() < 1e-6, "bin {k}: {sum}");
    }
}

#[test]
fn frame_counts_and_window_are_the_hand_derived_ones() {
    // (16000 - 640) / 320 + 1 = 49; (16000 - 400) / 160 + 1 = 98 (25 ms / 10 ms);
    // (16000 - 480) / 320 + 1 = 49 (30 ms / 20 ms); a clip shorter than a frame has none.
    assert_eq!(frame_count(16_000, 640, 320), 49);
    assert_eq!(frame_count(16_000, 400, 160), 98);
    assert_eq!(frame_count(16_000, 480, 320), 49);
    assert_eq!(frame_count(640, 640, 320), 1);
    assert_eq!(frame_count(639, 640, 320), 0);
    assert_eq!(frame_count(16_000, 640, 0), 0);
    // Periodic Hann: w[n] = 0.5 - 0.5 cos(2πn/640): 0 at 0, 1 at 320, 0.5 at 160 and 480,
    // symmetric about 320, and the sum of a periodic Hann is N/2.
    let w = FRONT_END.window();
    assert_eq!((w[0], w[160], w[320], w[480]), (0.0, 0.5, 1.0, 0.5));
    for n in 1..640 {
        assert_eq!(w[n], w[640 - n], "n = {n}");
        let want = 0.5 - 0.5 * (2.0 * std::f64::consts::PI * n as f64 / 640.0).cos();
        assert!(
            (f64::from(w[n]) - want).abs() <= 6e-8 * want.max(1e-3),
            "n = {n}"
        );
    }
    assert!((w.iter().map(|&v| f64::from(v)).sum::<f64>() - 320.0).abs() < 1e-4);
    assert_eq!(
        hann::<8>(),
        [
            0.0,
            0.146_446_62,
            0.5,
            0.853_553_4,
            1.0,
            0.853_553_4,
            0.5,
            0.146_446_62
        ]
    );
    // Shapes and memory are constants of the type.
    assert_eq!(KwsFrontEnd::MFCC_BYTES, 49 * 10 * 4);
    assert_eq!(KwsFrontEnd::LOG_MEL_BYTES, 49 * 40 * 4);
    assert_eq!(KwsFrontEnd::SCRATCH_BYTES, 1024 * 4 + 40 * 4);
    assert_eq!(KwsFrontEnd::CLIP_RAM_BYTES, 32_000 + 1960 + 4256);
    // Window 640 × 4, mel weights 2 × 1024 × 4 + 3 × 40 × 2, DCT 10 × 40 × 4.
    assert_eq!(KwsFrontEnd::TABLE_BYTES, 2560 + 8432 + 1600);
    assert_eq!(i16::MIN.to_f32(), -1.0);
    assert_eq!(16_384i16.to_f32(), 0.5);
    assert_eq!([0x00u8, 0x80].to_f32(), -1.0);
    assert_eq!([0x00u8, 0x40].to_f32(), 0.5);
}

#[test]
fn fft_power_matches_the_dft_of_a_tone() {
    // A cosine at bin 64 with amplitude 1: |X_64|² = (N/2)² = 512², every other bin ~0.
    let mut buf: [f32; 1024] = core::array::from_fn(|n| {
        (2.0 * std::f64::consts::PI * 64.0 * n as f64 / 1024.0).cos() as f32
    });
    let spectrum = buf.rfft();
    assert!((bin_power(spectrum, 64) - 262_144.0).abs() < 1.0);
    assert!(bin_power(spectrum, 63) < 1e-6 && bin_power(spectrum, 0) < 1e-6);
    assert!(bin_power(spectrum, 512) < 1e-6);
    assert_eq!(bin_power(spectrum, 513), 0.0);
    // DC and Nyquist unpacked from bin 0: a constant 1 gives |X_0|² = 1024², an alternating ±1
    // gives |X_512|² = 1024².
    let mut dc = [1.0f32; 1024];
    assert_eq!(bin_power(dc.rfft(), 0), 1_048_576.0);
    let mut nyquist: [f32; 1024] = core::array::from_fn(|n| if n % 2 == 0 { 1.0 } else { -1.0 });
    let s = nyquist.rfft();
    assert_eq!((bin_power(s, 512), bin_power(s, 0)), (1_048_576.0, 0.0));
}

#[test]
fn silence_gives_the_log_offset_in_every_band() {
    let mut log_mel = [[0.0f32; MELS]; FRAMES];
    FRONT_END.log_mel(&[0i16; 16_000], &mut log_mel);
    let floor = libm::logf(1e-6);
    assert!(log_mel.iter().flatten().all(|&v| v == floor));
    let mut mfcc = [[0.0f32; COEFFS]; FRAMES];
    FRONT_END.mfcc(&[0.0f32; 16_000], &mut mfcc);
    // The DCT of a constant: only c0 = √40 · ln(1e-6), the rest ~0.
    for frame in &mfcc {
        assert!((frame[0] - 40f32.sqrt() * floor).abs() < 1e-4, "{frame:?}");
        assert!(frame[1..].iter().all(|v| v.abs() < 1e-4), "{frame:?}");
    }
}

#[test]
fn full_scale_inputs_stay_finite() {
    let mut mfcc = [[0.0f32; COEFFS]; FRAMES];
    for clip in [
        [i16::MIN; 16_000],
        [i16::MAX; 16_000],
        core::array::from_fn(|n| {
            if (n / 20) % 2 == 0 {
                i16::MAX
            } else {
                i16::MIN
            }
        }),
        core::array::from_fn(|n| if n % 2 == 0 { i16::MAX } else { i16::MIN }),
    ] {
        FRONT_END.mfcc(&clip, &mut mfcc);
        assert!(
            mfcc.iter().flatten().all(|v| v.is_finite()),
            "{:?}",
            &clip[..4]
        );
    }
    // Full-scale f32 far beyond ±1 still gives finite features (energies up to ~1e13).
    FRONT_END.mfcc(&[1.0e3f32; 16_000], &mut mfcc);
    assert!(mfcc.iter().flatten().all(|v| v.is_finite()));
}

#[test]
fn nan_and_infinity_spoil_only_their_frames_and_never_panic() {
    // Sample 5000 lies in frames 14 and 15 (frame t covers 320t .. 320t + 640).
    for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
        let mut clip: [f32; 16_000] =
            core::array::from_fn(|n| 0.1 * ((n % 97) as f32 / 97.0 - 0.5));
        clip[5000] = bad;
        let mut log_mel = [[0.0f32; MELS]; FRAMES];
        FRONT_END.log_mel(&clip, &mut log_mel);
        let mut mfcc = [[0.0f32; COEFFS]; FRAMES];
        FRONT_END.mfcc(&clip, &mut mfcc);
        for t in 0..FRAMES {
            let spoiled = t == 14 || t == 15;
            let finite = log_mel[t].iter().chain(&mfcc[t]).all(|v| v.is_finite());
            assert_eq!(finite, !spoiled, "{bad} frame {t}");
        }
    }
    // All NaN, all infinite, f32::MAX: no panic, and the overflow shows as non-finite features.
    let mut mfcc = [[0.0f32; COEFFS]; FRAMES];
    for v in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY, f32::MAX] {
        FRONT_END.mfcc(&[v; 16_000], &mut mfcc);
        assert!(
            mfcc.iter()
                .all(|frame| frame.iter().any(|x| !x.is_finite())),
            "{v}"
        );
    }
    FRONT_END.mfcc(&[f32::MIN_POSITIVE; 16_000], &mut mfcc);
    assert!(mfcc.iter().flatten().all(|x| x.is_finite()));
}

#[test]
fn frames_past_the_clip_read_zeros() {
    let clip = [1000i16; 16_000];
    let mut frame = [0.0f32; MELS];
    FRONT_END.log_mel_frame(&clip, usize::MAX, &mut frame);
    assert!(frame.iter().all(|&v| v == libm::logf(1e-6)));
}
