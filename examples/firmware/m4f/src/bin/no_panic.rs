//! Link-time proof that inference, model loading and the on-device training step cannot panic.
//!
//! This binary runs the same library functions as `sine`, `train`, `cnn`, `gesture_train`, `int8`
//! and `int8_train` (loading a model file, inference with weights in flash and in RAM — dense and
//! convolutional models, the gesture generator, int8 models with their f32 edges and integer
//! kernels, the DSP kernel on this core — and the three whole fine-tuning recipes, one of them on
//! an int8 backbone), on inputs hidden
//! from the optimizer with `black_box`, and its panic handler refers to a symbol that exists
//! nowhere. The panic handler is linked only if some panic is reachable, so this binary links
//! exactly when no panic is reachable: a panic path introduced anywhere in that code, core
//! included, fails the link with `undefined symbol: ...a panic path is reachable...`.
//!
//! `--features deliberate-panic` adds an out-of-bounds index to show that the check bites.
#![no_std]
#![no_main]
#![forbid(unsafe_code)]

use core::hint::black_box;

use cortex_m_rt::entry;
use embednn::prelude::*;
use embednn_models::ds_cnn::Features;
use embednn_models::gestures::{labelled, TEST_SEED};
use embednn_models::Sine;
use firmware_common::finetune::{self, DigitsHead};
use firmware_common::{gesture_tune, int8_tune};
use firmware_m4f::{digits, digits_cnn, ds_cnn, gestures, sine};

/// The int8 digits MLP and DS-CNN (`build.rs`; their golden tables are the `int8` firmware's).
#[allow(dead_code)]
mod int8 {
    include!(concat!(env!("OUT_DIR"), "/int8.rs"));
}

/// The int8 backbone and the f32 head of the mixed fine-tuning (`build.rs`; the host's run is
/// `int8_train`'s).
#[allow(dead_code)]
mod tune {
    include!(concat!(env!("OUT_DIR"), "/int8_tune.rs"));
}

#[entry]
fn main() -> ! {
    let x = black_box([1.0f32]);
    // Inference, weights in flash.
    let flash = black_box(&sine::MODEL).predict(&x);
    // Loading the model file and inference, weights in RAM.
    let mut ram = Sine::init(Initializer::Zeros, &mut Rng::seed(0));
    let loaded = firmware_m4f::sine_from_file(&mut ram, black_box(sine::MODEL_FILE), &x);
    // The fine-tuning run: load, evaluate, train (forward, backward, Adam steps), evaluate.
    let mut head: DigitsHead = (Frozen((Dense::ZERO, Relu)), Dense::ZERO, Softmax);
    let mut trainer = finetune::trainer();
    let report = firmware_m4f::fine_tune(
        &mut head,
        &mut trainer,
        black_box(digits::MODEL_FILE),
        black_box(&digits::FINE_TUNE[..]),
        black_box(&digits::HELD_OUT[..]),
        |epoch, loss| {
            black_box((epoch, loss));
        },
    );
    // The CNNs, weights in flash: 2-D convolutions with max pooling, flatten and dropout;
    // 1-D convolutions, global pooling and the gesture generator; the DS-CNN's depthwise and
    // pointwise convolutions.
    let digit = black_box(&digits_cnn::DIGITS[0]);
    let image = finetune::image(digit, &digits_cnn::MEAN, &digits_cnn::STD);
    let digit_class = black_box(&digits_cnn::MODEL).predict(&image).argmax();
    let (_, window) = labelled(black_box(TEST_SEED), black_box(3));
    let gesture_class = black_box(&gestures::MODEL).predict(&window).argmax();
    let features = black_box(&ds_cnn::GOLDEN[0]).input();
    let keyword = Features::from_slice(&features).map(|x| black_box(&ds_cnn::MODEL).predict(&x));
    // The gesture fine-tuning run: load, generate, evaluate, train, evaluate.
    let mut gesture_head = firmware_m4f::GESTURE_HEAD_ZERO;
    let mut gesture_trainer = gesture_tune::trainer();
    let gesture_report = firmware_m4f::fine_tune_gestures(
        &mut gesture_head,
        &mut gesture_trainer,
        black_box(gestures::MODEL_FILE),
        |epoch, loss| {
            black_box((epoch, loss));
        },
    );
    // int8: the digits MLP (f32 in, quantized, integer dense layers, softmax, f32 out) and the
    // DS-CNN (integer convolutions, depthwise, pools) from flash.
    let q_digit = black_box(&int8::DIGITS)
        .predict(
            &image
                .map(|row| row.map(|[v]| v))
                .as_flattened()
                .try_into()
                .unwrap_or([0.0; 64]),
        )
        .argmax();
    let q_keyword = Features::from_slice(&features).map(|x| black_box(&int8::DS_CNN).predict(&x));
    // Fine-tuning an f32 head on the frozen int8 backbone.
    let mut q_head = tune::HEAD_INIT;
    let mut q_trainer = int8_tune::trainer();
    let q_report = embednn::format::ModelInfo::parse(black_box(digits::MODEL_FILE)).map(|info| {
        int8_tune::run(
            black_box(&tune::BACKBONE),
            &mut q_head,
            &mut q_trainer,
            black_box(&digits::FINE_TUNE[..]),
            black_box(&digits::HELD_OUT[..]),
            &info,
            |epoch, loss| {
                black_box((epoch, loss));
            },
        )
    });
    black_box((q_digit, q_keyword, &q_head, &q_trainer, q_report.is_ok()));
    black_box((digit_class, gesture_class, keyword));
    black_box((&gesture_head, &gesture_trainer, gesture_report.is_ok()));
    #[cfg(feature = "deliberate-panic")]
    let flash = [flash[black_box(3usize)]];
    let ok = matches!(loaded, Ok(y) if y == flash) && report.is_ok();
    black_box((&head, &trainer));
    firmware_device::exit(ok)
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    extern "C" {
        // Defined nowhere: linking this handler fails, and the name is the error message.
        #[link_name = "\n\n    error(no-panic check): a panic path is reachable from inference or training; see examples/firmware/README.md\n\n"]
        static PANIC_PATH_IS_REACHABLE: u8;
    }
    black_box(&raw const PANIC_PATH_IS_REACHABLE);
    loop {}
}
