//! Host side of the benchmark build: each model as a `static` (weights in flash) and an input,
//! one generated file per model so each binary links only its own. Sine and digits use the
//! committed model files; the other models get seeded random weights (timing does not depend on
//! the values).

use embednn::codegen::ToRust;
use embednn_models::{DigitsMlp, Iris, KerasTutorial, Sine};
use firmware_common::autoencoder::{self, Autoencoder};
use firmware_common::gen::{self, Build};

fn main() {
    let b = Build::new();
    b.memory_x();

    let (sine, _) = b.load::<Sine>(&b.input("../models/sine.ennm"), "sine.ennm");
    emit(&b, "sine", "embednn_models::Sine", &sine, [1.0]);
    let (digits, _) = b.load::<DigitsMlp>(&b.input("../models/digits.ennm"), "digits.ennm");
    emit(
        &b,
        "digits",
        "embednn_models::DigitsMlp",
        &digits,
        input::<64>(),
    );
    let keras: KerasTutorial = gen::random_model(1);
    emit(
        &b,
        "keras_tutorial",
        "embednn_models::KerasTutorial",
        &keras,
        input::<2>(),
    );
    let iris: Iris = gen::random_model(2);
    emit(&b, "iris", "embednn_models::Iris", &iris, input::<4>());
    let ae: Box<Autoencoder> = Box::new(gen::random_model(autoencoder::SEED));
    emit(
        &b,
        "autoencoder",
        "firmware_common::autoencoder::Autoencoder",
        &*ae,
        input::<640>(),
    );
}

/// A seeded input in [-1, 1).
fn input<const I: usize>() -> [f32; I] {
    gen::random_inputs::<I>(7, 1).pop().expect("one input")
}

fn emit<M: ToRust, const I: usize>(b: &Build, name: &str, ty: &str, model: &M, x: [f32; I]) {
    let mut src = gen::static_model("MODEL", ty, model);
    src += &format!("pub static INPUT: [f32; {I}] = [");
    for v in x {
        src += &format!("f32::from_bits({:#010x}), ", v.to_bits());
    }
    src += "];\n";
    b.write(&format!("{name}.rs"), src.as_bytes());
}
