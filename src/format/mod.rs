//! The model file: weights plus everything needed to use them, encoded with postcard and checked
//! end to end.
//!
//! A model file is what the host trainer writes and the firmware embeds with `include_bytes!`.
//! Every part of it is a plain serde struct encoded by [`postcard`], one after the other, and the
//! whole is closed by a CRC-32 (from the [`crc`] crate):
//!
//! | part | Rust type (postcard) |
//! |---|---|
//! | header: magic `ENNM`, format version, body length | [`FileHeader`] |
//! | architecture: fingerprint, number of layers | [`Architecture`] |
//! | one record per layer: kind and defining sizes | [`LayerRecord`] |
//! | preprocessing: feature means and standard deviations | [`Standardization`] |
//! | output labels | `heapless::Vec<&str, 64>` |
//! | parameters, in [`Params::for_each_param`](crate::Params::for_each_param) order | [`Floats`] |
//! | CRC-32 (ISO-HDLC, as zlib) of every byte before it | `u32`, 4 bytes little-endian |
//!
//! Runs of `f32` ([`Floats`]) are postcard byte strings (a length in bytes, then the
//! little-endian floats), so a reader borrows them straight from the file: loading copies
//! nothing but the parameters into the model, needs no heap, and runs from a flash slice.
//!
//! ## Versions
//!
//! - **2**: an `f32` model ([`ModelFile`]), the table above.
//! - **3**: an int8 model ([`QuantizedFile`], a [`Quantized<M>`](crate::quant::Quantized)):
//!   the same parts, with int8 layer records (`QDense<4, 8>`, `QClamp`, `MaxPool2d<…>`: see
//!   [`QStored`](crate::quant::QStored)), and instead of the [`Floats`] the model as its serde
//!   writes it ([`quant::serde`](crate::quant::serde)): the input's
//!   [`QParams`](crate::quant::QParams), each layer's int8 weights (one byte each), int32
//!   biases, requantizations and output stage in record order, the output's `QParams`. The
//!   records say how many bytes each layer takes, so [`ModelInfo`] reads and checks an int8
//!   file without its type ([`ModelInfo::int8`]).
//! - **1** (before postcard structs) and anything newer than 3 are refused with
//!   [`LoadError::UnsupportedVersion`].
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
//!
//! // The parts are ordinary postcard: decode them with postcard itself.
//! use embednn::format::{Architecture, FileHeader};
//! let (header, body) = postcard::take_from_bytes::<FileHeader>(&buf[..n]).unwrap();
//! assert_eq!((header.magic, header.version), (*b"ENNM", 2));
//! let (arch, _) = postcard::take_from_bytes::<Architecture>(body).unwrap();
//! assert_eq!(arch.layers, 3);
//! ```
//!
//! Loading ([`ModelFile::load_into`]) checks, in order: magic, version, length, CRC, that every
//! part decodes from postcard's canonical encoding, that the standardization is usable (equal
//! lengths, finite means, finite positive deviations) and the labels within limits, the
//! architecture layer by layer against the model type, the number of input features, the
//! parameter count, and that nothing trails — and only then writes the parameters, so a model is never left
//! half-loaded. Every failure is a [`LoadError`] that says what is wrong (which layer differs,
//! how many bytes are missing, which version the file has); nothing panics, whatever the bytes.
//! An int8 file ([`QuantizedFile::load_into`]) is checked the same way, and each of its
//! quantization parameters too: scales finite and positive, zero points within int8, clamps
//! ordered, requantization shifts in `-31..=30` ([`LoadError::InvalidQuantization`], naming
//! the layer); an `f32` file given for an int8 type, or the other way round, is
//! [`LoadError::Precision`].

mod error;
mod info;
mod int8;
mod records;

pub use error::{LoadError, SaveError};
pub use info::ModelInfo;
pub use int8::{Int8Layer, Int8Params, QuantizedFile, Weighted};
pub use records::{
    fingerprint, int8_fingerprint, Architecture, ExpectedLayer, FileHeader, Floats, LayerDesc,
    LayerRecord, Standardization,
};

use core::marker::PhantomData;

use crate::layer::LayerInfo;
use crate::model::Model;
use records::{FloatsOut, ParamsOut};

/// The four bytes every model file starts with.
pub const MAGIC: [u8; 4] = *b"ENNM";
/// The format version of `f32` model files, which [`ModelFile`] writes. Version 1 (before
/// postcard structs) is refused with [`LoadError::UnsupportedVersion`].
pub const VERSION: u16 = 2;
/// The format version of int8 model files, which [`QuantizedFile`] writes: version 2's parts
/// with int8 layer records and, instead of the `f32` parameters, the quantized model. The newest
/// version this build reads; it reads versions [`VERSION`] and `VERSION_INT8`.
pub const VERSION_INT8: u16 = 3;
/// Longest layer kind name stored.
pub const MAX_KIND: usize = 20;
/// Most sizes stored per layer.
pub const MAX_DIMS: usize = 11;
/// Most labels a file can carry.
pub const MAX_LABELS: usize = 64;
/// Longest label, in bytes.
pub const MAX_LABEL_BYTES: usize = 32;
/// Bytes of the CRC at the end.
const TRAILER: usize = 4;
/// Most bytes a postcard varint of a `u16` / `u32` / `u64` takes.
const VARINT16: usize = 3;
const VARINT32: usize = 5;
const VARINT64: usize = 10;

/// The CRC every model file ends with: CRC-32/ISO-HDLC (zlib's, PNG's).
pub const CRC: crc::Crc<u32> = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC);

/// CRC-32 (ISO-HDLC) of `bytes`.
pub fn crc32(bytes: &[u8]) -> u32 {
    CRC.checksum(bytes)
}

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

/// What a model file's parameters are: `f32` (format version 2, [`ModelFile`]) or int8
/// (version 3, [`QuantizedFile`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Precision {
    /// `f32` weights, an `f32` model type.
    F32,
    /// int8 weights and quantization parameters, a [`Quantized`](crate::quant::Quantized) model.
    Int8,
}

impl core::fmt::Display for Precision {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Precision::F32 => "f32",
            Precision::Int8 => "int8",
        })
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
    pub const MAX_BYTES: usize = (4 + VARINT16 + VARINT32)
        + (VARINT64 + VARINT32)
        + M::DEPTH * (1 + MAX_KIND + 1 + MAX_DIMS * VARINT32)
        + 2 * (VARINT32 + 4 * <M::Input as crate::buffer::Buffer>::LEN)
        + 1
        + MAX_LABELS * (1 + MAX_LABEL_BYTES)
        + VARINT32
        + 4 * M::PARAMS
        + TRAILER;

    /// Exact size of the file [`ModelFile::write`] produces for this preprocessing (`None` if
    /// it could not be written).
    pub fn encoded_len(pre: &Preprocessing<'_>) -> Option<usize> {
        let body = body_len::<M>(pre).ok()?;
        let header = encoded_size(&header_for(VERSION, body)).ok()?;
        Some(header + body + TRAILER)
    }

    /// Writes `model` and `pre` into `out`; returns the number of bytes written.
    ///
    /// Errors: preprocessing or labels that do not fit the model, a layer that cannot be stored,
    /// a buffer that is too small, and a NaN or infinite parameter
    /// ([`SaveError::NonFiniteParameter`]; [`ModelFile::write_keeping_non_finite`] writes it).
    pub fn write(model: &M, pre: &Preprocessing<'_>, out: &mut [u8]) -> Result<usize, SaveError> {
        let mut first = None;
        let mut index = 0;
        model.for_each_param(&mut |_, values| {
            for &v in values {
                if first.is_none() && !v.is_finite() {
                    first = Some(SaveError::NonFiniteParameter { index });
                }
                index += 1;
            }
        });
        match first {
            Some(e) => Err(e),
            None => Self::write_keeping_non_finite(model, pre, out),
        }
    }

    /// [`ModelFile::write`] without the check for NaN and infinite parameters: they are stored
    /// bit for bit (for inspecting a diverged model, or a test of NaN handling).
    pub fn write_keeping_non_finite(
        model: &M,
        pre: &Preprocessing<'_>,
        out: &mut [u8],
    ) -> Result<usize, SaveError> {
        check_preprocessing(pre, <M::Input as crate::buffer::Buffer>::LEN)?;
        check_layers::<M>()?;
        let body = body_len::<M>(pre)?;
        let header = header_for(VERSION, body);
        let needed = encoded_size(&header).map_err(|_| SaveError::Encode)? + body + TRAILER;
        if out.len() < needed {
            return Err(SaveError::BufferTooSmall {
                needed,
                available: out.len(),
            });
        }
        let mut w = Writer { out, pos: 0 };
        w.put(&header)?;
        write_body(&mut w, Some(model), pre)?;
        let crc = crc32(w.out.get(..w.pos).unwrap_or_default());
        let end = w.pos + TRAILER;
        w.out
            .get_mut(w.pos..end)
            .ok_or(SaveError::Encode)?
            .copy_from_slice(&crc.to_le_bytes());
        Ok(end)
    }

    /// Checks `bytes` against model type `M` and, only if everything matches, copies the
    /// parameters into `model`. Returns the file's metadata, borrowing from `bytes`.
    pub fn load_into<'a>(model: &mut M, bytes: &'a [u8]) -> Result<ModelInfo<'a>, LoadError> {
        let info = ModelInfo::parse(bytes)?;
        info.check_architecture::<M>()?;
        let features = <M::Input as crate::buffer::Buffer>::LEN;
        if !info.mean.is_empty() && info.mean.len() != features {
            return Err(LoadError::PreprocessingLength {
                expected: features,
                found: info.mean.len(),
            });
        }
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

    /// Writes the file to `path` atomically: a new temporary file (random name, created
    /// exclusively by `tempfile`) in the same directory, flushed to disk, renamed over `path`,
    /// and the directory flushed too; so a crash or a concurrent save never leaves a
    /// half-written model, and a failed save leaves no temporary file behind. A temporary file
    /// that a crashed save left (older than [`STALE_TEMPORARY_AGE`]) is deleted by the next save
    /// of the same path. Errors name `path`.
    ///
    /// Refuses NaN and infinite parameters like [`ModelFile::write`] (as
    /// [`std::io::ErrorKind::InvalidInput`]); [`ModelFile::save_keeping_non_finite`] keeps them.
    #[cfg(feature = "std")]
    pub fn save(
        model: &M,
        pre: &Preprocessing<'_>,
        path: impl AsRef<std::path::Path>,
    ) -> std::io::Result<()> {
        save_atomically(
            path.as_ref(),
            |out| Self::write(model, pre, out),
            Self::encoded_len(pre),
        )
    }

    /// [`ModelFile::save`], storing NaN and infinite parameters as they are.
    #[cfg(feature = "std")]
    pub fn save_keeping_non_finite(
        model: &M,
        pre: &Preprocessing<'_>,
        path: impl AsRef<std::path::Path>,
    ) -> std::io::Result<()> {
        save_atomically(
            path.as_ref(),
            |out| Self::write_keeping_non_finite(model, pre, out),
            Self::encoded_len(pre),
        )
    }
}

/// How old a save's temporary file must be before a later save of the same file deletes it: a
/// save takes milliseconds, so an older one was left by a save that crashed (or was killed)
/// between creating it and renaming it.
#[cfg(feature = "std")]
pub const STALE_TEMPORARY_AGE: std::time::Duration = std::time::Duration::from_secs(60);

/// Deletes `{prefix}*.tmp` files in `dir` older than [`STALE_TEMPORARY_AGE`] (best effort).
#[cfg(feature = "std")]
fn remove_stale_temporaries(dir: &std::path::Path, prefix: &str) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let now = std::time::SystemTime::now();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if !(name.starts_with(prefix) && name.ends_with(".tmp")) {
            continue;
        }
        let age = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| now.duration_since(t).ok());
        if age.is_some_and(|a| a > STALE_TEMPORARY_AGE) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Encodes with `write` into a buffer of `len` bytes, then writes it to `path` atomically (see
/// [`ModelFile::save`]).
#[cfg(feature = "std")]
fn save_atomically(
    path: &std::path::Path,
    write: impl FnOnce(&mut [u8]) -> Result<usize, SaveError>,
    len: Option<usize>,
) -> std::io::Result<()> {
    use std::io::{Error, ErrorKind, Write};
    let named = |e: Error| Error::new(e.kind(), std::format!("{}: {e}", path.display()));
    let invalid = |e: SaveError| named(Error::new(ErrorKind::InvalidInput, e));
    let mut bytes = std::vec![0u8; len.ok_or(SaveError::Encode).map_err(invalid)?];
    let n = write(&mut bytes).map_err(invalid)?;
    bytes.truncate(n);
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty());
    let dir = dir.unwrap_or_else(|| std::path::Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    // Dropped (and so deleted) on any error before `persist`.
    let prefix = std::format!(".{name}.");
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".tmp");
    // tempfile creates 0600 files; a model file is as readable as any other new file (0644,
    // less the umask), as File::create made it.
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o644));
    let mut file = builder.tempfile_in(dir).map_err(named)?;
    file.write_all(&bytes).map_err(named)?;
    file.as_file().sync_all().map_err(named)?;
    file.persist(path).map_err(|e| named(e.error))?;
    remove_stale_temporaries(dir, &prefix);
    // The rename is durable once the directory is (POSIX); elsewhere opening it may fail.
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

fn header_for(version: u16, body_len: usize) -> FileHeader {
    FileHeader {
        magic: MAGIC,
        version,
        body_len: u32::try_from(body_len).unwrap_or(u32::MAX),
    }
}

/// Checks `pre` for a model of `input_len` input features.
fn check_preprocessing(pre: &Preprocessing<'_>, input_len: usize) -> Result<(), SaveError> {
    for values in [pre.mean, pre.std] {
        if !values.is_empty() && values.len() != input_len {
            return Err(SaveError::PreprocessingLength {
                expected: input_len,
                found: values.len(),
            });
        }
    }
    if pre.mean.len() != pre.std.len() {
        return Err(SaveError::InvalidPreprocessing(
            "means and standard deviations differ in number",
        ));
    }
    if !pre.mean.iter().all(|v| v.is_finite()) {
        return Err(SaveError::InvalidPreprocessing("a mean is not finite"));
    }
    if !pre.std.iter().all(|v| v.is_finite() && *v > 0.0) {
        return Err(SaveError::InvalidPreprocessing(
            "a standard deviation is not finite and positive",
        ));
    }
    if pre.labels.len() > MAX_LABELS {
        return Err(SaveError::TooManyLabels(pre.labels.len()));
    }
    if let Some(long) = pre.labels.iter().find(|l| l.len() > MAX_LABEL_BYTES) {
        return Err(SaveError::LabelTooLong(long.len()));
    }
    Ok(())
}

fn check_layers<M: Model>() -> Result<(), SaveError> {
    let mut result = Ok(());
    M::layers(&mut |info: LayerInfo| {
        if result.is_ok() && (info.kind.len() > MAX_KIND || info.dims.len() > MAX_DIMS) {
            result = Err(SaveError::LayerNotStorable(info.kind));
        }
    });
    result
}

/// Where encoded parts go: a slice, or nowhere (to count them).
trait Sink {
    fn put<T: serde::Serialize + ?Sized>(&mut self, value: &T) -> Result<(), SaveError>;
}

struct Writer<'a> {
    out: &'a mut [u8],
    pos: usize,
}

impl Sink for Writer<'_> {
    fn put<T: serde::Serialize + ?Sized>(&mut self, value: &T) -> Result<(), SaveError> {
        let rest = self.out.get_mut(self.pos..).ok_or(SaveError::Encode)?;
        let written = postcard::to_slice(value, rest).map_err(|_| SaveError::Encode)?;
        self.pos += written.len();
        Ok(())
    }
}

/// Bytes postcard needs for `value` (its measuring flavor: nothing is written).
pub(super) fn encoded_size<T: serde::Serialize + ?Sized>(value: &T) -> postcard::Result<usize> {
    postcard::serialize_with_flavor(value, postcard::ser_flavors::Size::default())
}

struct Counter(usize);

impl Sink for Counter {
    fn put<T: serde::Serialize + ?Sized>(&mut self, value: &T) -> Result<(), SaveError> {
        self.0 += encoded_size(value).map_err(|_| SaveError::Encode)?;
        Ok(())
    }
}

fn body_len<M: Model>(pre: &Preprocessing<'_>) -> Result<usize, SaveError> {
    let mut counter = Counter(0);
    write_body::<M>(&mut counter, None, pre)?;
    Ok(counter.0)
}

/// The body; parameters come from `model` (or are counted as zeros when it is `None`).
fn write_body<M: Model>(
    sink: &mut impl Sink,
    model: Option<&M>,
    pre: &Preprocessing<'_>,
) -> Result<(), SaveError> {
    write_front(
        sink,
        fingerprint::<M>(),
        M::DEPTH,
        &mut |f| M::layers(&mut |info| f(info.kind, info.dims)),
        pre,
    )?;
    sink.put(&ParamsOut(model))
}

/// A model's layers, handed one by one (kind and defining sizes) to a callback.
type LayerVisitor<'v> = dyn FnMut(&mut dyn FnMut(&str, &[usize])) + 'v;

/// The parts every version has before the parameters: architecture, layer records,
/// standardization, labels.
fn write_front(
    sink: &mut impl Sink,
    fingerprint: u64,
    depth: usize,
    layers: &mut LayerVisitor<'_>,
    pre: &Preprocessing<'_>,
) -> Result<(), SaveError> {
    sink.put(&Architecture {
        fingerprint,
        layers: u32::try_from(depth).map_err(|_| SaveError::Encode)?,
    })?;
    let mut result = Ok(());
    layers(&mut |kind, dims| {
        if result.is_ok() {
            result = sink.put(&LayerRecord::new(kind, dims));
        }
    });
    result?;
    sink.put(&Standardization::<FloatsOut<'_>> {
        mean: FloatsOut(pre.mean),
        std: FloatsOut(pre.std),
    })?;
    sink.put(pre.labels)
}

#[cfg(test)]
mod test;
