//! A Keras-like model summary, written to any [`core::fmt::Write`] (no allocation).

use core::fmt::{self, Write};
use core::mem::size_of;

use crate::layer::LayerInfo;
use crate::model::Model;

/// Writes the layer table and the compile-time totals of model `M` (a model read from a file
/// without its type has the same table: [`AnyModel::write_summary`](crate::AnyModel::write_summary)):
///
/// ```text
/// Layer                Output shape        Params       MACs   Out bytes
/// ---------------------------------------------------------------------
/// Dense<1, 16>         [16]                    32         16          64
/// ReLU                 [16]                     0          0          64
/// ...
/// ```
pub fn write_summary<M: Model>(out: &mut impl Write) -> fmt::Result {
    write_rows(out, &|row: &mut dyn FnMut(&Row<'_>)| {
        M::layers(&mut |info: LayerInfo| {
            row(&Row {
                name: &layer_name(&info),
                shape: info.output_shape,
                params: info.params,
                macs: info.macs,
            })
        })
    })?;
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

/// One line of the layer table.
pub(crate) struct Row<'a> {
    /// `Dense<16, 1>`.
    pub(crate) name: &'a str,
    pub(crate) shape: &'a [usize],
    pub(crate) params: usize,
    pub(crate) macs: usize,
}

/// Calls its argument once per row, in order (twice in all: once to size the layer column).
pub(crate) type Rows<'a> = dyn Fn(&mut dyn FnMut(&Row<'_>)) + 'a;

/// The header, the rules and one line per row; the layer column is as wide as the longest name.
pub(crate) fn write_rows(out: &mut impl Write, rows: &Rows<'_>) -> fmt::Result {
    let mut width = "Layer".len();
    rows(&mut |row| width = width.max(row.name.chars().count()));
    let width = width + 2;
    let rule = width + 18 + 10 + 12 + 12;
    writeln!(
        out,
        "{:<width$}{:<18}{:>10}{:>12}{:>12}",
        "Layer", "Output shape", "Params", "MACs", "Out bytes"
    )?;
    writeln!(out, "{:-<rule$}", "")?;
    let mut result = Ok(());
    rows(&mut |row| {
        if result.is_ok() {
            result = write_row(out, row, width);
        }
    });
    result?;
    writeln!(out, "{:-<rule$}", "")
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

fn write_row(out: &mut impl Write, row: &Row<'_>, width: usize) -> fmt::Result {
    let mut shape = heapless::String::<64>::new();
    let _ = write!(shape, "{:?}", row.shape);
    let out_bytes: usize = row.shape.iter().product::<usize>() * size_of::<f32>();
    writeln!(
        out,
        "{:<width$}{:<18}{:>10}{:>12}{:>12}",
        row.name,
        shape.as_str(),
        row.params,
        row.macs,
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
