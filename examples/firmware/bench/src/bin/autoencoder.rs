//! Benchmark: the MLPerf Tiny anomaly-detection autoencoder shapes (264,192 MACs), random weights.
#![no_std]
#![no_main]
#![forbid(unsafe_code)]

use panic_semihosting as _;

include!(concat!(env!("OUT_DIR"), "/autoencoder.rs"));

#[cortex_m_rt::entry]
fn main() -> ! {
    firmware_bench::run("autoencoder", &MODEL, &INPUT)
}
