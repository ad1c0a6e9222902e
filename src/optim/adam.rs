//! Adam and AdamW.

use super::Optimizer;
use crate::buffer::Buffer;
use crate::layer::{ParamKind, Params};

/// Adam (Kingma & Ba 2015) with Keras' defaults and update rule:
/// `m = β₁m + (1−β₁)g`, `v = β₂v + (1−β₂)g²`,
/// `w −= lrₜ·m / (√v + ε)` with `lrₜ = lr·√(1−β₂ᵗ)/(1−β₁ᵗ)`.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Adam {
    /// Learning rate.
    pub lr: f32,
    /// Decay of the first moment.
    pub beta1: f32,
    /// Decay of the second moment.
    pub beta2: f32,
    /// Added to the root of the second moment.
    pub epsilon: f32,
    /// Steps taken so far.
    pub t: u32,
}

impl Adam {
    /// Adam with learning rate `lr` and Keras' β₁ = 0.9, β₂ = 0.999, ε = 1e-7.
    pub const fn new(lr: f32) -> Self {
        Adam {
            lr,
            beta1: 0.9,
            beta2: 0.999,
            epsilon: 1e-7,
            t: 0,
        }
    }

    /// Advances the step count; returns the bias-corrected learning rate for this step.
    fn advance(&mut self) -> f32 {
        self.t = self.t.saturating_add(1);
        let t = self.t as f32;
        let c1 = 1.0 - libm::powf(self.beta1, t);
        let c2 = 1.0 - libm::powf(self.beta2, t);
        self.lr * libm::sqrtf(c2) / c1
    }

    fn update<M: Params>(
        &self,
        lr_t: f32,
        decay: f32,
        model: &mut M,
        grad: &mut M::Gradient,
        state: &mut (M::Gradient, M::Gradient),
    ) {
        let (b1, b2, eps) = (self.beta1, self.beta2, self.epsilon);
        let (m, v) = state;
        model.visit_trainable(grad, [m, v], &mut |slot| {
            let [m, v] = slot.state;
            let decay = if slot.kind == ParamKind::Weight {
                decay
            } else {
                0.0
            };
            let moments = m.iter_mut().zip(v.iter_mut());
            for ((w, &g), (m, v)) in slot.value.iter_mut().zip(slot.grad.iter()).zip(moments) {
                *m = b1 * *m + (1.0 - b1) * g;
                *v = b2 * *v + (1.0 - b2) * g * g;
                *w -= lr_t * *m / (crate::math::sqrt(*v) + eps) + decay * *w;
            }
        });
    }
}

impl Default for Adam {
    fn default() -> Self {
        Adam::new(0.001)
    }
}

impl Optimizer for Adam {
    type State<G: Buffer> = (G, G);
    fn learning_rate(&self) -> f32 {
        self.lr
    }
    fn set_learning_rate(&mut self, lr: f32) {
        self.lr = lr;
    }
    fn step<M: Params>(
        &mut self,
        model: &mut M,
        grad: &mut M::Gradient,
        state: &mut (M::Gradient, M::Gradient),
    ) {
        let lr_t = self.advance();
        self.update(lr_t, 0.0, model, grad, state);
    }
}

/// Adam with decoupled weight decay (Loshchilov & Hutter 2019, Keras' `AdamW`): after the Adam
/// step each weight (not bias) also shrinks by `lr · weight_decay · w`.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AdamW {
    /// The Adam part.
    pub adam: Adam,
    /// Decay coefficient (Keras' default 0.004).
    pub weight_decay: f32,
}

impl AdamW {
    /// AdamW with learning rate `lr` and the given weight decay.
    pub const fn new(lr: f32, weight_decay: f32) -> Self {
        AdamW {
            adam: Adam::new(lr),
            weight_decay,
        }
    }
}

impl Optimizer for AdamW {
    type State<G: Buffer> = (G, G);
    fn learning_rate(&self) -> f32 {
        self.adam.lr
    }
    fn set_learning_rate(&mut self, lr: f32) {
        self.adam.lr = lr;
    }
    fn step<M: Params>(
        &mut self,
        model: &mut M,
        grad: &mut M::Gradient,
        state: &mut (M::Gradient, M::Gradient),
    ) {
        let lr_t = self.adam.advance();
        let decay = self.adam.lr * self.weight_decay;
        self.adam.update(lr_t, decay, model, grad, state);
    }
}
