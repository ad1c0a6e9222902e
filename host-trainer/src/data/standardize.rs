//! [`Standardizer`]: per-feature `(x − mean) / std`, fitted on training rows only.

use super::dataset::Dataset;
use super::DataError;

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
