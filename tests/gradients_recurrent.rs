//! Recurrent and sequence layers: the backward pass through time against central finite
//! differences, for every parameter array and the input, in both output modes (last state and
//! whole sequence), alone, stacked, and in models with `Embedding`, `Dropout` and `Dense`.

mod common;

use common::{check_batch, check_layer, random_tensor, Report};
use embednn::prelude::*;

const TOLERANCE: f64 = 1e-3;
const H: f32 = 1e-2;

fn assert_report(name: &str, report: &Report, params: usize) {
    assert_eq!(
        report.param_errors.len(),
        params,
        "{name}: parameter arrays"
    );
    assert!(
        report.worst() < TOLERANCE,
        "{name}: relative error {:.2e} (input {:.2e}, params {:?}) over {} scalars",
        report.worst(),
        report.input_error,
        report.param_errors,
        report.checked
    );
}

/// Checks the layer on one sample and (through the layer-major pass the trainers use) on a
/// batch of three; `kernel`, `recurrent_kernel` and `bias` are each checked.
fn assert_recurrent<X: Tensor, L: Layer<X> + Clone>(name: &str, layer: &L, rng: &mut Rng) {
    let x: X = random_tensor(rng, 1.0, 0.0);
    let report = check_layer(layer, &x, H, 7);
    assert_eq!(report.checked, X::LEN + L::TRAINABLE, "{name}");
    assert_report(name, &report, 3);
    let xs: Vec<X> = (0..3).map(|_| random_tensor(rng, 1.0, 0.0)).collect();
    assert_report(&format!("{name} (batch)"), &check_batch(layer, &xs, H), 3);
}

#[test]
fn gru_both_output_modes() {
    let mut rng = Rng::seed(21);
    let last = Gru::<6, 3, 4>::init(Initializer::GlorotUniform, &mut rng);
    assert_recurrent::<[[f32; 3]; 6], _>("GRU last state", &last, &mut rng);
    // Non-zero biases on both sides, so the recurrent bias's place (before the reset gate
    // multiplies) matters to the gradient.
    let mut seq = Gru::<6, 3, 4, ReturnSequences>::init(Initializer::GlorotUniform, &mut rng);
    for b in seq.bias.as_flattened_mut().as_flattened_mut() {
        *b = rng.uniform(-0.5, 0.5);
    }
    assert_recurrent::<[[f32; 3]; 6], _>("GRU sequences", &seq, &mut rng);
    // One step, one unit, one channel: the edges of every loop.
    let tiny = Gru::<1, 1, 1, ReturnSequences>::init(Initializer::Uniform(1.0), &mut rng);
    assert_recurrent::<[[f32; 1]; 1], _>("GRU 1×1×1", &tiny, &mut rng);
}

#[test]
fn lstm_both_output_modes() {
    let mut rng = Rng::seed(22);
    let last = Lstm::<6, 3, 4>::init(Initializer::GlorotUniform, &mut rng).unit_forget_bias();
    assert_recurrent::<[[f32; 3]; 6], _>("LSTM last state", &last, &mut rng);
    let mut seq = Lstm::<6, 3, 4, ReturnSequences>::init(Initializer::GlorotUniform, &mut rng);
    for b in seq.bias.as_flattened_mut() {
        *b = rng.uniform(-0.5, 0.5);
    }
    assert_recurrent::<[[f32; 3]; 6], _>("LSTM sequences", &seq, &mut rng);
    let tiny = Lstm::<1, 1, 1>::init(Initializer::Uniform(1.0), &mut rng);
    assert_recurrent::<[[f32; 1]; 1], _>("LSTM 1×1×1", &tiny, &mut rng);
}

#[test]
fn long_sequences() {
    // Twenty steps: the gradient of the first input has gone back through nineteen states.
    let mut rng = Rng::seed(23);
    let gru = Gru::<20, 2, 3>::init(Initializer::GlorotUniform, &mut rng);
    assert_recurrent::<[[f32; 2]; 20], _>("GRU 20 steps", &gru, &mut rng);
    let lstm = Lstm::<20, 2, 3>::init(Initializer::GlorotUniform, &mut rng);
    assert_recurrent::<[[f32; 2]; 20], _>("LSTM 20 steps", &lstm, &mut rng);
}

#[test]
fn embedding_table() {
    // Ids are not differentiable (the input gradient is zero by definition and a step of the
    // id leaves the token), so only the table is checked; ids repeat and one is out of range.
    let mut rng = Rng::seed(24);
    let table = Embedding::<5, 3, 6>::init(Initializer::GlorotUniform, &mut rng);
    let ids = [1.0, 4.0, 1.0, 0.0, 9.0, 4.0];
    let report = check_layer(&table, &ids, H, 7);
    assert_eq!(report.param_errors.len(), 1);
    assert!(report.param_errors[0] < TOLERANCE, "{report:?}");
}

/// A model's gradients with respect to every parameter array of every layer, on one sample and
/// on a batch.
fn assert_model<M: Model + Clone>(
    name: &str,
    model: &M,
    xs: &[M::Input],
    arrays: usize,
    input: bool,
) {
    let report = check_layer(model, &xs[0], H, 9);
    let batch = check_batch(model, xs, H);
    for (what, r) in [("sample", report), ("batch", batch)] {
        assert_eq!(r.param_errors.len(), arrays, "{name}: parameter arrays");
        let worst = r.param_errors.iter().copied().fold(0.0, f64::max);
        let worst = if input {
            worst.max(r.input_error)
        } else {
            worst
        };
        assert!(worst < TOLERANCE, "{name} ({what}): {r:?}");
    }
}

#[test]
fn models_with_recurrent_layers() {
    let mut rng = Rng::seed(25);
    // Stacked: a sequence-returning LSTM feeds a GRU, then a dense head.
    type Stacked = (Lstm<5, 2, 3, ReturnSequences>, Gru<5, 3, 4>, Dense<4, 2>);
    embednn::check!(Stacked);
    let m = Stacked::init(Initializer::GlorotUniform, &mut rng);
    let xs: Vec<_> = (0..3).map(|_| random_tensor(&mut rng, 1.0, 0.0)).collect();
    assert_model("LSTM → GRU → Dense", &m, &xs, 8, true);

    // Token ids in: embedding, GRU over the sequence, dropout (off without an rng draw
    // difference: the checker reseeds it identically), dense.
    type Tokens = (Embedding<7, 3, 5>, Gru<5, 3, 4>, Dropout<200>, Dense<4, 2>);
    embednn::check!(Tokens);
    let m = Tokens::init(Initializer::GlorotUniform, &mut rng);
    let xs: Vec<[f32; 5]> = (0..3)
        .map(|_| core::array::from_fn(|_| (rng.next_word() % 7) as f32))
        .collect();
    assert_model("Embedding → GRU → Dropout → Dense", &m, &xs, 6, false);

    // A per-step head on every state: Flatten of the whole sequence.
    type PerStep = (Gru<4, 2, 3, ReturnSequences>, Flatten<12>, Dense<12, 1>);
    embednn::check!(PerStep);
    let m = PerStep::init(Initializer::GlorotUniform, &mut rng);
    let xs: Vec<_> = (0..3).map(|_| random_tensor(&mut rng, 1.0, 0.0)).collect();
    assert_model("GRU sequences → Flatten → Dense", &m, &xs, 5, true);
}
