//! The compiler rejects mis-shaped recurrent models: a sequence of the wrong length, a
//! last-state layer feeding one that wants a sequence, and a sequence of zero steps. The expected
//! errors are in the committed `.stderr` files next to each case in `tests/ui/`.

#[test]
fn recurrent_shapes_are_checked_at_compile_time() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/recurrent_wrong_sequence_length.rs");
    t.compile_fail("tests/ui/recurrent_stack_needs_sequences.rs");
    t.compile_fail("tests/ui/recurrent_zero_length.rs");
}
