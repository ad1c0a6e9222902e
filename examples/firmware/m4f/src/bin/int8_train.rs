//! On-device fine-tuning on an int8 backbone: the digits MLP's hidden layer, quantized on the
//! host and frozen in flash, feeds an `f32` head in RAM that the device fine-tunes on digits the
//! host model never saw (shifted one pixel), as `train` does with an `f32` backbone. Reports the
//! loss per epoch and the accuracy before and after; fails unless the loss falls, the accuracy
//! improves and every number equals the host's run of the same recipe.
//!
//! The head and the trainer are `static`s, so the linked ELF shows their size: the xtask checks
//! the trainer's symbol against `size_of`, and the painted stack shows the rest of a step.
#![no_std]
#![no_main]
#![forbid(unsafe_code)]

use core::cell::RefCell;

use cortex_m::interrupt::{self, Mutex};
use cortex_m_rt::entry;
use embednn::format::ModelInfo;
use embednn::prelude::*;
use embednn::quant::Quantized;
use firmware_common::finetune::{self, EPOCHS};
use firmware_common::int8_tune::{self, Backbone, Head, HeadTrainer};
use firmware_device::{println, stack};
use firmware_m4f::digits;
use panic_semihosting as _;

mod tune {
    include!(concat!(env!("OUT_DIR"), "/int8_tune.rs"));
}

/// The head being fine-tuned: in RAM, since it changes.
static HEAD: Mutex<RefCell<Head>> = Mutex::new(RefCell::new((Dense::ZERO, Softmax)));
/// Gradient, Adam moments and the training trace of the head.
static TRAINER: Mutex<RefCell<HeadTrainer>> = Mutex::new(RefCell::new(int8_tune::trainer()));

#[entry]
fn main() -> ! {
    println!(
        "fine-tuning an f32 head on a frozen int8 backbone: {} trainable parameters; backbone {} bytes in flash (int8), {} MACs",
        Head::TRAINABLE,
        Quantized::<Backbone>::PARAM_BYTES,
        Quantized::<Backbone>::MACS
    );
    println!(
        "{} distorted digits to fine-tune on, {} held out; {} epochs, batches of {}, Adam lr {}",
        digits::FINE_TUNE.len(),
        digits::HELD_OUT.len(),
        EPOCHS,
        finetune::BATCH,
        finetune::LEARNING_RATE
    );
    let Ok(info) = ModelInfo::parse(digits::MODEL_FILE) else {
        println!("error: digits.ennm does not parse");
        firmware_device::exit(false)
    };

    let mut step_stack = 0;
    let mut backbone_stack = 0;
    let result = interrupt::free(|cs| {
        let (Ok(mut head), Ok(mut trainer)) = (
            HEAD.borrow(cs).try_borrow_mut(),
            TRAINER.borrow(cs).try_borrow_mut(),
        ) else {
            return None;
        };
        *head = tune::HEAD_INIT;
        let r = int8_tune::run(
            &tune::BACKBONE,
            &mut head,
            &mut trainer,
            &digits::FINE_TUNE,
            &digits::HELD_OUT,
            &info,
            firmware_m4f::print_epoch(&tune::HOST_RUN),
        );
        // The stack of one more training step of the head (forward and backward passes on the
        // batch's features, Adam), measured after the run: what `Trainer::RAM_BYTES` covers.
        // The backbone runs before it, for each digit: its stack is measured on its own.
        let batch = digits::FINE_TUNE.get(..finetune::BATCH)?;
        let mut features = [[0.0f32; 64]; finetune::BATCH];
        for (f, d) in features.iter_mut().zip(batch) {
            *f = int8_tune::features(&tune::BACKBONE, d, &info);
        }
        let mut rng = Rng::seed(0);
        (_, step_stack) = stack::measure(|| {
            for (x, d) in features.iter().zip(batch) {
                trainer.accumulate(&head, x, &finetune::target(d.label), &mut rng);
            }
            trainer.step(&mut head)
        });
        let first = batch.first()?;
        (_, backbone_stack) = stack::measure(|| int8_tune::features(&tune::BACKBONE, first, &info));
        Some(r)
    });
    let Some(r) = result else {
        firmware_device::exit(false)
    };

    println!(
        "int8 backbone, one digit's features: stack {} bytes (Quantized::INFERENCE_BYTES {} + the f32 input and features {})",
        backbone_stack,
        Quantized::<Backbone>::INFERENCE_BYTES,
        2 * core::mem::size_of::<[f32; 64]>()
    );
    let ok = firmware_m4f::report_fine_tuning::<Head, HeadTrainer>(
        "int8_train",
        "digits",
        &r,
        &tune::HOST_RUN,
        (digits::FINE_TUNE.len(), digits::HELD_OUT.len()),
        // The head's step needs its trainer and its input, the 64 features, which the caller
        // owns (the f32 `train` firmware computes its input inside the measured step instead).
        HeadTrainer::RAM_BYTES + core::mem::size_of::<[f32; 64]>(),
        step_stack,
    );
    firmware_device::exit(ok)
}
