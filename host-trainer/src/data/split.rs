//! Choosing rows: seeded train / validation / test splits ([`split_rows`], stratified by class
//! with [`split_stratified`]), the fixed [`every_kth`] split and [`k_fold`] cross-validation folds.

use embednn::Rng;

use super::DataError;

/// Fractions of rows to hold out, and the seed that picks them.
///
/// The sizes are scikit-learn's `train_test_split(test_size=test)`: the test part gets
/// `ceil(test × rows)` rows, the validation part `ceil(validation × rows)` of the rest (both
/// fractions are of all rows), the training part the remainder, which must not be empty. So a
/// 25% test split of 569 rows holds 143 of them, as in scikit-learn.
///
/// Stratified, the parts have these same sizes and each class is shared among them as
/// scikit-learn's `StratifiedShuffleSplit` does: every class first gets the floor of its
/// proportional share, and the rows left over go to the classes with the largest remainders
/// (ties to the lower class index, where scikit-learn draws at random).
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

    /// `(test, validation)` row counts for `n` rows.
    fn counts(&self, n: usize) -> (usize, usize) {
        let part = |fraction: f64| ((fraction * n as f64).ceil() as usize).min(n);
        let test = part(self.test);
        (test, part(self.validation).min(n - test))
    }

    /// `(test, validation)` row counts of each class of `class_sizes` rows.
    fn class_counts(&self, class_sizes: &[usize]) -> Vec<(usize, usize)> {
        let n = class_sizes.iter().sum();
        let (test, validation) = self.counts(n);
        let kept = proportional_shares(class_sizes, n - test);
        let train = proportional_shares(&kept, n - test - validation);
        class_sizes
            .iter()
            .zip(kept.iter().zip(&train))
            .map(|(&size, (&kept, &train))| (size - kept, kept - train))
            .collect()
    }
}

/// `draws` items shared among groups of `sizes` in proportion, as whole numbers summing to
/// `draws` (at most `sizes[i]` each): the floor of each exact share, then one more for the
/// groups with the largest fractional parts, lower index first among equals (scikit-learn's
/// `_approximate_mode`, without its random tie-break).
fn proportional_shares(sizes: &[usize], draws: usize) -> Vec<usize> {
    let total: usize = sizes.iter().sum();
    if total == 0 {
        return vec![0; sizes.len()];
    }
    // Exact shares as fractions `size × draws / total`, compared in integers.
    let exact = |size: usize| size as u128 * draws as u128;
    let mut shares: Vec<usize> = sizes
        .iter()
        .map(|&size| (exact(size) / total as u128) as usize)
        .collect();
    let mut order: Vec<usize> = (0..sizes.len()).collect();
    // Largest remainder first; the sort is stable, so equal remainders keep index order.
    order.sort_by_key(|&i| std::cmp::Reverse(exact(sizes[i]) % total as u128));
    let mut left = draws.saturating_sub(shares.iter().sum());
    for i in order {
        if left == 0 {
            break;
        }
        if shares[i] < sizes[i] {
            shares[i] += 1;
            left -= 1;
        }
    }
    shares
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
/// each `< num_classes`) are shuffled and dealt out separately, every part getting its
/// proportional share of each class (sizes as scikit-learn's, see [`SplitSpec`]).
///
/// ```
/// use host_trainer::data::{split_stratified, SplitSpec};
///
/// // 212 malignant and 357 benign rows (scikit-learn's breast cancer set), 25% for the test.
/// let labels: Vec<usize> = (0..569).map(|i| usize::from(i >= 212)).collect();
/// let split = split_stratified(&labels, 2, &SplitSpec::new(0.0, 0.25, 0))?;
/// assert_eq!((split.train.len(), split.test.len()), (426, 143));
/// let malignant = split.test.iter().filter(|&&row| row < 212).count();
/// assert_eq!(malignant, 53);
/// # Ok::<(), host_trainer::data::DataError>(())
/// ```
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
    let sizes: Vec<usize> = by_class.iter().map(Vec::len).collect();
    let mut rng = Rng::seed(spec.seed);
    let mut split = Split::default();
    for (rows, counts) in by_class.iter_mut().zip(spec.class_counts(&sizes)) {
        rng.shuffle(rows);
        split.deal(rows, counts);
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
