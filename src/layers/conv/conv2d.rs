//! The 2-D convolution.

use core::marker::PhantomData;
use core::mem::size_of;

use crate::layer::Layer;

use super::loops::{conv_forward, conv_grad, conv_input_grad};
use super::padding::{Padding, Valid};
use super::window::{Axis, HEIGHT, WIDTH};

/// 2-D convolution over an `H × W × CIN` image (NHWC without the batch axis) with `COUT` filters
/// of `KH × KW`, stride `SH × SW` and padding `P`, giving `OH × OW × COUT`.
///
/// The output size is written by you and checked at compile time (see the
/// [module docs](super) for the rules): `OH = (H − KH) / SH + 1` for [`Valid`],
/// `OH = ceil(H / SH)` for [`Same`](super::Same), and likewise for the width.
///
/// `kernel[co][kh][kw][ci]` (OHWI, as TFLite) is the weight from input channel `ci` at window
/// position `(kh, kw)` to output channel `co`; `bias[co]` is added last. A gradient of a
/// `Conv2d` is again a `Conv2d` of the same shape.
///
/// ```
/// use embednn::{Conv2d, Layer, Same};
/// // A 2×2 summing filter with "same" padding on a 3×3 image, stride 1: TensorFlow pads one
/// // column on the right and one row at the bottom (total 1: 0 before, 1 after).
/// let conv = Conv2d::<3, 3, 1, 1, 2, 2, 1, 1, 3, 3, Same>::new([[[[1.0]; 2]; 2]], [0.0]);
/// let x = [[[1.0], [2.0], [3.0]], [[4.0], [5.0], [6.0]], [[7.0], [8.0], [9.0]]];
/// let mut y = [[[0.0]; 3]; 3];
/// conv.forward(&x, &mut y);
/// assert_eq!(y, [[[12.0], [16.0], [9.0]], [[24.0], [28.0], [15.0]], [[15.0], [17.0], [9.0]]]);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Conv2d<
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
    P: Padding = Valid,
> {
    /// Weights, `kernel[co][kh][kw][ci]` (OHWI).
    pub kernel: [[[[f32; CIN]; KW]; KH]; COUT],
    /// One bias per output channel.
    pub bias: [f32; COUT],
    /// The padding mode, as a type ([`Valid`] or [`Same`](super::Same)).
    pub padding: PhantomData<P>,
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
    > Conv2d<H, W, CIN, COUT, KH, KW, SH, SW, OH, OW, P>
{
    /// All weights and biases zero.
    pub const ZERO: Self = Self::new([[[[0.0; CIN]; KW]; KH]; COUT], [0.0; COUT]);
    const ROWS: Axis = Axis::new(H, KH, SH, P::SAME);
    const COLS: Axis = Axis::new(W, KW, SW, P::SAME);

    /// Builds the layer from OHWI weights (`kernel[co][kh][kw][ci]`) and biases (`const`, so a
    /// whole model can be a `static` in flash).
    pub const fn new(kernel: [[[[f32; CIN]; KW]; KH]; COUT], bias: [f32; COUT]) -> Self {
        Conv2d {
            kernel,
            bias,
            padding: PhantomData,
        }
    }

    /// Builds the layer from a Keras `Conv2D` kernel, whose shape is `(KH, KW, CIN, COUT)`
    /// (HWIO, `kernel[kh][kw][ci][co]`), transposing it to OHWI.
    pub const fn from_keras(kernel: &[[[[f32; COUT]; CIN]; KW]; KH], bias: [f32; COUT]) -> Self {
        let mut layer = Self::new([[[[0.0; CIN]; KW]; KH]; COUT], bias);
        let mut kh = 0;
        while kh < KH {
            let mut kw = 0;
            while kw < KW {
                let mut ci = 0;
                while ci < CIN {
                    let mut co = 0;
                    while co < COUT {
                        layer.kernel[co][kh][kw][ci] = kernel[kh][kw][ci][co];
                        co += 1;
                    }
                    ci += 1;
                }
                kw += 1;
            }
            kh += 1;
        }
        layer
    }
}

crate::params! {
    impl[const H: usize, const W: usize, const CIN: usize, const COUT: usize, const KH: usize,
         const KW: usize, const SH: usize, const SW: usize, const OH: usize, const OW: usize,
         P: Padding] Conv2d<H, W, CIN, COUT, KH, KW, SH, SW, OH, OW, P>
        as "Conv2d"[H, W, CIN, COUT, KH, KW, SH, SW, OH, OW, P::CODE]
        for [[[f32; CIN]; W]; H]
    {
        kernel: Weight = crate::param::fan(KH * KW * CIN, KH * KW * COUT),
        bias: Bias = 0.0,
    }
    phantom [padding]
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
    > Layer<[[[f32; CIN]; W]; H]> for Conv2d<H, W, CIN, COUT, KH, KW, SH, SW, OH, OW, P>
{
    type Output = [[[f32; COUT]; OW]; OH];
    type Cache = ();
    const MACS: usize = OH * OW * COUT * KH * KW * CIN;
    /// Five windows (filter-sized buffers: four side by side, and one for the last pixels);
    /// none for a 1×1 convolution.
    const FORWARD_BYTES: usize = if KH * KW == 1 {
        0
    } else {
        5 * size_of::<[[[f32; CIN]; KW]; KH]>()
    };
    const CHECK: () = {
        Self::ROWS.check("Conv2d", &HEIGHT, OH);
        Self::COLS.check("Conv2d", &WIDTH, OW);
    };

    #[inline]
    fn forward(&self, x: &[[[f32; CIN]; W]; H], y: &mut Self::Output) {
        let () = <Self as Layer<[[[f32; CIN]; W]; H]>>::CHECK;
        conv_forward(Self::ROWS, Self::COLS, &self.kernel, &self.bias, x, y);
    }

    fn backward(
        &self,
        x: &[[[f32; CIN]; W]; H],
        _y: &Self::Output,
        _cache: &(),
        dy: &Self::Output,
        dx: Option<&mut [[[f32; CIN]; W]; H]>,
        grad: Option<&mut Self>,
    ) {
        let () = <Self as Layer<[[[f32; CIN]; W]; H]>>::CHECK;
        if let Some(g) = grad {
            conv_grad(Self::ROWS, Self::COLS, x, dy, &mut g.kernel, &mut g.bias);
        }
        if let Some(dx) = dx {
            conv_input_grad(Self::ROWS, Self::COLS, &self.kernel, dy, dx);
        }
    }
}
