//! Optimizers drive real problems to near-zero loss, and single steps match hand-derived values.

use embednn::prelude::*;

#[test]
fn sgd_fits_a_line() {
    // y = 3x + 2 with one Dense<1, 1>: plain SGD converges to the exact weights.
    type Line = (Dense<1, 1>,);
    let mut model: Line = (Dense::from_rows([[0.0]], [0.0]),);
    let mut trainer = Trainer::<Line, _, _>::new(Mse, Sgd::new(0.1));
    let xs: Vec<[f32; 1]> = (0..8).map(|i| [i as f32 / 4.0 - 1.0]).collect();
    let ys: Vec<[f32; 1]> = xs.iter().map(|x| [3.0 * x[0] + 2.0]).collect();
    let mut rng = Rng::seed(0);
    let mut loss = f32::MAX;
    for _ in 0..500 {
        loss = trainer.train_batch(&mut model, &xs, &ys, &mut rng).unwrap();
    }
    assert!(loss < 1e-8, "loss {loss}");
    assert!((model.0.kernel[(0, 0)] - 3.0).abs() < 1e-4);
    assert!((model.0.bias[0] - 2.0).abs() < 1e-4);
}

#[test]
fn adam_learns_xor() {
    type Xor = (Dense<2, 8>, Tanh, Dense<8, 1>);
    let mut rng = Rng::seed(42);
    let mut model = Xor::init(Initializer::GlorotUniform, &mut rng);
    let xs = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]];
    let ys = [[0.0], [1.0], [1.0], [0.0]];
    let mut trainer = Trainer::<Xor, _, _>::new(BinaryCrossEntropyWithLogits, Adam::new(0.05));
    let first = trainer.evaluate(&model, &xs, &ys).unwrap();
    for _ in 0..1000 {
        trainer.train_batch(&mut model, &xs, &ys, &mut rng).unwrap();
    }
    let last = trainer.evaluate(&model, &xs, &ys).unwrap();
    assert!(last < 1e-3, "XOR loss went from {first} to {last}");
    for (x, y) in xs.iter().zip(&ys) {
        let p = Sigmoid::logistic(model.predict(x)[0]);
        assert_eq!(p > 0.5, y[0] > 0.5, "{x:?} -> {p}");
    }
}

#[test]
fn every_optimizer_fits_a_smooth_function() {
    type Net = (Dense<1, 16>, Tanh, Dense<16, 1>);
    let xs: Vec<[f32; 1]> = (0..32).map(|i| [i as f32 / 16.0 - 1.0]).collect();
    let ys: Vec<[f32; 1]> = xs.iter().map(|x| [x[0] * x[0] - 0.5 * x[0]]).collect();

    fn run<O: Optimizer>(opt: O, xs: &[[f32; 1]], ys: &[[f32; 1]], epochs: usize) -> f32 {
        let mut rng = Rng::seed(11);
        let mut model = Net::init(Initializer::GlorotUniform, &mut rng);
        let mut trainer = Trainer::<Net, _, _>::new(Mse, opt);
        for _ in 0..epochs {
            for (bx, by) in xs.chunks(8).zip(ys.chunks(8)) {
                trainer.train_batch(&mut model, bx, by, &mut rng).unwrap();
            }
        }
        trainer.evaluate(&model, xs, ys).unwrap()
    }
    let results = [
        ("sgd", run(Sgd::new(0.3), &xs, &ys, 4000)),
        ("momentum", run(SgdMomentum::new(0.05, 0.9), &xs, &ys, 1000)),
        (
            "nesterov",
            run(SgdMomentum::new(0.02, 0.9).nesterov(), &xs, &ys, 2000),
        ),
        ("adam", run(Adam::new(0.01), &xs, &ys, 1000)),
        ("adamw", run(AdamW::new(0.01, 0.001), &xs, &ys, 1000)),
    ];
    println!("{results:?}");
    for (name, loss) in results {
        assert!(loss < 1e-3, "{name}: final loss {loss}");
    }
}

#[test]
fn single_steps_match_hand_derivation() {
    // One Dense<1, 1> with w = 1, b = 0; x = 2, target 0; MSE gradient: dL/dy = 2·(2 − 0) = 4,
    // so dL/dw = 4·x = 8 and dL/db = 4.
    type One = (Dense<1, 1>,);
    let fresh = || (Dense::<1, 1>::from_rows([[1.0]], [0.0]),);
    let mut rng = Rng::seed(0);

    let mut m = fresh();
    Trainer::<One, _, _>::new(Mse, Sgd::new(0.1))
        .train_batch(&mut m, &[[2.0]], &[[0.0]], &mut rng)
        .unwrap();
    assert_eq!((m.0.kernel[(0, 0)], m.0.bias[0]), (1.0 - 0.8, -0.4));

    // Momentum: v = −lr·g on the first step, so the same as SGD; the second step adds μ·v.
    let mut m = fresh();
    let mut t = Trainer::<One, _, _>::new(Mse, SgdMomentum::new(0.1, 0.5));
    t.train_batch(&mut m, &[[2.0]], &[[0.0]], &mut rng).unwrap();
    assert_eq!(m.0.kernel[(0, 0)], 1.0 - 0.8);

    // Adam's first step moves every parameter by lr·sign(g) (up to ε): m̂/√v̂ = g/|g|.
    let mut m = fresh();
    Trainer::<One, _, _>::new(Mse, Adam::new(0.01))
        .train_batch(&mut m, &[[2.0]], &[[0.0]], &mut rng)
        .unwrap();
    assert!((m.0.kernel[(0, 0)] - 0.99).abs() < 1e-6);
    assert!((m.0.bias[0] + 0.01).abs() < 1e-6);

    // AdamW also decays the weight (not the bias) by lr·λ·w.
    let mut m = fresh();
    Trainer::<One, _, _>::new(Mse, AdamW::new(0.01, 0.5))
        .train_batch(&mut m, &[[2.0]], &[[0.0]], &mut rng)
        .unwrap();
    assert!((m.0.kernel[(0, 0)] - (0.99 - 0.01 * 0.5)).abs() < 1e-6);
    assert!((m.0.bias[0] + 0.01).abs() < 1e-6);

    // Gradient clipping to global norm 1: g = (8, 4) → (8, 4)/√80.
    let mut m = fresh();
    Trainer::<One, _, _>::new(Mse, Sgd::new(1.0))
        .with_clip(Clip::GlobalNorm(1.0))
        .train_batch(&mut m, &[[2.0]], &[[0.0]], &mut rng)
        .unwrap();
    let n = 80f32.sqrt();
    assert!((m.0.kernel[(0, 0)] - (1.0 - 8.0 / n)).abs() < 1e-6);
    assert!((m.0.bias[0] + 4.0 / n).abs() < 1e-6);

    // L2 regularization adds 2·λ·w to the weight gradient and λ·w² to the loss.
    let mut m = fresh();
    let loss = Trainer::<One, _, _>::new(Mse, Sgd::new(0.1))
        .with_regularization(Regularization::l2(0.5))
        .train_batch(&mut m, &[[2.0]], &[[0.0]], &mut rng)
        .unwrap();
    assert_eq!(loss, 4.0 + 0.5);
    assert!((m.0.kernel[(0, 0)] - (1.0 - 0.1 * (8.0 + 1.0))).abs() < 1e-6);
}

#[test]
fn batch_gradient_is_the_mean_of_sample_gradients() {
    type Net = (Dense<3, 4>, Tanh, Dense<4, 2>);
    let mut rng = Rng::seed(5);
    let model = Net::init(Initializer::GlorotUniform, &mut rng);
    let xs = [[0.1, 0.2, 0.3], [-0.5, 0.5, 1.0], [1.0, -1.0, 0.0]];
    let ys = [[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]];
    let mut sum = <embednn::Gradient<Net> as Buffer>::ZERO;
    let mut trace = <embednn::Trace<Net> as Buffer>::ZERO;
    for (x, y) in xs.iter().zip(&ys) {
        let mut one = <embednn::Gradient<Net> as Buffer>::ZERO;
        let mut out = [0.0; 2];
        embednn::sample_gradient(&model, &Mse, x, y, &mut out, &mut trace, &mut one, &mut rng);
        sum.add_assign(&one);
    }
    let mut trainer = Trainer::<Net, _, _>::new(Mse, Sgd::new(1.0));
    for (x, y) in xs.iter().zip(&ys) {
        trainer.accumulate(&model, x, y, &mut rng);
    }
    assert_eq!(trainer.gradient(), &sum);
}

#[test]
fn frozen_layers_do_not_move_and_cost_no_optimizer_memory() {
    type Full = (Dense<2, 8>, Tanh, Dense<8, 1>);
    type Head = (Frozen<(Dense<2, 8>, Tanh)>, Dense<8, 1>);
    let mut rng = Rng::seed(9);
    let full = Full::init(Initializer::GlorotUniform, &mut rng);
    let mut head: Head = (Frozen((full.0, full.1)), full.2);
    let before = head.0;
    let mut trainer = Trainer::<Head, _, _>::new(Mse, Adam::new(0.01));
    let xs = [[0.0, 1.0], [1.0, 0.0]];
    let ys = [[1.0], [-1.0]];
    let first = trainer.evaluate(&head, &xs, &ys).unwrap();
    for _ in 0..200 {
        trainer.train_batch(&mut head, &xs, &ys, &mut rng).unwrap();
    }
    assert_eq!(head.0, before, "frozen weights are bit-for-bit unchanged");
    assert!(trainer.evaluate(&head, &xs, &ys).unwrap() < first / 10.0);
    // Gradient and Adam state cover the 9 trainable scalars only.
    assert_eq!(Head::TRAINABLE, 9);
    assert_eq!(core::mem::size_of::<embednn::Gradient<Head>>(), 9 * 4);
    const { assert!(Trainer::<Head, Mse, Adam>::RAM_BYTES < Trainer::<Full, Mse, Adam>::RAM_BYTES) };
}

#[test]
fn non_finite_inputs_do_not_panic_anywhere() {
    type Net = (Dense<2, 4>, Relu, Dense<4, 3>, Softmax);
    let mut rng = Rng::seed(1);
    let mut model = Net::init(Initializer::GlorotUniform, &mut rng);
    for x in [
        [f32::NAN, 0.0],
        [f32::INFINITY, 1.0],
        [f32::NEG_INFINITY, f32::MAX],
    ] {
        let y = model.predict(&x);
        assert_eq!(y.len(), 3);
        let mut trainer =
            Trainer::<Net, _, _>::new(Mse, Adam::new(0.01)).with_clip(Clip::GlobalNorm(1.0));
        let loss = trainer.train_batch(&mut model, &[x], &[[1.0, 0.0, 0.0]], &mut rng);
        assert!(loss.is_ok()); // NaN or finite, never a panic
    }
}

#[test]
fn inputs_and_targets_of_different_lengths_are_an_error_not_a_truncation() {
    use embednn::train::{LengthMismatch, Paired};
    type One = (Dense<1, 1>,);
    let fresh = || (Dense::<1, 1>::from_rows([[1.0]], [0.0]),);
    let mut rng = Rng::seed(0);
    let (xs, ys) = ([[1.0], [2.0], [3.0]], [[0.0], [0.0]]);
    let targets = LengthMismatch {
        inputs: 3,
        slice: Paired::Targets,
        len: 2,
    };
    let mut m = fresh();
    let mut trainer = Trainer::<One, _, _>::new(Mse, Sgd::new(0.1));
    let trained = trainer.train_batch(&mut m, &xs, &ys, &mut rng);
    assert_eq!(trained, Err(targets));
    assert_eq!(
        targets.to_string(),
        "3 inputs but 2 targets: there must be one per input"
    );
    assert_eq!(m, fresh(), "nothing was trained");
    assert_eq!(trainer.evaluate(&m, &xs, &ys), Err(targets));
    assert_eq!(trainer.evaluate(&m, &xs[..2], &ys), Ok(2.5)); // (1² + 2²) / 2

    let mut grad = <embednn::Gradient<One> as Buffer>::ZERO;
    let mut outputs = [[0.0]; 3];
    let mut output_grads = [[0.0]; 3];
    let mut traces = [<embednn::Trace<One> as Buffer>::ZERO; 3];
    let mut scratch = [<embednn::BatchScratch<One> as Buffer>::ZERO; 3];
    let summed = embednn::batch_gradient(
        &mut m,
        &Mse,
        &xs,
        &ys,
        &mut outputs,
        &mut output_grads,
        &mut traces,
        &mut scratch,
        &mut grad,
        &mut rng,
    );
    assert_eq!(summed, Err(targets));
    assert_eq!(grad, <embednn::Gradient<One> as Buffer>::ZERO);
    // Working memory of another length is an error too (it used to cut the batch short).
    let summed = embednn::batch_gradient(
        &mut m,
        &Mse,
        &xs,
        &[[0.0]; 3],
        &mut outputs,
        &mut output_grads,
        &mut traces[..2],
        &mut scratch,
        &mut grad,
        &mut rng,
    );
    let traces_short = LengthMismatch {
        slice: Paired::Traces,
        ..targets
    };
    assert_eq!(summed, Err(traces_short));
    assert_eq!(grad, <embednn::Gradient<One> as Buffer>::ZERO);
    let summed = embednn::batch_gradient(
        &mut m,
        &Mse,
        &xs,
        &[[0.0]; 3],
        &mut outputs,
        &mut output_grads,
        &mut traces,
        &mut scratch,
        &mut grad,
        &mut rng,
    );
    assert_eq!(summed, Ok(1.0 + 4.0 + 9.0));
}
