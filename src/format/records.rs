//! The parts of a model file, as the serde structs postcard encodes (see the
//! [format docs](super)).

use core::fmt;

use serde::de::{self, Visitor};
use serde::ser::{SerializeTuple, Serializer};
use serde::{Deserialize, Serialize};

use super::{MAX_DIMS, MAX_KIND};
use crate::layer::LayerInfo;
use crate::model::Model;
use crate::quant::QStored;

/// The first part of every file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileHeader {
    /// `ENNM`.
    pub magic: [u8; 4],
    /// The format version ([`VERSION`](super::VERSION)).
    pub version: u16,
    /// Bytes between the header and the CRC.
    pub body_len: u32,
}

/// The model's architecture as a whole: its fingerprint and how many layer records follow.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Architecture {
    /// FNV-1a (64-bit) of every layer's kind and defining sizes ([`fingerprint`]).
    pub fingerprint: u64,
    /// Number of [`LayerRecord`]s after this.
    pub layers: u32,
}

/// One layer as stored: its kind and the sizes that define it (`Dense`, `[16, 1]`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LayerRecord<'a> {
    /// Layer kind, e.g. `Dense`.
    pub kind: &'a str,
    /// The sizes that define it, e.g. `[16, 1]` for `Dense<16, 1>`.
    pub dims: heapless::Vec<u32, MAX_DIMS>,
}

impl LayerRecord<'static> {
    /// The record of a layer of a model type (sizes past [`MAX_DIMS`] are dropped; writing a
    /// model whose layers do not fit is refused before this).
    pub fn of(info: &LayerInfo) -> Self {
        LayerRecord::new(info.kind, info.dims)
    }
}

impl<'a> LayerRecord<'a> {
    /// The record of a layer of kind `kind` and defining sizes `dims` (sizes past
    /// [`MAX_DIMS`] are dropped).
    pub fn new(kind: &'a str, dims: &[usize]) -> Self {
        let mut record = LayerRecord {
            kind,
            dims: heapless::Vec::new(),
        };
        for &d in dims {
            let _ = record.dims.push(u32::try_from(d).unwrap_or(u32::MAX));
        }
        record
    }
}

/// Per-feature standardization, `(x − mean) / std`; both empty when inputs are used as they are.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Standardization<F> {
    /// Feature means.
    pub mean: F,
    /// Feature standard deviations.
    pub std: F,
}

/// A run of little-endian `f32`s borrowed from a file: a postcard byte string whose length is a
/// multiple of four.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
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
    /// The encoded bytes.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.0
    }
}

fn le_f32(b: &[u8]) -> f32 {
    f32::from_le_bytes(b.first_chunk::<4>().copied().unwrap_or_default())
}

impl Serialize for Floats<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(self.0)
    }
}

impl<'de> Deserialize<'de> for Floats<'de> {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_bytes(FloatsVisitor)
    }
}

struct FloatsVisitor;

impl<'de> Visitor<'de> for FloatsVisitor {
    type Value = Floats<'de>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a byte string of little-endian f32s")
    }
    fn visit_borrowed_bytes<E: de::Error>(self, v: &'de [u8]) -> Result<Floats<'de>, E> {
        if !v.len().is_multiple_of(4) {
            return Err(E::invalid_length(v.len(), &"a multiple of 4 bytes"));
        }
        Ok(Floats(v))
    }
}

/// Writes `&[f32]` with exactly the encoding of [`Floats`]: the byte length, then the floats.
pub(super) struct FloatsOut<'a>(pub(super) &'a [f32]);

impl Serialize for FloatsOut<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut t = s.serialize_tuple(1 + self.0.len())?;
        t.serialize_element(&(self.0.len() * 4))?;
        for v in self.0 {
            t.serialize_element(v)?;
        }
        t.end()
    }
}

/// Writes a model's parameters as [`Floats`] (zeros when there is no model: for counting).
pub(super) struct ParamsOut<'a, M>(pub(super) Option<&'a M>);

impl<M: Model> Serialize for ParamsOut<'_, M> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut t = s.serialize_tuple(1 + M::PARAMS)?;
        t.serialize_element(&(M::PARAMS * 4))?;
        match self.0 {
            Some(model) => {
                let mut result = Ok(());
                model.for_each_param(&mut |_, values| {
                    for v in values {
                        if result.is_ok() {
                            result = t.serialize_element(v);
                        }
                    }
                });
                result?;
            }
            None => {
                for _ in 0..M::PARAMS {
                    t.serialize_element(&0.0f32)?;
                }
            }
        }
        t.end()
    }
}

/// A layer description kept by value (no heap), as [`ModelInfo::layers`](super::ModelInfo::layers)
/// yields it and [`LoadError::ArchitectureMismatch`](super::LoadError::ArchitectureMismatch)
/// reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LayerDesc {
    /// Layer kind, e.g. `Dense`.
    pub kind: heapless::String<MAX_KIND, u8>,
    /// The sizes that define it.
    pub dims: heapless::Vec<u32, MAX_DIMS, u8>,
}

impl LayerDesc {
    /// Copies a record (`None` if its kind or sizes do not fit the limits).
    pub fn from_record(record: &LayerRecord<'_>) -> Option<Self> {
        let mut kind = heapless::String::new();
        kind.push_str(record.kind).ok()?;
        let mut dims = heapless::Vec::new();
        dims.extend_from_slice(&record.dims).ok()?;
        Some(LayerDesc { kind, dims })
    }

    /// Whether this is the layer `info` describes.
    pub fn matches(&self, info: &LayerInfo) -> bool {
        self.is(info.kind, info.dims)
    }

    /// Whether this is a layer of kind `kind` with defining sizes `dims`.
    pub fn is(&self, kind: &str, dims: &[usize]) -> bool {
        self.kind.as_str() == kind
            && self.dims.len() == dims.len()
            && self
                .dims
                .iter()
                .zip(dims)
                .all(|(&a, &b)| usize::try_from(a).is_ok_and(|a| a == b))
    }
}

impl fmt::Display for LayerDesc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_layer(f, &self.kind, self.dims.iter().map(|&d| d as usize))
    }
}

/// What the model type has at a layer position (for [`LoadError`](super::LoadError)).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExpectedLayer {
    /// Layer kind.
    pub kind: &'static str,
    /// Defining sizes.
    pub dims: &'static [usize],
}

impl fmt::Display for ExpectedLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_layer(f, self.kind, self.dims.iter().copied())
    }
}

fn write_layer(
    f: &mut fmt::Formatter<'_>,
    kind: &str,
    dims: impl ExactSizeIterator<Item = usize>,
) -> fmt::Result {
    f.write_str(kind)?;
    if dims.len() > 0 {
        f.write_str("<")?;
        for (i, d) in dims.enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{d}")?;
        }
        f.write_str(">")?;
    }
    Ok(())
}

/// The architecture fingerprint of model type `M`: FNV-1a (64-bit) over each layer's kind and
/// defining sizes. Freezing a layer does not change it.
pub fn fingerprint<M: Model>() -> u64 {
    fingerprint_of(&mut |f| M::layers(&mut |info| f(info.kind, info.dims)))
}

/// The architecture fingerprint of int8 model type `M`, over its layer records as
/// [`fingerprint`] is over an `f32` model's.
pub fn int8_fingerprint<M: QStored>() -> u64 {
    fingerprint_of(&mut |f| M::records(&mut |r| f(r.kind, r.dims)))
}

fn fingerprint_of(layers: &mut super::LayerVisitor<'_>) -> u64 {
    let mut hash = Fnv::new();
    layers(&mut |kind, dims| {
        hash.write(kind.as_bytes());
        hash.write(&[0]);
        for &d in dims {
            hash.write(&u32::try_from(d).unwrap_or(u32::MAX).to_le_bytes());
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
