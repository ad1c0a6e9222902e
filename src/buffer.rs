//! Fixed collections of `f32` arrays: gradients, optimizer moments, training traces.
//!
//! A [`Buffer`] is anything made of a known number of `f32` arrays: a tensor, a layer's
//! parameters (a [`Dense`](crate::Dense) is its own gradient type), a tuple of those, or `()` for a
//! layer that has nothing to keep. Optimizers and gradient clipping only need to walk the arrays,
//! so they work on any model without knowing its layers.

/// A value made of a fixed number of `f32` arrays, with an all-zero constant.
pub trait Buffer: Clone {
    /// The all-zero value: a fresh gradient, optimizer moment or trace.
    const ZERO: Self;
    /// Number of scalars.
    const LEN: usize;
    /// Calls `f` on every array, in a fixed order.
    fn for_each_slice(&self, f: &mut impl FnMut(&[f32]));
    /// Calls `f` on every array, mutably, in the same order as [`Buffer::for_each_slice`].
    fn for_each_slice_mut(&mut self, f: &mut impl FnMut(&mut [f32]));
    /// Calls `f` on each array of `self` together with the matching array of `other`.
    fn zip_slices_mut(&mut self, other: &Self, f: &mut impl FnMut(&mut [f32], &[f32]));

    /// Sets every scalar to zero.
    fn fill_zero(&mut self) {
        self.for_each_slice_mut(&mut |s| s.fill(0.0));
    }
    /// Sum of squares of every scalar (for gradient norms).
    fn sum_squares(&self) -> f32 {
        let mut total = 0.0;
        self.for_each_slice(&mut |s| total += s.iter().map(|v| v * v).sum::<f32>());
        total
    }
    /// Multiplies every scalar by `factor`.
    fn scale(&mut self, factor: f32) {
        self.for_each_slice_mut(&mut |s| s.iter_mut().for_each(|v| *v *= factor));
    }
    /// Adds `other` element-wise (used to reduce per-thread gradients in a fixed order).
    fn add_assign(&mut self, other: &Self) {
        self.zip_slices_mut(other, &mut |dst, src| {
            dst.iter_mut().zip(src).for_each(|(d, s)| *d += s)
        });
    }
}

impl Buffer for () {
    const ZERO: Self = ();
    const LEN: usize = 0;
    fn for_each_slice(&self, _: &mut impl FnMut(&[f32])) {}
    fn for_each_slice_mut(&mut self, _: &mut impl FnMut(&mut [f32])) {}
    fn zip_slices_mut(&mut self, _: &Self, _: &mut impl FnMut(&mut [f32], &[f32])) {}
}

macro_rules! tuple_buffer {
    ($(($name:ident $idx:tt $_t:ident $_v:ident))+) => {
        impl<$($name: Buffer),+> Buffer for ($($name,)+) {
            const ZERO: Self = ($($name::ZERO,)+);
            const LEN: usize = 0 $(+ $name::LEN)+;
            #[inline]
            fn for_each_slice(&self, f: &mut impl FnMut(&[f32])) {
                $(self.$idx.for_each_slice(f);)+
            }
            #[inline]
            fn for_each_slice_mut(&mut self, f: &mut impl FnMut(&mut [f32])) {
                $(self.$idx.for_each_slice_mut(f);)+
            }
            #[inline]
            fn zip_slices_mut(&mut self, other: &Self, f: &mut impl FnMut(&mut [f32], &[f32])) {
                $(self.$idx.zip_slices_mut(&other.$idx, f);)+
            }
        }
    };
}
crate::tuples::for_each_tuple!(tuple_buffer);
