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
//! int8 models print the same way: [`Quantized<M>`](crate::quant::Quantized) is a struct
//! literal of its input and output [`QParams`] and its layers, whose
//! int8 weights are written in the layout the kernels read, so the `static` in flash is the model
//! itself and nothing is rearranged at run time:
//!
//! ```text
//! pub static MODEL: Quantized<NetInt8> = embednn::quant::Quantized { input: embednn::quant::QParams { scale: 0.011764706, zero_point: -43 },
//!     layers: (embednn::quant::QDense { weights: embednn::quant::Packed([[…]]), bias: […], requant: […], output: … }, …), output: … };
//! ```
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

/// Writes `values` as nested arrays of `shape`, each element with `one`; an empty shape writes
/// a flat array. Every axis gets its full count of elements (a `[[i8; 0]; 2]` is `[[], []]`).
fn write_nested<T>(
    out: &mut dyn Write,
    values: &[T],
    shape: &[usize],
    one: &dyn Fn(&mut dyn Write, &T) -> fmt::Result,
) -> fmt::Result {
    out.write_char('[')?;
    match shape {
        [] | [_] => {
            for (i, v) in values.iter().enumerate() {
                if i > 0 {
                    out.write_str(", ")?;
                }
                one(out, v)?;
            }
        }
        [n, inner @ ..] => {
            let chunk: usize = inner.iter().product();
            for i in 0..*n {
                if i > 0 {
                    out.write_str(", ")?;
                }
                let part = values.get(i * chunk..(i + 1) * chunk).unwrap_or_default();
                write_nested(out, part, inner, one)?;
            }
        }
    }
    out.write_char(']')
}

/// Writes int8 values as nested arrays of `shape` (outermost axis first), like
/// [`write_f32_nested`]: shape `[2, 3]` gives `[[a, b, c], [d, e, f]]`.
///
/// ```
/// let mut s = String::new();
/// embednn::codegen::write_i8_nested(&mut s, &[1, -2, 3, -128], &[2, 2]).unwrap();
/// assert_eq!(s, "[[1, -2], [3, -128]]");
/// ```
pub fn write_i8_nested(out: &mut dyn Write, values: &[i8], shape: &[usize]) -> fmt::Result {
    write_nested(out, values, shape, &|out, v| write!(out, "{v}"))
}

/// Writes `[a, b, …]` of `i32`s.
pub fn write_i32_array(out: &mut dyn Write, values: &[i32]) -> fmt::Result {
    write_nested(out, values, &[], &|out, v| write!(out, "{v}"))
}

/// Writes `[a, b, …]` of values that print themselves.
pub fn write_rust_array<T: ToRust>(out: &mut dyn Write, values: &[T]) -> fmt::Result {
    write_nested(out, values, &[], &|out, v| v.write_rust(out))
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

// ---- int8 models: struct literals of the quant types' public fields, weights in the layout
// the kernels read (so the static is the model itself, with nothing to rearrange at run time).

use crate::layers::conv::Padding;
use crate::quant::{
    OutputStage, QBatchNorm, QClamp, QConv1d, QConv2d, QDense, QDepthwiseConv2d, QLut, QParams,
    QSoftmax, Quantized, Requant,
};

impl ToRust for QParams {
    fn write_rust(&self, out: &mut dyn Write) -> fmt::Result {
        out.write_str("embednn::quant::QParams { scale: ")?;
        write_f32(out, self.scale)?;
        write!(out, ", zero_point: {} }}", self.zero_point)
    }
}

impl ToRust for Requant {
    fn write_rust(&self, out: &mut dyn Write) -> fmt::Result {
        write!(
            out,
            "embednn::quant::Requant {{ multiplier: {}, shift: {} }}",
            self.multiplier, self.shift
        )
    }
}

impl ToRust for OutputStage {
    fn write_rust(&self, out: &mut dyn Write) -> fmt::Result {
        write!(
            out,
            "embednn::quant::OutputStage {{ zero_point: {}, min: {}, max: {} }}",
            self.zero_point, self.min, self.max
        )
    }
}

/// `bias: […], requant: […], output: …,` — the fields every weighted int8 layer ends with.
fn write_channels(
    out: &mut dyn Write,
    bias: &[i32],
    requant: &[Requant],
    output: &OutputStage,
) -> fmt::Result {
    out.write_str(" bias: ")?;
    write_i32_array(out, bias)?;
    out.write_str(", requant: ")?;
    write_rust_array(out, requant)?;
    out.write_str(", output: ")?;
    output.write_rust(out)?;
    out.write_char(',')
}

impl<const I: usize, const O: usize> ToRust for QDense<I, O> {
    fn write_rust(&self, out: &mut dyn Write) -> fmt::Result {
        out.write_str("embednn::quant::QDense { weights: embednn::quant::Packed(")?;
        write_i8_nested(out, self.weights.0.as_flattened(), &[O, I])?;
        out.write_str("),")?;
        write_channels(out, &self.bias, &self.requant, &self.output)?;
        out.write_str(" }")
    }
}

/// A convolution's literal: `weights` (already written), the channel fields, the input zero
/// point and the padding marker.
macro_rules! conv_to_rust {
    ($name:ident<$(const $c:ident),*>, shape: [$($d:ident),*], packed: $packed:literal,
     flat: |$w:ident| $flat:expr) => {
        impl<$(const $c: usize,)* P: Padding> ToRust for $name<$($c,)* P> {
            fn write_rust(&self, out: &mut dyn Write) -> fmt::Result {
                out.write_str(concat!("embednn::quant::", stringify!($name), " { weights: "))?;
                let $w = &self.weights;
                if $packed {
                    out.write_str("embednn::quant::Packed(")?;
                }
                write_i8_nested(out, $flat, &[$($d),*])?;
                out.write_str(if $packed { ")," } else { "," })?;
                write_channels(out, &self.bias, &self.requant, &self.output)?;
                write!(
                    out,
                    " input_zero_point: {}, padding: core::marker::PhantomData, }}",
                    self.input_zero_point
                )
            }
        }
    };
}
conv_to_rust!(
    QConv2d<const H, const W, const CIN, const COUT, const KH, const KW, const SH, const SW,
        const OH, const OW>,
    shape: [COUT, KH, KW, CIN], packed: true,
    flat: |w| w.0.as_flattened().as_flattened().as_flattened()
);
conv_to_rust!(
    QConv1d<const L, const CIN, const COUT, const KL, const SL, const OL>,
    shape: [COUT, KL, CIN], packed: true,
    flat: |w| w.0.as_flattened().as_flattened()
);
conv_to_rust!(
    QDepthwiseConv2d<const H, const W, const C, const KH, const KW, const SH, const SW,
        const OH, const OW>,
    shape: [KH, KW, C], packed: false,
    flat: |w| w.as_flattened().as_flattened()
);

impl<const C: usize> ToRust for QBatchNorm<C> {
    fn write_rust(&self, out: &mut dyn Write) -> fmt::Result {
        out.write_str("embednn::quant::QBatchNorm { weights: ")?;
        write_i8_nested(out, &self.weights, &[])?;
        out.write_char(',')?;
        write_channels(out, &self.bias, &self.requant, &self.output)?;
        write!(out, " input_zero_point: {} }}", self.input_zero_point)
    }
}

impl ToRust for QClamp {
    fn write_rust(&self, out: &mut dyn Write) -> fmt::Result {
        write!(
            out,
            "embednn::quant::QClamp {{ min: {}, max: {} }}",
            self.min, self.max
        )
    }
}

impl ToRust for QLut {
    fn write_rust(&self, out: &mut dyn Write) -> fmt::Result {
        out.write_str("embednn::quant::QLut { table: ")?;
        write_i8_nested(out, &self.table, &[])?;
        out.write_str(" }")
    }
}

impl ToRust for QSoftmax {
    fn write_rust(&self, out: &mut dyn Write) -> fmt::Result {
        out.write_str("embednn::quant::QSoftmax { input: ")?;
        self.input.write_rust(out)?;
        out.write_str(" }")
    }
}

/// `embednn::quant::Quantized { input: …, layers: (…), output: … }`: with
/// [`write_static`], an int8 model as a `static` in flash.
impl<M: ToRust> ToRust for Quantized<M> {
    fn write_rust(&self, out: &mut dyn Write) -> fmt::Result {
        out.write_str("embednn::quant::Quantized { input: ")?;
        self.input.write_rust(out)?;
        out.write_str(", layers: ")?;
        self.layers.write_rust(out)?;
        out.write_str(", output: ")?;
        self.output.write_rust(out)?;
        out.write_str(" }")
    }
}

/// The Rust type and constant expression of the int8 model in a version-3 model file, read
/// without its type: what [`embednn_macros::include_model!`] compiles for an int8 file. The value
/// is exactly what [`ToRust`] prints for the model loaded with its type (weights rearranged into
/// the kernels' layout); the type is `embednn::quant::Quantized<(…)>` with the layers the file
/// records, a branch of a residual connection being one layer or a tuple.
///
/// Errors: a layer kind the file format does not define for int8 models (a file
/// [`ModelInfo::parse`](crate::ModelInfo::parse) accepted has none).
///
/// [`embednn_macros::include_model!`]: https://docs.rs/embednn-macros
#[cfg(feature = "std")]
pub fn int8_source(int8: &crate::format::Int8Params<'_>) -> Result<(String, String), String> {
    use std::string::String;
    let layers: std::vec::Vec<_> = int8.layers().collect();
    let mut next = 0;
    let mut ty = String::from("embednn::quant::Quantized<");
    let mut value = String::from("embednn::quant::Quantized { input: ");
    int8.input()
        .write_rust(&mut value)
        .map_err(|e| e.to_string())?;
    value.push_str(", layers: ");
    let (t, v) = int8_branch(&layers, &mut next, layers.len(), true)?;
    ty.push_str(&t);
    ty.push('>');
    value.push_str(&v);
    value.push_str(", output: ");
    int8.output()
        .write_rust(&mut value)
        .map_err(|e| e.to_string())?;
    value.push_str(" }");
    Ok((ty, value))
}

/// `depth` records from `layers[*next..]` as one branch: a tuple of its top-level layers (always
/// for the model itself), or the one layer when there is one.
#[cfg(feature = "std")]
fn int8_branch(
    layers: &[(crate::format::LayerDesc, crate::format::Int8Layer<'_>)],
    next: &mut usize,
    depth: usize,
    model: bool,
) -> Result<(std::string::String, std::string::String), std::string::String> {
    let end = next.saturating_add(depth).min(layers.len());
    let mut items = std::vec::Vec::new();
    while *next < end {
        items.push(int8_layer(layers, next)?);
    }
    if items.len() == 1 && !model {
        return Ok(items.remove(0));
    }
    let comma = if items.len() == 1 { "," } else { "" };
    let (types, values): (std::vec::Vec<_>, std::vec::Vec<_>) = items.into_iter().unzip();
    Ok((
        std::format!("({}{comma})", types.join(", ")),
        std::format!("({}{comma})", values.join(", ")),
    ))
}

/// The layer at `layers[*next]` (with its branches, for a residual connection).
#[cfg(feature = "std")]
fn int8_layer(
    layers: &[(crate::format::LayerDesc, crate::format::Int8Layer<'_>)],
    next: &mut usize,
) -> Result<(std::string::String, std::string::String), std::string::String> {
    use crate::format::Int8Layer;
    use std::format;
    use std::string::{String, ToString};
    let Some((desc, layer)) = layers.get(*next) else {
        return Err("the file has fewer layers than its records say".to_string());
    };
    *next += 1;
    let d: std::vec::Vec<usize> = desc.dims.iter().map(|&v| v as usize).collect();
    let generics = |dims: &[usize]| {
        dims.iter()
            .map(|d| d.to_string())
            .collect::<std::vec::Vec<_>>()
            .join(", ")
    };
    let padding = |code: usize| {
        if code == 1 {
            "embednn::Same"
        } else {
            "embednn::Valid"
        }
    };
    let text = |f: &dyn Fn(&mut String) -> fmt::Result| {
        let mut s = String::new();
        f(&mut s).map(|()| s).map_err(|e| e.to_string())
    };
    let unknown = || format!("layer {} ({desc}) has no int8 Rust type", *next - 1);
    // The literal of a weighted layer: weights (`shape`, packed in rows of `k` or not), the
    // channel fields, and the input zero point where the layer has one.
    let weighted = |name: &str, shape: &[usize], k: Option<usize>, tail: &str| {
        let Int8Layer::Weighted(w) = layer else {
            return Err(unknown());
        };
        let plain: std::vec::Vec<i8> = w.weights().collect();
        let mut packed = plain.clone();
        if let Some(k) = k {
            crate::quant::kernels::pack_rows(&plain, k, &mut packed);
        }
        let bias: std::vec::Vec<i32> = w.biases().collect();
        let requant: std::vec::Vec<Requant> = w.requants().collect();
        text(&|s| {
            write!(s, "embednn::quant::{name} {{ weights: ")?;
            if k.is_some() {
                s.write_str("embednn::quant::Packed(")?;
            }
            write_i8_nested(s, &packed, shape)?;
            s.write_str(if k.is_some() { ")," } else { "," })?;
            write_channels(s, &bias, &requant, &w.output)?;
            match w.input_zero_point {
                Some(z) => write!(s, " input_zero_point: {z}{tail}"),
                None => s.write_str(" }"),
            }
        })
    };
    let conv_tail = ", padding: core::marker::PhantomData, }";
    let unit = |ty: String, value: &str| Ok((ty, value.to_string()));
    let phantom = |path: &str| format!("{path}(core::marker::PhantomData)");
    match (desc.kind.as_str(), d.as_slice()) {
        ("QDense", &[i, o]) => Ok((
            format!("embednn::quant::QDense<{i}, {o}>"),
            weighted("QDense", &[o, i], Some(i), "")?,
        )),
        ("QConv2d", &[h, w, cin, cout, kh, kw, sh, sw, oh, ow, pad]) => Ok((
            format!(
                "embednn::quant::QConv2d<{}, {}>",
                generics(&[h, w, cin, cout, kh, kw, sh, sw, oh, ow]),
                padding(pad)
            ),
            weighted(
                "QConv2d",
                &[cout, kh, kw, cin],
                Some(kh * kw * cin),
                conv_tail,
            )?,
        )),
        ("QConv1d", &[l, cin, cout, kl, sl, ol, pad]) => Ok((
            format!(
                "embednn::quant::QConv1d<{}, {}>",
                generics(&[l, cin, cout, kl, sl, ol]),
                padding(pad)
            ),
            weighted("QConv1d", &[cout, kl, cin], Some(kl * cin), conv_tail)?,
        )),
        ("QDepthwiseConv2d", &[h, w, c, kh, kw, sh, sw, oh, ow, pad]) => Ok((
            format!(
                "embednn::quant::QDepthwiseConv2d<{}, {}>",
                generics(&[h, w, c, kh, kw, sh, sw, oh, ow]),
                padding(pad)
            ),
            weighted("QDepthwiseConv2d", &[kh, kw, c], None, conv_tail)?,
        )),
        ("QBatchNorm", &[c]) => Ok((
            format!("embednn::quant::QBatchNorm<{c}>"),
            weighted("QBatchNorm", &[], None, " }")?,
        )),
        ("QClamp", &[]) => {
            let Int8Layer::Clamp(c) = layer else {
                return Err(unknown());
            };
            Ok(("embednn::quant::QClamp".into(), text(&|s| c.write_rust(s))?))
        }
        ("QLut", &[]) => {
            let Int8Layer::Lut(table) = layer else {
                return Err(unknown());
            };
            let lut = crate::quant::QLut {
                table: core::array::from_fn(|i| table.get(i).map_or(0, |&b| b as i8)),
            };
            Ok(("embednn::quant::QLut".into(), text(&|s| lut.write_rust(s))?))
        }
        ("QSoftmax", &[]) => {
            let Int8Layer::Softmax(q) = layer else {
                return Err(unknown());
            };
            Ok((
                "embednn::quant::QSoftmax".into(),
                text(&|s| q.write_rust(s))?,
            ))
        }
        ("QResidual", &[depth]) => {
            let Int8Layer::Add(add) = layer else {
                return Err(unknown());
            };
            let (bt, bv) = int8_branch(layers, next, depth, false)?;
            let add = text(&|s| add.write_rust(s))?;
            Ok((
                format!("embednn::quant::QResidual<{bt}>"),
                format!("embednn::quant::QResidual {{ block: {bv}, add: {add} }}"),
            ))
        }
        ("QAdd", &[a, b]) => {
            let Int8Layer::Add(add) = layer else {
                return Err(unknown());
            };
            let (at, av) = int8_branch(layers, next, a, false)?;
            let (bt, bv) = int8_branch(layers, next, b, false)?;
            let add = text(&|s| add.write_rust(s))?;
            Ok((
                format!("embednn::quant::QAdd<{at}, {bt}>"),
                format!("embednn::quant::QAdd {{ a: {av}, b: {bv}, add: {add} }}"),
            ))
        }
        (kind @ ("MaxPool2d" | "AvgPool2d"), &[kh, kw, sh, sw, oh, ow, pad]) => unit(
            format!(
                "embednn::{kind}<{}, {}>",
                generics(&[kh, kw, sh, sw, oh, ow]),
                padding(pad)
            ),
            &phantom(&format!("embednn::{kind}")),
        ),
        (kind @ ("MaxPool1d" | "AvgPool1d"), &[kl, sl, ol, pad]) => unit(
            format!(
                "embednn::{kind}<{}, {}>",
                generics(&[kl, sl, ol]),
                padding(pad)
            ),
            &phantom(&format!("embednn::{kind}")),
        ),
        ("GlobalAvgPool", &[]) => unit("embednn::GlobalAvgPool".into(), "embednn::GlobalAvgPool"),
        ("Identity", &[]) => unit("embednn::Identity".into(), "embednn::Identity"),
        ("Dropout", &[rate]) => unit(format!("embednn::Dropout<{rate}>"), "embednn::Dropout"),
        ("Flatten", &[n]) => unit(
            format!("embednn::Flatten<{n}>"),
            &phantom("embednn::Reshape"),
        ),
        ("Reshape", shape) if !shape.is_empty() => {
            let tensor = shape
                .iter()
                .rev()
                .fold("f32".to_string(), |inner, n| format!("[{inner}; {n}]"));
            unit(
                format!("embednn::Reshape<{tensor}>"),
                &phantom("embednn::Reshape"),
            )
        }
        _ => Err(unknown()),
    }
}

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
