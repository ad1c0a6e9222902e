//! On-device fine-tuning of the gesture CNN for a new user, on windows the device generates.
//!
//! The host trained [`GestureCnn`](embednn_models::GestureCnn) on the usual users of the gesture
//! generator (`embednn_models::gestures`). A new user moves differently: every gesture takes
//! twice as long and is half as strong again ([`NEW_USER`]: speed 0.5, strength 1.5), which
//! costs the host model about a fifth of its accuracy (slow shakes and swipes suffer most). The
//! device records [`FINE_TUNE_WINDOWS`] windows of this user — here it generates them with the
//! same seeded generator ([`labelled_in_style`]), window `i` from `(FINE_TUNE_SEED, i)` alone, so
//! nothing is stored: each epoch regenerates them — and fine-tunes the classifier head with the
//! convolutions frozen ([`GestureHead`]). Another [`HELD_OUT_WINDOWS`] windows of the same user
//! from another seed only measure.
//!
//! The host (the firmware's build script) runs this same code, and the device must match it bit
//! for bit.

pub use crate::finetune::{Report, EPOCHS};
use embednn::format::ModelInfo;
use embednn::prelude::*;
pub use embednn_models::gestures::{labelled_in_style, Gesture, Style, Window};

/// The gesture CNN with its feature extractor (both convolutions, the pools and the global
/// average) frozen: only the `Dense<32, 6>` head (198 parameters) trains. Same layers as
/// [`GestureCnn`](embednn_models::GestureCnn), so `gestures.ennm` loads into it.
pub type GestureHead = (
    Frozen<(
        Conv1d<64, 3, 16, 5, 1, 64, Same>,
        Relu,
        MaxPool1d<2, 2, 32>,
        Conv1d<32, 16, 32, 5, 1, 32, Same>,
        Relu,
        MaxPool1d<2, 2, 16>,
        GlobalAvgPool,
    )>,
    Dense<32, 6>,
);
const _: () = embednn::check::<GestureHead>();

/// How the new user moves: gestures twice as slow and 1.5 times as strong.
pub const NEW_USER: Style = Style {
    speed: 0.5,
    strength: 1.5,
};
/// Seed of the windows the device fine-tunes on.
pub const FINE_TUNE_SEED: u64 = 0x6E57_F17E;
/// Windows fine-tuned on (20 per gesture).
pub const FINE_TUNE_WINDOWS: usize = 120;
/// Seed of the windows that only measure.
pub const HELD_OUT_SEED: u64 = 0x6E57_0E1D;
/// Windows that only measure (50 per gesture).
pub const HELD_OUT_WINDOWS: usize = 300;

/// Passes over the fine-tuning windows.
/// Windows per optimizer step.
pub const BATCH: usize = 16;
/// Adam's learning rate.
pub const LEARNING_RATE: f32 = 0.01;

/// The trainer: softmax cross-entropy on the logits, Adam. Its RAM is
/// `Trainer::<GestureHead, SoftmaxCrossEntropy, Adam>::RAM_BYTES`, known at compile time.
pub type GestureTrainer = Trainer<GestureHead, SoftmaxCrossEntropy, Adam>;

/// A fresh trainer (`const`, so it can initialize a `static`).
pub const fn trainer() -> GestureTrainer {
    Trainer::new(SoftmaxCrossEntropy, Adam::new(LEARNING_RATE))
}

/// Window `index` of the new user's data set `seed`, normalized as the model file says, and its
/// label.
pub fn window(seed: u64, index: usize, info: &ModelInfo<'_>) -> (Window, usize) {
    let (gesture, mut window) = labelled_in_style(seed, index as u64, NEW_USER);
    // The file was loaded into GestureCnn, which checked the statistics' length.
    let _ = info.normalize(&mut window);
    (window, gesture.index())
}

/// Number of the windows `0..count` of data set `seed` that `model` classifies correctly.
pub fn correct<M>(model: &M, seed: u64, count: usize, info: &ModelInfo<'_>) -> usize
where
    M: Model + FixedInput<Input = Window>,
{
    (0..count)
        .filter(|&i| {
            let (x, label) = window(seed, i, info);
            model.predict(&x).argmax() == label
        })
        .count()
}

/// One epoch over the fine-tuning windows, in order, [`BATCH`] per optimizer step. Returns the
/// mean training loss.
pub fn train_epoch(
    model: &mut GestureHead,
    trainer: &mut GestureTrainer,
    info: &ModelInfo<'_>,
    rng: &mut Rng,
) -> f32 {
    let mut total = 0.0;
    for start in (0..FINE_TUNE_WINDOWS).step_by(BATCH) {
        total += train_step(model, trainer, start, info, rng);
    }
    total / FINE_TUNE_WINDOWS as f32
}

/// One optimizer step on the fine-tuning windows `start..start + BATCH` (fewer at the end).
/// Returns the sum of their losses.
pub fn train_step(
    model: &mut GestureHead,
    trainer: &mut GestureTrainer,
    start: usize,
    info: &ModelInfo<'_>,
    rng: &mut Rng,
) -> f32 {
    let mut total = 0.0;
    for i in start..(start + BATCH).min(FINE_TUNE_WINDOWS) {
        let (x, label) = window(FINE_TUNE_SEED, i, info);
        let mut target = [0.0; Gesture::COUNT];
        if let Some(t) = target.get_mut(label) {
            *t = 1.0;
        }
        total += trainer.accumulate(model, &x, &target, rng);
    }
    trainer.step(model);
    total
}

/// The whole run: accuracy before, [`EPOCHS`] epochs (calling `on_epoch(epoch, loss)` after
/// each), accuracy after. The host (build script) and the device run this same function.
pub fn run(
    model: &mut GestureHead,
    trainer: &mut GestureTrainer,
    info: &ModelInfo<'_>,
    mut on_epoch: impl FnMut(usize, f32),
) -> Report {
    let fine_tune_before = correct(model, FINE_TUNE_SEED, FINE_TUNE_WINDOWS, info);
    let held_out_before = correct(model, HELD_OUT_SEED, HELD_OUT_WINDOWS, info);
    let mut rng = Rng::seed(0); // no dropout in this model: never drawn from
    let mut losses = [0.0; EPOCHS];
    for (epoch, loss) in losses.iter_mut().enumerate() {
        *loss = train_epoch(model, trainer, info, &mut rng);
        on_epoch(epoch, *loss);
    }
    Report {
        losses,
        fine_tune_before,
        fine_tune_after: correct(model, FINE_TUNE_SEED, FINE_TUNE_WINDOWS, info),
        held_out_before,
        held_out_after: correct(model, HELD_OUT_SEED, HELD_OUT_WINDOWS, info),
    }
}
