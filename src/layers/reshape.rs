//! Changing a tensor's shape without touching its elements: [`Reshape`] and [`Flatten`].
//!
//! Tensors are stored channels last (see [`tensor`](crate::tensor)), so reshaping keeps the
//! memory order: flattening an `H × W × C` image gives element `(h·W + w)·C + c` at position
//! `(h, w, c)`, exactly what Keras' `Flatten` produces from an NHWC tensor — a `Dense` layer
//! trained in Keras after `Flatten` loads unchanged.
//!
//! ```
//! use embednn::prelude::*;
//!
//! let image = [[[1.0, 2.0], [3.0, 4.0]], [[5.0, 6.0], [7.0, 8.0]]]; // 2 × 2 × 2
//! let flat: [f32; 8] = {
//!     let mut y = [0.0; 8];
//!     Flatten::<8>::new().forward(&image, &mut y);
//!     y
//! };
//! assert_eq!(flat, [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]);
//!
//! // Back to a sequence of 4 steps × 2 channels.
//! let mut seq = [[0.0; 2]; 4];
//! Reshape::<[[f32; 2]; 4]>::new().forward(&flat, &mut seq);
//! assert_eq!(seq[3], [7.0, 8.0]);
//! ```
//!
//! The element counts must agree, which is checked at compile time with both shapes in the
//! message:
//!
//! ```compile_fail,E0080
//! use embednn::prelude::*;
//! type Wrong = (Conv2d<4, 4, 1, 2, 3, 3, 1, 1, 2, 2>, Flatten<9>, Dense<9, 1>);
//! const _: () = embednn::check::<Wrong>();
//! // error[E0080]: evaluation panicked: Reshape: the input [2, 2, 2] has 8 elements but the
//! //               output [9] has 9; a reshape keeps every element
//! ```

use core::fmt;
use core::marker::PhantomData;

use crate::layer::Layer;
use crate::tensor::Tensor;

use super::const_fmt::Message;

/// Reinterprets any tensor as the tensor type `T` with the same number of elements, in memory
/// (row-major, channels-last) order. No parameters, no arithmetic, no scratch memory.
pub struct Reshape<T>(
    /// The target type, in the type only (public so generated statics can name it).
    pub PhantomData<fn() -> T>,
);

/// Flattens any tensor to a vector of `N` elements (Keras' `Flatten`); `N` is checked.
pub type Flatten<const N: usize> = Reshape<[f32; N]>;

impl<T> Reshape<T> {
    /// The layer (it has no parameters).
    pub const fn new() -> Self {
        Reshape(PhantomData)
    }
}

// Written out rather than derived: deriving would require `T: Clone` etc., and `Default` is not
// implemented for long arrays.
impl<T> Clone for Reshape<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for Reshape<T> {}
impl<T> Default for Reshape<T> {
    fn default() -> Self {
        Self::new()
    }
}
impl<T> PartialEq for Reshape<T> {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}
impl<T> Eq for Reshape<T> {}
impl<T: Tensor> fmt::Debug for Reshape<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Reshape<{:?}>", T::SHAPE)
    }
}

crate::params! {
    impl[T: Tensor] Reshape<T>
        as { if T::SHAPE.len() == 1 { "Flatten" } else { "Reshape" } }(T::SHAPE)
    {
    }
    phantom [0]
}

/// "Reshape: the input [4, 4, 4] has 64 elements but the output [100] has 100; …"
const fn count_mismatch(from: &[usize], from_len: usize, to: &[usize], to_len: usize) -> Message {
    let m = Message::new().str("Reshape: the input ").shape(from);
    let m = m
        .str(" has ")
        .num(from_len)
        .str(" elements but the output ")
        .shape(to);
    m.str(" has ")
        .num(to_len)
        .str("; a reshape keeps every element")
}

/// Copies every element in order (both tensors have the same length, checked at compile time).
#[inline]
fn copy(from: &[f32], to: &mut [f32]) {
    for (t, &f) in to.iter_mut().zip(from) {
        *t = f;
    }
}

impl<X: Tensor, T: Tensor> Layer<X> for Reshape<T> {
    type Output = T;
    type Cache = ();
    const MACS: usize = 0;
    const CHECK: () = if X::LEN != T::LEN {
        count_mismatch(X::SHAPE, X::LEN, T::SHAPE, T::LEN).fail()
    };

    #[inline]
    fn forward(&self, x: &X, y: &mut T) {
        let () = <Self as Layer<X>>::CHECK;
        copy(x.flat(), y.flat_mut());
    }

    fn backward(
        &self,
        _x: &X,
        _y: &T,
        _cache: &(),
        dy: &T,
        dx: Option<&mut X>,
        _grad: Option<&mut Self>,
    ) {
        let () = <Self as Layer<X>>::CHECK;
        if let Some(dx) = dx {
            copy(dy.flat(), dx.flat_mut());
        }
    }
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn flatten_is_keras_order_and_backward_is_the_inverse() {
        let mut x = [[[0.0f32; 3]; 2]; 2];
        for (i, v) in x.flat_mut().iter_mut().enumerate() {
            *v = i as f32;
        }
        let mut y = [0.0; 12];
        Flatten::<12>::new().forward(&x, &mut y);
        // (h·W + w)·C + c for (1, 0, 2) = (2 + 0)·3 + 2 = 8
        assert_eq!(y[8], x[1][0][2]);
        let mut dx = [[[0.0; 3]; 2]; 2];
        Flatten::<12>::new().backward(&x, &y, &(), &y, Some(&mut dx), None);
        assert_eq!(dx, x);
        let mut debug = heapless::String::<32>::new();
        core::fmt::Write::write_fmt(&mut debug, format_args!("{:?}", Flatten::<12>::new()))
            .unwrap();
        assert_eq!(debug.as_str(), "Reshape<[12]>");
    }
}
