//! embednn's int8 ADD (`QAddParams`, what `QResidual` and `QAdd` run) against TensorFlow Lite's
//! own on real data: the three residual ADDs of the MLPerf Tiny ResNet-8 int8 model, inputs and
//! outputs kept by TensorFlow's interpreter with the reference kernels
//! (`tests/reference/add_int8.json`, written by `tests/reference/tflite_add_int8.py`). Every
//! output must be equal, bit for bit. Needs no `../shared`: the file carries the tensors.

use embednn::quant::{OutputStage, QAddParams, QParams};

fn tensor(v: &serde_json::Value) -> (QParams, Vec<i8>) {
    let q = QParams {
        scale: v["scale"].as_f64().unwrap() as f32,
        zero_point: v["zero_point"].as_i64().unwrap() as i32,
    };
    let hex = v["values"].as_str().unwrap();
    let values = (0..hex.len() / 2)
        .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap() as i8)
        .collect();
    (q, values)
}

#[test]
fn resnet8_adds_are_bit_identical_to_tflite() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/reference/add_int8.json");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let adds = json["adds"].as_array().unwrap();
    assert_eq!(adds.len(), 3, "the ResNet-8 has three residual ADDs");
    let mut checked = 0;
    for add in adds {
        let (p1, a) = tensor(&add["input1"]);
        let (p2, b) = tensor(&add["input2"]);
        let (out, want) = tensor(&add["output"]);
        let mut stage = OutputStage::new(out);
        match add["activation"].as_str().unwrap() {
            "RELU" => stage = stage.clamped(out, 0.0, f32::INFINITY),
            "RELU6" => stage = stage.clamped(out, 0.0, 6.0),
            "NONE" => {}
            other => panic!("activation {other}"),
        }
        let params = QAddParams::new(p1, p2, out, stage);
        assert_eq!((a.len(), b.len()), (want.len(), want.len()));
        // Rescaling does real work here: the inputs' scales differ from each other and the
        // output's, and the zero points are not zero.
        assert_ne!(p1.scale, p2.scale);
        for (i, ((&x, &y), &w)) in a.iter().zip(&b).zip(&want).enumerate() {
            assert_eq!(
                params.add(x, y),
                w,
                "ADD op {}, element {i}: add({x}, {y})",
                add["op"]
            );
        }
        // The data reaches both sides of the clamp and more than a few levels.
        assert!(want.iter().any(|&v| v as i32 == stage.min as i32));
        assert!(want.iter().any(|&v| v as i32 > out.zero_point + 50));
        checked += want.len();
    }
    assert_eq!(checked, 16384 + 8192 + 4096);
}
