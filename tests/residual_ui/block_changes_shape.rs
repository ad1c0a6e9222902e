// A residual block must give back its input's shape: this one maps [f32; 4] to [f32; 3].
use embednn::prelude::*;
use embednn::Residual;

type Net = (Dense<2, 4>, Residual<(Dense<4, 3>, Relu)>, Dense<4, 1>);
embednn::check!(Net);

fn main() {}
