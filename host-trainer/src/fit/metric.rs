//! [`Metric`]: the quantities `fit` tracks per epoch besides the loss, computed by
//! [`crate::metrics`] from model outputs and targets; and the class a tensor stands for.

use embednn::Tensor;

use crate::metrics;

/// A quantity tracked per epoch besides the loss.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Metric {
    /// Fraction of samples whose predicted class equals the target class (argmax of a one-hot
    /// target; for a single output, logit > 0 against target > 0.5).
    Accuracy,
    /// Mean absolute error over every output element.
    Mae,
    /// Mean squared error over every output element.
    Mse,
}

impl Metric {
    /// The name Keras prints.
    pub fn name(self) -> &'static str {
        match self {
            Metric::Accuracy => "accuracy",
            Metric::Mae => "mae",
            Metric::Mse => "mse",
        }
    }

    /// The metric over predictions and targets (the first `min(len)` of each; `0.0` for none).
    pub fn compute<Y: Tensor>(self, predictions: &[Y], targets: &[Y]) -> f64 {
        let n = predictions.len().min(targets.len());
        let (predictions, targets) = (&predictions[..n], &targets[..n]);
        match self {
            Metric::Accuracy => {
                if n == 0 {
                    return 0.0;
                }
                let predicted: Vec<usize> = predictions.iter().map(predicted_class).collect();
                let actual: Vec<usize> = targets.iter().map(target_class).collect();
                // Equal lengths and at least one sample: `accuracy` cannot fail.
                metrics::accuracy(&actual, &predicted).unwrap_or(0.0)
            }
            Metric::Mae => metrics::mean_error(elements(predictions, targets), f64::abs),
            Metric::Mse => metrics::mean_error(elements(predictions, targets), metrics::squared),
        }
    }
}

/// `(target, prediction)` pairs of every output element of every sample, in order, as `f64`.
fn elements<'a, Y: Tensor>(
    predictions: &'a [Y],
    targets: &'a [Y],
) -> impl Iterator<Item = (f64, f64)> + 'a {
    predictions.iter().zip(targets).flat_map(|(p, t)| {
        t.flat()
            .iter()
            .zip(p.flat())
            .map(|(t, p)| (f64::from(*t), f64::from(*p)))
    })
}

/// The class a model output stands for: the argmax of the logits, or for a single output
/// (binary classification on a logit) whether it is positive.
pub fn predicted_class<Y: Tensor>(y: &Y) -> usize {
    match y.flat() {
        [logit] => usize::from(*logit > 0.0),
        _ => y.argmax(),
    }
}

/// The class a target stands for: the argmax of a one-hot vector, or for a single output whether
/// it is above 0.5.
pub fn target_class<Y: Tensor>(y: &Y) -> usize {
    match y.flat() {
        [p] => usize::from(*p > 0.5),
        _ => y.argmax(),
    }
}
