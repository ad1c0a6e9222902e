// A layer of the user's own has no int8 form until it implements `Quantize`: the model's int8
// type does not exist, and the error names the layer.
use embednn::prelude::*;
use embednn::quant::Quantize;

#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Double;
embednn::params! { impl[] Double<> as "Double"[] {} }

impl<X: Tensor> Layer<X> for Double {
    type Output = X;
    type Cache = ();
    const MACS: usize = 0;
    fn forward(&self, x: &X, y: &mut X) {
        for (o, &v) in y.flat_mut().iter_mut().zip(x.flat()) {
            *o = 2.0 * v;
        }
    }
    fn backward(&self, _: &X, _: &X, _: &(), dy: &X, dx: Option<&mut X>, _: Option<&mut Self>) {
        if let Some(dx) = dx {
            for (d, &g) in dx.flat_mut().iter_mut().zip(dy.flat()) {
                *d = 2.0 * g;
            }
        }
    }
}

type Net = (Dense<4, 4>, Double, Dense<4, 1>);
type NetInt8 = <Net as Quantize<[f32; 4]>>::Quantized;

fn main() {
    let _ = core::mem::size_of::<NetInt8>();
}
