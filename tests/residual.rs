//! Residual blocks in models: training (the core `Trainer`, the layer-major `BatchTrainer` and the
//! host trainer's `fit`), parameters, descriptions and the summary, serde, codegen and the model
//! file.

use embednn::codegen::{write_static, ToRust};
use embednn::prelude::*;
use embednn::Gradient;
use embednn::{Add, AnyModel, LayerInfo, ModelInfo, Residual};
use host_trainer::{FitOptions, Sequential, Validation, Verbosity};

type Block = Residual<(Dense<4, 8>, Relu, Dense<8, 4>)>;
type Branches = Add<(Dense<4, 6>, Tanh, Dense<6, 3>), Dense<4, 3>>;
type Net = (Dense<2, 4>, Relu, Block, Relu, Branches, Dense<3, 1>);
embednn::check!(Net);

/// y = sin(x0) + x1² on [-1, 1]².
fn data(n: usize) -> (Vec<[f32; 2]>, Vec<[f32; 1]>) {
    let mut rng = Rng::seed(5);
    let x: Vec<[f32; 2]> = (0..n)
        .map(|_| [rng.uniform(-1.0, 1.0), rng.uniform(-1.0, 1.0)])
        .collect();
    let y = x.iter().map(|v| [v[0].sin() + v[1] * v[1]]).collect();
    (x, y)
}

fn mse(model: &Net, x: &[[f32; 2]], y: &[[f32; 1]]) -> f32 {
    x.iter()
        .zip(y)
        .map(|(x, y)| (model.predict(x)[0] - y[0]).powi(2))
        .sum::<f32>()
        / x.len() as f32
}

#[test]
fn sizes_and_parameters_are_the_branches() {
    assert_eq!(<Block as Params>::PARAMS, (4 * 8 + 8) + (8 * 4 + 4));
    assert_eq!(
        <Branches as Params>::PARAMS,
        (4 * 6 + 6) + (6 * 3 + 3) + (4 * 3 + 3)
    );
    assert_eq!(Net::PARAMS, 12 + 76 + 66 + 4);
    assert_eq!(Net::TRAINABLE, Net::PARAMS);
    assert_eq!(<Block as Layer<[f32; 4]>>::MACS, 32 + 32);
    assert_eq!(<Net as Layer<[f32; 2]>>::DEPTH, 2 + 4 + 1 + 5 + 1);
    // Gradient and optimizer state cover exactly the trainable parameters.
    assert_eq!(<Gradient<Net> as Buffer>::LEN, Net::PARAMS);
    // A frozen block has no gradient.
    type FrozenBlock = (Dense<2, 4>, Frozen<Block>, Dense<4, 1>);
    assert_eq!(FrozenBlock::TRAINABLE, 12 + 5);
}

#[test]
fn forward_is_the_input_plus_the_block() {
    let mut rng = Rng::seed(1);
    let block = Block::init(Initializer::GlorotUniform, &mut rng);
    let x = [0.5, -1.0, 2.0, 0.25];
    let inner = block.0.predict(&x);
    let y: [f32; 4] = {
        let mut y = [0.0; 4];
        block.forward(&x, &mut y);
        y
    };
    for i in 0..4 {
        assert_eq!(y[i], x[i] + inner[i]);
    }
    let branches = Branches::init(Initializer::GlorotUniform, &mut rng);
    let (a, b) = (branches.0.predict(&x), branches.1.predict(&x));
    let mut y = [0.0; 3];
    branches.forward(&x, &mut y);
    for i in 0..3 {
        assert_eq!(y[i], a[i] + b[i]);
    }
}

#[test]
fn the_core_trainer_and_the_batch_trainer_learn() {
    let (x, y) = data(128);
    let mut rng = Rng::seed(2);
    let start = Net::init(Initializer::HeUniform, &mut rng);
    let before = mse(&start, &x, &y);

    let mut model = start;
    let mut trainer = Trainer::<Net, _, _>::new(Mse, Adam::new(0.01));
    for _ in 0..150 {
        for (bx, by) in x.chunks(16).zip(y.chunks(16)) {
            trainer.train_batch(&mut model, bx, by, &mut rng).unwrap();
        }
    }
    let after = mse(&model, &x, &y);
    assert!(after < before / 10.0, "Trainer: MSE {before} → {after}");

    // Layer-major training computes the same gradients for a model without batch coupling.
    let mut a = start;
    let mut b = start;
    let mut per_sample = Trainer::<Net, _, _>::new(Mse, Sgd::new(0.05));
    let mut layer_major = BatchTrainer::<Net, _, _, 16>::new(Mse, Sgd::new(0.05));
    for (bx, by) in x.chunks(16).zip(y.chunks(16)).take(4) {
        per_sample
            .train_batch(&mut a, bx, by, &mut Rng::seed(0))
            .unwrap();
        let (bx, by) = (bx.try_into().unwrap(), by.try_into().unwrap());
        layer_major.train_batch(&mut b, bx, by, &mut Rng::seed(0));
    }
    let (mut pa, mut pb) = (Vec::new(), Vec::new());
    a.for_each_param(&mut |_, v| pa.extend_from_slice(v));
    b.for_each_param(&mut |_, v| pb.extend_from_slice(v));
    for (i, (p, q)) in pa.iter().zip(&pb).enumerate() {
        assert!(
            (p - q).abs() <= 1e-5 * p.abs().max(1.0),
            "parameter {i}: {p} vs {q}"
        );
    }
}

#[test]
fn batch_norm_inside_a_block_trains_with_the_batch_trainer() {
    type BnNet = (
        Dense<2, 4>,
        Residual<(Dense<4, 4>, BatchNorm<4>, Relu, Dense<4, 4>)>,
        Relu,
        Dense<4, 1>,
    );
    let (x, y) = data(128);
    let mut rng = Rng::seed(3);
    let mut model = BnNet::init(Initializer::HeUniform, &mut rng);
    let loss = |m: &BnNet| {
        x.iter()
            .zip(&y)
            .map(|(x, y)| (m.predict(x)[0] - y[0]).powi(2))
            .sum::<f32>()
            / x.len() as f32
    };
    let before = loss(&model);
    let mut trainer = BatchTrainer::<BnNet, _, _, 16>::new(Mse, Adam::new(0.01));
    for _ in 0..150 {
        for (bx, by) in x.chunks(16).zip(y.chunks(16)) {
            let (bx, by) = (bx.try_into().unwrap(), by.try_into().unwrap());
            trainer.train_batch(&mut model, bx, by, &mut rng);
        }
    }
    let after = loss(&model);
    assert!(after < before / 5.0, "BatchTrainer: MSE {before} → {after}");
    // The moving statistics moved.
    assert_ne!(((model.1).0).1.moving_var, [1.0; 4]);
}

#[test]
fn the_host_trainer_fits_a_residual_model() {
    let (x, y) = data(256);
    let mut model = Sequential::<Net>::new(42).compile(Adam::new(0.01), Mse);
    let history = model
        .fit(
            &x,
            &y,
            FitOptions {
                epochs: 60,
                batch_size: 16,
                validation: Validation::Split(0.2),
                verbose: Verbosity::Silent,
                ..Default::default()
            },
        )
        .unwrap();
    let first = history.epochs.first().unwrap().loss;
    let last = history.epochs.last().unwrap().loss;
    assert!(last < first / 5.0, "fit: loss {first} → {last}");
    let summary = model.summary();
    assert!(summary.contains("Residual"), "{summary}");
    assert!(summary.contains("Add"), "{summary}");
}

#[test]
fn describe_lists_each_combinator_before_its_branches() {
    let mut layers: Vec<LayerInfo> = Vec::new();
    Net::layers(&mut |l| layers.push(l));
    let kinds: Vec<&str> = layers.iter().map(|l| l.kind).collect();
    assert_eq!(
        kinds,
        [
            "Dense", "ReLU", "Residual", "Dense", "ReLU", "Dense", "ReLU", "Add", "Dense", "Tanh",
            "Dense", "Dense", "Dense"
        ]
    );
    assert_eq!(layers[2].dims, &[3]);
    assert_eq!(layers[2].output_shape, &[4]);
    assert_eq!(layers[7].dims, &[3, 1]);
    assert_eq!(layers[7].output_shape, &[3]);
    // The rows' parameters and MACs add up to the model's.
    assert_eq!(layers.iter().map(|l| l.params).sum::<usize>(), Net::PARAMS);
    assert_eq!(layers.iter().map(|l| l.macs).sum::<usize>(), Net::MACS);
    let mut table = String::new();
    embednn::summary::write_summary::<Net>(&mut table).unwrap();
    assert!(table.contains("Residual"), "{table}");
}

#[test]
fn serde_codegen_and_the_model_file_round_trip() {
    let model = Net::init(Initializer::GlorotUniform, &mut Rng::seed(9));
    // postcard: exactly the parameters' bytes.
    let mut buf = vec![0u8; 4 * Net::PARAMS];
    let bytes = postcard::to_slice(&model, &mut buf).unwrap();
    assert_eq!(bytes.len(), 4 * Net::PARAMS);
    assert_eq!(postcard::from_bytes::<Net>(bytes).unwrap(), model);

    // codegen: the combinators' constructors around their branches.
    let mut src = String::new();
    model.2.write_rust(&mut src).unwrap();
    assert!(
        src.starts_with("embednn::Residual((embednn::Dense {"),
        "{src}"
    );
    let mut src = String::new();
    write_static(&mut src, "MODEL", "Net", &model).unwrap();
    assert!(src.contains("embednn::Add((embednn::Dense {"), "{src}");

    // The model file: saved and loaded through the typed model, bit for bit.
    let mut file = vec![0u8; ModelFile::<Net>::MAX_BYTES];
    let n = ModelFile::write(&model, &Preprocessing::default(), &mut file).unwrap();
    let mut loaded = Net::init(Initializer::Zeros, &mut Rng::seed(0));
    ModelFile::load_into(&mut loaded, &file[..n]).unwrap();
    assert_eq!(loaded, model);

    // A file of another structure (the block's depth differs) is refused.
    type Other = (
        Dense<2, 4>,
        Relu,
        Residual<(Dense<4, 8>, Relu, Dense<8, 4>, Relu)>,
        Relu,
        Branches,
        Dense<3, 1>,
    );
    let mut other = Other::init(Initializer::Zeros, &mut Rng::seed(0));
    assert!(ModelFile::load_into(&mut other, &file[..n]).is_err());

    // AnyModel does not run residual connections yet: a typed error naming the layer.
    let info = ModelInfo::parse(&file[..n]).unwrap();
    let params: Vec<f32> = info.params.iter().collect();
    let Err(err) = AnyModel::new(&info, &params) else {
        panic!("AnyModel refuses residuals");
    };
    let message = err.to_string();
    assert!(message.contains("Residual"), "{message}");
}
