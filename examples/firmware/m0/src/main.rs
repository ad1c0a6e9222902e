//! The golden-output check on a Cortex-M0 without an FPU (QEMU `microbit`: nRF51822, 16 KiB of
//! RAM): every `f32` operation is a soft-float library call, which is IEEE-754 arithmetic too, so
//! the outputs must equal the host's bit for bit.
//!
//! The sine model runs with its weights in flash (a `static`) and loaded into RAM from the model
//! file. The digits classifier runs from flash only: its 19,240 bytes of weights would take more
//! than this part's whole RAM, which is what the flash path is for.
#![no_std]
#![no_main]
#![forbid(unsafe_code)]

use core::mem::size_of;

use cortex_m_rt::entry;
use embednn::format::ModelFile;
use embednn::prelude::*;
use embednn_models::{DigitsMlp, Sine};
use firmware_device::{golden, println, stack};
use panic_semihosting as _;

mod sine {
    pub static MODEL_FILE: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/sine.ennm"));
    include!(concat!(env!("OUT_DIR"), "/sine.rs"));
}

mod digits {
    include!(concat!(env!("OUT_DIR"), "/digits.rs"));
}

#[entry]
fn main() -> ! {
    println!(
        "embednn on Cortex-M0 (soft float): {} bytes of statics, {} bytes left for the stack",
        stack::static_ram(),
        stack::capacity()
    );
    let mut ok = true;

    let (flash, flash_stack) = stack::measure(|| golden::check(&sine::MODEL, &sine::GOLDEN, false));
    let (ram, ram_stack) = stack::measure(ram_path);
    println!("each input, the device's output (weights in flash) and the host's:");
    golden::check(&sine::MODEL, &sine::GOLDEN, true);
    ok &= report("sine, weights in flash", flash);
    ok &= match ram {
        Some(c) => report("sine, weights loaded into RAM from the model file", c),
        None => false,
    };

    let (d, digits_stack) =
        stack::measure(|| golden::check(&digits::MODEL, &digits::GOLDEN, false));
    ok &= report("digits classifier, weights in flash", d);
    println!(
        "RAM: statics {} bytes; stack: sine from flash {} bytes, sine in RAM {} bytes (its model is {} bytes), digits from flash {} bytes (PARAM_BYTES {}, INFERENCE_BYTES {})",
        stack::static_ram(),
        flash_stack,
        ram_stack,
        size_of::<Sine>(),
        digits_stack,
        DigitsMlp::PARAM_BYTES,
        DigitsMlp::INFERENCE_BYTES
    );
    println!(
        "RESULT m0 statics={} flash_path_stack={} ram_path_stack={} digits_stack={}",
        stack::static_ram(),
        flash_stack,
        ram_stack,
        digits_stack
    );
    println!("{}", if ok { "PASS" } else { "FAIL" });
    firmware_device::exit(ok)
}

/// The postcard path; the model lives in this frame.
#[inline(never)]
fn ram_path() -> Option<golden::Check> {
    let mut model = Sine::init(Initializer::Zeros, &mut Rng::seed(0));
    if let Err(e) = ModelFile::load_into(&mut model, sine::MODEL_FILE) {
        println!("error: the model file does not load: {}", e);
        return None;
    }
    Some(golden::check(&model, &sine::GOLDEN, false))
}

fn report(what: &str, c: golden::Check) -> bool {
    println!(
        "{}: {} outputs, {} differ from the host beyond {} ULP (largest difference {} ULP)",
        what,
        c.outputs,
        c.mismatches,
        golden::TOLERANCE_ULPS,
        c.max_ulps
    );
    c.passed()
}
