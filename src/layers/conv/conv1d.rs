//! The 1-D convolution.

use core::marker::PhantomData;
use core::mem::size_of;

use crate::layer::Layer;

use super::loops::{conv_forward, conv_grad, conv_input_grad};
use super::padding::{Padding, Valid};
use super::window::{Axis, LENGTH};

/// 1-D convolution over `L` steps × `CIN` channels with `COUT` filters of `KL` taps, stride `SL`
/// and padding `P`, giving `OL` steps × `COUT` channels (Keras' `Conv1D`).
///
/// `OL` is checked at compile time: `(L − KL) / SL + 1` for [`Valid`], `ceil(L / SL)` for
/// [`Same`](super::Same).
/// `kernel[co][k][ci]` is the weight from input channel `ci` at tap `k` to output channel `co`,
/// so one filter's `KL·CIN` weights are contiguous, as are the `KL·CIN` inputs under it.
///
/// ```
/// use embednn::{Conv1d, Layer};
/// // Differences of neighbours: y[t] = x[t + 1] − x[t].
/// let diff = Conv1d::<4, 1, 1, 2, 1, 3>::new([[[-1.0], [1.0]]], [0.0]);
/// let mut y = [[0.0]; 3];
/// diff.forward(&[[1.0], [4.0], [9.0], [16.0]], &mut y);
/// assert_eq!(y, [[3.0], [5.0], [7.0]]);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Conv1d<
    const L: usize,
    const CIN: usize,
    const COUT: usize,
    const KL: usize,
    const SL: usize,
    const OL: usize,
    P: Padding = Valid,
> {
    /// Weights, `kernel[co][k][ci]`.
    pub kernel: [[[f32; CIN]; KL]; COUT],
    /// One bias per output channel.
    pub bias: [f32; COUT],
    /// The padding mode, as a type ([`Valid`] or [`Same`](super::Same)).
    pub padding: PhantomData<P>,
}

impl<
        const L: usize,
        const CIN: usize,
        const COUT: usize,
        const KL: usize,
        const SL: usize,
        const OL: usize,
        P: Padding,
    > Conv1d<L, CIN, COUT, KL, SL, OL, P>
{
    /// All weights and biases zero.
    pub const ZERO: Self = Self::new([[[0.0; CIN]; KL]; COUT], [0.0; COUT]);
    const STEPS: Axis = Axis::new(L, KL, SL, P::SAME);

    /// Builds the layer from weights `kernel[co][k][ci]` and biases.
    pub const fn new(kernel: [[[f32; CIN]; KL]; COUT], bias: [f32; COUT]) -> Self {
        Conv1d {
            kernel,
            bias,
            padding: PhantomData,
        }
    }

    /// Builds the layer from a Keras `Conv1D` kernel, whose shape is `(KL, CIN, COUT)`
    /// (`kernel[k][ci][co]`).
    pub const fn from_keras(kernel: &[[[f32; COUT]; CIN]; KL], bias: [f32; COUT]) -> Self {
        let mut layer = Self::new([[[0.0; CIN]; KL]; COUT], bias);
        let mut k = 0;
        while k < KL {
            let mut ci = 0;
            while ci < CIN {
                let mut co = 0;
                while co < COUT {
                    layer.kernel[co][k][ci] = kernel[k][ci][co];
                    co += 1;
                }
                ci += 1;
            }
            k += 1;
        }
        layer
    }
}

crate::params! {
    impl[const L: usize, const CIN: usize, const COUT: usize, const KL: usize, const SL: usize,
         const OL: usize, P: Padding] Conv1d<L, CIN, COUT, KL, SL, OL, P>
        as "Conv1d"[L, CIN, COUT, KL, SL, OL, P::CODE]
        for [[f32; CIN]; L]
    {
        kernel: Weight = crate::param::fan(KL * CIN, KL * COUT),
        bias: Bias = 0.0,
    }
    phantom [padding]
}

impl<
        const L: usize,
        const CIN: usize,
        const COUT: usize,
        const KL: usize,
        const SL: usize,
        const OL: usize,
        P: Padding,
    > Layer<[[f32; CIN]; L]> for Conv1d<L, CIN, COUT, KL, SL, OL, P>
{
    type Output = [[f32; COUT]; OL];
    type Cache = ();
    const MACS: usize = OL * COUT * KL * CIN;
    /// Five windows, as [`Conv2d`](super::Conv2d)'s; none for a 1-tap convolution.
    const FORWARD_BYTES: usize = if KL == 1 {
        0
    } else {
        5 * size_of::<[[f32; CIN]; KL]>()
    };
    const CHECK: () = Self::STEPS.check("Conv1d", &LENGTH, OL);

    #[inline]
    fn forward(&self, x: &[[f32; CIN]; L], y: &mut Self::Output) {
        let () = <Self as Layer<[[f32; CIN]; L]>>::CHECK;
        // A sequence is an image of height 1.
        let (x, y) = (core::array::from_ref(x), core::array::from_mut(y));
        conv_forward(Axis::UNIT, Self::STEPS, &self.kernel, &self.bias, x, y);
    }

    fn backward(
        &self,
        x: &[[f32; CIN]; L],
        _y: &Self::Output,
        _cache: &(),
        dy: &Self::Output,
        dx: Option<&mut [[f32; CIN]; L]>,
        grad: Option<&mut Self>,
    ) {
        let () = <Self as Layer<[[f32; CIN]; L]>>::CHECK;
        let (x, dy) = (core::array::from_ref(x), core::array::from_ref(dy));
        if let Some(g) = grad {
            conv_grad(Axis::UNIT, Self::STEPS, x, dy, &mut g.kernel, &mut g.bias);
        }
        if let Some(dx) = dx {
            let dx = core::array::from_mut(dx);
            conv_input_grad(Axis::UNIT, Self::STEPS, &self.kernel, dy, dx);
        }
    }
}
