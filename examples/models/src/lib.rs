//! The model types of the examples, in one place so that the host trainer, the firmware and the
//! firmware's build script all use exactly the same type (and so the same architecture
//! fingerprint).
//!
//! [`gestures`] generates the synthetic accelerometer windows of the gestures example, on the
//! host and — bit for bit the same — on a device.
#![no_std]
#![forbid(unsafe_code)]

use embednn::prelude::*;

pub mod ds_cnn;

pub mod gestures;

/// The classic Keras tutorial: `Dense(10, relu) → Dense(1)` on 2 features.
pub type KerasTutorial = (Dense<2, 10>, Relu, Dense<10, 1>);
const _: () = embednn::check::<KerasTutorial>();

/// The TinyML "hello world": sine regression, 1 → 16 → 16 → 1.
pub type Sine = (Dense<1, 16>, Relu, Dense<16, 16>, Relu, Dense<16, 1>);
const _: () = embednn::check::<Sine>();

/// The sine model with its feature extractor frozen, for fine-tuning the head on a device.
pub type SineHead = (
    Frozen<(Dense<1, 16>, Relu, Dense<16, 16>, Relu)>,
    Dense<16, 1>,
);
const _: () = embednn::check::<SineHead>();

/// Iris: 4 measurements → 3 species, ending in `Softmax` as in Keras (probabilities; train with
/// [`CategoricalCrossEntropy`]).
pub type Iris = (Dense<4, 16>, Relu, Dense<16, 3>, Softmax);
const _: () = embednn::check::<Iris>();

/// UCI optical digits: 8×8 pixels → 10 digits, ending in `Softmax` as in Keras
/// (`Dense(64, relu) → Dense(10, softmax)`).
pub type DigitsMlp = (Dense<64, 64>, Relu, Dense<64, 10>, Softmax);
const _: () = embednn::check::<DigitsMlp>();

/// The digits MLP with its hidden layer frozen, for fine-tuning the classifier head on a device.
/// Same architecture fingerprint as [`DigitsMlp`], so `digits.ennm` loads into it.
pub type DigitsHead = (Frozen<(Dense<64, 64>, Relu)>, Dense<64, 10>, Softmax);
const _: () = embednn::check::<DigitsHead>();

/// A CNN for the 8×8 digits: two 3×3 "same" convolutions (16 and 32 filters), each followed by
/// a 2×2 max pool, then dropout and a dense classifier ending in `Softmax`, as in Keras.
///
/// `8×8×1 → conv 8×8×16 → pool 4×4×16 → conv 4×4×32 → pool 2×2×32 → 128 → 10`.
///
/// MACs per inference: 8·8·16·(3·3·1) = 9,216 + 4·4·32·(3·3·16) = 73,728 + 128·10 = 1,280,
/// together 84,224. 6,090 parameters (24 KB of `f32` in flash); 11 KB of RAM for one inference
/// ([`embednn::Model::INFERENCE_BYTES`] = 11,376: two activation slots, the second
/// convolution's windows, input and output). Trained by `examples/digits_cnn.rs` to about 99% on
/// the held-out digits.
pub type DigitsCnn = (
    Conv2d<8, 8, 1, 16, 3, 3, 1, 1, 8, 8, Same>,
    Relu,
    MaxPool2d<2, 2, 2, 2, 4, 4>,
    Conv2d<4, 4, 16, 32, 3, 3, 1, 1, 4, 4, Same>,
    Relu,
    MaxPool2d<2, 2, 2, 2, 2, 2>,
    Flatten<128>,
    Dropout<250>,
    Dense<128, 10>,
    Softmax,
);
const _: () = embednn::check::<DigitsCnn>();

/// A 1-D CNN for accelerometer windows (64 steps × 3 axes, see [`gestures`]): two 5-tap "same"
/// convolutions with 2× max pooling, global average pooling over time and a dense classifier
/// (6 gesture logits).
///
/// MACs per inference: 64·16·(5·3) = 15,360 + 32·32·(5·16) = 81,920 + 16·32 = 512 (global
/// pool) + 32·6 = 192, together 97,984. 3,046 parameters (12 KB of `f32` in flash); 10 KB of
/// RAM for one inference (`INFERENCE_BYTES` = 10,592). Trained by `examples/gestures.rs` to about
/// 98% on held-out synthetic windows.
pub type GestureCnn = (
    Conv1d<64, 3, 16, 5, 1, 64, Same>,
    Relu,
    MaxPool1d<2, 2, 32>,
    Conv1d<32, 16, 32, 5, 1, 32, Same>,
    Relu,
    MaxPool1d<2, 2, 16>,
    GlobalAvgPool,
    Dense<32, 6>,
);
const _: () = embednn::check::<GestureCnn>();
