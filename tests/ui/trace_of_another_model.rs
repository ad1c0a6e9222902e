// The trace of one model cannot be used for another model's backward pass.
use embednn::prelude::*;

type A = (Dense<2, 4>, Tanh, Dense<4, 1>);
type B = (Dense<2, 5>, Tanh, Dense<5, 1>);

fn main() {
    let a = A::init(Initializer::GlorotUniform, &mut Rng::seed(1));
    let trace = <embednn::Trace<B> as Buffer>::ZERO;
    let mut g = <embednn::Gradient<A> as Buffer>::ZERO;
    a.backward(&[0.0, 0.0], &[0.0], &trace, &[1.0], None, Some(&mut g));
}
