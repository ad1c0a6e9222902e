//! Metrics against scikit-learn.
//!
//! Unless noted otherwise, every input vector and expected value below came from scikit-learn
//! 1.9.1 (numpy 2.4.6) via `python3 benches/reference_values.py`, pasted literally.

use host_trainer::metrics::{
    accuracy, mae, mse, r2, roc_auc, roc_curve, Averages, ClassificationReport, ConfusionMatrix,
    MetricError,
};

const TOLERANCE: f64 = 1e-12;

#[track_caller]
fn assert_close(actual: f64, expected: f64) {
    assert!(
        (actual - expected).abs() <= TOLERANCE,
        "expected {expected}, got {actual}"
    );
}

#[track_caller]
fn assert_all_close(actual: &[f64], expected: &[f64]) {
    assert_eq!(actual.len(), expected.len(), "{actual:?} vs {expected:?}");
    for (&a, &e) in actual.iter().zip(expected) {
        if e.is_infinite() {
            assert_eq!(a, e);
        } else {
            assert_close(a, e);
        }
    }
}

#[track_caller]
fn assert_averages(actual: Averages, [precision, recall, f1]: [f64; 3]) {
    assert_close(actual.precision, precision);
    assert_close(actual.recall, recall);
    assert_close(actual.f1, f1);
}

/// The expected values of one classification case of the reference script.
struct Classification {
    y_true: &'static [usize],
    y_pred: &'static [usize],
    accuracy: f64,
    confusion_matrix: [[u64; 3]; 3],
    precision: [f64; 3],
    recall: [f64; 3],
    f1: [f64; 3],
    support: [u64; 3],
    macro_avg: [f64; 3],
    micro_avg: [f64; 3],
    weighted_avg: [f64; 3],
}

// "multiclass"
const MULTICLASS: Classification = Classification {
    y_true: &[0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2],
    y_pred: &[0, 0, 0, 1, 0, 0, 2, 0, 1, 2, 2, 2],
    accuracy: 0.6666666666666666,
    confusion_matrix: [[4, 1, 0], [2, 1, 1], [0, 0, 3]],
    precision: [0.6666666666666666, 0.5, 0.75],
    recall: [0.8, 0.25, 1.0],
    f1: [0.7272727272727273, 0.3333333333333333, 0.8571428571428571],
    support: [5, 4, 3],
    macro_avg: [0.6388888888888888, 0.6833333333333332, 0.6392496392496393],
    micro_avg: [0.6666666666666666, 0.6666666666666666, 0.6666666666666666],
    weighted_avg: [0.6319444444444444, 0.6666666666666666, 0.6284271284271284],
};

// "multiclass_unpredicted_class": class 1 is never predicted, so its precision is 0/0 -> 0.
const UNPREDICTED_CLASS: Classification = Classification {
    y_true: &[0, 1, 2, 2],
    y_pred: &[0, 0, 0, 2],
    accuracy: 0.5,
    confusion_matrix: [[1, 0, 0], [1, 0, 0], [1, 0, 1]],
    precision: [0.3333333333333333, 0.0, 1.0],
    recall: [1.0, 0.0, 0.5],
    f1: [0.5, 0.0, 0.6666666666666666],
    support: [1, 1, 2],
    macro_avg: [0.4444444444444444, 0.5, 0.38888888888888884],
    micro_avg: [0.5, 0.5, 0.5],
    weighted_avg: [0.5833333333333334, 0.5, 0.4583333333333333],
};

fn check_classification(case: &Classification) {
    assert_close(accuracy(case.y_true, case.y_pred).unwrap(), case.accuracy);
    let cm = ConfusionMatrix::new(case.y_true, case.y_pred, 3).unwrap();
    assert_eq!(cm.to_vec(), case.confusion_matrix.map(|row| row.to_vec()));
    assert_close(cm.accuracy(), case.accuracy);
    assert_eq!(cm.total(), case.y_true.len() as u64);
    for class in 0..3 {
        assert_close(cm.precision(class), case.precision[class]);
        assert_close(cm.recall(class), case.recall[class]);
        assert_close(cm.f1(class), case.f1[class]);
        assert_eq!(cm.support(class), case.support[class]);
    }
    let per_class = cm.per_class();
    assert_eq!(per_class.len(), 3);
    for (class, scores) in per_class.iter().enumerate() {
        assert_eq!(*scores, cm.scores(class));
    }
    assert_averages(cm.macro_avg(), case.macro_avg);
    assert_averages(cm.micro_avg(), case.micro_avg);
    assert_averages(cm.weighted_avg(), case.weighted_avg);
}

#[test]
fn multiclass_matches_sklearn() {
    check_classification(&MULTICLASS);
}

#[test]
fn unpredicted_class_matches_sklearn() {
    check_classification(&UNPREDICTED_CLASS);
}

#[test]
fn binary_roc_with_ties_matches_sklearn() {
    // "binary_roc": 0.4 appears for two negatives and one positive, 0.7 for one of each.
    let y_true = [0, 0, 1, 1, 0, 1, 0, 1, 1, 0].map(|y| y == 1);
    let scores = [0.1, 0.4, 0.35, 0.8, 0.4, 0.7, 0.2, 0.4, 0.9, 0.7];
    assert_close(roc_auc(&y_true, &scores).unwrap(), 0.78);
    let curve = roc_curve(&y_true, &scores).unwrap();
    assert_all_close(&curve.fpr, &[0.0, 0.0, 0.0, 0.2, 0.6, 0.6, 0.8, 1.0]);
    assert_all_close(&curve.tpr, &[0.0, 0.2, 0.4, 0.6, 0.8, 1.0, 1.0, 1.0]);
    assert_all_close(
        &curve.thresholds,
        &[f64::INFINITY, 0.9, 0.8, 0.7, 0.4, 0.35, 0.2, 0.1],
    );
    assert_close(curve.auc(), 0.78);

    // f32 scores (what a model outputs) give the same curve shape.
    let scores32 = scores.map(|s| s as f32);
    assert_close(roc_auc(&y_true, &scores32).unwrap(), 0.78);
}

#[test]
fn all_tied_roc_matches_sklearn() {
    // "binary_roc_all_tied"
    let y_true = [0, 1, 0, 1].map(|y| y == 1);
    let scores = [0.5, 0.5, 0.5, 0.5];
    assert_close(roc_auc(&y_true, &scores).unwrap(), 0.5);
    let curve = roc_curve(&y_true, &scores).unwrap();
    assert_all_close(&curve.fpr, &[0.0, 1.0]);
    assert_all_close(&curve.tpr, &[0.0, 1.0]);
    assert_all_close(&curve.thresholds, &[f64::INFINITY, 0.5]);
}

#[test]
fn regression_matches_sklearn() {
    // "regression"
    let y_true = [3.0, -0.5, 2.0, 7.0, 4.2, 0.0];
    let y_pred = [2.5, 0.0, 2.0, 8.0, 3.9, -0.3];
    assert_close(mse(&y_true, &y_pred).unwrap(), 0.28);
    assert_close(mae(&y_true, &y_pred).unwrap(), 0.43333333333333335);
    assert_close(r2(&y_true, &y_pred).unwrap(), 0.9567103285376852);
}

#[test]
fn constant_y_true_matches_sklearn() {
    // "regression_constant_y_true": SS_tot = 0, imperfect prediction -> R² = 0 (force_finite).
    let y_true = [2.0, 2.0, 2.0];
    let y_pred = [1.0, 2.0, 3.0];
    assert_close(mse(&y_true, &y_pred).unwrap(), 0.6666666666666666);
    assert_close(mae(&y_true, &y_pred).unwrap(), 0.6666666666666666);
    assert_close(r2(&y_true, &y_pred).unwrap(), 0.0);
    // Not from the script: the perfect-prediction branch of force_finite.
    assert_eq!(r2(&y_true, &y_true), Ok(1.0));
}

#[test]
fn classification_report_prints_like_sklearn() {
    // Not from the script: the literal output of scikit-learn 1.9.1's
    // `classification_report(MC_Y_TRUE, MC_Y_PRED, labels=[0, 1, 2],
    //  target_names=["setosa", "versicolor", "virginica"], zero_division=0)`.
    let expected = "              precision    recall  f1-score   support\n\
                    \n      setosa       0.67      0.80      0.73         5\
                    \n  versicolor       0.50      0.25      0.33         4\
                    \n   virginica       0.75      1.00      0.86         3\n\
                    \n    accuracy                           0.67        12\
                    \n   macro avg       0.64      0.68      0.64        12\
                    \nweighted avg       0.63      0.67      0.63        12\n";
    let names = ["setosa", "versicolor", "virginica"];
    let report = ClassificationReport::new(MULTICLASS.y_true, MULTICLASS.y_pred, &names).unwrap();
    assert_eq!(report.to_string(), expected);
    assert_eq!(report.support, 12);
    assert_close(report.accuracy, MULTICLASS.accuracy);
    assert_averages(report.macro_avg, MULTICLASS.macro_avg);

    // Same source, with `digits=4` and target_names ["a", "b", "c"].
    let expected = "              precision    recall  f1-score   support\n\
                    \n           a     0.3333    1.0000    0.5000         1\
                    \n           b     0.0000    0.0000    0.0000         1\
                    \n           c     1.0000    0.5000    0.6667         2\n\
                    \n    accuracy                         0.5000         4\
                    \n   macro avg     0.4444    0.5000    0.3889         4\
                    \nweighted avg     0.5833    0.5000    0.4583         4\n";
    let report = ClassificationReport::new(
        UNPREDICTED_CLASS.y_true,
        UNPREDICTED_CLASS.y_pred,
        &["a", "b", "c"],
    )
    .unwrap();
    assert_eq!(format!("{report:.4}"), expected);

    // Same source, a class name longer than "weighted avg" widens the first column.
    let expected = "                        precision    recall  f1-score   support\n\
                    \n                     a       0.33      1.00      0.50         1\
                    \n                     b       0.00      0.00      0.00         1\
                    \na-very-long-class-name       1.00      0.50      0.67         2\n\
                    \n              accuracy                           0.50         4\
                    \n             macro avg       0.44      0.50      0.39         4\
                    \n          weighted avg       0.58      0.50      0.46         4\n";
    let report = ClassificationReport::new(
        UNPREDICTED_CLASS.y_true,
        UNPREDICTED_CLASS.y_pred,
        &["a", "b", "a-very-long-class-name"],
    )
    .unwrap();
    assert_eq!(report.to_string(), expected);
}

// ---- defined behaviour on bad input (ours, not sklearn's) -------------------------------------

#[test]
fn empty_inputs_are_errors() {
    let none: [usize; 0] = [];
    let too_few = |e| matches!(e, Err(MetricError::TooFewSamples { found: 0, .. }));
    assert!(too_few(accuracy(&none, &none)));
    assert!(too_few(ConfusionMatrix::new(&none, &none, 3).map(|_| 0.0)));
    assert!(too_few(
        ClassificationReport::new(&none, &none, &["a"]).map(|_| 0.0)
    ));
    assert!(too_few(roc_auc::<f64>(&[], &[])));
    assert!(too_few(mse::<f64>(&[], &[])));
    assert!(too_few(mae::<f64>(&[], &[])));
    assert!(too_few(r2::<f64>(&[], &[])));
    // R² needs two samples (sklearn returns NaN for one).
    assert!(matches!(
        r2(&[1.0], &[1.0]),
        Err(MetricError::TooFewSamples {
            needed: 2,
            found: 1,
            ..
        })
    ));
}

#[test]
fn length_mismatch_is_an_error() {
    let mismatch = |e: Result<f64, MetricError>| {
        matches!(
            e,
            Err(MetricError::LengthMismatch {
                left_len: 2,
                right_len: 1,
                ..
            })
        )
    };
    assert!(mismatch(accuracy(&[0, 1], &[0])));
    assert!(mismatch(
        ConfusionMatrix::new(&[0, 1], &[0], 2).map(|cm| cm.accuracy())
    ));
    assert!(mismatch(roc_auc(&[true, false], &[0.5])));
    assert!(mismatch(mse(&[1.0, 2.0], &[1.0])));
    assert!(mismatch(mae(&[1.0, 2.0], &[1.0])));
    assert!(mismatch(r2(&[1.0, 2.0], &[1.0])));
}

#[test]
fn out_of_range_classes_are_errors() {
    let err = ConfusionMatrix::new(&[0, 1], &[0, 3], 3).unwrap_err();
    assert_eq!(
        err,
        MetricError::ClassOutOfRange {
            input: "y_pred",
            index: 1,
            value: 3,
            num_classes: 3
        }
    );
    assert_eq!(
        err.to_string(),
        "y_pred[1] = 3 is not a class index below 3"
    );
    assert!(ClassificationReport::new(&[2], &[0], &["a", "b"]).is_err());
}

#[test]
fn non_finite_values_are_errors() {
    let err = mse(&[1.0, 2.0], &[1.0, f64::NAN]).unwrap_err();
    assert!(matches!(
        err,
        MetricError::NotFinite {
            input: "y_pred",
            index: 1,
            ..
        }
    ));
    assert!(r2(&[f32::INFINITY, 1.0], &[1.0, 1.0]).is_err());
    assert!(roc_auc(&[true, false], &[f32::NAN, 0.0]).is_err());
}

#[test]
fn roc_with_one_class_is_an_error() {
    assert_eq!(
        roc_auc(&[true, true], &[0.1, 0.2]),
        Err(MetricError::OneClass { positive: true })
    );
    assert_eq!(
        roc_curve(&[false], &[0.1]),
        Err(MetricError::OneClass { positive: false })
    );
}

#[test]
fn confusion_matrix_accessors() {
    let cm = ConfusionMatrix::new(&[0, 1, 1], &[1, 1, 0], 2).unwrap();
    assert_eq!(cm.num_classes(), 2);
    assert_eq!(cm.count(0, 1), 1);
    assert_eq!(cm.count(5, 0), 0);
    assert_eq!(cm.rows().collect::<Vec<_>>(), [&[0, 1][..], &[1, 1][..]]);
    assert_eq!(cm.correct(), 1);
    assert_eq!(cm.predicted(1), 2);
    // Class 0 is never predicted correctly: precision, recall and F1 are 0, not NaN.
    assert_eq!((cm.precision(0), cm.recall(0), cm.f1(0)), (0.0, 0.0, 0.0));
    let names_err = ClassificationReport::from_confusion_matrix(&cm, &["only one"]);
    assert_eq!(
        names_err,
        Err(MetricError::NameCount {
            names: 1,
            num_classes: 2
        })
    );
}
