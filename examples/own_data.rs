//! Your own data, end to end, the way the README's walk-through tells it: a CSV with a header
//! row and a label column → your own model type ending in `Sigmoid` → compile, fit, evaluate →
//! one checked model file (weights, standardization, class names) → `embednn predict`.
//!
//! Run: `cargo run --release --example own_data` (writes `out/diagnosis.ennm`,
//! `out/new_patients.csv`, five held-out rows without their label, and `out/test_patients.csv`,
//! every held-out row with it), then
//! `cargo run -p embednn-cli --bin embednn -- predict out/diagnosis.ennm out/new_patients.csv` and
//! `… evaluate out/diagnosis.ennm out/test_patients.csv`.

use std::io::Write;

use host_trainer::data::Target;
use host_trainer::prelude::*;

/// Your model: 30 measurements → 24 hidden units → the probability that a tumour is malignant.
/// As in Keras: `Dense(24, activation='relu')`, `Dense(1, activation='sigmoid')`.
type Diagnosis = (Dense<30, 24>, Relu, Dense<24, 1>, Sigmoid);
// Shape errors, if any, show up in `cargo check` and the editor, not only at the first use.
const _: () = embednn::check::<Diagnosis>();

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // 1. The data: a header row, 30 numeric columns and the label column `diagnosis`
    //    (`benign` or `malignant`).
    let data = Dataset::from_csv(
        "data/breast_cancer.csv",
        &CsvSpec::classification("diagnosis"),
    )?;
    // 2. A stratified 75/25 split (scikit-learn's `train_test_split(..., stratify=y)` sizes), and
    //    standardization fitted on the training rows only.
    let split = data.split(&SplitSpec::new(0.0, 0.25, 42).stratified())?;
    let (mut train, mut test) = (data.subset(&split.train)?, data.subset(&split.test)?);
    let raw_test = test.clone();
    let pre = Preprocessor::fit(&train)?;
    pre.transform(&mut train)?;
    pre.transform(&mut test)?;
    let (x, y): (Vec<[f32; 30]>, Vec<[f32; 1]>) = (train.inputs()?, train.binary_targets()?);
    let (tx, ty): (Vec<[f32; 30]>, Vec<[f32; 1]>) = (test.inputs()?, test.binary_targets()?);

    // 3. compile / fit / evaluate. `BinaryCrossEntropy` goes with the `Sigmoid` ending (another
    //    pairing is a compile error that names the right loss).
    let mut model = Sequential::<Diagnosis>::new(42)
        .compile(Adam::new(0.001), BinaryCrossEntropy)
        .with_metrics(&[Metric::Accuracy, Metric::Auc]);
    println!("{}", model.summary());
    model.fit(
        &x,
        &y,
        FitOptions {
            epochs: 100,
            batch_size: 32,
            validation: Validation::Split(0.1),
            early_stopping: Some(EarlyStopping::new(10)),
            verbose: Verbosity::Silent,
            ..Default::default()
        },
    )?;
    let eval = model.evaluate(&tx, &ty)?;
    let accuracy = eval.metric(Metric::Accuracy).unwrap_or(0.0);
    println!(
        "held-out test: {} rows, loss {:.4}, accuracy {accuracy:.4}, ROC-AUC {:.4}",
        tx.len(),
        eval.loss,
        eval.metric(Metric::Auc).unwrap_or(0.0)
    );

    // 4. One checked file: weights, the standardization and the class names.
    std::fs::create_dir_all("out")?;
    model.save("out/diagnosis.ennm", &pre)?;
    // Five held-out rows as a user would have them: raw measurements, no label.
    let mut new = std::fs::File::create("out/new_patients.csv")?;
    writeln!(new, "{}", raw_test.feature_names().join(","))?;
    for row in raw_test.rows().take(5) {
        let cells: Vec<String> = row.iter().map(f32::to_string).collect();
        writeln!(new, "{}", cells.join(","))?;
    }
    // All held-out rows with their label, for `embednn evaluate`.
    let mut labelled = std::fs::File::create("out/test_patients.csv")?;
    writeln!(labelled, "{},diagnosis", raw_test.feature_names().join(","))?;
    if let Target::Classes { labels, names } = raw_test.target() {
        for (row, &label) in raw_test.rows().zip(labels) {
            let cells: Vec<String> = row.iter().map(f32::to_string).collect();
            writeln!(labelled, "{},{}", cells.join(","), names[label])?;
        }
    }
    println!("wrote out/diagnosis.ennm, out/new_patients.csv and out/test_patients.csv");
    if accuracy < 0.95 {
        return Err(format!("test accuracy {accuracy:.4} is below 0.95").into());
    }
    Ok(())
}
