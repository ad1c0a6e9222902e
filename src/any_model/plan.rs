//! From stored layer descriptors to [`Step`]s: each kind's sizes read and checked, and every
//! shape worked out from the first layer that fixes the input.

use super::{PlanError, Shape};
use crate::format::LayerDesc;
use crate::layers::activation::leaky_relu_alpha;
use crate::layers::conv::window::Axis;

/// What one step computes (the layer's sizes, already checked).
#[derive(Clone, Copy, Debug)]
pub(super) enum Op {
    /// `Dense<I, O>`: the kernel as `O` rows of `I`, then `O` biases.
    Dense { inputs: usize, outputs: usize },
    /// `Conv2d` (or `Conv1d` with a unit row axis): kernel `[COUT][KH][KW][CIN]`, then biases.
    Conv {
        rows: Axis,
        cols: Axis,
        cin: usize,
        cout: usize,
    },
    /// `DepthwiseConv2d`: kernel `[KH][KW][C]`, then biases.
    Depthwise {
        rows: Axis,
        cols: Axis,
        channels: usize,
    },
    /// `MaxPool1d`/`MaxPool2d`.
    MaxPool {
        rows: Axis,
        cols: Axis,
        channels: usize,
    },
    /// `AvgPool1d`/`AvgPool2d`.
    AvgPool {
        rows: Axis,
        cols: Axis,
        channels: usize,
    },
    /// `GlobalAvgPool`.
    GlobalAvgPool { channels: usize },
    /// `BatchNorm<C>` at inference: γ, β, moving mean, moving variance.
    BatchNorm { channels: usize },
    /// An element-wise activation.
    Map(Activation),
    /// `Softmax` over a vector.
    Softmax,
    /// `Dropout` at inference, `Reshape`, `Flatten`: the values unchanged.
    Copy,
    /// `GRU` or `LSTM` (see `layers::recurrent::slices`).
    Recurrent {
        lstm: bool,
        channels: usize,
        units: usize,
        sequences: bool,
    },
    /// `Embedding`: a `V × DIM` table.
    Embedding { vocabulary: usize, dim: usize },
}

/// The element-wise activations.
#[derive(Clone, Copy, Debug)]
pub(super) enum Activation {
    Relu,
    LeakyRelu(f32),
    Relu6,
    Sigmoid,
    Tanh,
    Identity,
}

/// One layer of a plan.
#[derive(Clone, Debug)]
pub(super) struct Step {
    pub(super) op: Op,
    pub(super) desc: LayerDesc,
    pub(super) input: Shape,
    pub(super) output: Shape,
    /// Stored parameters, and where they start in the file's parameter run.
    pub(super) params: usize,
    pub(super) first_param: usize,
    /// Multiply-accumulates, as the typed layer's `Layer::MACS` counts them.
    pub(super) macs: usize,
    /// Scratch the step needs besides its input and output (a convolution's window).
    pub(super) window: usize,
}

/// The input shape a layer fixes, if it fixes one.
pub(super) fn fixed_input(desc: &LayerDesc) -> Option<Shape> {
    let d = dims(desc);
    match (desc.kind.as_str(), d.as_slice()) {
        ("Dense", &[i, _]) => Some(Shape::of(&[i])),
        ("Conv2d", &[h, w, cin, ..]) | ("DepthwiseConv2d", &[h, w, cin, ..]) => {
            Some(Shape::of(&[h, w, cin]))
        }
        ("Conv1d", &[l, cin, ..]) => Some(Shape::of(&[l, cin])),
        ("GRU" | "LSTM", &[l, c, _, _]) => Some(Shape::of(&[l, c])),
        ("Embedding", &[_, _, l]) => Some(Shape::of(&[l])),
        _ => None,
    }
}

/// Whether a layer keeps its input's shape whatever it is (so the input may be fixed later).
pub(super) fn keeps_any_shape(kind: &str) -> bool {
    matches!(
        kind,
        "ReLU" | "LeakyReLU" | "ReLU6" | "Sigmoid" | "Tanh" | "Identity" | "Dropout" | "BatchNorm"
    )
}

fn dims(desc: &LayerDesc) -> heapless::Vec<usize, { crate::format::MAX_DIMS }> {
    desc.dims
        .iter()
        .map(|&d| usize::try_from(d).unwrap_or(usize::MAX))
        .collect()
}

/// Reads layer `layer` as it follows a layer whose output is `input`.
pub(super) fn step(
    layer: usize,
    desc: &LayerDesc,
    input: Shape,
    first_param: usize,
) -> Result<Step, PlanError> {
    let bad = |reason: &'static str| PlanError::BadSizes {
        layer,
        found: desc.clone(),
        reason,
    };
    let mismatch = || PlanError::ShapeMismatch {
        layer,
        found: desc.clone(),
        input,
    };
    let too_large = PlanError::TooLarge { layer };
    let d = dims(desc);
    // Every size is at least 1, but for a slope or rate (0 is fine) and a padding code (last).
    let sizes = match desc.kind.as_str() {
        "LeakyReLU" | "Dropout" => &[][..],
        "Conv1d" | "Conv2d" | "DepthwiseConv2d" | "MaxPool1d" | "MaxPool2d" | "AvgPool1d"
        | "AvgPool2d" | "GRU" | "LSTM" => d.split_last().map_or(&[][..], |(_, sizes)| sizes),
        _ => d.as_slice(),
    };
    if sizes.contains(&0) {
        return Err(bad("a size is zero"));
    }
    let product = |xs: &[usize]| {
        xs.iter()
            .try_fold(1usize, |p, &x| p.checked_mul(x))
            .ok_or(PlanError::TooLarge { layer })
    };
    let padding = |code: usize| match code {
        0 => Ok(false),
        1 => Ok(true),
        _ => Err(bad("the padding code is neither 0 (valid) nor 1 (same)")),
    };
    let axis = |n: usize, k: usize, s: usize, same: bool, out: usize| {
        let a = Axis::new(n, k, s, same);
        if !same && k > n {
            Err(bad(
                "the window is larger than the input, with valid padding",
            ))
        } else if a.out != out {
            Err(bad(
                "the output size is not what the window and stride give",
            ))
        } else {
            Ok(a)
        }
    };
    let (op, output, params, macs, window) = match (desc.kind.as_str(), d.as_slice()) {
        ("Dense", &[i, o]) => {
            if input.dims() != [i] {
                return Err(mismatch());
            }
            let kernel = product(&[i, o])?;
            let params = kernel.checked_add(o).ok_or(too_large)?;
            let op = Op::Dense {
                inputs: i,
                outputs: o,
            };
            (op, Shape::of(&[o]), params, kernel, 0)
        }
        ("Conv2d", &[h, w, cin, cout, kh, kw, sh, sw, oh, ow, p]) => {
            if input.dims() != [h, w, cin] {
                return Err(mismatch());
            }
            let same = padding(p)?;
            let rows = axis(h, kh, sh, same, oh)?;
            let cols = axis(w, kw, sw, same, ow)?;
            let filter = product(&[kh, kw, cin])?;
            let params = product(&[filter, cout])?
                .checked_add(cout)
                .ok_or(too_large)?;
            let macs = product(&[oh, ow, cout, filter])?;
            let op = Op::Conv {
                rows,
                cols,
                cin,
                cout,
            };
            (op, Shape::of(&[oh, ow, cout]), params, macs, filter)
        }
        ("Conv1d", &[l, cin, cout, kl, sl, ol, p]) => {
            if input.dims() != [l, cin] {
                return Err(mismatch());
            }
            let cols = axis(l, kl, sl, padding(p)?, ol)?;
            let filter = product(&[kl, cin])?;
            let params = product(&[filter, cout])?
                .checked_add(cout)
                .ok_or(too_large)?;
            let macs = product(&[ol, cout, filter])?;
            let op = Op::Conv {
                rows: Axis::UNIT,
                cols,
                cin,
                cout,
            };
            (op, Shape::of(&[ol, cout]), params, macs, filter)
        }
        ("DepthwiseConv2d", &[h, w, c, kh, kw, sh, sw, oh, ow, p]) => {
            if input.dims() != [h, w, c] {
                return Err(mismatch());
            }
            let same = padding(p)?;
            let rows = axis(h, kh, sh, same, oh)?;
            let cols = axis(w, kw, sw, same, ow)?;
            let kernel = product(&[kh, kw, c])?;
            let params = kernel.checked_add(c).ok_or(too_large)?;
            let macs = product(&[oh, ow, c, kh, kw])?;
            let op = Op::Depthwise {
                rows,
                cols,
                channels: c,
            };
            (op, Shape::of(&[oh, ow, c]), params, macs, 0)
        }
        (kind @ ("MaxPool2d" | "AvgPool2d"), &[kh, kw, sh, sw, oh, ow, p]) => {
            let &[h, w, c] = input.dims() else {
                return Err(mismatch());
            };
            let same = padding(p)?;
            let rows = axis(h, kh, sh, same, oh)?;
            let cols = axis(w, kw, sw, same, ow)?;
            let (op, macs) = if kind == "MaxPool2d" {
                (
                    Op::MaxPool {
                        rows,
                        cols,
                        channels: c,
                    },
                    0,
                )
            } else {
                let macs = product(&[oh, ow, c, kh, kw])?;
                (
                    Op::AvgPool {
                        rows,
                        cols,
                        channels: c,
                    },
                    macs,
                )
            };
            (op, Shape::of(&[oh, ow, c]), 0, macs, 0)
        }
        (kind @ ("MaxPool1d" | "AvgPool1d"), &[kl, sl, ol, p]) => {
            let &[l, c] = input.dims() else {
                return Err(mismatch());
            };
            let (rows, cols) = (Axis::UNIT, axis(l, kl, sl, padding(p)?, ol)?);
            let (op, macs) = if kind == "MaxPool1d" {
                (
                    Op::MaxPool {
                        rows,
                        cols,
                        channels: c,
                    },
                    0,
                )
            } else {
                let macs = product(&[ol, c, kl])?;
                (
                    Op::AvgPool {
                        rows,
                        cols,
                        channels: c,
                    },
                    macs,
                )
            };
            (op, Shape::of(&[ol, c]), 0, macs, 0)
        }
        ("GlobalAvgPool", &[]) => {
            let (&[_, _, c] | &[_, c]) = input.dims() else {
                return Err(mismatch());
            };
            (
                Op::GlobalAvgPool { channels: c },
                Shape::of(&[c]),
                0,
                input.len(),
                0,
            )
        }
        ("BatchNorm", &[c]) => {
            if input.dims().last() != Some(&c) {
                return Err(mismatch());
            }
            let params = product(&[4, c])?;
            (Op::BatchNorm { channels: c }, input, params, input.len(), 0)
        }
        ("Dropout", &[rate]) => {
            if rate >= 1000 {
                return Err(bad("the rate is 1000/1000 or more"));
            }
            (Op::Copy, input, 0, 0, 0)
        }
        ("Flatten", shape @ &[_]) | ("Reshape", shape @ (&[_, _] | &[_, _, _])) => {
            let output = Shape::of(shape);
            if product(shape)? != input.len() {
                return Err(mismatch());
            }
            (Op::Copy, output, 0, 0, 0)
        }
        (kind @ ("GRU" | "LSTM"), &[l, c, u, mode]) => {
            if input.dims() != [l, c] {
                return Err(mismatch());
            }
            let sequences = match mode {
                0 => false,
                1 => true,
                _ => return Err(bad("the return code is neither 0 (last) nor 1 (sequences)")),
            };
            let lstm = kind == "LSTM";
            let gates = if lstm { 4 } else { 3 };
            let gu = product(&[gates, u])?;
            let bias = if lstm { gu } else { product(&[2, gu])? };
            let inputs = c.checked_add(u).ok_or(PlanError::TooLarge { layer })?;
            let params = product(&[inputs, gu])?.checked_add(bias).ok_or(too_large)?;
            let macs = product(&[l, gu, inputs])?;
            let output = if sequences {
                Shape::of(&[l, u])
            } else {
                Shape::of(&[u])
            };
            let op = Op::Recurrent {
                lstm,
                channels: c,
                units: u,
                sequences,
            };
            let scratch = crate::layers::recurrent::slices::scratch_len(u);
            (op, output, params, macs, scratch)
        }
        ("Embedding", &[v, dim, l]) => {
            if input.dims() != [l] {
                return Err(mismatch());
            }
            let op = Op::Embedding { vocabulary: v, dim };
            (op, Shape::of(&[l, dim]), product(&[v, dim])?, 0, 0)
        }
        ("Softmax", &[]) => {
            if input.dims().len() != 1 {
                return Err(mismatch());
            }
            (Op::Softmax, input, 0, 0, 0)
        }
        (kind, &[]) if activation(kind, 0).is_some() && kind != "LeakyReLU" => {
            let op = Op::Map(activation(kind, 0).unwrap_or(Activation::Identity));
            (op, input, 0, 0, 0)
        }
        ("LeakyReLU", &[slope]) => {
            let slope = u32::try_from(slope).map_err(|_| bad("the slope does not fit a u32"))?;
            (
                Op::Map(Activation::LeakyRelu(leaky_relu_alpha(slope))),
                input,
                0,
                0,
                0,
            )
        }
        (kind, _) if known_kind(kind) => return Err(bad("the number of sizes is wrong")),
        _ => {
            return Err(PlanError::UnknownKind {
                layer,
                found: desc.clone(),
            })
        }
    };
    Ok(Step {
        op,
        desc: desc.clone(),
        input,
        output,
        params,
        first_param,
        macs,
        window,
    })
}

fn activation(kind: &str, slope: u32) -> Option<Activation> {
    Some(match kind {
        "ReLU" => Activation::Relu,
        "LeakyReLU" => Activation::LeakyRelu(leaky_relu_alpha(slope)),
        "ReLU6" => Activation::Relu6,
        "Sigmoid" => Activation::Sigmoid,
        "Tanh" => Activation::Tanh,
        "Identity" => Activation::Identity,
        _ => return None,
    })
}

/// Every kind [`step`] reads.
pub(super) const KINDS: [&str; 23] = [
    "Dense",
    "Conv1d",
    "Conv2d",
    "DepthwiseConv2d",
    "MaxPool1d",
    "MaxPool2d",
    "AvgPool1d",
    "AvgPool2d",
    "GlobalAvgPool",
    "BatchNorm",
    "Dropout",
    "Flatten",
    "Reshape",
    "Softmax",
    "ReLU",
    "LeakyReLU",
    "ReLU6",
    "Sigmoid",
    "Tanh",
    "Identity",
    "GRU",
    "LSTM",
    "Embedding",
];

/// Why layer `layer`, which neither fixes the input shape nor keeps any shape, cannot start a
/// model: an unknown kind, wrong sizes for a kind that would fix the input, or an input shape
/// that nothing before it fixes.
pub(super) fn cannot_start(layer: usize, desc: &LayerDesc) -> PlanError {
    match desc.kind.as_str() {
        kind if !known_kind(kind) => PlanError::UnknownKind {
            layer,
            found: desc.clone(),
        },
        "Dense" | "Conv1d" | "Conv2d" | "DepthwiseConv2d" | "GRU" | "LSTM" | "Embedding" => {
            PlanError::BadSizes {
                layer,
                found: desc.clone(),
                reason: "the number of sizes is wrong",
            }
        }
        _ => PlanError::UnknownInputShape { layer },
    }
}

fn known_kind(kind: &str) -> bool {
    KINDS.contains(&kind)
}
