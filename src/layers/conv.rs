//! Convolutions: [`Conv1d`] over sequences (sensor windows, audio frames), [`Conv2d`] and
//! [`DepthwiseConv2d`] over images.
//!
//! # Layout
//!
//! Activations are channels last, the layout TensorFlow Lite and CMSIS-NN use (see
//! [`tensor`](crate::tensor)):
//!
//! | layer | input | output |
//! |---|---|---|
//! | `Conv1d<L, CIN, COUT, KL, SL, OL, P>` | `[[f32; CIN]; L]` | `[[f32; COUT]; OL]` |
//! | `Conv2d<H, W, CIN, COUT, KH, KW, SH, SW, OH, OW, P>` | `[[[f32; CIN]; W]; H]` | `[[[f32; COUT]; OW]; OH]` |
//! | `DepthwiseConv2d<H, W, C, KH, KW, SH, SW, OH, OW, P>` | `[[[f32; C]; W]; H]` | `[[[f32; C]; OW]; OH]` |
//!
//! `KL`/`KH`/`KW` are the kernel size, `SL`/`SH`/`SW` the stride and `P` the padding, [`Valid`]
//! (the default) or [`Same`]. Kernel weights are stored in the order the kernel reads them, TFLite's
//! OHWI: `kernel[cout][kh][kw][cin]`, so for one output channel and one kernel row the `KW·CIN`
//! weights are contiguous and are dotted with the contiguous `KW·CIN` input values under them.
//! Keras stores `Conv2D` kernels as HWIO (`kernel[kh][kw][cin][cout]`);
//! [`Conv2d::from_keras`] and [`Conv1d::from_keras`] transpose.
//!
//! # Output size and padding
//!
//! You write the output size; the compiler checks it. Along each axis, with input size `N`,
//! kernel `K` and stride `S` (exactly TensorFlow's rules, so Keras weights give the same outputs):
//!
//! - **`Valid`**: no padding; `out = (N - K) / S + 1` (the kernel must fit: `K ≤ N`).
//! - **`Same`**: `out = ceil(N / S)`, and the input is zero-padded by
//!   `pad = max((out - 1)·S + K - N, 0)` in total, `pad / 2` before and the rest after — for an
//!   even total the extra zero goes *after* (bottom/right). Both are
//!   `out = (N + pad - K) / S + 1`.
//!
//! A wrong output size fails the build with the expected value, at the model definition when the
//! model is checked with [`check`](crate::check()) (so `cargo check` reports it too):
//!
//! ```compile_fail,E0080
//! use embednn::prelude::*;
//! type Wrong = (Conv2d<8, 8, 1, 4, 3, 3, 2, 2, 4, 4>, Relu); // valid: (8 - 3) / 2 + 1 = 3
//! const _: () = embednn::check::<Wrong>();
//! // error[E0080]: evaluation panicked: Conv2d: output height OH = 4 is wrong: (H - KH) / SH + 1
//! //               = (8 - 3) / 2 + 1 = 3 with "valid" padding; write OH = 3
//! ```
//!
//! # A small CNN
//!
//! ```
//! use embednn::prelude::*;
//!
//! // 8×8 grayscale → 8 feature maps ("same": still 8×8) → 2×2 max pool (4×4×8) → 128 → 10.
//! type Cnn = (
//!     Conv2d<8, 8, 1, 8, 3, 3, 1, 1, 8, 8, Same>,
//!     Relu,
//!     MaxPool2d<2, 2, 2, 2, 4, 4>,
//!     Flatten<128>,
//!     Dense<128, 10>,
//! );
//! const _: () = embednn::check::<Cnn>();
//!
//! let mut rng = Rng::seed(7);
//! let cnn = Cnn::init(Initializer::HeUniform, &mut rng);
//! let image = [[[0.5f32; 1]; 8]; 8];
//! let logits: [f32; 10] = cnn.predict(&image);
//! assert!(logits.iter().all(|v| v.is_finite()));
//! assert_eq!(Cnn::PARAMS, (8 * 3 * 3 * 1 + 8) + (128 * 10 + 10));
//! assert_eq!(Cnn::MACS, 8 * 8 * 8 * 3 * 3 * 1 + 128 * 10);
//! ```
//!
//! # Cost
//!
//! The convolution is direct, without an im2col matrix. Each output is summed in a fixed order,
//! one product at a time starting from the bias, taps in storage order, so results are
//! bit-identical on every target. How the kernels go (instructions per MAC on a Cortex-M4F are
//! in `examples/firmware/README.md`):
//!
//! - [`Conv2d`]/[`Conv1d`] copy the windows of four output pixels side by side into a buffer
//!   (zeros where a window hangs over the border, as in TensorFlow's padded patches) and compute
//!   four output channels of the four pixels per pass, so four weights and four inputs feed
//!   sixteen multiply-adds; the last pixels (fewer than four) go one window at a time, eight
//!   channels per pass. [`Layer::FORWARD_BYTES`] is those five filter-sized windows.
//! - A 1×1 convolution needs no copy: its kernel is a `[[f32; CIN]; COUT]` matrix, and it runs
//!   the [`Dense`](crate::Dense) kernel on four pixels at a time (stride 1) or one (larger
//!   strides) — the same sums in the same order either way.
//! - [`DepthwiseConv2d`] computes four channels at a time with their sums in registers across
//!   the window, which it clips at the borders (no scratch memory).

use core::fmt::{self, Debug};
use core::marker::PhantomData;
use core::mem::size_of;

use crate::buffer::Buffer;
use crate::codegen::{self, ToRust};
use crate::init::{Init, Initializer};
use crate::kernels;
use crate::layer::{Layer, LayerInfo, ParamKind, ParamSlot, Params};
use crate::model::FixedInput;
use crate::rng::Rng;
use crate::tensor::Tensor;

use super::const_fmt::Message;

mod sealed {
    pub trait Sealed {}
}

/// How a convolution or pooling window treats the borders: [`Valid`] or [`Same`].
///
/// See the [module docs](self) for the exact rules (TensorFlow's).
pub trait Padding: sealed::Sealed + Copy + Debug + Default + PartialEq + Eq + 'static {
    /// Whether the input is zero-padded to keep `out = ceil(N / S)`.
    const SAME: bool;
    /// How the padding appears in [`LayerInfo::dims`] (and so in the architecture fingerprint):
    /// `0` for valid, `1` for same.
    const CODE: usize;
    /// `"valid"` or `"same"`, as Keras spells it.
    const NAME: &'static str;
}

/// No padding: every window lies inside the input; `out = (N - K) / S + 1`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Valid;

/// TensorFlow's "same" padding: `out = ceil(N / S)`, zeros split `pad / 2` before and the rest
/// after.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Same;

impl sealed::Sealed for Valid {}
impl sealed::Sealed for Same {}
impl Padding for Valid {
    const SAME: bool = false;
    const CODE: usize = 0;
    const NAME: &'static str = "valid";
}
impl Padding for Same {
    const SAME: bool = true;
    const CODE: usize = 1;
    const NAME: &'static str = "same";
}

impl Valid {
    /// Output size along one axis: `(n - k) / s + 1`, or `0` if the window does not fit
    /// (`k > n`) or `k` or `s` is zero.
    pub const fn output_len(n: usize, k: usize, s: usize) -> usize {
        Axis::new(n, k, s, false).out
    }
}

impl Same {
    /// Output size along one axis: `ceil(n / s)` (`0` if `k` or `s` is zero).
    pub const fn output_len(n: usize, k: usize, s: usize) -> usize {
        Axis::new(n, k, s, true).out
    }

    /// The zeros added `(before, after)` along one axis, as TensorFlow adds them.
    ///
    /// ```
    /// use embednn::Same;
    /// assert_eq!(Same::padding(8, 3, 1), (1, 1));
    /// assert_eq!(Same::padding(8, 4, 1), (1, 2)); // even total: the extra zero goes after
    /// assert_eq!(Same::padding(8, 3, 2), (0, 1)); // out = 4, pad = 3·2 + 3 − 8 = 1
    /// assert_eq!(Same::padding(49, 10, 2), (4, 5)); // DS-CNN's 10×4 kernel, stride 2
    /// ```
    pub const fn padding(n: usize, k: usize, s: usize) -> (usize, usize) {
        let axis = Axis::new(n, k, s, true);
        (axis.before, axis.total - axis.before)
    }
}

/// The names one axis's sizes go by in a layer's type, for error messages.
pub(crate) struct AxisNames {
    pub(crate) what: &'static str,
    pub(crate) n: &'static str,
    pub(crate) k: &'static str,
    pub(crate) s: &'static str,
    pub(crate) out: &'static str,
}

pub(crate) const HEIGHT: AxisNames = AxisNames {
    what: "height",
    n: "H",
    k: "KH",
    s: "SH",
    out: "OH",
};
pub(crate) const WIDTH: AxisNames = AxisNames {
    what: "width",
    n: "W",
    k: "KW",
    s: "SW",
    out: "OW",
};
pub(crate) const LENGTH: AxisNames = AxisNames {
    what: "length",
    n: "L",
    k: "KL",
    s: "SL",
    out: "OL",
};

/// One spatial axis of a sliding window: input size, window, stride and TensorFlow's padding.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Axis {
    n: usize,
    k: usize,
    s: usize,
    same: bool,
    /// Output size the axis produces.
    out: usize,
    /// Total zeros added ("same" only).
    total: usize,
    /// Zeros added before the first element.
    before: usize,
}

/// The part of one window that lies inside the input: kernel taps `tap..tap + len` read input
/// positions `input..input + len`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Span {
    input: usize,
    tap: usize,
    len: usize,
}

impl Axis {
    /// An axis that does nothing (the missing height of a 1-D layer).
    pub(crate) const UNIT: Axis = Axis::new(1, 1, 1, false);

    pub(crate) const fn new(n: usize, k: usize, s: usize, same: bool) -> Axis {
        // Degenerate sizes give an empty axis here (never a const-evaluation panic);
        // `check` reports them with a proper message.
        let out = if s == 0 || k == 0 {
            0
        } else if same {
            n.div_ceil(s)
        } else if k > n {
            0
        } else {
            (n - k) / s + 1
        };
        let total = if same && out > 0 {
            ((out - 1) * s + k).saturating_sub(n)
        } else {
            0
        };
        Axis {
            n,
            k,
            s,
            same,
            out,
            total,
            before: total / 2,
        }
    }

    /// Fails compilation, naming the sizes, unless `written` is the output size of this axis.
    pub(crate) const fn check(self, layer: &str, names: &AxisNames, written: usize) {
        if let Some(message) = self.problem(layer, names, written) {
            message.fail()
        }
    }

    /// What is wrong with this axis if the layer's type says its output size is `written`.
    const fn problem(self, layer: &str, names: &AxisNames, written: usize) -> Option<Message> {
        let m = Message::new().str(layer).str(": ");
        if self.s == 0 {
            return Some(
                m.str("stride ")
                    .str(names.s)
                    .str(" = 0; a stride is at least 1"),
            );
        }
        if self.k == 0 {
            let m = m.str("window ").str(names.what).str(" ").str(names.k);
            return Some(m.str(" = 0; a window is at least 1 wide"));
        }
        if !self.same && self.k > self.n {
            let m = m.str("window ").str(names.what).str(" ").str(names.k);
            let m = m.str(" = ").num(self.k).str(" is larger than the input ");
            let m = m
                .str(names.what)
                .str(" ")
                .str(names.n)
                .str(" = ")
                .num(self.n);
            return Some(m.str("; with \"valid\" padding the window must fit (or use `Same`)"));
        }
        if written == self.out {
            return None;
        }
        // "OH = 4 is wrong: (H - KH) / SH + 1 = (8 - 3) / 2 + 1 = 3 with "valid" padding; …"
        let m = m.str("output ").str(names.what).str(" ").str(names.out);
        let m = m.str(" = ").num(written).str(" is wrong: (").str(names.n);
        let m = if self.same {
            m.str(" + pad - ")
        } else {
            m.str(" - ")
        };
        let m = m
            .str(names.k)
            .str(") / ")
            .str(names.s)
            .str(" + 1 = (")
            .num(self.n);
        let m = if self.same {
            m.str(" + ").num(self.total).str(" - ")
        } else {
            m.str(" - ")
        };
        let m = m
            .num(self.k)
            .str(") / ")
            .num(self.s)
            .str(" + 1 = ")
            .num(self.out);
        let m = if self.same {
            let m = m
                .str(" with \"same\" padding (pad = ")
                .num(self.total)
                .str(": ");
            let m = m.num(self.before).str(" before, ");
            m.num(self.total - self.before).str(" after)")
        } else {
            m.str(" with \"valid\" padding")
        };
        Some(m.str("; write ").str(names.out).str(" = ").num(self.out))
    }

    /// The part of output `o`'s window that lies inside the input (TensorFlow's padding: the
    /// window of output `o` starts at padded position `o·S`, i.e. input position `o·S − before`).
    #[inline(always)]
    pub(crate) fn span(self, o: usize) -> Span {
        let origin = o * self.s;
        let tap = self.before.saturating_sub(origin);
        let end = (self.n + self.before).saturating_sub(origin).min(self.k);
        Span {
            input: origin + tap - self.before,
            tap,
            len: end.saturating_sub(tap),
        }
    }
}

impl Span {
    /// Number of kernel taps inside the input.
    #[inline(always)]
    pub(crate) fn len(self) -> usize {
        self.len
    }
    /// The input elements under the window (empty rather than a panic if out of range, which
    /// the size checks rule out).
    #[inline(always)]
    pub(crate) fn input_of<T>(self, s: &[T]) -> &[T] {
        s.get(self.input..self.input + self.len).unwrap_or(&[])
    }
    /// Mutable form of [`Span::input_of`].
    #[inline(always)]
    pub(crate) fn input_of_mut<T>(self, s: &mut [T]) -> &mut [T] {
        s.get_mut(self.input..self.input + self.len)
            .unwrap_or(&mut [])
    }
    /// The kernel taps that fall inside the input.
    #[inline(always)]
    pub(crate) fn taps_of<T>(self, s: &[T]) -> &[T] {
        s.get(self.tap..self.tap + self.len).unwrap_or(&[])
    }
    /// Mutable form of [`Span::taps_of`].
    #[inline(always)]
    pub(crate) fn taps_of_mut<T>(self, s: &mut [T]) -> &mut [T] {
        s.get_mut(self.tap..self.tap + self.len).unwrap_or(&mut [])
    }
    /// Input position of the `i`-th tap inside the input.
    #[inline(always)]
    pub(crate) fn input_index(self, i: usize) -> usize {
        self.input + i
    }
}

/// One output channel's filter, seen as kernel rows of `KW` taps × `CIN` channels: a 2-D
/// filter has `KH` rows, a 1-D filter one. Lets `Conv1d` and `Conv2d` share their loops.
trait FilterRows<const KW: usize, const CIN: usize>: Tensor {
    fn rows(&self) -> &[[[f32; CIN]; KW]];
    fn rows_mut(&mut self) -> &mut [[[f32; CIN]; KW]];
    /// The kernel as the rows of a dense layer, `[[f32; CIN]; COUT]`, when every filter is a
    /// single tap (a 1×1 convolution); `None` otherwise.
    fn pointwise<const COUT: usize>(kernel: &[Self; COUT]) -> Option<&[[f32; CIN]; COUT]>;

    /// Kernel rows (`KH`; 1 for a 1-D filter).
    const KH: usize;
    /// Four windows side by side: the filter's shape with four values (one per window) in
    /// place of each weight.
    type Windows4;
    /// Four all-zero windows.
    const ZERO4: Self::Windows4;
    /// The rows of four windows (as [`FilterRows::rows_mut`]).
    fn rows4_mut(windows: &mut Self::Windows4) -> &mut [[[[f32; 4]; CIN]; KW]];
    /// Every tap of four windows, in the filter's storage order.
    fn flat4(windows: &Self::Windows4) -> &[[f32; 4]];
}

impl<const KH: usize, const KW: usize, const CIN: usize> FilterRows<KW, CIN>
    for [[[f32; CIN]; KW]; KH]
{
    #[inline(always)]
    fn rows(&self) -> &[[[f32; CIN]; KW]] {
        self
    }
    #[inline(always)]
    fn rows_mut(&mut self) -> &mut [[[f32; CIN]; KW]] {
        self
    }
    #[inline(always)]
    fn pointwise<const COUT: usize>(kernel: &[Self; COUT]) -> Option<&[[f32; CIN]; COUT]> {
        if KH == 1 && KW == 1 {
            kernel.as_flattened().as_flattened().first_chunk()
        } else {
            None
        }
    }
    const KH: usize = KH;
    type Windows4 = [[[[f32; 4]; CIN]; KW]; KH];
    const ZERO4: Self::Windows4 = [[[[0.0; 4]; CIN]; KW]; KH];
    #[inline(always)]
    fn rows4_mut(windows: &mut Self::Windows4) -> &mut [[[[f32; 4]; CIN]; KW]] {
        windows
    }
    #[inline(always)]
    fn flat4(windows: &Self::Windows4) -> &[[f32; 4]] {
        windows.as_flattened().as_flattened()
    }
}

impl<const KW: usize, const CIN: usize> FilterRows<KW, CIN> for [[f32; CIN]; KW] {
    #[inline(always)]
    fn rows(&self) -> &[[[f32; CIN]; KW]] {
        core::slice::from_ref(self)
    }
    #[inline(always)]
    fn rows_mut(&mut self) -> &mut [[[f32; CIN]; KW]] {
        core::slice::from_mut(self)
    }
    #[inline(always)]
    fn pointwise<const COUT: usize>(kernel: &[Self; COUT]) -> Option<&[[f32; CIN]; COUT]> {
        if KW == 1 {
            kernel.as_flattened().first_chunk()
        } else {
            None
        }
    }
    const KH: usize = 1;
    type Windows4 = [[[f32; 4]; CIN]; KW];
    const ZERO4: Self::Windows4 = [[[0.0; 4]; CIN]; KW];
    #[inline(always)]
    fn rows4_mut(windows: &mut Self::Windows4) -> &mut [[[[f32; 4]; CIN]; KW]] {
        core::slice::from_mut(windows)
    }
    #[inline(always)]
    fn flat4(windows: &Self::Windows4) -> &[[f32; 4]] {
        windows.as_flattened()
    }
}

/// `y[oh][ow][co] = bias[co] + Σ kernel[co][kh][kw][ci]·x[ih][iw][ci]` over the whole window,
/// the taps in the padding multiplying zeros (as TensorFlow's padded patches do), summed one
/// product at a time from the bias in the order (kh, kw, ci).
///
/// The windows of four output pixels are copied side by side into a filter-shaped buffer of
/// four-value taps (zeros where a window hangs over the border); then every output channel is a
/// dense row against the four ([`kernels::dense_forward_windows4`]). The last pixels go one
/// window at a time ([`kernels::dense_forward_flat`]). A 1×1 convolution skips the copies: its
/// window is one input pixel and its kernel a `[[f32; CIN]; COUT]` matrix, so it runs
/// [`kernels::dense_forward4`] / [`kernels::dense_forward`] in place. Every path gives the same
/// sums in the same order.
#[inline]
fn conv_forward<
    F: FilterRows<KW, CIN>,
    const H: usize,
    const W: usize,
    const CIN: usize,
    const COUT: usize,
    const KW: usize,
    const OH: usize,
    const OW: usize,
>(
    rows: Axis,
    cols: Axis,
    kernel: &[F; COUT],
    bias: &[f32; COUT],
    x: &[[[f32; CIN]; W]; H],
    y: &mut [[[f32; COUT]; OW]; OH],
) {
    if let Some(dense) = F::pointwise(kernel) {
        if H == OH && W == OW {
            // Stride 1: output pixel p is input pixel p; four pixels at a time.
            let (xs4, xs_rest) = x.as_flattened().as_chunks::<4>();
            let (ys4, ys_rest) = y.as_flattened_mut().as_chunks_mut::<4>();
            for (xs, ys) in xs4.iter().zip(ys4) {
                kernels::dense_forward4(dense, bias, xs, ys);
            }
            for (xp, yp) in xs_rest.iter().zip(ys_rest) {
                kernels::dense_forward(dense, bias, xp, yp);
            }
            return;
        }
        // A 1-tap window never reaches into the padding.
        for (oh, y_row) in y.iter_mut().enumerate() {
            let x_row = rows.span(oh).input_of(x).first();
            for (ow, pixel) in y_row.iter_mut().enumerate() {
                match x_row.and_then(|x_row| cols.span(ow).input_of(x_row).first()) {
                    Some(x_pixel) => kernels::dense_forward(dense, bias, x_pixel, pixel),
                    None => *pixel = *bias,
                }
            }
        }
        return;
    }
    // Four output pixels at a time (in row-major order): their windows side by side, so each
    // weight is loaded once for four windows.
    let mut windows = F::ZERO4;
    let (ys4, ys_rest) = y.as_flattened_mut().as_chunks_mut::<4>();
    for (g, ys) in ys4.iter_mut().enumerate() {
        let spans: [(Span, Span); 4] = core::array::from_fn(|k| {
            let q = 4 * g + k;
            (rows.span(q / OW), cols.span(q % OW))
        });
        if spans.iter().any(|(r, c)| r.len() < F::KH || c.len() < KW) {
            windows = F::ZERO4; // the padding
        }
        for (k, (r, c)) in spans.iter().enumerate() {
            for (w_row, x_row) in r
                .taps_of_mut(F::rows4_mut(&mut windows))
                .iter_mut()
                .zip(r.input_of(x))
            {
                for (w_tap, x_tap) in c.taps_of_mut(w_row).iter_mut().zip(c.input_of(x_row)) {
                    for (w, &v) in w_tap.iter_mut().zip(x_tap) {
                        if let Some(w) = w.get_mut(k) {
                            *w = v;
                        }
                    }
                }
            }
        }
        kernels::dense_forward_windows4(kernel, bias, F::flat4(&windows), ys);
    }
    // The last pixels (fewer than four): one window.
    let mut window = F::ZERO;
    let first = OH * OW - ys_rest.len();
    for (k, pixel) in ys_rest.iter_mut().enumerate() {
        let q = first + k;
        let (r, c) = (rows.span(q / OW), cols.span(q % OW));
        if r.len() < F::KH || c.len() < KW {
            window = F::ZERO;
        }
        for (w_row, x_row) in r
            .taps_of_mut(window.rows_mut())
            .iter_mut()
            .zip(r.input_of(x))
        {
            for (w, &v) in c.taps_of_mut(w_row).iter_mut().zip(c.input_of(x_row)) {
                *w = v;
            }
        }
        kernels::dense_forward_flat(kernel, bias, &window, pixel);
    }
}

/// Parameter gradient of [`conv_forward`]: `dK[co][window] += dy · x[window]`, `db += dy`.
#[inline]
fn conv_grad<
    F: FilterRows<KW, CIN>,
    const H: usize,
    const W: usize,
    const CIN: usize,
    const COUT: usize,
    const KW: usize,
    const OH: usize,
    const OW: usize,
>(
    rows: Axis,
    cols: Axis,
    x: &[[[f32; CIN]; W]; H],
    dy: &[[[f32; COUT]; OW]; OH],
    g_kernel: &mut [F; COUT],
    g_bias: &mut [f32; COUT],
) {
    for (oh, dy_row) in dy.iter().enumerate() {
        let r = rows.span(oh);
        let x_rows = r.input_of(x);
        for (ow, d_pixel) in dy_row.iter().enumerate() {
            let c = cols.span(ow);
            for ((&d, g_filter), gb) in d_pixel.iter().zip(g_kernel.iter_mut()).zip(&mut *g_bias) {
                *gb += d;
                for (x_row, g_row) in x_rows.iter().zip(r.taps_of_mut(g_filter.rows_mut())) {
                    let g = c.taps_of_mut(g_row).as_flattened_mut();
                    kernels::axpy(d, c.input_of(x_row).as_flattened(), g);
                }
            }
        }
    }
}

/// Input gradient of [`conv_forward`]: `dx[window] += dy · K[co][window]` (`dx` is overwritten).
#[inline]
fn conv_input_grad<
    F: FilterRows<KW, CIN>,
    const H: usize,
    const W: usize,
    const CIN: usize,
    const COUT: usize,
    const KW: usize,
    const OH: usize,
    const OW: usize,
>(
    rows: Axis,
    cols: Axis,
    kernel: &[F; COUT],
    dy: &[[[f32; COUT]; OW]; OH],
    dx: &mut [[[f32; CIN]; W]; H],
) {
    *dx = [[[0.0; CIN]; W]; H];
    for (oh, dy_row) in dy.iter().enumerate() {
        let r = rows.span(oh);
        for (ow, d_pixel) in dy_row.iter().enumerate() {
            let c = cols.span(ow);
            for (&d, filter) in d_pixel.iter().zip(kernel) {
                let dx_rows = r.input_of_mut(dx);
                for (dx_row, w_row) in dx_rows.iter_mut().zip(r.taps_of(filter.rows())) {
                    let w = c.taps_of(w_row).as_flattened();
                    kernels::axpy(d, w, c.input_of_mut(dx_row).as_flattened_mut());
                }
            }
        }
    }
}

/// Keras' Glorot/He fans for a kernel: `fan_in = taps·CIN`, `fan_out = taps·COUT`.
fn init_kernel(
    initializer: Initializer,
    weights: &mut [f32],
    taps: usize,
    cin: usize,
    cout: usize,
    rng: &mut Rng,
) {
    initializer.fill(weights, taps * cin, taps * cout, rng);
}

/// Implements `Buffer` and `Params` for a layer with `kernel` and `bias` fields, where
/// `$flat`/`$flat_mut` turn the kernel array into one slice.
macro_rules! kernel_and_bias {
    ($ty:ty, [$($g:tt)*], flat: |$k:ident| $flat:expr, flat_mut: |$km:ident| $flat_mut:expr) => {
        impl<$($g)*> $ty {
            /// The kernel as one slice, in storage order.
            #[inline]
            fn kernel_flat(&self) -> &[f32] {
                let $k = &self.kernel;
                $flat
            }
            #[inline]
            fn kernel_flat_mut(&mut self) -> &mut [f32] {
                let $km = &mut self.kernel;
                $flat_mut
            }
        }

        impl<$($g)*> Buffer for $ty {
            const ZERO: Self = Self::ZERO;
            const LEN: usize = Self::PARAM_COUNT;
            fn for_each_slice(&self, f: &mut impl FnMut(&[f32])) {
                f(self.kernel_flat());
                f(&self.bias);
            }
            fn for_each_slice_mut(&mut self, f: &mut impl FnMut(&mut [f32])) {
                f(self.kernel_flat_mut());
                f(&mut self.bias);
            }
            fn zip_slices_mut(&mut self, other: &Self, f: &mut impl FnMut(&mut [f32], &[f32])) {
                f(self.kernel_flat_mut(), other.kernel_flat());
                f(&mut self.bias, &other.bias);
            }
        }

        impl<$($g)*> Params for $ty {
            type Gradient = Self;
            const PARAMS: usize = Self::PARAM_COUNT;

            fn for_each_param(&self, f: &mut impl FnMut(ParamKind, &[f32])) {
                f(ParamKind::Weight, self.kernel_flat());
                f(ParamKind::Bias, &self.bias);
            }
            fn for_each_param_mut(&mut self, f: &mut impl FnMut(ParamKind, &mut [f32])) {
                f(ParamKind::Weight, self.kernel_flat_mut());
                f(ParamKind::Bias, &mut self.bias);
            }
            fn visit_trainable<const N: usize>(
                &mut self,
                grad: &mut Self,
                mut state: [&mut Self; N],
                f: &mut impl FnMut(ParamSlot<'_, N>),
            ) {
                f(ParamSlot {
                    kind: ParamKind::Weight,
                    value: self.kernel_flat_mut(),
                    grad: grad.kernel_flat_mut(),
                    state: state.each_mut().map(|s| s.kernel_flat_mut()),
                });
                f(ParamSlot {
                    kind: ParamKind::Bias,
                    value: &mut self.bias,
                    grad: &mut grad.bias,
                    state: state.each_mut().map(|s| &mut s.bias[..]),
                });
            }
        }
    };
}

// ---------------------------------------------------------------------------------------------
// Conv2d

/// 2-D convolution over an `H × W × CIN` image (NHWC without the batch axis) with `COUT` filters
/// of `KH × KW`, stride `SH × SW` and padding `P`, giving `OH × OW × COUT`.
///
/// The output size is written by you and checked at compile time (see the
/// [module docs](self) for the rules): `OH = (H − KH) / SH + 1` for [`Valid`],
/// `OH = ceil(H / SH)` for [`Same`], and likewise for the width.
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
    padding: PhantomData<P>,
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
    const PARAM_COUNT: usize = COUT * KH * KW * CIN + COUT;
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

kernel_and_bias!(
    Conv2d<H, W, CIN, COUT, KH, KW, SH, SW, OH, OW, P>,
    [const H: usize, const W: usize, const CIN: usize, const COUT: usize, const KH: usize,
     const KW: usize, const SH: usize, const SW: usize, const OH: usize, const OW: usize,
     P: Padding],
    flat: |k| k.as_flattened().as_flattened().as_flattened(),
    flat_mut: |k| k.as_flattened_mut().as_flattened_mut().as_flattened_mut()
);

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
    > Init for Conv2d<H, W, CIN, COUT, KH, KW, SH, SW, OH, OW, P>
{
    fn init(initializer: Initializer, rng: &mut Rng) -> Self {
        let mut layer = Self::ZERO;
        let weights = layer.kernel.as_flattened_mut().as_flattened_mut();
        init_kernel(
            initializer,
            weights.as_flattened_mut(),
            KH * KW,
            CIN,
            COUT,
            rng,
        );
        layer
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
    > FixedInput for Conv2d<H, W, CIN, COUT, KH, KW, SH, SW, OH, OW, P>
{
    type Input = [[[f32; CIN]; W]; H];
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
    type BatchScratch = ();
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

    fn describe(f: &mut impl FnMut(LayerInfo)) {
        f(LayerInfo {
            kind: "Conv2d",
            dims: const { &[H, W, CIN, COUT, KH, KW, SH, SW, OH, OW, P::CODE] },
            output_shape: &[OH, OW, COUT],
            params: Self::PARAM_COUNT,
            trainable: Self::PARAM_COUNT,
            macs: OH * OW * COUT * KH * KW * CIN,
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Conv1d

/// 1-D convolution over `L` steps × `CIN` channels with `COUT` filters of `KL` taps, stride `SL`
/// and padding `P`, giving `OL` steps × `COUT` channels (Keras' `Conv1D`).
///
/// `OL` is checked at compile time: `(L − KL) / SL + 1` for [`Valid`], `ceil(L / SL)` for [`Same`].
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
    padding: PhantomData<P>,
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
    const PARAM_COUNT: usize = COUT * KL * CIN + COUT;
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

kernel_and_bias!(
    Conv1d<L, CIN, COUT, KL, SL, OL, P>,
    [const L: usize, const CIN: usize, const COUT: usize, const KL: usize, const SL: usize,
     const OL: usize, P: Padding],
    flat: |k| k.as_flattened().as_flattened(),
    flat_mut: |k| k.as_flattened_mut().as_flattened_mut()
);

impl<
        const L: usize,
        const CIN: usize,
        const COUT: usize,
        const KL: usize,
        const SL: usize,
        const OL: usize,
        P: Padding,
    > Init for Conv1d<L, CIN, COUT, KL, SL, OL, P>
{
    fn init(initializer: Initializer, rng: &mut Rng) -> Self {
        let mut layer = Self::ZERO;
        let weights = layer.kernel.as_flattened_mut().as_flattened_mut();
        init_kernel(initializer, weights, KL, CIN, COUT, rng);
        layer
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
    > FixedInput for Conv1d<L, CIN, COUT, KL, SL, OL, P>
{
    type Input = [[f32; CIN]; L];
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
    type BatchScratch = ();
    const MACS: usize = OL * COUT * KL * CIN;
    /// Five windows, as [`Conv2d`]'s; none for a 1-tap convolution.
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

    fn describe(f: &mut impl FnMut(LayerInfo)) {
        f(LayerInfo {
            kind: "Conv1d",
            dims: const { &[L, CIN, COUT, KL, SL, OL, P::CODE] },
            output_shape: &[OL, COUT],
            params: Self::PARAM_COUNT,
            trainable: Self::PARAM_COUNT,
            macs: OL * COUT * KL * CIN,
        })
    }
}

// ---------------------------------------------------------------------------------------------
// DepthwiseConv2d

/// Depthwise 2-D convolution (depth multiplier 1): each of the `C` channels is convolved with its
/// own `KH × KW` filter, stride `SH × SW`, padding `P`; `H × W × C` → `OH × OW × C`.
///
/// The building block of MobileNet and the DS-CNN keyword-spotting model (followed by a 1×1
/// [`Conv2d`]). Output sizes are checked as for [`Conv2d`]. `kernel[kh][kw][c]` is Keras'
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
    padding: PhantomData<P>,
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
    const PARAM_COUNT: usize = KH * KW * C + C;
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

kernel_and_bias!(
    DepthwiseConv2d<H, W, C, KH, KW, SH, SW, OH, OW, P>,
    [const H: usize, const W: usize, const C: usize, const KH: usize, const KW: usize,
     const SH: usize, const SW: usize, const OH: usize, const OW: usize, P: Padding],
    flat: |k| k.as_flattened().as_flattened(),
    flat_mut: |k| k.as_flattened_mut().as_flattened_mut()
);

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
    > Init for DepthwiseConv2d<H, W, C, KH, KW, SH, SW, OH, OW, P>
{
    fn init(initializer: Initializer, rng: &mut Rng) -> Self {
        let mut layer = Self::ZERO;
        let weights = layer.kernel.as_flattened_mut().as_flattened_mut();
        // Keras computes the fans of the (KH, KW, C, 1) kernel as if it were a Conv2D kernel.
        init_kernel(initializer, weights, KH * KW, C, 1, rng);
        layer
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
    > FixedInput for DepthwiseConv2d<H, W, C, KH, KW, SH, SW, OH, OW, P>
{
    type Input = [[[f32; C]; W]; H];
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
    type BatchScratch = ();
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

    fn describe(f: &mut impl FnMut(LayerInfo)) {
        f(LayerInfo {
            kind: "DepthwiseConv2d",
            dims: const { &[H, W, C, KH, KW, SH, SW, OH, OW, P::CODE] },
            output_shape: &[OH, OW, C],
            params: Self::PARAM_COUNT,
            trainable: Self::PARAM_COUNT,
            macs: OH * OW * C * KH * KW,
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Rust source for flash-resident models (see `codegen`)

/// The path of a padding type in generated source.
pub(crate) fn padding_path<P: Padding>() -> &'static str {
    if P::SAME {
        "embednn::Same"
    } else {
        "embednn::Valid"
    }
}

/// `embednn::Conv2d::<H, W, CIN, COUT, KH, KW, SH, SW, OH, OW, embednn::Same>::new([…], […])`:
/// every const parameter and the padding are spelled out, so the expression names its type.
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
    > ToRust for Conv2d<H, W, CIN, COUT, KH, KW, SH, SW, OH, OW, P>
{
    fn write_rust(&self, out: &mut dyn fmt::Write) -> fmt::Result {
        let padding = padding_path::<P>();
        write!(
            out,
            "embednn::Conv2d::<{H}, {W}, {CIN}, {COUT}, {KH}, {KW}, {SH}, {SW}, {OH}, {OW}, \
             {padding}>::new("
        )?;
        codegen::write_f32_nested(out, self.kernel_flat(), &[COUT, KH, KW, CIN])?;
        out.write_str(", ")?;
        codegen::write_f32_array(out, &self.bias)?;
        out.write_char(')')
    }
}

/// `embednn::Conv1d::<L, CIN, COUT, KL, SL, OL, embednn::Valid>::new([…], […])`.
impl<
        const L: usize,
        const CIN: usize,
        const COUT: usize,
        const KL: usize,
        const SL: usize,
        const OL: usize,
        P: Padding,
    > ToRust for Conv1d<L, CIN, COUT, KL, SL, OL, P>
{
    fn write_rust(&self, out: &mut dyn fmt::Write) -> fmt::Result {
        let padding = padding_path::<P>();
        write!(
            out,
            "embednn::Conv1d::<{L}, {CIN}, {COUT}, {KL}, {SL}, {OL}, {padding}>::new("
        )?;
        codegen::write_f32_nested(out, self.kernel_flat(), &[COUT, KL, CIN])?;
        out.write_str(", ")?;
        codegen::write_f32_array(out, &self.bias)?;
        out.write_char(')')
    }
}

/// `embednn::DepthwiseConv2d::<H, W, C, KH, KW, SH, SW, OH, OW, embednn::Valid>::new([…], […])`.
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
    > ToRust for DepthwiseConv2d<H, W, C, KH, KW, SH, SW, OH, OW, P>
{
    fn write_rust(&self, out: &mut dyn fmt::Write) -> fmt::Result {
        let padding = padding_path::<P>();
        write!(
            out,
            "embednn::DepthwiseConv2d::<{H}, {W}, {C}, {KH}, {KW}, {SH}, {SW}, {OH}, {OW}, \
             {padding}>::new("
        )?;
        codegen::write_f32_nested(out, self.kernel_flat(), &[KH, KW, C])?;
        out.write_str(", ")?;
        codegen::write_f32_array(out, &self.bias)?;
        out.write_char(')')
    }
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn tensorflow_same_padding() {
        // out = ceil(n / s); pad = max((out - 1)·s + k - n, 0); before = pad / 2.
        assert_eq!(Same::output_len(8, 3, 1), 8);
        assert_eq!(Same::padding(8, 3, 1), (1, 1));
        assert_eq!(Same::padding(8, 2, 1), (0, 1));
        assert_eq!(Same::padding(8, 4, 1), (1, 2));
        assert_eq!(Same::output_len(7, 3, 2), 4);
        assert_eq!(Same::padding(7, 3, 2), (1, 1));
        assert_eq!(Same::padding(8, 1, 2), (0, 0));
        assert_eq!(Same::output_len(49, 10, 2), 25);
        assert_eq!(Same::padding(49, 10, 2), (4, 5));
        assert_eq!(Same::output_len(10, 4, 2), 5);
        assert_eq!(Same::padding(10, 4, 2), (1, 1));
        assert_eq!(Valid::output_len(8, 3, 2), 3);
        assert_eq!(Valid::output_len(2, 3, 1), 0);
        assert_eq!(Valid::output_len(8, 3, 0), 0);
    }

    #[test]
    fn size_errors_show_the_numbers() {
        let problem =
            |n, k, s, same, written| Axis::new(n, k, s, same).problem("Conv2d", &HEIGHT, written);
        assert!(problem(8, 3, 2, false, 3).is_none());
        assert!(problem(8, 3, 2, true, 4).is_none());
        assert_eq!(
            problem(8, 3, 2, false, 4).unwrap().as_str(),
            "Conv2d: output height OH = 4 is wrong: (H - KH) / SH + 1 = (8 - 3) / 2 + 1 = 3 \
             with \"valid\" padding; write OH = 3"
        );
        assert_eq!(
            problem(49, 10, 2, true, 24).unwrap().as_str(),
            "Conv2d: output height OH = 24 is wrong: (H + pad - KH) / SH + 1 = (49 + 9 - 10) / 2 \
             + 1 = 25 with \"same\" padding (pad = 9: 4 before, 5 after); write OH = 25"
        );
        assert_eq!(
            problem(3, 5, 1, false, 1).unwrap().as_str(),
            "Conv2d: window height KH = 5 is larger than the input height H = 3; with \"valid\" \
             padding the window must fit (or use `Same`)"
        );
        assert_eq!(
            problem(3, 1, 0, true, 1).unwrap().as_str(),
            "Conv2d: stride SH = 0; a stride is at least 1"
        );
        assert_eq!(
            problem(3, 0, 1, true, 3).unwrap().as_str(),
            "Conv2d: window height KH = 0; a window is at least 1 wide"
        );
    }

    #[test]
    fn spans_clip_windows_at_the_padding() {
        // n = 5, k = 4, s = 2, same: out = 3, pad = 2·2 + 4 − 5 = 3, before = 1.
        let a = Axis::new(5, 4, 2, true);
        let spans: [Span; 3] = core::array::from_fn(|o| a.span(o));
        assert_eq!(
            spans[0],
            Span {
                input: 0,
                tap: 1,
                len: 3
            }
        ); // taps 1..4 over x[0..3]
        assert_eq!(
            spans[1],
            Span {
                input: 1,
                tap: 0,
                len: 4
            }
        ); // x[1..5]
        assert_eq!(
            spans[2],
            Span {
                input: 3,
                tap: 0,
                len: 2
            }
        ); // x[3..5], 2 zeros after
        let v = Axis::new(5, 3, 2, false);
        assert_eq!(
            v.span(1),
            Span {
                input: 2,
                tap: 0,
                len: 3
            }
        );
    }

    #[test]
    fn conv2d_even_kernel_stride_two_same() {
        // 4×4 image x = 1..16, 2×2 ones filter, stride 2, same: out 2×2, pad 0 (2·1 + 2 − 4 = 0).
        let conv = Conv2d::<4, 4, 1, 1, 2, 2, 2, 2, 2, 2, Same>::new([[[[1.0]; 2]; 2]], [1.0]);
        let mut x = [[[0.0f32; 1]; 4]; 4];
        for (i, v) in x
            .as_flattened_mut()
            .as_flattened_mut()
            .iter_mut()
            .enumerate()
        {
            *v = (i + 1) as f32;
        }
        let mut y = [[[0.0; 1]; 2]; 2];
        conv.forward(&x, &mut y);
        // [1+2+5+6, 3+4+7+8; 9+10+13+14, 11+12+15+16] + 1
        assert_eq!(y, [[[15.0], [23.0]], [[47.0], [55.0]]]);
    }

    /// The documented sums, written naively: from the bias, the whole window in (kh, kw, ci)
    /// order, taps in the padding multiplying zeros.
    #[allow(clippy::needless_range_loop)] // the reference indexes, like the formula
    fn conv2d_reference<
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
    >(
        conv: &Conv2d<H, W, CIN, COUT, KH, KW, SH, SW, OH, OW, P>,
        x: &[[[f32; CIN]; W]; H],
    ) -> [[[f32; COUT]; OW]; OH] {
        let (top, left) = (
            Axis::new(H, KH, SH, P::SAME).before,
            Axis::new(W, KW, SW, P::SAME).before,
        );
        let mut y = [[[0.0; COUT]; OW]; OH];
        for oh in 0..OH {
            for ow in 0..OW {
                for co in 0..COUT {
                    let mut acc = conv.bias[co];
                    for kh in 0..KH {
                        for kw in 0..KW {
                            for ci in 0..CIN {
                                let ih = (oh * SH + kh).checked_sub(top).filter(|&i| i < H);
                                let iw = (ow * SW + kw).checked_sub(left).filter(|&i| i < W);
                                let v = match (ih, iw) {
                                    (Some(ih), Some(iw)) => x[ih][iw][ci],
                                    _ => 0.0,
                                };
                                acc += conv.kernel[co][kh][kw][ci] * v;
                            }
                        }
                    }
                    y[oh][ow][co] = acc;
                }
            }
        }
        y
    }

    fn random<T: Tensor>(rng: &mut Rng) -> T {
        let mut t = T::ZERO;
        t.flat_mut()
            .iter_mut()
            .for_each(|v| *v = rng.uniform(-2.0, 2.0));
        t
    }

    #[test]
    fn conv2d_sums_in_the_documented_order() {
        fn check<
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
        >(
            seed: u64,
        ) {
            let mut rng = Rng::seed(seed);
            let conv = Conv2d::<H, W, CIN, COUT, KH, KW, SH, SW, OH, OW, P>::init(
                Initializer::Uniform(1.0),
                &mut rng,
            );
            let mut conv = conv;
            conv.bias
                .iter_mut()
                .for_each(|b| *b = rng.uniform(-1.0, 1.0));
            let x: [[[f32; CIN]; W]; H] = random(&mut rng);
            let mut y = [[[0.0; COUT]; OW]; OH];
            conv.forward(&x, &mut y);
            let expected = conv2d_reference(&conv, &x);
            assert_eq!(
                y.flat().iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
                expected
                    .flat()
                    .iter()
                    .map(|v| v.to_bits())
                    .collect::<Vec<_>>(),
                "Conv2d<{H}, {W}, {CIN}, {COUT}, {KH}, {KW}, {SH}, {SW}> {}",
                P::NAME
            );
        }
        // The DS-CNN's first layer (shrunk): 10×4, stride 2, same; 8 + 3 output channels.
        check::<13, 6, 1, 11, 10, 4, 2, 2, 7, 3, Same>(1);
        check::<6, 5, 3, 17, 3, 3, 1, 1, 6, 5, Same>(2);
        check::<7, 5, 2, 9, 4, 2, 2, 2, 2, 2, Valid>(3);
        // 1×1: stride 1 (four pixels at a time, and one left over), stride 2.
        check::<5, 5, 6, 10, 1, 1, 1, 1, 5, 5, Valid>(4);
        check::<5, 5, 6, 10, 1, 1, 2, 2, 3, 3, Same>(5);
    }

    #[test]
    fn conv1d_is_conv2d_of_height_one() {
        let mut rng = Rng::seed(6);
        let c1 = Conv1d::<9, 3, 10, 4, 2, 5, Same>::init(Initializer::Uniform(1.0), &mut rng);
        let c2 =
            Conv2d::<1, 9, 3, 10, 1, 4, 1, 2, 1, 5, Same>::new(c1.kernel.map(|f| [f]), c1.bias);
        let x: [[f32; 3]; 9] = random(&mut rng);
        let (mut y1, mut y2) = ([[0.0; 10]; 5], [[[0.0; 10]; 5]; 1]);
        c1.forward(&x, &mut y1);
        c2.forward(&[x], &mut y2);
        assert_eq!(
            y1.flat().iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
            conv2d_reference(&c2, &[x])
                .flat()
                .iter()
                .map(|v| v.to_bits())
                .collect::<Vec<_>>()
        );
        assert_eq!(y1, y2[0]);
    }

    #[test]
    #[allow(clippy::needless_range_loop)] // the reference indexes, like the formula
    fn depthwise_sums_in_the_documented_order() {
        // 6 channels: one block of four and two left over; "same" 3×3 with stride 2.
        let mut rng = Rng::seed(7);
        let dw = DepthwiseConv2d::<5, 4, 6, 3, 3, 2, 2, 3, 2, Same>::init(
            Initializer::Uniform(1.0),
            &mut rng,
        );
        let x: [[[f32; 6]; 4]; 5] = random(&mut rng);
        let mut y = [[[0.0; 6]; 2]; 3];
        dw.forward(&x, &mut y);
        // From the bias, the taps inside the input in (kh, kw) order (the padding is skipped).
        let (top, left) = (Same::padding(5, 3, 2).0, Same::padding(4, 3, 2).0);
        for oh in 0..3usize {
            for ow in 0..2usize {
                for c in 0..6 {
                    let mut acc = dw.bias[c];
                    for kh in 0..3 {
                        for kw in 0..3 {
                            let ih = (oh * 2 + kh).checked_sub(top).filter(|&i| i < 5);
                            let iw = (ow * 2 + kw).checked_sub(left).filter(|&i| i < 4);
                            if let (Some(ih), Some(iw)) = (ih, iw) {
                                acc += dw.kernel[kh][kw][c] * x[ih][iw][c];
                            }
                        }
                    }
                    assert_eq!(y[oh][ow][c].to_bits(), acc.to_bits(), "({oh}, {ow}, {c})");
                }
            }
        }
    }

    #[test]
    fn from_keras_transposes_hwio_to_ohwi() {
        // kernel[kh][kw][ci][co] = 1000·kh + 100·kw + 10·ci + co
        let mut hwio = [[[[0.0f32; 3]; 2]; 2]; 1];
        for (kh, a) in hwio.iter_mut().enumerate() {
            for (kw, b) in a.iter_mut().enumerate() {
                for (ci, c) in b.iter_mut().enumerate() {
                    for (co, v) in c.iter_mut().enumerate() {
                        *v = (1000 * kh + 100 * kw + 10 * ci + co) as f32;
                    }
                }
            }
        }
        let conv = Conv2d::<3, 3, 2, 3, 1, 2, 1, 1, 3, 2>::from_keras(&hwio, [0.0; 3]);
        assert_eq!(conv.kernel[2][0][1][0], 102.0);
        assert_eq!(conv.kernel[1][0][0][1], 11.0);
        let conv1 = Conv1d::<3, 2, 3, 2, 1, 2>::from_keras(&hwio[0], [0.0; 3]);
        assert_eq!(conv1.kernel[2][1][0], 102.0);
    }

    #[test]
    fn params_visit_kernel_then_bias() {
        let mut rng = Rng::seed(3);
        let mut conv = Conv2d::<5, 5, 2, 3, 3, 3, 2, 2, 3, 3, Same>::init(
            Initializer::GlorotUniform,
            &mut rng,
        );
        // Keras fans: 3·3·2 in, 3·3·3 out.
        let limit = libm::sqrtf(6.0 / (18.0 + 27.0));
        let mut kinds = [None; 2];
        let mut n = 0;
        conv.for_each_param(&mut |kind, values| {
            kinds[n] = Some((kind, values.len()));
            n += 1;
            if kind == ParamKind::Weight {
                assert!(values.iter().all(|w| w.abs() <= limit));
                assert!(values.iter().any(|&w| w != 0.0));
            }
        });
        assert_eq!(
            kinds,
            [Some((ParamKind::Weight, 54)), Some((ParamKind::Bias, 3))]
        );
        assert_eq!(
            <Conv2d<5, 5, 2, 3, 3, 3, 2, 2, 3, 3, Same> as Params>::PARAMS,
            57
        );
        let mut g = Conv2d::ZERO;
        let mut visited = 0;
        conv.visit_trainable(&mut g, [], &mut |slot| {
            assert_eq!(slot.value.len(), slot.grad.len());
            visited += slot.value.len();
        });
        assert_eq!(visited, 57);
    }

    #[test]
    fn describe_names_every_dimension() {
        type C = Conv2d<10, 4, 1, 8, 10, 4, 2, 2, 5, 2, Same>;
        let mut info = None;
        <C as Layer<[[[f32; 1]; 4]; 10]>>::describe(&mut |i| info = Some(i));
        let info = info.unwrap();
        assert_eq!(info.kind, "Conv2d");
        assert_eq!(info.dims, &[10, 4, 1, 8, 10, 4, 2, 2, 5, 2, 1]);
        assert_eq!(info.output_shape, &[5, 2, 8]);
        assert_eq!(info.macs, 5 * 2 * 8 * 10 * 4);
    }
}
