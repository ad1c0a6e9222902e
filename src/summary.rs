//! A Keras-like model summary, written to any [`core::fmt::Write`] (no allocation).

use core::fmt::{self, Write};
use core::mem::size_of;

use crate::layer::LayerInfo;
use crate::model::Model;
use crate::quant::{QLayer, QLayerInfo, QModel, QOutput, QParams, Quantized};

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

/// What a table's parameter column counts and how many bytes an activation element takes.
#[derive(Clone, Copy)]
struct Units {
    /// The parameter column's header.
    params: &'static str,
    /// The parameter column's width.
    params_width: usize,
    /// Bytes per element of a layer's output.
    element_bytes: usize,
}

/// `f32` models: parameter scalars, 4-byte activations.
const F32: Units = Units {
    params: "Params",
    params_width: 10,
    element_bytes: size_of::<f32>(),
};

/// int8 models: parameter bytes (their parameters have several types), 1-byte activations.
const INT8: Units = Units {
    params: "Param bytes",
    params_width: 13,
    element_bytes: size_of::<i8>(),
};

/// The header, the rules and one line per row; the layer column is as wide as the longest name.
pub(crate) fn write_rows(out: &mut impl Write, rows: &Rows<'_>) -> fmt::Result {
    write_table(out, rows, F32)
}

fn write_table(out: &mut impl Write, rows: &Rows<'_>, units: Units) -> fmt::Result {
    let mut width = "Layer".len();
    rows(&mut |row| width = width.max(row.name.chars().count()));
    let width = width + 2;
    let params_width = units.params_width;
    let rule = width + 18 + params_width + 12 + 12;
    writeln!(
        out,
        "{:<width$}{:<18}{:>params_width$}{:>12}{:>12}",
        "Layer", "Output shape", units.params, "MACs", "Out bytes"
    )?;
    writeln!(out, "{:-<rule$}", "")?;
    let mut result = Ok(());
    rows(&mut |row| {
        if result.is_ok() {
            result = write_row(out, row, width, units);
        }
    });
    result?;
    writeln!(out, "{:-<rule$}", "")
}

/// The layer table and the compile-time totals of int8 model `Q` (what
/// [`Quantized<Q>`](Quantized) costs: its [`PARAM_BYTES`](Quantized::PARAM_BYTES), `MACS` and
/// [`INFERENCE_BYTES`](Quantized::INFERENCE_BYTES)), in the layout of [`write_summary`], with
/// parameter bytes in place of parameter counts and one byte per output element:
///
/// ```text
/// Layer        Output shape        Param bytes        MACs   Out bytes
/// --------------------------------------------------------------------
/// QDense       [16]                        192          16          16
/// QClamp       [16]                          2           0          16
/// ...
/// ```
pub fn write_quantized_summary<Q: QModel>(out: &mut impl Write) -> fmt::Result {
    let rows = |row: &mut dyn FnMut(&Row<'_>)| {
        Quantized::<Q>::layers(&mut |info: QLayerInfo| {
            row(&Row {
                name: info.kind,
                shape: info.output_shape,
                params: info.param_bytes,
                macs: info.macs,
            })
        })
    };
    write_table(out, &rows, INT8)?;
    writeln!(
        out,
        "Total param bytes: {} (int8 weights, int32 biases, requantization; {} of them the input's \
         and output's quantization)",
        Quantized::<Q>::PARAM_BYTES,
        2 * size_of::<QParams>()
    )?;
    writeln!(out, "MACs per inference: {}", Quantized::<Q>::MACS)?;
    writeln!(
        out,
        "Inference RAM: {} bytes (int8 input {}, output {}, activations and scratch {})",
        Quantized::<Q>::INFERENCE_BYTES,
        size_of::<Q::Input>(),
        size_of::<QOutput<Q>>(),
        <Q as QLayer<Q::Input>>::FORWARD_BYTES
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

fn write_row(out: &mut impl Write, row: &Row<'_>, width: usize, units: Units) -> fmt::Result {
    let mut shape = heapless::String::<64>::new();
    let _ = write!(shape, "{:?}", row.shape);
    let out_bytes: usize = row.shape.iter().product::<usize>() * units.element_bytes;
    let params_width = units.params_width;
    writeln!(
        out,
        "{:<width$}{:<18}{:>params_width$}{:>12}{:>12}",
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

    #[test]
    fn int8_table_counts_bytes() {
        use crate::quant::{QDense, Quantize};
        type Net = (Dense<2, 3>, Relu, Dense<3, 1>);
        type Int8 = <Net as Quantize<[f32; 2]>>::Quantized;
        let mut s = heapless::String::<2048>::new();
        write_quantized_summary::<Int8>(&mut s).unwrap();
        let lines: heapless::Vec<&str, 16> = s.lines().collect();
        assert!(
            lines[0].starts_with("Layer") && lines[0].contains("Param bytes"),
            "{s}"
        );
        assert_eq!(lines[0].len(), lines[1].len(), "{s}");
        // QDense<2, 3>: its bytes, 6 MACs, 3 int8 outputs.
        let dense = size_of::<QDense<2, 3>>();
        assert!(lines[2].starts_with("QDense "), "{s}");
        let columns: heapless::Vec<&str, 8> = lines[2].split_whitespace().collect();
        assert_eq!(
            columns.get(2..),
            Some(&[&*dense.to_string(), "6", "3"][..]),
            "{s}"
        );
        assert!(lines[3].starts_with("QClamp"), "{s}");
        assert!(s.contains("MACs per inference: 9"), "{s}");
        let (total, ram) = (
            Quantized::<Int8>::PARAM_BYTES,
            Quantized::<Int8>::INFERENCE_BYTES,
        );
        let mut expected = heapless::String::<128>::new();
        write!(expected, "Total param bytes: {total} (").unwrap();
        assert!(s.contains(expected.as_str()), "{s}");
        expected.clear();
        write!(
            expected,
            "Inference RAM: {ram} bytes (int8 input 2, output 1,"
        )
        .unwrap();
        assert!(s.contains(expected.as_str()), "{s}");
    }
}
