//! Fixed-size activation tensors.
//!
//! An activation is a plain Rust array whose shape is part of its type:
//!
//! | shape | type | used by |
//! |---|---|---|
//! | vector of `N` | `[f32; N]` | dense layers |
//! | `L` steps × `C` channels | `[[f32; C]; L]` | 1-D convolution (NLC, channels last) |
//! | `H` × `W` × `C` | `[[[f32; C]; W]; H]` | 2-D convolution (NHWC without the batch axis) |
//!
//! Channels are the innermost (fastest-varying) axis, the layout TensorFlow Lite and CMSIS-NN use,
//! so a `[[[f32; C]; W]; H]` flattens to exactly the order a Keras `Flatten` produces.
//!
//! Nothing here allocates: every tensor is a value with a size known at compile time.

use core::fmt::Debug;

use crate::buffer::Buffer;

/// A fixed-shape array of `f32` that flows between layers.
///
/// Implemented for `[f32; N]`, `[[f32; C]; L]` and `[[[f32; C]; W]; H]`. Every element can be
/// reached as one contiguous slice in row-major (channels-last) order. Its all-zero value and
/// element count are [`Buffer::ZERO`] and [`Buffer::LEN`].
pub trait Tensor: Buffer + Copy + PartialEq + Debug + 'static {
    /// The shape, outermost axis first (`[H, W, C]` for an image).
    const SHAPE: &'static [usize];
    /// The elements in memory (row-major, channels last) order.
    fn flat(&self) -> &[f32];
    /// The elements in memory order, mutably.
    fn flat_mut(&mut self) -> &mut [f32];
    /// Copies from a slice of [`Buffer::LEN`] values; `None` (and nothing changed) if the length
    /// differs.
    fn copy_from(&mut self, values: &[f32]) -> Option<()> {
        let dst = self.flat_mut();
        if dst.len() != values.len() {
            return None;
        }
        dst.copy_from_slice(values);
        Some(())
    }
    /// Builds a tensor from a slice of [`Buffer::LEN`] values, or `None` if the length differs.
    fn from_slice(values: &[f32]) -> Option<Self> {
        let mut t = <Self as Buffer>::ZERO;
        t.copy_from(values).map(|()| t)
    }
    /// Index of the largest element (the predicted class of a classifier's output).
    ///
    /// NaN elements are skipped; ties go to the first index; `0` if every element is NaN.
    fn argmax(&self) -> usize {
        let mut best = 0;
        let mut best_value = f32::NEG_INFINITY;
        let mut seen = false;
        for (i, &v) in self.flat().iter().enumerate() {
            if !v.is_nan() && (!seen || v > best_value) {
                best = i;
                best_value = v;
                seen = true;
            }
        }
        best
    }
}

macro_rules! tensor {
    ($ty:ty, [$($c:ident),*], len: $len:expr, shape: $shape:expr, zero: $zero:expr, flat: |$v:ident| $flat:expr, flat_mut: |$m:ident| $flat_mut:expr) => {
        impl<$(const $c: usize),*> Tensor for $ty {
            const SHAPE: &'static [usize] = $shape;
            #[inline]
            fn flat(&self) -> &[f32] {
                let $v = self;
                $flat
            }
            #[inline]
            fn flat_mut(&mut self) -> &mut [f32] {
                let $m = self;
                $flat_mut
            }
        }
        impl<$(const $c: usize),*> Buffer for $ty {
            const ZERO: Self = $zero;
            const LEN: usize = $len;
            #[inline]
            fn for_each_slice(&self, f: &mut impl FnMut(&[f32])) {
                f(Tensor::flat(self))
            }
            #[inline]
            fn for_each_slice_mut(&mut self, f: &mut impl FnMut(&mut [f32])) {
                f(Tensor::flat_mut(self))
            }
            #[inline]
            fn zip_slices_mut(&mut self, other: &Self, f: &mut impl FnMut(&mut [f32], &[f32])) {
                f(Tensor::flat_mut(self), Tensor::flat(other))
            }
        }
    };
}

tensor!([f32; N], [N], len: N, shape: &[N], zero: [0.0; N],
    flat: |v| v, flat_mut: |v| v);
tensor!([[f32; C]; L], [L, C], len: L * C, shape: &[L, C], zero: [[0.0; C]; L],
    flat: |v| v.as_flattened(), flat_mut: |v| v.as_flattened_mut());
tensor!([[[f32; C]; W]; H], [H, W, C], len: H * W * C, shape: &[H, W, C], zero: [[[0.0; C]; W]; H],
    flat: |v| v.as_flattened().as_flattened(),
    flat_mut: |v| v.as_flattened_mut().as_flattened_mut());

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn image_flattens_channels_last() {
        let mut t = <[[[f32; 2]; 3]; 2] as Buffer>::ZERO;
        t[1][2][0] = 7.0;
        // (h * W + w) * C + c = (1 * 3 + 2) * 2 + 0 = 10
        assert_eq!(t.flat()[10], 7.0);
        assert_eq!(<[[[f32; 2]; 3]; 2]>::SHAPE, &[2, 3, 2]);
        assert_eq!(<[[[f32; 2]; 3]; 2] as Buffer>::LEN, 12);
    }

    #[test]
    fn from_slice_checks_length() {
        assert_eq!(<[f32; 2]>::from_slice(&[1.0, 2.0]), Some([1.0, 2.0]));
        assert_eq!(<[f32; 2]>::from_slice(&[1.0]), None);
    }

    #[test]
    fn argmax_skips_nan() {
        assert_eq!([1.0, f32::NAN, 3.0, 3.0].argmax(), 2);
        assert_eq!([f32::NAN, f32::NAN].argmax(), 0);
        assert_eq!([f32::NEG_INFINITY, -1.0].argmax(), 1);
    }
}
