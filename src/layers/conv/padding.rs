//! Padding modes of convolutions and pools: TensorFlow's "valid" and "same".

use core::fmt::Debug;

use super::window::Axis;

mod sealed {
    pub trait Sealed {}
}

/// How a convolution or pooling window treats the borders: [`Valid`] or [`Same`].
///
/// See the [module docs](super) for the exact rules (TensorFlow's).
pub trait Padding: sealed::Sealed + Copy + Debug + Default + PartialEq + Eq + 'static {
    /// Whether the input is zero-padded to keep `out = ceil(N / S)`.
    const SAME: bool;
    /// How the padding appears in [`LayerInfo::dims`](crate::LayerInfo::dims) (and so in the architecture fingerprint):
    /// `0` for valid, `1` for same.
    const CODE: usize;
    /// `"valid"` or `"same"`, as Keras spells it.
    const NAME: &'static str;
}

/// No padding: every window lies inside the input; `out = (N - K) / S + 1`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Valid;

/// TensorFlow's "same" padding: `out = ceil(N / S)`, zeros split `pad / 2` before and the rest
/// after.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Same;

impl sealed::Sealed for Valid {}
impl sealed::Sealed for Same {}
impl Padding for Valid {
    const SAME: bool = false;
    const CODE: usize = 0;
    const NAME: &'static str = "valid";
}
impl Padding for Same {
    const SAME: bool = true;
    const CODE: usize = 1;
    const NAME: &'static str = "same";
}

impl Valid {
    /// Output size along one axis: `(n - k) / s + 1`, or `0` if the window does not fit
    /// (`k > n`) or `k` or `s` is zero.
    pub const fn output_len(n: usize, k: usize, s: usize) -> usize {
        Axis::new(n, k, s, false).out
    }
}

impl Same {
    /// Output size along one axis: `ceil(n / s)` (`0` if `k` or `s` is zero).
    pub const fn output_len(n: usize, k: usize, s: usize) -> usize {
        Axis::new(n, k, s, true).out
    }

    /// The zeros added `(before, after)` along one axis, as TensorFlow adds them.
    ///
    /// ```
    /// use embednn::Same;
    /// assert_eq!(Same::padding(8, 3, 1), (1, 1));
    /// assert_eq!(Same::padding(8, 4, 1), (1, 2)); // even total: the extra zero goes after
    /// assert_eq!(Same::padding(8, 3, 2), (0, 1)); // out = 4, pad = 3·2 + 3 − 8 = 1
    /// assert_eq!(Same::padding(49, 10, 2), (4, 5)); // DS-CNN's 10×4 kernel, stride 2
    /// ```
    pub const fn padding(n: usize, k: usize, s: usize) -> (usize, usize) {
        let axis = Axis::new(n, k, s, true);
        (axis.before, axis.total - axis.before)
    }
}
