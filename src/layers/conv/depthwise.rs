//! The depthwise 2-D convolution.

use core::marker::PhantomData;

use crate::layer::Layer;

use super::padding::{Padding, Valid};
use super::window::{Axis, HEIGHT, WIDTH};

// ---------------------------------------------------------------------------------------------
// DepthwiseConv2d

/// Depthwise 2-D convolution (depth multiplier 1): each of the `C` channels is convolved with its
/// own `KH × KW` filter, stride `SH × SW`, padding `P`; `H × W × C` → `OH × OW × C`.
///
/// The building block of MobileNet and the DS-CNN keyword-spotting model (followed by a 1×1
/// [`Conv2d`](super::Conv2d)). Output sizes are checked as for [`Conv2d`](super::Conv2d). `kernel[kh][kw][c]` is Keras'
/// `DepthwiseConv2D` kernel `(KH, KW, C, 1)` without its last axis, and TFLite's `[1][KH][KW][C]`;
/// the inner loop runs over the contiguous channels. Glorot/He use Keras' fans for this layer:
/// `fan_in = KH·KW·C`, `fan_out = KH·KW`.
///
/// ```
/// use embednn::{DepthwiseConv2d, Layer};
/// // Channel 0 sums its 2×2 window, channel 1 takes the top-left value times 10.
/// let dw = DepthwiseConv2d::<2, 2, 2, 2, 2, 1, 1, 1, 1>::new(
///     [[[1.0, 10.0], [1.0, 0.0]], [[1.0, 0.0], [1.0, 0.0]]],
///     [0.5, 0.0],
/// );
/// let x = [[[1.0, 2.0], [3.0, 4.0]], [[5.0, 6.0], [7.0, 8.0]]];
/// let mut y = [[[0.0; 2]; 1]; 1];
/// dw.forward(&x, &mut y);
/// assert_eq!(y, [[[16.5, 20.0]]]);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DepthwiseConv2d<
    const H: usize,
    const W: usize,
    const C: usize,
    const KH: usize,
    const KW: usize,
    const SH: usize,
    const SW: usize,
    const OH: usize,
    const OW: usize,
    P: Padding = Valid,
> {
    /// Weights, `kernel[kh][kw][c]`.
    pub kernel: [[[f32; C]; KW]; KH],
    /// One bias per channel.
    pub bias: [f32; C],
    /// The padding mode, as a type ([`Valid`] or [`Same`](super::Same)).
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
    > DepthwiseConv2d<H, W, C, KH, KW, SH, SW, OH, OW, P>
{
    /// All weights and biases zero.
    pub const ZERO: Self = Self::new([[[0.0; C]; KW]; KH], [0.0; C]);
    const ROWS: Axis = Axis::new(H, KH, SH, P::SAME);
    const COLS: Axis = Axis::new(W, KW, SW, P::SAME);

    /// Builds the layer from weights `kernel[kh][kw][c]` and biases.
    pub const fn new(kernel: [[[f32; C]; KW]; KH], bias: [f32; C]) -> Self {
        DepthwiseConv2d {
            kernel,
            bias,
            padding: PhantomData,
        }
    }
}

crate::params! {
    impl[const H: usize, const W: usize, const C: usize, const KH: usize, const KW: usize,
         const SH: usize, const SW: usize, const OH: usize, const OW: usize, P: Padding] DepthwiseConv2d<H, W, C, KH, KW, SH, SW, OH, OW, P>
        as "DepthwiseConv2d"[H, W, C, KH, KW, SH, SW, OH, OW, P::CODE]
        for [[[f32; C]; W]; H]
    {
        kernel: Weight = crate::param::fan(KH * KW * C, KH * KW),
        bias: Bias = 0.0,
    }
    phantom [padding]
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
    > Layer<[[[f32; C]; W]; H]> for DepthwiseConv2d<H, W, C, KH, KW, SH, SW, OH, OW, P>
{
    type Output = [[[f32; C]; OW]; OH];
    type Cache = ();
    const MACS: usize = OH * OW * C * KH * KW;
    const CHECK: () = {
        Self::ROWS.check("DepthwiseConv2d", &HEIGHT, OH);
        Self::COLS.check("DepthwiseConv2d", &WIDTH, OW);
    };

    #[inline]
    fn forward(&self, x: &[[[f32; C]; W]; H], y: &mut Self::Output) {
        let () = <Self as Layer<[[[f32; C]; W]; H]>>::CHECK;
        for (oh, y_row) in y.iter_mut().enumerate() {
            let r = Self::ROWS.span(oh);
            let x_rows = r.input_of(x);
            let w_rows = r.taps_of(&self.kernel);
            for (ow, pixel) in y_row.iter_mut().enumerate() {
                let c = Self::COLS.span(ow);
                // Four channels at a time, their sums in registers across the window.
                let (out4, out_rest) = pixel.as_chunks_mut::<4>();
                let (bias4, bias_rest) = self.bias.as_chunks::<4>();
                for (j, (out, b)) in out4.iter_mut().zip(bias4).enumerate() {
                    let mut acc = *b;
                    for (x_row, w_row) in x_rows.iter().zip(w_rows) {
                        for (xp, wp) in c.input_of(x_row).iter().zip(c.taps_of(w_row)) {
                            let xs = xp.as_chunks::<4>().0.get(j);
                            let ws = wp.as_chunks::<4>().0.get(j);
                            if let (Some(xs), Some(ws)) = (xs, ws) {
                                for ((a, &w), &x) in acc.iter_mut().zip(ws).zip(xs) {
                                    *a += w * x;
                                }
                            }
                        }
                    }
                    *out = acc;
                }
                for (k, (out, &b)) in out_rest.iter_mut().zip(bias_rest).enumerate() {
                    let mut acc = b;
                    for (x_row, w_row) in x_rows.iter().zip(w_rows) {
                        for (xp, wp) in c.input_of(x_row).iter().zip(c.taps_of(w_row)) {
                            let xs = xp.as_chunks::<4>().1.get(k);
                            let ws = wp.as_chunks::<4>().1.get(k);
                            if let (Some(&x), Some(&w)) = (xs, ws) {
                                acc += w * x;
                            }
                        }
                    }
                    *out = acc;
                }
            }
        }
    }

    fn backward(
        &self,
        x: &[[[f32; C]; W]; H],
        _y: &Self::Output,
        _cache: &(),
        dy: &Self::Output,
        dx: Option<&mut [[[f32; C]; W]; H]>,
        grad: Option<&mut Self>,
    ) {
        let () = <Self as Layer<[[[f32; C]; W]; H]>>::CHECK;
        if let Some(g) = grad {
            for (oh, dy_row) in dy.iter().enumerate() {
                let r = Self::ROWS.span(oh);
                let x_rows = r.input_of(x);
                for (ow, d) in dy_row.iter().enumerate() {
                    let c = Self::COLS.span(ow);
                    for (gb, &dv) in g.bias.iter_mut().zip(d) {
                        *gb += dv;
                    }
                    for (x_row, g_row) in x_rows.iter().zip(r.taps_of_mut(&mut g.kernel)) {
                        for (xp, gp) in c.input_of(x_row).iter().zip(c.taps_of_mut(g_row)) {
                            for ((gv, &xv), &dv) in gp.iter_mut().zip(xp).zip(d) {
                                *gv += dv * xv;
                            }
                        }
                    }
                }
            }
        }
        if let Some(dx) = dx {
            *dx = [[[0.0; C]; W]; H];
            for (oh, dy_row) in dy.iter().enumerate() {
                let r = Self::ROWS.span(oh);
                for (ow, d) in dy_row.iter().enumerate() {
                    let c = Self::COLS.span(ow);
                    for (dx_row, w_row) in
                        r.input_of_mut(dx).iter_mut().zip(r.taps_of(&self.kernel))
                    {
                        for (gp, wp) in c.input_of_mut(dx_row).iter_mut().zip(c.taps_of(w_row)) {
                            for ((gv, &wv), &dv) in gp.iter_mut().zip(wp).zip(d) {
                                *gv += dv * wv;
                            }
                        }
                    }
                }
            }
        }
    }
}
