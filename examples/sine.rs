//! The TinyML "hello world": learn sin(x) on [0, 2π] from noisy samples with a 1 → 16 → 16 → 1
//! network, then save the model file that the firmware deploys (`examples/firmware`).
//!
//! Run: `cargo run --release --example sine` (writes `out/sine.ennm` and `out/sine.png`).

use embednn::format::{ModelFile, Preprocessing};
use embednn::prelude::*;
use embednn_models::Sine;
use host_trainer::{FitOptions, Metric, Sequential, Verbosity};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // 1,000 points, uniformly spread over [0, 2π], with N(0, 0.1²) noise (as the TFLM example).
    let mut rng = Rng::seed(1337);
    let x: Vec<[f32; 1]> = (0..1000)
        .map(|_| [rng.uniform(0.0, std::f32::consts::TAU)])
        .collect();
    let y: Vec<[f32; 1]> = x
        .iter()
        .map(|x| [x[0].sin() + 0.1 * rng.normal()])
        .collect();
    // 60% train, 20% validation, 20% test.
    let (train_x, rest_x) = x.split_at(600);
    let (train_y, rest_y) = y.split_at(600);
    let (val_x, test_x) = rest_x.split_at(200);
    let (val_y, test_y) = rest_y.split_at(200);

    let mut model = Sequential::<Sine>::with_initializer(7, Initializer::HeUniform)
        .compile(Adam::new(0.01), Mse)
        .with_metrics(&[Metric::Mae]);
    println!("{}", model.summary());
    let history = model.fit_with_validation_data(
        train_x,
        train_y,
        val_x,
        val_y,
        FitOptions {
            epochs: 300,
            batch_size: 32,
            verbose: Verbosity::Epochs,
            early_stopping: Some(host_trainer::EarlyStopping::new(50)),
            ..Default::default()
        },
    )?;
    let test = model.evaluate(test_x, test_y)?;
    // Against the noise-free curve: how well the network learned sin itself.
    let clean: Vec<[f32; 1]> = test_x.iter().map(|x| [x[0].sin()]).collect();
    let vs_sine = model.evaluate(test_x, &clean)?;
    println!(
        "test mse {:.5} (noise variance is 0.01), mae {:.4}; against the noise-free sine: mse {:.5}",
        test.loss, test.metrics[0].1, vs_sine.loss
    );
    println!(
        "best epoch {:?} of {}",
        history.best_epoch.map(|e| e + 1),
        history.epochs.len()
    );

    let out = std::path::Path::new("out");
    std::fs::create_dir_all(out)?;
    let pre = Preprocessing {
        labels: &["sin(x)"],
        ..Default::default()
    };
    ModelFile::save(model.model(), &pre, out.join("sine.ennm"))?;
    host_trainer::plot::training_curves(&history, "sine: 1 → 16 → 16 → 1", &out.join("sine.png"))?;
    println!("wrote out/sine.ennm and out/sine.png");
    Ok(())
}
