//! [`Dataset`]: rows of `f32` features with a [`Target`] each, and the conversions to model
//! tensors ([`Dataset::inputs`], [`Dataset::one_hot_targets`], …).

use std::fs::File;
use std::io::Read;
use std::path::Path;

use embednn::{Buffer, Tensor};

use super::read_csv;
use super::spec::CsvSpec;
use super::split::{every_kth, k_fold, split_rows, split_stratified, Fold, Split, SplitSpec};
use super::DataError;

/// The target values of a [`Dataset`], one per row.
#[derive(Clone, Debug, PartialEq)]
pub enum Target {
    /// A number per row.
    Regression(Vec<f32>),
    /// A class index per row, into `names`.
    Classes {
        /// The class index of each row (each `< names.len()`).
        labels: Vec<usize>,
        /// The class names, class `i` being `names[i]`.
        names: Vec<String>,
    },
}

impl Target {
    /// Number of rows.
    pub fn len(&self) -> usize {
        match self {
            Target::Regression(values) => values.len(),
            Target::Classes { labels, .. } => labels.len(),
        }
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn describe(&self) -> &'static str {
        match self {
            Target::Regression(_) => "regression values",
            Target::Classes { .. } => "class labels",
        }
    }

    fn select(&self, indices: &[usize]) -> Target {
        match self {
            Target::Regression(values) => {
                Target::Regression(indices.iter().map(|&i| values[i]).collect())
            }
            Target::Classes { labels, names } => Target::Classes {
                labels: indices.iter().map(|&i| labels[i]).collect(),
                names: names.clone(),
            },
        }
    }
}

/// Rows of `f32` features with one target each, and the names that describe them.
///
/// Features are stored row-major: row `i` is `features()[i * n_features()..][..n_features()]`.
/// Every feature is finite. A data set loaded from a file has at least one row; a
/// [`subset`](Dataset::subset) may have none.
#[derive(Clone, Debug, PartialEq)]
pub struct Dataset {
    pub(super) source: String,
    pub(super) feature_names: Vec<String>,
    pub(super) target_name: String,
    pub(super) features: Vec<f32>,
    pub(super) target: Target,
}

impl Dataset {
    /// Assembles a data set from parts (e.g. generated data). `source` names it in errors.
    ///
    /// Errors ([`DataError::Inconsistent`]): no feature names, `features.len()` not rows ×
    /// features, a non-finite feature or regression value, or a class index out of range.
    ///
    /// ```
    /// use host_trainer::data::{Dataset, Target};
    ///
    /// let xs = [0.0f32, 0.5, 1.0];
    /// let ys = xs.iter().map(|x| x.sin()).collect();
    /// let data = Dataset::new("sine", vec!["x".into()], "y", xs.to_vec(), Target::Regression(ys))?;
    /// let inputs: Vec<[f32; 1]> = data.inputs()?;
    /// assert_eq!(inputs[2], [1.0]);
    /// # Ok::<(), host_trainer::data::DataError>(())
    /// ```
    pub fn new(
        source: impl Into<String>,
        feature_names: Vec<String>,
        target_name: impl Into<String>,
        features: Vec<f32>,
        target: Target,
    ) -> Result<Self, DataError> {
        let file = source.into();
        let fail = |reason: String| {
            Err(DataError::Inconsistent {
                file: file.clone(),
                reason,
            })
        };
        if feature_names.is_empty() {
            return fail("no feature names".into());
        }
        let rows = target.len();
        if Some(features.len()) != rows.checked_mul(feature_names.len()) {
            return fail(format!(
                "{} feature values are not {rows} rows × {} features",
                features.len(),
                feature_names.len()
            ));
        }
        if let Some(i) = features.iter().position(|v| !v.is_finite()) {
            return fail(format!(
                "feature value {i} (row {}, `{}`) is {}",
                i / feature_names.len(),
                feature_names[i % feature_names.len()],
                features[i]
            ));
        }
        match &target {
            Target::Regression(values) => {
                if let Some(i) = values.iter().position(|v| !v.is_finite()) {
                    return fail(format!("target of row {i} is {}", values[i]));
                }
            }
            Target::Classes { labels, names } => {
                if let Some(i) = labels.iter().position(|&c| c >= names.len()) {
                    return fail(format!(
                        "class index {} of row {i} is not below the {} class names",
                        labels[i],
                        names.len()
                    ));
                }
            }
        }
        Ok(Dataset {
            source: file,
            feature_names,
            target_name: target_name.into(),
            features,
            target,
        })
    }

    /// Loads a CSV file with a header row; see [`Dataset::from_reader`].
    pub fn from_csv(path: impl AsRef<Path>, spec: &CsvSpec) -> Result<Self, DataError> {
        let path = path.as_ref();
        let file = path.display().to_string();
        match File::open(path) {
            Ok(handle) => Self::from_reader(file, handle, spec),
            Err(source) => Err(DataError::Io { file, source }),
        }
    }

    /// Loads CSV text with a header row from `reader`; `source` names it in error messages.
    ///
    /// Cells are trimmed of surrounding ASCII whitespace; blank lines are skipped. Feature and
    /// regression cells must parse as finite `f32`. Class labels are compared as trimmed text;
    /// inferred classes are sorted numerically if every label is an integer, else by text.
    ///
    /// The text is parsed record by record straight into the `f32` storage (no row is kept as
    /// text), `reader` is buffered here, and one record takes at most
    /// [`CsvSpec::max_record_bytes`] while it is read. Besides the cell errors, the text can be
    /// refused as [`DataError::FieldTooLong`], [`DataError::RecordTooLong`],
    /// [`DataError::UnterminatedQuote`], [`DataError::InvalidUtf8`] (a header name or a cell that
    /// is read) and [`DataError::DuplicateColumn`] (a name the spec uses, or any feature's name
    /// under [`Features::AllButTarget`](super::Features::AllButTarget), is in the header twice).
    pub fn from_reader(
        source: impl Into<String>,
        reader: impl Read,
        spec: &CsvSpec,
    ) -> Result<Self, DataError> {
        read_csv::load(source.into(), reader, spec)
    }

    /// The column names of a CSV file's header row, trimmed, without reading further; cells are
    /// limited to [`CsvSpec::DEFAULT_MAX_FIELD_BYTES`] and the row to
    /// [`CsvSpec::DEFAULT_MAX_RECORD_BYTES`].
    ///
    /// Errors: [`DataError::Io`], [`DataError::NoHeader`] (no row, or only empty names), and
    /// the parse errors of [`Dataset::from_reader`].
    pub fn csv_header(path: impl AsRef<Path>) -> Result<Vec<String>, DataError> {
        let path = path.as_ref();
        let file = path.display().to_string();
        match File::open(path) {
            Ok(handle) => read_csv::header(&file, handle),
            Err(source) => Err(DataError::Io { file, source }),
        }
    }

    /// Reads a CSV file of features with no target column (e.g. rows to predict): the
    /// `columns` (every column if `None`, whose names must then be distinct) of every row as
    /// finite `f32`s, read as [`Dataset::from_reader`] reads features, with the default limits.
    ///
    /// Returns the chosen columns' names, in the order given, and the values, row-major.
    ///
    /// Errors: as [`Dataset::from_reader`]; [`DataError::NoRows`] if there are no values.
    pub fn csv_features(
        path: impl AsRef<Path>,
        columns: Option<&[String]>,
    ) -> Result<(Vec<String>, Vec<f32>), DataError> {
        let path = path.as_ref();
        let file = path.display().to_string();
        match File::open(path) {
            Ok(handle) => read_csv::features(&file, handle, columns),
            Err(source) => Err(DataError::Io { file, source }),
        }
    }

    /// Where the data came from (the file name), as used in error messages.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.target.len()
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Number of features per row.
    pub fn n_features(&self) -> usize {
        self.feature_names.len()
    }

    /// The feature columns' names, in feature order.
    pub fn feature_names(&self) -> &[String] {
        &self.feature_names
    }

    /// The target column's name.
    pub fn target_name(&self) -> &str {
        &self.target_name
    }

    /// All features, row-major.
    pub fn features(&self) -> &[f32] {
        &self.features
    }

    /// The features of each row.
    pub fn rows(&self) -> impl ExactSizeIterator<Item = &[f32]> {
        // `max(1)` only guards `chunks_exact` against zero; a data set always has features.
        self.features.chunks_exact(self.n_features().max(1))
    }

    /// The features of row `index`, or `None` past the end.
    pub fn row(&self, index: usize) -> Option<&[f32]> {
        self.rows().nth(index)
    }

    /// The targets.
    pub fn target(&self) -> &Target {
        &self.target
    }

    /// The class names (sorted if inferred), or `None` for regression.
    pub fn class_names(&self) -> Option<&[String]> {
        match &self.target {
            Target::Classes { names, .. } => Some(names),
            Target::Regression(_) => None,
        }
    }

    /// The class index of each row, or `None` for regression.
    pub fn labels(&self) -> Option<&[usize]> {
        match &self.target {
            Target::Classes { labels, .. } => Some(labels),
            Target::Regression(_) => None,
        }
    }

    /// The number of classes, or `None` for regression.
    pub fn num_classes(&self) -> Option<usize> {
        self.class_names().map(<[String]>::len)
    }

    /// The regression value of each row, or `None` for class labels.
    pub fn regression_values(&self) -> Option<&[f32]> {
        match &self.target {
            Target::Regression(values) => Some(values),
            Target::Classes { .. } => None,
        }
    }

    /// A new data set of the rows at `indices`, in that order (the class names are kept).
    ///
    /// Errors: [`DataError::RowOutOfRange`].
    pub fn subset(&self, indices: &[usize]) -> Result<Dataset, DataError> {
        if let Some(&index) = indices.iter().find(|&&i| i >= self.len()) {
            return Err(DataError::RowOutOfRange {
                file: self.source.clone(),
                index,
                rows: self.len(),
            });
        }
        let n = self.n_features();
        let mut features = Vec::with_capacity(indices.len() * n);
        for &i in indices {
            features.extend_from_slice(&self.features[i * n..(i + 1) * n]);
        }
        Ok(Dataset {
            source: self.source.clone(),
            feature_names: self.feature_names.clone(),
            target_name: self.target_name.clone(),
            features,
            target: self.target.select(indices),
        })
    }

    /// A seeded random split into train / validation / test row indices; stratified by class if
    /// `spec.stratify` (see [`split_rows`] and [`split_stratified`]).
    ///
    /// Errors: [`DataError::InvalidSplit`]; [`DataError::TargetKind`] to stratify regression data.
    pub fn split(&self, spec: &SplitSpec) -> Result<Split, DataError> {
        if !spec.stratify {
            return split_rows(self.len(), spec);
        }
        match &self.target {
            Target::Classes { labels, names } => split_stratified(labels, names.len(), spec),
            Target::Regression(_) => Err(self.kind_error("class labels to stratify by")),
        }
    }

    /// The fixed split of [`every_kth`]: row `i` is a test row if `i % k == offset`.
    ///
    /// Errors: [`DataError::InvalidSplit`].
    pub fn every_kth(&self, k: usize, offset: usize) -> Result<Split, DataError> {
        every_kth(self.len(), k, offset)
    }

    /// `k` seeded cross-validation folds; see [`k_fold`].
    ///
    /// Errors: [`DataError::InvalidSplit`].
    pub fn k_fold(&self, k: usize, seed: u64) -> Result<Vec<Fold>, DataError> {
        k_fold(self.len(), k, seed)
    }

    /// Each row's features as the model's input tensor `X`.
    ///
    /// Errors: [`DataError::FeatureCount`] unless `X` holds exactly [`n_features`] values.
    ///
    /// [`n_features`]: Dataset::n_features
    pub fn inputs<X: Tensor>(&self) -> Result<Vec<X>, DataError> {
        let error = || DataError::FeatureCount {
            file: self.source.clone(),
            tensor: core::any::type_name::<X>(),
            expected: <X as Buffer>::LEN,
            found: self.n_features(),
        };
        if <X as Buffer>::LEN != self.n_features() {
            return Err(error());
        }
        self.rows()
            .map(|row| X::from_slice(row).ok_or_else(error))
            .collect()
    }

    /// Each row's class as a one-hot output tensor `Y` (`1.0` at the class index).
    ///
    /// Errors: [`DataError::TargetKind`] for regression data; [`DataError::TargetSize`] unless
    /// `Y` holds exactly one value per class.
    pub fn one_hot_targets<Y: Tensor>(&self) -> Result<Vec<Y>, DataError> {
        let Target::Classes { labels, names } = &self.target else {
            return Err(self.kind_error("class labels"));
        };
        self.check_target_size::<Y>("one-hot", names.len())?;
        labels
            .iter()
            .map(|&c| {
                one_hot::<Y>(c).ok_or_else(|| self.target_size_error::<Y>("one-hot", names.len()))
            })
            .collect()
    }

    /// Each row's class as a single `0.0`/`1.0` output (class 1, the second name, is positive),
    /// for a binary classifier with one sigmoid/logit output.
    ///
    /// Errors: [`DataError::TargetKind`] for regression data; [`DataError::NotBinary`] unless
    /// there are two classes; [`DataError::TargetSize`] unless `Y` holds one value.
    pub fn binary_targets<Y: Tensor>(&self) -> Result<Vec<Y>, DataError> {
        let Target::Classes { labels, names } = &self.target else {
            return Err(self.kind_error("class labels"));
        };
        if names.len() != 2 {
            return Err(DataError::NotBinary {
                file: self.source.clone(),
                column: self.target_name.clone(),
                found: names.clone(),
            });
        }
        self.check_target_size::<Y>("binary 0/1", 1)?;
        labels
            .iter()
            .map(|&c| {
                Y::from_slice(&[c as f32])
                    .ok_or_else(|| self.target_size_error::<Y>("binary 0/1", 1))
            })
            .collect()
    }

    /// Each row's regression value as a one-value output tensor `Y`.
    ///
    /// Errors: [`DataError::TargetKind`] for class labels; [`DataError::TargetSize`] unless `Y`
    /// holds one value.
    pub fn regression_targets<Y: Tensor>(&self) -> Result<Vec<Y>, DataError> {
        let Target::Regression(values) = &self.target else {
            return Err(self.kind_error("regression values"));
        };
        self.check_target_size::<Y>("one number", 1)?;
        values
            .iter()
            .map(|&v| {
                Y::from_slice(&[v]).ok_or_else(|| self.target_size_error::<Y>("one number", 1))
            })
            .collect()
    }

    fn kind_error(&self, wanted: &'static str) -> DataError {
        DataError::TargetKind {
            file: self.source.clone(),
            column: self.target_name.clone(),
            actual: self.target.describe(),
            wanted,
        }
    }

    fn target_size_error<Y: Tensor>(&self, encoding: &'static str, found: usize) -> DataError {
        DataError::TargetSize {
            file: self.source.clone(),
            column: self.target_name.clone(),
            encoding,
            tensor: core::any::type_name::<Y>(),
            expected: <Y as Buffer>::LEN,
            found,
        }
    }

    fn check_target_size<Y: Tensor>(
        &self,
        encoding: &'static str,
        found: usize,
    ) -> Result<(), DataError> {
        if <Y as Buffer>::LEN == found {
            Ok(())
        } else {
            Err(self.target_size_error::<Y>(encoding, found))
        }
    }
}

/// A one-hot tensor with `1.0` at `class`, or `None` if `class >= Y::LEN`.
///
/// ```
/// assert_eq!(host_trainer::data::one_hot::<[f32; 3]>(1), Some([0.0, 1.0, 0.0]));
/// assert_eq!(host_trainer::data::one_hot::<[f32; 3]>(3), None);
/// ```
pub fn one_hot<Y: Tensor>(class: usize) -> Option<Y> {
    let mut y = <Y as Buffer>::ZERO;
    *y.flat_mut().get_mut(class)? = 1.0;
    Some(y)
}
