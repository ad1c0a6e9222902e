//! The model types of the examples, in one place so that the host trainer, the firmware and the
//! firmware's build script all use exactly the same type (and so the same architecture
//! fingerprint).
#![no_std]
#![forbid(unsafe_code)]

use embednn::prelude::*;

/// The classic Keras tutorial: `Dense(10, relu) → Dense(1)` on 2 features.
pub type KerasTutorial = (Dense<2, 10>, Relu, Dense<10, 1>);
const _: () = embednn::check::<KerasTutorial>();

/// The TinyML "hello world": sine regression, 1 → 16 → 16 → 1.
pub type Sine = (Dense<1, 16>, Relu, Dense<16, 16>, Relu, Dense<16, 1>);
const _: () = embednn::check::<Sine>();

/// The sine model with its feature extractor frozen, for fine-tuning the head on a device.
pub type SineHead = (Frozen<(Dense<1, 16>, Relu, Dense<16, 16>, Relu)>, Dense<16, 1>);
const _: () = embednn::check::<SineHead>();

/// Iris: 4 measurements → 3 species (logits).
pub type Iris = (Dense<4, 16>, Relu, Dense<16, 3>);
const _: () = embednn::check::<Iris>();

/// UCI optical digits: 8×8 pixels → 10 digits (logits).
pub type DigitsMlp = (Dense<64, 64>, Relu, Dense<64, 10>);
const _: () = embednn::check::<DigitsMlp>();

/// The digits MLP with its hidden layer frozen, for fine-tuning the classifier head on a device.
/// Same architecture fingerprint as [`DigitsMlp`], so `digits.ennm` loads into it.
pub type DigitsHead = (Frozen<(Dense<64, 64>, Relu)>, Dense<64, 10>);
const _: () = embednn::check::<DigitsHead>();
