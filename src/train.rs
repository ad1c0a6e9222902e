//! Training steps that run anywhere, including on the device.
//!
//! [`Trainer`] owns everything a training step needs besides the model: the accumulated gradient,
//! the optimizer and its state, and one sample's trace. Its size is
//! [`Trainer::RAM_BYTES`], a compile-time constant, so on a microcontroller it can live in a
//! `static` or on the stack with no guessing.
//!
//! ```
//! use embednn::prelude::*;
//! use embednn::train::Paired;
//!
//! type Net = (Dense<1, 8>, Tanh, Dense<8, 1>);
//! let mut rng = Rng::seed(1);
//! let mut net = Net::init(Initializer::GlorotUniform, &mut rng);
//! let mut trainer = Trainer::<Net, _, _>::new(Mse, Adam::new(0.05));
//! let xs = [[-1.0], [0.0], [1.0], [2.0]];
//! let ys = [[-1.0], [2.0], [5.0], [8.0]]; // y = 3x + 2
//! let first = trainer.train_batch(&mut net, &xs, &ys, &mut rng)?;
//! for _ in 0..300 {
//!     trainer.train_batch(&mut net, &xs, &ys, &mut rng)?;
//! }
//! let last = trainer.train_batch(&mut net, &xs, &ys, &mut rng)?;
//! assert!(last < first / 100.0);
//!
//! // Inputs and targets that do not pair up are an error, not a silent truncation.
//! let mismatch = trainer.train_batch(&mut net, &xs, &ys[..3], &mut rng).unwrap_err();
//! assert_eq!((mismatch.inputs, mismatch.slice, mismatch.len), (4, Paired::Targets, 3));
//! # Ok::<(), embednn::train::LengthMismatch>(())
//! ```

use core::mem::size_of;

use crate::buffer::Buffer;
use crate::layer::{BackwardBatch, BackwardSample, ForwardBatch, Layer};
use crate::loss::pairing::Pairing;
use crate::loss::Loss;
use crate::model::{BatchScratch, Gradient, Input, Model, Output, Trace};
use crate::optim::{Clip, Optimizer, Regularization};
use crate::rng::Rng;

/// Slices that hold one element per sample do not: `inputs` samples, but `len` elements in
/// `slice`. Nothing was trained or evaluated (using only the samples both cover would silently
/// drop data or pair inputs with the wrong targets).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LengthMismatch {
    /// Number of inputs: the number of samples.
    pub inputs: usize,
    /// The slice of another length.
    pub slice: Paired,
    /// Its length.
    pub len: usize,
}

/// A slice that must have one element per input (see [`LengthMismatch`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Paired {
    /// The targets.
    Targets,
    /// [`batch_gradient`]'s outputs.
    Outputs,
    /// [`batch_gradient`]'s output gradients.
    OutputGrads,
    /// [`batch_gradient`]'s traces.
    Traces,
    /// [`batch_gradient`]'s scratch areas.
    Scratch,
}

impl Paired {
    /// What the slice holds, in the plural.
    pub const fn name(self) -> &'static str {
        match self {
            Paired::Targets => "targets",
            Paired::Outputs => "outputs",
            Paired::OutputGrads => "output gradients",
            Paired::Traces => "traces",
            Paired::Scratch => "scratch areas",
        }
    }
}

impl core::fmt::Display for LengthMismatch {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "{} inputs but {} {}: there must be one per input",
            self.inputs,
            self.len,
            self.slice.name()
        )
    }
}

impl core::error::Error for LengthMismatch {}

/// `Ok` if every `(slice, len)` has `inputs` elements, else the first that does not.
fn check_lengths<const N: usize>(
    inputs: usize,
    others: [(Paired, usize); N],
) -> Result<(), LengthMismatch> {
    for (slice, len) in others {
        if len != inputs {
            return Err(LengthMismatch { inputs, slice, len });
        }
    }
    Ok(())
}

/// Forward and backward pass for one sample: adds the parameter gradients of `loss` to `grad`,
/// leaves the training-mode prediction in `y` and returns the sample's loss. `trace` is scratch
/// space for the pass.
#[allow(clippy::too_many_arguments)]
pub fn sample_gradient<M: Model, L: Loss<Output<M>>>(
    model: &M,
    loss: &L,
    x: &Input<M>,
    target: &L::Target,
    y: &mut Output<M>,
    trace: &mut Trace<M>,
    grad: &mut Gradient<M>,
    rng: &mut Rng,
) -> f32 {
    let fused = Pairing::<M, L>::FUSED;
    model.forward_train(x, y, trace, rng);
    let mut dy = <Output<M> as Buffer>::ZERO;
    let value = if fused {
        loss.fused_loss_and_gradient(y, target, &mut dy)
    } else {
        loss.loss_and_gradient(y, target, &mut dy)
    };
    model.backward_fused(x, y, trace, &dy, None, Some(grad), fused);
    value
}

/// Forward and backward pass over a whole batch, layer by layer, as batch normalization needs:
/// adds the batch's parameter gradients to `grad`, leaves each training-mode prediction in
/// `outputs` and returns the *sum* of the samples' losses. `output_grads`, `traces` and `scratch`
/// are working memory, one element per sample. Works for every model; for models without batch
/// normalization it gives the same result as [`sample_gradient`] on each sample (up to the order
/// of the gradient sum).
///
/// Errors: a slice whose length differs from `xs`' ([`LengthMismatch`]); nothing is computed
/// and `grad` is untouched.
#[allow(clippy::too_many_arguments)]
pub fn batch_gradient<M: Model, L: Loss<Output<M>>>(
    model: &mut M,
    loss: &L,
    xs: &[Input<M>],
    targets: &[L::Target],
    outputs: &mut [Output<M>],
    output_grads: &mut [Output<M>],
    traces: &mut [Trace<M>],
    scratch: &mut [BatchScratch<M>],
    grad: &mut Gradient<M>,
    rng: &mut Rng,
) -> Result<f32, LengthMismatch> {
    check_lengths(
        xs.len(),
        [
            (Paired::Targets, targets.len()),
            (Paired::Outputs, outputs.len()),
            (Paired::OutputGrads, output_grads.len()),
            (Paired::Traces, traces.len()),
            (Paired::Scratch, scratch.len()),
        ],
    )?;
    Ok(batch_pass(
        model,
        loss,
        xs,
        targets,
        BatchMemory {
            outputs,
            output_grads,
            traces,
            scratch,
        },
        grad,
        rng,
    ))
}

/// [`batch_gradient`]'s working memory, one element per sample.
struct BatchMemory<'a, M: Model> {
    outputs: &'a mut [Output<M>],
    output_grads: &'a mut [Output<M>],
    traces: &'a mut [Trace<M>],
    scratch: &'a mut [BatchScratch<M>],
}

/// [`batch_gradient`] on slices of one length (checked by the caller, or equal by type).
fn batch_pass<M: Model, L: Loss<Output<M>>>(
    model: &mut M,
    loss: &L,
    xs: &[Input<M>],
    targets: &[L::Target],
    memory: BatchMemory<'_, M>,
    grad: &mut Gradient<M>,
    rng: &mut Rng,
) -> f32 {
    let BatchMemory {
        outputs,
        output_grads,
        traces,
        scratch,
    } = memory;
    model.forward_train_batch(
        &mut SliceForward {
            xs,
            ys: &mut *outputs,
            caches: &mut *traces,
        },
        rng,
    );
    let fused = Pairing::<M, L>::FUSED;
    let mut total = 0.0;
    for ((y, t), dy) in outputs.iter().zip(targets).zip(output_grads.iter_mut()) {
        total += if fused {
            loss.fused_loss_and_gradient(y, t, dy)
        } else {
            loss.loss_and_gradient(y, t, dy)
        };
    }
    model.backward_batch_fused(
        &mut SliceBackward {
            xs,
            ys: outputs,
            caches: traces,
            dys: output_grads,
            scratch,
        },
        Some(grad),
        fused,
    );
    total
}

/// A batch held in slices (the model's own input/output level).
struct SliceForward<'a, X, Y, C> {
    xs: &'a [X],
    ys: &'a mut [Y],
    caches: &'a mut [C],
}

impl<X, Y, C> ForwardBatch<X, Y, C> for SliceForward<'_, X, Y, C> {
    fn len(&self) -> usize {
        self.xs.len().min(self.ys.len()).min(self.caches.len())
    }
    fn sample(&mut self, i: usize) -> Option<(&X, &mut Y, &mut C)> {
        Some((
            self.xs.get(i)?,
            self.ys.get_mut(i)?,
            self.caches.get_mut(i)?,
        ))
    }
}

struct SliceBackward<'a, X, Y, C, S> {
    xs: &'a [X],
    ys: &'a [Y],
    caches: &'a [C],
    dys: &'a [Y],
    scratch: &'a mut [S],
}

impl<X, Y, C, S> BackwardBatch<X, Y, C, S> for SliceBackward<'_, X, Y, C, S> {
    fn len(&self) -> usize {
        self.xs.len().min(self.scratch.len())
    }
    fn sample(&mut self, i: usize) -> Option<BackwardSample<'_, X, Y, C, S>> {
        Some(BackwardSample {
            x: self.xs.get(i)?,
            y: self.ys.get(i)?,
            cache: self.caches.get(i)?,
            dy: self.dys.get(i)?,
            dx: None,
            scratch: self.scratch.get_mut(i)?,
        })
    }
}

/// Gradient accumulation, regularization, clipping and the optimizer step for model `M`.
pub struct Trainer<M: Model, L, O: Optimizer> {
    /// The loss being minimized.
    pub loss: L,
    /// The optimizer (its learning rate can be changed between steps).
    pub optimizer: O,
    /// Optional gradient clipping, applied after regularization.
    pub clip: Option<Clip>,
    /// L1/L2 penalties on weights.
    pub regularization: Regularization,
    grad: Gradient<M>,
    state: O::State<Gradient<M>>,
    trace: Trace<M>,
    pending: u32,
}

impl<M: Model, L: Loss<Output<M>>, O: Optimizer> Trainer<M, L, O> {
    /// Bytes of RAM a training step needs: this struct (gradient, optimizer state, trace) plus
    /// the output and output-gradient tensors and the working memory of the backward pass (its
    /// gradient slots) or of the forward pass (a convolution's windows), whichever is larger.
    pub const RAM_BYTES: usize = size_of::<Self>() + 2 * size_of::<Output<M>>() + pass_bytes::<M>();

    /// A trainer with no clipping and no regularization. Fails the build if `loss` does not fit
    /// how `M` ends (see [`Loss::INPUT`]).
    pub const fn new(loss: L, optimizer: O) -> Self {
        let _ = Pairing::<M, L>::FUSED;
        Trainer {
            loss,
            optimizer,
            clip: None,
            regularization: Regularization { l1: 0.0, l2: 0.0 },
            grad: <Gradient<M> as Buffer>::ZERO,
            state: <O::State<Gradient<M>> as Buffer>::ZERO,
            trace: <Trace<M> as Buffer>::ZERO,
            pending: 0,
        }
    }

    /// Clips gradients before each step.
    pub const fn with_clip(mut self, clip: Clip) -> Self {
        self.clip = Some(clip);
        self
    }

    /// Adds L1/L2 penalties on the weights.
    pub const fn with_regularization(mut self, regularization: Regularization) -> Self {
        self.regularization = regularization;
        self
    }

    /// Forward and backward pass for one sample, accumulating its gradient; returns its loss.
    pub fn accumulate(
        &mut self,
        model: &M,
        x: &Input<M>,
        target: &L::Target,
        rng: &mut Rng,
    ) -> f32 {
        const {
            assert!(!M::BATCH_COUPLED, "this model has batch normalization, which needs the whole batch: train it with BatchTrainer (or the host trainer's fit)")
        };
        self.pending = self.pending.saturating_add(1);
        let mut y = <Output<M> as Buffer>::ZERO;
        sample_gradient(
            model,
            &self.loss,
            x,
            target,
            &mut y,
            &mut self.trace,
            &mut self.grad,
            rng,
        )
    }

    /// Adds a gradient summed over `samples` samples elsewhere (e.g. by another thread).
    pub fn add_gradient(&mut self, grad: &Gradient<M>, samples: u32) {
        self.grad.add_assign(grad);
        self.pending = self.pending.saturating_add(samples);
    }

    /// The gradient accumulated since the last step (summed, not yet averaged).
    pub fn gradient(&self) -> &Gradient<M> {
        &self.grad
    }

    /// Whether every value of the accumulated gradient is finite (a NaN or infinity would make
    /// the next [`Trainer::step`] ruin the weights).
    pub fn gradient_is_finite(&self) -> bool {
        let mut finite = true;
        self.grad
            .for_each_slice(&mut |s| finite &= s.iter().all(|v| v.is_finite()));
        finite
    }

    /// The optimizer's per-parameter state (momenta, Adam's moments), array by array: with the
    /// optimizer itself and the weights, what a checkpoint must hold to resume bit for bit.
    pub fn for_each_state_slice(&self, f: &mut impl FnMut(&[f32])) {
        self.state.for_each_slice(f);
    }

    /// [`Trainer::for_each_state_slice`], mutably (restoring a checkpoint).
    pub fn for_each_state_slice_mut(&mut self, f: &mut impl FnMut(&mut [f32])) {
        self.state.for_each_slice_mut(f);
    }

    /// Drops the accumulated gradient without stepping (a batch that is skipped).
    pub fn discard_gradient(&mut self) {
        self.grad.fill_zero();
        self.pending = 0;
    }

    /// Averages the accumulated gradient, adds regularization, clips, updates `model` and
    /// clears the gradient. Returns the regularization penalty (0 without regularization).
    /// Does nothing if no sample was accumulated.
    pub fn step(&mut self, model: &mut M) -> f32 {
        if self.pending == 0 {
            return 0.0;
        }
        self.grad.scale(1.0 / self.pending as f32);
        let penalty = self.regularization.apply(model, &mut self.grad);
        if let Some(clip) = self.clip {
            clip.apply(&mut self.grad);
        }
        self.optimizer.step(model, &mut self.grad, &mut self.state);
        self.grad.fill_zero();
        self.pending = 0;
        penalty
    }

    /// One mini-batch: accumulates every `(x, target)` pair, then steps. Returns the mean loss
    /// (plus the regularization penalty), as Keras reports it.
    ///
    /// Errors: `xs` and `targets` of different lengths ([`LengthMismatch`]); nothing is
    /// trained.
    pub fn train_batch(
        &mut self,
        model: &mut M,
        xs: &[Input<M>],
        targets: &[L::Target],
        rng: &mut Rng,
    ) -> Result<f32, LengthMismatch> {
        const {
            assert!(!M::BATCH_COUPLED, "this model has batch normalization, which needs the whole batch: train it with BatchTrainer (or the host trainer's fit)")
        };
        check_lengths(xs.len(), [(Paired::Targets, targets.len())])?;
        let mut total = 0.0;
        for (x, t) in xs.iter().zip(targets) {
            total += self.accumulate(model, x, t, rng);
        }
        let penalty = self.step(model);
        if xs.is_empty() {
            return Ok(0.0);
        }
        Ok(total / xs.len() as f32 + penalty)
    }

    /// Mean loss over a data set without training.
    ///
    /// Errors: `xs` and `targets` of different lengths ([`LengthMismatch`]).
    pub fn evaluate(
        &self,
        model: &M,
        xs: &[Input<M>],
        targets: &[L::Target],
    ) -> Result<f32, LengthMismatch> {
        check_lengths(xs.len(), [(Paired::Targets, targets.len())])?;
        let mut total = 0.0;
        for (x, t) in xs.iter().zip(targets) {
            total += self.loss.loss(&model.predict(x), t);
        }
        if xs.is_empty() {
            Ok(0.0)
        } else {
            Ok(total / xs.len() as f32)
        }
    }
}

/// Working memory of a training pass of `M` besides its trace: the backward pass's (gradient
/// slots and layer scratch) or the forward pass's (layer scratch such as a convolution's windows;
/// [`Layer::FORWARD_BYTES`] also counts the inference slots, so this is an upper bound),
/// whichever is larger.
const fn pass_bytes<M: Model>() -> usize {
    let (forward, backward) = (
        <M as Layer<Input<M>>>::FORWARD_BYTES,
        <M as Layer<Input<M>>>::BACKWARD_BYTES,
    );
    if forward > backward {
        forward
    } else {
        backward
    }
}

/// Training for models with batch normalization: every step sees exactly `B` samples, layer by
/// layer, so the batch statistics are those of the whole batch. Everything it needs is inside
/// (`B` traces, outputs and scratch areas plus a [`Trainer`]), so its size
/// [`BatchTrainer::RAM_BYTES`] is known at compile time. Works for any model.
pub struct BatchTrainer<M: Model, L, O: Optimizer, const B: usize> {
    /// Gradient, optimizer state, loss, clipping and regularization.
    pub trainer: Trainer<M, L, O>,
    outputs: [Output<M>; B],
    output_grads: [Output<M>; B],
    traces: [Trace<M>; B],
    scratch: [BatchScratch<M>; B],
}

impl<M: Model, L: Loss<Output<M>>, O: Optimizer, const B: usize> BatchTrainer<M, L, O, B> {
    /// Bytes of RAM a training step needs: this struct plus the working memory of the backward
    /// or the forward pass, whichever is larger.
    pub const RAM_BYTES: usize = size_of::<Self>() + pass_bytes::<M>();

    /// A trainer for batches of `B` samples.
    pub const fn new(loss: L, optimizer: O) -> Self {
        BatchTrainer {
            trainer: Trainer::new(loss, optimizer),
            outputs: [const { <Output<M> as Buffer>::ZERO }; B],
            output_grads: [const { <Output<M> as Buffer>::ZERO }; B],
            traces: [const { <Trace<M> as Buffer>::ZERO }; B],
            scratch: [const { <BatchScratch<M> as Buffer>::ZERO }; B],
        }
    }

    /// One step on a batch of exactly `B` samples; returns the mean loss (plus the
    /// regularization penalty). The arrays' types make inputs and targets pair up, so unlike
    /// [`Trainer::train_batch`] this cannot fail.
    pub fn train_batch(
        &mut self,
        model: &mut M,
        xs: &[Input<M>; B],
        targets: &[L::Target; B],
        rng: &mut Rng,
    ) -> f32 {
        // Every slice holds `B` elements by type: no length to check.
        let memory = BatchMemory {
            outputs: &mut self.outputs,
            output_grads: &mut self.output_grads,
            traces: &mut self.traces,
            scratch: &mut self.scratch,
        };
        let total = batch_pass(
            model,
            &self.trainer.loss,
            xs,
            targets,
            memory,
            &mut self.trainer.grad,
            rng,
        );
        self.trainer.pending = B as u32;
        let penalty = self.trainer.step(model);
        total / B.max(1) as f32 + penalty
    }
}
