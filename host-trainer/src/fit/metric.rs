//! [`Metric`]: the quantities `fit` tracks per epoch besides the loss, computed by
//! [`crate::metrics`] from model outputs and targets; and the class an output stands for.
//!
//! Classification metrics read the output for what the model ends in ([`Ending`]): after a
//! `Sigmoid` a single output is a probability (positive above 0.5), without one it is a logit
//! (positive above 0); after a `Softmax` or on logits, the class is the argmax. ROC-AUC ranks the
//! positive probability (a logit ranks the same), and for several classes averages one-vs-rest
//! AUCs over the softmax probabilities, as scikit-learn's `roc_auc_score(multi_class="ovr")`.

use embednn::{Ending, Tensor};

use crate::metrics::{self, ConfusionMatrix};

/// A quantity tracked per epoch besides the loss.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Metric {
    /// Fraction of samples whose predicted class equals the target class.
    Accuracy,
    /// Precision of the positive class (binary) or its unweighted mean over classes
    /// (scikit-learn's `average="macro"`).
    Precision,
    /// Recall, averaged like [`Metric::Precision`].
    Recall,
    /// F1, averaged like [`Metric::Precision`].
    F1,
    /// Area under the ROC curve (binary), or the macro one-vs-rest mean.
    Auc,
    /// Mean absolute error over every output element.
    Mae,
    /// Mean squared error over every output element.
    Mse,
}

impl Metric {
    /// Every metric, in the order of [`Metric::name`]s below.
    pub const ALL: [Metric; 7] = [
        Metric::Accuracy,
        Metric::Precision,
        Metric::Recall,
        Metric::F1,
        Metric::Auc,
        Metric::Mae,
        Metric::Mse,
    ];

    /// The name Keras prints.
    pub fn name(self) -> &'static str {
        match self {
            Metric::Accuracy => "accuracy",
            Metric::Precision => "precision",
            Metric::Recall => "recall",
            Metric::F1 => "f1_score",
            Metric::Auc => "auc",
            Metric::Mae => "mae",
            Metric::Mse => "mse",
        }
    }

    /// The metric called `name` (Keras' names: `"accuracy"`, `"auc"`, …).
    pub fn from_name(name: &str) -> Option<Metric> {
        Metric::ALL.into_iter().find(|m| m.name() == name)
    }

    /// The metric over predictions of a model ending in `ending` and their targets (`0.0` for
    /// none, and for an AUC where one class is absent).
    ///
    /// Errors: `predictions` and `targets` of different lengths
    /// ([`MetricError::LengthMismatch`](crate::metrics::MetricError::LengthMismatch)).
    pub fn compute<Y: Tensor>(
        self,
        predictions: &[Y],
        targets: &[Y],
        ending: Ending,
    ) -> Result<f64, metrics::MetricError> {
        metrics::check_lengths("predictions", predictions.len(), "targets", targets.len())?;
        Ok(self.compute_paired(predictions, targets, ending))
    }

    /// [`Metric::compute`] on slices of one length.
    pub(crate) fn compute_paired<Y: Tensor>(
        self,
        predictions: &[Y],
        targets: &[Y],
        ending: Ending,
    ) -> f64 {
        if predictions.is_empty() {
            return 0.0;
        }
        let classes = Y::LEN.max(2);
        let confusion = || {
            let predicted: Vec<usize> = predictions
                .iter()
                .map(|p| predicted_class(p, ending))
                .collect();
            let actual: Vec<usize> = targets.iter().map(target_class).collect();
            // At least one sample, indices below `classes`: construction cannot fail.
            ConfusionMatrix::new(&actual, &predicted, classes).ok()
        };
        let averaged = |score: fn(&ConfusionMatrix, usize) -> f64| {
            confusion().map_or(0.0, |cm| {
                if Y::LEN == 1 {
                    score(&cm, 1)
                } else {
                    (0..classes).map(|c| score(&cm, c)).sum::<f64>() / classes as f64
                }
            })
        };
        match self {
            Metric::Accuracy => confusion().map_or(0.0, |cm| cm.accuracy()),
            Metric::Precision => averaged(ConfusionMatrix::precision),
            Metric::Recall => averaged(ConfusionMatrix::recall),
            Metric::F1 => averaged(ConfusionMatrix::f1),
            Metric::Auc => auc(predictions, targets, ending),
            Metric::Mae => metrics::mean_error(elements(predictions, targets), f64::abs),
            Metric::Mse => metrics::mean_error(elements(predictions, targets), metrics::squared),
        }
    }
}

/// Binary: ROC-AUC of the single output. Several classes: the mean over classes of the
/// one-vs-rest AUC of each class's probability.
fn auc<Y: Tensor>(predictions: &[Y], targets: &[Y], ending: Ending) -> f64 {
    if Y::LEN == 1 {
        let truth: Vec<bool> = targets.iter().map(|t| target_class(t) == 1).collect();
        let scores: Vec<f32> = predictions.iter().map(|p| p.flat()[0]).collect();
        return metrics::roc_auc(&truth, &scores).unwrap_or(0.0);
    }
    let probabilities: Vec<Vec<f32>> = predictions
        .iter()
        .map(|p| probabilities_of(p.flat(), ending))
        .collect();
    let actual: Vec<usize> = targets.iter().map(target_class).collect();
    let mut total = 0.0;
    for class in 0..Y::LEN {
        let truth: Vec<bool> = actual.iter().map(|&a| a == class).collect();
        let scores: Vec<f32> = probabilities.iter().map(|p| p[class]).collect();
        total += metrics::roc_auc(&truth, &scores).unwrap_or(0.0);
    }
    total / Y::LEN as f64
}

/// The class probabilities of an output: itself after a softmax, else the softmax of the logits.
fn probabilities_of(output: &[f32], ending: Ending) -> Vec<f32> {
    if ending == Ending::Softmax {
        return output.to_vec();
    }
    let mut p = vec![0.0; output.len()];
    let max = output.iter().fold(f32::NEG_INFINITY, |m, &v| m.max(v));
    let mut sum = 0.0;
    for (o, &v) in p.iter_mut().zip(output) {
        *o = (v - max).exp();
        sum += *o;
    }
    p.iter_mut().for_each(|o| *o /= sum);
    p
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

/// The class an output of a model ending in `ending` stands for: the argmax of several outputs;
/// for a single output, whether it is above 0.5 after a `Sigmoid` (a probability) or above 0
/// otherwise (a logit).
pub fn predicted_class<Y: Tensor>(y: &Y, ending: Ending) -> usize {
    match (y.flat(), ending) {
        ([p], Ending::Sigmoid) => usize::from(*p > 0.5),
        ([logit], _) => usize::from(*logit > 0.0),
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
