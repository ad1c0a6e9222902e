// An int8 model whose type follows from the f32 model's: it builds and runs.
use embednn::prelude::*;
use embednn::quant::{QParams, Quantize, Quantized};

type Net = (
    Conv2d<6, 6, 1, 4, 3, 3, 1, 1, 6, 6, Same>,
    Relu,
    MaxPool2d<2, 2, 2, 2, 3, 3>,
    Flatten<36>,
    Dense<36, 3>,
    Softmax,
);
type NetInt8 = <Net as Quantize<[[[f32; 1]; 6]; 6]>>::Quantized;
const _: () = embednn::check::<Net>();
const _: () = embednn::quant::check::<NetInt8>();

fn main() {
    let net = Net::init(Initializer::HeUniform, &mut Rng::seed(1));
    let kinds = ["Conv2d", "ReLU", "MaxPool2d", "Flatten", "Dense", "Softmax"];
    let ranges = [embednn::quant::Range { min: -1.0, max: 1.0 }; 6];
    let input = QParams::from_range(0.0, 1.0);
    let mut cx = embednn::quant::Context::new(&ranges, &kinds, input);
    let layers = net.quantize(&mut cx).unwrap();
    let q = Quantized { input, layers, output: cx.input() };
    let p = q.predict(&[[[0.5; 1]; 6]; 6]);
    assert!((p.iter().sum::<f32>() - 1.0).abs() < 0.05);
}
