// sine.ennm is Dense<1, 16> → … → Dense<16, 1>; this asks for another architecture.
type Expected = (embednn::Dense<1, 8>, embednn::Relu, embednn::Dense<8, 1>);

embednn_macros::include_model!(pub MODEL: Expected = "../../../../examples/firmware/models/sine.ennm");

fn main() {}
