//! `embednn evaluate` and `embednn predict`: plan the file's layers as an [`AnyModel`] (any file
//! of embednn's layer kinds, whatever Rust type wrote it), standardize the CSV's features with the
//! statistics stored in the file, run inference, report.

use std::io::Write;
use std::path::Path;

use embednn::format::ModelInfo;
use embednn::AnyModel;
use host_trainer::data::{CsvSpec, DataError, Dataset, Target};
use host_trainer::metrics::{self, ConfusionMatrix};

use super::{table, CliError};

/// What `evaluate` reads from the CSV.
#[derive(Clone, Copy, Debug, Default)]
pub struct EvaluateOptions<'a> {
    /// The target column; the last column if `None`.
    pub target: Option<&'a str>,
    /// The feature columns; all but the target if `None`.
    pub features: Option<&'a [String]>,
}

/// Scores the model in `bytes` on the labelled CSV at `csv`.
pub fn evaluate(
    path: &Path,
    bytes: &[u8],
    csv: &Path,
    options: &EvaluateOptions<'_>,
    out: &mut impl Write,
) -> Result<(), CliError> {
    let info = ModelInfo::parse(bytes).map_err(|e| CliError::load(path, e))?;
    let params: Vec<f32> = info.params.iter().collect();
    let model = LoadedModel::plan(path, &info, &params)?;
    evaluate_with(&model, csv, options, out)
}

/// Runs the model in `bytes` on every row of the CSV at `csv` and prints CSV.
pub fn predict(
    path: &Path,
    bytes: &[u8],
    csv: &Path,
    features: Option<&[String]>,
    out: &mut impl Write,
) -> Result<(), CliError> {
    let info = ModelInfo::parse(bytes).map_err(|e| CliError::load(path, e))?;
    let params: Vec<f32> = info.params.iter().collect();
    let model = LoadedModel::plan(path, &info, &params)?;
    predict_with(&model, csv, features, out)
}

/// A parsed (CRC-checked) model file, planned, with how to read its outputs.
struct LoadedModel<'a> {
    path: &'a Path,
    info: &'a ModelInfo<'a>,
    model: AnyModel<'a>,
    head: Head,
}

impl<'a> LoadedModel<'a> {
    fn plan(path: &'a Path, info: &'a ModelInfo<'a>, params: &'a [f32]) -> Result<Self, CliError> {
        if info.int8.is_some() {
            return Err(CliError::Mismatch {
                path: path.to_path_buf(),
                reason: "an int8 model file (format version 3): evaluate and predict run f32 \
                         model files; run an int8 model as its Rust type (QuantizedFile)"
                    .into(),
            });
        }
        let model = AnyModel::new(info, params).map_err(|source| CliError::Plan {
            path: path.to_path_buf(),
            source: Box::new(source),
        })?;
        let head = Head::of(info, model.output_len(), model.last_kind()).map_err(|reason| {
            CliError::Mismatch {
                path: path.to_path_buf(),
                reason,
            }
        })?;
        Ok(LoadedModel {
            path,
            info,
            model,
            head,
        })
    }

    /// Standardizes each row as the file says and runs the model on it; a non-finite output is
    /// an error naming the row (1-based, as a spreadsheet counts data rows).
    fn run(&self, rows: impl Iterator<Item = Vec<f32>>) -> Result<Vec<Vec<f32>>, CliError> {
        let mut scratch = vec![0.0; self.model.scratch_len()];
        let mut outputs = Vec::new();
        for (i, mut x) in rows.enumerate() {
            self.info
                .standardize(&mut x)
                .map_err(|e| self.mismatch(e.to_string()))?;
            let mut y = vec![0.0; self.model.output_len()];
            self.model
                .forward(&x, &mut scratch, &mut y)
                .map_err(|e| self.mismatch(e.to_string()))?;
            if let Some(v) = y.iter().find(|v| !v.is_finite()) {
                return Err(self.mismatch(format!(
                    "data row {} gives the output {v}: a NaN or infinite input or weight \
                     (`embednn inspect` counts non-finite weights)",
                    i + 1
                )));
            }
            outputs.push(y);
        }
        Ok(outputs)
    }

    fn mismatch(&self, reason: String) -> CliError {
        CliError::Mismatch {
            path: self.path.to_path_buf(),
            reason,
        }
    }
}

/// How a model's outputs are read, from the file's labels and last layer.
#[derive(Clone, Debug, PartialEq)]
enum Head {
    /// One output per class: logits (softmaxed here) or, after a `Softmax` layer, probabilities.
    Classes { labels: Vec<String>, logits: bool },
    /// One output for two classes (the second positive): a logit or, after a `Sigmoid` layer, a
    /// probability.
    Binary { labels: Vec<String>, logit: bool },
    /// Regression values, named.
    Values { names: Vec<String> },
}

impl Head {
    /// A file with labels is a classifier (one label per output, or two labels for one output);
    /// without labels, or with one label naming a single output, a regressor.
    fn of(info: &ModelInfo<'_>, outputs: usize, last: &str) -> Result<Head, String> {
        let labels: Vec<String> = info.labels().map(str::to_string).collect();
        match (labels.len(), outputs) {
            (0, 1) => Ok(Head::Values {
                names: vec!["value".to_string()],
            }),
            (0, n) => Ok(Head::Values {
                names: (0..n).map(|i| format!("value_{i}")).collect(),
            }),
            (1, 1) => Ok(Head::Values { names: labels }),
            (2, 1) => Ok(Head::Binary {
                labels,
                logit: last != "Sigmoid",
            }),
            (k, n) if k == n => Ok(Head::Classes {
                labels,
                logits: last != "Softmax",
            }),
            (k, n) => Err(format!(
                "the file has {k} labels but the model has {n} outputs: a classifier needs one \
                 label per output (or two labels for a single output)"
            )),
        }
    }

    fn labels(&self) -> Option<&[String]> {
        match self {
            Head::Classes { labels, .. } | Head::Binary { labels, .. } => Some(labels),
            Head::Values { .. } => None,
        }
    }

    /// Class probabilities of one output (empty for a regressor).
    fn probabilities(&self, y: &[f32]) -> Vec<f64> {
        match *self {
            Head::Classes { logits: true, .. } => softmax(y),
            Head::Classes { logits: false, .. } => y.iter().map(|&v| f64::from(v)).collect(),
            Head::Binary { logit, .. } => {
                let v = y.first().map_or(f64::NAN, |&v| f64::from(v));
                let p = if logit { 1.0 / (1.0 + (-v).exp()) } else { v };
                vec![1.0 - p, p]
            }
            Head::Values { .. } => Vec::new(),
        }
    }
}

/// Softmax in `f64`, shifted by the maximum so large logits do not overflow.
fn softmax(logits: &[f32]) -> Vec<f64> {
    let max = logits
        .iter()
        .map(|&v| f64::from(v))
        .fold(f64::NEG_INFINITY, f64::max);
    let exp: Vec<f64> = logits.iter().map(|&v| (f64::from(v) - max).exp()).collect();
    let sum: f64 = exp.iter().sum();
    exp.iter().map(|e| e / sum).collect()
}

/// The most probable class; NaNs are skipped and ties go to the first class.
fn most_probable(probabilities: &[f64]) -> usize {
    let mut best: Option<(usize, f64)> = None;
    for (i, &p) in probabilities.iter().enumerate() {
        if !p.is_nan() && best.is_none_or(|(_, b)| p > b) {
            best = Some((i, p));
        }
    }
    best.map_or(0, |(i, _)| i)
}

fn evaluate_with(
    model: &LoadedModel<'_>,
    csv: &Path,
    options: &EvaluateOptions<'_>,
    out: &mut impl Write,
) -> Result<(), CliError> {
    let columns = table::header(csv)?;
    let file = csv.display().to_string();
    let target = match options.target {
        Some(t) => t.to_string(),
        None => columns
            .last()
            .cloned()
            .ok_or(DataError::NoHeader { file: file.clone() })?,
    };
    let mut spec = match model.head.labels() {
        Some(labels) => CsvSpec::classification(&target).known_classes(labels.iter().cloned()),
        None => CsvSpec::regression(&target),
    };
    if let Some(features) = options.features {
        spec = spec.features(features.iter().cloned());
    }
    let data = Dataset::from_csv(csv, &spec)?;
    let expected = model.model.input_len();
    if data.feature_names().len() != expected {
        return Err(model.mismatch(format!(
            "the model takes {expected} input values but {file} has {} feature columns ({}); \
             choose them with --features a,b,c",
            data.feature_names().len(),
            data.feature_names().join(", ")
        )));
    }
    let outputs = model.run(data.rows().map(<[f32]>::to_vec))?;

    writeln!(
        out,
        "model:       {} ({} layers, ending in {})",
        model.path.display(),
        model.info.layer_count(),
        model.model.last_kind()
    )?;
    writeln!(
        out,
        "data:        {file}: {} rows, target `{target}`, features {}",
        data.len(),
        data.feature_names().join(", ")
    )?;
    match data.target() {
        Target::Regression(truth) => {
            let outputs_per_row = model.model.output_len();
            if outputs_per_row != 1 {
                return Err(model.mismatch(format!(
                    "evaluate compares one output with the target column, and this model has \
                     {outputs_per_row}"
                )));
            }
            let predicted: Vec<f32> = outputs
                .iter()
                .map(|y| y.first().copied().unwrap_or(f32::NAN))
                .collect();
            writeln!(out, "MSE:         {:.6}", metrics::mse(truth, &predicted)?)?;
            writeln!(out, "MAE:         {:.6}", metrics::mae(truth, &predicted)?)?;
            match metrics::r2(truth, &predicted) {
                Ok(r2) => writeln!(out, "R²:          {r2:.6}")?,
                Err(e) => writeln!(out, "R²:          undefined ({e})")?,
            }
        }
        // Class labels were asked for exactly when the file has labels: `names` are they.
        Target::Classes {
            labels: truth,
            names,
        } => {
            let predicted: Vec<usize> = outputs
                .iter()
                .map(|y| most_probable(&model.head.probabilities(y)))
                .collect();
            let matrix = ConfusionMatrix::new(truth, &predicted, names.len())?;
            writeln!(
                out,
                "accuracy:    {:.4} ({}/{})",
                matrix.accuracy(),
                matrix.correct(),
                matrix.total()
            )?;
            writeln!(out, "macro F1:    {:.4}", matrix.macro_avg().f1)?;
            write_confusion_matrix(out, &matrix, names)?;
        }
    }
    Ok(())
}

/// Rows are true classes, columns predicted classes, each headed by its label.
fn write_confusion_matrix(
    out: &mut impl Write,
    matrix: &ConfusionMatrix,
    labels: &[String],
) -> Result<(), CliError> {
    writeln!(
        out,
        "confusion matrix (rows: true class, columns: predicted class):"
    )?;
    let label_width = labels.iter().map(|l| l.chars().count()).max().unwrap_or(0);
    let cell_width = labels
        .iter()
        .map(|l| l.chars().count())
        .chain(std::iter::once(matrix.total().to_string().len()))
        .max()
        .unwrap_or(1);
    write!(out, "  {:label_width$}", "")?;
    for label in labels {
        write!(out, "  {label:>cell_width$}")?;
    }
    writeln!(out)?;
    for (label, row) in labels.iter().zip(matrix.rows()) {
        write!(out, "  {label:<label_width$}")?;
        for count in row {
            write!(out, "  {count:>cell_width$}")?;
        }
        writeln!(out)?;
    }
    Ok(())
}

fn predict_with(
    model: &LoadedModel<'_>,
    csv: &Path,
    features: Option<&[String]>,
    out: &mut impl Write,
) -> Result<(), CliError> {
    // Check the column count before any cell, so that a forgotten --features is reported as
    // such rather than as a non-numeric target cell.
    let file = csv.display().to_string();
    let header = table::header(csv)?;
    let columns: Vec<&str> = match features {
        Some(features) => features.iter().map(String::as_str).collect(),
        None => header.iter().map(String::as_str).collect(),
    };
    let expected = model.model.input_len();
    if columns.len() != expected {
        let hint = if features.is_none() {
            "; choose the feature columns with --features a,b,c"
        } else {
            ""
        };
        return Err(model.mismatch(format!(
            "the model takes {expected} input values but {file} has {} feature columns ({}){hint}",
            columns.len(),
            columns.join(", ")
        )));
    }
    let table = table::features(csv, features)?;
    let outputs = model.run(table.rows().map(<[f32]>::to_vec))?;

    let mut writer = csv::Writer::from_writer(out);
    let csv_error = |e: csv::Error| match e.into_kind() {
        csv::ErrorKind::Io(e) => CliError::Output(e),
        other => CliError::Output(std::io::Error::other(format!("{other:?}"))),
    };
    match &model.head {
        Head::Values { names } => {
            writer.write_record(names).map_err(csv_error)?;
            for y in &outputs {
                writer
                    .write_record(y.iter().map(|v| v.to_string()))
                    .map_err(csv_error)?;
            }
        }
        Head::Classes { labels, .. } | Head::Binary { labels, .. } => {
            let header = std::iter::once("predicted").chain(labels.iter().map(String::as_str));
            writer.write_record(header).map_err(csv_error)?;
            for y in &outputs {
                let p = model.head.probabilities(y);
                let label = labels.get(most_probable(&p)).map_or("", String::as_str);
                let cells =
                    std::iter::once(label.to_string()).chain(p.iter().map(|v| format!("{v:.6}")));
                writer.write_record(cells).map_err(csv_error)?;
            }
        }
    }
    writer.flush().map_err(CliError::Output)
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn softmax_is_stable_and_sums_to_one() {
        let p = softmax(&[1000.0, 1000.0, 0.0]);
        assert!((p[0] - 0.5).abs() < 1e-12 && p[2] < 1e-300);
        assert!((softmax(&[0.1, -2.0, 3.0]).iter().sum::<f64>() - 1.0).abs() < 1e-12);
    }

    #[test]
    fn most_probable_skips_nan_and_prefers_the_first_tie() {
        assert_eq!(most_probable(&[0.2, f64::NAN, 0.8]), 2);
        assert_eq!(most_probable(&[0.5, 0.5]), 0);
        assert_eq!(most_probable(&[f64::NAN]), 0);
    }
}
