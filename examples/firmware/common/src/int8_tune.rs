//! On-device fine-tuning on top of an int8 backbone: the digits MLP's hidden layer quantized to
//! int8 and frozen (in flash, integer kernels), its 64 → 10 head in `f32` (in RAM, trained with
//! Adam), fine-tuned on the same distorted digits as [`finetune`](crate::finetune).
//!
//! Each digit runs through the int8 backbone ([`Quantized::predict`]: quantize, int8 dense +
//! ReLU folded into its clamp, dequantize) to 64 `f32` features, and the head trains on them:
//! the backbone costs no gradient or optimizer memory and a quarter of the flash, and the head's
//! training is the same `Trainer` as anywhere else. The host (build script) runs this same code,
//! and the device must reproduce every loss bit for bit.

use embednn::format::ModelInfo;
use embednn::prelude::*;
use embednn::quant::{Quantize, Quantized};

use crate::finetune::{self, Digit, Report, BATCH, EPOCHS, LEARNING_RATE};

/// The frozen int8 backbone's layers: the digits MLP's `(Dense<64, 64>, Relu)`, quantized.
pub type Backbone = <(Dense<64, 64>, Relu) as Quantize<[f32; 64]>>::Quantized;
/// The `f32` head being fine-tuned.
pub type Head = (Dense<64, 10>, Softmax);
/// Categorical cross-entropy on the head's softmax, Adam, as in [`finetune`].
pub type HeadTrainer = Trainer<Head, CategoricalCrossEntropy, Adam>;

/// A fresh trainer (`const`, so it can initialize a `static`).
pub const fn trainer() -> HeadTrainer {
    Trainer::new(CategoricalCrossEntropy, Adam::new(LEARNING_RATE))
}

/// The backbone's `f32` features of a digit.
pub fn features(backbone: &Quantized<Backbone>, digit: &Digit, info: &ModelInfo<'_>) -> [f32; 64] {
    backbone.predict(&finetune::input(digit, info))
}

/// Digits the backbone and head classify correctly.
pub fn correct(
    backbone: &Quantized<Backbone>,
    head: &Head,
    data: &[Digit],
    info: &ModelInfo<'_>,
) -> usize {
    data.iter()
        .filter(|d| head.predict(&features(backbone, d, info)).argmax() == usize::from(d.label))
        .count()
}

/// The whole run, as [`finetune::run`]: accuracy before, [`EPOCHS`] epochs of mini-batches of
/// [`BATCH`] (calling `on_epoch(epoch, loss)` after each), accuracy after.
pub fn run(
    backbone: &Quantized<Backbone>,
    head: &mut Head,
    trainer: &mut HeadTrainer,
    fine_tune: &[Digit],
    held_out: &[Digit],
    info: &ModelInfo<'_>,
    mut on_epoch: impl FnMut(usize, f32),
) -> Report {
    let fine_tune_before = correct(backbone, head, fine_tune, info);
    let held_out_before = correct(backbone, head, held_out, info);
    let mut rng = Rng::seed(0);
    let mut losses = [0.0; EPOCHS];
    for (epoch, loss) in losses.iter_mut().enumerate() {
        let mut total = 0.0;
        for batch in fine_tune.chunks(BATCH) {
            total += train_step(backbone, head, trainer, batch, info, &mut rng);
        }
        *loss = if fine_tune.is_empty() {
            0.0
        } else {
            total / fine_tune.len() as f32
        };
        on_epoch(epoch, *loss);
    }
    Report {
        losses,
        fine_tune_before,
        fine_tune_after: correct(backbone, head, fine_tune, info),
        held_out_before,
        held_out_after: correct(backbone, head, held_out, info),
    }
}

/// One optimizer step on `batch`; returns the sum of the digits' losses.
pub fn train_step(
    backbone: &Quantized<Backbone>,
    head: &mut Head,
    trainer: &mut HeadTrainer,
    batch: &[Digit],
    info: &ModelInfo<'_>,
    rng: &mut Rng,
) -> f32 {
    let mut total = 0.0;
    for digit in batch {
        let x = features(backbone, digit, info);
        total += trainer.accumulate(head, &x, &finetune::target(digit.label), rng);
    }
    trainer.step(head);
    total
}
