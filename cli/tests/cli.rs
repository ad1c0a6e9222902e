//! The `embednn` binary, run as a user would, on model files and CSVs written here. Expected
//! numbers are computed in the test from the model itself, not by the code under test.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use embednn::format::{fingerprint, ModelFile, Preprocessing};
use embednn::prelude::*;
use embednn::Input;
use embednn_models::{DigitsCnn, DigitsMlp, GestureCnn, Iris, KerasTutorial, Sine};

const IRIS_LABELS: [&str; 3] = ["setosa", "versicolor", "virginica"];
const IRIS_MEAN: [f32; 4] = [5.8, 3.0, 3.7, 1.2];
const IRIS_STD: [f32; 4] = [0.8, 0.4, 1.8, 0.75];

fn embednn(args: &[&dyn AsRef<std::ffi::OsStr>]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_embednn"))
        .args(args.iter().map(|a| a.as_ref()))
        .output()
        .expect("the binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("UTF-8 output")
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).expect("UTF-8 errors")
}

/// Success, with nothing on stderr.
fn ok(o: Output) -> String {
    assert!(
        o.status.success(),
        "exit {:?}, stderr: {}",
        o.status.code(),
        stderr(&o)
    );
    assert_eq!(stderr(&o), "");
    stdout(&o)
}

/// Exit status 1, nothing on stdout, one line on stderr (no panic); returns that line.
fn fails(o: Output) -> String {
    assert_eq!(o.status.code(), Some(1), "stdout: {}", stdout(&o));
    let err = stderr(&o);
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(err.lines().count(), 1, "one line: {err:?}");
    assert!(err.starts_with("embednn: error: "), "{err}");
    err
}

fn model<M: Model + Init>(seed: u64) -> M {
    M::init(Initializer::GlorotUniform, &mut Rng::seed(seed))
}

fn save<M: Model>(dir: &Path, name: &str, model: &M, pre: &Preprocessing<'_>) -> PathBuf {
    let path = dir.join(name);
    ModelFile::save(model, pre, &path).expect("model saved");
    path
}

fn iris_file(dir: &Path) -> (Iris, PathBuf) {
    let net: Iris = model(7);
    let pre = Preprocessing {
        mean: &IRIS_MEAN,
        std: &IRIS_STD,
        labels: &IRIS_LABELS,
    };
    let path = save(dir, "iris.ennm", &net, &pre);
    (net, path)
}

/// `rows` random iris-like feature rows, seeded.
fn iris_rows(rows: usize, seed: u64) -> Vec<[f32; 4]> {
    let mut rng = Rng::seed(seed);
    (0..rows)
        .map(|_| {
            let mut x = [0.0; 4];
            for (v, (m, s)) in x.iter_mut().zip(IRIS_MEAN.iter().zip(IRIS_STD)) {
                *v = m + 1.5 * s * rng.normal();
            }
            x
        })
        .collect()
}

/// What the binary should compute: standardize with the stored statistics, then predict.
fn standardized_predict<M: Model>(net: &M, x: &[f32], mean: &[f32], std: &[f32]) -> Vec<f32> {
    let mut input = <Input<M> as Buffer>::ZERO;
    for (((v, x), m), s) in input.flat_mut().iter_mut().zip(x).zip(mean).zip(std) {
        *v = (x - m) / s;
    }
    net.predict(&input).flat().to_vec()
}

fn argmax(v: &[f32]) -> usize {
    (0..v.len()).fold(0, |best, i| if v[i] > v[best] { i } else { best })
}

/// The number after `key` on the line that starts with it.
fn number_after(text: &str, key: &str) -> f64 {
    let line = text
        .lines()
        .find(|l| l.starts_with(key))
        .unwrap_or_else(|| panic!("no `{key}` line in:\n{text}"));
    line[key.len()..]
        .split_whitespace()
        .next()
        .and_then(|w| w.parse().ok())
        .unwrap_or_else(|| panic!("no number in {line:?}"))
}

/// The layer table of `M`'s summary (header to closing rule), which `inspect` must print.
fn layer_table<M: Model>() -> String {
    let mut summary = String::new();
    embednn::summary::write_summary::<M>(&mut summary).unwrap();
    let lines: Vec<&str> = summary.lines().collect();
    let end = lines.iter().rposition(|l| l.starts_with("---")).unwrap();
    lines[..=end].join("\n")
}

fn close(a: f64, b: f64, tolerance: f64) -> bool {
    (a - b).abs() <= tolerance * (1.0 + b.abs())
}

#[test]
fn inspect_shows_header_layers_preprocessing_and_the_summary() {
    let dir = tempfile::tempdir().unwrap();
    let (_, path) = iris_file(dir.path());
    let bytes = std::fs::read(&path).unwrap();
    let out = ok(embednn(&[&"inspect", &path]));

    let crc = u32::from_le_bytes(bytes[bytes.len() - 4..].try_into().unwrap());
    assert!(
        out.contains(&format!("size:          {} bytes", bytes.len())),
        "{out}"
    );
    assert!(out.contains("format:        version 2 (postcard)"), "{out}");
    assert!(
        out.contains(&format!("CRC-32:        {crc:08x} (verified)")),
        "{out}"
    );
    assert!(
        out.contains(&format!("fingerprint:   {:016x}", fingerprint::<Iris>())),
        "{out}"
    );
    assert!(out.contains("layers:        4"), "{out}");
    assert!(out.contains("    0  Dense<4, 16>"), "{out}");
    assert!(out.contains("    2  Dense<16, 3>"), "{out}");
    assert!(out.contains("    3  Softmax"), "{out}");
    assert!(
        out.contains(&format!(
            "parameters:    {} ({} bytes)",
            Iris::PARAMS,
            Iris::PARAMS * 4
        )),
        "{out}"
    );
    assert!(
        out.contains("  mean:        4 values [5.8000, 3.0000, 3.7000, 1.2000]"),
        "{out}"
    );
    assert!(
        out.contains("  std:         4 values [0.8000, 0.4000, 1.8000, 0.7500]"),
        "{out}"
    );
    assert!(
        out.contains("  labels:      3 (setosa, versicolor, virginica)"),
        "{out}"
    );
    assert!(
        out.contains("runs:          yes, input [4] → output [3]"),
        "{out}"
    );
    assert!(out.contains(&layer_table::<Iris>()), "{out}");
    assert!(out.contains(&format!("MACs per inference: {}\n", Iris::MACS)));
    assert!(out.contains("Inference RAM: "), "{out}");
}

#[test]
fn inspect_shows_the_summary_of_every_example_type() {
    fn check<M: Model + Init>(dir: &Path, name: &str) {
        let path = save(dir, name, &model::<M>(1), &Preprocessing::default());
        let out = ok(embednn(&[&"inspect", &path]));
        assert!(out.contains(&layer_table::<M>()), "{out}");
        assert!(out.contains("  labels:      none"), "{out}");
        assert!(out.contains("  mean:        none"), "{out}");
    }
    let dir = tempfile::tempdir().unwrap();
    check::<KerasTutorial>(dir.path(), "k.ennm");
    check::<Sine>(dir.path(), "s.ennm");
    check::<Iris>(dir.path(), "i.ennm");
    check::<DigitsMlp>(dir.path(), "d.ennm");
    check::<DigitsCnn>(dir.path(), "c.ennm");
    check::<GestureCnn>(dir.path(), "g.ennm");
}

/// A binary classifier of a type no code in the repository names, ending in `Sigmoid` as in
/// Keras: inspected, evaluated and predicted with exactly the typed model's results.
#[test]
fn a_model_type_no_code_names_is_inspected_evaluated_and_predicted() {
    type Screening = (
        Dense<3, 8>,
        LeakyRelu<200>,
        BatchNorm<8>,
        Dense<8, 1>,
        Sigmoid,
    );
    let dir = tempfile::tempdir().unwrap();
    let mut net: Screening = model(3);
    // Batch-norm statistics that are not the identity.
    net.2 = BatchNorm::new([1.5; 8], [0.1; 8], [0.2; 8], [0.7; 8]);
    let (mean, std) = ([1.0f32, -2.0, 0.5], [2.0f32, 0.5, 1.5]);
    let labels = ["healthy", "ill"];
    let pre = Preprocessing {
        mean: &mean,
        std: &std,
        labels: &labels,
    };
    let path = save(dir.path(), "screening.ennm", &net, &pre);

    let out = ok(embednn(&[&"inspect", &path]));
    assert!(out.contains(&layer_table::<Screening>()), "{out}");
    assert!(
        out.contains("runs:          yes, input [3] → output [1]"),
        "{out}"
    );

    let mut rng = Rng::seed(4);
    let rows: Vec<[f32; 3]> = (0..50)
        .map(|_| std::array::from_fn(|i| mean[i] + 2.0 * std[i] * rng.normal()))
        .collect();
    let truth: Vec<usize> = rows.iter().map(|_| rng.below(2) as usize).collect();
    let mut features = String::from("a,b,c\n");
    let mut labelled = String::from("a,b,c,outcome\n");
    for (x, &t) in rows.iter().zip(&truth) {
        features += &format!("{},{},{}\n", x[0], x[1], x[2]);
        labelled += &format!("{},{},{},{}\n", x[0], x[1], x[2], labels[t]);
    }
    let (features_csv, labelled_csv) = (dir.path().join("x.csv"), dir.path().join("xy.csv"));
    std::fs::write(&features_csv, features).unwrap();
    std::fs::write(&labelled_csv, labelled).unwrap();

    let p: Vec<f32> = rows
        .iter()
        .map(|x| standardized_predict(&net, x, &mean, &std)[0])
        .collect();
    let out = ok(embednn(&[&"predict", &path, &features_csv]));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "predicted,healthy,ill");
    assert_eq!(lines.len(), rows.len() + 1);
    for (&p, line) in p.iter().zip(&lines[1..]) {
        let p = f64::from(p);
        let expected = format!(
            "{},{:.6},{:.6}",
            if p > 0.5 { "ill" } else { "healthy" },
            1.0 - p,
            p
        );
        assert_eq!(*line, expected);
    }

    let correct = p
        .iter()
        .zip(&truth)
        .filter(|(&p, &t)| usize::from(p > 0.5) == t)
        .count();
    let out = ok(embednn(&[&"evaluate", &path, &labelled_csv]));
    assert!(
        out.contains(&format!(
            "accuracy:    {:.4} ({correct}/50)",
            correct as f64 / 50.0
        )),
        "{out}"
    );
    assert!(out.contains("ending in Sigmoid"), "{out}");
}

/// A convolutional regressor with two outputs, of a type no code names: every printed value is
/// the typed model's, to the bit.
#[test]
fn a_convolutional_regressor_no_code_names_predicts_exact_values() {
    type Profile = (
        Conv1d<6, 1, 3, 3, 1, 6, Same>,
        Relu,
        MaxPool1d<2, 2, 3>,
        Flatten<9>,
        Dense<9, 2>,
    );
    let dir = tempfile::tempdir().unwrap();
    let net: Profile = model(8);
    let path = save(dir.path(), "profile.ennm", &net, &Preprocessing::default());
    let mut rng = Rng::seed(9);
    let rows: Vec<[f32; 6]> = (0..20)
        .map(|_| std::array::from_fn(|_| rng.normal()))
        .collect();
    let mut text = String::from("t0,t1,t2,t3,t4,t5\n");
    for x in &rows {
        let cells: Vec<String> = x.iter().map(|v| v.to_string()).collect();
        text += &(cells.join(",") + "\n");
    }
    let csv = dir.path().join("profiles.csv");
    std::fs::write(&csv, text).unwrap();
    let out = ok(embednn(&[&"predict", &path, &csv]));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "value_0,value_1");
    for (x, line) in rows.iter().zip(&lines[1..]) {
        let input: [[f32; 1]; 6] = std::array::from_fn(|i| [x[i]]);
        let y = net.predict(&input);
        let cells: Vec<f32> = line.split(',').map(|c| c.parse().unwrap()).collect();
        assert_eq!(cells[0].to_bits(), y[0].to_bits(), "{line}");
        assert_eq!(cells[1].to_bits(), y[1].to_bits(), "{line}");
    }
}

/// A layer of the user's own (declared with `params!`) is stored by kind; without its Rust type
/// the file is inspected but cannot run, and the error says which layer.
#[test]
fn a_users_own_layer_kind_is_inspected_but_not_run() {
    #[derive(Clone, Copy, Debug, PartialEq)]
    pub struct Scale<const N: usize> {
        pub factor: [f32; N],
    }
    embednn::params! {
        impl[const N: usize] Scale<N> as "Scale"[N] for [f32; N] {
            factor: Weight = 1.0,
        }
    }
    impl<const N: usize> Layer<[f32; N]> for Scale<N> {
        type Output = [f32; N];
        type Cache = ();
        const MACS: usize = N;
        fn forward(&self, x: &[f32; N], y: &mut [f32; N]) {
            for ((y, x), f) in y.iter_mut().zip(x).zip(&self.factor) {
                *y = x * f;
            }
        }
        fn backward(
            &self,
            _: &[f32; N],
            _: &[f32; N],
            _: &(),
            _: &[f32; N],
            _: Option<&mut [f32; N]>,
            _: Option<&mut Self>,
        ) {
        }
    }
    type Scaled = (Dense<3, 2>, Scale<2>);
    let dir = tempfile::tempdir().unwrap();
    let path = save(
        dir.path(),
        "scaled.ennm",
        &model::<Scaled>(3),
        &Preprocessing::default(),
    );
    let out = ok(embednn(&[&"inspect", &path]));
    assert!(out.contains("    1  Scale<2>"), "{out}");
    assert!(
        out.contains("runs:          no: layer 1 (Scale<2>) is not a layer kind embednn defines"),
        "{out}"
    );
    let csv = dir.path().join("x.csv");
    std::fs::write(&csv, "a,b,c\n1,2,3\n").unwrap();
    let err = fails(embednn(&[&"predict", &path, &csv]));
    assert!(
        err.contains("scaled.ennm: cannot run this model: layer 1 (Scale<2>)"),
        "{err}"
    );
}

/// A NaN weight gives NaN outputs: `predict` refuses to print them and names the row.
#[test]
fn non_finite_outputs_fail_naming_the_file_and_row() {
    let dir = tempfile::tempdir().unwrap();
    let mut net: Sine = model(2);
    net.4.bias[0] = f32::NAN;
    let path = dir.path().join("nan.ennm");
    ModelFile::save_keeping_non_finite(&net, &Preprocessing::default(), &path).unwrap();
    let csv = dir.path().join("x.csv");
    std::fs::write(&csv, "x\n0.5\n1.0\n").unwrap();
    let err = fails(embednn(&[&"predict", &path, &csv]));
    assert!(
        err.contains("nan.ennm: data row 1 gives the output NaN"),
        "{err}"
    );
}

#[test]
fn corrupted_or_truncated_files_fail_with_the_load_error() {
    let dir = tempfile::tempdir().unwrap();
    let (_, path) = iris_file(dir.path());
    let mut bytes = std::fs::read(&path).unwrap();

    let n = bytes.len();
    bytes[n - 20] ^= 0x40; // inside the parameters
    let corrupt = dir.path().join("corrupt.ennm");
    std::fs::write(&corrupt, &bytes).unwrap();
    let csv = dir.path().join("x.csv");
    std::fs::write(&csv, "a,b,c,d\n1,2,3,4\n").unwrap();
    for command in ["inspect", "evaluate", "predict"] {
        let out = if command == "inspect" {
            embednn(&[&command, &corrupt])
        } else {
            embednn(&[&command, &corrupt, &csv])
        };
        let err = fails(out);
        assert!(err.contains("corrupt.ennm"), "{err}");
        assert!(err.contains("model file is corrupt: CRC-32"), "{err}");
    }

    let truncated = dir.path().join("truncated.ennm");
    std::fs::write(&truncated, &bytes[..n / 2]).unwrap();
    let err = fails(embednn(&[&"inspect", &truncated]));
    assert!(err.contains("truncated"), "{err}");

    let err = fails(embednn(&[&"inspect", &dir.path().join("missing.ennm")]));
    assert!(err.contains("missing.ennm: cannot read"), "{err}");
}

#[test]
fn evaluate_classifier_reports_accuracy_macro_f1_and_the_confusion_matrix() {
    let dir = tempfile::tempdir().unwrap();
    let (net, path) = iris_file(dir.path());
    let rows = iris_rows(60, 11);
    let mut rng = Rng::seed(12);
    let truth: Vec<usize> = rows.iter().map(|_| rng.below(3) as usize).collect();
    // The target first, to exercise --target.
    let mut csv_text = String::from("species,sepal_length,sepal_width,petal_length,petal_width\n");
    for (x, &t) in rows.iter().zip(&truth) {
        csv_text += &format!("{},{},{},{},{}\n", IRIS_LABELS[t], x[0], x[1], x[2], x[3]);
    }
    let csv = dir.path().join("iris.csv");
    std::fs::write(&csv, csv_text).unwrap();

    let predicted: Vec<usize> = rows
        .iter()
        .map(|x| argmax(&standardized_predict(&net, x, &IRIS_MEAN, &IRIS_STD)))
        .collect();
    let mut matrix = [[0usize; 3]; 3];
    for (&t, &p) in truth.iter().zip(&predicted) {
        matrix[t][p] += 1;
    }
    let correct: usize = (0..3).map(|c| matrix[c][c]).sum();
    let macro_f1: f64 = (0..3)
        .map(|c| {
            let tp = matrix[c][c] as f64;
            let fp = (0..3).map(|t| matrix[t][c]).sum::<usize>() as f64 - tp;
            let fn_ = matrix[c].iter().sum::<usize>() as f64 - tp;
            let den = 2.0 * tp + fp + fn_;
            if den == 0.0 {
                0.0
            } else {
                2.0 * tp / den
            }
        })
        .sum::<f64>()
        / 3.0;

    let out = ok(embednn(&[
        &"evaluate",
        &path,
        &csv,
        &"--target",
        &"species",
    ]));
    assert!(out.contains("(4 layers, ending in Softmax)"), "{out}");
    assert!(out.contains("60 rows, target `species`"), "{out}");
    assert!(
        out.contains(&format!(
            "accuracy:    {:.4} ({correct}/60)",
            correct as f64 / 60.0
        )),
        "{out}"
    );
    assert!(
        close(number_after(&out, "macro F1:"), macro_f1, 1e-4),
        "{out}\nexpected {macro_f1}"
    );
    for (c, label) in IRIS_LABELS.iter().enumerate() {
        let row = out
            .lines()
            .find(|l| l.trim_start().starts_with(label) && l.split_whitespace().count() == 4)
            .unwrap_or_else(|| panic!("no matrix row for {label}:\n{out}"));
        let counts: Vec<usize> = row
            .split_whitespace()
            .skip(1)
            .map(|v| v.parse().unwrap())
            .collect();
        assert_eq!(counts, matrix[c], "row {label}:\n{out}");
    }

    // Without --target the last column is the target, and `species` is read as a feature.
    let err = fails(embednn(&[&"evaluate", &path, &csv]));
    assert!(
        err.contains("line 2, column `species`: expected a number"),
        "{err}"
    );
}

#[test]
fn evaluate_regressor_reports_mse_mae_r2() {
    let dir = tempfile::tempdir().unwrap();
    let net: Sine = model(21);
    let (mean, std) = ([1.5f32], [0.9f32]);
    let pre = Preprocessing {
        mean: &mean,
        std: &std,
        labels: &[],
    };
    let path = save(dir.path(), "sine.ennm", &net, &pre);
    let xs: Vec<f32> = (0..40).map(|i| i as f32 * 0.08).collect();
    let ys: Vec<f32> = xs.iter().map(|x| x.sin()).collect();
    let mut csv_text = String::from("x,y\n");
    for (x, y) in xs.iter().zip(&ys) {
        csv_text += &format!("{x},{y}\n");
    }
    let csv = dir.path().join("sine.csv");
    std::fs::write(&csv, csv_text).unwrap();

    let pred: Vec<f64> = xs
        .iter()
        .map(|x| f64::from(standardized_predict(&net, &[*x], &mean, &std)[0]))
        .collect();
    let truth: Vec<f64> = ys.iter().map(|&y| f64::from(y)).collect();
    let n = truth.len() as f64;
    let mse = truth
        .iter()
        .zip(&pred)
        .map(|(t, p)| (t - p).powi(2))
        .sum::<f64>()
        / n;
    let mae = truth
        .iter()
        .zip(&pred)
        .map(|(t, p)| (t - p).abs())
        .sum::<f64>()
        / n;
    let mean_t = truth.iter().sum::<f64>() / n;
    let r2 = 1.0 - mse * n / truth.iter().map(|t| (t - mean_t).powi(2)).sum::<f64>();

    let out = ok(embednn(&[&"evaluate", &path, &csv]));
    assert!(
        out.contains("(5 layers, ending in Dense)") && out.contains("target `y`"),
        "{out}"
    );
    assert!(
        close(number_after(&out, "MSE:"), mse, 1e-5),
        "{out}\nexpected {mse}"
    );
    assert!(
        close(number_after(&out, "MAE:"), mae, 1e-5),
        "{out}\nexpected {mae}"
    );
    assert!(
        close(number_after(&out, "R²:"), r2, 1e-5),
        "{out}\nexpected {r2}"
    );
}

#[test]
fn predict_classifier_prints_labels_and_probabilities() {
    let dir = tempfile::tempdir().unwrap();
    let (net, path) = iris_file(dir.path());
    let rows = iris_rows(12, 31);
    // An id column and a target column the model must not see: picked out with --features.
    let mut csv_text =
        String::from("id,sepal_length,sepal_width,petal_length,petal_width,species\n");
    for (i, x) in rows.iter().enumerate() {
        csv_text += &format!("{i},{},{},{},{},setosa\n", x[0], x[1], x[2], x[3]);
    }
    let csv = dir.path().join("new.csv");
    std::fs::write(&csv, csv_text).unwrap();

    let err = fails(embednn(&[&"predict", &path, &csv]));
    assert!(
        err.contains("takes 4 input values") && err.contains("6 feature columns"),
        "{err}"
    );
    assert!(err.contains("--features"), "{err}");

    let features = "sepal_length,sepal_width,petal_length,petal_width";
    let out = ok(embednn(&[
        &"predict",
        &path,
        &csv,
        &"--features",
        &features,
    ]));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "predicted,setosa,versicolor,virginica");
    assert_eq!(
        lines.len(),
        rows.len() + 1,
        "a header and one line per row:\n{out}"
    );
    for (x, line) in rows.iter().zip(&lines[1..]) {
        // Iris ends in Softmax: the model's outputs are the probabilities the CLI prints.
        let expected = standardized_predict(&net, x, &IRIS_MEAN, &IRIS_STD);
        let cells: Vec<&str> = line.split(',').collect();
        assert_eq!(cells[0], IRIS_LABELS[argmax(&expected)], "{line}");
        for (cell, &e) in cells[1..].iter().zip(&expected) {
            let p: f64 = cell.parse().unwrap();
            assert!((p - f64::from(e)).abs() <= 1e-6, "{line}: expected {e}");
        }
    }
}

#[test]
fn predict_binary_classifier_uses_the_sigmoid() {
    let dir = tempfile::tempdir().unwrap();
    let net: KerasTutorial = model(5);
    let pre = Preprocessing {
        mean: &[],
        std: &[],
        labels: &["no", "yes"],
    };
    let path = save(dir.path(), "binary.ennm", &net, &pre);
    let csv = dir.path().join("xy.csv");
    let points = [[0.5f32, -1.0], [2.0, 3.0], [-4.0, 0.25], [1.0, 1.0]];
    let mut text = String::from("a,b\n");
    for p in &points {
        text += &format!("{},{}\n", p[0], p[1]);
    }
    std::fs::write(&csv, text).unwrap();
    let out = ok(embednn(&[&"predict", &path, &csv]));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "predicted,no,yes");
    for (p, line) in points.iter().zip(&lines[1..]) {
        let logit = f64::from(net.predict(p)[0]);
        let yes = 1.0 / (1.0 + (-logit).exp());
        let cells: Vec<&str> = line.split(',').collect();
        assert_eq!(cells[0], if logit > 0.0 { "yes" } else { "no" }, "{line}");
        assert!(
            (cells[2].parse::<f64>().unwrap() - yes).abs() <= 1e-6,
            "{line}"
        );
        assert!(
            (cells[1].parse::<f64>().unwrap() - (1.0 - yes)).abs() <= 1e-6,
            "{line}"
        );
    }
}

#[test]
fn predict_regressor_prints_exact_values() {
    let dir = tempfile::tempdir().unwrap();
    let net: Sine = model(9);
    let (mean, std) = ([0.25f32], [2.0f32]);
    let pre = Preprocessing {
        mean: &mean,
        std: &std,
        labels: &[],
    };
    let path = save(dir.path(), "sine.ennm", &net, &pre);
    let xs = [-1.0f32, 0.0, 0.3, 2.75];
    let csv = dir.path().join("x.csv");
    std::fs::write(
        &csv,
        format!("x\n{}\n{}\n\n{}\n{}\n", xs[0], xs[1], xs[2], xs[3]),
    )
    .unwrap();
    let out = ok(embednn(&[&"predict", &path, &csv]));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "value");
    assert_eq!(lines.len(), xs.len() + 1, "{out}");
    for (x, line) in xs.iter().zip(&lines[1..]) {
        let expected = standardized_predict(&net, &[*x], &mean, &std)[0];
        assert_eq!(line.parse::<f32>().unwrap(), expected, "x = {x}");
    }
}

#[test]
fn bad_csv_cells_name_the_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let (_, path) = iris_file(dir.path());
    let csv = dir.path().join("bad.csv");
    std::fs::write(
        &csv,
        "sepal_length,sepal_width,petal_length,petal_width,species\n\
         5.1,3.5,1.4,0.2,setosa\n\
         5.0,n/a,1.4,0.2,setosa\n",
    )
    .unwrap();
    for args in [
        vec!["evaluate"],
        vec![
            "predict",
            "--features",
            "sepal_length,sepal_width,petal_length,petal_width",
        ],
    ] {
        let mut all: Vec<&dyn AsRef<std::ffi::OsStr>> = vec![&args[0], &path, &csv];
        for a in &args[1..] {
            all.push(a);
        }
        let err = fails(embednn(&all));
        assert!(
            err.contains("bad.csv: line 3, column `sepal_width`"),
            "{err}"
        );
        assert!(err.contains("\"n/a\""), "{err}");
    }

    // A label the model does not know.
    std::fs::write(
        &csv,
        "sepal_length,sepal_width,petal_length,petal_width,species\n5.1,3.5,1.4,0.2,rose\n",
    )
    .unwrap();
    let err = fails(embednn(&[&"evaluate", &path, &csv]));
    assert!(err.contains("rose") && err.contains("setosa"), "{err}");

    let err = fails(embednn(&[
        &"predict",
        &path,
        &csv,
        &"--features",
        &"petal_length,nope",
    ]));
    assert!(err.contains("nope"), "{err}");
}

#[test]
fn usage_errors_are_one_line_with_status_1() {
    let err = fails(embednn(&[]));
    assert!(err.contains("no command"), "{err}");
    let err = fails(embednn(&[&"evaluate", &"model.ennm"]));
    assert!(err.contains("<CSV>"), "{err}");
    let err = fails(embednn(&[&"frobnicate"]));
    assert!(err.contains("frobnicate"), "{err}");
    let help = ok(embednn(&[&"--help"]));
    for command in ["inspect", "evaluate", "predict"] {
        assert!(help.contains(command), "{help}");
    }
}

/// An int8 file (format version 3): `inspect` lists its layers with their quantization, the
/// model's input and output quantization and the preprocessing; `evaluate` and `predict` say
/// that they run f32 files.
#[test]
fn an_int8_file_is_inspected_with_its_quantization() {
    use embednn::format::QuantizedFile;
    use embednn::quant::{Context, QParams, Quantize, Quantized, Range};
    let net: Iris = model(5);
    let mut kinds = Vec::new();
    Iris::layers(&mut |info| kinds.push(info.kind));
    let ranges = vec![
        Range {
            min: -2.0,
            max: 3.0
        };
        kinds.len()
    ];
    let input = QParams::from_range(-3.0, 3.0);
    let mut cx = Context::new(&ranges, &kinds, input);
    let q = Quantized {
        input,
        layers: net.quantize(&mut cx).unwrap(),
        output: cx.input(),
    };
    let pre = Preprocessing {
        mean: &IRIS_MEAN,
        std: &IRIS_STD,
        labels: &IRIS_LABELS,
    };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("iris_int8.ennm");
    QuantizedFile::save(&q, &pre, &path).unwrap();

    let out = ok(embednn(&[&"inspect", &path]));
    assert!(
        out.contains("format:        version 3 (postcard), int8 model"),
        "{out}"
    );
    assert!(
        out.contains("    0  QDense<4, 16>  64 weights in ["),
        "{out}"
    );
    assert!(
        out.contains("    1  QClamp         clamp [-128, 127] (folded"),
        "{out}"
    );
    assert!(out.contains("QSoftmax       input scale "), "{out}");
    let input_line = format!(
        "  input:       scale {}, zero point {}",
        input.scale, input.zero_point
    );
    assert!(out.contains(&input_line), "{out}");
    assert!(
        out.contains("  output:      scale 0.00390625, zero point -128"),
        "{out}"
    );
    assert!(
        out.contains("parameters:    112 int8 weights, 19 int32 biases"),
        "{out}"
    );
    assert!(
        out.contains("  labels:      3 (setosa, versicolor, virginica)"),
        "{out}"
    );
    assert!(out.contains("runs:          not by this tool"), "{out}");

    let csv = dir.path().join("x.csv");
    std::fs::write(&csv, "a,b,c,d,species\n1,2,3,4,setosa\n").unwrap();
    let err = fails(embednn(&[&"evaluate", &path, &csv]));
    assert!(err.contains("iris_int8.ennm: an int8 model file"), "{err}");
    let err = fails(embednn(&[&"predict", &path, &csv]));
    assert!(
        err.contains("evaluate and predict run f32 model files"),
        "{err}"
    );
}
