//! Every int8 layer and `Quantized<M>` is serde without a heap: postcard writes each int8 weight
//! as one byte, in TFLite's plain order, and reads the model back equal to the one written —
//! by value, or in place into an existing model.

mod int8_models;

use embednn::quant::{QDense, QParams, QStored, Quantized, Requant};
use int8_models::*;
use serde::{Deserialize, Serialize};

/// postcard bytes of `value`, written into a slice as firmware would.
fn encode<T: Serialize>(value: &T, max: usize) -> Vec<u8> {
    let mut buf = vec![0u8; max];
    let used = postcard::to_slice(value, &mut buf).expect("MAX_ENCODED_LEN suffices");
    used.to_vec()
}

/// Encodes, decodes by value and in place, and returns the two decoded models (equal to
/// `model` when their encodings are: tuples of more than 12 layers have no `PartialEq`).
fn round_trip<M>(model: &Quantized<M>) -> [Quantized<M>; 2]
where
    M: QStored,
    Quantized<M>: Serialize + for<'de> Deserialize<'de>,
{
    let bytes = encode(model, Quantized::<M>::MAX_ENCODED_LEN);
    let back: Quantized<M> = postcard::from_bytes(&bytes).unwrap();
    let max = Quantized::<M>::MAX_ENCODED_LEN;
    assert_eq!(encode(&back, max), bytes, "by value");

    // In place: every field of a model holding other values is overwritten.
    let mut place = Quantized {
        input: QParams::default(),
        layers: M::ZERO,
        output: QParams::default(),
    };
    let mut de = postcard::Deserializer::from_bytes(&bytes);
    Quantized::<M>::deserialize_in_place(&mut de, &mut place).unwrap();
    assert!(de.finalize().unwrap().is_empty(), "every byte is read");
    assert_eq!(encode(&place, max), bytes, "in place");

    // Every truncation is an error, never a panic.
    for cut in 0..bytes.len() {
        assert!(
            postcard::from_bytes::<Quantized<M>>(&bytes[..cut]).is_err(),
            "cut at {cut}"
        );
    }
    [back, place]
}

#[test]
fn int8_models_round_trip_through_postcard() {
    let cnn = cnn();
    assert_eq!(round_trip(&cnn), [cnn; 2]);
    let sequence = sequence();
    assert_eq!(round_trip(&sequence), [sequence; 2]);
    // 19 layers: more than serde's tuples hold, as one flat tuple.
    assert_eq!(DeepInt8::DEPTH, 19);
    let deep = deep();
    let x = input::<DeepInput>(1);
    for back in round_trip(&deep) {
        assert_eq!(
            back.predict_int8(&deep.quantize_input(&x)),
            deep.predict_int8(&deep.quantize_input(&x))
        );
    }
}

#[test]
fn a_bare_tuple_of_int8_layers_is_serde_too() {
    let layers = sequence().layers;
    let bytes = postcard::to_stdvec(&layers).unwrap();
    assert_eq!(
        postcard::from_bytes::<SequenceInt8>(&bytes).unwrap(),
        layers
    );
}

#[test]
fn weights_take_one_byte_each_and_the_bound_holds() {
    // Count the bytes of a dense layer: 8 × 300 weights are 2,400 bytes, whatever their values.
    let rows = [[-128i8; 300]; 8];
    let requant = [Requant {
        multiplier: i32::MAX,
        shift: i32::MIN,
    }; 8];
    let stage = embednn::quant::OutputStage {
        zero_point: i32::MIN,
        min: 0,
        max: 0,
    };
    let layer = QDense::<300, 8>::from_tflite(&rows, [i32::MIN; 8], 0, requant, stage);
    let bytes = postcard::to_stdvec(&layer).unwrap();
    assert_eq!(&bytes[..2400], &[0x80; 2400][..]);
    // Every varint at its longest: the bound is reached exactly.
    assert_eq!(bytes.len(), <QDense<300, 8> as QStored>::MAX_ENCODED_LEN);
    assert_eq!(
        postcard::from_bytes::<QDense<300, 8>>(&bytes).unwrap(),
        layer
    );
}

#[test]
fn weights_are_stored_in_tflite_order_not_the_kernels() {
    // 9 rows: two interleaved blocks of four and a plain one, so the orders differ.
    let rows: [[i8; 5]; 9] =
        core::array::from_fn(|o| core::array::from_fn(|i| (o * 5 + i) as i8 - 20));
    let requant = [Requant::from_scale(0.01); 9];
    let stage = embednn::quant::OutputStage::default();
    let layer = QDense::<5, 9>::from_tflite(&rows, [0; 9], 3, requant, stage);
    assert_ne!(layer.weights.0, rows, "the kernels keep another layout");
    let bytes = postcard::to_stdvec(&layer).unwrap();
    let plain: Vec<u8> = rows.as_flattened().iter().map(|&w| w as u8).collect();
    assert_eq!(&bytes[..45], &plain[..]);
}
