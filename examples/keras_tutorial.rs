//! The classic Keras tutorial, line for line:
//!
//! ```python
//! np.random.seed(42)
//! X = np.random.rand(100, 2); y = np.random.rand(100)
//! model = Sequential([Dense(10, activation='relu', input_shape=(2,)), Dense(1)])
//! model.compile(optimizer='adam', loss='mse')
//! model.fit(X, y, epochs=100)
//! print(model.predict(np.random.rand(10, 2)))
//! ```
//!
//! Run: `cargo run --release --example keras_tutorial`

use embednn::format::{ModelFile, Preprocessing};
use embednn::prelude::*;
use embednn_models::KerasTutorial;
use host_trainer::{FitOptions, Sequential};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // X = np.random.rand(100, 2); y = np.random.rand(100)
    let mut rng = Rng::seed(42);
    let x: Vec<[f32; 2]> = (0..100).map(|_| [rng.next_f32(), rng.next_f32()]).collect();
    let y: Vec<[f32; 1]> = (0..100).map(|_| [rng.next_f32()]).collect();

    // model = Sequential([Dense(10, activation='relu', input_shape=(2,)), Dense(1)])
    // model.compile(optimizer='adam', loss='mse')
    let mut model = Sequential::<KerasTutorial>::new(42).compile(Adam::new(0.001), Mse);
    println!("{}", model.summary());

    // model.fit(X, y, epochs=100)
    let history = model.fit(
        &x,
        &y,
        FitOptions {
            epochs: 100,
            ..Default::default()
        },
    )?;

    // model.predict(np.random.rand(10, 2))
    let new: Vec<[f32; 2]> = (0..10).map(|_| [rng.next_f32(), rng.next_f32()]).collect();
    for (x, p) in new.iter().zip(model.predict(&new)) {
        println!("predict({:.3}, {:.3}) = {:.4}", x[0], x[1], p[0]);
    }
    let final_loss = history.last().map_or(f64::NAN, |e| e.loss);
    println!("final training loss (mse): {final_loss:.5}");

    let out = std::path::Path::new("out");
    std::fs::create_dir_all(out)?;
    ModelFile::save(
        model.model(),
        &Preprocessing::default(),
        out.join("keras_tutorial.ennm"),
    )?;
    host_trainer::plot::training_curves(
        &history,
        "Keras tutorial (Dense 10 relu → Dense 1)",
        &out.join("keras_tutorial.png"),
    )?;
    println!("wrote out/keras_tutorial.ennm and out/keras_tutorial.png");
    Ok(())
}
