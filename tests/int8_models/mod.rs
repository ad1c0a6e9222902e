//! int8 models shared by the int8 serde, codegen and model file tests: every int8 layer kind at
//! least once, with parameters that are not round numbers (nonzero zero points, shifts of both
//! signs, narrowed clamps), built the way the trainer builds them (`Quantize` from an `f32`
//! model and calibrated ranges).
#![allow(dead_code)]

use embednn::prelude::*;
use embednn::quant::{Context, QParams, Quantize, Quantized, Range};

/// A CNN with every 2-D layer: conv (ReLU folded), pool, batch norm, depthwise (ReLU6 folded), average
/// pool, reshape, dropout, dense, softmax.
pub type Cnn = (
    Conv2d<6, 6, 2, 5, 3, 3, 1, 1, 6, 6, Same>,
    Relu,
    MaxPool2d<2, 2, 2, 2, 3, 3>,
    BatchNorm<5>,
    DepthwiseConv2d<3, 3, 5, 3, 3, 1, 1, 3, 3, Same>,
    Relu6,
    AvgPool2d<2, 2, 1, 1, 2, 2>,
    Flatten<20>,
    Dropout<250>,
    Dense<20, 4>,
    Softmax,
);
/// Its int8 twin.
pub type CnnInt8 = <Cnn as Quantize<[[[f32; 2]; 6]; 6]>>::Quantized;
pub type CnnInput = [[[f32; 2]; 6]; 6];
const _: () = embednn::check::<Cnn>();
const _: () = embednn::quant::check::<CnnInt8>();

/// A 1-D model with the table activations and a clamp that is not folded.
pub type Sequence = (
    Conv1d<8, 3, 6, 3, 2, 4, Same>,
    Tanh,
    Relu,
    MaxPool1d<2, 1, 3>,
    AvgPool1d<2, 1, 3, Same>,
    GlobalAvgPool,
    Identity,
    Dense<6, 3>,
    LeakyRelu<100>,
    Dense<3, 1>,
    Sigmoid,
);
pub type SequenceInt8 = <Sequence as Quantize<[[f32; 3]; 8]>>::Quantized;
pub type SequenceInput = [[f32; 3]; 8];
const _: () = embednn::check::<Sequence>();
const _: () = embednn::quant::check::<SequenceInt8>();

/// MLPerf Tiny's anomaly-detection autoencoder, scaled down: 10 dense layers and 9 ReLUs, more
/// layers than a serde tuple may have.
pub type Deep = (
    Dense<8, 6>,
    Relu,
    Dense<6, 6>,
    Relu,
    Dense<6, 6>,
    Relu,
    Dense<6, 6>,
    Relu,
    Dense<6, 3>,
    Relu,
    Dense<3, 6>,
    Relu,
    Dense<6, 6>,
    Relu,
    Dense<6, 6>,
    Relu,
    Dense<6, 6>,
    Relu,
    Dense<6, 8>,
);
pub type DeepInt8 = <Deep as Quantize<[f32; 8]>>::Quantized;
pub type DeepInput = [f32; 8];
const _: () = embednn::check::<Deep>();
const _: () = embednn::quant::check::<DeepInt8>();

/// Residual connections of both kinds: a block added to its input (ReLU folded into the add)
/// and two branches added.
pub type Skip = (
    Dense<4, 6>,
    Relu,
    embednn::Residual<(Dense<6, 6>, Relu, Dense<6, 6>)>,
    Relu,
    embednn::Add<Dense<6, 3>, (Dense<6, 3>, Tanh)>,
    Softmax,
);
pub type SkipInt8 = <Skip as Quantize<[f32; 4]>>::Quantized;
pub type SkipInput = [f32; 4];
const _: () = embednn::check::<Skip>();
const _: () = embednn::quant::check::<SkipInt8>();

/// `model` quantized with made-up calibration ranges (a different, asymmetric range per layer)
/// and an input range of `[-1, 2]`.
pub fn quantize<X: Tensor, M: Model + Quantize<X>>(model: &M) -> Quantized<M::Quantized> {
    let mut kinds = Vec::new();
    M::layers(&mut |info| kinds.push(info.kind));
    let ranges: Vec<Range> = (0..kinds.len())
        .map(|i| Range {
            min: -0.5 - 0.37 * (i % 4) as f32,
            max: 1.0 + 0.61 * (i % 5) as f32,
        })
        .collect();
    let input = QParams::from_range(-1.0, 2.0);
    let mut cx = Context::new(&ranges, &kinds, input);
    let layers = model.quantize(&mut cx).expect("finite weights quantize");
    Quantized {
        input,
        layers,
        output: cx.input(),
    }
}

pub fn cnn() -> Quantized<CnnInt8> {
    let mut model = Cnn::init(Initializer::HeUniform, &mut Rng::seed(11));
    let bn = &mut model.3;
    bn.gamma = [1.5, 0.5, -0.75, 1.0, 2.0];
    bn.beta = [0.1, -0.2, 0.3, 0.0, -0.5];
    bn.moving_mean = [0.2, 0.4, -0.1, 0.0, 0.3];
    bn.moving_var = [1.0, 0.25, 2.0, 0.5, 1.5];
    quantize::<CnnInput, _>(&model)
}

pub fn sequence() -> Quantized<SequenceInt8> {
    let mut model = Sequence::init(Initializer::GlorotUniform, &mut Rng::seed(12));
    model.0.bias = [0.25, -0.5, 0.125, 1.0, -1.0, 0.0];
    quantize::<SequenceInput, _>(&model)
}

pub fn skip() -> Quantized<SkipInt8> {
    quantize::<SkipInput, _>(&Skip::init(Initializer::GlorotUniform, &mut Rng::seed(6)))
}

pub fn deep() -> Quantized<DeepInt8> {
    quantize::<DeepInput, _>(&Deep::init(Initializer::GlorotUniform, &mut Rng::seed(13)))
}

/// A deterministic input of any shape, in `[-1, 2)`.
pub fn input<T: Tensor>(seed: u64) -> T {
    let mut rng = Rng::seed(seed);
    let mut x = T::ZERO;
    for v in x.flat_mut() {
        *v = rng.next_word() as f32 / u32::MAX as f32 * 3.0 - 1.0;
    }
    x
}
