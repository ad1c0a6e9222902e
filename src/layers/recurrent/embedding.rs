//! Token embeddings (Keras' `Embedding`).

use crate::layer::Layer;

/// A table of `V` vectors of `DIM` values, looked up for a sequence of `L` token ids: Keras'
/// `Embedding(input_dim=V, output_dim=DIM)` on inputs of length `L`.
///
/// **Input.** Tensors are `f32` throughout (a model's input is a [`Tensor`](crate::Tensor), and
/// the trainers, the model file's standardization and the CSV readers all deal in `f32`), so
/// the ids arrive as `[f32; L]` holding whole numbers. `f32` represents every integer up to
/// 2²⁴ exactly, far more tokens than a table in a microcontroller's flash holds.
///
/// **Ids that are not tokens.** An element that is not a whole number in `0..V` — negative,
/// `V` or more, fractional, infinite or NaN — looks up nothing: its output row is all zeros
/// (what TensorFlow's `gather` gives on a GPU; on a CPU TensorFlow raises an error instead),
/// and it contributes no gradient. Nothing panics. [`Embedding::token`] is the rule.
///
/// **Gradient.** Ids are not differentiable: the input gradient is zero. The table's gradient
/// adds each step's output gradient into the row of its id.
///
/// ```
/// use embednn::{Embedding, Layer};
/// let table = Embedding::<3, 2, 4>::new([[0.0, 0.5], [1.0, 1.5], [2.0, 2.5]]);
/// let mut y = [[9.0; 2]; 4];
/// table.forward(&[2.0, 0.0, 7.0, f32::NAN], &mut y);
/// assert_eq!(y, [[2.0, 2.5], [0.0, 0.5], [0.0, 0.0], [0.0, 0.0]]);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Embedding<const V: usize, const DIM: usize, const L: usize> {
    /// One row of `DIM` values per token id (Keras' `embeddings`, `(V, DIM)`).
    pub embeddings: [[f32; DIM]; V],
}

crate::params! {
    impl[const V: usize, const DIM: usize, const L: usize] Embedding<V, DIM, L>
        as "Embedding"[V, DIM, L]
        for [f32; L]
    {
        embeddings: Weight = crate::param::fan(V, DIM),
    }
}

impl<const V: usize, const DIM: usize, const L: usize> Embedding<V, DIM, L> {
    /// Every vector zero.
    pub const ZERO: Self = Self::new([[0.0; DIM]; V]);

    /// Builds the layer from its table, one row per token id (`const`, for a model in flash).
    pub const fn new(embeddings: [[f32; DIM]; V]) -> Self {
        Embedding { embeddings }
    }

    /// The token an input element stands for: `Some(id)` for a whole number in `0..V`, `None`
    /// otherwise (negative, too large, fractional, infinite, NaN).
    ///
    /// ```
    /// use embednn::Embedding;
    /// type E = Embedding<10, 4, 1>;
    /// assert_eq!(E::token(3.0), Some(3));
    /// assert_eq!(E::token(-0.0), Some(0));
    /// assert_eq!((E::token(10.0), E::token(2.5), E::token(-1.0)), (None, None, None));
    /// assert_eq!((E::token(f32::NAN), E::token(f32::INFINITY)), (None, None));
    /// ```
    #[inline]
    pub fn token(x: f32) -> Option<usize> {
        super::slices::token(x, V)
    }

    /// The row of the token `x` stands for, if it stands for one.
    #[inline]
    fn row(&self, x: f32) -> Option<&[f32; DIM]> {
        Self::token(x).and_then(|id| self.embeddings.get(id))
    }
}

impl<const V: usize, const DIM: usize, const L: usize> Layer<[f32; L]> for Embedding<V, DIM, L> {
    type Output = [[f32; DIM]; L];
    type Cache = ();
    const MACS: usize = 0;

    #[inline]
    fn forward(&self, x: &[f32; L], y: &mut [[f32; DIM]; L]) {
        for (&id, out) in x.iter().zip(y.iter_mut()) {
            *out = self.row(id).copied().unwrap_or([0.0; DIM]);
        }
    }

    fn backward(
        &self,
        x: &[f32; L],
        _y: &[[f32; DIM]; L],
        _cache: &(),
        dy: &[[f32; DIM]; L],
        dx: Option<&mut [f32; L]>,
        grad: Option<&mut Self>,
    ) {
        if let Some(grad) = grad {
            for (&id, d) in x.iter().zip(dy) {
                if let Some(row) = Self::token(id).and_then(|id| grad.embeddings.get_mut(id)) {
                    super::add(row, d);
                }
            }
        }
        if let Some(dx) = dx {
            dx.fill(0.0);
        }
    }
}
