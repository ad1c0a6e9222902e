//! int8 inference: TensorFlow Lite's quantization scheme, shapes in types, integer-only kernels.
//!
//! # The scheme (TFLite's, exactly)
//!
//! - **Activations** are int8, per tensor, asymmetric: `r = s · (q − z)` ([`QParams`]).
//! - **Weights** are int8, per output channel, symmetric (`z = 0`, range `[-127, 127]`).
//! - **Biases** are int32 at scale `s_in · s_w[c]`.
//! - A layer sums int8 products into an `i32` and moves it to the output scale with a Q31
//!   multiplier and a shift ([`Requant`]): a saturating rounding doubling high multiply, then a
//!   rounding divide by a power of two, then the output zero point and a clamp ([`OutputStage`]),
//!   where a ReLU or ReLU6 that follows is folded in.
//!
//! An int8 layer computes exactly the integers TFLite's reference kernels compute for the same
//! parameters (`tests/int8_reference.rs` checks it against TensorFlow's interpreter).
//!
//! # Types
//!
//! Every `f32` layer with an int8 form maps to it ([`Quantize::Quantized`]), so the int8 twin of
//! a model is a type computed from the model's type, sizes and all:
//!
//! ```
//! use embednn::prelude::*;
//! use embednn::quant::{Quantize, Quantized};
//!
//! type Net = (Dense<4, 8>, Relu, Dense<8, 3>, Softmax);
//! type NetInt8 = <Net as Quantize<[f32; 4]>>::Quantized; // (QDense<4, 8>, QClamp, QDense<8, 3>, QSoftmax)
//! assert_eq!(Quantized::<NetInt8>::MACS, 4 * 8 + 8 * 3);
//! // int8 weights, int32 biases, one requantization per channel:
//! assert!(Quantized::<NetInt8>::PARAM_BYTES < Net::PARAM_BYTES);
//! ```
//!
//! The host trainer's `quantize` calibrates the ranges on sample inputs and builds the int8
//! model ([`Quantize::observe`], [`Quantize::quantize`]); firmware runs [`Quantized::predict`]
//! (or [`Quantized::predict_int8`] for integer input and output). Nothing here allocates or
//! panics, like the rest of the core.

pub mod arith;
pub mod batchnorm;
pub mod conv;
pub mod convert;
pub mod dense;
pub mod depthwise;
/// Cortex-M4/M7/M33 kernels (`SMLAD`, `SXTB16`): the crate's one module with `unsafe` code.
#[cfg(all(
    target_arch = "arm",
    any(
        all(target_feature = "dsp", target_feature = "mclass"),
        all(
            target_os = "none",
            target_abi = "eabihf",
            target_endian = "little",
            not(target_has_atomic = "64")
        )
    )
))]
#[allow(unsafe_code)]
mod dsp;
pub mod elementwise;
pub mod kernels;
pub mod layer;
pub mod model;
pub mod residual;
pub mod serde;
pub mod tensor;

pub use self::serde::QStored;
pub use arith::{OutputStage, QParams, Requant};
pub use batchnorm::QBatchNorm;
pub use conv::{QConv1d, QConv2d};
pub use convert::{Context, Observer, Quantize, QuantizeError, Range};
pub use dense::{Packed, QDense};
pub use depthwise::QDepthwiseConv2d;
pub use elementwise::{QClamp, QLut, QSoftmax};
pub use layer::{QLayer, QLayerInfo};
pub use model::{check, QFixedInput, QModel, QOutput, Quantized};
pub use residual::{QAdd, QAddParams, QResidual};
pub use tensor::{HasInt8, QTensor};
