//! The int8 depthwise convolution (TFLite's `DEPTHWISE_CONV_2D`, depth multiplier 1).

use core::marker::PhantomData;
use core::mem::size_of;

use crate::layers::conv::window::{Axis, HEIGHT, WIDTH};
use crate::layers::conv::Padding;

use super::arith::{OutputStage, Requant};
use super::layer::QLayer;

/// int8 depthwise convolution: sizes and padding as
/// [`DepthwiseConv2d`](crate::DepthwiseConv2d), one `KH × KW` filter per channel.
///
/// `y[c] = clamp(zp_out + requant[c](bias[c] + Σ_taps (x[tap][c] − zp_in) · w[tap][c]))`, the
/// taps outside the input skipped, exactly as TFLite's `DepthwiseConvPerChannel`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QDepthwiseConv2d<
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
> {
    /// Weights `[kh][kw][c]` (TFLite's `[1, KH, KW, C]`).
    pub weights: [[[i8; C]; KW]; KH],
    /// One int32 bias per channel (the input zero point is not folded in: border windows
    /// have fewer taps).
    pub bias: [i32; C],
    /// Per-channel requantization.
    pub requant: [Requant; C],
    /// Output zero point and clamp.
    pub output: OutputStage,
    /// The input's zero point.
    pub input_zero_point: i8,
    /// The padding mode, in the type.
    pub padding: PhantomData<P>,
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
    > QLayer<[[[i8; C]; W]; H]> for QDepthwiseConv2d<H, W, C, KH, KW, SH, SW, OH, OW, P>
{
    type Output = [[[i8; C]; OW]; OH];
    const KIND: &'static str = "QDepthwiseConv2d";
    const MACS: usize = OH * OW * C * KH * KW;
    const PARAM_BYTES: usize = size_of::<Self>();
    const FORWARD_BYTES: usize = size_of::<[i32; C]>();
    const CHECK: () = {
        Axis::new(H, KH, SH, P::SAME).check("QDepthwiseConv2d", &HEIGHT, OH);
        Axis::new(W, KW, SW, P::SAME).check("QDepthwiseConv2d", &WIDTH, OW);
    };

    fn forward(&self, x: &[[[i8; C]; W]; H], y: &mut Self::Output) {
        let () = <Self as QLayer<[[[i8; C]; W]; H]>>::CHECK;
        let rows = Axis::new(H, KH, SH, P::SAME);
        let cols = Axis::new(W, KW, SW, P::SAME);
        let zp = self.input_zero_point as i32;
        for (oh, y_row) in y.iter_mut().enumerate() {
            let r = rows.span(oh);
            for (ow, y_px) in y_row.iter_mut().enumerate() {
                let c = cols.span(ow);
                let mut acc = self.bias;
                for (w_row, x_row) in r.taps_of(&self.weights).iter().zip(r.input_of(x)) {
                    for (w_px, x_px) in c.taps_of(w_row).iter().zip(c.input_of(x_row)) {
                        for ((a, &w), &v) in acc.iter_mut().zip(w_px).zip(x_px) {
                            *a = a.wrapping_add((v as i32 - zp) * w as i32);
                        }
                    }
                }
                for ((o, &a), &q) in y_px.iter_mut().zip(&acc).zip(&self.requant) {
                    *o = self.output.finish(a, q);
                }
            }
        }
    }
}
