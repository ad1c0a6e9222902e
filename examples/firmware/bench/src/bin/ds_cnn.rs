//! Benchmark: the MLPerf Tiny keyword-spotting DS-CNN (2,664,768 MACs), random weights and
//! batch-norm statistics folded into the convolutions by the build script.
#![no_std]
#![no_main]
#![forbid(unsafe_code)]

use panic_semihosting as _;

include!(concat!(env!("OUT_DIR"), "/ds_cnn.rs"));

#[cortex_m_rt::entry]
fn main() -> ! {
    firmware_bench::run("ds_cnn", &MODEL, &INPUT)
}
