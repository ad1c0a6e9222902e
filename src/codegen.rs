//! Rust source for a trained model, so firmware can keep every weight in flash.
//!
//! A model loaded from a file at run time ([`ModelFile::load_into`](crate::ModelFile::load_into))
//! lives in RAM: right for weights that are updated in the field, but a 16–64 KiB part cannot
//! afford a RAM copy of every weight. [`ToRust`] prints a model as a constant expression instead;
//! a firmware build script loads the model file on the host and writes
//!
//! ```text
//! pub static MODEL: Sine = (embednn::Dense { kernel: embednn::param::matrix([[…]]), bias: … }, embednn::Relu, …);
//! ```
//!
//! — struct literals of the layers' public parameter fields, which the static's declared type
//! gives their sizes — which the linker places in `.rodata` (flash). Inference only borrows the model (`&self`), so
//! RAM then holds just the activations and the stack.
//!
//! Floats are printed with Rust's shortest round-trip formatting, so the compiled constant has
//! exactly the bits that were trained (NaN and infinities included).
//!
//! ```
//! use embednn::codegen::{write_static, ToRust};
//! use embednn::prelude::*;
//!
//! type Net = (Dense<2, 1>, Relu);
//! let net: Net = (Dense::from_rows([[0.5, -1.25]], [0.1]), Relu);
//! let mut src = String::new();
//! write_static(&mut src, "MODEL", "Net", &net).unwrap();
//! assert_eq!(
//!     src,
//!     "pub static MODEL: Net = (embednn::Dense { kernel: embednn::param::matrix([[0.5, -1.25]]), \
//!      bias: embednn::param::matrix([[0.1]]), }, embednn::Relu);\n"
//! );
//! ```

use core::fmt::{self, Write};

/// Prints a value as a Rust constant expression that rebuilds it exactly.
///
/// Layers declared with [`params!`](crate::params) get it from that declaration; model tuples
/// print their layers in order.
pub trait ToRust {
    /// Writes the expression. Paths are absolute from the `embednn` crate root.
    fn write_rust(&self, out: &mut dyn Write) -> fmt::Result;
}

/// Writes `pub static {name}: {ty} = {expr};`.
pub fn write_static<T: ToRust>(
    out: &mut dyn Write,
    name: &str,
    ty: &str,
    value: &T,
) -> fmt::Result {
    write!(out, "pub static {name}: {ty} = ")?;
    value.write_rust(out)?;
    writeln!(out, ";")
}

/// Writes one `f32` so that parsing it gives back the same bits.
pub fn write_f32(out: &mut dyn Write, v: f32) -> fmt::Result {
    if v.is_nan() {
        write!(out, "f32::from_bits({:#010x})", v.to_bits())
    } else if v.is_infinite() {
        out.write_str(if v > 0.0 {
            "f32::INFINITY"
        } else {
            "f32::NEG_INFINITY"
        })
    } else {
        // `{:?}` is the shortest representation that round-trips, always with a `.` or exponent.
        write!(out, "{v:?}")
    }
}

/// Writes `[a, b, …]`.
pub fn write_f32_array(out: &mut dyn Write, values: &[f32]) -> fmt::Result {
    out.write_char('[')?;
    for (i, &v) in values.iter().enumerate() {
        if i > 0 {
            out.write_str(", ")?;
        }
        write_f32(out, v)?;
    }
    out.write_char(']')
}

/// Writes `[[…], […], …]` with rows of `row_len` values.
pub fn write_f32_rows(out: &mut dyn Write, values: &[f32], row_len: usize) -> fmt::Result {
    out.write_char('[')?;
    for (i, row) in values.chunks(row_len.max(1)).enumerate() {
        if i > 0 {
            out.write_str(", ")?;
        }
        write_f32_array(out, row)?;
    }
    out.write_char(']')
}

/// Writes `values` as nested arrays of `shape` (outermost axis first), e.g. shape `[2, 1, 3]`
/// gives `[[[a, b, c]], [[d, e, f]]]`: the literal of a `[[[f32; 3]; 1]; 2]` whose elements are
/// `values` in memory order. An empty shape writes a flat array.
///
/// ```
/// let mut s = String::new();
/// embednn::codegen::write_f32_nested(&mut s, &[1.0, 2.0, 3.0, 4.0], &[2, 1, 2]).unwrap();
/// assert_eq!(s, "[[[1.0, 2.0]], [[3.0, 4.0]]]");
/// ```
pub fn write_f32_nested(out: &mut dyn Write, values: &[f32], shape: &[usize]) -> fmt::Result {
    let [_, inner @ ..] = shape else {
        return write_f32_array(out, values);
    };
    if inner.is_empty() {
        return write_f32_array(out, values);
    }
    let chunk: usize = inner.iter().product();
    out.write_char('[')?;
    for (i, part) in values.chunks(chunk.max(1)).enumerate() {
        if i > 0 {
            out.write_str(", ")?;
        }
        write_f32_nested(out, part, inner)?;
    }
    out.write_char(']')
}

macro_rules! tuple_to_rust {
    ($(($name:ident $idx:tt $_t:ident $_v:ident))+) => {
        impl<$($name: ToRust),+> ToRust for ($($name,)+) {
            fn write_rust(&self, out: &mut dyn Write) -> fmt::Result {
                out.write_char('(')?;
                let mut _first = true;
                $(
                    if !_first {
                        out.write_str(", ")?;
                    }
                    _first = false;
                    self.$idx.write_rust(out)?;
                )+
                // A one-element tuple needs its trailing comma.
                if [$($idx),+].len() == 1 {
                    out.write_char(',')?;
                }
                out.write_char(')')
            }
        }
    };
}
crate::tuples::for_each_tuple!(tuple_to_rust);

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn floats_round_trip() {
        let mut s = heapless::String::<256>::new();
        for v in [
            0.1f32,
            -0.0,
            1e-45,
            3.402_823_5e38,
            1.0,
            f32::INFINITY,
            f32::NEG_INFINITY,
        ] {
            s.clear();
            write_f32(&mut s, v).unwrap();
            if v.is_finite() {
                let parsed: f32 = s.parse().unwrap();
                assert_eq!(parsed.to_bits(), v.to_bits(), "{s}");
            }
        }
        s.clear();
        write_f32(&mut s, f32::NAN).unwrap();
        assert!(s.starts_with("f32::from_bits(0x"));
    }
}
