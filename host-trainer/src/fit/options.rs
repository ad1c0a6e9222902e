//! [`FitOptions`], the settings of one `fit` run: validation data, output, learning-rate
//! [`Schedule`], [`EarlyStopping`], [`Augmentation`] and callbacks.

use embednn::{Rng, Tensor};

use super::EpochLog;

/// Where validation data comes from.
#[derive(Clone, Copy, Debug, Default)]
pub enum Validation<'a, X, Y> {
    /// No validation.
    #[default]
    None,
    /// The last `fraction` of the given samples, taken before shuffling (as Keras'
    /// `validation_split`).
    Split(f32),
    /// A separate set.
    Data(&'a [X], &'a [Y]),
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

/// A custom augmentation: changes one input in place, drawing from the sample's random stream.
pub type AugmentFn<X> = Box<dyn Fn(&mut X, &mut Rng) + Send + Sync>;

/// Training-time data augmentation, applied to training samples only (never to validation).
pub enum Augmentation<X> {
    /// Adds N(0, σ²) noise to every input element.
    GaussianNoise(f32),
    /// Any function of the input and a per-sample random stream.
    Custom(AugmentFn<X>),
}

impl<X: Tensor> Augmentation<X> {
    pub(super) fn apply(&self, x: &mut X, rng: &mut Rng) {
        match self {
            Augmentation::GaussianNoise(sigma) => {
                for v in x.flat_mut() {
                    *v += sigma * rng.normal();
                }
            }
            Augmentation::Custom(f) => f(x, rng),
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

/// A hook called after every epoch with its log.
pub type Callback<'a> = Box<dyn FnMut(&EpochLog) -> Control + 'a>;

/// Settings for [`Compiled::fit`](super::Compiled::fit) (Keras' `fit` keyword arguments).
pub struct FitOptions<'a, X, Y> {
    /// Passes over the training data.
    pub epochs: usize,
    /// Samples per gradient step (Keras' default 32).
    pub batch_size: usize,
    /// Validation data.
    pub validation: Validation<'a, X, Y>,
    /// Shuffle the training samples every epoch.
    pub shuffle: bool,
    /// Output.
    pub verbose: Verbosity,
    /// Learning-rate schedule.
    pub schedule: Schedule,
    /// Early stopping.
    pub early_stopping: Option<EarlyStopping>,
    /// Augmentation of training samples.
    pub augmentation: Option<Augmentation<X>>,
    /// Called after each epoch.
    pub callbacks: Vec<Callback<'a>>,
    /// Use all cores for large batches (results are identical either way).
    pub parallel: bool,
}

impl<X, Y> Default for FitOptions<'_, X, Y> {
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
        }
    }
}
