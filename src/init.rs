//! Weight initialization from a seeded generator.
//!
//! Every layer and model implements [`Init`]: `Model::init(Initializer::GlorotUniform, &mut rng)`
//! builds a whole network, layer by layer, drawing from one [`Rng`] in a fixed order, so the same
//! seed gives the same starting weights on every machine.

use crate::rng::Rng;

/// How weight matrices are drawn. Biases always start at zero (as in Keras).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Initializer {
    /// Uniform in ±√(6 / (fan_in + fan_out)); Keras' default, good for tanh/sigmoid/linear.
    GlorotUniform,
    /// Uniform in ±√(6 / fan_in); suited to ReLU layers.
    HeUniform,
    /// Uniform in ±`limit`.
    Uniform(f32),
    /// Every weight zero (for tests; a network initialized like this cannot learn).
    Zeros,
}

impl Initializer {
    /// The half-width of the uniform distribution for a layer with these fan-in/fan-out.
    pub fn limit(self, fan_in: usize, fan_out: usize) -> f32 {
        match self {
            Initializer::GlorotUniform => libm::sqrtf(6.0 / (fan_in + fan_out).max(1) as f32),
            Initializer::HeUniform => libm::sqrtf(6.0 / fan_in.max(1) as f32),
            Initializer::Uniform(limit) => limit,
            Initializer::Zeros => 0.0,
        }
    }

    /// Fills `weights` for a layer with the given fan-in and fan-out.
    pub fn fill(self, weights: &mut [f32], fan_in: usize, fan_out: usize, rng: &mut Rng) {
        let limit = self.limit(fan_in, fan_out);
        for w in weights {
            *w = if limit == 0.0 {
                0.0
            } else {
                rng.uniform(-limit, limit)
            };
        }
    }
}

/// Construction with freshly initialized weights.
pub trait Init: Sized {
    /// Builds the layer (or every layer of a model, in order) drawing weights from `rng`.
    fn init(initializer: Initializer, rng: &mut Rng) -> Self;
}

macro_rules! tuple_init {
    ($(($name:ident $_i:tt $_t:ident $_v:ident))+) => {
        impl<$($name: Init),+> Init for ($($name,)+) {
            fn init(initializer: Initializer, rng: &mut Rng) -> Self {
                ($($name::init(initializer, rng),)+)
            }
        }
    };
}
crate::tuples::for_each_tuple!(tuple_init);
