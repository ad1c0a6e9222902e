//! Dropout regularization.

use crate::layer::Layer;
use crate::rng::Rng;
use crate::tensor::Tensor;

use super::const_fmt::Message;

/// Inverted dropout with rate `RATE_MILLI / 1000` (Keras' `Dropout(rate)`), on any tensor.
///
/// - [`Layer::forward`] (inference) is the identity.
/// - [`Layer::forward_train`] zeroes each element with probability `rate`, drawn from its `rng`
///   argument, and scales the others by `1 / (1 − rate)` so the expected output equals the
///   input. The scale factors (0 or `1 / (1 − rate)`) are kept in [`Layer::Cache`], a tensor of
///   the input's shape, for the backward pass.
///
/// The rate is part of the type (like [`LeakyRelu`](crate::LeakyRelu)'s slope) and must be below
/// 1000 ‰, which is checked at compile time. `Dropout<0>` draws no random numbers.
///
/// ```
/// use embednn::prelude::*;
///
/// let drop = Dropout::<500>::new(); // rate 0.5
/// let x = [1.0f32; 64];
/// let mut y = [0.0; 64];
/// drop.forward(&x, &mut y);
/// assert_eq!(y, x); // inference: unchanged
///
/// let mut mask = [0.0; 64];
/// drop.forward_train(&x, &mut y, &mut mask, &mut Rng::seed(1));
/// assert!(y.iter().all(|&v| v == 0.0 || v == 2.0));
/// assert!(y.iter().any(|&v| v == 0.0) && y.iter().any(|&v| v == 2.0));
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Dropout<const RATE_MILLI: u32>;

impl<const RATE_MILLI: u32> Dropout<RATE_MILLI> {
    /// The fraction of elements dropped.
    pub const RATE: f32 = RATE_MILLI as f32 / 1000.0;
    /// The factor kept elements are multiplied by, `1 / (1 − rate)`.
    pub const SCALE: f32 = 1000.0 / (1000u32.saturating_sub(RATE_MILLI)) as f32;
    /// An element is dropped when a uniform 32-bit draw is below `rate · 2³²`.
    const THRESHOLD: u64 = (RATE_MILLI as u64) * (1u64 << 32) / 1000;

    /// The layer (it has no parameters).
    pub const fn new() -> Self {
        Dropout
    }
}

crate::params! {
    impl[const RATE_MILLI: u32] Dropout<RATE_MILLI> as "Dropout"[RATE_MILLI as usize] {}
}

impl<X: Tensor, const RATE_MILLI: u32> Layer<X> for Dropout<RATE_MILLI> {
    type Output = X;
    /// The factor each element was multiplied by (0 or `1 / (1 − rate)`).
    type Cache = X;
    const MACS: usize = 0;
    const CHECK: () = if RATE_MILLI >= 1000 {
        Message::new()
            .str("Dropout: RATE_MILLI = ")
            .num(RATE_MILLI as usize)
            .str(" drops every element; the rate is RATE_MILLI / 1000 and must be below 1000")
            .fail()
    };

    #[inline]
    fn forward(&self, x: &X, y: &mut X) {
        let () = <Self as Layer<X>>::CHECK;
        *y = *x;
    }

    fn forward_train(&self, x: &X, y: &mut X, mask: &mut X, rng: &mut Rng) {
        let () = <Self as Layer<X>>::CHECK;
        if RATE_MILLI == 0 {
            *y = *x;
            mask.flat_mut().fill(1.0);
            return;
        }
        for ((out, m), &v) in y.flat_mut().iter_mut().zip(mask.flat_mut()).zip(x.flat()) {
            *m = if u64::from(rng.next_word()) < Self::THRESHOLD {
                0.0
            } else {
                Self::SCALE
            };
            // A product (not a select), so a NaN input stays NaN as in TensorFlow.
            *out = v * *m;
        }
    }

    fn backward(
        &self,
        _x: &X,
        _y: &X,
        mask: &X,
        dy: &X,
        dx: Option<&mut X>,
        _grad: Option<&mut Self>,
    ) {
        let () = <Self as Layer<X>>::CHECK;
        if let Some(dx) = dx {
            for ((g, &d), &m) in dx.flat_mut().iter_mut().zip(dy.flat()).zip(mask.flat()) {
                *g = d * m;
            }
        }
    }
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn drops_about_rate_and_keeps_the_mean() {
        let drop = Dropout::<250>::new();
        let x = [1.0f32; 4000];
        let mut y = [0.0; 4000];
        let mut mask = [0.0; 4000];
        drop.forward_train(&x, &mut y, &mut mask, &mut Rng::seed(9));
        let dropped = y.iter().filter(|&&v| v == 0.0).count();
        assert!((900..1100).contains(&dropped), "{dropped} of 4000 dropped");
        let mean = y.iter().sum::<f32>() / 4000.0;
        assert!((mean - 1.0).abs() < 0.05, "mean {mean}");
        assert_eq!(Dropout::<250>::SCALE, 1.0 / 0.75);

        let mut dx = [0.0; 4000];
        drop.backward(&x, &y, &mask, &[2.0; 4000], Some(&mut dx), None);
        for (g, m) in dx.iter().zip(&mask) {
            assert_eq!(*g, 2.0 * m);
        }
    }

    #[test]
    fn rate_zero_is_the_identity_and_draws_nothing() {
        let mut rng = Rng::seed(4);
        let x = [1.0, -2.0, 3.0];
        let (mut y, mut mask) = ([0.0; 3], [0.0; 3]);
        Dropout::<0>::new().forward_train(&x, &mut y, &mut mask, &mut rng);
        assert_eq!((y, mask), (x, [1.0; 3]));
        assert_eq!(rng, Rng::seed(4));
    }
}
