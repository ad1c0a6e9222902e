//! Convolutions: [`Conv1d`] over sequences (sensor windows, audio frames), [`Conv2d`] and
//! [`DepthwiseConv2d`] over images.
//!
//! # Layout
//!
//! Activations are channels last, the layout TensorFlow Lite and CMSIS-NN use (see
//! [`tensor`](crate::tensor)):
//!
//! | layer | input | output |
//! |---|---|---|
//! | `Conv1d<L, CIN, COUT, KL, SL, OL, P>` | `[[f32; CIN]; L]` | `[[f32; COUT]; OL]` |
//! | `Conv2d<H, W, CIN, COUT, KH, KW, SH, SW, OH, OW, P>` | `[[[f32; CIN]; W]; H]` | `[[[f32; COUT]; OW]; OH]` |
//! | `DepthwiseConv2d<H, W, C, KH, KW, SH, SW, OH, OW, P>` | `[[[f32; C]; W]; H]` | `[[[f32; C]; OW]; OH]` |
//!
//! `KL`/`KH`/`KW` are the kernel size, `SL`/`SH`/`SW` the stride and `P` the padding, [`Valid`]
//! (the default) or [`Same`]. Kernel weights are stored in the order the kernel reads them, TFLite's
//! OHWI: `kernel[cout][kh][kw][cin]`, so for one output channel and one kernel row the `KW·CIN`
//! weights are contiguous and are dotted with the contiguous `KW·CIN` input values under them.
//! Keras stores `Conv2D` kernels as HWIO (`kernel[kh][kw][cin][cout]`);
//! [`Conv2d::from_keras`] and [`Conv1d::from_keras`] transpose.
//!
//! # Output size and padding
//!
//! You write the output size; the compiler checks it. Along each axis, with input size `N`,
//! kernel `K` and stride `S` (exactly TensorFlow's rules, so Keras weights give the same outputs):
//!
//! - **`Valid`**: no padding; `out = (N - K) / S + 1` (the kernel must fit: `K ≤ N`).
//! - **`Same`**: `out = ceil(N / S)`, and the input is zero-padded by
//!   `pad = max((out - 1)·S + K - N, 0)` in total, `pad / 2` before and the rest after — for an
//!   even total the extra zero goes *after* (bottom/right). Both are
//!   `out = (N + pad - K) / S + 1`.
//!
//! A wrong output size fails the build with the expected value, at the model definition when the
//! model is checked with [`check`](crate::check()) (so `cargo check` reports it too):
//!
//! ```compile_fail,E0080
//! use embednn::prelude::*;
//! type Wrong = (Conv2d<8, 8, 1, 4, 3, 3, 2, 2, 4, 4>, Relu); // valid: (8 - 3) / 2 + 1 = 3
//! const _: () = embednn::check::<Wrong>();
//! // error[E0080]: evaluation panicked: Conv2d: output height OH = 4 is wrong: (H - KH) / SH + 1
//! //               = (8 - 3) / 2 + 1 = 3 with "valid" padding; write OH = 3
//! ```
//!
//! # A small CNN
//!
//! ```
//! use embednn::prelude::*;
//!
//! // 8×8 grayscale → 8 feature maps ("same": still 8×8) → 2×2 max pool (4×4×8) → 128 → 10.
//! type Cnn = (
//!     Conv2d<8, 8, 1, 8, 3, 3, 1, 1, 8, 8, Same>,
//!     Relu,
//!     MaxPool2d<2, 2, 2, 2, 4, 4>,
//!     Flatten<128>,
//!     Dense<128, 10>,
//! );
//! const _: () = embednn::check::<Cnn>();
//!
//! let mut rng = Rng::seed(7);
//! let cnn = Cnn::init(Initializer::HeUniform, &mut rng);
//! let image = [[[0.5f32; 1]; 8]; 8];
//! let logits: [f32; 10] = cnn.predict(&image);
//! assert!(logits.iter().all(|v| v.is_finite()));
//! assert_eq!(Cnn::PARAMS, (8 * 3 * 3 * 1 + 8) + (128 * 10 + 10));
//! assert_eq!(Cnn::MACS, 8 * 8 * 8 * 3 * 3 * 1 + 128 * 10);
//! ```
//!
//! # Cost
//!
//! The convolution is direct, without an im2col matrix. Each output is summed in a fixed order,
//! one product at a time starting from the bias, taps in storage order, so results are
//! bit-identical on every target. How the kernels go (instructions per MAC on a Cortex-M4F are
//! in `examples/firmware/README.md`):
//!
//! - [`Conv2d`]/[`Conv1d`] copy the windows of four output pixels side by side into a buffer
//!   (zeros where a window hangs over the border, as in TensorFlow's padded patches) and compute
//!   four output channels of the four pixels per pass, so four weights and four inputs feed
//!   sixteen multiply-adds; the last pixels (fewer than four) go one window at a time, eight
//!   channels per pass. [`Layer::FORWARD_BYTES`](crate::Layer::FORWARD_BYTES) is those five filter-sized windows.
//! - A 1×1 convolution needs no copy: its kernel is a `[[f32; CIN]; COUT]` matrix, and it runs
//!   the [`Dense`](crate::Dense) kernel on four pixels at a time (stride 1) or one (larger
//!   strides) — the same sums in the same order either way.
//! - [`DepthwiseConv2d`] computes four channels at a time with their sums in registers across
//!   the window, which it clips at the borders (no scratch memory).

mod conv1d;
mod conv2d;
mod depthwise;
mod loops;
mod padding;
pub(crate) mod window;

pub use conv1d::Conv1d;
pub use conv2d::Conv2d;
pub use depthwise::DepthwiseConv2d;
pub use padding::{Padding, Same, Valid};

#[cfg(test)]
mod tests;
