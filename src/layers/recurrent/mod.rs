//! Recurrent and sequence layers: [`Gru`], [`Lstm`] and [`Embedding`].
//!
//! Sequences are `[[f32; C]; L]`, `L` steps of `C` channels (channels last, as for
//! [`Conv1d`](crate::Conv1d) and Keras). The weights have Keras' shapes and gate order, stored
//! in Keras' memory order, so the arrays `layer.get_weights()` returns map one to one onto the
//! fields (and onto the model file's parameter run):
//!
//! | layer | field | Keras weight | shape here |
//! |---|---|---|---|
//! | [`Lstm<L, C, U>`] | `kernel` | `kernel (C, 4U)`, gates i, f, c, o | `[[[f32; U]; 4]; C]` |
//! | | `recurrent_kernel` | `recurrent_kernel (U, 4U)` | `[[[f32; U]; 4]; U]` |
//! | | `bias` | `bias (4U)` | `[[f32; U]; 4]` |
//! | [`Gru<L, C, U>`] | `kernel` | `kernel (C, 3U)`, gates z, r, h | `[[[f32; U]; 3]; C]` |
//! | | `recurrent_kernel` | `recurrent_kernel (U, 3U)` | `[[[f32; U]; 3]; U]` |
//! | | `bias` | `bias (2, 3U)` (`reset_after=True`): input bias, then recurrent bias | `[[[f32; U]; 3]; 2]` |
//! | [`Embedding<V, DIM, L>`] | `embeddings` | `embeddings (V, DIM)` | `[[f32; DIM]; V]` |
//!
//! The activations are Keras' defaults: `tanh` for the candidate and the output, `sigmoid`
//! (the logistic function, not `hard_sigmoid`) for the gates. The initial state is zero.
//!
//! Whether a recurrent layer returns its last state `[f32; U]` or every state `[[f32; U]; L]`
//! (Keras' `return_sequences`) is its last type parameter: [`ReturnLast`] (the default) or
//! [`ReturnSequences`].
//!
//! **Training.** The backward pass runs back through time. The trace ([`Layer::Cache`](crate::Layer::Cache)) keeps
//! the gates of every step (and the LSTM's cell states) and, for [`ReturnLast`], the hidden
//! states; with [`ReturnSequences`] the hidden states are the output, which the backward pass
//! already receives, so the trace does not repeat them. Every size is a constant of the type.
//!
//! **Initialization.** `kernel` and `recurrent_kernel` are drawn by the model's
//! [`Initializer`](crate::Initializer) with the fans of their Keras shapes (Keras draws the
//! recurrent kernel orthogonal, which no `no_std` initializer here does); biases start at zero
//! (Keras' LSTM sets the forget gate's bias to 1, `unit_forget_bias`; [`Lstm::unit_forget_bias`]
//! does the same).
//!
//! **Non-finite values.** NaN and infinities flow through: a NaN input makes every later state
//! NaN. A saturated gate (±∞ pre-activation) gives the logistic's exact 0 or 1.

mod embedding;
mod gru;
mod lstm;
pub(crate) mod slices;

use core::fmt::Debug;

pub use embedding::Embedding;
pub use gru::Gru;
pub use lstm::Lstm;

use crate::kernels::{axpy, mac_row};
use crate::layers::const_fmt::Message;

mod sealed {
    pub trait Sealed {}
}

/// What a recurrent layer returns: [`ReturnLast`] or [`ReturnSequences`] (Keras'
/// `return_sequences=False` / `True`).
pub trait Return: sealed::Sealed + Copy + Debug + Default + PartialEq + Eq + 'static {
    /// Keras' `return_sequences`.
    const SEQUENCES: bool;
    /// How it appears in [`LayerInfo::dims`](crate::LayerInfo::dims) (and the model file): `0`
    /// for the last state, `1` for the whole sequence.
    const CODE: usize;
}

/// The layer outputs its last hidden state, `[f32; U]` (Keras' `return_sequences=False`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReturnLast;

/// The layer outputs every hidden state, `[[f32; U]; L]` (Keras' `return_sequences=True`), to
/// feed another recurrent layer or a per-step head.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReturnSequences;

impl sealed::Sealed for ReturnLast {}
impl sealed::Sealed for ReturnSequences {}
impl Return for ReturnLast {
    const SEQUENCES: bool = false;
    const CODE: usize = 0;
}
impl Return for ReturnSequences {
    const SEQUENCES: bool = true;
    const CODE: usize = 1;
}

/// The size check of a recurrent layer: at least one step and one unit.
pub(crate) const fn check_sizes(layer: &str, steps: usize, units: usize) {
    if steps == 0 {
        Message::new()
            .str(layer)
            .str(": the sequence length L is 0; a recurrent layer needs at least one step")
            .fail();
    }
    if units == 0 {
        Message::new()
            .str(layer)
            .str(": the number of units U is 0; write U >= 1")
            .fail();
    }
}

/// `acc += Σ_c x[c] · rows[c]` over gate-major rows of `G` gates × `U` units, one row at a time
/// in ascending `c` (the order every recurrent forward pass uses).
#[inline]
fn project<const G: usize, const U: usize>(
    x: &[f32],
    rows: &[[[f32; U]; G]],
    acc: &mut [[f32; U]; G],
) {
    let acc = acc.as_flattened_mut();
    for (&v, row) in x.iter().zip(rows) {
        axpy(v, row.as_flattened(), acc);
    }
}

/// `grad_rows[c] += x[c] · d` for every `c` (the kernel gradient of [`project`]).
#[inline]
fn project_grad<const G: usize, const U: usize>(
    x: &[f32],
    d: &[[f32; U]; G],
    grad_rows: &mut [[[f32; U]; G]],
) {
    let d = d.as_flattened();
    for (&v, row) in x.iter().zip(grad_rows) {
        axpy(v, d, row.as_flattened_mut());
    }
}

/// `out[c] = init[c] + rows[c] · d` (the input gradient of [`project`]; `init` is what `out`
/// already holds when `accumulate`, else zero).
#[inline]
fn project_back<const G: usize, const U: usize>(
    rows: &[[[f32; U]; G]],
    d: &[[f32; U]; G],
    out: &mut [f32],
    accumulate: bool,
) {
    let d = d.as_flattened();
    for (o, row) in out.iter_mut().zip(rows) {
        let start = if accumulate { *o } else { 0.0 };
        *o = mac_row(start, row.as_flattened(), d);
    }
}

/// `a += b`, element by element.
#[inline]
fn add<const N: usize>(a: &mut [f32; N], b: &[f32; N]) {
    for (a, &b) in a.iter_mut().zip(b) {
        *a += b;
    }
}

/// The logistic function (Keras' `sigmoid`).
#[inline]
fn sigmoid(x: f32) -> f32 {
    crate::Sigmoid::logistic(x)
}

/// Keras' `tanh`.
#[inline]
fn tanh(x: f32) -> f32 {
    libm::tanhf(x)
}

#[cfg(test)]
mod tests;
