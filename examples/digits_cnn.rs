//! UCI optical digits with a CNN (`DigitsCnn`: two 3×3 convolutions with max pooling, then
//! dropout and a dense layer) — about 2 points above the MLP of `examples/digits.rs`.
//!
//! Same data and split as the MLP, so the two are comparable: every fifth row (index % 5 == 4)
//! is the held-out test set (359 images), the rest (1,438) trains. Pixels (0–16) are divided
//! by 16 — a fixed scale rather than per-pixel standardization, which would give each position
//! its own scale and so undo what a convolution shares across positions. The model file stores
//! the scaling as mean 0, std 16 per pixel, so firmware feeds raw 0–16 counts.
//!
//! Dropout (25%) before the classifier is the only regularization: 100 epochs of Adam with a
//! cosine-decaying learning rate, about 2 s in release mode. Augmentation did not pay here —
//! these digits are already centred and size-normalized, and shifting an 8×8 image by one pixel
//! (tried, with and without Gaussian pixel noise) made training slower and the result no better.
//! The test images are shown after every epoch only to draw the validation curve; the program
//! selects nothing on them (no early stopping). Over seeds 0–9 the test accuracy was
//! 98.6–99.7% (1–5 of 359 wrong).
//!
//! Run: `cargo run --release --example digits_cnn` (writes `out/digits_cnn.ennm` and
//! `out/digits_cnn.png`; exits with an error below 98% test accuracy). The seed is 0; pass
//! another as the only argument (`-- 3`) to see the spread.

use embednn::format::{ModelFile, Preprocessing};
use embednn::prelude::*;
use embednn_models::DigitsCnn;
use host_trainer::data::{CsvSpec, Dataset, Standardizer};
use host_trainer::metrics::{ClassificationReport, ConfusionMatrix};
use host_trainer::{FitOptions, Metric, Schedule, Sequential, Verbosity};

/// One 8×8 grayscale image, channels last.
type Image = [[[f32; 1]; 8]; 8];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let seed: u64 = match std::env::args().nth(1) {
        Some(arg) => arg.parse().map_err(|_| format!("not a seed: {arg}"))?,
        None => 0,
    };
    let data = Dataset::from_csv("data/digits.csv", &CsvSpec::classification("label"))?;
    let split = data.every_kth(5, 4)?;
    let (mut train, mut test) = (data.subset(&split.train)?, data.subset(&split.test)?);
    let scale = Standardizer::from_parts(vec![0.0; 64], vec![16.0; 64])?;
    scale.transform(&mut train)?;
    scale.transform(&mut test)?;
    let (x, y): (Vec<Image>, Vec<[f32; 10]>) = (train.inputs()?, train.one_hot_targets()?);
    let (tx, ty): (Vec<Image>, Vec<[f32; 10]>) = (test.inputs()?, test.one_hot_targets()?);

    let epochs = 100;
    let mut model = Sequential::<DigitsCnn>::with_initializer(seed, Initializer::HeUniform)
        .compile(Adam::new(0.002), CategoricalCrossEntropy)
        .with_metrics(&[Metric::Accuracy]);
    println!("{}", model.summary());
    let started = std::time::Instant::now();
    let history = model.fit_with_validation_data(
        &x,
        &y,
        &tx,
        &ty,
        FitOptions {
            epochs,
            batch_size: 32,
            verbose: Verbosity::Epochs,
            schedule: Schedule::Cosine {
                epochs,
                min_lr: 0.0001,
            },
            ..Default::default()
        },
    )?;
    let training_time = started.elapsed();

    let eval = model.evaluate(&tx, &ty)?;
    let names = data.class_names().unwrap_or_default();
    let predicted: Vec<usize> = model.predict(&tx).iter().map(|p| p.argmax()).collect();
    let truth: Vec<usize> = ty.iter().map(|t| t.argmax()).collect();
    println!("{}", ClassificationReport::new(&truth, &predicted, names)?);
    let cm = ConfusionMatrix::new(&truth, &predicted, 10)?;
    println!("confusion matrix (rows = true digit, columns = predicted):");
    for row in cm.rows() {
        println!(
            "  {}",
            row.iter().map(|c| format!("{c:3}")).collect::<String>()
        );
    }
    let accuracy = eval.metrics[0].1;
    let errors = predicted.iter().zip(&truth).filter(|(p, t)| p != t).count();
    println!(
        "seed {seed}: held-out test: {} samples, {errors} wrong, loss {:.4}, \
         accuracy {accuracy:.4} (trained in {:.1} s)",
        tx.len(),
        eval.loss,
        training_time.as_secs_f64()
    );

    let out = std::path::Path::new("out");
    std::fs::create_dir_all(out)?;
    let labels: Vec<&str> = names.iter().map(|s| s.as_str()).collect();
    let pre = Preprocessing {
        mean: scale.mean(),
        std: scale.std(),
        labels: &labels,
    };
    ModelFile::save(model.model(), &pre, out.join("digits_cnn.ennm"))?;
    host_trainer::plot::training_curves(
        &history,
        "digits CNN: conv 3×3×16 → pool → conv 3×3×32 → pool → 10",
        &out.join("digits_cnn.png"),
    )?;
    println!("wrote out/digits_cnn.ennm and out/digits_cnn.png");
    if accuracy < 0.98 {
        return Err(format!("test accuracy {accuracy:.4} is below 0.98").into());
    }
    Ok(())
}
