//! The int8 part of a model file (format version 3): reading it without a model type
//! ([`Int8Params`], [`Int8Layer`]), checking every value, and the typed reader and writer
//! ([`QuantizedFile`]).
//!
//! A version-3 file has the parts of a version-2 file up to the labels, with int8 layer records
//! (`QDense<4, 8>`, `QClamp`, `MaxPool2d<…>`), and then, instead of a run of `f32`s, the model as
//! [`Quantized<M>`]'s serde writes it: the input's [`QParams`], each layer's parameters in
//! record order, the output's [`QParams`]. Which bytes a layer takes follows from its record
//! (`QDense<I, O>`: `I·O` weights, `O` biases, `O` requantizations, an output stage), so the
//! reader walks and checks them without knowing the model type.

use core::marker::PhantomData;

use serde::{Deserialize, Serialize};

use super::records::{ExpectedLayer, LayerDesc, LayerRecord};
use super::{
    check_preprocessing, encoded_size, header_for, Counter, LoadError, ModelInfo, Preprocessing,
    SaveError, Sink, Writer, MAX_DIMS, MAX_KIND, MAX_LABELS, MAX_LABEL_BYTES, TRAILER, VARINT16,
    VARINT32, VARINT64, VERSION_INT8,
};
use crate::quant::{
    OutputStage, QAddParams, QClamp, QModel, QParams, QSoftmax, QStored, QTensor, Quantized,
    Requant,
};

/// The int8 part of a version-3 file, borrowed from it and checked by
/// [`ModelInfo::parse`]: the model's input and output quantization and every layer's
/// parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Int8Params<'a> {
    /// The encoded `Quantized<M>`: input parameters, the layers', output parameters.
    bytes: &'a [u8],
    /// The layer records, already checked to decode.
    records: &'a [u8],
    layer_count: usize,
}

/// One layer's parameters as a version-3 file stores them (borrowed; checked when the file was
/// parsed).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Int8Layer<'a> {
    /// A layer without parameters: a pool, reshape, dropout or identity.
    None,
    /// A layer that computes sums: `QDense`, `QConv1d`, `QConv2d`, `QDepthwiseConv2d`,
    /// `QBatchNorm`.
    Weighted(Weighted<'a>),
    /// A `QClamp`.
    Clamp(QClamp),
    /// A `QLut`: the 256 outputs, indexed by the input's byte.
    Lut(&'a [u8]),
    /// A `QSoftmax`.
    Softmax(QSoftmax),
    /// The add of a `QResidual` or `QAdd` (its branches are the layers that follow).
    Add(QAddParams),
}

/// The parameters of a layer that computes sums.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Weighted<'a> {
    weights: &'a [u8],
    channels: usize,
    /// The biases, then the requantizations, as postcard varints.
    channel_bytes: &'a [u8],
    /// Output zero point and clamp.
    pub output: OutputStage,
    /// The input's zero point, for the layers that store it (convolutions, batch norm).
    pub input_zero_point: Option<i8>,
}

impl<'a> Weighted<'a> {
    /// The int8 weights in TFLite's order (`[O][I]`, OHWI, or `[KH][KW][C]` for a depthwise
    /// convolution), as stored.
    pub fn weights(&self) -> impl ExactSizeIterator<Item = i8> + 'a {
        self.weights.iter().map(|&b| b as i8)
    }
    /// The weights' bytes (two's complement).
    pub fn weight_bytes(&self) -> &'a [u8] {
        self.weights
    }
    /// Output channels: one bias and one requantization each.
    pub fn channels(&self) -> usize {
        self.channels
    }
    /// The int32 biases.
    pub fn biases(&self) -> impl Iterator<Item = i32> + 'a {
        let mut rest = self.channel_bytes;
        (0..self.channels).map_while(move |_| {
            let (v, next) = postcard::take_from_bytes::<i32>(rest).ok()?;
            rest = next;
            Some(v)
        })
    }
    /// The per-channel requantizations.
    pub fn requants(&self) -> impl Iterator<Item = Requant> + 'a {
        let mut rest = self.channel_bytes;
        for _ in 0..self.channels {
            rest = match postcard::take_from_bytes::<i32>(rest) {
                Ok((_, next)) => next,
                Err(_) => &[],
            };
        }
        (0..self.channels).map_while(move |_| {
            let (v, next) = postcard::take_from_bytes::<Requant>(rest).ok()?;
            rest = next;
            Some(v)
        })
    }
}

/// Where a check failed: a layer, or the model's edges (`None`).
type Site = Option<usize>;

fn invalid(layer: Site, what: &'static str) -> LoadError {
    LoadError::InvalidQuantization { layer, what }
}

/// Decodes one canonical `T` (as [`super::info`]'s `take`).
fn take<'a, T: Deserialize<'a> + Serialize>(
    bytes: &'a [u8],
    what: &'static str,
) -> Result<(T, &'a [u8]), LoadError> {
    let (value, rest) =
        postcard::take_from_bytes::<T>(bytes).map_err(|_| LoadError::Malformed(what))?;
    if encoded_size(&value).ok() != Some(bytes.len() - rest.len()) {
        return Err(LoadError::NonCanonical(what));
    }
    Ok((value, rest))
}

fn check_zero_point(z: i32, at: Site) -> Result<(), LoadError> {
    if !(i8::MIN as i32..=i8::MAX as i32).contains(&z) {
        return Err(invalid(at, "a zero point is outside the int8 range"));
    }
    Ok(())
}

fn check_qparams(p: &QParams, at: Site) -> Result<(), LoadError> {
    if !(p.scale.is_finite() && p.scale > 0.0) {
        return Err(invalid(at, "a scale is not finite and positive"));
    }
    check_zero_point(p.zero_point, at)
}

/// TFLite's `QuantizeMultiplier` gives a non-negative Q31 mantissa and an exponent in
/// `-31..=30` ([`Requant::from_scale`]); nothing else is written.
fn check_requant(r: &Requant, at: Site) -> Result<(), LoadError> {
    if r.multiplier < 0 {
        return Err(invalid(at, "a requantization multiplier is negative"));
    }
    if !(-31..=30).contains(&r.shift) {
        return Err(invalid(at, "a requantization shift is outside -31..=30"));
    }
    Ok(())
}

fn check_stage(s: &OutputStage, at: Site) -> Result<(), LoadError> {
    check_zero_point(s.zero_point, at)?;
    if s.min > s.max {
        return Err(invalid(at, "an output clamp's minimum exceeds its maximum"));
    }
    Ok(())
}

/// What a record's parameters are.
enum Layout {
    None,
    Weighted {
        weights: usize,
        channels: usize,
        zero_point: bool,
    },
    Clamp,
    Lut,
    Softmax,
    Add,
}

/// The layout of the parameters of the layer `desc` describes, from its kind and sizes.
fn layout(desc: &LayerDesc, at: usize) -> Result<Layout, LoadError> {
    let unknown = || LoadError::UnknownInt8Layer {
        layer: at,
        found: desc.clone(),
    };
    let mut dims = [0usize; MAX_DIMS];
    for (d, &v) in dims.iter_mut().zip(desc.dims.iter()) {
        *d = v as usize;
    }
    let d = dims.get(..desc.dims.len()).unwrap_or_default();
    let product = |values: &[usize]| {
        values
            .iter()
            .try_fold(1usize, |p, &v| p.checked_mul(v))
            .ok_or(LoadError::Malformed("layer sizes overflow"))
    };
    let padding = |code: usize| if code <= 1 { Ok(()) } else { Err(unknown()) };
    let weighted = |weights: &[usize], channels: usize, zero_point: bool| {
        Ok(Layout::Weighted {
            weights: product(weights)?,
            channels,
            zero_point,
        })
    };
    match (desc.kind.as_str(), d) {
        ("QDense", &[i, o]) => weighted(&[i, o], o, false),
        ("QConv2d", &[_, _, cin, cout, kh, kw, _, _, _, _, pad]) => {
            padding(pad)?;
            weighted(&[cout, kh, kw, cin], cout, true)
        }
        ("QConv1d", &[_, cin, cout, kl, _, _, pad]) => {
            padding(pad)?;
            weighted(&[cout, kl, cin], cout, true)
        }
        ("QDepthwiseConv2d", &[_, _, c, kh, kw, _, _, _, _, pad]) => {
            padding(pad)?;
            weighted(&[kh, kw, c], c, true)
        }
        ("QBatchNorm", &[c]) => weighted(&[c], c, true),
        ("QClamp", &[]) => Ok(Layout::Clamp),
        ("QLut", &[]) => Ok(Layout::Lut),
        ("QSoftmax", &[]) => Ok(Layout::Softmax),
        ("QResidual", &[_]) | ("QAdd", &[_, _]) => Ok(Layout::Add),
        ("MaxPool2d" | "AvgPool2d", &[_, _, _, _, _, _, pad])
        | ("MaxPool1d" | "AvgPool1d", &[_, _, _, pad]) => {
            padding(pad)?;
            Ok(Layout::None)
        }
        ("GlobalAvgPool" | "Identity", &[]) | ("Flatten" | "Dropout", &[_]) => Ok(Layout::None),
        ("Reshape", &[_, _] | &[_, _, _]) => Ok(Layout::None),
        _ => Err(unknown()),
    }
}

/// Reads and checks the parameters of the layer at position `at` described by `desc`.
fn take_layer<'a>(
    desc: &LayerDesc,
    at: usize,
    bytes: &'a [u8],
) -> Result<(Int8Layer<'a>, &'a [u8]), LoadError> {
    const WHAT: &str = "int8 parameters";
    let site = Some(at);
    Ok(match layout(desc, at)? {
        Layout::None => (Int8Layer::None, bytes),
        Layout::Weighted {
            weights,
            channels,
            zero_point,
        } => {
            let (weights, mut rest) = bytes
                .split_at_checked(weights)
                .ok_or(LoadError::Malformed(WHAT))?;
            let channel_start = rest;
            for _ in 0..channels {
                let (_, next) = take::<i32>(rest, WHAT)?;
                rest = next;
            }
            for _ in 0..channels {
                let (r, next) = take::<Requant>(rest, WHAT)?;
                check_requant(&r, site)?;
                rest = next;
            }
            let channel_bytes = consumed(channel_start, rest);
            let (output, mut rest) = take::<OutputStage>(rest, WHAT)?;
            check_stage(&output, site)?;
            let mut input_zero_point = None;
            if zero_point {
                let (z, next) = take::<i8>(rest, WHAT)?;
                input_zero_point = Some(z);
                rest = next;
            }
            let layer = Weighted {
                weights,
                channels,
                channel_bytes,
                output,
                input_zero_point,
            };
            (Int8Layer::Weighted(layer), rest)
        }
        Layout::Clamp => {
            let (clamp, rest) = take::<(i8, i8)>(bytes, WHAT)?;
            if clamp.0 > clamp.1 {
                return Err(invalid(site, "a clamp's minimum exceeds its maximum"));
            }
            let clamp = QClamp {
                min: clamp.0,
                max: clamp.1,
            };
            (Int8Layer::Clamp(clamp), rest)
        }
        Layout::Lut => {
            let (table, rest) = bytes
                .split_at_checked(256)
                .ok_or(LoadError::Malformed(WHAT))?;
            (Int8Layer::Lut(table), rest)
        }
        Layout::Softmax => {
            let (input, rest) = take::<QParams>(bytes, WHAT)?;
            check_qparams(&input, site)?;
            (Int8Layer::Softmax(QSoftmax { input }), rest)
        }
        Layout::Add => {
            let (add, rest) = take::<QAddParams>(bytes, WHAT)?;
            for offset in [add.input1_offset, add.input2_offset] {
                // Minus a zero point.
                check_zero_point(offset.saturating_neg(), site)?;
            }
            for r in [&add.input1, &add.input2, &add.output] {
                check_requant(r, site)?;
            }
            check_stage(&add.stage, site)?;
            (Int8Layer::Add(add), rest)
        }
    })
}

/// The part of `start` that decoding consumed to get to `rest`.
fn consumed<'a>(start: &'a [u8], rest: &[u8]) -> &'a [u8] {
    start
        .get(..start.len().saturating_sub(rest.len()))
        .unwrap_or_default()
}

/// Iterates over stored layer records (already checked to decode).
fn records<'a>(bytes: &'a [u8], count: usize) -> impl Iterator<Item = LayerDesc> + 'a {
    let mut rest = bytes;
    (0..count).map_while(move |_| {
        let (record, next) = postcard::take_from_bytes::<LayerRecord<'_>>(rest).ok()?;
        rest = next;
        LayerDesc::from_record(&record)
    })
}

impl<'a> Int8Params<'a> {
    /// Reads and checks the int8 part of a file whose `layer_count` records are `records`:
    /// every value decodes from its canonical encoding, scales are finite and positive, zero
    /// points within int8, clamps ordered, requantization shifts in `-31..=30`, and nothing
    /// follows the output's parameters.
    pub(super) fn parse(
        bytes: &'a [u8],
        records_bytes: &'a [u8],
        layer_count: usize,
    ) -> Result<Self, LoadError> {
        let (input, mut rest) = take::<QParams>(bytes, "input quantization")?;
        check_qparams(&input, None)?;
        let mut seen = 0;
        for (at, desc) in records(records_bytes, layer_count).enumerate() {
            let (_, next) = take_layer(&desc, at, rest)?;
            rest = next;
            seen += 1;
        }
        if seen != layer_count {
            return Err(LoadError::Malformed("layer record"));
        }
        let (output, rest) = take::<QParams>(rest, "output quantization")?;
        check_qparams(&output, None)?;
        if !rest.is_empty() {
            return Err(LoadError::Malformed("bytes after the int8 parameters"));
        }
        Ok(Int8Params {
            bytes,
            records: records_bytes,
            layer_count,
        })
    }

    /// How the model's `f32` input is quantized.
    pub fn input(&self) -> QParams {
        postcard::take_from_bytes::<QParams>(self.bytes)
            .map(|(p, _)| p)
            .unwrap_or_default()
    }

    /// How the model's int8 output is read as `f32`.
    pub fn output(&self) -> QParams {
        let mut rest = self.bytes;
        if let Ok((_, next)) = postcard::take_from_bytes::<QParams>(rest) {
            rest = next;
        }
        for (at, desc) in records(self.records, self.layer_count).enumerate() {
            match take_layer(&desc, at, rest) {
                Ok((_, next)) => rest = next,
                Err(_) => return QParams::default(),
            }
        }
        postcard::take_from_bytes::<QParams>(rest)
            .map(|(p, _)| p)
            .unwrap_or_default()
    }

    /// Each layer's descriptor and parameters, in order.
    pub fn layers(&self) -> impl Iterator<Item = (LayerDesc, Int8Layer<'a>)> + 'a {
        let mut rest = postcard::take_from_bytes::<QParams>(self.bytes)
            .map(|(_, r)| r)
            .unwrap_or_default();
        records(self.records, self.layer_count)
            .enumerate()
            .map_while(move |(at, desc)| {
                let (layer, next) = take_layer(&desc, at, rest).ok()?;
                rest = next;
                Some((desc, layer))
            })
    }

    /// Bytes of the int8 parameters as stored (the postcard encoding of the `Quantized<M>`).
    pub fn as_bytes(&self) -> &'a [u8] {
        self.bytes
    }
}

/// Reading and writing int8 model files (format version 3) for int8 model type `M`: a
/// [`Quantized<M>`] with the [`Preprocessing`] its `f32` inputs need.
///
/// ```
/// use embednn::format::{ModelInfo, Preprocessing, QuantizedFile};
/// use embednn::prelude::*;
/// use embednn::quant::{Context, QParams, Quantize, Quantized, Range};
///
/// type Net = (Dense<2, 4>, Relu, Dense<4, 3>, Softmax);
/// type NetInt8 = <Net as Quantize<[f32; 2]>>::Quantized;
/// let net = Net::init(Initializer::GlorotUniform, &mut Rng::seed(1));
/// let ranges = [Range { min: -2.0, max: 2.0 }; 4];
/// let input = QParams::from_range(-1.0, 1.0);
/// let mut cx = Context::new(&ranges, &["Dense", "ReLU", "Dense", "Softmax"], input);
/// let q = Quantized { input, layers: net.quantize(&mut cx).unwrap(), output: cx.input() };
/// let pre = Preprocessing { mean: &[1.0, 2.0], std: &[0.5, 0.5], labels: &["a", "b", "c"] };
///
/// let mut buf = [0u8; QuantizedFile::<NetInt8>::MAX_BYTES];
/// let n = QuantizedFile::write(&q, &pre, &mut buf).unwrap();
/// let (loaded, info) = QuantizedFile::<NetInt8>::load(&buf[..n]).unwrap();
/// assert_eq!(loaded, q);
/// assert_eq!((info.version, info.label(2)), (3, Some("c")));
/// assert_eq!(info.layers().next().unwrap().to_string(), "QDense<2, 4>");
/// ```
pub struct QuantizedFile<M>(PhantomData<M>);

impl<M: QModel + QStored> QuantizedFile<M> {
    /// Most labels a file can carry.
    pub const MAX_LABELS: usize = MAX_LABELS;
    /// Longest label, in bytes.
    pub const MAX_LABEL_BYTES: usize = MAX_LABEL_BYTES;
    /// The largest file a model of type `M` can produce (with the most and longest labels, and
    /// every varint at its longest): a buffer of this size always suffices for
    /// [`QuantizedFile::write`].
    pub const MAX_BYTES: usize = (4 + VARINT16 + VARINT32)
        + (VARINT64 + VARINT32)
        + <M as QStored>::DEPTH * (1 + MAX_KIND + 1 + MAX_DIMS * VARINT32)
        + 2 * (VARINT32 + 4 * <M::Input as QTensor>::LEN)
        + 1
        + MAX_LABELS * (1 + MAX_LABEL_BYTES)
        + Quantized::<M>::MAX_ENCODED_LEN
        + TRAILER;

    /// Exact size of the file [`QuantizedFile::write`] produces (`None` if it could not be
    /// written).
    pub fn encoded_len(model: &Quantized<M>, pre: &Preprocessing<'_>) -> Option<usize> {
        let body = body_len(model, pre).ok()?;
        let header = encoded_size(&header_for(VERSION_INT8, body)).ok()?;
        Some(header + body + TRAILER)
    }

    /// Writes `model` and `pre` into `out`; returns the number of bytes written.
    ///
    /// Errors: preprocessing or labels that do not fit the model, a layer that cannot be stored,
    /// a buffer that is too small, and a quantization parameter no file may hold
    /// ([`SaveError::InvalidQuantization`]: what loading would refuse).
    pub fn write(
        model: &Quantized<M>,
        pre: &Preprocessing<'_>,
        out: &mut [u8],
    ) -> Result<usize, SaveError> {
        check_preprocessing(pre, <M::Input as QTensor>::LEN)?;
        let mut result = Ok(());
        M::records(&mut |r| {
            if result.is_ok() && (r.kind.len() > MAX_KIND || r.dims.len() > MAX_DIMS) {
                result = Err(SaveError::LayerNotStorable(r.kind));
            }
        });
        result?;
        let body = body_len(model, pre)?;
        let header = header_for(VERSION_INT8, body);
        let needed = encoded_size(&header).map_err(|_| SaveError::Encode)? + body + TRAILER;
        if out.len() < needed {
            return Err(SaveError::BufferTooSmall {
                needed,
                available: out.len(),
            });
        }
        let mut w = Writer { out, pos: 0 };
        w.put(&header)?;
        write_body(&mut w, model, pre)?;
        let crc = super::crc32(w.out.get(..w.pos).unwrap_or_default());
        let end = w.pos + TRAILER;
        w.out
            .get_mut(w.pos..end)
            .ok_or(SaveError::Encode)?
            .copy_from_slice(&crc.to_le_bytes());
        // The same checks as loading, so a file that is written loads.
        match ModelInfo::parse(w.out.get(..end).unwrap_or_default()) {
            Ok(_) => Ok(end),
            Err(LoadError::InvalidQuantization { layer, what }) => {
                Err(SaveError::InvalidQuantization { layer, what })
            }
            Err(LoadError::UnknownInt8Layer { layer, .. }) => {
                Err(SaveError::LayerNotStorable(record_kind::<M>(layer)))
            }
            Err(_) => Err(SaveError::Encode),
        }
    }

    /// Checks `bytes` against model type `M` and, only if everything matches, decodes the
    /// model into `model` (in place: no second copy of the weights on the stack). Returns the
    /// file's metadata, borrowing from `bytes`.
    ///
    /// Every byte is checked by [`ModelInfo::parse`] and the records against `M` before
    /// anything is written, so a failed load leaves `model` as it was.
    pub fn load_into<'a>(
        model: &mut Quantized<M>,
        bytes: &'a [u8],
    ) -> Result<ModelInfo<'a>, LoadError> {
        let info = ModelInfo::parse(bytes)?;
        info.check_int8_architecture::<M>()?;
        let features = <M::Input as QTensor>::LEN;
        if !info.mean.is_empty() && info.mean.len() != features {
            return Err(LoadError::PreprocessingLength {
                expected: features,
                found: info.mean.len(),
            });
        }
        let params = info.int8.map(|p| p.as_bytes()).unwrap_or_default();
        let mut de = postcard::Deserializer::from_bytes(params);
        Quantized::<M>::deserialize_in_place(&mut de, model)
            .map_err(|_| LoadError::Malformed("int8 parameters"))?;
        match de.finalize() {
            Ok([]) => Ok(info),
            _ => Err(LoadError::Malformed("bytes after the int8 parameters")),
        }
    }

    /// [`QuantizedFile::load_into`] a new model, returned by value.
    pub fn load(bytes: &[u8]) -> Result<(Quantized<M>, ModelInfo<'_>), LoadError> {
        let mut model = Quantized {
            input: QParams::default(),
            layers: M::ZERO,
            output: QParams::default(),
        };
        let info = Self::load_into(&mut model, bytes)?;
        Ok((model, info))
    }

    /// Writes the file to `path` atomically, as [`ModelFile::save`](super::ModelFile::save)
    /// does. Errors name `path`; what [`QuantizedFile::write`] refuses is
    /// [`std::io::ErrorKind::InvalidInput`].
    #[cfg(feature = "std")]
    pub fn save(
        model: &Quantized<M>,
        pre: &Preprocessing<'_>,
        path: impl AsRef<std::path::Path>,
    ) -> std::io::Result<()> {
        super::save_atomically(
            path.as_ref(),
            |out| Self::write(model, pre, out),
            Self::encoded_len(model, pre),
        )
    }
}

/// The kind of `M`'s record `at` (for [`SaveError::LayerNotStorable`]).
fn record_kind<M: QStored>(at: usize) -> &'static str {
    let mut kind = "";
    let mut i = 0;
    M::records(&mut |r| {
        if i == at {
            kind = r.kind;
        }
        i += 1;
    });
    kind
}

fn body_len<M: QStored>(model: &Quantized<M>, pre: &Preprocessing<'_>) -> Result<usize, SaveError> {
    let mut counter = Counter(0);
    write_body(&mut counter, model, pre)?;
    Ok(counter.0)
}

fn write_body<M: QStored>(
    sink: &mut impl Sink,
    model: &Quantized<M>,
    pre: &Preprocessing<'_>,
) -> Result<(), SaveError> {
    super::write_front(
        sink,
        super::int8_fingerprint::<M>(),
        M::DEPTH,
        &mut |f| M::records(&mut |r: ExpectedLayer| f(r.kind, r.dims)),
        pre,
    )?;
    sink.put(model)
}
