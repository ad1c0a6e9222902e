//! Host side of the build: loads the model files with the host build of embednn and writes, into
//! OUT_DIR, the sine model as a `static` (flash), golden outputs for a fixed input set, the
//! distorted digits for fine-tuning and the host's own fine-tuning run to compare against.
//!
//! The sine model file is `$EMBEDNN_MODEL` (a path relative to this crate, or absolute), by
//! default the committed `../models/sine.ennm`.

use embednn::format::ModelInfo;
use embednn_models::{DigitsMlp, Sine};
use firmware_common::gen::{self, Build};

fn main() {
    let b = Build::new();
    b.memory_x();

    // Sine: the model file, the same weights as a static, goldens.
    let path = b.model_path("EMBEDNN_MODEL", "../models/sine.ennm");
    let (sine, _) = b.load::<Sine>(&path, "sine.ennm");
    let mut src = gen::static_model("MODEL", "embednn_models::Sine", &sine);
    src += &gen::golden_table("GOLDEN", &sine, &gen::sine_inputs());
    b.write("sine.rs", src.as_bytes());

    // Digits: the file (for fine-tuning in RAM), the classifier as a static (flash) with goldens
    // on unseen digits, the fine-tuning data and the host's fine-tuning run.
    let path = b.input("../models/digits.ennm");
    let (digits, bytes) = b.load::<DigitsMlp>(&path, "digits.ennm");
    let (fine_tune, held_out) = gen::unseen_distorted_digits(&b.input("../../../data/digits.csv"));
    let info = ModelInfo::parse(&bytes).expect("checked by load");
    let mut src = gen::static_model("MODEL", "embednn_models::DigitsMlp", &digits);
    src += &gen::golden_table("GOLDEN", &digits, &gen::digit_inputs(&held_out, &info, 24));
    src += &gen::digit_table("FINE_TUNE", &fine_tune);
    src += &gen::digit_table("HELD_OUT", &held_out);
    src += &gen::fine_tune_reference("HOST_RUN", &bytes, &fine_tune, &held_out);
    b.write("digits.rs", src.as_bytes());
}
