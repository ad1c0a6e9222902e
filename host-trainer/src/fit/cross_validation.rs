//! k-fold [`cross_validate`] and its result, [`CrossValidation`].

use embednn::model::{BatchScratch, Gradient, Input, Output, Trace};
use embednn::{Init, Loss, Model, Optimizer};

use super::{Compiled, Evaluation, FitOptions, Metric};

/// The result of [`cross_validate`]: each fold's validation loss and metrics, and their means.
#[derive(Clone, Debug, PartialEq)]
pub struct CrossValidation {
    /// One evaluation per fold, on that fold's held-out rows.
    pub folds: Vec<Evaluation>,
}

impl CrossValidation {
    /// Mean validation loss over the folds.
    pub fn mean_loss(&self) -> f64 {
        mean(self.folds.iter().map(|f| f.loss))
    }

    /// One metric's value on each fold (empty if it was not tracked).
    pub fn metric(&self, metric: Metric) -> Vec<f64> {
        self.folds
            .iter()
            .filter_map(|f| {
                f.metrics
                    .iter()
                    .find(|(m, _)| *m == metric)
                    .map(|(_, v)| *v)
            })
            .collect()
    }

    /// Mean of one metric over the folds (`None` if it was not tracked).
    pub fn mean_metric(&self, metric: Metric) -> Option<f64> {
        let values = self.metric(metric);
        (!values.is_empty()).then(|| mean(values.into_iter()))
    }

    /// Sample standard deviation of one metric over the folds.
    pub fn std_metric(&self, metric: Metric) -> Option<f64> {
        let values = self.metric(metric);
        let m = mean(values.iter().copied());
        (values.len() > 1).then(|| {
            let ss: f64 = values.iter().map(|v| (v - m) * (v - m)).sum();
            (ss / (values.len() - 1) as f64).sqrt()
        })
    }
}

fn mean(values: impl Iterator<Item = f64>) -> f64 {
    let (sum, n) = values.fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
    if n == 0 {
        0.0
    } else {
        sum / n as f64
    }
}

/// k-fold cross-validation: for each of `k` seeded folds (see [`crate::data::k_fold`]), builds a
/// fresh model with `build(fold)`, fits it on the other folds with `options(fold)` and evaluates
/// it on the held-out fold.
///
/// ```
/// use embednn::prelude::*;
/// use host_trainer::{cross_validate, FitOptions, Metric, Sequential, Verbosity};
///
/// type Net = (Dense<1, 8>, Tanh, Dense<8, 1>);
/// let x: Vec<[f32; 1]> = (0..60).map(|i| [i as f32 / 30.0 - 1.0]).collect();
/// let y: Vec<[f32; 1]> = x.iter().map(|x| [2.0 * x[0]]).collect();
/// let cv = cross_validate(
///     5,
///     7,
///     &x,
///     &y,
///     |fold| Sequential::<Net>::new(fold as u64).compile(Adam::new(0.05), Mse).with_metrics(&[Metric::Mae]),
///     |_| FitOptions { epochs: 100, verbose: Verbosity::Silent, ..Default::default() },
/// )?;
/// assert_eq!(cv.folds.len(), 5);
/// assert!(cv.mean_metric(Metric::Mae).unwrap() < 0.1);
/// # Ok::<(), host_trainer::FitError>(())
/// ```
pub fn cross_validate<'a, M, L, O>(
    k: usize,
    seed: u64,
    x: &[Input<M>],
    y: &[Output<M>],
    build: impl Fn(usize) -> Compiled<M, L, O>,
    options: impl Fn(usize) -> FitOptions<'a>,
) -> Result<CrossValidation, super::FitError>
where
    M: Model + Init + Clone + Send + Sync,
    Input<M>: Send + Sync,
    Output<M>: Send + Sync,
    Trace<M>: Send,
    Gradient<M>: Send,
    BatchScratch<M>: Send,
    L: Loss<Output<M>, Target = Output<M>> + Sync,
    O: Optimizer,
{
    super::same_length("training", x, y)?;
    let n = x.len();
    let mut folds = Vec::new();
    for (f, fold) in crate::data::k_fold(n, k, seed)?.into_iter().enumerate() {
        let pick = |rows: &[usize]| -> (Vec<Input<M>>, Vec<Output<M>>) {
            rows.iter()
                .filter_map(|&i| Some((*x.get(i)?, *y.get(i)?)))
                .unzip()
        };
        let (tx, ty) = pick(&fold.train);
        let (vx, vy) = pick(&fold.validation);
        let mut model = build(f);
        model.fit(&tx, &ty, options(f))?;
        folds.push(model.evaluate(&vx, &vy)?);
    }
    Ok(CrossValidation { folds })
}
