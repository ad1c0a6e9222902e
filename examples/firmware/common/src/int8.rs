//! The host side of the int8 firmware (feature `build`): post-training quantization with the
//! core's [`Quantize`] (min/max calibration, TFLite's scheme) and tables of int8 inputs with the
//! int8 outputs the host computed for them, which the device must reproduce exactly.

use std::fmt::Write as _;

use embednn::quant::{Context, Observer};
use embednn::quant::{QModel, QOutput, QTensor, Quantize, Quantized, Range};
use embednn::{Buffer, Input, Layer, Model, Output, Tensor};

use crate::gen::fail;

/// The int8 layers of `f32` model `M`.
pub type Int8<M> = <M as Quantize<Input<M>>>::Quantized;

/// The int8 twin of `model`: every layer's range measured on `calibration` (smallest and
/// largest value, TFLite's converter's choice), the input's from the calibration inputs.
pub fn quantize<M>(model: &M, calibration: &[Input<M>]) -> Quantized<Int8<M>>
where
    M: Model + Quantize<Input<M>>,
{
    let depth = <M as Layer<Input<M>>>::DEPTH;
    let mut input = Range::EMPTY;
    let mut ranges = vec![Range::EMPTY; depth];
    let mut y = <Output<M> as Buffer>::ZERO;
    {
        let mut observer = Observer::new(&mut ranges);
        for x in calibration {
            input.widen(x.flat());
            observer.next_sample();
            model.observe(x, &mut y, &mut observer);
        }
    }
    let mut kinds = Vec::with_capacity(depth);
    M::layers(&mut |info| kinds.push(info.kind));
    let input = input.params();
    let mut cx = Context::new(&ranges, &kinds, input);
    let layers = model
        .quantize(&mut cx)
        .unwrap_or_else(|e| fail(format!("quantizing: {e}")));
    Quantized {
        input,
        layers,
        output: cx.input(),
    }
}

/// `pub static {name}_INPUTS: [[i8; LEN]; N]` (each input quantized as the model quantizes it,
/// flattened) and `pub static {name}: [[i8; OUT]; N]`, the host's int8 outputs for them
/// ([`Quantized::predict_int8`], the portable kernels).
pub fn golden_int8<M: QModel>(
    name: &str,
    model: &Quantized<M>,
    inputs: &[<M::Input as QTensor>::Float],
) -> String {
    let (mut xs, mut ys) = (Vec::new(), Vec::new());
    for x in inputs {
        let q = model.quantize_input(x);
        ys.push(model.predict_int8(&q).flat().to_vec());
        xs.push(q.flat().to_vec());
    }
    let table = |name: &str, rows: &[Vec<i8>], len: usize| {
        let mut src = format!("pub static {name}: [[i8; {len}]; {}] = [\n", rows.len());
        for r in rows {
            let row: Vec<String> = r.iter().map(|v| v.to_string()).collect();
            writeln!(src, "    [{}],", row.join(", ")).expect("writing to a String");
        }
        src + "];\n"
    };
    table(&format!("{name}_INPUTS"), &xs, <M::Input as QTensor>::LEN)
        + &table(name, &ys, <QOutput<M> as QTensor>::LEN)
}
