//! `embednn inspect`: everything a model file says about itself.

use std::fmt::Write as _;
use std::io::Write;
use std::path::Path;

use embednn::format::{Floats, Int8Layer, Int8Params, LayerDesc, ModelInfo};
use embednn::quant::{QClamp, QParams};
use embednn::AnyModel;

use super::CliError;

/// How many values of a mean or std vector to show before eliding the rest.
const SHOWN_VALUES: usize = 8;

/// Prints the header fields, the CRC status, the stored layers, the parameter count and range,
/// the preprocessing, and the summary table of its layers (or why they cannot run).
///
/// Errors: [`CliError::Load`] if the file does not parse (bad magic, version, length or CRC). A
/// file whose layers cannot be run is still inspected: the reason is printed instead of the
/// table.
pub fn inspect(path: &Path, bytes: &[u8], out: &mut impl Write) -> Result<(), CliError> {
    let info = ModelInfo::parse(bytes).map_err(|e| CliError::load(path, e))?;
    writeln!(out, "file:          {}", path.display())?;
    writeln!(out, "size:          {} bytes", info.size)?;
    writeln!(
        out,
        "format:        version {} (postcard), {} model",
        info.version,
        info.precision()
    )?;
    writeln!(out, "CRC-32:        {:08x} (verified)", info.crc)?;
    writeln!(out, "fingerprint:   {:016x}", info.fingerprint)?;
    if let Some(int8) = info.int8 {
        return inspect_int8(&info, int8, out);
    }
    let layers: Vec<LayerDesc> = info.layers().collect();
    writeln!(out, "layers:        {}", layers.len())?;
    for (i, layer) in layers.iter().enumerate() {
        writeln!(out, "  {i:>3}  {layer}")?;
    }
    writeln!(out, "parameters:    {}", describe_params(info.params))?;
    write_preprocessing(&info, out)?;
    let params: Vec<f32> = info.params.iter().collect();
    match AnyModel::new(&info, &params) {
        Ok(model) => {
            writeln!(
                out,
                "runs:          yes, input {} → output {}",
                model.input_shape(),
                model.output_shape()
            )?;
            writeln!(out)?;
            let mut summary = String::new();
            // Writing to a String cannot fail.
            let _ = model.write_summary(&mut summary);
            write!(out, "{summary}")?;
        }
        Err(e) => writeln!(out, "runs:          no: {e}")?,
    }
    Ok(())
}

/// The standardization and labels.
fn write_preprocessing(info: &ModelInfo<'_>, out: &mut impl Write) -> Result<(), CliError> {
    writeln!(out, "preprocessing:")?;
    writeln!(out, "  mean:        {}", describe_values(info.mean))?;
    writeln!(out, "  std:         {}", describe_values(info.std))?;
    let labels: Vec<&str> = info.labels().collect();
    if labels.is_empty() {
        writeln!(out, "  labels:      none")?;
    } else {
        writeln!(
            out,
            "  labels:      {} ({})",
            labels.len(),
            labels.join(", ")
        )?;
    }
    Ok(())
}

/// An int8 file: each layer with its quantization, the model's input and output quantization,
/// what the parameters take, the preprocessing.
fn inspect_int8(
    info: &ModelInfo<'_>,
    int8: Int8Params<'_>,
    out: &mut impl Write,
) -> Result<(), CliError> {
    let layers: Vec<(LayerDesc, Int8Layer<'_>)> = int8.layers().collect();
    writeln!(out, "layers:        {}", layers.len())?;
    let width = layers
        .iter()
        .map(|(desc, _)| desc.to_string().chars().count())
        .max()
        .unwrap_or(0);
    let (mut weights, mut channels) = (0usize, 0usize);
    for (i, (desc, layer)) in layers.iter().enumerate() {
        let desc = desc.to_string();
        let details = describe_int8_layer(layer);
        if details.is_empty() {
            writeln!(out, "  {i:>3}  {desc}")?;
        } else {
            writeln!(out, "  {i:>3}  {desc:<width$}  {details}")?;
        }
        if let Int8Layer::Weighted(w) = layer {
            weights += w.weight_bytes().len();
            channels += w.channels();
        }
    }
    writeln!(out, "quantization:")?;
    writeln!(out, "  input:       {}", describe_qparams(int8.input()))?;
    writeln!(out, "  output:      {}", describe_qparams(int8.output()))?;
    writeln!(
        out,
        "parameters:    {weights} int8 weights, {channels} int32 biases and requantizations \
         ({} bytes stored)",
        int8.as_bytes().len()
    )?;
    write_preprocessing(info, out)?;
    writeln!(
        out,
        "runs:          not by this tool: an int8 model runs as its Rust type \
         (QuantizedFile::load_into, codegen::write_static, include_model!)"
    )?;
    Ok(())
}

/// `scale 0.011765, zero point -43`.
fn describe_qparams(p: QParams) -> String {
    format!("scale {}, zero point {}", p.scale, p.zero_point)
}

/// What one int8 layer's parameters are, on one line (empty for a layer without any).
fn describe_int8_layer(layer: &Int8Layer<'_>) -> String {
    match layer {
        Int8Layer::None => String::new(),
        Int8Layer::Weighted(w) => {
            let (lo, hi) = w
                .weights()
                .fold((i8::MAX, i8::MIN), |(lo, hi), v| (lo.min(v), hi.max(v)));
            let mut s = format!("{} weights", w.weight_bytes().len());
            if lo <= hi {
                let _ = write!(s, " in [{lo}, {hi}]");
            }
            let shifts = w
                .requants()
                .fold(None, |range: Option<(i32, i32)>, r| match range {
                    None => Some((r.shift, r.shift)),
                    Some((a, b)) => Some((a.min(r.shift), b.max(r.shift))),
                });
            let _ = write!(s, ", {} channels", w.channels());
            match shifts {
                Some((a, b)) if a == b => {
                    let _ = write!(s, " (shift {a})");
                }
                Some((a, b)) => {
                    let _ = write!(s, " (shift {a}..{b})");
                }
                None => {}
            }
            if let Some(z) = w.input_zero_point {
                let _ = write!(s, ", input zero point {z}");
            }
            let o = w.output;
            let _ = write!(
                s,
                ", output zero point {}, clamp [{}, {}]",
                o.zero_point, o.min, o.max
            );
            s
        }
        Int8Layer::Clamp(c) if *c == QClamp::FOLDED => {
            "clamp [-128, 127] (folded into the layer before)".to_string()
        }
        Int8Layer::Clamp(c) => format!("clamp [{}, {}]", c.min, c.max),
        Int8Layer::Lut(table) => format!("lookup table of {} outputs", table.len()),
        Int8Layer::Softmax(s) => format!("input {}", describe_qparams(s.input)),
        Int8Layer::Add(a) => format!(
            "add: input zero points {} and {}, output zero point {}, clamp [{}, {}]",
            a.input1_offset.saturating_neg(),
            a.input2_offset.saturating_neg(),
            a.stage.zero_point,
            a.stage.min,
            a.stage.max
        ),
    }
}

/// `131 (524 bytes), all finite, range [-0.8123, 1.0456]`.
fn describe_params(params: Floats<'_>) -> String {
    let mut s = format!("{} ({} bytes)", params.len(), params.len() * 4);
    let non_finite = params.iter().filter(|v| !v.is_finite()).count();
    let (lo, hi) = params
        .iter()
        .filter(|v| v.is_finite())
        .fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    if non_finite > 0 {
        let _ = write!(s, ", {non_finite} NaN or infinite");
    } else if !params.is_empty() {
        let _ = write!(s, ", all finite");
    }
    if lo <= hi {
        let _ = write!(s, ", range [{lo:.4}, {hi:.4}]");
    }
    s
}

/// `4 values [5.8433, 3.0573, 3.7580, 1.1993]`, elided past [`SHOWN_VALUES`]; `none` if empty.
fn describe_values(values: Floats<'_>) -> String {
    if values.is_empty() {
        return "none".to_string();
    }
    let shown: Vec<String> = values
        .iter()
        .take(SHOWN_VALUES)
        .map(|v| format!("{v:.4}"))
        .collect();
    let more = if values.len() > SHOWN_VALUES {
        ", …"
    } else {
        ""
    };
    format!("{} values [{}{more}]", values.len(), shown.join(", "))
}
