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

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use embednn::buffer::Buffer;
use embednn::model::{BatchScratch, Gradient, Input, Output, Trace};
use embednn::{Init, Initializer, Loss, Model, Optimizer, Rng, Tensor, Trainer};
use rayon::prelude::*;

/// Samples per gradient chunk. Fixed (not per thread) so results do not depend on thread count.
const CHUNK: usize = 16;
/// Below this many multiply-accumulates per batch, threads cost more than they save.
const PARALLEL_MACS: usize = 4_000_000;

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

    /// The metric over predictions and targets.
    pub fn compute<Y: Tensor>(self, predictions: &[Y], targets: &[Y]) -> f64 {
        let n = predictions.len().min(targets.len());
        if n == 0 {
            return 0.0;
        }
        match self {
            Metric::Accuracy => {
                let hits = predictions
                    .iter()
                    .zip(targets)
                    .filter(|(p, t)| predicted_class(*p) == target_class(*t))
                    .count();
                hits as f64 / n as f64
            }
            Metric::Mae | Metric::Mse => {
                let mut total = 0.0f64;
                let mut count = 0usize;
                for (p, t) in predictions.iter().zip(targets) {
                    for (a, b) in p.flat().iter().zip(t.flat()) {
                        let d = f64::from(*a) - f64::from(*b);
                        total += if self == Metric::Mae { d.abs() } else { d * d };
                        count += 1;
                    }
                }
                total / count.max(1) as f64
            }
        }
    }
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
    fn apply(&self, x: &mut X, rng: &mut Rng) {
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

/// Settings for [`Compiled::fit`] (Keras' `fit` keyword arguments).
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
    /// Whether early stopping (or a callback) ended training early.
    pub stopped_early: bool,
}

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

    /// Trains on `x`/`y` (Keras' `fit`). Extra items in the longer slice are ignored.
    pub fn fit(
        &mut self,
        x: &[Input<M>],
        y: &[Output<M>],
        mut options: FitOptions<'_, Input<M>, Output<M>>,
    ) -> History {
        let n = x.len().min(y.len());
        let (train_x, train_y, val) = match options.validation {
            Validation::None => (&x[..n], &y[..n], None),
            Validation::Split(fraction) => {
                let n_val = ((n as f64) * f64::from(fraction.clamp(0.0, 1.0))).round() as usize;
                let cut = n - n_val.min(n);
                let val = (n_val > 0).then(|| (&x[cut..n], &y[cut..n]));
                (&x[..cut], &y[..cut], val)
            }
            Validation::Data(vx, vy) => (&x[..n], &y[..n], Some((vx, vy))),
        };
        let batch_size = options.batch_size.max(1);
        let initial_lr = self.trainer.optimizer.learning_rate();
        let mut order: Vec<usize> = (0..train_x.len()).collect();
        let mut history = History::default();
        let mut best: Option<(f64, usize, Option<Box<M>>)> = None;
        let mut since_best = 0usize;
        let parallel = options.parallel && batch_size * M::MACS * 3 >= PARALLEL_MACS;
        let mut workers: Vec<(Box<M>, BatchStore<M>)> = Vec::new();
        let mut coupled: Option<Box<BatchStore<M>>> = None;
        let mut predictions = vec![<Output<M> as Buffer>::ZERO; train_x.len()];

        for epoch in 0..options.epochs {
            let started = Instant::now();
            let lr = options.schedule.rate(epoch, initial_lr);
            self.trainer.optimizer.set_learning_rate(lr);
            if options.shuffle {
                Rng::stream(self.seed, 0x5EED_0000 + epoch as u64).shuffle(&mut order);
            }
            let batches = order.len().div_ceil(batch_size);
            let bar = progress_bar(options.verbose, batches, epoch, options.epochs);
            let mut loss_sum = 0.0f64;
            let mut batch_count = 0usize;
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
                let penalty = self.trainer.step(&mut self.model);
                let mean = batch_loss / batch.len() as f64 + f64::from(penalty);
                loss_sum += mean;
                batch_count += 1;
                if let Some(bar) = &bar {
                    bar.set_position(b as u64 + 1);
                    bar.set_message(format!("loss: {:.4}", loss_sum / batch_count as f64));
                }
            }
            let loss = loss_sum / batch_count.max(1) as f64;
            let metrics = self
                .metrics
                .iter()
                .map(|&m| (m, m.compute(&predictions, train_y)))
                .collect();
            let (val_loss, val_metrics) = match val {
                Some((vx, vy)) => {
                    let e = self.evaluate(vx, vy);
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
            let mut control = Control::Continue;
            for cb in &mut options.callbacks {
                if cb(&log) == Control::Stop {
                    control = Control::Stop;
                }
            }
            if let Some(es) = options.early_stopping {
                let (value, lower_is_better) = match es.monitor {
                    Monitor::Loss => (Some(log.loss), true),
                    Monitor::ValLoss => (log.val_loss, true),
                    Monitor::ValAccuracy => (log.get("val_accuracy"), false),
                };
                if let Some(v) = value {
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
            history.best_epoch = Some(epoch);
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
        history
    }

    /// Loss and metrics on a data set (Keras' `evaluate`).
    pub fn evaluate(&self, x: &[Input<M>], y: &[Output<M>]) -> Evaluation {
        let predictions = self.predict(x);
        let n = predictions.len().min(y.len());
        let loss: f64 = predictions
            .iter()
            .zip(y)
            .map(|(p, t)| f64::from(self.trainer.loss.loss(p, t)))
            .sum::<f64>()
            / n.max(1) as f64;
        let metrics = self
            .metrics
            .iter()
            .map(|&m| (m, m.compute(&predictions, &y[..n])))
            .collect();
        Evaluation { loss, metrics }
    }

    /// Inference on every sample (Keras' `predict`), on all cores for large inputs.
    pub fn predict(&self, x: &[Input<M>]) -> Vec<Output<M>> {
        if x.len() * M::MACS >= PARALLEL_MACS {
            x.par_iter().map(|x| self.model.predict(x)).collect()
        } else {
            x.iter().map(|x| self.model.predict(x)).collect()
        }
    }

    /// Gives the model back.
    pub fn into_model(self) -> M {
        *self.model
    }
}

/// One chunk of a batch for a worker: its number, the worker's weights and memory, the samples.
type ChunkJob<'a, M> = (usize, (&'a mut (Box<M>, BatchStore<M>), &'a [usize]));

/// What every chunk of a batch shares.
struct BatchContext<'a, M: Model, L> {
    loss: &'a L,
    x: &'a [Input<M>],
    y: &'a [Output<M>],
    seed: u64,
    epoch: usize,
    batch: usize,
    augmentation: Option<&'a Augmentation<Input<M>>>,
}

/// Working memory for one layer-major pass over a chunk of a batch.
struct BatchStore<M: Model> {
    xs: Vec<Input<M>>,
    targets: Vec<Output<M>>,
    outputs: Vec<Output<M>>,
    output_grads: Vec<Output<M>>,
    traces: Vec<Trace<M>>,
    scratch: Vec<BatchScratch<M>>,
    grad: Box<Gradient<M>>,
}

impl<M: Model> BatchStore<M> {
    fn new() -> Self {
        BatchStore {
            xs: Vec::new(),
            targets: Vec::new(),
            outputs: Vec::new(),
            output_grads: Vec::new(),
            traces: Vec::new(),
            scratch: Vec::new(),
            grad: Box::new(<Gradient<M> as Buffer>::ZERO),
        }
    }

    /// Gathers the samples `indices` (augmented with each sample's own random stream), runs
    /// `embednn::batch_gradient` and returns the loss sum; leaves the gradient sum in
    /// `self.grad` and the training-mode outputs in `self.outputs`.
    fn run<L: Loss<Output<M>, Target = Output<M>>>(
        &mut self,
        model: &mut M,
        ctx: &BatchContext<'_, M, L>,
        indices: &[usize],
        chunk: usize,
    ) -> f64 {
        let epoch_seed = ctx.seed ^ ((ctx.epoch as u64) << 40);
        self.xs.clear();
        self.targets.clear();
        for &i in indices {
            let (Some(&x), Some(&y)) = (ctx.x.get(i), ctx.y.get(i)) else {
                continue;
            };
            let mut x = x;
            if let Some(aug) = ctx.augmentation {
                aug.apply(&mut x, &mut Rng::stream(epoch_seed, i as u64));
            }
            self.xs.push(x);
            self.targets.push(y);
        }
        let n = self.xs.len();
        self.outputs.resize(n, <Output<M> as Buffer>::ZERO);
        self.output_grads.resize(n, <Output<M> as Buffer>::ZERO);
        self.traces.resize(n, <Trace<M> as Buffer>::ZERO);
        self.scratch.resize(n, <BatchScratch<M> as Buffer>::ZERO);
        self.grad.fill_zero();
        // Dropout masks: one stream per (epoch, batch, chunk), chunks being fixed.
        let mut rng = Rng::stream(epoch_seed, ((ctx.batch as u64) << 20) | chunk as u64);
        f64::from(embednn::batch_gradient(
            model,
            ctx.loss,
            &self.xs,
            &self.targets,
            &mut self.outputs,
            &mut self.output_grads,
            &mut self.traces,
            &mut self.scratch,
            &mut self.grad,
            &mut rng,
        ))
    }
}

fn progress_bar(
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
/// # Ok::<(), host_trainer::data::DataError>(())
/// ```
pub fn cross_validate<'a, M, L, O>(
    k: usize,
    seed: u64,
    x: &[Input<M>],
    y: &[Output<M>],
    build: impl Fn(usize) -> Compiled<M, L, O>,
    options: impl Fn(usize) -> FitOptions<'a, Input<M>, Output<M>>,
) -> Result<CrossValidation, crate::data::DataError>
where
    M: Model + Init + Clone + Send + Sync,
    Input<M>: Send + Sync + 'a,
    Output<M>: Send + Sync + 'a,
    Trace<M>: Send,
    Gradient<M>: Send,
    BatchScratch<M>: Send,
    L: Loss<Output<M>, Target = Output<M>> + Sync,
    O: Optimizer,
{
    let n = x.len().min(y.len());
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
        model.fit(&tx, &ty, options(f));
        folds.push(model.evaluate(&vx, &vy));
    }
    Ok(CrossValidation { folds })
}
