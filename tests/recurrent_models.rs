//! Recurrent layers in whole models: trained with the host trainer's `fit`, saved to and loaded
//! from a model file, printed as Rust for flash, summarized, and run from the file by `AnyModel`
//! with the typed model's bits.

use embednn::codegen::write_static;
use embednn::prelude::*;
use embednn::{AnyModel, ModelInfo};
use host_trainer::{FitOptions, Metric, Sequential, Validation, Verbosity};

/// Ten steps of two channels; the class is the channel with the larger sum, which a model can
/// only know by carrying a running sum through the sequence.
type SumGru = (Gru<10, 2, 8>, Dense<8, 2>);
embednn::check!(SumGru);

fn sum_task(rng: &mut Rng, n: usize) -> (Vec<[[f32; 2]; 10]>, Vec<[f32; 2]>) {
    let mut xs = Vec::new();
    let mut ys = Vec::new();
    for _ in 0..n {
        let x: [[f32; 2]; 10] =
            core::array::from_fn(|_| [rng.uniform(-1.0, 1.0), rng.uniform(-1.0, 1.0)]);
        let (a, b) = x
            .iter()
            .fold((0.0, 0.0), |(a, b), step| (a + step[0], b + step[1]));
        xs.push(x);
        ys.push(if a > b { [1.0, 0.0] } else { [0.0, 1.0] });
    }
    (xs, ys)
}

fn accuracy<Y: Tensor>(predicted: &[Y], targets: &[Y]) -> f64 {
    let right = predicted
        .iter()
        .zip(targets)
        .filter(|(p, t)| {
            if Y::LEN == 1 {
                (p.flat()[0] > 0.0) == (t.flat()[0] > 0.5)
            } else {
                p.argmax() == t.argmax()
            }
        })
        .count();
    right as f64 / targets.len() as f64
}

fn quiet(epochs: usize) -> FitOptions<'static> {
    FitOptions {
        epochs,
        batch_size: 32,
        validation: Validation::None,
        verbose: Verbosity::Silent,
        ..Default::default()
    }
}

#[test]
fn gru_learns_which_channel_sums_higher() {
    let mut rng = Rng::seed(31);
    let (x, y) = sum_task(&mut rng, 768);
    let (tx, ty) = sum_task(&mut rng, 256);
    let mut model = Sequential::<SumGru>::new(7)
        .compile(Adam::new(0.01), SoftmaxCrossEntropy)
        .with_metrics(&[Metric::Accuracy]);
    let before = accuracy(&model.predict(&tx), &ty);
    let history = model.fit(&x, &y, quiet(25)).unwrap();
    let losses: Vec<f64> = history.epochs.iter().map(|e| e.loss).collect();
    let after = accuracy(&model.predict(&tx), &ty);
    println!(
        "GRU sum task: loss {:.4} → {:.4}, held-out accuracy {before:.3} → {after:.3}",
        losses[0],
        losses[losses.len() - 1]
    );
    assert!(losses[losses.len() - 1] < 0.5 * losses[0], "{losses:?}");
    assert!(after >= 0.9, "held-out accuracy {after}");
}

/// Token ids in: is token 3 in the sequence? Embedding → LSTM → one logit.
type HasToken = (Embedding<8, 4, 6>, Lstm<6, 4, 8>, Dense<8, 1>);
embednn::check!(HasToken);

fn token_task(rng: &mut Rng, n: usize) -> (Vec<[f32; 6]>, Vec<[f32; 1]>) {
    let mut xs = Vec::new();
    let mut ys = Vec::new();
    for _ in 0..n {
        let x: [f32; 6] = core::array::from_fn(|_| (rng.next_word() % 8) as f32);
        ys.push([if x.contains(&3.0) { 1.0 } else { 0.0 }]);
        xs.push(x);
    }
    (xs, ys)
}

#[test]
fn embedding_and_lstm_learn_whether_a_token_occurs() {
    let mut rng = Rng::seed(32);
    let (x, y) = token_task(&mut rng, 768);
    let (tx, ty) = token_task(&mut rng, 256);
    let mut model =
        Sequential::<HasToken>::new(8).compile(Adam::new(0.01), BinaryCrossEntropyWithLogits);
    let history = model.fit(&x, &y, quiet(30)).unwrap();
    let losses: Vec<f64> = history.epochs.iter().map(|e| e.loss).collect();
    let after = accuracy(&model.predict(&tx), &ty);
    println!(
        "Embedding + LSTM token task: loss {:.4} → {:.4}, held-out accuracy {after:.3}",
        losses[0],
        losses[losses.len() - 1]
    );
    assert!(losses[losses.len() - 1] < 0.5 * losses[0], "{losses:?}");
    assert!(after >= 0.9, "held-out accuracy {after}");
}

#[test]
fn device_trainer_steps_reduce_the_loss() {
    // The no-heap `Trainer` (what runs on a device), a stacked model with both output modes.
    type Stacked = (Gru<10, 2, 6, ReturnSequences>, Lstm<10, 6, 6>, Dense<6, 2>);
    embednn::check!(Stacked);
    let mut rng = Rng::seed(33);
    let mut model = Stacked::init(Initializer::GlorotUniform, &mut rng);
    let mut trainer = Trainer::<Stacked, _, _>::new(SoftmaxCrossEntropy, Adam::new(0.01));
    let (x, y) = sum_task(&mut rng, 256);
    let mut first = None;
    let mut last = 0.0;
    for _ in 0..15 {
        let mut total = 0.0;
        for (xb, yb) in x.chunks(32).zip(y.chunks(32)) {
            total += trainer.train_batch(&mut model, xb, yb, &mut rng).unwrap();
        }
        first.get_or_insert(total);
        last = total;
    }
    let first = first.unwrap();
    assert!(last < 0.5 * first, "{first} → {last}");
}

type Everything = (
    Embedding<5, 3, 4>,
    Gru<4, 3, 2, ReturnSequences>,
    Lstm<4, 2, 2, ReturnSequences>,
    Gru<4, 2, 2>,
    Dense<2, 1>,
);
embednn::check!(Everything);

/// Distinct values whose shortest decimal forms are long (sevenths), in parameter order.
fn fill<M: Params>(model: &mut M) {
    let mut i = 0usize;
    model.for_each_param_mut(&mut |_, values| {
        for v in values {
            *v = ((i * 37) % 23) as f32 / 7.0 - 1.5;
            i += 1;
        }
    });
}

fn everything() -> Everything {
    let mut model = Everything::init(Initializer::GlorotUniform, &mut Rng::seed(0));
    fill(&mut model);
    model
}

#[test]
fn model_file_round_trip_and_descriptors() {
    let model = everything();
    let pre = Preprocessing::default();
    let mut buf = vec![0u8; ModelFile::<Everything>::MAX_BYTES];
    let n = ModelFile::write(&model, &pre, &mut buf).unwrap();
    let mut loaded = Everything::init(Initializer::Zeros, &mut Rng::seed(0));
    ModelFile::load_into(&mut loaded, &buf[..n]).unwrap();
    assert_eq!(loaded, model);

    let info = ModelInfo::parse(&buf[..n]).unwrap();
    let layers: Vec<String> = info.layers().map(|d| d.to_string()).collect();
    assert_eq!(
        layers,
        [
            "Embedding<5, 3, 4>",
            "GRU<4, 3, 2, 1>",
            "LSTM<4, 2, 2, 1>",
            "GRU<4, 2, 2, 0>",
            "Dense<2, 1>"
        ]
    );
    // A last-state GRU is another architecture than a sequence-returning one.
    type Other = (
        Embedding<5, 3, 4>,
        Gru<4, 3, 2, ReturnSequences>,
        Lstm<4, 2, 2, ReturnSequences>,
        Gru<4, 2, 2, ReturnSequences>,
        Flatten<8>,
        Dense<8, 1>,
    );
    let mut other = Other::init(Initializer::Zeros, &mut Rng::seed(0));
    assert!(ModelFile::load_into(&mut other, &buf[..n]).is_err());
}

/// Runs `model` typed and through `AnyModel` from its file on `inputs`: the outputs must be
/// equal to the bit.
fn any_model_matches<M: Model>(model: &M, inputs: &[M::Input]) {
    let mut buf = vec![0u8; ModelFile::<M>::MAX_BYTES];
    let n = ModelFile::write(model, &Preprocessing::default(), &mut buf).unwrap();
    let info = ModelInfo::parse(&buf[..n]).unwrap();
    let params: Vec<f32> = info.params.iter().collect();
    let any = AnyModel::new(&info, &params).unwrap();
    assert_eq!(any.input_len(), <M::Input as Buffer>::LEN);
    assert_eq!(any.output_len(), <Output<M> as Buffer>::LEN);
    assert_eq!(any.macs(), M::MACS);
    assert_eq!(any.param_count(), M::PARAMS);
    let mut scratch = vec![0.0; any.scratch_len()];
    for x in inputs {
        let want = model.predict(x);
        let mut got = vec![0.0; any.output_len()];
        any.forward(x.flat(), &mut scratch, &mut got).unwrap();
        let bits = |v: &[f32]| v.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&got), bits(want.flat()));
    }
}

#[test]
fn any_model_runs_recurrent_files_bit_for_bit() {
    let mut rng = Rng::seed(34);
    // Ids in and out of range, NaN and fractions included.
    let ids: Vec<[f32; 4]> = (0..20)
        .map(|i| match i {
            0 => [0.0, 4.0, 5.0, -1.0],
            1 => [f32::NAN, 2.5, 1.0, f32::INFINITY],
            _ => core::array::from_fn(|_| (rng.next_word() % 5) as f32),
        })
        .collect();
    any_model_matches(&everything(), &ids);

    type Last = (Lstm<7, 3, 5>, Dense<5, 2>, Softmax);
    type Seq = (
        Gru<7, 3, 4, ReturnSequences>,
        Lstm<7, 4, 3, ReturnSequences>,
        Flatten<21>,
        Dense<21, 1>,
    );
    let xs: Vec<[[f32; 3]; 7]> = (0..20)
        .map(|_| core::array::from_fn(|_| core::array::from_fn(|_| rng.uniform(-2.0, 2.0))))
        .collect();
    let mut last = Last::init(Initializer::GlorotUniform, &mut rng);
    last.0 = last.0.unit_forget_bias();
    any_model_matches(&last, &xs);
    any_model_matches(&Seq::init(Initializer::GlorotUniform, &mut rng), &xs);
}

/// `tests/reference/recurrent/everything.ennm`, the file `embednn-macros`' test compiles in with
/// `include_model!`, is what `everything()` writes (`EMBEDNN_BLESS=1` rewrites it).
#[test]
fn the_committed_file_is_what_the_model_writes() {
    let model = everything();
    let mut buf = vec![0u8; ModelFile::<Everything>::MAX_BYTES];
    let n = ModelFile::write(&model, &Preprocessing::default(), &mut buf).unwrap();
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/reference/recurrent/everything.ennm"
    );
    if std::env::var_os("EMBEDNN_BLESS").is_some() {
        std::fs::write(path, &buf[..n]).unwrap();
    }
    assert_eq!(std::fs::read(path).unwrap(), &buf[..n]);
}

#[test]
fn postcard_round_trip() {
    let model = everything();
    let mut buf = vec![0u8; 4 * Everything::PARAMS + 16];
    let bytes = postcard::to_slice(&model, &mut buf).unwrap();
    assert_eq!(bytes.len(), 4 * Everything::PARAMS);
    let back: Everything = postcard::from_bytes(bytes).unwrap();
    assert_eq!(back, model);
}

mod expected {
    use super::*;
    include!("reference/recurrent/everything.rs");
}

#[test]
fn codegen_compiles_to_the_same_bits() {
    let model = everything();
    let mut src = String::new();
    write_static(&mut src, "EVERYTHING", "Everything", &model).unwrap();
    assert_eq!(
        src,
        include_str!("reference/recurrent/everything.rs"),
        "regenerate tests/reference/recurrent/everything.rs if the change is intended"
    );
    assert_eq!(expected::EVERYTHING, model);
}

#[test]
fn summary_counts() {
    // Keras: GRU(2) on 3 channels has 3·2·(3 + 2) + 2·3·2 = 42 parameters; LSTM(2) on 2 has
    // 4·2·(2 + 2) + 4·2 = 40.
    assert_eq!(<Gru<4, 3, 2> as Params>::PARAMS, 42);
    assert_eq!(<Lstm<4, 2, 2> as Params>::PARAMS, 40);
    assert_eq!(<Embedding<5, 3, 4> as Params>::PARAMS, 15);
    assert_eq!(Everything::PARAMS, 15 + 42 + 40 + 36 + 3);
    assert_eq!(
        Everything::MACS,
        4 * 3 * 2 * (3 + 2) + 4 * 4 * 2 * (2 + 2) + 4 * 3 * 2 * (2 + 2) + 2
    );
    let mut table = String::new();
    embednn::summary::write_summary::<Everything>(&mut table).unwrap();
    assert!(table.contains("GRU<4, 3, 2, 1>"), "{table}");
    assert!(table.contains("[4, 2]"), "{table}");
    println!("{table}");
}
