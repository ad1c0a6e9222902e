//! Host side of the benchmark build: each model as a `static` (weights in flash) and an input,
//! one generated file per model so each binary links only its own. Sine, digits and the two
//! example CNNs use the committed model files; the other models get seeded random weights
//! (timing does not depend on the values), the DS-CNN random batch-norm statistics folded here.

use embednn::codegen::ToRust;
use embednn::format::ModelInfo;
use embednn::quant::kernels::unpack_rows;
use embednn::quant::QDense;
use embednn::Tensor;
use embednn_models::ds_cnn::{self, DsCnn, DsCnnTraining};
use embednn_models::gestures::{labelled, TEST_SEED};
use embednn_models::{DigitsCnn, DigitsMlp, GestureCnn, Iris, KerasTutorial, Sine};
use firmware_common::autoencoder::{self, Autoencoder};
use firmware_common::finetune;
use firmware_common::gen::{self, Build};
use firmware_common::int8;

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

    // The autoencoder in int8: quantized here with the core's PTQ (min/max ranges over 32 random
    // inputs), a `static` in flash, and the benchmark input quantized as the model quantizes it.
    let q = int8::quantize(&*ae, &gen::random_inputs::<640>(11, 32));
    let mut src = gen::static_model(
        "MODEL",
        "embednn::quant::Quantized<<firmware_common::autoencoder::Autoencoder as \
         embednn::quant::Quantize<[f32; 640]>>::Quantized>",
        &q,
    );
    src += &int8_input("INPUT", q.quantize_input(&input::<640>()).as_slice());
    b.write("autoencoder_int8.rs", src.as_bytes());
    // The DS-CNN in int8: the folded model quantized over 16 random inputs.
    let calibration: Vec<ds_cnn::Features> = (100..116).map(ds_cnn::random_features).collect();
    let q_ds = Box::new(int8::quantize(&*folded, &calibration));
    let mut src = gen::static_model(
        "MODEL",
        "embednn::quant::Quantized<<embednn_models::ds_cnn::DsCnn as \
         embednn::quant::Quantize<embednn_models::ds_cnn::Features>>::Quantized>",
        &*q_ds,
    );
    let x = q_ds.quantize_input(&ds_cnn::random_features(7));
    src += &int8_input("INPUT", x.as_flattened().as_flattened());
    b.write("ds_cnn_int8.rs", src.as_bytes());

    // fc_int8: the same ten layers for CMSIS-NN, weights in its plain row order. A layer's input
    // zero point is the previous layer's output's (a folded ReLU keeps the quantization).
    let (e, d) = (&q.layers.0, &q.layers.2);
    let mut zp = q.input.zero_point;
    let mut src = String::new();
    src += &cmsis_layer(0, &e.0, &mut zp);
    src += &cmsis_layer(1, &e.2, &mut zp);
    src += &cmsis_layer(2, &e.4, &mut zp);
    src += &cmsis_layer(3, &e.6, &mut zp);
    src += &cmsis_layer(4, &e.8, &mut zp);
    src += &cmsis_layer(5, &d.0, &mut zp);
    src += &cmsis_layer(6, &d.2, &mut zp);
    src += &cmsis_layer(7, &d.4, &mut zp);
    src += &cmsis_layer(8, &d.6, &mut zp);
    src += &cmsis_layer(9, &d.8, &mut zp);
    b.write("fc_int8.rs", src.as_bytes());
    cmsis_nn(&b);
}

/// `pub static {name}: [i8; N] = […];`
fn int8_input(name: &str, x: &[i8]) -> String {
    let values: Vec<String> = x.iter().map(|v| v.to_string()).collect();
    format!(
        "pub static {name}: [i8; {}] = [{}];\n",
        x.len(),
        values.join(", ")
    )
}

/// Layer `i` (input zero point `zp`, then the layer's output's) as CMSIS-NN's
/// `arm_fully_connected_s8` takes it: `W{i}`, the weights in plain rows; `B{i}`, the bias
/// without the input zero point folded in (CMSIS-NN adds the input offset itself); and `P{i}`,
/// `[input_offset, output_offset, multiplier, shift, min, max]` (per-tensor: the first channel's
/// requantization stands for all).
fn cmsis_layer<const I: usize, const O: usize>(
    i: usize,
    layer: &QDense<I, O>,
    zp: &mut i32,
) -> String {
    let mut plain = vec![0i8; I * O];
    unpack_rows(layer.weights.0.as_flattened(), I, &mut plain);
    let list = |v: &mut dyn Iterator<Item = String>| v.collect::<Vec<_>>().join(", ");
    let rows = list(
        &mut plain
            .chunks(I)
            .map(|r| format!("[{}]", list(&mut r.iter().map(|w| w.to_string())))),
    );
    let bias = list(
        &mut layer
            .bias
            .iter()
            .zip(plain.chunks(I))
            .map(|(b, r)| (b + *zp * r.iter().map(|&w| i32::from(w)).sum::<i32>()).to_string()),
    );
    let r = layer.requant[0];
    let (out, min, max) = (layer.output.zero_point, layer.output.min, layer.output.max);
    let src = format!(
        "pub static W{i}: firmware_bench::cmsis::Weights<{I}, {O}> = firmware_bench::cmsis::Weights([{rows}]);\n\
         pub static B{i}: [i32; {O}] = [{bias}];\n\
         pub const P{i}: [i32; 6] = [{}, {out}, {}, {}, {min}, {max}];\n",
        -*zp, r.multiplier, r.shift
    );
    *zp = out;
    src
}

/// Compiles CMSIS-NN's `arm_fully_connected_s8` (and `cmsis/fc.c`, which calls it) from
/// `../shared/reference/cmsis-nn` with `arm-none-eabi-gcc` for the Cortex-M4F and sets
/// `cfg(cmsis_nn)`; without the sources or the compiler, says so in one line and leaves the
/// comparison out.
fn cmsis_nn(b: &Build) {
    println!("cargo::rustc-check-cfg=cfg(cmsis_nn)");
    let root = b.manifest_dir.join("../../../../shared/reference/cmsis-nn");
    println!("cargo:rerun-if-changed={}", root.display());
    println!("cargo:rerun-if-changed=cmsis/fc.c");
    let skip = |why: String| println!("cargo:warning=CMSIS-NN comparison skipped: {why}");
    if !root.join("Include/arm_nnfunctions.h").is_file() {
        return skip(format!(
            "no {} (it is not part of the repository)",
            root.display()
        ));
    }
    let gcc_runs = std::process::Command::new("arm-none-eabi-gcc")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !gcc_runs {
        return skip("no arm-none-eabi-gcc (apt-get install gcc-arm-none-eabi)".into());
    }
    let source = root.join("Source");
    cc::Build::new()
        .compiler("arm-none-eabi-gcc")
        .archiver("arm-none-eabi-ar")
        .no_default_flags(true)
        .flags([
            "-mthumb",
            "-mcpu=cortex-m4",
            "-mfloat-abi=hard",
            "-mfpu=fpv4-sp-d16",
            "-O3",
        ])
        .flags(["-ffunction-sections", "-fdata-sections"])
        .define("ARM_MATH_DSP", None)
        .include(root.join("Include"))
        .file(source.join("FullyConnectedFunctions/arm_fully_connected_s8.c"))
        .file(source.join("NNSupportFunctions/arm_nn_vec_mat_mult_t_s8.c"))
        .file("cmsis/fc.c")
        .compile("cmsis_nn_fc");
    println!("cargo:rustc-cfg=cmsis_nn");
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
