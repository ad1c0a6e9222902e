//! The compiler rejects mis-shaped models, buffers and inputs, naming the sizes, and losses that
//! do not fit how a model ends, naming the loss to use.
//!
//! `model_ok.rs` is a pass case, so trybuild runs a full `cargo build` (not just `cargo check`)
//! and executes it; the expected errors are in the committed `.stderr` files.

#[test]
fn shapes_are_checked_at_compile_time() {
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/model_ok.rs");
    t.compile_fail("tests/ui/dense_chain_mismatch.rs");
    t.compile_fail("tests/ui/backward_wrong_gradient.rs");
    t.compile_fail("tests/ui/input_wrong_length.rs");
    t.compile_fail("tests/ui/trace_of_another_model.rs");
    t.compile_fail("tests/ui/batch_norm_needs_whole_batches.rs");
    t.compile_fail("tests/ui/conv_wrong_output_size_macro.rs");
    t.compile_fail("tests/ui/conv_wrong_output_size.rs");
    t.compile_fail("tests/ui/conv_same_wrong_output_size.rs");
    t.compile_fail("tests/ui/pool_wrong_output_size.rs");
    t.compile_fail("tests/ui/flatten_wrong_size.rs");
    t.compile_fail("tests/ui/sigmoid_with_logits_loss.rs");
    t.compile_fail("tests/ui/probability_loss_without_softmax.rs");
}

#[test]
fn int8_shapes_are_checked_at_compile_time() {
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/int8_ok.rs");
    t.compile_fail("tests/ui/int8_chain_mismatch.rs");
    t.compile_fail("tests/ui/int8_conv_wrong_output_size.rs");
    t.compile_fail("tests/ui/int8_own_layer_has_no_int8_form.rs");
}
