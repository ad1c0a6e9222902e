//! From a [`Graph`] to embednn's layers: which layer each operator becomes, the model's structure
//! (residual connections included) and its Rust type.

use std::collections::HashMap;
use std::fmt;

use crate::graph::{ActivationFn, DType, Graph, Op, Options, Quant};
use crate::tflite_generated::tflite::BuiltinOperator as B;

/// Why a graph cannot become an embednn model: the operator, its index and its tensors' shapes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportError {
    /// Position of the operator in the graph (`None` for a problem with the graph as a whole).
    pub op: Option<usize>,
    /// The operator's name (`CONV_2D`), or what the problem concerns.
    pub name: String,
    /// Its inputs' and outputs' shapes.
    pub shapes: String,
    /// What embednn cannot do.
    pub reason: String,
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.op {
            Some(i) => write!(
                f,
                "op {i} ({}): {} [{}]",
                self.name, self.reason, self.shapes
            ),
            None => write!(f, "{}: {} [{}]", self.name, self.reason, self.shapes),
        }
    }
}

impl std::error::Error for ImportError {}

/// One element of the imported model: a layer, or a residual combinator around its branches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Item {
    /// Unique within an import (so branches can find where they split).
    pub id: usize,
    /// The operator it comes from.
    pub op: usize,
    /// What it is.
    pub kind: ItemKind,
}

/// What an [`Item`] is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ItemKind {
    /// A layer, as its Rust type (`embednn::Dense<64, 10>`).
    Layer(String),
    /// `embednn::Residual<block>`: the tensor the block starts from plus the block.
    Residual(Vec<Item>),
    /// `embednn::Add<a, b>`: two branches from one tensor, added.
    Add(Vec<Item>, Vec<Item>),
}

impl Item {
    /// Layers this item stands for, as embednn's `Layer::DEPTH` counts them (a
    /// combinator is one more than its branches).
    pub fn depth(&self) -> usize {
        match &self.kind {
            ItemKind::Layer(_) => 1,
            ItemKind::Residual(b) => 1 + depth(b),
            ItemKind::Add(a, b) => 1 + depth(a) + depth(b),
        }
    }

    fn write_type(&self, out: &mut String) {
        match &self.kind {
            ItemKind::Layer(ty) => out.push_str(ty),
            ItemKind::Residual(b) => {
                out.push_str("embednn::Residual<");
                write_seq(b, out);
                out.push('>');
            }
            ItemKind::Add(a, b) => {
                out.push_str("embednn::Add<");
                write_seq(a, out);
                out.push_str(", ");
                write_seq(b, out);
                out.push('>');
            }
        }
    }
}

fn depth(items: &[Item]) -> usize {
    items.iter().map(Item::depth).sum()
}

/// Most layers one tuple holds in the generated type (serde's limit for tuples); longer models
/// nest tuples, which embednn treats as one sequence.
pub const TUPLE: usize = 16;

/// A sequence as a type: the item itself when alone, else tuples of at most [`TUPLE`].
fn write_seq(items: &[Item], out: &mut String) {
    if items.len() == 1 {
        items[0].write_type(out);
        return;
    }
    let chunks: Vec<&[Item]> = items.chunks(TUPLE).collect();
    if chunks.len() > 1 {
        out.push('(');
        for c in chunks {
            write_seq(c, out);
            out.push_str(", ");
        }
        out.push(')');
        return;
    }
    out.push('(');
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        item.write_type(out);
    }
    out.push(')');
}

/// How the imported model computes.
#[derive(Clone, Debug, PartialEq)]
pub enum Precision {
    /// `f32` throughout.
    Float,
    /// int8 activations, with the quantization of the model's input and output tensors (the
    /// int8 tensors at the edges: after a `QUANTIZE`, before a `DEQUANTIZE`, or the graph's own).
    Int8 {
        /// Scale and zero point of the int8 input.
        input: (f32, i64),
        /// Scale and zero point of the int8 output.
        output: (f32, i64),
        /// Whether the graph takes `f32` and quantizes it itself (`QUANTIZE` first).
        float_input: bool,
        /// Whether the graph dequantizes its output itself (`DEQUANTIZE` last).
        float_output: bool,
    },
}

/// A graph mapped onto embednn's layers.
#[derive(Clone, Debug, PartialEq)]
pub struct Import {
    /// The model, in order.
    pub items: Vec<Item>,
    /// The input's shape without the batch axis.
    pub input_shape: Vec<usize>,
    /// The output's shape without the batch axis.
    pub output_shape: Vec<usize>,
    /// `f32` or int8.
    pub precision: Precision,
    /// Parameters of the `f32` model type (weights, and one bias per output channel whether or
    /// not the graph has a bias tensor), what `Params::PARAMS` must say.
    pub params: usize,
}

/// An activation's shape without the batch axis (`[1, 32, 32, 3]` → `[32, 32, 3]`).
fn activation_shape(shape: &[usize]) -> Option<Vec<usize>> {
    match shape {
        [1, rest @ ..] if !rest.is_empty() => Some(rest.to_vec()),
        _ => None,
    }
}

/// The `f32` tensor type of an activation shape.
fn tensor_type(shape: &[usize]) -> Option<String> {
    Some(match shape {
        [n] => format!("[f32; {n}]"),
        [l, c] => format!("[[f32; {c}]; {l}]"),
        [h, w, c] => format!("[[[f32; {c}]; {w}]; {h}]"),
        _ => return None,
    })
}

struct Mapper<'g> {
    graph: &'g Graph,
    next_id: usize,
    /// Each activation tensor's value: the items from the model input to it.
    values: HashMap<usize, Vec<Item>>,
    /// `PAD` outputs waiting for the convolution that absorbs them: (input tensor, paddings).
    pads: HashMap<usize, (usize, Vec<i32>)>,
    /// The ops that produced items.
    mapped: Vec<usize>,
    /// Parameters of the layers so far (weights and one bias per output channel).
    params: usize,
}

impl<'g> Mapper<'g> {
    fn error(&self, op: &Op, reason: impl Into<String>) -> ImportError {
        ImportError {
            op: Some(op.index),
            name: op.name(),
            shapes: self.graph.shapes(op),
            reason: reason.into(),
        }
    }

    fn item(&mut self, op: &Op, kind: ItemKind) -> Item {
        self.next_id += 1;
        Item {
            id: self.next_id,
            op: op.index,
            kind,
        }
    }

    fn layer(&mut self, op: &Op, ty: String) -> Item {
        self.item(op, ItemKind::Layer(ty))
    }

    fn shape(&self, t: usize) -> &'g [usize] {
        self.graph
            .tensors
            .get(t)
            .map_or(&[], |t| t.shape.as_slice())
    }

    fn is_const(&self, t: usize) -> bool {
        self.graph.tensors.get(t).is_some_and(|t| t.data.is_some())
    }

    /// The op's activation inputs (those without constant contents).
    fn activations(&self, op: &Op) -> Vec<usize> {
        op.inputs
            .iter()
            .flatten()
            .copied()
            .filter(|&t| !self.is_const(t))
            .collect()
    }

    fn one_input(&self, op: &Op) -> Result<usize, ImportError> {
        match self.activations(op).as_slice() {
            [t] => Ok(*t),
            other => Err(self.error(
                op,
                format!("expects one activation input, has {}", other.len()),
            )),
        }
    }

    fn value(&self, op: &Op, t: usize) -> Result<Vec<Item>, ImportError> {
        self.values.get(&t).cloned().ok_or_else(|| {
            if self.pads.contains_key(&t) {
                self.error(
                    op,
                    "reads a PAD's output; embednn has no padding layer, and only a VALID \
                     convolution whose padding equals SAME's can absorb it",
                )
            } else {
                self.error(
                    op,
                    format!("reads tensor {t}, which no supported op computes"),
                )
            }
        })
    }

    fn act_shape(&self, op: &Op, t: usize) -> Result<Vec<usize>, ImportError> {
        activation_shape(self.shape(t)).ok_or_else(|| {
            self.error(
                op,
                format!(
                    "tensor shape {:?} is not one sample (batch 1)",
                    self.shape(t)
                ),
            )
        })
    }

    fn activation(&mut self, op: &Op, a: ActivationFn) -> Result<Option<Item>, ImportError> {
        Ok(match a {
            ActivationFn::None => None,
            ActivationFn::Relu => Some(self.layer(op, "embednn::Relu".into())),
            ActivationFn::Relu6 => Some(self.layer(op, "embednn::Relu6".into())),
            ActivationFn::Tanh => Some(self.layer(op, "embednn::Tanh".into())),
            other => {
                return Err(self.error(
                    op,
                    format!("fused activation {other:?} has no embednn layer"),
                ))
            }
        })
    }

    fn output(&self, op: &Op) -> Result<usize, ImportError> {
        match op.outputs.as_slice() {
            [t] => Ok(*t),
            other => Err(self.error(
                op,
                format!("has {} outputs, embednn layers one", other.len()),
            )),
        }
    }

    fn weights(&self, op: &Op, at: usize) -> Result<&'g [usize], ImportError> {
        match op.inputs.get(at).copied().flatten() {
            Some(t) if self.is_const(t) => Ok(self.shape(t)),
            _ => Err(self.error(
                op,
                "its weights are not constant (embednn's layers own their weights)",
            )),
        }
    }

    fn check_weight_type(&self, op: &Op, input: usize) -> Result<(), ImportError> {
        let act = self.graph.tensors.get(input).map(|t| t.dtype);
        let w = op
            .inputs
            .get(1)
            .copied()
            .flatten()
            .and_then(|t| self.graph.tensors.get(t))
            .map(|t| t.dtype);
        match (act, w) {
            (Some(DType::F32), Some(DType::F32)) | (Some(DType::I8), Some(DType::I8)) => Ok(()),
            (a, w) => Err(self.error(
                op,
                format!(
                    "activations {a:?} with weights {w:?}: embednn runs f32 with f32 weights or \
                     int8 with int8 weights (not hybrid or float16 models)"
                ),
            )),
        }
    }

    /// Maps one operator: the items it appends to its input's value, and the input it reads.
    fn map(&mut self, op: &Op) -> Result<(), ImportError> {
        let kind = match &op.kind {
            crate::graph::OpKind::Builtin(b) => *b,
            crate::graph::OpKind::Custom(_) => {
                return Err(self.error(op, "custom operators have no embednn layer"))
            }
        };
        let out = self.output(op)?;
        if kind == B::Add {
            return self.add(op, out);
        }
        if kind == B::Pad {
            let input = self.one_input(op)?;
            let pads = op
                .inputs
                .get(1)
                .copied()
                .flatten()
                .and_then(|t| self.graph.tensors.get(t))
                .and_then(|t| t.i32s())
                .ok_or_else(|| self.error(op, "its paddings are not a constant int32 tensor"))?;
            self.pads.insert(out, (input, pads));
            return Ok(());
        }
        // A convolution reading a PAD's output absorbs it if it is SAME's padding.
        let mut input = self.one_input(op)?;
        let mut padded = false;
        if let Some((original, pads)) = self.pads.get(&input).cloned() {
            if matches!(kind, B::Conv2d | B::DepthwiseConv2d) {
                self.absorb_pad(op, original, &pads)?;
                input = original;
                padded = true;
            }
        }
        let mut value = self.value(op, input)?;
        let in_shape = self.act_shape(op, input)?;
        let out_shape = self.act_shape(op, out)?;
        let mut items = Vec::new();
        match (kind, &op.options) {
            (B::Quantize | B::Dequantize, _) => {
                // The model's edges (see `Import::of`); anything else re-scales inside the model.
                let graph_in = self.graph.inputs.contains(&input);
                let graph_out = self.graph.outputs.contains(&out);
                if !(kind == B::Quantize && graph_in || kind == B::Dequantize && graph_out) {
                    return Err(self.error(
                        op,
                        "re-quantizes inside the model; embednn converts only at the model's \
                         input (QUANTIZE) and output (DEQUANTIZE)",
                    ));
                }
            }
            (
                B::FullyConnected,
                Options::FullyConnected {
                    activation,
                    keep_num_dims,
                    default_weights,
                },
            ) => {
                self.check_weight_type(op, input)?;
                let w = self.weights(op, 1)?;
                let [o, i] = *w else {
                    return Err(self.error(op, "weights are not [outputs, inputs]"));
                };
                if !default_weights {
                    return Err(self.error(op, "shuffled weights format"));
                }
                let n: usize = in_shape.iter().product();
                if n != i {
                    return Err(self.error(op, format!("input has {n} values, weights {i}")));
                }
                if *keep_num_dims && out_shape.len() > 1 {
                    return Err(self.error(op, "keep_num_dims over a sequence or image"));
                }
                if in_shape.len() > 1 {
                    items.push(self.layer(op, format!("embednn::Flatten<{n}>")));
                }
                self.params += i * o + o;
                items.push(self.layer(op, format!("embednn::Dense<{i}, {o}>")));
                items.extend(self.activation(op, *activation)?);
            }
            (
                B::Conv2d | B::DepthwiseConv2d,
                Options::Conv {
                    same,
                    stride_h,
                    stride_w,
                    dilation_h,
                    dilation_w,
                    activation,
                    ..
                },
            ) => {
                self.check_weight_type(op, input)?;
                if (*dilation_h, *dilation_w) != (1, 1) {
                    return Err(self.error(op, "dilated convolution"));
                }
                let w = self.weights(op, 1)?;
                let (&[h, wd, cin], &[oh, ow, cout]) = (in_shape.as_slice(), out_shape.as_slice())
                else {
                    return Err(self.error(op, "input or output is not an image [H, W, C]"));
                };
                let same = *same || padded;
                let p = if same {
                    "embednn::Same"
                } else {
                    "embednn::Valid"
                };
                let (sh, sw) = (*stride_h, *stride_w);
                if kind == B::Conv2d {
                    let &[wo, kh, kw, wi] = w else {
                        return Err(self.error(op, "filter is not [COUT, KH, KW, CIN]"));
                    };
                    if (wo, wi) != (cout, cin) {
                        return Err(self.error(op, "filter channels differ from the tensors'"));
                    }
                    self.params += cout * kh * kw * cin + cout;
                    items.push(self.layer(
                        op,
                        format!("embednn::Conv2d<{h}, {wd}, {cin}, {cout}, {kh}, {kw}, {sh}, {sw}, {oh}, {ow}, {p}>"),
                    ));
                } else {
                    let &[1, kh, kw, wc] = w else {
                        return Err(self.error(op, "filter is not [1, KH, KW, C]"));
                    };
                    if cin == 1 && wc == cout {
                        // One input channel times a depth multiplier: a convolution with that
                        // many filters (TFLite's [1, KH, KW, M] filter is Conv2d's [M, KH, KW, 1]).
                        items.push(self.layer(
                            op,
                            format!("embednn::Conv2d<{h}, {wd}, 1, {cout}, {kh}, {kw}, {sh}, {sw}, {oh}, {ow}, {p}>"),
                        ));
                        self.params += kh * kw * cout + cout;
                        items.extend(self.activation(op, *activation)?);
                        self.mapped.push(op.index);
                        value.extend(items);
                        self.values.insert(out, value);
                        return Ok(());
                    }
                    if wc != cin || cout != cin {
                        return Err(self.error(
                            op,
                            "depth multiplier other than 1 (embednn's depthwise keeps the channels)",
                        ));
                    }
                    self.params += kh * kw * cin + cin;
                    items.push(self.layer(
                        op,
                        format!("embednn::DepthwiseConv2d<{h}, {wd}, {cin}, {kh}, {kw}, {sh}, {sw}, {oh}, {ow}, {p}>"),
                    ));
                }
                items.extend(self.activation(op, *activation)?);
            }
            (
                B::AveragePool2d | B::MaxPool2d,
                Options::Pool {
                    same,
                    stride_h,
                    stride_w,
                    filter_h,
                    filter_w,
                    activation,
                },
            ) => {
                let (&[_, _, c], &[oh, ow, oc]) = (in_shape.as_slice(), out_shape.as_slice())
                else {
                    return Err(self.error(op, "input or output is not an image [H, W, C]"));
                };
                if c != oc {
                    return Err(self.error(op, "channels change"));
                }
                let name = if kind == B::AveragePool2d {
                    "AvgPool2d"
                } else {
                    "MaxPool2d"
                };
                let p = if *same {
                    "embednn::Same"
                } else {
                    "embednn::Valid"
                };
                items.push(self.layer(
                    op,
                    format!("embednn::{name}<{filter_h}, {filter_w}, {stride_h}, {stride_w}, {oh}, {ow}, {p}>"),
                ));
                items.extend(self.activation(op, *activation)?);
            }
            (B::Reshape | B::Squeeze, _) => {
                let n: usize = in_shape.iter().product();
                let m: usize = out_shape.iter().product();
                if n != m {
                    return Err(self.error(op, "element count changes"));
                }
                if in_shape != out_shape {
                    let ty = tensor_type(&out_shape)
                        .ok_or_else(|| self.error(op, "output has more than 3 axes"))?;
                    items.push(self.layer(
                        op,
                        if out_shape.len() == 1 {
                            format!("embednn::Flatten<{m}>")
                        } else {
                            format!("embednn::Reshape<{ty}>")
                        },
                    ));
                }
            }
            (B::Softmax, Options::Softmax { beta }) => {
                if *beta != 1.0 {
                    return Err(self.error(op, format!("softmax with beta {beta}")));
                }
                if in_shape.len() != 1 {
                    return Err(self.error(op, "softmax over a sequence or image"));
                }
                items.push(self.layer(op, "embednn::Softmax".into()));
            }
            (B::Relu, _) => items.push(self.layer(op, "embednn::Relu".into())),
            (B::Relu6, _) => items.push(self.layer(op, "embednn::Relu6".into())),
            (B::Logistic, _) => items.push(self.layer(op, "embednn::Sigmoid".into())),
            (B::Tanh, _) => items.push(self.layer(op, "embednn::Tanh".into())),
            (B::Mean, Options::Reducer { keep_dims }) => {
                let axes = op
                    .inputs
                    .get(1)
                    .copied()
                    .flatten()
                    .and_then(|t| self.graph.tensors.get(t))
                    .and_then(|t| t.i32s());
                let &[_, _, c] = in_shape.as_slice() else {
                    return Err(self.error(op, "mean of something other than an image"));
                };
                let mut axes = axes.unwrap_or_default();
                axes.sort_unstable();
                if axes != [1, 2] {
                    return Err(self.error(
                        op,
                        format!("mean over axes {axes:?}; embednn averages over height and width (axes [1, 2])"),
                    ));
                }
                items.push(self.layer(op, "embednn::GlobalAvgPool".into()));
                if *keep_dims {
                    items.push(self.layer(op, format!("embednn::Reshape<[[[f32; {c}]; 1]; 1]>")));
                }
            }
            _ => return Err(self.error(op, "no embednn layer computes this operator")),
        }
        if !items.is_empty() {
            self.mapped.push(op.index);
        }
        value.extend(items);
        self.values.insert(out, value);
        Ok(())
    }

    /// Checks that `pads` (TFLite's `[[0, 0], [top, bottom], [left, right], [0, 0]]`) is what
    /// SAME padding adds for convolution `op` on `original`, so the convolution can pad itself.
    fn absorb_pad(&self, op: &Op, original: usize, pads: &[i32]) -> Result<(), ImportError> {
        let Options::Conv {
            same: false,
            stride_h,
            stride_w,
            ..
        } = op.options
        else {
            return Err(self.error(op, "reads a PAD's output but pads itself too (SAME)"));
        };
        let k = op
            .inputs
            .get(1)
            .copied()
            .flatten()
            .map(|t| self.shape(t).to_vec())
            .unwrap_or_default();
        let s = self.shape(original);
        let same = |n: usize, k: usize, stride: usize| -> (i32, i32) {
            let out = n.div_ceil(stride.max(1));
            let total = ((out.saturating_sub(1)) * stride + k).saturating_sub(n) as i32;
            (total / 2, total - total / 2)
        };
        let ok = match (s, k.as_slice(), pads) {
            ([1, h, w, _], [_, kh, kw, _], [0, 0, t, b, l, r, 0, 0]) => {
                same(*h, *kh, stride_h) == (*t, *b) && same(*w, *kw, stride_w) == (*l, *r)
            }
            _ => false,
        };
        if ok {
            Ok(())
        } else {
            Err(self.error(
                op,
                format!(
                    "reads a PAD (paddings {pads:?}) that is not SAME's padding for this \
                     convolution; embednn has no padding layer"
                ),
            ))
        }
    }

    /// `ADD` of two activations: a residual connection (one input is where the other's path
    /// started) or two branches from one tensor.
    fn add(&mut self, op: &Op, out: usize) -> Result<(), ImportError> {
        let Options::Add { activation } = op.options else {
            return Err(self.error(op, "no ADD options"));
        };
        let (t1, t2) = match self.activations(op).as_slice() {
            [a, b] => (*a, *b),
            _ => {
                return Err(self.error(
                    op,
                    "adds a constant (a bias or offset); embednn adds two activations only",
                ))
            }
        };
        if self.shape(t1) != self.shape(t2) {
            return Err(self.error(op, "broadcasting add; embednn adds tensors of one shape"));
        }
        let (p1, p2) = (self.value(op, t1)?, self.value(op, t2)?);
        let common = p1.iter().zip(&p2).take_while(|(a, b)| a.id == b.id).count();
        let (a, b) = (p1[common..].to_vec(), p2[common..].to_vec());
        let kind = match (a.is_empty(), b.is_empty()) {
            (true, true) => return Err(self.error(op, "adds a tensor to itself")),
            (true, false) => ItemKind::Residual(b),
            (false, true) => ItemKind::Residual(a),
            (false, false) => ItemKind::Add(a, b),
        };
        let mut value = p1[..common].to_vec();
        let combinator = self.item(op, kind);
        value.push(combinator);
        value.extend(self.activation(op, activation)?);
        self.mapped.push(op.index);
        self.values.insert(out, value);
        Ok(())
    }
}

fn params_of(items: &[Item], graph: &Graph, out: &mut Vec<f32>) -> Result<(), ImportError> {
    for item in items {
        match &item.kind {
            ItemKind::Residual(b) => params_of(b, graph, out)?,
            ItemKind::Add(a, b) => {
                params_of(a, graph, out)?;
                params_of(b, graph, out)?;
            }
            ItemKind::Layer(ty) => {
                let conv = ty.starts_with("embednn::Conv2d<");
                if !(conv
                    || ty.starts_with("embednn::Dense<")
                    || ty.starts_with("embednn::DepthwiseConv2d<"))
                {
                    continue;
                }
                let op = &graph.ops[item.op];
                let error = |reason: &str| ImportError {
                    op: Some(op.index),
                    name: op.name(),
                    shapes: graph.shapes(op),
                    reason: reason.into(),
                };
                let tensor = |at: usize| {
                    op.inputs
                        .get(at)
                        .copied()
                        .flatten()
                        .and_then(|t| graph.tensor(t))
                };
                let w = tensor(1).ok_or_else(|| error("no weights"))?;
                let weights = w
                    .f32s()
                    .ok_or_else(|| error("weights are not f32 constants (an int8 model's weights wait for the int8 model file)"))?;
                let channels = *w
                    .shape
                    .first()
                    .filter(|_| !op.is(B::DepthwiseConv2d))
                    .unwrap_or_else(|| w.shape.last().unwrap_or(&0));
                if conv && op.is(B::DepthwiseConv2d) {
                    // [1, KH, KW, M] → [M, KH, KW, 1].
                    let m = channels;
                    let taps = weights.len() / m.max(1);
                    for c in 0..m {
                        out.extend((0..taps).map(|k| weights[k * m + c]));
                    }
                } else {
                    out.extend_from_slice(&weights);
                }
                match tensor(2) {
                    Some(b) => out.extend(
                        b.f32s()
                            .ok_or_else(|| error("bias is not an f32 constant"))?,
                    ),
                    None => out.extend(std::iter::repeat_n(0.0, channels)),
                }
            }
        }
    }
    Ok(())
}

fn quant_of(q: Option<&Quant>) -> Option<(f32, i64)> {
    let q = q?;
    Some((
        *q.scales.first()?,
        q.zero_points.first().copied().unwrap_or(0),
    ))
}

fn collect_ops(items: &[Item], ops: &mut Vec<usize>) {
    for item in items {
        ops.push(item.op);
        match &item.kind {
            ItemKind::Layer(_) => {}
            ItemKind::Residual(b) => collect_ops(b, ops),
            ItemKind::Add(a, b) => {
                collect_ops(a, ops);
                collect_ops(b, ops);
            }
        }
    }
}

impl Import {
    /// Maps `graph` onto embednn's layers.
    ///
    /// Errors: a graph with more than one input or output; an operator embednn has no layer for
    /// (or options it does not support: dilation, a depth multiplier, a fused activation other
    /// than ReLU/ReLU6/tanh, softmax with `beta ≠ 1`, a mean over other axes, …); a shape its
    /// layers cannot express; hybrid or float16 weights; an op whose output the model's output
    /// does not use. Each names the operator, its index and its tensors' shapes.
    pub fn of(graph: &Graph) -> Result<Import, ImportError> {
        let whole = |name: &str, reason: String| ImportError {
            op: None,
            name: name.into(),
            shapes: String::new(),
            reason,
        };
        let (&[input], &[output]) = (graph.inputs.as_slice(), graph.outputs.as_slice()) else {
            return Err(whole(
                "graph",
                format!(
                    "{} inputs and {} outputs; an embednn model has one of each",
                    graph.inputs.len(),
                    graph.outputs.len()
                ),
            ));
        };
        if graph.subgraphs > 1 {
            return Err(whole(
                "graph",
                format!(
                    "{} subgraphs (control flow); embednn reads one",
                    graph.subgraphs
                ),
            ));
        }
        let mut m = Mapper {
            graph,
            next_id: 0,
            values: HashMap::new(),
            pads: HashMap::new(),
            mapped: Vec::new(),
            params: 0,
        };
        m.values.insert(input, Vec::new());
        for op in &graph.ops {
            m.map(op)?;
        }
        let items = m
            .values
            .get(&output)
            .cloned()
            .ok_or_else(|| whole("graph", "no supported op computes the output".into()))?;
        // Every op that became a layer must reach the output.
        let mut used = Vec::new();
        collect_ops(&items, &mut used);
        if let Some(&unused) = m.mapped.iter().find(|i| !used.contains(i)) {
            let op = &graph.ops[unused];
            return Err(m.error(op, "its result does not reach the model's output"));
        }

        let tensor = |t: usize| graph.tensors.get(t);
        let shape_of = |t: usize| activation_shape(tensor(t).map_or(&[][..], |t| &t.shape));
        let mut input_shape = shape_of(input)
            .ok_or_else(|| whole("input", "its shape is not one sample (batch 1)".into()))?;
        // A reshape of the input itself (micro_speech's [1960] → [49, 40, 1]) changes no byte:
        // the model takes the reshaped tensor (a model starts with a layer of fixed input).
        let mut items = items;
        while let Some(first) = items.first() {
            let ItemKind::Layer(ty) = &first.kind else {
                break;
            };
            if !(ty.starts_with("embednn::Reshape<") || ty.starts_with("embednn::Flatten<")) {
                break;
            }
            let Some(shape) = graph.ops[first.op]
                .outputs
                .first()
                .and_then(|&t| shape_of(t))
            else {
                break;
            };
            input_shape = shape;
            items.remove(0);
        }
        let output_shape = shape_of(output)
            .ok_or_else(|| whole("output", "its shape is not one sample (batch 1)".into()))?;
        if tensor_type(&input_shape).is_none() {
            return Err(whole(
                "input",
                format!("shape {input_shape:?} has more than 3 axes"),
            ));
        }
        // int8 edges: the graph's own int8 tensors, or those a QUANTIZE / DEQUANTIZE converts.
        let first = graph.ops.first();
        let last = graph.ops.last();
        let quantize = first.filter(|o| o.is(B::Quantize));
        let dequantize = last.filter(|o| o.is(B::Dequantize));
        let in_t = quantize
            .and_then(|o| o.outputs.first().copied())
            .unwrap_or(input);
        let out_t = dequantize
            .and_then(|o| o.inputs.first().copied().flatten())
            .unwrap_or(output);
        let int8 = tensor(in_t).map(|t| t.dtype) == Some(DType::I8);
        let precision = if int8 {
            let q = |t: usize| quant_of(tensor(t).and_then(|t| t.quant.as_ref()));
            Precision::Int8 {
                input: q(in_t).ok_or_else(|| whole("input", "int8 without quantization".into()))?,
                output: q(out_t)
                    .ok_or_else(|| whole("output", "int8 without quantization".into()))?,
                float_input: quantize.is_some(),
                float_output: dequantize.is_some(),
            }
        } else {
            Precision::Float
        };
        if items.is_empty() {
            return Err(whole("graph", "no layer".into()));
        }
        Ok(Import {
            items,
            input_shape,
            output_shape,
            precision,
            params: m.params,
        })
    }

    /// The `f32` parameters in embednn's order (what `Params::for_each_param` visits and the
    /// model file stores): each `Dense`, `Conv2d` and `DepthwiseConv2d` in model order, its
    /// weights then its bias (zeros where the graph has none); a combinator's first branch,
    /// then its second. TFLite's `[O, I]` fully connected weights, OHWI filters and
    /// `[1, KH, KW, C]` depthwise filters are already embednn's layouts; a depthwise filter
    /// that becomes a `Conv2d` (one input channel) is transposed.
    ///
    /// Errors for an int8 graph (its weights wait for the int8 model file) and for weights
    /// that are not `f32` constants.
    pub fn f32_params(&self, graph: &Graph) -> Result<Vec<f32>, ImportError> {
        let mut out = Vec::with_capacity(self.params);
        params_of(&self.items, graph, &mut out)?;
        Ok(out)
    }

    /// Layers, as embednn counts them (`Layer::DEPTH`).
    pub fn depth(&self) -> usize {
        depth(&self.items)
    }

    /// The `f32` input tensor type (`[[[f32; 3]; 32]; 32]`).
    pub fn input_type(&self) -> String {
        tensor_type(&self.input_shape).unwrap_or_default()
    }

    /// The model's type: `(embednn::Conv2d<…>, embednn::Relu, …)`, nested in tuples of at most
    /// [`TUPLE`] layers.
    pub fn model_type(&self) -> String {
        let mut out = String::new();
        if self.items.len() == 1 {
            // A one-layer model is still a tuple, so it has an input type.
            out.push('(');
            self.items[0].write_type(&mut out);
            out.push_str(",)");
        } else {
            write_seq(&self.items, &mut out);
        }
        out
    }

    /// Rust source declaring the model's type as `name` (and, for an int8 model, its int8 twin
    /// `{name}Int8`), each checked by `embednn::check!`.
    pub fn rust_type(&self, name: &str) -> String {
        let mut s = format!(
            "/// Imported from TensorFlow Lite: {} layers, input {:?}, output {:?}.\npub type {name} = {};\nembednn::check!({name});\nconst _: () = assert!(<{name} as embednn::Params>::PARAMS == {});\n",
            self.depth(),
            self.input_shape,
            self.output_shape,
            self.model_type(),
            self.params
        );
        if let Precision::Int8 { input, output, .. } = &self.precision {
            s.push_str(&format!(
                "/// The int8 model TensorFlow Lite runs (input scale {} zero point {}, output scale {} zero point {}).\npub type {name}Int8 = embednn::quant::Quantized<<{name} as embednn::quant::Quantize<{}>>::Quantized>;\nconst _: () = {name}Int8::CHECK;\n",
                input.0, input.1, output.0, output.1, self.input_type()
            ));
        }
        s
    }
}
