//! # embednn
//!
//! Neural networks whose every tensor shape is part of their type: train them on a host, run —
//! and fine-tune — them on a microcontroller, with no heap, no interpreter and no arena to guess.
//!
//! ## The idea
//!
//! A model is a tuple of layers. Each layer is a [`Layer<X>`] for the input type it accepts, so a
//! model whose sizes do not line up is not a type error waiting at run time but a compile error
//! that names both sizes:
//!
//! ```compile_fail
//! use embednn::prelude::*;
//! type Broken = (Dense<2, 3>, Relu, Dense<4, 1>); // 3 outputs feed 4 inputs
//! const _: () = embednn::check::<Broken>();
//! // error: the trait `Layer<[f32; 3]>` is not implemented for `Dense<4, 1>`
//! //        but trait `Layer<[f32; 4]>` is implemented for it
//! ```
//!
//! The backward pass is typed the same way. The forward pass of training records a *trace*
//! ([`Trace<M>`]) and the parameter gradient has the parameters' own shape ([`Gradient<M>`]); both
//! are distinct types per model, so handing one model's gradient to another does not compile.
//!
//! Everything is sized at compile time, and the sizes are constants of the model type:
//! [`Params::PARAMS`], [`Layer::MACS`], [`Model::INFERENCE_BYTES`], [`Trainer::RAM_BYTES`].
//!
//! ## Define, run, train
//!
//! ```
//! use embednn::prelude::*;
//!
//! // The TinyML "hello world": sine regression, 1 → 16 → 16 → 1.
//! type Sine = (Dense<1, 16>, Relu, Dense<16, 16>, Relu, Dense<16, 1>);
//! embednn::check!(Sine); // any size mismatch is a compile error pointing here
//!
//! let mut rng = Rng::seed(42);
//! let mut model = Sine::init(Initializer::GlorotUniform, &mut rng);
//!
//! // Inference: an array in, an array out.
//! let y: [f32; 1] = model.predict(&[1.0]);
//!
//! // One training step on a mini-batch; no heap involved, so this runs on a device too.
//! let mut trainer = Trainer::<Sine, _, _>::new(Mse, Adam::new(0.01));
//! let xs = [[0.0], [1.5], [3.0]];
//! let ys = [[0.0], [0.997], [0.141]];
//! let loss = trainer.train_batch(&mut model, &xs, &ys, &mut rng)?; // Err if the lengths differ
//! assert!(loss.is_finite());
//!
//! // What it costs, known before anything runs.
//! assert_eq!(Sine::PARAMS, 321);
//! assert_eq!(Sine::MACS, 16 + 256 + 16);
//! let _ram = Trainer::<Sine, Mse, Adam>::RAM_BYTES;
//! # let _ = y;
//! # Ok::<(), embednn::train::LengthMismatch>(())
//! ```
//!
//! ## Your own layer: one declaration
//!
//! A layer is its struct, one [`params!`] declaration of its parameter fields, and `impl Layer`
//! (forward, backward). The declaration writes what every layer needs and nobody should write
//! twice: buffers, parameter visiting in file order, initialization, codegen of flash statics and
//! serde. See [`param`] for the full syntax; [`Dense`] is declared this way:
//!
//! ```text
//! embednn::params! {
//!     impl[const I: usize, const O: usize] Dense<I, O> as "Dense"[I, O] for [f32; I] {
//!         kernel: Weight = fan(I, O),
//!         bias: Bias = 0.0,
//!     }
//! }
//! ```
//!
//! ## Serialization: serde and postcard
//!
//! Every layer and every model tuple (up to 16 layers, serde's limit for tuples) implements
//! `serde::Serialize` and `serde::Deserialize` without `alloc`: a model is the flat sequence of
//! its parameters, so `postcard::to_slice(&model, &mut buf)` writes exactly their little-endian
//! bytes and `postcard::from_bytes::<M>(&buf)` reads them back bit for bit. The model file
//! ([`format`](mod@format)) is a sequence of `#[derive(Serialize, Deserialize)]` structs encoded
//! by postcard, closed by a CRC-32 from the [`crc`](https://docs.rs/crc) crate.
//!
//! ## What the dependencies do
//!
//! - [`nalgebra`](https://docs.rs/nalgebra): the storage of matrix-shaped parameters — a
//!   [`Dense`] kernel is an `SMatrix<f32, I, O>` (column-major, one column per output, the order
//!   the kernel streams it) and its bias an `SVector<f32, O>`; [`param::ParamArray`] treats
//!   such a matrix like any other run of `f32`s for visiting, serde and codegen.
//! - [`libm`](https://docs.rs/libm): `exp`, `tanh`, `sqrt` and friends without `std`, the same
//!   bits on every target.
//! - [`heapless`](https://docs.rs/heapless): fixed-capacity strings and vectors for the model
//!   file's layer descriptors and the summary, so nothing allocates.
//! - [`serde`](https://docs.rs/serde) and [`postcard`](https://docs.rs/postcard): serialization
//!   of models and of the model file, above.
//!
//! ## Map of the crate
//!
//! - [`tensor`]: the activation types (`[f32; N]`, `[[f32; C]; L]`, `[[[f32; C]; W]; H]`).
//! - [`layer`]: the [`Layer`] and [`Params`] traits every layer implements.
//! - [`layers`]: [`Dense`], convolutions ([`Conv1d`], [`Conv2d`], [`DepthwiseConv2d`]), pooling,
//!   [`BatchNorm`], activations ([`Relu`], [`Sigmoid`], [`Softmax`], …), [`Frozen`], recurrent
//!   and sequence layers ([`Gru`], [`Lstm`], [`Embedding`]; [`layers::recurrent`]).
//! - [`param`]: [`params!`], the one declaration of a layer's parameters.
//! - [`model`]: tuples of layers as models, [`check()`], the [`Model`] trait.
//! - [`loss`]: [`Mse`], [`Mae`], [`BinaryCrossEntropyWithLogits`], [`SoftmaxCrossEntropy`].
//! - [`optim`]: [`Sgd`], [`SgdMomentum`], [`Adam`], [`AdamW`], [`Clip`], [`Regularization`].
//! - [`train`]: [`Trainer`], the device-friendly training step.
//! - [`format`](mod@format): the checked model file ([`ModelFile`]) the host writes and firmware
//!   loads.
//! - [`init`], [`rng`]: seeded initialization; [`buffer`]: gradients and optimizer state.
//! - [`summary`]: a Keras-like model table.
//! - [`audio`]: the audio front end, PCM to log-mel and MFCC tensors ([`audio::KwsFrontEnd`]).
//!
//! ## Guarantees
//!
//! - `#![no_std]`, no `alloc`, `#![deny(unsafe_code)]`: the one exception is the Cortex-M DSP
//!   kernel module (`quant::dsp`, assembly, compiled only for cores with the DSP extension).
//! - No panics on any input: NaN and infinities flow through (see [`layers::activation`] for
//!   what comes out); fallible operations return errors.
//! - The same code computes on the host and the device, in a fixed order, so results are
//!   bit-identical wherever IEEE-754 `f32` arithmetic is (x86-64, Cortex-M4F, soft-float M0).

#![cfg_attr(not(feature = "std"), no_std)]
#![deny(unsafe_code)]
#![deny(missing_docs)]

pub mod any_model;
pub mod audio;
pub mod buffer;
pub mod codegen;
pub mod format;
pub mod init;
pub mod kernels;
pub mod layer;
pub mod layers;
pub mod loss;
pub mod math;
pub mod model;
pub mod optim;
pub mod param;
pub mod quant;
pub mod rng;
pub mod summary;
pub mod tensor;
pub mod train;
mod tuples;

pub use any_model::AnyModel;
pub use buffer::Buffer;
pub use format::{LoadError, ModelFile, ModelInfo, Preprocessing, SaveError};
pub use init::{Init, Initializer};
pub use layer::{
    BackwardBatch, BackwardSample, Ending, ForwardBatch, Layer, LayerInfo, ParamKind, ParamSlot,
    Params,
};
pub use layers::activation::{Identity, LeakyRelu, Relu, Relu6, Sigmoid, Softmax, Tanh};
pub use layers::batchnorm::BatchNorm;
pub use layers::conv::{Conv1d, Conv2d, DepthwiseConv2d, Padding, Same, Valid};
pub use layers::dense::Dense;
pub use layers::dropout::Dropout;
pub use layers::frozen::Frozen;
pub use layers::pool::{AvgPool1d, AvgPool2d, GlobalAvgPool, MaxPool1d, MaxPool2d};
pub use layers::recurrent::{Embedding, Gru, Lstm, Return, ReturnLast, ReturnSequences};
pub use layers::reshape::{Flatten, Reshape};
pub use layers::residual::{Add, Residual};
pub use loss::{
    BinaryCrossEntropy, BinaryCrossEntropyWithLogits, CategoricalCrossEntropy, Loss, Mae, Mse,
    SoftmaxCrossEntropy, SparseCategoricalCrossEntropy,
};
pub use model::{check, BatchScratch, FixedInput, Gradient, Input, Model, Output, Trace};
pub use optim::{Adam, AdamW, Clip, Optimizer, Regularization, Sgd, SgdMomentum};
pub use rng::Rng;
#[doc(hidden)]
pub use serde;
pub use tensor::Tensor;
pub use train::{batch_gradient, sample_gradient, BatchTrainer, Trainer};

/// Everything needed to define, run and train a model: `use embednn::prelude::*;`
pub mod prelude {
    pub use crate::{
        Adam, AdamW, BatchNorm, BatchTrainer, BinaryCrossEntropyWithLogits, Buffer, Clip, Dense,
        FixedInput, Frozen, Identity, Init, Initializer, Layer, LeakyRelu, Loss, Mae, Model, Mse,
        Optimizer, Params, Regularization, Relu, Relu6, Rng, Sgd, SgdMomentum, Sigmoid, Softmax,
        SoftmaxCrossEntropy, Tanh, Tensor, Trainer,
    };
    pub use crate::{
        AvgPool1d, AvgPool2d, Conv1d, Conv2d, DepthwiseConv2d, Dropout, Flatten, GlobalAvgPool,
        MaxPool1d, MaxPool2d, Reshape, Same, Valid,
    };
    pub use crate::{
        BinaryCrossEntropy, CategoricalCrossEntropy, Input, ModelFile, Output, Preprocessing,
        SparseCategoricalCrossEntropy,
    };
    pub use crate::{Embedding, Gru, Lstm, ReturnLast, ReturnSequences};
}
