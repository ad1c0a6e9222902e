//! Batch normalization, trained on batch statistics and folded away for the device.

// Per-channel loops index several `[f32; C]` arrays with the same `c < C`.
#![allow(clippy::needless_range_loop)]

use crate::layer::{BackwardBatch, ForwardBatch, Layer};
use crate::layers::conv::{Conv1d, Conv2d, DepthwiseConv2d, Padding};
use crate::layers::dense::Dense;
use crate::math;
use crate::rng::Rng;
use crate::tensor::Tensor;

/// Batch normalization over the channel (last) axis, as Keras' `BatchNormalization()`:
/// `y = γ·(x − μ)/√(σ² + ε) + β` per channel, with ε = 10⁻³ and moving-average momentum 0.99.
///
/// **Training** (through a batch: [`Trainer::train_batch`](crate::Trainer::train_batch) or the
/// host trainer's `fit`) normalizes with the mean and (biased) variance of the batch — over the
/// samples and, for images and sequences, every position — back-propagates through those
/// statistics exactly, and updates the moving averages. **Inference** ([`Layer::forward`]) uses
/// the moving averages. A [`Frozen`](crate::Frozen) batch norm trains in inference mode, as a
/// Keras layer with `trainable = False` does.
///
/// **On the device** a batch norm is usually folded into the convolution or dense layer before
/// it ([`BatchNorm::fold_dense`], [`BatchNorm::fold_conv2d`], …), which removes it entirely:
/// the exported model is the same network without the normalization layers.
///
/// Works on `[f32; C]`, `[[f32; C]; L]` and `[[[f32; C]; W]; H]`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BatchNorm<const C: usize> {
    /// Scale γ (trainable, starts at 1).
    pub gamma: [f32; C],
    /// Shift β (trainable, starts at 0).
    pub beta: [f32; C],
    /// Moving average of the batch means (used at inference).
    pub moving_mean: [f32; C],
    /// Moving average of the batch variances (used at inference).
    pub moving_var: [f32; C],
}

impl<const C: usize> BatchNorm<C> {
    /// Added to the variance before the square root (Keras' default).
    pub const EPSILON: f32 = 1e-3;
    /// Weight of the old value in the moving averages (Keras' default).
    pub const MOMENTUM: f32 = 0.99;
    /// γ = 1, β = 0, moving mean 0, moving variance 1: the identity at inference.
    pub const IDENTITY: Self = BatchNorm {
        gamma: [1.0; C],
        beta: [0.0; C],
        moving_mean: [0.0; C],
        moving_var: [1.0; C],
    };

    /// Builds the layer from its four arrays (`const`, for flash-resident models).
    pub const fn new(
        gamma: [f32; C],
        beta: [f32; C],
        moving_mean: [f32; C],
        moving_var: [f32; C],
    ) -> Self {
        BatchNorm {
            gamma,
            beta,
            moving_mean,
            moving_var,
        }
    }

    /// The inference-time affine map per channel: `y = scale·x + shift`.
    pub fn affine(&self) -> ([f32; C], [f32; C]) {
        let mut scale = [0.0; C];
        let mut shift = [0.0; C];
        for c in 0..C {
            let s = self.gamma[c] / math::sqrt(self.moving_var[c] + Self::EPSILON);
            scale[c] = s;
            shift[c] = self.beta[c] - self.moving_mean[c] * s;
        }
        (scale, shift)
    }

    /// `dense` followed by this batch norm, as one dense layer (for export to the device).
    pub fn fold_dense<const I: usize>(&self, dense: &Dense<I, C>) -> Dense<I, C> {
        let mut out = *dense;
        let [bias] = &mut out.bias.data.0;
        self.fold_filters(out.kernel.data.0.iter_mut().map(|c| &mut c[..]), bias);
        out
    }

    /// Scales output channel `c`'s filter by `scale[c]` and maps its bias `b` to
    /// `b·scale[c] + shift[c]`: a layer followed by this batch norm, as one layer.
    fn fold_filters<'a>(&self, filters: impl Iterator<Item = &'a mut [f32]>, bias: &mut [f32; C]) {
        let (scale, shift) = self.affine();
        for ((filter, b), (s, t)) in filters.zip(bias.iter_mut()).zip(scale.iter().zip(&shift)) {
            filter.iter_mut().for_each(|w| *w *= s);
            *b = *b * s + t;
        }
    }

    /// `conv` followed by this batch norm, as one convolution.
    pub fn fold_conv2d<
        const H: usize,
        const W: usize,
        const CIN: usize,
        const KH: usize,
        const KW: usize,
        const SH: usize,
        const SW: usize,
        const OH: usize,
        const OW: usize,
        P: Padding,
    >(
        &self,
        conv: &Conv2d<H, W, CIN, C, KH, KW, SH, SW, OH, OW, P>,
    ) -> Conv2d<H, W, CIN, C, KH, KW, SH, SW, OH, OW, P> {
        let mut out = *conv;
        let filters = out
            .kernel
            .iter_mut()
            .map(|f| f.as_flattened_mut().as_flattened_mut());
        self.fold_filters(filters, &mut out.bias);
        out
    }

    /// `conv` followed by this batch norm, as one 1-D convolution.
    pub fn fold_conv1d<
        const L: usize,
        const CIN: usize,
        const KL: usize,
        const SL: usize,
        const OL: usize,
        P: Padding,
    >(
        &self,
        conv: &Conv1d<L, CIN, C, KL, SL, OL, P>,
    ) -> Conv1d<L, CIN, C, KL, SL, OL, P> {
        let mut out = *conv;
        self.fold_filters(
            out.kernel.iter_mut().map(|f| f.as_flattened_mut()),
            &mut out.bias,
        );
        out
    }

    /// `conv` followed by this batch norm, as one depthwise convolution.
    pub fn fold_depthwise<
        const H: usize,
        const W: usize,
        const KH: usize,
        const KW: usize,
        const SH: usize,
        const SW: usize,
        const OH: usize,
        const OW: usize,
        P: Padding,
    >(
        &self,
        conv: &DepthwiseConv2d<H, W, C, KH, KW, SH, SW, OH, OW, P>,
    ) -> DepthwiseConv2d<H, W, C, KH, KW, SH, SW, OH, OW, P> {
        let (scale, shift) = self.affine();
        let mut out = *conv;
        for tap in out.kernel.as_flattened_mut() {
            for (w, s) in tap.iter_mut().zip(&scale) {
                *w *= s;
            }
        }
        for ((b, s), t) in out.bias.iter_mut().zip(&scale).zip(&shift) {
            *b = *b * s + t;
        }
        out
    }
}

crate::params! {
    impl[const C: usize] BatchNorm<C> as "BatchNorm"[C] {
        gamma: Bias = 1.0,
        beta: Bias = 0.0,
        moving_mean: Statistic = 0.0,
        moving_var: Statistic = 1.0,
    }
}

/// Tensors whose last axis is `C` channels: `[f32; C]`, `[[f32; C]; L]`, `[[[f32; C]; W]; H]`.
pub trait ChannelsLast<const C: usize>: Tensor {}
impl<const C: usize> ChannelsLast<C> for [f32; C] {}
impl<const L: usize, const C: usize> ChannelsLast<C> for [[f32; C]; L] {}
impl<const H: usize, const W: usize, const C: usize> ChannelsLast<C> for [[[f32; C]; W]; H] {}

/// `(x − mean)·inv_std·γ + β` for one value, in this order of operations.
#[inline(always)]
pub(crate) fn normalize_value(x: f32, mean: f32, inv_std: f32, gamma: f32, beta: f32) -> f32 {
    (x - mean) * inv_std * gamma + beta
}

/// `1 / √(σ² + ε)`, the factor inference normalizes a channel with.
#[inline(always)]
pub(crate) fn inverse_std(variance: f32) -> f32 {
    1.0 / math::sqrt(variance + BatchNorm::<1>::EPSILON)
}

/// `(x − mean)·inv_std·γ + β` for every position of one sample.
fn normalize<const C: usize>(
    bn: &BatchNorm<C>,
    x: &[f32],
    y: &mut [f32],
    mean: &[f32; C],
    inv_std: &[f32; C],
) {
    for (xs, ys) in x.chunks_exact(C).zip(y.chunks_exact_mut(C)) {
        for c in 0..C {
            if let (Some(&xv), Some(yv)) = (xs.get(c), ys.get_mut(c)) {
                *yv = normalize_value(xv, mean[c], inv_std[c], bn.gamma[c], bn.beta[c]);
            }
        }
    }
}

impl<X: ChannelsLast<C>, const C: usize> Layer<X> for BatchNorm<C> {
    type Output = X;
    /// The mean and 1/√(σ² + ε) this sample was normalized with.
    type Cache = ([f32; C], [f32; C]);
    const MACS: usize = X::LEN;
    const BATCH_COUPLED: bool = true;

    fn forward(&self, x: &X, y: &mut X) {
        let mut inv_std = [0.0; C];
        for (i, v) in inv_std.iter_mut().zip(&self.moving_var) {
            *i = inverse_std(*v);
        }
        normalize(self, x.flat(), y.flat_mut(), &self.moving_mean, &inv_std);
    }

    /// One sample on its own is normalized with the moving statistics (inference mode, as a
    /// frozen Keras batch norm); training on batch statistics goes through
    /// [`Layer::forward_train_batch`].
    fn forward_train(&self, x: &X, y: &mut X, cache: &mut Self::Cache, _rng: &mut Rng) {
        cache.0 = self.moving_mean;
        for (i, v) in cache.1.iter_mut().zip(&self.moving_var) {
            *i = inverse_std(*v);
        }
        normalize(self, x.flat(), y.flat_mut(), &cache.0, &cache.1);
    }

    fn backward(
        &self,
        x: &X,
        _y: &X,
        cache: &Self::Cache,
        dy: &X,
        dx: Option<&mut X>,
        grad: Option<&mut Self::Gradient>,
    ) {
        // Statistics were constants here: y = γ·(x − μ)·s + β.
        let (mean, inv_std) = cache;
        if let Some(BatchNorm {
            gamma: dgamma,
            beta: dbeta,
            ..
        }) = grad
        {
            for (xs, ds) in x.flat().chunks_exact(C).zip(dy.flat().chunks_exact(C)) {
                for c in 0..C {
                    if let (Some(&xv), Some(&d)) = (xs.get(c), ds.get(c)) {
                        dgamma[c] += d * (xv - mean[c]) * inv_std[c];
                        dbeta[c] += d;
                    }
                }
            }
        }
        if let Some(dx) = dx {
            for (gs, ds) in dx
                .flat_mut()
                .chunks_exact_mut(C)
                .zip(dy.flat().chunks_exact(C))
            {
                for c in 0..C {
                    if let (Some(g), Some(&d)) = (gs.get_mut(c), ds.get(c)) {
                        *g = d * self.gamma[c] * inv_std[c];
                    }
                }
            }
        }
    }

    fn forward_train_batch(
        &mut self,
        batch: &mut impl ForwardBatch<X, X, Self::Cache>,
        _rng: &mut Rng,
    ) {
        // Two-pass mean and (biased) variance over samples × positions, accumulated in f32 in a
        // fixed order.
        let mut count = 0.0f32;
        let mut mean = [0.0f32; C];
        for i in 0..batch.len() {
            if let Some((x, _, _)) = batch.sample(i) {
                for xs in x.flat().chunks_exact(C) {
                    mean.iter_mut().zip(xs).for_each(|(m, v)| *m += v);
                    count += 1.0;
                }
            }
        }
        if count == 0.0 {
            return;
        }
        mean.iter_mut().for_each(|m| *m /= count);
        let mut var = [0.0f32; C];
        for i in 0..batch.len() {
            if let Some((x, _, _)) = batch.sample(i) {
                for xs in x.flat().chunks_exact(C) {
                    for ((v, m), &x) in var.iter_mut().zip(&mean).zip(xs) {
                        *v += (x - m) * (x - m);
                    }
                }
            }
        }
        var.iter_mut().for_each(|v| *v /= count);
        let mut inv_std = [0.0f32; C];
        for (i, v) in inv_std.iter_mut().zip(&var) {
            *i = inverse_std(*v);
        }
        for i in 0..batch.len() {
            if let Some((x, y, cache)) = batch.sample(i) {
                *cache = (mean, inv_std);
                normalize(self, x.flat(), y.flat_mut(), &mean, &inv_std);
            }
        }
        let m = Self::MOMENTUM;
        for c in 0..C {
            self.moving_mean[c] = m * self.moving_mean[c] + (1.0 - m) * mean[c];
            self.moving_var[c] = m * self.moving_var[c] + (1.0 - m) * var[c];
        }
    }

    fn backward_batch(
        &self,
        batch: &mut impl BackwardBatch<X, X, Self::Cache, Self::Cache>,
        grad: Option<&mut Self::Gradient>,
    ) {
        // With x̂ = (x − μ)·s over N = samples × positions:
        // dβ = Σ dy, dγ = Σ dy·x̂, dx = γ·s·(dy − dβ/N − x̂·dγ/N).
        let mut count = 0.0f32;
        let mut sum_dy = [0.0f32; C];
        let mut sum_dy_xhat = [0.0f32; C];
        for i in 0..batch.len() {
            if let Some(s) = batch.sample(i) {
                let (mean, inv_std) = s.cache;
                for (xs, ds) in s.x.flat().chunks_exact(C).zip(s.dy.flat().chunks_exact(C)) {
                    for c in 0..C {
                        if let (Some(&xv), Some(&d)) = (xs.get(c), ds.get(c)) {
                            sum_dy[c] += d;
                            sum_dy_xhat[c] += d * (xv - mean[c]) * inv_std[c];
                        }
                    }
                    count += 1.0;
                }
            }
        }
        if let Some(BatchNorm {
            gamma: dgamma,
            beta: dbeta,
            ..
        }) = grad
        {
            for c in 0..C {
                dgamma[c] += sum_dy_xhat[c];
                dbeta[c] += sum_dy[c];
            }
        }
        if count == 0.0 {
            return;
        }
        for i in 0..batch.len() {
            if let Some(s) = batch.sample(i) {
                let (mean, inv_std) = s.cache;
                let Some(dx) = s.dx else { continue };
                let rows = s.x.flat().chunks_exact(C).zip(s.dy.flat().chunks_exact(C));
                for (gs, (xs, ds)) in dx.flat_mut().chunks_exact_mut(C).zip(rows) {
                    for c in 0..C {
                        if let (Some(g), Some(&xv), Some(&d)) =
                            (gs.get_mut(c), xs.get(c), ds.get(c))
                        {
                            let xhat = (xv - mean[c]) * inv_std[c];
                            *g = self.gamma[c]
                                * inv_std[c]
                                * (d - sum_dy[c] / count - xhat * sum_dy_xhat[c] / count);
                        }
                    }
                }
            }
        }
    }
}
