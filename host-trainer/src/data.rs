//! Loading tabular data for training: CSV in, fixed-size model tensors out.
//!
//! The path from a file to a model is:
//!
//! 1. [`Dataset::from_csv`] reads a CSV with a header row. A [`CsvSpec`] names the target column,
//!    says whether it is a regression value or a class label, and picks the feature columns
//!    (by name, or every column but the target). Class labels — strings or integers — become
//!    class indices into a sorted list of class names ([`Dataset::class_names`]), which belongs
//!    in the model file next to the weights.
//! 2. [`Dataset::split`] (seeded, optionally stratified), [`Dataset::every_kth`] (fixed,
//!    for benchmarks) or [`Dataset::k_fold`] choose row indices; [`Dataset::subset`] takes them.
//! 3. A [`Standardizer`] is fitted on the training part only and applied to every part; its
//!    mean and standard deviation vectors also belong in the model file.
//! 4. [`Dataset::inputs`] and [`Dataset::one_hot_targets`] / [`Dataset::binary_targets`] /
//!    [`Dataset::regression_targets`] produce `Vec`s of the model's input and output tensor
//!    types, checking that the sizes match.
//!
//! Nothing here panics on bad data. Every problem is a [`DataError`] whose message names the
//! file, the line (1 is the header) and the column, e.g.
//! ``iris.csv: line 17, column `petal_width`: expected a number, found "n/a"``.
//!
//! # Example
//!
//! ```
//! use host_trainer::data::{CsvSpec, Dataset, SplitSpec, Standardizer};
//!
//! let csv = "\
//! x1,x2,kind
//! 1.0,10,cat
//! 2.0,20,dog
//! 3.0,30,cat
//! 4.0,40,dog
//! 5.0,50,cat
//! ";
//! let data = Dataset::from_reader("pets.csv", csv.as_bytes(), &CsvSpec::classification("kind"))?;
//! assert_eq!(data.len(), 5);
//! assert_eq!(data.feature_names(), ["x1", "x2"]);
//! assert_eq!(data.class_names(), Some(&["cat".to_string(), "dog".to_string()][..]));
//!
//! let split = data.split(&SplitSpec::new(0.0, 0.4, 42))?;
//! let mut train = data.subset(&split.train)?;
//! let mut test = data.subset(&split.test)?;
//! assert_eq!((train.len(), test.len()), (3, 2));
//!
//! let scaler = Standardizer::fit(&train)?;
//! scaler.transform(&mut train)?;
//! scaler.transform(&mut test)?;
//!
//! let x: Vec<[f32; 2]> = train.inputs()?;
//! let y: Vec<[f32; 2]> = train.one_hot_targets()?;
//! assert_eq!((x.len(), y.len()), (3, 3));
//!
//! // A model with the wrong input size is caught here, naming both sizes.
//! let err = train.inputs::<[f32; 3]>().unwrap_err();
//! assert!(err.to_string().contains("3 values"));
//! # Ok::<(), host_trainer::data::DataError>(())
//! ```

use std::cmp::Ordering;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

use embednn::{Buffer, Rng, Tensor};

/// How many class names an error message lists before it elides the rest.
const LISTED_NAMES: usize = 12;

/// Why data could not be loaded, split or converted.
///
/// Every variant about a file's contents names the file, the line (1-based, the header is line
/// 1) and the column by its header name.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    /// The file could not be opened or read.
    #[error("{file}: cannot read: {source}")]
    Io {
        /// The file.
        file: String,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// The CSV reader failed for a reason other than I/O.
    #[error("{file}: line {line}: malformed CSV: {message}")]
    Csv {
        /// The file.
        file: String,
        /// The line where reading stopped.
        line: u64,
        /// The CSV reader's message.
        message: String,
    },
    /// The file has no header row at all.
    #[error("{file}: line 1: the file is empty (expected a header row naming the columns)")]
    NoHeader {
        /// The file.
        file: String,
    },
    /// The file (or data set) has a header but no data rows.
    #[error("{file}: no data rows after the header on line 1")]
    NoRows {
        /// The file.
        file: String,
    },
    /// A cell is not valid UTF-8.
    #[error("{file}: line {line}, column `{column}`: the cell is not valid UTF-8")]
    InvalidUtf8 {
        /// The file.
        file: String,
        /// The line of the cell.
        line: u64,
        /// The column's header name (or its position if the header itself is unreadable).
        column: String,
    },
    /// A column named in the [`CsvSpec`] is not in the header.
    #[error("{file}: line {line}, column `{column}`: no such column in the header (columns: {})", list(.available))]
    MissingColumn {
        /// The file.
        file: String,
        /// The header's line.
        line: u64,
        /// The name that was asked for.
        column: String,
        /// The header's column names.
        available: Vec<String>,
    },
    /// A column named in the [`CsvSpec`] appears more than once in the header.
    #[error("{file}: line {line}, column `{column}`: the header has this name {count} times, so it is ambiguous")]
    DuplicateColumn {
        /// The file.
        file: String,
        /// The header's line.
        line: u64,
        /// The repeated name.
        column: String,
        /// How many columns have it.
        count: usize,
    },
    /// The target column is also listed as a feature, which would leak the answer.
    #[error("{file}: line {line}, column `{column}`: the target column cannot also be a feature")]
    TargetAsFeature {
        /// The file.
        file: String,
        /// The header's line.
        line: u64,
        /// The target column.
        column: String,
    },
    /// No feature columns are left.
    #[error("{file}: line {line}: no feature columns (the target is `{target}`)")]
    NoFeatures {
        /// The file.
        file: String,
        /// The header's line.
        line: u64,
        /// The target column.
        target: String,
    },
    /// A row ends before the header's last column.
    #[error("{file}: line {line}, column `{column}`: the row ends here: it has {found} cells but the header has {expected} columns")]
    MissingCells {
        /// The file.
        file: String,
        /// The row's line.
        line: u64,
        /// The first column without a cell.
        column: String,
        /// Cells in the row.
        found: usize,
        /// Columns in the header.
        expected: usize,
    },
    /// A row has more cells than the header has columns.
    #[error("{file}: line {line}, after column `{column}`: the row has {found} cells but the header has only {expected} columns")]
    ExtraCells {
        /// The file.
        file: String,
        /// The row's line.
        line: u64,
        /// The header's last column.
        column: String,
        /// Cells in the row.
        found: usize,
        /// Columns in the header.
        expected: usize,
    },
    /// A feature, regression target or class label cell is empty.
    #[error("{file}: line {line}, column `{column}`: the cell is empty")]
    EmptyCell {
        /// The file.
        file: String,
        /// The row's line.
        line: u64,
        /// The cell's column.
        column: String,
    },
    /// A numeric cell does not parse as a number.
    #[error("{file}: line {line}, column `{column}`: expected a number, found {value:?}")]
    NotANumber {
        /// The file.
        file: String,
        /// The row's line.
        line: u64,
        /// The cell's column.
        column: String,
        /// The cell's text.
        value: String,
    },
    /// A numeric cell is NaN, infinite, or beyond the range of `f32`.
    #[error("{file}: line {line}, column `{column}`: {value:?} is not a finite f32 (NaN, infinite or out of range)")]
    NotFinite {
        /// The file.
        file: String,
        /// The row's line.
        line: u64,
        /// The cell's column.
        column: String,
        /// The cell's text.
        value: String,
    },
    /// A label is not one of the classes given by [`TargetKind::KnownClasses`].
    #[error("{file}: line {line}, column `{column}`: unknown class {value:?} (the model's classes: {})", list(.known))]
    UnknownClass {
        /// The file.
        file: String,
        /// The row's line.
        line: u64,
        /// The target column.
        column: String,
        /// The label found.
        value: String,
        /// The classes the model knows.
        known: Vec<String>,
    },
    /// The target column has more distinct labels than the model has classes.
    #[error("{file}: line {line}, column `{column}`: label {value:?} is distinct label number {}, but the model has only {expected} classes (found {}: {})", .expected + 1, .found.len(), list(.found))]
    TooManyClasses {
        /// The file.
        file: String,
        /// The line where the first label beyond the model's count appears.
        line: u64,
        /// The target column.
        column: String,
        /// That label.
        value: String,
        /// Classes the model has.
        expected: usize,
        /// Every distinct label found, sorted.
        found: Vec<String>,
    },
    /// The target column has fewer distinct labels than the model has classes.
    #[error("{file}: lines {first_line}-{last_line}, column `{column}`: found {} class(es) ({}), but need at least {expected}", .found.len(), list(.found))]
    TooFewClasses {
        /// The file.
        file: String,
        /// The first data line.
        first_line: u64,
        /// The last data line.
        last_line: u64,
        /// The target column.
        column: String,
        /// Classes needed.
        expected: usize,
        /// Every distinct label found, sorted.
        found: Vec<String>,
    },
    /// The model's input tensor does not hold one row's features.
    #[error("{file}: the model input `{tensor}` has {expected} values but the data has {found} feature columns")]
    FeatureCount {
        /// The data set's source.
        file: String,
        /// The input tensor type.
        tensor: &'static str,
        /// Values in the tensor.
        expected: usize,
        /// Feature columns in the data.
        found: usize,
    },
    /// The model's output tensor does not match the target encoding.
    #[error("{file}: column `{column}` gives {found} target value(s) per row ({encoding}) but the model output `{tensor}` has {expected}")]
    TargetSize {
        /// The data set's source.
        file: String,
        /// The target column.
        column: String,
        /// How the target is encoded.
        encoding: &'static str,
        /// The output tensor type.
        tensor: &'static str,
        /// Values in the tensor.
        expected: usize,
        /// Values per row the target encoding gives.
        found: usize,
    },
    /// Binary targets were asked of a class column without exactly two classes.
    #[error("{file}: column `{column}` has {} class(es) ({}), but binary targets need exactly 2", .found.len(), list(.found))]
    NotBinary {
        /// The data set's source.
        file: String,
        /// The target column.
        column: String,
        /// The class names.
        found: Vec<String>,
    },
    /// A class operation was asked of regression data, or the other way round.
    #[error("{file}: column `{column}` holds {actual}, not {wanted}")]
    TargetKind {
        /// The data set's source.
        file: String,
        /// The target column.
        column: String,
        /// What the target is.
        actual: &'static str,
        /// What the operation needs.
        wanted: &'static str,
    },
    /// A row index is past the end of the data set.
    #[error("{file}: row index {index} is out of range ({rows} rows)")]
    RowOutOfRange {
        /// The data set's source.
        file: String,
        /// The index asked for.
        index: usize,
        /// Rows in the data set.
        rows: usize,
    },
    /// A standardizer does not fit the data, or its parameters are invalid.
    #[error("standardizer: {reason}")]
    Standardizer {
        /// What is wrong (naming the data set's source when there is one).
        reason: String,
    },
    /// Split parameters are invalid for the number of rows.
    #[error("invalid split: {reason}")]
    InvalidSplit {
        /// What is wrong.
        reason: String,
    },
    /// [`Dataset::new`] was given inconsistent parts.
    #[error("{file}: {reason}")]
    Inconsistent {
        /// The data set's source.
        file: String,
        /// What does not fit.
        reason: String,
    },
}

/// `a, b, c` — or the first [`LISTED_NAMES`] and a count of the rest.
fn list(names: &[String]) -> String {
    let mut out = names
        .iter()
        .take(LISTED_NAMES)
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > LISTED_NAMES {
        let _ = write!(out, ", … ({} more)", names.len() - LISTED_NAMES);
    }
    out
}

// ---- what to load ----------------------------------------------------------------------------

/// Which columns are features.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Features {
    /// Every column except the target, in header order.
    AllButTarget,
    /// These columns, in this order.
    Named(Vec<String>),
}

/// What the target column holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TargetKind {
    /// A number per row.
    Regression,
    /// A class label per row (any text; integers sort numerically). The classes are the
    /// distinct labels, sorted; there must be at least two, and exactly `expected` if given.
    Classes {
        /// The number of classes the model has, if known.
        expected: Option<usize>,
    },
    /// A class label from this list, e.g. the class names stored with a trained model; class
    /// `i` is `names[i]`. Any other label is an error. Use this for test data, which may lack
    /// some classes.
    KnownClasses(Vec<String>),
}

/// How to read a CSV: the target column, its kind and the feature columns.
///
/// ```
/// use host_trainer::data::CsvSpec;
///
/// let iris = CsvSpec::classification("species").expect_classes(3);
/// let sine = CsvSpec::regression("y").features(["x"]);
/// # let _ = (iris, sine);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CsvSpec {
    /// The target column's header name.
    pub target: String,
    /// What the target holds.
    pub kind: TargetKind,
    /// The feature columns.
    pub features: Features,
}

impl CsvSpec {
    /// A numeric target; every other column is a feature.
    pub fn regression(target: impl Into<String>) -> Self {
        CsvSpec {
            target: target.into(),
            kind: TargetKind::Regression,
            features: Features::AllButTarget,
        }
    }

    /// A class-label target with classes found in the data; every other column is a feature.
    pub fn classification(target: impl Into<String>) -> Self {
        CsvSpec {
            target: target.into(),
            kind: TargetKind::Classes { expected: None },
            features: Features::AllButTarget,
        }
    }

    /// Requires exactly `n` distinct labels (the target becomes a class label).
    #[must_use]
    pub fn expect_classes(mut self, n: usize) -> Self {
        self.kind = TargetKind::Classes { expected: Some(n) };
        self
    }

    /// Maps labels through a fixed list of class names (the target becomes a class label).
    #[must_use]
    pub fn known_classes<I, S>(mut self, names: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.kind = TargetKind::KnownClasses(names.into_iter().map(Into::into).collect());
        self
    }

    /// Uses these columns as features, in this order, instead of all but the target.
    #[must_use]
    pub fn features<I, S>(mut self, names: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.features = Features::Named(names.into_iter().map(Into::into).collect());
        self
    }
}

// ---- the data set ----------------------------------------------------------------------------

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
    source: String,
    feature_names: Vec<String>,
    target_name: String,
    features: Vec<f32>,
    target: Target,
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
            Ok(handle) => Self::from_reader(file, BufReader::new(handle), spec),
            Err(source) => Err(DataError::Io { file, source }),
        }
    }

    /// Loads CSV text with a header row from `reader`; `source` names it in error messages.
    ///
    /// Cells are trimmed of surrounding ASCII whitespace; blank lines are skipped. Feature and
    /// regression cells must parse as finite `f32`. Class labels are compared as trimmed text;
    /// inferred classes are sorted numerically if every label is an integer, else by text.
    pub fn from_reader(
        source: impl Into<String>,
        reader: impl Read,
        spec: &CsvSpec,
    ) -> Result<Self, DataError> {
        CsvLoader {
            file: source.into(),
            spec,
        }
        .load(reader)
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

// ---- CSV parsing -----------------------------------------------------------------------------

struct CsvLoader<'a> {
    file: String,
    spec: &'a CsvSpec,
}

/// The header, decoded, and the columns the spec selects.
struct Columns {
    names: Vec<String>,
    line: u64,
    target: usize,
    features: Vec<usize>,
}

impl CsvLoader<'_> {
    fn load(&self, reader: impl Read) -> Result<Dataset, DataError> {
        let mut csv = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(true) // row lengths are checked below, with better messages
            .trim(csv::Trim::All)
            .from_reader(reader);
        let header = csv
            .byte_headers()
            .map_err(|e| self.csv_error(e, 1))?
            .clone();
        let columns = self.columns(&header)?;
        let known: Option<HashMap<&str, usize>> = match &self.spec.kind {
            TargetKind::KnownClasses(names) => Some(class_index(names)),
            _ => None,
        };

        let mut features = Vec::new();
        let mut regression = Vec::new();
        let mut known_labels = Vec::new();
        let mut labels: Vec<(String, u64)> = Vec::new();
        let mut lines = (None, columns.line);
        let mut record = csv::ByteRecord::new();
        loop {
            match csv.read_byte_record(&mut record) {
                Ok(true) => {}
                Ok(false) => break,
                Err(e) => return Err(self.csv_error(e, lines.1 + 1)),
            }
            let line = record.position().map_or(lines.1 + 1, csv::Position::line);
            lines = (lines.0.or(Some(line)), line);
            self.check_length(&record, &columns, line)?;
            for &c in &columns.features {
                features.push(self.number(&record, &columns, c, line)?);
            }
            let target = columns.target;
            match (&self.spec.kind, &known) {
                (TargetKind::Regression, _) => {
                    regression.push(self.number(&record, &columns, target, line)?);
                }
                (TargetKind::KnownClasses(names), Some(index)) => {
                    let label = self.text(&record, &columns, target, line)?;
                    let class = index.get(label).ok_or_else(|| DataError::UnknownClass {
                        file: self.file.clone(),
                        line,
                        column: columns.names[target].clone(),
                        value: label.to_owned(),
                        known: names.clone(),
                    })?;
                    known_labels.push(*class);
                }
                _ => {
                    let label = self.text(&record, &columns, target, line)?;
                    labels.push((label.to_owned(), line));
                }
            }
        }
        let (Some(first_line), last_line) = lines else {
            return Err(DataError::NoRows {
                file: self.file.clone(),
            });
        };

        let target = match &self.spec.kind {
            TargetKind::Regression => Target::Regression(regression),
            TargetKind::KnownClasses(names) => Target::Classes {
                labels: known_labels,
                names: names.clone(),
            },
            TargetKind::Classes { expected } => {
                let column = &columns.names[columns.target];
                self.infer_classes(&labels, *expected, column, (first_line, last_line))?
            }
        };
        Ok(Dataset {
            source: self.file.clone(),
            feature_names: columns
                .features
                .iter()
                .map(|&c| columns.names[c].clone())
                .collect(),
            target_name: columns.names[columns.target].clone(),
            features,
            target,
        })
    }

    fn csv_error(&self, error: csv::Error, line: u64) -> DataError {
        let line = error.position().map_or(line, csv::Position::line);
        let message = error.to_string();
        match error.into_kind() {
            csv::ErrorKind::Io(source) => DataError::Io {
                file: self.file.clone(),
                source,
            },
            _ => DataError::Csv {
                file: self.file.clone(),
                line,
                message,
            },
        }
    }

    fn columns(&self, header: &csv::ByteRecord) -> Result<Columns, DataError> {
        let file = || self.file.clone();
        let line = header.position().map_or(1, csv::Position::line);
        if header.is_empty() {
            return Err(DataError::NoHeader { file: file() });
        }
        let names = header
            .iter()
            .enumerate()
            .map(|(i, bytes)| {
                String::from_utf8(bytes.to_vec()).map_err(|_| DataError::InvalidUtf8 {
                    file: file(),
                    line,
                    column: format!("#{} of the header", i + 1),
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let find = |name: &str| -> Result<usize, DataError> {
            let mut matches = names.iter().enumerate().filter(|(_, n)| *n == name);
            let Some((index, _)) = matches.next() else {
                return Err(DataError::MissingColumn {
                    file: file(),
                    line,
                    column: name.to_owned(),
                    available: names.clone(),
                });
            };
            let others = matches.count();
            if others > 0 {
                return Err(DataError::DuplicateColumn {
                    file: file(),
                    line,
                    column: name.to_owned(),
                    count: others + 1,
                });
            }
            Ok(index)
        };
        let target = find(&self.spec.target)?;
        let features = match &self.spec.features {
            Features::AllButTarget => (0..names.len()).filter(|&c| c != target).collect(),
            Features::Named(wanted) => wanted
                .iter()
                .map(|name| {
                    let c = find(name)?;
                    if c == target {
                        return Err(DataError::TargetAsFeature {
                            file: file(),
                            line,
                            column: name.clone(),
                        });
                    }
                    Ok(c)
                })
                .collect::<Result<Vec<_>, _>>()?,
        };
        if features.is_empty() {
            return Err(DataError::NoFeatures {
                file: file(),
                line,
                target: names[target].clone(),
            });
        }
        Ok(Columns {
            names,
            line,
            target,
            features,
        })
    }

    fn check_length(
        &self,
        record: &csv::ByteRecord,
        columns: &Columns,
        line: u64,
    ) -> Result<(), DataError> {
        let (found, expected) = (record.len(), columns.names.len());
        let file = self.file.clone();
        match found.cmp(&expected) {
            Ordering::Equal => Ok(()),
            Ordering::Less => Err(DataError::MissingCells {
                file,
                line,
                column: columns.names[found].clone(),
                found,
                expected,
            }),
            Ordering::Greater => Err(DataError::ExtraCells {
                file,
                line,
                column: columns.names[expected - 1].clone(),
                found,
                expected,
            }),
        }
    }

    /// The trimmed text of cell `c`, which must be non-empty UTF-8.
    fn text<'r>(
        &self,
        record: &'r csv::ByteRecord,
        columns: &Columns,
        c: usize,
        line: u64,
    ) -> Result<&'r str, DataError> {
        let column = || columns.names[c].clone();
        let bytes = record.get(c).ok_or_else(|| DataError::MissingCells {
            file: self.file.clone(),
            line,
            column: column(),
            found: record.len(),
            expected: columns.names.len(),
        })?;
        let text = std::str::from_utf8(bytes).map_err(|_| DataError::InvalidUtf8 {
            file: self.file.clone(),
            line,
            column: column(),
        })?;
        if text.is_empty() {
            return Err(DataError::EmptyCell {
                file: self.file.clone(),
                line,
                column: column(),
            });
        }
        Ok(text)
    }

    fn number(
        &self,
        record: &csv::ByteRecord,
        columns: &Columns,
        c: usize,
        line: u64,
    ) -> Result<f32, DataError> {
        let text = self.text(record, columns, c, line)?;
        let (file, column, value) = (self.file.clone(), columns.names[c].clone(), text.into());
        match text.parse::<f32>() {
            Ok(v) if v.is_finite() => Ok(v),
            // Rust parses "NaN", "inf" and overflowing literals like "1e39" (to infinity).
            Ok(_) => Err(DataError::NotFinite {
                file,
                line,
                column,
                value,
            }),
            Err(_) => Err(DataError::NotANumber {
                file,
                line,
                column,
                value,
            }),
        }
    }

    /// Sorted class names from `(label, line)` pairs, checked against the expected count.
    fn infer_classes(
        &self,
        labels: &[(String, u64)],
        expected: Option<usize>,
        column: &str,
        (first_line, last_line): (u64, u64),
    ) -> Result<Target, DataError> {
        let mut names: Vec<String> = labels.iter().map(|(l, _)| l.clone()).collect();
        names.sort_unstable();
        names.dedup();
        // Integer labels sort by value ("2" before "10"); equal values ("1", "01") by text.
        if let Some(mut values) = names
            .iter()
            .map(|n| Some((n.parse::<i128>().ok()?, n.clone())))
            .collect::<Option<Vec<_>>>()
        {
            values.sort_unstable();
            names = values.into_iter().map(|(_, n)| n).collect();
        }
        let needed = expected.unwrap_or(2).max(2);
        if names.len() < needed {
            return Err(DataError::TooFewClasses {
                file: self.file.clone(),
                first_line,
                last_line,
                column: column.to_owned(),
                expected: needed,
                found: names,
            });
        }
        if let Some(expected) = expected.filter(|&n| names.len() > n) {
            // Blame the line where a label beyond the model's count first appears.
            let mut seen = std::collections::HashSet::new();
            let culprit = labels
                .iter()
                .find(|(label, _)| seen.insert(label.as_str()) && seen.len() > expected);
            let (value, line) = culprit.cloned().unwrap_or((String::new(), first_line));
            return Err(DataError::TooManyClasses {
                file: self.file.clone(),
                line,
                column: column.to_owned(),
                value,
                expected,
                found: names,
            });
        }
        let index = class_index(&names);
        let labels = labels
            .iter()
            .map(|(label, _)| index.get(label.as_str()).copied().unwrap_or(0))
            .collect();
        Ok(Target::Classes { labels, names })
    }
}

/// Class name → index; the first of repeated names wins.
fn class_index(names: &[String]) -> HashMap<&str, usize> {
    let mut index = HashMap::with_capacity(names.len());
    for (i, name) in names.iter().enumerate() {
        index.entry(name.as_str()).or_insert(i);
    }
    index
}

// ---- splits ----------------------------------------------------------------------------------

/// Fractions of rows to hold out, and the seed that picks them.
///
/// Each part gets `round(fraction × rows)` rows (per class when stratified, with the
/// validation part taking from what the test part left); the training part gets the rest and
/// must not be empty.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SplitSpec {
    /// Fraction of rows for validation (early stopping, model selection), in `[0, 1]`.
    pub validation: f64,
    /// Fraction of rows for the final test, in `[0, 1]`.
    pub test: f64,
    /// Seed of the [`Rng`] that shuffles the rows.
    pub seed: u64,
    /// Whether each class is split in the same proportions (classification only).
    pub stratify: bool,
}

impl SplitSpec {
    /// A plain (unstratified) random split.
    pub fn new(validation: f64, test: f64, seed: u64) -> Self {
        SplitSpec {
            validation,
            test,
            seed,
            stratify: false,
        }
    }

    /// The same split, stratified by class.
    #[must_use]
    pub fn stratified(self) -> Self {
        SplitSpec {
            stratify: true,
            ..self
        }
    }

    fn check(&self) -> Result<(), DataError> {
        let valid = |f: f64| (0.0..=1.0).contains(&f);
        if !valid(self.validation) || !valid(self.test) || self.validation + self.test > 1.0 {
            return Err(DataError::InvalidSplit {
                reason: format!(
                    "validation {} and test {} must be fractions in [0, 1] summing to at most 1",
                    self.validation, self.test
                ),
            });
        }
        Ok(())
    }

    /// `(test, validation)` row counts for a group of `n` rows.
    fn counts(&self, n: usize) -> (usize, usize) {
        let part = |fraction: f64| ((fraction * n as f64).round() as usize).min(n);
        let test = part(self.test);
        (test, part(self.validation).min(n - test))
    }
}

/// Row indices of a train / validation / test split, each part in increasing order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Split {
    /// Rows to train on.
    pub train: Vec<usize>,
    /// Rows for validation (may be empty).
    pub validation: Vec<usize>,
    /// Rows for the final test (may be empty).
    pub test: Vec<usize>,
}

impl Split {
    fn sorted(mut self) -> Result<Self, DataError> {
        if self.train.is_empty() {
            return Err(DataError::InvalidSplit {
                reason: format!(
                    "no training rows are left ({} validation, {} test)",
                    self.validation.len(),
                    self.test.len()
                ),
            });
        }
        self.train.sort_unstable();
        self.validation.sort_unstable();
        self.test.sort_unstable();
        Ok(self)
    }

    /// Moves `rows` (already shuffled) into the parts: test first, then validation, then train.
    fn deal(&mut self, rows: &[usize], (test, validation): (usize, usize)) {
        let (test_rows, rest) = rows.split_at(test.min(rows.len()));
        let (validation_rows, train_rows) = rest.split_at(validation.min(rest.len()));
        self.test.extend_from_slice(test_rows);
        self.validation.extend_from_slice(validation_rows);
        self.train.extend_from_slice(train_rows);
    }
}

/// One cross-validation fold: its validation rows and every other row for training, each in
/// increasing order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Fold {
    /// Rows to train on.
    pub train: Vec<usize>,
    /// Rows to validate on.
    pub validation: Vec<usize>,
}

fn shuffled(rows: usize, rng: &mut Rng) -> Vec<usize> {
    let mut order: Vec<usize> = (0..rows).collect();
    rng.shuffle(&mut order);
    order
}

/// A seeded random split of rows `0..rows` (ignores `spec.stratify`). The same seed gives the
/// same split on every platform.
///
/// Errors: [`DataError::InvalidSplit`] for fractions outside `[0, 1]` or summing past 1, or an
/// empty training part.
///
/// ```
/// use host_trainer::data::{split_rows, SplitSpec};
///
/// let split = split_rows(10, &SplitSpec::new(0.2, 0.3, 7))?;
/// assert_eq!((split.train.len(), split.validation.len(), split.test.len()), (5, 2, 3));
/// assert_eq!(split, split_rows(10, &SplitSpec::new(0.2, 0.3, 7))?);
/// # Ok::<(), host_trainer::data::DataError>(())
/// ```
pub fn split_rows(rows: usize, spec: &SplitSpec) -> Result<Split, DataError> {
    spec.check()?;
    let order = shuffled(rows, &mut Rng::seed(spec.seed));
    let mut split = Split::default();
    split.deal(&order, spec.counts(rows));
    split.sorted()
}

/// A seeded random split that keeps class proportions: the rows of each class (`labels[i]`,
/// each `< num_classes`) are shuffled and dealt out separately, so every part gets
/// `round(fraction × class count)` rows of each class.
///
/// Errors: as [`split_rows`]; also [`DataError::InvalidSplit`] for a label `>= num_classes`.
pub fn split_stratified(
    labels: &[usize],
    num_classes: usize,
    spec: &SplitSpec,
) -> Result<Split, DataError> {
    spec.check()?;
    let mut by_class = vec![Vec::new(); num_classes];
    for (row, &class) in labels.iter().enumerate() {
        by_class
            .get_mut(class)
            .ok_or_else(|| DataError::InvalidSplit {
                reason: format!("row {row} has class {class}, not below {num_classes}"),
            })?
            .push(row);
    }
    let mut rng = Rng::seed(spec.seed);
    let mut split = Split::default();
    for rows in &mut by_class {
        rng.shuffle(rows);
        split.deal(rows, spec.counts(rows.len()));
    }
    split.sorted()
}

/// A fixed split for benchmarks: row `i` is a test row if `i % k == offset`, else a training
/// row (no validation rows). `every_kth(1797, 5, 4)` is the digits benchmark split.
///
/// Errors: [`DataError::InvalidSplit`] if `k < 2`, `offset >= k`, or no training rows remain.
///
/// ```
/// let split = host_trainer::data::every_kth(7, 3, 2)?;
/// assert_eq!(split.test, [2, 5]);
/// assert_eq!(split.train, [0, 1, 3, 4, 6]);
/// # Ok::<(), host_trainer::data::DataError>(())
/// ```
pub fn every_kth(rows: usize, k: usize, offset: usize) -> Result<Split, DataError> {
    if k < 2 || offset >= k {
        return Err(DataError::InvalidSplit {
            reason: format!(
                "every k-th row needs k >= 2 and offset < k (k = {k}, offset = {offset})"
            ),
        });
    }
    let (test, train) = (0..rows).partition(|i| i % k == offset);
    Split {
        train,
        validation: Vec::new(),
        test,
    }
    .sorted()
}

/// `k` cross-validation folds of rows `0..rows`, seeded: the rows are shuffled and cut into `k`
/// consecutive blocks (the first `rows % k` one row larger), and fold `f` validates on block
/// `f`. Every row is in exactly one validation part.
///
/// Errors: [`DataError::InvalidSplit`] unless `2 <= k <= rows`.
///
/// ```
/// let folds = host_trainer::data::k_fold(10, 3, 1)?;
/// let sizes: Vec<usize> = folds.iter().map(|f| f.validation.len()).collect();
/// assert_eq!(sizes, [4, 3, 3]);
/// # Ok::<(), host_trainer::data::DataError>(())
/// ```
pub fn k_fold(rows: usize, k: usize, seed: u64) -> Result<Vec<Fold>, DataError> {
    if k < 2 || k > rows {
        return Err(DataError::InvalidSplit {
            reason: format!("k-fold needs 2 <= k <= rows (k = {k}, rows = {rows})"),
        });
    }
    let order = shuffled(rows, &mut Rng::seed(seed));
    let mut fold_of = vec![0; rows];
    let mut start = 0;
    for fold in 0..k {
        let size = rows / k + usize::from(fold < rows % k);
        for &row in &order[start..start + size] {
            fold_of[row] = fold;
        }
        start += size;
    }
    Ok((0..k)
        .map(|fold| {
            let (validation, train) = (0..rows).partition(|&row| fold_of[row] == fold);
            Fold { train, validation }
        })
        .collect())
}

// ---- standardization -------------------------------------------------------------------------

/// Per-feature standardization `(x − mean) / std`, fitted on training rows only.
///
/// The standard deviation is the population one (as scikit-learn's `StandardScaler`); a
/// feature whose training values are all equal gets `std = 1`, so it maps to 0 instead of
/// dividing by zero. Statistics are computed in `f64` and stored as `f32`; [`transform`] uses
/// the stored `f32` values in `f32` arithmetic, exactly what a device does with the mean and
/// std vectors from the model file.
///
/// ```
/// use host_trainer::data::Standardizer;
///
/// let s = Standardizer::from_parts(vec![1.0, 5.0], vec![2.0, 1.0])?;
/// let mut row = [3.0, 5.0];
/// s.transform_row(&mut row)?;
/// assert_eq!(row, [1.0, 0.0]);
/// # Ok::<(), host_trainer::data::DataError>(())
/// ```
///
/// [`transform`]: Standardizer::transform
#[derive(Clone, Debug, PartialEq)]
pub struct Standardizer {
    mean: Vec<f32>,
    std: Vec<f32>,
}

impl Standardizer {
    /// Fits the mean and standard deviation of every feature of `train`.
    ///
    /// Errors: [`DataError::NoRows`] if `train` is empty.
    pub fn fit(train: &Dataset) -> Result<Self, DataError> {
        let Some(first) = train.row(0) else {
            return Err(DataError::NoRows {
                file: train.source.clone(),
            });
        };
        let n = train.len() as f64;
        let columns = train.n_features();
        let mut sum = vec![0.0f64; columns];
        for row in train.rows() {
            for (s, &x) in sum.iter_mut().zip(row) {
                *s += f64::from(x);
            }
        }
        let mean: Vec<f64> = sum.iter().map(|s| s / n).collect();
        let mut squares = vec![0.0f64; columns];
        let mut constant = vec![true; columns];
        for row in train.rows() {
            for c in 0..columns {
                let d = f64::from(row[c]) - mean[c];
                squares[c] += d * d;
                constant[c] &= row[c] == first[c];
            }
        }
        let (mean, std) = (0..columns)
            .map(|c| {
                if constant[c] {
                    return (first[c], 1.0);
                }
                let std = (squares[c] / n).sqrt() as f32;
                // Too small to survive as an f32 divisor: treat as constant.
                (mean[c] as f32, if std.is_normal() { std } else { 1.0 })
            })
            .unzip();
        Ok(Standardizer { mean, std })
    }

    /// A standardizer with known statistics (e.g. read from a model file).
    ///
    /// Errors: [`DataError::Standardizer`] if the lengths differ, a mean is not finite, or a
    /// standard deviation is not finite and positive.
    pub fn from_parts(mean: Vec<f32>, std: Vec<f32>) -> Result<Self, DataError> {
        let fail = |reason: String| Err(DataError::Standardizer { reason });
        if mean.len() != std.len() {
            return fail(format!(
                "{} means but {} standard deviations",
                mean.len(),
                std.len()
            ));
        }
        if let Some(i) = mean.iter().position(|m| !m.is_finite()) {
            return fail(format!("mean {i} is {}", mean[i]));
        }
        if let Some(i) = std.iter().position(|s| !(s.is_finite() && *s > 0.0)) {
            return fail(format!(
                "standard deviation {i} is {}, not positive",
                std[i]
            ));
        }
        Ok(Standardizer { mean, std })
    }

    /// The per-feature means.
    pub fn mean(&self) -> &[f32] {
        &self.mean
    }

    /// The per-feature standard deviations (1 for constant features).
    pub fn std(&self) -> &[f32] {
        &self.std
    }

    /// Standardizes every row of `data` in place.
    ///
    /// Errors: [`DataError::Standardizer`] if `data` has a different number of features.
    pub fn transform(&self, data: &mut Dataset) -> Result<(), DataError> {
        if data.n_features() != self.mean.len() {
            return Err(DataError::Standardizer {
                reason: format!(
                    "fitted on {} features but {} has {}",
                    self.mean.len(),
                    data.source,
                    data.n_features()
                ),
            });
        }
        let columns = data.n_features().max(1);
        for row in data.features.chunks_exact_mut(columns) {
            self.apply(row);
        }
        Ok(())
    }

    /// Standardizes one row of features in place.
    ///
    /// Errors: [`DataError::Standardizer`] if the row has a different number of features.
    pub fn transform_row(&self, row: &mut [f32]) -> Result<(), DataError> {
        if row.len() != self.mean.len() {
            return Err(DataError::Standardizer {
                reason: format!(
                    "fitted on {} features but the row has {}",
                    self.mean.len(),
                    row.len()
                ),
            });
        }
        self.apply(row);
        Ok(())
    }

    fn apply(&self, row: &mut [f32]) {
        for ((x, m), s) in row.iter_mut().zip(&self.mean).zip(&self.std) {
            *x = (*x - m) / s;
        }
    }
}
