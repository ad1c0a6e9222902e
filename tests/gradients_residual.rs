//! Residual blocks' backward passes against central finite differences: `Residual<B>` and
//! `Add<A, B>` on vectors and images, nested, inside models, and over whole batches when a
//! branch holds batch normalization.

mod common;

use common::{check_batch, check_layer, random_tensor};
use embednn::prelude::*;
use embednn::{Add, Residual};

const TOLERANCE: f64 = 1e-3;
const H: f32 = 1e-2;

fn assert_layer<X: Tensor, L: Layer<X> + Clone>(name: &str, layer: &L, x: &X) {
    let report = check_layer(layer, x, H, 7);
    assert!(
        report.worst() < TOLERANCE,
        "{name}: relative error {:.2e} (input {:.2e}, params {:?}) over {} scalars",
        report.worst(),
        report.input_error,
        report.param_errors,
        report.checked
    );
    assert!(report.checked > 0, "{name}: nothing checked");
}

fn assert_batch<X: Tensor, L: Layer<X> + Clone>(name: &str, layer: &L, xs: &[X]) {
    let report = check_batch(layer, xs, H);
    assert!(
        report.worst() < TOLERANCE,
        "{name}: relative error {:.2e} (input {:.2e}, params {:?}) over {} scalars",
        report.worst(),
        report.input_error,
        report.param_errors,
        report.checked
    );
}

#[test]
fn residual_dense_block() {
    let mut rng = Rng::seed(11);
    type Block = Residual<(Dense<5, 7>, Tanh, Dense<7, 5>)>;
    let layer = Block::init(Initializer::GlorotUniform, &mut rng);
    let x: [f32; 5] = random_tensor(&mut rng, 1.0, 0.0);
    let report = check_layer(&layer, &x, H, 7);
    assert_eq!(report.param_errors.len(), 4, "both kernels and biases");
    assert_eq!(report.checked, 5 + (5 * 7 + 7) + (7 * 5 + 5));
    assert_layer("Residual<(Dense, Tanh, Dense)>", &layer, &x);
    // A block of one layer (no tuple) and a block that is only an activation.
    assert_layer(
        "Residual<Dense<4, 4>>",
        &Residual(Dense::<4, 4>::init(Initializer::GlorotUniform, &mut rng)),
        &random_tensor::<[f32; 4]>(&mut rng, 1.0, 0.0),
    );
    assert_layer(
        "Residual<Sigmoid>",
        &Residual(Sigmoid),
        &random_tensor::<[f32; 6]>(&mut rng, 2.0, 0.0),
    );
}

#[test]
fn add_of_two_branches() {
    let mut rng = Rng::seed(12);
    type Branches = Add<(Dense<4, 6>, Sigmoid, Dense<6, 3>), Dense<4, 3>>;
    let layer = Branches::init(Initializer::GlorotUniform, &mut rng);
    let x: [f32; 4] = random_tensor(&mut rng, 1.0, 0.0);
    let report = check_layer(&layer, &x, H, 7);
    assert_eq!(report.param_errors.len(), 6);
    assert_layer("Add<(Dense, Sigmoid, Dense), Dense>", &layer, &x);
}

#[test]
fn resnet_style_convolution_blocks() {
    let mut rng = Rng::seed(13);
    // The identity block and the projection block of a ResNet, on a small image.
    type Identity = Residual<(
        Conv2d<6, 6, 3, 3, 3, 3, 1, 1, 6, 6, Same>,
        Tanh,
        Conv2d<6, 6, 3, 3, 3, 3, 1, 1, 6, 6, Same>,
    )>;
    type Projection = Add<
        (
            Conv2d<6, 6, 3, 4, 3, 3, 2, 2, 3, 3, Same>,
            Tanh,
            Conv2d<3, 3, 4, 4, 3, 3, 1, 1, 3, 3, Same>,
        ),
        Conv2d<6, 6, 3, 4, 1, 1, 2, 2, 3, 3, Same>,
    >;
    let x: [[[f32; 3]; 6]; 6] = random_tensor(&mut rng, 1.0, 0.0);
    assert_layer(
        "identity block",
        &Identity::init(Initializer::GlorotUniform, &mut rng),
        &x,
    );
    assert_layer(
        "projection block",
        &Projection::init(Initializer::GlorotUniform, &mut rng),
        &x,
    );
    // Inside a model, followed by the ReLU the ResNet puts after each add (inputs kept off its
    // kink by a shift), and nested: a residual inside a branch of an add.
    type Net = (
        Conv2d<6, 6, 3, 3, 3, 3, 1, 1, 6, 6, Same>,
        Identity,
        Add<Residual<Conv2d<6, 6, 3, 3, 1, 1, 1, 1, 6, 6, Same>>, Identity>,
        Tanh,
        GlobalAvgPool,
        Dense<3, 2>,
    );
    assert_layer(
        "a model of residual blocks",
        &Net::init(Initializer::GlorotUniform, &mut rng),
        &x,
    );
}

#[test]
fn batch_normalization_inside_a_branch_trains_over_the_batch() {
    let mut rng = Rng::seed(14);
    type Block = Residual<(Dense<4, 4>, BatchNorm<4>, Tanh, Dense<4, 4>)>;
    type Branches = Add<(Dense<4, 3>, BatchNorm<3>), (Dense<4, 3>, Tanh)>;
    const { assert!(<Block as Layer<[f32; 4]>>::BATCH_COUPLED) };
    const { assert!(<Branches as Layer<[f32; 4]>>::BATCH_COUPLED) };
    let xs: Vec<[f32; 4]> = (0..6).map(|_| random_tensor(&mut rng, 1.0, 0.0)).collect();
    let mut block = Block::init(Initializer::GlorotUniform, &mut rng);
    // Non-trivial scale and shift.
    (block.0).1.gamma = [1.3, 0.7, 1.1, 0.9];
    (block.0).1.beta = [0.1, -0.2, 0.3, 0.0];
    assert_batch("Residual with batch norm", &block, &xs);
    let branches = Branches::init(Initializer::GlorotUniform, &mut rng);
    assert_batch("Add with batch norm", &branches, &xs);
    type Net = (Dense<4, 4>, Block, Tanh, Branches, Dense<3, 1>);
    assert_batch(
        "model",
        &Net::init(Initializer::GlorotUniform, &mut rng),
        &xs,
    );
}
