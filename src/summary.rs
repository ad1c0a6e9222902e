//! A Keras-like model summary, written to any [`core::fmt::Write`] (no allocation).

use core::fmt::{self, Write};
use core::mem::size_of;

use crate::layer::LayerInfo;
use crate::model::Model;

/// Writes the layer table and the compile-time totals of model `M`:
///
/// ```text
/// Layer                Output shape        Params       MACs   Out bytes
/// ---------------------------------------------------------------------
/// Dense<1, 16>         [16]                    32         16          64
/// ReLU                 [16]                     0          0          64
/// ...
/// ```
pub fn write_summary<M: Model>(out: &mut impl Write) -> fmt::Result {
    // The layer column is as wide as the longest layer name.
    let mut width = "Layer".len();
    M::layers(&mut |info: LayerInfo| width = width.max(layer_name(&info).len()));
    let width = width + 2;
    let rule = width + 18 + 10 + 12 + 12;
    writeln!(
        out,
        "{:<width$}{:<18}{:>10}{:>12}{:>12}",
        "Layer", "Output shape", "Params", "MACs", "Out bytes"
    )?;
    writeln!(out, "{:-<rule$}", "")?;
    let mut result = Ok(());
    M::layers(&mut |info: LayerInfo| {
        if result.is_err() {
            return;
        }
        result = write_row(out, &info, width);
    });
    result?;
    writeln!(out, "{:-<rule$}", "")?;
    writeln!(
        out,
        "Total params: {} ({} bytes)   Trainable: {}   Non-trainable: {}",
        M::PARAMS,
        M::PARAM_BYTES,
        M::TRAINABLE,
        M::PARAMS - M::TRAINABLE
    )?;
    writeln!(out, "MACs per inference: {}", M::MACS)?;
    writeln!(
        out,
        "Inference RAM: {} bytes (input {}, output {}, activations {})",
        M::INFERENCE_BYTES,
        size_of::<M::Input>(),
        size_of::<crate::model::Output<M>>(),
        M::FORWARD_BYTES
    )
}

/// `Kind<dims…>` plus ` (frozen)` for a frozen layer with parameters.
fn layer_name(info: &LayerInfo) -> heapless::String<96> {
    let mut name = heapless::String::new();
    let _ = write!(name, "{}", info.kind);
    if !info.dims.is_empty() {
        let _ = write!(name, "<");
        for (i, d) in info.dims.iter().enumerate() {
            let _ = write!(name, "{}{}", if i == 0 { "" } else { ", " }, d);
        }
        let _ = write!(name, ">");
    }
    if info.trainable == 0 && info.params > 0 {
        let _ = write!(name, " (frozen)");
    }
    name
}

fn write_row(out: &mut impl Write, info: &LayerInfo, width: usize) -> fmt::Result {
    let mut shape = heapless::String::<64>::new();
    let _ = write!(shape, "{:?}", info.output_shape);
    let out_bytes: usize = info.output_shape.iter().product::<usize>() * size_of::<f32>();
    writeln!(
        out,
        "{:<width$}{:<18}{:>10}{:>12}{:>12}",
        layer_name(info).as_str(),
        shape.as_str(),
        info.params,
        info.macs,
        out_bytes
    )
}

#[cfg(test)]
mod test {
    use super::*;
    use crate::prelude::*;

    #[test]
    fn table_lists_every_layer_with_totals() {
        type Net = (Frozen<(Dense<2, 3>, Relu)>, Dense<3, 1>);
        let mut s = heapless::String::<2048>::new();
        write_summary::<Net>(&mut s).unwrap();
        let lines: heapless::Vec<&str, 16> = s.lines().collect();
        assert!(lines[0].starts_with("Layer"));
        assert!(lines[2].starts_with("Dense<2, 3> (frozen)"), "{s}");
        assert!(
            lines[2].contains(" 9 ") && lines[2].trim_end().ends_with("12"),
            "{s}"
        );
        assert!(lines[4].starts_with("Dense<3, 1>"));
        assert!(
            s.contains("Total params: 13 (52 bytes)   Trainable: 4   Non-trainable: 9"),
            "{s}"
        );
        assert!(s.contains("MACs per inference: 9"));
    }
}
