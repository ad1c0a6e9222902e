//! Benchmark: the iris classifier (4 → 16 → 3), random weights.
#![no_std]
#![no_main]
#![forbid(unsafe_code)]

use panic_semihosting as _;

include!(concat!(env!("OUT_DIR"), "/iris.rs"));

#[cortex_m_rt::entry]
fn main() -> ! {
    firmware_bench::run("iris", &MODEL, &INPUT)
}
