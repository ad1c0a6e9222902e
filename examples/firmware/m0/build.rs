//! Host side of the build: the sine model (`$EMBEDNN_MODEL`, default `../models/sine.ennm`) and
//! the digits classifier as `static`s with golden outputs computed by the host build of the same
//! code. See `../m4f/build.rs`, which does the same and more.

use embednn::format::ModelInfo;
use embednn_models::{DigitsMlp, Sine};
use firmware_common::gen::{self, Build};

fn main() {
    let b = Build::new();
    b.memory_x();

    let path = b.model_path("EMBEDNN_MODEL", "../models/sine.ennm");
    let (sine, _) = b.load::<Sine>(&path, "sine.ennm");
    let mut src = gen::static_model("MODEL", "embednn_models::Sine", &sine);
    src += &gen::golden_table("GOLDEN", &sine, &gen::sine_inputs());
    b.write("sine.rs", src.as_bytes());

    let path = b.input("../models/digits.ennm");
    let (digits, bytes) = b.load::<DigitsMlp>(&path, "digits.ennm");
    let info = ModelInfo::parse(&bytes).expect("checked by load");
    let (_, held_out) = gen::unseen_distorted_digits(&b.input("../../../data/digits.csv"));
    let mut src = gen::static_model("MODEL", "embednn_models::DigitsMlp", &digits);
    src += &gen::golden_table("GOLDEN", &digits, &gen::digit_inputs(&held_out, &info, 24));
    b.write("digits.rs", src.as_bytes());
}
