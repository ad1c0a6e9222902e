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
#![forbid(unsafe_code)]

use core::hint::black_box;

use embednn::prelude::*;
use embednn::Input;
use firmware_device::{instructions, println, stack};

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
    // One inference to size the run, then enough repetitions for about 4 million instructions.
    let one = infer(1).unwrap_or(u64::MAX).max(1);
    let reps = (TARGET_INSTRUCTIONS / one).clamp(1, 100_000);
    let total = infer(reps);
    let peak = stack::peak();
    let Some(total) = total else {
        println!(
            "error: {}: the 24-bit SysTick wrapped; lower TARGET_INSTRUCTIONS",
            name
        );
        firmware_device::exit(false)
    };
    let per_inference = total / reps;
    let milli_per_mac = (total * 1000)
        .checked_div(reps * M::MACS as u64)
        .unwrap_or(0);
    println!(
        "{}: {} MACs, {} instructions per inference ({}.{:03} per MAC, {} inferences timed), peak stack {} bytes; PARAM_BYTES {}, INFERENCE_BYTES {}",
        name,
        M::MACS,
        per_inference,
        milli_per_mac / 1000,
        milli_per_mac % 1000,
        reps,
        peak,
        M::PARAM_BYTES,
        M::INFERENCE_BYTES
    );
    println!(
        "BENCH model={} macs={} params={} param_bytes={} inference_bytes={} reps={} instructions={} per_inference={} milli_per_mac={} peak_stack={} statics={}",
        name,
        M::MACS,
        M::PARAMS,
        M::PARAM_BYTES,
        M::INFERENCE_BYTES,
        reps,
        total,
        per_inference,
        milli_per_mac,
        peak,
        stack::static_ram()
    );
    firmware_device::exit(true)
}
