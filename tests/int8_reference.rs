//! int8 layers against TensorFlow Lite's reference kernels, bit for bit.
//!
//! `scripts/int8_reference.py` (run by hand, not by the tests) builds one small Keras model per
//! case, quantizes it with TFLite's converter, runs it in TensorFlow's interpreter with the
//! *reference* op resolver and writes the quantized parameters, inputs and outputs to
//! `tests/reference/int8/*.json`. Here each case's parameters build the matching embednn int8
//! layer — requantization derived by our own code from the float scales — and every output must
//! equal the interpreter's.
//!
//! One known difference is left out of these files on purpose: TensorFlow's own reference
//! `FULLY_CONNECTED` (2.21) requantizes in `f64` rather than with the fixed-point multiplier that
//! TFLite Micro, CMSIS-NN and embednn use, so it differs at exact ties; the script keeps only
//! samples where both agree here, and `tests/reference/int8/fully_connected_requantization/`
//! lists the outputs where they differ.

use std::path::Path;

use embednn::quant::Quantized;
use embednn::quant::{
    OutputStage, QConv1d, QConv2d, QDense, QDepthwiseConv2d, QLayer, QParams, QTensor, Requant,
};
use embednn::{AvgPool2d, Flatten, MaxPool2d, Same, Valid};
use serde_json::Value;

struct Case {
    name: String,
    json: Value,
}

impl Case {
    /// Operation `k` of an end-to-end file, as a case of its own.
    fn op(&self, k: usize) -> Case {
        Case {
            name: format!("{} op {k}", self.name),
            json: self.json["ops"][k].clone(),
        }
    }
    fn load(name: &str) -> Case {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/reference/int8")
            .join(format!("{name}.json"));
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
        Case {
            name: name.to_string(),
            json: serde_json::from_str(&text).expect("valid JSON"),
        }
    }
    fn ints(&self, v: &Value) -> Vec<i64> {
        v.as_array()
            .unwrap_or_else(|| panic!("{}: not an array", self.name))
            .iter()
            .map(|x| x.as_i64().expect("integer"))
            .collect()
    }
    fn floats(&self, v: &Value) -> Vec<f32> {
        v.as_array()
            .unwrap_or_else(|| panic!("{}: not an array", self.name))
            .iter()
            .map(|x| x.as_f64().expect("number") as f32)
            .collect()
    }
    fn params(&self, tensor: &str) -> QParams {
        let t = &self.json[tensor];
        QParams {
            scale: t["scale"].as_f64().expect("scale") as f32,
            zero_point: t["zero_point"].as_i64().expect("zero point") as i32,
        }
    }
    fn samples(&self, tensor: &str) -> Vec<Vec<i8>> {
        self.json[tensor]["samples"]
            .as_array()
            .expect("samples")
            .iter()
            .map(|s| self.ints(s).into_iter().map(|v| v as i8).collect())
            .collect()
    }
    fn filter(&self) -> Vec<i8> {
        self.ints(&self.json["filter"]["data"])
            .into_iter()
            .map(|v| v as i8)
            .collect()
    }
    fn bias<const N: usize>(&self) -> [i32; N] {
        let b: Vec<i32> = self
            .ints(&self.json["bias"]["data"])
            .into_iter()
            .map(|v| v as i32)
            .collect();
        b.try_into().expect("bias length")
    }
    /// Per-channel requantization from the float scales, checked against the multiplier and
    /// shift the script computed with TFLite's own `QuantizeMultiplier`.
    fn requant<const N: usize>(&self) -> [Requant; N] {
        let (input, output) = (self.params("input"), self.params("output"));
        let scales = self.floats(&self.json["filter"]["scales"]);
        let mult = self.ints(&self.json["tflite_multiplier"]);
        let shift = self.ints(&self.json["tflite_shift"]);
        std::array::from_fn(|c| {
            let s = if scales.len() == 1 {
                scales[0]
            } else {
                scales[c]
            };
            // TFLite multiplies the scales in f32 for a per-tensor FULLY_CONNECTED only.
            let per_tensor_fc = scales.len() == 1 && self.json["op"] == "FULLY_CONNECTED";
            let r = if per_tensor_fc {
                Requant::for_scales_f32_product(input.scale, s, output.scale)
            } else {
                Requant::for_scales(input.scale, s, output.scale)
            };
            let m = if mult.len() == 1 { mult[0] } else { mult[c] };
            let sh = if shift.len() == 1 { shift[0] } else { shift[c] };
            assert_eq!(
                (r.multiplier as i64, r.shift as i64),
                (m, sh),
                "{}: channel {c}: requantization differs from TFLite's",
                self.name
            );
            r
        })
    }
    /// The output stage with TFLite's activation range for the fused activation.
    fn stage(&self) -> OutputStage {
        let out = self.params("output");
        let stage = OutputStage::new(out);
        match self.json["options"]["fused_activation"].as_str() {
            Some("RELU") => stage.clamped(out, 0.0, f32::INFINITY),
            Some("RELU6") => stage.clamped(out, 0.0, 6.0),
            _ => stage,
        }
    }
    /// Runs `layer` on every input sample; every output must equal the interpreter's.
    fn check<X: QTensor, L: QLayer<X>>(&self, layer: &L) -> usize {
        let inputs = self.samples("input");
        let outputs = self.samples("output");
        assert!(inputs.len() >= 8, "{}: too few samples", self.name);
        let mut compared = 0;
        for (i, (x, want)) in inputs.iter().zip(&outputs).enumerate() {
            let mut xt = X::ZERO;
            xt.flat_mut().copy_from_slice(x);
            let mut y = L::Output::ZERO;
            layer.forward(&xt, &mut y);
            assert_eq!(y.flat(), &want[..], "{}: sample {i}", self.name);
            compared += want.len();
        }
        compared
    }
}

fn rows<const I: usize, const O: usize>(flat: &[i8]) -> [[i8; I]; O] {
    std::array::from_fn(|o| std::array::from_fn(|i| flat[o * I + i]))
}

fn dense<const I: usize, const O: usize>(name: &str) {
    let case = Case::load(name);
    let layer = QDense::<I, O>::from_tflite(
        &rows::<I, O>(&case.filter()),
        case.bias(),
        case.params("input").zero_point,
        case.requant(),
        case.stage(),
    );
    assert!(case.check(&layer) > 0);
}

#[test]
fn fully_connected_matches_tflite() {
    dense::<16, 10>("fully_connected_16x10_none_per_tensor");
    dense::<16, 10>("fully_connected_16x10_none_per_channel");
    dense::<64, 32>("fully_connected_64x32_relu_per_tensor");
    dense::<64, 32>("fully_connected_64x32_relu_per_channel");
    dense::<640, 128>("fully_connected_640x128_relu_per_tensor");
}

fn filters<const CO: usize, const KH: usize, const KW: usize, const CI: usize>(
    flat: &[i8],
) -> [[[[i8; CI]; KW]; KH]; CO] {
    std::array::from_fn(|o| {
        std::array::from_fn(|h| {
            std::array::from_fn(|w| std::array::from_fn(|c| flat[((o * KH + h) * KW + w) * CI + c]))
        })
    })
}

macro_rules! conv2d {
    ($name:literal, $h:literal, $w:literal, $ci:literal, $co:literal, $kh:literal, $kw:literal,
     $sh:literal, $sw:literal, $oh:literal, $ow:literal, $p:ty) => {{
        let case = Case::load($name);
        let zp = case.params("input").zero_point as i8;
        let layer = QConv2d::<$h, $w, $ci, $co, $kh, $kw, $sh, $sw, $oh, $ow, $p>::from_tflite(
            &filters::<$co, $kh, $kw, $ci>(&case.filter()),
            case.bias(),
            zp,
            case.requant(),
            case.stage(),
        );
        assert!(case.check(&layer) > 0);
    }};
}

#[test]
fn conv_2d_matches_tflite() {
    conv2d!(
        "conv_2d_3x3_valid_s1_relu_8x8x3_to_4",
        8,
        8,
        3,
        4,
        3,
        3,
        1,
        1,
        6,
        6,
        Valid
    );
    conv2d!(
        "conv_2d_3x3_same_s2_relu6_9x9x2_to_5",
        9,
        9,
        2,
        5,
        3,
        3,
        2,
        2,
        5,
        5,
        Same
    );
    conv2d!(
        "conv_2d_1x1_pointwise_none_5x5x8_to_6",
        5,
        5,
        8,
        6,
        1,
        1,
        1,
        1,
        5,
        5,
        Valid
    );
    conv2d!(
        "conv_2d_10x4_same_s2_relu_49x10x1_to_8",
        49,
        10,
        1,
        8,
        10,
        4,
        2,
        2,
        25,
        5,
        Same
    );
}

#[test]
fn conv_1d_matches_tflite() {
    // Keras' Conv1D becomes a CONV_2D of height 1: filter [4, 1, 3, 3].
    let case = Case::load("conv_1d_k3_valid_none_16x3_to_4");
    let f = filters::<4, 1, 3, 3>(&case.filter());
    let layer = QConv1d::<16, 3, 4, 3, 1, 14, Valid>::from_tflite(
        &f.map(|[k]| k),
        case.bias(),
        case.params("input").zero_point as i8,
        case.requant(),
        case.stage(),
    );
    assert!(case.check(&layer) > 0);
}

#[test]
fn depthwise_conv_2d_matches_tflite() {
    let case = Case::load("depthwise_conv_2d_3x3_same_s1_relu_6x6x4_m1");
    let [weights] = filters::<1, 3, 3, 4>(&case.filter());
    let layer = QDepthwiseConv2d::<6, 6, 4, 3, 3, 1, 1, 6, 6, Same> {
        weights,
        bias: case.bias(),
        requant: case.requant(),
        output: case.stage(),
        input_zero_point: case.params("input").zero_point as i8,
        padding: core::marker::PhantomData,
    };
    assert!(case.check(&layer) > 0);
}

#[test]
fn pools_match_tflite() {
    let case = Case::load("average_pool_2d_2x2_valid_s2_6x6x3");
    assert_eq!(case.params("input"), case.params("output"));
    case.check::<[[[i8; 3]; 6]; 6], _>(&AvgPool2d::<2, 2, 2, 2, 3, 3, Valid>::new());
    let case = Case::load("average_pool_2d_3x3_same_s1_5x5x2");
    case.check::<[[[i8; 2]; 5]; 5], _>(&AvgPool2d::<3, 3, 1, 1, 5, 5, Same>::new());
    let case = Case::load("max_pool_2d_2x2_valid_s2_6x6x3");
    case.check::<[[[i8; 3]; 6]; 6], _>(&MaxPool2d::<2, 2, 2, 2, 3, 3, Valid>::new());
    let case = Case::load("max_pool_2d_3x3_same_s2_6x6x3");
    case.check::<[[[i8; 3]; 6]; 6], _>(&MaxPool2d::<3, 3, 2, 2, 3, 3, Same>::new());
}

#[test]
fn quantize_and_dequantize_match_tflite() {
    let case = Case::load("quantize_float_to_int8_16");
    let p = case.params("output");
    let inputs = case.json["input"]["float_samples"]
        .as_array()
        .expect("floats");
    let outputs = case.samples("output");
    for (x, want) in inputs.iter().zip(&outputs) {
        let got: Vec<i8> = case.floats(x).iter().map(|&v| p.quantize(v)).collect();
        assert_eq!(&got, want);
    }
    let case = Case::load("dequantize_int8_to_float_16");
    let p = case.params("input");
    let outputs = case.json["output"]["float_samples"]
        .as_array()
        .expect("floats");
    for (x, want) in case.samples("input").iter().zip(outputs) {
        let got: Vec<u32> = x.iter().map(|&v| p.dequantize(v).to_bits()).collect();
        let want: Vec<u32> = case.floats(want).iter().map(|v| v.to_bits()).collect();
        assert_eq!(got, want);
    }
}

#[test]
fn a_whole_model_matches_tflite() {
    // Conv2D(4, 3×3, relu) → MaxPooling2D → Flatten → Dense(10), int8 in and out: each layer
    // from its op's parameters, the model as one tuple; every intermediate tensor must equal the
    // interpreter's, and so must the model's output.
    let case = Case::load("e2e_conv3x3_relu_maxpool_dense_10x10x2_to_10");
    let (conv, pool, dense) = (case.op(0), case.op(1), case.op(3));
    let conv_layer = QConv2d::<10, 10, 2, 4, 3, 3, 1, 1, 8, 8, Valid>::from_tflite(
        &filters::<4, 3, 3, 2>(&conv.filter()),
        conv.bias(),
        conv.params("input").zero_point as i8,
        conv.requant(),
        conv.stage(),
    );
    let dense_layer = QDense::<64, 10>::from_tflite(
        &rows::<64, 10>(&dense.filter()),
        dense.bias(),
        dense.params("input").zero_point,
        dense.requant(),
        dense.stage(),
    );
    assert!(conv.check(&conv_layer) > 0);
    assert!(pool.check::<[[[i8; 4]; 8]; 8], _>(&MaxPool2d::<2, 2, 2, 2, 4, 4, Valid>::new()) > 0);
    assert!(dense.check(&dense_layer) > 0);
    let model = Quantized {
        input: conv.params("input"),
        layers: (
            conv_layer,
            MaxPool2d::<2, 2, 2, 2, 4, 4, Valid>::new(),
            Flatten::<64>::new(),
            dense_layer,
        ),
        output: dense.params("output"),
    };
    let inputs = conv.samples("input");
    let outputs = dense.samples("output");
    for (x, want) in inputs.iter().zip(&outputs) {
        let mut xt = [[[0i8; 2]; 10]; 10];
        xt.flat_mut().copy_from_slice(x);
        assert_eq!(&model.predict_int8(&xt)[..], &want[..]);
    }
}
