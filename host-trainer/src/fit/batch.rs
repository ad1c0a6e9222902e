//! One mini-batch's forward and backward passes, chunk by chunk: the working memory of a chunk
//! ([`BatchStore`]) and what its chunks share ([`BatchContext`]).

use embednn::buffer::Buffer;
use embednn::model::{BatchScratch, Gradient, Input, Output, Trace};
use embednn::{Loss, Model, Rng, Tensor};

use super::Augmentation;

/// Samples per gradient chunk. Fixed (not per thread) so results do not depend on thread count.
pub(super) const CHUNK: usize = 16;

/// Multiply-accumulates per batch (`3 × batch size × M::MACS`: the forward pass and the two
/// products of the backward pass) from which `fit` runs a batch's chunks on threads.
///
/// Measured with `cargo bench -p host-trainer --bench parallel` on 2 cores (six models from
/// 30 to 84k MACs, batches of 32 to 2,048): below about 1 M MACs threads lose (0.06× for the
/// Keras tutorial's 2-10-1 at batch 32, where a batch takes 1 µs and waking a thread ~20 µs);
/// between 1 M and 2 M it depends on the model's shape (0.9× to 1.3×); from 1.9 M on no case
/// was slower (64-64-10 at batch 256: 1.05×; 16-32-32-4 at batch 512: 1.2×), from 5 M on all
/// gained at least 5%, and convolutions gain most (the digits CNN 1.6× at batch 32, 1.9× at 256).
pub(super) const FIT_PARALLEL_MACS: usize = 2_000_000;

/// Multiply-accumulates per call (`samples × M::MACS`) from which `predict` (and so `evaluate`
/// and validation) uses threads. Measured by the same bench: inferences are independent, so
/// threads pay much earlier than in `fit` (from 115k MACs on every case gained at least 10%,
/// e.g. 2-10-1 on 4,096 samples 1.5×; 64-64-10 on 64 samples 1.5×; below 110k they lose).
pub(super) const PREDICT_PARALLEL_MACS: usize = 120_000;

/// Environment variable that replaces both thresholds (a number of multiply-accumulates; `0`:
/// threads whenever there is more than one chunk), to re-measure them on another machine.
const PARALLEL_MACS_VAR: &str = "EMBEDNN_PARALLEL_MACS";

fn threshold(default: usize) -> usize {
    std::env::var(PARALLEL_MACS_VAR)
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(default)
}

/// Whether `fit` should spread the chunks of batches of `batch_size` samples of a model of
/// `macs` multiply-accumulates over threads. Only the speed depends on it: the chunks and their
/// order of summation are the same either way, so the weights are bit for bit the same.
pub(super) fn fit_in_parallel(batch_size: usize, macs: usize) -> bool {
    batch_size > CHUNK
        && rayon::current_num_threads() > 1
        && batch_size.saturating_mul(macs).saturating_mul(3) >= threshold(FIT_PARALLEL_MACS)
}

/// Whether `predict` should spread `samples` inferences of `macs` multiply-accumulates over
/// threads (each output is computed the same way either way).
pub(super) fn predict_in_parallel(samples: usize, macs: usize) -> bool {
    samples > 1
        && rayon::current_num_threads() > 1
        && samples.saturating_mul(macs) >= threshold(PREDICT_PARALLEL_MACS)
}

/// One chunk of a batch for a worker: its number, the worker's weights and memory, the samples.
pub(super) type ChunkJob<'a, M> = (usize, (&'a mut (Box<M>, BatchStore<M>), &'a [usize]));

/// What every chunk of a batch shares.
pub(super) struct BatchContext<'a, M: Model, L> {
    pub(super) loss: &'a L,
    pub(super) x: &'a [Input<M>],
    pub(super) y: &'a [Output<M>],
    pub(super) seed: u64,
    pub(super) epoch: usize,
    pub(super) batch: usize,
    pub(super) augmentation: Option<&'a Augmentation>,
}

/// Working memory for one layer-major pass over a chunk of a batch.
pub(super) struct BatchStore<M: Model> {
    pub(super) xs: Vec<Input<M>>,
    pub(super) targets: Vec<Output<M>>,
    pub(super) outputs: Vec<Output<M>>,
    pub(super) output_grads: Vec<Output<M>>,
    pub(super) traces: Vec<Trace<M>>,
    pub(super) scratch: Vec<BatchScratch<M>>,
    pub(super) grad: Box<Gradient<M>>,
}

impl<M: Model> BatchStore<M> {
    pub(super) fn new() -> Self {
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
    /// `self.grad` and the training-mode outputs in `self.outputs`. `fit` checked that `ctx.x`
    /// and `ctx.y` pair up, and `indices` come from `ctx.x`.
    pub(super) fn run<L: Loss<Output<M>, Target = Output<M>>>(
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
                debug_assert!(false, "sample {i} of {} inputs", ctx.x.len());
                continue;
            };
            let mut x = x;
            if let Some(aug) = ctx.augmentation {
                aug.apply(x.flat_mut(), &mut Rng::stream(epoch_seed, i as u64));
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
        let summed = embednn::batch_gradient(
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
        );
        // Every slice was sized to the chunk just above, so the lengths cannot differ; were they
        // to, the NaN loss makes `fit` drop this batch as non-finite rather than train on part.
        debug_assert!(summed.is_ok(), "{summed:?}");
        summed.map_or(f64::NAN, f64::from)
    }
}
