// A probability loss on a model that outputs logits.
use embednn::prelude::*;

type Classifier = (Dense<4, 8>, Relu, Dense<8, 3>);

fn main() {
    let _ = Trainer::<Classifier, _, _>::new(CategoricalCrossEntropy, Adam::new(0.01));
}
