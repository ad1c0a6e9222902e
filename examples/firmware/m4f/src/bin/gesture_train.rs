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
use core::mem::size_of;

use cortex_m::interrupt::{self, Mutex};
use cortex_m_rt::entry;
use embednn::format::ModelInfo;
use embednn::prelude::*;
use firmware_common::gesture_tune::{self, GestureHead, GestureTrainer, Report, EPOCHS};
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
    let ram_bytes = GestureTrainer::RAM_BYTES;
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
            |epoch, loss| {
                let h = host.losses.get(epoch).copied().unwrap_or(f32::NAN);
                println!(
                    "epoch {:>2}  loss {:<10}  host {:<10} {}",
                    epoch + 1,
                    loss,
                    h,
                    if loss.to_bits() == h.to_bits() {
                        "identical"
                    } else {
                        "DIFFERENT"
                    }
                );
            },
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

    let pct = |n: usize, of: usize| n as f32 * 100.0 / of as f32;
    let (nf, nh) = (
        gesture_tune::FINE_TUNE_WINDOWS,
        gesture_tune::HELD_OUT_WINDOWS,
    );
    println!(
        "accuracy on the fine-tuning windows: {}/{} ({}%) before, {}/{} ({}%) after",
        r.fine_tune_before,
        nf,
        pct(r.fine_tune_before, nf),
        r.fine_tune_after,
        nf,
        pct(r.fine_tune_after, nf)
    );
    println!(
        "accuracy on the held-out windows:    {}/{} ({}%) before, {}/{} ({}%) after",
        r.held_out_before,
        nh,
        pct(r.held_out_before, nh),
        r.held_out_after,
        nh,
        pct(r.held_out_after, nh)
    );

    let falls = r.losses[EPOCHS - 1] < r.losses[0];
    let improves = r.fine_tune_after > r.fine_tune_before && r.held_out_after > r.held_out_before;
    let same_as_host = same(&r, &gestures::HOST_RUN);
    println!(
        "loss falls: {}; accuracy improves: {}; identical to the host's run: {}",
        falls, improves, same_as_host
    );

    // RAM: the const, and what the ELF and the painted stack show (checked by scripts/firmware.sh).
    println!(
        "Trainer::RAM_BYTES = {} (trainer {} + output and its gradient {} + working memory of the backward or forward pass {})",
        ram_bytes,
        size_of::<GestureTrainer>(),
        2 * size_of::<[f32; 6]>(),
        ram_bytes - size_of::<GestureTrainer>() - 2 * size_of::<[f32; 6]>()
    );
    println!(
        "static TRAINER {} bytes, static HEAD {} bytes (PARAM_BYTES {}), stack of a training step {} bytes, statics {} bytes",
        size_of::<Mutex<RefCell<GestureTrainer>>>(),
        size_of::<Mutex<RefCell<GestureHead>>>(),
        GestureHead::PARAM_BYTES,
        step_stack,
        stack::static_ram()
    );
    println!(
        "RESULT gesture_train ram_bytes={} trainer_size={} trainer_static={} head_static={} step_stack={} statics={}",
        ram_bytes,
        size_of::<GestureTrainer>(),
        size_of::<Mutex<RefCell<GestureTrainer>>>(),
        size_of::<Mutex<RefCell<GestureHead>>>(),
        step_stack,
        stack::static_ram()
    );
    let ok = falls && improves && same_as_host;
    println!("{}", if ok { "PASS" } else { "FAIL" });
    firmware_device::exit(ok)
}

fn same(a: &Report, b: &Report) -> bool {
    a.losses.map(f32::to_bits) == b.losses.map(f32::to_bits)
        && (
            a.fine_tune_before,
            a.fine_tune_after,
            a.held_out_before,
            a.held_out_after,
        ) == (
            b.fine_tune_before,
            b.fine_tune_after,
            b.held_out_before,
            b.held_out_after,
        )
}
