//! `embednn inspect`: everything a model file says about itself.

use std::fmt::Write as _;
use std::io::Write;
use std::path::Path;

use embednn::format::{Floats, LayerDesc, ModelInfo};
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
    writeln!(out, "format:        version {} (postcard)", info.version)?;
    writeln!(out, "CRC-32:        {:08x} (verified)", info.crc)?;
    writeln!(out, "fingerprint:   {:016x}", info.fingerprint)?;
    let layers: Vec<LayerDesc> = info.layers().collect();
    writeln!(out, "layers:        {}", layers.len())?;
    for (i, layer) in layers.iter().enumerate() {
        writeln!(out, "  {i:>3}  {layer}")?;
    }
    writeln!(out, "parameters:    {}", describe_params(info.params))?;
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
