//! Every layer's, model's and loss's backward pass against central finite differences.

mod common;

use common::{check_layer, check_loss, random_tensor};
use embednn::prelude::*;

const TOLERANCE: f64 = 1e-3;
const H: f32 = 1e-2;

fn assert_layer<X: Tensor, L: Layer<X> + Clone>(name: &str, layer: &L, x: &X, h: f32) {
    let report = check_layer(layer, x, h, 7);
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
fn dense() {
    let mut rng = Rng::seed(1);
    let layer = Dense::<5, 3>::init(Initializer::GlorotUniform, &mut rng);
    let x: [f32; 5] = random_tensor(&mut rng, 1.0, 0.0);
    let report = check_layer(&layer, &x, H, 7);
    assert_eq!(report.param_errors.len(), 2, "kernel and bias are checked");
    assert_eq!(report.checked, 5 + 15 + 3);
    assert_layer("Dense<5, 3>", &layer, &x, H);
    // Odd sizes (not multiples of the kernel's unroll factor) and a single output.
    let layer = Dense::<7, 1>::init(Initializer::HeUniform, &mut rng);
    assert_layer("Dense<7, 1>", &layer, &random_tensor(&mut rng, 2.0, 0.0), H);
}

#[test]
fn activations() {
    let mut rng = Rng::seed(2);
    // Inputs at least 0.05 from any kink, so the ±h step never crosses it.
    let x: [f32; 9] = random_tensor(&mut rng, 3.0, 0.05);
    assert_layer("Relu", &Relu, &x, H);
    assert_layer("LeakyRelu", &LeakyRelu::<300>, &x, H);
    assert_layer("LeakyRelu<10>", &LeakyRelu::<10>, &x, H);
    assert_layer("Sigmoid", &Sigmoid, &x, H);
    assert_layer("Tanh", &Tanh, &x, H);
    assert_layer("Identity", &Identity, &x, H);
    assert_layer("Softmax", &Softmax, &x, H);
    // Relu6 around both kinks.
    let x6 = [-1.0, 0.5, 3.0, 5.5, 6.5, 10.0, 2.0];
    assert_layer("Relu6", &Relu6, &x6, H);
    // Activations work on any tensor shape.
    let img: [[[f32; 2]; 3]; 2] = random_tensor(&mut rng, 3.0, 0.05);
    assert_layer("Tanh on an image", &Tanh, &img, H);
    assert_layer(
        "Relu on a sequence",
        &Relu,
        &random_tensor::<[[f32; 3]; 4]>(&mut rng, 3.0, 0.05),
        H,
    );
}

#[test]
fn models_of_every_arity_and_nesting() {
    let mut rng = Rng::seed(3);
    type Two = (Dense<4, 3>, Tanh);
    type Five = (Dense<3, 6>, Sigmoid, Dense<6, 5>, Tanh, Dense<5, 2>);
    type Nested = (
        (Dense<3, 4>, Tanh),
        (Dense<4, 4>, Sigmoid),
        Dense<4, 3>,
        Softmax,
    );
    let x3: [f32; 3] = random_tensor(&mut rng, 1.0, 0.0);
    assert_layer(
        "Two",
        &Two::init(Initializer::GlorotUniform, &mut rng),
        &random_tensor::<[f32; 4]>(&mut rng, 1.0, 0.0),
        H,
    );
    assert_layer(
        "Five",
        &Five::init(Initializer::GlorotUniform, &mut rng),
        &x3,
        H,
    );
    assert_layer(
        "Nested",
        &Nested::init(Initializer::GlorotUniform, &mut rng),
        &x3,
        H,
    );
}

#[test]
fn sixteen_layer_model() {
    // Gradients reach the first layers through 15 others, so keep them from vanishing below
    // what an f32 finite difference can resolve: tanh/identity and a wide initialization.
    type Deep = (
        Dense<2, 4>,
        Tanh,
        Dense<4, 4>,
        Sigmoid,
        Dense<4, 4>,
        Tanh,
        Dense<4, 4>,
        Identity,
        Dense<4, 4>,
        Tanh,
        Dense<4, 4>,
        LeakyRelu,
        Dense<4, 4>,
        Tanh,
        Dense<4, 3>,
        Identity,
    );
    let mut rng = Rng::seed(4);
    let model = Deep::init(Initializer::Uniform(1.5), &mut rng);
    assert_layer("Deep", &model, &[0.3, -0.7], H);
}

#[test]
fn frozen_layers_pass_gradients_but_have_none() {
    type Head = (Frozen<(Dense<3, 5>, Tanh)>, Dense<5, 2>);
    let mut rng = Rng::seed(5);
    let model = Head::init(Initializer::GlorotUniform, &mut rng);
    assert_eq!(Head::TRAINABLE, 5 * 2 + 2);
    assert_eq!(Head::PARAMS, 3 * 5 + 5 + 5 * 2 + 2);
    let x = [0.2, -0.4, 0.9];
    let report = check_layer(&model, &x, H, 9);
    assert_eq!(
        report.param_errors.len(),
        2,
        "only the head's kernel and bias train"
    );
    assert_layer("Frozen head", &model, &x, H);

    // A frozen layer between trainable ones still back-propagates.
    type Sandwich = (Dense<3, 4>, Frozen<Dense<4, 4>>, Tanh, Dense<4, 2>);
    let model = Sandwich::init(Initializer::GlorotUniform, &mut rng);
    let report = check_layer(&model, &x, H, 9);
    assert_eq!(report.param_errors.len(), 4);
    assert_layer("Sandwich", &model, &x, H);
}

#[test]
fn relu_models_away_from_kinks() {
    type Net = (Dense<4, 8>, Relu, Dense<8, 8>, LeakyRelu, Dense<8, 3>);
    let mut rng = Rng::seed(6);
    let model = Net::init(Initializer::HeUniform, &mut rng);
    // h small enough that no pre-activation crosses zero for this fixed seed.
    assert_layer("ReLU net", &model, &[0.5, -1.0, 0.25, 0.8], 1e-3);
}

#[test]
fn losses() {
    let mut rng = Rng::seed(8);
    let p: [f32; 6] = random_tensor(&mut rng, 2.0, 0.05);
    let t: [f32; 6] = random_tensor(&mut rng, 2.0, 0.05);
    let errors = [
        ("Mse", check_loss(&Mse, &p, &t, 1e-2)),
        ("Mae", check_loss(&Mae, &p, &t, 1e-3)),
    ];
    let probs = [0.0, 1.0, 1.0, 0.0, 0.3, 0.9];
    let one_hot = [0.0, 0.0, 1.0, 0.0, 0.0, 0.0];
    let soft = [0.1, 0.2, 0.3, 0.1, 0.2, 0.1];
    let more = [
        (
            "BCE",
            check_loss(&BinaryCrossEntropyWithLogits, &p, &probs, 1e-2),
        ),
        (
            "SoftmaxCE one-hot",
            check_loss(&SoftmaxCrossEntropy, &p, &one_hot, 1e-2),
        ),
        (
            "SoftmaxCE soft",
            check_loss(&SoftmaxCrossEntropy, &p, &soft, 1e-2),
        ),
    ];
    for (name, e) in errors.iter().chain(&more) {
        assert!(*e < TOLERANCE, "{name}: relative error {e:.2e}");
    }
}

/// The checker itself catches a wrong backward pass (a negative control for every test above).
#[test]
fn checker_rejects_a_wrong_gradient() {
    /// `y = W·x + b` whose backward forgets the bias gradient and halves the input gradient.
    #[derive(Clone)]
    struct Wrong(Dense<3, 2>);
    impl Params for Wrong {
        type Gradient = Dense<3, 2>;
        const PARAMS: usize = 8;
        const KIND: &'static str = "Wrong";
        const DIMS: &'static [usize] = &[3, 2];
        fn for_each_param(&self, f: &mut impl FnMut(embednn::ParamKind, &[f32])) {
            self.0.for_each_param(f)
        }
        fn for_each_param_mut(&mut self, f: &mut impl FnMut(embednn::ParamKind, &mut [f32])) {
            self.0.for_each_param_mut(f)
        }
        fn visit_trainable<const K: usize>(
            &mut self,
            grad: &mut Dense<3, 2>,
            state: [&mut Dense<3, 2>; K],
            f: &mut impl FnMut(embednn::ParamSlot<'_, K>),
        ) {
            self.0.visit_trainable(grad, state, f)
        }
    }
    impl Layer<[f32; 3]> for Wrong {
        type Output = [f32; 2];
        type Cache = ();
        const MACS: usize = 6;
        fn forward(&self, x: &[f32; 3], y: &mut [f32; 2]) {
            self.0.forward(x, y)
        }
        fn backward(
            &self,
            x: &[f32; 3],
            y: &[f32; 2],
            _: &(),
            dy: &[f32; 2],
            dx: Option<&mut [f32; 3]>,
            grad: Option<&mut Dense<3, 2>>,
        ) {
            let mut g = Dense::<3, 2>::ZERO;
            let mut d = [0.0; 3];
            self.0.backward(x, y, &(), dy, Some(&mut d), Some(&mut g));
            g.bias.fill(0.0);
            if let Some(grad) = grad {
                grad.add_assign(&g);
            }
            if let Some(dx) = dx {
                *dx = d.map(|v| v * 0.5);
            }
        }
    }
    let layer = Wrong(Dense::init(Initializer::GlorotUniform, &mut Rng::seed(1)));
    let report = check_layer(&layer, &[0.3, -0.2, 0.9], H, 1);
    assert!(report.input_error > 0.1, "{report:?}");
    assert!(
        report.param_errors[0] < TOLERANCE,
        "the kernel gradient is right: {report:?}"
    );
    assert!(
        report.param_errors[1] > 0.1,
        "the bias gradient is wrong: {report:?}"
    );
}
