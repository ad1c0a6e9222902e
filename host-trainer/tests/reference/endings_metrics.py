"""Reference values for host-trainer/tests/endings.rs: scikit-learn's classification metrics on
fixed model outputs, once as probabilities (a Sigmoid or Softmax ending) and once as the logits
that give them. Run `python3 host-trainer/tests/reference/endings_metrics.py` and paste.
"""
import numpy as np
from sklearn.metrics import accuracy_score, f1_score, precision_score, recall_score, roc_auc_score

rng = np.random.default_rng(7)
n = 24
# Binary: a probability per sample, f32 like the model's, and its logit.
p = rng.uniform(0.02, 0.98, n).astype(np.float32)
y = (rng.uniform(0, 1, n) < p * 0.8 + 0.1).astype(int)
z = np.log(p / (1 - p)).astype(np.float32)
pred = (p > 0.5).astype(int)
print("// binary")
print("const P: [f32; %d] = [%s];" % (n, ", ".join(str(np.float32(v)) for v in p)))
print("const Z: [f32; %d] = [%s];" % (n, ", ".join(str(np.float32(v)) for v in z)))
print("const Y: [u8; %d] = [%s];" % (n, ", ".join(str(v) for v in y)))
print("const BINARY: [f64; 5] = [%r, %r, %r, %r, %r];" % (
    accuracy_score(y, pred), precision_score(y, pred), recall_score(y, pred), f1_score(y, pred),
    roc_auc_score(y, p)))
# Three classes: softmax rows and log-probabilities as logits.
logits = rng.normal(0, 1.5, (n, 3)).astype(np.float32)
e = np.exp(logits - logits.max(axis=1, keepdims=True))
probs = (e / e.sum(axis=1, keepdims=True)).astype(np.float32)
c = np.array([rng.choice(3, p=row / row.sum()) for row in probs.astype(np.float64)])
pc = probs.argmax(axis=1)
print("// three classes")
print("const LOGITS: [[f32; 3]; %d] = [%s];" % (n, ", ".join("[%s]" % ", ".join(str(np.float32(v)) for v in r) for r in logits)))
print("const PROBS: [[f32; 3]; %d] = [%s];" % (n, ", ".join("[%s]" % ", ".join(str(np.float32(v)) for v in r) for r in probs)))
print("const CLASSES: [usize; %d] = [%s];" % (n, ", ".join(str(v) for v in c)))
print("const MULTI: [f64; 5] = [%r, %r, %r, %r, %r];" % (
    accuracy_score(c, pc), precision_score(c, pc, average="macro"),
    recall_score(c, pc, average="macro"), f1_score(c, pc, average="macro"),
    roc_auc_score(c, probs.astype(np.float64), multi_class="ovr", average="macro")))
