//! The model types the importer writes for the shared models compile against embednn: every
//! layer accepts the previous one's output (`embednn::check!`), the parameter counts are the
//! graph's, and the int8 twins are well-formed int8 models.

#![allow(dead_code)]

include!("generated/shared_models.rs");

#[test]
fn sizes_known_at_compile_time() {
    use embednn::{Layer, Model, Params};
    // The MLPerf Tiny ResNet-8: 77,706 parameters in 23 embednn layers, residual connections
    // included.
    assert_eq!(<Resnet8 as Params>::PARAMS, 77_706);
    assert_eq!(<Resnet8 as Layer<embednn::Input<Resnet8>>>::DEPTH, 23);
    const { assert!(Resnet8::INFERENCE_BYTES > 0) };
    const { assert!(Resnet8QInt8::PARAM_BYTES < <Resnet8 as Model>::PARAM_BYTES) };
}
