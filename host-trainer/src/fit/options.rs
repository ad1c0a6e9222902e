//! [`FitOptions`], the settings of one `fit` run: validation split, output, learning-rate
//! [`Schedule`], [`EarlyStopping`], [`Augmentation`] and [`Callback`]s.
//!
//! Nothing here depends on a model's shapes, so one options value (cloned) serves any model.
//! A separate validation set is data, so it is an argument of
//! [`Compiled::fit_with_validation_data`](super::Compiled::fit_with_validation_data).

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

use embednn::Rng;

use super::EpochLog;

/// Whether `fit` holds back part of its training samples for validation.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub enum Validation {
    /// No validation (unless [`Compiled::fit_with_validation_data`] is given a set).
    ///
    /// [`Compiled::fit_with_validation_data`]: super::Compiled::fit_with_validation_data
    #[default]
    None,
    /// The last `fraction` of the given samples, taken before shuffling (as Keras'
    /// `validation_split`).
    Split(f32),
}

/// How much `fit` prints.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Verbosity {
    /// Nothing.
    Silent,
    /// A progress bar per epoch with the live loss (plain lines when not on a terminal).
    #[default]
    ProgressBar,
    /// One line per epoch.
    Epochs,
}

/// Learning rate per epoch.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub enum Schedule {
    /// The optimizer's learning rate throughout.
    #[default]
    Constant,
    /// Multiply by `factor` every `every` epochs.
    Step {
        /// Epochs between decays.
        every: usize,
        /// Decay factor.
        factor: f32,
    },
    /// Cosine decay from the initial rate to `min_lr` over `epochs` epochs (then `min_lr`).
    Cosine {
        /// Length of the decay.
        epochs: usize,
        /// Final learning rate.
        min_lr: f32,
    },
}

impl Schedule {
    /// Learning rate for `epoch` (0-based) given the initial rate.
    pub fn rate(&self, epoch: usize, initial: f32) -> f32 {
        match *self {
            Schedule::Constant => initial,
            Schedule::Step { every, factor } => {
                initial * factor.powi((epoch / every.max(1)) as i32)
            }
            Schedule::Cosine { epochs, min_lr } => {
                if epoch >= epochs {
                    return min_lr;
                }
                let t = epoch as f32 / epochs.max(1) as f32;
                min_lr + 0.5 * (initial - min_lr) * (1.0 + (std::f32::consts::PI * t).cos())
            }
        }
    }
}

/// Which logged value early stopping watches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Monitor {
    /// Training loss (lower is better).
    Loss,
    /// Validation loss (lower is better).
    ValLoss,
    /// Validation accuracy (higher is better).
    ValAccuracy,
}

/// Stop when the monitored value has not improved by `min_delta` for `patience` epochs, and
/// optionally put back the weights of the best epoch (Keras' `EarlyStopping`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EarlyStopping {
    /// What to watch.
    pub monitor: Monitor,
    /// Epochs without improvement before stopping.
    pub patience: usize,
    /// Smallest change that counts as an improvement.
    pub min_delta: f64,
    /// Restore the best epoch's weights when training ends.
    pub restore_best_weights: bool,
}

impl EarlyStopping {
    /// Watch the validation loss with this patience and restore the best weights.
    pub fn new(patience: usize) -> Self {
        EarlyStopping {
            monitor: Monitor::ValLoss,
            patience,
            min_delta: 0.0,
            restore_best_weights: true,
        }
    }
}

/// A custom augmentation: changes one input in place, given as its elements in row-major
/// order (`[f32; H*W*C]` for an `[[[f32; C]; W]; H]` image), drawing from the sample's random
/// stream. Shared, so options that hold one can be cloned.
pub type AugmentFn = Arc<dyn Fn(&mut [f32], &mut Rng) + Send + Sync>;

/// Training-time data augmentation, applied to training samples only (never to validation).
///
/// ```
/// use host_trainer::Augmentation;
///
/// // Flip a 1-D signal with probability 1/2.
/// let flip = Augmentation::custom(|x, rng| {
///     if rng.uniform(0.0, 1.0) < 0.5 {
///         x.reverse();
///     }
/// });
/// # let _ = flip;
/// ```
#[derive(Clone)]
pub enum Augmentation {
    /// Adds N(0, σ²) noise to every input element.
    GaussianNoise(f32),
    /// Any function of the input's elements and a per-sample random stream.
    Custom(AugmentFn),
}

impl Augmentation {
    /// A [`Custom`](Augmentation::Custom) augmentation from a function.
    pub fn custom(f: impl Fn(&mut [f32], &mut Rng) + Send + Sync + 'static) -> Self {
        Augmentation::Custom(Arc::new(f))
    }

    pub(super) fn apply(&self, x: &mut [f32], rng: &mut Rng) {
        match self {
            Augmentation::GaussianNoise(sigma) => {
                for v in x {
                    *v += sigma * rng.normal();
                }
            }
            Augmentation::Custom(f) => f(x, rng),
        }
    }
}

impl core::fmt::Debug for Augmentation {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Augmentation::GaussianNoise(sigma) => write!(f, "GaussianNoise({sigma})"),
            Augmentation::Custom(_) => f.write_str("Custom(..)"),
        }
    }
}

/// What a callback tells `fit` to do next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Control {
    /// Keep training.
    Continue,
    /// Stop after this epoch.
    Stop,
}

/// A hook called after every epoch with its log (Keras' `callbacks=[...]`). It may borrow
/// local state for `'a`; clones of it (and of options that hold it) call the same function.
///
/// ```
/// use host_trainer::{Callback, Control};
///
/// let mut losses = Vec::new();
/// let record = Callback::new(|log| {
///     losses.push(log.loss);
///     Control::Continue
/// });
/// # drop(record);
/// ```
#[derive(Clone)]
pub struct Callback<'a>(Rc<RefCell<CallbackFn<'a>>>);

/// The function a [`Callback`] shares.
type CallbackFn<'a> = dyn FnMut(&EpochLog) -> Control + 'a;

impl<'a> Callback<'a> {
    /// A callback from a function of the epoch's log.
    pub fn new(f: impl FnMut(&EpochLog) -> Control + 'a) -> Self {
        Callback(Rc::new(RefCell::new(f)))
    }

    /// Calls the function (a callback that calls back into itself is skipped).
    pub(super) fn call(&self, log: &EpochLog) -> Control {
        match self.0.try_borrow_mut() {
            Ok(mut f) => f(log),
            Err(_) => Control::Continue,
        }
    }
}

impl core::fmt::Debug for Callback<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Callback(..)")
    }
}

/// Settings for [`Compiled::fit`](super::Compiled::fit) (Keras' `fit` keyword arguments).
///
/// Independent of the model's input and output shapes: one value, cloned, can train several
/// models.
///
/// ```
/// use embednn::prelude::*;
/// use host_trainer::{FitOptions, Sequential, Verbosity};
///
/// let options = FitOptions { epochs: 3, verbose: Verbosity::Silent, ..Default::default() };
/// let x = [[0.5f32, -0.5]; 8];
/// let mut small = Sequential::<(Dense<2, 1>,)>::new(1).compile(Sgd::new(0.1), Mse);
/// let mut wide = Sequential::<(Dense<2, 8>, Relu, Dense<8, 3>)>::new(1).compile(Sgd::new(0.1), Mse);
/// small.fit(&x, &[[1.0]; 8], options.clone())?;
/// wide.fit(&x, &[[1.0, 0.0, 0.0]; 8], options)?;
/// # Ok::<(), host_trainer::FitError>(())
/// ```
#[derive(Clone, Debug)]
pub struct FitOptions<'a> {
    /// Passes over the training data.
    pub epochs: usize,
    /// Samples per gradient step (Keras' default 32).
    pub batch_size: usize,
    /// Validation split.
    pub validation: Validation,
    /// Shuffle the training samples every epoch.
    pub shuffle: bool,
    /// Output.
    pub verbose: Verbosity,
    /// Learning-rate schedule.
    pub schedule: Schedule,
    /// Early stopping.
    pub early_stopping: Option<EarlyStopping>,
    /// Augmentation of training samples.
    pub augmentation: Option<Augmentation>,
    /// Called after each epoch.
    pub callbacks: Vec<Callback<'a>>,
    /// Use all cores for large batches (results are identical either way).
    pub parallel: bool,
    /// What a batch with a NaN or infinite loss or gradient does (default: stop training).
    pub on_non_finite: OnNonFinite,
    /// When a finite but exploding loss stops training (default: an epoch's loss above 10,000 ×
    /// the lowest so far, see [`Divergence`]); `None` never stops for it.
    pub divergence: Option<Divergence>,
}

/// When `fit` calls a finite loss diverged and stops with
/// [`FitError::Diverged`](crate::FitError::Diverged): an epoch's mean training loss above
/// `factor` × the lowest loss so far — the loss of the run's first batch, taken before any step
/// (the model as it started), counts, so a loss that explodes in the first epoch is caught too —
/// and above that starting loss (a model that fit its data almost exactly is not called diverged
/// for a spike that leaves it better than it began). The diverged epoch's weights are dropped:
/// the model keeps those from before it (or, with early stopping's `restore_best_weights`, the
/// best epoch's, as when training stops early), and that epoch is never early stopping's best.
///
/// Keras has no equivalent: its `TerminateOnNaN` stops only on NaN and infinities (here
/// [`OnNonFinite`]), so a learning rate of 1e4 that holds the loss near 1e26 trains to the end.
///
/// The default factor, 10,000, is far from anything the examples see — the largest ratio of an
/// epoch's loss to the lowest before it over all of them (sine, iris, digits, digits_cnn,
/// gestures, endings' 40 fits, own_data, keras_tutorial) is 2.4, and over the host-trainer
/// tests 4.2 — and far below the lr 1e4 case (about 1e25).
///
/// ```
/// use embednn::prelude::*;
/// use host_trainer::{Divergence, FitError, FitOptions, Sequential, Verbosity};
///
/// let x: Vec<[f32; 1]> = (0..64).map(|i| [i as f32 / 10.0]).collect();
/// let y: Vec<[f32; 1]> = x.iter().map(|x| [x[0].sin()]).collect();
/// let options = FitOptions { epochs: 5, verbose: Verbosity::Silent, ..Default::default() };
/// let mut model = Sequential::<(Dense<1, 16>, Relu, Dense<16, 1>)>::new(1).compile(Adam::new(1e4), Mse);
/// let Err(FitError::Diverged { at, .. }) = model.fit(&x, &y, options.clone()) else {
///     panic!("a learning rate of 1e4 diverges");
/// };
/// assert_eq!(at.epoch, 0);
/// // Off: train to the end whatever the loss does.
/// let off = FitOptions { divergence: None, ..options };
/// assert!(model.fit(&x, &y, off).is_ok());
/// # let _ = Divergence::default();
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Divergence {
    /// How many times the lowest loss so far an epoch's loss may reach.
    pub factor: f64,
}

impl Divergence {
    /// The default factor (see [`Divergence`]).
    pub const DEFAULT_FACTOR: f64 = 1e4;

    /// Stop when an epoch's loss exceeds `factor` × the lowest so far (and the starting loss).
    pub const fn new(factor: f64) -> Self {
        Divergence { factor }
    }

    /// The loss above which an epoch diverged, given the run's starting loss and the lowest loss
    /// so far (start included); `None` when there is nothing to compare with (a start of 0).
    pub(super) fn limit(self, start: f64, lowest: f64) -> Option<f64> {
        let limit = (self.factor * lowest).max(start);
        (limit > 0.0).then_some(limit)
    }
}

impl Default for Divergence {
    fn default() -> Self {
        Divergence::new(Divergence::DEFAULT_FACTOR)
    }
}

/// What `fit` does with a batch whose loss or gradient is NaN or infinite. Either way that
/// batch's step is never applied, so the weights stay finite, and
/// [`History::non_finite`](crate::History::non_finite) names the first such batch.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum OnNonFinite {
    /// End training after that batch, with the weights from before it (Keras'
    /// `TerminateOnNaN`, without the damaged step).
    #[default]
    Stop,
    /// Drop that batch's gradient and go on with the next batch (counted in
    /// [`History::skipped_batches`](crate::History::skipped_batches)).
    SkipBatch,
}

impl Default for FitOptions<'_> {
    fn default() -> Self {
        FitOptions {
            epochs: 1,
            batch_size: 32,
            validation: Validation::None,
            shuffle: true,
            verbose: Verbosity::ProgressBar,
            schedule: Schedule::Constant,
            early_stopping: None,
            augmentation: None,
            callbacks: Vec::new(),
            parallel: true,
            on_non_finite: OnNonFinite::Stop,
            divergence: Some(Divergence::default()),
        }
    }
}
