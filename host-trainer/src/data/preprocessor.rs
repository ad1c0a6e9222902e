//! [`Preprocessor`]: what a model file carries besides the weights — the standardization
//! fitted on the training rows and the class names — built from a [`Dataset`] in one call.

use std::path::Path;

use embednn::format::{ModelFile, Preprocessing};
use embednn::Model;

use super::dataset::Dataset;
use super::standardize::Standardizer;
use super::DataError;

/// The standardization and class names of a training set, owned: applies the one to every
/// part of the data and writes both into the model file, where firmware and the `embednn`
/// command line read them.
///
/// ```
/// use embednn::prelude::*;
/// use host_trainer::data::{CsvSpec, Dataset, Preprocessor};
///
/// let csv = "x,kind\n1,cat\n2,dog\n3,cat\n5,dog\n";
/// let mut train = Dataset::from_reader("pets.csv", csv.as_bytes(), &CsvSpec::classification("kind"))?;
/// let pre = Preprocessor::fit(&train)?;
/// pre.transform(&mut train)?;
/// assert_eq!(pre.labels(), ["cat", "dog"]);
/// assert_eq!(pre.standardizer().mean(), [2.75]);
///
/// let model = <(Dense<1, 1>, Sigmoid) as Init>::init(Initializer::GlorotUniform, &mut Rng::seed(1));
/// let mut file = vec![0; ModelFile::<(Dense<1, 1>, Sigmoid)>::MAX_BYTES];
/// let n = pre.write(&model, &mut file)?;
/// let info = embednn::format::ModelInfo::parse(&file[..n])?;
/// assert_eq!(info.labels().collect::<Vec<_>>(), ["cat", "dog"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Preprocessor {
    standardizer: Standardizer,
    labels: Vec<String>,
}

impl Preprocessor {
    /// Fits a [`Standardizer`] on the rows of `train` and takes its class names (none for a
    /// regression target).
    ///
    /// Errors: [`DataError::NoRows`] if `train` is empty.
    pub fn fit(train: &Dataset) -> Result<Self, DataError> {
        Ok(Preprocessor {
            standardizer: Standardizer::fit(train)?,
            labels: train.class_names().unwrap_or_default().to_vec(),
        })
    }

    /// A preprocessor from parts (e.g. a standardizer fitted elsewhere, or output names for a
    /// regression model).
    pub fn from_parts(standardizer: Standardizer, labels: Vec<String>) -> Self {
        Preprocessor {
            standardizer,
            labels,
        }
    }

    /// The same standardization with other output names.
    #[must_use]
    pub fn with_labels<S: Into<String>>(self, labels: impl IntoIterator<Item = S>) -> Self {
        Preprocessor {
            labels: labels.into_iter().map(Into::into).collect(),
            ..self
        }
    }

    /// Standardizes every row of `data` in place (see [`Standardizer::transform`]).
    pub fn transform(&self, data: &mut Dataset) -> Result<(), DataError> {
        self.standardizer.transform(data)
    }

    /// The fitted standardization.
    pub fn standardizer(&self) -> &Standardizer {
        &self.standardizer
    }

    /// The class (output) names.
    pub fn labels(&self) -> &[String] {
        &self.labels
    }

    /// Calls `f` with the borrowed [`Preprocessing`] the model file functions take.
    pub fn with_preprocessing<R>(&self, f: impl FnOnce(&Preprocessing<'_>) -> R) -> R {
        let labels: Vec<&str> = self.labels.iter().map(String::as_str).collect();
        f(&Preprocessing {
            mean: self.standardizer.mean(),
            std: self.standardizer.std(),
            labels: &labels,
        })
    }

    /// Writes `model` with this preprocessing as a model file into `out` (see
    /// [`ModelFile::write`]); returns the file's length.
    pub fn write<M: Model>(
        &self,
        model: &M,
        out: &mut [u8],
    ) -> Result<usize, embednn::format::SaveError> {
        self.with_preprocessing(|pre| ModelFile::write(model, pre, out))
    }

    /// Saves `model` with this preprocessing as a model file at `path`, atomically (see
    /// [`ModelFile::save`]).
    pub fn save<M: Model>(&self, model: &M, path: impl AsRef<Path>) -> std::io::Result<()> {
        self.with_preprocessing(|pre| ModelFile::save(model, pre, path))
    }
}
