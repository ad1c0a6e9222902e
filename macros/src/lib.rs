//! `include_model!`: a trained model file compiled into the program as its model type and a
//! `static` holding its weights — in flash on a microcontroller, with nothing to load or check at
//! run time.
//!
//! ```ignore
//! // Type and weights from the file: `pub type Model = (Dense<1, 16>, Relu, …);` and
//! // `pub static MODEL: Model = (…);`
//! embednn_macros::include_model!(pub MODEL = "models/sine.ennm");
//!
//! // Or insist on the type you trained: a file of another architecture is a compile error
//! // (`expected (Dense<1, 16>, …), found (Dense<1, 8>, …)`).
//! embednn_macros::include_model!(pub static SINE: embednn_models::Sine = "models/sine.ennm");
//!
//! let y = MODEL.predict(&[0.5]);
//! ```
//!
//! The path is relative to the including crate's `Cargo.toml` (`CARGO_MANIFEST_DIR`), as
//! `include_bytes!` paths are not; the crate is rebuilt when the file changes. With
//! `, env = "EMBEDNN_MODEL"` after the path, the variable's value (when set and not empty at
//! build time) is the file instead, so one firmware crate builds around any model file; give the
//! crate a `build.rs` that prints `cargo:rerun-if-env-changed=EMBEDNN_MODEL` so a new value
//! rebuilds it. A missing file, a
//! corrupt one (bad magic, CRC, truncation, …) or a layer the macro cannot name is a compile error
//! that names the file and gives the loader's message.
//!
//! The file is read with the same code that loads it at run time
//! ([`ModelInfo::parse`](embednn::ModelInfo::parse)), its shapes come from the run-time planner
//! ([`AnyModel`]), and its floats are printed by
//! [`embednn::codegen::write_f32`], which keeps every bit (NaN payloads and signed zeros too).
//!
//! An int8 file (format version 3, written by `QuantizedFile`) gives an
//! `embednn::quant::Quantized<(…)>` and a static of it, its int8 weights in the layout the
//! kernels read, printed by [`embednn::codegen::int8_source`] exactly as `codegen` prints the
//! model loaded with its type:
//!
//! ```ignore
//! embednn_macros::include_model!(pub MODEL = "models/iris_int8.ennm");
//! let p = MODEL.predict(&[5.1, 3.5, 1.4, 0.2]); // f32 in, quantized, int8 layers, f32 out
//! ```
//!
//! A branch of a residual connection is written as one layer or a tuple of its layers, so a
//! type given for the check must write a one-layer branch without a tuple.
//! Layers a file does not record — which ones were [`Frozen`](embednn::Frozen) — are not part
//! of the generated type, so name a type without `Frozen` for the check.
//!
//! This is its own crate rather than a feature of `embednn` because it is built on `embednn`
//! (a dependency cycle otherwise): depend on `embednn-macros` next to `embednn`.

use std::fmt::Write as _;
use std::path::PathBuf;

use embednn::any_model::LayerPlan;
use embednn::codegen::{write_f32_array, write_f32_nested, write_f32_rows};
use embednn::{AnyModel, ModelInfo};
use proc_macro::{Delimiter, Spacing, TokenStream, TokenTree};

/// `include_model!(VIS NAME [: TYPE] = "PATH");` — see the [crate docs](crate).
#[proc_macro]
pub fn include_model(input: TokenStream) -> TokenStream {
    match expand(input) {
        Ok(tokens) => tokens,
        Err(message) => compile_error(&message),
    }
}

/// What the macro was asked for.
struct Request {
    /// `pub`, `pub(crate)` or nothing, as written.
    visibility: String,
    name: String,
    /// The type the user expects, as written.
    expected: Option<String>,
    path: String,
    /// An environment variable whose value, when set at build time, replaces `path`.
    env: Option<String>,
}

fn expand(input: TokenStream) -> Result<TokenStream, String> {
    let request = parse(input)?;
    let dir = std::env::var("CARGO_MANIFEST_DIR").map_err(|_| "CARGO_MANIFEST_DIR is not set")?;
    let chosen = request
        .env
        .as_deref()
        .and_then(|var| std::env::var(var).ok())
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| request.path.clone());
    let path = PathBuf::from(dir).join(&chosen);
    let shown = chosen.as_str();
    let bytes = std::fs::read(&path).map_err(|e| format!("{shown}: cannot read: {e}"))?;
    let info = ModelInfo::parse(&bytes).map_err(|e| format!("{shown}: {e}"))?;
    let (generated, value) = match &info.int8 {
        // An int8 file (format version 3): a `Quantized<(…)>`, printed as codegen prints it.
        Some(int8) => embednn::codegen::int8_source(int8)
            .map_err(|e| format!("{shown}: cannot include this model: {e}"))?,
        None => f32_source(&info).map_err(|e| format!("{shown}: {e}"))?,
    };
    let Request {
        visibility: vis,
        name,
        ..
    } = &request;
    let tracked = path
        .display()
        .to_string()
        .replace('\\', "\\\\")
        .replace('"', "\\\"");
    let mut out = format!("const _: &[u8] = ::core::include_bytes!(\"{tracked}\");\n");
    match &request.expected {
        // The user's type must be the file's: a mismatch is a type error naming both.
        Some(expected) => write!(
            out,
            "{vis} static {name}: {expected} = {{ const FILE: {generated} = {value}; FILE }};"
        ),
        None => {
            let ty = camel_case(name);
            write!(
                out,
                "/// The architecture stored in `{shown}`.\n{vis} type {ty} = {generated};\n\
                 /// The weights stored in `{shown}`.\n{vis} static {name}: {ty} = {value};"
            )
        }
    }
    .map_err(|e| e.to_string())?;
    out.parse()
        .map_err(|e| format!("{shown}: generated code does not parse: {e:?}"))
}

/// The type and the constant expression of an `f32` model file's model.
fn f32_source(info: &ModelInfo<'_>) -> Result<(String, String), String> {
    let params: Vec<f32> = info.params.iter().collect();
    let model =
        AnyModel::new(info, &params).map_err(|e| format!("cannot include this model: {e}"))?;
    let mut types = Vec::new();
    let mut values = Vec::new();
    let mut start = 0;
    for layer in model.layers() {
        let p = params.get(start..start + layer.params).unwrap_or_default();
        start += layer.params;
        let (ty, value) = layer_source(&layer, p)?;
        types.push(ty);
        values.push(value);
    }
    let tuple = |items: &[String]| {
        let comma = if items.len() == 1 { "," } else { "" };
        format!("({}{comma})", items.join(", "))
    };
    Ok((tuple(&types), tuple(&values)))
}

/// The type and the constant expression of one layer, from its plan and parameters.
fn layer_source(layer: &LayerPlan, p: &[f32]) -> Result<(String, String), String> {
    let d: Vec<usize> = layer.desc.dims.iter().map(|&v| v as usize).collect();
    let padding = |code: usize| {
        if code == 1 {
            "::embednn::Same"
        } else {
            "::embednn::Valid"
        }
    };
    let generics = |dims: &[usize]| {
        dims.iter()
            .map(usize::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    };
    let floats = |values: &[f32], shape: &[usize]| {
        let mut s = String::new();
        let _ = write_f32_nested(&mut s, values, shape);
        s
    };
    let array = |values: &[f32]| {
        let mut s = String::new();
        let _ = write_f32_array(&mut s, values);
        s
    };
    let unit = |ty: String| {
        let value = format!("<{ty}>::new()");
        (ty, value)
    };
    let simple = |ty: &str| (format!("::embednn::{ty}"), format!("::embednn::{ty}"));
    let split = |n: usize| p.split_at_checked(n).unwrap_or((p, &[]));
    Ok(match (layer.desc.kind.as_str(), d.as_slice()) {
        ("Dense", &[i, o]) => {
            let (kernel, bias) = split(i * o);
            let mut rows = String::new();
            let _ = write_f32_rows(&mut rows, kernel, i);
            (
                format!("::embednn::Dense<{i}, {o}>"),
                format!("::embednn::Dense::from_rows({rows}, {})", array(bias)),
            )
        }
        ("Conv2d", &[h, w, cin, cout, kh, kw, sh, sw, oh, ow, pad]) => {
            let (kernel, bias) = split(cout * kh * kw * cin);
            let g = generics(&[h, w, cin, cout, kh, kw, sh, sw, oh, ow]);
            (
                format!("::embednn::Conv2d<{g}, {}>", padding(pad)),
                format!(
                    "::embednn::Conv2d::new({}, {})",
                    floats(kernel, &[cout, kh, kw, cin]),
                    array(bias)
                ),
            )
        }
        ("Conv1d", &[l, cin, cout, kl, sl, ol, pad]) => {
            let (kernel, bias) = split(cout * kl * cin);
            let g = generics(&[l, cin, cout, kl, sl, ol]);
            (
                format!("::embednn::Conv1d<{g}, {}>", padding(pad)),
                format!(
                    "::embednn::Conv1d::new({}, {})",
                    floats(kernel, &[cout, kl, cin]),
                    array(bias)
                ),
            )
        }
        ("DepthwiseConv2d", &[h, w, c, kh, kw, sh, sw, oh, ow, pad]) => {
            let (kernel, bias) = split(kh * kw * c);
            let g = generics(&[h, w, c, kh, kw, sh, sw, oh, ow]);
            (
                format!("::embednn::DepthwiseConv2d<{g}, {}>", padding(pad)),
                format!(
                    "::embednn::DepthwiseConv2d::new({}, {})",
                    floats(kernel, &[kh, kw, c]),
                    array(bias)
                ),
            )
        }
        (kind @ ("MaxPool2d" | "AvgPool2d"), &[kh, kw, sh, sw, oh, ow, pad]) => unit(format!(
            "::embednn::{kind}<{}, {}>",
            generics(&[kh, kw, sh, sw, oh, ow]),
            padding(pad)
        )),
        (kind @ ("MaxPool1d" | "AvgPool1d"), &[kl, sl, ol, pad]) => unit(format!(
            "::embednn::{kind}<{}, {}>",
            generics(&[kl, sl, ol]),
            padding(pad)
        )),
        ("GlobalAvgPool", &[]) => simple("GlobalAvgPool"),
        ("BatchNorm", &[c]) => {
            let arrays: Vec<String> = p.chunks(c.max(1)).map(array).collect();
            (
                format!("::embednn::BatchNorm<{c}>"),
                format!("::embednn::BatchNorm::new({})", arrays.join(", ")),
            )
        }
        ("Dropout", &[rate]) => unit(format!("::embednn::Dropout<{rate}>")),
        ("Flatten", &[n]) => unit(format!("::embednn::Flatten<{n}>")),
        ("Reshape", shape) => {
            let ty = shape
                .iter()
                .rev()
                .fold("f32".to_string(), |inner, n| format!("[{inner}; {n}]"));
            unit(format!("::embednn::Reshape<{ty}>"))
        }
        (kind @ ("GRU" | "LSTM"), &[l, c, u, mode]) => {
            let (ty, gates, bias_shape) = if kind == "GRU" {
                ("Gru", 3, vec![2, 3, u])
            } else {
                ("Lstm", 4, vec![4, u])
            };
            let [kernel, recurrent, bias] = {
                let (kernel, rest) = p.split_at_checked(c * gates * u).unwrap_or((p, &[]));
                let (recurrent, bias) = rest.split_at_checked(u * gates * u).unwrap_or((rest, &[]));
                [kernel, recurrent, bias]
            };
            let returns = if mode == 1 {
                "::embednn::ReturnSequences"
            } else {
                "::embednn::ReturnLast"
            };
            (
                format!("::embednn::{ty}<{l}, {c}, {u}, {returns}>"),
                format!(
                    "::embednn::{ty}::new({}, {}, {})",
                    floats(kernel, &[c, gates, u]),
                    floats(recurrent, &[u, gates, u]),
                    floats(bias, &bias_shape)
                ),
            )
        }
        ("Embedding", &[v, dim, l]) => (
            format!("::embednn::Embedding<{v}, {dim}, {l}>"),
            format!("::embednn::Embedding::new({})", floats(p, &[v, dim])),
        ),
        ("ReLU", &[]) => simple("Relu"),
        ("LeakyReLU", &[slope]) => (
            format!("::embednn::LeakyRelu<{slope}>"),
            format!("::embednn::LeakyRelu::<{slope}>"),
        ),
        ("ReLU6", &[]) => simple("Relu6"),
        ("Sigmoid", &[]) => simple("Sigmoid"),
        ("Tanh", &[]) => simple("Tanh"),
        ("Identity", &[]) => simple("Identity"),
        ("Softmax", &[]) => simple("Softmax"),
        _ => return Err(format!("layer {} has no Rust type here", layer.desc)),
    })
}

/// `MODEL` → `Model`, `SINE_NET` → `SineNet`.
fn camel_case(name: &str) -> String {
    name.split('_')
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut chars = w.chars();
            let first = chars.next().map(|c| c.to_ascii_uppercase());
            first
                .into_iter()
                .chain(chars.map(|c| c.to_ascii_lowercase()))
                .collect::<String>()
        })
        .collect()
}

/// Reads `VIS [static] NAME [: TYPE] = "PATH"` (a trailing `;` is allowed).
fn parse(input: TokenStream) -> Result<Request, String> {
    const USAGE: &str = "expected `include_model!(pub NAME = \"path.ennm\")` or \
         `include_model!(pub NAME: Type = \"path.ennm\")`, optionally followed by \
         `, env = \"VARIABLE\"`";
    let mut tokens = input.into_iter().peekable();
    let mut visibility = String::new();
    if let Some(TokenTree::Ident(i)) = tokens.peek() {
        if i.to_string() == "pub" {
            visibility.push_str("pub");
            tokens.next();
            if let Some(TokenTree::Group(g)) = tokens.peek() {
                if g.delimiter() == Delimiter::Parenthesis {
                    visibility.push_str(&g.to_string());
                    tokens.next();
                }
            }
        }
    }
    if let Some(TokenTree::Ident(i)) = tokens.peek() {
        if i.to_string() == "static" {
            tokens.next();
        }
    }
    let name = match tokens.next() {
        Some(TokenTree::Ident(i)) => i.to_string(),
        _ => return Err(USAGE.into()),
    };
    let mut expected = None;
    match tokens.next() {
        Some(TokenTree::Punct(p)) if p.as_char() == '=' => {}
        Some(TokenTree::Punct(p)) if p.as_char() == ':' && p.spacing() == Spacing::Alone => {
            let mut ty = TokenStream::new();
            loop {
                match tokens.next() {
                    Some(TokenTree::Punct(p)) if p.as_char() == '=' => break,
                    Some(t) => ty.extend([t]),
                    None => return Err(USAGE.into()),
                }
            }
            expected = Some(ty.to_string());
        }
        _ => return Err(USAGE.into()),
    }
    let path = match tokens.next() {
        Some(TokenTree::Literal(l)) => {
            let s = l.to_string();
            s.strip_prefix('"')
                .and_then(|s| s.strip_suffix('"'))
                .filter(|s| !s.contains('\\'))
                .ok_or("the path must be a plain string literal")?
                .to_string()
        }
        _ => return Err(USAGE.into()),
    };
    let mut env = None;
    if let Some(TokenTree::Punct(p)) = tokens.peek() {
        if p.as_char() == ',' {
            tokens.next();
            match (tokens.next(), tokens.next(), tokens.next()) {
                (
                    Some(TokenTree::Ident(key)),
                    Some(TokenTree::Punct(eq)),
                    Some(TokenTree::Literal(var)),
                ) if key.to_string() == "env" && eq.as_char() == '=' => {
                    let var = var.to_string();
                    env = var
                        .strip_prefix('"')
                        .and_then(|v| v.strip_suffix('"'))
                        .map(str::to_string);
                }
                _ => return Err(USAGE.into()),
            }
        }
    }
    match tokens.next() {
        None => {}
        Some(TokenTree::Punct(p)) if p.as_char() == ';' && tokens.next().is_none() => {}
        _ => return Err(USAGE.into()),
    }
    Ok(Request {
        visibility,
        name,
        expected,
        path,
        env,
    })
}

fn compile_error(message: &str) -> TokenStream {
    let escaped = format!("{message:?}");
    format!("::core::compile_error!({escaped});")
        .parse()
        .unwrap_or_default()
}
