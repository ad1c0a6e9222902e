//! Residual connections: a block added to its own input ([`Residual`]), or two branches from the
//! same input added together ([`Add`]), as ResNets have them.
//!
//! ```
//! use embednn::prelude::*;
//! use embednn::{Add, Residual};
//!
//! // The MLPerf Tiny ResNet-8's second stack: a strided main path and a 1×1 strided shortcut.
//! type Stack = Add<
//!     (Conv2d<32, 32, 16, 32, 3, 3, 2, 2, 16, 16, Same>, Relu, Conv2d<16, 16, 32, 32, 3, 3, 1, 1, 16, 16, Same>),
//!     Conv2d<32, 32, 16, 32, 1, 1, 2, 2, 16, 16, Same>,
//! >;
//! type Net = (
//!     Conv2d<32, 32, 3, 16, 3, 3, 1, 1, 32, 32, Same>, Relu,
//!     Residual<(Conv2d<32, 32, 16, 16, 3, 3, 1, 1, 32, 32, Same>, Relu, Conv2d<32, 32, 16, 16, 3, 3, 1, 1, 32, 32, Same>)>, Relu,
//!     Stack, Relu,
//!     GlobalAvgPool, Dense<32, 10>, Softmax,
//! );
//! embednn::check!(Net);
//! assert_eq!(<Net as Layer<Input<Net>>>::DEPTH, 16); // a combinator is one layer more than its branches
//! ```
//!
//! Both are typed like the rest: `Residual<B>` is a layer on `X` only when `B` maps `X` to `X`,
//! and `Add<A, B>` only when both branches take `X` and give the same output, so a block that
//! changes the shape is a compile error naming both tensor types:
//!
//! ```compile_fail
//! use embednn::prelude::*;
//! type Broken = (Dense<4, 4>, embednn::Residual<(Dense<4, 3>, Relu)>); // [f32; 4] → [f32; 3]
//! embednn::check!(Broken);
//! // error[E0271]: type mismatch resolving `<(Dense<4, 3>, Relu) as Layer<[f32; 4]>>::Output == [f32; 4]`
//! ```
//!
//! **Gradients.** `y = x + B(x)`, so the block sees the output gradient `dy` unchanged and the
//! input gradient is `dy + dB/dx`; for `Add<A, B>` each branch sees `dy` and the input gradient
//! is the sum of the branches'. The trace keeps each branch's output and cache. Batch-coupled
//! blocks (batch normalization) train over the whole batch, branch by branch.
//!
//! **What it describes.** A combinator is one layer record *before* its branches: `Residual`
//! with sizes `[depth of B]`, `Add` with `[depth of A, depth of B]`, then the branches' layers in
//! order, so summaries, the model file's layer list and its fingerprint carry the structure.
//! [`AnyModel`](crate::AnyModel) does not run them yet (it reports the kind as unknown).

use core::marker::PhantomData;
use core::mem::size_of;

use crate::buffer::Buffer;
use crate::init::{Init, Initializer};
use crate::layer::{
    BackwardBatch, BackwardSample, ForwardBatch, Layer, LayerInfo, ParamKind, ParamSlot, Params,
};
use crate::model::FixedInput;
use crate::rng::Rng;
use crate::tensor::Tensor;

/// `x + B(x)`: a block whose output has its input's shape, added to that input.
///
/// Parameters, gradients and optimizer state are the block's; freezing, initialization, serde
/// and codegen go through to it.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Residual<B>(pub B);

/// `A(x) + B(x)`: two branches from the same input, added. ResNet's projection shortcut is
/// `Add<MainPath, Conv2d<…, 1, 1, 2, 2, …>>`.
///
/// The parameters are `A`'s, then `B`'s.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Add<A, B>(pub A, pub B);

/// The sizes a combinator records: its branches' depths.
pub(crate) struct Depths<X, A, B = ()>(PhantomData<(X, A, B)>);

impl<X: Tensor, B: Layer<X>> Depths<X, B> {
    pub(crate) const ONE: &'static [usize] = &[B::DEPTH];
}

impl<X: Tensor, A: Layer<X>, B: Layer<X>> Depths<X, A, B> {
    pub(crate) const TWO: &'static [usize] = &[A::DEPTH, B::DEPTH];
}

/// `y += x`, element by element.
#[inline]
fn add_into<T: Tensor>(y: &mut T, x: &T) {
    for (o, &v) in y.flat_mut().iter_mut().zip(x.flat()) {
        *o += v;
    }
}

/// `y = a + b`, element by element.
#[inline]
fn sum_into<T: Tensor>(y: &mut T, a: &T, b: &T) {
    for ((o, &p), &q) in y.flat_mut().iter_mut().zip(a.flat()).zip(b.flat()) {
        *o = p + q;
    }
}

impl<B: Params> Params for Residual<B> {
    type Gradient = B::Gradient;
    const PARAMS: usize = B::PARAMS;
    const KIND: &'static str = "Residual";
    const DIMS: &'static [usize] = &[];

    fn for_each_param(&self, f: &mut impl FnMut(ParamKind, &[f32])) {
        self.0.for_each_param(f)
    }
    fn for_each_param_mut(&mut self, f: &mut impl FnMut(ParamKind, &mut [f32])) {
        self.0.for_each_param_mut(f)
    }
    fn visit_trainable<const K: usize>(
        &mut self,
        grad: &mut B::Gradient,
        state: [&mut B::Gradient; K],
        f: &mut impl FnMut(ParamSlot<'_, K>),
    ) {
        self.0.visit_trainable(grad, state, f)
    }
}

impl<A: Params, B: Params> Params for Add<A, B> {
    type Gradient = (A::Gradient, B::Gradient);
    const PARAMS: usize = A::PARAMS + B::PARAMS;
    const KIND: &'static str = "Add";
    const DIMS: &'static [usize] = &[];

    fn for_each_param(&self, f: &mut impl FnMut(ParamKind, &[f32])) {
        self.0.for_each_param(f);
        self.1.for_each_param(f);
    }
    fn for_each_param_mut(&mut self, f: &mut impl FnMut(ParamKind, &mut [f32])) {
        self.0.for_each_param_mut(f);
        self.1.for_each_param_mut(f);
    }
    fn visit_trainable<const K: usize>(
        &mut self,
        grad: &mut Self::Gradient,
        mut state: [&mut Self::Gradient; K],
        f: &mut impl FnMut(ParamSlot<'_, K>),
    ) {
        self.0
            .visit_trainable(&mut grad.0, state.each_mut().map(|s| &mut s.0), f);
        self.1
            .visit_trainable(&mut grad.1, state.each_mut().map(|s| &mut s.1), f);
    }
}

impl<B: Init> Init for Residual<B> {
    fn init(initializer: Initializer, rng: &mut Rng) -> Self {
        Residual(B::init(initializer, rng))
    }
}

impl<A: Init, B: Init> Init for Add<A, B> {
    fn init(initializer: Initializer, rng: &mut Rng) -> Self {
        let a = A::init(initializer, rng);
        Add(a, B::init(initializer, rng))
    }
}

impl<B: crate::codegen::ToRust> crate::codegen::ToRust for Residual<B> {
    fn write_rust(&self, out: &mut dyn core::fmt::Write) -> core::fmt::Result {
        out.write_str("embednn::Residual(")?;
        self.0.write_rust(out)?;
        out.write_str(")")
    }
}

impl<A: crate::codegen::ToRust, B: crate::codegen::ToRust> crate::codegen::ToRust for Add<A, B> {
    fn write_rust(&self, out: &mut dyn core::fmt::Write) -> core::fmt::Result {
        out.write_str("embednn::Add(")?;
        self.0.write_rust(out)?;
        out.write_str(", ")?;
        self.1.write_rust(out)?;
        out.write_str(")")
    }
}

/// The block's encoding: the combinator stores nothing of its own.
impl<B: serde::Serialize> serde::Serialize for Residual<B> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl<'de, B: serde::Deserialize<'de>> serde::Deserialize<'de> for Residual<B> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        B::deserialize(d).map(Residual)
    }
}

/// `A`'s encoding, then `B`'s (a pair: postcard writes no length).
impl<A: serde::Serialize, B: serde::Serialize> serde::Serialize for Add<A, B> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        (&self.0, &self.1).serialize(s)
    }
}

impl<'de, A: serde::Deserialize<'de>, B: serde::Deserialize<'de>> serde::Deserialize<'de>
    for Add<A, B>
{
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        <(A, B)>::deserialize(d).map(|(a, b)| Add(a, b))
    }
}

impl<B: FixedInput> FixedInput for Residual<B> {
    type Input = B::Input;
}

impl<A: FixedInput, B> FixedInput for Add<A, B> {
    type Input = A::Input;
}

/// The block's view of a [`Residual`]'s batch (forward): its output and cache are the
/// residual's trace.
struct BlockForward<'a, T>(&'a mut T);

impl<X, C, T: ForwardBatch<X, X, (X, C)>> ForwardBatch<X, X, C> for BlockForward<'_, T> {
    fn len(&self) -> usize {
        self.0.len()
    }
    fn sample(&mut self, i: usize) -> Option<(&X, &mut X, &mut C)> {
        let (x, _, (y, c)) = self.0.sample(i)?;
        Some((x, y, c))
    }
}

/// The block's view of a [`Residual`]'s batch (backward): the output gradient is the residual's.
struct BlockBackward<'a, T>(&'a mut T);

impl<X, C, T> BackwardBatch<X, X, C, C> for BlockBackward<'_, T>
where
    T: BackwardBatch<X, X, (X, C), (X, C)>,
{
    fn len(&self) -> usize {
        self.0.len()
    }
    fn sample(&mut self, i: usize) -> Option<BackwardSample<'_, X, X, C, C>> {
        let s = self.0.sample(i)?;
        let (y, cache) = s.cache;
        Some(BackwardSample {
            x: s.x,
            y,
            cache,
            dy: s.dy,
            dx: s.dx,
            scratch: &mut s.scratch.1,
        })
    }
}

impl<X: Tensor, B: Layer<X, Output = X>> Layer<X> for Residual<B> {
    type Output = X;
    /// The block's output, then the block's trace.
    type Cache = (X, B::Cache);
    const MACS: usize = B::MACS;
    const FORWARD_BYTES: usize = B::FORWARD_BYTES;
    const BACKWARD_BYTES: usize = B::BACKWARD_BYTES;
    const CHECK: () = B::CHECK;
    const DEPTH: usize = B::DEPTH + 1;
    const BATCH_COUPLED: bool = B::BATCH_COUPLED;

    #[inline]
    fn forward(&self, x: &X, y: &mut X) {
        self.0.forward(x, y);
        add_into(y, x);
    }

    fn forward_train(&self, x: &X, y: &mut X, cache: &mut Self::Cache, rng: &mut Rng) {
        let (block_y, block_cache) = cache;
        self.0.forward_train(x, block_y, block_cache, rng);
        sum_into(y, x, block_y);
    }

    fn backward(
        &self,
        x: &X,
        _y: &X,
        cache: &Self::Cache,
        dy: &X,
        dx: Option<&mut X>,
        grad: Option<&mut B::Gradient>,
    ) {
        let (block_y, block_cache) = cache;
        match dx {
            Some(dx) => {
                self.0
                    .backward(x, block_y, block_cache, dy, Some(&mut *dx), grad);
                add_into(dx, dy);
            }
            None if grad.is_some() => self.0.backward(x, block_y, block_cache, dy, None, grad),
            None => {}
        }
    }

    fn forward_train_batch(
        &mut self,
        batch: &mut impl ForwardBatch<X, X, Self::Cache>,
        rng: &mut Rng,
    ) {
        self.0
            .forward_train_batch(&mut BlockForward(&mut *batch), rng);
        for i in 0..batch.len() {
            if let Some((x, y, (block_y, _))) = batch.sample(i) {
                sum_into(y, x, block_y);
            }
        }
    }

    fn backward_batch(
        &self,
        batch: &mut impl BackwardBatch<X, X, Self::Cache, Self::Cache>,
        grad: Option<&mut B::Gradient>,
    ) {
        self.0.backward_batch(&mut BlockBackward(&mut *batch), grad);
        for i in 0..batch.len() {
            if let Some(s) = batch.sample(i) {
                if let Some(dx) = s.dx {
                    add_into(dx, s.dy);
                }
            }
        }
    }

    fn describe(f: &mut impl FnMut(LayerInfo)) {
        f(LayerInfo {
            kind: "Residual",
            dims: Depths::<X, B>::ONE,
            output_shape: X::SHAPE,
            params: 0,
            trainable: 0,
            macs: 0,
        });
        B::describe(f)
    }
}

/// The trace of an [`Add`]: each branch's output and trace, and room for the second branch's
/// input gradient (layer-major training sums the branches' input gradients through it).
pub type AddCache<X, Y, CA, CB> = ((Y, CA), (Y, CB), X);

/// The first branch's view of an [`Add`]'s batch (forward).
struct FirstForward<'a, T, O>(&'a mut T, PhantomData<O>);

impl<X, Y, CA, CB, T> ForwardBatch<X, Y, CA> for FirstForward<'_, T, CB>
where
    T: ForwardBatch<X, Y, AddCache<X, Y, CA, CB>>,
{
    fn len(&self) -> usize {
        self.0.len()
    }
    fn sample(&mut self, i: usize) -> Option<(&X, &mut Y, &mut CA)> {
        let (x, _, ((y, c), _, _)) = self.0.sample(i)?;
        Some((x, y, c))
    }
}

/// The second branch's view of an [`Add`]'s batch (forward).
struct SecondForward<'a, T, O>(&'a mut T, PhantomData<O>);

impl<X, Y, CA, CB, T> ForwardBatch<X, Y, CB> for SecondForward<'_, T, CA>
where
    T: ForwardBatch<X, Y, AddCache<X, Y, CA, CB>>,
{
    fn len(&self) -> usize {
        self.0.len()
    }
    fn sample(&mut self, i: usize) -> Option<(&X, &mut Y, &mut CB)> {
        let (x, _, (_, (y, c), _)) = self.0.sample(i)?;
        Some((x, y, c))
    }
}

/// The first branch's view of an [`Add`]'s batch (backward): its input gradient goes to the
/// caller's.
struct FirstBackward<'a, T, O>(&'a mut T, PhantomData<O>);

impl<X, Y, CA, CB, T> BackwardBatch<X, Y, CA, CA> for FirstBackward<'_, T, CB>
where
    T: BackwardBatch<X, Y, AddCache<X, Y, CA, CB>, AddCache<X, Y, CA, CB>>,
{
    fn len(&self) -> usize {
        self.0.len()
    }
    fn sample(&mut self, i: usize) -> Option<BackwardSample<'_, X, Y, CA, CA>> {
        let s = self.0.sample(i)?;
        let ((y, cache), _, _) = s.cache;
        let ((_, scratch), _, _) = s.scratch;
        Some(BackwardSample {
            x: s.x,
            y,
            cache,
            dy: s.dy,
            dx: s.dx,
            scratch,
        })
    }
}

/// The second branch's view of an [`Add`]'s batch (backward): its input gradient goes to the
/// scratch slot, to be added to the first branch's.
struct SecondBackward<'a, T, O> {
    batch: &'a mut T,
    want_dx: bool,
    other: PhantomData<O>,
}

impl<X, Y, CA, CB, T> BackwardBatch<X, Y, CB, CB> for SecondBackward<'_, T, CA>
where
    T: BackwardBatch<X, Y, AddCache<X, Y, CA, CB>, AddCache<X, Y, CA, CB>>,
{
    fn len(&self) -> usize {
        self.batch.len()
    }
    fn sample(&mut self, i: usize) -> Option<BackwardSample<'_, X, Y, CB, CB>> {
        let s = self.batch.sample(i)?;
        let (_, (y, cache), _) = s.cache;
        let (_, (_, scratch), dx) = s.scratch;
        Some(BackwardSample {
            x: s.x,
            y,
            cache,
            dy: s.dy,
            dx: if self.want_dx { Some(dx) } else { None },
            scratch,
        })
    }
}

impl<X, A, B> Layer<X> for Add<A, B>
where
    X: Tensor,
    A: Layer<X>,
    B: Layer<X, Output = A::Output>,
{
    type Output = A::Output;
    type Cache = AddCache<X, A::Output, A::Cache, B::Cache>;
    const MACS: usize = A::MACS + B::MACS;
    /// The second branch's output while it is computed, and the larger branch's working memory.
    const FORWARD_BYTES: usize = size_of::<A::Output>()
        + if A::FORWARD_BYTES > B::FORWARD_BYTES {
            A::FORWARD_BYTES
        } else {
            B::FORWARD_BYTES
        };
    /// The second branch's input gradient, and the larger branch's working memory.
    const BACKWARD_BYTES: usize = size_of::<X>()
        + if A::BACKWARD_BYTES > B::BACKWARD_BYTES {
            A::BACKWARD_BYTES
        } else {
            B::BACKWARD_BYTES
        };
    const CHECK: () = {
        let () = A::CHECK;
        let () = B::CHECK;
    };
    const DEPTH: usize = A::DEPTH + B::DEPTH + 1;
    const BATCH_COUPLED: bool = A::BATCH_COUPLED || B::BATCH_COUPLED;

    fn forward(&self, x: &X, y: &mut A::Output) {
        self.0.forward(x, y);
        let mut b = <A::Output as Buffer>::ZERO;
        self.1.forward(x, &mut b);
        add_into(y, &b);
    }

    fn forward_train(&self, x: &X, y: &mut A::Output, cache: &mut Self::Cache, rng: &mut Rng) {
        let ((ya, ca), (yb, cb), _) = cache;
        self.0.forward_train(x, ya, ca, rng);
        self.1.forward_train(x, yb, cb, rng);
        sum_into(y, ya, yb);
    }

    fn backward(
        &self,
        x: &X,
        _y: &A::Output,
        cache: &Self::Cache,
        dy: &A::Output,
        dx: Option<&mut X>,
        grad: Option<&mut Self::Gradient>,
    ) {
        let ((ya, ca), (yb, cb), _) = cache;
        let (ga, gb) = match grad {
            Some((ga, gb)) => (Some(ga), Some(gb)),
            None => (None, None),
        };
        match dx {
            Some(dx) => {
                self.0.backward(x, ya, ca, dy, Some(&mut *dx), ga);
                let mut db = <X as Buffer>::ZERO;
                self.1.backward(x, yb, cb, dy, Some(&mut db), gb);
                add_into(dx, &db);
            }
            None => {
                if ga.is_some() {
                    self.0.backward(x, ya, ca, dy, None, ga);
                }
                if gb.is_some() {
                    self.1.backward(x, yb, cb, dy, None, gb);
                }
            }
        }
    }

    fn forward_train_batch(
        &mut self,
        batch: &mut impl ForwardBatch<X, A::Output, Self::Cache>,
        rng: &mut Rng,
    ) {
        self.0
            .forward_train_batch(&mut FirstForward(&mut *batch, PhantomData), rng);
        self.1
            .forward_train_batch(&mut SecondForward(&mut *batch, PhantomData), rng);
        for i in 0..batch.len() {
            if let Some((_, y, ((ya, _), (yb, _), _))) = batch.sample(i) {
                sum_into(y, ya, yb);
            }
        }
    }

    fn backward_batch(
        &self,
        batch: &mut impl BackwardBatch<X, A::Output, Self::Cache, Self::Cache>,
        grad: Option<&mut Self::Gradient>,
    ) {
        let want_dx = (0..batch.len()).any(|i| batch.sample(i).is_some_and(|s| s.dx.is_some()));
        let (ga, gb) = match grad {
            Some((ga, gb)) => (Some(ga), Some(gb)),
            None => (None, None),
        };
        self.0
            .backward_batch(&mut FirstBackward(&mut *batch, PhantomData), ga);
        self.1.backward_batch(
            &mut SecondBackward {
                batch: &mut *batch,
                want_dx,
                other: PhantomData,
            },
            gb,
        );
        for i in 0..batch.len() {
            if let Some(s) = batch.sample(i) {
                if let Some(dx) = s.dx {
                    add_into(dx, &s.scratch.2);
                }
            }
        }
    }

    fn describe(f: &mut impl FnMut(LayerInfo)) {
        f(LayerInfo {
            kind: "Add",
            dims: Depths::<X, A, B>::TWO,
            output_shape: <A::Output as Tensor>::SHAPE,
            params: 0,
            trainable: 0,
            macs: 0,
        });
        A::describe(f);
        B::describe(f);
    }
}
