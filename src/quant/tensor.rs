//! int8 activation tensors: the same shapes as [`Tensor`], holding `i8`.

use core::fmt::Debug;

use crate::tensor::Tensor;

/// A fixed-shape array of `i8` flowing between int8 layers: `[i8; N]`, `[[i8; C]; L]` or
/// `[[[i8; C]; W]; H]`, channels last like the `f32` tensors.
pub trait QTensor: Copy + PartialEq + Debug + 'static {
    /// The `f32` tensor of the same shape (what quantizing reads and dequantizing writes).
    type Float: Tensor;
    /// The shape, outermost axis first.
    const SHAPE: &'static [usize];
    /// Number of elements.
    const LEN: usize;
    /// All zeros.
    const ZERO: Self;
    /// The elements in memory (row-major, channels last) order.
    fn flat(&self) -> &[i8];
    /// The elements in memory order, mutably.
    fn flat_mut(&mut self) -> &mut [i8];
}

macro_rules! qtensor {
    ($ty:ty, $float:ty, [$($c:ident),*], len: $len:expr, zero: $zero:expr,
     flat: |$v:ident| $flat:expr, flat_mut: |$m:ident| $flat_mut:expr) => {
        impl<$(const $c: usize),*> QTensor for $ty {
            type Float = $float;
            const SHAPE: &'static [usize] = <$float as Tensor>::SHAPE;
            const LEN: usize = $len;
            const ZERO: Self = $zero;
            #[inline(always)]
            fn flat(&self) -> &[i8] {
                let $v = self;
                $flat
            }
            #[inline(always)]
            fn flat_mut(&mut self) -> &mut [i8] {
                let $m = self;
                $flat_mut
            }
        }
    };
}

qtensor!([i8; N], [f32; N], [N], len: N, zero: [0; N], flat: |v| v, flat_mut: |v| v);
qtensor!([[i8; C]; L], [[f32; C]; L], [L, C], len: L * C, zero: [[0; C]; L],
    flat: |v| v.as_flattened(), flat_mut: |v| v.as_flattened_mut());
qtensor!([[[i8; C]; W]; H], [[[f32; C]; W]; H], [H, W, C], len: H * W * C,
    zero: [[[0; C]; W]; H],
    flat: |v| v.as_flattened().as_flattened(),
    flat_mut: |v| v.as_flattened_mut().as_flattened_mut());

/// An `f32` tensor type and its int8 counterpart of the same shape.
pub trait HasInt8: Tensor {
    /// The `i8` tensor of the same shape.
    type Int8: QTensor<Float = Self>;
}

impl<const N: usize> HasInt8 for [f32; N] {
    type Int8 = [i8; N];
}
impl<const L: usize, const C: usize> HasInt8 for [[f32; C]; L] {
    type Int8 = [[i8; C]; L];
}
impl<const H: usize, const W: usize, const C: usize> HasInt8 for [[[f32; C]; W]; H] {
    type Int8 = [[[i8; C]; W]; H];
}
