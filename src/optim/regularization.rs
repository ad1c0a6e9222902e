//! L1 and L2 weight regularization.

use crate::layer::{ParamKind, Params};

/// L1/L2 penalties on weights (never biases), like a Keras `kernel_regularizer` on every layer:
/// the loss gains `l1·Σ|w| + l2·Σw²` and the gradient `l1·sign(w) + 2·l2·w`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Regularization {
    /// L1 coefficient.
    pub l1: f32,
    /// L2 coefficient.
    pub l2: f32,
}

impl Regularization {
    /// L2 only (Keras `regularizers.L2(l2)`).
    pub const fn l2(l2: f32) -> Self {
        Regularization { l1: 0.0, l2 }
    }
    /// L1 only.
    pub const fn l1(l1: f32) -> Self {
        Regularization { l1, l2: 0.0 }
    }

    /// Adds the penalty's gradient to `grad` for every trainable weight of `model` and returns
    /// the penalty itself (the amount added to the loss).
    pub fn apply<M: Params>(&self, model: &mut M, grad: &mut M::Gradient) -> f32 {
        let (l1, l2) = (self.l1, self.l2);
        if l1 == 0.0 && l2 == 0.0 {
            return 0.0;
        }
        let mut penalty = 0.0;
        model.visit_trainable(grad, [], &mut |slot| {
            if slot.kind != ParamKind::Weight {
                return;
            }
            for (&w, g) in slot.value.iter().zip(slot.grad.iter_mut()) {
                penalty += l1 * w.abs() + l2 * w * w;
                let sign = if w > 0.0 {
                    1.0
                } else if w < 0.0 {
                    -1.0
                } else {
                    0.0
                };
                *g += l1 * sign + 2.0 * l2 * w;
            }
        });
        penalty
    }
}

#[cfg(test)]
mod test {
    use super::*;
    use crate::Dense;

    #[test]
    fn penalty_and_gradient_on_weights_only() {
        let mut d = Dense::<2, 1>::from_rows([[1.0, -2.0]], [5.0]);
        let mut g = Dense::<2, 1>::ZERO;
        let p = Regularization { l1: 0.1, l2: 0.5 }.apply(&mut d, &mut g);
        // l1: 0.1 * 3 = 0.3; l2: 0.5 * 5 = 2.5
        assert!((p - 2.8).abs() < 1e-6);
        assert_eq!(g.rows(), &[[0.1 + 1.0, -0.1 - 2.0]]);
        assert_eq!(g.bias_array(), &[0.0]);
    }
}
