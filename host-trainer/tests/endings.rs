//! Keras' endings through `fit`: a model ending in `Sigmoid` with `BinaryCrossEntropy` (breast
//! cancer, 569 rows) and one ending in `Softmax` with `CategoricalCrossEntropy` (iris) train bit
//! for bit like the logits forms, and every metric reads the outputs for what the model ends in,
//! equal to scikit-learn's from the same outputs.
//!
//! The reference values below came from scikit-learn 1.9.1 (numpy 2.4.6) via
//! `python3 host-trainer/tests/reference/endings_metrics.py`, pasted literally.

use embednn::prelude::*;
use embednn::Ending;
use host_trainer::data::{CsvSpec, Dataset, SplitSpec, Standardizer};
use host_trainer::{FitOptions, Metric, Sequential, Verbosity};

const REL: f64 = 1e-12;

#[track_caller]
fn close(a: f64, b: f64) {
    assert!((a - b).abs() <= REL, "{a} vs scikit-learn {b}");
}

const METRICS: [Metric; 5] = [
    Metric::Accuracy,
    Metric::Precision,
    Metric::Recall,
    Metric::F1,
    Metric::Auc,
];

// binary (scikit-learn: accuracy, precision, recall, F1, ROC-AUC)
const P: [f32; 24] = [
    0.6200917,
    0.88132524,
    0.7646583,
    0.2361989,
    0.30815962,
    0.8586113,
    0.025054693,
    0.8083793,
    0.78518665,
    0.46921757,
    0.31091112,
    0.28728858,
    0.2646748,
    0.44727325,
    0.50436634,
    0.55135745,
    0.9756803,
    0.78095543,
    0.61729205,
    0.9694017,
    0.22669636,
    0.17380355,
    0.608038,
    0.062184326,
];
const Z: [f32; 24] = [
    0.48993734,
    2.0050402,
    1.1783904,
    -1.1736331,
    -0.80873746,
    1.8038034,
    -3.6613202,
    1.4395134,
    1.2961519,
    -0.12328567,
    -0.7958632,
    -0.9085894,
    -1.021811,
    -0.211694,
    0.017465832,
    0.20615688,
    3.691848,
    1.2712429,
    0.4780701,
    3.4557352,
    -1.2270603,
    -1.5589069,
    0.43907252,
    -2.7134504,
];
const Y: [u8; 24] = [
    1, 1, 1, 0, 0, 1, 0, 1, 1, 1, 0, 1, 0, 1, 0, 1, 1, 0, 1, 1, 0, 0, 1, 0,
];
const BINARY: [f64; 5] = [
    0.7916666666666666,
    0.8461538461538461,
    0.7857142857142857,
    0.8148148148148148,
    0.9071428571428571,
];
// three classes (macro averages; ROC-AUC one-vs-rest)
const LOGITS: [[f32; 3]; 24] = [
    [0.17903104, -0.9622056, 3.000625],
    [1.1433896, -1.7989334, 0.11177434],
    [0.8650344, -0.28317317, 1.0243654],
    [-0.09977598, 1.0008713, 2.157784],
    [-1.0134934, 0.3047079, -0.69496137],
    [0.19090262, -1.7807918, -0.8689524],
    [-0.29429397, 1.3481458, 1.717833],
    [-1.9852917, -1.1919636, 0.97035515],
    [-2.9886296, -0.6947548, -0.1459304],
    [1.8855225, 1.0341059, -0.49082014],
    [-0.55286384, -0.3752931, 2.285294],
    [-0.6420374, -0.45552057, 0.5288836],
    [-0.18115567, -0.29592633, -1.6711007],
    [-0.017282203, -0.66537184, 1.7491916],
    [0.97963274, -0.03621542, 1.0025716],
    [-0.5098043, 1.5781895, -0.008099341],
    [0.87507355, -1.9363399, 0.52002007],
    [-2.5323062, -3.0529935, -0.45671532],
    [-1.3498914, 0.24607919, 3.367135],
    [-1.2475848, -0.93591535, 0.30810592],
    [0.73951995, -0.2646091, -0.3088955],
    [1.0536945, 0.77986145, -1.5505137],
    [-0.11877198, 0.052930273, -1.5817269],
    [0.38975865, -1.2869347, 1.4581001],
];
const PROBS: [[f32; 3]; 24] = [
    [0.055178396, 0.017625289, 0.92719626],
    [0.70963573, 0.037428364, 0.25293595],
    [0.40161756, 0.12739502, 0.4709874],
    [0.073714525, 0.22159408, 0.70469135],
    [0.16361788, 0.61138994, 0.22499219],
    [0.67307127, 0.0937055, 0.23322326],
    [0.07327633, 0.3786747, 0.548049],
    [0.044593297, 0.098584294, 0.8568224],
    [0.03561849, 0.35309595, 0.61128557],
    [0.65802485, 0.28085148, 0.06112373],
    [0.05187104, 0.061950244, 0.8861787],
    [0.18416184, 0.22192329, 0.59391487],
    [0.4723765, 0.42115697, 0.10646659],
    [0.13562573, 0.07093822, 0.79343605],
    [0.41923463, 0.15180284, 0.42896256],
    [0.09328144, 0.7526611, 0.15405755],
    [0.5677766, 0.03413471, 0.3980886],
    [0.10456569, 0.06212374, 0.83331054],
    [0.008491246, 0.0418883, 0.9496204],
    [0.14076455, 0.1922426, 0.6669929],
    [0.5824599, 0.2133921, 0.20414795],
    [0.5451312, 0.41454995, 0.04031882],
    [0.41341528, 0.490858, 0.09572675],
    [0.2440489, 0.045635015, 0.71031606],
];
const CLASSES: [usize; 24] = [
    0, 0, 2, 2, 1, 0, 1, 2, 1, 0, 2, 2, 0, 2, 2, 1, 2, 2, 2, 2, 1, 1, 1, 2,
];
const MULTI: [f64; 5] = [
    0.75,
    0.7857142857142857,
    0.7150793650793651,
    0.7042735042735043,
    0.8755675954592363,
];

#[test]
fn binary_metrics_equal_scikit_learn_for_both_endings() {
    let targets: Vec<[f32; 1]> = Y.iter().map(|&y| [f32::from(y)]).collect();
    let probs: Vec<[f32; 1]> = P.iter().map(|&p| [p]).collect();
    let logits: Vec<[f32; 1]> = Z.iter().map(|&z| [z]).collect();
    for (i, m) in METRICS.into_iter().enumerate() {
        close(
            m.compute(&probs, &targets, Ending::Sigmoid).unwrap(),
            BINARY[i],
        );
        close(
            m.compute(&logits, &targets, Ending::Values).unwrap(),
            BINARY[i],
        );
    }
    // Reading probabilities as logits (the old behaviour) calls every sample positive.
    let wrong = Metric::Accuracy
        .compute(&probs, &targets, Ending::Values)
        .unwrap();
    let positives = Y.iter().filter(|&&y| y == 1).count() as f64 / Y.len() as f64;
    close(wrong, positives);
}

#[test]
fn multiclass_metrics_equal_scikit_learn_for_both_endings() {
    let targets: Vec<[f32; 3]> = CLASSES
        .iter()
        .map(|&c| core::array::from_fn(|i| f32::from(u8::from(i == c))))
        .collect();
    for (i, m) in METRICS.into_iter().enumerate() {
        close(
            m.compute(&PROBS, &targets, Ending::Softmax).unwrap(),
            MULTI[i],
        );
        // The AUC of logits goes through their softmax (f32 here, numpy's there): same ranking.
        close(
            m.compute(&LOGITS, &targets, Ending::Values).unwrap(),
            MULTI[i],
        );
    }
}

type CancerLogits = (Dense<30, 16>, Relu, Dense<16, 1>);
type CancerProbs = (Dense<30, 16>, Relu, Dense<16, 1>, Sigmoid);

fn bits<M: Params>(model: &M) -> Vec<u32> {
    let mut out = Vec::new();
    model.for_each_param(&mut |_, v| out.extend(v.iter().map(|x| x.to_bits())));
    out
}

fn standardized(path: &str, label: &str, seed: u64) -> (Dataset, Dataset) {
    let data = Dataset::from_csv(path, &CsvSpec::classification(label)).unwrap();
    let split = data
        .split(&SplitSpec::new(0.0, 0.25, seed).stratified())
        .unwrap();
    let (mut train, mut test) = (
        data.subset(&split.train).unwrap(),
        data.subset(&split.test).unwrap(),
    );
    let scaler = Standardizer::fit(&train).unwrap();
    scaler.transform(&mut train).unwrap();
    scaler.transform(&mut test).unwrap();
    (train, test)
}

fn options() -> FitOptions<'static> {
    FitOptions {
        epochs: 30,
        batch_size: 32,
        verbose: Verbosity::Silent,
        ..Default::default()
    }
}

#[test]
fn a_sigmoid_model_fits_like_its_logits_twin_and_reports_the_real_accuracy() {
    let (train, test) = standardized(
        concat!(env!("CARGO_MANIFEST_DIR"), "/../data/breast_cancer.csv"),
        "diagnosis",
        3,
    );
    let (x, y): (Vec<[f32; 30]>, Vec<[f32; 1]>) =
        (train.inputs().unwrap(), train.binary_targets().unwrap());
    let (tx, ty): (Vec<[f32; 30]>, Vec<[f32; 1]>) =
        (test.inputs().unwrap(), test.binary_targets().unwrap());

    let mut logits = Sequential::<CancerLogits>::new(11)
        .compile(Adam::new(0.001), BinaryCrossEntropyWithLogits)
        .with_metrics(&METRICS);
    let mut probs = Sequential::<CancerProbs>::new(11)
        .compile(Adam::new(0.001), BinaryCrossEntropy)
        .with_metrics(&METRICS);
    logits.fit(&x, &y, options()).unwrap();
    probs.fit(&x, &y, options()).unwrap();
    assert_eq!(bits(logits.model()), bits(probs.model()));

    let (a, b) = (
        logits.evaluate(&tx, &ty).unwrap(),
        probs.evaluate(&tx, &ty).unwrap(),
    );
    // The loss values agree to rounding (the probability form clips at 1e-7 as Keras does).
    assert!((a.loss - b.loss).abs() < 1e-5, "{} vs {}", a.loss, b.loss);
    for m in METRICS {
        assert_eq!(a.metric(m), b.metric(m), "{}", m.name());
    }
    // The reported accuracy is the one of the probabilities thresholded at 0.5.
    let right = probs
        .predict(&tx)
        .iter()
        .zip(&ty)
        .filter(|(p, t)| (p[0] > 0.5) == (t[0] > 0.5))
        .count();
    assert_eq!(b.get("accuracy"), Some(right as f64 / tx.len() as f64));
    assert!(b.get("accuracy").unwrap() > 0.95, "{b:?}");
    let cm = probs.confusion_matrix(&tx, &ty).unwrap();
    assert_eq!(cm.correct(), right as u64);
}

type IrisLogits = (Dense<4, 12>, Tanh, Dense<12, 3>);
type IrisProbs = (Dense<4, 12>, Tanh, Dense<12, 3>, Softmax);

#[test]
fn a_softmax_model_fits_like_its_logits_twin() {
    let (train, test) = standardized(
        concat!(env!("CARGO_MANIFEST_DIR"), "/../data/iris.csv"),
        "species",
        5,
    );
    let (x, y): (Vec<[f32; 4]>, Vec<[f32; 3]>) =
        (train.inputs().unwrap(), train.one_hot_targets().unwrap());
    let (tx, ty): (Vec<[f32; 4]>, Vec<[f32; 3]>) =
        (test.inputs().unwrap(), test.one_hot_targets().unwrap());
    let options = || FitOptions {
        epochs: 60,
        batch_size: 16,
        verbose: Verbosity::Silent,
        ..Default::default()
    };
    let mut logits = Sequential::<IrisLogits>::new(2)
        .compile(Adam::new(0.01), SoftmaxCrossEntropy)
        .with_metrics(&METRICS);
    let mut probs = Sequential::<IrisProbs>::new(2)
        .compile(Adam::new(0.01), CategoricalCrossEntropy)
        .with_metrics(&METRICS);
    logits.fit(&x, &y, options()).unwrap();
    probs.fit(&x, &y, options()).unwrap();
    assert_eq!(bits(logits.model()), bits(probs.model()));
    let (a, b) = (
        logits.evaluate(&tx, &ty).unwrap(),
        probs.evaluate(&tx, &ty).unwrap(),
    );
    for m in METRICS {
        let (ma, mb) = (a.metric(m).unwrap(), b.metric(m).unwrap());
        assert!((ma - mb).abs() < 1e-12, "{}: {ma} vs {mb}", m.name());
    }
    assert!(b.get("accuracy").unwrap() > 0.9, "{b:?}");
}
