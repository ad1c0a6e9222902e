//! Time to `fit` the Keras tutorial model and the digits MLP (the Rust half of
//! `benches/fit_vs_keras.sh`, which runs Keras side by side and prints the ratios).
//!
//! Same models, data sizes, batch sizes, epochs and splits as `benches/keras_reference.py`; one
//! JSON line per benchmark with the median wall time of the `fit` call (verbose off), the final
//! training loss and, for digits, held-out accuracy per seed.
//!
//! Run: `cargo bench --bench fit` (add `-- --repeats N`).

use std::time::Instant;

use embednn::prelude::*;
use embednn_models::{DigitsMlp, KerasTutorial};
use host_trainer::data::{CsvSpec, Dataset, Standardizer};
use host_trainer::{FitOptions, Metric, Sequential, Verbosity};

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn tutorial(repeats: usize) {
    let mut rng = Rng::seed(42);
    let x: Vec<[f32; 2]> = (0..100).map(|_| [rng.next_f32(), rng.next_f32()]).collect();
    let y: Vec<[f32; 1]> = (0..100).map(|_| [rng.next_f32()]).collect();
    let mut times = Vec::new();
    let mut final_loss = 0.0;
    for _ in 0..repeats {
        let mut model = Sequential::<KerasTutorial>::new(42).compile(Adam::new(0.001), Mse);
        let options = FitOptions {
            epochs: 100,
            batch_size: 32,
            verbose: Verbosity::Silent,
            ..Default::default()
        };
        let t = Instant::now();
        let history = model
            .fit(&x, &y, options)
            .expect("the tutorial data pairs up");
        times.push(t.elapsed().as_secs_f64());
        final_loss = history.last().map_or(f64::NAN, |e| e.loss);
    }
    println!(
        "{{\"bench\": \"tutorial\", \"impl\": \"embednn\", \"epochs\": 100, \"batch_size\": 32, \"samples\": 100, \"fit_seconds_median\": {:.6e}, \"runs\": {}, \"final_train_loss\": {:.6}}}",
        median(times),
        repeats,
        final_loss
    );
}

fn digits(repeats: usize, seeds: &[u64]) -> Result<(), Box<dyn std::error::Error>> {
    let data = Dataset::from_csv("data/digits.csv", &CsvSpec::classification("label"))?;
    let split = data.every_kth(5, 4)?;
    let (mut train, mut test) = (data.subset(&split.train)?, data.subset(&split.test)?);
    let scaler = Standardizer::fit(&train)?;
    scaler.transform(&mut train)?;
    scaler.transform(&mut test)?;
    let (x, y): (Vec<[f32; 64]>, Vec<[f32; 10]>) = (train.inputs()?, train.one_hot_targets()?);
    let (tx, ty): (Vec<[f32; 64]>, Vec<[f32; 10]>) = (test.inputs()?, test.one_hot_targets()?);
    let mut times = Vec::new();
    let mut per_seed = Vec::new();
    for &seed in seeds {
        let mut last = (0.0, 0.0);
        for _ in 0..repeats {
            let mut model = Sequential::<DigitsMlp>::new(seed)
                .compile(Adam::new(0.001), CategoricalCrossEntropy)
                .with_metrics(&[Metric::Accuracy]);
            let options = FitOptions {
                epochs: 20,
                batch_size: 32,
                verbose: Verbosity::Silent,
                ..Default::default()
            };
            let t = Instant::now();
            let history = model.fit(&x, &y, options)?;
            times.push(t.elapsed().as_secs_f64());
            let e = model.evaluate(&tx, &ty)?;
            last = (history.last().map_or(f64::NAN, |e| e.loss), e.metrics[0].1);
        }
        per_seed.push(format!(
            "{{\"seed\": {seed}, \"final_train_loss\": {:.6}, \"test_accuracy\": {:.6}}}",
            last.0, last.1
        ));
    }
    println!(
        "{{\"bench\": \"digits\", \"impl\": \"embednn\", \"hidden\": 64, \"epochs\": 20, \"batch_size\": 32, \"train_samples\": {}, \"test_samples\": {}, \"fit_seconds_median\": {:.6e}, \"runs\": {}, \"seeds\": [{}]}}",
        x.len(),
        tx.len(),
        median(times),
        seeds.len() * repeats,
        per_seed.join(", ")
    );
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let repeats = arg("--repeats", 5);
    tutorial(repeats);
    let seeds: Vec<u64> = (0..arg("--seeds", 3) as u64).collect();
    digits(repeats, &seeds)?;
    Ok(())
}
