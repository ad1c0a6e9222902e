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

pub mod data;
pub mod fit;
pub mod metrics;
pub mod plot;

pub use fit::{
    cross_validate, Augmentation, Compiled, Control, CrossValidation, EarlyStopping, EpochLog,
    Evaluation, FitOptions, History, Metric, Monitor, Schedule, Sequential, Validation, Verbosity,
};
