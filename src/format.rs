//! The model file: weights plus everything needed to use them, checked end to end.
//!
//! A model file is what the host trainer writes and the firmware embeds with `include_bytes!`.
//! It is self-describing and defensive:
//!
//! | bytes | field | encoding |
//! |---|---|---|
//! | 4 | magic `ENNM` | raw |
//! | 2 | format version (1) | `u16` little-endian |
//! | 4 | body length *n* | `u32` little-endian |
//! | *n* | body | postcard, see below |
//! | 4 | CRC-32 (IEEE) of everything before it | `u32` little-endian |
//!
//! The body, in postcard: the architecture fingerprint (`u64`), the layer descriptors (count,
//! then for each layer its kind name and its defining sizes), the preprocessing (feature means,
//! feature standard deviations, output labels), then the parameters (count, then `f32`s in the
//! order of [`Params::for_each_param`](crate::Params::for_each_param)).
//!
//! Loading ([`ModelFile::load_into`]) checks, in order: length, magic, version, CRC, the
//! architecture layer by layer against the model type, the parameter count, and that nothing
//! trails — and only then writes the parameters, so a model is never left half-loaded. Every
//! failure is a [`LoadError`] that says what is wrong (which layer differs, how many bytes are
//! missing); nothing panics, whatever the bytes. Nothing is copied except the parameters: labels
//! and preprocessing are read straight from the borrowed bytes.
//!
//! ```
//! use embednn::prelude::*;
//! use embednn::format::{ModelFile, Preprocessing};
//!
//! type Net = (Dense<2, 4>, Relu, Dense<4, 3>);
//! let net = Net::init(Initializer::GlorotUniform, &mut Rng::seed(1));
//! let pre = Preprocessing { mean: &[1.0, 2.0], std: &[0.5, 0.5], labels: &["a", "b", "c"] };
//!
//! let mut buf = [0u8; ModelFile::<Net>::MAX_BYTES];
//! let n = ModelFile::write(&net, &pre, &mut buf).unwrap();
//!
//! let mut loaded = Net::init(Initializer::Zeros, &mut Rng::seed(0));
//! let info = ModelFile::load_into(&mut loaded, &buf[..n]).unwrap();
//! assert_eq!(loaded, net);
//! assert_eq!(info.labels().nth(2), Some("c"));
//! ```

// `LoadError` carries layer descriptors by value (no heap); see its docs.
#![allow(clippy::result_large_err)]

use core::fmt;
use core::marker::PhantomData;

use crate::layer::LayerInfo;
use crate::model::Model;
use crate::tensor::Tensor;

/// The four bytes every model file starts with.
pub const MAGIC: [u8; 4] = *b"ENNM";
/// The format version this crate writes and reads.
pub const VERSION: u16 = 1;
/// Bytes before the body: magic, version, body length.
const HEADER: usize = 4 + 2 + 4;
/// Bytes after the body: the CRC.
const TRAILER: usize = 4;
/// Longest layer kind name stored.
const MAX_KIND: usize = 32;
/// Most sizes stored per layer.
const MAX_DIMS: usize = 16;

/// The preprocessing a model expects, stored alongside its weights.
///
/// `mean` and `std` are per input feature (empty when the inputs are used as they are): the
/// firmware applies `(x − mean) / std` before `predict`. `labels` names the outputs (class names
/// of a classifier), empty when unknown.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Preprocessing<'a> {
    /// Per-feature mean to subtract.
    pub mean: &'a [f32],
    /// Per-feature standard deviation to divide by.
    pub std: &'a [f32],
    /// Output names.
    pub labels: &'a [&'a str],
}

/// One layer's identity as stored in a file: kind and defining sizes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LayerDesc {
    /// Layer kind, e.g. `Dense`.
    pub kind: heapless::String<MAX_KIND>,
    /// The sizes that define it, e.g. `[16, 1]` for `Dense<16, 1>`.
    pub dims: heapless::Vec<u32, MAX_DIMS>,
}

impl LayerDesc {
    fn of(info: &LayerInfo) -> Self {
        let mut kind = heapless::String::new();
        for c in info.kind.chars() {
            if kind.push(c).is_err() {
                break;
            }
        }
        let mut dims = heapless::Vec::new();
        for &d in info.dims {
            if dims.push(u32::try_from(d).unwrap_or(u32::MAX)).is_err() {
                break;
            }
        }
        LayerDesc { kind, dims }
    }
}

impl fmt::Display for LayerDesc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.kind)?;
        if !self.dims.is_empty() {
            f.write_str("<")?;
            for (i, d) in self.dims.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                write!(f, "{d}")?;
            }
            f.write_str(">")?;
        }
        Ok(())
    }
}

/// Why a model file could not be loaded.
///
/// Without a heap, a mismatch carries both layer descriptors by value, which makes this enum about
/// 200 bytes; it is returned once, at load time, so the size is accepted.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LoadError {
    /// Fewer bytes than the header says (or than a header).
    Truncated {
        /// Bytes the file should have.
        expected: usize,
        /// Bytes given.
        found: usize,
    },
    /// More bytes than the header says.
    TrailingBytes {
        /// Bytes beyond the end of the file.
        extra: usize,
    },
    /// The first four bytes are not `ENNM`: not a model file.
    BadMagic([u8; 4]),
    /// A format version this crate does not read.
    UnsupportedVersion(u16),
    /// The content does not match its CRC: the file is corrupt.
    BadCrc {
        /// CRC stored in the file.
        stored: u32,
        /// CRC of the bytes given.
        computed: u32,
    },
    /// The body could not be decoded although its CRC matched (written by something else).
    Malformed(&'static str),
    /// The file describes a different number of layers than the model type has.
    LayerCount {
        /// Layers in the model type.
        expected: usize,
        /// Layers in the file.
        found: usize,
    },
    /// A layer in the file differs from the model type's layer at the same position.
    ArchitectureMismatch {
        /// Position of the first differing layer (0-based).
        layer: usize,
        /// What the model type has there.
        expected: LayerDesc,
        /// What the file has there.
        found: LayerDesc,
    },
    /// Same layers, different fingerprint: the file's fingerprint field is inconsistent.
    FingerprintMismatch {
        /// Fingerprint of the model type.
        expected: u64,
        /// Fingerprint in the file.
        found: u64,
    },
    /// The file holds a different number of parameters than the model type.
    ParamCount {
        /// Parameters of the model type.
        expected: usize,
        /// Parameters in the file.
        found: usize,
    },
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::Truncated { expected, found } => {
                write!(f, "model file truncated: {found} bytes, expected {expected}")
            }
            LoadError::TrailingBytes { extra } => {
                write!(f, "{extra} unexpected bytes after the end of the model file")
            }
            LoadError::BadMagic(m) => write!(f, "not a model file (starts with {m:02x?}, not ENNM)"),
            LoadError::UnsupportedVersion(v) => {
                write!(f, "model file format version {v} is not supported (this build reads {VERSION})")
            }
            LoadError::BadCrc { stored, computed } => write!(
                f,
                "model file is corrupt: CRC-32 {computed:08x} does not match the stored {stored:08x}"
            ),
            LoadError::Malformed(what) => write!(f, "model file body is malformed: {what}"),
            LoadError::LayerCount { expected, found } => write!(
                f,
                "architecture mismatch: the file has {found} layers, the model type has {expected}"
            ),
            LoadError::ArchitectureMismatch { layer, expected, found } => write!(
                f,
                "architecture mismatch at layer {layer}: the file has {found}, the model type has {expected}"
            ),
            LoadError::FingerprintMismatch { expected, found } => write!(
                f,
                "architecture fingerprint {found:016x} in the file, {expected:016x} expected"
            ),
            LoadError::ParamCount { expected, found } => write!(
                f,
                "the file has {found} parameters, the model type has {expected}"
            ),
        }
    }
}

impl core::error::Error for LoadError {}

/// Why a model file could not be written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SaveError {
    /// The output buffer is too small.
    BufferTooSmall {
        /// Bytes needed.
        needed: usize,
        /// Bytes available.
        available: usize,
    },
    /// `mean` or `std` is neither empty nor one value per input feature.
    PreprocessingLength {
        /// Input features of the model.
        expected: usize,
        /// Values given.
        found: usize,
    },
    /// More labels than [`ModelFile::MAX_LABELS`].
    TooManyLabels(usize),
    /// A label longer than [`ModelFile::MAX_LABEL_BYTES`] bytes.
    LabelTooLong(usize),
}

impl fmt::Display for SaveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SaveError::BufferTooSmall { needed, available } => {
                write!(f, "model file needs {needed} bytes, buffer has {available}")
            }
            SaveError::PreprocessingLength { expected, found } => write!(
                f,
                "preprocessing has {found} values, the model has {expected} input features"
            ),
            SaveError::TooManyLabels(n) => write!(f, "{n} labels, at most {} fit", MAX_LABELS),
            SaveError::LabelTooLong(n) => {
                write!(f, "a label of {n} bytes, at most {} fit", MAX_LABEL_BYTES)
            }
        }
    }
}

impl core::error::Error for SaveError {}

const MAX_LABELS: usize = 64;
const MAX_LABEL_BYTES: usize = 32;

/// The architecture fingerprint of model type `M`: FNV-1a (64-bit) over each layer's kind and
/// defining sizes. Freezing a layer does not change it.
pub fn fingerprint<M: Model>() -> u64 {
    let mut hash = Fnv::new();
    M::layers(&mut |info| {
        let desc = LayerDesc::of(&info);
        hash.write(desc.kind.as_bytes());
        hash.write(&[0]);
        for d in &desc.dims {
            hash.write(&d.to_le_bytes());
        }
        hash.write(&[0xff]);
    });
    hash.0
}

struct Fnv(u64);
impl Fnv {
    const fn new() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
}

/// Reading and writing model files for model type `M`.
pub struct ModelFile<M>(PhantomData<M>);

impl<M: Model> ModelFile<M> {
    /// Most labels a file can carry.
    pub const MAX_LABELS: usize = MAX_LABELS;
    /// Longest label, in bytes.
    pub const MAX_LABEL_BYTES: usize = MAX_LABEL_BYTES;
    /// The largest file a model of type `M` can produce (with the most and longest labels):
    /// a buffer of this size always suffices for [`ModelFile::write`].
    pub const MAX_BYTES: usize = HEADER
        + TRAILER
        + 10 // fingerprint
        + 10 // layer count
        + M::DEPTH * (1 + MAX_KIND + 1 + MAX_DIMS * 5)
        + 2 * (5 + 4 * <M::Input as crate::buffer::Buffer>::LEN)
        + 2 + MAX_LABELS * (1 + MAX_LABEL_BYTES)
        + 10 + 4 * M::PARAMS;

    /// Exact size of the file [`ModelFile::write`] produces for this preprocessing.
    pub fn encoded_len(pre: &Preprocessing<'_>) -> usize {
        let mut counter = Counter(0);
        write_body::<M, _>(None, pre, &mut counter);
        HEADER + counter.0 + TRAILER
    }

    /// Writes `model` and `pre` into `out`; returns the number of bytes written.
    pub fn write(model: &M, pre: &Preprocessing<'_>, out: &mut [u8]) -> Result<usize, SaveError> {
        let input_len = <M::Input as crate::buffer::Buffer>::LEN;
        for values in [pre.mean, pre.std] {
            if !values.is_empty() && values.len() != input_len {
                return Err(SaveError::PreprocessingLength {
                    expected: input_len,
                    found: values.len(),
                });
            }
        }
        if pre.labels.len() > MAX_LABELS {
            return Err(SaveError::TooManyLabels(pre.labels.len()));
        }
        if let Some(long) = pre.labels.iter().find(|l| l.len() > MAX_LABEL_BYTES) {
            return Err(SaveError::LabelTooLong(long.len()));
        }
        let needed = Self::encoded_len(pre);
        if out.len() < needed {
            return Err(SaveError::BufferTooSmall {
                needed,
                available: out.len(),
            });
        }
        let body_len = needed - HEADER - TRAILER;
        let mut w = SliceWriter { out, pos: 0 };
        w.put(&MAGIC);
        w.put(&VERSION.to_le_bytes());
        w.put(&(body_len as u32).to_le_bytes());
        write_body::<M, _>(Some(model), pre, &mut w);
        let end = w.pos;
        let crc = crc32(w.out.get(..end).unwrap_or(&[]));
        w.put(&crc.to_le_bytes());
        Ok(w.pos)
    }

    /// Checks `bytes` against model type `M` and, only if everything matches, copies the
    /// parameters into `model`. Returns the file's metadata, borrowing from `bytes`.
    pub fn load_into<'a>(model: &mut M, bytes: &'a [u8]) -> Result<ModelInfo<'a>, LoadError> {
        let info = ModelInfo::parse(bytes)?;
        info.check_architecture::<M>()?;
        if info.params.len() != M::PARAMS {
            return Err(LoadError::ParamCount {
                expected: M::PARAMS,
                found: info.params.len(),
            });
        }
        let mut values = info.params.iter();
        model.for_each_param_mut(&mut |_, slice| {
            for (p, v) in slice.iter_mut().zip(&mut values) {
                *p = v;
            }
        });
        Ok(info)
    }

    /// Writes the file to `path` atomically: a temporary file in the same directory, flushed to
    /// disk, then renamed over `path`, so a crash never leaves a half-written model.
    #[cfg(feature = "std")]
    pub fn save(model: &M, pre: &Preprocessing<'_>, path: &std::path::Path) -> std::io::Result<()> {
        use std::io::Write;
        let mut bytes = std::vec![0u8; Self::encoded_len(pre)];
        let n = Self::write(model, pre, &mut bytes)
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
        bytes.truncate(n);
        let dir = path.parent().filter(|p| !p.as_os_str().is_empty());
        let dir = dir.unwrap_or_else(|| std::path::Path::new("."));
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default();
        let tmp = dir.join(std::format!(".{name}.{}.tmp", std::process::id()));
        let result = (|| {
            let mut file = std::fs::File::create(&tmp)?;
            file.write_all(&bytes)?;
            file.sync_all()?;
            std::fs::rename(&tmp, path)
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        result
    }
}

/// Where encoded bytes go: a slice, or nowhere (to count them).
trait Sink {
    fn put(&mut self, bytes: &[u8]);
}

struct Counter(usize);
impl Sink for Counter {
    fn put(&mut self, bytes: &[u8]) {
        self.0 += bytes.len();
    }
}

struct SliceWriter<'a> {
    out: &'a mut [u8],
    pos: usize,
}
impl Sink for SliceWriter<'_> {
    fn put(&mut self, bytes: &[u8]) {
        let end = self.pos + bytes.len();
        if let Some(dst) = self.out.get_mut(self.pos..end) {
            dst.copy_from_slice(bytes);
        }
        self.pos = end;
    }
}

fn put_varint(sink: &mut impl Sink, mut v: u64) {
    let mut buf = [0u8; 10];
    let mut n = 0;
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        if let Some(slot) = buf.get_mut(n) {
            *slot = if v == 0 { byte } else { byte | 0x80 };
        }
        n += 1;
        if v == 0 || n == buf.len() {
            break;
        }
    }
    sink.put(buf.get(..n).unwrap_or(&[]));
}

fn put_str(sink: &mut impl Sink, s: &str) {
    put_varint(sink, s.len() as u64);
    sink.put(s.as_bytes());
}

fn put_floats(sink: &mut impl Sink, values: &[f32]) {
    put_varint(sink, values.len() as u64);
    for v in values {
        sink.put(&v.to_le_bytes());
    }
}

/// The postcard body; parameters are streamed from `model` (or counted when it is `None`).
fn write_body<M: Model, S: Sink>(model: Option<&M>, pre: &Preprocessing<'_>, sink: &mut S) {
    put_varint(sink, fingerprint::<M>());
    put_varint(sink, M::DEPTH as u64);
    M::layers(&mut |info| {
        let desc = LayerDesc::of(&info);
        put_str(sink, &desc.kind);
        put_varint(sink, desc.dims.len() as u64);
        for &d in &desc.dims {
            put_varint(sink, u64::from(d));
        }
    });
    put_floats(sink, pre.mean);
    put_floats(sink, pre.std);
    put_varint(sink, pre.labels.len() as u64);
    for label in pre.labels {
        put_str(sink, label);
    }
    put_varint(sink, M::PARAMS as u64);
    match model {
        Some(model) => model.for_each_param(&mut |_, values| {
            for v in values {
                sink.put(&v.to_le_bytes());
            }
        }),
        None => {
            for _ in 0..M::PARAMS {
                sink.put(&[0; 4]);
            }
        }
    }
}

/// A run of little-endian `f32`s borrowed from a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Floats<'a>(&'a [u8]);

impl<'a> Floats<'a> {
    /// Number of values.
    pub fn len(&self) -> usize {
        self.0.len() / 4
    }
    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    /// Value `i`, if there is one.
    pub fn get(&self, i: usize) -> Option<f32> {
        self.0.chunks_exact(4).nth(i).map(le_f32)
    }
    /// The values in order.
    pub fn iter(&self) -> impl Iterator<Item = f32> + 'a {
        self.0.chunks_exact(4).map(le_f32)
    }
}

fn le_f32(b: &[u8]) -> f32 {
    f32::from_le_bytes(b.first_chunk::<4>().copied().unwrap_or_default())
}

/// A model file's contents, read without a model type (for inspection) and borrowed from the
/// bytes: header fields, layer descriptors, preprocessing and parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ModelInfo<'a> {
    /// Format version.
    pub version: u16,
    /// Architecture fingerprint stored in the file.
    pub fingerprint: u64,
    /// The CRC-32 stored (and verified).
    pub crc: u32,
    /// Total size of the file in bytes.
    pub size: usize,
    layer_count: usize,
    layers: &'a [u8],
    /// Per-feature means (empty if none).
    pub mean: Floats<'a>,
    /// Per-feature standard deviations (empty if none).
    pub std: Floats<'a>,
    label_count: usize,
    labels: &'a [u8],
    /// The parameters, in [`Params::for_each_param`](crate::Params::for_each_param) order.
    pub params: Floats<'a>,
}

/// A cursor over a body, decoding postcard varints, strings and raw runs.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn varint(&mut self) -> Result<u64, LoadError> {
        let mut value = 0u64;
        for i in 0..10 {
            let (&byte, rest) = self
                .0
                .split_first()
                .ok_or(LoadError::Malformed("ends inside a number"))?;
            self.0 = rest;
            value |= u64::from(byte & 0x7f) << (7 * i);
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(LoadError::Malformed("number too long"))
    }
    fn count(&mut self, max: usize) -> Result<usize, LoadError> {
        let n = self.varint()?;
        usize::try_from(n)
            .ok()
            .filter(|&n| n <= max)
            .ok_or(LoadError::Malformed("count larger than the file"))
    }
    fn take(&mut self, n: usize) -> Result<&'a [u8], LoadError> {
        if n > self.0.len() {
            return Err(LoadError::Malformed("a field runs past the end"));
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }
    fn str(&mut self) -> Result<&'a str, LoadError> {
        let n = self.count(self.0.len())?;
        core::str::from_utf8(self.take(n)?).map_err(|_| LoadError::Malformed("a name is not UTF-8"))
    }
    fn floats(&mut self) -> Result<Floats<'a>, LoadError> {
        let n = self.count(self.0.len() / 4)?;
        Ok(Floats(self.take(n * 4)?))
    }
    fn layer(&mut self) -> Result<LayerDesc, LoadError> {
        let kind = self.str()?;
        let mut desc = LayerDesc {
            kind: heapless::String::new(),
            dims: heapless::Vec::new(),
        };
        desc.kind
            .push_str(kind)
            .map_err(|_| LoadError::Malformed("layer name too long"))?;
        let n = self.count(MAX_DIMS)?;
        for _ in 0..n {
            let d = u32::try_from(self.varint()?)
                .map_err(|_| LoadError::Malformed("layer size too large"))?;
            let _ = desc.dims.push(d);
        }
        Ok(desc)
    }
}

impl<'a> ModelInfo<'a> {
    /// Checks the framing (length, magic, version, CRC) and decodes the body.
    pub fn parse(bytes: &'a [u8]) -> Result<Self, LoadError> {
        let header: &[u8; HEADER] = bytes.first_chunk().ok_or(LoadError::Truncated {
            expected: HEADER + TRAILER,
            found: bytes.len(),
        })?;
        let magic = [header[0], header[1], header[2], header[3]];
        if magic != MAGIC {
            return Err(LoadError::BadMagic(magic));
        }
        let version = u16::from_le_bytes([header[4], header[5]]);
        if version != VERSION {
            return Err(LoadError::UnsupportedVersion(version));
        }
        let body_len = u32::from_le_bytes([header[6], header[7], header[8], header[9]]) as usize;
        let total = HEADER.saturating_add(body_len).saturating_add(TRAILER);
        if bytes.len() < total {
            return Err(LoadError::Truncated {
                expected: total,
                found: bytes.len(),
            });
        }
        if bytes.len() > total {
            return Err(LoadError::TrailingBytes {
                extra: bytes.len() - total,
            });
        }
        let (content, crc_bytes) = bytes
            .split_last_chunk::<TRAILER>()
            .ok_or(LoadError::Malformed("no CRC"))?;
        let stored = u32::from_le_bytes(*crc_bytes);
        let computed = crc32(content);
        if stored != computed {
            return Err(LoadError::BadCrc { stored, computed });
        }

        let mut r = Reader(content.get(HEADER..).unwrap_or_default());
        let fingerprint = r.varint()?;
        let layer_count = r.count(r.0.len())?;
        let layers_start = r.0;
        for _ in 0..layer_count {
            r.layer()?;
        }
        let layers = consumed(layers_start, r.0);
        let mean = r.floats()?;
        let std = r.floats()?;
        let label_count = r.count(r.0.len())?;
        let labels_start = r.0;
        for _ in 0..label_count {
            r.str()?;
        }
        let labels = consumed(labels_start, r.0);
        let params = r.floats()?;
        if !r.0.is_empty() {
            return Err(LoadError::Malformed("bytes after the parameters"));
        }
        Ok(ModelInfo {
            version,
            fingerprint,
            crc: stored,
            size: bytes.len(),
            layer_count,
            layers,
            mean,
            std,
            label_count,
            labels,
            params,
        })
    }

    /// The layer descriptors, in order.
    pub fn layers(&self) -> impl Iterator<Item = LayerDesc> + 'a {
        let mut r = Reader(self.layers);
        (0..self.layer_count).map_while(move |_| r.layer().ok())
    }

    /// The output labels, in order.
    pub fn labels(&self) -> impl Iterator<Item = &'a str> + 'a {
        let mut r = Reader(self.labels);
        (0..self.label_count).map_while(move |_| r.str().ok())
    }

    /// Label `i`, if the file names its outputs.
    pub fn label(&self, i: usize) -> Option<&'a str> {
        self.labels().nth(i)
    }

    /// Applies the stored standardization to an input: `(x − mean) / std` per feature. Inputs are
    /// left unchanged if the file stores no statistics or they do not match the input's length.
    pub fn normalize<X: Tensor>(&self, x: &mut X) {
        let values = x.flat_mut();
        if self.mean.len() != values.len() || self.std.len() != values.len() {
            return;
        }
        for ((v, m), s) in values.iter_mut().zip(self.mean.iter()).zip(self.std.iter()) {
            *v = (*v - m) / s;
        }
    }

    /// Checks the stored architecture against model type `M`, naming the first difference.
    pub fn check_architecture<M: Model>(&self) -> Result<(), LoadError> {
        if self.layer_count != M::DEPTH {
            return Err(LoadError::LayerCount {
                expected: M::DEPTH,
                found: self.layer_count,
            });
        }
        let mut found = self.layers();
        let mut index = 0;
        let mut mismatch = None;
        M::layers(&mut |info| {
            let expected = LayerDesc::of(&info);
            match found.next() {
                Some(f) if f == expected => {}
                Some(f) if mismatch.is_none() => {
                    mismatch = Some(LoadError::ArchitectureMismatch {
                        layer: index,
                        expected,
                        found: f,
                    })
                }
                _ => {}
            }
            index += 1;
        });
        if let Some(e) = mismatch {
            return Err(e);
        }
        let expected = fingerprint::<M>();
        if self.fingerprint != expected {
            return Err(LoadError::FingerprintMismatch {
                expected,
                found: self.fingerprint,
            });
        }
        Ok(())
    }
}

/// The part of `start` that a reader consumed to get to `rest`.
fn consumed<'a>(start: &'a [u8], rest: &[u8]) -> &'a [u8] {
    start
        .get(..start.len().saturating_sub(rest.len()))
        .unwrap_or_default()
}

/// CRC-32 (IEEE 802.3, reflected, as zlib and PNG use).
pub fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        let index = (crc ^ u32::from(b)) as u8;
        crc = CRC_TABLE[index as usize] ^ (crc >> 8);
    }
    !crc
}

const CRC_TABLE: [u32; 256] = {
    let mut table = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
            k += 1;
        }
        table[i] = c;
        i += 1;
    }
    table
};

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn crc32_check_value() {
        // The standard check value of CRC-32/ISO-HDLC.
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    }
}
