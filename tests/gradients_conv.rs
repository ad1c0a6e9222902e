//! Convolution, pooling, reshape and dropout layers: backward passes against central finite
//! differences, forward values against TensorFlow, and CNN models end to end.

mod common;
#[path = "reference/conv_values.rs"]
mod reference;

use common::{check_layer, random_tensor};
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

/// Like [`assert_layer`], and also checks that the kernel and the bias were both checked.
fn assert_conv<X: Tensor, L: Layer<X> + Clone>(name: &str, layer: &L, x: &X) {
    let report = check_layer(layer, x, H, 7);
    assert_eq!(report.param_errors.len(), 2, "{name}: kernel and bias");
    assert_eq!(report.checked, X::LEN + L::TRAINABLE, "{name}");
    assert_layer(name, layer, x, H);
}

/// A tensor whose elements are a shuffled `0.1 · (0..LEN)` shifted to be centred: all distinct
/// by 0.1, so a max pool's winner does not change under a ±0.01 step.
fn distinct<T: Tensor>(rng: &mut Rng) -> T {
    let mut t = T::ZERO;
    for (i, v) in t.flat_mut().iter_mut().enumerate() {
        *v = 0.1 * i as f32 - 0.05 * T::LEN as f32;
    }
    rng.shuffle(t.flat_mut());
    t
}

#[test]
fn conv1d() {
    let mut rng = Rng::seed(11);
    let valid = Conv1d::<7, 2, 3, 3, 1, 5>::init(Initializer::GlorotUniform, &mut rng);
    assert_conv("Conv1d valid", &valid, &random_tensor(&mut rng, 1.0, 0.0));
    // Even kernel, stride 2, "same": out 5, pad 3 = 1 before + 2 after.
    let same = Conv1d::<9, 2, 3, 4, 2, 5, Same>::init(Initializer::GlorotUniform, &mut rng);
    assert_conv(
        "Conv1d same, stride 2",
        &same,
        &random_tensor(&mut rng, 1.0, 0.0),
    );
    // Odd sizes throughout, stride 3 and a single input channel.
    let odd = Conv1d::<11, 1, 5, 5, 3, 3>::init(Initializer::HeUniform, &mut rng);
    assert_conv(
        "Conv1d valid, stride 3",
        &odd,
        &random_tensor(&mut rng, 1.0, 0.0),
    );
}

#[test]
fn conv2d() {
    let mut rng = Rng::seed(12);
    let valid = Conv2d::<5, 5, 2, 3, 3, 3, 1, 1, 3, 3>::init(Initializer::GlorotUniform, &mut rng);
    assert_conv("Conv2d valid", &valid, &random_tensor(&mut rng, 1.0, 0.0));
    // Even 4×2 kernel, stride 2, "same" on an odd 7×5 image: pads 1/2 rows and 0/1 columns.
    let same =
        Conv2d::<7, 5, 2, 3, 4, 2, 2, 2, 4, 3, Same>::init(Initializer::GlorotUniform, &mut rng);
    assert_conv(
        "Conv2d same, stride 2",
        &same,
        &random_tensor(&mut rng, 1.0, 0.0),
    );
    let valid2 = Conv2d::<7, 5, 2, 3, 4, 2, 2, 2, 2, 2>::init(Initializer::HeUniform, &mut rng);
    assert_conv(
        "Conv2d valid, stride 2",
        &valid2,
        &random_tensor(&mut rng, 1.0, 0.0),
    );
    // Different strides and kernel sides per axis, three input channels.
    let mixed =
        Conv2d::<6, 7, 3, 2, 3, 2, 1, 2, 6, 4, Same>::init(Initializer::GlorotUniform, &mut rng);
    assert_conv(
        "Conv2d same, stride 1×2",
        &mixed,
        &random_tensor(&mut rng, 1.0, 0.0),
    );
    // The DS-CNN keyword-spotting front end, scaled down: 10×4 kernel, stride 2, "same".
    let kws =
        Conv2d::<12, 5, 1, 2, 10, 4, 2, 2, 6, 3, Same>::init(Initializer::GlorotUniform, &mut rng);
    assert_conv("Conv2d 10×4 same", &kws, &random_tensor(&mut rng, 1.0, 0.0));
}

#[test]
fn depthwise_conv2d() {
    let mut rng = Rng::seed(13);
    let valid =
        DepthwiseConv2d::<5, 4, 3, 3, 2, 1, 1, 3, 3>::init(Initializer::GlorotUniform, &mut rng);
    assert_conv(
        "DepthwiseConv2d valid",
        &valid,
        &random_tensor(&mut rng, 1.0, 0.0),
    );
    let same = DepthwiseConv2d::<7, 5, 2, 3, 4, 2, 1, 4, 5, Same>::init(
        Initializer::Uniform(1.0),
        &mut rng,
    );
    assert_conv(
        "DepthwiseConv2d same",
        &same,
        &random_tensor(&mut rng, 1.0, 0.0),
    );
    let strided = DepthwiseConv2d::<6, 6, 4, 2, 2, 2, 2, 3, 3, Same>::init(
        Initializer::Uniform(1.0),
        &mut rng,
    );
    assert_conv(
        "DepthwiseConv2d 2×2/2",
        &strided,
        &random_tensor(&mut rng, 1.0, 0.0),
    );
}

#[test]
fn max_pool() {
    let mut rng = Rng::seed(14);
    let x: [[[f32; 3]; 5]; 6] = distinct(&mut rng);
    assert_layer(
        "MaxPool2d 2×2/2",
        &MaxPool2d::<2, 2, 2, 2, 3, 2>::new(),
        &x,
        H,
    );
    // Overlapping windows: an element can win in two windows.
    assert_layer(
        "MaxPool2d 3×3/2",
        &MaxPool2d::<3, 3, 2, 2, 2, 2>::new(),
        &x,
        H,
    );
    let same = MaxPool2d::<3, 2, 2, 2, 3, 3, Same>::new();
    assert_layer("MaxPool2d 3×2/2 same", &same, &x, H);
    let s: [[f32; 2]; 9] = distinct(&mut rng);
    assert_layer("MaxPool1d 3/2", &MaxPool1d::<3, 2, 4>::new(), &s, H);
    assert_layer(
        "MaxPool1d 2/2 same",
        &MaxPool1d::<2, 2, 5, Same>::new(),
        &s,
        H,
    );
}

#[test]
fn average_pools() {
    let mut rng = Rng::seed(15);
    let x: [[[f32; 3]; 5]; 6] = random_tensor(&mut rng, 1.0, 0.0);
    assert_layer(
        "AvgPool2d 2×2/2",
        &AvgPool2d::<2, 2, 2, 2, 3, 2>::new(),
        &x,
        H,
    );
    let same = AvgPool2d::<3, 3, 2, 2, 3, 3, Same>::new();
    assert_layer("AvgPool2d 3×3/2 same", &same, &x, H);
    let s: [[f32; 2]; 9] = random_tensor(&mut rng, 1.0, 0.0);
    assert_layer("AvgPool1d 3/2", &AvgPool1d::<3, 2, 4>::new(), &s, H);
    assert_layer(
        "AvgPool1d 4/3 same",
        &AvgPool1d::<4, 3, 3, Same>::new(),
        &s,
        H,
    );
    assert_layer("GlobalAvgPool 2-D", &GlobalAvgPool, &x, H);
    assert_layer("GlobalAvgPool 1-D", &GlobalAvgPool, &s, H);
}

#[test]
fn reshape() {
    let mut rng = Rng::seed(16);
    let x: [[[f32; 3]; 2]; 4] = random_tensor(&mut rng, 1.0, 0.0);
    assert_layer("Flatten", &Flatten::<24>::new(), &x, H);
    let v: [f32; 24] = random_tensor(&mut rng, 1.0, 0.0);
    assert_layer(
        "Reshape to an image",
        &Reshape::<[[[f32; 2]; 3]; 4]>::new(),
        &v,
        H,
    );
    assert_layer(
        "Reshape to a sequence",
        &Reshape::<[[f32; 6]; 4]>::new(),
        &x,
        H,
    );
}

#[test]
fn dropout() {
    let mut rng = Rng::seed(17);
    let x: [[f32; 4]; 10] = random_tensor(&mut rng, 1.0, 0.0);
    // The checker seeds the layer's rng identically for every pass: the same mask each time.
    let report = check_layer(&Dropout::<400>::new(), &x, H, 7);
    assert!(report.worst() < TOLERANCE, "{report:?}");

    // That mask really drops something, and the gradient flows only where it kept.
    let (mut y, mut mask) = ([[0.0; 4]; 10], [[0.0; 4]; 10]);
    Dropout::<400>::new().forward_train(&x, &mut y, &mut mask, &mut Rng::seed(7));
    let kept = mask.as_flattened().iter().filter(|&&m| m != 0.0).count();
    assert!(kept > 10 && kept < 40, "{kept} of 40 kept");
    assert!(mask
        .as_flattened()
        .iter()
        .all(|&m| m == 0.0 || m == 1.0 / 0.6));
    assert_layer("Dropout<0>", &Dropout::<0>::new(), &x, H);
}

/// The formulas of tests/reference/conv_reference.py.
fn image<const HH: usize, const W: usize, const C: usize>() -> [[[f32; C]; W]; HH] {
    core::array::from_fn(|h| {
        core::array::from_fn(|w| {
            core::array::from_fn(|c| ((7 * h + 3 * w + 5 * c) % 11) as f32 / 4.0 - 1.25)
        })
    })
}
fn ohwi<const CO: usize, const KH: usize, const KW: usize, const CI: usize>(
) -> [[[[f32; CI]; KW]; KH]; CO] {
    core::array::from_fn(|o| {
        core::array::from_fn(|a| {
            core::array::from_fn(|b| {
                core::array::from_fn(|i| ((13 * o + 5 * a + 3 * b + 7 * i) % 9) as f32 / 8.0 - 0.5)
            })
        })
    })
}
fn bias<const N: usize>() -> [f32; N] {
    core::array::from_fn(|o| (o as f32 - 1.0) / 2.0)
}

fn run<X: Tensor, L: Layer<X>>(layer: &L, x: &X) -> L::Output {
    let mut y = <L::Output as Buffer>::ZERO;
    layer.forward(x, &mut y);
    y
}

/// Inputs and weights are multiples of 1/4 and 1/8, so every sum is exact: bit-for-bit equal.
#[test]
fn convolutions_match_tensorflow_exactly() {
    let x = image::<7, 5, 2>();
    let same = Conv2d::<7, 5, 2, 3, 4, 2, 2, 2, 4, 3, Same>::new(ohwi(), bias());
    assert_eq!(run(&same, &x), reference::CONV2D_SAME);
    let valid = Conv2d::<7, 5, 2, 3, 4, 2, 2, 2, 2, 2, Valid>::new(ohwi(), bias());
    assert_eq!(run(&valid, &x), reference::CONV2D_VALID);

    let seq = image::<1, 9, 2>()[0];
    // A 1-D kernel is a 2-D kernel of height 1.
    let k1 = ohwi::<2, 1, 4, 2>().map(|[row]| row);
    let conv1d = Conv1d::<9, 2, 2, 4, 2, 5, Same>::new(k1, bias());
    assert_eq!(run(&conv1d, &seq), reference::CONV1D_SAME);

    let dw_kernel: [[[f32; 2]; 4]; 3] = core::array::from_fn(|a| {
        core::array::from_fn(|b| {
            core::array::from_fn(|c| ((5 * a + 3 * b + 7 * c) % 9) as f32 / 8.0 - 0.5)
        })
    });
    let dw = DepthwiseConv2d::<7, 5, 2, 3, 4, 2, 1, 4, 5, Same>::new(dw_kernel, bias());
    assert_eq!(run(&dw, &x), reference::DEPTHWISE_SAME);

    // The same kernel handed over in Keras' HWIO layout.
    let mut hwio = [[[[0.0; 3]; 2]; 2]; 4];
    for (o, filter) in ohwi::<3, 4, 2, 2>().iter().enumerate() {
        for (a, row) in filter.iter().enumerate() {
            for (b, tap) in row.iter().enumerate() {
                for (i, &w) in tap.iter().enumerate() {
                    hwio[a][b][i][o] = w;
                }
            }
        }
    }
    let keras = Conv2d::<7, 5, 2, 3, 4, 2, 2, 2, 4, 3, Same>::from_keras(&hwio, bias());
    assert_eq!(keras, same);
}

#[test]
fn pools_match_tensorflow() {
    let x = image::<7, 5, 2>();
    assert_eq!(
        run(&MaxPool2d::<3, 3, 2, 2, 4, 3, Same>::new(), &x),
        reference::MAXPOOL_SAME
    );
    assert_eq!(
        run(&MaxPool2d::<2, 2, 2, 2, 3, 2>::new(), &x),
        reference::MAXPOOL_VALID
    );
    let close = |a: &[f32], b: &[f32]| a.iter().zip(b).all(|(a, b)| (a - b).abs() <= 1e-6);
    let avg_same = run(&AvgPool2d::<3, 3, 2, 2, 4, 3, Same>::new(), &x);
    assert!(close(avg_same.flat(), reference::AVGPOOL_SAME.flat()));
    let avg_valid = run(&AvgPool2d::<2, 2, 2, 2, 3, 2>::new(), &x);
    assert!(close(avg_valid.flat(), reference::AVGPOOL_VALID.flat()));
}

#[test]
fn small_cnn_end_to_end() {
    type Cnn = (
        Conv2d<6, 6, 2, 4, 3, 3, 1, 1, 6, 6, Same>,
        Relu,
        MaxPool2d<2, 2, 2, 2, 3, 3>,
        Flatten<36>,
        Dense<36, 3>,
    );
    const _: () = embednn::check::<Cnn>();
    let mut rng = Rng::seed(18);
    let model = Cnn::init(Initializer::HeUniform, &mut rng);
    let x: [[[f32; 2]; 6]; 6] = random_tensor(&mut rng, 1.0, 0.1);
    let report = check_layer(&model, &x, 1e-3, 7);
    assert_eq!(report.param_errors.len(), 4, "two kernels, two biases");
    // h small enough that no ReLU input crosses zero and no max-pool winner changes.
    assert_layer(
        "Conv2d → Relu → MaxPool2d → Flatten → Dense",
        &model,
        &x,
        1e-3,
    );
}

#[test]
fn ds_cnn_and_sequence_models_end_to_end() {
    // A miniature DS-CNN: 10×4 conv, stride 2, "same"; depthwise 3×3; pointwise 1×1; average.
    type DsCnn = (
        Conv2d<12, 6, 1, 3, 10, 4, 2, 2, 6, 3, Same>,
        Tanh,
        DepthwiseConv2d<6, 3, 3, 3, 3, 1, 1, 6, 3, Same>,
        Tanh,
        Conv2d<6, 3, 3, 4, 1, 1, 1, 1, 6, 3>,
        AvgPool2d<2, 3, 2, 1, 3, 1>,
        GlobalAvgPool,
        Dense<4, 2>,
    );
    const _: () = embednn::check::<DsCnn>();
    let mut rng = Rng::seed(19);
    let model = DsCnn::init(Initializer::Uniform(0.5), &mut rng);
    assert_layer("DS-CNN", &model, &random_tensor(&mut rng, 1.0, 0.0), H);

    // Sensor-window model: Conv1d → Tanh → Dropout → MaxPool1d → Conv1d → GlobalAvgPool → Dense.
    type Sensor = (
        Conv1d<16, 3, 4, 5, 1, 16, Same>,
        Tanh,
        Dropout<200>,
        MaxPool1d<2, 2, 8>,
        Conv1d<8, 4, 4, 3, 2, 3>,
        GlobalAvgPool,
        Dense<4, 2>,
    );
    const _: () = embednn::check::<Sensor>();
    let model = Sensor::init(Initializer::GlorotUniform, &mut rng);
    let x: [[f32; 3]; 16] = distinct(&mut rng);
    // The error of an f32 central difference grows like 1/h (1.2e-3 at h = 1e-3 here) and a
    // max-pool winner flips at h = 3e-2; h = 1e-2 is clear of both (1e-4).
    assert_layer("Conv1d sensor model", &model, &x, H);
}

#[test]
fn cnn_trains_and_reports_its_costs() {
    type Net = (
        Conv2d<4, 4, 1, 2, 2, 2, 2, 2, 2, 2>,
        Tanh,
        Dropout<100>,
        Flatten<8>,
        Dense<8, 1>,
    );
    let mut rng = Rng::seed(20);
    let mut net = Net::init(Initializer::GlorotUniform, &mut rng);
    let xs: [[[[f32; 1]; 4]; 4]; 4] = core::array::from_fn(|i| {
        core::array::from_fn(|h| core::array::from_fn(|w| [((i + h * w) % 3) as f32 - 1.0]))
    });
    let ys = [[1.0], [-1.0], [0.5], [0.0]];
    let mut trainer = Trainer::<Net, _, _>::new(Mse, Adam::new(0.02));
    let first = trainer.train_batch(&mut net, &xs, &ys, &mut rng).unwrap();
    for _ in 0..200 {
        trainer.train_batch(&mut net, &xs, &ys, &mut rng).unwrap();
    }
    let last = trainer.train_batch(&mut net, &xs, &ys, &mut rng).unwrap();
    assert!(last < first / 4.0, "loss {first} → {last}");

    assert_eq!(Net::PARAMS, 2 * 2 * 2 + 2 + 8 + 1);
    assert_eq!(Net::MACS, 2 * 2 * 2 * 2 * 2 + 8);
    // A convolution needs five windows of scratch memory (3×3×3 floats each: four side by
    // side, one for the last pixels); a 1×1 convolution, a depthwise convolution and pooling
    // none.
    type Image = [[[f32; 3]; 8]; 8];
    assert_eq!(
        <Conv2d<8, 8, 3, 4, 3, 3, 1, 1, 8, 8, Same> as Layer<Image>>::FORWARD_BYTES,
        5 * 3 * 3 * 3 * 4
    );
    assert_eq!(
        <Conv2d<8, 8, 3, 4, 1, 1, 1, 1, 8, 8> as Layer<Image>>::FORWARD_BYTES,
        0
    );
    assert_eq!(
        <Conv2d<8, 8, 3, 4, 3, 3, 1, 1, 8, 8, Same> as Layer<Image>>::BACKWARD_BYTES,
        0
    );
    assert_eq!(
        <DepthwiseConv2d<8, 8, 3, 3, 3, 2, 2, 4, 4, Same> as Layer<Image>>::FORWARD_BYTES,
        0
    );
    assert_eq!(
        <MaxPool2d<2, 2, 2, 2, 4, 4> as Layer<Image>>::BACKWARD_BYTES,
        0
    );
    let mut kinds = Vec::new();
    Net::layers(&mut |info| kinds.push((info.kind, info.dims.to_vec())));
    assert_eq!(
        kinds,
        [
            ("Conv2d", vec![4, 4, 1, 2, 2, 2, 2, 2, 2, 2, 0]),
            ("Tanh", vec![]),
            ("Dropout", vec![100]),
            ("Flatten", vec![8]),
            ("Dense", vec![8, 1]),
        ]
    );
}
