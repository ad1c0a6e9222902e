// trybuild builds this in target/tests/trybuild/embednn-macros, so paths climb four levels to
// the repository root.
embednn_macros::include_model!(pub MODEL = "../../../../examples/firmware/models/sine.ennm");

fn main() {
    use embednn::Model as _;
    let y = MODEL.predict(&[0.5]);
    assert!(y[0].is_finite());
    assert_eq!(<Model as embednn::Params>::PARAMS, 321);
}
