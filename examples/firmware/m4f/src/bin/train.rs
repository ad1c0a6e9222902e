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
use core::mem::size_of;

use cortex_m::interrupt::{self, Mutex};
use cortex_m_rt::entry;
use embednn::format::ModelInfo;
use embednn::prelude::*;
use firmware_common::finetune::{self, DigitsHead, HeadTrainer, Report, EPOCHS};
use firmware_device::{println, stack};
use firmware_m4f::digits;
use panic_semihosting as _;

/// The model being fine-tuned: in RAM, since its head changes.
static HEAD: Mutex<RefCell<DigitsHead>> =
    Mutex::new(RefCell::new((Frozen((Dense::ZERO, Relu)), Dense::ZERO)));
/// Gradient, Adam moments and the training trace: `Trainer::RAM_BYTES` minus the step's stack.
static TRAINER: Mutex<RefCell<HeadTrainer>> = Mutex::new(RefCell::new(finetune::trainer()));

#[entry]
fn main() -> ! {
    let ram_bytes = HeadTrainer::RAM_BYTES;
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

    let pct = |n: usize, of: usize| n as f32 * 100.0 / of as f32;
    let (nf, nh) = (digits::FINE_TUNE.len(), digits::HELD_OUT.len());
    println!(
        "accuracy on the fine-tuning digits: {}/{} ({}%) before, {}/{} ({}%) after",
        r.fine_tune_before,
        nf,
        pct(r.fine_tune_before, nf),
        r.fine_tune_after,
        nf,
        pct(r.fine_tune_after, nf)
    );
    println!(
        "accuracy on the held-out digits:    {}/{} ({}%) before, {}/{} ({}%) after",
        r.held_out_before,
        nh,
        pct(r.held_out_before, nh),
        r.held_out_after,
        nh,
        pct(r.held_out_after, nh)
    );

    let falls = r.losses[EPOCHS - 1] < r.losses[0];
    let improves = r.fine_tune_after > r.fine_tune_before && r.held_out_after > r.held_out_before;
    let same_as_host = same(&r, &digits::HOST_RUN);
    println!(
        "loss falls: {}; accuracy improves: {}; identical to the host's run: {}",
        falls, improves, same_as_host
    );

    // RAM: the const, and what the ELF and the painted stack show (checked by scripts/firmware.sh).
    println!(
        "Trainer::RAM_BYTES = {} (trainer {} + output and its gradient {} + working memory of the backward or forward pass {})",
        ram_bytes,
        size_of::<HeadTrainer>(),
        2 * size_of::<[f32; 10]>(),
        ram_bytes - size_of::<HeadTrainer>() - 2 * size_of::<[f32; 10]>()
    );
    println!(
        "static TRAINER {} bytes, static HEAD {} bytes (PARAM_BYTES {}), stack of a training step {} bytes, statics {} bytes",
        size_of::<Mutex<RefCell<HeadTrainer>>>(),
        size_of::<Mutex<RefCell<DigitsHead>>>(),
        DigitsHead::PARAM_BYTES,
        step_stack,
        stack::static_ram()
    );
    println!(
        "RESULT train ram_bytes={} trainer_size={} trainer_static={} head_static={} step_stack={} statics={}",
        ram_bytes,
        size_of::<HeadTrainer>(),
        size_of::<Mutex<RefCell<HeadTrainer>>>(),
        size_of::<Mutex<RefCell<DigitsHead>>>(),
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
