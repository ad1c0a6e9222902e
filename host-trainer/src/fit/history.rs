//! What `fit` records and prints: each epoch's [`EpochLog`], the run's [`History`], an
//! [`Evaluation`], the Keras-like epoch line and the progress bar.

use std::fmt::Write as _;
use std::time::Duration;

use super::{Metric, Verbosity};

/// One epoch's numbers.
#[derive(Clone, Debug, PartialEq)]
pub struct EpochLog {
    /// 0-based epoch.
    pub epoch: usize,
    /// Mean training loss over the epoch's batches (as Keras reports it).
    pub loss: f64,
    /// Training metrics, in the order given to `compile`.
    pub metrics: Vec<(Metric, f64)>,
    /// Validation loss.
    pub val_loss: Option<f64>,
    /// Validation metrics.
    pub val_metrics: Vec<(Metric, f64)>,
    /// Learning rate used.
    pub learning_rate: f32,
    /// Wall time of the epoch.
    pub duration: Duration,
}

impl EpochLog {
    /// A metric by name: `loss`, `val_loss`, `accuracy`, `val_accuracy`, …
    pub fn get(&self, name: &str) -> Option<f64> {
        match name {
            "loss" => return Some(self.loss),
            "val_loss" => return self.val_loss,
            _ => {}
        }
        let (list, name) = match name.strip_prefix("val_") {
            Some(n) => (&self.val_metrics, n),
            None => (&self.metrics, name),
        };
        list.iter().find(|(m, _)| m.name() == name).map(|(_, v)| *v)
    }
}

/// Per-epoch record of a `fit` run.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct History {
    /// One entry per completed epoch.
    pub epochs: Vec<EpochLog>,
    /// Epoch whose weights the model has at the end (differs from the last when early
    /// stopping restored the best weights).
    pub best_epoch: Option<usize>,
    /// Whether early stopping (or a callback, or a non-finite batch) ended training early.
    pub stopped_early: bool,
    /// The first batch whose loss or gradient was NaN or infinite, if any (its step was not
    /// applied).
    pub non_finite: Option<NonFiniteBatch>,
    /// Batches dropped under [`OnNonFinite::SkipBatch`](crate::fit::OnNonFinite::SkipBatch).
    pub skipped_batches: usize,
    /// The epoch whose finite loss exploded and stopped training, if one did (see
    /// [`Divergence`](crate::fit::Divergence); its weights were dropped).
    pub diverged: Option<DivergedEpoch>,
}

/// An epoch whose loss exploded (see [`Divergence`](crate::fit::Divergence)); `epoch` counts
/// from 0.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DivergedEpoch {
    /// The epoch.
    pub epoch: usize,
    /// Its mean training loss.
    pub loss: f64,
    /// The lowest loss before it (the run's starting loss included).
    pub lowest: f64,
    /// The loss it had to stay under.
    pub limit: f64,
}

impl std::fmt::Display for DivergedEpoch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "epoch {}: the loss diverged to {:e}, over the limit {:e} (the lowest so far was {:e}); \
             the epoch's weights were dropped (lower the learning rate, clip gradients, scale the \
             data)",
            self.epoch + 1,
            self.loss,
            self.limit,
            self.lowest
        )
    }
}

impl std::error::Error for DivergedEpoch {}

/// Where training met a NaN or infinity: `epoch` and `batch` count from 0.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NonFiniteBatch {
    /// The epoch.
    pub epoch: usize,
    /// The batch within the epoch.
    pub batch: usize,
    /// The batch's mean loss (finite if only the gradient was not).
    pub loss: f64,
}

impl std::fmt::Display for NonFiniteBatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "epoch {}, batch {}: the loss ({}) or its gradient is NaN or infinite; the step was \
             not applied (diverging: lower the learning rate, clip gradients, check the data)",
            self.epoch + 1,
            self.batch + 1,
            self.loss
        )
    }
}

impl std::error::Error for NonFiniteBatch {}

/// Why [`Compiled::fit`](crate::Compiled::fit) (or [`cross_validate`](crate::cross_validate))
/// did not train, or did not finish; or why [`Compiled::evaluate`](crate::Compiled::evaluate)
/// could not score.
#[derive(Debug)]
pub enum FitError {
    /// Inputs and targets differ in number (nothing was trained: a silent truncation would
    /// hide a misaligned data set).
    LengthMismatch {
        /// `"training"`, `"validation"` or `"evaluation"`.
        set: &'static str,
        /// Number of inputs.
        inputs: usize,
        /// Number of targets.
        targets: usize,
    },
    /// A batch's loss or gradient was NaN or infinite and
    /// [`OnNonFinite::Stop`](crate::fit::OnNonFinite::Stop) ended training; the model keeps the
    /// weights from before that batch, and `history` has the epochs up to it.
    NonFinite {
        /// Where.
        at: NonFiniteBatch,
        /// What was trained before it.
        history: Box<History>,
    },
    /// An epoch's finite loss exploded (see [`Divergence`](crate::fit::Divergence)); the model
    /// keeps the weights from before that epoch (or early stopping's best), and `history` has
    /// the epochs up to and including it.
    Diverged {
        /// Which epoch, its loss and the limit it crossed.
        at: DivergedEpoch,
        /// What was trained, the diverged epoch last.
        history: Box<History>,
    },
    /// The folds of a cross-validation could not be cut.
    Data(crate::data::DataError),
    /// A checkpoint could not be written or read back.
    Checkpoint {
        /// The checkpoint file.
        path: std::path::PathBuf,
        /// What went wrong.
        reason: String,
    },
}

impl From<crate::data::DataError> for FitError {
    fn from(e: crate::data::DataError) -> Self {
        FitError::Data(e)
    }
}

impl std::fmt::Display for FitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FitError::LengthMismatch {
                set,
                inputs,
                targets,
            } => write!(
                f,
                "the {set} set has {inputs} inputs but {targets} targets; they must pair up"
            ),
            FitError::NonFinite { at, .. } => write!(f, "training stopped at {at}"),
            FitError::Diverged { at, .. } => write!(f, "training stopped at {at}"),
            FitError::Data(e) => e.fmt(f),
            FitError::Checkpoint { path, reason } => {
                write!(f, "checkpoint {}: {reason}", path.display())
            }
        }
    }
}

impl std::error::Error for FitError {}

impl History {
    /// The values of one logged quantity per epoch (`loss`, `val_accuracy`, …).
    pub fn series(&self, name: &str) -> Vec<f64> {
        self.epochs.iter().filter_map(|e| e.get(name)).collect()
    }
    /// The last epoch's log.
    pub fn last(&self) -> Option<&EpochLog> {
        self.epochs.last()
    }
}

/// Loss and metrics of a model on a data set.
#[derive(Clone, Debug, PartialEq)]
pub struct Evaluation {
    /// Mean loss.
    pub loss: f64,
    /// Metrics in the order given to `compile`.
    pub metrics: Vec<(Metric, f64)>,
}

impl Evaluation {
    /// The value of `metric`, if it was tracked.
    pub fn metric(&self, metric: Metric) -> Option<f64> {
        self.metrics
            .iter()
            .find(|(m, _)| *m == metric)
            .map(|&(_, v)| v)
    }

    /// A value by its Keras name: `"loss"` or a metric's ([`Metric::name`]).
    pub fn get(&self, name: &str) -> Option<f64> {
        if name == "loss" {
            return Some(self.loss);
        }
        Metric::from_name(name).and_then(|m| self.metric(m))
    }
}

/// A Keras-like epoch line: `Epoch 3/100 - 0.01s - loss: 0.1234 - accuracy: 0.9000 - val_loss: …`.
pub fn format_log(log: &EpochLog, epochs: usize) -> String {
    let mut s = format!(
        "Epoch {}/{} - {:.3}s - loss: {:.4}",
        log.epoch + 1,
        epochs,
        log.duration.as_secs_f64(),
        log.loss
    );
    for (m, v) in &log.metrics {
        let _ = write!(s, " - {}: {v:.4}", m.name());
    }
    if let Some(v) = log.val_loss {
        let _ = write!(s, " - val_loss: {v:.4}");
    }
    for (m, v) in &log.val_metrics {
        let _ = write!(s, " - val_{}: {v:.4}", m.name());
    }
    s
}

/// The per-epoch progress bar, if `verbose` asks for one (and the `progress` feature, on by
/// default, is enabled; without it `fit` prints the per-epoch lines only).
#[cfg(feature = "progress")]
pub(super) fn progress_bar(
    verbose: Verbosity,
    batches: usize,
    epoch: usize,
    epochs: usize,
) -> Option<indicatif::ProgressBar> {
    if verbose != Verbosity::ProgressBar {
        return None;
    }
    let bar = indicatif::ProgressBar::with_draw_target(
        Some(batches as u64),
        indicatif::ProgressDrawTarget::stderr_with_hz(10),
    );
    let style = indicatif::ProgressStyle::with_template(&format!(
        "Epoch {}/{epochs} {{bar:30}} {{pos}}/{{len}} {{msg}}",
        epoch + 1
    ))
    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
    bar.set_style(style);
    Some(bar)
}

/// Without the `progress` feature there is no bar.
#[cfg(not(feature = "progress"))]
pub(super) fn progress_bar(
    _verbose: Verbosity,
    _batches: usize,
    _epoch: usize,
    _epochs: usize,
) -> Option<NoBar> {
    None
}

/// The bar that is never drawn (built without the `progress` feature).
#[cfg(not(feature = "progress"))]
pub(super) enum NoBar {}

#[cfg(not(feature = "progress"))]
impl NoBar {
    pub(super) fn set_position(&self, _: u64) {}
    pub(super) fn set_message(&self, _: String) {}
    pub(super) fn finish_and_clear(&self) {}
}
