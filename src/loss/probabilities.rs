//! Cross-entropies on probabilities, Keras' defaults: the model ends in `Sigmoid` or `Softmax`.
//!
//! The loss values follow Keras' probability formulas, clipping `p` to `[ε, 1 − ε]` with Keras'
//! `ε = 1e-7` (a probability of exactly 0 or 1 costs at most `−ln ε ≈ 16.1`, never `∞`). The
//! gradient that trains the model is Keras' fused one: with respect to the activation's input,
//! `(p − t) / n` after a sigmoid and `p · Σt − t` after a softmax, exact however saturated `p` is.

use super::{Loss, LossInput};
use crate::layer::Ending;
use crate::tensor::Tensor;

/// Keras' `backend.epsilon()`.
const EPSILON: f32 = 1e-7;

fn clip(p: f32) -> f32 {
    // NaN stays NaN.
    p.clamp(EPSILON, 1.0 - EPSILON)
}

/// Whether `p` is inside the clipping range (where the clipped value has a derivative).
fn unclipped(p: f32) -> bool {
    (EPSILON..=1.0 - EPSILON).contains(&p)
}

/// Binary cross-entropy on probabilities (Keras `binary_crossentropy`, `BinaryCrossentropy()`),
/// averaged over the outputs: `−mean(t·ln p + (1 − t)·ln(1 − p))`. The model ends in
/// [`Sigmoid`](crate::Sigmoid); targets are 0 or 1 (or probabilities).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BinaryCrossEntropy;

impl<Y: Tensor> Loss<Y> for BinaryCrossEntropy {
    type Target = Y;
    const INPUT: LossInput = LossInput::Probabilities(Ending::Sigmoid);
    fn loss(&self, p: &Y, t: &Y) -> f32 {
        let sum: f32 = p
            .flat()
            .iter()
            .zip(t.flat())
            .map(|(&p, &t)| {
                let p = clip(p);
                -(t * libm::logf(p) + (1.0 - t) * libm::logf(1.0 - p))
            })
            .sum();
        sum / Y::LEN as f32
    }
    fn loss_and_gradient(&self, p: &Y, t: &Y, g: &mut Y) -> f32 {
        let scale = 1.0 / Y::LEN as f32;
        for ((g, &p), &t) in g.flat_mut().iter_mut().zip(p.flat()).zip(t.flat()) {
            *g = if unclipped(p) {
                scale * (-t / p + (1.0 - t) / (1.0 - p))
            } else if p.is_nan() {
                f32::NAN
            } else {
                0.0
            };
        }
        self.loss(p, t)
    }
    fn fused_loss_and_gradient(&self, p: &Y, t: &Y, g: &mut Y) -> f32 {
        let scale = 1.0 / Y::LEN as f32;
        for ((g, &p), &t) in g.flat_mut().iter_mut().zip(p.flat()).zip(t.flat()) {
            *g = scale * (p - t);
        }
        self.loss(p, t)
    }
}

/// Categorical cross-entropy on a probability distribution (Keras `categorical_crossentropy`,
/// `CategoricalCrossentropy()`): `−Σ tᵢ·ln pᵢ`, after renormalizing `p` to sum to 1 as Keras does.
/// The model ends in [`Softmax`](crate::Softmax); targets are one-hot rows (or probabilities).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CategoricalCrossEntropy;

impl<Y: Tensor> Loss<Y> for CategoricalCrossEntropy {
    type Target = Y;
    const INPUT: LossInput = LossInput::Probabilities(Ending::Softmax);
    fn loss(&self, p: &Y, t: &Y) -> f32 {
        let total: f32 = p.flat().iter().sum();
        p.flat()
            .iter()
            .zip(t.flat())
            // A class with zero target mass contributes nothing (and no 0 · ln 0).
            .filter(|(_, &t)| t != 0.0)
            .map(|(&p, &t)| -t * libm::logf(clip(p / total)))
            .sum()
    }
    fn loss_and_gradient(&self, p: &Y, t: &Y, g: &mut Y) -> f32 {
        // L = −Σ tᵢ ln(pᵢ / S) over unclipped classes: ∂L/∂pⱼ = −tⱼ/pⱼ + (Σ tᵢ) / S.
        let total: f32 = p.flat().iter().sum();
        let mass: f32 = p
            .flat()
            .iter()
            .zip(t.flat())
            .filter(|(&p, _)| unclipped(p / total))
            .map(|(_, &t)| t)
            .sum();
        for ((g, &p), &t) in g.flat_mut().iter_mut().zip(p.flat()).zip(t.flat()) {
            let own = if unclipped(p / total) { t / p } else { 0.0 };
            *g = mass / total - own;
        }
        self.loss(p, t)
    }
    fn fused_loss_and_gradient(&self, p: &Y, t: &Y, g: &mut Y) -> f32 {
        let mass: f32 = t.flat().iter().sum();
        for ((g, &p), &t) in g.flat_mut().iter_mut().zip(p.flat()).zip(t.flat()) {
            *g = p * mass - t;
        }
        self.loss(p, t)
    }
}

/// Categorical cross-entropy with the target given as a class index (Keras
/// `sparse_categorical_crossentropy`): `−ln p[class]`. The model ends in
/// [`Softmax`](crate::Softmax). An index that is not a class gives a NaN loss and gradient.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SparseCategoricalCrossEntropy;

impl<Y: Tensor> Loss<Y> for SparseCategoricalCrossEntropy {
    type Target = usize;
    const INPUT: LossInput = LossInput::Probabilities(Ending::Softmax);
    fn loss(&self, p: &Y, class: &usize) -> f32 {
        let total: f32 = p.flat().iter().sum();
        match p.flat().get(*class) {
            Some(&pk) => -libm::logf(clip(pk / total)),
            None => f32::NAN,
        }
    }
    fn loss_and_gradient(&self, p: &Y, class: &usize, g: &mut Y) -> f32 {
        let total: f32 = p.flat().iter().sum();
        let Some(&pk) = p.flat().get(*class) else {
            g.flat_mut().fill(f32::NAN);
            return f32::NAN;
        };
        let live = unclipped(pk / total);
        for (j, g) in g.flat_mut().iter_mut().enumerate() {
            *g = match (live, j == *class) {
                (false, _) => 0.0,
                (true, true) => 1.0 / total - 1.0 / pk,
                (true, false) => 1.0 / total,
            };
        }
        self.loss(p, class)
    }
    fn fused_loss_and_gradient(&self, p: &Y, class: &usize, g: &mut Y) -> f32 {
        if *class >= Y::LEN {
            g.flat_mut().fill(f32::NAN);
            return f32::NAN;
        }
        for ((j, g), &pj) in g.flat_mut().iter_mut().enumerate().zip(p.flat()) {
            *g = if j == *class { pj - 1.0 } else { pj };
        }
        self.loss(p, class)
    }
}

#[cfg(test)]
mod test {
    use super::*;
    use crate::loss::{BinaryCrossEntropyWithLogits, SoftmaxCrossEntropy};
    use crate::prelude::*;

    /// Hand-derived values (and tf.keras 2.15's, which agree to 1e-7).
    #[test]
    fn keras_values() {
        // −(ln 0.8 + ln 0.9) / 2 for p = [0.8, 0.1], t = [1, 0].
        let bce = BinaryCrossEntropy.loss(&[0.8, 0.1], &[1.0, 0.0]);
        assert!((bce - 0.164_252).abs() < 1e-6, "{bce}");
        // p = 1 exactly with t = 0: clipped to 1 − 1e-7, −ln(1e-7) ≈ 15.94 (f32: 1 − ε rounds).
        let saturated = BinaryCrossEntropy.loss(&[1.0], &[0.0]);
        assert!(saturated.is_finite() && saturated > 15.0, "{saturated}");
        // −ln 0.7 for p = [0.2, 0.7, 0.1], class 1.
        let p = [0.2, 0.7, 0.1];
        let cce = CategoricalCrossEntropy.loss(&p, &[0.0, 1.0, 0.0]);
        assert!((cce - 0.356_675).abs() < 1e-6, "{cce}");
        assert_eq!(SparseCategoricalCrossEntropy.loss(&p, &1), cce);
        assert!(SparseCategoricalCrossEntropy.loss(&p, &3).is_nan());
    }

    /// The fused gradients equal the logits losses' gradients for the same logits.
    #[test]
    fn fused_gradients_are_the_logits_gradients() {
        for z in [-30.0f32, -3.0, -0.2, 0.0, 0.7, 5.0, 40.0] {
            let p = [Sigmoid::logistic(z)];
            let (mut fused, mut logits) = ([0.0], [0.0]);
            BinaryCrossEntropy.fused_loss_and_gradient(&p, &[0.0], &mut fused);
            BinaryCrossEntropyWithLogits.loss_and_gradient(&[z], &[0.0], &mut logits);
            assert_eq!(fused, logits, "z = {z}");
        }
        // Saturated and wrong: the gradient is 1, not 0.
        assert_eq!(Sigmoid::logistic(40.0), 1.0);
        let z = [2.0, -1.0, 30.0];
        let mut p = [0.0; 3];
        Softmax::apply(&z, &mut p);
        let t = [1.0, 0.0, 0.0];
        let (mut fused, mut logits, mut sparse) = ([0.0; 3], [0.0; 3], [0.0; 3]);
        CategoricalCrossEntropy.fused_loss_and_gradient(&p, &t, &mut fused);
        SoftmaxCrossEntropy.loss_and_gradient(&z, &t, &mut logits);
        SparseCategoricalCrossEntropy.fused_loss_and_gradient(&p, &0, &mut sparse);
        for i in 0..3 {
            assert!((fused[i] - logits[i]).abs() < 1e-6, "{fused:?} {logits:?}");
            assert_eq!(fused[i], sparse[i]);
        }
        assert!(
            (fused[0] + 1.0).abs() < 1e-6,
            "saturated softmax still learns: {fused:?}"
        );
    }

    /// The unfused gradients are the loss's derivatives (central differences).
    #[test]
    fn gradients_match_finite_differences() {
        let h = 1e-3f32;
        let p = [0.3f32, 0.6];
        let t = [1.0f32, 0.0];
        let mut g = [0.0; 2];
        BinaryCrossEntropy.loss_and_gradient(&p, &t, &mut g);
        let q = [0.2f32, 0.5, 0.3];
        let tq = [0.0f32, 1.0, 0.0];
        let mut gq = [0.0; 3];
        CategoricalCrossEntropy.loss_and_gradient(&q, &tq, &mut gq);
        let mut gs = [0.0; 3];
        SparseCategoricalCrossEntropy.loss_and_gradient(&q, &1, &mut gs);
        for i in 0..2 {
            let (mut a, mut b) = (p, p);
            a[i] += h;
            b[i] -= h;
            let d = (BinaryCrossEntropy.loss(&a, &t) - BinaryCrossEntropy.loss(&b, &t)) / (2.0 * h);
            assert!((d - g[i]).abs() < 2e-3, "bce {i}: {d} vs {}", g[i]);
        }
        for i in 0..3 {
            let (mut a, mut b) = (q, q);
            a[i] += h;
            b[i] -= h;
            let d = (CategoricalCrossEntropy.loss(&a, &tq) - CategoricalCrossEntropy.loss(&b, &tq))
                / (2.0 * h);
            assert!((d - gq[i]).abs() < 2e-3, "cce {i}: {d} vs {}", gq[i]);
            assert_eq!(gq[i], gs[i]);
        }
    }

    #[test]
    fn nan_and_bad_classes_propagate() {
        let mut g = [0.0; 2];
        assert!(BinaryCrossEntropy
            .loss_and_gradient(&[f32::NAN, 0.5], &[1.0, 0.0], &mut g)
            .is_nan());
        assert!(g[0].is_nan());
        assert!(SparseCategoricalCrossEntropy
            .fused_loss_and_gradient(&[0.5, 0.5], &7, &mut g)
            .is_nan());
        assert!(g.iter().all(|v| v.is_nan()));
    }
}
