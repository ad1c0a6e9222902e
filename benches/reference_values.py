#!/usr/bin/env python3
"""Print scikit-learn reference values for the metrics embednn must match.

The fixed input vectors are defined below and echoed in the output, so Rust
tests can copy both the inputs and the expected values. The output is JSON
(floats at full double precision). Conventions are sklearn's:

- confusion_matrix[i][j] counts samples whose true label is i and whose
  predicted label is j (rows are true, columns are predicted).
- precision/recall/F1 of a class with no predicted (or no true) samples is 0
  (zero_division=0). Macro averages the per-class values, unweighted.
- roc_auc: the area under the trapezoidal ROC curve. Tied scores form one
  diagonal segment, so each positive/negative pair with equal scores counts
  1/2, as in the Mann-Whitney U statistic.
- r2: 1 - SS_res/SS_tot. If y_true is constant (SS_tot == 0), sklearn returns
  1.0 for a perfect prediction and 0.0 otherwise (force_finite=True).

Usage: python3 benches/reference_values.py [--compact]
"""

import argparse
import json
import math

import numpy as np
import sklearn
from sklearn import metrics

# ---- fixed vectors -----------------------------------------------------------

# Multi-class, 3 classes, 12 samples (class support 5/4/3). The values were
# chosen so that all nine per-class P/R/F1 values differ, macro P != macro R,
# and macro F1 (the mean of the per-class F1s) != the harmonic mean of macro P
# and macro R.
MC_Y_TRUE = [0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2]
MC_Y_PRED = [0, 0, 0, 1, 0, 0, 2, 0, 1, 2, 2, 2]

# Edge case: class 1 is never predicted, so its precision is 0/0 -> 0.
MC_EDGE_Y_TRUE = [0, 1, 2, 2]
MC_EDGE_Y_PRED = [0, 0, 0, 2]

# Binary ROC AUC with ties: 0.4 appears for two negatives and one positive,
# and 0.7 appears for one negative and one positive.
BIN_Y_TRUE = [0, 0, 1, 1, 0, 1, 0, 1, 1, 0]
BIN_SCORES = [0.1, 0.4, 0.35, 0.8, 0.4, 0.7, 0.2, 0.4, 0.9, 0.7]

# Edge case: every score is the same, so AUC = 0.5.
BIN_ALL_TIED_Y_TRUE = [0, 1, 0, 1]
BIN_ALL_TIED_SCORES = [0.5, 0.5, 0.5, 0.5]

# Regression.
REG_Y_TRUE = [3.0, -0.5, 2.0, 7.0, 4.2, 0.0]
REG_Y_PRED = [2.5, 0.0, 2.0, 8.0, 3.9, -0.3]

# Edge case: y_true is constant (SS_tot = 0).
REG_CONST_Y_TRUE = [2.0, 2.0, 2.0]
REG_CONST_Y_PRED = [1.0, 2.0, 3.0]


def f(x):
    """Convert to a plain Python float. JSON cannot hold inf, so it becomes a string."""
    x = float(x)
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return x


def floats(a):
    return [f(v) for v in np.asarray(a).ravel()]


def classification(y_true, y_pred, labels):
    p, r, f1, support = metrics.precision_recall_fscore_support(
        y_true, y_pred, labels=labels, average=None, zero_division=0)
    out = {
        "y_true": y_true,
        "y_pred": y_pred,
        "labels": labels,
        "accuracy": f(metrics.accuracy_score(y_true, y_pred)),
        "confusion_matrix": metrics.confusion_matrix(y_true, y_pred, labels=labels).tolist(),
        "per_class": {
            "precision": floats(p),
            "recall": floats(r),
            "f1": floats(f1),
            "support": [int(s) for s in support],
        },
    }
    for avg in ("macro", "micro", "weighted"):
        pa, ra, fa, _ = metrics.precision_recall_fscore_support(
            y_true, y_pred, labels=labels, average=avg, zero_division=0)
        out[avg] = {"precision": f(pa), "recall": f(ra), "f1": f(fa)}
    return out


def roc(y_true, scores):
    fpr, tpr, thr = metrics.roc_curve(y_true, scores, drop_intermediate=False)
    return {
        "y_true": y_true,
        "scores": scores,
        "roc_auc": f(metrics.roc_auc_score(y_true, scores)),
        "roc_curve_drop_intermediate_false": {
            "fpr": floats(fpr), "tpr": floats(tpr), "thresholds": floats(thr),
        },
    }


def regression(y_true, y_pred):
    return {
        "y_true": y_true,
        "y_pred": y_pred,
        "mse": f(metrics.mean_squared_error(y_true, y_pred)),
        "mae": f(metrics.mean_absolute_error(y_true, y_pred)),
        "r2": f(metrics.r2_score(y_true, y_pred)),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--compact", action="store_true", help="print on one line")
    args = ap.parse_args()
    out = {
        "sklearn_version": sklearn.__version__,
        "numpy_version": np.__version__,
        "conventions": {
            "confusion_matrix": "rows = true label, columns = predicted label",
            "zero_division": 0,
            "roc_thresholds": "sklearn puts 'inf' first; points are in order of decreasing threshold",
            "r2_constant_y_true": "1.0 if the prediction is perfect, else 0.0 (force_finite=True)",
        },
        "multiclass": classification(MC_Y_TRUE, MC_Y_PRED, [0, 1, 2]),
        "multiclass_unpredicted_class": classification(MC_EDGE_Y_TRUE, MC_EDGE_Y_PRED, [0, 1, 2]),
        "binary_roc": roc(BIN_Y_TRUE, BIN_SCORES),
        "binary_roc_all_tied": roc(BIN_ALL_TIED_Y_TRUE, BIN_ALL_TIED_SCORES),
        "regression": regression(REG_Y_TRUE, REG_Y_PRED),
        "regression_constant_y_true": regression(REG_CONST_Y_TRUE, REG_CONST_Y_PRED),
    }
    print(json.dumps(out, allow_nan=False, indent=None if args.compact else 1))


if __name__ == "__main__":
    main()
