// The gradient buffer of one model cannot be handed to another model's backward pass.
use embednn::prelude::*;

type A = (Dense<2, 10>, Relu, Dense<10, 1>);
type B = (Dense<2, 8>, Relu, Dense<8, 1>);

fn main() {
    let mut rng = Rng::seed(1);
    let a = A::init(Initializer::GlorotUniform, &mut rng);
    let mut trace = <embednn::Trace<A> as Buffer>::ZERO;
    let x = [1.0, 2.0];
    let mut y = [0.0];
    a.forward_train(&x, &mut y, &mut trace, &mut rng);
    let mut wrong = <embednn::Gradient<B> as Buffer>::ZERO;
    a.backward(&x, &y, &trace, &[1.0], None, Some(&mut wrong));
}
