//! Every layer and model tuple is serde: postcard writes a model as its parameters' little-endian
//! `f32`s in file order (no heap, no length prefixes) and reads them back bit for bit.
//!
//! The model types here are named nowhere else in the repository, so nothing below can lean on
//! code written for the shipped examples.

use embednn::prelude::*;
use embednn::{Frozen, ModelFile, ModelInfo, Preprocessing};

/// A 1-D sensor CNN ending in Keras' binary classifier (Sigmoid), with batch statistics.
type SensorNet = (
    Conv1d<16, 3, 6, 5, 2, 8, Same>,
    BatchNorm<6>,
    LeakyRelu<200>,
    MaxPool1d<2, 2, 4>,
    Flatten<24>,
    Dropout<100>,
    Dense<24, 7>,
    Tanh,
    Dense<7, 1>,
    Sigmoid,
);
const _: () = embednn::check::<SensorNet>();

/// An image model with a depthwise block, global pooling and a frozen feature extractor.
type TinyVision = (
    Frozen<(Conv2d<6, 6, 2, 4, 3, 3, 1, 1, 6, 6, Same>, Relu6)>,
    DepthwiseConv2d<6, 6, 4, 3, 3, 2, 2, 2, 2>,
    AvgPool2d<2, 2, 1, 1, 1, 1>,
    GlobalAvgPool,
    Dense<4, 3>,
    Softmax,
);
const _: () = embednn::check::<TinyVision>();

/// The parameters in [`Params::for_each_param`] order, as little-endian bytes.
fn param_bytes<M: Params>(model: &M) -> Vec<u8> {
    let mut bytes = Vec::new();
    model.for_each_param(&mut |_, values| {
        for v in values {
            bytes.extend_from_slice(&v.to_le_bytes());
        }
    });
    bytes
}

/// Distinct values, with the awkward ones (NaN with a payload, -0.0, infinities, subnormal).
fn scramble<M: Params>(model: &mut M) {
    let special = [
        f32::from_bits(0x7fc0_1234),
        -0.0,
        f32::INFINITY,
        f32::NEG_INFINITY,
        1e-45,
    ];
    let mut i = 0usize;
    model.for_each_param_mut(&mut |_, values| {
        for v in values {
            *v = special
                .get(i)
                .copied()
                .unwrap_or(((i * 31) % 17) as f32 / 3.0 - 2.5);
            i += 1;
        }
    });
}

fn round_trip<M>(model: &M)
where
    M: Model + serde::Serialize + for<'de> serde::Deserialize<'de>,
{
    let expected = param_bytes(model);
    assert_eq!(expected.len(), 4 * M::PARAMS);
    // postcard without alloc: into a slice, and back.
    let mut buf = vec![0u8; 4 * M::PARAMS + 16];
    let used = postcard::to_slice(model, &mut buf).unwrap();
    assert_eq!(
        used,
        &expected[..],
        "postcard writes exactly the parameters"
    );
    let back: M = postcard::from_bytes(used).unwrap();
    assert_eq!(param_bytes(&back), expected, "bit for bit");
    // Too few bytes is an error, not a panic or a partly read model.
    assert!(postcard::from_bytes::<M>(&used[..used.len() - 1]).is_err());
}

#[test]
fn models_round_trip_through_postcard_bit_for_bit() {
    let mut sensor = SensorNet::init(Initializer::GlorotUniform, &mut Rng::seed(3));
    scramble(&mut sensor);
    round_trip(&sensor);

    let mut vision = TinyVision::init(Initializer::HeUniform, &mut Rng::seed(4));
    scramble(&mut vision);
    round_trip(&vision);

    // A single layer is serde too.
    let dense = Dense::<5, 2>::init(Initializer::GlorotUniform, &mut Rng::seed(5));
    round_trip(&(dense,));
}

#[test]
fn a_saved_file_ends_with_the_models_postcard_encoding() {
    let model = SensorNet::init(Initializer::GlorotUniform, &mut Rng::seed(9));
    let pre = Preprocessing {
        labels: &["quiet", "event"],
        ..Preprocessing::default()
    };
    let mut file = vec![0u8; ModelFile::<SensorNet>::MAX_BYTES];
    let n = ModelFile::write(&model, &pre, &mut file).unwrap();
    let info = ModelInfo::parse(&file[..n]).unwrap();
    let mut buf = vec![0u8; 4 * SensorNet::PARAMS];
    let encoded = postcard::to_slice(&model, &mut buf).unwrap();
    assert_eq!(info.params.as_bytes(), &encoded[..]);
    assert_eq!(info.labels().collect::<Vec<_>>(), ["quiet", "event"]);
    assert_eq!(info.layer_count(), 10);
}
