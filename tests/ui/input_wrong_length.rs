// A model taking 2 features cannot be run on 3.
use embednn::prelude::*;

type Net = (Dense<2, 10>, Relu, Dense<10, 1>);

fn main() {
    let net = Net::init(Initializer::GlorotUniform, &mut Rng::seed(1));
    let _ = net.predict(&[1.0, 2.0, 3.0]);
}
