//! Post-training quantization: an `f32` model becomes its int8 twin, layer for layer.
//!
//! [`Quantize`] maps each `f32` layer type to its int8 type ([`Quantize::Quantized`]) — so the
//! int8 model's type, with every size, follows from the `f32` model's — and converts the
//! parameters given the ranges calibration observed ([`Quantize::observe`]):
//!
//! | `f32` layer | int8 layer |
//! |---|---|
//! | `Dense`, `Conv1d`, `Conv2d`, `DepthwiseConv2d` | [`QDense`], [`QConv1d`], [`QConv2d`], [`QDepthwiseConv2d`]: weights per-channel symmetric, biases int32 at `s_in · s_w` |
//! | `Relu`, `Relu6` | [`QClamp`]: folded into the output clamp of the layer before when that layer computes a sum (then a no-op), a clamp otherwise |
//! | `MaxPool*`, `AvgPool*`, `GlobalAvgPool`, `Flatten`/`Reshape`, `Dropout`, `Identity` | themselves, on int8 (the output keeps the input's quantization) |
//! | `LeakyRelu`, `Tanh`, `Sigmoid` | [`QLut`], a 256-entry table (a sigmoid's output in steps of 1/256, as TFLite) |
//! | `Softmax` | [`QSoftmax`] |
//! | `Frozen<L>` | `L`'s |
//! | a tuple | the tuple of its layers' |
//!
//! | `BatchNorm` | [`QBatchNorm`], a per-channel int8 scale and shift (fold it into the layer before it instead where you can: that costs nothing) |
//!
//! A model with a layer that has no int8 form does not compile.

use crate::layer::Layer;
use crate::layers::activation::{
    Elementwise, Identity, LeakyRelu, Relu, Relu6, Sigmoid, Softmax, Tanh,
};
use crate::layers::batchnorm::{inverse_std, BatchNorm, ChannelsLast};
use crate::layers::conv::{Conv1d, Conv2d, DepthwiseConv2d, Padding};
use crate::layers::dense::Dense;
use crate::layers::dropout::Dropout;
use crate::layers::frozen::Frozen;
use crate::layers::pool::{AvgPool1d, AvgPool2d, GlobalAvgPool, MaxPool1d, MaxPool2d};
use crate::layers::reshape::Reshape;
use crate::tensor::Tensor;
use crate::Buffer;

use super::arith::{OutputStage, QParams, Requant};
use super::batchnorm::QBatchNorm;
use super::conv::{QConv1d, QConv2d};
use super::dense::QDense;
use super::depthwise::QDepthwiseConv2d;
use super::elementwise::{QClamp, QLut, QSoftmax};

/// The smallest and largest finite value seen at one layer's output.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Range {
    /// Smallest value.
    pub min: f32,
    /// Largest value.
    pub max: f32,
}

impl Range {
    /// Nothing seen yet.
    pub const EMPTY: Range = Range {
        min: f32::INFINITY,
        max: f32::NEG_INFINITY,
    };

    /// Widens the range to cover the finite values of `values`.
    pub fn widen(&mut self, values: &[f32]) {
        for &v in values.iter().filter(|v| v.is_finite()) {
            self.min = self.min.min(v);
            self.max = self.max.max(v);
        }
    }

    /// The asymmetric int8 parameters of this range.
    pub fn params(self) -> QParams {
        if self.min > self.max {
            return QParams::default();
        }
        QParams::from_range(self.min, self.max)
    }
}

/// Collects the output range of every layer while calibration samples run through the `f32`
/// model ([`Quantize::observe`]), and hands each output to a callback if given one (calibration
/// that needs more than the extremes, e.g. percentiles).
pub struct Observer<'a> {
    ranges: &'a mut [Range],
    next: usize,
    values: Option<&'a mut ValueSink<'a>>,
}

/// What [`Observer::with_values`] calls with a layer's index and output.
pub type ValueSink<'a> = dyn FnMut(usize, &[f32]) + 'a;

impl core::fmt::Debug for Observer<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Observer")
            .field("ranges", &self.ranges)
            .field("next", &self.next)
            .field("values", &self.values.is_some())
            .finish()
    }
}

impl<'a> Observer<'a> {
    /// Records into `ranges`, one per layer (the model's [`Layer::DEPTH`]).
    pub fn new(ranges: &'a mut [Range]) -> Self {
        Observer {
            ranges,
            next: 0,
            values: None,
        }
    }

    /// Records into `ranges` and also calls `values` with each layer's index and output.
    pub fn with_values(ranges: &'a mut [Range], values: &'a mut ValueSink<'a>) -> Self {
        Observer {
            ranges,
            next: 0,
            values: Some(values),
        }
    }

    /// Widens the next layer's range with its output.
    pub fn record(&mut self, output: &[f32]) {
        if let Some(r) = self.ranges.get_mut(self.next) {
            r.widen(output);
        }
        if let Some(values) = self.values.as_mut() {
            values(self.next, output);
        }
        self.next += 1;
    }

    /// Starts the next sample (the layer count restarts).
    pub fn next_sample(&mut self) {
        self.next = 0;
    }
}

/// Why a model could not be quantized.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QuantizeError {
    /// Calibration saw no finite output at this layer (index, kind).
    NoRange {
        /// Layer index.
        layer: usize,
        /// Layer kind.
        kind: &'static str,
    },
    /// A weight or bias of this layer is NaN or infinite.
    NonFiniteParameter {
        /// Layer index.
        layer: usize,
        /// Layer kind.
        kind: &'static str,
    },
    /// The ranges given are fewer than the model's layers.
    MissingRanges {
        /// Ranges needed.
        needed: usize,
        /// Ranges given.
        given: usize,
    },
}

impl core::fmt::Display for QuantizeError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            QuantizeError::NoRange { layer, kind } => write!(
                f,
                "layer {layer} ({kind}): calibration saw no finite output (give more samples)"
            ),
            QuantizeError::NonFiniteParameter { layer, kind } => {
                write!(
                    f,
                    "layer {layer} ({kind}): a weight or bias is NaN or infinite"
                )
            }
            QuantizeError::MissingRanges { needed, given } => {
                write!(f, "{given} ranges given for {needed} layers")
            }
        }
    }
}

/// The state of a conversion: the observed ranges, the layer being converted and its input's
/// quantization.
#[derive(Debug)]
pub struct Context<'a> {
    pub(super) ranges: &'a [Range],
    pub(super) kinds: &'a [&'static str],
    pub(super) index: usize,
    pub(super) input: QParams,
    pub(super) folded: bool,
}

impl<'a> Context<'a> {
    /// A conversion from calibrated `ranges` and layer `kinds` (both one per layer, in order;
    /// [`Layer::describe`] lists the kinds) of a model whose input is quantized with `input`.
    pub fn new(ranges: &'a [Range], kinds: &'a [&'static str], input: QParams) -> Self {
        Context {
            ranges,
            kinds,
            index: 0,
            input,
            folded: false,
        }
    }

    /// The quantization of the current layer's input (after conversion: the model's output).
    pub fn input(&self) -> QParams {
        self.input
    }

    pub(super) fn kind(&self, at: usize) -> &'static str {
        self.kinds.get(at).copied().unwrap_or("")
    }

    pub(super) fn range(&self, at: usize) -> Result<Range, QuantizeError> {
        match self.ranges.get(at) {
            Some(r) if r.min <= r.max => Ok(*r),
            Some(_) => Err(QuantizeError::NoRange {
                layer: at,
                kind: self.kind(at),
            }),
            None => Err(QuantizeError::MissingRanges {
                needed: at + 1,
                given: self.ranges.len(),
            }),
        }
    }

    /// For a layer computing a sum: its output quantization and stage, folding a ReLU or ReLU6
    /// that follows (its range is then the ReLU's output range). Advances to the next layer.
    fn producer_output(&mut self) -> Result<(QParams, OutputStage), QuantizeError> {
        let next = self.kind(self.index + 1);
        let fold = match next {
            "ReLU" => Some(f32::INFINITY),
            "ReLU6" => Some(6.0),
            _ => None,
        };
        let at = if fold.is_some() {
            self.index + 1
        } else {
            self.index
        };
        let out = self.range(at)?.params();
        let mut stage = OutputStage::new(out);
        if let Some(hi) = fold {
            stage = stage.clamped(out, 0.0, hi);
        }
        self.folded = fold.is_some();
        self.index += 1;
        self.input = out;
        Ok((out, stage))
    }

    /// For a layer that keeps its input's quantization.
    fn pass_through(&mut self) {
        self.folded = false;
        self.index += 1;
    }

    fn non_finite(&self) -> QuantizeError {
        QuantizeError::NonFiniteParameter {
            layer: self.index,
            kind: self.kind(self.index),
        }
    }
}

/// An `f32` layer (or model) that has an int8 form.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no int8 form (on input `{X}`)",
    label = "this layer cannot be quantized",
    note = "every layer of embednn has an int8 form; a layer of your own needs `impl Quantize` (see `embednn::quant::convert`)"
)]
pub trait Quantize<X: Tensor>: Layer<X> {
    /// The int8 layer (or model) type.
    type Quantized;

    /// Inference that also records each layer's output range.
    fn observe(&self, x: &X, y: &mut Self::Output, observer: &mut Observer<'_>) {
        self.forward(x, y);
        observer.record(y.flat());
    }

    /// The int8 layer, given the calibrated ranges in `cx`.
    fn quantize(&self, cx: &mut Context<'_>) -> Result<Self::Quantized, QuantizeError>;
}

/// Per-row symmetric int8 weights of `rows` (each `k` long) into `out`, and the rows' scales.
fn quantize_rows(rows: &[f32], k: usize, out: &mut [i8], scales: &mut [f32]) -> Result<(), ()> {
    if rows.iter().any(|w| !w.is_finite()) {
        return Err(());
    }
    for ((row, q), s) in rows
        .chunks_exact(k.max(1))
        .zip(out.chunks_exact_mut(k.max(1)))
        .zip(scales.iter_mut())
    {
        let absmax = row.iter().fold(0.0f32, |m, w| m.max(w.abs()));
        let p = QParams::symmetric(absmax);
        *s = p.scale;
        for (qw, &w) in q.iter_mut().zip(row) {
            *qw = p.quantize(w).max(-127);
        }
    }
    Ok(())
}

/// `Err` if a value is NaN or infinite. Layers check their biases with it before they read
/// their output range: a NaN bias makes every output NaN, so calibration saw no range, and the
/// error must name the bias ([`QuantizeError::NonFiniteParameter`]), not the calibration data
/// ([`QuantizeError::NoRange`]).
fn finite(values: &[f32]) -> Result<(), ()> {
    if values.iter().all(|v| v.is_finite()) {
        Ok(())
    } else {
        Err(())
    }
}

/// int32 biases at scale `s_in · s_w[o]`, and the requantization of each channel.
fn bias_and_requant(
    bias: &[f32],
    input: QParams,
    scales: &[f32],
    out: QParams,
    qbias: &mut [i32],
    requant: &mut [Requant],
) -> Result<(), ()> {
    if bias.iter().any(|b| !b.is_finite()) {
        return Err(());
    }
    for (((qb, r), &b), &s) in qbias
        .iter_mut()
        .zip(requant.iter_mut())
        .zip(bias)
        .zip(scales)
    {
        let bias_scale = input.scale as f64 * s as f64;
        *qb = libm::round(b as f64 / bias_scale) as i32;
        *r = Requant::for_scales(input.scale, s, out.scale);
    }
    Ok(())
}

impl<const I: usize, const O: usize> Quantize<[f32; I]> for Dense<I, O> {
    type Quantized = QDense<I, O>;
    fn quantize(&self, cx: &mut Context<'_>) -> Result<QDense<I, O>, QuantizeError> {
        let input = cx.input;
        let mut rows = [[0i8; I]; O];
        let mut scales = [0.0f32; O];
        quantize_rows(
            self.rows().as_flattened(),
            I,
            rows.as_flattened_mut(),
            &mut scales,
        )
        .map_err(|()| cx.non_finite())?;
        let err = cx.non_finite();
        finite(self.bias_array()).map_err(|()| err)?;
        let (out, stage) = cx.producer_output()?;
        let (mut bias, mut requant) = ([0i32; O], [Requant::default(); O]);
        bias_and_requant(
            self.bias_array(),
            input,
            &scales,
            out,
            &mut bias,
            &mut requant,
        )
        .map_err(|()| err)?;
        Ok(QDense::from_tflite(
            &rows,
            bias,
            input.zero_point,
            requant,
            stage,
        ))
    }
}

impl<
        const H: usize,
        const W: usize,
        const CIN: usize,
        const COUT: usize,
        const KH: usize,
        const KW: usize,
        const SH: usize,
        const SW: usize,
        const OH: usize,
        const OW: usize,
        P: Padding,
    > Quantize<[[[f32; CIN]; W]; H]> for Conv2d<H, W, CIN, COUT, KH, KW, SH, SW, OH, OW, P>
{
    type Quantized = QConv2d<H, W, CIN, COUT, KH, KW, SH, SW, OH, OW, P>;
    fn quantize(&self, cx: &mut Context<'_>) -> Result<Self::Quantized, QuantizeError> {
        let input = cx.input;
        let mut filters = [[[[0i8; CIN]; KW]; KH]; COUT];
        let mut scales = [0.0f32; COUT];
        let k = KH * KW * CIN;
        let plain = self.kernel.as_flattened().as_flattened().as_flattened();
        let q = filters
            .as_flattened_mut()
            .as_flattened_mut()
            .as_flattened_mut();
        quantize_rows(plain, k, q, &mut scales).map_err(|()| cx.non_finite())?;
        let err = cx.non_finite();
        finite(&self.bias).map_err(|()| err)?;
        let (out, stage) = cx.producer_output()?;
        let (mut bias, mut requant) = ([0i32; COUT], [Requant::default(); COUT]);
        bias_and_requant(&self.bias, input, &scales, out, &mut bias, &mut requant)
            .map_err(|()| err)?;
        let zp = input.zero_point as i8;
        Ok(QConv2d::from_tflite(&filters, bias, zp, requant, stage))
    }
}

impl<
        const L: usize,
        const CIN: usize,
        const COUT: usize,
        const KL: usize,
        const SL: usize,
        const OL: usize,
        P: Padding,
    > Quantize<[[f32; CIN]; L]> for Conv1d<L, CIN, COUT, KL, SL, OL, P>
{
    type Quantized = QConv1d<L, CIN, COUT, KL, SL, OL, P>;
    fn quantize(&self, cx: &mut Context<'_>) -> Result<Self::Quantized, QuantizeError> {
        let input = cx.input;
        let mut filters = [[[0i8; CIN]; KL]; COUT];
        let mut scales = [0.0f32; COUT];
        let plain = self.kernel.as_flattened().as_flattened();
        let q = filters.as_flattened_mut().as_flattened_mut();
        quantize_rows(plain, KL * CIN, q, &mut scales).map_err(|()| cx.non_finite())?;
        let err = cx.non_finite();
        finite(&self.bias).map_err(|()| err)?;
        let (out, stage) = cx.producer_output()?;
        let (mut bias, mut requant) = ([0i32; COUT], [Requant::default(); COUT]);
        bias_and_requant(&self.bias, input, &scales, out, &mut bias, &mut requant)
            .map_err(|()| err)?;
        let zp = input.zero_point as i8;
        Ok(QConv1d::from_tflite(&filters, bias, zp, requant, stage))
    }
}

impl<
        const H: usize,
        const W: usize,
        const C: usize,
        const KH: usize,
        const KW: usize,
        const SH: usize,
        const SW: usize,
        const OH: usize,
        const OW: usize,
        P: Padding,
    > Quantize<[[[f32; C]; W]; H]> for DepthwiseConv2d<H, W, C, KH, KW, SH, SW, OH, OW, P>
{
    type Quantized = QDepthwiseConv2d<H, W, C, KH, KW, SH, SW, OH, OW, P>;
    fn quantize(&self, cx: &mut Context<'_>) -> Result<Self::Quantized, QuantizeError> {
        let input = cx.input;
        let taps = self.kernel.as_flattened();
        if taps.iter().flatten().any(|w| !w.is_finite()) {
            return Err(cx.non_finite());
        }
        let mut scales = [0.0f32; C];
        for (c, s) in scales.iter_mut().enumerate() {
            let absmax = taps
                .iter()
                .fold(0.0f32, |m, t| m.max(t.get(c).map_or(0.0, |w| w.abs())));
            *s = QParams::symmetric(absmax).scale;
        }
        let mut weights = [[[0i8; C]; KW]; KH];
        for (q, t) in weights.as_flattened_mut().iter_mut().zip(taps) {
            for ((qw, &w), &s) in q.iter_mut().zip(t).zip(&scales) {
                *qw = QParams {
                    scale: s,
                    zero_point: 0,
                }
                .quantize(w)
                .max(-127);
            }
        }
        let err = cx.non_finite();
        finite(&self.bias).map_err(|()| err)?;
        let (out, output) = cx.producer_output()?;
        let (mut bias, mut requant) = ([0i32; C], [Requant::default(); C]);
        bias_and_requant(&self.bias, input, &scales, out, &mut bias, &mut requant)
            .map_err(|()| err)?;
        Ok(QDepthwiseConv2d {
            weights,
            bias,
            requant,
            output,
            input_zero_point: input.zero_point as i8,
            padding: core::marker::PhantomData,
        })
    }
}

impl<X: ChannelsLast<C>, const C: usize> Quantize<X> for BatchNorm<C> {
    type Quantized = QBatchNorm<C>;
    fn quantize(&self, cx: &mut Context<'_>) -> Result<QBatchNorm<C>, QuantizeError> {
        let input = cx.input;
        // Inference: y = a·x + b per channel, a = γ/√(σ² + ε), b = β − μ·a.
        let mut a = [0.0f32; C];
        let mut b = [0.0f32; C];
        for c in 0..C {
            let (g, be, m, v) = (
                self.gamma.get(c).copied().unwrap_or(0.0),
                self.beta.get(c).copied().unwrap_or(0.0),
                self.moving_mean.get(c).copied().unwrap_or(0.0),
                self.moving_var.get(c).copied().unwrap_or(0.0),
            );
            let scale = g * inverse_std(v);
            if let (Some(ac), Some(bc)) = (a.get_mut(c), b.get_mut(c)) {
                *ac = scale;
                *bc = be - m * scale;
            }
        }
        let mut weights = [0i8; C];
        let mut scales = [0.0f32; C];
        quantize_rows(&a, 1, &mut weights, &mut scales).map_err(|()| cx.non_finite())?;
        let err = cx.non_finite();
        finite(&b).map_err(|()| err)?;
        let (out, output) = cx.producer_output()?;
        let (mut bias, mut requant) = ([0i32; C], [Requant::default(); C]);
        bias_and_requant(&b, input, &scales, out, &mut bias, &mut requant).map_err(|()| err)?;
        Ok(QBatchNorm {
            weights,
            bias,
            requant,
            output,
            input_zero_point: input.zero_point as i8,
        })
    }
}

/// Layers that run on int8 as they are, keeping their input's quantization.
macro_rules! pass_through {
    ($([$($g:tt)*] $ty:ty, $x:ty;)*) => {$(
        impl<$($g)*> Quantize<$x> for $ty {
            type Quantized = $ty;
            fn quantize(&self, cx: &mut Context<'_>) -> Result<$ty, QuantizeError> {
                cx.pass_through();
                Ok(*self)
            }
        }
    )*};
}
pass_through! {
    [const H: usize, const W: usize, const C: usize, const KH: usize, const KW: usize,
     const SH: usize, const SW: usize, const OH: usize, const OW: usize, P: Padding]
        MaxPool2d<KH, KW, SH, SW, OH, OW, P>, [[[f32; C]; W]; H];
    [const H: usize, const W: usize, const C: usize, const KH: usize, const KW: usize,
     const SH: usize, const SW: usize, const OH: usize, const OW: usize, P: Padding]
        AvgPool2d<KH, KW, SH, SW, OH, OW, P>, [[[f32; C]; W]; H];
    [const L: usize, const C: usize, const KL: usize, const SL: usize, const OL: usize, P: Padding]
        MaxPool1d<KL, SL, OL, P>, [[f32; C]; L];
    [const L: usize, const C: usize, const KL: usize, const SL: usize, const OL: usize, P: Padding]
        AvgPool1d<KL, SL, OL, P>, [[f32; C]; L];
    [const H: usize, const W: usize, const C: usize] GlobalAvgPool, [[[f32; C]; W]; H];
    [const L: usize, const C: usize] GlobalAvgPool, [[f32; C]; L];
    [X: Tensor, T: super::tensor::HasInt8] Reshape<T>, X;
    [X: Tensor, const R: u32] Dropout<R>, X;
    [X: Tensor] Identity, X;
}

macro_rules! clamp {
    ($ty:ty, $hi:expr) => {
        impl<X: Tensor> Quantize<X> for $ty {
            type Quantized = QClamp;
            fn quantize(&self, cx: &mut Context<'_>) -> Result<QClamp, QuantizeError> {
                let folded = cx.folded;
                let input = cx.input;
                cx.pass_through();
                if folded {
                    return Ok(QClamp::FOLDED);
                }
                let stage = OutputStage::new(input).clamped(input, 0.0, $hi);
                Ok(QClamp {
                    min: stage.min,
                    max: stage.max,
                })
            }
        }
    };
}
clamp!(Relu, f32::INFINITY);
clamp!(Relu6, 6.0);

macro_rules! lut {
    ($ty:ty $(, $p:ident: $pt:ty)?; $out:expr) => {
        impl<X: Tensor $(, const $p: $pt)?> Quantize<X> for $ty {
            type Quantized = QLut;
            fn quantize(&self, cx: &mut Context<'_>) -> Result<QLut, QuantizeError> {
                let input = cx.input;
                let range = cx.range(cx.index)?;
                let out: QParams = ($out)(range);
                cx.pass_through();
                cx.input = out;
                Ok(QLut::new(input, out, <$ty as Elementwise>::apply))
            }
        }
    };
}
lut!(LeakyRelu<S>, S: u32; |r: Range| r.params());
lut!(Tanh; |_| QParams { scale: 1.0 / 128.0, zero_point: 0 });
lut!(Sigmoid; |_| QParams::PROBABILITY);

impl<const N: usize> Quantize<[f32; N]> for Softmax {
    type Quantized = QSoftmax;
    fn quantize(&self, cx: &mut Context<'_>) -> Result<QSoftmax, QuantizeError> {
        let input = cx.input;
        cx.pass_through();
        cx.input = QParams::PROBABILITY;
        Ok(QSoftmax { input })
    }
}

impl<X: Tensor, L: Quantize<X>> Quantize<X> for Frozen<L> {
    type Quantized = L::Quantized;
    fn observe(&self, x: &X, y: &mut Self::Output, observer: &mut Observer<'_>) {
        self.0.observe(x, y, observer)
    }
    fn quantize(&self, cx: &mut Context<'_>) -> Result<L::Quantized, QuantizeError> {
        self.0.quantize(cx)
    }
}

impl<X: Tensor, A: Quantize<X>> Quantize<X> for (A,) {
    type Quantized = (A::Quantized,);
    fn observe(&self, x: &X, y: &mut Self::Output, observer: &mut Observer<'_>) {
        self.0.observe(x, y, observer)
    }
    fn quantize(&self, cx: &mut Context<'_>) -> Result<Self::Quantized, QuantizeError> {
        Ok((self.0.quantize(cx)?,))
    }
}

macro_rules! tuple_quantize {
    (
        first: $L0:ident $T0:ident $V0:ident;
        mid: [$(($L:ident $k:tt $Tin:ident $Vin:ident $kin:tt $Tout:ident $Vout:ident))*];
        last: $Ll:ident $kl:tt $Tl:ident $Vl:ident $kll:tt;
        all: [$($La:ident $ka:tt),+];
        temps: [$($T:ident),+];
    ) => {
        impl<X: Tensor, $($La,)+ $($T,)+> Quantize<X> for ($($La,)+)
        where
            $L0: Quantize<X, Output = $T0>,
            $($L: Quantize<$Tin, Output = $Tout>,)*
            $Ll: Quantize<$Tl>,
            $($T: Tensor,)+
        {
            type Quantized = ($($La::Quantized,)+);

            fn observe(&self, x: &X, y: &mut Self::Output, observer: &mut Observer<'_>) {
                let mut acts = ($(<$T as Buffer>::ZERO,)+);
                self.0.observe(x, &mut acts.0, observer);
                $(self.$k.observe(&acts.$kin, &mut acts.$k, observer);)*
                self.$kl.observe(&acts.$kll, y, observer);
            }

            fn quantize(&self, cx: &mut Context<'_>) -> Result<Self::Quantized, QuantizeError> {
                Ok(($(self.$ka.quantize(cx)?,)+))
            }
        }
    };
}

macro_rules! tuple_quantize_from_list {
    (($L0:ident $k0:tt $T0:ident $V0:ident)) => {};
    (($L0:ident $k0:tt $T0:ident $V0:ident) $($rest:tt)+) => {
        tuple_quantize_from_list!(@walk
            first: [$L0 $T0 $V0]; prev: [$T0 $V0 $k0]; mid: []; all: [$L0 $k0]; temps: [$T0];
            $($rest)+);
    };
    (@walk first: [$($first:tt)*]; prev: [$Tp:ident $Vp:ident $kp:tt]; mid: [$($mid:tt)*];
        all: [$($all:tt)*]; temps: [$($temps:ident),*]; ($L:ident $k:tt $T:ident $V:ident)) => {
        tuple_quantize! {
            first: $($first)*;
            mid: [$($mid)*];
            last: $L $k $Tp $Vp $kp;
            all: [$($all)*, $L $k];
            temps: [$($temps),*];
        }
    };
    (@walk first: [$($first:tt)*]; prev: [$Tp:ident $Vp:ident $kp:tt]; mid: [$($mid:tt)*];
        all: [$($all:tt)*]; temps: [$($temps:ident),*]; ($L:ident $k:tt $T:ident $V:ident)
        $($rest:tt)+) => {
        tuple_quantize_from_list!(@walk
            first: [$($first)*]; prev: [$T $V $k]; mid: [$($mid)* ($L $k $Tp $Vp $kp $T $V)];
            all: [$($all)*, $L $k]; temps: [$($temps,)* $T];
            $($rest)+);
    };
}
crate::tuples::for_each_tuple!(tuple_quantize_from_list);

#[cfg(test)]
mod test {
    use super::*;
    use crate::init::{Init, Initializer};
    use crate::rng::Rng;

    #[test]
    fn observer_hands_every_layer_output_to_its_callback() {
        type Net = (Dense<2, 3>, Relu, Dense<3, 1>);
        let net = Net::init(Initializer::GlorotUniform, &mut Rng::seed(1));
        let mut ranges = [Range::EMPTY; 3];
        let mut seen = [(0usize, 0usize, 0.0f32); 6];
        let mut count = 0;
        let mut sink = |layer: usize, output: &[f32]| {
            if let Some(s) = seen.get_mut(count) {
                *s = (
                    layer,
                    output.len(),
                    output.iter().fold(f32::MIN, |m, &v| m.max(v)),
                );
            }
            count += 1;
        };
        {
            let mut observer = Observer::with_values(&mut ranges, &mut sink);
            let mut y = [0.0f32];
            for x in [[1.0, -2.0], [0.5, 0.25]] {
                observer.next_sample();
                net.observe(&x, &mut y, &mut observer);
            }
        }
        assert_eq!(count, 6);
        let layers: [(usize, usize); 6] = seen.map(|(l, n, _)| (l, n));
        assert_eq!(layers, [(0, 3), (1, 3), (2, 1), (0, 3), (1, 3), (2, 1)]);
        // The ranges are the extremes of what the callback saw.
        for (layer, range) in ranges.iter().enumerate() {
            let max = seen
                .iter()
                .filter(|s| s.0 == layer)
                .fold(f32::MIN, |m, s| m.max(s.2));
            assert_eq!(range.max, max);
        }
    }

    #[test]
    fn a_non_finite_bias_is_named_even_when_it_leaves_no_range() {
        type Net = (Dense<2, 3>, Relu, Dense<3, 2>);
        let mut net = Net::init(Initializer::GlorotUniform, &mut Rng::seed(2));
        net.2.bias.fill(f32::NAN); // every output of layer 2 is NaN: no range
        let mut ranges = [Range::EMPTY; 3];
        let mut observer = Observer::new(&mut ranges);
        net.observe(&[0.5, -1.0], &mut [0.0; 2], &mut observer);
        assert_eq!(ranges[2], Range::EMPTY);
        let kinds = ["Dense", "ReLU", "Dense"];
        let mut cx = Context::new(&ranges, &kinds, QParams::from_range(-1.0, 1.0));
        assert_eq!(
            net.quantize(&mut cx).unwrap_err(),
            QuantizeError::NonFiniteParameter {
                layer: 2,
                kind: "Dense"
            }
        );
    }
}
