//! Evaluation metrics that agree with scikit-learn.
//!
//! Plain functions on slices, computed in `f64`:
//!
//! - classification: [`accuracy`], a [`ConfusionMatrix`] (rows = true class, columns = predicted
//!   class) with per-class precision / recall / F1 ([`ClassScores`]) and their macro, micro and
//!   weighted averages ([`Averages`]), and a [`ClassificationReport`] that prints like
//!   `sklearn.metrics.classification_report`;
//! - binary scores: [`roc_curve`] and [`roc_auc`];
//! - regression: [`mse`], [`mae`] and [`r2`].
//!
//! Class labels are class *indices* `0..num_classes` (what [`crate::data::Dataset`] produces and
//! what [`embednn::Tensor::argmax`] returns); the number of classes is passed explicitly so that a
//! class the model never predicts, or that a small test set lacks, still gets its row and column.
//!
//! # Conventions (the same as scikit-learn 1.9)
//!
//! - A ratio whose denominator is zero is `0.0` (`zero_division=0`): the precision of a class
//!   that is never predicted, the recall of a class with no true samples.
//! - F1 is `2·TP / (2·TP + FP + FN)`, so it is `0.0` whenever both precision and recall are.
//! - Macro averages are unweighted means over all `num_classes` classes.
//! - ROC AUC is the trapezoidal area under the ROC curve; equal scores form one diagonal segment,
//!   so a tied positive/negative pair counts ½ (the Mann–Whitney U statistic).
//! - R² of a constant `y_true` is `1.0` for a perfect prediction and `0.0` otherwise
//!   (`force_finite=True`).
//!
//! # Bad input is an error, never a panic or a silent NaN
//!
//! Every function returns [`Result<_, MetricError>`]:
//!
//! - slices of different lengths → [`MetricError::LengthMismatch`];
//! - no samples (or one sample for [`r2`]) → [`MetricError::TooFewSamples`];
//! - a class index `>= num_classes` → [`MetricError::ClassOutOfRange`];
//! - a NaN or infinite value or score → [`MetricError::NotFinite`];
//! - ROC with only one class in `y_true` → [`MetricError::OneClass`].
//!
//! Once a [`ConfusionMatrix`] exists it holds at least one sample, so its methods return plain
//! numbers.
//!
//! # Example
//!
//! ```
//! use host_trainer::metrics::{self, ClassificationReport, ConfusionMatrix};
//!
//! let y_true = [0, 0, 1, 1, 2];
//! let y_pred = [0, 1, 1, 1, 2];
//! assert_eq!(metrics::accuracy(&y_true, &y_pred)?, 0.8);
//!
//! let cm = ConfusionMatrix::new(&y_true, &y_pred, 3)?;
//! assert_eq!(cm.count(0, 1), 1); // one true 0 predicted as 1
//! assert_eq!(cm.precision(1), 2.0 / 3.0);
//!
//! let report = ClassificationReport::new(&y_true, &y_pred, &["cat", "dog", "fox"])?;
//! println!("{report}"); // or "{report:.4}" for four decimals
//!
//! let auc = metrics::roc_auc(&[false, true, false, true], &[0.1, 0.9, 0.5, 0.5])?;
//! assert_eq!(auc, 0.875);
//! # Ok::<(), metrics::MetricError>(())
//! ```

use core::fmt;

/// Why a metric could not be computed.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum MetricError {
    /// The two inputs have different lengths.
    #[error("{left} has {left_len} values but {right} has {right_len}")]
    LengthMismatch {
        /// Name of the first input (`y_true`).
        left: &'static str,
        /// Its length.
        left_len: usize,
        /// Name of the second input (`y_pred` or `scores`).
        right: &'static str,
        /// Its length.
        right_len: usize,
    },
    /// Not enough samples for the metric to be defined.
    #[error("{metric} needs at least {needed} sample(s), got {found}")]
    TooFewSamples {
        /// The metric asked for.
        metric: &'static str,
        /// The least number of samples it is defined for.
        needed: usize,
        /// The number given.
        found: usize,
    },
    /// A class index is not below the number of classes.
    #[error("{input}[{index}] = {value} is not a class index below {num_classes}")]
    ClassOutOfRange {
        /// Which input (`y_true` or `y_pred`).
        input: &'static str,
        /// Position of the offending sample.
        index: usize,
        /// The class index found there.
        value: usize,
        /// The number of classes.
        num_classes: usize,
    },
    /// A value or score is NaN or infinite.
    #[error("{input}[{index}] = {value} is not a finite number")]
    NotFinite {
        /// Which input (`y_true`, `y_pred` or `scores`).
        input: &'static str,
        /// Position of the offending sample.
        index: usize,
        /// The value found there.
        value: f64,
    },
    /// ROC needs both positives and negatives in `y_true`.
    #[error(
        "ROC is undefined: y_true holds only {} samples",
        if *positive { "positive" } else { "negative" }
    )]
    OneClass {
        /// `true` if every sample is positive, `false` if every sample is negative.
        positive: bool,
    },
    /// A report was given a different number of class names than there are classes.
    #[error("{names} class name(s) given for {num_classes} classes")]
    NameCount {
        /// Number of names given.
        names: usize,
        /// Number of classes in the confusion matrix.
        num_classes: usize,
    },
}

pub(crate) fn check_lengths(
    left: &'static str,
    left_len: usize,
    right: &'static str,
    right_len: usize,
) -> Result<(), MetricError> {
    if left_len == right_len {
        Ok(())
    } else {
        Err(MetricError::LengthMismatch {
            left,
            left_len,
            right,
            right_len,
        })
    }
}

fn check_count(metric: &'static str, needed: usize, found: usize) -> Result<(), MetricError> {
    if found >= needed {
        Ok(())
    } else {
        Err(MetricError::TooFewSamples {
            metric,
            needed,
            found,
        })
    }
}

/// Converts to `f64`, rejecting NaN and infinities.
fn finite<T: Copy + Into<f64>>(input: &'static str, values: &[T]) -> Result<Vec<f64>, MetricError> {
    values
        .iter()
        .enumerate()
        .map(|(index, &v)| {
            let value = v.into();
            if value.is_finite() {
                Ok(value)
            } else {
                Err(MetricError::NotFinite {
                    input,
                    index,
                    value,
                })
            }
        })
        .collect()
}

/// `num / den`, or `0.0` when `den` is zero (scikit-learn's `zero_division=0`).
fn ratio(num: f64, den: f64) -> f64 {
    if den == 0.0 {
        0.0
    } else {
        num / den
    }
}

// ---- classification ------------------------------------------------------------------------

/// Fraction of samples whose predicted class equals the true class.
///
/// Errors: different lengths, or no samples.
///
/// ```
/// assert_eq!(host_trainer::metrics::accuracy(&[0, 1, 2, 2], &[0, 0, 0, 2]), Ok(0.5));
/// ```
pub fn accuracy(y_true: &[usize], y_pred: &[usize]) -> Result<f64, MetricError> {
    check_lengths("y_true", y_true.len(), "y_pred", y_pred.len())?;
    check_count("accuracy", 1, y_true.len())?;
    let correct = y_true.iter().zip(y_pred).filter(|(t, p)| t == p).count();
    Ok(correct as f64 / y_true.len() as f64)
}

/// Counts of (true class, predicted class) pairs: `count(t, p)` samples of class `t` were
/// predicted as `p`. Rows are true classes, columns predicted classes, as in scikit-learn.
///
/// Always holds at least one sample (construction fails otherwise), so every ratio below is
/// defined; a ratio with a zero denominator is `0.0`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfusionMatrix {
    num_classes: usize,
    /// Row-major `num_classes × num_classes`.
    counts: Vec<u64>,
}

/// Precision, recall, F1 and support of one class.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ClassScores {
    /// TP / (TP + FP): of the samples predicted as this class, the fraction that are.
    pub precision: f64,
    /// TP / (TP + FN): of the samples of this class, the fraction found.
    pub recall: f64,
    /// 2·TP / (2·TP + FP + FN), the harmonic mean of precision and recall.
    pub f1: f64,
    /// Number of true samples of this class.
    pub support: u64,
}

/// An average of per-class precision, recall and F1.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Averages {
    /// Averaged precision.
    pub precision: f64,
    /// Averaged recall.
    pub recall: f64,
    /// Averaged F1 (for macro and weighted: the average of the per-class F1 values, not the F1
    /// of the averaged precision and recall).
    pub f1: f64,
}

impl ConfusionMatrix {
    /// Counts `y_true`/`y_pred` pairs of class indices in `0..num_classes`.
    ///
    /// Errors: different lengths, no samples, or an index `>= num_classes`.
    pub fn new(
        y_true: &[usize],
        y_pred: &[usize],
        num_classes: usize,
    ) -> Result<Self, MetricError> {
        check_lengths("y_true", y_true.len(), "y_pred", y_pred.len())?;
        check_count("a confusion matrix", 1, y_true.len())?;
        let mut counts = vec![0u64; num_classes * num_classes];
        for (index, (&t, &p)) in y_true.iter().zip(y_pred).enumerate() {
            for (input, value) in [("y_true", t), ("y_pred", p)] {
                if value >= num_classes {
                    return Err(MetricError::ClassOutOfRange {
                        input,
                        index,
                        value,
                        num_classes,
                    });
                }
            }
            counts[t * num_classes + p] += 1;
        }
        Ok(ConfusionMatrix {
            num_classes,
            counts,
        })
    }

    /// Number of classes (rows and columns).
    pub fn num_classes(&self) -> usize {
        self.num_classes
    }

    /// Samples of true class `true_class` predicted as `predicted`; `0` outside the matrix.
    pub fn count(&self, true_class: usize, predicted: usize) -> u64 {
        if true_class < self.num_classes && predicted < self.num_classes {
            self.counts[true_class * self.num_classes + predicted]
        } else {
            0
        }
    }

    /// The rows (one per true class), each with one count per predicted class.
    pub fn rows(&self) -> impl Iterator<Item = &[u64]> {
        // `max(1)`: `chunks_exact(0)` panics; with zero classes there are no counts anyway.
        self.counts.chunks_exact(self.num_classes.max(1))
    }

    /// The matrix as nested vectors, `[true][predicted]`.
    pub fn to_vec(&self) -> Vec<Vec<u64>> {
        self.rows().map(<[u64]>::to_vec).collect()
    }

    /// Total number of samples.
    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// Samples classified correctly (the diagonal).
    pub fn correct(&self) -> u64 {
        (0..self.num_classes).map(|c| self.count(c, c)).sum()
    }

    /// Fraction of samples on the diagonal.
    pub fn accuracy(&self) -> f64 {
        ratio(self.correct() as f64, self.total() as f64)
    }

    /// True samples of `class` (its row sum); `0` for an unknown class.
    pub fn support(&self, class: usize) -> u64 {
        (0..self.num_classes).map(|p| self.count(class, p)).sum()
    }

    /// Samples predicted as `class` (its column sum); `0` for an unknown class.
    pub fn predicted(&self, class: usize) -> u64 {
        (0..self.num_classes).map(|t| self.count(t, class)).sum()
    }

    /// Precision of `class`; `0.0` if it is never predicted.
    pub fn precision(&self, class: usize) -> f64 {
        ratio(
            self.count(class, class) as f64,
            self.predicted(class) as f64,
        )
    }

    /// Recall of `class`; `0.0` if it has no true samples.
    pub fn recall(&self, class: usize) -> f64 {
        ratio(self.count(class, class) as f64, self.support(class) as f64)
    }

    /// F1 of `class`: `2·TP / (support + predicted)`; `0.0` if both are zero.
    pub fn f1(&self, class: usize) -> f64 {
        let tp = self.count(class, class) as f64;
        ratio(
            2.0 * tp,
            (self.support(class) + self.predicted(class)) as f64,
        )
    }

    /// Precision, recall, F1 and support of `class`.
    pub fn scores(&self, class: usize) -> ClassScores {
        ClassScores {
            precision: self.precision(class),
            recall: self.recall(class),
            f1: self.f1(class),
            support: self.support(class),
        }
    }

    /// [`ConfusionMatrix::scores`] of every class, in class order.
    pub fn per_class(&self) -> Vec<ClassScores> {
        (0..self.num_classes).map(|c| self.scores(c)).collect()
    }

    /// Unweighted mean over all classes, including classes absent from the data (scikit-learn's
    /// `average="macro"` with `labels=range(num_classes)`).
    pub fn macro_avg(&self) -> Averages {
        let per_class = self.per_class();
        let n = per_class.len() as f64;
        let mean = |f: fn(&ClassScores) -> f64| ratio(per_class.iter().map(f).sum(), n);
        Averages {
            precision: mean(|s| s.precision),
            recall: mean(|s| s.recall),
            f1: mean(|s| s.f1),
        }
    }

    /// Mean weighted by support (scikit-learn's `average="weighted"`).
    pub fn weighted_avg(&self) -> Averages {
        let per_class = self.per_class();
        let total = per_class.iter().map(|s| s.support as f64).sum::<f64>();
        let mean = |f: fn(&ClassScores) -> f64| {
            let weighted = per_class.iter().map(|s| f(s) * s.support as f64).sum();
            ratio(weighted, total)
        };
        Averages {
            precision: mean(|s| s.precision),
            recall: mean(|s| s.recall),
            f1: mean(|s| s.f1),
        }
    }

    /// Scores of the pooled counts (scikit-learn's `average="micro"`); with every class counted,
    /// all three equal the accuracy.
    pub fn micro_avg(&self) -> Averages {
        let tp = self.correct() as f64;
        let total = self.total() as f64;
        // Pooled over all classes, FP and FN both count the off-diagonal samples.
        let precision = ratio(tp, total);
        let recall = ratio(tp, total);
        Averages {
            precision,
            recall,
            f1: ratio(2.0 * tp, 2.0 * total),
        }
    }
}

/// Per-class precision / recall / F1 / support, their macro and weighted averages and the
/// accuracy, printed like scikit-learn's `classification_report`.
///
/// `Display` uses two decimals, or the formatter's precision (`{report:.4}`).
///
/// ```
/// use host_trainer::metrics::ClassificationReport;
///
/// let report = ClassificationReport::new(&[0, 1, 1], &[0, 1, 0], &["no", "yes"])?;
/// assert_eq!(report.accuracy, 2.0 / 3.0);
/// assert!(report.to_string().contains("macro avg"));
/// # Ok::<(), host_trainer::metrics::MetricError>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct ClassificationReport {
    /// One name per class, in class-index order.
    pub class_names: Vec<String>,
    /// Scores of each class, in class-index order.
    pub per_class: Vec<ClassScores>,
    /// Fraction of samples classified correctly.
    pub accuracy: f64,
    /// Unweighted mean over the classes.
    pub macro_avg: Averages,
    /// Mean weighted by support.
    pub weighted_avg: Averages,
    /// Number of samples.
    pub support: u64,
}

impl ClassificationReport {
    /// Builds the report of class indices `y_true`/`y_pred`; the number of classes is the number
    /// of names.
    ///
    /// Errors: as [`ConfusionMatrix::new`].
    pub fn new(
        y_true: &[usize],
        y_pred: &[usize],
        class_names: &[impl AsRef<str>],
    ) -> Result<Self, MetricError> {
        let cm = ConfusionMatrix::new(y_true, y_pred, class_names.len())?;
        Self::from_confusion_matrix(&cm, class_names)
    }

    /// Builds the report of an existing confusion matrix.
    ///
    /// Errors: [`MetricError::NameCount`] if there is not one name per class.
    pub fn from_confusion_matrix(
        cm: &ConfusionMatrix,
        class_names: &[impl AsRef<str>],
    ) -> Result<Self, MetricError> {
        if class_names.len() != cm.num_classes() {
            return Err(MetricError::NameCount {
                names: class_names.len(),
                num_classes: cm.num_classes(),
            });
        }
        Ok(ClassificationReport {
            class_names: class_names.iter().map(|n| n.as_ref().to_owned()).collect(),
            per_class: cm.per_class(),
            accuracy: cm.accuracy(),
            macro_avg: cm.macro_avg(),
            weighted_avg: cm.weighted_avg(),
            support: cm.total(),
        })
    }
}

impl fmt::Display for ClassificationReport {
    /// The layout of scikit-learn 1.9's `classification_report` (its `digits` is the
    /// formatter's precision, default 2).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const LAST_HEADING: &str = "weighted avg";
        let digits = f.precision().unwrap_or(2);
        let width = self
            .class_names
            .iter()
            .map(|n| n.chars().count())
            .chain([LAST_HEADING.len(), digits])
            .max()
            .unwrap_or(LAST_HEADING.len());
        let row =
            |f: &mut fmt::Formatter<'_>, name: &str, p: f64, r: f64, f1: f64, support: u64| {
                writeln!(
                    f,
                    "{name:>width$}  {p:>9.digits$} {r:>9.digits$} {f1:>9.digits$} {support:>9}"
                )
            };
        writeln!(
            f,
            "{:>width$}  {:>9} {:>9} {:>9} {:>9}",
            "", "precision", "recall", "f1-score", "support"
        )?;
        writeln!(f)?;
        for (name, s) in self.class_names.iter().zip(&self.per_class) {
            row(f, name, s.precision, s.recall, s.f1, s.support)?;
        }
        writeln!(f)?;
        writeln!(
            f,
            "{:>width$}  {:>9} {:>9} {:>9.digits$} {:>9}",
            "accuracy", "", "", self.accuracy, self.support
        )?;
        let m = &self.macro_avg;
        row(f, "macro avg", m.precision, m.recall, m.f1, self.support)?;
        let w = &self.weighted_avg;
        row(f, LAST_HEADING, w.precision, w.recall, w.f1, self.support)
    }
}

// ---- binary scores -------------------------------------------------------------------------

/// The receiver operating characteristic: one point per distinct score, from the highest
/// threshold down, after a first point `(0, 0)` at threshold `+∞`.
///
/// Equal to scikit-learn's `roc_curve(..., drop_intermediate=False)`.
#[derive(Clone, Debug, PartialEq)]
pub struct RocCurve {
    /// False-positive rate at each threshold (non-decreasing, ends at 1).
    pub fpr: Vec<f64>,
    /// True-positive rate at each threshold (non-decreasing, ends at 1).
    pub tpr: Vec<f64>,
    /// The thresholds: samples with `score >= threshold` are predicted positive. The first is
    /// `f64::INFINITY`, the rest are the distinct scores in decreasing order.
    pub thresholds: Vec<f64>,
}

impl RocCurve {
    /// Area under the curve by the trapezoidal rule.
    pub fn auc(&self) -> f64 {
        self.fpr
            .windows(2)
            .zip(self.tpr.windows(2))
            .map(|(x, y)| (x[1] - x[0]) * (y[1] + y[0]) / 2.0)
            .sum()
    }
}

/// ROC curve of binary labels (`true` = positive) against scores (higher = more positive).
///
/// Errors: different lengths, no samples, a non-finite score, or only one class in `y_true`.
pub fn roc_curve<T: Copy + Into<f64>>(
    y_true: &[bool],
    scores: &[T],
) -> Result<RocCurve, MetricError> {
    check_lengths("y_true", y_true.len(), "scores", scores.len())?;
    check_count("ROC", 1, y_true.len())?;
    let scores = finite("scores", scores)?;
    let positives = y_true.iter().filter(|&&t| t).count();
    if positives == 0 || positives == y_true.len() {
        return Err(MetricError::OneClass {
            positive: positives > 0,
        });
    }
    let negatives = y_true.len() - positives;

    let mut order: Vec<usize> = (0..scores.len()).collect();
    // Scores are finite, so `total_cmp` is the numeric order (with -0 < +0, which does not
    // matter: they are grouped below by `==`).
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));

    let mut curve = RocCurve {
        fpr: vec![0.0],
        tpr: vec![0.0],
        thresholds: vec![f64::INFINITY],
    };
    let (mut tp, mut fp) = (0usize, 0usize);
    for (rank, &i) in order.iter().enumerate() {
        if y_true[i] {
            tp += 1;
        } else {
            fp += 1;
        }
        // One point per distinct score, after the last sample holding it.
        let last_of_group = order
            .get(rank + 1)
            .is_none_or(|&next| scores[next] != scores[i]);
        if last_of_group {
            curve.fpr.push(fp as f64 / negatives as f64);
            curve.tpr.push(tp as f64 / positives as f64);
            curve.thresholds.push(scores[i]);
        }
    }
    Ok(curve)
}

/// Area under the ROC curve (scikit-learn's `roc_auc_score` for binary labels): the
/// probability that a random positive scores above a random negative, ties counting ½.
///
/// Errors: as [`roc_curve`].
pub fn roc_auc<T: Copy + Into<f64>>(y_true: &[bool], scores: &[T]) -> Result<f64, MetricError> {
    roc_curve(y_true, scores).map(|curve| curve.auc())
}

// ---- regression ----------------------------------------------------------------------------

fn regression_inputs<T: Copy + Into<f64>>(
    metric: &'static str,
    needed: usize,
    y_true: &[T],
    y_pred: &[T],
) -> Result<(Vec<f64>, Vec<f64>), MetricError> {
    check_lengths("y_true", y_true.len(), "y_pred", y_pred.len())?;
    check_count(metric, needed, y_true.len())?;
    Ok((finite("y_true", y_true)?, finite("y_pred", y_pred)?))
}

/// Mean squared error.
///
/// Errors: different lengths, no samples, or a non-finite value.
///
/// ```
/// assert_eq!(host_trainer::metrics::mse(&[1.0, 2.0], &[1.0, 4.0]), Ok(2.0));
/// ```
pub fn mse<T: Copy + Into<f64>>(y_true: &[T], y_pred: &[T]) -> Result<f64, MetricError> {
    let (t, p) = regression_inputs("MSE", 1, y_true, y_pred)?;
    Ok(mean_error(t.into_iter().zip(p), squared))
}

/// Mean absolute error.
///
/// Errors: different lengths, no samples, or a non-finite value.
pub fn mae<T: Copy + Into<f64>>(y_true: &[T], y_pred: &[T]) -> Result<f64, MetricError> {
    let (t, p) = regression_inputs("MAE", 1, y_true, y_pred)?;
    Ok(mean_error(t.into_iter().zip(p), f64::abs))
}

/// The error of [`mse`]: the square of the difference.
pub(crate) fn squared(difference: f64) -> f64 {
    difference * difference
}

/// Mean of `error(true − predicted)` over `(true, predicted)` pairs, summed in order, `0.0` for
/// no pairs. Unchecked: the sum behind [`mse`] and [`mae`] (with [`squared`] and `f64::abs`),
/// also used by `fit`'s per-epoch metrics, whose predictions may leave the finite range when
/// training diverges (giving an infinite or NaN metric, not an error).
pub(crate) fn mean_error(
    pairs: impl IntoIterator<Item = (f64, f64)>,
    error: fn(f64) -> f64,
) -> f64 {
    let (sum, count) = pairs
        .into_iter()
        .fold((0.0f64, 0usize), |(sum, count), (t, p)| {
            (sum + error(t - p), count + 1)
        });
    ratio(sum, count as f64)
}

/// Coefficient of determination, `1 − SS_res / SS_tot`.
///
/// If `y_true` is constant (`SS_tot == 0`) the result is `1.0` for a perfect prediction and
/// `0.0` otherwise, as scikit-learn's `force_finite=True`.
///
/// Errors: different lengths, fewer than two samples (where scikit-learn returns NaN), or a
/// non-finite value.
pub fn r2<T: Copy + Into<f64>>(y_true: &[T], y_pred: &[T]) -> Result<f64, MetricError> {
    let (t, p) = regression_inputs("R²", 2, y_true, y_pred)?;
    let mean = t.iter().sum::<f64>() / t.len() as f64;
    let ss_res: f64 = t.iter().zip(&p).map(|(t, p)| (t - p) * (t - p)).sum();
    let ss_tot: f64 = t.iter().map(|t| (t - mean) * (t - mean)).sum();
    Ok(if ss_tot != 0.0 {
        1.0 - ss_res / ss_tot
    } else if ss_res == 0.0 {
        1.0
    } else {
        0.0
    })
}
