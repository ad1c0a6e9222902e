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
    writeln!(
        out,
        "{:<22}{:<18}{:>10}{:>12}{:>12}",
        "Layer", "Output shape", "Params", "MACs", "Out bytes"
    )?;
    writeln!(out, "{:-<74}", "")?;
    let mut result = Ok(());
    M::layers(&mut |info: LayerInfo| {
        if result.is_err() {
            return;
        }
        result = write_row(out, &info);
    });
    result?;
    writeln!(out, "{:-<74}", "")?;
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

fn write_row(out: &mut impl Write, info: &LayerInfo) -> fmt::Result {
    let mut name = heapless::String::<64>::new();
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
    let mut shape = heapless::String::<64>::new();
    let _ = write!(shape, "{:?}", info.output_shape);
    let out_bytes: usize = info.output_shape.iter().product::<usize>() * size_of::<f32>();
    writeln!(
        out,
        "{:<22}{:<18}{:>10}{:>12}{:>12}",
        name.as_str(),
        shape.as_str(),
        info.params,
        info.macs,
        out_bytes
    )
}
