//! What every fuzz target checks, beyond "does not panic".
//!
//! The model file has one canonical encoding, so a file that loads must be exactly the bytes this
//! crate would write for what was loaded: re-encoding it must give the input back. Anything else
//! means a changed file loaded as if it were another (a padded number, bits beyond a varint's
//! width, a length that does not count what follows). That holds for `f32` files (version 2) and
//! int8 ones (version 3), whose parameters are re-encoded here from what the untyped reader
//! shows of each layer.

use embednn::format::{
    crc32, Architecture, FileHeader, Int8Layer, Int8Params, LayerRecord, LoadError, ModelFile,
    ModelInfo, Preprocessing, QuantizedFile, Standardization, MAGIC, MAX_DIMS, MAX_LABELS,
    MAX_LABEL_BYTES, VERSION, VERSION_INT8,
};
use embednn::prelude::*;
use embednn::quant::{QModel, QParams, QStored, Quantize, Quantized};

/// The untyped reader: accepted files re-encode to themselves; every accessor works on them.
pub fn check_info(bytes: &[u8]) {
    let info = match ModelInfo::parse(bytes) {
        Ok(info) => info,
        Err(e) => {
            let _ = e.to_string();
            return;
        }
    };
    assert_eq!(info.size, bytes.len());
    assert_eq!(info.layers().count(), info.layer_count());
    assert!(info.labels().count() <= MAX_LABELS);
    assert!(info.labels().all(|l| l.len() <= MAX_LABEL_BYTES));
    assert_eq!(info.mean.len(), info.std.len());
    for layer in info.layers() {
        let _ = layer.to_string();
    }
    if let Some(int8) = info.int8 {
        assert_eq!(int8.layers().count(), info.layer_count());
        assert!(info.params.is_empty());
    }
    assert_eq!(reencode(&info), bytes, "a file re-encodes to itself");
    check_any_model(&info);
}

/// The int8 parameters of a version-3 file, encoded again from what [`Int8Params`] shows: the
/// input's quantization, each layer's values, the output's.
fn reencode_int8(int8: &Int8Params<'_>) -> Vec<u8> {
    let mut out = postcard::to_stdvec(&int8.input()).unwrap();
    for (_, layer) in int8.layers() {
        match layer {
            Int8Layer::None => {}
            Int8Layer::Weighted(w) => {
                assert_eq!(w.weights().len(), w.weight_bytes().len());
                out.extend_from_slice(w.weight_bytes());
                let biases: Vec<i32> = w.biases().collect();
                let requants: Vec<_> = w.requants().collect();
                assert_eq!((biases.len(), requants.len()), (w.channels(), w.channels()));
                for b in biases {
                    out.extend(postcard::to_stdvec(&b).unwrap());
                }
                for r in requants {
                    out.extend(postcard::to_stdvec(&r).unwrap());
                }
                out.extend(postcard::to_stdvec(&w.output).unwrap());
                if let Some(z) = w.input_zero_point {
                    out.extend(postcard::to_stdvec(&z).unwrap());
                }
            }
            Int8Layer::Clamp(c) => out.extend(postcard::to_stdvec(&c).unwrap()),
            Int8Layer::Lut(table) => out.extend_from_slice(table),
            Int8Layer::Softmax(s) => out.extend(postcard::to_stdvec(&s).unwrap()),
            Int8Layer::Add(a) => out.extend(postcard::to_stdvec(&a).unwrap()),
        }
    }
    out.extend(postcard::to_stdvec(&int8.output()).unwrap());
    out
}

/// Plans the file's layers as `embednn evaluate` does and, when they plan and fit in a few MB,
/// runs them on finite and non-finite inputs: a refusal must be an error, never a panic.
fn check_any_model(info: &ModelInfo<'_>) {
    let params: Vec<f32> = info.params.iter().collect();
    let model = match embednn::AnyModel::new(info, &params) {
        Ok(model) => model,
        Err(e) => {
            let _ = e.to_string();
            return;
        }
    };
    let _ = model.layers().count();
    if model.scratch_len() > 1 << 20 || model.input_len() > 1 << 20 {
        return;
    }
    let mut scratch = vec![0.0; model.scratch_len()];
    let mut y = vec![0.0; model.output_len()];
    for v in [0.5, f32::NAN, f32::INFINITY] {
        let x = vec![v; model.input_len()];
        model
            .forward(&x, &mut scratch, &mut y)
            .expect("slices of the planned lengths run");
    }
}

/// The file this crate writes for `info`'s contents, built from its public parts.
fn reencode(info: &ModelInfo<'_>) -> Vec<u8> {
    let part = |out: &mut Vec<u8>, bytes: Vec<u8>| out.extend_from_slice(&bytes);
    let mut body = Vec::new();
    let layers = u32::try_from(info.layer_count()).expect("layer count fits u32");
    part(
        &mut body,
        postcard::to_stdvec(&Architecture {
            fingerprint: info.fingerprint,
            layers,
        })
        .unwrap(),
    );
    for layer in info.layers() {
        let dims = heapless::Vec::<u32, MAX_DIMS>::from_slice(&layer.dims).unwrap();
        let record = LayerRecord {
            kind: layer.kind.as_str(),
            dims,
        };
        part(&mut body, postcard::to_stdvec(&record).unwrap());
    }
    let standardization = Standardization {
        mean: info.mean,
        std: info.std,
    };
    part(&mut body, postcard::to_stdvec(&standardization).unwrap());
    let labels: Vec<&str> = info.labels().collect();
    part(&mut body, postcard::to_stdvec(&labels).unwrap());
    match &info.int8 {
        Some(int8) => part(&mut body, reencode_int8(int8)),
        None => part(&mut body, postcard::to_stdvec(&info.params).unwrap()),
    }
    let mut file = postcard::to_stdvec(&FileHeader {
        magic: MAGIC,
        version: info.version,
        body_len: u32::try_from(body.len()).unwrap(),
    })
    .unwrap();
    file.extend_from_slice(&body);
    let crc = crc32(&file);
    file.extend_from_slice(&crc.to_le_bytes());
    file
}

/// The example models' int8 types.
type SineInt8 = <embednn_models::Sine as Quantize<[f32; 1]>>::Quantized;
type IrisInt8 = <embednn_models::Iris as Quantize<[f32; 4]>>::Quantized;
type DigitsMlpInt8 = <embednn_models::DigitsMlp as Quantize<[f32; 64]>>::Quantized;
type DigitsCnnInt8 = <embednn_models::DigitsCnn as Quantize<[[[f32; 1]; 8]; 8]>>::Quantized;
type GestureCnnInt8 = <embednn_models::GestureCnn as Quantize<[[f32; 3]; 64]>>::Quantized;

/// The typed loaders, for the example model types (`f32` and int8). Every load checks the CRC
/// again, so not every type is tried on every input: a refused file goes into two types of each
/// precision (the error must be the reader's), an accepted one into every type of its depth and
/// precision, and into `Sine` and its int8 twin (the mismatch paths).
pub fn check_typed(bytes: &[u8]) {
    use embednn_models::*;
    let parsed = ModelInfo::parse(bytes).map(|info| (info.layer_count(), info.int8.is_some()));
    let (depth, int8) = *parsed.as_ref().unwrap_or(&(usize::MAX, false));
    let parsed = parsed.map(|_| ());
    check_load::<Sine>(bytes, &parsed);
    check_load_int8::<SineInt8>(bytes, &parsed);
    if parsed.is_err() {
        check_load::<DigitsCnn>(bytes, &parsed);
        check_load_int8::<DigitsCnnInt8>(bytes, &parsed);
        return;
    }
    if int8 {
        try_load_int8::<IrisInt8>(bytes, depth);
        try_load_int8::<DigitsMlpInt8>(bytes, depth);
        try_load_int8::<DigitsCnnInt8>(bytes, depth);
        try_load_int8::<GestureCnnInt8>(bytes, depth);
        return;
    }
    try_load::<KerasTutorial>(bytes, depth);
    try_load::<SineHead>(bytes, depth);
    try_load::<Iris>(bytes, depth);
    try_load::<DigitsMlp>(bytes, depth);
    try_load::<DigitsHead>(bytes, depth);
    try_load::<DigitsCnn>(bytes, depth);
    try_load::<GestureCnn>(bytes, depth);
}

/// What an int8 model type needs here.
trait Int8Model: QModel + QStored + PartialEq + core::fmt::Debug + Copy
where
    Quantized<Self>: serde::Serialize + for<'de> serde::Deserialize<'de>,
{
}
impl<M: QModel + QStored + PartialEq + core::fmt::Debug + Copy> Int8Model for M where
    Quantized<M>: serde::Serialize + for<'de> serde::Deserialize<'de>
{
}

/// [`check_load_int8`] for a file the reader accepted, if it has as many layers as `M`.
fn try_load_int8<M: Int8Model>(bytes: &[u8], depth: usize)
where
    Quantized<M>: serde::Serialize + for<'de> serde::Deserialize<'de>,
{
    if <M as QStored>::DEPTH == depth {
        check_load_int8::<M>(bytes, &Ok(()));
    }
}

/// Loads `bytes` into a `Quantized<M>`: a failure leaves the model untouched and, if the untyped
/// reader already refused the file, is the same error; a success decodes exactly the stored
/// parameters, and the file is what writing the loaded model gives.
fn check_load_int8<M: Int8Model>(bytes: &[u8], parsed: &Result<(), LoadError>)
where
    Quantized<M>: serde::Serialize + for<'de> serde::Deserialize<'de>,
{
    let fresh = || Quantized {
        input: QParams::default(),
        layers: M::ZERO,
        output: QParams::default(),
    };
    let mut model = fresh();
    let info = match QuantizedFile::load_into(&mut model, bytes) {
        Ok(info) => info,
        Err(e) => {
            assert_eq!(model, fresh(), "a failed load leaves the model alone");
            if let Err(first) = parsed {
                assert_eq!(&e, first, "the typed loader reports the reader's error");
            }
            let _ = e.to_string();
            return;
        }
    };
    assert!(
        parsed.is_ok(),
        "the typed loader accepts only what the reader accepts"
    );
    let stored = info.int8.expect("an int8 file").as_bytes();
    assert_eq!(postcard::to_stdvec(&model).unwrap(), stored);
    let mean: Vec<f32> = info.mean.iter().collect();
    let std: Vec<f32> = info.std.iter().collect();
    let labels: Vec<&str> = info.labels().collect();
    let pre = Preprocessing {
        mean: &mean,
        std: &std,
        labels: &labels,
    };
    let mut out = vec![0u8; QuantizedFile::<M>::MAX_BYTES];
    let n = QuantizedFile::write(&model, &pre, &mut out).expect("a loaded int8 model writes");
    assert_eq!(&out[..n], bytes, "a loaded file is what writing it gives");
}

/// [`check_load`] for a file the reader accepted, if it has as many layers as `M`.
fn try_load<M: Model + Init + PartialEq + core::fmt::Debug>(bytes: &[u8], depth: usize) {
    if M::DEPTH == depth {
        check_load::<M>(bytes, &Ok(()));
    }
}

/// Loads `bytes` into an `M`: a failure leaves the model untouched and, if the untyped reader
/// already refused the file, is the same error; a success copies every parameter bit and the file
/// is what writing the loaded model gives.
fn check_load<M: Model + Init + PartialEq + core::fmt::Debug>(
    bytes: &[u8],
    parsed: &Result<(), LoadError>,
) {
    let fresh = || M::init(Initializer::Zeros, &mut Rng::seed(0));
    let mut model = fresh();
    let info = match ModelFile::load_into(&mut model, bytes) {
        Ok(info) => info,
        Err(e) => {
            assert_eq!(model, fresh(), "a failed load leaves the model alone");
            if let Err(first) = parsed {
                assert_eq!(&e, first, "the typed loader reports the reader's error");
            }
            let _ = e.to_string();
            return;
        }
    };
    assert!(
        parsed.is_ok(),
        "the typed loader accepts only what the reader accepts"
    );
    let mut loaded = Vec::with_capacity(M::PARAMS);
    model.for_each_param(&mut |_, values| loaded.extend(values.iter().map(|v| v.to_bits())));
    let stored: Vec<u32> = info.params.iter().map(f32::to_bits).collect();
    assert_eq!(loaded, stored, "every parameter bit is copied");

    let mean: Vec<f32> = info.mean.iter().collect();
    let std: Vec<f32> = info.std.iter().collect();
    let labels: Vec<&str> = info.labels().collect();
    let pre = Preprocessing {
        mean: &mean,
        std: &std,
        labels: &labels,
    };
    let mut out = vec![0u8; ModelFile::<M>::MAX_BYTES];
    let n =
        ModelFile::write_keeping_non_finite(&model, &pre, &mut out).expect("a loaded model writes");
    assert_eq!(&out[..n], bytes, "a loaded file is what writing it gives");
}

/// `body` between a valid version-2 header (its length) and a correct CRC, so the body decoder
/// itself is what the fuzzer reaches.
pub fn frame(body: &[u8]) -> Vec<u8> {
    frame_version(body, VERSION)
}

/// [`frame`] for an int8 body (version 3).
pub fn frame_int8(body: &[u8]) -> Vec<u8> {
    frame_version(body, VERSION_INT8)
}

fn frame_version(body: &[u8], version: u16) -> Vec<u8> {
    let header = FileHeader {
        magic: MAGIC,
        version,
        body_len: u32::try_from(body.len()).unwrap_or(u32::MAX),
    };
    let mut file = postcard::to_stdvec(&header).unwrap();
    file.extend_from_slice(body);
    let crc = crc32(&file);
    file.extend_from_slice(&crc.to_le_bytes());
    file
}
