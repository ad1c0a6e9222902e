//! int8 layers without weights: the pools, reshapes and identities (which keep their input's
//! quantization, as TFLite requires), the ReLU clamp, a lookup table for any other activation,
//! and softmax.

use core::mem::size_of;

use crate::layers::activation::{Identity, Softmax};
use crate::layers::conv::window::{Axis, HEIGHT, LENGTH, WIDTH};
use crate::layers::conv::Padding;
use crate::layers::dropout::Dropout;
use crate::layers::pool::{AvgPool1d, AvgPool2d, GlobalAvgPool, MaxPool1d, MaxPool2d};
use crate::layers::reshape::Reshape;

use super::arith::QParams;
use super::layer::QLayer;
use super::tensor::{HasInt8, QTensor};

/// TFLite's rounded average of int8 values: `(sum ± count/2) / count`, ties away from zero.
#[inline(always)]
fn rounded_mean(sum: i32, count: i32) -> i8 {
    if count == 0 {
        return 0;
    }
    let q = if sum > 0 {
        (sum + count / 2) / count
    } else {
        (sum - count / 2) / count
    };
    q.clamp(i8::MIN as i32, i8::MAX as i32) as i8
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
    > QLayer<[[[i8; C]; W]; H]> for MaxPool2d<KH, KW, SH, SW, OH, OW, P>
{
    type Output = [[[i8; C]; OW]; OH];
    const KIND: &'static str = "MaxPool2d";
    const MACS: usize = 0;
    const PARAM_BYTES: usize = 0;
    const CHECK: () = {
        Axis::new(H, KH, SH, P::SAME).check("MaxPool2d", &HEIGHT, OH);
        Axis::new(W, KW, SW, P::SAME).check("MaxPool2d", &WIDTH, OW);
    };
    fn forward(&self, x: &[[[i8; C]; W]; H], y: &mut Self::Output) {
        let () = <Self as QLayer<[[[i8; C]; W]; H]>>::CHECK;
        let (rows, cols) = (Axis::new(H, KH, SH, P::SAME), Axis::new(W, KW, SW, P::SAME));
        for (oh, y_row) in y.iter_mut().enumerate() {
            let r = rows.span(oh);
            for (ow, y_px) in y_row.iter_mut().enumerate() {
                let c = cols.span(ow);
                *y_px = [i8::MIN; C];
                for x_row in r.input_of(x) {
                    for x_px in c.input_of(x_row) {
                        for (o, &v) in y_px.iter_mut().zip(x_px) {
                            *o = (*o).max(v);
                        }
                    }
                }
            }
        }
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
    > QLayer<[[[i8; C]; W]; H]> for AvgPool2d<KH, KW, SH, SW, OH, OW, P>
{
    type Output = [[[i8; C]; OW]; OH];
    const KIND: &'static str = "AvgPool2d";
    const MACS: usize = 0;
    const PARAM_BYTES: usize = 0;
    const FORWARD_BYTES: usize = size_of::<[i32; C]>();
    const CHECK: () = {
        Axis::new(H, KH, SH, P::SAME).check("AvgPool2d", &HEIGHT, OH);
        Axis::new(W, KW, SW, P::SAME).check("AvgPool2d", &WIDTH, OW);
    };
    fn forward(&self, x: &[[[i8; C]; W]; H], y: &mut Self::Output) {
        let () = <Self as QLayer<[[[i8; C]; W]; H]>>::CHECK;
        let (rows, cols) = (Axis::new(H, KH, SH, P::SAME), Axis::new(W, KW, SW, P::SAME));
        for (oh, y_row) in y.iter_mut().enumerate() {
            let r = rows.span(oh);
            for (ow, y_px) in y_row.iter_mut().enumerate() {
                let c = cols.span(ow);
                let mut sum = [0i32; C];
                for x_row in r.input_of(x) {
                    for x_px in c.input_of(x_row) {
                        for (s, &v) in sum.iter_mut().zip(x_px) {
                            *s += v as i32;
                        }
                    }
                }
                let count = (r.len() * c.len()) as i32;
                for (o, &s) in y_px.iter_mut().zip(&sum) {
                    *o = rounded_mean(s, count);
                }
            }
        }
    }
}

impl<
        const L: usize,
        const C: usize,
        const KL: usize,
        const SL: usize,
        const OL: usize,
        P: Padding,
    > QLayer<[[i8; C]; L]> for MaxPool1d<KL, SL, OL, P>
{
    type Output = [[i8; C]; OL];
    const KIND: &'static str = "MaxPool1d";
    const MACS: usize = 0;
    const PARAM_BYTES: usize = 0;
    const CHECK: () = Axis::new(L, KL, SL, P::SAME).check("MaxPool1d", &LENGTH, OL);
    fn forward(&self, x: &[[i8; C]; L], y: &mut Self::Output) {
        let () = <Self as QLayer<[[i8; C]; L]>>::CHECK;
        let steps = Axis::new(L, KL, SL, P::SAME);
        for (ol, y_px) in y.iter_mut().enumerate() {
            *y_px = [i8::MIN; C];
            for x_px in steps.span(ol).input_of(x) {
                for (o, &v) in y_px.iter_mut().zip(x_px) {
                    *o = (*o).max(v);
                }
            }
        }
    }
}

impl<
        const L: usize,
        const C: usize,
        const KL: usize,
        const SL: usize,
        const OL: usize,
        P: Padding,
    > QLayer<[[i8; C]; L]> for AvgPool1d<KL, SL, OL, P>
{
    type Output = [[i8; C]; OL];
    const KIND: &'static str = "AvgPool1d";
    const MACS: usize = 0;
    const PARAM_BYTES: usize = 0;
    const FORWARD_BYTES: usize = size_of::<[i32; C]>();
    const CHECK: () = Axis::new(L, KL, SL, P::SAME).check("AvgPool1d", &LENGTH, OL);
    fn forward(&self, x: &[[i8; C]; L], y: &mut Self::Output) {
        let () = <Self as QLayer<[[i8; C]; L]>>::CHECK;
        let steps = Axis::new(L, KL, SL, P::SAME);
        for (ol, y_px) in y.iter_mut().enumerate() {
            let s = steps.span(ol);
            let mut sum = [0i32; C];
            for x_px in s.input_of(x) {
                for (acc, &v) in sum.iter_mut().zip(x_px) {
                    *acc += v as i32;
                }
            }
            for (o, &acc) in y_px.iter_mut().zip(&sum) {
                *o = rounded_mean(acc, s.len() as i32);
            }
        }
    }
}

/// The mean over every position (input and output share their quantization; rounded as
/// TFLite's average pool rounds).
fn global_mean<const C: usize>(pixels: &[[i8; C]], y: &mut [i8; C]) {
    let mut sum = [0i32; C];
    for px in pixels {
        for (s, &v) in sum.iter_mut().zip(px) {
            *s = s.wrapping_add(v as i32);
        }
    }
    for (o, &s) in y.iter_mut().zip(&sum) {
        *o = rounded_mean(s, pixels.len() as i32);
    }
}

impl<const H: usize, const W: usize, const C: usize> QLayer<[[[i8; C]; W]; H]> for GlobalAvgPool {
    type Output = [i8; C];
    const KIND: &'static str = "GlobalAvgPool";
    const MACS: usize = 0;
    const PARAM_BYTES: usize = 0;
    const FORWARD_BYTES: usize = size_of::<[i32; C]>();
    fn forward(&self, x: &[[[i8; C]; W]; H], y: &mut [i8; C]) {
        global_mean(x.as_flattened(), y);
    }
}

impl<const L: usize, const C: usize> QLayer<[[i8; C]; L]> for GlobalAvgPool {
    type Output = [i8; C];
    const KIND: &'static str = "GlobalAvgPool";
    const MACS: usize = 0;
    const PARAM_BYTES: usize = 0;
    const FORWARD_BYTES: usize = size_of::<[i32; C]>();
    fn forward(&self, x: &[[i8; C]; L], y: &mut [i8; C]) {
        global_mean(x, y);
    }
}

impl<X: QTensor, T: HasInt8> QLayer<X> for Reshape<T> {
    type Output = T::Int8;
    const KIND: &'static str = "Reshape";
    const MACS: usize = 0;
    const PARAM_BYTES: usize = 0;
    const CHECK: () = <Reshape<T> as crate::Layer<X::Float>>::CHECK;
    #[inline]
    fn forward(&self, x: &X, y: &mut T::Int8) {
        let () = <Self as QLayer<X>>::CHECK;
        for (o, &v) in y.flat_mut().iter_mut().zip(x.flat()) {
            *o = v;
        }
    }
}

macro_rules! identity {
    ($ty:ty, $kind:literal $(, $p:ident: $pt:ty)?) => {
        impl<X: QTensor $(, const $p: $pt)?> QLayer<X> for $ty {
            type Output = X;
            const KIND: &'static str = $kind;
            const MACS: usize = 0;
            const PARAM_BYTES: usize = 0;
            #[inline]
            fn forward(&self, x: &X, y: &mut X) {
                *y = *x;
            }
        }
    };
}
identity!(Identity, "Identity");
identity!(Dropout<RATE_MILLI>, "Dropout", RATE_MILLI: u32);

/// A ReLU or ReLU6 in int8: a clamp to `[min, max]`. After a layer that computes a sum it is
/// folded into that layer's output clamp, and this one is left with the full range (a copy).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct QClamp {
    /// The smallest output.
    pub min: i8,
    /// The largest output.
    pub max: i8,
}

impl QClamp {
    /// The clamp that does nothing (the activation was folded into the layer before).
    pub const FOLDED: QClamp = QClamp {
        min: i8::MIN,
        max: i8::MAX,
    };
}

impl<X: QTensor> QLayer<X> for QClamp {
    type Output = X;
    const KIND: &'static str = "QClamp";
    const MACS: usize = 0;
    const PARAM_BYTES: usize = size_of::<Self>();
    #[inline]
    fn forward(&self, x: &X, y: &mut X) {
        *y = *x;
        if *self != QClamp::FOLDED {
            for v in y.flat_mut() {
                *v = (*v).max(self.min).min(self.max.max(self.min));
            }
        }
    }
}

/// Any element-wise activation in int8 (LeakyReLU, tanh, sigmoid, …): a table of its 256
/// outputs, computed on the host from the input's and output's quantization.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QLut {
    /// `table[(x as u8) as usize]` is the output for input `x`.
    pub table: [i8; 256],
}

impl QLut {
    /// The table of `f` from input parameters `input` to output parameters `output`.
    pub fn new(input: QParams, output: QParams, f: impl Fn(f32) -> f32) -> QLut {
        let mut table = [0i8; 256];
        for (i, t) in table.iter_mut().enumerate() {
            let x = i as u8 as i8;
            *t = output.quantize(f(input.dequantize(x)));
        }
        QLut { table }
    }
}

impl<X: QTensor> QLayer<X> for QLut {
    type Output = X;
    const KIND: &'static str = "QLut";
    const MACS: usize = 0;
    const PARAM_BYTES: usize = size_of::<Self>();
    #[inline]
    fn forward(&self, x: &X, y: &mut X) {
        for (o, &v) in y.flat_mut().iter_mut().zip(x.flat()) {
            *o = self.table.get(v as u8 as usize).copied().unwrap_or(0);
        }
    }
}

/// Softmax on int8 logits: dequantized, computed in `f32` with [`Softmax::apply`], and
/// quantized to TFLite's probability parameters (steps of 1/256 from −128).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct QSoftmax {
    /// The logits' quantization.
    pub input: QParams,
}

impl<const N: usize> QLayer<[i8; N]> for QSoftmax {
    type Output = [i8; N];
    const KIND: &'static str = "QSoftmax";
    const MACS: usize = 0;
    const PARAM_BYTES: usize = size_of::<Self>();
    const FORWARD_BYTES: usize = 2 * size_of::<[f32; N]>();
    fn forward(&self, x: &[i8; N], y: &mut [i8; N]) {
        let mut logits = [0.0f32; N];
        for (l, &v) in logits.iter_mut().zip(x) {
            *l = self.input.dequantize(v);
        }
        let mut p = [0.0f32; N];
        Softmax::apply(&logits, &mut p);
        for (o, &v) in y.iter_mut().zip(&p) {
            *o = QParams::PROBABILITY.quantize(v);
        }
    }
}
