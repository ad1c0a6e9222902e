//! Benchmark: the digits classifier (64 → 64 → 10), weights from models/digits.ennm.
#![no_std]
#![no_main]
#![forbid(unsafe_code)]

use panic_semihosting as _;

include!(concat!(env!("OUT_DIR"), "/digits.rs"));

#[cortex_m_rt::entry]
fn main() -> ! {
    firmware_bench::run("digits", &MODEL, &INPUT)
}
