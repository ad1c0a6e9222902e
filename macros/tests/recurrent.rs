//! `include_model!` with recurrent layers: `tests/reference/recurrent/everything.ennm` (an
//! Embedding, GRUs and an LSTM in both output modes, written by the root crate's
//! `tests/recurrent_models.rs`) compiled in, typed and untyped, equals the model the run-time
//! loader reads from the same bytes, parameter for parameter and output for output.

use embednn::prelude::*;
use embednn::{ModelFile, Params};
use embednn_macros::include_model;

type Everything = (
    Embedding<5, 3, 4>,
    Gru<4, 3, 2, ReturnSequences>,
    Lstm<4, 2, 2, ReturnSequences>,
    Gru<4, 2, 2>,
    Dense<2, 1>,
);

include_model!(static TYPED: Everything = "../tests/reference/recurrent/everything.ennm");
include_model!(RECURRENT_FILE = "../tests/reference/recurrent/everything.ennm");

const BYTES: &[u8] = include_bytes!("../../tests/reference/recurrent/everything.ennm");

fn bits<M: Params>(m: &M) -> Vec<u32> {
    let mut v = Vec::new();
    m.for_each_param(&mut |_, s| v.extend(s.iter().map(|x| x.to_bits())));
    v
}

#[test]
fn recurrent_file_compiles_to_its_model() {
    let mut loaded = Everything::init(Initializer::Zeros, &mut Rng::seed(0));
    ModelFile::load_into(&mut loaded, BYTES).unwrap();
    assert_eq!(bits(&TYPED), bits(&loaded));
    // The untyped expansion names the same type.
    let untyped: &Everything = &RECURRENT_FILE;
    assert_eq!(bits(untyped), bits(&loaded));
    for x in [[0.0, 1.0, 2.0, 3.0], [4.0, 4.0, -1.0, f32::NAN]] {
        let want = loaded.predict(&x);
        assert_eq!(TYPED.predict(&x)[0].to_bits(), want[0].to_bits());
        assert_eq!(RECURRENT_FILE.predict(&x)[0].to_bits(), want[0].to_bits());
    }
}
