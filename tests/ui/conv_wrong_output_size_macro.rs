// The check! macro reports a wrong convolution output size at the model's own line.
use embednn::prelude::*;

type Wrong = (Conv2d<8, 8, 1, 4, 3, 3, 2, 2, 4, 4, Valid>, Relu, Flatten<64>, Dense<64, 2>);
embednn::check!(Wrong);

fn main() {}
