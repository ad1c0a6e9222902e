//! GRU, LSTM and Embedding against Keras on fixed weights and inputs.
//!
//! `scripts/recurrent_reference.py` (run by hand) builds the Keras layers with seeded weights,
//! runs seeded inputs and writes `tests/reference/recurrent/*.json`: the weights as
//! `get_weights()` returns them (flattened row-major), the inputs, and both outputs
//! (`return_sequences=False` and `True`). Here the weights go into the Rust layers through
//! `from_keras` (the element-for-element mapping) and the outputs are compared.
//!
//! Agreement: every output within `1e-5` relative to `max(|keras|, 0.1)`: the states are bounded
//! by 1, and one whose magnitude is near 0 comes from cancellation (`z·h + (1 − z)·n`), where f32
//! rounding in a different summation order (Keras' matrix products) is larger relative to the
//! value, so such values are held to `1e-6` absolute instead. The worst figures, and the plain
//! relative error over values of magnitude at least 1e-3, are printed with `--nocapture`. The
//! embedding is a copy: equal to the bit.

use embednn::prelude::*;
use serde_json::Value;

const RELATIVE: f64 = 1e-5;
const FLOOR: f64 = 0.1;

fn load(name: &str) -> Value {
    let path = format!(
        "{}/tests/reference/recurrent/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn floats(v: &Value) -> Vec<f32> {
    v.as_array()
        .expect("an array")
        .iter()
        .map(|x| x.as_f64().expect("a number") as f32)
        .collect()
}

fn rows(v: &Value) -> Vec<Vec<f32>> {
    v.as_array().expect("an array").iter().map(floats).collect()
}

/// Worst `|ours − keras| / max(|keras|, FLOOR)`, worst plain relative difference (values of
/// magnitude 1e-3 and more) and worst absolute difference.
#[derive(Default, Debug)]
struct Agreement {
    relative: f64,
    plain: f64,
    absolute: f64,
    values: usize,
}

impl Agreement {
    fn add(&mut self, ours: &[f32], keras: &[f32]) {
        assert_eq!(ours.len(), keras.len());
        for (&a, &b) in ours.iter().zip(keras) {
            let (a, b) = (f64::from(a), f64::from(b));
            let diff = (a - b).abs();
            self.absolute = self.absolute.max(diff);
            self.relative = self.relative.max(diff / b.abs().max(FLOOR));
            if b.abs() >= 1e-3 {
                self.plain = self.plain.max(diff / b.abs());
            }
            self.values += 1;
        }
    }
}

impl Agreement {
    fn show(&self) -> String {
        format!(
            "worst relative {:.2e} (plain {:.2e}), absolute {:.2e} over {} values",
            self.relative, self.plain, self.absolute, self.values
        )
    }
}

fn check<const L: usize, const C: usize, const U: usize, Last, Seq>(
    name: &str,
    last: Last,
    sequences: Seq,
) where
    Last: Layer<[[f32; C]; L], Output = [f32; U]>,
    Seq: Layer<[[f32; C]; L], Output = [[f32; U]; L]>,
{
    let case = load(name);
    assert_eq!(case["steps"], L);
    assert_eq!(case["channels"], C);
    assert_eq!(case["units"], U);
    let inputs = rows(&case["inputs"]);
    let (want_last, want_seq) = (rows(&case["last"]), rows(&case["sequences"]));
    let (mut a_last, mut a_seq) = (Agreement::default(), Agreement::default());
    for ((x, wl), ws) in inputs.iter().zip(&want_last).zip(&want_seq) {
        let x = <[[f32; C]; L]>::from_slice(x).expect("input length");
        let mut y = [0.0; U];
        last.forward(&x, &mut y);
        a_last.add(&y, wl);
        let mut ys = [[0.0; U]; L];
        sequences.forward(&x, &mut ys);
        a_seq.add(ys.as_flattened(), ws);
    }
    println!(
        "{name} (Keras {}): last state {}; sequences {}",
        case["keras"],
        a_last.show(),
        a_seq.show()
    );
    assert!(a_last.values > 0 && a_seq.values > 0);
    assert!(a_last.relative <= RELATIVE, "{name} last: {a_last:?}");
    assert!(a_seq.relative <= RELATIVE, "{name} sequences: {a_seq:?}");
}

fn weights(name: &str) -> (Vec<f32>, Vec<f32>, Vec<f32>) {
    let case = load(name);
    (
        floats(&case["kernel"]),
        floats(&case["recurrent_kernel"]),
        floats(&case["bias"]),
    )
}

#[test]
fn gru_matches_keras() {
    let (k, r, b) = weights("gru");
    check::<6, 3, 4, _, _>(
        "gru",
        Gru::<6, 3, 4>::from_keras(&k, &r, &b).unwrap(),
        Gru::<6, 3, 4, ReturnSequences>::from_keras(&k, &r, &b).unwrap(),
    );
    let (k, r, b) = weights("gru_long");
    check::<20, 5, 8, _, _>(
        "gru_long",
        Gru::<20, 5, 8>::from_keras(&k, &r, &b).unwrap(),
        Gru::<20, 5, 8, ReturnSequences>::from_keras(&k, &r, &b).unwrap(),
    );
}

#[test]
fn lstm_matches_keras() {
    let (k, r, b) = weights("lstm");
    check::<6, 3, 4, _, _>(
        "lstm",
        Lstm::<6, 3, 4>::from_keras(&k, &r, &b).unwrap(),
        Lstm::<6, 3, 4, ReturnSequences>::from_keras(&k, &r, &b).unwrap(),
    );
    let (k, r, b) = weights("lstm_long");
    check::<20, 5, 8, _, _>(
        "lstm_long",
        Lstm::<20, 5, 8>::from_keras(&k, &r, &b).unwrap(),
        Lstm::<20, 5, 8, ReturnSequences>::from_keras(&k, &r, &b).unwrap(),
    );
}

#[test]
fn embedding_matches_keras_exactly() {
    let case = load("embedding");
    assert_eq!(
        (&case["vocabulary"], &case["dim"], &case["length"]),
        (&Value::from(12), &Value::from(5), &Value::from(7))
    );
    let table = floats(&case["embeddings"]);
    let mut layer = Embedding::<12, 5, 7>::ZERO;
    layer.embeddings.as_flattened_mut().copy_from_slice(&table);
    let ids = rows(&case["ids"]);
    let outputs = rows(&case["outputs"]);
    assert_eq!(ids.len(), 4);
    for (x, want) in ids.iter().zip(&outputs) {
        let x = <[f32; 7]>::from_slice(x).unwrap();
        let y: [[f32; 5]; 7] = layer.predict(&x);
        let bits = |v: &[f32]| v.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(y.as_flattened()), bits(want));
    }
}
