//! The fully connected layer.

use nalgebra::{ArrayStorage, SMatrix, SVector};

use crate::kernels;
use crate::layer::{BackwardBatch, ForwardBatch, Layer};
use crate::rng::Rng;

/// Fully connected layer: `y = Kᵀ·x + b` from `I` inputs to `O` outputs.
///
/// `kernel` has Keras' shape (`I` × `O`, a nalgebra static matrix). nalgebra stores matrices
/// column by column, so column `o` — the `I` weights of output `o` — is contiguous: exactly the
/// order the inference kernel reads, one pass over flash per inference.
///
/// A gradient of a `Dense<I, O>` is again a `Dense<I, O>` (same shapes), which is what
/// [`Params::Gradient`](crate::Params::Gradient) is for this layer.
///
/// ```
/// use embednn::{Dense, Layer};
/// // W = [[1, 2], [3, 4]] (one row per output), b = [5, 6]
/// let dense = Dense::<2, 2>::from_rows([[1.0, 2.0], [3.0, 4.0]], [5.0, 6.0]);
/// let mut y = [0.0; 2];
/// dense.forward(&[2.0, 3.0], &mut y);
/// assert_eq!(y, [13.0, 24.0]);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Dense<const I: usize, const O: usize> {
    /// Weights, `I` × `O`; column `o` holds the weights of output `o`.
    pub kernel: SMatrix<f32, I, O>,
    /// One bias per output.
    pub bias: SVector<f32, O>,
}

impl<const I: usize, const O: usize> Dense<I, O> {
    /// All weights and biases zero.
    pub const ZERO: Self = Self::from_rows([[0.0; I]; O], [0.0; O]);

    /// Builds the layer from one row of `I` weights per output and the biases (`const`, so a
    /// whole model can be a `static` in flash).
    pub const fn from_rows(rows: [[f32; I]; O], bias: [f32; O]) -> Self {
        Dense {
            kernel: SMatrix::from_array_storage(ArrayStorage(rows)),
            bias: SVector::from_array_storage(ArrayStorage([bias])),
        }
    }

    /// The weights of each output, one row per output.
    #[inline]
    pub fn rows(&self) -> &[[f32; I]; O] {
        &self.kernel.data.0
    }

    /// The biases as an array.
    #[inline]
    pub fn bias_array(&self) -> &[f32; O] {
        let [b] = &self.bias.data.0;
        b
    }
}

crate::params! {
    impl[const I: usize, const O: usize] Dense<I, O> as "Dense"[I, O] for [f32; I] {
        kernel: Weight = crate::param::fan(I, O),
        bias: Bias = 0.0,
    }
}

/// Samples a layer-major pass handles together (see [`Layer::forward_train_batch`]).
const SAMPLES_PER_PASS: usize = 4;

impl<const I: usize, const O: usize> Layer<[f32; I]> for Dense<I, O> {
    type Output = [f32; O];
    type Cache = ();
    const MACS: usize = I * O;

    #[inline]
    fn forward(&self, x: &[f32; I], y: &mut [f32; O]) {
        kernels::dense_forward(self.rows(), self.bias_array(), x, y);
    }

    fn backward(
        &self,
        x: &[f32; I],
        _y: &[f32; O],
        _cache: &(),
        dy: &[f32; O],
        dx: Option<&mut [f32; I]>,
        grad: Option<&mut Self>,
    ) {
        if let Some(grad) = grad {
            // dK[:, o] += dy[o] · x ; db += dy
            for (column, &d) in grad.kernel.data.0.iter_mut().zip(dy) {
                kernels::axpy(d, x, column);
            }
            for (b, &d) in grad.bias.data.0[0].iter_mut().zip(dy) {
                *b += d;
            }
        }
        if let Some(dx) = dx {
            // dx = K · dy, one contiguous column at a time.
            dx.fill(0.0);
            for (row, &d) in self.rows().iter().zip(dy) {
                kernels::axpy(d, row, dx);
            }
        }
    }

    /// Four samples at a time through [`kernels::dense_forward_samples`]: same bits as the
    /// per-sample pass, several times faster on a host with vector units.
    fn forward_train_batch(
        &mut self,
        batch: &mut impl ForwardBatch<[f32; I], [f32; O], ()>,
        _rng: &mut Rng,
    ) {
        const S: usize = SAMPLES_PER_PASS;
        let mut start = 0;
        while start < batch.len() {
            let mut xt = [[0.0f32; S]; I];
            for s in 0..S {
                if let Some((x, _, _)) = batch.sample(start + s) {
                    for (column, &v) in xt.iter_mut().zip(x) {
                        if let Some(slot) = column.get_mut(s) {
                            *slot = v;
                        }
                    }
                }
            }
            let mut yt = [[0.0f32; S]; O];
            kernels::dense_forward_samples(self.rows(), self.bias_array(), &xt, &mut yt);
            for s in 0..S {
                if let Some((_, y, _)) = batch.sample(start + s) {
                    for (out, column) in y.iter_mut().zip(&yt) {
                        *out = column.get(s).copied().unwrap_or(0.0);
                    }
                }
            }
            start += S;
        }
    }

    /// Accumulates the kernel gradient four samples at a time (each weight's sum still runs over
    /// the samples in order, so the bits equal the per-sample pass).
    fn backward_batch(
        &self,
        batch: &mut impl BackwardBatch<[f32; I], [f32; O], (), ()>,
        mut grad: Option<&mut Self>,
    ) {
        const S: usize = SAMPLES_PER_PASS;
        let mut start = 0;
        while start < batch.len() {
            let mut xs = [[0.0f32; I]; S];
            let mut dys = [[0.0f32; O]; S];
            let mut count = 0;
            for s in 0..S {
                if let Some(sample) = batch.sample(start + s) {
                    if let (Some(x), Some(dy)) = (xs.get_mut(s), dys.get_mut(s)) {
                        *x = *sample.x;
                        *dy = *sample.dy;
                    }
                    count = s + 1;
                    if let Some(dx) = sample.dx {
                        self.backward(sample.x, sample.y, &(), sample.dy, Some(dx), None);
                    }
                }
            }
            if let Some(grad) = grad.as_deref_mut() {
                if count == S {
                    kernels::dense_kernel_gradient(&mut grad.kernel.data.0, &xs, &dys);
                } else {
                    // A partial last group: one sample at a time (never add phantom zeros, which
                    // would turn a -0.0 gradient into +0.0).
                    for (x, dy) in xs.iter().zip(&dys).take(count) {
                        kernels::dense_kernel_gradient::<I, O, 1>(
                            &mut grad.kernel.data.0,
                            core::array::from_ref(x),
                            core::array::from_ref(dy),
                        );
                    }
                }
                for dy in dys.iter().take(count) {
                    for (b, &d) in grad.bias.data.0[0].iter_mut().zip(dy) {
                        *b += d;
                    }
                }
            }
            start += S;
        }
    }
}

#[cfg(test)]
mod test {
    use super::*;
    use crate::init::{Init, Initializer};

    #[test]
    fn hand_derived_forward_and_backward() {
        // W = [[1, 2], [3, 4]], b = [5, 6], x = [2, 3]  =>  y = W·x + b = [13, 24]
        let d = Dense::<2, 2>::from_rows([[1.0, 2.0], [3.0, 4.0]], [5.0, 6.0]);
        let x = [2.0, 3.0];
        let mut y = [0.0; 2];
        d.forward(&x, &mut y);
        assert_eq!(y, [13.0, 24.0]);

        // dy = [1, -1]: dx = Wᵀ·dy = [1 - 3, 2 - 4] = [-2, -2];
        // dW = dy ⊗ x = [[2, 3], [-2, -3]], db = dy.
        let dy = [1.0, -1.0];
        let mut dx = [0.0; 2];
        let mut g = Dense::<2, 2>::ZERO;
        d.backward(&x, &y, &(), &dy, Some(&mut dx), Some(&mut g));
        assert_eq!(dx, [-2.0, -2.0]);
        assert_eq!(g.rows(), &[[2.0, 3.0], [-2.0, -3.0]]);
        assert_eq!(g.bias_array(), &[1.0, -1.0]);
        // Gradients accumulate across calls.
        d.backward(&x, &y, &(), &dy, None, Some(&mut g));
        assert_eq!(g.rows(), &[[4.0, 6.0], [-4.0, -6.0]]);
    }

    #[test]
    fn kernel_has_keras_shape() {
        let d = Dense::<3, 2>::from_rows([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], [0.0; 2]);
        // Keras kernel[i][o]: input i to output o.
        assert_eq!(d.kernel[(2, 0)], 3.0);
        assert_eq!(d.kernel[(0, 1)], 4.0);
        assert_eq!(d.kernel.as_slice(), &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
    }

    #[test]
    fn glorot_limits() {
        let mut rng = Rng::seed(1);
        let d = Dense::<4, 2>::init(Initializer::GlorotUniform, &mut rng);
        let limit = libm::sqrtf(6.0 / 6.0);
        assert!(d.kernel.iter().all(|w| w.abs() <= limit));
        assert!(d.kernel.iter().any(|&w| w != 0.0));
        assert!(d.bias.iter().all(|&b| b == 0.0));
    }
}
