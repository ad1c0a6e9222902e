//! Keras-style training: `Sequential::new(seed).compile(optimizer, loss).fit(x, y, options)`.
//!
//! The model types, layers, losses and optimizers are the `embednn` ones that run on the device;
//! this module only schedules them: mini-batches, shuffling, validation, metrics, early stopping,
//! learning-rate schedules, augmentation, threads and progress output.
//!
//! **Reproducible.** Every random choice (initial weights, the per-epoch shuffle, dropout masks,
//! augmentation noise) comes from a stream of `embednn::Rng` derived from the seed, the epoch and
//! the sample's index — never from a thread — and each batch's gradient is summed in chunks of a
//! fixed size that are added in a fixed order. The same seed therefore gives bit-identical weights
//! whatever the number of threads.

mod batch;
mod checkpoint;
mod cross_validation;
mod history;
mod metric;
mod options;

use std::time::Instant;

use embednn::buffer::Buffer;
use embednn::model::{BatchScratch, Gradient, Input, Output, Trace};
use embednn::{Init, Initializer, Loss, Model, Optimizer, Rng, Trainer};
use rayon::prelude::*;

use batch::{BatchContext, BatchStore, ChunkJob, CHUNK};
pub use cross_validation::{cross_validate, CrossValidation};
use history::progress_bar;
pub use history::{
    format_log, DivergedEpoch, EpochLog, Evaluation, FitError, History, NonFiniteBatch,
};
pub use metric::{predicted_class, target_class, Metric};
pub use options::{
    AugmentFn, Augmentation, Callback, Control, Divergence, EarlyStopping, FitOptions, Monitor,
    OnNonFinite, Schedule, Validation, Verbosity,
};

/// Inputs and their targets.
type Samples<'a, M> = (&'a [Input<M>], &'a [Output<M>]);

/// Called after every completed epoch with the model and where training stands (a checkpoint).
type AfterEpoch<'a, C, M> = dyn FnMut(&C, &Progress<M>) -> Result<(), FitError> + 'a;

/// Where a `fit` stands between epochs: what a checkpoint holds besides the weights and the
/// optimizer, and what resuming starts from.
pub(crate) struct Progress<M> {
    /// The first epoch still to run.
    pub(crate) next_epoch: usize,
    /// The learning rate the schedule starts from.
    pub(crate) initial_lr: f32,
    /// Early stopping: the best score, its epoch and (with restore_best_weights) its weights.
    pub(crate) best: Option<(f64, usize, Option<Box<M>>)>,
    pub(crate) since_best: usize,
    /// Divergence detection: the loss of the run's first batch before any step, and the lowest
    /// loss so far (that one included); `None` before the first batch.
    pub(crate) losses: Option<RunLosses>,
}

/// The losses [`Divergence`] compares an epoch's loss with.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct RunLosses {
    /// The first applied batch's loss, computed before its step: the model as it started.
    pub(crate) start: f64,
    /// The lowest of `start` and every finished epoch's loss.
    pub(crate) lowest: f64,
}

fn same_length<X, Y>(set: &'static str, x: &[X], y: &[Y]) -> Result<(), FitError> {
    if x.len() == y.len() {
        Ok(())
    } else {
        Err(FitError::LengthMismatch {
            set,
            inputs: x.len(),
            targets: y.len(),
        })
    }
}

/// The training and validation sets `fit` uses: Keras' cut of `validation_split`.
#[allow(clippy::type_complexity)]
fn split_validation<'a, X, Y>(
    x: &'a [X],
    y: &'a [Y],
    validation: Validation,
) -> Result<(&'a [X], &'a [Y], Option<(&'a [X], &'a [Y])>), FitError> {
    same_length("training", x, y)?;
    let n = x.len();
    Ok(match validation {
        Validation::None => (x, y, None),
        Validation::Split(fraction) => {
            // Keras' cut: the first floor(n × (1 − fraction)) samples train, in f64 of the
            // decimal the user wrote (`0.2f32` widened is 0.2000000030, which would cut 50
            // samples at 39, not Keras' 40).
            let fraction = fraction.clamp(0.0, 1.0).to_string().parse().unwrap_or(0.0);
            let keep = 1.0 - fraction;
            let cut = ((n as f64 * keep).floor() as usize).min(n);
            let (train_x, val_x) = x.split_at(cut);
            let (train_y, val_y) = y.split_at(cut);
            let val = (!val_x.is_empty()).then_some((val_x, val_y));
            (train_x, train_y, val)
        }
    })
}

impl History {
    /// The run as `fit` reports it: an error if a non-finite batch or a diverging loss stopped
    /// it.
    fn into_result(self, on_non_finite: OnNonFinite) -> Result<History, FitError> {
        match (self.non_finite, self.diverged, on_non_finite) {
            (Some(at), _, OnNonFinite::Stop) => Err(FitError::NonFinite {
                at,
                history: Box::new(self),
            }),
            (_, Some(at), _) => Err(FitError::Diverged {
                at,
                history: Box::new(self),
            }),
            _ => Ok(self),
        }
    }
}

/// A model before training is configured: built from a seed (Glorot-uniform weights, zero biases).
pub struct Sequential<M> {
    model: Box<M>,
    seed: u64,
}

impl<M: Model + Init + Clone + Send + Sync> Sequential<M> {
    /// A new model with weights drawn from `seed`.
    pub fn new(seed: u64) -> Self {
        Self::with_initializer(seed, Initializer::GlorotUniform)
    }

    /// A new model with weights drawn from `seed` by `initializer`.
    pub fn with_initializer(seed: u64, initializer: Initializer) -> Self {
        let mut rng = Rng::seed(seed);
        Sequential {
            model: Box::new(M::init(initializer, &mut rng)),
            seed,
        }
    }

    /// Wraps an existing model (e.g. loaded from a file, for fine-tuning).
    pub fn from_model(model: M, seed: u64) -> Self {
        Sequential {
            model: Box::new(model),
            seed,
        }
    }

    /// Chooses the optimizer and the loss (Keras' `compile`).
    pub fn compile<L, O>(self, optimizer: O, loss: L) -> Compiled<M, L, O>
    where
        L: Loss<Output<M>, Target = Output<M>> + Sync,
        O: Optimizer,
    {
        // A loss that does not fit how the model ends fails the build here, naming the loss to
        // use (a Sigmoid ending wants BinaryCrossEntropy, not the logits form).
        const { embednn::loss::check_pairing::<M, L>() };
        Compiled {
            trainer: Box::new(Trainer::new(loss, optimizer)),
            model: self.model,
            seed: self.seed,
            metrics: Vec::new(),
        }
    }

    /// The model.
    pub fn model(&self) -> &M {
        &self.model
    }

    /// The Keras-like summary table.
    pub fn summary(&self) -> String {
        summary::<M>()
    }
}

/// The Keras-like summary table of model type `M` (see `embednn::summary`).
pub fn summary<M: Model>() -> String {
    let mut s = String::new();
    let _ = embednn::summary::write_summary::<M>(&mut s);
    s
}

/// A model with its loss, optimizer and metrics: ready to `fit`, `evaluate` and `predict`.
pub struct Compiled<M: Model, L, O: Optimizer> {
    model: Box<M>,
    trainer: Box<Trainer<M, L, O>>,
    seed: u64,
    metrics: Vec<Metric>,
}

impl<M, L, O> Compiled<M, L, O>
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
    /// What the model's output is (probabilities after `Sigmoid`/`Softmax`, else values or
    /// logits); the metrics read it accordingly.
    pub const ENDING: embednn::Ending = <M as embednn::Layer<Input<M>>>::ENDING;

    /// The confusion matrix on a data set (rows: true classes, columns: predicted), reading the
    /// outputs for what the model ends in.
    ///
    /// Errors: `x` and `y` of different lengths ([`MetricError::LengthMismatch`], before any
    /// inference), or no samples ([`MetricError::TooFewSamples`]).
    ///
    /// [`MetricError::LengthMismatch`]: crate::metrics::MetricError::LengthMismatch
    /// [`MetricError::TooFewSamples`]: crate::metrics::MetricError::TooFewSamples
    pub fn confusion_matrix(
        &self,
        x: &[Input<M>],
        y: &[Output<M>],
    ) -> Result<crate::metrics::ConfusionMatrix, crate::metrics::MetricError> {
        crate::metrics::check_lengths("inputs", x.len(), "targets", y.len())?;
        let predicted: Vec<usize> = self
            .predict(x)
            .iter()
            .map(|p| predicted_class(p, Self::ENDING))
            .collect();
        let actual: Vec<usize> = y.iter().map(target_class).collect();
        let classes = <Output<M> as Buffer>::LEN.max(2);
        crate::metrics::ConfusionMatrix::new(&actual, &predicted, classes)
    }

    /// Metrics to track besides the loss (Keras' `metrics=[...]`).
    pub fn with_metrics(mut self, metrics: &[Metric]) -> Self {
        self.metrics = metrics.to_vec();
        self
    }

    /// Clips gradients before each step.
    pub fn with_clip(mut self, clip: embednn::Clip) -> Self {
        self.trainer.clip = Some(clip);
        self
    }

    /// L1/L2 penalties on the weights.
    pub fn with_regularization(mut self, r: embednn::Regularization) -> Self {
        self.trainer.regularization = r;
        self
    }

    /// The model.
    pub fn model(&self) -> &M {
        &self.model
    }

    /// The model, mutably (e.g. to freeze or edit weights).
    pub fn model_mut(&mut self) -> &mut M {
        &mut self.model
    }

    /// The optimizer.
    pub fn optimizer(&self) -> &O {
        &self.trainer.optimizer
    }

    /// The Keras-like summary table.
    pub fn summary(&self) -> String {
        summary::<M>()
    }

    /// Trains on `x`/`y` (Keras' `fit`), validating on the split `options.validation` asks
    /// for, if any.
    ///
    /// Errors: `x` and `y` of different lengths ([`FitError::LengthMismatch`], before any
    /// training), a NaN or infinite batch under [`OnNonFinite::Stop`], the default
    /// ([`FitError::NonFinite`], naming the epoch and batch; the weights are those from before
    /// it), and a finite loss that explodes ([`FitError::Diverged`], see [`Divergence`]; the
    /// weights are those from before that epoch).
    pub fn fit(
        &mut self,
        x: &[Input<M>],
        y: &[Output<M>],
        options: FitOptions<'_>,
    ) -> Result<History, FitError> {
        let (train_x, train_y, val) = split_validation(x, y, options.validation)?;
        self.fit_parts(train_x, train_y, val, &options, None, &mut |_, _| Ok(()))?
            .into_result(options.on_non_finite)
    }

    /// Trains on `x`/`y` and validates on a separate set `validation_x`/`validation_y` after
    /// every epoch (Keras' `fit(x, y, validation_data=(x_val, y_val))`); the set takes the
    /// place of `options.validation`, and all of `x`/`y` is trained on.
    pub fn fit_with_validation_data(
        &mut self,
        x: &[Input<M>],
        y: &[Output<M>],
        validation_x: &[Input<M>],
        validation_y: &[Output<M>],
        options: FitOptions<'_>,
    ) -> Result<History, FitError> {
        same_length("training", x, y)?;
        same_length("validation", validation_x, validation_y)?;
        let val = Some((validation_x, validation_y));
        self.fit_parts(x, y, val, &options, None, &mut |_, _| Ok(()))?
            .into_result(options.on_non_finite)
    }

    fn fit_parts(
        &mut self,
        train_x: &[Input<M>],
        train_y: &[Output<M>],
        val: Option<Samples<'_, M>>,
        options: &FitOptions<'_>,
        resume: Option<Progress<M>>,
        after_epoch: &mut AfterEpoch<'_, Self, M>,
    ) -> Result<History, FitError> {
        let batch_size = options.batch_size.max(1);
        let Progress {
            next_epoch,
            initial_lr,
            mut best,
            mut since_best,
            mut losses,
        } = resume.unwrap_or_else(|| Progress {
            next_epoch: 0,
            initial_lr: self.trainer.optimizer.learning_rate(),
            best: None,
            since_best: 0,
            losses: None,
        });
        let mut order: Vec<usize> = (0..train_x.len()).collect();
        // Each epoch shuffles the previous epoch's order: a resumed run replays the shuffles of
        // the epochs it skips.
        if options.shuffle {
            for epoch in 0..next_epoch {
                Rng::stream(self.seed, 0x5EED_0000 + epoch as u64).shuffle(&mut order);
            }
        }
        let mut history = History::default();
        let parallel = options.parallel && batch::fit_in_parallel(batch_size, M::MACS);
        let mut workers: Vec<(Box<M>, BatchStore<M>)> = Vec::new();
        let mut coupled: Option<Box<BatchStore<M>>> = None;
        let mut predictions = vec![<Output<M> as Buffer>::ZERO; train_x.len()];
        // The weights before the current epoch, put back if its loss diverges.
        let mut before_epoch: Option<Box<M>> = None;

        for epoch in next_epoch..options.epochs {
            let started = Instant::now();
            if options.divergence.is_some() {
                match &mut before_epoch {
                    Some(copy) => (**copy).clone_from(&self.model),
                    None => before_epoch = Some(self.model.clone()),
                }
            }
            let lr = options.schedule.rate(epoch, initial_lr);
            self.trainer.optimizer.set_learning_rate(lr);
            if options.shuffle {
                Rng::stream(self.seed, 0x5EED_0000 + epoch as u64).shuffle(&mut order);
            }
            let batches = order.len().div_ceil(batch_size);
            let bar = progress_bar(options.verbose, batches, epoch, options.epochs);
            let mut loss_sum = 0.0f64;
            let mut batch_count = 0usize;
            let mut stop_now = false;
            for (b, batch) in order.chunks(batch_size).enumerate() {
                let mut batch_loss = 0.0f64;
                let ctx = BatchContext {
                    loss: &self.trainer.loss,
                    x: train_x,
                    y: train_y,
                    seed: self.seed,
                    epoch,
                    batch: b,
                    augmentation: options.augmentation.as_ref(),
                };
                if M::BATCH_COUPLED {
                    // Batch normalization must see the whole batch (and updates the model's
                    // moving averages), so it runs as one chunk on the model itself.
                    let store = coupled.get_or_insert_with(|| Box::new(BatchStore::new()));
                    batch_loss = store.run(&mut self.model, &ctx, batch, 0);
                    self.trainer.add_gradient(&store.grad, batch.len() as u32);
                    for (&i, out) in batch.iter().zip(&store.outputs) {
                        predictions[i] = *out;
                    }
                } else {
                    // Fixed chunks, each on its own copy of the weights, reduced in chunk order:
                    // the result does not depend on which thread ran what.
                    let chunks = batch.len().div_ceil(CHUNK);
                    while workers.len() < chunks {
                        workers.push((self.model.clone(), BatchStore::new()));
                    }
                    let losses: Vec<f64> = if parallel {
                        let model = &*self.model;
                        let work = |(c, ((copy, store), indices)): ChunkJob<'_, M>| {
                            (**copy).clone_from(model);
                            store.run(copy, &ctx, indices, c)
                        };
                        workers[..chunks]
                            .par_iter_mut()
                            .zip(batch.par_chunks(CHUNK))
                            .enumerate()
                            .map(work)
                            .collect()
                    } else {
                        // Without threads the model itself is used (training passes of models
                        // without batch norm do not change it).
                        let model = &mut *self.model;
                        workers[..chunks]
                            .iter_mut()
                            .zip(batch.chunks(CHUNK))
                            .enumerate()
                            .map(|(c, ((_, store), indices))| store.run(model, &ctx, indices, c))
                            .collect()
                    };
                    for ((_, store), (chunk_loss, indices)) in workers[..chunks]
                        .iter()
                        .zip(losses.iter().zip(batch.chunks(CHUNK)))
                    {
                        self.trainer.add_gradient(&store.grad, indices.len() as u32);
                        batch_loss += chunk_loss;
                        for (&i, out) in indices.iter().zip(&store.outputs) {
                            predictions[i] = *out;
                        }
                    }
                }
                let batch_mean = batch_loss / batch.len() as f64;
                if !batch_mean.is_finite() || !self.trainer.gradient_is_finite() {
                    self.trainer.discard_gradient();
                    let at = NonFiniteBatch {
                        epoch,
                        batch: b,
                        loss: batch_mean,
                    };
                    if options.verbose != Verbosity::Silent {
                        eprintln!("fit: {at}");
                    }
                    history.non_finite.get_or_insert(at);
                    match options.on_non_finite {
                        OnNonFinite::Stop => {
                            stop_now = true;
                            break;
                        }
                        OnNonFinite::SkipBatch => {
                            history.skipped_batches += 1;
                            continue;
                        }
                    }
                }
                let penalty = self.trainer.step(&mut self.model);
                let mean = batch_mean + f64::from(penalty);
                losses.get_or_insert(RunLosses {
                    start: mean,
                    lowest: mean,
                });
                loss_sum += mean;
                batch_count += 1;
                if let Some(bar) = &bar {
                    bar.set_position(b as u64 + 1);
                    bar.set_message(format!("loss: {:.4}", loss_sum / batch_count as f64));
                }
            }
            let loss = if stop_now && batch_count == 0 {
                f64::NAN // not one finite batch this epoch
            } else {
                loss_sum / batch_count.max(1) as f64
            };
            let metrics = self
                .metrics
                .iter()
                .map(|&m| (m, m.compute_paired(&predictions, train_y, Self::ENDING)))
                .collect();
            let (val_loss, val_metrics) = match val {
                Some((vx, vy)) => {
                    let e = self.evaluate(vx, vy)?;
                    (Some(e.loss), e.metrics)
                }
                None => (None, Vec::new()),
            };
            let log = EpochLog {
                epoch,
                loss,
                metrics,
                val_loss,
                val_metrics,
                learning_rate: lr,
                duration: started.elapsed(),
            };
            if let Some(bar) = bar {
                bar.finish_and_clear();
            }
            if options.verbose != Verbosity::Silent {
                eprintln!("{}", format_log(&log, options.epochs));
            }
            let diverged = match (options.divergence, losses.as_mut()) {
                (Some(divergence), Some(run)) if !stop_now => {
                    let limit = divergence.limit(run.start, run.lowest);
                    let at = limit
                        .filter(|&limit| loss > limit)
                        .map(|limit| DivergedEpoch {
                            epoch,
                            loss,
                            lowest: run.lowest,
                            limit,
                        });
                    run.lowest = run.lowest.min(loss);
                    at
                }
                _ => None,
            };
            if let Some(at) = diverged {
                if options.verbose != Verbosity::Silent {
                    eprintln!("fit: {at}");
                }
                history.diverged = Some(at);
                if let Some(weights) = before_epoch.take() {
                    self.model = weights;
                }
                stop_now = true;
            }
            let mut control = if stop_now {
                Control::Stop
            } else {
                Control::Continue
            };
            for cb in &options.callbacks {
                if cb.call(&log) == Control::Stop {
                    control = Control::Stop;
                }
            }
            if let Some(es) = options.early_stopping {
                let (value, lower_is_better) = match es.monitor {
                    Monitor::Loss => (Some(log.loss), true),
                    Monitor::ValLoss => (log.val_loss, true),
                    Monitor::ValAccuracy => (log.get("val_accuracy"), false),
                };
                // A NaN or diverged epoch is never the best one, so it is never restored.
                if let Some(v) = value.filter(|v| v.is_finite() && diverged.is_none()) {
                    let score = if lower_is_better { v } else { -v };
                    let improved = best
                        .as_ref()
                        .is_none_or(|(b, _, _)| score < b - es.min_delta);
                    if improved {
                        let snapshot = es.restore_best_weights.then(|| self.model.clone());
                        best = Some((score, epoch, snapshot));
                        since_best = 0;
                    } else {
                        since_best += 1;
                        if since_best >= es.patience {
                            control = Control::Stop;
                        }
                    }
                }
            }
            history.epochs.push(log);
            // A diverged epoch's weights were dropped for those of the epoch before it.
            history.best_epoch = match diverged {
                Some(_) => epoch.checked_sub(1),
                None => Some(epoch),
            };
            if !stop_now {
                let progress = Progress {
                    next_epoch: epoch + 1,
                    initial_lr,
                    best,
                    since_best,
                    losses,
                };
                after_epoch(self, &progress)?;
                (best, since_best) = (progress.best, progress.since_best);
            }
            if control == Control::Stop {
                history.stopped_early = epoch + 1 < options.epochs;
                break;
            }
        }
        if let Some((_, epoch, Some(weights))) = best {
            self.model = weights;
            history.best_epoch = Some(epoch);
        }
        self.trainer.optimizer.set_learning_rate(initial_lr);
        Ok(history)
    }

    /// Loss and metrics on a data set (Keras' `evaluate`).
    ///
    /// Errors: `x` and `y` of different lengths ([`FitError::LengthMismatch`] naming the
    /// `"evaluation"` set, before any inference).
    pub fn evaluate(&self, x: &[Input<M>], y: &[Output<M>]) -> Result<Evaluation, FitError> {
        // One scoring path for the f32 and the int8 model (`quantize::evaluate`).
        crate::scoring::evaluation(
            x,
            y,
            |x| self.predict(x),
            &self.trainer.loss,
            &self.metrics,
            Self::ENDING,
        )
    }

    /// Inference on every sample (Keras' `predict`), on all cores for large inputs.
    pub fn predict(&self, x: &[Input<M>]) -> Vec<Output<M>> {
        if batch::predict_in_parallel(x.len(), M::MACS) {
            x.par_iter().map(|x| self.model.predict(x)).collect()
        } else {
            x.iter().map(|x| self.model.predict(x)).collect()
        }
    }

    /// Saves the model as a model file at `path` with `preprocessing`'s standardization and
    /// class names (atomically: a crash leaves the old file or the new one, never half).
    pub fn save(
        &self,
        path: impl AsRef<std::path::Path>,
        preprocessing: &crate::data::Preprocessor,
    ) -> std::io::Result<()> {
        preprocessing.save(&*self.model, path)
    }

    /// Gives the model back.
    pub fn into_model(self) -> M {
        *self.model
    }
}
