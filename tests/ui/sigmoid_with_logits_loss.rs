// A model ending in Sigmoid trained with a loss on logits would silently learn worse.
use embednn::prelude::*;

type Binary = (Dense<4, 8>, Relu, Dense<8, 1>, Sigmoid);

fn main() {
    let _ = Trainer::<Binary, _, _>::new(BinaryCrossEntropyWithLogits, Adam::new(0.01));
}
