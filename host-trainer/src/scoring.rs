//! The one path from a model's predictions to an [`Evaluation`]: the `f32` model's
//! [`Compiled::evaluate`](crate::Compiled::evaluate) and the int8 model's
//! [`quantize::evaluate`](crate::quantize::evaluate) score the same way, so their numbers can be
//! compared.

use embednn::{Ending, Loss, Tensor};

use crate::{Evaluation, FitError, Metric};

/// Loss and `metrics` of the predictions `predict` makes for `x`, against `y`: the mean of the
/// per-sample losses (in `f64`) and each metric read for a model ending in `ending`.
///
/// Errors: `x` and `y` of different lengths ([`FitError::LengthMismatch`] naming the
/// `"evaluation"` set), before `predict` runs.
pub(crate) fn evaluation<X, Y, L>(
    x: &[X],
    y: &[Y],
    predict: impl FnOnce(&[X]) -> Vec<Y>,
    loss: &L,
    metrics: &[Metric],
    ending: Ending,
) -> Result<Evaluation, FitError>
where
    Y: Tensor,
    L: Loss<Y, Target = Y>,
{
    if x.len() != y.len() {
        return Err(FitError::LengthMismatch {
            set: "evaluation",
            inputs: x.len(),
            targets: y.len(),
        });
    }
    let predictions = predict(x);
    let loss = predictions
        .iter()
        .zip(y)
        .map(|(p, t)| f64::from(loss.loss(p, t)))
        .sum::<f64>()
        / y.len().max(1) as f64;
    let metrics = metrics
        .iter()
        .map(|&m| (m, m.compute_paired(&predictions, y, ending)))
        .collect();
    Ok(Evaluation { loss, metrics })
}
