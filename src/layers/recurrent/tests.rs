//! Hand-checked values of the recurrent layers (the finite-difference and Keras checks are in
//! `tests/gradients_recurrent.rs` and `tests/recurrent_keras.rs`).

use super::*;
use crate::{Buffer, Init, Initializer, Layer, Rng};

#[test]
fn sequences_and_last_state_agree() {
    let mut rng = Rng::seed(3);
    let last = Gru::<5, 2, 3>::init(Initializer::GlorotUniform, &mut rng);
    let all = Gru::<5, 2, 3, ReturnSequences>::new(last.kernel, last.recurrent_kernel, last.bias);
    let x = [
        [0.5, -1.0],
        [0.25, 0.0],
        [1.0, 1.0],
        [-0.5, 0.75],
        [0.0, -0.25],
    ];
    let (mut h, mut hs) = ([0.0; 3], [[0.0; 3]; 5]);
    last.forward(&x, &mut h);
    all.forward(&x, &mut hs);
    assert_eq!(h, hs[4]);

    let last = Lstm::<5, 2, 3>::init(Initializer::GlorotUniform, &mut rng).unit_forget_bias();
    let all = Lstm::<5, 2, 3, ReturnSequences>::new(last.kernel, last.recurrent_kernel, last.bias);
    last.forward(&x, &mut h);
    all.forward(&x, &mut hs);
    assert_eq!(h, hs[4]);
    assert_eq!(last.bias[1], [1.0; 3]);
}

#[test]
fn training_forward_matches_inference_bit_for_bit() {
    let mut rng = Rng::seed(4);
    let gru = Gru::<4, 3, 2, ReturnSequences>::init(Initializer::GlorotUniform, &mut rng);
    let lstm = Lstm::<4, 3, 2>::init(Initializer::GlorotUniform, &mut rng);
    let mut x = [[0.0; 3]; 4];
    for v in x.as_flattened_mut() {
        *v = rng.uniform(-1.0, 1.0);
    }
    let (mut a, mut b) = ([[0.0; 2]; 4], [[0.0; 2]; 4]);
    gru.forward(&x, &mut a);
    let mut cache = Buffer::ZERO;
    gru.forward_train(&x, &mut b, &mut cache, &mut rng);
    assert_eq!(a, b);
    let (mut a, mut b) = ([0.0; 2], [0.0; 2]);
    lstm.forward(&x, &mut a);
    let mut cache = Buffer::ZERO;
    lstm.forward_train(&x, &mut b, &mut cache, &mut rng);
    assert_eq!(a, b);
}

#[test]
fn nan_flows_through_and_bad_ids_look_up_zeros() {
    let mut rng = Rng::seed(5);
    let gru = Gru::<3, 1, 2>::init(Initializer::GlorotUniform, &mut rng);
    let mut h = [0.0; 2];
    gru.forward(&[[f32::NAN], [0.0], [0.0]], &mut h);
    assert!(h.iter().all(|v| v.is_nan()));

    let e = Embedding::<4, 2, 6>::new([[1.0, 1.0], [2.0, 2.0], [3.0, 3.0], [4.0, 4.0]]);
    let x = [3.0, 4.0, -1.0, 0.5, f32::INFINITY, f32::NAN];
    let mut y = [[7.0; 2]; 6];
    e.forward(&x, &mut y);
    assert_eq!(
        y,
        [[4.0, 4.0], [0.0; 2], [0.0; 2], [0.0; 2], [0.0; 2], [0.0; 2]]
    );
    let mut grad = Embedding::<4, 2, 6>::ZERO;
    let mut dx = [9.0; 6];
    e.backward(&x, &y, &(), &[[1.0; 2]; 6], Some(&mut dx), Some(&mut grad));
    assert_eq!(grad.embeddings, [[0.0; 2], [0.0; 2], [0.0; 2], [1.0; 2]]);
    assert_eq!(dx, [0.0; 6]);
}

#[test]
fn file_order_is_keras_order() {
    // Keras flattens kernel (C, 3U) row-major: element [c, g·U + u].
    let kernel: [f32; 2 * 6] = core::array::from_fn(|i| i as f32);
    let recurrent: [f32; 2 * 6] = core::array::from_fn(|i| 100.0 + i as f32);
    let bias: [f32; 12] = core::array::from_fn(|i| 200.0 + i as f32);
    let gru = Gru::<1, 2, 2>::from_keras(&kernel, &recurrent, &bias).unwrap();
    assert_eq!(gru.kernel[1][2][0], kernel[6 + 2 * 2]); // c = 1, gate h, unit 0
    assert_eq!(gru.bias[1][0][1], bias[6 + 1]); // recurrent bias, gate z, unit 1
    let mut flat = [0.0; 36];
    let mut n = 0;
    crate::Params::for_each_param(&gru, &mut |_, values| {
        flat[n..n + values.len()].copy_from_slice(values);
        n += values.len();
    });
    assert_eq!(n, 36);
    assert_eq!(&flat[..12], &kernel);
    assert_eq!(&flat[24..], &bias);
    assert!(Gru::<1, 2, 2>::from_keras(&kernel, &recurrent, &bias[..11]).is_none());
}
