//! Post-training quantization (`host_trainer::quantize`) on two model types no other code names:
//! a 1-D CNN binary classifier (Conv1d → ReLU → MaxPool1d → Flatten → Dense → Sigmoid) and a 2-D
//! CNN with four classes (Conv2d → ReLU6 → AvgPool2d → Flatten → Dense → Softmax), trained here
//! on seeded synthetic data.
//!
//! - the int8 model's outputs stay within a few quantization steps of the `f32` model's, and its
//!   accuracy within one point;
//! - NaN and infinite calibration values are ignored, a NaN or infinite parameter is an error
//!   naming its layer, and the other misuses are errors;
//! - every int8 layer computes what an independent integer reference written here from TFLite's
//!   formulas computes (`acc = Σ (x − zp_in) · w + bias`, requantized with the layer's multiplier
//!   and shift, plus the output zero point, clamped), on random int8 inputs; and the parameters
//!   it holds are the ones TFLite's formulas give for the calibrated ranges (recomputed here from
//!   the `f32` layers' outputs).

// The references index tensors as the formulas do.
#![allow(clippy::needless_range_loop)]

use std::sync::OnceLock;

use embednn::quant::kernels::unpack_rows;
use embednn::quant::{self as q, QClamp, QLayer, QParams, Requant};
use host_trainer::prelude::*;
use host_trainer::quantize::{Int8, Quantized};

/// Binary: is the pulse in channel 1 (or 0)?
type Pulse = (
    Conv1d<12, 2, 5, 3, 1, 12, Same>,
    Relu,
    MaxPool1d<2, 2, 6>,
    Flatten<30>,
    Dense<30, 1>,
    Sigmoid,
);
embednn::check!(Pulse);
type PulseInput = [[f32; 2]; 12];

/// Four classes: which quadrant holds the blob?
type Quadrant = (
    Conv2d<7, 5, 2, 3, 3, 3, 1, 1, 7, 5, Same>,
    Relu6,
    AvgPool2d<2, 2, 2, 2, 3, 2>,
    Flatten<18>,
    Dense<18, 4>,
    Softmax,
);
embednn::check!(Quadrant);
type Image = [[[f32; 2]; 5]; 7];

/// A noisy 2-channel sequence with a pulse of random height and place in the channel that is
/// its class.
fn pulse_sample(rng: &mut Rng) -> (PulseInput, [f32; 1]) {
    let class = rng.below(2) as usize;
    let mut x = [[0.0f32; 2]; 12];
    for v in x.iter_mut().flatten() {
        *v = 0.35 * rng.normal();
    }
    let at = rng.below(10) as usize;
    let height = rng.uniform(0.4, 1.5);
    for (k, shape) in [0.5, 1.0, 0.5].into_iter().enumerate() {
        x[at + k][class] += height * shape;
    }
    (x, [class as f32])
}

/// A noisy 7×5 two-channel image with a 2×2 blob in one quadrant (its class); the blob is
/// bright enough that ReLU6 clips some convolution outputs.
fn quadrant_sample(rng: &mut Rng) -> (Image, [f32; 4]) {
    let class = rng.below(4) as usize;
    let mut x = [[[0.0f32; 2]; 5]; 7];
    for v in x.iter_mut().flatten().flatten() {
        *v = 0.6 * rng.normal();
    }
    let row = if class < 2 { 0 } else { 4 } + rng.below(2) as usize;
    let col = if class.is_multiple_of(2) { 0 } else { 3 };
    let height = rng.uniform(0.3, 4.0);
    for x_row in x.iter_mut().skip(row).take(2) {
        for px in x_row.iter_mut().skip(col).take(2) {
            px[0] += height;
            px[1] -= 0.5 * height;
        }
    }
    let mut y = [0.0; 4];
    y[class] = 1.0;
    (x, y)
}

fn samples<X, Y>(seed: u64, n: usize, f: fn(&mut Rng) -> (X, Y)) -> (Vec<X>, Vec<Y>) {
    let mut rng = Rng::seed(seed);
    (0..n).map(|_| f(&mut rng)).unzip()
}

/// Trained models and their data, shared by the tests.
struct Trained<M: Model> {
    model: M,
    train: (Vec<Input<M>>, Vec<Output<M>>),
    test: (Vec<Input<M>>, Vec<Output<M>>),
}

impl<M: Model> Trained<M> {
    /// The first 200 training inputs.
    fn calibration(&self) -> &[Input<M>] {
        &self.train.0[..200]
    }
}

fn quiet(epochs: usize) -> FitOptions<'static> {
    FitOptions {
        epochs,
        batch_size: 32,
        verbose: Verbosity::Silent,
        ..Default::default()
    }
}

fn pulse() -> &'static Trained<Pulse> {
    static TRAINED: OnceLock<Trained<Pulse>> = OnceLock::new();
    TRAINED.get_or_init(|| {
        let train = samples(1, 1000, pulse_sample);
        let test = samples(2, 1000, pulse_sample);
        let mut model = Sequential::<Pulse>::with_initializer(3, Initializer::HeUniform)
            .compile(Adam::new(0.01), BinaryCrossEntropy);
        model.fit(&train.0, &train.1, quiet(15)).unwrap();
        Trained {
            model: model.into_model(),
            train,
            test,
        }
    })
}

fn quadrant() -> &'static Trained<Quadrant> {
    static TRAINED: OnceLock<Trained<Quadrant>> = OnceLock::new();
    TRAINED.get_or_init(|| {
        let train = samples(4, 1000, quadrant_sample);
        let test = samples(5, 1000, quadrant_sample);
        let mut model = Sequential::<Quadrant>::with_initializer(6, Initializer::HeUniform)
            .compile(Adam::new(0.01), CategoricalCrossEntropy);
        model.fit(&train.0, &train.1, quiet(15)).unwrap();
        Trained {
            model: model.into_model(),
            train,
            test,
        }
    })
}

/// The calibrated quantization of the pulse model's input, its (ReLU'd) convolution and its
/// logit, recomputed here from the `f32` layers' outputs with TFLite's formula.
fn pulse_params(m: &Pulse, calibration: &[PulseInput]) -> [QParams; 3] {
    let (lo, hi) = range_of(calibration.iter().flatten().flatten());
    let input = choose_params(lo, hi);
    let (mut relu, mut logits) = (Vec::new(), Vec::new());
    for x in calibration {
        let (r, z) = pulse_f32(m, x);
        relu.extend(r.into_iter().flatten());
        logits.push(z);
    }
    let (lo, hi) = range_of(relu.iter());
    let (zlo, zhi) = range_of(logits.iter());
    [input, choose_params(lo, hi), choose_params(zlo, zhi)]
}

/// The pulse model's ReLU'd convolution and logit, in `f32`.
fn pulse_f32(m: &Pulse, x: &PulseInput) -> ([[f32; 5]; 12], f32) {
    let mut a = [[0.0f32; 5]; 12];
    m.0.forward(x, &mut a);
    let r = a.map(|px| px.map(|v| v.max(0.0)));
    let mut p = [[0.0f32; 5]; 6];
    Layer::<[[f32; 5]; 12]>::forward(&m.2, &r, &mut p);
    let mut z = [0.0f32];
    m.4.forward(p.as_flattened().try_into().unwrap(), &mut z);
    (r, z[0])
}

/// The pulse model's int8 logit: its int8 layers up to the dense one.
fn pulse_int8(int8: &Quantized<Int8<Pulse>>, x: &PulseInput) -> i8 {
    let l = &int8.layers;
    let mut a = [[0i8; 5]; 12];
    l.0.forward(&int8.quantize_input(x), &mut a);
    let mut r = a;
    QLayer::<[[i8; 5]; 12]>::forward(&l.1, &a, &mut r);
    let mut p = [[0i8; 5]; 6];
    QLayer::<[[i8; 5]; 12]>::forward(&l.2, &r, &mut p);
    let mut z = [0i8];
    l.4.forward(p.as_flattened().try_into().unwrap(), &mut z);
    z[0]
}

/// As [`pulse_params`], for the quadrant model.
fn quadrant_params(m: &Quadrant, calibration: &[Image]) -> [QParams; 3] {
    let (lo, hi) = range_of(calibration.iter().flatten().flatten().flatten());
    let input = choose_params(lo, hi);
    let (mut relu6, mut logits) = (Vec::new(), Vec::new());
    for x in calibration {
        let (r, z) = quadrant_f32(m, x);
        relu6.extend(r.into_iter().flatten().flatten());
        logits.extend(z);
    }
    let (lo, hi) = range_of(relu6.iter());
    let (zlo, zhi) = range_of(logits.iter());
    [input, choose_params(lo, hi), choose_params(zlo, zhi)]
}

/// The quadrant model's ReLU6'd convolution and logits, in `f32`.
fn quadrant_f32(m: &Quadrant, x: &Image) -> ([[[f32; 3]; 5]; 7], [f32; 4]) {
    let mut a = [[[0.0f32; 3]; 5]; 7];
    m.0.forward(x, &mut a);
    let r = a.map(|row| row.map(|px| px.map(|v| v.clamp(0.0, 6.0))));
    let mut p = [[[0.0f32; 3]; 2]; 3];
    Layer::<[[[f32; 3]; 5]; 7]>::forward(&m.2, &r, &mut p);
    let mut z = [0.0f32; 4];
    m.4.forward(p.as_flattened().as_flattened().try_into().unwrap(), &mut z);
    (r, z)
}

/// The quadrant model's int8 logits.
fn quadrant_int8(int8: &Quantized<Int8<Quadrant>>, x: &Image) -> [i8; 4] {
    let l = &int8.layers;
    let mut a = [[[0i8; 3]; 5]; 7];
    l.0.forward(&int8.quantize_input(x), &mut a);
    let mut r = a;
    QLayer::<[[[i8; 3]; 5]; 7]>::forward(&l.1, &a, &mut r);
    let mut p = [[[0i8; 3]; 2]; 3];
    QLayer::<[[[i8; 3]; 5]; 7]>::forward(&l.2, &r, &mut p);
    let mut z = [0i8; 4];
    l.4.forward(p.as_flattened().as_flattened().try_into().unwrap(), &mut z);
    z
}

/// Whether int8 values with parameters `p` cover every value of `values` (a test input beyond
/// the calibrated ranges saturates there: clipping, not arithmetic error).
fn covers<'a>(p: QParams, values: impl IntoIterator<Item = &'a f32>) -> bool {
    let (lo, hi) = (p.dequantize(i8::MIN), p.dequantize(i8::MAX));
    values.into_iter().all(|v| (lo..=hi).contains(v))
}

/// The largest difference between the `f32` and the int8 pulse model over the test inputs whose
/// every tensor stays within its calibrated range: of the logit, in steps of its int8
/// quantization, and of the probability, in the steps that a sigmoid (slope at most 1/4) makes
/// of those, after its own output step of 1/256. And how many test inputs that is.
fn pulse_differences(trained: &Trained<Pulse>, int8: &Quantized<Int8<Pulse>>) -> (f32, f32, usize) {
    let [input, conv, logit] = pulse_params(&trained.model, trained.calibration());
    let (mut logit_steps, mut p_steps, mut count) = (0.0f32, 0.0f32, 0);
    for x in &trained.test.0 {
        let (r, z) = pulse_f32(&trained.model, x);
        if !(covers(input, x.as_flattened())
            && covers(conv, r.as_flattened())
            && covers(logit, [&z]))
        {
            continue;
        }
        count += 1;
        logit_steps =
            logit_steps.max((z - logit.dequantize(pulse_int8(int8, x))).abs() / logit.scale);
        let dp = (trained.model.predict(x)[0] - int8.predict(x)[0]).abs();
        p_steps = p_steps.max((dp - 1.0 / 256.0).max(0.0) / (0.25 * logit.scale));
    }
    (logit_steps, p_steps, count)
}

/// As [`pulse_differences`] for the quadrant model (a softmax output moves by at most half the
/// largest change of its logits).
fn quadrant_differences(
    trained: &Trained<Quadrant>,
    int8: &Quantized<Int8<Quadrant>>,
) -> (f32, f32, usize) {
    let [input, conv, logit] = quadrant_params(&trained.model, trained.calibration());
    let (mut logit_steps, mut p_steps, mut count) = (0.0f32, 0.0f32, 0);
    for x in &trained.test.0 {
        let (r, z) = quadrant_f32(&trained.model, x);
        let (xs, rs) = (
            x.as_flattened().as_flattened(),
            r.as_flattened().as_flattened(),
        );
        if !(covers(input, xs) && covers(conv, rs) && covers(logit, &z)) {
            continue;
        }
        count += 1;
        for (&a, &b) in z.iter().zip(&quadrant_int8(int8, x)) {
            logit_steps = logit_steps.max((a - logit.dequantize(b)).abs() / logit.scale);
        }
        for (a, b) in trained.model.predict(x).iter().zip(int8.predict(x)) {
            p_steps = p_steps.max(((a - b).abs() - 1.0 / 256.0).max(0.0) / (0.5 * logit.scale));
        }
    }
    (logit_steps, p_steps, count)
}

#[test]
fn int8_outputs_stay_within_a_few_steps_of_f32() {
    // The input, the convolution, the pool and the dense layer each round to their int8 steps;
    // at the logits, that adds up to less than three steps of the logits' own quantization,
    // and the probabilities follow within what those steps move them by.
    let pulse = pulse();
    let int8 = quantize::quantize(&pulse.model, pulse.calibration(), Calibration::MinMax).unwrap();
    assert_eq!(int8.output, QParams::PROBABILITY);
    let (logit, p, count) = pulse_differences(pulse, &int8);
    assert!(
        logit <= 3.0 && p <= 3.0,
        "pulse: logit {logit} steps, probability {p}"
    );
    assert!(
        count >= 900,
        "{count} of the 1000 test inputs within the calibrated ranges"
    );

    let quadrant = quadrant();
    let int8 =
        quantize::quantize(&quadrant.model, quadrant.calibration(), Calibration::MinMax).unwrap();
    let (logit, p, count) = quadrant_differences(quadrant, &int8);
    assert!(
        logit <= 3.0 && p <= 3.0,
        "quadrant: logit {logit} steps, probability {p}"
    );
    assert!(
        count >= 900,
        "{count} of the 1000 test inputs within the calibrated ranges"
    );
}

#[test]
fn int8_accuracy_is_within_one_point_of_f32() {
    let metrics = [Metric::Accuracy, Metric::Auc];
    for method in [Calibration::MinMax, Calibration::Percentile(0.1)] {
        let pulse = pulse();
        let compiled = Sequential::from_model(pulse.model, 0)
            .compile(Adam::new(0.01), BinaryCrossEntropy)
            .with_metrics(&metrics);
        let (x, y) = &pulse.test;
        let f32_eval = compiled.evaluate(x, y).unwrap();
        let int8 = compiled.quantize(pulse.calibration(), method).unwrap();
        let int8_eval =
            quantize::evaluate::<Pulse, _>(&int8, x, y, &BinaryCrossEntropy, &metrics).unwrap();
        let (a, b) = (f32_eval.metrics[0].1, int8_eval.metrics[0].1);
        assert!(a > 0.85, "the pulse model should have learned: {a}");
        assert!((a - b).abs() <= 0.01, "{method:?}: f32 {a}, int8 {b}");
        assert!(
            (f32_eval.loss - int8_eval.loss).abs() < 0.02,
            "{f32_eval:?} {int8_eval:?}"
        );
        assert_eq!(int8_eval.metrics[1].0, Metric::Auc);
        assert!((f32_eval.metrics[1].1 - int8_eval.metrics[1].1).abs() < 0.01);

        let quadrant = quadrant();
        let sequential = Sequential::from_model(quadrant.model, 0);
        let int8 = sequential.quantize(quadrant.calibration(), method).unwrap();
        let compiled = sequential
            .compile(Adam::new(0.01), CategoricalCrossEntropy)
            .with_metrics(&metrics);
        let (x, y) = &quadrant.test;
        let f32_eval = compiled.evaluate(x, y).unwrap();
        let int8_eval =
            quantize::evaluate::<Quadrant, _>(&int8, x, y, &CategoricalCrossEntropy, &metrics)
                .unwrap();
        let (a, b) = (f32_eval.metrics[0].1, int8_eval.metrics[0].1);
        assert!(a > 0.85, "the quadrant model should have learned: {a}");
        assert!((a - b).abs() <= 0.01, "{method:?}: f32 {a}, int8 {b}");
    }
}

#[test]
fn evaluation_of_int8_scores_like_the_f32_evaluation() {
    // The int8 model's evaluation is the mean loss and the metrics of its dequantized outputs,
    // read for what the f32 model ends in (a softmax: the argmax).
    let quadrant = quadrant();
    let int8 =
        quantize::quantize(&quadrant.model, quadrant.calibration(), Calibration::MinMax).unwrap();
    let (x, y) = &quadrant.test;
    let eval = quantize::evaluate::<Quadrant, _>(
        &int8,
        x,
        y,
        &CategoricalCrossEntropy,
        &[Metric::Accuracy],
    )
    .unwrap();
    let outputs = quantize::predict(&int8, x);
    let hits = outputs
        .iter()
        .zip(y)
        .filter(|(p, t)| p.argmax() == t.argmax())
        .count();
    assert_eq!(
        eval.metric(Metric::Accuracy),
        Some(hits as f64 / x.len() as f64)
    );
    let loss: f64 = outputs
        .iter()
        .zip(y)
        .map(|(p, t)| f64::from(CategoricalCrossEntropy.loss(p, t)))
        .sum::<f64>()
        / x.len() as f64;
    assert_eq!(eval.loss, loss);
    // Mismatched lengths are an error, as for the f32 evaluate.
    let err = quantize::evaluate::<Quadrant, _>(
        &int8,
        x,
        &y[1..],
        &CategoricalCrossEntropy,
        &[Metric::Accuracy],
    )
    .unwrap_err();
    assert!(matches!(
        err,
        FitError::LengthMismatch {
            set: "evaluation",
            ..
        }
    ));
}

#[test]
fn nan_and_infinite_calibration_values_are_ignored() {
    let pulse = pulse();
    let clean = pulse.calibration();
    for method in [Calibration::MinMax, Calibration::Percentile(0.1)] {
        let reference = quantize::quantize(&pulse.model, clean, method).unwrap();
        // A sample of NaN (every layer's output NaN too) and one of infinities change nothing.
        let mut with_bad = clean.to_vec();
        with_bad.insert(7, [[f32::NAN; 2]; 12]);
        with_bad.push([[f32::INFINITY, f32::NEG_INFINITY]; 12]);
        let int8 = quantize::quantize(&pulse.model, &with_bad, method).unwrap();
        assert_eq!(int8, reference, "{method:?}");
        // A sample with one NaN still counts with its other values: the result is as good.
        let mut one_nan = clean.to_vec();
        one_nan[3][5][1] = f32::NAN;
        let int8 = quantize::quantize(&pulse.model, &one_nan, method).unwrap();
        assert!(int8.input.scale.is_finite() && int8.input.scale > 0.0);
        let (x, y) = &pulse.test;
        let metrics = [Metric::Accuracy];
        let eval = |int8| {
            quantize::evaluate::<Pulse, _>(int8, x, y, &BinaryCrossEntropy, &metrics).unwrap()
        };
        let (a, b) = (eval(&reference).metrics[0].1, eval(&int8).metrics[0].1);
        assert!((a - b).abs() <= 0.005, "{method:?}: {a} {b}");
    }
    // Nothing finite at all is an error.
    let err = quantize::quantize(&pulse.model, &[[[f32::NAN; 2]; 12]; 3], Calibration::MinMax);
    assert_eq!(err.unwrap_err(), QuantizeError::NoFiniteInput);
}

#[test]
fn non_finite_parameters_are_errors_naming_the_layer() {
    let trained = pulse();
    let calibration = trained.calibration();
    // The parameter arrays in file order: Conv1d kernel, Conv1d bias, Dense kernel, Dense bias.
    let cases = [
        (0, f32::NAN, 0, "Conv1d"),
        (1, f32::INFINITY, 0, "Conv1d"),
        (2, f32::NEG_INFINITY, 4, "Dense"),
        (3, f32::NAN, 4, "Dense"),
    ];
    for (array, value, layer, kind) in cases {
        let mut model = trained.model;
        let mut index = 0;
        model.for_each_param_mut(&mut |_, values| {
            if index == array {
                values[values.len() / 2] = value;
            }
            index += 1;
        });
        for method in [Calibration::MinMax, Calibration::Percentile(1.0)] {
            let err = quantize::quantize(&model, calibration, method).unwrap_err();
            assert_eq!(
                err,
                QuantizeError::Layer(q::QuantizeError::NonFiniteParameter { layer, kind }),
                "array {array} = {value}, {method:?}"
            );
            let message = err.to_string();
            assert!(
                message.contains(&format!("layer {layer} ({kind})")),
                "{message}"
            );
        }
    }
}

#[test]
fn misuse_is_an_error() {
    let trained = pulse();
    let none: &[PulseInput] = &[];
    let err = quantize::quantize(&trained.model, none, Calibration::MinMax).unwrap_err();
    assert_eq!(err, QuantizeError::NoSamples);
    for p in [-1.0, 50.0, f32::NAN] {
        let err = quantize::quantize(
            &trained.model,
            trained.calibration(),
            Calibration::Percentile(p),
        )
        .unwrap_err();
        assert!(matches!(err, QuantizeError::Percentile(_)), "{p}: {err}");
    }
    // Percentile 0 is min/max (to a histogram bin).
    let min_max =
        quantize::quantize(&trained.model, trained.calibration(), Calibration::MinMax).unwrap();
    let p0 = quantize::quantize(
        &trained.model,
        trained.calibration(),
        Calibration::Percentile(0.0),
    )
    .unwrap();
    assert_eq!(p0.input, min_max.input);
    assert_eq!(p0.output, min_max.output);
}

#[test]
fn percentile_calibration_narrows_ranges_that_outliers_stretch() {
    // One calibration input far out: min/max stretches the input's range to it, the 1 %
    // percentile does not (and so keeps finer steps for everything else).
    let trained = pulse();
    let mut calibration = trained.calibration().to_vec();
    calibration[0][0][0] = 40.0;
    let min_max = quantize::quantize(&trained.model, &calibration, Calibration::MinMax).unwrap();
    let p = quantize::quantize(&trained.model, &calibration, Calibration::Percentile(1.0)).unwrap();
    assert!(min_max.input.scale > 40.0 / 255.0, "{:?}", min_max.input);
    assert!(p.input.scale < 0.25 * min_max.input.scale, "{:?}", p.input);
    // The outlier saturates instead.
    let x = &calibration[0];
    let xq = p.quantize_input(x);
    assert_eq!(xq[0][0], 127);
}

#[test]
fn summary_shows_int8_sizes() {
    let trained = quadrant();
    let int8 =
        quantize::quantize(&trained.model, trained.calibration(), Calibration::MinMax).unwrap();
    let table = quantize::summary(&int8);
    let kinds: Vec<&str> = table
        .lines()
        .skip(2)
        .take(6)
        .map(|l| l.split_whitespace().next().unwrap_or(""))
        .collect();
    assert_eq!(
        kinds,
        [
            "QConv2d",
            "QClamp",
            "AvgPool2d",
            "Reshape",
            "QDense",
            "QSoftmax"
        ]
    );
    // QConv2d: [7, 5, 3], 7·5·3·(3·3·2) MACs, 105 one-byte outputs.
    let conv = table.lines().nth(2).unwrap();
    assert!(conv.contains("[7, 5, 3]"), "{table}");
    let columns: Vec<&str> = conv.split_whitespace().collect();
    assert_eq!(columns[columns.len() - 2..], ["1890", "105"], "{table}");
    assert_eq!(7 * 5 * 3 * (3 * 3 * 2), 1890);
    let bytes = Quantized::<Int8<Quadrant>>::PARAM_BYTES;
    assert!(
        table.contains(&format!("Total param bytes: {bytes} (")),
        "{table}"
    );
    let ram = Quantized::<Int8<Quadrant>>::INFERENCE_BYTES;
    assert!(
        table.contains(&format!(
            "Inference RAM: {ram} bytes (int8 input 70, output 4,"
        )),
        "{table}"
    );
    assert!(bytes < Quadrant::PARAM_BYTES);
}

// ---------------------------------------------------------------------------------------------
// The independent integer reference: TFLite's formulas, written out.

/// TFLite's `ChooseQuantizationParams` for int8: the range widened to hold 0, the zero point
/// from whichever end loses less, nudged into [−128, 127].
fn choose_params(min: f32, max: f32) -> QParams {
    let (rmin, rmax) = (f64::from(min.min(0.0)), f64::from(max.max(0.0)));
    if rmax == rmin {
        return QParams {
            scale: 1.0,
            zero_point: 0,
        };
    }
    let scale = (rmax - rmin) / 255.0;
    let from_min = -128.0 - rmin / scale;
    let from_max = 127.0 - rmax / scale;
    let zero = if 128.0 + (rmin / scale).abs() < 127.0 + (rmax / scale).abs() {
        from_min
    } else {
        from_max
    };
    QParams {
        scale: scale as f32,
        zero_point: zero.clamp(-128.0, 127.0).round() as i32,
    }
}

/// `frexp`: `x = m · 2^e` with `m` in [0.5, 1), for positive normal `x`.
fn frexp(x: f64) -> (f64, i32) {
    let bits = x.to_bits();
    let e = ((bits >> 52) & 0x7ff) as i32 - 1022;
    let m = f64::from_bits((bits & !(0x7ff << 52)) | (1022 << 52));
    (m, e)
}

/// TFLite's `QuantizeMultiplier`.
fn quantize_multiplier(real: f64) -> (i32, i32) {
    let (m, mut shift) = frexp(real);
    let mut fixed = (m * 2f64.powi(31)).round() as i64;
    if fixed == 1 << 31 {
        fixed /= 2;
        shift += 1;
    }
    (fixed as i32, shift)
}

/// gemmlowp's `SaturatingRoundingDoublingHighMul`.
fn doubling_high_mul(a: i32, b: i32) -> i32 {
    if a == i32::MIN && b == i32::MIN {
        return i32::MAX;
    }
    let ab = i64::from(a) * i64::from(b);
    let nudge = if ab >= 0 { 1 << 30 } else { 1 - (1 << 30) };
    ((ab + nudge) / (1i64 << 31)) as i32
}

/// gemmlowp's `RoundingDivideByPOT`.
fn divide_by_pot(x: i32, exponent: i32) -> i32 {
    let mask = (1i64 << exponent) - 1;
    let remainder = i64::from(x) & mask;
    let threshold = (mask >> 1) + i64::from(x < 0);
    (x >> exponent) + i32::from(remainder > threshold)
}

/// `MultiplyByQuantizedMultiplier`, then the output zero point and the activation clamp.
fn requantize(acc: i32, (multiplier, shift): (i32, i32), zp: i32, lo: i32, hi: i32) -> i8 {
    let left = shift.max(0);
    let right = (-shift).max(0);
    let scaled = divide_by_pot(doubling_high_mul(acc * (1 << left), multiplier), right);
    (scaled + zp).clamp(lo, hi) as i8
}

/// A layer's per-output-channel int8 parameters by TFLite's formulas.
struct Channels {
    /// Symmetric int8 weights, one row per output channel.
    weights: Vec<Vec<i8>>,
    /// int32 biases at `s_in · s_w`.
    bias: Vec<i32>,
    /// `(multiplier, shift)` of `s_in · s_w / s_out`.
    requant: Vec<(i32, i32)>,
}

fn channels(rows: &[Vec<f32>], bias: &[f32], input: QParams, output: QParams) -> Channels {
    let mut c = Channels {
        weights: Vec::new(),
        bias: Vec::new(),
        requant: Vec::new(),
    };
    for (row, &b) in rows.iter().zip(bias) {
        let absmax = row.iter().fold(0.0f32, |m, w| m.max(w.abs()));
        let s = if absmax > 0.0 { absmax / 127.0 } else { 1.0 };
        c.weights.push(
            row.iter()
                .map(|&w| (w / s).round().clamp(-127.0, 127.0) as i8)
                .collect(),
        );
        c.bias
            .push((f64::from(b) / (f64::from(input.scale) * f64::from(s))).round() as i32);
        let real = f64::from(input.scale) * f64::from(s) / f64::from(output.scale);
        c.requant.push(quantize_multiplier(real));
    }
    c
}

/// The stored (multiplier, shift) pairs.
fn pairs(requant: &[Requant]) -> Vec<(i32, i32)> {
    requant.iter().map(|r| (r.multiplier, r.shift)).collect()
}

/// The stored rows of an int8 layer, unpacked from the kernels' layout.
fn plain_rows(packed: &[i8], k: usize) -> Vec<Vec<i8>> {
    let mut plain = vec![0i8; packed.len()];
    unpack_rows(packed, k, &mut plain);
    plain.chunks(k).map(<[i8]>::to_vec).collect()
}

/// The biases as the layer stores them: TFLite adds `−zp_in` to every input; the int8 layers
/// fold `−zp_in · Σ w` into the bias instead (the same integer sum).
fn folded(c: &Channels, input_zero_point: i32) -> Vec<i32> {
    c.bias
        .iter()
        .zip(&c.weights)
        .map(|(&b, w)| b - input_zero_point * w.iter().map(|&v| i32::from(v)).sum::<i32>())
        .collect()
}

fn random_i8(rng: &mut Rng) -> i8 {
    (rng.next_word() >> 24) as u8 as i8
}

/// The range of a set of values (finite ones).
fn range_of<'a>(values: impl Iterator<Item = &'a f32>) -> (f32, f32) {
    values
        .filter(|v| v.is_finite())
        .fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), &v| {
            (lo.min(v), hi.max(v))
        })
}

/// TF's "same" padding before the first element: half the total, rounded down.
fn pad_before(n: usize, k: usize, s: usize) -> isize {
    let out = n.div_ceil(s);
    (((out - 1) * s + k).saturating_sub(n) / 2) as isize
}

/// Whether `value · 256` is within `1e-3` of a rounding tie: there the `f32` computation in
/// the layer and the `f64` one here may round to neighbouring levels.
fn near_tie(value: f64) -> bool {
    let scaled = value * 256.0;
    (scaled - scaled.floor() - 0.5).abs() < 1e-3
}

#[test]
fn every_int8_layer_of_the_pulse_model_equals_the_reference() {
    let trained = pulse();
    let calibration = trained.calibration();
    let m = &trained.model;
    let int8 = quantize::quantize(m, calibration, Calibration::MinMax).unwrap();
    let l = &int8.layers;

    // The calibrated ranges, from the f32 layers' outputs.
    let [input, conv_out, dense_out] = pulse_params(m, calibration);
    assert_eq!(int8.input, input);
    assert_eq!(int8.output, QParams::PROBABILITY);

    // Conv1d, ReLU folded in: the parameters by TFLite's formulas.
    let rows: Vec<Vec<f32>> =
        m.0.kernel
            .iter()
            .map(|k| k.as_flattened().to_vec())
            .collect();
    let conv = channels(&rows, &m.0.bias, input, conv_out);
    assert_eq!(
        plain_rows(l.0.weights.0.as_flattened().as_flattened(), 6),
        conv.weights
    );
    assert_eq!(l.0.bias.to_vec(), folded(&conv, input.zero_point));
    assert_eq!(pairs(&l.0.requant), conv.requant);
    assert_eq!(i32::from(l.0.input_zero_point), input.zero_point);
    // The fused ReLU clamps at real 0: the zero point.
    let (act_lo, act_hi) = (conv_out.zero_point.max(-128), 127);
    assert_eq!(l.0.output.zero_point, conv_out.zero_point);
    assert_eq!(
        (i32::from(l.0.output.min), i32::from(l.0.output.max)),
        (act_lo, act_hi)
    );
    assert_eq!(l.1, QClamp::FOLDED);

    // Dense (the pool and flatten keep the convolution's quantization).
    let rows: Vec<Vec<f32>> = m.4.rows().iter().map(|r| r.to_vec()).collect();
    let fc = channels(&rows, m.4.bias_array(), conv_out, dense_out);
    assert_eq!(plain_rows(l.4.weights.0.as_flattened(), 30), fc.weights);
    assert_eq!(l.4.bias.to_vec(), folded(&fc, conv_out.zero_point));
    assert_eq!(pairs(&l.4.requant), fc.requant);
    assert_eq!(
        (l.4.output.zero_point, l.4.output.min, l.4.output.max),
        (dense_out.zero_point, -128, 127)
    );

    let mut rng = Rng::seed(77);
    for _ in 0..200 {
        // Conv1d: "same" padding skips the taps outside the input.
        let mut x = [[0i8; 2]; 12];
        x.iter_mut()
            .flatten()
            .for_each(|v| *v = random_i8(&mut rng));
        let mut y = [[0i8; 5]; 12];
        l.0.forward(&x, &mut y);
        let before = pad_before(12, 3, 1);
        for (t, y_t) in y.iter().enumerate() {
            for (co, &got) in y_t.iter().enumerate() {
                let mut acc = conv.bias[co];
                for k in 0..3 {
                    let at = t as isize + k as isize - before;
                    let Some(x_t) = usize::try_from(at).ok().and_then(|i| x.get(i)) else {
                        continue;
                    };
                    for ci in 0..2 {
                        acc += (i32::from(x_t[ci]) - input.zero_point)
                            * i32::from(conv.weights[co][k * 2 + ci]);
                    }
                }
                let want = requantize(acc, conv.requant[co], conv_out.zero_point, act_lo, act_hi);
                assert_eq!(got, want, "conv1d t {t} channel {co}");
            }
        }

        // The folded ReLU copies; max pool takes the larger of each pair.
        let mut z = y;
        QLayer::<[[i8; 5]; 12]>::forward(&l.1, &y, &mut z);
        assert_eq!(z, y);
        let mut x = [[0i8; 5]; 12];
        x.iter_mut()
            .flatten()
            .for_each(|v| *v = random_i8(&mut rng));
        let mut pooled = [[0i8; 5]; 6];
        QLayer::<[[i8; 5]; 12]>::forward(&l.2, &x, &mut pooled);
        for (o, p) in pooled.iter().enumerate() {
            for c in 0..5 {
                assert_eq!(p[c], x[2 * o][c].max(x[2 * o + 1][c]));
            }
        }
        let mut flat = [0i8; 30];
        QLayer::<[[i8; 5]; 6]>::forward(&l.3, &pooled, &mut flat);
        assert_eq!(&flat[..], pooled.as_flattened());

        // Dense.
        let mut x = [0i8; 30];
        x.iter_mut().for_each(|v| *v = random_i8(&mut rng));
        let mut y = [0i8];
        l.4.forward(&x, &mut y);
        let acc = fc.bias[0]
            + x.iter()
                .zip(&fc.weights[0])
                .map(|(&v, &w)| (i32::from(v) - conv_out.zero_point) * i32::from(w))
                .sum::<i32>();
        assert_eq!(
            y[0],
            requantize(acc, fc.requant[0], dense_out.zero_point, -128, 127)
        );
    }

    // Sigmoid: every input level through the logistic, to TFLite's 1/256 output steps.
    for v in -128..=127i8 {
        let mut y = [0i8];
        QLayer::<[i8; 1]>::forward(&l.5, &[v], &mut y);
        let x = f64::from(dense_out.scale) * f64::from(i32::from(v) - dense_out.zero_point);
        let p = 1.0 / (1.0 + (-x).exp());
        let want = ((p * 256.0).round() as i32 - 128).clamp(-128, 127) as i8;
        if !near_tie(p) {
            assert_eq!(y[0], want, "sigmoid of level {v} ({x})");
        }
    }
}

#[test]
fn every_int8_layer_of_the_quadrant_model_equals_the_reference() {
    let trained = quadrant();
    let calibration = trained.calibration();
    let m = &trained.model;
    let int8 = quantize::quantize(m, calibration, Calibration::MinMax).unwrap();
    let l = &int8.layers;

    let [input, conv_out, dense_out] = quadrant_params(m, calibration);
    let largest = calibration
        .iter()
        .flat_map(|x| quadrant_f32(m, x).0.into_iter().flatten().flatten())
        .fold(0.0f32, f32::max);
    assert_eq!(largest, 6.0, "the data should drive ReLU6 into its clamp");
    assert_eq!(int8.input, input);
    assert_eq!(int8.output, QParams::PROBABILITY);

    let rows: Vec<Vec<f32>> =
        m.0.kernel
            .iter()
            .map(|k| k.as_flattened().as_flattened().to_vec())
            .collect();
    let conv = channels(&rows, &m.0.bias, input, conv_out);
    assert_eq!(
        plain_rows(
            l.0.weights.0.as_flattened().as_flattened().as_flattened(),
            18
        ),
        conv.weights
    );
    assert_eq!(l.0.bias.to_vec(), folded(&conv, input.zero_point));
    assert_eq!(pairs(&l.0.requant), conv.requant);
    assert_eq!(i32::from(l.0.input_zero_point), input.zero_point);
    // The fused ReLU6 clamps at the levels of real 0 and real 6.
    let six = (6.0 / conv_out.scale).round() as i32 + conv_out.zero_point;
    let (act_lo, act_hi) = (conv_out.zero_point.max(-128), six.min(127));
    assert_eq!(
        (i32::from(l.0.output.min), i32::from(l.0.output.max)),
        (act_lo, act_hi)
    );
    assert_eq!(l.1, QClamp::FOLDED);

    let rows: Vec<Vec<f32>> = m.4.rows().iter().map(|r| r.to_vec()).collect();
    let fc = channels(&rows, m.4.bias_array(), conv_out, dense_out);
    assert_eq!(plain_rows(l.4.weights.0.as_flattened(), 18), fc.weights);
    assert_eq!(l.4.bias.to_vec(), folded(&fc, conv_out.zero_point));
    assert_eq!(pairs(&l.4.requant), fc.requant);

    let mut rng = Rng::seed(78);
    let (top, left) = (pad_before(7, 3, 1), pad_before(5, 3, 1));
    for _ in 0..100 {
        let mut x = [[[0i8; 2]; 5]; 7];
        x.iter_mut()
            .flatten()
            .flatten()
            .for_each(|v| *v = random_i8(&mut rng));
        let mut y = [[[0i8; 3]; 5]; 7];
        l.0.forward(&x, &mut y);
        for (r, y_r) in y.iter().enumerate() {
            for (c, y_px) in y_r.iter().enumerate() {
                for (co, &got) in y_px.iter().enumerate() {
                    let mut acc = conv.bias[co];
                    for kh in 0..3 {
                        for kw in 0..3 {
                            let (i, j) = (r as isize + kh - top, c as isize + kw - left);
                            let px = usize::try_from(i)
                                .ok()
                                .and_then(|i| x.get(i))
                                .zip(usize::try_from(j).ok())
                                .and_then(|(row, j)| row.get(j));
                            let Some(px) = px else { continue };
                            for ci in 0..2 {
                                let w = conv.weights[co][((kh * 3 + kw) * 2) as usize + ci];
                                acc += (i32::from(px[ci]) - input.zero_point) * i32::from(w);
                            }
                        }
                    }
                    let want =
                        requantize(acc, conv.requant[co], conv_out.zero_point, act_lo, act_hi);
                    assert_eq!(got, want, "conv2d ({r}, {c}) channel {co}");
                }
            }
        }

        let mut z = y;
        QLayer::<[[[i8; 3]; 5]; 7]>::forward(&l.1, &y, &mut z);
        assert_eq!(z, y);

        // Average pool, 2×2 windows, stride 2 ("valid"): TFLite's rounded mean, ties away
        // from zero.
        let mut x = [[[0i8; 3]; 5]; 7];
        x.iter_mut()
            .flatten()
            .flatten()
            .for_each(|v| *v = random_i8(&mut rng));
        let mut pooled = [[[0i8; 3]; 2]; 3];
        QLayer::<[[[i8; 3]; 5]; 7]>::forward(&l.2, &x, &mut pooled);
        for (r, row) in pooled.iter().enumerate() {
            for (c, px) in row.iter().enumerate() {
                for ch in 0..3 {
                    let sum: i32 = (0..2)
                        .flat_map(|i| (0..2).map(move |j| (i, j)))
                        .map(|(i, j)| i32::from(x[2 * r + i][2 * c + j][ch]))
                        .sum();
                    let mean = if sum > 0 {
                        (sum + 2) / 4
                    } else {
                        (sum - 2) / 4
                    };
                    assert_eq!(i32::from(px[ch]), mean, "avg pool ({r}, {c}) channel {ch}");
                }
            }
        }
        let mut flat = [0i8; 18];
        QLayer::<[[[i8; 3]; 2]; 3]>::forward(&l.3, &pooled, &mut flat);
        assert_eq!(&flat[..], pooled.as_flattened().as_flattened());

        let mut x = [0i8; 18];
        x.iter_mut().for_each(|v| *v = random_i8(&mut rng));
        let mut y = [0i8; 4];
        l.4.forward(&x, &mut y);
        for (o, &got) in y.iter().enumerate() {
            let acc = fc.bias[o]
                + x.iter()
                    .zip(&fc.weights[o])
                    .map(|(&v, &w)| (i32::from(v) - conv_out.zero_point) * i32::from(w))
                    .sum::<i32>();
            let want = requantize(acc, fc.requant[o], dense_out.zero_point, -128, 127);
            assert_eq!(got, want, "dense output {o}");
        }

        // Softmax of the dequantized logits, to TFLite's 1/256 output steps.
        let mut p = [0i8; 4];
        QLayer::<[i8; 4]>::forward(&l.5, &y, &mut p);
        let logits =
            y.map(|v| f64::from(dense_out.scale) * f64::from(i32::from(v) - dense_out.zero_point));
        let max = logits.iter().fold(f64::MIN, |m, &v| m.max(v));
        let e = logits.map(|v| (v - max).exp());
        let sum: f64 = e.iter().sum();
        for (o, &got) in p.iter().enumerate() {
            let prob = e[o] / sum;
            let want = ((prob * 256.0).round() as i32 - 128).clamp(-128, 127) as i8;
            if !near_tie(prob) {
                assert_eq!(got, want, "softmax output {o} of {logits:?}");
            }
        }
    }
}
