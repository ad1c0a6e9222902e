//! The CNN model types of the examples (`DigitsCnn`, `GestureCnn`): their compile-time costs
//! against hand-computed values, and the trained model files committed for the firmware
//! (`examples/firmware/models/`) loaded back and scored on the data they were tested on.

use std::path::{Path, PathBuf};

use embednn::prelude::*;
use embednn::{ModelFile, ModelInfo};
use embednn_models::gestures::{labelled, Gesture, TEST_SEED, TEST_WINDOWS};
use embednn_models::{DigitsCnn, GestureCnn};
use host_trainer::data::{CsvSpec, Dataset};

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

#[test]
fn digits_cnn_costs() {
    // conv 3×3, 1 → 16: 16·9·1 weights + 16 biases; conv 3×3, 16 → 32: 32·9·16 + 32;
    // dense 128 → 10: 1280 + 10. Pooling, flatten and dropout have no parameters.
    assert_eq!(
        DigitsCnn::PARAMS,
        (16 * 9 + 16) + (32 * 9 * 16 + 32) + (128 * 10 + 10)
    );
    assert_eq!(DigitsCnn::PARAMS, 6090);
    // Per output value, one MAC per kernel tap and input channel; max pooling costs none.
    assert_eq!(
        DigitsCnn::MACS,
        8 * 8 * 16 * 9 + 4 * 4 * 32 * 9 * 16 + 128 * 10
    );
    assert_eq!(DigitsCnn::MACS, 84_224);
}

#[test]
fn gesture_cnn_costs() {
    // conv 5 taps, 3 → 16; conv 5 taps, 16 → 32; dense 32 → 6.
    assert_eq!(
        GestureCnn::PARAMS,
        (16 * 5 * 3 + 16) + (32 * 5 * 16 + 32) + (32 * 6 + 6)
    );
    assert_eq!(GestureCnn::PARAMS, 3046);
    // The global average pool adds each of its 16 × 32 inputs once.
    let macs = 64 * 16 * 5 * 3 + 32 * 32 * 5 * 16 + 16 * 32 + 32 * 6;
    assert_eq!(GestureCnn::MACS, macs);
    assert_eq!(GestureCnn::MACS, 97_984);
}

/// The bytes of a model file committed for the firmware.
fn committed(name: &str) -> Vec<u8> {
    let path = repo("examples/firmware/models").join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A model of type `M` with the file's weights (the architecture fingerprint is checked).
fn load<M: Model + Init>(bytes: &[u8]) -> (M, ModelInfo<'_>) {
    let mut model = M::init(Initializer::GlorotUniform, &mut Rng::seed(0));
    let info = ModelFile::<M>::load_into(&mut model, bytes).unwrap();
    (model, info)
}

#[test]
fn committed_digits_cnn_scores_at_least_98_percent() {
    let bytes = committed("digits_cnn.ennm");
    let (model, info) = load::<DigitsCnn>(&bytes);
    let labels: Vec<&str> = info.labels().collect();
    assert_eq!(labels, ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]);

    // The held-out rows of examples/digits_cnn.rs, raw 0–16 pixels as a device would read them.
    let data =
        Dataset::from_csv(repo("data/digits.csv"), &CsvSpec::classification("label")).unwrap();
    let test = data.subset(&data.every_kth(5, 4).unwrap().test).unwrap();
    let images: Vec<[[[f32; 1]; 8]; 8]> = test.inputs().unwrap();
    let truth = test.labels().unwrap();
    let correct = images
        .iter()
        .zip(truth)
        .filter(|(image, &label)| {
            let mut x = **image;
            info.normalize(&mut x).unwrap();
            model.predict(&x).argmax() == label
        })
        .count();
    assert!(
        correct * 100 >= images.len() * 98,
        "{correct} of {} correct",
        images.len()
    );
}

#[test]
fn committed_gesture_cnn_scores_at_least_97_percent() {
    let bytes = committed("gestures.ennm");
    let (model, info) = load::<GestureCnn>(&bytes);
    assert!(info.labels().eq(Gesture::NAMES));

    // The held-out windows, regenerated as the firmware does.
    let correct = (0..TEST_WINDOWS as u64)
        .filter(|&i| {
            let (gesture, mut window) = labelled(TEST_SEED, i);
            info.normalize(&mut window).unwrap();
            model.predict(&window).argmax() == gesture.index()
        })
        .count();
    assert!(
        correct * 100 >= TEST_WINDOWS * 97,
        "{correct} of {TEST_WINDOWS} correct"
    );
}
