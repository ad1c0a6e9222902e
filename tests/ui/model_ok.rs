// A well-formed model compiles, runs and trains: the pass case that makes trybuild `cargo build`.
use embednn::prelude::*;

type Net = (Dense<2, 10>, Relu, Dense<10, 1>);
const _: () = embednn::check::<Net>();

fn main() {
    let mut rng = Rng::seed(42);
    let mut net = Net::init(Initializer::GlorotUniform, &mut rng);
    let mut trainer = Trainer::<Net, _, _>::new(Mse, Adam::new(0.01));
    let loss = trainer.train_batch(&mut net, &[[1.0, 2.0]], &[[3.0]], &mut rng);
    assert!(loss.is_ok_and(f32::is_finite));
    assert_eq!(net.predict(&[1.0, 2.0]).len(), 1);
}
