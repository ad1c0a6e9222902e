//! Loss functions and their gradients, per sample.
//!
//! A [`Loss`] returns the loss of one prediction and writes its gradient with respect to the
//! prediction; a trainer averages both over the samples of a batch (as Keras does). Regression
//! losses average over the output elements (Keras' `mse`, `mae`, `binary_crossentropy`);
//! softmax cross-entropy sums over classes (Keras' `categorical_crossentropy`).
//!
//! Non-finite inputs never panic: a NaN prediction gives a NaN loss and NaN gradient.
//!
//! # Endings: probabilities or logits
//!
//! Keras models usually end in their output activation and use the matching loss:
//!
//! | model ends in | loss (Keras name) | targets |
//! |---|---|---|
//! | `Dense<_, 1>, Sigmoid` | [`BinaryCrossEntropy`] (`binary_crossentropy`) | 0/1 (or probabilities) |
//! | `Dense<_, N>, Softmax` | [`CategoricalCrossEntropy`] (`categorical_crossentropy`) | one-hot rows |
//! | `Dense<_, N>, Softmax` | [`SparseCategoricalCrossEntropy`] (`sparse_categorical_crossentropy`) | class indices |
//! | `Dense<_, 1>` (logits) | [`BinaryCrossEntropyWithLogits`] (`from_logits=True`) | 0/1 |
//! | `Dense<_, N>` (logits) | [`SoftmaxCrossEntropy`] (`from_logits=True`) | one-hot rows |
//!
//! Each loss states what it reads ([`Loss::INPUT`]) and each model what it ends in
//! ([`Layer::ENDING`](crate::Layer::ENDING)); a pairing that would train wrongly — a logits loss
//! after a `Sigmoid`, a probability loss after anything but its activation — fails the build with
//! a message that names the loss to use. A probability loss after its activation is *fused* with
//! it, as Keras fuses them: the gradient with respect to the activation's input is `p − t`
//! exactly, so a saturated sigmoid (`p` rounded to 1) still learns.
//!
//! ```compile_fail,E0080
//! use embednn::prelude::*;
//! type Binary = (Dense<4, 1>, Sigmoid);
//! let _ = Trainer::<Binary, _, _>::new(BinaryCrossEntropyWithLogits, Adam::new(0.01));
//! // error: the model ends in Sigmoid (probabilities) but the loss reads logits: use BinaryCrossEntropy
//! ```

pub(crate) mod pairing;
mod probabilities;

pub use pairing::{check_pairing, fuses, LossInput};
pub use probabilities::{
    BinaryCrossEntropy, CategoricalCrossEntropy, SparseCategoricalCrossEntropy,
};

use crate::layers::activation::Sigmoid;
use crate::tensor::Tensor;

/// A per-sample loss on prediction type `Y`.
pub trait Loss<Y: Tensor> {
    /// What the prediction is compared against.
    type Target;
    /// What the loss reads from the model; checked against the model's
    /// [`Layer::ENDING`](crate::Layer::ENDING) by every trainer ([`check_pairing`]).
    const INPUT: LossInput = LossInput::Values;
    /// Loss of one prediction.
    fn loss(&self, prediction: &Y, target: &Self::Target) -> f32;
    /// Loss of one prediction; writes ∂loss/∂prediction into `gradient`.
    fn loss_and_gradient(&self, prediction: &Y, target: &Self::Target, gradient: &mut Y) -> f32;
    /// For a loss on probabilities ([`LossInput::Probabilities`]) after its activation: the loss,
    /// and ∂loss/∂(the activation's *input*) in `gradient` (see
    /// [`Layer::backward_fused`](crate::Layer::backward_fused)). Other losses never fuse, and the
    /// default is [`Loss::loss_and_gradient`].
    fn fused_loss_and_gradient(
        &self,
        probabilities: &Y,
        target: &Self::Target,
        gradient: &mut Y,
    ) -> f32 {
        self.loss_and_gradient(probabilities, target, gradient)
    }
}

/// Mean squared error over the output elements: `mean((p − t)²)`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Mse;

impl<Y: Tensor> Loss<Y> for Mse {
    type Target = Y;
    fn loss(&self, p: &Y, t: &Y) -> f32 {
        let sum: f32 = p
            .flat()
            .iter()
            .zip(t.flat())
            .map(|(p, t)| (p - t) * (p - t))
            .sum();
        sum / Y::LEN as f32
    }
    fn loss_and_gradient(&self, p: &Y, t: &Y, g: &mut Y) -> f32 {
        let scale = 2.0 / Y::LEN as f32;
        for ((g, p), t) in g.flat_mut().iter_mut().zip(p.flat()).zip(t.flat()) {
            *g = scale * (p - t);
        }
        self.loss(p, t)
    }
}

/// Mean absolute error over the output elements: `mean(|p − t|)`. The gradient at `p = t` is 0.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Mae;

impl<Y: Tensor> Loss<Y> for Mae {
    type Target = Y;
    fn loss(&self, p: &Y, t: &Y) -> f32 {
        let sum: f32 = p
            .flat()
            .iter()
            .zip(t.flat())
            .map(|(p, t)| (p - t).abs())
            .sum();
        sum / Y::LEN as f32
    }
    fn loss_and_gradient(&self, p: &Y, t: &Y, g: &mut Y) -> f32 {
        let scale = 1.0 / Y::LEN as f32;
        for ((g, p), t) in g.flat_mut().iter_mut().zip(p.flat()).zip(t.flat()) {
            let d = p - t;
            *g = if d > 0.0 {
                scale
            } else if d < 0.0 {
                -scale
            } else if d.is_nan() {
                f32::NAN
            } else {
                0.0
            };
        }
        self.loss(p, t)
    }
}

/// Binary cross-entropy on logits (Keras `BinaryCrossentropy(from_logits=True)`), averaged over
/// the outputs. Targets are probabilities (usually 0 or 1).
///
/// Computed as `max(z, 0) − z·t + ln(1 + e^−|z|)`, which never overflows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BinaryCrossEntropyWithLogits;

impl<Y: Tensor> Loss<Y> for BinaryCrossEntropyWithLogits {
    type Target = Y;
    const INPUT: LossInput = LossInput::Logits;
    fn loss(&self, z: &Y, t: &Y) -> f32 {
        let sum: f32 = z
            .flat()
            .iter()
            .zip(t.flat())
            .map(|(&z, &t)| {
                let relu = if z > 0.0 { z } else { 0.0 };
                relu - z * t + libm::log1pf(libm::expf(-z.abs()))
            })
            .sum();
        sum / Y::LEN as f32
    }
    fn loss_and_gradient(&self, z: &Y, t: &Y, g: &mut Y) -> f32 {
        let scale = 1.0 / Y::LEN as f32;
        for ((g, &z), &t) in g.flat_mut().iter_mut().zip(z.flat()).zip(t.flat()) {
            *g = scale * (Sigmoid::logistic(z) - t);
        }
        self.loss(z, t)
    }
}

/// Softmax followed by cross-entropy, fused (Keras
/// `CategoricalCrossentropy(from_logits=True)`): `logsumexp(z) · Σt − Σ tᵢ·zᵢ`.
///
/// The model ends with logits (no softmax layer); targets are class probabilities, usually one-hot.
/// The gradient is `softmax(z) · Σt − t`, computed without ever forming `e^z` for large `z`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SoftmaxCrossEntropy;

impl SoftmaxCrossEntropy {
    /// `ln Σ e^zᵢ`, shifted by the maximum so it cannot overflow.
    pub fn log_sum_exp(z: &[f32]) -> f32 {
        let max = z
            .iter()
            .fold(f32::NEG_INFINITY, |m, &v| if v > m { v } else { m });
        if !max.is_finite() {
            // ±∞ (or every entry NaN: the sum below turns it into NaN anyway).
            return max + z.iter().map(|v| v * 0.0).sum::<f32>();
        }
        let sum: f32 = z.iter().map(|&v| libm::expf(v - max)).sum();
        max + libm::logf(sum)
    }
}

impl SoftmaxCrossEntropy {
    /// `lse · Σt − Σ tᵢ·zᵢ` for a precomputed `lse = logsumexp(z)`.
    fn from_lse(lse: f32, z: &[f32], t: &[f32]) -> f32 {
        let (mut t_sum, mut tz) = (0.0, 0.0);
        for (&z, &t) in z.iter().zip(t) {
            t_sum += t;
            // 0 · (−∞) would be NaN; a class with zero target mass contributes nothing.
            if t != 0.0 {
                tz += t * z;
            }
        }
        lse * t_sum - tz
    }
}

impl<Y: Tensor> Loss<Y> for SoftmaxCrossEntropy {
    type Target = Y;
    const INPUT: LossInput = LossInput::Logits;
    fn loss(&self, z: &Y, t: &Y) -> f32 {
        Self::from_lse(Self::log_sum_exp(z.flat()), z.flat(), t.flat())
    }
    fn loss_and_gradient(&self, z: &Y, t: &Y, g: &mut Y) -> f32 {
        // One exponential per class: eᵢ = exp(zᵢ − max), softmax = eᵢ / Σe, lse = max + ln Σe.
        let z = z.flat();
        let max = z
            .iter()
            .fold(f32::NEG_INFINITY, |m, &v| if v > m { v } else { m });
        if !max.is_finite() {
            let lse = Self::log_sum_exp(z);
            let t_sum: f32 = t.flat().iter().sum();
            for ((g, &z), &t) in g.flat_mut().iter_mut().zip(z).zip(t.flat()) {
                *g = libm::expf(z - lse) * t_sum - t;
            }
            return Self::from_lse(lse, z, t.flat());
        }
        let mut sum = 0.0;
        for (g, &z) in g.flat_mut().iter_mut().zip(z) {
            *g = libm::expf(z - max);
            sum += *g;
        }
        let lse = max + libm::logf(sum);
        let t_sum: f32 = t.flat().iter().sum();
        let inv = 1.0 / sum;
        for (g, &t) in g.flat_mut().iter_mut().zip(t.flat()) {
            *g = *g * inv * t_sum - t;
        }
        Self::from_lse(lse, z, t.flat())
    }
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn hand_computed_values() {
        let p = [1.0, 2.0, 4.0];
        let t = [1.0, 0.0, 2.0];
        let mut g = [0.0; 3];
        // mse = (0 + 4 + 4) / 3, grad = 2 (p - t) / 3
        assert_eq!(Mse.loss_and_gradient(&p, &t, &mut g), 8.0 / 3.0);
        assert_eq!(g, [0.0, 4.0 / 3.0, 4.0 / 3.0]);
        // mae = (0 + 2 + 2) / 3
        assert_eq!(Mae.loss_and_gradient(&p, &t, &mut g), 4.0 / 3.0);
        assert_eq!(g, [0.0, 1.0 / 3.0, 1.0 / 3.0]);
    }

    #[test]
    fn cross_entropy_matches_reference() {
        // numpy: z = [1, 2, 3]; -log(softmax(z)[2]) = 0.40760596
        let z = [1.0, 2.0, 3.0];
        let t = [0.0, 0.0, 1.0];
        let mut g = [0.0; 3];
        let l = SoftmaxCrossEntropy.loss_and_gradient(&z, &t, &mut g);
        assert!((l - 0.407_605_96).abs() < 1e-6);
        // softmax(z) - t = [0.09003057, 0.24472847, 0.66524096 - 1]
        for (a, b) in g.iter().zip([0.090_030_57, 0.244_728_47, -0.334_759_04]) {
            assert!((a - b).abs() < 1e-6);
        }
        // BCE with logits: z = 0.5, t = 1 -> log(1 + e^-0.5) = 0.47407698
        let l = BinaryCrossEntropyWithLogits.loss_and_gradient(&[0.5], &[1.0], &mut [0.0]);
        assert!((l - 0.474_077).abs() < 1e-6);
    }

    #[test]
    fn extreme_logits_are_stable() {
        let mut g = [0.0; 2];
        let l = SoftmaxCrossEntropy.loss_and_gradient(&[1000.0, -1000.0], &[1.0, 0.0], &mut g);
        assert_eq!(l, 0.0);
        assert_eq!(g, [0.0, 0.0]);
        let l = SoftmaxCrossEntropy.loss(&[-1000.0, 1000.0], &[1.0, 0.0]);
        assert_eq!(l, 2000.0);
        let l = BinaryCrossEntropyWithLogits.loss(&[-100.0], &[1.0]);
        assert_eq!(l, 100.0);
        let l = BinaryCrossEntropyWithLogits.loss(&[100.0], &[1.0]);
        assert!((0.0..1e-40).contains(&l)); // ln(1 + e^-100) ≈ 3.7e-44
    }

    #[test]
    fn nan_propagates_without_panic() {
        let mut g = [0.0; 2];
        assert!(Mse
            .loss_and_gradient(&[f32::NAN, 0.0], &[0.0, 0.0], &mut g)
            .is_nan());
        assert!(g[0].is_nan());
        assert!(Mae
            .loss_and_gradient(&[f32::NAN, 0.0], &[0.0, 0.0], &mut g)
            .is_nan());
        assert!(g[0].is_nan());
        let l = SoftmaxCrossEntropy.loss_and_gradient(&[f32::NAN, 0.0], &[1.0, 0.0], &mut g);
        assert!(l.is_nan());
        let l = SoftmaxCrossEntropy.loss(&[f32::INFINITY, 0.0], &[0.0, 1.0]);
        assert!(l.is_nan() || l == f32::INFINITY);
    }
}
