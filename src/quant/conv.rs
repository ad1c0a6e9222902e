//! int8 convolutions: [`QConv2d`] and [`QConv1d`] (TFLite's `CONV_2D` with per-channel weights).
//!
//! Each output pixel's window is copied into a filter-sized buffer, with the input zero point
//! where the window hangs over the border (TFLite skips those taps; `zp − zp = 0` adds the same
//! nothing), and the filters are applied to it as the rows of a [`QDense`](super::QDense):
//! the same interleaved weight layout, the same kernel, the zero point folded into the bias. A
//! 1×1 convolution reads the pixel in place.

use core::marker::PhantomData;
use core::mem::size_of;

use crate::layers::conv::window::{Axis, HEIGHT, LENGTH, WIDTH};
use crate::layers::conv::Padding;

use super::arith::{OutputStage, Requant};
use super::dense::{fold_zero_point, rows_forward, Packed, CHUNK_ROWS};
use super::kernels::pack_rows;
use super::layer::QLayer;

/// int8 2-D convolution: sizes and padding as [`Conv2d`](crate::Conv2d), weights OHWI in the
/// kernels' interleaved order, bias with the input zero point folded in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QConv2d<
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
> {
    /// Filters `[co][kh][kw][ci]`, each a row of `KH·KW·CIN`, interleaved by four filters.
    pub weights: Packed<[[[[i8; CIN]; KW]; KH]; COUT]>,
    /// Biases with the input zero point folded in.
    pub bias: [i32; COUT],
    /// Per-channel requantization.
    pub requant: [Requant; COUT],
    /// Output zero point and clamp.
    pub output: OutputStage,
    /// The input's zero point: what padding stands for.
    pub input_zero_point: i8,
    /// The padding mode, in the type.
    pub padding: PhantomData<P>,
}

/// int8 1-D convolution: sizes and padding as [`Conv1d`](crate::Conv1d).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QConv1d<
    const L: usize,
    const CIN: usize,
    const COUT: usize,
    const KL: usize,
    const SL: usize,
    const OL: usize,
    P: Padding,
> {
    /// Filters `[co][k][ci]`, each a row of `KL·CIN`, interleaved by four filters.
    pub weights: Packed<[[[i8; CIN]; KL]; COUT]>,
    /// Biases with the input zero point folded in.
    pub bias: [i32; COUT],
    /// Per-channel requantization.
    pub requant: [Requant; COUT],
    /// Output zero point and clamp.
    pub output: OutputStage,
    /// The input's zero point: what padding stands for.
    pub input_zero_point: i8,
    /// The padding mode, in the type.
    pub padding: PhantomData<P>,
}

/// Copies the overlap of `src` into `dst` (the window's part inside the input; the lengths are
/// equal by construction, and a zip rather than `copy_from_slice` leaves no panic path).
#[inline(always)]
fn copy<T: Copy>(dst: &mut [T], src: &[T]) {
    for (d, &s) in dst.iter_mut().zip(src) {
        *d = s;
    }
}

macro_rules! conv_impl {
    ($name:ident<$(const $c:ident),*>, filters: $filters:ty, cout: $cout:ident,
     flat: |$f:ident| $flat:expr, flat_mut: |$m:ident| $flat_mut:expr) => {
        impl<$(const $c: usize,)* P: Padding> $name<$($c,)* P> {
            /// Builds the layer from TFLite's parameters: plain filters (OHWI), the int32 bias,
            /// the input zero point, per-channel requantization and the output stage.
            pub fn from_tflite(
                filters: &$filters,
                bias: [i32; $cout],
                input_zero_point: i8,
                requant: [Requant; $cout],
                output: OutputStage,
            ) -> Self {
                let mut layer = Self {
                    weights: Packed(*filters),
                    bias,
                    requant,
                    output,
                    input_zero_point,
                    padding: PhantomData,
                };
                let plain = { let $f = filters; $flat };
                let k = plain.len() / $cout.max(1);
                let packed = { let $m = &mut layer.weights.0; $flat_mut };
                pack_rows(plain, k, packed);
                fold_zero_point(plain, k, &mut layer.bias, input_zero_point as i32);
                layer
            }

            /// The filters as one run of int8 in kernel order.
            #[inline(always)]
            fn packed(&self) -> &[i8] {
                let $f = &self.weights.0;
                $flat
            }
        }
    };
}

conv_impl!(QConv2d<const H, const W, const CIN, const COUT, const KH, const KW, const SH,
        const SW, const OH, const OW>,
    filters: [[[[i8; CIN]; KW]; KH]; COUT], cout: COUT,
    flat: |f| f.as_flattened().as_flattened().as_flattened(),
    flat_mut: |m| m.as_flattened_mut().as_flattened_mut().as_flattened_mut());
conv_impl!(QConv1d<const L, const CIN, const COUT, const KL, const SL, const OL>,
    filters: [[[i8; CIN]; KL]; COUT], cout: COUT,
    flat: |f| f.as_flattened().as_flattened(),
    flat_mut: |m| m.as_flattened_mut().as_flattened_mut());

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
    > QLayer<[[[i8; CIN]; W]; H]> for QConv2d<H, W, CIN, COUT, KH, KW, SH, SW, OH, OW, P>
{
    type Output = [[[i8; COUT]; OW]; OH];
    const KIND: &'static str = "QConv2d";
    const MACS: usize = OH * OW * COUT * KH * KW * CIN;
    const PARAM_BYTES: usize = size_of::<Self>();
    const FORWARD_BYTES: usize = size_of::<[i32; CHUNK_ROWS]>()
        + if KH * KW == 1 {
            0
        } else {
            size_of::<[[[i8; CIN]; KW]; KH]>()
        };
    const CHECK: () = {
        Axis::new(H, KH, SH, P::SAME).check("QConv2d", &HEIGHT, OH);
        Axis::new(W, KW, SW, P::SAME).check("QConv2d", &WIDTH, OW);
    };

    fn forward(&self, x: &[[[i8; CIN]; W]; H], y: &mut Self::Output) {
        let () = <Self as QLayer<[[[i8; CIN]; W]; H]>>::CHECK;
        let rows = Axis::new(H, KH, SH, P::SAME);
        let cols = Axis::new(W, KW, SW, P::SAME);
        let packed = self.packed();
        for (oh, y_row) in y.iter_mut().enumerate() {
            let r = rows.span(oh);
            for (ow, y_px) in y_row.iter_mut().enumerate() {
                let c = cols.span(ow);
                if KH * KW == 1 {
                    // The window is one pixel, inside the input ("same" adds no padding).
                    let px = r
                        .input_of(x)
                        .first()
                        .and_then(|row| c.input_of(row).first());
                    if let Some(px) = px {
                        rows_forward(packed, px, &self.bias, &self.requant, self.output, y_px);
                    }
                    continue;
                }
                let mut window = [[[self.input_zero_point; CIN]; KW]; KH];
                for (w_row, x_row) in r.taps_of_mut(&mut window).iter_mut().zip(r.input_of(x)) {
                    copy(c.taps_of_mut(w_row), c.input_of(x_row));
                }
                let window = window.as_flattened().as_flattened();
                rows_forward(packed, window, &self.bias, &self.requant, self.output, y_px);
            }
        }
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
    > QLayer<[[i8; CIN]; L]> for QConv1d<L, CIN, COUT, KL, SL, OL, P>
{
    type Output = [[i8; COUT]; OL];
    const KIND: &'static str = "QConv1d";
    const MACS: usize = OL * COUT * KL * CIN;
    const PARAM_BYTES: usize = size_of::<Self>();
    const FORWARD_BYTES: usize = size_of::<[i32; CHUNK_ROWS]>()
        + if KL == 1 {
            0
        } else {
            size_of::<[[i8; CIN]; KL]>()
        };
    const CHECK: () = Axis::new(L, KL, SL, P::SAME).check("QConv1d", &LENGTH, OL);

    fn forward(&self, x: &[[i8; CIN]; L], y: &mut Self::Output) {
        let () = <Self as QLayer<[[i8; CIN]; L]>>::CHECK;
        let steps = Axis::new(L, KL, SL, P::SAME);
        let packed = self.packed();
        for (ol, y_px) in y.iter_mut().enumerate() {
            let s = steps.span(ol);
            let mut window = [[self.input_zero_point; CIN]; KL];
            copy(s.taps_of_mut(&mut window), s.input_of(x));
            let window = window.as_flattened();
            rows_forward(packed, window, &self.bias, &self.requant, self.output, y_px);
        }
    }
}
