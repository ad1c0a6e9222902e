//! [`QLayer`]: an int8 layer (inference only), and tuples of them as int8 models.

use core::mem::size_of;

use crate::model::{ping_pong, Slot};

use super::tensor::QTensor;

/// A static description of one int8 layer, for summaries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QLayerInfo {
    /// Layer kind, e.g. `"QDense"`.
    pub kind: &'static str,
    /// Shape of the layer's output.
    pub output_shape: &'static [usize],
    /// Bytes of parameters (int8 weights, int32 biases, requantization).
    pub param_bytes: usize,
    /// Multiply-accumulates per inference.
    pub macs: usize,
}

/// An int8 computation from input `X` to [`QLayer::Output`], as TFLite's integer kernels compute
/// it. Sizes are in the types exactly as for [`Layer`](crate::Layer): a layer that does not
/// accept the previous layer's output is a compile error naming both tensor types.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot take `{X}` as its int8 input",
    label = "this int8 layer does not accept `{X}`",
    note = "each layer's input must be exactly the previous layer's output: check the sizes"
)]
pub trait QLayer<X: QTensor> {
    /// The output tensor.
    type Output: QTensor;
    /// Layer kind, for summaries.
    const KIND: &'static str;
    /// Multiply-accumulates per inference.
    const MACS: usize;
    /// Bytes of parameters, what the layer occupies in flash.
    const PARAM_BYTES: usize;
    /// Bytes of working memory besides input and output (a model: its activation slots).
    const FORWARD_BYTES: usize = 0;
    /// Compile-time checks of the layer's size arithmetic.
    const CHECK: () = ();
    /// Number of layers this describes.
    const DEPTH: usize = 1;

    /// Inference: computes `y` from `x`.
    fn forward(&self, x: &X, y: &mut Self::Output);

    /// Calls `f` with a description of each layer, in order.
    fn describe(f: &mut impl FnMut(QLayerInfo)) {
        f(QLayerInfo {
            kind: Self::KIND,
            output_shape: <Self::Output as QTensor>::SHAPE,
            param_bytes: Self::PARAM_BYTES,
            macs: Self::MACS,
        })
    }
}

impl<X: QTensor, A: QLayer<X>> QLayer<X> for (A,) {
    type Output = A::Output;
    const KIND: &'static str = A::KIND;
    const MACS: usize = A::MACS;
    const PARAM_BYTES: usize = A::PARAM_BYTES;
    const FORWARD_BYTES: usize = A::FORWARD_BYTES;
    const CHECK: () = A::CHECK;
    const DEPTH: usize = A::DEPTH;
    #[inline]
    fn forward(&self, x: &X, y: &mut A::Output) {
        self.0.forward(x, y)
    }
    fn describe(f: &mut impl FnMut(QLayerInfo)) {
        A::describe(f)
    }
}

const fn max(values: &[usize]) -> usize {
    let mut m = 0;
    let mut i = 0;
    while i < values.len() {
        if values[i] > m {
            m = values[i];
        }
        i += 1;
    }
    m
}

macro_rules! qsequential {
    (
        first: $L0:ident $T0:ident $V0:ident;
        mid: [$(($L:ident $k:tt $Tin:ident $Vin:ident $kin:tt $Tout:ident $Vout:ident))*];
        last: $Ll:ident $kl:tt $Tl:ident $Vl:ident $kll:tt;
        all: [$($La:ident $ka:tt),+];
        temps: [$($T:ident),+];
    ) => {
        impl<X: QTensor, $($La,)+ $($T,)+> QLayer<X> for ($($La,)+)
        where
            $L0: QLayer<X, Output = $T0>,
            $($L: QLayer<$Tin, Output = $Tout>,)*
            $Ll: QLayer<$Tl>,
            $($T: QTensor,)+
        {
            type Output = <$Ll as QLayer<$Tl>>::Output;
            const KIND: &'static str = "Sequential";
            const MACS: usize = <$L0 as QLayer<X>>::MACS $(+ <$L as QLayer<$Tin>>::MACS)* + <$Ll as QLayer<$Tl>>::MACS;
            const PARAM_BYTES: usize = <$L0 as QLayer<X>>::PARAM_BYTES $(+ <$L as QLayer<$Tin>>::PARAM_BYTES)* + <$Ll as QLayer<$Tl>>::PARAM_BYTES;
            const FORWARD_BYTES: usize = 2 * size_of::<Slot<$($T),+>>() + max(&[
                <$L0 as QLayer<X>>::FORWARD_BYTES,
                $(<$L as QLayer<$Tin>>::FORWARD_BYTES,)*
                <$Ll as QLayer<$Tl>>::FORWARD_BYTES,
            ]);
            const DEPTH: usize = <$L0 as QLayer<X>>::DEPTH $(+ <$L as QLayer<$Tin>>::DEPTH)* + <$Ll as QLayer<$Tl>>::DEPTH;
            const CHECK: () = {
                let () = <$L0 as QLayer<X>>::CHECK;
                $(let () = <$L as QLayer<$Tin>>::CHECK;)*
                let () = <$Ll as QLayer<$Tl>>::CHECK;
            };

            fn forward(&self, x: &X, y: &mut Self::Output) {
                let mut slots: [Slot<$($T),+>; 2] = [Slot::Empty, Slot::Empty];
                {
                    let (_, out) = ping_pong(&mut slots, 0);
                    *out = Slot::$V0(<$T0 as QTensor>::ZERO);
                    if let Slot::$V0(out) = out {
                        self.0.forward(x, out);
                    }
                }
                $({
                    let (input, out) = ping_pong(&mut slots, $k);
                    *out = Slot::$Vout(<$Tout as QTensor>::ZERO);
                    if let (Slot::$Vin(input), Slot::$Vout(out)) = (input, out) {
                        self.$k.forward(input, out);
                    }
                })*
                let (input, _) = ping_pong(&mut slots, $kl);
                if let Slot::$Vl(input) = input {
                    self.$kl.forward(input, y);
                }
            }

            fn describe(f: &mut impl FnMut(QLayerInfo)) {
                <$L0 as QLayer<X>>::describe(f);
                $(<$L as QLayer<$Tin>>::describe(f);)*
                <$Ll as QLayer<$Tl>>::describe(f);
            }
        }
    };
}

/// One arity's element list from `for_each_tuple!` as the input of `qsequential!`.
macro_rules! qsequential_from_list {
    (($L0:ident $k0:tt $T0:ident $V0:ident)) => {};
    (($L0:ident $k0:tt $T0:ident $V0:ident) $($rest:tt)+) => {
        qsequential_from_list!(@walk
            first: [$L0 $T0 $V0]; prev: [$T0 $V0 $k0]; mid: []; all: [$L0 $k0]; temps: [$T0];
            $($rest)+);
    };
    (@walk first: [$($first:tt)*]; prev: [$Tp:ident $Vp:ident $kp:tt]; mid: [$($mid:tt)*];
        all: [$($all:tt)*]; temps: [$($temps:ident),*]; ($L:ident $k:tt $T:ident $V:ident)) => {
        qsequential! {
            first: $($first)*;
            mid: [$($mid)*];
            last: $L $k $Tp $Vp $kp;
            all: [$($all)*, $L $k];
            temps: [$($temps),*];
        }
    };
    (@walk first: [$($first:tt)*]; prev: [$Tp:ident $Vp:ident $kp:tt]; mid: [$($mid:tt)*];
        all: [$($all:tt)*]; temps: [$($temps:ident),*]; ($L:ident $k:tt $T:ident $V:ident)
        $($rest:tt)+) => {
        qsequential_from_list!(@walk
            first: [$($first)*]; prev: [$T $V $k]; mid: [$($mid)* ($L $k $Tp $Vp $kp $T $V)];
            all: [$($all)*, $L $k]; temps: [$($temps,)* $T];
            $($rest)+);
    };
}
crate::tuples::for_each_tuple!(qsequential_from_list);
