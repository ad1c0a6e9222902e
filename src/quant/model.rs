//! int8 models: a tuple of [`QLayer`]s between a quantizing input and a dequantizing output.

use core::mem::size_of;

use crate::layers::conv::Padding;

use super::arith::QParams;
use super::conv::{QConv1d, QConv2d};
use super::dense::QDense;
use super::depthwise::QDepthwiseConv2d;
use super::layer::{QLayer, QLayerInfo};
use super::tensor::QTensor;

/// int8 layers (and tuples of them) whose input shape is fixed by their own type.
pub trait QFixedInput {
    /// The int8 input tensor.
    type Input: QTensor;
}

impl<const I: usize, const O: usize> QFixedInput for QDense<I, O> {
    type Input = [i8; I];
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
    > QFixedInput for QConv2d<H, W, CIN, COUT, KH, KW, SH, SW, OH, OW, P>
{
    type Input = [[[i8; CIN]; W]; H];
}

impl<
        const L: usize,
        const CIN: usize,
        const COUT: usize,
        const KL: usize,
        const SL: usize,
        const OL: usize,
        P: Padding,
    > QFixedInput for QConv1d<L, CIN, COUT, KL, SL, OL, P>
{
    type Input = [[i8; CIN]; L];
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
    > QFixedInput for QDepthwiseConv2d<H, W, C, KH, KW, SH, SW, OH, OW, P>
{
    type Input = [[[i8; C]; W]; H];
}

macro_rules! tuple_fixed_input {
    (($L0:ident $k0:tt $T0:ident $V0:ident) $(($L:ident $k:tt $T:ident $V:ident))*) => {
        impl<$L0: QFixedInput $(, $L)*> QFixedInput for ($L0, $($L,)*) {
            type Input = <$L0 as QFixedInput>::Input;
        }
    };
}
crate::tuples::for_each_tuple!(tuple_fixed_input);

/// A complete int8 model: layers whose input is fixed by their type.
pub trait QModel: QFixedInput + QLayer<<Self as QFixedInput>::Input> {}
impl<M> QModel for M where M: QFixedInput + QLayer<<M as QFixedInput>::Input> {}

/// The int8 output tensor of int8 model `M`.
pub type QOutput<M> = <M as QLayer<<M as QFixedInput>::Input>>::Output;

/// An int8 model with its edges: `f32` in, quantized with `input`; int8 layers; dequantized
/// with `output`, `f32` out (TFLite's `QUANTIZE` … `DEQUANTIZE`).
///
/// Its costs are constants of the type, as for `f32` models: [`Quantized::PARAM_BYTES`] (flash),
/// [`Quantized::INFERENCE_BYTES`] (int8 input, output and activation slots), [`Quantized::MACS`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Quantized<M> {
    /// How the `f32` input is quantized.
    pub input: QParams,
    /// The int8 layers.
    pub layers: M,
    /// How the int8 output is read back as `f32`.
    pub output: QParams,
}

impl<M: QModel> Quantized<M> {
    /// Bytes of parameters: weights, biases, requantization and the edges' parameters.
    pub const PARAM_BYTES: usize = M::PARAM_BYTES + 2 * size_of::<QParams>();
    /// Bytes of RAM for one int8 inference ([`Quantized::predict_int8`]): input, output and
    /// the activation slots and scratch.
    pub const INFERENCE_BYTES: usize =
        size_of::<M::Input>() + size_of::<QOutput<M>>() + M::FORWARD_BYTES;
    /// Multiply-accumulates per inference.
    pub const MACS: usize = M::MACS;
    /// Compile-time checks of every layer's sizes.
    pub const CHECK: () = M::CHECK;

    /// Quantizes an `f32` input.
    pub fn quantize_input(&self, x: &<M::Input as QTensor>::Float) -> M::Input {
        let mut q = <M::Input as QTensor>::ZERO;
        for (o, &v) in q.flat_mut().iter_mut().zip(crate::Tensor::flat(x)) {
            *o = self.input.quantize(v);
        }
        q
    }

    /// int8 in, int8 out: the integer-only path.
    #[inline]
    pub fn predict_int8(&self, x: &M::Input) -> QOutput<M> {
        let () = Self::CHECK;
        let mut y = <QOutput<M> as QTensor>::ZERO;
        self.layers.forward(x, &mut y);
        y
    }

    /// `f32` in, `f32` out: quantize, run the int8 layers, dequantize.
    pub fn predict(&self, x: &<M::Input as QTensor>::Float) -> <QOutput<M> as QTensor>::Float {
        let q = self.predict_int8(&self.quantize_input(x));
        let mut y = <<QOutput<M> as QTensor>::Float as crate::Buffer>::ZERO;
        for (o, &v) in crate::Tensor::flat_mut(&mut y).iter_mut().zip(q.flat()) {
            *o = self.output.dequantize(v);
        }
        y
    }

    /// Calls `f` with a description of every layer, in order.
    pub fn layers(f: &mut impl FnMut(QLayerInfo)) {
        M::describe(f)
    }
}

/// Compile-time check of an int8 model definition:
/// `const _: () = embednn::quant::check::<MyInt8Model>();` fails to compile, naming the sizes,
/// when a layer does not accept the previous layer's output or its size arithmetic is wrong.
pub const fn check<M: QModel>() {
    let () = <M as QLayer<M::Input>>::CHECK;
}
