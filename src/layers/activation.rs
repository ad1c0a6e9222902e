//! Activation functions as layers.
//!
//! Activations are unit structs that work on any tensor shape (`Relu: Layer<T>` for every
//! [`Tensor`] `T`), so they slot between layers without repeating a size.
//!
//! **NaN and infinities.** Nothing here panics. A NaN input gives a NaN output (it is never turned
//! into a plausible number that would hide the fault). Infinities saturate where the function
//! does: `Sigmoid(±∞) = 1 / 0`, `Tanh(±∞) = ±1`, `Relu(+∞) = +∞`, `Relu6(+∞) = 6`; `Softmax` puts
//! equal mass on the `+∞` entries and zero elsewhere, and returns a uniform distribution when every
//! entry is `-∞`.

use crate::layer::{Ending, Layer};
use crate::tensor::Tensor;

/// An element-wise function and its derivative (also what [`AnyModel`](crate::AnyModel) applies,
/// so a model read at run time computes exactly what the typed layer does).
pub(crate) trait Elementwise {
    /// What the output is, for pairing with a loss.
    const ENDING: Ending = Ending::Values;
    fn apply(x: f32) -> f32;
    /// dy/dx, given both the input and the output (whichever is cheaper to use).
    fn derivative(x: f32, y: f32) -> f32;
}

macro_rules! elementwise_layer {
    ($name:ident $(<const $p:ident: $pt:ty>)?, $kind:literal [$($dim:expr),*]) => {
        crate::params! {
            impl[$(const $p: $pt)?] $name<$($p)?> as $kind[$($dim),*] {}
        }

        impl<X: Tensor $(, const $p: $pt)?> Layer<X> for $name$(<$p>)? {
            type Output = X;
            type Cache = ();
            const MACS: usize = 0;
            const ENDING: Ending = <Self as Elementwise>::ENDING;

            #[inline]
            fn forward(&self, x: &X, y: &mut X) {
                for (out, &v) in y.flat_mut().iter_mut().zip(x.flat()) {
                    *out = <Self as Elementwise>::apply(v);
                }
            }

            #[inline]
            fn backward(
                &self,
                x: &X,
                y: &X,
                _cache: &(),
                dy: &X,
                dx: Option<&mut X>,
                _grad: Option<&mut Self>,
            ) {
                if let Some(dx) = dx {
                    let inputs = x.flat().iter().zip(y.flat()).zip(dy.flat());
                    for (g, ((&xv, &yv), &d)) in dx.flat_mut().iter_mut().zip(inputs) {
                        *g = d * <Self as Elementwise>::derivative(xv, yv);
                    }
                }
            }

        }
    };
}

/// `max(x, 0)`. The derivative at exactly 0 is taken as 0 (as TensorFlow does).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Relu;
impl Elementwise for Relu {
    #[inline]
    fn apply(x: f32) -> f32 {
        if x < 0.0 {
            0.0
        } else {
            x
        }
    }
    #[inline]
    fn derivative(x: f32, _: f32) -> f32 {
        if x > 0.0 {
            1.0
        } else {
            0.0
        }
    }
}
elementwise_layer!(Relu, "ReLU"[]);

/// `x` for `x > 0`, `α·x` otherwise, with `α = SLOPE_MILLI / 1000` (default 0.3, as Keras'
/// `LeakyReLU`). The slope is part of the type, so it is part of the architecture fingerprint.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LeakyRelu<const SLOPE_MILLI: u32 = 300>;
impl<const SLOPE_MILLI: u32> LeakyRelu<SLOPE_MILLI> {
    /// The negative slope α.
    pub const ALPHA: f32 = leaky_relu_alpha(SLOPE_MILLI);
}
impl<const SLOPE_MILLI: u32> Elementwise for LeakyRelu<SLOPE_MILLI> {
    #[inline]
    fn apply(x: f32) -> f32 {
        leaky_relu(x, Self::ALPHA)
    }
    #[inline]
    fn derivative(x: f32, _: f32) -> f32 {
        if x > 0.0 {
            1.0
        } else {
            Self::ALPHA
        }
    }
}
elementwise_layer!(LeakyRelu<const SLOPE_MILLI: u32>, "LeakyReLU"[SLOPE_MILLI as usize]);

/// `LeakyRelu` with slope `alpha`, for a slope known only at run time.
#[inline(always)]
pub(crate) fn leaky_relu(x: f32, alpha: f32) -> f32 {
    if x < 0.0 {
        alpha * x
    } else {
        x
    }
}

/// The slope of `LeakyRelu<SLOPE_MILLI>`, for a `SLOPE_MILLI` known only at run time.
pub(crate) const fn leaky_relu_alpha(slope_milli: u32) -> f32 {
    slope_milli as f32 / 1000.0
}

/// `min(max(x, 0), 6)`, the MobileNet activation.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Relu6;
impl Elementwise for Relu6 {
    // `f32::clamp` carries an assertion; this form has no panic path and keeps NaN.
    #[allow(clippy::manual_clamp)]
    #[inline]
    fn apply(x: f32) -> f32 {
        if x < 0.0 {
            0.0
        } else if x > 6.0 {
            6.0
        } else {
            x
        }
    }
    #[inline]
    fn derivative(x: f32, _: f32) -> f32 {
        if x > 0.0 && x < 6.0 {
            1.0
        } else {
            0.0
        }
    }
}
elementwise_layer!(Relu6, "ReLU6"[]);

/// `1 / (1 + e^-x)`, computed without overflow for any `x`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Sigmoid;
impl Sigmoid {
    /// The logistic function, stable for large `|x|` (never evaluates `e^x` for `x > 0`).
    #[inline]
    pub fn logistic(x: f32) -> f32 {
        if x >= 0.0 {
            1.0 / (1.0 + libm::expf(-x))
        } else {
            // Also the NaN path: exp(NaN) = NaN.
            let e = libm::expf(x);
            e / (1.0 + e)
        }
    }
}
impl Elementwise for Sigmoid {
    const ENDING: Ending = Ending::Sigmoid;
    #[inline]
    fn apply(x: f32) -> f32 {
        Sigmoid::logistic(x)
    }
    #[inline]
    fn derivative(_: f32, y: f32) -> f32 {
        y * (1.0 - y)
    }
}
elementwise_layer!(Sigmoid, "Sigmoid"[]);

/// Hyperbolic tangent.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tanh;
impl Elementwise for Tanh {
    #[inline]
    fn apply(x: f32) -> f32 {
        libm::tanhf(x)
    }
    #[inline]
    fn derivative(_: f32, y: f32) -> f32 {
        1.0 - y * y
    }
}
elementwise_layer!(Tanh, "Tanh"[]);

/// The identity (Keras' `linear` activation); useful as a placeholder.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Identity;
impl Elementwise for Identity {
    #[inline]
    fn apply(x: f32) -> f32 {
        x
    }
    #[inline]
    fn derivative(_: f32, _: f32) -> f32 {
        1.0
    }
}
elementwise_layer!(Identity, "Identity"[]);

/// Softmax over a vector: `exp(x_i - max) / Σ exp(x_j - max)`.
///
/// For training a classifier, prefer ending the model with logits and using
/// [`SoftmaxCrossEntropy`](crate::SoftmaxCrossEntropy), which fuses both and is more accurate; use
/// this layer when the model itself must output probabilities.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Softmax;

crate::params! {
    impl[] Softmax<> as "Softmax"[] {}
}

impl Softmax {
    /// Writes `softmax(x)` into `y` (see the module docs for NaN and infinities).
    pub fn apply(x: &[f32], y: &mut [f32]) {
        let max = x
            .iter()
            .fold(f32::NEG_INFINITY, |m, &v| if v > m { v } else { m });
        if max == f32::INFINITY {
            let count = x.iter().filter(|&&v| v == f32::INFINITY).count() as f32;
            for (o, &v) in y.iter_mut().zip(x) {
                *o = if v == f32::INFINITY { 1.0 / count } else { 0.0 };
            }
            return;
        }
        if max == f32::NEG_INFINITY && x.iter().all(|&v| v == f32::NEG_INFINITY) {
            let uniform = 1.0 / x.len().max(1) as f32;
            y.iter_mut().for_each(|o| *o = uniform);
            return;
        }
        let mut sum = 0.0;
        for (o, &v) in y.iter_mut().zip(x) {
            *o = libm::expf(v - max);
            sum += *o;
        }
        // A NaN anywhere makes `sum` NaN, and so every output NaN.
        let inv = 1.0 / sum;
        y.iter_mut().for_each(|o| *o *= inv);
        if x.iter().any(|v| v.is_nan()) {
            y.iter_mut().for_each(|o| *o = f32::NAN);
        }
    }
}

impl<const N: usize> Layer<[f32; N]> for Softmax {
    type Output = [f32; N];
    type Cache = ();
    const MACS: usize = 0;
    const ENDING: Ending = Ending::Softmax;

    #[inline]
    fn forward(&self, x: &[f32; N], y: &mut [f32; N]) {
        Softmax::apply(x, y);
    }

    fn backward(
        &self,
        _x: &[f32; N],
        y: &[f32; N],
        _cache: &(),
        dy: &[f32; N],
        dx: Option<&mut [f32; N]>,
        _grad: Option<&mut Self>,
    ) {
        if let Some(dx) = dx {
            // dx_i = y_i · (dy_i − Σ_j dy_j · y_j)
            let inner: f32 = dy.iter().zip(y).map(|(d, p)| d * p).sum();
            for ((g, &d), &p) in dx.iter_mut().zip(dy).zip(y) {
                *g = p * (d - inner);
            }
        }
    }
}

#[cfg(test)]
mod test {
    use super::*;

    fn run<L: Layer<[f32; 4], Output = [f32; 4]>>(layer: L, x: [f32; 4]) -> [f32; 4] {
        let mut y = [0.0; 4];
        layer.forward(&x, &mut y);
        y
    }

    #[test]
    fn known_values() {
        assert_eq!(run(Relu, [-1.0, 0.0, 2.0, -0.5]), [0.0, 0.0, 2.0, 0.0]);
        assert_eq!(run(Relu6, [-1.0, 3.0, 7.0, 6.0]), [0.0, 3.0, 6.0, 6.0]);
        let leaky = run(LeakyRelu::<100>, [-2.0, 3.0, 0.0, -1.0]);
        assert_eq!(leaky, [-0.2, 3.0, 0.0, -0.1]);
        assert_eq!(run(LeakyRelu::<300>, [-1.0, 0.0, 0.0, 0.0])[0], -0.3);
        let s = run(Sigmoid, [0.0, 100.0, -100.0, 2.0]);
        assert_eq!(s[0], 0.5);
        assert_eq!(s[1], 1.0);
        assert!(s[2] > 0.0 && s[2] < 1e-40);
        assert!((s[3] - 0.880_797_1).abs() < 1e-6);
        let t = run(Tanh, [0.0, 1.0, -20.0, 20.0]);
        assert_eq!(t[0], 0.0);
        assert!((t[1] - 0.761_594_2).abs() < 1e-6);
        assert_eq!((t[2], t[3]), (-1.0, 1.0));
        assert_eq!(run(Identity, [1.0, -2.0, 3.0, 4.0]), [1.0, -2.0, 3.0, 4.0]);
        let p = run(Softmax, [1.0, 2.0, 3.0, 4.0]);
        // numpy: exp(x - 4) / sum(exp(x - 4))
        let expect = [0.032_058_6, 0.087_144_32, 0.236_882_82, 0.643_914_3];
        for (a, b) in p.iter().zip(expect) {
            assert!((a - b).abs() < 1e-6, "{a} vs {b}");
        }
    }

    #[test]
    fn non_finite_inputs_never_panic() {
        let nan = f32::NAN;
        let inf = f32::INFINITY;
        assert!(run(Relu, [nan, 0.0, 0.0, 0.0])[0].is_nan());
        assert!(run(Sigmoid, [nan, 0.0, 0.0, 0.0])[0].is_nan());
        assert_eq!(run(Sigmoid, [inf, -inf, 0.0, 0.0])[..2], [1.0, 0.0]);
        assert_eq!(run(Relu6, [inf, -inf, 0.0, 0.0])[..2], [6.0, 0.0]);
        assert_eq!(run(Softmax, [inf, 1.0, inf, -inf]), [0.5, 0.0, 0.5, 0.0]);
        assert_eq!(run(Softmax, [-inf; 4]), [0.25; 4]);
        assert!(run(Softmax, [nan, 1.0, 2.0, 3.0])
            .iter()
            .all(|v| v.is_nan()));
        // Huge but finite logits do not overflow.
        let p = run(Softmax, [1e30, 0.0, -1e30, 1e30]);
        assert_eq!(p, [0.5, 0.0, 0.0, 0.5]);
    }
}
