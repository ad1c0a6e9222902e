//! serde for the int8 layers and [`Quantized`], and what the model file records about them
//! ([`QStored`]).
//!
//! Every int8 layer is `Serialize`/`Deserialize` without `alloc`, as the `f32` layers are: a
//! layer is a tuple of its parameter fields in declaration order, so postcard writes
//!
//! | field | postcard |
//! |---|---|
//! | int8 weights | one byte each, no length (the type gives it) |
//! | int32 biases | one zigzag varint each (1–5 bytes) |
//! | [`Requant`] | multiplier and shift, two zigzag varints |
//! | [`OutputStage`] | zero point (varint), clamp minimum and maximum (a byte each) |
//! | [`QParams`] | scale (4 bytes, little-endian `f32`), zero point (varint) |
//! | input zero point (convolutions, batch norm) | one byte |
//!
//! Weights are written in TFLite's plain order — `[O][I]` for [`QDense`], OHWI for
//! [`QConv2d`] and [`QConv1d`] — not in the interleaved order the kernels keep in memory
//! ([`kernels`](super::kernels)), so an encoding does not change when the kernels' layout does;
//! decoding writes each weight straight to its place in the layout (no buffer). Biases are the
//! layers' own, with the input zero point folded in where the layer folds it. The layers
//! without parameters (pools, reshapes, [`Dropout`],
//! [`Identity`]) write nothing, as in `f32` models.
//!
//! [`Quantized<M>`] writes its input parameters, every layer in order and its output parameters
//! as one flat tuple, for models of up to 24 layers (a bare tuple of int8 layers is serde up to
//! 16, serde's limit for tuples). A residual connection ([`QResidual`], [`QAdd`]) is a layer
//! there too: its add's parameters ([`QAddParams`]), at the position of its header record in the
//! model file, then its branches' layers (a `QResidual` serialized on its own, with its derived
//! serde, writes its block first). `Deserialize::deserialize_in_place` fills an existing model
//! without a second copy on the stack.
//!
//! ```
//! use embednn::quant::{QClamp, QParams, Quantized};
//! let q = Quantized { input: QParams { scale: 0.5, zero_point: -3 }, layers: (QClamp { min: -128, max: 5 },), output: QParams::default() };
//! let mut buf = [0u8; 32];
//! let bytes = postcard::to_slice(&q, &mut buf).unwrap();
//! assert_eq!(bytes, [0, 0, 0, 0x3f, 5, 0x80, 5, 0, 0, 0x80, 0x3f, 0]);
//! assert_eq!(postcard::from_bytes::<Quantized<(QClamp,)>>(bytes).unwrap(), q);
//! ```

use core::fmt;
use core::marker::PhantomData;

use serde::de::{self, DeserializeSeed, SeqAccess, Visitor};
use serde::ser::{SerializeTuple, Serializer};
use serde::{Deserialize, Deserializer, Serialize};

use crate::format::ExpectedLayer;
use crate::layer::Params;
use crate::layers::activation::Identity;
use crate::layers::conv::Padding;
use crate::layers::dropout::Dropout;
use crate::layers::pool::{AvgPool1d, AvgPool2d, GlobalAvgPool, MaxPool1d, MaxPool2d};
use crate::layers::reshape::Reshape;
use crate::Buffer;

use super::arith::{OutputStage, QParams, Requant};
use super::batchnorm::QBatchNorm;
use super::conv::{QConv1d, QConv2d};
use super::dense::{Packed, QDense};
use super::depthwise::QDepthwiseConv2d;
use super::elementwise::{QClamp, QLut, QSoftmax};
use super::kernels::packed_index;
use super::model::Quantized;
use super::residual::{QAdd, QAddParams, QResidual};
use super::tensor::HasInt8;

/// Most bytes postcard takes for an `i32` (a zigzag varint).
pub const MAX_I32_BYTES: usize = 5;
/// Most bytes postcard takes for a [`Requant`].
pub const MAX_REQUANT_BYTES: usize = 2 * MAX_I32_BYTES;
/// Most bytes postcard takes for an [`OutputStage`].
pub const MAX_STAGE_BYTES: usize = MAX_I32_BYTES + 2;
/// Most bytes postcard takes for a [`QParams`].
pub const MAX_QPARAMS_BYTES: usize = 4 + MAX_I32_BYTES;

/// int8 layers (and tuples of them, up to 24) that the model file stores: the kind and defining
/// sizes of each layer's record, and each layer's serde encoding in order.
///
/// Implemented for every int8 layer of [`quant`](super) and for the `f32` layers that run on int8
/// as they are (pools, reshapes, dropout, identity); a layer's kind and sizes are what its `f32`
/// twin records, with a `Q` in front for the layers that differ (`QDense<4, 8>`).
pub trait QStored: Sized {
    /// Number of layers.
    const DEPTH: usize;
    /// The most bytes postcard can take for the layers' parameters (every varint at its longest).
    const MAX_ENCODED_LEN: usize;
    /// Every parameter zero (what decoding starts from).
    const ZERO: Self;

    /// Calls `f` with each layer's kind and defining sizes, in order.
    fn records(f: &mut impl FnMut(ExpectedLayer));

    /// Serializes each layer as one element of `t`.
    fn serialize_layers<S: SerializeTuple>(&self, t: &mut S) -> Result<(), S::Error>;

    /// Decodes each layer in place from the next element of `seq`; `read` counts the elements
    /// taken (for the error of a sequence that ends early).
    fn deserialize_layers<'de, A: SeqAccess<'de>>(
        &mut self,
        seq: &mut A,
        read: &mut usize,
    ) -> Result<(), A::Error>;
}

/// A layer's kind and defining sizes, as constants (so the sizes are `'static`).
trait Record {
    const KIND: &'static str;
    const DIMS: &'static [usize];
    const MAX_ENCODED_LEN: usize;
}

/// A layer encoded as the tuple of its parts.
trait Parts: Sized {
    /// Number of parts.
    const COUNT: usize;
    /// Every field zero.
    const ZERO: Self;
    /// Writes the parts.
    fn write<S: SerializeTuple>(&self, t: &mut S) -> Result<(), S::Error>;
    /// Reads the parts into place.
    fn read<'de, A: SeqAccess<'de>>(&mut self, seq: &mut A) -> Result<(), A::Error>;
}

fn serialize_parts<P: Parts, S: Serializer>(p: &P, s: S) -> Result<S::Ok, S::Error> {
    let mut t = s.serialize_tuple(P::COUNT)?;
    p.write(&mut t)?;
    t.end()
}

struct PartsVisitor<'a, P>(&'a mut P);

impl<'de, P: Parts> Visitor<'de> for PartsVisitor<'_, P> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a tuple of {} parts", P::COUNT)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        self.0.read(&mut seq)
    }
}

fn deserialize_parts_in_place<'de, P: Parts, D: Deserializer<'de>>(
    d: D,
    place: &mut P,
) -> Result<(), D::Error> {
    d.deserialize_tuple(P::COUNT, PartsVisitor(place))
}

/// `n` elements, for `invalid_length`.
struct Elements(usize);
impl de::Expected for Elements {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} elements", self.0)
    }
}

/// Takes the next element of `seq` with `seed`; a sequence that ends is an error.
fn next<'de, A: SeqAccess<'de>, T: DeserializeSeed<'de, Value = ()>>(
    seq: &mut A,
    seed: T,
    read: &mut usize,
) -> Result<(), A::Error> {
    match seq.next_element_seed(seed)? {
        Some(()) => {
            *read += 1;
            Ok(())
        }
        None => Err(de::Error::invalid_length(*read, &Elements(*read + 1))),
    }
}

/// Decodes a value in place ([`Deserialize::deserialize_in_place`]).
struct InPlace<'a, T>(&'a mut T);

impl<'de, T: Deserialize<'de>> DeserializeSeed<'de> for InPlace<'_, T> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        T::deserialize_in_place(d, self.0)
    }
}

/// A run of values written as a tuple of its elements (no length: the type gives it).
struct Run<'a, T>(&'a [T]);

impl<T: Serialize> Serialize for Run<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut t = s.serialize_tuple(self.0.len())?;
        for v in self.0 {
            t.serialize_element(v)?;
        }
        t.end()
    }
}

/// Decodes a tuple of `place.len()` elements into `place`.
struct RunInto<'a, T>(&'a mut [T]);

impl<'de, T: Deserialize<'de>> DeserializeSeed<'de> for RunInto<'_, T> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_tuple(self.0.len(), self)
    }
}

impl<'de, T: Deserialize<'de>> Visitor<'de> for RunInto<'_, T> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a tuple of {} elements", self.0.len())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let len = self.0.len();
        for (i, slot) in self.0.iter_mut().enumerate() {
            match seq.next_element()? {
                Some(v) => *slot = v,
                None => return Err(de::Error::invalid_length(i, &Elements(len))),
            }
        }
        Ok(())
    }
}

/// Weights kept in the kernels' interleaved layout (rows of `k`), written in plain row order.
struct PlainRows<'a> {
    packed: &'a [i8],
    k: usize,
}

fn rows_of(len: usize, k: usize) -> usize {
    len.checked_div(k).unwrap_or(0)
}

impl Serialize for PlainRows<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (k, rows) = (self.k, rows_of(self.packed.len(), self.k));
        let mut t = s.serialize_tuple(rows * k)?;
        for r in 0..rows {
            for i in 0..k {
                let w = self.packed.get(packed_index(r, i, rows, k)).copied();
                t.serialize_element(&w.unwrap_or(0))?;
            }
        }
        t.end()
    }
}

/// Reads weights in plain row order, putting each where the interleaved layout keeps it.
struct PlainRowsInto<'a> {
    packed: &'a mut [i8],
    k: usize,
}

impl<'de> DeserializeSeed<'de> for PlainRowsInto<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        let len = rows_of(self.packed.len(), self.k) * self.k;
        d.deserialize_tuple(len, self)
    }
}

impl<'de> Visitor<'de> for PlainRowsInto<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} int8 weights", self.packed.len())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let (k, rows) = (self.k, rows_of(self.packed.len(), self.k));
        for r in 0..rows {
            for i in 0..k {
                let Some(w) = seq.next_element::<i8>()? else {
                    return Err(de::Error::invalid_length(r * k + i, &Elements(rows * k)));
                };
                if let Some(slot) = self.packed.get_mut(packed_index(r, i, rows, k)) {
                    *slot = w;
                }
            }
        }
        Ok(())
    }
}

/// Serialize and Deserialize (with `deserialize_in_place`) from a [`Parts`] implementation.
macro_rules! serde_via_parts {
    ([$($g:tt)*] $ty:ty) => {
        impl<$($g)*> Serialize for $ty {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                serialize_parts(self, s)
            }
        }

        impl<'de, $($g)*> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let mut value = <Self as Parts>::ZERO;
                deserialize_parts_in_place(d, &mut value)?;
                Ok(value)
            }
            fn deserialize_in_place<D: Deserializer<'de>>(
                d: D,
                place: &mut Self,
            ) -> Result<(), D::Error> {
                deserialize_parts_in_place(d, place)
            }
        }
    };
}

/// A [`QStored`] layer (one record) from its [`Record`] and serde.
macro_rules! stored_leaf {
    ([$($g:tt)*] $ty:ty) => {
        impl<$($g)*> QStored for $ty {
            const DEPTH: usize = 1;
            const MAX_ENCODED_LEN: usize = <Self as Record>::MAX_ENCODED_LEN;
            const ZERO: Self = <Self as LeafZero>::ZERO;
            fn records(f: &mut impl FnMut(ExpectedLayer)) {
                f(ExpectedLayer {
                    kind: <Self as Record>::KIND,
                    dims: <Self as Record>::DIMS,
                })
            }
            fn serialize_layers<S: SerializeTuple>(&self, t: &mut S) -> Result<(), S::Error> {
                t.serialize_element(self)
            }
            fn deserialize_layers<'de, A: SeqAccess<'de>>(
                &mut self,
                seq: &mut A,
                read: &mut usize,
            ) -> Result<(), A::Error> {
                next(seq, InPlace(self), read)
            }
        }
    };
}

/// The zero value of a stored layer.
trait LeafZero {
    const ZERO: Self;
}

const REQUANT_ZERO: Requant = Requant {
    multiplier: 0,
    shift: 0,
};
const QPARAMS_ONE: QParams = QParams {
    scale: 1.0,
    zero_point: 0,
};
const STAGE_ZERO: OutputStage = OutputStage {
    zero_point: 0,
    min: i8::MIN,
    max: i8::MAX,
};

// ---- QDense

impl<const I: usize, const O: usize> Parts for QDense<I, O> {
    const COUNT: usize = 4;
    const ZERO: Self = QDense {
        weights: Packed([[0; I]; O]),
        bias: [0; O],
        requant: [REQUANT_ZERO; O],
        output: STAGE_ZERO,
    };
    fn write<S: SerializeTuple>(&self, t: &mut S) -> Result<(), S::Error> {
        t.serialize_element(&PlainRows {
            packed: self.weights.0.as_flattened(),
            k: I,
        })?;
        t.serialize_element(&Run(&self.bias))?;
        t.serialize_element(&Run(&self.requant))?;
        t.serialize_element(&self.output)
    }
    fn read<'de, A: SeqAccess<'de>>(&mut self, seq: &mut A) -> Result<(), A::Error> {
        let read = &mut 0;
        let packed = self.weights.0.as_flattened_mut();
        next(seq, PlainRowsInto { packed, k: I }, read)?;
        next(seq, RunInto(&mut self.bias), read)?;
        next(seq, RunInto(&mut self.requant), read)?;
        next(seq, InPlace(&mut self.output), read)
    }
}
serde_via_parts!([const I: usize, const O: usize] QDense<I, O>);

impl<const I: usize, const O: usize> Record for QDense<I, O> {
    const KIND: &'static str = "QDense";
    const DIMS: &'static [usize] = &[I, O];
    const MAX_ENCODED_LEN: usize =
        I * O + O * (MAX_I32_BYTES + MAX_REQUANT_BYTES) + MAX_STAGE_BYTES;
}
impl<const I: usize, const O: usize> LeafZero for QDense<I, O> {
    const ZERO: Self = <Self as Parts>::ZERO;
}
stored_leaf!([const I: usize, const O: usize] QDense<I, O>);

// ---- the convolutions

/// Parts, record and serde of a convolution (weights in rows of `k` per output channel, or
/// plain for the depthwise one).
macro_rules! conv_serde {
    (
        $name:ident<$(const $c:ident),*>, kind: $kind:literal, dims: [$($d:expr),*],
        weights: $w:ty, zero_weights: $zw:expr, channels: $cout:ident, k: $k:expr,
        flat: |$f:ident| $flat:expr, flat_mut: |$m:ident| $flat_mut:expr, packed: $packed:literal
    ) => {
        impl<$(const $c: usize,)* P: Padding> Parts for $name<$($c,)* P> {
            const COUNT: usize = 5;
            const ZERO: Self = $name {
                weights: $zw,
                bias: [0; $cout],
                requant: [REQUANT_ZERO; $cout],
                output: STAGE_ZERO,
                input_zero_point: 0,
                padding: PhantomData,
            };
            fn write<S: SerializeTuple>(&self, t: &mut S) -> Result<(), S::Error> {
                let $f = &self.weights;
                let flat: &[i8] = $flat;
                if $packed {
                    t.serialize_element(&PlainRows { packed: flat, k: $k })?;
                } else {
                    t.serialize_element(&Run(flat))?;
                }
                t.serialize_element(&Run(&self.bias))?;
                t.serialize_element(&Run(&self.requant))?;
                t.serialize_element(&self.output)?;
                t.serialize_element(&self.input_zero_point)
            }
            fn read<'de, A: SeqAccess<'de>>(&mut self, seq: &mut A) -> Result<(), A::Error> {
                let read = &mut 0;
                let $m = &mut self.weights;
                let flat: &mut [i8] = $flat_mut;
                if $packed {
                    next(seq, PlainRowsInto { packed: flat, k: $k }, read)?;
                } else {
                    next(seq, RunInto(flat), read)?;
                }
                next(seq, RunInto(&mut self.bias), read)?;
                next(seq, RunInto(&mut self.requant), read)?;
                next(seq, InPlace(&mut self.output), read)?;
                next(seq, InPlace(&mut self.input_zero_point), read)
            }
        }
        serde_via_parts!([$(const $c: usize,)* P: Padding] $name<$($c,)* P>);

        impl<$(const $c: usize,)* P: Padding> Record for $name<$($c,)* P> {
            const KIND: &'static str = $kind;
            const DIMS: &'static [usize] = &[$($d,)* P::CODE];
            const MAX_ENCODED_LEN: usize = core::mem::size_of::<$w>()
                + $cout * (MAX_I32_BYTES + MAX_REQUANT_BYTES)
                + MAX_STAGE_BYTES
                + 1;
        }
        impl<$(const $c: usize,)* P: Padding> LeafZero for $name<$($c,)* P> {
            const ZERO: Self = <Self as Parts>::ZERO;
        }
        stored_leaf!([$(const $c: usize,)* P: Padding] $name<$($c,)* P>);
    };
}

conv_serde!(
    QConv2d<const H, const W, const CIN, const COUT, const KH, const KW, const SH, const SW,
        const OH, const OW>,
    kind: "QConv2d", dims: [H, W, CIN, COUT, KH, KW, SH, SW, OH, OW],
    weights: [[[[i8; CIN]; KW]; KH]; COUT], zero_weights: Packed([[[[0; CIN]; KW]; KH]; COUT]),
    channels: COUT, k: KH * KW * CIN,
    flat: |w| w.0.as_flattened().as_flattened().as_flattened(),
    flat_mut: |w| w.0.as_flattened_mut().as_flattened_mut().as_flattened_mut(),
    packed: true
);
conv_serde!(
    QConv1d<const L, const CIN, const COUT, const KL, const SL, const OL>,
    kind: "QConv1d", dims: [L, CIN, COUT, KL, SL, OL],
    weights: [[[i8; CIN]; KL]; COUT], zero_weights: Packed([[[0; CIN]; KL]; COUT]),
    channels: COUT, k: KL * CIN,
    flat: |w| w.0.as_flattened().as_flattened(),
    flat_mut: |w| w.0.as_flattened_mut().as_flattened_mut(),
    packed: true
);
conv_serde!(
    QDepthwiseConv2d<const H, const W, const C, const KH, const KW, const SH, const SW,
        const OH, const OW>,
    kind: "QDepthwiseConv2d", dims: [H, W, C, KH, KW, SH, SW, OH, OW],
    weights: [[[i8; C]; KW]; KH], zero_weights: [[[0; C]; KW]; KH],
    channels: C, k: C,
    flat: |w| w.as_flattened().as_flattened(),
    flat_mut: |w| w.as_flattened_mut().as_flattened_mut(),
    packed: false
);

// ---- the batch norm: one weight per channel

impl<const C: usize> Parts for QBatchNorm<C> {
    const COUNT: usize = 5;
    const ZERO: Self = QBatchNorm {
        weights: [0; C],
        bias: [0; C],
        requant: [REQUANT_ZERO; C],
        output: STAGE_ZERO,
        input_zero_point: 0,
    };
    fn write<S: SerializeTuple>(&self, t: &mut S) -> Result<(), S::Error> {
        t.serialize_element(&Run(&self.weights))?;
        t.serialize_element(&Run(&self.bias))?;
        t.serialize_element(&Run(&self.requant))?;
        t.serialize_element(&self.output)?;
        t.serialize_element(&self.input_zero_point)
    }
    fn read<'de, A: SeqAccess<'de>>(&mut self, seq: &mut A) -> Result<(), A::Error> {
        let read = &mut 0;
        next(seq, RunInto(&mut self.weights), read)?;
        next(seq, RunInto(&mut self.bias), read)?;
        next(seq, RunInto(&mut self.requant), read)?;
        next(seq, InPlace(&mut self.output), read)?;
        next(seq, InPlace(&mut self.input_zero_point), read)
    }
}
serde_via_parts!([const C: usize] QBatchNorm<C>);

impl<const C: usize> Record for QBatchNorm<C> {
    const KIND: &'static str = "QBatchNorm";
    const DIMS: &'static [usize] = &[C];
    const MAX_ENCODED_LEN: usize =
        C * (1 + MAX_I32_BYTES + MAX_REQUANT_BYTES) + MAX_STAGE_BYTES + 1;
}
impl<const C: usize> LeafZero for QBatchNorm<C> {
    const ZERO: Self = <Self as Parts>::ZERO;
}
stored_leaf!([const C: usize] QBatchNorm<C>);

// ---- the element-wise layers

impl Parts for QClamp {
    const COUNT: usize = 2;
    const ZERO: Self = QClamp::FOLDED;
    fn write<S: SerializeTuple>(&self, t: &mut S) -> Result<(), S::Error> {
        t.serialize_element(&self.min)?;
        t.serialize_element(&self.max)
    }
    fn read<'de, A: SeqAccess<'de>>(&mut self, seq: &mut A) -> Result<(), A::Error> {
        let read = &mut 0;
        next(seq, InPlace(&mut self.min), read)?;
        next(seq, InPlace(&mut self.max), read)
    }
}
serde_via_parts!([] QClamp);

impl Parts for QLut {
    const COUNT: usize = 1;
    const ZERO: Self = QLut { table: [0; 256] };
    fn write<S: SerializeTuple>(&self, t: &mut S) -> Result<(), S::Error> {
        t.serialize_element(&Run(&self.table))
    }
    fn read<'de, A: SeqAccess<'de>>(&mut self, seq: &mut A) -> Result<(), A::Error> {
        next(seq, RunInto(&mut self.table), &mut 0)
    }
}
serde_via_parts!([] QLut);

impl Parts for QSoftmax {
    const COUNT: usize = 1;
    const ZERO: Self = QSoftmax { input: QPARAMS_ONE };
    fn write<S: SerializeTuple>(&self, t: &mut S) -> Result<(), S::Error> {
        t.serialize_element(&self.input)
    }
    fn read<'de, A: SeqAccess<'de>>(&mut self, seq: &mut A) -> Result<(), A::Error> {
        next(seq, InPlace(&mut self.input), &mut 0)
    }
}
serde_via_parts!([] QSoftmax);

macro_rules! elementwise_record {
    ($ty:ty, $kind:literal, $max:expr) => {
        impl Record for $ty {
            const KIND: &'static str = $kind;
            const DIMS: &'static [usize] = &[];
            const MAX_ENCODED_LEN: usize = $max;
        }
        impl LeafZero for $ty {
            const ZERO: Self = <Self as Parts>::ZERO;
        }
        stored_leaf!([] $ty);
    };
}
elementwise_record!(QClamp, "QClamp", 2);
elementwise_record!(QLut, "QLut", 256);
elementwise_record!(QSoftmax, "QSoftmax", MAX_QPARAMS_BYTES);

// ---- the f32 layers that run on int8 as they are: their f32 record, no parameters

macro_rules! pass_through_record {
    ($([$($g:tt)*] $ty:ty;)*) => {$(
        impl<$($g)*> Record for $ty {
            const KIND: &'static str = <Self as Params>::KIND;
            const DIMS: &'static [usize] = <Self as Params>::DIMS;
            const MAX_ENCODED_LEN: usize = 0;
        }
        impl<$($g)*> LeafZero for $ty {
            const ZERO: Self = <Self as Buffer>::ZERO;
        }
        stored_leaf!([$($g)*] $ty);
    )*};
}
pass_through_record! {
    [const KH: usize, const KW: usize, const SH: usize, const SW: usize, const OH: usize,
     const OW: usize, P: Padding] MaxPool2d<KH, KW, SH, SW, OH, OW, P>;
    [const KH: usize, const KW: usize, const SH: usize, const SW: usize, const OH: usize,
     const OW: usize, P: Padding] AvgPool2d<KH, KW, SH, SW, OH, OW, P>;
    [const KL: usize, const SL: usize, const OL: usize, P: Padding] MaxPool1d<KL, SL, OL, P>;
    [const KL: usize, const SL: usize, const OL: usize, P: Padding] AvgPool1d<KL, SL, OL, P>;
    [] GlobalAvgPool;
    [T: HasInt8] Reshape<T>;
    [const R: u32] Dropout<R>;
    [] Identity;
}

// ---- tuples of layers

macro_rules! tuple_stored {
    ($(($L:ident $k:tt $T:ident $V:ident))+) => {
        impl<$($L: QStored),+> QStored for ($($L,)+) {
            const DEPTH: usize = 0 $(+ $L::DEPTH)+;
            const MAX_ENCODED_LEN: usize = 0 $(+ $L::MAX_ENCODED_LEN)+;
            const ZERO: Self = ($($L::ZERO,)+);
            fn records(f: &mut impl FnMut(ExpectedLayer)) {
                $($L::records(f);)+
            }
            fn serialize_layers<S: SerializeTuple>(&self, t: &mut S) -> Result<(), S::Error> {
                $(self.$k.serialize_layers(t)?;)+
                Ok(())
            }
            fn deserialize_layers<'de, A: SeqAccess<'de>>(
                &mut self,
                seq: &mut A,
                read: &mut usize,
            ) -> Result<(), A::Error> {
                $(self.$k.deserialize_layers(seq, read)?;)+
                Ok(())
            }
        }
    };
}
crate::tuples::for_each_tuple!(tuple_stored);

// ---- residual connections: a header record (the add's parameters) before the branches'

/// Most bytes postcard takes for a [`QAddParams`].
pub const MAX_ADD_BYTES: usize = 2 * MAX_I32_BYTES + 3 * MAX_REQUANT_BYTES + MAX_STAGE_BYTES;

/// The header record of an int8 combinator: its kind and its branches' depths.
struct Header<A, B = ()>(PhantomData<(A, B)>);

impl<B: QStored> Header<B> {
    const ONE: &'static [usize] = &[B::DEPTH];
}

impl<A: QStored, B: QStored> Header<A, B> {
    const TWO: &'static [usize] = &[A::DEPTH, B::DEPTH];
}

/// `x + B(x)`: records `QResidual<depth of B>` and then the block's; encodes the add's
/// parameters at the header's position, then the block's layers.
impl<B: QStored> QStored for QResidual<B> {
    const DEPTH: usize = B::DEPTH + 1;
    const MAX_ENCODED_LEN: usize = MAX_ADD_BYTES + B::MAX_ENCODED_LEN;
    const ZERO: Self = QResidual {
        block: B::ZERO,
        add: ADD_ZERO,
    };
    fn records(f: &mut impl FnMut(ExpectedLayer)) {
        f(ExpectedLayer {
            kind: "QResidual",
            dims: Header::<B>::ONE,
        });
        B::records(f)
    }
    fn serialize_layers<S: SerializeTuple>(&self, t: &mut S) -> Result<(), S::Error> {
        t.serialize_element(&self.add)?;
        self.block.serialize_layers(t)
    }
    fn deserialize_layers<'de, A: SeqAccess<'de>>(
        &mut self,
        seq: &mut A,
        read: &mut usize,
    ) -> Result<(), A::Error> {
        next(seq, InPlace(&mut self.add), read)?;
        self.block.deserialize_layers(seq, read)
    }
}

/// `A(x) + B(x)`: records `QAdd<depth of A, depth of B>`, then A's and B's; encodes the add's
/// parameters, then A's layers and B's.
impl<A: QStored, B: QStored> QStored for QAdd<A, B> {
    const DEPTH: usize = A::DEPTH + B::DEPTH + 1;
    const MAX_ENCODED_LEN: usize = MAX_ADD_BYTES + A::MAX_ENCODED_LEN + B::MAX_ENCODED_LEN;
    const ZERO: Self = QAdd {
        a: A::ZERO,
        b: B::ZERO,
        add: ADD_ZERO,
    };
    fn records(f: &mut impl FnMut(ExpectedLayer)) {
        f(ExpectedLayer {
            kind: "QAdd",
            dims: Header::<A, B>::TWO,
        });
        A::records(f);
        B::records(f)
    }
    fn serialize_layers<S: SerializeTuple>(&self, t: &mut S) -> Result<(), S::Error> {
        t.serialize_element(&self.add)?;
        self.a.serialize_layers(t)?;
        self.b.serialize_layers(t)
    }
    fn deserialize_layers<'de, D: SeqAccess<'de>>(
        &mut self,
        seq: &mut D,
        read: &mut usize,
    ) -> Result<(), D::Error> {
        next(seq, InPlace(&mut self.add), read)?;
        self.a.deserialize_layers(seq, read)?;
        self.b.deserialize_layers(seq, read)
    }
}

const ADD_ZERO: QAddParams = QAddParams {
    input1_offset: 0,
    input1: REQUANT_ZERO,
    input2_offset: 0,
    input2: REQUANT_ZERO,
    output: REQUANT_ZERO,
    stage: STAGE_ZERO,
};

// ---- the model with its edges

impl<M: QStored> Parts for Quantized<M> {
    const COUNT: usize = M::DEPTH + 2;
    const ZERO: Self = Quantized {
        input: QPARAMS_ONE,
        layers: M::ZERO,
        output: QPARAMS_ONE,
    };
    fn write<S: SerializeTuple>(&self, t: &mut S) -> Result<(), S::Error> {
        t.serialize_element(&self.input)?;
        self.layers.serialize_layers(t)?;
        t.serialize_element(&self.output)
    }
    fn read<'de, A: SeqAccess<'de>>(&mut self, seq: &mut A) -> Result<(), A::Error> {
        let read = &mut 0;
        next(seq, InPlace(&mut self.input), read)?;
        self.layers.deserialize_layers(seq, read)?;
        next(seq, InPlace(&mut self.output), read)
    }
}
serde_via_parts!([M: QStored] Quantized<M>);

impl<M: QStored> Quantized<M> {
    /// The most bytes postcard takes for this model (what its part of a model file can need).
    pub const MAX_ENCODED_LEN: usize = M::MAX_ENCODED_LEN + 2 * MAX_QPARAMS_BYTES;
}

#[cfg(test)]
mod test {
    use super::*;
    use crate::layers::conv::{Same, Valid};

    fn enc<T: Serialize>(value: &T) -> std::vec::Vec<u8> {
        let mut buf = [0u8; 1024];
        postcard::to_slice(value, &mut buf).unwrap().to_vec()
    }

    #[test]
    fn dense_weights_are_one_byte_each_in_plain_order() {
        let rows: [[i8; 3]; 5] =
            core::array::from_fn(|o| core::array::from_fn(|i| (o * 3 + i) as i8 - 7));
        let requant = [Requant {
            multiplier: 1 << 30,
            shift: -3,
        }; 5];
        let layer = QDense::<3, 5>::from_tflite(&rows, [1, -1, 2, -2, 64], 0, requant, STAGE_ZERO);
        let bytes = enc(&layer);
        let plain: std::vec::Vec<u8> = rows.as_flattened().iter().map(|&w| w as u8).collect();
        assert_eq!(
            &bytes[..15],
            &plain[..],
            "weights: rows as TFLite stores them"
        );
        assert_eq!(
            &bytes[15..21],
            &[2, 1, 4, 3, 0x80, 1],
            "biases: zigzag varints"
        );
        let back: QDense<3, 5> = postcard::from_bytes(&bytes).unwrap();
        assert_eq!(back, layer);
        assert!(bytes.len() <= <QDense<3, 5> as QStored>::MAX_ENCODED_LEN);
        for cut in 0..bytes.len() {
            assert!(postcard::from_bytes::<QDense<3, 5>>(&bytes[..cut]).is_err());
        }
    }

    #[test]
    fn records_are_the_f32_records_with_a_q() {
        type M = (
            QConv2d<4, 4, 1, 2, 3, 3, 1, 1, 4, 4, Same>,
            QClamp,
            MaxPool2d<2, 2, 2, 2, 2, 2, Valid>,
            Reshape<[f32; 8]>,
            QDense<8, 3>,
            QSoftmax,
        );
        let mut seen = std::vec::Vec::new();
        M::records(&mut |r| seen.push(std::format!("{r}")));
        assert_eq!(
            seen,
            [
                "QConv2d<4, 4, 1, 2, 3, 3, 1, 1, 4, 4, 1>",
                "QClamp",
                "MaxPool2d<2, 2, 2, 2, 2, 2, 0>",
                "Flatten<8>",
                "QDense<8, 3>",
                "QSoftmax"
            ]
        );
        assert_eq!(M::DEPTH, 6);
    }
}
