//! The CLI's CSV input, read by [`host_trainer::data`]'s reader so that parsing, limits and error
//! messages (file, line — 1 is the header — and column) are the same as for training: the header
//! alone (to default the target to the last column), and feature tables with no target column
//! (for `predict`).

use std::path::Path;

use host_trainer::data::{DataError, Dataset};

/// The column names of a CSV's header row.
pub fn header(path: &Path) -> Result<Vec<String>, DataError> {
    Dataset::csv_header(path)
}

/// Feature rows read from a CSV without a target column.
#[derive(Debug)]
pub struct FeatureTable {
    /// The chosen columns, in feature order.
    pub columns: Vec<String>,
    /// The features, row-major.
    pub values: Vec<f32>,
}

impl FeatureTable {
    /// The features of each row.
    pub fn rows(&self) -> impl Iterator<Item = &[f32]> {
        self.values.chunks_exact(self.columns.len().max(1))
    }
}

/// Reads the `features` columns (all columns if `None`) of every row as finite `f32`s.
pub fn features(path: &Path, features: Option<&[String]>) -> Result<FeatureTable, DataError> {
    let (columns, values) = Dataset::csv_features(path, features)?;
    Ok(FeatureTable { columns, values })
}
