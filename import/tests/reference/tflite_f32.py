"""TensorFlow Lite's outputs for the shared f32 models on fixed inputs, for tests/f32_reference.rs.

Run from anywhere with TensorFlow installed (not part of the test command):

    python3 import/tests/reference/tflite_f32.py

It runs TensorFlow's interpreter with the reference op resolver (BUILTIN_REF, the portable
kernels) on three inputs per model and writes f32_outputs.json next to this script. The inputs
are integer arithmetic the Rust test repeats exactly: element i of sample s is
((i * 7919 + s * 104729 + 17) % 2001) / 1000 - 1, rounded to f32.
"""
import json
import os

import numpy as np
import tensorflow as tf

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.path.join(HERE, "..", "..", "..", "..", "shared", "models", "mlperf-tiny")
MODELS = ["ad01_fp32.tflite", "pretrainedResnet.tflite", "vww_96_float.tflite"]
SAMPLES = 3


def sample(shape, s):
    n = int(np.prod(shape))
    i = np.arange(n, dtype=np.int64)
    v = ((i * 7919 + s * 104729 + 17) % 2001).astype(np.float64) / 1000.0 - 1.0
    return v.astype(np.float32).reshape(shape)


def main():
    out = {"tensorflow": tf.__version__, "models": {}}
    for name in MODELS:
        it = tf.lite.Interpreter(
            model_path=os.path.join(SHARED, name),
            experimental_op_resolver_type=tf.lite.experimental.OpResolverType.BUILTIN_REF,
        )
        it.allocate_tensors()
        inp = it.get_input_details()[0]
        outp = it.get_output_details()[0]
        outputs = []
        for s in range(SAMPLES):
            it.set_tensor(inp["index"], sample(inp["shape"], s))
            it.invoke()
            outputs.append([float(v) for v in it.get_tensor(outp["index"]).reshape(-1)])
        out["models"][name] = outputs
    with open(os.path.join(HERE, "f32_outputs.json"), "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
