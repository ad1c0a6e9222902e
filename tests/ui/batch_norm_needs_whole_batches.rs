// Batch normalization needs the whole batch; the one-sample-at-a-time Trainer refuses it.
use embednn::prelude::*;

type Net = (Dense<2, 8>, BatchNorm<8>, Relu, Dense<8, 1>);

fn main() {
    let mut rng = Rng::seed(1);
    let mut net = Net::init(Initializer::GlorotUniform, &mut rng);
    let mut trainer = Trainer::<Net, _, _>::new(Mse, Adam::new(0.01));
    let _ = trainer.train_batch(&mut net, &[[1.0, 2.0]], &[[3.0]], &mut rng);
}
