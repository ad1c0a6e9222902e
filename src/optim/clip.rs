//! Gradient clipping.

use crate::buffer::Buffer;

/// How to bound a gradient before the optimizer step (Keras' `clipvalue`, `clipnorm`,
/// `global_clipnorm`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Clip {
    /// Clamp every component to `[-v, v]`.
    Value(f32),
    /// Rescale each parameter array whose L2 norm exceeds the limit to that norm.
    Norm(f32),
    /// Rescale the whole gradient if its global L2 norm exceeds the limit.
    GlobalNorm(f32),
}

impl Clip {
    /// Clips `grad` in place. Returns the gradient's global L2 norm before clipping.
    ///
    /// A NaN or infinite gradient is left as it is (the norm returned says so); nothing panics.
    pub fn apply<G: Buffer>(self, grad: &mut G) -> f32 {
        let norm = libm::sqrtf(grad.sum_squares());
        match self {
            Clip::Value(v) => grad.for_each_slice_mut(&mut |s| {
                for g in s {
                    if *g > v {
                        *g = v;
                    } else if *g < -v {
                        *g = -v;
                    }
                }
            }),
            Clip::Norm(limit) => grad.for_each_slice_mut(&mut |s| {
                let n = libm::sqrtf(s.iter().map(|g| g * g).sum::<f32>());
                if n > limit && n.is_finite() {
                    let k = limit / n;
                    s.iter_mut().for_each(|g| *g *= k);
                }
            }),
            Clip::GlobalNorm(limit) => {
                if norm > limit && norm.is_finite() {
                    grad.scale(limit / norm);
                }
            }
        }
        norm
    }
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn clipping_modes() {
        let mut g = ([3.0f32, 4.0], [12.0f32]);
        assert_eq!(Clip::GlobalNorm(6.5).apply(&mut g), 13.0);
        assert_eq!(g, ([1.5, 2.0], [6.0]));

        let mut g = ([3.0f32, 4.0], [12.0f32]);
        Clip::Norm(1.0).apply(&mut g);
        assert_eq!(g, ([0.6, 0.8], [1.0]));

        let mut g = ([3.0f32, -4.0], [0.5f32]);
        Clip::Value(1.0).apply(&mut g);
        assert_eq!(g, ([1.0, -1.0], [0.5]));

        let mut g = ([f32::NAN, 1.0],);
        assert!(Clip::GlobalNorm(1.0).apply(&mut g).is_nan());
    }
}
