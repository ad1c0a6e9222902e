//! Long short-term memory (Keras' `LSTM`).

// The per-unit loops index several `[f32; U]` arrays with one `u < U`: clearer than a zip of
// six iterators, and the bounds are compile-time constants the optimizer removes.
#![allow(clippy::needless_range_loop)]

use core::marker::PhantomData;
use core::mem::size_of;

use super::gru::copy;
use super::{
    add, check_sizes, project, project_back, project_grad, sigmoid, tanh, Return, ReturnLast,
    ReturnSequences,
};
use crate::layer::Layer;
use crate::rng::Rng;

/// An LSTM over `L` steps of `C` channels with `U` units, returning the last state (`R =`
/// [`ReturnLast`], `[f32; U]`) or every state ([`ReturnSequences`], `[[f32; U]; L]`): Keras'
/// `LSTM(U, return_sequences=…)` with its default activations (`tanh`, `sigmoid`).
///
/// With `xₜ` the input at step `t`, `h` and `c` the previous hidden and cell states (zero at the
/// start) and `kernel = [K_i K_f K_c K_o]` (likewise `recurrent_kernel` and `bias`):
///
/// ```text
/// i  = σ(xₜ·K_i + h·R_i + b_i)      input gate
/// f  = σ(xₜ·K_f + h·R_f + b_f)      forget gate
/// g  = tanh(xₜ·K_c + h·R_c + b_c)   candidate
/// o  = σ(xₜ·K_o + h·R_o + b_o)      output gate
/// c' = f ⊙ c + i ⊙ g
/// h' = o ⊙ tanh(c')
/// ```
///
/// `kernel[c][g][u]` is Keras' `kernel[c, g·U + u]` (gates in the order i, f, c, o), likewise
/// the recurrent kernel and the bias, so Keras' weights copy over element for element (see the
/// [module docs](super)).
///
/// ```
/// use embednn::{Layer, Lstm};
/// // Every gate open half way (zero weights): c' = ½c + ½·tanh(b_c), h' = ½·tanh(c').
/// let mut lstm = Lstm::<2, 1, 1>::ZERO;
/// lstm.bias[2] = [1.0];
/// let mut h = [0.0];
/// lstm.forward(&[[3.0], [4.0]], &mut h);
/// let g = libm::tanhf(1.0);
/// let c1 = 0.5 * 0.0 + 0.5 * g;
/// let c2 = 0.5 * c1 + 0.5 * g;
/// assert_eq!(h, [0.5 * libm::tanhf(c2)]);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Lstm<const L: usize, const C: usize, const U: usize, R: Return = ReturnLast> {
    /// Input weights, `kernel[c][g][u]` (Keras' `kernel`, `(C, 4U)`; gates i, f, c, o).
    pub kernel: [[[f32; U]; 4]; C],
    /// State weights, `recurrent_kernel[j][g][u]` (Keras' `recurrent_kernel`, `(U, 4U)`).
    pub recurrent_kernel: [[[f32; U]; 4]; U],
    /// One bias per gate and unit (Keras' `bias`, `(4U)`).
    pub bias: [[f32; U]; 4],
    /// What the layer returns, as a type.
    pub returns: PhantomData<R>,
}

crate::params! {
    impl[const L: usize, const C: usize, const U: usize, R: Return] Lstm<L, C, U, R>
        as "LSTM"[L, C, U, R::CODE]
        for [[f32; C]; L]
    {
        kernel: Weight = crate::param::fan(C, 4 * U),
        recurrent_kernel: Weight = crate::param::fan(U, 4 * U),
        bias: Bias = 0.0,
    }
    phantom [returns]
}

/// The per-step trace: the gates `i`, `f`, `g`, `o` after their activations.
type Gates<const U: usize> = [[f32; U]; 4];

impl<const L: usize, const C: usize, const U: usize, R: Return> Lstm<L, C, U, R> {
    /// All weights and biases zero.
    pub const ZERO: Self = Self::new([[[0.0; U]; 4]; C], [[[0.0; U]; 4]; U], [[0.0; U]; 4]);

    /// Builds the layer from its weights in Keras' layout (`const`, for a model in flash).
    pub const fn new(
        kernel: [[[f32; U]; 4]; C],
        recurrent_kernel: [[[f32; U]; 4]; U],
        bias: [[f32; U]; 4],
    ) -> Self {
        Lstm {
            kernel,
            recurrent_kernel,
            bias,
            returns: PhantomData,
        }
    }

    /// Builds the layer from Keras' arrays as `get_weights()` returns them: `kernel` `(C, 4U)`,
    /// `recurrent_kernel` `(U, 4U)` and `bias` `(4U)`, each flattened row-major; `None` if a
    /// length differs.
    pub fn from_keras(kernel: &[f32], recurrent_kernel: &[f32], bias: &[f32]) -> Option<Self> {
        let mut layer = Self::ZERO;
        copy(layer.kernel.as_flattened_mut().as_flattened_mut(), kernel)?;
        copy(
            layer.recurrent_kernel.as_flattened_mut().as_flattened_mut(),
            recurrent_kernel,
        )?;
        copy(layer.bias.as_flattened_mut(), bias)?;
        Some(layer)
    }

    /// Sets the forget gate's biases to 1, as Keras initializes an LSTM
    /// (`unit_forget_bias=True`): call it after [`Init::init`](crate::Init::init).
    pub fn unit_forget_bias(mut self) -> Self {
        let [_, forget, _, _] = &mut self.bias;
        forget.fill(1.0);
        self
    }

    /// One step: the gates and the new states from the input `x` and the previous states.
    #[inline]
    fn step(
        &self,
        x: &[f32; C],
        (h_prev, c_prev): (&[f32; U], &[f32; U]),
        gates: &mut Gates<U>,
        c: &mut [f32; U],
        h: &mut [f32; U],
    ) {
        let mut a = self.bias;
        project(x, &self.kernel, &mut a);
        project(h_prev, &self.recurrent_kernel, &mut a);
        let [ai, af, ag, ao] = &a;
        let [i, f, g, o] = gates;
        for u in 0..U {
            i[u] = sigmoid(ai[u]);
            f[u] = sigmoid(af[u]);
            g[u] = tanh(ag[u]);
            o[u] = sigmoid(ao[u]);
            c[u] = f[u] * c_prev[u] + i[u] * g[u];
            h[u] = o[u] * tanh(c[u]);
        }
    }

    /// Inference: runs the sequence, handing each new hidden state to `each`; returns the last.
    #[inline]
    fn run(&self, x: &[[f32; C]; L], mut each: impl FnMut(usize, &[f32; U])) -> [f32; U] {
        let (mut h, mut c) = ([0.0; U], [0.0; U]);
        let mut gates = [[0.0; U]; 4];
        for (t, xt) in x.iter().enumerate() {
            let (h_prev, c_prev) = (h, c);
            self.step(xt, (&h_prev, &c_prev), &mut gates, &mut c, &mut h);
            each(t, &h);
        }
        h
    }

    /// Training: runs the sequence, keeping every step's gates and states.
    #[inline]
    fn states(
        &self,
        x: &[[f32; C]; L],
        gates: &mut [Gates<U>; L],
        cs: &mut [[f32; U]; L],
        hs: &mut [[f32; U]; L],
    ) {
        let (mut h_prev, mut c_prev) = ([0.0; U], [0.0; U]);
        let steps = x.iter().zip(gates.iter_mut()).zip(cs.iter_mut());
        for (((xt, gt), ct), ht) in steps.zip(hs.iter_mut()) {
            self.step(xt, (&h_prev, &c_prev), gt, ct, ht);
            (h_prev, c_prev) = (*ht, *ct);
        }
    }

    /// Backward through one step. `dh` and `dc` are the loss gradients of this step's hidden
    /// and cell states; adds the parameter gradients, writes the input gradient and the
    /// previous states' gradients.
    #[allow(clippy::too_many_arguments)]
    #[inline]
    fn step_backward(
        &self,
        x: &[f32; C],
        (h_prev, c_prev): (&[f32; U], &[f32; U]),
        gates: &Gates<U>,
        c: &[f32; U],
        (dh, dc): (&[f32; U], &[f32; U]),
        dx: Option<&mut [f32; C]>,
        (dh_prev, dc_prev): (&mut [f32; U], &mut [f32; U]),
        grad: Option<&mut Self>,
    ) {
        let [i, f, g, o] = gates;
        let mut da = [[0.0; U]; 4];
        for u in 0..U {
            let tc = tanh(c[u]);
            let d_o = dh[u] * tc;
            let d_c = dc[u] + dh[u] * o[u] * (1.0 - tc * tc);
            let d_i = d_c * g[u];
            let d_g = d_c * i[u];
            let d_f = d_c * c_prev[u];
            dc_prev[u] = d_c * f[u];
            da[0][u] = d_i * i[u] * (1.0 - i[u]);
            da[1][u] = d_f * f[u] * (1.0 - f[u]);
            da[2][u] = d_g * (1.0 - g[u] * g[u]);
            da[3][u] = d_o * o[u] * (1.0 - o[u]);
        }
        if let Some(grad) = grad {
            project_grad(x, &da, &mut grad.kernel);
            project_grad(h_prev, &da, &mut grad.recurrent_kernel);
            for (b, d) in grad.bias.iter_mut().zip(&da) {
                add(b, d);
            }
        }
        if let Some(dx) = dx {
            project_back(&self.kernel, &da, dx, false);
        }
        project_back(&self.recurrent_kernel, &da, dh_prev, false);
    }

    /// Back-propagation through time. `add_dy(t, dh)` adds the output's gradient at step `t`.
    fn bptt(
        &self,
        x: &[[f32; C]; L],
        (gates, cs, hs): (&[Gates<U>; L], &[[f32; U]; L], &[[f32; U]; L]),
        add_dy: impl Fn(usize, &mut [f32; U]),
        mut dx: Option<&mut [[f32; C]; L]>,
        mut grad: Option<&mut Self>,
    ) {
        let (mut dh_carry, mut dc_carry) = ([0.0; U], [0.0; U]);
        let before = |states: &[[f32; U]; L], t: usize| match t.checked_sub(1) {
            Some(p) => states.get(p).copied().unwrap_or([0.0; U]),
            None => [0.0; U],
        };
        for (t, ((xt, gt), ct)) in x.iter().zip(gates).zip(cs).enumerate().rev() {
            let mut dh = dh_carry;
            add_dy(t, &mut dh);
            let dc = dc_carry;
            let (h_prev, c_prev) = (before(hs, t), before(cs, t));
            let dxt = dx.as_deref_mut().and_then(|d| d.get_mut(t));
            self.step_backward(
                xt,
                (&h_prev, &c_prev),
                gt,
                ct,
                (&dh, &dc),
                dxt,
                (&mut dh_carry, &mut dc_carry),
                grad.as_deref_mut(),
            );
        }
    }
}

/// Working memory of one step besides the trace: the pre-activations (or their gradients), the
/// gates, and the previous and current hidden and cell states (or their gradients).
const fn step_bytes<const U: usize>() -> usize {
    2 * size_of::<Gates<U>>() + 4 * size_of::<[f32; U]>()
}

impl<const L: usize, const C: usize, const U: usize> Layer<[[f32; C]; L]>
    for Lstm<L, C, U, ReturnLast>
{
    type Output = [f32; U];
    /// Every step's gates, cell state and hidden state.
    type Cache = ([Gates<U>; L], [[f32; U]; L], [[f32; U]; L]);
    const MACS: usize = L * 4 * U * (C + U);
    const FORWARD_BYTES: usize = step_bytes::<U>();
    const BACKWARD_BYTES: usize = step_bytes::<U>();
    const CHECK: () = check_sizes("LSTM", L, U);

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
        let (gates, cs, hs) = cache;
        self.states(x, gates, cs, hs);
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
        let (gates, cs, hs) = cache;
        let last = |t: usize, dh: &mut [f32; U]| {
            if t + 1 == L {
                add(dh, dy);
            }
        };
        self.bptt(x, (gates, cs, hs), last, dx, grad);
    }
}

impl<const L: usize, const C: usize, const U: usize> Layer<[[f32; C]; L]>
    for Lstm<L, C, U, ReturnSequences>
{
    type Output = [[f32; U]; L];
    /// Every step's gates and cell state (the hidden states are the output).
    type Cache = ([Gates<U>; L], [[f32; U]; L]);
    const MACS: usize = L * 4 * U * (C + U);
    const FORWARD_BYTES: usize = step_bytes::<U>();
    const BACKWARD_BYTES: usize = step_bytes::<U>();
    const CHECK: () = check_sizes("LSTM", L, U);

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
        let (gates, cs) = cache;
        self.states(x, gates, cs, y);
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
        let (gates, cs) = cache;
        let each = |t: usize, dh: &mut [f32; U]| {
            if let Some(d) = dy.get(t) {
                add(dh, d);
            }
        };
        self.bptt(x, (gates, cs, y), each, dx, grad);
    }
}
