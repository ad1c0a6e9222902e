//! The imported f32 models, with the weights the importer reads from the `.tflite`, compute what
//! TensorFlow Lite's reference kernels compute (`tests/reference/f32_outputs.json`, written by
//! `tests/reference/tflite_f32.py`): the layer mapping, the weight layouts and the residual
//! structure checked end to end. Skipped when `../shared` is absent (the models are not part of
//! the repository).

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use embednn::{Init, Initializer, Input, Model, Rng, Tensor};
use embednn_import::{Graph, Import};

include!("generated/shared_models.rs");

const SAMPLES: usize = 3;

fn shared() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/models/mlperf-tiny");
    dir.is_dir().then_some(dir)
}

/// Element `i` of sample `s`, as the reference script computes it.
fn sample<T: Tensor>(s: usize) -> T {
    let mut x = T::ZERO;
    for (i, v) in x.flat_mut().iter_mut().enumerate() {
        let n = (i as u64 * 7919 + s as u64 * 104_729 + 17) % 2001;
        *v = (n as f64 / 1000.0 - 1.0) as f32;
    }
    x
}

fn reference(model: &str) -> Vec<Vec<f32>> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/reference/f32_outputs.json");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    json["models"][model]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            o.as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_f64().unwrap() as f32)
                .collect()
        })
        .collect()
}

/// Imports `file`, loads its weights into `M` and compares every output with TensorFlow Lite's:
/// within 1e-5 of the largest output (the summation order differs from TFLite's kernels).
fn check<M: Model + Init>(dir: &Path, file: &str) -> f32 {
    let graph = Graph::parse(&std::fs::read(dir.join(file)).unwrap()).unwrap();
    let import = Import::of(&graph).unwrap();
    let params = import.f32_params(&graph).unwrap();
    assert_eq!(params.len(), M::PARAMS, "{file}");
    let mut model = Box::new(M::init(Initializer::Zeros, &mut Rng::seed(0)));
    let mut next = params.iter();
    model.for_each_param_mut(&mut |_, values| {
        for v in values {
            *v = *next.next().unwrap();
        }
    });
    let mut worst = 0.0f32;
    for (s, want) in reference(file).iter().enumerate().take(SAMPLES) {
        let got = model.predict(&sample::<Input<M>>(s));
        let got = got.flat();
        assert_eq!(got.len(), want.len(), "{file}");
        let scale = want.iter().fold(0.0f32, |m, v| m.max(v.abs())).max(1e-6);
        for (i, (&g, &w)) in got.iter().zip(want).enumerate() {
            let err = (g - w).abs() / scale;
            assert!(
                err <= 1e-5,
                "{file}, sample {s}, output {i}: {g} vs TFLite {w}"
            );
            worst = worst.max(err);
        }
    }
    worst
}

#[test]
fn imported_f32_models_compute_what_tflite_computes() {
    let Some(dir) = shared() else {
        eprintln!(
            "skipped: ../shared/models is not here (the models are not part of the repository)"
        );
        return;
    };
    // The models are large for a test thread's stack: run on one with room.
    std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(move || {
            for (file, worst) in [
                ("ad01_fp32.tflite", check::<Ad01>(&dir, "ad01_fp32.tflite")),
                (
                    "pretrainedResnet.tflite",
                    check::<Resnet8>(&dir, "pretrainedResnet.tflite"),
                ),
                (
                    "vww_96_float.tflite",
                    check::<Vww>(&dir, "vww_96_float.tflite"),
                ),
            ] {
                println!("{file}: worst difference {worst:.1e} of the largest output");
            }
        })
        .unwrap()
        .join()
        .unwrap();
}
