//! The benchmark: one binary per model, each a `static` model (weights in flash) and [`run`].
//! Every model binary is the same generic one, [`bench!`]: `src/bin/NAME.rs` (binary
//! `bench_NAME`) only names the model (Cargo needs one file per binary), and `build.rs` writes
//! `OUT_DIR/NAME.rs` with its `MODEL` and `INPUT`. Under QEMU `mps2-an386` with `-icount shift=0` it counts the instructions of
//! repeated inferences with SysTick (one tick = 40 instructions), measures the stack by painting,
//! and prints one `BENCH` line with the model's compile-time constants next to the measurements;
//! `cargo xtask firmware bench` adds flash and RAM from the linked ELF and prints the table.
//!
//! These are instruction counts, not cycles (see the README).
#![no_std]
#![deny(unsafe_code)]

use core::hint::black_box;

use embednn::prelude::*;
use embednn::quant::{QModel, Quantized};
use embednn::Input;
use firmware_device::{instructions, println, stack};

pub mod cmsis;

/// The whole benchmark binary of model `$name`: includes the build script's `OUT_DIR/$name.rs`
/// (`MODEL`, `INPUT`) and times it with [`run`], which prints `$name` as the model's name. Invoke
/// it at the top level of a `#![no_std]`, `#![no_main]` binary of this package.
#[macro_export]
macro_rules! bench {
    ($name:ident) => {
        use panic_semihosting as _;

        include!(concat!(env!("OUT_DIR"), "/", stringify!($name), ".rs"));

        #[cortex_m_rt::entry]
        fn main() -> ! {
            $crate::run(stringify!($name), &MODEL, &INPUT)
        }
    };
}

/// Aim for about this many instructions per timed run, so the 40-instruction tick is noise.
const TARGET_INSTRUCTIONS: u64 = 4_000_000;

/// [`bench!`] for an int8 model (`MODEL: Quantized<…>`, `INPUT: [i8; N]`): times
/// [`Quantized::predict_int8`], the integer-only path (int8 in, int8 out, as CMSIS-NN is called).
#[macro_export]
macro_rules! bench_int8 {
    ($name:ident) => {
        use panic_semihosting as _;

        include!(concat!(env!("OUT_DIR"), "/", stringify!($name), ".rs"));

        #[cortex_m_rt::entry]
        fn main() -> ! {
            $crate::run_int8(stringify!($name), &MODEL, &INPUT)
        }
    };
}

/// Times `model` on `input` and prints the `BENCH` line; exits (failure if the count overflowed).
pub fn run<M: Model>(name: &str, model: &M, input: &Input<M>) -> ! {
    stack::repaint();
    let mut counter = instructions::Counter::new(firmware_device::peripherals().SYST);
    let mut infer = |reps: u64| {
        counter.count(|| {
            for _ in 0..reps {
                black_box(black_box(model).predict(black_box(input)));
            }
        })
    };
    let (reps, total) = repeat(&mut infer);
    let sizes = Sizes {
        macs: M::MACS,
        params: M::PARAMS,
        param_bytes: M::PARAM_BYTES,
        inference_bytes: M::INFERENCE_BYTES,
    };
    report(name, sizes, reps, total, stack::peak())
}

/// [`run`] for an int8 model, timing [`Quantized::predict_int8`] on an int8 input (a flat
/// `[i8; N]`, the model's input tensor in memory order). `params` in the `BENCH` line counts int8
/// weights, int32 biases and requantization as the bytes of [`Quantized::PARAM_BYTES`].
pub fn run_int8<M: QModel, const N: usize>(name: &str, model: &Quantized<M>, input: &[i8; N]) -> !
where
    M::Input: embednn::quant::QTensor,
{
    use embednn::quant::QTensor;
    stack::repaint();
    let mut x = <M::Input as QTensor>::ZERO;
    x.flat_mut()
        .iter_mut()
        .zip(input)
        .for_each(|(d, &s)| *d = s);
    let mut counter = instructions::Counter::new(firmware_device::peripherals().SYST);
    let mut infer = |reps: u64| {
        counter.count(|| {
            for _ in 0..reps {
                black_box(black_box(model).predict_int8(black_box(&x)));
            }
        })
    };
    let (reps, total) = repeat(&mut infer);
    let sizes = Sizes {
        macs: Quantized::<M>::MACS,
        params: Quantized::<M>::PARAM_BYTES,
        param_bytes: Quantized::<M>::PARAM_BYTES,
        inference_bytes: Quantized::<M>::INFERENCE_BYTES,
    };
    report(name, sizes, reps, total, stack::peak())
}

/// A model's compile-time constants, for the `BENCH` line.
struct Sizes {
    macs: usize,
    params: usize,
    param_bytes: usize,
    inference_bytes: usize,
}

/// One inference to size the run, then enough repetitions for about [`TARGET_INSTRUCTIONS`]:
/// `(repetitions, instructions of all of them)` (`None`: the counter wrapped).
fn repeat(infer: &mut impl FnMut(u64) -> Option<u64>) -> (u64, Option<u64>) {
    let one = infer(1).unwrap_or(u64::MAX).max(1);
    let reps = (TARGET_INSTRUCTIONS / one).clamp(1, 100_000);
    (reps, infer(reps))
}

/// Prints the human line and the `BENCH` line, and exits.
fn report(name: &str, m: Sizes, reps: u64, total: Option<u64>, peak: usize) -> ! {
    let Some(total) = total else {
        println!(
            "error: {}: the 24-bit SysTick wrapped; lower TARGET_INSTRUCTIONS",
            name
        );
        firmware_device::exit(false)
    };
    let per_inference = total / reps;
    let milli_per_mac = (total * 1000)
        .checked_div(reps * m.macs as u64)
        .unwrap_or(0);
    println!(
        "{}: {} MACs, {} instructions per inference ({}.{:03} per MAC, {} inferences timed), peak stack {} bytes; PARAM_BYTES {}, INFERENCE_BYTES {}",
        name,
        m.macs,
        per_inference,
        milli_per_mac / 1000,
        milli_per_mac % 1000,
        reps,
        peak,
        m.param_bytes,
        m.inference_bytes
    );
    println!(
        "BENCH model={} macs={} params={} param_bytes={} inference_bytes={} reps={} instructions={} per_inference={} milli_per_mac={} peak_stack={} statics={}",
        name,
        m.macs,
        m.params,
        m.param_bytes,
        m.inference_bytes,
        reps,
        total,
        per_inference,
        milli_per_mac,
        peak,
        stack::static_ram()
    );
    firmware_device::exit(true)
}
