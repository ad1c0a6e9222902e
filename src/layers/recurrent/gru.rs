//! The gated recurrent unit (Keras' `GRU` with `reset_after=True`).

// The per-unit loops index several `[f32; U]` arrays with one `u < U`: clearer than a zip of
// six iterators, and the bounds are compile-time constants the optimizer removes.
#![allow(clippy::needless_range_loop)]

use core::marker::PhantomData;
use core::mem::size_of;

use super::{
    add, check_sizes, project, project_back, project_grad, sigmoid, tanh, Return, ReturnLast,
    ReturnSequences,
};
use crate::layer::Layer;
use crate::rng::Rng;

/// A GRU over `L` steps of `C` channels with `U` units, returning the last state (`R =`
/// [`ReturnLast`], `[f32; U]`) or every state ([`ReturnSequences`], `[[f32; U]; L]`): Keras'
/// `GRU(U, return_sequences=…)` with its defaults (`reset_after=True`, `tanh`, `sigmoid`).
///
/// With `xₜ` the input at step `t`, `h` the previous state (zero at the start), gates `z`
/// (update), `r` (reset), `n` (candidate), `kernel = [K_z K_r K_n]`,
/// `recurrent_kernel = [R_z R_r R_n]`, `bias = [b_x, b_h]`:
///
/// ```text
/// z  = σ(xₜ·K_z + b_x,z + h·R_z + b_h,z)
/// r  = σ(xₜ·K_r + b_x,r + h·R_r + b_h,r)
/// n  = tanh(xₜ·K_n + b_x,n + r ⊙ (h·R_n + b_h,n))     (reset after the recurrent bias)
/// h' = z ⊙ h + (1 − z) ⊙ n
/// ```
///
/// `kernel[c][g][u]` is Keras' `kernel[c, g·U + u]` (gates in the order z, r, h), and likewise
/// for the recurrent kernel and the two bias rows, so Keras' weights copy over element for
/// element (see the [module docs](super)).
///
/// ```
/// use embednn::{Gru, Layer, ReturnSequences};
/// // One unit that ignores its input: z = σ(0) = ½ and n = tanh(b_x,n) = tanh(1) each step.
/// let mut gru = Gru::<3, 1, 1, ReturnSequences>::ZERO;
/// gru.bias[0][2] = [1.0];
/// let mut y = [[0.0]; 3];
/// gru.forward(&[[5.0], [6.0], [7.0]], &mut y);
/// let n = libm::tanhf(1.0);
/// assert_eq!(y[0][0], 0.5 * 0.0 + 0.5 * n);
/// assert_eq!(y[2][0], 0.5 * y[1][0] + 0.5 * n);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Gru<const L: usize, const C: usize, const U: usize, R: Return = ReturnLast> {
    /// Input weights, `kernel[c][g][u]` (Keras' `kernel`, `(C, 3U)`; gates z, r, h).
    pub kernel: [[[f32; U]; 3]; C],
    /// State weights, `recurrent_kernel[j][g][u]` (Keras' `recurrent_kernel`, `(U, 3U)`).
    pub recurrent_kernel: [[[f32; U]; 3]; U],
    /// `bias[0]`: input bias, `bias[1]`: recurrent bias (Keras' `bias`, `(2, 3U)`).
    pub bias: [[[f32; U]; 3]; 2],
    /// What the layer returns, as a type.
    pub returns: PhantomData<R>,
}

crate::params! {
    impl[const L: usize, const C: usize, const U: usize, R: Return] Gru<L, C, U, R>
        as "GRU"[L, C, U, R::CODE]
        for [[f32; C]; L]
    {
        kernel: Weight = crate::param::fan(C, 3 * U),
        recurrent_kernel: Weight = crate::param::fan(U, 3 * U),
        bias: Bias = 0.0,
    }
    phantom [returns]
}

/// The per-step trace: `z`, `r`, `n` and the candidate's recurrent term `h·R_n + b_h,n`.
type Gates<const U: usize> = [[f32; U]; 4];

impl<const L: usize, const C: usize, const U: usize, R: Return> Gru<L, C, U, R> {
    /// All weights and biases zero.
    pub const ZERO: Self = Self::new([[[0.0; U]; 3]; C], [[[0.0; U]; 3]; U], [[[0.0; U]; 3]; 2]);

    /// Builds the layer from its weights in Keras' layout (`const`, for a model in flash).
    pub const fn new(
        kernel: [[[f32; U]; 3]; C],
        recurrent_kernel: [[[f32; U]; 3]; U],
        bias: [[[f32; U]; 3]; 2],
    ) -> Self {
        Gru {
            kernel,
            recurrent_kernel,
            bias,
            returns: PhantomData,
        }
    }

    /// Builds the layer from Keras' arrays as `get_weights()` returns them: `kernel` `(C, 3U)`,
    /// `recurrent_kernel` `(U, 3U)` and `bias` `(2, 3U)`, each flattened row-major; `None` if a
    /// length differs.
    pub fn from_keras(kernel: &[f32], recurrent_kernel: &[f32], bias: &[f32]) -> Option<Self> {
        let mut layer = Self::ZERO;
        copy(layer.kernel.as_flattened_mut().as_flattened_mut(), kernel)?;
        copy(
            layer.recurrent_kernel.as_flattened_mut().as_flattened_mut(),
            recurrent_kernel,
        )?;
        copy(layer.bias.as_flattened_mut().as_flattened_mut(), bias)?;
        Some(layer)
    }

    /// One step: the gates and the new state `h` from the input `x` and the previous state.
    #[inline]
    fn step(&self, x: &[f32; C], h_prev: &[f32; U], gates: &mut Gates<U>, h: &mut [f32; U]) {
        let [bias_x, bias_h] = &self.bias;
        let mut xa = *bias_x;
        project(x, &self.kernel, &mut xa);
        let mut ha = *bias_h;
        project(h_prev, &self.recurrent_kernel, &mut ha);
        let [xz, xr, xn] = &xa;
        let [hz, hr, hn] = &ha;
        let [z, r, n, rn] = gates;
        for u in 0..U {
            z[u] = sigmoid(xz[u] + hz[u]);
            r[u] = sigmoid(xr[u] + hr[u]);
            rn[u] = hn[u];
            n[u] = tanh(xn[u] + r[u] * hn[u]);
            h[u] = z[u] * h_prev[u] + (1.0 - z[u]) * n[u];
        }
    }

    /// Inference: runs the sequence, handing each new state to `each`; returns the last one.
    #[inline]
    fn run(&self, x: &[[f32; C]; L], mut each: impl FnMut(usize, &[f32; U])) -> [f32; U] {
        let mut h = [0.0; U];
        let mut gates = [[0.0; U]; 4];
        for (t, xt) in x.iter().enumerate() {
            let prev = h;
            self.step(xt, &prev, &mut gates, &mut h);
            each(t, &h);
        }
        h
    }

    /// Training: runs the sequence, keeping every step's gates and state.
    #[inline]
    fn states(&self, x: &[[f32; C]; L], gates: &mut [Gates<U>; L], hs: &mut [[f32; U]; L]) {
        let mut prev = [0.0; U];
        for ((xt, gt), ht) in x.iter().zip(gates.iter_mut()).zip(hs.iter_mut()) {
            self.step(xt, &prev, gt, ht);
            prev = *ht;
        }
    }

    /// Backward through one step: from `dh` (the loss gradient of this step's state), adds the
    /// parameter gradients, writes the input gradient and the previous state's gradient.
    #[allow(clippy::too_many_arguments)]
    #[inline]
    fn step_backward(
        &self,
        x: &[f32; C],
        h_prev: &[f32; U],
        gates: &Gates<U>,
        dh: &[f32; U],
        dx: Option<&mut [f32; C]>,
        dh_prev: &mut [f32; U],
        grad: Option<&mut Self>,
    ) {
        let [z, r, n, rn] = gates;
        // Gradients of the pre-activations, input side and recurrent side.
        let mut dxa = [[0.0; U]; 3];
        let mut dha = [[0.0; U]; 3];
        for u in 0..U {
            let dz = dh[u] * (h_prev[u] - n[u]);
            let dn = dh[u] * (1.0 - z[u]);
            let dan = dn * (1.0 - n[u] * n[u]);
            let dr = dan * rn[u];
            let daz = dz * z[u] * (1.0 - z[u]);
            let dar = dr * r[u] * (1.0 - r[u]);
            dxa[0][u] = daz;
            dxa[1][u] = dar;
            dxa[2][u] = dan;
            dha[0][u] = daz;
            dha[1][u] = dar;
            dha[2][u] = dan * r[u];
            dh_prev[u] = dh[u] * z[u];
        }
        if let Some(g) = grad {
            project_grad(x, &dxa, &mut g.kernel);
            project_grad(h_prev, &dha, &mut g.recurrent_kernel);
            let [gx, gh] = &mut g.bias;
            for (b, d) in gx.iter_mut().zip(&dxa) {
                add(b, d);
            }
            for (b, d) in gh.iter_mut().zip(&dha) {
                add(b, d);
            }
        }
        if let Some(dx) = dx {
            project_back(&self.kernel, &dxa, dx, false);
        }
        project_back(&self.recurrent_kernel, &dha, dh_prev, true);
    }

    /// Back-propagation through time. `add_dy(t, dh)` adds the output's gradient at step `t`.
    fn bptt(
        &self,
        x: &[[f32; C]; L],
        gates: &[Gates<U>; L],
        hs: &[[f32; U]; L],
        add_dy: impl Fn(usize, &mut [f32; U]),
        mut dx: Option<&mut [[f32; C]; L]>,
        mut grad: Option<&mut Self>,
    ) {
        let mut carry = [0.0; U];
        for (t, (xt, gt)) in x.iter().zip(gates).enumerate().rev() {
            let mut dh = carry;
            add_dy(t, &mut dh);
            let h_prev = match t.checked_sub(1).and_then(|p| hs.get(p)) {
                Some(h) => *h,
                None => [0.0; U],
            };
            let dxt = dx.as_deref_mut().and_then(|d| d.get_mut(t));
            self.step_backward(xt, &h_prev, gt, &dh, dxt, &mut carry, grad.as_deref_mut());
        }
    }
}

/// Copies `src` into `dst` if the lengths agree.
pub(super) fn copy(dst: &mut [f32], src: &[f32]) -> Option<()> {
    if dst.len() != src.len() {
        return None;
    }
    dst.copy_from_slice(src);
    Some(())
}

/// Working memory of one step besides the trace: the pre-activations of both sides, the gates
/// and the previous state (inference), or their gradients (training).
const fn step_bytes<const U: usize>() -> usize {
    2 * size_of::<[[f32; U]; 3]>() + size_of::<Gates<U>>() + 2 * size_of::<[f32; U]>()
}

impl<const L: usize, const C: usize, const U: usize> Layer<[[f32; C]; L]>
    for Gru<L, C, U, ReturnLast>
{
    type Output = [f32; U];
    /// Every step's gates, and every step's state.
    type Cache = ([Gates<U>; L], [[f32; U]; L]);
    const MACS: usize = L * 3 * U * (C + U);
    const FORWARD_BYTES: usize = step_bytes::<U>();
    const BACKWARD_BYTES: usize = step_bytes::<U>();
    const CHECK: () = check_sizes("GRU", L, U);

    #[inline]
    fn forward(&self, x: &[[f32; C]; L], y: &mut [f32; U]) {
        let () = <Self as Layer<[[f32; C]; L]>>::CHECK;
        *y = self.run(x, |_, _| {});
    }

    fn forward_train(
        &self,
        x: &[[f32; C]; L],
        y: &mut [f32; U],
        cache: &mut Self::Cache,
        _: &mut Rng,
    ) {
        let () = <Self as Layer<[[f32; C]; L]>>::CHECK;
        let (gates, hs) = cache;
        self.states(x, gates, hs);
        *y = hs.last().copied().unwrap_or([0.0; U]);
    }

    fn backward(
        &self,
        x: &[[f32; C]; L],
        _y: &[f32; U],
        cache: &Self::Cache,
        dy: &[f32; U],
        dx: Option<&mut [[f32; C]; L]>,
        grad: Option<&mut Self>,
    ) {
        let (gates, hs) = cache;
        let last = |t: usize, dh: &mut [f32; U]| {
            if t + 1 == L {
                add(dh, dy);
            }
        };
        self.bptt(x, gates, hs, last, dx, grad);
    }
}

impl<const L: usize, const C: usize, const U: usize> Layer<[[f32; C]; L]>
    for Gru<L, C, U, ReturnSequences>
{
    type Output = [[f32; U]; L];
    /// Every step's gates (the states are the output).
    type Cache = [Gates<U>; L];
    const MACS: usize = L * 3 * U * (C + U);
    const FORWARD_BYTES: usize = step_bytes::<U>();
    const BACKWARD_BYTES: usize = step_bytes::<U>();
    const CHECK: () = check_sizes("GRU", L, U);

    #[inline]
    fn forward(&self, x: &[[f32; C]; L], y: &mut [[f32; U]; L]) {
        let () = <Self as Layer<[[f32; C]; L]>>::CHECK;
        self.run(x, |t, h| {
            if let Some(slot) = y.get_mut(t) {
                *slot = *h;
            }
        });
    }

    fn forward_train(
        &self,
        x: &[[f32; C]; L],
        y: &mut [[f32; U]; L],
        cache: &mut Self::Cache,
        _: &mut Rng,
    ) {
        let () = <Self as Layer<[[f32; C]; L]>>::CHECK;
        self.states(x, cache, y);
    }

    fn backward(
        &self,
        x: &[[f32; C]; L],
        y: &[[f32; U]; L],
        cache: &Self::Cache,
        dy: &[[f32; U]; L],
        dx: Option<&mut [[f32; C]; L]>,
        grad: Option<&mut Self>,
    ) {
        let each = |t: usize, dh: &mut [f32; U]| {
            if let Some(d) = dy.get(t) {
                add(dh, d);
            }
        };
        self.bptt(x, cache, y, each, dx, grad);
    }
}
