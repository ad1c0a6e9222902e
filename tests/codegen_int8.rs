//! `codegen` writes int8 models (`Quantized<M>`) as Rust statics, so firmware keeps int8 weights
//! in flash as it keeps `f32` ones.
//!
//! As in `tests/codegen.rs`, the expected sources are Rust files `include!`d below, checked three
//! ways: the printed text equals them, they compile as `pub static`s of the model types, and the
//! compiled statics are the models that were printed (same encoding, same outputs). To update
//! them after an intended change, print the new text (the assertion shows it) and review it.

mod int8_models;

use embednn::codegen::{write_static, ToRust};
use embednn::quant::{QStored, Quantized};
use int8_models::*;
use serde::Serialize;

/// The expected sources, compiled.
mod expected {
    use super::*;
    include!("codegen/cnn_int8.rs");
    include!("codegen/sequence_int8.rs");
    include!("codegen/deep_int8.rs");
}

fn source<T: ToRust>(name: &str, ty: &str, model: &T) -> String {
    let mut s = String::new();
    write_static(&mut s, name, ty, model).unwrap();
    s
}

fn encoded<M: QStored>(model: &Quantized<M>) -> Vec<u8>
where
    Quantized<M>: Serialize,
{
    postcard::to_stdvec(model).unwrap()
}

#[test]
fn printed_sources_are_the_expected_text() {
    let cases = [
        (
            source("CNN_INT8", "Quantized<CnnInt8>", &cnn()),
            include_str!("codegen/cnn_int8.rs"),
        ),
        (
            source("SEQUENCE_INT8", "Quantized<SequenceInt8>", &sequence()),
            include_str!("codegen/sequence_int8.rs"),
        ),
        (
            source("DEEP_INT8", "Quantized<DeepInt8>", &deep()),
            include_str!("codegen/deep_int8.rs"),
        ),
    ];
    for (printed, expected) in cases {
        assert_eq!(printed, expected, "printed:\n{printed}");
    }
}

#[test]
fn compiled_statics_are_the_printed_models() {
    assert_eq!(expected::CNN_INT8, cnn());
    assert_eq!(expected::SEQUENCE_INT8, sequence());
    // 19 layers have no PartialEq: compare the encodings.
    assert_eq!(encoded(&expected::DEEP_INT8), encoded(&deep()));

    // The statics run, from flash on a device: the same outputs as the models printed.
    let x = input::<CnnInput>(3);
    assert_eq!(expected::CNN_INT8.predict(&x), cnn().predict(&x));
    let x = input::<SequenceInput>(4);
    assert_eq!(expected::SEQUENCE_INT8.predict(&x), sequence().predict(&x));
    let x = input::<DeepInput>(5);
    assert_eq!(expected::DEEP_INT8.predict(&x), deep().predict(&x));
}

#[test]
fn the_parts_print_struct_literals() {
    let print = |value: &dyn ToRust| {
        let mut s = String::new();
        value.write_rust(&mut s).unwrap();
        s
    };
    let stage = embednn::quant::OutputStage {
        zero_point: -128,
        min: -128,
        max: 17,
    };
    assert_eq!(
        print(&stage),
        "embednn::quant::OutputStage { zero_point: -128, min: -128, max: 17 }"
    );
    let p = embednn::quant::QParams {
        scale: f32::from_bits(0x7fc0_0001),
        zero_point: 5,
    };
    assert_eq!(
        print(&p),
        "embednn::quant::QParams { scale: f32::from_bits(0x7fc00001), zero_point: 5 }"
    );
}
