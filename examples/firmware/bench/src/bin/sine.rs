//! Benchmark: the sine model (1 → 16 → 16 → 1), weights from models/sine.ennm.
#![no_std]
#![no_main]
#![forbid(unsafe_code)]

use panic_semihosting as _;

include!(concat!(env!("OUT_DIR"), "/sine.rs"));

#[cortex_m_rt::entry]
fn main() -> ! {
    firmware_bench::run("sine", &MODEL, &INPUT)
}
