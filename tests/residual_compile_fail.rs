//! The compiler rejects residual connections whose shapes do not add up, naming both tensor
//! types: a `Residual` block that changes its input's shape, `Add` branches with different
//! outputs, and the same for the int8 `QResidual`. The expected errors are in the committed
//! `.stderr` files next to the cases.

#[test]
fn residual_shapes_are_checked_at_compile_time() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/residual_ui/*.rs");
}
