//! On-device transfer learning: loads the host-trained digits classifier into RAM with its hidden
//! layer frozen, fine-tunes the head on digits the host model never saw (shifted one pixel), and
//! reports the loss per epoch and the accuracy before and after. Fails unless the loss falls and
//! the accuracy improves, and unless every number equals the host's run of the same recipe.
//!
//! The model and the trainer are `static`s, so the linked ELF shows their size: the script checks
//! the trainer's symbol against `size_of`, and the painted stack shows the rest of a step.
#![no_std]
#![no_main]
#![forbid(unsafe_code)]

use core::cell::RefCell;

use cortex_m::interrupt::{self, Mutex};
use cortex_m_rt::entry;
use embednn::format::ModelInfo;
use embednn::prelude::*;
use firmware_common::finetune::{self, DigitsHead, HeadTrainer, EPOCHS};
use firmware_device::{println, stack};
use firmware_m4f::digits;
use panic_semihosting as _;

/// The model being fine-tuned: in RAM, since its head changes.
static HEAD: Mutex<RefCell<DigitsHead>> = Mutex::new(RefCell::new((
    Frozen((Dense::ZERO, Relu)),
    Dense::ZERO,
    Softmax,
)));
/// Gradient, Adam moments and the training trace: `Trainer::RAM_BYTES` minus the step's stack.
static TRAINER: Mutex<RefCell<HeadTrainer>> = Mutex::new(RefCell::new(finetune::trainer()));

#[entry]
fn main() -> ! {
    println!(
        "fine-tuning the digits head on the device: {} of {} parameters trainable",
        DigitsHead::TRAINABLE,
        DigitsHead::PARAMS
    );
    println!(
        "{} distorted digits to fine-tune on, {} held out; {} epochs, batches of {}, Adam lr {}",
        digits::FINE_TUNE.len(),
        digits::HELD_OUT.len(),
        EPOCHS,
        finetune::BATCH,
        finetune::LEARNING_RATE
    );

    let mut step_stack = 0;
    let result = interrupt::free(|cs| {
        let (Ok(mut model), Ok(mut trainer)) = (
            HEAD.borrow(cs).try_borrow_mut(),
            TRAINER.borrow(cs).try_borrow_mut(),
        ) else {
            return None;
        };
        let host = &digits::HOST_RUN;
        let r = firmware_m4f::fine_tune(
            &mut model,
            &mut trainer,
            digits::MODEL_FILE,
            &digits::FINE_TUNE,
            &digits::HELD_OUT,
            firmware_m4f::print_epoch(host),
        );
        let r = match r {
            Ok(r) => r,
            Err(e) => {
                println!("error: digits.ennm does not load: {}", e);
                return None;
            }
        };
        // The stack of one more training step (a batch: forward and backward passes, Adam),
        // measured after the run so the reported numbers are untouched.
        let info = ModelInfo::parse(digits::MODEL_FILE).ok()?;
        let batch = digits::FINE_TUNE.get(..finetune::BATCH)?;
        let mut rng = Rng::seed(0);
        (_, step_stack) = stack::measure(|| {
            finetune::train_step(&mut model, &mut trainer, batch, &info, &mut rng)
        });
        Some(r)
    });
    let Some(r) = result else {
        firmware_device::exit(false)
    };

    let ok = firmware_m4f::report_fine_tuning::<DigitsHead, HeadTrainer>(
        "train",
        "digits",
        &r,
        &digits::HOST_RUN,
        (digits::FINE_TUNE.len(), digits::HELD_OUT.len()),
        HeadTrainer::RAM_BYTES,
        step_stack,
    );
    firmware_device::exit(ok)
}
