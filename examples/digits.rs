//! UCI optical digits (8×8 images, 10 classes, 1,797 samples): an MLP 64 → 64 → 10.
//!
//! The split is the one the Keras benchmark uses (`benches/keras_reference.py`): every fifth row
//! (index % 5 == 4) is the test set, the rest trains. Features are standardized with statistics
//! of the training rows.
//!
//! Run: `cargo run --release --example digits` (writes `out/digits.ennm` and `out/digits.png`).

use embednn::format::{ModelFile, Preprocessing};
use embednn::prelude::*;
use embednn_models::DigitsMlp;
use host_trainer::data::{CsvSpec, Dataset, Standardizer};
use host_trainer::metrics::{ClassificationReport, ConfusionMatrix};
use host_trainer::{FitOptions, Metric, Sequential, Verbosity};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let data = Dataset::from_csv("data/digits.csv", &CsvSpec::classification("label"))?;
    let split = data.every_kth(5, 4)?;
    let (mut train, mut test) = (data.subset(&split.train)?, data.subset(&split.test)?);
    let scaler = Standardizer::fit(&train)?;
    scaler.transform(&mut train)?;
    scaler.transform(&mut test)?;
    let (x, y): (Vec<[f32; 64]>, Vec<[f32; 10]>) = (train.inputs()?, train.one_hot_targets()?);
    let (tx, ty): (Vec<[f32; 64]>, Vec<[f32; 10]>) = (test.inputs()?, test.one_hot_targets()?);

    let mut model = Sequential::<DigitsMlp>::new(0)
        .compile(Adam::new(0.001), CategoricalCrossEntropy)
        .with_metrics(&[Metric::Accuracy]);
    println!("{}", model.summary());
    let history = model.fit_with_validation_data(
        &x,
        &y,
        &tx,
        &ty,
        FitOptions {
            epochs: 20,
            batch_size: 32,
            verbose: Verbosity::Epochs,
            ..Default::default()
        },
    )?;

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
    println!(
        "held-out test: {} samples, loss {:.4}, accuracy {accuracy:.4}",
        tx.len(),
        eval.loss
    );

    let out = std::path::Path::new("out");
    std::fs::create_dir_all(out)?;
    let labels: Vec<&str> = names.iter().map(|s| s.as_str()).collect();
    let pre = Preprocessing {
        mean: scaler.mean(),
        std: scaler.std(),
        labels: &labels,
    };
    ModelFile::save(model.model(), &pre, out.join("digits.ennm"))?;
    host_trainer::plot::training_curves(
        &history,
        "digits MLP: 64 → 64 → 10",
        &out.join("digits.png"),
    )?;
    println!("wrote out/digits.ennm and out/digits.png");
    if accuracy < 0.96 {
        return Err(format!("test accuracy {accuracy:.4} is below 0.96").into());
    }
    Ok(())
}
