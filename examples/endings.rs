//! Keras' probability endings against the logits endings, over ten seeds: a binary data set
//! (breast cancer, `Sigmoid` + `BinaryCrossEntropy` vs `BinaryCrossEntropyWithLogits`) and a
//! three-class one (iris, `Softmax` + `CategoricalCrossEntropy` vs `SoftmaxCrossEntropy`).
//!
//! Each seed draws its own stratified 75/25 split and its own initial weights; both endings of a
//! pair start from the same weights. The accuracy printed is the one `evaluate` reports, checked
//! here against the accuracy counted from the model's own outputs (`p > 0.5`, or the largest
//! output); `host-trainer/tests/endings.rs` checks the metrics against scikit-learn's.
//!
//! Run: `cargo run --release --example endings` (prints a Markdown table; exits with an error
//! if an ending's reported accuracy is not the counted one, or the two endings differ by more
//! than noise).

use host_trainer::prelude::*;

type CancerLogits = (Dense<30, 16>, Relu, Dense<16, 1>);
type CancerProbabilities = (Dense<30, 16>, Relu, Dense<16, 1>, Sigmoid);
type IrisLogits = (Dense<4, 16>, Relu, Dense<16, 3>);
type IrisProbabilities = (Dense<4, 16>, Relu, Dense<16, 3>, Softmax);

const SEEDS: u64 = 10;

/// Training and test rows of one seed's stratified split, standardized on the training rows.
fn split(data: &Dataset, seed: u64) -> Result<(Dataset, Dataset), DataError> {
    let split = data.split(&SplitSpec::new(0.0, 0.25, seed).stratified())?;
    let (mut train, mut test) = (data.subset(&split.train)?, data.subset(&split.test)?);
    let pre = Preprocessor::fit(&train)?;
    pre.transform(&mut train)?;
    pre.transform(&mut test)?;
    Ok((train, test))
}

/// The reported test accuracy, after checking it is the share of outputs on the right side of
/// `threshold` (0.5 for a probability, 0 for a logit) or, for several outputs, the largest.
fn checked_accuracy<const N: usize>(
    evaluation: &Evaluation,
    outputs: &[[f32; N]],
    truth: &[[f32; N]],
    threshold: f32,
) -> Result<f64, String> {
    let reported = evaluation.metric(Metric::Accuracy).ok_or("no accuracy")?;
    let right = outputs
        .iter()
        .zip(truth)
        .filter(|(p, t)| match N {
            1 => (p[0] > threshold) == (t[0] > 0.5),
            _ => p.argmax() == t.argmax(),
        })
        .count();
    let counted = right as f64 / outputs.len() as f64;
    if reported != counted {
        return Err(format!(
            "reported accuracy {reported} but {counted} counted"
        ));
    }
    Ok(reported)
}

/// One row of the table: `[logits, probabilities]` test accuracy per seed.
struct Row {
    name: &'static str,
    endings: [&'static str; 2],
    accuracy: [Vec<f64>; 2],
}

fn options() -> FitOptions<'static> {
    FitOptions {
        epochs: 40,
        batch_size: 16,
        verbose: Verbosity::Silent,
        ..Default::default()
    }
}

fn cancer() -> Result<Row, Box<dyn std::error::Error>> {
    let data = Dataset::from_csv(
        "data/breast_cancer.csv",
        &CsvSpec::classification("diagnosis"),
    )?;
    let mut accuracy = [Vec::new(), Vec::new()];
    for seed in 0..SEEDS {
        let (train, test) = split(&data, seed)?;
        let (x, y): (Vec<[f32; 30]>, Vec<[f32; 1]>) = (train.inputs()?, train.binary_targets()?);
        let (tx, ty): (Vec<[f32; 30]>, Vec<[f32; 1]>) = (test.inputs()?, test.binary_targets()?);
        let mut logits = Sequential::<CancerLogits>::new(seed)
            .compile(Adam::new(0.001), BinaryCrossEntropyWithLogits)
            .with_metrics(&[Metric::Accuracy]);
        logits.fit(&x, &y, options())?;
        accuracy[0].push(checked_accuracy(
            &logits.evaluate(&tx, &ty)?,
            &logits.predict(&tx),
            &ty,
            0.0,
        )?);
        let mut probabilities = Sequential::<CancerProbabilities>::new(seed)
            .compile(Adam::new(0.001), BinaryCrossEntropy)
            .with_metrics(&[Metric::Accuracy]);
        probabilities.fit(&x, &y, options())?;
        accuracy[1].push(checked_accuracy(
            &probabilities.evaluate(&tx, &ty)?,
            &probabilities.predict(&tx),
            &ty,
            0.5,
        )?);
    }
    Ok(Row {
        name: "breast cancer (binary, 569 rows), 30 → 16 → 1",
        endings: [
            "logits + `BinaryCrossEntropyWithLogits`",
            "`Sigmoid` + `BinaryCrossEntropy`",
        ],
        accuracy,
    })
}

fn iris() -> Result<Row, Box<dyn std::error::Error>> {
    let data = Dataset::from_csv("data/iris.csv", &CsvSpec::classification("species"))?;
    let mut accuracy = [Vec::new(), Vec::new()];
    for seed in 0..SEEDS {
        let (train, test) = split(&data, seed)?;
        let (x, y): (Vec<[f32; 4]>, Vec<[f32; 3]>) = (train.inputs()?, train.one_hot_targets()?);
        let (tx, ty): (Vec<[f32; 4]>, Vec<[f32; 3]>) = (test.inputs()?, test.one_hot_targets()?);
        let mut logits = Sequential::<IrisLogits>::new(seed)
            .compile(Adam::new(0.01), SoftmaxCrossEntropy)
            .with_metrics(&[Metric::Accuracy]);
        logits.fit(&x, &y, options())?;
        accuracy[0].push(checked_accuracy(
            &logits.evaluate(&tx, &ty)?,
            &logits.predict(&tx),
            &ty,
            0.0,
        )?);
        let mut probabilities = Sequential::<IrisProbabilities>::new(seed)
            .compile(Adam::new(0.01), CategoricalCrossEntropy)
            .with_metrics(&[Metric::Accuracy]);
        probabilities.fit(&x, &y, options())?;
        accuracy[1].push(checked_accuracy(
            &probabilities.evaluate(&tx, &ty)?,
            &probabilities.predict(&tx),
            &ty,
            0.5,
        )?);
    }
    Ok(Row {
        name: "iris (3 classes, 150 rows), 4 → 16 → 3",
        endings: [
            "logits + `SoftmaxCrossEntropy`",
            "`Softmax` + `CategoricalCrossEntropy`",
        ],
        accuracy,
    })
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!(
        "| data set, model | ending | test accuracy, mean | min–max over {SEEDS} seeds | \
         seeds where the endings agree |"
    );
    println!("|---|---|---:|---:|---:|");
    for row in [cancer()?, iris()?] {
        let agree = row.accuracy[0]
            .iter()
            .zip(&row.accuracy[1])
            .filter(|(a, b)| a == b)
            .count();
        let mut means = [0.0; 2];
        for (i, (ending, acc)) in row.endings.iter().zip(&row.accuracy).enumerate() {
            means[i] = acc.iter().sum::<f64>() / acc.len() as f64;
            let (lo, hi) = acc
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &a| {
                    (lo.min(a), hi.max(a))
                });
            println!(
                "| {} | {ending} | {:.4} | {lo:.4}–{hi:.4} | {agree}/{SEEDS} |",
                row.name, means[i]
            );
        }
        // Noise: one test row of the smaller test set is 1/38 of accuracy; allow half of it.
        if (means[0] - means[1]).abs() > 0.013 {
            return Err(format!("{}: the endings differ beyond noise: {means:?}", row.name).into());
        }
    }
    Ok(())
}
