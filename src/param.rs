//! Parameter storage, and the one declaration that makes a struct a layer's parameters.
//!
//! A layer's learnable state is a struct of *parameter arrays*: a plain `f32` array of any
//! nesting (`[f32; N]`, `[[[[f32; CI]; KW]; KH]; CO]`, …) or a nalgebra static matrix
//! (`SMatrix<f32, I, O>`, which [`Dense`](crate::Dense) uses so its kernel has Keras' shape and
//! nalgebra's indexing). [`ParamArray`] is what such a field must be: a fixed number of `f32`s in
//! one contiguous run, with an all-zero constant and a Rust literal.
//!
//! Everything else a layer needs besides its forward and backward pass follows from *which*
//! fields are parameters and what they are, so it is written once, by [`params!`](crate::params):
//!
//! ```
//! use embednn::{params, Layer};
//!
//! /// `y = x · scale + shift`, per element.
//! #[derive(Clone, Copy, Debug, PartialEq)]
//! pub struct Affine<const N: usize> {
//!     pub scale: [f32; N],
//!     pub shift: [f32; N],
//! }
//!
//! params! {
//!     impl[const N: usize] Affine<N> as "Affine"[N] for [f32; N] {
//!         scale: Weight = embednn::param::fan(1, 1),
//!         shift: Bias = 0.0,
//!     }
//! }
//!
//! impl<const N: usize> Layer<[f32; N]> for Affine<N> {
//!     type Output = [f32; N];
//!     type Cache = ();
//!     const MACS: usize = N;
//!     fn forward(&self, x: &[f32; N], y: &mut [f32; N]) {
//!         for i in 0..N {
//!             y[i] = x[i] * self.scale[i] + self.shift[i];
//!         }
//!     }
//!     fn backward(&self, x: &[f32; N], _: &[f32; N], _: &(), dy: &[f32; N],
//!                 dx: Option<&mut [f32; N]>, grad: Option<&mut Self>) {
//!         if let Some(g) = grad {
//!             for i in 0..N {
//!                 g.scale[i] += dy[i] * x[i];
//!                 g.shift[i] += dy[i];
//!             }
//!         }
//!         if let Some(dx) = dx {
//!             for i in 0..N {
//!                 dx[i] = dy[i] * self.scale[i];
//!             }
//!         }
//!     }
//! }
//!
//! // The declaration gave it everything a model needs: sizes, initialization, gradients and
//! // optimizer state, the model file, serde (postcard), and Rust source for flash.
//! use embednn::prelude::*;
//! type Net = (Dense<2, 3>, Affine<3>, Relu, Dense<3, 1>);
//! embednn::check!(Net);
//! let net = Net::init(Initializer::GlorotUniform, &mut Rng::seed(7));
//! assert_eq!(Net::PARAMS, 9 + 6 + 4);
//! let mut buf = [0u8; 4 * 19];
//! let bytes = postcard::to_slice(&net, &mut buf).unwrap();
//! assert_eq!(postcard::from_bytes::<Net>(bytes).unwrap(), net);
//! ```
//!
//! A field is declared `name: Kind = start`, in the order the model file stores it:
//!
//! | kind | trained | regularized | `start` (what [`Init`](crate::Init) puts there) |
//! |---|---|---|---|
//! | `Weight` | yes | yes | [`fan(fan_in, fan_out)`](fan): drawn by the model's [`Initializer`] |
//! | `Bias` | yes | no | a constant, e.g. `0.0` (or `1.0` for a scale) |
//! | `Statistic` | no | no | a constant (e.g. a batch norm's moving variance, `1.0`) |
//!
//! Fields that are not parameters (a zero-sized `PhantomData` marker) are listed after the
//! parameters as `phantom name`.
//!
//! **What it writes.** [`Buffer`](crate::Buffer) (the layer is its own gradient type: a
//! `Dense<I, O>`'s gradient is a `Dense<I, O>`), [`Params`] (counts, kind and
//! defining sizes, visiting in file order, the optimizer's view), [`Init`](crate::Init),
//! [`ToRust`](crate::codegen::ToRust) (a struct literal that the firmware compiles into flash),
//! `serde::Serialize` and `serde::Deserialize` (every parameter as a tuple of `f32`s, so postcard
//! writes exactly the little-endian floats in file order, and decodes them without a heap), and
//! [`FixedInput`](crate::FixedInput) when the declaration names the input (`for [f32; N]`).

use core::fmt::{self, Write};

use nalgebra::{ArrayStorage, SMatrix};
use serde::de::{self, SeqAccess, Visitor};
use serde::ser::{SerializeTuple, Serializer};

use crate::codegen::write_f32_nested;
use crate::init::Initializer;
use crate::layer::{ParamKind, Params};
use crate::rng::Rng;

/// One parameter array: a fixed number of `f32`s stored contiguously.
pub trait ParamArray: Copy + 'static {
    /// Every element zero.
    const ZERO: Self;
    /// Number of elements.
    const LEN: usize;
    /// The elements in memory order.
    fn flat(&self) -> &[f32];
    /// The elements in memory order, mutably.
    fn flat_mut(&mut self) -> &mut [f32];
    /// Writes a Rust constant expression with exactly these bits (paths from `embednn`).
    fn write_rust(&self, out: &mut dyn Write) -> fmt::Result;
}

impl<const N: usize> ParamArray for [f32; N] {
    const ZERO: Self = [0.0; N];
    const LEN: usize = N;
    #[inline]
    fn flat(&self) -> &[f32] {
        self
    }
    #[inline]
    fn flat_mut(&mut self) -> &mut [f32] {
        self
    }
    fn write_rust(&self, out: &mut dyn Write) -> fmt::Result {
        crate::codegen::write_f32_array(out, self)
    }
}

impl<const A: usize, const B: usize> ParamArray for [[f32; A]; B] {
    const ZERO: Self = [[0.0; A]; B];
    const LEN: usize = A * B;
    #[inline]
    fn flat(&self) -> &[f32] {
        self.as_flattened()
    }
    #[inline]
    fn flat_mut(&mut self) -> &mut [f32] {
        self.as_flattened_mut()
    }
    fn write_rust(&self, out: &mut dyn Write) -> fmt::Result {
        write_f32_nested(out, self.flat(), &[B, A])
    }
}

impl<const A: usize, const B: usize, const C: usize> ParamArray for [[[f32; A]; B]; C] {
    const ZERO: Self = [[[0.0; A]; B]; C];
    const LEN: usize = A * B * C;
    #[inline]
    fn flat(&self) -> &[f32] {
        self.as_flattened().as_flattened()
    }
    #[inline]
    fn flat_mut(&mut self) -> &mut [f32] {
        self.as_flattened_mut().as_flattened_mut()
    }
    fn write_rust(&self, out: &mut dyn Write) -> fmt::Result {
        write_f32_nested(out, self.flat(), &[C, B, A])
    }
}

impl<const A: usize, const B: usize, const C: usize, const D: usize> ParamArray
    for [[[[f32; A]; B]; C]; D]
{
    const ZERO: Self = [[[[0.0; A]; B]; C]; D];
    const LEN: usize = A * B * C * D;
    #[inline]
    fn flat(&self) -> &[f32] {
        self.as_flattened().as_flattened().as_flattened()
    }
    #[inline]
    fn flat_mut(&mut self) -> &mut [f32] {
        self.as_flattened_mut()
            .as_flattened_mut()
            .as_flattened_mut()
    }
    fn write_rust(&self, out: &mut dyn Write) -> fmt::Result {
        write_f32_nested(out, self.flat(), &[D, C, B, A])
    }
}

/// A nalgebra static matrix, stored (as nalgebra does) column by column.
impl<const R: usize, const C: usize> ParamArray for SMatrix<f32, R, C> {
    const ZERO: Self = SMatrix::from_array_storage(ArrayStorage([[0.0; R]; C]));
    const LEN: usize = R * C;
    #[inline]
    fn flat(&self) -> &[f32] {
        self.as_slice()
    }
    #[inline]
    fn flat_mut(&mut self) -> &mut [f32] {
        self.as_mut_slice()
    }
    fn write_rust(&self, out: &mut dyn Write) -> fmt::Result {
        out.write_str("embednn::param::matrix(")?;
        write_f32_nested(out, self.flat(), &[C, R])?;
        out.write_str(")")
    }
}

/// Builds a static matrix from its columns (`const`, for generated flash-resident models).
pub const fn matrix<const R: usize, const C: usize>(columns: [[f32; R]; C]) -> SMatrix<f32, R, C> {
    SMatrix::from_array_storage(ArrayStorage(columns))
}

/// The all-zero value of a parameter array, by inference (for [`params!`](crate::params)).
#[doc(hidden)]
pub const fn zero<T: ParamArray>() -> T {
    T::ZERO
}

/// The length of a parameter array, by inference (for [`params!`](crate::params)).
#[doc(hidden)]
pub const fn len_of<T: ParamArray>(_: &T) -> usize {
    T::LEN
}

/// What [`Init`](crate::Init) puts in a parameter array.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Start {
    /// Drawn by the model's [`Initializer`] for a layer with this fan-in and fan-out.
    Fan(usize, usize),
    /// Every element this value.
    Value(f32),
}

/// A weight drawn for a layer with this fan-in and fan-out (see [`Initializer::limit`]).
pub const fn fan(fan_in: usize, fan_out: usize) -> Start {
    Start::Fan(fan_in, fan_out)
}

impl From<f32> for Start {
    fn from(value: f32) -> Self {
        Start::Value(value)
    }
}

impl Start {
    /// Fills `values` as this start says.
    pub fn fill(self, values: &mut [f32], initializer: Initializer, rng: &mut Rng) {
        match self {
            Start::Fan(fan_in, fan_out) => initializer.fill(values, fan_in, fan_out, rng),
            Start::Value(v) => values.fill(v),
        }
    }
}

/// Serializes a layer's (or model's) parameters as one tuple of `f32`s in file order: postcard
/// writes them as consecutive little-endian floats, nothing else.
pub fn serialize<P: Params, S: Serializer>(params: &P, serializer: S) -> Result<S::Ok, S::Error> {
    let mut tuple = serializer.serialize_tuple(P::PARAMS)?;
    let mut result = Ok(());
    params.for_each_param(&mut |_, values| {
        for v in values {
            if result.is_ok() {
                result = tuple.serialize_element(v);
            }
        }
    });
    result?;
    tuple.end()
}

/// Decodes what [`serialize`] wrote into `start` (all of whose parameters are overwritten).
pub fn deserialize<'de, P: Params, D: de::Deserializer<'de>>(
    start: P,
    deserializer: D,
) -> Result<P, D::Error> {
    deserializer.deserialize_tuple(P::PARAMS, Fill(start))
}

struct Fill<P>(P);

impl<'de, P: Params> Visitor<'de> for Fill<P> {
    type Value = P;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} parameters", P::PARAMS)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<P, A::Error> {
        let mut params = self.0;
        let mut read = 0usize;
        let mut error = None;
        params.for_each_param_mut(&mut |_, values| {
            for v in values {
                if error.is_some() {
                    return;
                }
                match seq.next_element::<f32>() {
                    Ok(Some(x)) => {
                        *v = x;
                        read += 1;
                    }
                    Ok(None) => error = Some(de::Error::invalid_length(read, &Expected(P::PARAMS))),
                    Err(e) => error = Some(e),
                }
            }
        });
        match error {
            Some(e) => Err(e),
            None => Ok(params),
        }
    }
}

struct Expected(usize);
impl de::Expected for Expected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} parameters", self.0)
    }
}

/// Counts a parameter field toward [`Params::TRAINABLE`] if its kind trains.
#[doc(hidden)]
pub const fn trainable_len(kind: ParamKind, len: usize) -> usize {
    match kind {
        ParamKind::Weight | ParamKind::Bias => len,
        ParamKind::Statistic => 0,
    }
}

/// Declares which fields of a layer struct are its parameters, and derives from that everything
/// a layer needs besides [`Layer`](crate::Layer): see the [module docs](crate::param).
///
/// ```text
/// params! {
///     impl[GENERICS] Type<ARGS> as "Kind"[DIM, …] (for INPUT)? {
///         field: Weight = fan(FAN_IN, FAN_OUT),
///         field: Bias = 0.0,
///         field: Statistic = 1.0,
///     }
///     (phantom [marker_field, …])?
/// }
/// ```
///
/// The kind may be any constant expression in braces (`as { … }`) and the sizes any
/// `&'static [usize]` expression in parentheses (`as "Reshape"(T::SHAPE)`).
#[macro_export]
macro_rules! params {
    (impl[$($g:tt)*] $name:ident<$($arg:ident),*> as $kind:tt [$($dim:expr),* $(,)?] $($rest:tt)*) => {
        $crate::params!(@impl [$($g)*] $name [$($arg),*] $kind (&[$($dim),*]) $($rest)*);
    };
    (impl[$($g:tt)*] $name:ident<$($arg:ident),*> as $kind:tt ($dims:expr) $($rest:tt)*) => {
        $crate::params!(@impl [$($g)*] $name [$($arg),*] $kind ($dims) $($rest)*);
    };
    (
        @impl [$($g:tt)*] $name:ident [$($arg:ident),*] $kind:tt ($dims:expr)
        $(for $input:ty)?
        {
            $($field:ident : $pkind:ident = $start:expr,)*
        }
        $(phantom [$($phantom:tt),*])?
    ) => {
        impl<$($g)*> $crate::Buffer for $name<$($arg),*> {
            const ZERO: Self = Self {
                $($field: $crate::param::zero(),)*
                $($($phantom: ::core::marker::PhantomData,)*)?
            };
            const LEN: usize = <Self as $crate::Params>::PARAMS;
            #[inline]
            fn for_each_slice(&self, f: &mut impl FnMut(&[f32])) {
                let _ = &f;
                $(f($crate::param::ParamArray::flat(&self.$field));)*
            }
            #[inline]
            fn for_each_slice_mut(&mut self, f: &mut impl FnMut(&mut [f32])) {
                let _ = &f;
                $(f($crate::param::ParamArray::flat_mut(&mut self.$field));)*
            }
            #[inline]
            fn zip_slices_mut(&mut self, other: &Self, f: &mut impl FnMut(&mut [f32], &[f32])) {
                let _ = (&f, other);
                $(f(
                    $crate::param::ParamArray::flat_mut(&mut self.$field),
                    $crate::param::ParamArray::flat(&other.$field),
                );)*
            }
        }

        impl<$($g)*> $crate::Params for $name<$($arg),*> {
            type Gradient = Self;
            const PARAMS: usize =
                0 $(+ $crate::param::len_of(&<Self as $crate::Buffer>::ZERO.$field))*;
            const TRAINABLE: usize = 0 $(+ $crate::param::trainable_len(
                $crate::ParamKind::$pkind,
                $crate::param::len_of(&<Self as $crate::Buffer>::ZERO.$field),
            ))*;
            const KIND: &'static str = $kind;
            const DIMS: &'static [usize] = $dims;

            #[inline]
            fn for_each_param(&self, f: &mut impl FnMut($crate::ParamKind, &[f32])) {
                let _ = &f;
                $(f($crate::ParamKind::$pkind, $crate::param::ParamArray::flat(&self.$field));)*
            }
            #[inline]
            fn for_each_param_mut(&mut self, f: &mut impl FnMut($crate::ParamKind, &mut [f32])) {
                let _ = &f;
                $(f(
                    $crate::ParamKind::$pkind,
                    $crate::param::ParamArray::flat_mut(&mut self.$field),
                );)*
            }
            #[inline]
            fn visit_trainable<const K: usize>(
                &mut self,
                grad: &mut Self,
                state: [&mut Self; K],
                f: &mut impl FnMut($crate::ParamSlot<'_, K>),
            ) {
                let _ = (&grad, &f);
                #[allow(unused_mut, unused_variables)]
                let mut state = state;
                $(if $crate::param::trainable_len($crate::ParamKind::$pkind, 1) > 0 {
                    f($crate::ParamSlot {
                        kind: $crate::ParamKind::$pkind,
                        value: $crate::param::ParamArray::flat_mut(&mut self.$field),
                        grad: $crate::param::ParamArray::flat_mut(&mut grad.$field),
                        state: state
                            .each_mut()
                            .map(|s| $crate::param::ParamArray::flat_mut(&mut s.$field)),
                    });
                })*
            }
        }

        impl<$($g)*> $crate::Init for $name<$($arg),*> {
            fn init(initializer: $crate::Initializer, rng: &mut $crate::Rng) -> Self {
                let _ = (initializer, &rng);
                #[allow(unused_mut)]
                let mut layer = <Self as $crate::Buffer>::ZERO;
                $($crate::param::Start::from($start).fill(
                    $crate::param::ParamArray::flat_mut(&mut layer.$field),
                    initializer,
                    rng,
                );)*
                layer
            }
        }

        impl<$($g)*> $crate::codegen::ToRust for $name<$($arg),*> {
            fn write_rust(&self, out: &mut dyn ::core::fmt::Write) -> ::core::fmt::Result {
                out.write_str(concat!("embednn::", stringify!($name)))?;
                $crate::params!(@rust self out [$($field),*] [$($($phantom),*)?])
            }
        }

        impl<$($g)*> $crate::serde::Serialize for $name<$($arg),*> {
            fn serialize<S: $crate::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                $crate::param::serialize(self, s)
            }
        }

        impl<'de, $($g)*> $crate::serde::Deserialize<'de> for $name<$($arg),*> {
            fn deserialize<D: $crate::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                $crate::param::deserialize(<Self as $crate::Buffer>::ZERO, d)
            }
        }

        $crate::params!(@input [$($g)*] $name [$($arg),*] $($input)?);
    };
    (@input [$($g:tt)*] $name:ident [$($arg:ident),*] $input:ty) => {
        impl<$($g)*> $crate::FixedInput for $name<$($arg),*> {
            type Input = $input;
        }
    };
    (@input [$($g:tt)*] $name:ident [$($arg:ident),*]) => {};
    // ToRust's body: nothing for a unit struct, `(PhantomData)` for a tuple struct, else a
    // struct literal of the named fields.
    (@rust $self:ident $out:ident [] []) => { Ok(()) };
    (@rust $self:ident $out:ident [] [0]) => { $out.write_str("(core::marker::PhantomData)") };
    (@rust $self:ident $out:ident [$($field:ident),*] [$($phantom:ident),*]) => {{
        $out.write_str(" {")?;
        $(
            $out.write_str(concat!(" ", stringify!($field), ": "))?;
            $crate::param::ParamArray::write_rust(&$self.$field, $out)?;
            $out.write_str(",")?;
        )*
        $($out.write_str(concat!(" ", stringify!($phantom), ": core::marker::PhantomData,"))?;)*
        $out.write_str(" }")
    }};
}
