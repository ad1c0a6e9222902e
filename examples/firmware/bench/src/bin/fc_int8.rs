//! The int8 autoencoder's ten fully connected layers one by one, embednn's (`QDense`, the DSP
//! kernel) and CMSIS-NN's `arm_fully_connected_s8` on the same shapes, weights and inputs, in
//! the same run: one `FC` line per layer (with `kernel`, the part of embednn's layer spent in
//! the dot products, `dot_rows`; the rest is requantization, clamping and storing), then the ten
//! layers chained (embednn's whole
//! `predict_int8`, ReLU copies included, against ten CMSIS-NN calls). Without CMSIS-NN (a clone
//! without `../shared`), only embednn's figures, `cmsis=0`.
#![no_std]
#![no_main]
#![forbid(unsafe_code)]

use core::hint::black_box;

use embednn::quant::kernels::dot_rows;
use embednn::quant::{QDense, QLayer};
use firmware_bench::cmsis::{self, Weights};
use firmware_device::{instructions, println};
use panic_semihosting as _;

include!(concat!(env!("OUT_DIR"), "/autoencoder_int8.rs"));
mod fc {
    include!(concat!(env!("OUT_DIR"), "/fc_int8.rs"));
}

/// Aim for about this many instructions per timed run.
const TARGET_INSTRUCTIONS: u64 = 2_000_000;

/// Instructions per call of `f`, repeated for about [`TARGET_INSTRUCTIONS`] (`None`: wrapped).
fn per_call(counter: &mut instructions::Counter, mut f: impl FnMut()) -> Option<u64> {
    let one = counter.count(&mut f)?.max(1);
    let reps = (TARGET_INSTRUCTIONS / one).clamp(1, 10_000);
    let total = counter.count(|| {
        for _ in 0..reps {
            f();
        }
    })?;
    Some(total / reps)
}

/// Times layer `layer` of embednn and CMSIS-NN's call on the same input, prints its `FC` line,
/// and returns embednn's output (the next layer's input). `ok` turns false when a count wraps
/// or CMSIS-NN, being built in, fails.
fn layer<const I: usize, const O: usize>(
    c: &mut instructions::Counter,
    ours: &QDense<I, O>,
    (w, b, p): (&Weights<I, O>, &[i32; O], &[i32; 6]),
    x: &[i8; I],
    ok: &mut bool,
) -> [i8; O] {
    let mut y = [0i8; O];
    let embednn = per_call(c, || {
        black_box(ours).forward(black_box(x), black_box(&mut y))
    });
    // Of which the dot products: `dot_rows` on the same sixteen-row chunks, from the biases.
    let kernel = per_call(c, || {
        let rows = black_box(ours).weights.0.as_flattened().chunks(16 * I);
        for (w, b) in rows.zip(ours.bias.chunks(16)) {
            let mut acc = [0i32; 16];
            let acc = &mut acc[..b.len()];
            acc.copy_from_slice(b);
            dot_rows(w, I, black_box(x), acc);
            black_box(acc);
        }
    });
    let mut theirs = [0i8; O];
    let mut ran = true;
    let cmsis = if cmsis::AVAILABLE {
        per_call(c, || {
            ran &= cmsis::fully_connected(w, b, p, black_box(x), black_box(&mut theirs))
        })
    } else {
        Some(0)
    };
    *ok &= ran;
    match (embednn, kernel, cmsis) {
        (Some(e), Some(k), Some(t)) => println!(
            "FC name={}x{} macs={} embednn={} kernel={} cmsis={}",
            I,
            O,
            I * O,
            e,
            k,
            t
        ),
        _ => {
            println!("error: {}x{}: the 24-bit SysTick wrapped", I, O);
            *ok = false;
        }
    }
    y
}

#[cortex_m_rt::entry]
fn main() -> ! {
    let mut counter = instructions::Counter::new(firmware_device::peripherals().SYST);
    let c = &mut counter;
    let mut ok = true;
    let ok_ = &mut ok;
    let (e, d) = (&MODEL.layers.0, &MODEL.layers.2);
    let a = layer(c, &e.0, (&fc::W0, &fc::B0, &fc::P0), &INPUT, ok_);
    let a = layer(c, &e.2, (&fc::W1, &fc::B1, &fc::P1), &a, ok_);
    let a = layer(c, &e.4, (&fc::W2, &fc::B2, &fc::P2), &a, ok_);
    let a = layer(c, &e.6, (&fc::W3, &fc::B3, &fc::P3), &a, ok_);
    let a = layer(c, &e.8, (&fc::W4, &fc::B4, &fc::P4), &a, ok_);
    let a = layer(c, &d.0, (&fc::W5, &fc::B5, &fc::P5), &a, ok_);
    let a = layer(c, &d.2, (&fc::W6, &fc::B6, &fc::P6), &a, ok_);
    let a = layer(c, &d.4, (&fc::W7, &fc::B7, &fc::P7), &a, ok_);
    let a = layer(c, &d.6, (&fc::W8, &fc::B8, &fc::P8), &a, ok_);
    layer(c, &d.8, (&fc::W9, &fc::B9, &fc::P9), &a, ok_);

    // The whole model: embednn's inference against the ten CMSIS-NN calls chained through two
    // buffers, as an interpreter would run them.
    let embednn = per_call(c, || {
        black_box(black_box(&MODEL).predict_int8(black_box(&INPUT)));
    });
    let cmsis = if cmsis::AVAILABLE {
        let mut ran = true;
        let t = per_call(c, || ran &= chain(black_box(&INPUT)));
        ok &= ran;
        t
    } else {
        Some(0)
    };
    match (embednn, cmsis) {
        (Some(e), Some(t)) => println!(
            "FC name=model macs={} embednn={} kernel=0 cmsis={}",
            embednn::quant::Quantized::<firmware_bench_types::Int8>::MACS,
            e,
            t
        ),
        _ => ok = false,
    }
    if !cmsis::AVAILABLE {
        println!("CMSIS-NN is not built in (no ../shared/reference/cmsis-nn): embednn only");
    }
    firmware_device::exit(ok)
}

/// The model's type, to name its constants.
mod firmware_bench_types {
    pub type Int8 = <firmware_common::autoencoder::Autoencoder as embednn::quant::Quantize<
        [f32; 640],
    >>::Quantized;
}

/// The ten CMSIS-NN calls, each layer's output the next one's input.
fn chain(x: &[i8; 640]) -> bool {
    let (mut h, mut g) = ([0i8; 128], [0i8; 128]);
    let mut z = [0i8; 8];
    let mut y = [0i8; 640];
    let mut ok = cmsis::fully_connected(&fc::W0, &fc::B0, &fc::P0, x, &mut h);
    ok &= cmsis::fully_connected(&fc::W1, &fc::B1, &fc::P1, &h, &mut g);
    ok &= cmsis::fully_connected(&fc::W2, &fc::B2, &fc::P2, &g, &mut h);
    ok &= cmsis::fully_connected(&fc::W3, &fc::B3, &fc::P3, &h, &mut g);
    ok &= cmsis::fully_connected(&fc::W4, &fc::B4, &fc::P4, &g, &mut z);
    ok &= cmsis::fully_connected(&fc::W5, &fc::B5, &fc::P5, &z, &mut h);
    ok &= cmsis::fully_connected(&fc::W6, &fc::B6, &fc::P6, &h, &mut g);
    ok &= cmsis::fully_connected(&fc::W7, &fc::B7, &fc::P7, &g, &mut h);
    ok &= cmsis::fully_connected(&fc::W8, &fc::B8, &fc::P8, &h, &mut g);
    ok &= cmsis::fully_connected(&fc::W9, &fc::B9, &fc::P9, &g, &mut y);
    black_box(&y);
    ok
}
