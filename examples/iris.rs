//! Iris: 4 measurements → 3 species, the Keras way: the model ends in `Softmax` and trains with
//! categorical cross-entropy; a held-out test set.
//!
//! Run: `cargo run --release --example iris` (writes `out/iris.ennm` and `out/iris.png`).

use embednn_models::Iris;
use host_trainer::metrics::ClassificationReport;
use host_trainer::prelude::*;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let data = Dataset::from_csv("data/iris.csv", &CsvSpec::classification("species"))?;
    // 70% train, 10% validation (early stopping), 20% test; every class in the same proportions.
    let split = data.split(&SplitSpec::new(0.1, 0.2, 42).stratified())?;
    let (mut train, mut val, mut test) = (
        data.subset(&split.train)?,
        data.subset(&split.validation)?,
        data.subset(&split.test)?,
    );
    // Statistics from the training rows only, and the class names: stored in the model file
    // for the device.
    let pre = Preprocessor::fit(&train)?;
    for part in [&mut train, &mut val, &mut test] {
        pre.transform(part)?;
    }
    let (x, y): (Vec<[f32; 4]>, Vec<[f32; 3]>) = (train.inputs()?, train.one_hot_targets()?);
    let (vx, vy): (Vec<[f32; 4]>, Vec<[f32; 3]>) = (val.inputs()?, val.one_hot_targets()?);
    let (tx, ty): (Vec<[f32; 4]>, Vec<[f32; 3]>) = (test.inputs()?, test.one_hot_targets()?);

    let mut model = Sequential::<Iris>::with_initializer(42, Initializer::HeUniform)
        .compile(Adam::new(0.01), CategoricalCrossEntropy)
        .with_metrics(&[Metric::Accuracy]);
    println!("{}", model.summary());
    let history = model.fit_with_validation_data(
        &x,
        &y,
        &vx,
        &vy,
        FitOptions {
            epochs: 200,
            batch_size: 16,
            verbose: Verbosity::Epochs,
            early_stopping: Some(EarlyStopping::new(30)),
            ..Default::default()
        },
    )?;

    let eval = model.evaluate(&tx, &ty)?;
    let names = data.class_names().unwrap_or_default();
    let predicted: Vec<usize> = model.predict(&tx).iter().map(|p| p.argmax()).collect();
    let truth: Vec<usize> = ty.iter().map(|t| t.argmax()).collect();
    println!("{}", ClassificationReport::new(&truth, &predicted, names)?);
    let accuracy = eval.metric(Metric::Accuracy).unwrap_or(0.0);
    println!(
        "held-out test: {} samples, loss {:.4}, accuracy {:.4}",
        tx.len(),
        eval.loss,
        accuracy
    );

    let out = std::path::Path::new("out");
    std::fs::create_dir_all(out)?;
    model.save(out.join("iris.ennm"), &pre)?;
    host_trainer::plot::training_curves(&history, "iris: 4 → 16 → 3", &out.join("iris.png"))?;
    println!("wrote out/iris.ennm and out/iris.png");
    if accuracy < 0.95 {
        return Err(format!("test accuracy {accuracy:.4} is below 0.95").into());
    }
    Ok(())
}
