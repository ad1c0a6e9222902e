//! # host-trainer
//!
//! Trains `embednn` models on the host the way Keras users expect —
//! `Sequential::new(seed).compile(optimizer, loss).fit(x, y, options)` — and writes the checked
//! model file that firmware embeds with `include_bytes!`. The layers, losses and optimizers are
//! the very `embednn` types that run on the microcontroller: there is no second copy of the math.
//!
//! - [`fit`]: `Sequential`, `fit`/`evaluate`/`predict`, callbacks, early stopping, schedules.
//! - [`data`]: CSV loading, class labels, splits, standardization.
//! - [`metrics`]: accuracy, precision/recall/F1, ROC AUC, confusion matrix, MSE/MAE/R².
//! - [`quantize`]: post-training int8 quantization (min/max or percentile calibration), the int8
//!   model's evaluation and summary.
//! - `plot` (feature `plot`, off by default): training curves as a PNG.
//!
//! # Features
//!
//! - `progress` (default): `fit`'s per-epoch progress bar (`indicatif`). Without it,
//!   [`Verbosity::ProgressBar`] prints the per-epoch lines only.
//! - `plot`: `plot::training_curves` (`plotters`, a compiled-in font, `png`).
//!
//! The `embednn` command line is its own crate (`embednn-cli`), so depending on the trainer
//! pulls in neither `clap` nor the repository's example models.

pub mod data;
pub mod fit;
pub mod metrics;
#[cfg(feature = "plot")]
pub mod plot;
pub mod quantize;
mod scoring;

pub use fit::{
    cross_validate, Augmentation, Callback, Compiled, Control, CrossValidation, DivergedEpoch,
    Divergence, EarlyStopping, EpochLog, Evaluation, FitError, FitOptions, History, Metric,
    Monitor, NonFiniteBatch, OnNonFinite, Schedule, Sequential, Validation, Verbosity,
};

/// Everything a training program names, in one `use`: `embednn`'s prelude (layers, losses,
/// optimizers, the model file) and the trainer's Keras-style API and data loading.
///
/// ```
/// use host_trainer::prelude::*;
///
/// let mut model = Sequential::<(Dense<2, 4>, Relu, Dense<4, 1>, Sigmoid)>::new(0)
///     .compile(Adam::new(0.01), BinaryCrossEntropy)
///     .with_metrics(&[Metric::Accuracy]);
/// let x = [[0.0f32, 1.0], [1.0, 0.0]];
/// model.fit(&x, &[[1.0], [0.0]], FitOptions { epochs: 2, verbose: Verbosity::Silent, ..Default::default() })?;
/// assert!(model.evaluate(&x, &[[1.0], [0.0]])?.metric(Metric::Accuracy).is_some());
/// # Ok::<(), FitError>(())
/// ```
pub mod prelude {
    pub use crate::data::{CsvSpec, DataError, Dataset, Preprocessor, SplitSpec, Standardizer};
    pub use crate::quantize::{self, Calibration, QuantizeError};
    pub use crate::{
        Augmentation, Callback, Compiled, Control, Divergence, EarlyStopping, Evaluation, FitError,
        FitOptions, Metric, Monitor, OnNonFinite, Schedule, Sequential, Validation, Verbosity,
    };
    pub use embednn::prelude::*;
}
