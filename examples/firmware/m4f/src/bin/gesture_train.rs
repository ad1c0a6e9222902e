//! On-device fine-tuning for a new user: loads the host-trained gesture CNN into RAM with its
//! convolutions frozen, generates windows of a user whose gestures are twice as slow and 1.5
//! times as strong (the same seeded generator the host uses), fine-tunes the classifier head on
//! 120 of them and measures on 300 others. Prints the loss per epoch and the accuracy before and
//! after; fails unless the loss falls, the accuracy improves, and every number equals the host's
//! run of the same recipe.
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
use firmware_common::gesture_tune::{self, GestureHead, GestureTrainer, EPOCHS};
use firmware_device::{println, stack};
use firmware_m4f::gestures;
use panic_semihosting as _;

/// The model being fine-tuned: in RAM, since its head changes.
static HEAD: Mutex<RefCell<GestureHead>> =
    Mutex::new(RefCell::new(firmware_m4f::GESTURE_HEAD_ZERO));
/// Gradient, Adam moments and the training trace: `Trainer::RAM_BYTES` minus the step's stack.
static TRAINER: Mutex<RefCell<GestureTrainer>> = Mutex::new(RefCell::new(gesture_tune::trainer()));

#[entry]
fn main() -> ! {
    println!(
        "fine-tuning the gesture CNN's head on the device for a new user (gestures {}x as fast, {}x as strong): {} of {} parameters trainable",
        gesture_tune::NEW_USER.speed,
        gesture_tune::NEW_USER.strength,
        GestureHead::TRAINABLE,
        GestureHead::PARAMS
    );
    println!(
        "{} windows generated on the device to fine-tune on, {} others to measure; {} epochs, batches of {}, Adam lr {}",
        gesture_tune::FINE_TUNE_WINDOWS,
        gesture_tune::HELD_OUT_WINDOWS,
        EPOCHS,
        gesture_tune::BATCH,
        gesture_tune::LEARNING_RATE
    );

    let mut step_stack = 0;
    let result = interrupt::free(|cs| {
        let (Ok(mut model), Ok(mut trainer)) = (
            HEAD.borrow(cs).try_borrow_mut(),
            TRAINER.borrow(cs).try_borrow_mut(),
        ) else {
            return None;
        };
        let host = &gestures::HOST_RUN;
        let r = firmware_m4f::fine_tune_gestures(
            &mut model,
            &mut trainer,
            gestures::MODEL_FILE,
            firmware_m4f::print_epoch(host),
        );
        let r = match r {
            Ok(r) => r,
            Err(e) => {
                println!("error: gestures.ennm does not load: {}", e);
                return None;
            }
        };
        // The stack of one more training step (a batch: window generation, forward and
        // backward passes, Adam), measured after the run so the reported numbers are untouched.
        let info = ModelInfo::parse(gestures::MODEL_FILE).ok()?;
        let mut rng = Rng::seed(0);
        (_, step_stack) = stack::measure(|| {
            gesture_tune::train_step(&mut model, &mut trainer, 0, &info, &mut rng)
        });
        Some(r)
    });
    let Some(r) = result else {
        firmware_device::exit(false)
    };

    let ok = firmware_m4f::report_fine_tuning::<GestureHead, GestureTrainer>(
        "gesture_train",
        "windows",
        &r,
        &gestures::HOST_RUN,
        (
            gesture_tune::FINE_TUNE_WINDOWS,
            gesture_tune::HELD_OUT_WINDOWS,
        ),
        GestureTrainer::RAM_BYTES,
        step_stack,
    );
    firmware_device::exit(ok)
}
