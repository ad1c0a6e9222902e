#!/usr/bin/env python3
"""TensorFlow Lite int8 reference cases for embednn's int8 kernels.

For every case this script builds a tiny Keras model with fixed random float
weights, converts it with TFLiteConverter full-integer post-training
quantization (representative dataset of 100 random samples, int8 input and
output), runs it with tf.lite.Interpreter using the *reference* op resolver
(BUILTIN_REF) and experimental_preserve_all_tensors=True, and writes the
quantized input, weights, bias, output and quantization parameters of the op
under test to tests/reference/int8/<case>.json. The schema is described in
tests/reference/int8/README.md.

Before writing anything it recomputes every op's output in numpy with
TFLite's integer arithmetic (accumulate (x - input_zp) * w + bias,
MultiplyByQuantizedMultiplier with TFLite's double rounding, add the output
zero point, clamp to the fused activation's range; integer average pooling
with round-half-away-from-zero; float32 quantize/dequantize) and asserts that
it equals the interpreter's output, sample by sample. A mismatch aborts the
script before any file is written.

TF 2.21's reference FULLY_CONNECTED requantizes in double instead of with the
fixed-point multiplier. The FC files therefore hold only samples on which
both ways agree (asserted); tests/reference/int8/fully_connected_requantization/
holds FC samples on which they differ, documented in
tests/reference/int8/README.md.

Run by hand, from the repository root, not from the test suite:

    pip install tensorflow-cpu numpy
    python3 scripts/int8_reference.py

It is deterministic: every random draw comes from a numpy Generator with a
fixed seed per case, and the converter's calibration is deterministic.
"""

import contextlib
import io
import json
import math
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

import warnings  # noqa: E402

warnings.filterwarnings("ignore")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import keras  # noqa: E402
from tensorflow.lite.python import schema_py_generated as schema  # noqa: E402
from tensorflow.lite.tools import flatbuffer_utils  # noqa: E402

TF_VERSION = tf.__version__
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_DIR = os.path.join(REPO, "tests", "reference", "int8")

N_REPRESENTATIVE = 100
INT32_MIN = -(2**31)
INT32_MAX = 2**31 - 1

BUILTIN_NAMES = {
    v: k for k, v in vars(schema.BuiltinOperator).items() if not k.startswith("_")
}
PADDING = {schema.Padding.SAME: "SAME", schema.Padding.VALID: "VALID"}
ACTIVATION = {
    schema.ActivationFunctionType.NONE: "NONE",
    schema.ActivationFunctionType.RELU: "RELU",
    schema.ActivationFunctionType.RELU_N1_TO_1: "RELU_N1_TO_1",
    schema.ActivationFunctionType.RELU6: "RELU6",
}


# --------------------------------------------------------------------------
# TFLite's fixed-point helpers, transcribed from
# tensorflow/lite/kernels/internal/quantization_util.cc and common.h.
# --------------------------------------------------------------------------


def tflite_round(x):
    """TfLiteRound = std::round: half away from zero (x: Python float)."""
    return math.copysign(math.floor(abs(x) + 0.5), x)


def quantize_multiplier(real):
    """QuantizeMultiplier(double): real = m * 2^(shift - 31), m in [2^30, 2^31).

    shift > 0 means a left shift, shift < 0 a right shift (TFLite's
    convention for output_shift / per_channel_shift).
    """
    if real == 0.0:
        return 0, 0
    q, shift = math.frexp(real)  # real = q * 2^shift, q in [0.5, 1)
    q_fixed = int(tflite_round(q * float(1 << 31)))  # q * 2^31 is exact
    assert q_fixed <= (1 << 31)
    if q_fixed == (1 << 31):  # q rounded up to 1.0
        q_fixed //= 2
        shift += 1
    assert q_fixed <= INT32_MAX
    if shift < -31:  # everything would be shifted out: flush to zero
        shift = 0
        q_fixed = 0
    return q_fixed, shift


def effective_scale_double(input_scale, filter_scale, output_scale):
    """Conv, DepthwiseConv, per-channel FC:
    double(input_scale) * double(filter_scale) / double(output_scale)."""
    return float(input_scale) * float(filter_scale) / float(output_scale)


def effective_scale_float_product(input_scale, filter_scale, output_scale):
    """Per-tensor FullyConnected's Prepare (GetQuantizedConvolutionMultipler):
    static_cast<double>(input_scale * filter_scale) / double(output_scale),
    i.e. the product of the two scales is rounded to float32 first."""
    prod = np.float32(input_scale) * np.float32(filter_scale)
    return float(prod) / float(output_scale)


def is_per_tensor_fc(rec):
    return rec["op"] == "FULLY_CONNECTED" and len(rec["filter"]["scales"]) == 1


def multipliers(rec, other_product=False):
    """The (multipliers, shifts) TFLite's Prepare computes for this op, or
    with other_product=True the ones the other way of multiplying the scales
    would give (a plausible mistake the discriminating samples catch)."""
    float_product = is_per_tensor_fc(rec) != other_product
    f = effective_scale_float_product if float_product else effective_scale_double
    pairs = [
        quantize_multiplier(f(rec["input"]["scale"], s, rec["output"]["scale"]))
        for s in rec["filter"]["scales"]
    ]
    return [p[0] for p in pairs], [p[1] for p in pairs]


def saturating_rounding_doubling_high_mul(a, b):
    """gemmlowp SaturatingRoundingDoublingHighMul on int64 arrays of int32s."""
    a = np.asarray(a, np.int64)
    b = np.int64(b)
    ab = a * b
    nudge = np.where(ab >= 0, np.int64(1 << 30), np.int64(1 - (1 << 30)))
    s = ab + nudge
    # C++ integer division truncates toward zero.
    q = np.where(s >= 0, s // (1 << 31), -((-s) // (1 << 31)))
    overflow = (a == INT32_MIN) & (b == INT32_MIN)
    return np.where(overflow, np.int64(INT32_MAX), q)


def rounding_divide_by_pot(x, exponent):
    """gemmlowp RoundingDivideByPOT: round half away from zero."""
    x = np.asarray(x, np.int64)
    mask = (1 << exponent) - 1
    remainder = x & mask
    threshold = (mask >> 1) + np.where(x < 0, 1, 0)
    return (x >> exponent) + np.where(remainder > threshold, 1, 0)


def multiply_by_quantized_multiplier(x, multiplier, shift):
    """MultiplyByQuantizedMultiplier of the default (not TFLITE_SINGLE_ROUNDING)
    build: left shift, rounding doubling high mul, rounding right shift. Two
    roundings: the high mul rounds to nearest (ties up), the right shift
    rounds half away from zero."""
    left = shift if shift > 0 else 0
    right = -shift if shift < 0 else 0
    x = np.asarray(x, np.int64) * (1 << left)
    # The C++ multiplies in int32; make sure nothing here would overflow.
    assert np.all((x >= INT32_MIN) & (x <= INT32_MAX))
    return rounding_divide_by_pot(saturating_rounding_doubling_high_mul(x, multiplier), right)


def multiply_by_quantized_multiplier_single_rounding(x, multiplier, shift):
    """The TFLITE_SINGLE_ROUNDING variant (not the default build; used only to
    show that the checks tell the two apart): (x * m + 2^(30-shift)) >> (31-shift)."""
    total_shift = 31 - shift
    x = np.asarray(x, np.int64) * np.int64(multiplier) + (np.int64(1) << (total_shift - 1))
    return x >> total_shift


def round_half_away(v):
    """std::round on an array of doubles."""
    v = np.asarray(v, np.float64)
    a = np.abs(v)
    f = np.floor(a)
    r = f + (a - f >= 0.5)  # a - f is exact
    return np.where(v < 0, -r, r).astype(np.int64)


# How an int32 accumulator becomes an int8 output, before the zero point and
# the clamp. "fixed" is TFLite's fixed-point path, MultiplyByQuantizedMultiplier
# with the multiplier and shift Prepare computes (the reference CONV_2D and
# DEPTHWISE_CONV_2D, and TFLite Micro's kernels). "double" is what the
# reference FULLY_CONNECTED of this TF version does instead:
# (int32)std::round(double(acc) * (double(in_scale) * double(filter_scale[c])
# / double(out_scale))), no fixed-point multiplier at all. The other two are
# plausible mistakes that the discriminating samples tell apart from "fixed".
ARITHMETICS = ("fixed", "double", "fixed_other_product", "fixed_single_rounding")


def reference_arithmetic(op):
    """The arithmetic of TFLite's reference kernel (BUILTIN_REF) for `op`."""
    return "double" if op == "FULLY_CONNECTED" else "fixed"


def requantize_channel(rec, acc, c, arithmetic):
    """acc (int64 array, bias included) of output channel c -> int8."""
    acc = np.asarray(acc, np.int64)
    k = c if len(rec["filter"]["scales"]) > 1 else 0
    if arithmetic == "double":
        eff = effective_scale_double(rec["input"]["scale"], rec["filter"]["scales"][k], rec["output"]["scale"])
        out = round_half_away(acc.astype(np.float64) * eff)
    else:
        if arithmetic == "fixed_other_product":
            mults, shifts = multipliers(rec, other_product=True)
        else:
            mults, shifts = rec["tflite_multiplier"], rec["tflite_shift"]
        if arithmetic == "fixed_single_rounding":
            out = multiply_by_quantized_multiplier_single_rounding(acc, mults[k], shifts[k])
        else:
            assert arithmetic in ("fixed", "fixed_other_product"), arithmetic
            out = multiply_by_quantized_multiplier(acc, mults[k], shifts[k])
    act = activation_range(rec["options"]["fused_activation"], rec["output"]["scale"], rec["output"]["zero_point"])
    return np.clip(out + rec["output"]["zero_point"], act[0], act[1]).astype(np.int8)


def requantize(rec, acc, arithmetic):
    """acc[..., c] (int64, bias included) -> int8 output of channel c."""
    acc = np.asarray(acc, np.int64)
    out = np.empty(acc.shape, np.int8)
    for c in range(acc.shape[-1]):
        out[..., c] = requantize_channel(rec, acc[..., c], c, arithmetic)
    return out


def activation_range(activation, scale, zero_point):
    """CalculateActivationRangeQuantized for int8 output:
    quantize(f) = zero_point + (int32)TfLiteRound(f / scale), float32 division."""

    def q(f):
        return zero_point + int(tflite_round(float(np.float32(f) / np.float32(scale))))

    lo, hi = -128, 127
    if activation == "RELU":
        return max(lo, q(0.0)), hi
    if activation == "RELU6":
        return max(lo, q(0.0)), min(hi, q(6.0))
    if activation == "RELU_N1_TO_1":
        return max(lo, q(-1.0)), min(hi, q(1.0))
    return lo, hi


def same_padding(in_size, filter_size, stride):
    """(output size, padding before) as TFLite's ComputePaddingHeightWidth."""
    out = (in_size + stride - 1) // stride
    total = max((out - 1) * stride + filter_size - in_size, 0)
    return out, total // 2


def spatial(in_h, in_w, fh, fw, sh, sw, padding):
    if padding == "SAME":
        out_h, pad_t = same_padding(in_h, fh, sh)
        out_w, pad_l = same_padding(in_w, fw, sw)
    else:
        out_h, pad_t = (in_h - fh) // sh + 1, 0
        out_w, pad_l = (in_w - fw) // sw + 1, 0
    return out_h, out_w, pad_t, pad_l


# --------------------------------------------------------------------------
# Numpy re-implementations of the reference int8 kernels, used to check the
# interpreter's outputs (and so the recorded parameters) bit for bit.
# --------------------------------------------------------------------------


def acc_fully_connected(rec, x):
    w = np.array(rec["filter"]["data"], np.int64).reshape(rec["filter"]["shape"])
    b = np.array(rec["bias"]["data"], np.int64)
    x = np.array(x, np.int64).reshape(-1, w.shape[1]) - rec["input"]["zero_point"]
    return x @ w.T + b


def _padded_input(rec, x, fh, fw):
    n, h, w, c = rec["input"]["shape"]
    o = rec["options"]
    out_h, out_w, pad_t, pad_l = spatial(h, w, fh, fw, o["stride_h"], o["stride_w"], o["padding"])
    x = np.array(x, np.int64).reshape(h, w, c) - rec["input"]["zero_point"]
    # Taps outside the image are skipped by TFLite; a zero (x - zp) is the same.
    big = np.zeros((pad_t + h + fh + o["stride_h"] * out_h, pad_l + w + fw + o["stride_w"] * out_w, c), np.int64)
    big[pad_t : pad_t + h, pad_l : pad_l + w] = x
    return big, out_h, out_w


def acc_conv_2d(rec, x):
    o_, fh, fw, i_ = rec["filter"]["shape"]
    w = np.array(rec["filter"]["data"], np.int64).reshape(o_, fh, fw, i_)
    b = np.array(rec["bias"]["data"], np.int64)
    big, out_h, out_w = _padded_input(rec, x, fh, fw)
    sh, sw = rec["options"]["stride_h"], rec["options"]["stride_w"]
    acc = np.zeros((out_h, out_w, o_), np.int64)
    for oy in range(out_h):
        for ox in range(out_w):
            patch = big[oy * sh : oy * sh + fh, ox * sw : ox * sw + fw, :]
            acc[oy, ox] = np.einsum("hwi,ohwi->o", patch, w)
    return acc + b


def acc_depthwise_conv_2d(rec, x):
    _, fh, fw, oc = rec["filter"]["shape"]
    m = rec["options"]["depth_multiplier"]
    w = np.array(rec["filter"]["data"], np.int64).reshape(fh, fw, oc)
    b = np.array(rec["bias"]["data"], np.int64)
    big, out_h, out_w = _padded_input(rec, x, fh, fw)
    big = np.repeat(big, m, axis=2)  # output channel ic * m + j reads input channel ic
    sh, sw = rec["options"]["stride_h"], rec["options"]["stride_w"]
    acc = np.zeros((out_h, out_w, oc), np.int64)
    for oy in range(out_h):
        for ox in range(out_w):
            patch = big[oy * sh : oy * sh + fh, ox * sw : ox * sw + fw, :]
            acc[oy, ox] = (patch * w).sum(axis=(0, 1))
    return acc + b


ACCUMULATE = {
    "FULLY_CONNECTED": acc_fully_connected,
    "CONV_2D": acc_conv_2d,
    "DEPTHWISE_CONV_2D": acc_depthwise_conv_2d,
}


def _pool(rec, x, reduce):
    n, h, w, c = rec["input"]["shape"]
    o = rec["options"]
    fh, fw, sh, sw = o["filter_h"], o["filter_w"], o["stride_h"], o["stride_w"]
    out_h, out_w, pad_t, pad_l = spatial(h, w, fh, fw, sh, sw, o["padding"])
    x = np.array(x, np.int64).reshape(h, w, c)
    act = activation_range(o["fused_activation"], rec["output"]["scale"], rec["output"]["zero_point"])
    out = np.zeros((out_h, out_w, c), np.int64)
    for oy in range(out_h):
        for ox in range(out_w):
            y0, x0 = oy * sh - pad_t, ox * sw - pad_l
            ys, ye = max(y0, 0), min(y0 + fh, h)
            xs, xe = max(x0, 0), min(x0 + fw, w)
            out[oy, ox] = reduce(x[ys:ye, xs:xe, :].reshape(-1, c))
    return np.clip(out, act[0], act[1]).astype(np.int8)


def _average(taps):
    """Raw int8 values summed (no zero point), divided by the count of valid
    taps, rounded half away from zero with C's truncating division."""
    acc = taps.sum(axis=0)
    n = taps.shape[0]
    pos = (acc + n // 2) // n
    neg = -((-(acc - n // 2)) // n)  # (acc - n/2) / n truncated toward zero
    return np.where(acc > 0, pos, neg)


def _round_div(acc, n):
    """TFLite's average: (acc +- n/2) / n with C's truncating division."""
    return _average(np.vstack([np.array([acc], np.int64), np.zeros((n - 1, 1), np.int64)]))[0]


def average_pool_ties(rec):
    """Counts the outputs whose average was a tie (sum / n = k + 1/2), and
    those of them where TFLite's rounding of the raw int8 sum differs from
    rounding relative to the zero point, round(avg(x - zp)) + zp."""
    ties = zp_sensitive = 0
    zp = rec["output"]["zero_point"]
    o = rec["options"]
    _, h, w, c = rec["input"]["shape"]
    fh, fw, sh, sw = o["filter_h"], o["filter_w"], o["stride_h"], o["stride_w"]
    out_h, out_w, pad_t, pad_l = spatial(h, w, fh, fw, sh, sw, o["padding"])
    for x in rec["input"]["samples"]:
        x = np.array(x, np.int64).reshape(h, w, c)
        for oy in range(out_h):
            for ox in range(out_w):
                y0, x0 = oy * sh - pad_t, ox * sw - pad_l
                taps = x[max(y0, 0) : min(y0 + fh, h), max(x0, 0) : min(x0 + fw, w)].reshape(-1, c)
                n = taps.shape[0]
                for total in taps.sum(axis=0):
                    if (2 * total) % n == 0 and (2 * total // n) % 2 != 0:
                        ties += 1
                        centred = _round_div(total - n * zp, n) + zp
                        zp_sensitive += int(_round_div(total, n) != centred)
    return f"{ties} tied averages, {zp_sensitive} of them where rounding relative to the zero point would differ"


def ref_average_pool_2d(rec, x):
    assert rec["input"]["scale"] == rec["output"]["scale"]
    assert rec["input"]["zero_point"] == rec["output"]["zero_point"]
    return _pool(rec, x, _average)


def ref_max_pool_2d(rec, x):
    assert rec["input"]["scale"] == rec["output"]["scale"]
    assert rec["input"]["zero_point"] == rec["output"]["zero_point"]
    return _pool(rec, x, lambda taps: taps.max(axis=0))


def ref_quantize(rec, x):
    """AffineQuantize: (int32)TfLiteRound(val / (float)scale) + zero_point,
    float32 division, clamped to int8."""
    x = np.array(x, np.float32)
    scale = np.float32(rec["output"]["scale"])
    q = (x / scale).astype(np.float32)
    r = np.sign(q) * np.floor(np.abs(q.astype(np.float64)) + 0.5)
    return np.clip(r + rec["output"]["zero_point"], -128, 127).astype(np.int8)


def ref_dequantize(rec, x):
    """Dequantize: (float)(double(scale) * (q - zero_point))."""
    x = np.array(x, np.int64)
    return (float(rec["input"]["scale"]) * (x - rec["input"]["zero_point"]).astype(np.float64)).astype(
        np.float32
    )


def ref_reshape(rec, x):
    assert rec["input"]["scale"] == rec["output"]["scale"]
    assert rec["input"]["zero_point"] == rec["output"]["zero_point"]
    return np.array(x, np.int8)


OTHER_OPS = {
    "AVERAGE_POOL_2D": ref_average_pool_2d,
    "MAX_POOL_2D": ref_max_pool_2d,
    "QUANTIZE": ref_quantize,
    "DEQUANTIZE": ref_dequantize,
    "RESHAPE": ref_reshape,
}


def compute(rec, x, arithmetic=None):
    """The op's output on input sample x, in numpy."""
    op = rec["op"]
    if op in ACCUMULATE:
        return requantize(rec, ACCUMULATE[op](rec, x), arithmetic or reference_arithmetic(op))
    return OTHER_OPS[op](rec, x)


def _pairs(rec):
    op = rec["op"]
    in_key = "float_samples" if op == "QUANTIZE" else "samples"
    out_key = "float_samples" if op == "DEQUANTIZE" else "samples"
    return zip(rec["input"][in_key], rec["output"][out_key])


def mismatches(rec, arithmetic=None):
    """Output values on which numpy (with `arithmetic`) and `rec` disagree."""
    bad = 0
    for x, y in _pairs(rec):
        got = compute(rec, x, arithmetic).reshape(-1)
        bad += int(np.sum(got != np.array(y, got.dtype)))
    return bad


def verify(rec, name, arithmetic=None):
    """Asserts that numpy reproduces every output sample of `rec`."""
    for i, (x, y) in enumerate(_pairs(rec)):
        got = compute(rec, x, arithmetic).reshape(-1)
        want = np.array(y, got.dtype)
        if not np.array_equal(got, want):
            bad = np.nonzero(got != want)[0]
            raise AssertionError(
                f"{name}: numpy {rec['op']} ({arithmetic or 'reference'} arithmetic) differs from the "
                f"interpreter on sample {i} at {len(bad)} positions, first {bad[:5]}: "
                f"numpy {got[bad[:5]]} vs tflite {want[bad[:5]]}"
            )


def sensitivity(rec):
    """Output values each arithmetic gets wrong: shows what the checks catch."""
    n = sum(len(y) for y in rec["output"]["samples"])
    return f"{n} outputs; wrong with " + ", ".join(f"{a}: {mismatches(rec, a)}" for a in ARITHMETICS)


# --------------------------------------------------------------------------
# Conversion and extraction.
# --------------------------------------------------------------------------


def convert(model, input_shape, seed, input_type=tf.int8, output_type=tf.int8, per_channel_dense=False, rep_range=1.0):
    rng = np.random.default_rng(seed + 1000)
    rep_data = [
        rng.uniform(-rep_range, rep_range, (1,) + tuple(input_shape)).astype(np.float32)
        for _ in range(N_REPRESENTATIVE)
    ]

    def representative():
        for x in rep_data:
            yield [x]

    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.representative_dataset = representative
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    converter.inference_input_type = input_type
    converter.inference_output_type = output_type
    # TF >= 2.16 quantizes Dense weights per output channel unless told not to.
    converter._experimental_disable_per_channel_quantization_for_dense_layers = not per_channel_dense
    with contextlib.redirect_stdout(io.StringIO()):  # Keras' export chatter
        return converter.convert()


REF = tf.lite.experimental.OpResolverType.BUILTIN_REF
# TFLite's optimized kernels, without the XNNPACK delegate the default adds.
OPTIMIZED = tf.lite.experimental.OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES


class Converted:
    """A converted model loaded in an interpreter (by default the one with the
    reference kernels), with its ops."""

    def __init__(self, flatbuffer, resolver=REF):
        self.flatbuffer = flatbuffer
        self.interp = tf.lite.Interpreter(
            model_content=flatbuffer,
            experimental_op_resolver_type=resolver,
            experimental_preserve_all_tensors=True,
        )
        self.interp.allocate_tensors()
        self.tensors = {t["index"]: t for t in self.interp.get_tensor_details()}
        self.ops = self.interp._get_ops_details()
        model = flatbuffer_utils.convert_bytearray_to_object(flatbuffer)
        assert len(model.subgraphs) == 1
        operators = model.subgraphs[0].operators
        assert len(operators) == len(self.ops)
        for op, fb in zip(self.ops, operators):
            code = model.operatorCodes[fb.opcodeIndex]
            builtin = max(code.builtinCode, code.deprecatedBuiltinCode)
            assert BUILTIN_NAMES[builtin] == op["op_name"], (BUILTIN_NAMES[builtin], op["op_name"])
            assert list(fb.inputs) == list(op["inputs"]) and list(fb.outputs) == list(op["outputs"])
            op["options_fb"] = fb.builtinOptions
        self.input = self.interp.get_input_details()[0]
        self.output = self.interp.get_output_details()[0]

    def op_names(self):
        return [op["op_name"] for op in self.ops]

    def run(self, x):
        """Invokes the model on one sample; returns {tensor index: array}."""
        x = np.asarray(x, self.input["dtype"]).reshape(self.input["shape"])
        self.interp.set_tensor(self.input["index"], x)
        self.interp.invoke()
        return {i: self.interp.get_tensor(i).copy() for i in self.tensors if self._has_data(i)}

    def _has_data(self, i):
        try:
            self.interp.get_tensor(i)
            return True
        except ValueError:
            return False

    def quant(self, index):
        q = self.tensors[index]["quantization_parameters"]
        return [float(np.float32(s)) for s in q["scales"]], [int(z) for z in q["zero_points"]], int(
            q["quantized_dimension"]
        )

    def per_tensor(self, index):
        scales, zps, _ = self.quant(index)
        assert len(scales) == 1 and len(zps) == 1, (index, scales, zps)
        return scales[0], zps[0]

    def shape(self, index):
        return [int(d) for d in self.tensors[index]["shape"]]


def options_of(op):
    o = op["options_fb"]
    name = op["op_name"]
    if name == "FULLY_CONNECTED":
        assert o.keepNumDims is False
        return {"fused_activation": ACTIVATION[o.fusedActivationFunction]}
    if name in ("CONV_2D", "DEPTHWISE_CONV_2D"):
        assert o.dilationHFactor == 1 and o.dilationWFactor == 1
        d = {
            "stride_h": o.strideH,
            "stride_w": o.strideW,
            "padding": PADDING[o.padding],
            "fused_activation": ACTIVATION[o.fusedActivationFunction],
        }
        if name == "DEPTHWISE_CONV_2D":
            d["depth_multiplier"] = o.depthMultiplier
        return d
    if name in ("AVERAGE_POOL_2D", "MAX_POOL_2D"):
        return {
            "stride_h": o.strideH,
            "stride_w": o.strideW,
            "padding": PADDING[o.padding],
            "fused_activation": ACTIVATION[o.fusedActivationFunction],
            "filter_h": o.filterHeight,
            "filter_w": o.filterWidth,
        }
    if name == "RESHAPE":
        return {}
    return None


def f32_list(a):
    return [float(np.float32(v)) for v in np.asarray(a, np.float32).reshape(-1)]


def int_list(a):
    return [int(v) for v in np.asarray(a).reshape(-1)]


def op_record(conv, op, runs):
    """The schema's object for one op, from the preserved tensors of `runs`."""
    name = op["op_name"]
    in_idx, out_idx = int(op["inputs"][0]), int(op["outputs"][0])
    rec = {"tf_version": TF_VERSION, "op": name}
    opts = options_of(op)
    if opts is not None:
        rec["options"] = opts

    def activation_tensor(idx, float_key):
        t = {"shape": conv.shape(idx)}
        if conv.tensors[idx]["dtype"] == np.float32:
            t[float_key] = [f32_list(r[idx]) for r in runs]
        else:
            assert conv.tensors[idx]["dtype"] == np.int8, conv.tensors[idx]["dtype"]
            t["scale"], t["zero_point"] = conv.per_tensor(idx)
            t["samples"] = [int_list(r[idx]) for r in runs]
        return t

    rec["input"] = activation_tensor(in_idx, "float_samples")
    rec["output"] = activation_tensor(out_idx, "float_samples")

    if name in ("FULLY_CONNECTED", "CONV_2D", "DEPTHWISE_CONV_2D"):
        w_idx = int(op["inputs"][1])
        b_idx = int(op["inputs"][2]) if len(op["inputs"]) > 2 else -1
        assert b_idx >= 0, f"{name} has no bias tensor"
        assert conv.tensors[w_idx]["dtype"] == np.int8
        assert conv.tensors[b_idx]["dtype"] == np.int32
        w_scales, w_zps, w_dim = conv.quant(w_idx)
        w_shape = conv.shape(w_idx)
        # Quantized along the output channel: FC/CONV axis 0, DEPTHWISE axis 3.
        if len(w_scales) > 1:
            assert w_dim == (3 if name == "DEPTHWISE_CONV_2D" else 0), (name, w_dim)
            assert len(w_scales) == w_shape[w_dim]
        assert all(z == 0 for z in w_zps), "weights are symmetric in TFLite int8"
        b_scales, b_zps, _ = conv.quant(b_idx)
        assert all(z == 0 for z in b_zps)
        w_data = runs[0][w_idx]
        b_data = runs[0][b_idx]
        rec["filter"] = {
            "shape": w_shape,
            "scales": w_scales,
            "zero_points": w_zps,
            "data": int_list(w_data),
        }
        rec["bias"] = {"scales": b_scales, "data": int_list(b_data)}
        rec["tflite_multiplier"], rec["tflite_shift"] = multipliers(rec)
    return rec


def linear_form(rec, channel):
    """(flat input indices, integer weights) of one output element of `channel`
    whose taps all lie inside the input, so that
    acc = bias[channel] + sum(weights * (input[indices] - input_zp))."""
    op = rec["op"]
    w = np.array(rec["filter"]["data"], np.int64).reshape(rec["filter"]["shape"])
    if op == "FULLY_CONNECTED":
        return np.arange(w.shape[1]), w[channel]
    _, h, wd, ch = rec["input"]["shape"]
    o = rec["options"]
    fh, fw = w.shape[1], w.shape[2]
    sh, sw = o["stride_h"], o["stride_w"]
    out_h, out_w, pad_t, pad_l = spatial(h, wd, fh, fw, sh, sw, o["padding"])
    oy = next(y for y in range(out_h) if y * sh - pad_t >= 0 and y * sh - pad_t + fh <= h)
    ox = next(x for x in range(out_w) if x * sw - pad_l >= 0 and x * sw - pad_l + fw <= wd)
    y0, x0 = oy * sh - pad_t, ox * sw - pad_l
    idx, coef = [], []
    for kh in range(fh):
        for kw in range(fw):
            if op == "CONV_2D":
                for ic in range(ch):
                    idx.append(((y0 + kh) * wd + (x0 + kw)) * ch + ic)
                    coef.append(w[channel, kh, kw, ic])
            else:  # DEPTHWISE_CONV_2D: output channel ic * m + j reads channel ic
                ic = channel // o["depth_multiplier"]
                idx.append(((y0 + kh) * wd + (x0 + kw)) * ch + ic)
                coef.append(w[0, kh, kw, channel])
    return np.array(idx), np.array(coef, np.int64)


def solve_dot(coef, target, lo, hi, rng, tries=200):
    """Integers u in [lo, hi] with sum(coef * u) == target, or None."""
    n = len(coef)
    nz = [j for j in range(n) if coef[j] != 0]
    for _ in range(tries):
        u = rng.integers(lo // 2, hi // 2 + 1, n).astype(np.int64)
        r = int(target - coef @ u)
        # Greedy: move one coordinate at a time towards the target.
        while r != 0:
            best = None
            for j in rng.permutation(nz):
                d = int(round(r / coef[j]))
                d = int(np.clip(u[j] + d, lo, hi) - u[j])
                if d != 0 and abs(r - d * coef[j]) < abs(r):
                    best = (j, d)
                    break
            if best is None:
                break
            u[best[0]] += best[1]
            r -= best[1] * int(coef[best[0]])
        if r != 0:
            # Finish with a pair of small moves.
            done = False
            for j in nz:
                for dj in range(-6, 7):
                    rest = r - dj * int(coef[j])
                    for k in nz:
                        if k == j or rest % int(coef[k]):
                            continue
                        dk = rest // int(coef[k])
                        if lo <= u[j] + dj <= hi and lo <= u[k] + dk <= hi:
                            u[j] += dj
                            u[k] += dk
                            r = 0
                            done = True
                            break
                    if done:
                        break
                if done:
                    break
        if r == 0:
            assert coef @ u == target and np.all((u >= lo) & (u <= hi))
            return u
    return None


def discriminating_samples(rec, rng, rep_range, arithmetic_a, arithmetic_b, count=2):
    """Inputs on which two arithmetics disagree on at least one output.

    Such accumulators are rare (the float32 and double products give
    multipliers a few units of 2^-31 apart), so they are searched for: every
    accumulator in [-2^21, 2^21) is requantized both ways, then an input is
    solved for that makes one output element of a channel hit one of the
    differing accumulators exactly. The rest of the input is random. At most
    one sample per channel, smallest accumulators first."""
    accs = np.arange(-(2**21), 2**21, dtype=np.int64)
    in_zp = rec["input"]["zero_point"]
    n_in = int(np.prod(rec["input"]["shape"]))
    bias = rec["bias"]["data"]
    found = []
    cache = {}
    for ch in range(len(bias)):
        k = ch if len(rec["filter"]["scales"]) > 1 else 0
        if k not in cache:
            a = requantize_channel(rec, accs, k, arithmetic_a)
            b = requantize_channel(rec, accs, k, arithmetic_b)
            diff = accs[a != b]
            cache[k] = diff[np.argsort(np.abs(diff), kind="stable")]
        found.extend((ch, int(t)) for t in cache[k][:8])
    found.sort(key=lambda t: (abs(t[1]), t[0]))
    samples, used, targets = [], set(), set()
    for ch, target in found:
        if len(samples) == count:
            break
        if ch in used or target in targets:
            continue
        idx, coef = linear_form(rec, ch)
        u = solve_dot(coef, target - bias[ch], -128 - in_zp, 127 - in_zp, rng)
        if u is None:
            continue
        x = np.round(rng.uniform(-rep_range, rep_range, n_in) / np.float32(rec["input"]["scale"])) + in_zp
        x = np.clip(x, -128, 127).astype(np.int64)
        x[idx] = u + in_zp
        samples.append(x.astype(np.int8))
        used.add(ch)
        targets.add(target)
    print(
        f"    {len(samples)} sample(s) where {arithmetic_a} and {arithmetic_b} disagree "
        f"({len(found)} candidate accumulators)"
    )
    return samples


def int8_samples(conv, shape, scale, zero_point, rng, rep_range=1.0):
    """At least 8 int8 inputs: all -128, all 127, all at the zero point (0.0),
    four quantized draws from the calibration distribution and three uniform
    over the whole int8 range."""
    n = int(np.prod(shape))
    samples = [
        np.full(n, -128, np.int8),
        np.full(n, 127, np.int8),
        np.full(n, zero_point, np.int8),
    ]
    for _ in range(4):
        x = rng.uniform(-rep_range, rep_range, n).astype(np.float32)
        q = np.clip(np.round(x / np.float32(scale)) + zero_point, -128, 127)
        samples.append(q.astype(np.int8))
    for _ in range(3):
        samples.append(rng.integers(-128, 128, n).astype(np.int8))
    return samples


def model_runs(conv, samples):
    return [conv.run(s) for s in samples]


# --------------------------------------------------------------------------
# Models.
# --------------------------------------------------------------------------


def set_random_weights(model, rng, bias_std=0.1):
    """Weights ~ N(0, 1/fan_in), biases ~ N(0, bias_std), from `rng`."""
    for layer in model.layers:
        ws = layer.get_weights()
        if not ws:
            continue
        kernel = ws[0]
        fan_in = int(np.prod(kernel.shape[:-1]))
        if isinstance(layer, keras.layers.DepthwiseConv2D):
            fan_in = int(np.prod(kernel.shape[:2]))
        new = [rng.normal(0.0, 1.0 / math.sqrt(fan_in), kernel.shape).astype(np.float32)]
        for b in ws[1:]:
            new.append(rng.normal(0.0, bias_std, b.shape).astype(np.float32))
        layer.set_weights(new)


def sequential(input_shape, layers):
    return keras.Sequential([keras.Input(input_shape, batch_size=1)] + layers)


CASES = []


def case(name, op, input_shape, layers, per_channel_dense=False, rep_range=1.0, study=False):
    CASES.append(
        dict(
            name=name,
            op=op,
            input_shape=input_shape,
            layers=layers,
            per_channel_dense=per_channel_dense,
            rep_range=rep_range,
            study=study,
        )
    )


L = keras.layers

case("fully_connected_16x10_none_per_tensor", "FULLY_CONNECTED", (16,), lambda: [L.Dense(10)], study=True)
case(
    "fully_connected_16x10_none_per_channel",
    "FULLY_CONNECTED",
    (16,),
    lambda: [L.Dense(10)],
    per_channel_dense=True,
    study=True,
)
case("fully_connected_64x32_relu_per_tensor", "FULLY_CONNECTED", (64,), lambda: [L.Dense(32, activation="relu")])
case(
    "fully_connected_64x32_relu_per_channel",
    "FULLY_CONNECTED",
    (64,),
    lambda: [L.Dense(32, activation="relu")],
    per_channel_dense=True,
)
case(
    "fully_connected_640x128_relu_per_tensor",
    "FULLY_CONNECTED",
    (640,),
    lambda: [L.Dense(128, activation="relu")],
    study=True,
)
case(
    "conv_2d_3x3_valid_s1_relu_8x8x3_to_4",
    "CONV_2D",
    (8, 8, 3),
    lambda: [L.Conv2D(4, 3, strides=1, padding="valid", activation="relu")],
)
case(
    "conv_2d_3x3_same_s2_relu6_9x9x2_to_5",
    "CONV_2D",
    (9, 9, 2),
    lambda: [L.Conv2D(5, 3, strides=2, padding="same", activation="relu6")],
    rep_range=4.0,
)
case(
    "conv_2d_1x1_pointwise_none_5x5x8_to_6",
    "CONV_2D",
    (5, 5, 8),
    lambda: [L.Conv2D(6, 1)],
)
case(
    "conv_2d_10x4_same_s2_relu_49x10x1_to_8",
    "CONV_2D",
    (49, 10, 1),
    lambda: [L.Conv2D(8, (10, 4), strides=2, padding="same", activation="relu")],
)
case(
    "conv_1d_k3_valid_none_16x3_to_4",
    "CONV_2D",
    (16, 3),
    lambda: [L.Conv1D(4, 3)],
)
case(
    "depthwise_conv_2d_3x3_same_s1_relu_6x6x4_m1",
    "DEPTHWISE_CONV_2D",
    (6, 6, 4),
    lambda: [L.DepthwiseConv2D(3, strides=1, padding="same", activation="relu")],
)
case(
    "depthwise_conv_2d_3x3_valid_s2_none_7x7x3_m2",
    "DEPTHWISE_CONV_2D",
    (7, 7, 3),
    lambda: [L.DepthwiseConv2D(3, strides=2, padding="valid", depth_multiplier=2)],
)
case(
    "average_pool_2d_2x2_valid_s2_6x6x3",
    "AVERAGE_POOL_2D",
    (6, 6, 3),
    lambda: [L.AveragePooling2D(2, strides=2, padding="valid")],
)
case(
    "average_pool_2d_3x3_same_s1_5x5x2",
    "AVERAGE_POOL_2D",
    (5, 5, 2),
    lambda: [L.AveragePooling2D(3, strides=1, padding="same")],
)
case(
    "max_pool_2d_2x2_valid_s2_6x6x3",
    "MAX_POOL_2D",
    (6, 6, 3),
    lambda: [L.MaxPooling2D(2, strides=2, padding="valid")],
)
case(
    "max_pool_2d_3x3_same_s2_6x6x3",
    "MAX_POOL_2D",
    (6, 6, 3),
    lambda: [L.MaxPooling2D(3, strides=2, padding="same")],
)


def build_case(c, seed):
    """Returns (record, extra): the case's record from the reference kernels,
    and for FULLY_CONNECTED the records of its requantization study (see
    fully_connected_study), else None."""
    keras.utils.set_random_seed(seed)
    rng = np.random.default_rng(seed)
    model = sequential(c["input_shape"], c["layers"]())
    set_random_weights(model, rng)
    fb = convert(model, c["input_shape"], seed, per_channel_dense=c["per_channel_dense"], rep_range=c["rep_range"])
    conv = Converted(fb)
    ops = conv.op_names()
    main = [i for i, n in enumerate(ops) if n == c["op"]]
    assert len(main) == 1, f"{c['name']}: expected one {c['op']} in {ops}"
    extra = [n for n in ops if n != c["op"]]
    if extra:
        # Keras Conv1D becomes RESHAPE (or EXPAND_DIMS) -> CONV_2D -> RESHAPE:
        # the op's tensors are then read from the preserved intermediate tensors.
        assert c["name"].startswith("conv_1d"), ops
        assert all(n in ("RESHAPE", "EXPAND_DIMS") for n in extra), ops
        print(f"    ops in the model: {ops}; recording {c['op']}'s own tensors")
    op = conv.ops[main[0]]
    in_scale, in_zp = conv.per_tensor(conv.input["index"])
    samples = int8_samples(conv, conv.input["shape"], in_scale, in_zp, rng, c["rep_range"])
    if c["op"] == "AVERAGE_POOL_2D":
        # Values next to the zero point: many windows average to exactly
        # +-0.5 around it, where rounding the raw int8 sum (what TFLite does)
        # and rounding the sum relative to the zero point differ.
        n = int(np.prod(conv.input["shape"]))
        samples.append((in_zp + rng.integers(0, 2, n)).astype(np.int8))
        samples.append((in_zp + rng.integers(-1, 3, n)).astype(np.int8))
    rec = op_record(conv, op, model_runs(conv, samples))
    if c["op"] == "AVERAGE_POOL_2D":
        print(f"    {average_pool_ties(rec)}")
    if "filter" not in rec:
        return rec, None
    # Discriminating samples find the op's input from the model's input: the
    # op's input must be the model's input, reshaped at most.
    assert (rec["input"]["scale"], rec["input"]["zero_point"]) == (in_scale, in_zp)
    # Inputs that drive one output element of the first and the last channel
    # to its largest and smallest accumulator, so that the output saturates.
    samples += saturating_samples(rec, rng, c["rep_range"])
    if c["op"] == "FULLY_CONNECTED":
        rec = op_record(conv, op, model_runs(conv, samples))
        # The reference FC requantizes in double: keep in the main file only
        # samples on which that and the fixed-point path agree.
        verify(rec, c["name"], "fixed")
        study = fully_connected_study(c, conv, fb, op, samples, rec, rng) if c.get("study") else None
        return rec, study
    # CONV_2D / DEPTHWISE_CONV_2D: the reference kernel is fixed-point; add
    # samples that a wrong multiplier or the single-rounding variant gets wrong.
    samples += discriminating_samples(rec, rng, c["rep_range"], "fixed", "fixed_other_product")
    samples += discriminating_samples(rec, rng, c["rep_range"], "fixed", "fixed_single_rounding")
    rec = op_record(conv, op, model_runs(conv, samples))
    compare_optimized(fb, rec, samples)
    return rec, None


def saturating_samples(rec, rng, rep_range):
    """For the first and the last output channel, an input whose taps of one
    output element are 127 where the weight is positive and -128 elsewhere,
    and one with the signs the other way round; the rest is random."""
    in_zp = rec["input"]["zero_point"]
    n_in = int(np.prod(rec["input"]["shape"]))
    samples = []
    for ch in sorted({0, len(rec["bias"]["data"]) - 1}):
        idx, coef = linear_form(rec, ch)
        for sign in (1, -1):
            x = np.round(rng.uniform(-rep_range, rep_range, n_in) / np.float32(rec["input"]["scale"])) + in_zp
            x = np.clip(x, -128, 127).astype(np.int64)
            x[idx] = np.where(sign * coef > 0, 127, -128)
            samples.append(x.astype(np.int8))
    return samples


def compare_optimized(fb, rec, samples):
    """Prints whether TFLite's optimized kernels give the same outputs."""
    opt_conv = Converted(fb, OPTIMIZED)
    opt_op = opt_conv.ops[[o["op_name"] for o in opt_conv.ops].index(rec["op"])]
    opt = op_record(opt_conv, opt_op, model_runs(opt_conv, samples))
    n = sum(
        u != v
        for a, b in zip(rec["output"]["samples"], opt["output"]["samples"])
        for u, v in zip(a, b)
    )
    print(f"    optimized kernel: {n} output value(s) differ from the reference kernel; {sensitivity(opt)}")


def fully_connected_study(c, conv, fb, op, samples, rec, rng):
    """The same FC on extra samples where the reference kernel's
    double-precision requantization and the fixed-point path disagree, and
    where the float32 and double products of the scales give different
    fixed-point results. Returns the reference kernel's record and, for the
    README, the outputs on which the fixed-point path differs. The optimized
    kernels are run too, and which arithmetic they follow is printed."""
    extra = discriminating_samples(rec, rng, c["rep_range"], "double", "fixed")
    extra += discriminating_samples(rec, rng, c["rep_range"], "fixed", "fixed_other_product")
    all_samples = samples + extra
    ref = op_record(conv, op, model_runs(conv, all_samples))
    verify(ref, c["name"] + " (reference kernel)", "double")
    print(f"    reference kernel: {sensitivity(ref)}")
    opt_conv = Converted(fb, OPTIMIZED)
    opt_op = opt_conv.ops[[o["op_name"] for o in opt_conv.ops].index("FULLY_CONNECTED")]
    opt = op_record(opt_conv, opt_op, model_runs(opt_conv, all_samples))
    print(f"    optimized kernel: {sensitivity(opt)}")
    rows = []
    for i, x in enumerate(ref["input"]["samples"]):
        acc = acc_fully_connected(ref, x).reshape(-1)
        arith = {a: compute(ref, x, a).reshape(-1) for a in ARITHMETICS}
        for j in range(len(acc)):
            values = {a: int(v[j]) for a, v in arith.items()}
            values["optimized"] = int(opt["output"]["samples"][i][j])
            if len(set(values.values())) > 1:
                rows.append((i, j, int(acc[j]), values))
    for row in rows:
        print(f"      sample {row[0]} output {row[1]} acc {row[2]}: {row[3]}")
    return {"record": ref, "rows": rows}


def build_quantize(seed):
    """Float input -> QUANTIZE -> RESHAPE (int8). The converter always keeps
    some int8 op after the QUANTIZE; its tensors are read from the preserved
    tensors."""
    keras.utils.set_random_seed(seed)
    rng = np.random.default_rng(seed)
    n = 16
    model = sequential((n,), [L.Reshape((4, 4))])
    conv = Converted(convert(model, (n,), seed, input_type=tf.float32, output_type=tf.int8, rep_range=2.0))
    assert conv.op_names() == ["QUANTIZE", "RESHAPE"], conv.op_names()
    op = conv.ops[0]
    scale, zp = conv.per_tensor(int(op["outputs"][0]))
    s32 = np.float32(scale)

    def exact_half(k):
        """A float32 v with v / scale == k + 0.5 exactly in float32, or None."""
        target = np.float32(k + 0.5)
        v = np.float32(target * s32)
        for cand in (v, np.nextafter(v, np.float32(-np.inf)), np.nextafter(v, np.float32(np.inf))):
            if np.float32(cand / s32) == target:
                return cand
        return None

    halves = [h for k in range(-140, 140) if (h := exact_half(k)) is not None]
    samples = [
        np.zeros(n, np.float32),
        np.full(n, 1000.0, np.float32),
        np.full(n, -1000.0, np.float32),
        # Values past either end of the int8 range, and just inside it. (Not so
        # large that val / scale leaves the int32 range: the C++ cast of such a
        # value is undefined behaviour.)
        np.array([(k - zp) * s32 for k in (-200, -129, -128.6, -128.4, -128, 127, 127.4, 127.6, 128, 300)]
                 + [np.float32(1.0e6), np.float32(-1.0e6), np.float32(1e-30), np.float32(-1e-30), s32 * 0.5, -s32 * 0.5],
                 np.float32),
    ]
    # Exact .5 rounding points (half away from zero), positive and negative.
    pick = rng.permutation(len(halves))
    for chunk in range(3):
        idx = pick[chunk * n : (chunk + 1) * n]
        samples.append(np.array([halves[i] for i in idx], np.float32))
    for _ in range(4):
        samples.append(rng.uniform(-2.5, 2.5, n).astype(np.float32))
    samples.append(rng.normal(0.0, 1.0, n).astype(np.float32))
    runs = model_runs(conv, samples)
    rec = op_record(conv, op, runs)
    return rec, len(halves)


def build_dequantize(seed):
    """Int8 input -> RESHAPE -> DEQUANTIZE (float); DEQUANTIZE's tensors are
    read from the preserved tensors."""
    keras.utils.set_random_seed(seed)
    rng = np.random.default_rng(seed)
    n = 16
    model = sequential((n,), [L.Reshape((4, 4))])
    conv = Converted(convert(model, (n,), seed, input_type=tf.int8, output_type=tf.float32, rep_range=2.0))
    assert conv.op_names() == ["RESHAPE", "DEQUANTIZE"], conv.op_names()
    in_scale, in_zp = conv.per_tensor(conv.input["index"])
    samples = int8_samples(conv, (n,), in_scale, in_zp, rng, 2.0)
    samples.append(np.arange(-128, -112, dtype=np.int8))
    samples.append(np.arange(112, 128, dtype=np.int8))
    return op_record(conv, conv.ops[1], model_runs(conv, samples))


def build_e2e(seed):
    """Conv 3x3 relu -> max pool 2x2 -> flatten -> dense 10, every op recorded."""
    keras.utils.set_random_seed(seed)
    rng = np.random.default_rng(seed)
    shape = (10, 10, 2)
    model = sequential(
        shape,
        [
            L.Conv2D(4, 3, activation="relu"),
            L.MaxPooling2D(2),
            L.Flatten(),
            L.Dense(10),
        ],
    )
    set_random_weights(model, rng)
    conv = Converted(convert(model, shape, seed))
    names = conv.op_names()
    assert names == ["CONV_2D", "MAX_POOL_2D", "RESHAPE", "FULLY_CONNECTED"], names
    in_scale, in_zp = conv.per_tensor(conv.input["index"])
    samples = int8_samples(conv, conv.input["shape"], in_scale, in_zp, rng)
    runs = model_runs(conv, samples)
    ops = []
    for i, op in enumerate(conv.ops):
        r = op_record(conv, op, runs)
        del r["tf_version"]
        if op["op_name"] == "RESHAPE":
            r["options"] = {"new_shape": conv.shape(int(op["outputs"][0]))}
        # Each op reads the previous op's output tensor.
        if i > 0:
            assert int(op["inputs"][0]) == int(conv.ops[i - 1]["outputs"][0])
        ops.append(r)
    assert int(conv.ops[0]["inputs"][0]) == conv.input["index"]
    assert int(conv.ops[-1]["outputs"][0]) == conv.output["index"]
    return {
        "tf_version": TF_VERSION,
        "description": "Keras Sequential: Conv2D(4, 3x3, valid, relu) -> MaxPooling2D(2) -> Flatten -> Dense(10), per-tensor Dense weights",
        "input": ops[0]["input"],
        "output": ops[-1]["output"],
        "ops": ops,
    }


# --------------------------------------------------------------------------
# Output.
# --------------------------------------------------------------------------


def dumps(obj, indent=0):
    """JSON with objects indented and each list of numbers on one line."""
    pad = "  " * indent
    if isinstance(obj, dict):
        items = [f'{pad}  {json.dumps(k)}: {dumps(v, indent + 1)}' for k, v in obj.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(obj, list) and obj and isinstance(obj[0], (list, dict)):
        items = [f"{pad}  {dumps(v, indent + 1)}" for v in obj]
        return "[\n" + ",\n".join(items) + "\n" + pad + "]"
    return json.dumps(obj, separators=(",", ":"), allow_nan=False)


def check_floats_round_trip(obj):
    """Every float written must read back as the same float32."""
    if isinstance(obj, dict):
        for v in obj.values():
            check_floats_round_trip(v)
    elif isinstance(obj, list):
        for v in obj:
            check_floats_round_trip(v)
    elif isinstance(obj, float):
        assert float(np.float32(obj)) == obj, obj


def write(path, rec):
    check_floats_round_trip(rec)
    text = dumps(rec) + "\n"
    assert json.loads(text) == rec
    with open(path, "w") as f:
        f.write(text)
    return path


def summary(rec):
    parts = [rec["op"], f"in {rec['input']['shape']}", f"out {rec['output']['shape']}"]
    if "filter" in rec:
        parts.append(f"filter {rec['filter']['shape']} ({len(rec['filter']['scales'])} scale(s))")
    return ", ".join(parts)


STUDY_DIR = os.path.join(OUT_DIR, "fully_connected_requantization")


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    os.makedirs(STUDY_DIR, exist_ok=True)
    print(f"TensorFlow {TF_VERSION}, writing to {OUT_DIR}")
    results, studies = [], []
    for seed, c in enumerate(CASES, start=1):
        print(f"  {c['name']}")
        rec, study = build_case(c, seed)
        verify(rec, c["name"])
        if "filter" in rec:
            print(f"    {sensitivity(rec)}")
        results.append((c["name"], rec))
        if study:
            studies.append((c["name"], study))

    seed = len(CASES) + 1
    print("  quantize_float_to_int8_16")
    rec, n_halves = build_quantize(seed)
    verify(rec, "quantize")
    print(f"    {n_halves} exact .5 rounding points were found for this scale")
    results.append(("quantize_float_to_int8_16", rec))

    print("  dequantize_int8_to_float_16")
    rec = build_dequantize(seed + 1)
    verify(rec, "dequantize")
    results.append(("dequantize_int8_to_float_16", rec))

    print("  e2e_conv3x3_relu_maxpool_dense_10x10x2_to_10")
    e2e = build_e2e(seed + 2)
    for i, op in enumerate(e2e["ops"]):
        verify(op, f"e2e op {i} {op['op']}")
        if op["op"] == "FULLY_CONNECTED":
            verify(op, f"e2e op {i} {op['op']}", "fixed")
        if "filter" in op:
            print(f"    {op['op']}: {sensitivity(op)}")
    results.append(("e2e_conv3x3_relu_maxpool_dense_10x10x2_to_10", e2e))

    total = 0
    for name, rec in results:
        path = write(os.path.join(OUT_DIR, name + ".json"), rec)
        size = os.path.getsize(path)
        total += size
        desc = summary(rec) if "ops" not in rec else " -> ".join(o["op"] for o in rec["ops"])
        print(f"  wrote {name}.json ({size} bytes): {desc}")
    for name, study in studies:
        path = write(os.path.join(STUDY_DIR, f"{name}.json"), study["record"])
        size = os.path.getsize(path)
        total += size
        print(f"  wrote {os.path.relpath(path, OUT_DIR)} ({size} bytes)")
    # The table of the README's fully_connected_requantization section.
    columns = ["double", "fixed", "fixed_other_product", "fixed_single_rounding", "optimized"]
    print("\n| file | sample | output | acc | " + " | ".join(columns) + " |")
    for name, study in studies:
        for i, j, acc, v in study["rows"]:
            print(f"| {name} | {i} | {j} | {acc} | " + " | ".join(str(v[a]) for a in columns) + " |")
    print(f"all outputs match numpy's integer arithmetic; {total} bytes of JSON")
    return 0


if __name__ == "__main__":
    sys.exit(main())
