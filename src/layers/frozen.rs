//! Freezing a layer (or a whole sub-model) for transfer learning.

use crate::init::{Init, Initializer};
use crate::layer::{Layer, LayerInfo, ParamKind, ParamSlot, Params};
use crate::model::FixedInput;
use crate::rng::Rng;
use crate::tensor::Tensor;

/// A layer whose parameters do not train.
///
/// `Frozen<L>` computes exactly what `L` computes and still passes gradients through to the layers
/// before it, but has no trainable parameters: its [`Params::Gradient`] is `()`, so a model like
/// `(Frozen<(Dense<1, 16>, Relu, Dense<16, 16>, Relu)>, Dense<16, 1>)` needs gradient and
/// optimizer memory for the last layer only, and the compile-time
/// [`TRAINABLE`](Params::TRAINABLE) count says so. The stored parameters and the architecture
/// fingerprint are those of `L`, so a model file saved from the unfrozen model loads into the
/// frozen one.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Frozen<L>(pub L);

impl<L: Params> Params for Frozen<L> {
    type Gradient = ();
    const PARAMS: usize = L::PARAMS;
    const KIND: &'static str = L::KIND;
    const DIMS: &'static [usize] = L::DIMS;

    fn for_each_param(&self, f: &mut impl FnMut(ParamKind, &[f32])) {
        self.0.for_each_param(f)
    }
    fn for_each_param_mut(&mut self, f: &mut impl FnMut(ParamKind, &mut [f32])) {
        self.0.for_each_param_mut(f)
    }
    fn visit_trainable<const K: usize>(
        &mut self,
        _: &mut (),
        _: [&mut (); K],
        _: &mut impl FnMut(ParamSlot<'_, K>),
    ) {
    }
}

impl<L: crate::codegen::ToRust> crate::codegen::ToRust for Frozen<L> {
    fn write_rust(&self, out: &mut dyn core::fmt::Write) -> core::fmt::Result {
        out.write_str("embednn::Frozen(")?;
        self.0.write_rust(out)?;
        out.write_str(")")
    }
}

/// The same encoding as `L`: freezing changes no stored value.
impl<L: serde::Serialize> serde::Serialize for Frozen<L> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl<'de, L: serde::Deserialize<'de>> serde::Deserialize<'de> for Frozen<L> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        L::deserialize(d).map(Frozen)
    }
}

impl<L: Init> Init for Frozen<L> {
    fn init(initializer: Initializer, rng: &mut Rng) -> Self {
        Frozen(L::init(initializer, rng))
    }
}

impl<L: FixedInput> FixedInput for Frozen<L> {
    type Input = L::Input;
}

impl<X: Tensor, L: Layer<X>> Layer<X> for Frozen<L> {
    type Output = L::Output;
    type Cache = L::Cache;
    const MACS: usize = L::MACS;
    const FORWARD_BYTES: usize = L::FORWARD_BYTES;
    const BACKWARD_BYTES: usize = L::BACKWARD_BYTES;
    const CHECK: () = L::CHECK;
    const DEPTH: usize = L::DEPTH;
    const ENDING: crate::layer::Ending = L::ENDING;

    #[inline]
    fn forward(&self, x: &X, y: &mut Self::Output) {
        self.0.forward(x, y)
    }

    #[inline]
    fn forward_train(&self, x: &X, y: &mut Self::Output, cache: &mut Self::Cache, rng: &mut Rng) {
        self.0.forward_train(x, y, cache, rng)
    }

    fn backward(
        &self,
        x: &X,
        y: &Self::Output,
        cache: &Self::Cache,
        dy: &Self::Output,
        dx: Option<&mut X>,
        _grad: Option<&mut ()>,
    ) {
        if dx.is_some() {
            self.0.backward(x, y, cache, dy, dx, None);
        }
    }

    fn backward_fused(
        &self,
        x: &X,
        y: &Self::Output,
        cache: &Self::Cache,
        dy: &Self::Output,
        dx: Option<&mut X>,
        _grad: Option<&mut ()>,
        fused: bool,
    ) {
        if dx.is_some() {
            self.0.backward_fused(x, y, cache, dy, dx, None, fused);
        }
    }

    fn backward_batch_fused(
        &self,
        batch: &mut impl crate::layer::BackwardBatch<X, Self::Output, Self::Cache, Self::Cache>,
        _grad: Option<&mut ()>,
        fused: bool,
    ) {
        for i in 0..batch.len() {
            if let Some(s) = batch.sample(i) {
                self.backward_fused(s.x, s.y, s.cache, s.dy, s.dx, None, fused);
            }
        }
    }

    fn describe(f: &mut impl FnMut(LayerInfo)) {
        L::describe(&mut |info| {
            f(LayerInfo {
                trainable: 0,
                ..info
            })
        })
    }
}
