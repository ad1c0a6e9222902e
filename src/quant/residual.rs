//! int8 residual connections: TensorFlow Lite's int8 `ADD`, exactly, after a block
//! ([`QResidual`]) or between two branches ([`QAdd`]).
//!
//! TFLite adds two int8 tensors of different scales by moving both to a common fixed-point scale
//! first ([`QAddParams`], the `ADD` kernel's `Prepare` and the reference `AddElementwise`):
//!
//! ```text
//! left_shift = 20
//! twice_max  = 2 · max(s₁, s₂)
//! a₁ = MultiplyByQuantizedMultiplierSmallerThanOneExp((q₁ − z₁) · 2²⁰, M(s₁ / twice_max))
//! a₂ = MultiplyByQuantizedMultiplierSmallerThanOneExp((q₂ − z₂) · 2²⁰, M(s₂ / twice_max))
//! y  = clamp(z_out + MultiplyByQuantizedMultiplierSmallerThanOneExp(a₁ + a₂, M(twice_max / (2²⁰ · s_out))))
//! ```
//!
//! where `M(r)` is `QuantizeMultiplier`'s Q31 mantissa and exponent ([`Requant::from_scale`]),
//! the multipliers are worked out in `f64` from the `f32` scales, and the clamp is the int8 range
//! narrowed by a fused ReLU or ReLU6 ([`OutputStage`]). The sum is of integers, so the order of
//! the inputs does not matter.
//!
//! `Residual<B>` quantizes to `QResidual<B::Quantized>` and `Add<A, B>` to
//! `QAdd<A::Quantized, B::Quantized>`; a `Relu` or `Relu6` right after either folds into its add,
//! as TFLite fuses it.

use core::mem::size_of;

use serde::{Deserialize, Serialize};

use crate::codegen::ToRust;
use crate::layer::Layer;
use crate::layers::residual::{Add, Residual};
use crate::tensor::Tensor;

use super::arith::{OutputStage, QParams, Requant};
use super::convert::{Context, Observer, Quantize, QuantizeError};
use super::layer::{QLayer, QLayerInfo};
use super::model::QFixedInput;
use super::tensor::QTensor;

/// The fixed-point headroom TFLite gives int8 inputs before scaling them (`left_shift`).
pub const LEFT_SHIFT: i32 = 20;

/// TFLite's int8 `ADD` of two tensors: per-input rescaling to a common scale, the output
/// rescaling and the output stage.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct QAddParams {
    /// Minus the first input's zero point.
    pub input1_offset: i32,
    /// The first input's multiplier (`s₁ / (2 · max(s₁, s₂))`, shift ≤ 0).
    pub input1: Requant,
    /// Minus the second input's zero point.
    pub input2_offset: i32,
    /// The second input's multiplier.
    pub input2: Requant,
    /// The sum's multiplier to the output scale (`2 · max(s₁, s₂) / (2²⁰ · s_out)`).
    pub output: Requant,
    /// Output zero point and clamp.
    pub stage: OutputStage,
}

impl QAddParams {
    /// The parameters TFLite's `Prepare` computes for inputs quantized with `input1` and
    /// `input2` and an output with `output`, ending in `stage`.
    pub fn new(input1: QParams, input2: QParams, output: QParams, stage: OutputStage) -> Self {
        // As TFLite: the scales are f32, `2 * max` is exact, the ratios are f64, and
        // `(1 << 20) * s_out` is an exact f32 product.
        let twice_max = 2.0 * f64::from(input1.scale.max(input2.scale));
        let out = f64::from((1u32 << LEFT_SHIFT) as f32 * output.scale);
        QAddParams {
            input1_offset: -input1.zero_point,
            input1: Requant::from_scale(f64::from(input1.scale) / twice_max),
            input2_offset: -input2.zero_point,
            input2: Requant::from_scale(f64::from(input2.scale) / twice_max),
            output: Requant::from_scale(twice_max / out),
            stage,
        }
    }

    /// One element: TFLite's `AddElementwise` for int8.
    #[inline(always)]
    pub fn add(&self, a: i8, b: i8) -> i8 {
        let shifted1 = (self.input1_offset + a as i32).wrapping_shl(LEFT_SHIFT as u32);
        let shifted2 = (self.input2_offset + b as i32).wrapping_shl(LEFT_SHIFT as u32);
        let scaled1 = self.input1.apply(shifted1);
        let scaled2 = self.input2.apply(shifted2);
        self.stage
            .finish(scaled1.wrapping_add(scaled2), self.output)
    }
}

/// `y[i] = add(a[i], y[i])` over a tensor (the block's output is in `y`).
#[inline]
fn add_in_place<T: QTensor>(params: &QAddParams, a: &T, y: &mut T) {
    for (o, &v) in y.flat_mut().iter_mut().zip(a.flat()) {
        *o = params.add(v, *o);
    }
}

/// int8 `x + B(x)`: the block, then TFLite's int8 `ADD` of its input (first) and its output.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QResidual<B> {
    /// The int8 block.
    pub block: B,
    /// The add.
    pub add: QAddParams,
}

/// int8 `A(x) + B(x)`: both branches, then TFLite's int8 `ADD` of their outputs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QAdd<A, B> {
    /// The first branch.
    pub a: A,
    /// The second branch.
    pub b: B,
    /// The add (input 1 is `A`'s output, input 2 `B`'s).
    pub add: QAddParams,
}

impl<X: QTensor, B: QLayer<X, Output = X>> QLayer<X> for QResidual<B> {
    type Output = X;
    const KIND: &'static str = "QResidual";
    const MACS: usize = B::MACS;
    const PARAM_BYTES: usize = B::PARAM_BYTES + size_of::<QAddParams>();
    const FORWARD_BYTES: usize = B::FORWARD_BYTES;
    const CHECK: () = B::CHECK;
    const DEPTH: usize = B::DEPTH + 1;

    fn forward(&self, x: &X, y: &mut X) {
        self.block.forward(x, y);
        add_in_place(&self.add, x, y);
    }

    fn describe(f: &mut impl FnMut(QLayerInfo)) {
        f(QLayerInfo {
            kind: Self::KIND,
            output_shape: X::SHAPE,
            param_bytes: size_of::<QAddParams>(),
            macs: 0,
        });
        B::describe(f)
    }
}

impl<X: QTensor, A: QLayer<X>, B: QLayer<X, Output = A::Output>> QLayer<X> for QAdd<A, B> {
    type Output = A::Output;
    const KIND: &'static str = "QAdd";
    const MACS: usize = A::MACS + B::MACS;
    const PARAM_BYTES: usize = A::PARAM_BYTES + B::PARAM_BYTES + size_of::<QAddParams>();
    const FORWARD_BYTES: usize = size_of::<A::Output>()
        + if A::FORWARD_BYTES > B::FORWARD_BYTES {
            A::FORWARD_BYTES
        } else {
            B::FORWARD_BYTES
        };
    const CHECK: () = {
        let () = A::CHECK;
        let () = B::CHECK;
    };
    const DEPTH: usize = A::DEPTH + B::DEPTH + 1;

    fn forward(&self, x: &X, y: &mut A::Output) {
        let mut ya = <A::Output as QTensor>::ZERO;
        self.a.forward(x, &mut ya);
        self.b.forward(x, y);
        add_in_place(&self.add, &ya, y);
    }

    fn describe(f: &mut impl FnMut(QLayerInfo)) {
        f(QLayerInfo {
            kind: Self::KIND,
            output_shape: <A::Output as QTensor>::SHAPE,
            param_bytes: size_of::<QAddParams>(),
            macs: 0,
        });
        A::describe(f);
        B::describe(f);
    }
}

impl<B: QFixedInput> QFixedInput for QResidual<B> {
    type Input = B::Input;
}

impl<A: QFixedInput, B> QFixedInput for QAdd<A, B> {
    type Input = A::Input;
}

/// The output of a combinator whose record is at `start` and whose branches end before `end`:
/// its quantization and stage, folding a `ReLU` or `ReLU6` at `end` as
/// [`Context`]'s layers that compute sums do. Returns whether it folded.
fn combinator_output(
    cx: &Context<'_>,
    start: usize,
    end: usize,
) -> Result<(QParams, OutputStage, bool), QuantizeError> {
    let fold = match cx.kind(end) {
        "ReLU" => Some(f32::INFINITY),
        "ReLU6" => Some(6.0),
        _ => None,
    };
    let out = cx.range(if fold.is_some() { end } else { start })?.params();
    let mut stage = OutputStage::new(out);
    if let Some(hi) = fold {
        stage = stage.clamped(out, 0.0, hi);
    }
    Ok((out, stage, fold.is_some()))
}

/// A branch's conversion: from layer `start` with input `input`, seeing no layer at or past
/// `end` (so its last layer folds nothing from outside the branch). Returns the branch and its
/// output quantization.
fn branch<X: Tensor, L: Quantize<X>>(
    layer: &L,
    cx: &Context<'_>,
    start: usize,
    end: usize,
    input: QParams,
) -> Result<(L::Quantized, QParams), QuantizeError> {
    let mut sub = Context {
        ranges: cx.ranges,
        kinds: cx.kinds.get(..end).unwrap_or(cx.kinds),
        index: start,
        input,
        folded: false,
    };
    let q = layer.quantize(&mut sub)?;
    Ok((q, sub.input))
}

impl<X: Tensor, B> Quantize<X> for Residual<B>
where
    B: Quantize<X> + Layer<X, Output = X>,
{
    type Quantized = QResidual<B::Quantized>;

    /// Records the add's output (its record comes first), then the block's layers.
    fn observe(&self, x: &X, y: &mut X, observer: &mut Observer<'_>) {
        self.forward(x, y);
        observer.record(y.flat());
        let mut block_y = <X as crate::Buffer>::ZERO;
        self.0.observe(x, &mut block_y, observer);
    }

    fn quantize(&self, cx: &mut Context<'_>) -> Result<Self::Quantized, QuantizeError> {
        let (start, input) = (cx.index, cx.input);
        let end = start + <Self as Layer<X>>::DEPTH;
        let (out, stage, folded) = combinator_output(cx, start, end)?;
        let (block, block_out) = branch(&self.0, cx, start + 1, end, input)?;
        cx.index = end;
        cx.input = out;
        cx.folded = folded;
        Ok(QResidual {
            block,
            add: QAddParams::new(input, block_out, out, stage),
        })
    }
}

impl<X: Tensor, A, B> Quantize<X> for Add<A, B>
where
    A: Quantize<X>,
    B: Quantize<X> + Layer<X, Output = A::Output>,
{
    type Quantized = QAdd<A::Quantized, B::Quantized>;

    /// Records the add's output (its record comes first), then `A`'s layers and `B`'s.
    fn observe(&self, x: &X, y: &mut A::Output, observer: &mut Observer<'_>) {
        self.forward(x, y);
        observer.record(y.flat());
        let mut branch_y = <A::Output as crate::Buffer>::ZERO;
        self.0.observe(x, &mut branch_y, observer);
        self.1.observe(x, &mut branch_y, observer);
    }

    fn quantize(&self, cx: &mut Context<'_>) -> Result<Self::Quantized, QuantizeError> {
        let (start, input) = (cx.index, cx.input);
        let mid = start + 1 + <A as Layer<X>>::DEPTH;
        let end = start + <Self as Layer<X>>::DEPTH;
        let (out, stage, folded) = combinator_output(cx, start, end)?;
        let (a, a_out) = branch(&self.0, cx, start + 1, mid, input)?;
        let (b, b_out) = branch(&self.1, cx, mid, end, input)?;
        cx.index = end;
        cx.input = out;
        cx.folded = folded;
        Ok(QAdd {
            a,
            b,
            add: QAddParams::new(a_out, b_out, out, stage),
        })
    }
}

fn write_requant(out: &mut dyn core::fmt::Write, r: Requant) -> core::fmt::Result {
    write!(
        out,
        "embednn::quant::Requant {{ multiplier: {}, shift: {} }}",
        r.multiplier, r.shift
    )
}

impl ToRust for QAddParams {
    fn write_rust(&self, out: &mut dyn core::fmt::Write) -> core::fmt::Result {
        write!(
            out,
            "embednn::quant::QAddParams {{ input1_offset: {}, input1: ",
            self.input1_offset
        )?;
        write_requant(out, self.input1)?;
        write!(out, ", input2_offset: {}, input2: ", self.input2_offset)?;
        write_requant(out, self.input2)?;
        out.write_str(", output: ")?;
        write_requant(out, self.output)?;
        write!(
            out,
            ", stage: embednn::quant::OutputStage {{ zero_point: {}, min: {}, max: {} }} }}",
            self.stage.zero_point, self.stage.min, self.stage.max
        )
    }
}

impl<B: ToRust> ToRust for QResidual<B> {
    fn write_rust(&self, out: &mut dyn core::fmt::Write) -> core::fmt::Result {
        out.write_str("embednn::quant::QResidual { block: ")?;
        self.block.write_rust(out)?;
        out.write_str(", add: ")?;
        self.add.write_rust(out)?;
        out.write_str(" }")
    }
}

impl<A: ToRust, B: ToRust> ToRust for QAdd<A, B> {
    fn write_rust(&self, out: &mut dyn core::fmt::Write) -> core::fmt::Result {
        out.write_str("embednn::quant::QAdd { a: ")?;
        self.a.write_rust(out)?;
        out.write_str(", b: ")?;
        self.b.write_rust(out)?;
        out.write_str(", add: ")?;
        self.add.write_rust(out)?;
        out.write_str(" }")
    }
}
