//! On-device transfer learning: the digits MLP, trained on the host, is fine-tuned on the device
//! to digits it has never seen, drawn differently.
//!
//! The model is [`DigitsHead`]: the host-trained hidden layer frozen, the 64 → 10 classifier head
//! trained. The data are the held-out rows of `data/digits.csv` (the rows the host model was not
//! trained on, `index % 5 == 4`) after [`distort`], which shifts every image one pixel to the
//! right, the kind of offset a re-mounted camera produces (it costs the host model two thirds of
//! its accuracy). Half of them fine-tune ([`is_fine_tune_row`]); the other half only measure, so
//! the accuracy gain is shown on digits the device did not train on either.
//!
//! Pixels stay in flash as bytes (0–16) and are standardized on the device with the mean and
//! standard deviation stored in the model file, as a sensor reading would be.

use embednn::format::ModelInfo;
use embednn::prelude::*;
pub use embednn_models::DigitsHead;

/// Passes over the fine-tuning set.
pub const EPOCHS: usize = 10;
/// Samples per optimizer step.
pub const BATCH: usize = 16;
/// Adam's learning rate.
pub const LEARNING_RATE: f32 = 0.005;

/// The trainer: categorical cross-entropy on the `Softmax` the model ends in (the gradient fused
/// with the softmax, as Keras does), Adam. Its RAM is
/// `Trainer::<DigitsHead, CategoricalCrossEntropy, Adam>::RAM_BYTES`, known at compile time.
pub type HeadTrainer = Trainer<DigitsHead, CategoricalCrossEntropy, Adam>;

/// A fresh trainer (`const`, so it can initialize a `static`).
pub const fn trainer() -> HeadTrainer {
    Trainer::new(CategoricalCrossEntropy, Adam::new(LEARNING_RATE))
}

/// An 8×8 digit as stored in flash: pixel intensities 0–16, row by row, and its label.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Digit {
    /// Pixels, row-major.
    pub pixels: [u8; 64],
    /// The digit, 0–9.
    pub label: u8,
}

/// Shifts the image one pixel to the right: the last column is lost, the first is blank.
pub fn distort(pixels: &[u8; 64]) -> [u8; 64] {
    let mut out = [0u8; 64];
    for (r, row) in out.chunks_exact_mut(8).enumerate() {
        for (c, p) in row.iter_mut().enumerate().skip(1) {
            *p = pixels.get(r * 8 + c - 1).copied().unwrap_or(0);
        }
    }
    out
}

/// Whether held-out row `index` of the CSV fine-tunes (true) or only evaluates (false).
pub fn is_fine_tune_row(index: usize) -> bool {
    index % 10 == 4
}

/// The model input for a digit: pixels standardized with the model file's statistics.
pub fn input(digit: &Digit, info: &ModelInfo<'_>) -> [f32; 64] {
    let mut x = digit.pixels.map(f32::from);
    // The file was loaded into DigitsHead, which checked the statistics' length.
    let _ = info.normalize(&mut x);
    x
}

/// A digit as the CNN's 8×8×1 image: pixels scaled with `mean` and `std` (one per pixel, from
/// the model file) by [`standardize`](crate::standardize).
pub fn image(digit: &Digit, mean: &[f32], std: &[f32]) -> [[[f32; 1]; 8]; 8] {
    let mut x = [[[0.0; 1]; 8]; 8];
    for (v, &p) in x.flat_mut().iter_mut().zip(&digit.pixels) {
        *v = f32::from(p);
    }
    crate::standardize(x.flat_mut(), mean, std);
    x
}

/// The one-hot target for a label.
pub fn target(label: u8) -> [f32; 10] {
    let mut t = [0.0; 10];
    if let Some(v) = t.get_mut(usize::from(label)) {
        *v = 1.0;
    }
    t
}

/// One training step: accumulates the gradient of every digit in `batch` (forward and backward
/// pass), then lets the optimizer update the head. Returns the sum of the digits' losses.
pub fn train_step(
    model: &mut DigitsHead,
    trainer: &mut HeadTrainer,
    batch: &[Digit],
    info: &ModelInfo<'_>,
    rng: &mut Rng,
) -> f32 {
    let mut total = 0.0;
    for digit in batch {
        total += trainer.accumulate(model, &input(digit, info), &target(digit.label), rng);
    }
    trainer.step(model);
    total
}

/// One epoch: mini-batches of [`BATCH`] in order, one [`train_step`] each. Returns the mean
/// training loss over the epoch's samples (as Keras reports it).
pub fn train_epoch(
    model: &mut DigitsHead,
    trainer: &mut HeadTrainer,
    data: &[Digit],
    info: &ModelInfo<'_>,
    rng: &mut Rng,
) -> f32 {
    let mut total = 0.0;
    for batch in data.chunks(BATCH) {
        total += train_step(model, trainer, batch, info, rng);
    }
    if data.is_empty() {
        0.0
    } else {
        total / data.len() as f32
    }
}

/// Number of digits the model classifies correctly.
pub fn correct<M>(model: &M, data: &[Digit], info: &ModelInfo<'_>) -> usize
where
    M: Model + FixedInput<Input = [f32; 64]>,
{
    data.iter()
        .filter(|d| model.predict(&input(d, info)).argmax() == usize::from(d.label))
        .count()
}

/// What a fine-tuning run produced: the loss of each epoch and the number of correct
/// classifications before and after, on the fine-tuning set and on the held-out set.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Report {
    /// Mean training loss of each epoch.
    pub losses: [f32; EPOCHS],
    /// Correct on the fine-tuning set before training.
    pub fine_tune_before: usize,
    /// Correct on the fine-tuning set after training.
    pub fine_tune_after: usize,
    /// Correct on the held-out set before training.
    pub held_out_before: usize,
    /// Correct on the held-out set after training.
    pub held_out_after: usize,
}

impl Report {
    /// Every loss bit for bit and every count equal: the device repeated the host's run exactly.
    pub fn same_bits(&self, other: &Report) -> bool {
        self.losses.map(f32::to_bits) == other.losses.map(f32::to_bits)
            && (
                self.fine_tune_before,
                self.fine_tune_after,
                self.held_out_before,
                self.held_out_after,
            ) == (
                other.fine_tune_before,
                other.fine_tune_after,
                other.held_out_before,
                other.held_out_after,
            )
    }
}

/// The whole run: accuracy before, [`EPOCHS`] epochs (calling `on_epoch(epoch, loss)` after
/// each), accuracy after. The host (build script) and the device run this same function.
pub fn run(
    model: &mut DigitsHead,
    trainer: &mut HeadTrainer,
    fine_tune: &[Digit],
    held_out: &[Digit],
    info: &ModelInfo<'_>,
    mut on_epoch: impl FnMut(usize, f32),
) -> Report {
    let fine_tune_before = correct(model, fine_tune, info);
    let held_out_before = correct(model, held_out, info);
    let mut rng = Rng::seed(0); // no dropout here: the generator is never drawn from
    let mut losses = [0.0; EPOCHS];
    for (epoch, loss) in losses.iter_mut().enumerate() {
        *loss = train_epoch(model, trainer, fine_tune, info, &mut rng);
        on_epoch(epoch, *loss);
    }
    Report {
        losses,
        fine_tune_before,
        fine_tune_after: correct(model, fine_tune, info),
        held_out_before,
        held_out_after: correct(model, held_out, info),
    }
}
