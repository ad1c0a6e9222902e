//! The loops `Conv1d` and `Conv2d` share: a filter seen as kernel rows, the forward pass over
//! windows of four pixels, and both gradients.

use crate::kernels;
use crate::tensor::Tensor;

use super::window::{Axis, Span};

/// One output channel's filter, seen as kernel rows of `KW` taps × `CIN` channels: a 2-D
/// filter has `KH` rows, a 1-D filter one. Lets `Conv1d` and `Conv2d` share their loops.
pub(super) trait FilterRows<const KW: usize, const CIN: usize>: Tensor {
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
pub(super) fn conv_forward<
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
pub(super) fn conv_grad<
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
pub(super) fn conv_input_grad<
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
