"""TensorFlow Lite's int8 ADD on real data, for tests/add_reference.rs.

Runs the MLPerf Tiny ResNet-8 int8 model (../shared/models/mlperf-tiny/pretrainedResnet_quant.tflite)
in TensorFlow's interpreter with the reference op resolver (BUILTIN_REF) keeping every tensor,
on one fixed int8 input (element i is (i * 7919 + 17) % 256 - 128), and writes, for each of
its three residual ADDs, both int8 inputs, the int8 output, their scales and zero points and
the fused activation to add_int8.json. Not part of the test command:

    python3 import/tests/reference/tflite_add_int8.py
"""
import json
import os

import numpy as np
import tensorflow as tf
from tensorflow.lite.python import schema_py_generated as schema

HERE = os.path.dirname(os.path.abspath(__file__))
MODEL = os.path.join(HERE, "..", "..", "..", "..", "shared", "models", "mlperf-tiny",
                     "pretrainedResnet_quant.tflite")
ACTIVATIONS = {0: "NONE", 1: "RELU", 3: "RELU6"}


def main():
    with open(MODEL, "rb") as f:
        buf = f.read()
    model = schema.Model.GetRootAsModel(buf, 0)
    graph = model.Subgraphs(0)
    it = tf.lite.Interpreter(
        model_path=MODEL,
        experimental_op_resolver_type=tf.lite.experimental.OpResolverType.BUILTIN_REF,
        experimental_preserve_all_tensors=True,
    )
    it.allocate_tensors()
    inp = it.get_input_details()[0]
    n = int(np.prod(inp["shape"]))
    x = (((np.arange(n, dtype=np.int64) * 7919 + 17) % 256) - 128).astype(np.int8)
    it.set_tensor(inp["index"], x.reshape(inp["shape"]))
    it.invoke()
    details = {t["index"]: t for t in it.get_tensor_details()}
    adds = []
    for i in range(graph.OperatorsLength()):
        op = graph.Operators(i)
        code = model.OperatorCodes(op.OpcodeIndex())
        if max(code.BuiltinCode(), code.DeprecatedBuiltinCode()) != schema.BuiltinOperator.ADD:
            continue
        options = schema.AddOptions()
        table = op.BuiltinOptions()
        options.Init(table.Bytes, table.Pos)
        tensors = [op.Inputs(0), op.Inputs(1), op.Outputs(0)]

        def record(t):
            scale, zero_point = details[t]["quantization"]
            return {
                "scale": float(scale),
                "zero_point": int(zero_point),
                "values": it.get_tensor(t).astype(np.int8).reshape(-1).tobytes().hex(),
            }

        adds.append({
            "op": i,
            "activation": ACTIVATIONS[options.FusedActivationFunction()],
            "input1": record(tensors[0]),
            "input2": record(tensors[1]),
            "output": record(tensors[2]),
        })
    with open(os.path.join(HERE, "add_int8.json"), "w") as f:
        json.dump({"tensorflow": tf.__version__, "adds": adds}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
