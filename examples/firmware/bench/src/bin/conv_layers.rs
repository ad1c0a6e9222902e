//! Benchmark of single layers, one by one, with the weights of the model benchmarks: the
//! DS-CNN's three kinds of convolution (its first 10×4 convolution, a depthwise 3×3, a pointwise
//! 1×1) and a ReLU on its 25×5×64 feature maps; the digits CNN's two 3×3 convolutions and a max
//! pool; the gesture CNN's two 1-D convolutions. Each layer runs on the activation the model
//! gives it for the benchmark input. Prints one `LAYER` line per layer.
#![no_std]
#![no_main]
#![forbid(unsafe_code)]

use core::hint::black_box;

use embednn::prelude::*;
use firmware_device::{instructions, println};
use panic_semihosting as _;

mod ds_cnn {
    include!(concat!(env!("OUT_DIR"), "/ds_cnn.rs"));
}
mod digits_cnn {
    include!(concat!(env!("OUT_DIR"), "/digits_cnn.rs"));
}
mod gestures {
    include!(concat!(env!("OUT_DIR"), "/gestures.rs"));
}

/// Aim for about this many instructions per timed run.
const TARGET_INSTRUCTIONS: u64 = 2_000_000;

/// Times `layer` on `x` (repeated for about [`TARGET_INSTRUCTIONS`]), prints its `LAYER` line,
/// and returns its output (the next layer's input).
fn time<X: Tensor, L: Layer<X>>(
    counter: &mut instructions::Counter,
    name: &str,
    layer: &L,
    x: &X,
    ok: &mut bool,
) -> L::Output {
    let mut y = <L::Output as Buffer>::ZERO;
    let mut run = |reps: u64| {
        counter.count(|| {
            for _ in 0..reps {
                black_box(layer).forward(black_box(x), black_box(&mut y));
            }
        })
    };
    let one = run(1).unwrap_or(u64::MAX).max(1);
    let reps = (TARGET_INSTRUCTIONS / one).clamp(1, 10_000);
    let Some(total) = run(reps) else {
        println!("error: {}: the 24-bit SysTick wrapped", name);
        *ok = false;
        return y;
    };
    // Layers without MACs (activations, max pools) report per output element instead.
    let work = if L::MACS > 0 {
        L::MACS
    } else {
        <L::Output as Buffer>::LEN
    };
    let milli = (total * 1000).checked_div(reps * work as u64).unwrap_or(0);
    println!(
        "LAYER name={} macs={} work={} per_call={} milli_per_unit={}",
        name,
        L::MACS,
        work,
        total / reps,
        milli
    );
    y
}

#[cortex_m_rt::entry]
fn main() -> ! {
    let mut counter = instructions::Counter::new(firmware_device::peripherals().SYST);
    let mut ok = true;
    let c = &mut counter;

    let m = &ds_cnn::MODEL;
    let a = time(
        c,
        "DS-CNN conv 10x4, 1->64, stride 2",
        &m.0,
        &ds_cnn::INPUT,
        &mut ok,
    );
    let b = time(c, "DS-CNN ReLU 25x5x64", &m.1, &a, &mut ok);
    let a = time(c, "DS-CNN depthwise 3x3, 64 channels", &m.2, &b, &mut ok);
    let b = Relu.forward_value(&a);
    time(c, "DS-CNN pointwise 1x1, 64->64", &m.4, &b, &mut ok);

    let m = &digits_cnn::MODEL;
    let a = time(
        c,
        "digits conv 3x3, 1->16",
        &m.0,
        &digits_cnn::INPUT,
        &mut ok,
    );
    let b = Relu.forward_value(&a);
    let p = time(c, "digits max pool 2x2", &m.2, &b, &mut ok);
    time(c, "digits conv 3x3, 16->32", &m.3, &p, &mut ok);

    let m = &gestures::MODEL;
    let a = time(
        c,
        "gestures conv1d 5, 3->16",
        &m.0,
        &gestures::INPUT,
        &mut ok,
    );
    let b = Relu.forward_value(&a);
    let p: [[f32; 16]; 32] = m.2.forward_value(&b);
    time(c, "gestures conv1d 5, 16->32", &m.3, &p, &mut ok);
    firmware_device::exit(ok)
}

/// `forward` returning its output.
trait ForwardValue<X: Tensor>: Layer<X> {
    fn forward_value(&self, x: &X) -> Self::Output {
        let mut y = <Self::Output as Buffer>::ZERO;
        self.forward(x, &mut y);
        y
    }
}
impl<X: Tensor, L: Layer<X>> ForwardValue<X> for L {}
