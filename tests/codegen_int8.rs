//! `codegen` writes int8 models (`Quantized<M>`) as Rust statics, so firmware keeps int8 weights
//! in flash as it keeps `f32` ones.
//!
//! As in `tests/codegen.rs`, the expected sources are Rust files `include!`d below, checked three
//! ways: the printed text equals them, they compile as `pub static`s of the model types, and the
//! compiled statics are the models that were printed (same encoding, same outputs). To update
//! them after an intended change, print the new text (the assertion shows it) and review it.

mod int8_models;

use embednn::codegen::{int8_source, write_static, ToRust};
use embednn::format::{ModelInfo, Preprocessing, QuantizedFile};
use embednn::quant::{QModel, QStored, Quantized};
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

/// The Rust an int8 file gives without its type (what `include_model!` compiles) is the text
/// `ToRust` prints for the model loaded with its type.
fn untyped_source<M: QModel + QStored>(model: &Quantized<M>) -> (String, String)
where
    Quantized<M>: ToRust + Serialize + for<'de> serde::Deserialize<'de>,
{
    let mut file = vec![0u8; QuantizedFile::<M>::MAX_BYTES];
    let n = QuantizedFile::write(model, &Preprocessing::default(), &mut file).unwrap();
    let info = ModelInfo::parse(&file[..n]).unwrap();
    let (ty, value) = int8_source(&info.int8.unwrap()).unwrap();
    let mut typed = String::new();
    model.write_rust(&mut typed).unwrap();
    assert_eq!(value, typed);
    (ty, value)
}

#[test]
fn a_file_read_without_its_type_prints_the_same_model() {
    let (ty, _) = untyped_source(&cnn());
    assert_eq!(
        ty,
        "embednn::quant::Quantized<(embednn::quant::QConv2d<6, 6, 2, 5, 3, 3, 1, 1, 6, 6, \
         embednn::Same>, embednn::quant::QClamp, embednn::MaxPool2d<2, 2, 2, 2, 3, 3, \
         embednn::Valid>, embednn::quant::QBatchNorm<5>, embednn::quant::QDepthwiseConv2d<3, 3, \
         5, 3, 3, 1, 1, 3, 3, embednn::Same>, embednn::quant::QClamp, embednn::AvgPool2d<2, 2, \
         1, 1, 2, 2, embednn::Valid>, embednn::Flatten<20>, embednn::Dropout<250>, \
         embednn::quant::QDense<20, 4>, embednn::quant::QSoftmax)>"
    );
    untyped_source(&sequence());
    untyped_source(&deep());
    let (ty, _) = untyped_source(&skip());
    assert!(
        ty.contains(
            "embednn::quant::QResidual<(embednn::quant::QDense<6, 6>, embednn::quant::QClamp, \
             embednn::quant::QDense<6, 6>)>, embednn::quant::QClamp, \
             embednn::quant::QAdd<embednn::quant::QDense<6, 3>, (embednn::quant::QDense<6, 3>, \
             embednn::quant::QLut)>"
        ),
        "{ty}"
    );
}
