//! The int8 batch normalization: a per-channel scale and shift (a 1×1 depthwise convolution).

use core::mem::size_of;

use crate::layers::batchnorm::ChannelsLast;

use super::arith::{OutputStage, Requant};
use super::layer::QLayer;
use super::tensor::QTensor;

/// A batch norm at inference in int8: per channel `c`,
/// `y = clamp(zp_out + requant[c]((x − zp_in) · w[c] + bias[c]))`, with `w` symmetric int8 and
/// `bias` int32 at `s_in · s_w[c]` — TFLite's arithmetic for a depthwise 1×1 convolution, which is
/// what a batch norm that could not be folded into the layer before it becomes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QBatchNorm<const C: usize> {
    /// One int8 scale per channel.
    pub weights: [i8; C],
    /// One int32 shift per channel.
    pub bias: [i32; C],
    /// Per-channel requantization.
    pub requant: [Requant; C],
    /// Output zero point and clamp.
    pub output: OutputStage,
    /// The input's zero point.
    pub input_zero_point: i8,
}

impl<X: QTensor, const C: usize> QLayer<X> for QBatchNorm<C>
where
    X::Float: ChannelsLast<C>,
{
    type Output = X;
    const KIND: &'static str = "QBatchNorm";
    const MACS: usize = X::LEN;
    const PARAM_BYTES: usize = size_of::<Self>();

    fn forward(&self, x: &X, y: &mut X) {
        let zp = self.input_zero_point as i32;
        let (xs, _) = x.flat().as_chunks::<C>();
        let (ys, _) = y.flat_mut().as_chunks_mut::<C>();
        for (y_px, x_px) in ys.iter_mut().zip(xs) {
            let channels = y_px.iter_mut().zip(x_px).zip(&self.weights);
            for (((o, &v), &w), (&b, &r)) in channels.zip(self.bias.iter().zip(&self.requant)) {
                *o = self.output.finish((v as i32 - zp) * w as i32 + b, r);
            }
        }
    }
}
