//! The committed keyword-spotting features in `data/kws/` (see its README): counts and shapes,
//! and that embednn's front end recomputes them from the committed WAVs bit for bit.
//!
//! `generate` (ignored) is how the features were made from the WAVs `scripts/kws_data.py` speaks:
//!
//! ```text
//! python3 scripts/kws_data.py /tmp/kws_wav
//! KWS_WAV_DIR=/tmp/kws_wav cargo test --release --test audio_kws_data -- --ignored generate
//! ```

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use embednn::audio::KwsFrontEnd;

const FRONT_END: KwsFrontEnd = KwsFrontEnd::new();
const FRAMES: usize = 49;
const COEFFS: usize = 10;
type Mfcc = [[f32; COEFFS]; FRAMES];

const CLASSES: [&str; 12] = [
    "silence", "unknown", "yes", "no", "up", "down", "left", "right", "on", "off", "stop", "go",
];
/// Clips per class: 6 accents × 7 variants × 4 renditions (train), 2 × 3 × 5 (test).
const TRAIN_PER_CLASS: usize = 168;
const TEST_PER_CLASS: usize = 30;

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data/kws")
}

/// A 16 kHz mono 16-bit PCM WAV of exactly one second (the chunk layout sox and Python's
/// `wave` write: RIFF, `fmt `, then `data`, other chunks skipped).
fn read_wav(path: &Path) -> Box<[i16; 16_000]> {
    let bytes = fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(&bytes[0..4], b"RIFF", "{}", path.display());
    assert_eq!(&bytes[8..12], b"WAVE", "{}", path.display());
    let mut at = 12;
    let mut format = None;
    while at + 8 <= bytes.len() {
        let id = &bytes[at..at + 4];
        let len = u32::from_le_bytes(bytes[at + 4..at + 8].try_into().unwrap()) as usize;
        let body = &bytes[at + 8..(at + 8 + len).min(bytes.len())];
        if id == b"fmt " {
            let u16_at = |i: usize| u16::from_le_bytes([body[i], body[i + 1]]);
            let rate = u32::from_le_bytes(body[4..8].try_into().unwrap());
            format = Some((u16_at(0), u16_at(2), rate, u16_at(14)));
        } else if id == b"data" {
            assert_eq!(
                format,
                Some((1, 1, 16_000, 16)),
                "{}: not 16 kHz mono PCM16",
                path.display()
            );
            assert_eq!(body.len(), 32_000, "{}: not 1 s", path.display());
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

fn mfcc(pcm: &[i16; 16_000]) -> Mfcc {
    let mut out = [[0.0; COEFFS]; FRAMES];
    FRONT_END.mfcc(pcm, &mut out);
    out
}

/// IEEE binary16 bits of `x`, rounded to nearest, ties to even (what numpy's `astype(float16)`
/// does); NaN stays NaN, overflow goes to infinity.
fn f16_bits(x: f32) -> u16 {
    let bits = x.to_bits();
    let sign = ((bits >> 16) & 0x8000) as u16;
    let exp = ((bits >> 23) & 0xff) as i32;
    let man = bits & 0x7f_ffff;
    if exp == 0xff {
        return sign | 0x7c00 | if man != 0 { 0x200 } else { 0 };
    }
    let e = exp - 127 + 15;
    if e >= 0x1f {
        return sign | 0x7c00;
    }
    // Normal results keep 10 mantissa bits; subnormal ones fewer. Round the dropped bits.
    let (man, shift) = if e <= 0 {
        if e < -10 {
            return sign;
        }
        (man | 0x80_0000, (14 - e) as u32)
    } else {
        (man, 13)
    };
    let mut half = man >> shift;
    let rest = man & ((1 << shift) - 1);
    let halfway = 1 << (shift - 1);
    if rest > halfway || (rest == halfway && half & 1 == 1) {
        half += 1;
    }
    if e <= 0 {
        sign | half as u16
    } else {
        // A carry out of the mantissa bumps the exponent, as it should.
        sign | ((((e as u32) << 10) + half) as u16)
    }
}

fn f16_to_f32(h: u16) -> f32 {
    let sign = if h & 0x8000 != 0 { -1.0 } else { 1.0 };
    let exp = i32::from((h >> 10) & 0x1f);
    let man = f32::from(h & 0x3ff);
    match exp {
        0 => sign * man * 2f32.powi(-24),
        0x1f if man == 0.0 => sign * f32::INFINITY,
        0x1f => f32::NAN,
        _ => sign * (1.0 + man / 1024.0) * 2f32.powi(exp - 15),
    }
}

/// One row of `clips.csv`.
struct Clip {
    split: String,
    label: String,
    fields: BTreeMap<String, String>,
}

fn read_clips(path: &Path) -> Vec<Clip> {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("header").split(',').collect();
    lines
        .filter(|l| !l.is_empty())
        .map(|line| {
            let fields: BTreeMap<String, String> = header
                .iter()
                .zip(line.split(','))
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            Clip {
                split: fields["split"].clone(),
                label: fields["label"].clone(),
                fields,
            }
        })
        .collect()
}

fn read_f16(path: &Path) -> Vec<u16> {
    let bytes = fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    bytes
        .chunks_exact(2)
        .map(|b| u16::from_le_bytes([b[0], b[1]]))
        .collect()
}

#[test]
fn committed_features_have_the_documented_counts_and_shapes() {
    let clips = read_clips(&data_dir().join("clips.csv"));
    let features = read_f16(&data_dir().join("mfcc.f16"));
    assert_eq!(
        features.len(),
        clips.len() * FRAMES * COEFFS,
        "mfcc.f16 holds one [49][10] per clip"
    );
    for (split, want) in [("train", TRAIN_PER_CLASS), ("test", TEST_PER_CLASS)] {
        for class in CLASSES {
            let n = clips
                .iter()
                .filter(|c| c.split == split && c.label == class)
                .count();
            assert_eq!(n, want, "{split} {class}");
        }
    }
    assert_eq!(clips.len(), 12 * (TRAIN_PER_CLASS + TEST_PER_CLASS));
    // Held-out voices: no accent or variant of the test split is in the training split.
    let voices = |split: &str| -> std::collections::BTreeSet<String> {
        clips
            .iter()
            .filter(|c| c.split == split && !c.fields["voice"].is_empty())
            .map(|c| c.fields["voice"].clone())
            .collect()
    };
    let (train, test) = (voices("train"), voices("test"));
    assert_eq!((train.len(), test.len()), (42, 6));
    for v in &test {
        let (accent, variant) = v.split_once('+').unwrap_or((v, ""));
        for t in &train {
            let (train_accent, train_variant) = t.split_once('+').unwrap_or((t, ""));
            assert_ne!(
                accent, train_accent,
                "{v} shares an accent with training voice {t}"
            );
            assert_ne!(
                variant, train_variant,
                "{v} shares a variant with training voice {t}"
            );
        }
    }
    // Every feature is finite and in the range log-mels of 16-bit audio can give.
    let values: Vec<f32> = features.iter().map(|&h| f16_to_f32(h)).collect();
    assert!(values.iter().all(|v| v.is_finite() && v.abs() < 200.0));
    // c0 (the scaled mean log-mel) separates silence from speech on average.
    let mean_c0 = |class: &str| {
        let rows: Vec<usize> = (0..clips.len())
            .filter(|&i| clips[i].label == class)
            .collect();
        let sum: f32 = rows
            .iter()
            .flat_map(|&i| (0..FRAMES).map(move |t| (i * FRAMES + t) * COEFFS))
            .map(|at| values[at])
            .sum();
        sum / (rows.len() * FRAMES) as f32
    };
    assert!(mean_c0("silence") < mean_c0("yes"));
}

#[test]
fn front_end_recomputes_the_committed_features_bit_for_bit() {
    let clips = read_clips(&data_dir().join("clips.csv"));
    let features = read_f16(&data_dir().join("mfcc.f16"));
    let exact = fs::read(data_dir().join("wav/mfcc.f32")).expect("data/kws/wav/mfcc.f32");
    let committed: Vec<(usize, &Clip)> = clips
        .iter()
        .enumerate()
        .filter(|(_, c)| !c.fields["wav"].is_empty())
        .collect();
    assert_eq!(committed.len(), 12, "one committed WAV per class");
    assert_eq!(exact.len(), committed.len() * FRAMES * COEFFS * 4);
    for (n, (index, clip)) in committed.iter().enumerate() {
        let path = data_dir().join("wav").join(&clip.fields["wav"]);
        let pcm = read_wav(&path);
        let ours = mfcc(&pcm);
        // The same clip read as little-endian byte pairs straight from the file (as firmware
        // reads a WAV in flash) gives the same bits.
        let bytes = fs::read(&path).unwrap();
        let pairs: Vec<[u8; 2]> = bytes[bytes.len() - 32_000..]
            .chunks_exact(2)
            .map(|b| [b[0], b[1]])
            .collect();
        let pairs: &[[u8; 2]; 16_000] = pairs.as_slice().try_into().unwrap();
        let mut from_bytes = [[0.0f32; COEFFS]; FRAMES];
        FRONT_END.mfcc(pairs, &mut from_bytes);
        assert_eq!(
            from_bytes.map(|f| f.map(f32::to_bits)),
            ours.map(|f| f.map(f32::to_bits))
        );
        for (t, frame) in ours.iter().enumerate() {
            for (j, &v) in frame.iter().enumerate() {
                let at = t * COEFFS + j;
                let b = &exact[(n * FRAMES * COEFFS + at) * 4..][..4];
                let want = u32::from_le_bytes(b.try_into().unwrap());
                assert_eq!(
                    v.to_bits(),
                    want,
                    "{} frame {t} coeff {j}",
                    clip.fields["wav"]
                );
                let half = features[index * FRAMES * COEFFS + at];
                assert_eq!(
                    f16_bits(v),
                    half,
                    "{} in mfcc.f16, frame {t} coeff {j}",
                    clip.fields["wav"]
                );
            }
        }
    }
}

#[test]
fn f16_rounding_matches_ieee() {
    for (x, h) in [
        (0.0f32, 0x0000u16),
        (-0.0, 0x8000),
        (1.0, 0x3c00),
        (-2.5, 0xc100),
        (65504.0, 0x7bff),
        (65520.0, 0x7c00),            // rounds up to infinity
        (1.0 + 1.0 / 2048.0, 0x3c00), // tie to even
        (1.0 + 3.0 / 2048.0, 0x3c02), // tie to even, upwards
        (5.960_464_5e-8, 0x0001),     // smallest subnormal
        (-13.815_511, 0xcae8),
    ] {
        assert_eq!(f16_bits(x), h, "{x}");
    }
    for h in [0x0001u16, 0x03ff, 0x0400, 0x3c00, 0x3c01, 0xcae8, 0x7bff] {
        assert_eq!(f16_bits(f16_to_f32(h)), h);
    }
}

/// Computes `data/kws/mfcc.f16`, `clips.csv` and the committed WAVs from a directory written by
/// `scripts/kws_data.py` (`KWS_WAV_DIR`).
#[test]
#[ignore = "needs the WAVs of scripts/kws_data.py in KWS_WAV_DIR"]
fn generate() {
    let source = PathBuf::from(std::env::var("KWS_WAV_DIR").expect("set KWS_WAV_DIR"));
    let clips = read_clips(&source.join("clips.csv"));
    let out = data_dir();
    fs::create_dir_all(out.join("wav")).unwrap();
    // One held-out clip of each class (the first of its class in the test split) is committed.
    let mut keep: BTreeMap<usize, String> = BTreeMap::new();
    for class in CLASSES {
        let i = clips
            .iter()
            .position(|c| c.split == "test" && c.label == class)
            .expect("a test clip of every class");
        keep.insert(i, format!("{class}.wav"));
    }
    let mut half = Vec::with_capacity(clips.len() * FRAMES * COEFFS * 2);
    let mut exact = Vec::new();
    let mut csv = String::new();
    let header: Vec<&String> = clips[0]
        .fields
        .keys()
        .filter(|k| k.as_str() != "file")
        .collect();
    let columns = [
        "split",
        "label",
        "word",
        "voice",
        "speed",
        "pitch",
        "noise",
        "snr_db",
        "start_s",
        "level_dbfs",
    ];
    assert_eq!(
        header.len(),
        columns.len(),
        "clips.csv columns changed: {header:?}"
    );
    csv.push_str(&columns.join(","));
    csv.push_str(",wav\n");
    for (i, clip) in clips.iter().enumerate() {
        let path = source.join(&clip.fields["file"]);
        let features = mfcc(&read_wav(&path));
        for v in features.iter().flatten() {
            half.extend_from_slice(&f16_bits(*v).to_le_bytes());
        }
        let row: Vec<&str> = columns.iter().map(|c| clip.fields[*c].as_str()).collect();
        csv.push_str(&row.join(","));
        csv.push(',');
        if let Some(name) = keep.get(&i) {
            fs::copy(&path, out.join("wav").join(name)).unwrap();
            for v in features.iter().flatten() {
                exact.extend_from_slice(&v.to_le_bytes());
            }
            csv.push_str(name);
        }
        csv.push('\n');
    }
    fs::write(out.join("mfcc.f16"), half).unwrap();
    fs::write(out.join("wav/mfcc.f32"), exact).unwrap();
    fs::write(out.join("clips.csv"), csv).unwrap();
    println!("{} clips", clips.len());
}
