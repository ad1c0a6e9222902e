//! Stochastic gradient descent, plain and with momentum.

use super::Optimizer;
use crate::buffer::Buffer;
use crate::layer::Params;

/// Plain SGD: `w −= lr·g`. Needs no state.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Sgd {
    /// Learning rate.
    pub lr: f32,
}

impl Sgd {
    /// SGD with learning rate `lr` (Keras' default is 0.01).
    pub const fn new(lr: f32) -> Self {
        Sgd { lr }
    }
}

impl Default for Sgd {
    fn default() -> Self {
        Sgd::new(0.01)
    }
}

impl Optimizer for Sgd {
    type State<G: Buffer> = ();
    fn learning_rate(&self) -> f32 {
        self.lr
    }
    fn set_learning_rate(&mut self, lr: f32) {
        self.lr = lr;
    }
    fn step<M: Params>(&mut self, model: &mut M, grad: &mut M::Gradient, _: &mut ()) {
        let lr = self.lr;
        model.visit_trainable(grad, [], &mut |slot| {
            for (w, g) in slot.value.iter_mut().zip(slot.grad.iter()) {
                *w -= lr * g;
            }
        });
    }
}

/// SGD with momentum μ, as Keras' `SGD(momentum=μ, nesterov=…)`:
/// `v = μ·v − lr·g`, then `w += v` (or `w += μ·v − lr·g` with Nesterov).
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SgdMomentum {
    /// Learning rate.
    pub lr: f32,
    /// Momentum μ.
    pub momentum: f32,
    /// Use Nesterov momentum.
    pub nesterov: bool,
}

impl SgdMomentum {
    /// SGD with learning rate `lr` and momentum `momentum`.
    pub const fn new(lr: f32, momentum: f32) -> Self {
        SgdMomentum {
            lr,
            momentum,
            nesterov: false,
        }
    }
    /// The same with Nesterov momentum.
    pub const fn nesterov(self) -> Self {
        SgdMomentum {
            nesterov: true,
            ..self
        }
    }
}

impl Optimizer for SgdMomentum {
    type State<G: Buffer> = (G,);
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
        state: &mut (M::Gradient,),
    ) {
        let (lr, mu, nesterov) = (self.lr, self.momentum, self.nesterov);
        model.visit_trainable(grad, [&mut state.0], &mut |slot| {
            let [velocity] = slot.state;
            for ((w, g), v) in slot.value.iter_mut().zip(slot.grad.iter()).zip(velocity) {
                *v = mu * *v - lr * g;
                *w += if nesterov { mu * *v - lr * g } else { *v };
            }
        });
    }
}
