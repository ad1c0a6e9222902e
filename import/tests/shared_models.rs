//! Every model in `../shared/models` through the importer: which import fully, and what each
//! one lacks. Skipped, with a message, when `../shared` is absent (a user's clone has no copy of
//! the models); the Rust types of the models that import are committed in
//! `tests/generated/shared_models.rs` (compiled and checked against embednn by
//! `tests/generated_types.rs`), and this test insists they are what the importer writes today
//! (`UPDATE_GENERATED=1 cargo test -p embednn-import --test shared_models` rewrites them).

use std::path::{Path, PathBuf};

use embednn_import::{Graph, Import, Precision};

/// What the importer says about each shared model: the type name and `Ok((layers, int8))`, or
/// the start of the error naming the operator.
/// Layers and whether the model is int8, or the start of the error.
type Expected = Result<(usize, bool), &'static str>;

const MODELS: [(&str, &str, Expected); 11] = [
    ("tflm-examples/sine.tflite", "Sine", Ok((5, true))),
    ("tflm-examples/speech.tflite", "MicroSpeech", Ok((5, true))),
    (
        "tflm-examples/person_detect.tflite",
        "PersonDetect",
        Ok((58, true)),
    ),
    ("mlperf-tiny/ad01_fp32.tflite", "Ad01", Ok((19, false))),
    ("mlperf-tiny/ad01_int8.tflite", "Ad01Q", Ok((19, true))),
    (
        "mlperf-tiny/kws_ref_model_float32.tflite",
        "KwsF32",
        Err("op 0 (CONV_2D): activations Some(F32) with weights Some(I8)"),
    ),
    ("mlperf-tiny/kws_ref_model.tflite", "Kws", Ok((22, true))),
    (
        "mlperf-tiny/pretrainedResnet.tflite",
        "Resnet8",
        Ok((23, false)),
    ),
    (
        "mlperf-tiny/pretrainedResnet_quant.tflite",
        "Resnet8Q",
        Ok((23, true)),
    ),
    ("mlperf-tiny/vww_96_float.tflite", "Vww", Ok((58, false))),
    ("mlperf-tiny/vww_96_int8.tflite", "VwwQ", Ok((58, true))),
];

const GENERATED: &str = "tests/generated/shared_models.rs";

fn shared() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/models");
    dir.is_dir().then_some(dir)
}

#[test]
fn every_shared_model() {
    let Some(dir) = shared() else {
        eprintln!(
            "skipped: ../shared/models is not here (the shared models are not part of the \
             repository); their imported types stay checked by tests/generated_types.rs"
        );
        return;
    };
    let mut report = String::new();
    let mut generated = String::from(
        "// The model types `embednn-import` writes for the shared models that import\n\
         // (tests/shared_models.rs checks this file is current; do not edit by hand).\n\n",
    );
    for (file, name, expected) in MODELS {
        let bytes = std::fs::read(dir.join(file)).unwrap();
        let graph = Graph::parse(&bytes).unwrap_or_else(|e| panic!("{file}: {e}"));
        match (Import::of(&graph), expected) {
            (Ok(import), Ok((depth, int8))) => {
                assert_eq!(import.depth(), depth, "{file}: layers");
                assert_eq!(
                    matches!(import.precision, Precision::Int8 { .. }),
                    int8,
                    "{file}: precision {:?}",
                    import.precision
                );
                report.push_str(&format!(
                    "{file}: imports: {} ops → {depth} layers, {} parameters, {}\n",
                    graph.ops.len(),
                    import.params,
                    if int8 { "int8" } else { "f32" }
                ));
                generated.push_str(&format!("// {file}\n{}\n", import.rust_type(name)));
            }
            (Err(e), Err(start)) => {
                let message = e.to_string();
                assert!(message.starts_with(start), "{file}: {message}");
                report.push_str(&format!("{file}: does not import: {message}\n"));
            }
            (got, want) => panic!("{file}: imported as {got:?}, expected {want:?}"),
        }
    }
    println!("{report}");
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(GENERATED);
    if std::env::var_os("UPDATE_GENERATED").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "{GENERATED} is not what the importer writes; run with UPDATE_GENERATED=1"
    );
}

#[test]
fn every_operator_of_the_shared_models_parses() {
    let Some(dir) = shared() else {
        eprintln!("skipped: ../shared/models is not here");
        return;
    };
    for (file, ..) in MODELS {
        let graph = Graph::parse(&std::fs::read(dir.join(file)).unwrap()).unwrap();
        assert!(!graph.ops.is_empty(), "{file}");
        for op in &graph.ops {
            for &t in op.inputs.iter().flatten().chain(&op.outputs) {
                assert!(t < graph.tensors.len(), "{file}: op {}", op.index);
            }
        }
        // Every int8 activation carries its quantization; per-channel weights name their axis.
        for t in &graph.tensors {
            if t.dtype == embednn_import::DType::I8 {
                let q = t
                    .quant
                    .as_ref()
                    .unwrap_or_else(|| panic!("{file}: {}", t.name));
                assert_eq!(q.scales.len(), q.zero_points.len(), "{file}: {}", t.name);
                if q.scales.len() > 1 {
                    assert_eq!(
                        t.shape.get(q.axis),
                        Some(&q.scales.len()),
                        "{file}: {}",
                        t.name
                    );
                }
            }
        }
    }
}
