// A valid 3-tap Conv1d turns 49 steps into 47; the GRU is written for 49.
use embednn::prelude::*;

type Broken = (Conv1d<49, 10, 16, 3, 1, 47>, Relu, Gru<49, 16, 32>, Dense<32, 12>);
const _: () = embednn::check::<Broken>();

fn main() {}
