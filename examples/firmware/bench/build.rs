//! Host side of the benchmark build: each model as a `static` (weights in flash) and an input,
//! one generated file per model so each binary links only its own. Sine, digits and the two
//! example CNNs use the committed model files; the other models get seeded random weights
//! (timing does not depend on the values), the DS-CNN random batch-norm statistics folded here.

use embednn::codegen::ToRust;
use embednn::format::ModelInfo;
use embednn::Tensor;
use embednn_models::ds_cnn::{self, DsCnn, DsCnnTraining};
use embednn_models::gestures::{labelled, TEST_SEED};
use embednn_models::{DigitsCnn, DigitsMlp, GestureCnn, Iris, KerasTutorial, Sine};
use firmware_common::autoencoder::{self, Autoencoder};
use firmware_common::finetune;
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
    // The CNNs: the committed model files; a held-out digit (scaled as the model file says) and
    // a test window of the gesture generator.
    let (cnn, bytes) =
        b.load::<DigitsCnn>(&b.input("../models/digits_cnn.ennm"), "digits_cnn.ennm");
    let info = ModelInfo::parse(&bytes).expect("checked by load");
    let (mean, std): (Vec<f32>, Vec<f32>) = (info.mean.iter().collect(), info.std.iter().collect());
    let digits = gen::held_out_digits(&b.input("../../../data/digits.csv"));
    let Some((_, digit)) = digits.first() else {
        gen::fail("data/digits.csv has no held-out rows".into())
    };
    emit(
        &b,
        "digits_cnn",
        "embednn_models::DigitsCnn",
        &cnn,
        finetune::image(digit, &mean, &std),
    );
    let (gestures, _) = b.load::<GestureCnn>(&b.input("../models/gestures.ennm"), "gestures.ennm");
    emit(
        &b,
        "gestures",
        "embednn_models::GestureCnn",
        &gestures,
        labelled(TEST_SEED, 0).1,
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
    // DS-CNN: random weights and batch-norm statistics, folded here on the host as a trained
    // model would be before deployment.
    let trained: Box<DsCnnTraining> = Box::new(ds_cnn::random_training_model(ds_cnn::BENCH_SEED));
    let folded: Box<DsCnn> = Box::new(ds_cnn::fold(&trained));
    emit(
        &b,
        "ds_cnn",
        "embednn_models::ds_cnn::DsCnn",
        &*folded,
        ds_cnn::random_features(7),
    );
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

/// Writes `OUT_DIR/{name}.rs`: `MODEL` (the model as a `static` of type `ty`) and `INPUT`.
fn emit<M: ToRust, X: Tensor>(b: &Build, name: &str, ty: &str, model: &M, x: X) {
    let mut src = gen::static_model("MODEL", ty, model);
    src += &gen::static_tensor("INPUT", &x);
    b.write(&format!("{name}.rs"), src.as_bytes());
}
