embednn_macros::include_model!(pub MODEL = "../../../../macros/tests/models/no_such_model.ennm");

fn main() {}
