//! [`ToRust`] prints convolutional models as Rust that rebuilds them bit for bit.
//!
//! The expected sources are Rust files, `include!`d below, so each is checked three ways: the
//! printed text must equal it, it must compile as a `pub static` (what a firmware build script
//! writes for flash-resident weights), and the compiled static must hold exactly the bits of the
//! model that was printed. To update them after an intended change of the output, print the new
//! text (the assertion shows it) and review the difference.

use embednn::codegen::{write_f32, write_static, ToRust};
use embednn::prelude::*;

/// A small CNN of the kind `DigitsCnn` is: conv → pool → flatten → dropout → dense.
type SmallCnn = (
    Conv2d<4, 4, 1, 2, 3, 3, 1, 1, 4, 4, Same>,
    Relu,
    MaxPool2d<2, 2, 2, 2, 2, 2>,
    Flatten<8>,
    Dropout<250>,
    Dense<8, 3>,
);
const _: () = embednn::check::<SmallCnn>();

/// Every other conv, pool and reshape layer once, with both paddings.
type EveryLayer = (
    Conv1d<4, 2, 2, 2, 1, 4, Same>,
    Relu,
    MaxPool1d<2, 2, 2>,
    AvgPool1d<2, 1, 1>,
    Reshape<[[[f32; 2]; 1]; 1]>,
    DepthwiseConv2d<1, 1, 2, 1, 1, 1, 1, 1, 1>,
    AvgPool2d<1, 1, 1, 1, 1, 1, Same>,
    GlobalAvgPool,
    Dense<2, 1>,
);
const _: () = embednn::check::<EveryLayer>();

/// The expected sources, compiled.
mod expected {
    use super::*;
    include!("codegen/small_cnn.rs");
    include!("codegen/every_layer.rs");
}

const SMALL_CNN_RS: &str = include_str!("codegen/small_cnn.rs");
const EVERY_LAYER_RS: &str = include_str!("codegen/every_layer.rs");

/// Distinct values whose shortest decimal forms are long (sevenths), in parameter order.
fn fill<M: Params>(model: &mut M) {
    let mut i = 0usize;
    model.for_each_param_mut(&mut |_, values| {
        for v in values {
            *v = ((i * 37) % 23) as f32 / 7.0 - 1.5;
            i += 1;
        }
    });
}

fn small_cnn() -> SmallCnn {
    let mut model = SmallCnn::init(Initializer::GlorotUniform, &mut Rng::seed(0));
    fill(&mut model);
    model
}

/// Weights chosen to exercise every path of the float printer, not to compute anything useful.
fn every_layer() -> EveryLayer {
    let mut model = EveryLayer::init(Initializer::GlorotUniform, &mut Rng::seed(0));
    fill(&mut model);
    let conv1d = &mut model.0;
    conv1d.kernel[0][0] = [-0.0, 1e-45]; // negative zero, smallest subnormal
    conv1d.kernel[1][1] = [f32::MAX, 0.1];
    conv1d.bias[0] = f32::from_bits(0x7fc0_0001); // a NaN with a payload
    model.5.bias = [f32::INFINITY, 1e20];
    model.8.bias[0] = f32::NEG_INFINITY;
    model
}

fn source<T: ToRust>(name: &str, ty: &str, model: &T) -> String {
    let mut s = String::new();
    write_static(&mut s, name, ty, model).unwrap();
    s
}

fn param_bits<M: Params>(model: &M) -> Vec<u32> {
    let mut bits = Vec::new();
    model.for_each_param(&mut |_, values| bits.extend(values.iter().map(|v| v.to_bits())));
    bits
}

#[test]
fn small_cnn_source_is_the_expected_text() {
    let printed = source("SMALL_CNN", "SmallCnn", &small_cnn());
    assert_eq!(printed, SMALL_CNN_RS, "printed:\n{printed}");
}

#[test]
fn every_layer_source_is_the_expected_text() {
    let printed = source("EVERY_LAYER", "EveryLayer", &every_layer());
    assert_eq!(printed, EVERY_LAYER_RS, "printed:\n{printed}");
}

#[test]
fn compiled_sources_hold_the_printed_bits() {
    assert_eq!(param_bits(&expected::SMALL_CNN), param_bits(&small_cnn()));
    assert_eq!(expected::SMALL_CNN, small_cnn());
    // NaN != NaN, so only the bits can be compared here.
    let bits = param_bits(&expected::EVERY_LAYER);
    assert_eq!(bits, param_bits(&every_layer()));
    assert!(bits.contains(&0x7fc0_0001) && bits.contains(&0x8000_0000));
    // The statics run: a model in flash predicts like the one it was printed from.
    let image = [[[0.25f32]; 4]; 4];
    let (a, b) = (
        expected::SMALL_CNN.predict(&image),
        small_cnn().predict(&image),
    );
    assert_eq!(a.map(f32::to_bits), b.map(f32::to_bits));
}

#[test]
fn layers_without_parameters_print_a_literal() {
    let print = |layer: &dyn ToRust| {
        let mut s = String::new();
        layer.write_rust(&mut s).unwrap();
        s
    };
    // The static's declared type fixes the sizes; a literal names only the fields.
    assert_eq!(
        print(&MaxPool2d::<3, 3, 2, 2, 4, 4, Same>::new()),
        "embednn::MaxPool2d(core::marker::PhantomData)"
    );
    assert_eq!(print(&Dropout::<100>::new()), "embednn::Dropout");
    assert_eq!(
        print(&Reshape::<[[[f32; 3]; 2]; 1]>::new()),
        "embednn::Reshape(core::marker::PhantomData)"
    );
    assert_eq!(print(&GlobalAvgPool), "embednn::GlobalAvgPool");
    assert_eq!(print(&Relu), "embednn::Relu");
    let pool: MaxPool2d<3, 3, 2, 2, 4, 4, Same> = embednn::MaxPool2d(core::marker::PhantomData);
    assert_eq!(pool, MaxPool2d::new());
}

#[test]
fn printed_floats_parse_back_to_the_same_bits() {
    let check = |v: f32| {
        let mut s = String::new();
        write_f32(&mut s, v).unwrap();
        let parsed: f32 = s.parse().unwrap();
        assert_eq!(parsed.to_bits(), v.to_bits(), "{v:e} printed as {s}");
    };
    for v in [
        0.0,
        -0.0,
        1e-45,
        -1e-45,
        f32::MIN_POSITIVE,
        f32::MIN_POSITIVE * 0.5,
        f32::EPSILON,
        f32::MAX,
        f32::MIN,
        1e20,
        0.1,
        1.0 / 3.0,
        16_777_217.0,
    ] {
        check(v);
    }
    // Random bit patterns cover every exponent, subnormals included.
    let mut rng = Rng::seed(2024);
    for _ in 0..50_000 {
        let v = f32::from_bits(rng.next_word());
        if v.is_finite() {
            check(v);
        }
    }
}
