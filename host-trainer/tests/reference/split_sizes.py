# Reference for host-trainer/tests/data.rs `split_sizes_are_scikit_learns`: the test-part sizes
# (and per-class sizes, stratified) of scikit-learn's train_test_split. Run: python3 split_sizes.py
# (needs numpy and scikit-learn; printed with scikit-learn 1.9.1).
import numpy as np
from sklearn.model_selection import train_test_split
cases = [
    ("breast cancer", [212, 357], 0.25),
    ("iris", [50, 50, 50], 0.2),
    ("digits", [178,182,177,183,181,182,181,179,174,180], 0.2),
    ("uneven", [7, 13, 29, 2], 0.3),
    ("wine", [59, 71, 48], 0.25),
    ("small", [3, 4], 0.5),
]
for name, counts, t in cases:
    y = np.concatenate([np.full(c, k) for k, c in enumerate(counts)])
    idx = np.arange(len(y))
    tr, te = train_test_split(idx, test_size=t, stratify=y, random_state=0)
    per = [int((y[te] == k).sum()) for k in range(len(counts))]
    tr2, te2 = train_test_split(idx, test_size=t, random_state=0)
    print(name, counts, t, "test", len(te), "per class", per, "unstratified test", len(te2))
