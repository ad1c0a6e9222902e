//! The DS-CNN as deployed (batch norms folded into the convolutions) computes what the trained
//! network computes at inference.

use embednn::prelude::*;
use embednn_models::ds_cnn::{self, DsCnn, DsCnnTraining, CLASSES};

/// Largest difference between the logits of the folded and the unfolded model, relative to the
/// largest logit: folding changes only the rounding (the batch norm's scale multiplies each
/// weight instead of each sum), through nine layers.
const TOLERANCE: f32 = 1e-5;

#[test]
fn folded_model_matches_the_trained_model() {
    let trained: Box<DsCnnTraining> = Box::new(ds_cnn::random_training_model(0x05C1));
    let folded: Box<DsCnn> = Box::new(ds_cnn::fold(&trained));
    let mut worst = 0.0f32;
    let mut spread = 0.0f32;
    for seed in 0..8 {
        let x = ds_cnn::random_features(100 + seed);
        let a: [f32; CLASSES] = trained.predict(&x);
        let b: [f32; CLASSES] = folded.predict(&x);
        let scale = a.iter().fold(1.0f32, |m, v| m.max(v.abs()));
        let max_logit = a.iter().fold(f32::MIN, |m, &v| m.max(v));
        let min_logit = a.iter().fold(f32::MAX, |m, &v| m.min(v));
        spread = spread.max(max_logit - min_logit);
        for (&u, &v) in a.iter().zip(&b) {
            assert!(u.is_finite() && v.is_finite());
            worst = worst.max((u - v).abs() / scale);
        }
        assert_eq!(
            a.argmax(),
            b.argmax(),
            "input {seed}: folding changed the prediction"
        );
    }
    println!("largest relative difference {worst:e}, logit spread up to {spread}");
    assert!(
        worst <= TOLERANCE,
        "folded and trained differ by {worst:e} (relative)"
    );
    // The random batch norms must make the check meaningful: logits that differ between classes.
    assert!(spread > 0.01, "degenerate logits (spread {spread})");
}

#[test]
fn deployment_model_has_no_batch_norm_and_two_slots() {
    let mut kinds = Vec::new();
    DsCnn::layers(&mut |info| kinds.push(info.kind));
    assert_eq!(kinds.len(), 20);
    assert!(!kinds.contains(&"BatchNorm") && !kinds.contains(&"Dropout"));
    // Two 25×5×64 slots (plus the enum tag) and the first convolution's five 10×4 windows;
    // then the input and the logits.
    let slot = 25 * 5 * 64 * 4;
    let window = 5 * 10 * 4 * 4;
    let slots = DsCnn::FORWARD_BYTES - window;
    assert!(slots >= 2 * slot && slots <= 2 * slot + 16, "{slots}");
    assert_eq!(
        DsCnn::INFERENCE_BYTES,
        DsCnn::FORWARD_BYTES + 49 * 10 * 4 + CLASSES * 4
    );
    assert_eq!(DsCnn::MACS, 2_664_768);
    assert_eq!(
        DsCnn::PARAMS,
        (64 * 10 * 4 + 64) + 4 * ((9 * 64 + 64) + (64 * 64 + 64)) + (64 * 12 + 12)
    );
}

#[test]
fn documented_ram_of_the_example_cnns() {
    // examples/models/src/lib.rs states these.
    assert_eq!(embednn_models::DigitsCnn::INFERENCE_BYTES, 11_376);
    assert_eq!(embednn_models::GestureCnn::INFERENCE_BYTES, 10_592);
}
