#!/usr/bin/env python3
"""Keras reference outputs for embednn's recurrent layers (GRU, LSTM, Embedding).

Builds Keras `GRU` and `LSTM` (both `return_sequences=False` and `True`, default activations,
`reset_after=True` for the GRU) and `Embedding` with fixed weights drawn from a seeded NumPy
generator, runs fixed inputs through them and writes one JSON file per case to
tests/reference/recurrent/. tests/recurrent_keras.rs loads the weights into the Rust layers,
runs the same inputs and compares.

Run by hand (not part of the test command):

    pip install tensorflow-cpu numpy
    python3 scripts/recurrent_reference.py

Every array is written flattened in row-major order, the order Keras' `get_weights()` arrays
have and embednn's fields store.
"""

import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# The reference should not depend on oneDNN's reassociated sums.
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from tensorflow import keras  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "reference", "recurrent")


def floats(a):
    return [float(v) for v in np.asarray(a, dtype=np.float32).reshape(-1)]


def recurrent_case(name, kind, steps, channels, units, batch, seed, scale):
    rng = np.random.default_rng(seed)
    gates = 4 if kind == "LSTM" else 3
    kernel = rng.uniform(-scale, scale, (channels, gates * units)).astype(np.float32)
    recurrent = rng.uniform(-scale, scale, (units, gates * units)).astype(np.float32)
    bias_shape = (gates * units,) if kind == "LSTM" else (2, gates * units)
    bias = rng.uniform(-0.5, 0.5, bias_shape).astype(np.float32)
    x = rng.uniform(-2.0, 2.0, (batch, steps, channels)).astype(np.float32)
    outputs = {}
    for sequences in (False, True):
        if kind == "LSTM":
            layer = keras.layers.LSTM(units, return_sequences=sequences)
        else:
            layer = keras.layers.GRU(units, return_sequences=sequences, reset_after=True)
        layer.build((None, steps, channels))
        layer.set_weights([kernel, recurrent, bias])
        y = layer(tf.constant(x)).numpy()
        outputs["sequences" if sequences else "last"] = [floats(row) for row in y]
    return {
        "name": name,
        "kind": kind,
        "steps": steps,
        "channels": channels,
        "units": units,
        "kernel": floats(kernel),
        "recurrent_kernel": floats(recurrent),
        "bias": floats(bias),
        "inputs": [floats(row) for row in x],
        "last": outputs["last"],
        "sequences": outputs["sequences"],
    }


def embedding_case(seed):
    rng = np.random.default_rng(seed)
    vocabulary, dim, length = 12, 5, 7
    table = rng.uniform(-1.0, 1.0, (vocabulary, dim)).astype(np.float32)
    ids = rng.integers(0, vocabulary, (4, length)).astype(np.int32)
    layer = keras.layers.Embedding(vocabulary, dim)
    layer.build((None, length))
    layer.set_weights([table])
    y = layer(tf.constant(ids)).numpy()
    return {
        "name": "embedding",
        "vocabulary": vocabulary,
        "dim": dim,
        "length": length,
        "embeddings": floats(table),
        "ids": [[int(v) for v in row] for row in ids],
        "outputs": [floats(row) for row in y],
    }


def main():
    os.makedirs(OUT, exist_ok=True)
    cases = [
        recurrent_case("gru", "GRU", steps=6, channels=3, units=4, batch=4, seed=1, scale=0.6),
        recurrent_case("lstm", "LSTM", steps=6, channels=3, units=4, batch=4, seed=2, scale=0.6),
        # Longer sequence, wider weights: the gates saturate on some steps.
        recurrent_case("gru_long", "GRU", steps=20, channels=5, units=8, batch=3, seed=3, scale=1.0),
        recurrent_case("lstm_long", "LSTM", steps=20, channels=5, units=8, batch=3, seed=4, scale=1.0),
        embedding_case(seed=5),
    ]
    for case in cases:
        case["keras"] = keras.__version__
        case["tensorflow"] = tf.__version__
        path = os.path.join(OUT, case["name"] + ".json")
        with open(path, "w") as f:
            json.dump(case, f, indent=None, separators=(",", ":"))
            f.write("\n")
        print("wrote", os.path.relpath(path), file=sys.stderr)


if __name__ == "__main__":
    main()
