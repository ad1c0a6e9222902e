//! Reading a model file without a model type: [`ModelInfo`].

use serde::{Deserialize, Serialize};

use super::int8::Int8Params;
use super::records::{Architecture, FileHeader, Floats, LayerDesc, LayerRecord, Standardization};
use super::{
    crc32, fingerprint, int8_fingerprint, ExpectedLayer, LoadError, Precision, MAGIC, MAX_LABELS,
    MAX_LABEL_BYTES, TRAILER, VERSION, VERSION_INT8,
};
use crate::model::Model;
use crate::quant::QStored;
use crate::tensor::Tensor;

/// A model type's layers, handed one by one to a callback.
type ExpectedLayers<'v> = dyn FnMut(&mut dyn FnMut(ExpectedLayer)) + 'v;

/// The smallest file there can be: magic, one-byte version and length, CRC.
const MIN_BYTES: usize = 4 + 1 + 1 + TRAILER;

/// A model file's contents, read without a model type (for inspection) and borrowed from the
/// bytes: header fields, layer descriptors, preprocessing and parameters — `f32` ones
/// ([`ModelInfo::params`], format version 2) or int8 ones ([`ModelInfo::int8`], version 3).
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
    /// The layer records, already checked to decode.
    layers: &'a [u8],
    /// Per-feature means (empty if none).
    pub mean: Floats<'a>,
    /// Per-feature standard deviations (empty if none).
    pub std: Floats<'a>,
    label_count: usize,
    /// The labels after their count, already checked to decode.
    labels: &'a [u8],
    /// The parameters, in [`Params::for_each_param`](crate::Params::for_each_param) order
    /// (none in an int8 file).
    pub params: Floats<'a>,
    /// The quantization and int8 parameters of an int8 file (version 3), `None` in an `f32` one.
    pub int8: Option<Int8Params<'a>>,
}

/// Decodes one `T` from the front of `bytes`, naming `what` if it does not decode or is not in
/// postcard's canonical form (a number padded with extra `0x80` bytes decodes to the same value,
/// so a changed file could otherwise load as identical).
fn take<'a, T: Deserialize<'a> + Serialize>(
    bytes: &'a [u8],
    what: &'static str,
) -> Result<(T, &'a [u8]), LoadError> {
    let (value, rest) =
        postcard::take_from_bytes::<T>(bytes).map_err(|_| LoadError::Malformed(what))?;
    let used = bytes.len() - rest.len();
    if super::encoded_size(&value).ok() != Some(used) {
        return Err(LoadError::NonCanonical(what));
    }
    Ok((value, rest))
}

/// Checks stored standardization: both runs empty, or equally long with finite means and finite,
/// positive standard deviations.
fn check_standardization(s: &Standardization<Floats<'_>>) -> Result<(), LoadError> {
    if s.mean.len() != s.std.len() {
        return Err(LoadError::InvalidPreprocessing(
            "means and standard deviations differ in number",
        ));
    }
    if !s.mean.iter().all(f32::is_finite) {
        return Err(LoadError::InvalidPreprocessing("a mean is not finite"));
    }
    if !s.std.iter().all(|v| v.is_finite() && v > 0.0) {
        return Err(LoadError::InvalidPreprocessing(
            "a standard deviation is not finite and positive",
        ));
    }
    Ok(())
}

impl<'a> ModelInfo<'a> {
    /// Checks the header, length and CRC of `bytes` and that every part decodes.
    pub fn parse(bytes: &'a [u8]) -> Result<Self, LoadError> {
        let truncated = LoadError::Truncated {
            expected: MIN_BYTES,
            found: bytes.len(),
        };
        // Magic and version first, so a file of another version is named as such even if the
        // rest of its header has another shape (version 1 stored it as a little-endian u16,
        // whose first byte decodes as the same number here).
        let (&magic, rest) = bytes.split_first_chunk::<4>().ok_or(truncated.clone())?;
        if magic != MAGIC {
            return Err(LoadError::BadMagic(magic));
        }
        let (version, _) = postcard::take_from_bytes::<u16>(rest).map_err(|_| truncated.clone())?;
        if version != VERSION && version != VERSION_INT8 {
            return Err(LoadError::UnsupportedVersion {
                found: version,
                supported: VERSION_INT8,
            });
        }
        let (header, after_header) =
            postcard::take_from_bytes::<FileHeader>(bytes).map_err(|_| truncated)?;
        if super::encoded_size(&header).ok() != Some(bytes.len() - after_header.len()) {
            return Err(LoadError::NonCanonical("header"));
        }
        let header_len = bytes.len() - after_header.len();
        let total = header_len
            .saturating_add(header.body_len as usize)
            .saturating_add(TRAILER);
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

        let body = content.get(header_len..).unwrap_or_default();
        let (arch, mut rest) = take::<Architecture>(body, "architecture")?;
        let layers = rest;
        for _ in 0..arch.layers {
            let (record, next) = take::<LayerRecord<'_>>(rest, "layer record")?;
            LayerDesc::from_record(&record).ok_or(LoadError::Malformed("layer record too long"))?;
            rest = next;
        }
        let layers = consumed(layers, rest);
        let (standardization, rest) = take::<Standardization<Floats<'_>>>(rest, "standardization")?;
        check_standardization(&standardization)?;
        let (label_count, mut rest) = take::<u32>(rest, "label count")?;
        if label_count as usize > MAX_LABELS {
            return Err(LoadError::InvalidLabels("more labels than a file may hold"));
        }
        let labels = rest;
        for _ in 0..label_count {
            let (label, next) = take::<&str>(rest, "label")?;
            if label.len() > MAX_LABEL_BYTES {
                return Err(LoadError::InvalidLabels(
                    "a label is longer than a file may hold",
                ));
            }
            rest = next;
        }
        let labels = consumed(labels, rest);
        let (params, int8) = if version == VERSION_INT8 {
            let int8 = Int8Params::parse(rest, layers, arch.layers as usize)?;
            (Floats::default(), Some(int8))
        } else {
            let (params, rest) = take::<Floats<'_>>(rest, "parameters")?;
            if !rest.is_empty() {
                return Err(LoadError::Malformed("bytes after the parameters"));
            }
            (params, None)
        };
        Ok(ModelInfo {
            version,
            fingerprint: arch.fingerprint,
            crc: stored,
            size: bytes.len(),
            layer_count: arch.layers as usize,
            layers,
            mean: standardization.mean,
            std: standardization.std,
            label_count: label_count as usize,
            labels,
            params,
            int8,
        })
    }

    /// Whether the file holds an `f32` model or an int8 one.
    pub fn precision(&self) -> Precision {
        if self.int8.is_some() {
            Precision::Int8
        } else {
            Precision::F32
        }
    }

    /// Number of layers the file describes.
    pub fn layer_count(&self) -> usize {
        self.layer_count
    }

    /// The layer descriptors, in order.
    pub fn layers(&self) -> impl Iterator<Item = LayerDesc> + 'a {
        let mut rest = self.layers;
        (0..self.layer_count).map_while(move |_| {
            let (record, next) = postcard::take_from_bytes::<LayerRecord<'_>>(rest).ok()?;
            rest = next;
            LayerDesc::from_record(&record)
        })
    }

    /// The output labels, in order.
    pub fn labels(&self) -> impl Iterator<Item = &'a str> + 'a {
        let mut rest = self.labels;
        (0..self.label_count).map_while(move |_| {
            let (label, next) = postcard::take_from_bytes::<&str>(rest).ok()?;
            rest = next;
            Some(label)
        })
    }

    /// Label `i`, if the file names its outputs.
    pub fn label(&self, i: usize) -> Option<&'a str> {
        self.labels().nth(i)
    }

    /// Applies the stored standardization to an input: `(x − mean) / std` per feature; a file
    /// without statistics leaves inputs unchanged.
    ///
    /// Errors: statistics of another length than the input
    /// ([`LoadError::PreprocessingLength`]; the input is left unchanged). A file loaded into
    /// model type `M` by [`ModelFile::load_into`](super::ModelFile::load_into) has been checked
    /// against `M`'s input already.
    pub fn normalize<X: Tensor>(&self, x: &mut X) -> Result<(), LoadError> {
        self.standardize(x.flat_mut())
    }

    /// [`ModelInfo::normalize`] for an input held as a slice (as [`AnyModel`](crate::AnyModel)
    /// takes it).
    #[inline]
    pub fn standardize(&self, values: &mut [f32]) -> Result<(), LoadError> {
        if self.mean.is_empty() {
            return Ok(());
        }
        if self.mean.len() != values.len() || self.std.len() != values.len() {
            return Err(LoadError::PreprocessingLength {
                expected: values.len(),
                found: self.mean.len(),
            });
        }
        for ((v, m), s) in values.iter_mut().zip(self.mean.iter()).zip(self.std.iter()) {
            *v = (*v - m) / s;
        }
        Ok(())
    }

    /// Checks the stored architecture against model type `M`, naming the first difference. An
    /// int8 file is [`LoadError::Precision`].
    pub fn check_architecture<M: Model>(&self) -> Result<(), LoadError> {
        self.check_precision(Precision::F32)?;
        self.check_layers(
            M::DEPTH,
            &mut |f| {
                M::layers(&mut |info| {
                    f(ExpectedLayer {
                        kind: info.kind,
                        dims: info.dims,
                    })
                })
            },
            fingerprint::<M>(),
        )
    }

    /// Checks the stored architecture against int8 model type `M` (its layer records, see
    /// [`QStored`]), naming the first difference. An `f32` file is [`LoadError::Precision`].
    pub fn check_int8_architecture<M: QStored>(&self) -> Result<(), LoadError> {
        self.check_precision(Precision::Int8)?;
        self.check_layers(
            M::DEPTH,
            &mut |f| M::records(&mut |r| f(r)),
            int8_fingerprint::<M>(),
        )
    }

    fn check_precision(&self, expected: Precision) -> Result<(), LoadError> {
        let found = self.precision();
        if found != expected {
            return Err(LoadError::Precision { expected, found });
        }
        Ok(())
    }

    /// Compares the records with a model type's `depth` layers, which `layers` visits.
    fn check_layers(
        &self,
        depth: usize,
        layers: &mut ExpectedLayers<'_>,
        expected_fingerprint: u64,
    ) -> Result<(), LoadError> {
        if self.layer_count != depth {
            return Err(LoadError::LayerCount {
                expected: depth,
                found: self.layer_count,
            });
        }
        let mut found = self.layers();
        let mut index = 0;
        let mut mismatch = None;
        layers(&mut |expected| {
            if let Some(f) = found.next() {
                if mismatch.is_none() && !f.is(expected.kind, expected.dims) {
                    mismatch = Some(LoadError::ArchitectureMismatch {
                        layer: index,
                        expected,
                        found: f,
                    });
                }
            }
            index += 1;
        });
        if let Some(e) = mismatch {
            return Err(e);
        }
        if self.fingerprint != expected_fingerprint {
            return Err(LoadError::FingerprintMismatch {
                expected: expected_fingerprint,
                found: self.fingerprint,
            });
        }
        Ok(())
    }
}

/// The part of `start` that decoding consumed to get to `rest`.
fn consumed<'a>(start: &'a [u8], rest: &[u8]) -> &'a [u8] {
    start
        .get(..start.len().saturating_sub(rest.len()))
        .unwrap_or_default()
}
