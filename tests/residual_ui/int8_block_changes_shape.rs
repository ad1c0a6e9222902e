// The int8 form is checked the same way: a QResidual whose block changes the shape.
use embednn::quant::{QDense, QResidual};

type Net = (QDense<2, 4>, QResidual<QDense<4, 3>>);
const _: () = embednn::quant::check::<Net>();

fn main() {}
