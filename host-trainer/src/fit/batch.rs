//! One mini-batch's forward and backward passes, chunk by chunk: the working memory of a chunk
//! ([`BatchStore`]) and what its chunks share ([`BatchContext`]).

use embednn::buffer::Buffer;
use embednn::model::{BatchScratch, Gradient, Input, Output, Trace};
use embednn::{Loss, Model, Rng};

use super::Augmentation;

/// Samples per gradient chunk. Fixed (not per thread) so results do not depend on thread count.
pub(super) const CHUNK: usize = 16;

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
    pub(super) augmentation: Option<&'a Augmentation<Input<M>>>,
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
    /// `self.grad` and the training-mode outputs in `self.outputs`.
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
