//! Optimizers, gradient clipping and regularization.
//!
//! An [`Optimizer`] updates a model in place from an accumulated gradient. Its state (momentum,
//! Adam's moments) is a value of type [`Optimizer::State`], built from the model's gradient type,
//! so its size — zero, one or two copies of the trainable parameters — is known at compile time
//! and counts only the layers that train.
//!
//! | optimizer | state | update |
//! |---|---|---|
//! | [`Sgd`] | none | `w −= lr·g` |
//! | [`SgdMomentum`] | 1 × trainable | `v = μ·v − lr·g; w += v` (or Nesterov) |
//! | [`Adam`] | 2 × trainable | Kingma & Ba, with Keras' ε placement |
//! | [`AdamW`] | 2 × trainable | Adam plus decoupled weight decay (Loshchilov & Hutter) |
//!
//! [`Clip`] and [`Regularization`] act on the gradient before the update and work with any
//! optimizer.

mod adam;
mod clip;
mod regularization;
mod sgd;

pub use adam::{Adam, AdamW};
pub use clip::Clip;
pub use regularization::Regularization;
pub use sgd::{Sgd, SgdMomentum};

use crate::buffer::Buffer;
use crate::layer::Params;

/// Updates parameters from gradients.
pub trait Optimizer {
    /// Per-parameter state for a model whose gradient type is `G`.
    type State<G: Buffer>: Buffer;
    /// The learning rate used by the next step.
    fn learning_rate(&self) -> f32;
    /// Changes the learning rate (for schedules).
    fn set_learning_rate(&mut self, lr: f32);
    /// Applies one update to `model` from `grad` (already averaged over the batch).
    fn step<M: Params>(
        &mut self,
        model: &mut M,
        grad: &mut M::Gradient,
        state: &mut Self::State<M::Gradient>,
    );
}
