//! Batch normalization: exact batch gradients, the layer-major pass, moving statistics, folding
//! and training.

mod common;

use common::{check_batch, check_layer, random_tensor};
use embednn::prelude::*;

const TOLERANCE: f64 = 1e-3;

fn assert_batch<X: Tensor, L: Layer<X> + Clone>(name: &str, layer: &L, xs: &[X], h: f32) {
    let r = check_batch(layer, xs, h);
    assert!(
        r.worst() < TOLERANCE,
        "{name}: relative error {:.2e} (input {:.2e}, params {:?}) over {} scalars",
        r.worst(),
        r.input_error,
        r.param_errors,
        r.checked
    );
}

fn batch<X: Tensor>(n: usize, seed: u64, scale: f32) -> Vec<X> {
    let mut rng = Rng::seed(seed);
    (0..n)
        .map(|_| random_tensor(&mut rng, scale, 0.0))
        .collect()
}

#[test]
fn batch_norm_gradients_through_batch_statistics() {
    // Non-trivial γ, β so every term of the gradient matters.
    let bn = BatchNorm::<3>::new([1.5, -0.7, 0.9], [0.2, -0.1, 0.4], [0.0; 3], [1.0; 3]);
    assert_batch(
        "BatchNorm on vectors",
        &bn,
        &batch::<[f32; 3]>(5, 1, 2.0),
        1e-2,
    );
    let bn = BatchNorm::<2>::new([1.2, 0.8], [0.3, -0.2], [0.0; 2], [1.0; 2]);
    assert_batch(
        "BatchNorm on images",
        &bn,
        &batch::<[[[f32; 2]; 3]; 2]>(3, 2, 2.0),
        1e-2,
    );
    assert_batch(
        "BatchNorm on sequences",
        &bn,
        &batch::<[[f32; 2]; 5]>(2, 3, 2.0),
        1e-2,
    );
}

#[test]
fn models_with_batch_norm_in_the_middle() {
    type Net = (Dense<3, 4>, BatchNorm<4>, Tanh, Dense<4, 2>);
    let mut rng = Rng::seed(4);
    let mut net = Net::init(Initializer::GlorotUniform, &mut rng);
    net.1.gamma = [1.3, 0.6, -0.9, 1.1];
    const { assert!(Net::BATCH_COUPLED) };
    assert_batch(
        "Dense-BN-Tanh-Dense",
        &net,
        &batch::<[f32; 3]>(6, 5, 1.0),
        1e-2,
    );

    type Cnn = (
        Conv2d<4, 4, 1, 3, 3, 3, 1, 1, 4, 4, Same>,
        BatchNorm<3>,
        Tanh,
        GlobalAvgPool,
        Dense<3, 2>,
    );
    let cnn = Cnn::init(Initializer::GlorotUniform, &mut rng);
    assert_batch(
        "Conv-BN-Tanh-Pool-Dense",
        &cnn,
        &batch::<[[[f32; 1]; 4]; 4]>(3, 6, 1.0),
        1e-2,
    );
}

#[test]
fn layer_major_pass_equals_sample_by_sample_without_batch_norm() {
    type Net = (Dense<3, 5>, Tanh, (Dense<5, 4>, Relu), Dense<4, 2>);
    let mut rng = Rng::seed(7);
    let mut net = Net::init(Initializer::GlorotUniform, &mut rng);
    let xs = batch::<[f32; 3]>(5, 8, 1.0);
    let ts = batch::<[f32; 2]>(5, 9, 1.0);
    let mut per_sample = <embednn::Gradient<Net> as Buffer>::ZERO;
    let mut trace = <embednn::Trace<Net> as Buffer>::ZERO;
    let mut loss_a = 0.0;
    let mut outs_a = Vec::new();
    for (x, t) in xs.iter().zip(&ts) {
        let mut y = [0.0; 2];
        loss_a += embednn::sample_gradient(
            &net,
            &Mse,
            x,
            t,
            &mut y,
            &mut trace,
            &mut per_sample,
            &mut rng,
        );
        outs_a.push(y);
    }
    let n = xs.len();
    let mut grad = <embednn::Gradient<Net> as Buffer>::ZERO;
    let mut outs = vec![[0.0; 2]; n];
    let mut dys = vec![[0.0; 2]; n];
    let mut traces = vec![<embednn::Trace<Net> as Buffer>::ZERO; n];
    let mut scratch = vec![<embednn::BatchScratch<Net> as Buffer>::ZERO; n];
    let loss_b = embednn::batch_gradient(
        &mut net,
        &Mse,
        &xs,
        &ts,
        &mut outs,
        &mut dys,
        &mut traces,
        &mut scratch,
        &mut grad,
        &mut rng,
    )
    .unwrap();
    assert_eq!(outs, outs_a);
    assert_eq!(loss_a, loss_b);
    assert_eq!(
        grad, per_sample,
        "same per-layer accumulation order, same bits"
    );
}

#[test]
fn moving_statistics_and_inference_mode() {
    // Data with per-channel mean (3, -1) and std (2, 0.5).
    let mut rng = Rng::seed(10);
    let xs: Vec<[f32; 2]> = (0..512)
        .map(|_| [3.0 + 2.0 * rng.normal(), -1.0 + 0.5 * rng.normal()])
        .collect();
    let mut bn = BatchNorm::<2>::IDENTITY;
    for chunk in xs.chunks(32) {
        for _ in 0..30 {
            let mut ys = vec![[0.0; 2]; chunk.len()];
            let mut caches = vec![([0.0; 2], [0.0; 2]); chunk.len()];
            let mut scratch = vec![(); chunk.len()];
            let mut b = common::VecBatch {
                xs: chunk,
                ys: &mut ys,
                caches: &mut caches,
                dys: &[],
                dxs: None,
                scratch: &mut scratch,
            };
            bn.forward_train_batch(&mut b, &mut rng);
            // Batch mode normalizes with the batch's own statistics: mean 0, variance ~1.
            let mean0 = ys.iter().map(|y| y[0]).sum::<f32>() / ys.len() as f32;
            assert!(mean0.abs() < 1e-5);
        }
    }
    assert!(
        (bn.moving_mean[0] - 3.0).abs() < 0.3 && (bn.moving_mean[1] + 1.0).abs() < 0.1,
        "{bn:?}"
    );
    assert!(
        (bn.moving_var[0] - 4.0).abs() < 0.8 && (bn.moving_var[1] - 0.25).abs() < 0.05,
        "{bn:?}"
    );
    // Inference uses the moving statistics.
    let mut y = [0.0; 2];
    bn.forward(&[bn.moving_mean[0], bn.moving_mean[1]], &mut y);
    assert_eq!(y, [0.0, 0.0]);
    // One sample on its own (a frozen batch norm) is inference mode too, with exact gradients.
    let frozen_style = BatchNorm::<2>::new([1.5, 0.5], [0.1, 0.2], [1.0, -1.0], [4.0, 0.25]);
    let report = check_layer(&frozen_style, &[2.0, -0.5], 1e-2, 1);
    assert!(report.worst() < TOLERANCE, "{report:?}");
}

#[test]
fn folding_into_the_previous_layer_keeps_the_outputs() {
    let mut rng = Rng::seed(11);
    let dense = Dense::<5, 3>::init(Initializer::GlorotUniform, &mut rng);
    let bn = BatchNorm::<3>::new(
        [1.5, -0.5, 2.0],
        [0.1, 0.2, -0.3],
        [0.4, -0.2, 1.0],
        [2.0, 0.5, 0.1],
    );
    let folded = bn.fold_dense(&dense);
    let conv =
        Conv2d::<5, 5, 2, 3, 3, 3, 2, 2, 3, 3, Same>::init(Initializer::GlorotUniform, &mut rng);
    let folded_conv = bn.fold_conv2d(&conv);
    let dw = DepthwiseConv2d::<5, 5, 3, 3, 3, 1, 1, 5, 5, Same>::init(
        Initializer::GlorotUniform,
        &mut rng,
    );
    let folded_dw = bn.fold_depthwise(&dw);
    let c1 = Conv1d::<6, 2, 3, 3, 1, 4>::init(Initializer::GlorotUniform, &mut rng);
    let folded_c1 = bn.fold_conv1d(&c1);
    for _ in 0..20 {
        let x: [f32; 5] = random_tensor(&mut rng, 2.0, 0.0);
        let a = (dense, bn).predict(&x);
        let b = (folded,).predict(&x);
        close(a.flat(), b.flat());
        let img: [[[f32; 2]; 5]; 5] = random_tensor(&mut rng, 2.0, 0.0);
        close(
            (conv, bn).predict(&img).flat(),
            (folded_conv,).predict(&img).flat(),
        );
        let img: [[[f32; 3]; 5]; 5] = random_tensor(&mut rng, 2.0, 0.0);
        close(
            (dw, bn).predict(&img).flat(),
            (folded_dw,).predict(&img).flat(),
        );
        let seq: [[f32; 2]; 6] = random_tensor(&mut rng, 2.0, 0.0);
        close(
            (c1, bn).predict(&seq).flat(),
            (folded_c1,).predict(&seq).flat(),
        );
    }

    fn close(a: &[f32], b: &[f32]) {
        for (x, y) in a.iter().zip(b) {
            assert!((x - y).abs() <= 1e-5 * (1.0 + x.abs()), "{x} vs {y}");
        }
    }
}

#[test]
fn batch_trainer_fits_a_model_with_batch_norm() {
    type Net = (Dense<2, 16>, BatchNorm<16>, Relu, Dense<16, 1>);
    let mut rng = Rng::seed(12);
    let mut net = Net::init(Initializer::HeUniform, &mut rng);
    // y = a² − b.
    let data: Vec<([f32; 2], [f32; 1])> = (0..256)
        .map(|_| {
            let (a, b) = (rng.uniform(-1.0, 1.0), rng.uniform(-1.0, 1.0));
            ([a, b], [a * a - b])
        })
        .collect();
    let mut trainer = BatchTrainer::<Net, _, _, 32>::new(Mse, Adam::new(0.01));
    let eval = |net: &Net| {
        data.iter()
            .map(|(x, t)| (net.predict(x)[0] - t[0]).powi(2))
            .sum::<f32>()
            / 256.0
    };
    let before = eval(&net);
    for _ in 0..60 {
        for chunk in data.chunks_exact(32) {
            let xs: [[f32; 2]; 32] = core::array::from_fn(|i| chunk[i].0);
            let ts: [[f32; 1]; 32] = core::array::from_fn(|i| chunk[i].1);
            trainer.train_batch(&mut net, &xs, &ts, &mut rng);
        }
    }
    let after = eval(&net);
    assert!(
        after < before / 10.0 && after < 0.02,
        "inference-mode MSE {before} -> {after}"
    );
    // RAM for the whole step is a compile-time constant covering 32 traces.
    const {
        assert!(
            BatchTrainer::<Net, Mse, Adam, 32>::RAM_BYTES
                > 32 * core::mem::size_of::<embednn::Trace<Net>>()
        )
    };
}
