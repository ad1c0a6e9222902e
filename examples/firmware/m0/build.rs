//! Host side of the build: the sine model (`$EMBEDNN_MODEL`, default `../models/sine.ennm`) and
//! the digits classifier as `static`s with golden outputs computed by the host build of the same
//! code. See `../m4f/build.rs`, which does the same and more. Then the int8 twins of the sine,
//! digits MLP, digits CNN and gesture CNN, quantized here (min/max calibration on inputs of the
//! kind each model was trained on), as statics with the int8 outputs the host computed.

use embednn::format::ModelInfo;
use embednn_models::gestures::{labelled, TEST_SEED, TRAIN_SEED};
use embednn_models::{DigitsCnn, DigitsMlp, GestureCnn, Sine};
use firmware_common::finetune::{self, Digit};
use firmware_common::gen::{self, Build};
use firmware_common::int8;

/// The type path of model `ty`'s int8 twin, for a generated static.
fn int8_type(ty: &str, input: &str) -> String {
    format!("embednn::quant::Quantized<<{ty} as embednn::quant::Quantize<{input}>>::Quantized>")
}

fn main() {
    let b = Build::new();
    b.memory_x();

    let path = b.model_path("EMBEDNN_MODEL", "../models/sine.ennm");
    let (sine, _) = b.load::<Sine>(&path, "sine.ennm");
    let mut src = gen::static_model("MODEL", "embednn_models::Sine", &sine);
    src += &gen::golden_table("GOLDEN", &sine, &gen::sine_inputs());
    b.write("sine.rs", src.as_bytes());

    let path = b.input("../models/digits.ennm");
    let (digits, bytes) = b.load::<DigitsMlp>(&path, "digits.ennm");
    let info = ModelInfo::parse(&bytes).expect("checked by load");
    let (_, held_out) = gen::unseen_distorted_digits(&b.input("../../../data/digits.csv"));
    let mut src = gen::static_model("MODEL", "embednn_models::DigitsMlp", &digits);
    let digit_inputs = gen::digit_inputs(&held_out, &info, 24);
    src += &gen::golden_table("GOLDEN", &digits, &digit_inputs);
    b.write("digits.rs", src.as_bytes());

    // int8. Calibration never uses the inputs the device checks: the sine on a fine grid, the
    // digits models on the undistorted held-out digits, the gestures on training windows.
    let grid: Vec<[f32; 1]> = (0..=200)
        .map(|i| [i as f32 * std::f32::consts::TAU / 200.0])
        .collect();
    let q_sine = int8::quantize(&sine, &grid);
    let mut src = gen::static_model(
        "SINE",
        &int8_type("embednn_models::Sine", "[f32; 1]"),
        &q_sine,
    );
    src += &int8::golden_int8("SINE_GOLDEN", &q_sine, &gen::sine_inputs());

    let plain: Vec<Digit> = gen::held_out_digits(&b.input("../../../data/digits.csv"))
        .into_iter()
        .map(|(_, d)| d)
        .collect();
    let calibration = gen::digit_inputs(&plain, &info, plain.len());
    let q_digits = int8::quantize(&digits, &calibration);
    src += &gen::static_model(
        "DIGITS",
        &int8_type("embednn_models::DigitsMlp", "[f32; 64]"),
        &q_digits,
    );
    src += &int8::golden_int8("DIGITS_GOLDEN", &q_digits, &digit_inputs);
    // The f32 model's input for the same first digit, to time both on one input.
    src += &gen::static_f32s("DIGIT", &digit_inputs[0]);

    let path = b.input("../models/digits_cnn.ennm");
    let (cnn, bytes) = b.load::<DigitsCnn>(&path, "digits_cnn.ennm");
    let info = ModelInfo::parse(&bytes).expect("checked by load");
    let (mean, std): (Vec<f32>, Vec<f32>) = (info.mean.iter().collect(), info.std.iter().collect());
    let images: Vec<[[[f32; 1]; 8]; 8]> = plain
        .iter()
        .map(|d| finetune::image(d, &mean, &std))
        .collect();
    let q_cnn = int8::quantize(&cnn, &images);
    src += &gen::static_model(
        "DIGITS_CNN",
        &int8_type("embednn_models::DigitsCnn", "[[[f32; 1]; 8]; 8]"),
        &q_cnn,
    );
    let distorted: Vec<[[[f32; 1]; 8]; 8]> = held_out
        .iter()
        .take(24)
        .map(|d| finetune::image(d, &mean, &std))
        .collect();
    src += &int8::golden_int8("DIGITS_CNN_GOLDEN", &q_cnn, &distorted);

    let (gestures, _) = b.load::<GestureCnn>(&b.input("../models/gestures.ennm"), "gestures.ennm");
    let train: Vec<_> = (0..300).map(|i| labelled(TRAIN_SEED, i).1).collect();
    let test: Vec<_> = (0..24).map(|i| labelled(TEST_SEED, i).1).collect();
    let q_gestures = int8::quantize(&gestures, &train);
    src += &gen::static_model(
        "GESTURES",
        &int8_type(
            "embednn_models::GestureCnn",
            "embednn_models::gestures::Window",
        ),
        &q_gestures,
    );
    src += &int8::golden_int8("GESTURES_GOLDEN", &q_gestures, &test);
    b.write("int8.rs", src.as_bytes());
}
