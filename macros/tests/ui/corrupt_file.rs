embednn_macros::include_model!(pub MODEL = "../../../../macros/tests/models/corrupt.ennm");

fn main() {}
