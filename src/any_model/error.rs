//! Why a file cannot be planned ([`PlanError`]) or a plan cannot run ([`RunError`]).

use core::fmt;

use super::Shape;
use crate::format::LayerDesc;

/// Why [`AnyModel::new`](super::AnyModel::new) refuses a file's layers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PlanError {
    /// The file lists no layers.
    NoLayers,
    /// More layers than a plan holds.
    TooManyLayers {
        /// Layers in the file.
        found: usize,
        /// [`MAX_LAYERS`](super::MAX_LAYERS).
        max: usize,
    },
    /// A layer kind this crate does not define (a user's own layer, or a newer crate's).
    UnknownKind {
        /// Position of the layer, from 0.
        layer: usize,
        /// The layer as stored.
        found: LayerDesc,
    },
    /// A layer's stored sizes do not describe a layer (wrong count, a zero, a bad padding code,
    /// an output size that its window and stride do not give, …).
    BadSizes {
        /// Position of the layer, from 0.
        layer: usize,
        /// The layer as stored.
        found: LayerDesc,
        /// What is wrong.
        reason: &'static str,
    },
    /// A layer cannot take the previous layer's output.
    ShapeMismatch {
        /// Position of the layer, from 0.
        layer: usize,
        /// The layer as stored.
        found: LayerDesc,
        /// The shape it would get.
        input: Shape,
    },
    /// No layer before the first one that changes the shape says what the input is (a model
    /// must start with layers that fix it, such as `Dense`, `Conv1d`, `Conv2d`, …).
    UnknownInputShape {
        /// The first layer that needs the input's shape.
        layer: usize,
    },
    /// The file's parameter count is not what its layers need.
    ParamCount {
        /// What the layers need.
        expected: usize,
        /// What the file (or the slice given) holds.
        found: usize,
    },
    /// The stored standardization is not one value per input feature.
    PreprocessingLength {
        /// Values in one input.
        expected: usize,
        /// Means stored.
        found: usize,
    },
    /// Sizes whose product does not fit in memory.
    TooLarge {
        /// Position of the layer, from 0.
        layer: usize,
    },
}

impl fmt::Display for PlanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PlanError::NoLayers => f.write_str("the file lists no layers"),
            PlanError::TooManyLayers { found, max } => {
                write!(f, "{found} layers, more than the {max} a plan holds")
            }
            PlanError::UnknownKind { layer, found } => write!(
                f,
                "layer {layer} ({found}) is not a layer kind embednn defines, so it cannot run \
                 without its Rust type"
            ),
            PlanError::BadSizes {
                layer,
                found,
                reason,
            } => write!(f, "layer {layer} ({found}): {reason}"),
            PlanError::ShapeMismatch {
                layer,
                found,
                input,
            } => write!(
                f,
                "layer {layer} ({found}) cannot take the previous layer's output {input}"
            ),
            PlanError::UnknownInputShape { layer } => write!(
                f,
                "the input's shape is not known at layer {layer}: no layer before it fixes it"
            ),
            PlanError::ParamCount { expected, found } => write!(
                f,
                "the layers need {expected} parameters but {found} are stored"
            ),
            PlanError::PreprocessingLength { expected, found } => write!(
                f,
                "the file standardizes {found} features but the model takes {expected} values"
            ),
            PlanError::TooLarge { layer } => {
                write!(f, "layer {layer}: sizes too large to hold in memory")
            }
        }
    }
}

impl core::error::Error for PlanError {}

/// Why [`AnyModel::forward`](super::AnyModel::forward) did not run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunError {
    /// The input slice does not have the model's input length.
    InputLength {
        /// [`AnyModel::input_len`](super::AnyModel::input_len).
        expected: usize,
        /// The slice's length.
        found: usize,
    },
    /// The output slice does not have the model's output length.
    OutputLength {
        /// [`AnyModel::output_len`](super::AnyModel::output_len).
        expected: usize,
        /// The slice's length.
        found: usize,
    },
    /// The scratch slice is shorter than [`AnyModel::scratch_len`](super::AnyModel::scratch_len).
    ScratchTooSmall {
        /// What the plan needs.
        needed: usize,
        /// The slice's length.
        found: usize,
    },
}

impl fmt::Display for RunError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            RunError::InputLength { expected, found } => write!(
                f,
                "the model takes {expected} input values, {found} were given"
            ),
            RunError::OutputLength { expected, found } => write!(
                f,
                "the model gives {expected} output values, room for {found} was given"
            ),
            RunError::ScratchTooSmall { needed, found } => write!(
                f,
                "the model needs {needed} scratch values, {found} were given"
            ),
        }
    }
}

impl core::error::Error for RunError {}
