// Dense<2, 3> produces 3 values; Dense<4, 1> wants 4.
use embednn::prelude::*;

type Broken = (Dense<2, 3>, Relu, Dense<4, 1>);
const _: () = embednn::check::<Broken>();

fn main() {}
