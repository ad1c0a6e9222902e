// A batch norm has no int8 form: the model's int8 type does not exist (fold it first).
use embednn::prelude::*;
use embednn::quant::Quantize;

type Net = (Dense<4, 4>, BatchNorm<4>, Dense<4, 1>);
type NetInt8 = <Net as Quantize<[f32; 4]>>::Quantized;

fn main() {
    let _ = core::mem::size_of::<NetInt8>();
}
