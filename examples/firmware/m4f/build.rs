//! Host side of the build: loads the model files with the host build of embednn and writes, into
//! OUT_DIR, the sine model as a `static` (flash), golden outputs for a fixed input set, the
//! distorted digits for fine-tuning and the host's own fine-tuning run to compare against; the
//! digits and gesture CNNs and a folded DS-CNN as statics with the host's outputs, and the host's
//! run of the gesture fine-tuning.
//!
//! The sine model file is `$EMBEDNN_MODEL` (a path relative to this crate, or absolute), by
//! default the committed `../models/sine.ennm`.

use embednn::format::ModelInfo;
use embednn::prelude::*;
use embednn_models::ds_cnn::{self, DsCnn, DsCnnTraining};
use embednn_models::gestures::{labelled, TEST_SEED, TEST_WINDOWS};
use embednn_models::{DigitsCnn, DigitsMlp, GestureCnn, Sine};
use firmware_common::finetune::{self, Digit};
use firmware_common::gen::{self, Build};
use firmware_common::{int8, int8_tune};

fn main() {
    let b = Build::new();
    b.memory_x();

    // Sine: the model file, the same weights as a static, goldens.
    let path = b.model_path("EMBEDNN_MODEL", "../models/sine.ennm");
    let (sine, _) = b.load::<Sine>(&path, "sine.ennm");
    let mut src = gen::static_model("MODEL", "embednn_models::Sine", &sine);
    src += &gen::golden_table("GOLDEN", &sine, &gen::sine_inputs());
    b.write("sine.rs", src.as_bytes());

    // Digits: the file (for fine-tuning in RAM), the classifier as a static (flash) with goldens
    // on unseen digits, the fine-tuning data and the host's fine-tuning run.
    let path = b.input("../models/digits.ennm");
    let (digits, bytes) = b.load::<DigitsMlp>(&path, "digits.ennm");
    let (fine_tune, held_out) = gen::unseen_distorted_digits(&b.input("../../../data/digits.csv"));
    let info = ModelInfo::parse(&bytes).expect("checked by load");
    let mut src = gen::static_model("MODEL", "embednn_models::DigitsMlp", &digits);
    src += &gen::golden_table("GOLDEN", &digits, &gen::digit_inputs(&held_out, &info, 24));
    src += &gen::digit_table("FINE_TUNE", &fine_tune);
    src += &gen::digit_table("HELD_OUT", &held_out);
    src += &gen::fine_tune_reference("HOST_RUN", &bytes, &fine_tune, &held_out);
    b.write("digits.rs", src.as_bytes());

    // Digits CNN: the model as a static (flash) and its input scaling, the held-out digits as
    // stored (0–16) and the host's output for each.
    let path = b.input("../models/digits_cnn.ennm");
    let (cnn, bytes) = b.load::<DigitsCnn>(&path, "digits_cnn.ennm");
    let info = ModelInfo::parse(&bytes).expect("checked by load");
    let (mean, std): (Vec<f32>, Vec<f32>) = (info.mean.iter().collect(), info.std.iter().collect());
    let digits: Vec<Digit> = gen::held_out_digits(&b.input("../../../data/digits.csv"))
        .into_iter()
        .map(|(_, d)| d)
        .collect();
    let outputs: Vec<[f32; 10]> = digits
        .iter()
        .map(|d| cnn.predict(&finetune::image(d, &mean, &std)))
        .collect();
    let correct = count_correct(&outputs, digits.iter().map(|d| usize::from(d.label)));
    let mut src = gen::static_model("MODEL", "embednn_models::DigitsCnn", &cnn);
    src += &gen::static_f32s("MEAN", &mean);
    src += &gen::static_f32s("STD", &std);
    src += &gen::digit_table("DIGITS", &digits);
    src += &gen::output_table("GOLDEN", &outputs);
    src += &format!("/// Held-out digits the host classifies correctly.\npub const HOST_CORRECT: usize = {correct};\n");
    b.write("digits_cnn.rs", src.as_bytes());

    // Gesture CNN: the model as a static, the host's output for each held-out test window (the
    // device regenerates the windows), and the host's run of the new-user fine-tuning.
    let path = b.input("../models/gestures.ennm");
    let (gestures, bytes) = b.load::<GestureCnn>(&path, "gestures.ennm");
    let info = ModelInfo::parse(&bytes).expect("checked by load");
    if !info.mean.is_empty() {
        gen::fail(format!(
            "{}: the file standardizes its inputs; the firmware feeds raw windows",
            path.display()
        ));
    }
    let (outputs, labels): (Vec<[f32; 6]>, Vec<usize>) = (0..TEST_WINDOWS as u64)
        .map(|i| {
            let (gesture, window) = labelled(TEST_SEED, i);
            (gestures.predict(&window), gesture.index())
        })
        .unzip();
    let correct = count_correct(&outputs, labels);
    let mut src = gen::static_model("MODEL", "embednn_models::GestureCnn", &gestures);
    src += &gen::output_table("GOLDEN", &outputs);
    src += &format!("/// Test windows the host classifies correctly.\npub const HOST_CORRECT: usize = {correct};\n");
    src += &gen::gesture_tune_reference("HOST_RUN", &bytes);
    b.write("gestures.rs", src.as_bytes());

    // DS-CNN: random weights and batch-norm statistics folded on the host, and a few inputs
    // with the host's outputs (depthwise and pointwise kernels, device against host).
    let trained: Box<DsCnnTraining> = Box::new(ds_cnn::random_training_model(ds_cnn::BENCH_SEED));
    let folded: Box<DsCnn> = Box::new(ds_cnn::fold(&trained));
    let inputs: Vec<ds_cnn::Features> = (0..3).map(ds_cnn::random_features).collect();
    let mut src = gen::static_model("MODEL", "embednn_models::ds_cnn::DsCnn", &*folded);
    src += &gen::golden_tensors("GOLDEN", &*folded, &inputs);
    b.write("ds_cnn.rs", src.as_bytes());

    // int8: the digits MLP and the DS-CNN quantized here (min/max calibration: the first half of
    // the held-out digits, other random DS-CNN inputs), as statics, with the host's int8 outputs
    // (portable kernels) on every held-out digit and the DS-CNN's inputs above.
    let (mlp, bytes) = b.load::<DigitsMlp>(&b.input("../models/digits.ennm"), "digits.ennm");
    let info = ModelInfo::parse(&bytes).expect("checked by load");
    let held_out: Vec<Digit> = gen::held_out_digits(&b.input("../../../data/digits.csv"))
        .into_iter()
        .map(|(_, d)| d)
        .collect();
    let xs = gen::digit_inputs(&held_out, &info, held_out.len());
    let q_mlp = int8::quantize(&mlp, &xs[..xs.len() / 2]);
    let calibration: Vec<ds_cnn::Features> = (10..18).map(ds_cnn::random_features).collect();
    let q_ds_cnn = int8::quantize(&*folded, &calibration);
    let mut src = gen::static_model(
        "DIGITS",
        "embednn::quant::Quantized<<embednn_models::DigitsMlp as embednn::quant::Quantize<[f32; 64]>>::Quantized>",
        &q_mlp,
    );
    src += &int8::golden_int8("DIGITS_GOLDEN", &q_mlp, &xs);
    src += &gen::static_model(
        "DS_CNN",
        "embednn::quant::Quantized<<embednn_models::ds_cnn::DsCnn as embednn::quant::Quantize<embednn_models::ds_cnn::Features>>::Quantized>",
        &q_ds_cnn,
    );
    src += &int8::golden_int8("DS_CNN_GOLDEN", &q_ds_cnn, &inputs);
    b.write("int8.rs", src.as_bytes());

    // Fine-tuning on an int8 backbone: the digits MLP's hidden layer quantized (calibrated on
    // the undistorted held-out digits) and frozen, its head in f32 trained on the distorted
    // digits; the host's run of the same recipe, which the device must repeat bit for bit.
    let (fine_tune, distorted_held_out) =
        gen::unseen_distorted_digits(&b.input("../../../data/digits.csv"));
    let backbone = int8::quantize(&(mlp.0, Relu), &xs);
    let head_init: int8_tune::Head = (mlp.2, Softmax);
    let mut head = head_init;
    let mut trainer = Box::new(int8_tune::trainer());
    let r = int8_tune::run(
        &backbone,
        &mut head,
        &mut trainer,
        &fine_tune,
        &distorted_held_out,
        &info,
        |_, _| {},
    );
    let mut src = gen::static_model(
        "BACKBONE",
        "embednn::quant::Quantized<firmware_common::int8_tune::Backbone>",
        &backbone,
    );
    src += &gen::static_model("HEAD_INIT", "firmware_common::int8_tune::Head", &head_init);
    let losses = r
        .losses
        .iter()
        .map(|l| format!("f32::from_bits({:#010x})", l.to_bits()))
        .collect::<Vec<_>>()
        .join(", ");
    src += &format!(
        "/// The host's run of the same recipe (losses: {:?}).\n\
         pub const HOST_RUN: firmware_common::finetune::Report = firmware_common::finetune::Report {{\n    \
         losses: [{losses}],\n    fine_tune_before: {}, fine_tune_after: {},\n    \
         held_out_before: {}, held_out_after: {},\n}};\n",
        r.losses, r.fine_tune_before, r.fine_tune_after, r.held_out_before, r.held_out_after
    );
    b.write("int8_tune.rs", src.as_bytes());
}

/// How many of `outputs` have their largest value at the label.
fn count_correct<const O: usize>(
    outputs: &[[f32; O]],
    labels: impl IntoIterator<Item = usize>,
) -> usize {
    outputs
        .iter()
        .zip(labels)
        .filter(|(y, label)| y.argmax() == *label)
        .count()
}
