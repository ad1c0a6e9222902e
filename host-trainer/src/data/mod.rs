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
//! 3. A [`Preprocessor`] is fitted on the training part only ([`Preprocessor::fit`]: a
//!    [`Standardizer`] and the class names) and applied to every part; it writes its mean and
//!    standard deviation vectors and the class names into the model file with the weights.
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
//! use host_trainer::data::{CsvSpec, Dataset, Preprocessor, SplitSpec};
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
//! let pre = Preprocessor::fit(&train)?;
//! pre.transform(&mut train)?;
//! pre.transform(&mut test)?;
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

mod dataset;
mod error;
mod preprocessor;
mod read_csv;
mod spec;
mod split;
mod standardize;

pub use dataset::{one_hot, Dataset, Target};
pub use error::DataError;
pub use preprocessor::Preprocessor;
pub use spec::{CsvSpec, Features, TargetKind};
pub use split::{every_kth, k_fold, split_rows, split_stratified, Fold, Split, SplitSpec};
pub use standardize::Standardizer;
