//! Post-training int8 quantization of the example models: each committed model file
//! (`examples/firmware/models/`) is loaded, calibrated on a few hundred of its training inputs,
//! converted to int8 and scored on the same held-out set as its `f32` original, with the same
//! loss and metric code (`host_trainer::quantize::evaluate`).
//!
//! The held-out sets are the examples' own:
//!
//! - digits MLP and digits CNN (`examples/digits.rs`, `examples/digits_cnn.rs`): rows with
//!   index % 5 == 4 of `data/digits.csv` (359 images); calibration on the first 300 training
//!   rows;
//! - gestures (`examples/gestures.rs`): windows `0..600` of `TEST_SEED`; calibration on windows
//!   `0..300` of `TRAIN_SEED`;
//! - iris (`examples/iris.rs`): the stratified 20 % test split of seed 42 (30 rows); calibration
//!   on all 105 training rows;
//! - sine (`examples/sine.rs`): the last 200 of the 1,000 points drawn from `Rng::seed(1337)`,
//!   scored against the noise-free sine; calibration on the first 300 training points.
//!
//! Inputs are standardized with the statistics stored in each file, as a device does.
//! `tests/quantized_examples.rs` checks the numbers this prints.
//!
//! Run: `cargo run --release --example quantize`.

use std::error::Error;
use std::path::{Path, PathBuf};

use embednn::quant::{QFixedInput, QModel, QOutput, QTensor, Quantize, Quantized};
use embednn::{BatchScratch, Gradient, ModelFile, ModelInfo, Trace};
use embednn_models::gestures::{labelled, TEST_SEED, TEST_WINDOWS, TRAIN_SEED};
use embednn_models::{DigitsCnn, DigitsMlp, GestureCnn, Iris, Sine};
use host_trainer::data::one_hot;
use host_trainer::prelude::*;
use host_trainer::quantize::Int8;

/// Calibration inputs per model (all of them where the training set is smaller).
pub const CALIBRATION_SAMPLES: usize = 300;

/// The percentile [`Calibration::Percentile`] is tried with, for comparison.
pub const PERCENTILE: f32 = 0.1;

/// One model's `f32` and int8 scores on its held-out set.
#[derive(Clone, Debug)]
pub struct Comparison {
    /// The example model.
    pub model: &'static str,
    /// The metric compared.
    pub metric: Metric,
    /// Held-out samples.
    pub samples: usize,
    /// The `f32` model's metric.
    pub f32: f64,
    /// The int8 model's metric, min/max calibration.
    pub int8: f64,
    /// The int8 model's metric, percentile calibration ([`PERCENTILE`]).
    pub int8_percentile: f64,
    /// Bytes of `f32` parameters (`Model::PARAM_BYTES`).
    pub f32_bytes: usize,
    /// Bytes of int8 parameters (`Quantized::PARAM_BYTES`).
    pub int8_bytes: usize,
    /// The int8 model's inference RAM (`Quantized::INFERENCE_BYTES`).
    pub int8_ram: usize,
    /// The `f32` model's inference RAM (`Model::INFERENCE_BYTES`).
    pub f32_ram: usize,
}

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// A committed model file, loaded into its type.
fn load<M: Model + Init>(name: &str, bytes: &mut Vec<u8>) -> Result<M, Box<dyn Error>> {
    let path = repo("examples/firmware/models").join(name);
    *bytes = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut model = M::init(Initializer::GlorotUniform, &mut Rng::seed(0));
    ModelFile::<M>::load_into(&mut model, bytes)?;
    Ok(model)
}

/// `inputs` standardized as the file says.
fn normalized<X: Tensor>(info: &ModelInfo<'_>, inputs: Vec<X>) -> Result<Vec<X>, Box<dyn Error>> {
    inputs
        .into_iter()
        .map(|mut x| info.normalize(&mut x).map(|()| x))
        .collect::<Result<_, _>>()
        .map_err(Into::into)
}

/// What one comparison needs: the model, its loss and metric, calibration and held-out data.
struct Case<'a, M: Model, L> {
    name: &'static str,
    model: M,
    loss: L,
    metric: Metric,
    calibration: &'a [Input<M>],
    x: &'a [Input<M>],
    y: &'a [Output<M>],
}

fn compare<M, L>(case: Case<'_, M, L>) -> Result<Comparison, Box<dyn Error>>
where
    M: Model + Init + Clone + Send + Sync + Quantize<Input<M>>,
    Input<M>: Send + Sync,
    Output<M>: Send + Sync,
    Trace<M>: Send,
    Gradient<M>: Send,
    BatchScratch<M>: Send,
    Int8<M>: QModel + Sync,
    <Int8<M> as QFixedInput>::Input: QTensor<Float = Input<M>>,
    QOutput<Int8<M>>: QTensor<Float = Output<M>>,
    L: Loss<Output<M>, Target = Output<M>> + Sync + Clone,
{
    let metrics = [case.metric];
    let model = Sequential::from_model(case.model, 0)
        .compile(Adam::new(0.001), case.loss.clone())
        .with_metrics(&metrics);
    let score = |e: Evaluation| e.metric(case.metric).unwrap_or(f64::NAN);
    let f32 = score(model.evaluate(case.x, case.y)?);
    let int8 = model.quantize(case.calibration, Calibration::MinMax)?;
    let int8_score =
        quantize::evaluate::<M, _>(&int8, case.x, case.y, &case.loss, &metrics).map(score)?;
    let percentile = model.quantize(case.calibration, Calibration::Percentile(PERCENTILE))?;
    let percentile_score =
        quantize::evaluate::<M, _>(&percentile, case.x, case.y, &case.loss, &metrics).map(score)?;
    Ok(Comparison {
        model: case.name,
        metric: case.metric,
        samples: case.x.len(),
        f32,
        int8: int8_score,
        int8_percentile: percentile_score,
        f32_bytes: M::PARAM_BYTES,
        int8_bytes: Quantized::<Int8<M>>::PARAM_BYTES,
        f32_ram: M::INFERENCE_BYTES,
        int8_ram: Quantized::<Int8<M>>::INFERENCE_BYTES,
    })
}

/// The digits split of `examples/digits.rs`: (training, held-out) rows of `data/digits.csv`.
fn digits() -> Result<(Dataset, Dataset), Box<dyn Error>> {
    let data = Dataset::from_csv(repo("data/digits.csv"), &CsvSpec::classification("label"))?;
    let split = data.every_kth(5, 4)?;
    Ok((data.subset(&split.train)?, data.subset(&split.test)?))
}

fn digits_mlp() -> Result<Comparison, Box<dyn Error>> {
    let mut bytes = Vec::new();
    let model: DigitsMlp = load("digits.ennm", &mut bytes)?;
    let info = ModelInfo::parse(&bytes)?;
    let (train, test) = digits()?;
    let calibration: Vec<[f32; 64]> = normalized(&info, train.inputs()?)?;
    let x = normalized(&info, test.inputs()?)?;
    compare(Case {
        name: "digits MLP",
        model,
        loss: CategoricalCrossEntropy,
        metric: Metric::Accuracy,
        calibration: &calibration[..CALIBRATION_SAMPLES],
        x: &x,
        y: &test.one_hot_targets()?,
    })
}

fn digits_cnn() -> Result<Comparison, Box<dyn Error>> {
    type Image = [[[f32; 1]; 8]; 8];
    let mut bytes = Vec::new();
    let model: DigitsCnn = load("digits_cnn.ennm", &mut bytes)?;
    let info = ModelInfo::parse(&bytes)?;
    let (train, test) = digits()?;
    let calibration: Vec<Image> = normalized(&info, train.inputs()?)?;
    let x = normalized(&info, test.inputs()?)?;
    compare(Case {
        name: "digits CNN",
        model,
        loss: CategoricalCrossEntropy,
        metric: Metric::Accuracy,
        calibration: &calibration[..CALIBRATION_SAMPLES],
        x: &x,
        y: &test.one_hot_targets()?,
    })
}

fn gestures() -> Result<Comparison, Box<dyn Error>> {
    let mut bytes = Vec::new();
    let model: GestureCnn = load("gestures.ennm", &mut bytes)?;
    let info = ModelInfo::parse(&bytes)?;
    let calibration: Vec<_> = (0..CALIBRATION_SAMPLES as u64)
        .map(|i| labelled(TRAIN_SEED, i).1)
        .collect();
    let (x, y): (Vec<_>, Vec<[f32; 6]>) = (0..TEST_WINDOWS as u64)
        .map(|i| {
            let (gesture, window) = labelled(TEST_SEED, i);
            (window, one_hot(gesture.index()).unwrap_or([0.0; 6]))
        })
        .unzip();
    compare(Case {
        name: "gestures",
        model,
        loss: SoftmaxCrossEntropy,
        metric: Metric::Accuracy,
        calibration: &normalized(&info, calibration)?,
        x: &normalized(&info, x)?,
        y: &y,
    })
}

fn iris() -> Result<Comparison, Box<dyn Error>> {
    let mut bytes = Vec::new();
    let model: Iris = load("iris.ennm", &mut bytes)?;
    let info = ModelInfo::parse(&bytes)?;
    let data = Dataset::from_csv(repo("data/iris.csv"), &CsvSpec::classification("species"))?;
    let split = data.split(&SplitSpec::new(0.1, 0.2, 42).stratified())?;
    let (train, test) = (data.subset(&split.train)?, data.subset(&split.test)?);
    let calibration: Vec<[f32; 4]> = normalized(&info, train.inputs()?)?;
    compare(Case {
        name: "iris",
        model,
        loss: CategoricalCrossEntropy,
        metric: Metric::Accuracy,
        calibration: &calibration[..calibration.len().min(CALIBRATION_SAMPLES)],
        x: &normalized(&info, test.inputs()?)?,
        y: &test.one_hot_targets()?,
    })
}

fn sine() -> Result<Comparison, Box<dyn Error>> {
    let mut bytes = Vec::new();
    let model: Sine = load("sine.ennm", &mut bytes)?;
    // examples/sine.rs: 1,000 points; 600 train, 200 validation, 200 test.
    let mut rng = Rng::seed(1337);
    let x: Vec<[f32; 1]> = (0..1000)
        .map(|_| [rng.uniform(0.0, std::f32::consts::TAU)])
        .collect();
    let test = &x[800..];
    let clean: Vec<[f32; 1]> = test.iter().map(|x| [x[0].sin()]).collect();
    compare(Case {
        name: "sine",
        model,
        loss: Mse,
        metric: Metric::Mse,
        calibration: &x[..CALIBRATION_SAMPLES],
        x: test,
        y: &clean,
    })
}

/// Every example model's comparison, in the order of the README's table.
pub fn comparisons() -> Result<Vec<Comparison>, Box<dyn Error>> {
    Ok(vec![
        digits_mlp()?,
        digits_cnn()?,
        gestures()?,
        iris()?,
        sine()?,
    ])
}

/// A metric as the table shows it: accuracy in %, an error to 5 decimals.
pub fn shown(metric: Metric, value: f64) -> String {
    match metric {
        Metric::Accuracy => format!("{:.1} %", 100.0 * value),
        _ => format!("{value:.5}"),
    }
}

/// The difference int8 − f32 as the table shows it: in points for accuracy.
pub fn difference(metric: Metric, f32: f64, int8: f64) -> String {
    match metric {
        Metric::Accuracy => format!("{:+.1} pt", 100.0 * (int8 - f32)),
        _ => format!("{:+.5}", int8 - f32),
    }
}

#[allow(dead_code)] // the test includes this file for its numbers
fn main() -> Result<(), Box<dyn Error>> {
    let rows = comparisons()?;
    println!(
        "| model | held-out set | f32 | int8, min/max | int8, percentile {PERCENTILE} % | \
         param bytes f32 → int8 | inference RAM f32 → int8 |"
    );
    println!("|---|---|---:|---:|---:|---:|---:|");
    for r in &rows {
        let set = match r.metric {
            Metric::Accuracy => format!("accuracy, {} samples", r.samples),
            _ => format!("MSE vs sin(x), {} points", r.samples),
        };
        println!(
            "| {} | {set} | {} | {} ({}) | {} ({}) | {} → {} ({:.0} %) | {} → {} |",
            r.model,
            shown(r.metric, r.f32),
            shown(r.metric, r.int8),
            difference(r.metric, r.f32, r.int8),
            shown(r.metric, r.int8_percentile),
            difference(r.metric, r.f32, r.int8_percentile),
            r.f32_bytes,
            r.int8_bytes,
            100.0 * r.int8_bytes as f64 / r.f32_bytes as f64,
            r.f32_ram,
            r.int8_ram,
        );
    }
    let mut table = String::new();
    embednn::summary::write_quantized_summary::<Int8<DigitsCnn>>(&mut table)?;
    println!("\nThe digits CNN in int8:\n\n{table}");
    Ok(())
}
