#!/usr/bin/env python3
"""Reference outputs for embednn's convolution and pooling layers.

Computes each case twice, with TensorFlow (tf.nn.conv2d / conv1d /
depthwise_conv2d / max_pool2d / avg_pool2d, padding 'SAME' or 'VALID') and
with a naive numpy implementation that pads explicitly (TensorFlow's rule:
out = ceil(n / s), pad = max((out - 1) * s + k - n, 0), pad // 2 before and
the rest after), checks that they agree, and prints a Rust module of the
expected outputs, nested like the Rust tensors (NHWC without the batch axis).

Inputs and weights are small multiples of 1/4 and 1/8, so every product and
sum of the convolutions is exact in float32: the Rust tests compare those
bit for bit. Average pooling divides, so those are compared with a tolerance.

The formulas below are repeated in tests/gradients_conv.rs:

    x[h][w][c]           = ((7h + 3w + 5c) mod 11 - 5) / 4
    kernel[o][kh][kw][i] = ((13o + 5kh + 3kw + 7i) mod 9 - 4) / 8   (OHWI)
    depthwise[kh][kw][c] = ((5kh + 3kw + 7c) mod 9 - 4) / 8
    bias[o]              = (o - 1) / 2

Usage:
    python3 tests/reference/conv_reference.py > tests/reference/conv_values.rs
    rustfmt --edition 2021 tests/reference/conv_values.rs
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402


def image(h, w, c):
    x = np.zeros((h, w, c), np.float32)
    for i in range(h):
        for j in range(w):
            for k in range(c):
                x[i, j, k] = ((7 * i + 3 * j + 5 * k) % 11 - 5) / 4
    return x


def kernel_ohwi(cout, kh, kw, cin):
    k = np.zeros((cout, kh, kw, cin), np.float32)
    for o in range(cout):
        for a in range(kh):
            for b in range(kw):
                for i in range(cin):
                    k[o, a, b, i] = ((13 * o + 5 * a + 3 * b + 7 * i) % 9 - 4) / 8
    return k


def depthwise_kernel(kh, kw, c):
    k = np.zeros((kh, kw, c), np.float32)
    for a in range(kh):
        for b in range(kw):
            for i in range(c):
                k[a, b, i] = ((5 * a + 3 * b + 7 * i) % 9 - 4) / 8
    return k


def bias(n):
    return np.array([(o - 1) / 2 for o in range(n)], np.float32)


def tf_pads(n, k, s, padding):
    if padding == "VALID":
        return (n - k) // s + 1, 0, 0
    out = -(-n // s)
    total = max((out - 1) * s + k - n, 0)
    return out, total // 2, total - total // 2


def numpy_conv2d(x, k_ohwi, b, strides, padding):
    """Direct convolution on an explicitly zero-padded input (float64)."""
    h, w, _ = x.shape
    cout, kh, kw, _ = k_ohwi.shape
    oh, top, bottom = tf_pads(h, kh, strides[0], padding)
    ow, left, right = tf_pads(w, kw, strides[1], padding)
    xp = np.pad(x.astype(np.float64), ((top, bottom), (left, right), (0, 0)))
    y = np.zeros((oh, ow, cout))
    for i in range(oh):
        for j in range(ow):
            patch = xp[i * strides[0]:i * strides[0] + kh, j * strides[1]:j * strides[1] + kw, :]
            for o in range(cout):
                y[i, j, o] = np.sum(patch * k_ohwi[o]) + b[o]
    return y


def numpy_depthwise(x, k, b, strides, padding):
    h, w, c = x.shape
    kh, kw, _ = k.shape
    oh, top, bottom = tf_pads(h, kh, strides[0], padding)
    ow, left, right = tf_pads(w, kw, strides[1], padding)
    xp = np.pad(x.astype(np.float64), ((top, bottom), (left, right), (0, 0)))
    y = np.zeros((oh, ow, c))
    for i in range(oh):
        for j in range(ow):
            patch = xp[i * strides[0]:i * strides[0] + kh, j * strides[1]:j * strides[1] + kw, :]
            y[i, j, :] = np.sum(patch * k, axis=(0, 1)) + b
    return y


def numpy_pool(x, window, strides, padding, kind):
    """Pooling over the real elements of each window (TensorFlow ignores the padding)."""
    h, w, c = x.shape
    oh, top, _ = tf_pads(h, window[0], strides[0], padding)
    ow, left, _ = tf_pads(w, window[1], strides[1], padding)
    y = np.zeros((oh, ow, c))
    for i in range(oh):
        for j in range(ow):
            r0, c0 = i * strides[0] - top, j * strides[1] - left
            patch = x[max(r0, 0):r0 + window[0], max(c0, 0):c0 + window[1], :].astype(np.float64)
            patch = patch.reshape(-1, c)
            y[i, j, :] = patch.max(axis=0) if kind == "max" else patch.mean(axis=0)
    return y


def tf_conv2d(x, k_ohwi, b, strides, padding):
    hwio = np.transpose(k_ohwi, (1, 2, 3, 0))
    y = tf.nn.conv2d(x[None], hwio, strides=[1, *strides, 1], padding=padding)
    return (y[0] + b).numpy()


def tf_conv1d(x, k_ohwi, b, stride, padding):
    # k_ohwi has shape (cout, 1, k, cin); tf.nn.conv1d wants (k, cin, cout).
    wio = np.transpose(k_ohwi[:, 0], (1, 2, 0))
    y = tf.nn.conv1d(x[None], wio, stride=stride, padding=padding)
    return (y[0] + b).numpy()


def tf_depthwise(x, k, b, strides, padding):
    y = tf.nn.depthwise_conv2d(x[None], k[:, :, :, None], strides=[1, *strides, 1], padding=padding)
    return (y[0] + b).numpy()


def tf_pool(x, window, strides, padding, kind):
    f = tf.nn.max_pool2d if kind == "max" else tf.nn.avg_pool2d
    return f(x[None], ksize=list(window), strides=list(strides), padding=padding)[0].numpy()


def rust_literal(a):
    if a.ndim == 0:
        # The shortest decimal that reads back as the same float32.
        text = np.format_float_positional(np.float32(a), unique=True, trim="0")
        return text if text != "-0.0" else "0.0"
    return "[" + ", ".join(rust_literal(v) for v in a) + "]"


def emit(name, rust_type, tf_value, np_value, exact, what):
    tf_value = np.asarray(tf_value, np.float32)
    err = np.max(np.abs(tf_value.astype(np.float64) - np_value))
    assert err <= (0 if exact else 1e-6), f"{name}: TensorFlow and numpy differ by {err}"
    print(f"/// {what}")
    print(f"pub const {name}: {rust_type} = {rust_literal(tf_value)};")
    print()


def main():
    print("// Generated by tests/reference/conv_reference.py with TensorFlow", tf.__version__,
          "and numpy", np.__version__ + ".")
    print("// Do not edit: change the script and regenerate.")
    print()

    # Conv2d, 7×5×2 → 3 channels, 4×2 kernel (even sizes), stride 2.
    # "same": out 4×3; rows pad 3 (1 before, 2 after), columns pad 1 (0 before, 1 after).
    x = image(7, 5, 2)
    k = kernel_ohwi(3, 4, 2, 2)
    b = bias(3)
    cases = [("SAME", "CONV2D_SAME", (4, 3)), ("VALID", "CONV2D_VALID", (2, 2))]
    for padding, name, shape in cases:
        emit(name, f"[[[f32; 3]; {shape[1]}]; {shape[0]}]",
             tf_conv2d(x, k, b, (2, 2), padding), numpy_conv2d(x, k, b, (2, 2), padding), True,
             f"tf.nn.conv2d(image(7, 5, 2), kernel 4×2, 2 → 3 channels, strides 2, '{padding}')"
             " + bias")

    # Conv1d, 9 steps × 2 → 2 channels, kernel 4, stride 2, "same": out 5,
    # pad 3 (1 before, 2 after).
    x1 = image(1, 9, 2)
    k1 = kernel_ohwi(2, 1, 4, 2)
    b1 = bias(2)
    emit("CONV1D_SAME", "[[f32; 2]; 5]",
         tf_conv1d(x1[0], k1, b1, 2, "SAME"), numpy_conv2d(x1, k1, b1, (1, 2), "SAME")[0], True,
         "tf.nn.conv1d(image(1, 9, 2)[0], kernel 4, 2 → 2 channels, stride 2, 'SAME') + bias")

    # Depthwise 3×4 kernel, strides (2, 1), "same" on 7×5×2: out 4×5;
    # rows pad 2 (1, 1), columns pad 3 (1 before, 2 after).
    kd = depthwise_kernel(3, 4, 2)
    bd = bias(2)
    emit("DEPTHWISE_SAME", "[[[f32; 2]; 5]; 4]",
         tf_depthwise(x, kd, bd, (2, 1), "SAME"), numpy_depthwise(x, kd, bd, (2, 1), "SAME"), True,
         "tf.nn.depthwise_conv2d(image(7, 5, 2), kernel 3×4, strides (2, 1), 'SAME') + bias")

    # Pooling on 7×5×2: 3×3 windows, stride 2, "same" (out 4×3, pads 2/2 → 1 before, 1 after),
    # and 2×2 stride 2 "valid" (out 3×2).
    for kind in ["max", "avg"]:
        emit(f"{kind.upper()}POOL_SAME", "[[[f32; 2]; 3]; 4]",
             tf_pool(x, (3, 3), (2, 2), "SAME", kind), numpy_pool(x, (3, 3), (2, 2), "SAME", kind),
             kind == "max", f"tf.nn.{kind}_pool2d(image(7, 5, 2), 3×3, strides 2, 'SAME')")
        emit(f"{kind.upper()}POOL_VALID", "[[[f32; 2]; 2]; 3]",
             tf_pool(x, (2, 2), (2, 2), "VALID", kind),
             numpy_pool(x, (2, 2), (2, 2), "VALID", kind),
             kind == "max", f"tf.nn.{kind}_pool2d(image(7, 5, 2), 2×2, strides 2, 'VALID')")


if __name__ == "__main__":
    main()
