//! Benchmark: the Keras tutorial model (2 → 10 → 1), random weights.
#![no_std]
#![no_main]
#![forbid(unsafe_code)]

use panic_semihosting as _;

include!(concat!(env!("OUT_DIR"), "/keras_tutorial.rs"));

#[cortex_m_rt::entry]
fn main() -> ! {
    firmware_bench::run("keras_tutorial", &MODEL, &INPUT)
}
