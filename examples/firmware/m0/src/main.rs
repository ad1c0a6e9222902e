//! The golden-output check on a Cortex-M0 without an FPU (QEMU `microbit`: nRF51822, 16 KiB of
//! RAM): every `f32` operation is a soft-float library call, which is IEEE-754 arithmetic too, so
//! the outputs must equal the host's bit for bit.
//!
//! The sine model runs with its weights in flash (a `static`) and loaded into RAM from the model
//! file. The digits classifier runs from flash only: its 19,240 bytes of weights would take more
//! than this part's whole RAM, which is what the flash path is for.
//!
//! Then int8: the sine, digits MLP, digits CNN and gesture CNN quantized on the host, weights in
//! flash, run with the portable integer kernels; every int8 output must equal the host's. The
//! digits MLP is timed both ways (SysTick under `-icount shift=0`, so ticks are proportional to
//! executed instructions): f32 in soft float against int8.
#![no_std]
#![no_main]
#![forbid(unsafe_code)]

use core::mem::size_of;

use cortex_m_rt::entry;
use embednn::format::ModelFile;
use embednn::prelude::*;
use embednn::quant::{QModel, QOutput, QTensor, Quantized};
use embednn_models::{DigitsMlp, Sine};
use firmware_device::instructions::Counter;
use firmware_device::{golden, println, stack};
use panic_semihosting as _;

mod sine {
    pub static MODEL_FILE: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/sine.ennm"));
    include!(concat!(env!("OUT_DIR"), "/sine.rs"));
}

mod digits {
    include!(concat!(env!("OUT_DIR"), "/digits.rs"));
}

mod int8 {
    include!(concat!(env!("OUT_DIR"), "/int8.rs"));
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

    ok &= int8_checks();
    println!("{}", if ok { "PASS" } else { "FAIL" });
    firmware_device::exit(ok)
}

/// Every int8 model on its golden inputs, and the f32/int8 timing of the digits MLP.
fn int8_checks() -> bool {
    let mut ok = true;
    let (d, s) =
        stack::measure(|| check_int8(&int8::SINE, &int8::SINE_GOLDEN_INPUTS, &int8::SINE_GOLDEN));
    ok &= report_int8("sine int8", d, s);
    let (d, s) = stack::measure(|| {
        check_int8(
            &int8::DIGITS,
            &int8::DIGITS_GOLDEN_INPUTS,
            &int8::DIGITS_GOLDEN,
        )
    });
    ok &= report_int8("digits MLP int8", d, s);
    let (d, s) = stack::measure(|| {
        check_int8(
            &int8::DIGITS_CNN,
            &int8::DIGITS_CNN_GOLDEN_INPUTS,
            &int8::DIGITS_CNN_GOLDEN,
        )
    });
    ok &= report_int8("digits CNN int8", d, s);
    let (d, s) = stack::measure(|| {
        check_int8(
            &int8::GESTURES,
            &int8::GESTURES_GOLDEN_INPUTS,
            &int8::GESTURES_GOLDEN,
        )
    });
    ok &= report_int8("gesture CNN int8", d, s);

    // The same digit through the f32 model (soft float) and the int8 model (integers only; the
    // input quantized first, as a sensor reading would be).
    let mut counter = Counter::new(firmware_device::peripherals().SYST);
    let mut f32_out = [0.0f32; 10];
    let f32_ticks = counter.count(|| f32_out = digits::MODEL.predict(&int8::DIGIT));
    let mut q_out = [0i8; 10];
    let int8_ticks = counter
        .count(|| q_out = int8::DIGITS.predict_int8(&int8::DIGITS.quantize_input(&int8::DIGIT)));
    let q_in = int8::DIGITS.quantize_input(&int8::DIGIT);
    let layers_ticks = counter.count(|| q_out = int8::DIGITS.predict_int8(&q_in));
    // Calibration: `delay(n)` runs n + 1 iterations of `subs; bne`, 2·(n + 1) instructions.
    let loop_ticks = counter.count(|| cortex_m::asm::delay(99_999));
    match (f32_ticks, int8_ticks, layers_ticks, loop_ticks) {
        (Some(f), Some(q), Some(l), Some(c)) if q > 0 && l > 0 && c > 0 => {
            // The counter's figures are in units of `PER_TICK` (an mps2-an386 tick); scale them
            // to this machine's instructions with the calibration loop.
            let per = |t: u64| t * 200_000 / c;
            let same_class = f32_out.argmax() == q_out.map(f32::from).argmax();
            println!(
                "digits MLP, one input: f32 (soft float) {} instructions; int8 {} with the input quantized from f32 ({}.{:02}x fewer), {} int8 in and out ({}.{:02}x fewer); same class: {}",
                per(f),
                per(q),
                f / q,
                (f % q) * 100 / q,
                per(l),
                f / l,
                (f % l) * 100 / l,
                same_class
            );
            println!(
                "RESULT m0_int8 f32_instructions={} int8_instructions={} int8_layers_instructions={}",
                per(f),
                per(q),
                per(l)
            );
            ok &= same_class;
        }
        _ => {
            println!("error: the instruction counter wrapped or did not run");
            ok = false;
        }
    }
    ok
}

/// Outputs compared and outputs that differ from the host's int8 outputs.
fn check_int8<M: QModel, const I: usize, const O: usize>(
    model: &Quantized<M>,
    inputs: &[[i8; I]],
    outputs: &[[i8; O]],
) -> (usize, usize) {
    let (mut compared, mut differ) = (0, 0);
    for (x, want) in inputs.iter().zip(outputs) {
        let mut q = <M::Input as QTensor>::ZERO;
        for (d, &v) in q.flat_mut().iter_mut().zip(x) {
            *d = v;
        }
        let y: QOutput<M> = model.predict_int8(&q);
        for (a, b) in y.flat().iter().zip(want) {
            compared += 1;
            differ += usize::from(a != b);
        }
    }
    (compared, differ)
}

fn report_int8(what: &str, (compared, differ): (usize, usize), stack: usize) -> bool {
    println!(
        "{}: {} outputs, {} differ from the host's int8 outputs; stack {} bytes",
        what, compared, differ, stack
    );
    compared > 0 && differ == 0
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
