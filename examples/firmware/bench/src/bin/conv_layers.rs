//! Benchmark of single convolution layers: the DS-CNN's three kinds (its first 10×4 convolution,
//! a depthwise 3×3 and a pointwise 1×1, with the folded random weights of the `ds_cnn` benchmark)
//! timed one by one on a 25×5×64 feature map. Prints one `LAYER` line per layer.
#![no_std]
#![no_main]
#![forbid(unsafe_code)]

use core::hint::black_box;

use embednn::prelude::*;
use embednn_models::ds_cnn::{Depthwise, Features, Pointwise, StemConv};
use firmware_device::{instructions, println};
use panic_semihosting as _;

include!(concat!(env!("OUT_DIR"), "/ds_cnn.rs"));

/// One 25×5×64 feature map.
type Map = embednn_models::ds_cnn::FeatureMap;

/// Instructions of `reps` calls of `f`, divided by `reps`, and per MAC in thousandths.
fn time(
    counter: &mut instructions::Counter,
    name: &str,
    macs: usize,
    reps: u64,
    mut f: impl FnMut(),
) -> bool {
    let Some(total) = counter.count(|| {
        for _ in 0..reps {
            f()
        }
    }) else {
        println!("error: {}: the 24-bit SysTick wrapped", name);
        return false;
    };
    let per_call = total / reps;
    let milli = (total * 1000).checked_div(reps * macs as u64).unwrap_or(0);
    println!(
        "LAYER name={} macs={} per_call={} milli_per_mac={}",
        name, macs, per_call, milli
    );
    true
}

#[cortex_m_rt::entry]
fn main() -> ! {
    let mut counter = instructions::Counter::new(firmware_device::peripherals().SYST);
    let (stem, depthwise, pointwise) = (&MODEL.0, &MODEL.2, &MODEL.4);
    let mut a: Map = [[[0.0; 64]; 5]; 25];
    let mut b: Map = [[[0.0; 64]; 5]; 25];
    stem.forward(&INPUT, &mut a); // a realistic feature map for the other two
    let mut ok = true;
    ok &= time(
        &mut counter,
        "conv 10x4x1 /2",
        <StemConv as Layer<Features>>::MACS,
        4,
        || black_box(stem).forward(black_box(&INPUT), black_box(&mut a)),
    );
    ok &= time(
        &mut counter,
        "depthwise 3x3",
        <Depthwise as Layer<Map>>::MACS,
        8,
        || black_box(depthwise).forward(black_box(&a), black_box(&mut b)),
    );
    ok &= time(
        &mut counter,
        "pointwise 1x1",
        <Pointwise as Layer<Map>>::MACS,
        2,
        || black_box(pointwise).forward(black_box(&b), black_box(&mut a)),
    );
    ok &= time(&mut counter, "relu 25x5x64", 8000, 8, || {
        Relu.forward(black_box(&a), black_box(&mut b))
    });
    firmware_device::exit(ok)
}
