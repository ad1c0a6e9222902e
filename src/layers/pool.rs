//! Pooling: [`MaxPool1d`], [`MaxPool2d`], [`AvgPool1d`], [`AvgPool2d`] and [`GlobalAvgPool`].
//!
//! Pooling layers take any channel count and input size from the layer before, like activations
//! do; you write the window, the stride and the output size, and the compiler checks the output
//! size with the same rules (and the same error messages) as the convolutions — see
//! [`conv`](super::conv) for them:
//!
//! | layer | input | output |
//! |---|---|---|
//! | `MaxPool1d<KL, SL, OL, P>`, `AvgPool1d<KL, SL, OL, P>` | `[[f32; C]; L]` | `[[f32; C]; OL]` |
//! | `MaxPool2d<KH, KW, SH, SW, OH, OW, P>`, `AvgPool2d<…>` | `[[[f32; C]; W]; H]` | `[[[f32; C]; OW]; OH]` |
//! | `GlobalAvgPool` | `[[f32; C]; L]` or `[[[f32; C]; W]; H]` | `[f32; C]` |
//!
//! `P` is [`Valid`] (the default) or [`Same`](super::conv::Same). With `Same`, windows hanging
//! over the border only see the real input, as in TensorFlow: a max pool ignores the padding and
//! an average pool divides by the number of real elements in the window.
//!
//! ```
//! use embednn::prelude::*;
//!
//! // 2×2 max pool, stride 2, on a 4×4 image with 3 channels: (4 − 2) / 2 + 1 = 2.
//! let pool = MaxPool2d::<2, 2, 2, 2, 2, 2>::new();
//! let mut x = [[[0.0f32; 3]; 4]; 4];
//! x[1][3] = [5.0, -1.0, 2.0];
//! let mut y = [[[0.0; 3]; 2]; 2];
//! pool.forward(&x, &mut y);
//! assert_eq!(y[0][1], [5.0, 0.0, 2.0]);
//!
//! let mut mean = [0.0; 3];
//! GlobalAvgPool.forward(&x, &mut mean);
//! assert_eq!(mean, [5.0 / 16.0, -1.0 / 16.0, 2.0 / 16.0]);
//! ```
//!
//! **NaN.** A max pool window containing a NaN outputs NaN (it is never skipped); ties go to
//! the first maximal element, which is also where the backward pass sends the gradient.

use core::marker::PhantomData;

use crate::layer::Layer;

use super::conv::window::{Axis, HEIGHT, LENGTH, WIDTH};
use super::conv::{Padding, Valid};

/// Whether `v` replaces `best` as the maximum: strictly greater (ties keep the first), or the
/// first NaN (which then sticks).
#[inline(always)]
pub(crate) fn replaces(v: f32, best: f32) -> bool {
    v > best || (v.is_nan() && !best.is_nan())
}

#[inline]
fn max_forward<const H: usize, const W: usize, const C: usize, const OH: usize, const OW: usize>(
    rows: Axis,
    cols: Axis,
    x: &[[[f32; C]; W]; H],
    y: &mut [[[f32; C]; OW]; OH],
) {
    for (oh, y_row) in y.iter_mut().enumerate() {
        let r = rows.span(oh);
        let x_rows = r.input_of(x);
        for (ow, pixel) in y_row.iter_mut().enumerate() {
            let c = cols.span(ow);
            *pixel = [f32::NEG_INFINITY; C];
            for x_row in x_rows {
                for xp in c.input_of(x_row) {
                    for (m, &v) in pixel.iter_mut().zip(xp) {
                        if replaces(v, *m) {
                            *m = v;
                        }
                    }
                }
            }
        }
    }
}

/// Sends each output gradient to the element its window's maximum came from (found again by
/// the forward pass's rule, so nothing is stored).
#[inline]
fn max_backward<
    const H: usize,
    const W: usize,
    const C: usize,
    const OH: usize,
    const OW: usize,
>(
    rows: Axis,
    cols: Axis,
    x: &[[[f32; C]; W]; H],
    dy: &[[[f32; C]; OW]; OH],
    dx: &mut [[[f32; C]; W]; H],
) {
    *dx = [[[0.0; C]; W]; H];
    for (oh, dy_row) in dy.iter().enumerate() {
        let r = rows.span(oh);
        let x_rows = r.input_of(x);
        for (ow, d_pixel) in dy_row.iter().enumerate() {
            let c = cols.span(ow);
            for (ch, &d) in d_pixel.iter().enumerate() {
                let mut best = f32::NEG_INFINITY;
                let mut at = (0, 0);
                for (i, x_row) in x_rows.iter().enumerate() {
                    for (j, xp) in c.input_of(x_row).iter().enumerate() {
                        if let Some(&v) = xp.get(ch) {
                            if replaces(v, best) {
                                best = v;
                                at = (i, j);
                            }
                        }
                    }
                }
                let target = dx
                    .get_mut(r.input_index(at.0))
                    .and_then(|row| row.get_mut(c.input_index(at.1)))
                    .and_then(|pixel| pixel.get_mut(ch));
                if let Some(g) = target {
                    *g += d;
                }
            }
        }
    }
}

/// Mean over the part of each window inside the input.
#[inline]
fn avg_forward<const H: usize, const W: usize, const C: usize, const OH: usize, const OW: usize>(
    rows: Axis,
    cols: Axis,
    x: &[[[f32; C]; W]; H],
    y: &mut [[[f32; C]; OW]; OH],
) {
    for (oh, y_row) in y.iter_mut().enumerate() {
        let r = rows.span(oh);
        let x_rows = r.input_of(x);
        for (ow, pixel) in y_row.iter_mut().enumerate() {
            let c = cols.span(ow);
            *pixel = [0.0; C];
            for x_row in x_rows {
                for xp in c.input_of(x_row) {
                    for (s, &v) in pixel.iter_mut().zip(xp) {
                        *s += v;
                    }
                }
            }
            let count = (r.len() * c.len()) as f32;
            for s in pixel.iter_mut() {
                *s /= count;
            }
        }
    }
}

#[inline]
fn avg_backward<
    const H: usize,
    const W: usize,
    const C: usize,
    const OH: usize,
    const OW: usize,
>(
    rows: Axis,
    cols: Axis,
    dy: &[[[f32; C]; OW]; OH],
    dx: &mut [[[f32; C]; W]; H],
) {
    *dx = [[[0.0; C]; W]; H];
    for (oh, dy_row) in dy.iter().enumerate() {
        let r = rows.span(oh);
        for (ow, d_pixel) in dy_row.iter().enumerate() {
            let c = cols.span(ow);
            let share = 1.0 / (r.len() * c.len()) as f32;
            for dx_row in r.input_of_mut(dx) {
                for gp in c.input_of_mut(dx_row) {
                    for (g, &d) in gp.iter_mut().zip(d_pixel) {
                        *g += d * share;
                    }
                }
            }
        }
    }
}

macro_rules! pool_type {
    ($(#[$doc:meta])* $name:ident<$(const $c:ident),*>, $kind:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
        pub struct $name<$(const $c: usize,)* P: Padding = Valid>(
            /// The padding, in the type only (public so generated statics can name it).
            pub PhantomData<P>,
        );

        impl<$(const $c: usize,)* P: Padding> $name<$($c,)* P> {
            /// The layer (it has no parameters).
            pub const fn new() -> Self {
                $name(PhantomData)
            }
        }

        crate::params! {
            impl[$(const $c: usize,)* P: Padding] $name<$($c,)* P> as $kind[$($c,)* P::CODE] {
            }
            phantom [0]
        }
    };
}

pool_type!(
    /// Max pooling over `KH × KW` windows with stride `SH × SW` and padding `P`, on an
    /// `H × W × C` image from the layer before; `OH × OW` (checked at compile time) is
    /// `(H − KH) / SH + 1` for [`Valid`], `ceil(H / SH)` for [`Same`](super::conv::Same).
    ///
    /// `MaxPool2d<2, 2, 2, 2, OH, OW>` is Keras' `MaxPooling2D()`.
    MaxPool2d<const KH, const KW, const SH, const SW, const OH, const OW>,
    "MaxPool2d"
);
pool_type!(
    /// Average pooling over `KH × KW` windows with stride `SH × SW` and padding `P`; output size
    /// as for [`MaxPool2d`]. With [`Same`](super::conv::Same) padding, a border window averages
    /// only the input elements it covers (TensorFlow's rule).
    AvgPool2d<const KH, const KW, const SH, const SW, const OH, const OW>,
    "AvgPool2d"
);
pool_type!(
    /// Max pooling over windows of `KL` steps with stride `SL` and padding `P`, on `L` steps ×
    /// `C` channels; `OL` (checked at compile time) is `(L − KL) / SL + 1` for [`Valid`],
    /// `ceil(L / SL)` for [`Same`](super::conv::Same).
    MaxPool1d<const KL, const SL, const OL>,
    "MaxPool1d"
);
pool_type!(
    /// Average pooling over windows of `KL` steps with stride `SL` and padding `P`; output length
    /// as for [`MaxPool1d`].
    AvgPool1d<const KL, const SL, const OL>,
    "AvgPool1d"
);

macro_rules! pool_2d_layer {
    ($name:ident, $kind:literal, macs: $macs:expr, forward: $forward:ident,
     backward: |$rows:ident, $cols:ident, $x:ident, $dy:ident, $dx:ident| $backward:expr) => {
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
            > Layer<[[[f32; C]; W]; H]> for $name<KH, KW, SH, SW, OH, OW, P>
        {
            type Output = [[[f32; C]; OW]; OH];
            type Cache = ();
            const MACS: usize = $macs;
            const CHECK: () = {
                Axis::new(H, KH, SH, P::SAME).check($kind, &HEIGHT, OH);
                Axis::new(W, KW, SW, P::SAME).check($kind, &WIDTH, OW);
            };

            #[inline]
            fn forward(&self, x: &[[[f32; C]; W]; H], y: &mut Self::Output) {
                let () = <Self as Layer<[[[f32; C]; W]; H]>>::CHECK;
                let rows = const { Axis::new(H, KH, SH, P::SAME) };
                let cols = const { Axis::new(W, KW, SW, P::SAME) };
                $forward(rows, cols, x, y);
            }

            fn backward(
                &self,
                x: &[[[f32; C]; W]; H],
                _y: &Self::Output,
                _cache: &(),
                dy: &Self::Output,
                dx: Option<&mut [[[f32; C]; W]; H]>,
                _grad: Option<&mut Self>,
            ) {
                let () = <Self as Layer<[[[f32; C]; W]; H]>>::CHECK;
                if let Some($dx) = dx {
                    let $rows = const { Axis::new(H, KH, SH, P::SAME) };
                    let $cols = const { Axis::new(W, KW, SW, P::SAME) };
                    let ($x, $dy) = (x, dy);
                    $backward;
                }
            }
        }
    };
}

pool_2d_layer!(MaxPool2d, "MaxPool2d", macs: 0, forward: max_forward,
    backward: |rows, cols, x, dy, dx| max_backward(rows, cols, x, dy, dx));
pool_2d_layer!(AvgPool2d, "AvgPool2d", macs: OH * OW * C * KH * KW, forward: avg_forward,
    backward: |rows, cols, _x, dy, dx| avg_backward(rows, cols, dy, dx));

macro_rules! pool_1d_layer {
    ($name:ident, $kind:literal, macs: $macs:expr, forward: $forward:ident,
     backward: |$steps:ident, $x:ident, $dy:ident, $dx:ident| $backward:expr) => {
        impl<
                const L: usize,
                const C: usize,
                const KL: usize,
                const SL: usize,
                const OL: usize,
                P: Padding,
            > Layer<[[f32; C]; L]> for $name<KL, SL, OL, P>
        {
            type Output = [[f32; C]; OL];
            type Cache = ();
            const MACS: usize = $macs;
            const CHECK: () = Axis::new(L, KL, SL, P::SAME).check($kind, &LENGTH, OL);

            #[inline]
            fn forward(&self, x: &[[f32; C]; L], y: &mut Self::Output) {
                let () = <Self as Layer<[[f32; C]; L]>>::CHECK;
                let steps = const { Axis::new(L, KL, SL, P::SAME) };
                // A sequence is an image of height 1.
                let (x, y) = (core::array::from_ref(x), core::array::from_mut(y));
                $forward(Axis::UNIT, steps, x, y);
            }

            fn backward(
                &self,
                x: &[[f32; C]; L],
                _y: &Self::Output,
                _cache: &(),
                dy: &Self::Output,
                dx: Option<&mut [[f32; C]; L]>,
                _grad: Option<&mut Self>,
            ) {
                let () = <Self as Layer<[[f32; C]; L]>>::CHECK;
                if let Some(dx) = dx {
                    let $steps = const { Axis::new(L, KL, SL, P::SAME) };
                    let $x = core::array::from_ref(x);
                    let $dy = core::array::from_ref(dy);
                    let $dx = core::array::from_mut(dx);
                    $backward;
                }
            }
        }
    };
}

pool_1d_layer!(MaxPool1d, "MaxPool1d", macs: 0, forward: max_forward,
    backward: |steps, x, dy, dx| max_backward(Axis::UNIT, steps, x, dy, dx));
pool_1d_layer!(AvgPool1d, "AvgPool1d", macs: OL * C * KL, forward: avg_forward,
    backward: |steps, _x, dy, dx| avg_backward(Axis::UNIT, steps, dy, dx));

/// The mean of every position, per channel: `[[f32; C]; L]` or `[[[f32; C]; W]; H]` →
/// `[f32; C]` (Keras' `GlobalAveragePooling1D`/`2D`).
///
/// Positions are summed in memory order, then divided by their count.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GlobalAvgPool;
crate::params! {
    impl[] GlobalAvgPool<> as "GlobalAvgPool"[] {}
}

#[inline]
fn global_forward<const C: usize>(positions: &[[f32; C]], y: &mut [f32; C]) {
    *y = [0.0; C];
    for p in positions {
        for (s, &v) in y.iter_mut().zip(p) {
            *s += v;
        }
    }
    let count = positions.len() as f32;
    for s in y.iter_mut() {
        *s /= count;
    }
}

#[inline]
fn global_backward<const C: usize>(dy: &[f32; C], dx: &mut [[f32; C]]) {
    let share = 1.0 / dx.len() as f32;
    for g in dx.iter_mut() {
        for (g, &d) in g.iter_mut().zip(dy) {
            *g = d * share;
        }
    }
}

impl<const H: usize, const W: usize, const C: usize> Layer<[[[f32; C]; W]; H]> for GlobalAvgPool {
    type Output = [f32; C];
    type Cache = ();
    const MACS: usize = H * W * C;

    #[inline]
    fn forward(&self, x: &[[[f32; C]; W]; H], y: &mut [f32; C]) {
        global_forward(x.as_flattened(), y);
    }

    fn backward(
        &self,
        _x: &[[[f32; C]; W]; H],
        _y: &[f32; C],
        _cache: &(),
        dy: &[f32; C],
        dx: Option<&mut [[[f32; C]; W]; H]>,
        _grad: Option<&mut Self>,
    ) {
        if let Some(dx) = dx {
            global_backward(dy, dx.as_flattened_mut());
        }
    }
}

impl<const L: usize, const C: usize> Layer<[[f32; C]; L]> for GlobalAvgPool {
    type Output = [f32; C];
    type Cache = ();
    const MACS: usize = L * C;

    #[inline]
    fn forward(&self, x: &[[f32; C]; L], y: &mut [f32; C]) {
        global_forward(x, y);
    }

    fn backward(
        &self,
        _x: &[[f32; C]; L],
        _y: &[f32; C],
        _cache: &(),
        dy: &[f32; C],
        dx: Option<&mut [[f32; C]; L]>,
        _grad: Option<&mut Self>,
    ) {
        if let Some(dx) = dx {
            global_backward(dy, dx);
        }
    }
}

#[cfg(test)]
mod test {
    use super::*;
    use crate::layers::conv::Same;

    #[test]
    fn max_pool_same_ignores_padding() {
        // 3 steps, window 2, stride 2, same: out 2, pad 1 after; the last window is [x2] alone.
        let pool = MaxPool1d::<2, 2, 2, Same>::new();
        let x = [[-3.0, 1.0], [-5.0, 7.0], [-4.0, 2.0]];
        let mut y = [[0.0; 2]; 2];
        pool.forward(&x, &mut y);
        assert_eq!(y, [[-3.0, 7.0], [-4.0, 2.0]]);

        let mut dx = [[9.0; 2]; 3];
        pool.backward(&x, &y, &(), &[[1.0, 2.0], [3.0, 4.0]], Some(&mut dx), None);
        assert_eq!(dx, [[1.0, 0.0], [0.0, 2.0], [3.0, 4.0]]);
    }

    #[test]
    fn avg_pool_same_divides_by_real_elements() {
        let pool = AvgPool1d::<2, 2, 2, Same>::new();
        let x = [[2.0], [4.0], [9.0]];
        let mut y = [[0.0]; 2];
        pool.forward(&x, &mut y);
        assert_eq!(y, [[3.0], [9.0]]);
        let mut dx = [[0.0]; 3];
        pool.backward(&x, &y, &(), &[[1.0], [1.0]], Some(&mut dx), None);
        assert_eq!(dx, [[0.5], [0.5], [1.0]]);
    }

    #[test]
    fn max_pool_ties_and_nan() {
        let pool = MaxPool1d::<3, 3, 1>::new();
        let mut y = [[0.0; 2]; 1];
        let x = [[1.0, 0.0], [1.0, f32::NAN], [0.5, 9.0]];
        pool.forward(&x, &mut y);
        assert_eq!(y[0][0], 1.0);
        assert!(y[0][1].is_nan());
        let mut dx = [[0.0; 2]; 3];
        pool.backward(&x, &y, &(), &[[1.0, 1.0]], Some(&mut dx), None);
        // The first maximum takes the gradient; for NaN, the NaN does.
        assert_eq!(dx, [[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]]);
    }

    #[test]
    fn global_average_of_a_sequence() {
        let mut y = [0.0; 2];
        GlobalAvgPool.forward(&[[1.0, 10.0], [2.0, 20.0], [3.0, 30.0], [6.0, 0.0]], &mut y);
        assert_eq!(y, [3.0, 15.0]);
    }
}
