//! The typed graph of a `.tflite` file: operators, tensors, quantization and constants.

use std::fmt;

use crate::tflite_generated::tflite;

/// Why a file could not be read as a TensorFlow Lite model.
#[derive(Debug)]
pub enum GraphError {
    /// The flatbuffer is malformed (planus' error, naming the table and field).
    Flatbuffer(planus::Error),
    /// A structural problem: no subgraph, an index out of range, …
    Invalid(String),
}

impl fmt::Display for GraphError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GraphError::Flatbuffer(e) => write!(f, "not a readable .tflite flatbuffer: {e}"),
            GraphError::Invalid(why) => write!(f, "not a usable .tflite model: {why}"),
        }
    }
}

impl std::error::Error for GraphError {}

impl From<planus::Error> for GraphError {
    fn from(e: planus::Error) -> Self {
        GraphError::Flatbuffer(e)
    }
}

/// A tensor's element type (the ones embednn's layers read; anything else keeps its name).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DType {
    /// `FLOAT32`.
    F32,
    /// `INT8`.
    I8,
    /// `UINT8`.
    U8,
    /// `INT16`.
    I16,
    /// `INT32` (biases, shapes).
    I32,
    /// `INT64`.
    I64,
    /// `FLOAT16`.
    F16,
    /// Any other type.
    Other(tflite::TensorType),
}

impl DType {
    fn of(t: tflite::TensorType) -> DType {
        use tflite::TensorType as T;
        match t {
            T::Float32 => DType::F32,
            T::Int8 => DType::I8,
            T::Uint8 => DType::U8,
            T::Int16 => DType::I16,
            T::Int32 => DType::I32,
            T::Int64 => DType::I64,
            T::Float16 => DType::F16,
            other => DType::Other(other),
        }
    }

    /// Bytes per element (0 for types this crate does not read).
    pub fn size(self) -> usize {
        match self {
            DType::I8 | DType::U8 => 1,
            DType::I16 | DType::F16 => 2,
            DType::F32 | DType::I32 => 4,
            DType::I64 => 8,
            DType::Other(_) => 0,
        }
    }
}

/// Affine quantization of a tensor: `real = scale · (q − zero_point)`, per tensor (one scale)
/// or per channel along `axis`.
#[derive(Clone, Debug, PartialEq)]
pub struct Quant {
    /// One scale, or one per channel.
    pub scales: Vec<f32>,
    /// One zero point per scale.
    pub zero_points: Vec<i64>,
    /// The channel axis of per-channel quantization (`quantized_dimension`).
    pub axis: usize,
}

/// One tensor of the graph.
#[derive(Clone, Debug, PartialEq)]
pub struct TensorInfo {
    /// Its name in the file.
    pub name: String,
    /// Its shape (TFLite's, batch first).
    pub shape: Vec<usize>,
    /// Element type.
    pub dtype: DType,
    /// Quantization, if the tensor is quantized.
    pub quant: Option<Quant>,
    /// Constant contents (weights, biases, shapes), little-endian bytes; `None` for activations.
    pub data: Option<Vec<u8>>,
}

impl TensorInfo {
    /// Elements.
    pub fn len(&self) -> usize {
        self.shape.iter().product()
    }

    /// Whether the tensor has no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The constant contents as `i32`s (a shape or axis list, an int32 bias).
    pub fn i32s(&self) -> Option<Vec<i32>> {
        let data = self.data.as_ref()?;
        (self.dtype == DType::I32).then(|| {
            data.chunks_exact(4)
                .map(|b| i32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect()
        })
    }

    /// The constant contents as `f32`s.
    pub fn f32s(&self) -> Option<Vec<f32>> {
        let data = self.data.as_ref()?;
        (self.dtype == DType::F32).then(|| {
            data.chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect()
        })
    }
}

/// A fused activation (`fused_activation_function`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ActivationFn {
    /// None.
    None,
    /// `RELU`.
    Relu,
    /// `RELU_N1_TO_1`.
    ReluN1To1,
    /// `RELU6`.
    Relu6,
    /// `TANH`.
    Tanh,
    /// `SIGN_BIT`.
    SignBit,
}

impl ActivationFn {
    fn of(a: tflite::ActivationFunctionType) -> ActivationFn {
        use tflite::ActivationFunctionType as A;
        match a {
            A::None => ActivationFn::None,
            A::Relu => ActivationFn::Relu,
            A::ReluN1To1 => ActivationFn::ReluN1To1,
            A::Relu6 => ActivationFn::Relu6,
            A::Tanh => ActivationFn::Tanh,
            A::SignBit => ActivationFn::SignBit,
        }
    }
}

/// TFLite's name of a builtin operator (`CONV_2D`): spelled out for the ones embednn reads and
/// those common in small models, the generated variant's name otherwise.
pub fn builtin_name(b: tflite::BuiltinOperator) -> String {
    use tflite::BuiltinOperator as B;
    let name = match b {
        B::Add => "ADD",
        B::AveragePool2d => "AVERAGE_POOL_2D",
        B::Concatenation => "CONCATENATION",
        B::Conv2d => "CONV_2D",
        B::DepthwiseConv2d => "DEPTHWISE_CONV_2D",
        B::Dequantize => "DEQUANTIZE",
        B::FullyConnected => "FULLY_CONNECTED",
        B::Logistic => "LOGISTIC",
        B::MaxPool2d => "MAX_POOL_2D",
        B::Mul => "MUL",
        B::Relu => "RELU",
        B::Relu6 => "RELU6",
        B::Reshape => "RESHAPE",
        B::Softmax => "SOFTMAX",
        B::Tanh => "TANH",
        B::Pad => "PAD",
        B::Mean => "MEAN",
        B::Sub => "SUB",
        B::Squeeze => "SQUEEZE",
        B::StridedSlice => "STRIDED_SLICE",
        B::Quantize => "QUANTIZE",
        B::LeakyRelu => "LEAKY_RELU",
        B::HardSwish => "HARD_SWISH",
        B::Transpose => "TRANSPOSE",
        B::Pack => "PACK",
        B::Shape => "SHAPE",
        B::Custom => "CUSTOM",
        other => return format!("{other:?}"),
    };
    name.to_string()
}

/// The operator: TFLite's builtin code, by name (`CUSTOM` ops carry their custom code).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OpKind {
    /// A builtin operator.
    Builtin(tflite::BuiltinOperator),
    /// A custom operator and its code.
    Custom(String),
}

impl OpKind {
    /// The name TFLite gives it (`CONV_2D`, or the custom code).
    pub fn name(&self) -> String {
        match self {
            OpKind::Builtin(b) => builtin_name(*b),
            OpKind::Custom(code) => format!("CUSTOM({code})"),
        }
    }
}

/// The options of the operators embednn maps (others keep [`Options::Other`]).
#[derive(Clone, Debug, PartialEq)]
pub enum Options {
    /// `CONV_2D` and `DEPTHWISE_CONV_2D`.
    Conv {
        /// `true` for `SAME`, `false` for `VALID`.
        same: bool,
        /// Stride along the height.
        stride_h: usize,
        /// Stride along the width.
        stride_w: usize,
        /// Dilation along the height.
        dilation_h: usize,
        /// Dilation along the width.
        dilation_w: usize,
        /// Depth multiplier (depthwise only; 0 for `CONV_2D`).
        depth_multiplier: usize,
        /// Fused activation.
        activation: ActivationFn,
    },
    /// `AVERAGE_POOL_2D` and `MAX_POOL_2D`.
    Pool {
        /// `true` for `SAME`.
        same: bool,
        /// Stride along the height.
        stride_h: usize,
        /// Stride along the width.
        stride_w: usize,
        /// Window height.
        filter_h: usize,
        /// Window width.
        filter_w: usize,
        /// Fused activation.
        activation: ActivationFn,
    },
    /// `FULLY_CONNECTED`.
    FullyConnected {
        /// Fused activation.
        activation: ActivationFn,
        /// Whether the output keeps the input's rank.
        keep_num_dims: bool,
        /// Weights in the default (not shuffled) format.
        default_weights: bool,
    },
    /// `ADD`.
    Add {
        /// Fused activation.
        activation: ActivationFn,
    },
    /// `SOFTMAX`.
    Softmax {
        /// The inverse temperature.
        beta: f32,
    },
    /// `RESHAPE` (the new shape, when given as an option).
    Reshape {
        /// The new shape.
        new_shape: Option<Vec<i32>>,
    },
    /// `MEAN` and other reducers.
    Reducer {
        /// Whether the reduced axes are kept as size 1.
        keep_dims: bool,
    },
    /// No options, or options embednn does not read.
    Other,
}

/// One operator, in execution order.
#[derive(Clone, Debug, PartialEq)]
pub struct Op {
    /// Position in the subgraph's operator list.
    pub index: usize,
    /// What it computes.
    pub kind: OpKind,
    /// Its options.
    pub options: Options,
    /// Input tensors (`None` for an omitted optional input, TFLite's −1).
    pub inputs: Vec<Option<usize>>,
    /// Output tensors.
    pub outputs: Vec<usize>,
}

impl Op {
    /// The operator's name (`CONV_2D`).
    pub fn name(&self) -> String {
        self.kind.name()
    }

    /// Whether it is the builtin `b`.
    pub fn is(&self, b: tflite::BuiltinOperator) -> bool {
        self.kind == OpKind::Builtin(b)
    }
}

/// The main subgraph of a `.tflite` model.
#[derive(Clone, Debug, PartialEq)]
pub struct Graph {
    /// Schema version.
    pub version: u32,
    /// Every tensor.
    pub tensors: Vec<TensorInfo>,
    /// Operators in execution order.
    pub ops: Vec<Op>,
    /// The model's input tensors.
    pub inputs: Vec<usize>,
    /// The model's output tensors.
    pub outputs: Vec<usize>,
    /// Number of subgraphs in the file (only the first is read).
    pub subgraphs: usize,
}

fn index(v: i32, len: usize, what: &str) -> Result<usize, GraphError> {
    usize::try_from(v)
        .ok()
        .filter(|&i| i < len)
        .ok_or_else(|| GraphError::Invalid(format!("{what} {v} is not one of the {len} tensors")))
}

fn options(o: Option<tflite::BuiltinOptionsRef<'_>>) -> Result<Options, GraphError> {
    use tflite::BuiltinOptionsRef as B;
    let same = |p: tflite::Padding| p == tflite::Padding::Same;
    let n = |v: i32| usize::try_from(v).unwrap_or(0);
    Ok(match o {
        Some(B::Conv2DOptions(c)) => Options::Conv {
            same: same(c.padding()?),
            stride_h: n(c.stride_h()?),
            stride_w: n(c.stride_w()?),
            dilation_h: n(c.dilation_h_factor()?),
            dilation_w: n(c.dilation_w_factor()?),
            depth_multiplier: 0,
            activation: ActivationFn::of(c.fused_activation_function()?),
        },
        Some(B::DepthwiseConv2DOptions(c)) => Options::Conv {
            same: same(c.padding()?),
            stride_h: n(c.stride_h()?),
            stride_w: n(c.stride_w()?),
            dilation_h: n(c.dilation_h_factor()?),
            dilation_w: n(c.dilation_w_factor()?),
            depth_multiplier: n(c.depth_multiplier()?),
            activation: ActivationFn::of(c.fused_activation_function()?),
        },
        Some(B::Pool2DOptions(p)) => Options::Pool {
            same: same(p.padding()?),
            stride_h: n(p.stride_h()?),
            stride_w: n(p.stride_w()?),
            filter_h: n(p.filter_height()?),
            filter_w: n(p.filter_width()?),
            activation: ActivationFn::of(p.fused_activation_function()?),
        },
        Some(B::FullyConnectedOptions(f)) => Options::FullyConnected {
            activation: ActivationFn::of(f.fused_activation_function()?),
            keep_num_dims: f.keep_num_dims()?,
            default_weights: f.weights_format()?
                == tflite::FullyConnectedOptionsWeightsFormat::Default,
        },
        Some(B::AddOptions(a)) => Options::Add {
            activation: ActivationFn::of(a.fused_activation_function()?),
        },
        Some(B::SoftmaxOptions(s)) => Options::Softmax { beta: s.beta()? },
        Some(B::ReshapeOptions(r)) => Options::Reshape {
            new_shape: r.new_shape()?.map(|v| v.iter().collect()),
        },
        Some(B::ReducerOptions(r)) => Options::Reducer {
            keep_dims: r.keep_dims()?,
        },
        _ => Options::Other,
    })
}

impl Graph {
    /// Reads the main subgraph of a `.tflite` file.
    pub fn parse(bytes: &[u8]) -> Result<Graph, GraphError> {
        use planus::ReadAsRoot;
        let model = tflite::ModelRef::read_as_root(bytes)?;
        let codes: Vec<OpKind> = match model.operator_codes()? {
            Some(codes) => codes
                .iter()
                .map(|c| {
                    let c = c?;
                    // The extended code, or the deprecated byte for files written before it.
                    let code = c.builtin_code()?;
                    let old = c.deprecated_builtin_code()?;
                    let code = if (code as i32) < old as i32 {
                        tflite::BuiltinOperator::try_from(old as i32).unwrap_or(code)
                    } else {
                        code
                    };
                    Ok(if code == tflite::BuiltinOperator::Custom {
                        OpKind::Custom(c.custom_code()?.unwrap_or("").to_string())
                    } else {
                        OpKind::Builtin(code)
                    })
                })
                .collect::<Result<_, planus::Error>>()?,
            None => Vec::new(),
        };
        let buffers: Vec<Option<Vec<u8>>> = match model.buffers()? {
            Some(buffers) => buffers
                .iter()
                .map(|b| Ok(b?.data()?.filter(|d| !d.is_empty()).map(<[u8]>::to_vec)))
                .collect::<Result<_, planus::Error>>()?,
            None => Vec::new(),
        };
        let subgraphs = model
            .subgraphs()?
            .ok_or_else(|| GraphError::Invalid("no subgraph".into()))?;
        let sub = subgraphs
            .iter()
            .next()
            .ok_or_else(|| GraphError::Invalid("no subgraph".into()))??;

        let mut tensors = Vec::new();
        for t in sub.tensors()?.into_iter().flatten() {
            let t = t?;
            let shape = t
                .shape()?
                .map(|s| s.iter().map(|d| usize::try_from(d).unwrap_or(0)).collect())
                .unwrap_or_default();
            let quant = match t.quantization()? {
                Some(q) => {
                    let scales: Vec<f32> =
                        q.scale()?.map(|v| v.iter().collect()).unwrap_or_default();
                    let zero_points: Vec<i64> = q
                        .zero_point()?
                        .map(|v| v.iter().collect())
                        .unwrap_or_default();
                    (!scales.is_empty()).then(|| Quant {
                        scales,
                        zero_points,
                        axis: usize::try_from(q.quantized_dimension().unwrap_or(0)).unwrap_or(0),
                    })
                }
                None => None,
            };
            let buffer = t.buffer()? as usize;
            tensors.push(TensorInfo {
                name: t.name()?.unwrap_or("").to_string(),
                shape,
                dtype: DType::of(t.type_()?),
                quant,
                data: buffers.get(buffer).cloned().flatten(),
            });
        }
        let len = tensors.len();
        let list =
            |v: Option<planus::Vector<'_, i32>>, what: &str| -> Result<Vec<usize>, GraphError> {
                v.map(|v| v.iter().map(|i| index(i, len, what)).collect())
                    .unwrap_or_else(|| Ok(Vec::new()))
            };
        let mut ops = Vec::new();
        for (i, op) in sub.operators()?.into_iter().flatten().enumerate() {
            let op = op?;
            let kind = codes
                .get(op.opcode_index()? as usize)
                .cloned()
                .ok_or_else(|| GraphError::Invalid(format!("operator {i}: no such opcode")))?;
            let inputs = op
                .inputs()?
                .map(|v| {
                    v.iter()
                        .map(|t| {
                            if t < 0 {
                                Ok(None)
                            } else {
                                index(t, len, "input").map(Some)
                            }
                        })
                        .collect::<Result<Vec<_>, _>>()
                })
                .transpose()?
                .unwrap_or_default();
            ops.push(Op {
                index: i,
                kind,
                options: options(op.builtin_options()?)?,
                inputs,
                outputs: list(op.outputs()?, "output")?,
            });
        }
        Ok(Graph {
            version: model.version()?,
            inputs: list(sub.inputs()?, "graph input")?,
            outputs: list(sub.outputs()?, "graph output")?,
            tensors,
            ops,
            subgraphs: subgraphs.len(),
        })
    }

    /// The tensor at `i` (`None` if out of range).
    pub fn tensor(&self, i: usize) -> Option<&TensorInfo> {
        self.tensors.get(i)
    }

    /// The shapes of an operator's inputs and outputs, for messages: `[1, 32, 32, 3] → [1, 10]`.
    pub fn shapes(&self, op: &Op) -> String {
        let show = |ts: &mut dyn Iterator<Item = Option<usize>>| -> String {
            ts.map(|t| match t.and_then(|t| self.tensor(t)) {
                Some(t) => format!("{:?}", t.shape),
                None => "-".into(),
            })
            .collect::<Vec<_>>()
            .join(", ")
        };
        format!(
            "inputs {}; outputs {}",
            show(&mut op.inputs.iter().copied()),
            show(&mut op.outputs.iter().map(|&t| Some(t)))
        )
    }
}
