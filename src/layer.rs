//! The two traits every layer implements: [`Params`] (what it learns) and [`Layer`] (what it
//! computes).
//!
//! A layer is generic over its *input* type `X`: `Dense<I, O>` is a `Layer<[f32; I]>` only, while
//! `Relu` is a `Layer<T>` for every tensor `T`, which is why activations never repeat a size. When
//! layers are put in a tuple, each one must accept the previous one's output, so a mismatch is a
//! missing trait implementation that the compiler reports with both sizes:
//!
//! ```text
//! the trait `Layer<[f32; 3]>` is not implemented for `Dense<4, 1>`
//!    but trait `Layer<[f32; 4]>` is implemented for it
//! ```
//!
//! Everything a backward pass touches is typed too: the trace kept by the forward pass is
//! [`Layer::Cache`] (per layer) or the chain's trace (per model), and parameter gradients are
//! [`Params::Gradient`], which has the shape of the parameters.

use crate::buffer::Buffer;
use crate::rng::Rng;
use crate::tensor::Tensor;

/// What a parameter array is, so regularization and weight decay can treat them differently.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParamKind {
    /// A weight matrix or kernel: regularized and weight-decayed.
    Weight,
    /// A bias or other shift/scale: never regularized.
    Bias,
    /// A stored, non-trainable statistic (e.g. a batch norm's running mean).
    Statistic,
}

/// One trainable parameter array with its gradient and `K` optimizer-state arrays of the same
/// length, handed to an optimizer by [`Params::visit_trainable`].
pub struct ParamSlot<'a, const K: usize> {
    /// What the array is.
    pub kind: ParamKind,
    /// The values to update.
    pub value: &'a mut [f32],
    /// Their accumulated gradient.
    pub grad: &'a mut [f32],
    /// Optimizer state (momentum, Adam moments), one array per state buffer.
    pub state: [&'a mut [f32]; K],
}

/// The parameters of a layer or model.
///
/// [`Params::Gradient`] has the shape of the *trainable* parameters: `Dense<I, O>` for a dense
/// layer, `()` for an activation or a [`Frozen`](crate::Frozen) layer, a tuple for a model. Its size
/// is therefore exactly the gradient memory a training step needs, known at compile time.
pub trait Params {
    /// Gradient storage for the trainable parameters (and the shape of optimizer state).
    type Gradient: Buffer;
    /// Number of stored parameter scalars, trainable or not.
    const PARAMS: usize;
    /// Number of trainable scalars (what the optimizer updates).
    const TRAINABLE: usize = <Self::Gradient as Buffer>::LEN;
    /// The layer's kind, as summaries and the model file name it (e.g. `"Dense"`).
    const KIND: &'static str;
    /// The sizes that define the layer's architecture (e.g. `[I, O]` for `Dense<I, O>`), stored
    /// in the model file and hashed into its fingerprint.
    const DIMS: &'static [usize];

    /// Calls `f` on every stored parameter array (trainable or not) in a fixed order: the order
    /// the model file uses.
    fn for_each_param(&self, f: &mut impl FnMut(ParamKind, &[f32]));
    /// Same as [`Params::for_each_param`], mutably (loading, initialization).
    fn for_each_param_mut(&mut self, f: &mut impl FnMut(ParamKind, &mut [f32]));
    /// Calls `f` once per trainable array with its gradient and optimizer state.
    fn visit_trainable<const K: usize>(
        &mut self,
        grad: &mut Self::Gradient,
        state: [&mut Self::Gradient; K],
        f: &mut impl FnMut(ParamSlot<'_, K>),
    );
}

/// A static description of one layer, for summaries and the architecture fingerprint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LayerInfo {
    /// Layer kind, e.g. `"Dense"`.
    pub kind: &'static str,
    /// The sizes that define the layer's architecture (e.g. `[I, O]` for `Dense<I, O>`).
    pub dims: &'static [usize],
    /// Shape of the layer's output.
    pub output_shape: &'static [usize],
    /// Stored parameter scalars.
    pub params: usize,
    /// Trainable parameter scalars.
    pub trainable: usize,
    /// Multiply-accumulates per inference.
    pub macs: usize,
}

/// What a layer's output is, so that a [`Loss`](crate::Loss) can insist on the ending it is
/// written for (see [`Loss::INPUT`](crate::Loss::INPUT)).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ending {
    /// Any values: regression outputs or logits.
    Values,
    /// Probabilities from a [`Sigmoid`](crate::Sigmoid), one per output.
    Sigmoid,
    /// A probability distribution from a [`Softmax`](crate::Softmax).
    Softmax,
}

impl Ending {
    /// Equality usable in `const` checks.
    pub const fn is(self, other: Ending) -> bool {
        self as u8 == other as u8
    }
}

/// Copies `dy` into `dx` element by element (a fused ending's backward pass).
fn pass_through<Y: Tensor, X: Tensor>(dy: &Y, dx: Option<&mut X>) {
    if let Some(dx) = dx {
        for (d, &g) in dx.flat_mut().iter_mut().zip(dy.flat()) {
            *d = g;
        }
    }
}

/// A computation from input `X` to [`Layer::Output`] with a matching backward pass.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot take `{X}` as its input",
    label = "this layer does not accept `{X}`",
    note = "each layer's input must be exactly the previous layer's output: check the sizes"
)]
pub trait Layer<X: Tensor>: Params {
    /// The output tensor.
    type Output: Tensor;
    /// What the training forward pass keeps for the backward pass besides the layer's input and
    /// output (`()` for most layers; a dropout mask for dropout).
    type Cache: Buffer;
    /// Multiply-accumulates per inference.
    const MACS: usize;
    /// Bytes of working memory the inference forward pass needs besides its input and output
    /// (for a model: the intermediate activations).
    const FORWARD_BYTES: usize = 0;
    /// Bytes of working memory the backward pass needs besides the trace, the gradients and the
    /// input and output gradient tensors.
    const BACKWARD_BYTES: usize = 0;
    /// Compile-time checks of the layer's size arithmetic (e.g. a convolution's output size).
    /// Evaluated by [`check`](crate::check()) at the model definition and by every use.
    const CHECK: () = ();
    /// Number of layers this describes (a model: the sum over its layers).
    const DEPTH: usize = 1;
    /// Whether training this layer couples the samples of a batch (batch normalization), so it
    /// must be trained layer by layer over the whole batch ([`Layer::forward_train_batch`])
    /// rather than one sample at a time.
    const BATCH_COUPLED: bool = false;

    /// What the output is, for pairing with a loss ([`Ending`]): [`Ending::Sigmoid`] and
    /// [`Ending::Softmax`] for those activations, and for a model, its last layer's.
    const ENDING: Ending = Ending::Values;

    /// Inference: computes `y` from `x`.
    fn forward(&self, x: &X, y: &mut Self::Output);

    /// Training forward pass: like [`Layer::forward`], but may use `rng` (dropout) and keeps what
    /// [`Layer::backward`] needs in `cache`.
    #[inline]
    fn forward_train(&self, x: &X, y: &mut Self::Output, cache: &mut Self::Cache, rng: &mut Rng) {
        let _ = (cache, rng);
        self.forward(x, y);
    }

    /// Backward pass for one sample.
    ///
    /// Given the input `x`, the output `y` and `cache` from [`Layer::forward_train`] and the loss
    /// gradient `dy` with respect to `y`: writes the gradient with respect to `x` into `dx` (when
    /// asked for) and *adds* the parameter gradients into `grad` (when asked for), so a batch
    /// accumulates by calling this once per sample.
    fn backward(
        &self,
        x: &X,
        y: &Self::Output,
        cache: &Self::Cache,
        dy: &Self::Output,
        dx: Option<&mut X>,
        grad: Option<&mut Self::Gradient>,
    );

    /// [`Layer::backward`], or, when `fused`, the backward pass of a model whose loss is fused
    /// with its final activation (Keras' cross-entropy after `sigmoid` or `softmax`): `dy` is then
    /// already the gradient with respect to the *input* of the final activation (`p − t` per
    /// element, exact even where the activation saturates), and that activation passes it through
    /// instead of applying its own derivative. Only the last layer of a model sees `fused`; a
    /// single layer passes `dy` through to `dx` (its output and input have the same length when
    /// it is the [`Ending`] the loss fused with). Models override this; layers need not.
    #[allow(clippy::too_many_arguments)]
    #[inline]
    fn backward_fused(
        &self,
        x: &X,
        y: &Self::Output,
        cache: &Self::Cache,
        dy: &Self::Output,
        dx: Option<&mut X>,
        grad: Option<&mut Self::Gradient>,
        fused: bool,
    ) {
        if fused {
            pass_through(dy, dx);
        } else {
            self.backward(x, y, cache, dy, dx, grad);
        }
    }

    /// [`Layer::backward_batch`], or with the loss fused into the final activation (see
    /// [`Layer::backward_fused`]).
    fn backward_batch_fused(
        &self,
        batch: &mut impl BackwardBatch<X, Self::Output, Self::Cache, Self::Cache>,
        grad: Option<&mut Self::Gradient>,
        fused: bool,
    ) {
        if fused {
            for i in 0..batch.len() {
                if let Some(s) = batch.sample(i) {
                    pass_through(s.dy, s.dx);
                }
            }
        } else {
            self.backward_batch(batch, grad);
        }
    }

    /// Training forward pass over a whole batch, layer by layer.
    ///
    /// The default runs [`Layer::forward_train`] on each sample. Batch normalization overrides it
    /// to normalize with the batch's statistics (and to update its moving averages, hence
    /// `&mut self`).
    fn forward_train_batch(
        &mut self,
        batch: &mut impl ForwardBatch<X, Self::Output, Self::Cache>,
        rng: &mut Rng,
    ) {
        for i in 0..batch.len() {
            if let Some((x, y, cache)) = batch.sample(i) {
                self.forward_train(x, y, cache, rng);
            }
        }
    }

    /// Backward pass over a whole batch, after [`Layer::forward_train_batch`]; adds the batch's
    /// parameter gradients into `grad`. The default runs [`Layer::backward`] on each sample.
    ///
    /// Each sample comes with per-sample working memory shaped like the trace
    /// ([`Layer::Cache`]): a model keeps the gradients of its intermediate activations where
    /// its trace keeps the activations themselves; a single layer ignores it.
    fn backward_batch(
        &self,
        batch: &mut impl BackwardBatch<X, Self::Output, Self::Cache, Self::Cache>,
        mut grad: Option<&mut Self::Gradient>,
    ) {
        for i in 0..batch.len() {
            if let Some(s) = batch.sample(i) {
                self.backward(s.x, s.y, s.cache, s.dy, s.dx, grad.as_deref_mut());
            }
        }
    }

    /// Calls `f` with a description of each layer, in order (a single layer describes itself
    /// from its [`Params::KIND`] and [`Params::DIMS`]; a model lists its layers).
    fn describe(f: &mut impl FnMut(LayerInfo)) {
        f(LayerInfo {
            kind: Self::KIND,
            dims: Self::DIMS,
            output_shape: <Self::Output as Tensor>::SHAPE,
            params: Self::PARAMS,
            trainable: Self::TRAINABLE,
            macs: Self::MACS,
        })
    }
}

/// Sample-by-sample access to a batch during [`Layer::forward_train_batch`].
pub trait ForwardBatch<X, Y, C> {
    /// Number of samples.
    fn len(&self) -> usize;
    /// Whether the batch is empty.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Sample `i`'s input, output and cache (`None` past the end).
    fn sample(&mut self, i: usize) -> Option<(&X, &mut Y, &mut C)>;
}

/// One sample as seen by [`Layer::backward_batch`].
pub struct BackwardSample<'a, X, Y, C, S> {
    /// The layer's input.
    pub x: &'a X,
    /// The layer's output.
    pub y: &'a Y,
    /// What the forward pass kept.
    pub cache: &'a C,
    /// Loss gradient with respect to the output.
    pub dy: &'a Y,
    /// Where the gradient with respect to the input goes, when it is needed.
    pub dx: Option<&'a mut X>,
    /// The layer's per-sample working memory.
    pub scratch: &'a mut S,
}

/// Sample-by-sample access to a batch during [`Layer::backward_batch`].
pub trait BackwardBatch<X, Y, C, S> {
    /// Number of samples.
    fn len(&self) -> usize;
    /// Whether the batch is empty.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Sample `i` (`None` past the end).
    fn sample(&mut self, i: usize) -> Option<BackwardSample<'_, X, Y, C, S>>;
}
