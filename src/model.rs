//! Sequential models: a tuple of layers is a layer.
//!
//! ```
//! use embednn::prelude::*;
//!
//! type Net = (Dense<2, 10>, Relu, Dense<10, 1>);
//! const _: () = embednn::check::<Net>(); // `cargo check` reports a size mismatch here
//!
//! let net = Net::init(Initializer::GlorotUniform, &mut Rng::seed(42));
//! let y: [f32; 1] = net.predict(&[0.5, -1.0]);
//! assert!(y[0].is_finite());
//! assert_eq!(Net::PARAMS, 2 * 10 + 10 + 10 * 1 + 1);
//! assert_eq!(Net::MACS, 2 * 10 + 10 * 1);
//! ```
//!
//! A tuple `(L0, L1, …, Ln)` implements [`Layer<X>`] when `L0: Layer<X>` and every `Lk` accepts
//! the output of `Lk-1`. Up to 24 layers per tuple; a tuple is itself a layer, so deeper models
//! nest (`((Dense<8, 8>, Relu), (Dense<8, 8>, Relu), …)`).
//!
//! **Memory.** Inference keeps only two intermediate activations alive at a time: they share two
//! ping-pong slots sized by the largest activation (the slots are an enum over the activation
//! types, so the compiler works out the size). [`Layer::FORWARD_BYTES`] of a model is the size of
//! those slots. Training keeps every intermediate activation in the model's trace
//! ([`Layer::Cache`], aliased [`Trace`]) and back-propagates through two gradient slots.
//!
//! The backward pass does only the work that is needed: layers before the first trainable one are
//! not visited when no input gradient is requested, so fine-tuning a head on top of a
//! [`Frozen`](crate::Frozen) feature extractor costs one backward step through the head.

use core::mem::size_of;

use crate::buffer::Buffer;
use crate::layer::{
    BackwardBatch, BackwardSample, Ending, ForwardBatch, Layer, LayerInfo, ParamKind, ParamSlot,
    Params,
};
use crate::rng::Rng;
use crate::tensor::Tensor;

/// Layers (and models) whose input shape is fixed by their own type.
///
/// `Dense<I, O>` takes `[f32; I]`; a tuple takes what its first layer takes. Activations work on
/// any shape, so they do not implement this; a model starts with a sized layer.
pub trait FixedInput {
    /// The input tensor.
    type Input: Tensor;
}

/// A complete model: a layer (usually a tuple of layers) whose input is fixed by its type.
///
/// Implemented automatically for every such type; it adds the conveniences and the compile-time
/// facts a model is expected to expose.
pub trait Model: FixedInput + Layer<<Self as FixedInput>::Input> {
    /// Bytes of the parameters (what a `static` model occupies in flash).
    const PARAM_BYTES: usize = Self::PARAMS * size_of::<f32>();
    /// Bytes of RAM for one inference: input, output and intermediate activations.
    const INFERENCE_BYTES: usize =
        size_of::<Self::Input>() + size_of::<Output<Self>>() + Self::FORWARD_BYTES;

    /// Runs inference and returns the output.
    #[inline]
    fn predict(&self, x: &Self::Input) -> Output<Self> {
        let mut y = <Output<Self> as Buffer>::ZERO;
        self.forward(x, &mut y);
        y
    }

    /// Calls `f` with a description of every layer, in order.
    fn layers(f: &mut impl FnMut(LayerInfo)) {
        <Self as Layer<Self::Input>>::describe(f)
    }
}

impl<M> Model for M where M: FixedInput + Layer<<M as FixedInput>::Input> {}

/// The input tensor of model `M`.
pub type Input<M> = <M as FixedInput>::Input;
/// The output tensor of model `M`.
pub type Output<M> = <M as Layer<<M as FixedInput>::Input>>::Output;
/// Everything the training forward pass of model `M` keeps for its backward pass.
pub type Trace<M> = <M as Layer<<M as FixedInput>::Input>>::Cache;
/// Gradient storage for the trainable parameters of `M` (its shape is the parameters' shape).
pub type Gradient<M> = <M as Params>::Gradient;
/// Per-sample working memory of a layer-major backward pass of `M` (see
/// [`Layer::backward_batch`]): shaped like the trace, holding the gradient of each activation
/// where the trace holds the activation.
pub type BatchScratch<M> = Trace<M>;

/// Compile-time check of a model definition: `const _: () = embednn::check::<MyModel>();`
///
/// Fails to compile if a layer does not accept the previous layer's output (the message names
/// both tensor types) or if a layer's own size arithmetic does not hold (e.g. a convolution's
/// output size), so `cargo check` and rust-analyzer report a wrong model where it is defined.
pub const fn check<M: Model>() {
    let () = <M as Layer<M::Input>>::CHECK;
}

/// Checks a model definition at compile time, pointing at the line where it is written:
///
/// ```
/// use embednn::prelude::*;
/// type Net = (Conv2d<8, 8, 1, 4, 3, 3, 1, 1, 8, 8, Same>, Relu, Flatten<256>, Dense<256, 10>);
/// embednn::check!(Net);
/// ```
///
/// Expands to a `const _` item, so `cargo check` and rust-analyzer evaluate it: a layer that does
/// not accept the previous layer's output fails with both tensor types named, and a layer whose
/// size arithmetic is wrong (e.g. a convolution's output size) fails with the expected value —
/// and the error notes include this line. [`check`] is the same check as a function.
#[macro_export]
macro_rules! check {
    ($model:ty) => {
        const _: () = {
            $crate::check::<$model>();
            <$model as $crate::Layer<$crate::Input<$model>>>::CHECK
        };
    };
}

/// Two intermediate activations of a sequential model share these slots (largest variant wins).
#[doc(hidden)]
#[allow(dead_code)]
pub enum Slot<
    T0 = (),
    T1 = (),
    T2 = (),
    T3 = (),
    T4 = (),
    T5 = (),
    T6 = (),
    T7 = (),
    T8 = (),
    T9 = (),
    T10 = (),
    T11 = (),
    T12 = (),
    T13 = (),
    T14 = (),
    T15 = (),
    T16 = (),
    T17 = (),
    T18 = (),
    T19 = (),
    T20 = (),
    T21 = (),
    T22 = (),
> {
    Empty,
    V0(T0),
    V1(T1),
    V2(T2),
    V3(T3),
    V4(T4),
    V5(T5),
    V6(T6),
    V7(T7),
    V8(T8),
    V9(T9),
    V10(T10),
    V11(T11),
    V12(T12),
    V13(T13),
    V14(T14),
    V15(T15),
    V16(T16),
    V17(T17),
    V18(T18),
    V19(T19),
    V20(T20),
    V21(T21),
    V22(T22),
}

/// The slot layer `k` reads from and the one it writes to (inference: read `k - 1`, write `k`).
#[inline(always)]
pub(crate) fn ping_pong<S>(slots: &mut [S; 2], write: usize) -> (&S, &mut S) {
    let [a, b] = slots;
    if write.is_multiple_of(2) {
        (b, a)
    } else {
        (a, b)
    }
}

/// Whether any of the first `k` layers has trainable parameters.
#[inline(always)]
fn trainable_before(trainable: &[usize], k: usize) -> bool {
    trainable.iter().take(k).any(|&t| t > 0)
}

const fn max(values: &[usize]) -> usize {
    let mut m = 0;
    let mut i = 0;
    while i < values.len() {
        if values[i] > m {
            m = values[i];
        }
        i += 1;
    }
    m
}

impl<A: FixedInput> FixedInput for (A,) {
    type Input = A::Input;
}

impl<A: Params> Params for (A,) {
    type Gradient = (A::Gradient,);
    const PARAMS: usize = A::PARAMS;
    const KIND: &'static str = A::KIND;
    const DIMS: &'static [usize] = A::DIMS;
    fn for_each_param(&self, f: &mut impl FnMut(ParamKind, &[f32])) {
        self.0.for_each_param(f)
    }
    fn for_each_param_mut(&mut self, f: &mut impl FnMut(ParamKind, &mut [f32])) {
        self.0.for_each_param_mut(f)
    }
    fn visit_trainable<const K: usize>(
        &mut self,
        grad: &mut Self::Gradient,
        mut state: [&mut Self::Gradient; K],
        f: &mut impl FnMut(ParamSlot<'_, K>),
    ) {
        self.0
            .visit_trainable(&mut grad.0, state.each_mut().map(|s| &mut s.0), f)
    }
}

impl<X: Tensor, A: Layer<X>> Layer<X> for (A,) {
    type Output = A::Output;
    type Cache = A::Cache;
    const MACS: usize = A::MACS;
    const FORWARD_BYTES: usize = A::FORWARD_BYTES;
    const BACKWARD_BYTES: usize = A::BACKWARD_BYTES;
    const CHECK: () = A::CHECK;
    const DEPTH: usize = A::DEPTH;
    const BATCH_COUPLED: bool = A::BATCH_COUPLED;
    const ENDING: Ending = A::ENDING;
    #[inline]
    fn forward(&self, x: &X, y: &mut A::Output) {
        self.0.forward(x, y)
    }
    #[inline]
    fn forward_train(&self, x: &X, y: &mut A::Output, cache: &mut A::Cache, rng: &mut Rng) {
        self.0.forward_train(x, y, cache, rng)
    }
    #[inline]
    fn backward(
        &self,
        x: &X,
        y: &A::Output,
        cache: &A::Cache,
        dy: &A::Output,
        dx: Option<&mut X>,
        grad: Option<&mut Self::Gradient>,
    ) {
        self.0.backward(x, y, cache, dy, dx, grad.map(|g| &mut g.0))
    }
    #[inline]
    fn backward_fused(
        &self,
        x: &X,
        y: &A::Output,
        cache: &A::Cache,
        dy: &A::Output,
        dx: Option<&mut X>,
        grad: Option<&mut Self::Gradient>,
        fused: bool,
    ) {
        self.0
            .backward_fused(x, y, cache, dy, dx, grad.map(|g| &mut g.0), fused)
    }
    fn forward_train_batch(
        &mut self,
        batch: &mut impl ForwardBatch<X, A::Output, A::Cache>,
        rng: &mut Rng,
    ) {
        self.0.forward_train_batch(batch, rng)
    }
    fn backward_batch(
        &self,
        batch: &mut impl BackwardBatch<X, A::Output, A::Cache, A::Cache>,
        grad: Option<&mut Self::Gradient>,
    ) {
        self.0.backward_batch(batch, grad.map(|g| &mut g.0))
    }
    fn backward_batch_fused(
        &self,
        batch: &mut impl BackwardBatch<X, A::Output, A::Cache, A::Cache>,
        grad: Option<&mut Self::Gradient>,
        fused: bool,
    ) {
        self.0
            .backward_batch_fused(batch, grad.map(|g| &mut g.0), fused)
    }
    fn describe(f: &mut impl FnMut(LayerInfo)) {
        A::describe(f)
    }
}

/// Maps a model's batch accessor to one of its layers' (forward pass).
type ForwardProjection<X, Y, C, Xk, Yk, Ck> =
    for<'b> fn(&'b X, &'b mut Y, &'b mut C) -> (&'b Xk, &'b mut Yk, &'b mut Ck);

struct MapForward<'a, B, X, Y, C, Xk, Yk, Ck> {
    batch: &'a mut B,
    project: ForwardProjection<X, Y, C, Xk, Yk, Ck>,
}

impl<B, X, Y, C, Xk, Yk, Ck> ForwardBatch<Xk, Yk, Ck> for MapForward<'_, B, X, Y, C, Xk, Yk, Ck>
where
    B: ForwardBatch<X, Y, C>,
{
    fn len(&self) -> usize {
        self.batch.len()
    }
    fn sample(&mut self, i: usize) -> Option<(&Xk, &mut Yk, &mut Ck)> {
        let (x, y, c) = self.batch.sample(i)?;
        Some((self.project)(x, y, c))
    }
}

/// Maps a model's batch accessor to one of its layers' (backward pass); the flag says whether
/// the layer's input gradient is wanted.
type BackwardProjection<X, Y, C, S, Xk, Yk, Ck, Sk> =
    for<'b> fn(BackwardSample<'b, X, Y, C, S>, bool) -> BackwardSample<'b, Xk, Yk, Ck, Sk>;

struct MapBackward<'a, B, X, Y, C, S, Xk, Yk, Ck, Sk> {
    batch: &'a mut B,
    project: BackwardProjection<X, Y, C, S, Xk, Yk, Ck, Sk>,
    want_dx: bool,
}

impl<B, X, Y, C, S, Xk, Yk, Ck, Sk> BackwardBatch<Xk, Yk, Ck, Sk>
    for MapBackward<'_, B, X, Y, C, S, Xk, Yk, Ck, Sk>
where
    B: BackwardBatch<X, Y, C, S>,
{
    fn len(&self) -> usize {
        self.batch.len()
    }
    fn sample(&mut self, i: usize) -> Option<BackwardSample<'_, Xk, Yk, Ck, Sk>> {
        let s = self.batch.sample(i)?;
        Some((self.project)(s, self.want_dx))
    }
}

macro_rules! sequential {
    // Reverse the middle layers (for the backward pass), then emit the impls.
    (first: $($first:ident)*; mid: [$($mid:tt)*]; $($rest:tt)*) => {
        sequential!(@rev [$($mid)*] [] { first: $($first)*; mid: [$($mid)*]; $($rest)* });
    };
    (@rev [$head:tt $($tail:tt)*] [$($done:tt)*] $rest:tt) => {
        sequential!(@rev [$($tail)*] [$head $($done)*] $rest);
    };
    (@rev [] [$($done:tt)*] { $($rest:tt)* }) => {
        sequential!(@emit mid_rev: [$($done)*]; $($rest)*);
    };
    (@emit
        mid_rev: [$(($Lr:ident $kr:tt $Tinr:ident $Vinr:ident $kinr:tt $Toutr:ident $Voutr:ident))*];
        first: $L0:ident $T0:ident $V0:ident;
        mid: [$(($L:ident $k:tt $Tin:ident $Vin:ident $kin:tt $Tout:ident $Vout:ident))*];
        last: $Ll:ident $kl:tt $Tl:ident $Vl:ident $kll:tt;
        all: [$($La:ident $ka:tt),+];
        temps: [$($T:ident),+];
    ) => {
        impl<$L0: FixedInput $(, $L)* , $Ll> FixedInput for ($($La,)+) {
            type Input = <$L0 as FixedInput>::Input;
        }

        impl<$($La: Params),+> Params for ($($La,)+) {
            type Gradient = ($($La::Gradient,)+);
            const PARAMS: usize = 0 $(+ $La::PARAMS)+;
            const KIND: &'static str = "Sequential";
            const DIMS: &'static [usize] = &[];
            fn for_each_param(&self, f: &mut impl FnMut(ParamKind, &[f32])) {
                $(self.$ka.for_each_param(f);)+
            }
            fn for_each_param_mut(&mut self, f: &mut impl FnMut(ParamKind, &mut [f32])) {
                $(self.$ka.for_each_param_mut(f);)+
            }
            fn visit_trainable<const K: usize>(
                &mut self,
                grad: &mut Self::Gradient,
                mut state: [&mut Self::Gradient; K],
                f: &mut impl FnMut(ParamSlot<'_, K>),
            ) {
                $(self.$ka.visit_trainable(
                    &mut grad.$ka,
                    state.each_mut().map(|s| &mut s.$ka),
                    f,
                );)+
            }
        }

        impl<X: Tensor, $($La,)+ $($T,)+> Layer<X> for ($($La,)+)
        where
            $L0: Layer<X, Output = $T0>,
            $($L: Layer<$Tin, Output = $Tout>,)*
            $Ll: Layer<$Tl>,
            $($T: Tensor,)+
        {
            type Output = <$Ll as Layer<$Tl>>::Output;
            /// Every intermediate activation, then every layer's own cache.
            type Cache = (($($T,)+), (<$L0 as Layer<X>>::Cache, $(<$L as Layer<$Tin>>::Cache,)* <$Ll as Layer<$Tl>>::Cache,));
            const MACS: usize = <$L0 as Layer<X>>::MACS $(+ <$L as Layer<$Tin>>::MACS)* + <$Ll as Layer<$Tl>>::MACS;
            const FORWARD_BYTES: usize = 2 * size_of::<Slot<$($T),+>>() + max(&[
                <$L0 as Layer<X>>::FORWARD_BYTES,
                $(<$L as Layer<$Tin>>::FORWARD_BYTES,)*
                <$Ll as Layer<$Tl>>::FORWARD_BYTES,
            ]);
            const BACKWARD_BYTES: usize = 2 * size_of::<Slot<$($T),+>>() + max(&[
                <$L0 as Layer<X>>::BACKWARD_BYTES,
                $(<$L as Layer<$Tin>>::BACKWARD_BYTES,)*
                <$Ll as Layer<$Tl>>::BACKWARD_BYTES,
            ]);
            const DEPTH: usize = <$L0 as Layer<X>>::DEPTH $(+ <$L as Layer<$Tin>>::DEPTH)* + <$Ll as Layer<$Tl>>::DEPTH;
            const BATCH_COUPLED: bool = <$L0 as Layer<X>>::BATCH_COUPLED $(|| <$L as Layer<$Tin>>::BATCH_COUPLED)* || <$Ll as Layer<$Tl>>::BATCH_COUPLED;
            const ENDING: Ending = <$Ll as Layer<$Tl>>::ENDING;
            const CHECK: () = {
                let () = <$L0 as Layer<X>>::CHECK;
                $(let () = <$L as Layer<$Tin>>::CHECK;)*
                let () = <$Ll as Layer<$Tl>>::CHECK;
            };

            fn forward(&self, x: &X, y: &mut Self::Output) {
                let mut slots: [Slot<$($T),+>; 2] = [Slot::Empty, Slot::Empty];
                {
                    let (_, out) = ping_pong(&mut slots, 0);
                    *out = Slot::$V0(<$T0 as Buffer>::ZERO);
                    if let Slot::$V0(out) = out {
                        self.0.forward(x, out);
                    }
                }
                $({
                    let (input, out) = ping_pong(&mut slots, $k);
                    *out = Slot::$Vout(<$Tout as Buffer>::ZERO);
                    if let (Slot::$Vin(input), Slot::$Vout(out)) = (input, out) {
                        self.$k.forward(input, out);
                    }
                })*
                let (input, _) = ping_pong(&mut slots, $kl);
                if let Slot::$Vl(input) = input {
                    self.$kl.forward(input, y);
                }
            }

            fn forward_train(&self, x: &X, y: &mut Self::Output, cache: &mut Self::Cache, rng: &mut Rng) {
                let (acts, caches) = cache;
                self.0.forward_train(x, &mut acts.0, &mut caches.0, rng);
                $(self.$k.forward_train(&acts.$kin, &mut acts.$k, &mut caches.$k, rng);)*
                self.$kl.forward_train(&acts.$kll, y, &mut caches.$kl, rng);
            }

            fn backward(
                &self,
                x: &X,
                y: &Self::Output,
                cache: &Self::Cache,
                dy: &Self::Output,
                dx: Option<&mut X>,
                grad: Option<&mut Self::Gradient>,
            ) {
                self.backward_fused(x, y, cache, dy, dx, grad, false);
            }

            fn backward_fused(
                &self,
                x: &X,
                y: &Self::Output,
                cache: &Self::Cache,
                dy: &Self::Output,
                dx: Option<&mut X>,
                mut grad: Option<&mut Self::Gradient>,
                fused: bool,
            ) {
                let (acts, caches) = cache;
                let trainable = [$(<$La as Params>::TRAINABLE),+];
                let want_grad = grad.is_some();
                let want_dx = dx.is_some();
                let need_dx = |k: usize| want_dx || (want_grad && trainable_before(&trainable, k));
                // Slot `k % 2` holds the gradient with respect to the output of layer `k`.
                let mut slots: [Slot<$($T),+>; 2] = [Slot::Empty, Slot::Empty];

                // Last layer: dy comes from the caller.
                {
                    let need = need_dx($kl);
                    if !need && !(want_grad && trainable[$kl] > 0) {
                        return;
                    }
                    let (_, out) = ping_pong(&mut slots, $kl + 1);
                    if need {
                        *out = Slot::$Vl(<$Tl as Buffer>::ZERO);
                    }
                    let d_in = match out {
                        Slot::$Vl(d) if need => Some(d),
                        _ => None,
                    };
                    self.$kl.backward_fused(&acts.$kll, y, &caches.$kl, dy, d_in, grad.as_mut().map(|g| &mut g.$kl), fused);
                    if !need {
                        return;
                    }
                }
                $({
                    let need = need_dx($kr);
                    if !need && !(want_grad && trainable[$kr] > 0) {
                        return;
                    }
                    let (d_out, d_in) = ping_pong(&mut slots, $kr + 1);
                    if need {
                        *d_in = Slot::$Vinr(<$Tinr as Buffer>::ZERO);
                    }
                    if let Slot::$Voutr(d_out) = d_out {
                        let d_in = match d_in {
                            Slot::$Vinr(d) if need => Some(d),
                            _ => None,
                        };
                        self.$kr.backward(&acts.$kinr, &acts.$kr, &caches.$kr, d_out, d_in, grad.as_mut().map(|g| &mut g.$kr));
                    }
                    if !need {
                        return;
                    }
                })*
                // First layer: its input gradient goes to the caller.
                let (d_out, _) = ping_pong(&mut slots, 1);
                if let Slot::$V0(d_out) = d_out {
                    self.0.backward(x, &acts.0, &caches.0, d_out, dx, grad.as_mut().map(|g| &mut g.0));
                }
            }

            fn forward_train_batch(
                &mut self,
                batch: &mut impl ForwardBatch<X, Self::Output, Self::Cache>,
                rng: &mut Rng,
            ) {
                {
                    let project: ForwardProjection<X, Self::Output, Self::Cache, X, $T0, <$L0 as Layer<X>>::Cache> =
                        |x, _, (acts, caches)| (x, &mut acts.0, &mut caches.0);
                    self.0.forward_train_batch(&mut MapForward { batch: &mut *batch, project }, rng);
                }
                $({
                    let project: ForwardProjection<X, Self::Output, Self::Cache, $Tin, $Tout, <$L as Layer<$Tin>>::Cache> =
                        |_, _, (acts, caches)| (&acts.$kin, &mut acts.$k, &mut caches.$k);
                    self.$k.forward_train_batch(&mut MapForward { batch: &mut *batch, project }, rng);
                })*
                let project: ForwardProjection<X, Self::Output, Self::Cache, $Tl, Self::Output, <$Ll as Layer<$Tl>>::Cache> =
                    |_, y, (acts, caches)| (&acts.$kll, y, &mut caches.$kl);
                self.$kl.forward_train_batch(&mut MapForward { batch, project }, rng);
            }

            fn backward_batch(
                &self,
                batch: &mut impl BackwardBatch<X, Self::Output, Self::Cache, Self::Cache>,
                grad: Option<&mut Self::Gradient>,
            ) {
                self.backward_batch_fused(batch, grad, false);
            }

            fn backward_batch_fused(
                &self,
                batch: &mut impl BackwardBatch<X, Self::Output, Self::Cache, Self::Cache>,
                mut grad: Option<&mut Self::Gradient>,
                fused: bool,
            ) {
                let trainable = [$(<$La as Params>::TRAINABLE),+];
                let want_grad = grad.is_some();
                let want_dx = (0..batch.len()).any(|i| batch.sample(i).is_some_and(|s| s.dx.is_some()));
                let need_dx = |k: usize| want_dx || (want_grad && trainable_before(&trainable, k));
                {
                    let need = need_dx($kl);
                    if !need && !(want_grad && trainable[$kl] > 0) {
                        return;
                    }
                    let project: BackwardProjection<X, Self::Output, Self::Cache, Self::Cache, $Tl, Self::Output, <$Ll as Layer<$Tl>>::Cache, <$Ll as Layer<$Tl>>::Cache> =
                        |s, want| {
                            let (acts, caches) = s.cache;
                            let (grads, inner) = s.scratch;
                            BackwardSample {
                                x: &acts.$kll,
                                y: s.y,
                                cache: &caches.$kl,
                                dy: s.dy,
                                dx: if want { Some(&mut grads.$kll) } else { None },
                                scratch: &mut inner.$kl,
                            }
                        };
                    self.$kl.backward_batch_fused(
                        &mut MapBackward { batch: &mut *batch, project, want_dx: need },
                        grad.as_mut().map(|g| &mut g.$kl),
                        fused,
                    );
                    if !need {
                        return;
                    }
                }
                $({
                    let need = need_dx($kr);
                    if !need && !(want_grad && trainable[$kr] > 0) {
                        return;
                    }
                    let project: BackwardProjection<X, Self::Output, Self::Cache, Self::Cache, $Tinr, $Toutr, <$Lr as Layer<$Tinr>>::Cache, <$Lr as Layer<$Tinr>>::Cache> =
                        |s, want| {
                            let (acts, caches) = s.cache;
                            let (grads, inner) = s.scratch;
                            BackwardSample {
                                x: &acts.$kinr,
                                y: &acts.$kr,
                                cache: &caches.$kr,
                                dy: &grads.$kr,
                                dx: if want { Some(&mut grads.$kinr) } else { None },
                                scratch: &mut inner.$kr,
                            }
                        };
                    self.$kr.backward_batch(
                        &mut MapBackward { batch: &mut *batch, project, want_dx: need },
                        grad.as_mut().map(|g| &mut g.$kr),
                    );
                    if !need {
                        return;
                    }
                })*
                let project: BackwardProjection<X, Self::Output, Self::Cache, Self::Cache, X, $T0, <$L0 as Layer<X>>::Cache, <$L0 as Layer<X>>::Cache> =
                    |s, _| {
                        let (acts, caches) = s.cache;
                        let (grads, inner) = s.scratch;
                        BackwardSample {
                            x: s.x,
                            y: &acts.0,
                            cache: &caches.0,
                            dy: &grads.0,
                            dx: s.dx,
                            scratch: &mut inner.0,
                        }
                    };
                self.0.backward_batch(
                    &mut MapBackward { batch, project, want_dx },
                    grad.as_mut().map(|g| &mut g.0),
                );
            }

            fn describe(f: &mut impl FnMut(LayerInfo)) {
                <$L0 as Layer<X>>::describe(f);
                $(<$L as Layer<$Tin>>::describe(f);)*
                <$Ll as Layer<$Tl>>::describe(f);
            }
        }
    };
}
/// Turns one arity's element list from [`for_each_tuple!`](crate::tuples) into the input of
/// `sequential!`: each middle layer with the output it reads and the one it writes.
macro_rules! sequential_from_list {
    // One layer: implemented by hand above.
    (($L0:ident $k0:tt $T0:ident $V0:ident)) => {};
    (($L0:ident $k0:tt $T0:ident $V0:ident) $($rest:tt)+) => {
        sequential_from_list!(@walk
            first: [$L0 $T0 $V0]; prev: [$T0 $V0 $k0]; mid: []; all: [$L0 $k0]; temps: [$T0];
            $($rest)+);
    };
    (@walk first: [$($first:tt)*]; prev: [$Tp:ident $Vp:ident $kp:tt]; mid: [$($mid:tt)*];
        all: [$($all:tt)*]; temps: [$($temps:ident),*]; ($L:ident $k:tt $T:ident $V:ident)) => {
        sequential! {
            first: $($first)*;
            mid: [$($mid)*];
            last: $L $k $Tp $Vp $kp;
            all: [$($all)*, $L $k];
            temps: [$($temps),*];
        }
    };
    (@walk first: [$($first:tt)*]; prev: [$Tp:ident $Vp:ident $kp:tt]; mid: [$($mid:tt)*];
        all: [$($all:tt)*]; temps: [$($temps:ident),*]; ($L:ident $k:tt $T:ident $V:ident)
        $($rest:tt)+) => {
        sequential_from_list!(@walk
            first: [$($first)*]; prev: [$T $V $k]; mid: [$($mid)* ($L $k $Tp $Vp $kp $T $V)];
            all: [$($all)*, $L $k]; temps: [$($temps,)* $T];
            $($rest)+);
    };
}
crate::tuples::for_each_tuple!(sequential_from_list);
