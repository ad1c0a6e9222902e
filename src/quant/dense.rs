//! The int8 fully connected layer.

use core::mem::size_of;

use super::arith::{OutputStage, Requant};
use super::kernels::{dot_rows, pack_rows};
use super::layer::QLayer;

/// Weights aligned to four bytes, so the DSP kernels may load them a word (or four) at a time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(C, align(4))]
pub struct Packed<T>(pub T);

/// int8 fully connected layer, `I` inputs to `O` outputs, TFLite's `FULLY_CONNECTED` with int8
/// input, weights and output and int32 bias:
///
/// `y[o] = clamp(zp_out + requant[o](Σᵢ (x[i] − zp_in) · w[o][i] + bias[o]))`
///
/// `weights` is stored in the kernels' interleaved order (see [`kernels`](super::kernels)) and
/// `bias` already holds `bias[o] − zp_in · Σᵢ w[o][i]`, so the inner loop multiplies raw int8
/// values — the same integers TFLite sums, so the same output.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QDense<const I: usize, const O: usize> {
    /// Weights in kernel order (one row of `I` per output, interleaved in blocks of four rows).
    pub weights: Packed<[[i8; I]; O]>,
    /// Biases with the input zero point folded in.
    pub bias: [i32; O],
    /// Per-output-channel requantization (`s_in · s_w[o] / s_out`).
    pub requant: [Requant; O],
    /// Output zero point and clamp (a fused ReLU/ReLU6 narrows it).
    pub output: OutputStage,
}

/// `bias[o] − zp · Σᵢ w[o][i]` for each row (TFLite adds `zp_in`'s negative, the input offset,
/// to every input; folding it into the bias is the same integer sum).
pub(crate) fn fold_zero_point(rows: &[i8], k: usize, bias: &mut [i32], zero_point: i32) {
    if k == 0 {
        return;
    }
    for (b, row) in bias.iter_mut().zip(rows.chunks_exact(k)) {
        let sum: i32 = row.iter().map(|&w| w as i32).sum();
        *b = b.saturating_sub(zero_point.saturating_mul(sum));
    }
}

impl<const I: usize, const O: usize> QDense<I, O> {
    /// Builds the layer from TFLite's parameters: plain weight rows (`w[o][i]`, TFLite's
    /// `[O, I]` filter), the int32 bias, the input zero point, the per-channel requantization
    /// and the output stage.
    pub fn from_tflite(
        rows: &[[i8; I]; O],
        bias: [i32; O],
        input_zero_point: i32,
        requant: [Requant; O],
        output: OutputStage,
    ) -> Self {
        let mut layer = QDense {
            weights: Packed([[0; I]; O]),
            bias,
            requant,
            output,
        };
        pack_rows(rows.as_flattened(), I, layer.weights.0.as_flattened_mut());
        fold_zero_point(rows.as_flattened(), I, &mut layer.bias, input_zero_point);
        layer
    }
}

impl<const I: usize, const O: usize> QLayer<[i8; I]> for QDense<I, O> {
    type Output = [i8; O];
    const KIND: &'static str = "QDense";
    const MACS: usize = I * O;
    const PARAM_BYTES: usize = size_of::<Self>();
    const FORWARD_BYTES: usize = size_of::<[i32; CHUNK_ROWS]>();

    #[inline]
    fn forward(&self, x: &[i8; I], y: &mut [i8; O]) {
        rows_forward(
            self.weights.0.as_flattened(),
            x,
            &self.bias,
            &self.requant,
            self.output,
            y,
        );
    }
}

/// Rows whose accumulators live together (four interleaved blocks).
pub(crate) const CHUNK_ROWS: usize = 16;

/// `y[o] = output.finish(bias[o] + Σᵢ w[o][i] · x[i], requant[o])` for every row of the packed
/// matrix, sixteen rows at a time (so a 640-output layer needs 64 bytes of accumulators, not
/// 2,560).
#[inline]
pub(crate) fn rows_forward(
    packed: &[i8],
    x: &[i8],
    bias: &[i32],
    requant: &[Requant],
    output: OutputStage,
    y: &mut [i8],
) {
    let k = x.len();
    let mut rest = packed;
    let chunks = bias
        .chunks(CHUNK_ROWS)
        .zip(requant.chunks(CHUNK_ROWS))
        .zip(y.chunks_mut(CHUNK_ROWS));
    for ((b, r), out) in chunks {
        // Checked, never failing for a layer's own sizes: no panic path.
        let Some((w, tail)) = rest.split_at_checked(b.len().wrapping_mul(k)) else {
            return;
        };
        rest = tail;
        let mut acc = [0i32; CHUNK_ROWS];
        for (a, &v) in acc.iter_mut().zip(b) {
            *a = v;
        }
        let Some(acc) = acc.get_mut(..b.len()) else {
            return;
        };
        dot_rows(w, k, x, acc);
        for ((o, &a), &q) in out.iter_mut().zip(acc.iter()).zip(r) {
            *o = output.finish(a, q);
        }
    }
}
