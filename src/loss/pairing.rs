//! Which losses go with which model endings, checked when a trainer is built.

use crate::layer::{Ending, Layer};
use crate::model::{Input, Model, Output};

use super::Loss;

/// What a [`Loss`] reads from the model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LossInput {
    /// Any values (regression: [`Mse`](super::Mse), [`Mae`](super::Mae)); any ending.
    Values,
    /// Logits: the model must not end in `Sigmoid` or `Softmax`.
    Logits,
    /// Probabilities from this activation, which the model must end in; the loss's gradient is
    /// fused with it.
    Probabilities(Ending),
}

/// Whether loss `L` is fused with the last layer of model `M` (a probability loss after its
/// activation). Fails the build with a message naming the right loss when the pairing would
/// train wrongly; every trainer evaluates it.
pub const fn fuses<M: Model, L: Loss<Output<M>>>() -> bool {
    let ending = <M as Layer<Input<M>>>::ENDING;
    match L::INPUT {
        LossInput::Values => false,
        LossInput::Logits => {
            if ending.is(Ending::Sigmoid) {
                panic!(
                    "the model ends in Sigmoid (probabilities) but the loss reads logits: use \
                     BinaryCrossEntropy, or end the model without the Sigmoid"
                );
            }
            if ending.is(Ending::Softmax) {
                panic!(
                    "the model ends in Softmax (probabilities) but the loss reads logits: use \
                     CategoricalCrossEntropy or SparseCategoricalCrossEntropy, or end the model \
                     without the Softmax"
                );
            }
            false
        }
        LossInput::Probabilities(wanted) => {
            if !ending.is(wanted) {
                match wanted {
                    Ending::Sigmoid => panic!(
                        "BinaryCrossEntropy reads probabilities: end the model in Sigmoid, or use \
                         BinaryCrossEntropyWithLogits on logits"
                    ),
                    _ => panic!(
                        "CategoricalCrossEntropy and SparseCategoricalCrossEntropy read a \
                         probability distribution: end the model in Softmax, or use \
                         SoftmaxCrossEntropy on logits"
                    ),
                }
            }
            true
        }
    }
}

/// The pairing check as a constant, so it is evaluated at compile time wherever it is named.
pub(crate) struct Pairing<M, L>(core::marker::PhantomData<(M, L)>);

impl<M: Model, L: Loss<Output<M>>> Pairing<M, L> {
    /// [`fuses`], evaluated by the compiler.
    pub(crate) const FUSED: bool = fuses::<M, L>();
}

/// Fails the build (naming the loss to use) if loss `L` does not fit how model `M` ends; for
/// trainers outside this crate: `const { embednn::loss::check_pairing::<M, L>() }`.
pub const fn check_pairing<M: Model, L: Loss<Output<M>>>() {
    let _ = Pairing::<M, L>::FUSED;
}
