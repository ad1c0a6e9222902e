//! The one ladder of tuple arities: models are tuples of up to 24 layers, and every trait a
//! model needs (layers, parameters, buffers, initialization, Rust source) is implemented for each
//! arity by handing a per-arity macro to [`for_each_tuple!`].

/// Calls `$m!` once per tuple arity, 1 to 24, with that arity's elements in order, each written
/// `(Ln n Tn Vn)`: a type-parameter name, the index, a name for its output type and a name for
/// the ping-pong slot variant that holds it (see [`crate::model`]).
macro_rules! for_each_tuple {
    ($m:ident) => {
        $crate::tuples::for_each_tuple!(@step $m []
            (L0 0 T0 V0) (L1 1 T1 V1) (L2 2 T2 V2) (L3 3 T3 V3) (L4 4 T4 V4) (L5 5 T5 V5)
            (L6 6 T6 V6) (L7 7 T7 V7) (L8 8 T8 V8) (L9 9 T9 V9) (L10 10 T10 V10)
            (L11 11 T11 V11) (L12 12 T12 V12) (L13 13 T13 V13) (L14 14 T14 V14)
            (L15 15 T15 V15) (L16 16 T16 V16) (L17 17 T17 V17) (L18 18 T18 V18)
            (L19 19 T19 V19) (L20 20 T20 V20) (L21 21 T21 V21) (L22 22 T22 V22)
            (L23 23 T23 V23));
    };
    (@step $m:ident [$($done:tt)*] $next:tt $($rest:tt)*) => {
        $m!($($done)* $next);
        $crate::tuples::for_each_tuple!(@step $m [$($done)* $next] $($rest)*);
    };
    (@step $m:ident [$($done:tt)*]) => {};
}
pub(crate) use for_each_tuple;
