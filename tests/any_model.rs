//! `AnyModel`, the evaluator built from a file's layer descriptors, against the typed model the
//! file was written from: the same outputs bit for bit, the same per-layer shapes, parameters
//! and MACs, on every committed example model file and on model types that only this test names.

use std::path::Path;

use embednn::any_model::{PlanError, RunError};
use embednn::format::LayerDesc;
use embednn::prelude::*;
use embednn::{AnyModel, Buffer, LayerInfo, ModelFile, ModelInfo, Output, ParamKind};

/// Writes `model` to bytes with the given standardization (none if empty).
fn file_of<M: Model>(model: &M) -> Vec<u8> {
    let pre = Preprocessing::default();
    let mut bytes = vec![0u8; ModelFile::<M>::encoded_len(&pre).unwrap()];
    let n = ModelFile::<M>::write(model, &pre, &mut bytes).unwrap();
    bytes.truncate(n);
    bytes
}

/// A model of type `M` with every parameter drawn from [-1, 1) (batch-norm variances from
/// [0.1, 2)), so no layer is the identity.
fn random_model<M: Model + Init>(seed: u64) -> M {
    let mut rng = Rng::seed(seed);
    let mut model = M::init(Initializer::GlorotUniform, &mut rng);
    model.for_each_param_mut(&mut |kind, values| {
        for v in values.iter_mut() {
            *v = match kind {
                ParamKind::Statistic => 0.1 + rng.uniform(0.0, 1.9),
                _ => rng.uniform(-1.0, 1.0),
            };
        }
    });
    model
}

/// Runs `inputs` through the typed model and through the `AnyModel` of its file, and insists
/// on the same bits for every output (a NaN matching a NaN).
fn same_outputs<M: Model>(model: &M, bytes: &[u8], inputs: &[Input<M>]) {
    let info = ModelInfo::parse(bytes).unwrap();
    let params: Vec<f32> = info.params.iter().collect();
    let any = AnyModel::new(&info, &params).unwrap();
    assert_eq!(any.input_len(), <Input<M> as Buffer>::LEN);
    assert_eq!(any.output_len(), <Output<M> as Buffer>::LEN);
    assert_eq!(any.param_count(), M::PARAMS);
    assert_eq!(any.macs(), M::MACS);
    let mut scratch = vec![0.0; any.scratch_len()];
    let mut y = vec![0.0; any.output_len()];
    for (n, x) in inputs.iter().enumerate() {
        let typed = model.predict(x);
        any.forward(x.flat(), &mut scratch, &mut y).unwrap();
        for (i, (&a, &t)) in y.iter().zip(typed.flat()).enumerate() {
            assert!(
                a.to_bits() == t.to_bits() || (a.is_nan() && t.is_nan()),
                "input {n}, output {i}: AnyModel {a} ({:#010x}), typed {t} ({:#010x})",
                a.to_bits(),
                t.to_bits()
            );
        }
    }
}

/// The plan's per-layer rows against the typed model's `LayerInfo`s.
fn same_layers<M: Model>(bytes: &[u8]) {
    let info = ModelInfo::parse(bytes).unwrap();
    let params: Vec<f32> = info.params.iter().collect();
    let any = AnyModel::new(&info, &params).unwrap();
    let mut typed: Vec<LayerInfo> = Vec::new();
    M::layers(&mut |l| typed.push(l));
    let planned: Vec<_> = any.layers().collect();
    assert_eq!(planned.len(), typed.len());
    for (p, t) in planned.iter().zip(&typed) {
        assert!(p.desc.matches(t), "{} vs {}", p.desc, t.kind);
        assert_eq!(p.output.dims(), t.output_shape, "{}", p.desc);
        assert_eq!(p.params, t.params, "{}", p.desc);
        assert_eq!(p.macs, t.macs, "{}", p.desc);
    }
}

/// `count` inputs of `M` from [-2, 2), the first few with the values that break naive code.
fn inputs<M: Model>(count: usize, seed: u64) -> Vec<Input<M>> {
    let mut rng = Rng::seed(seed);
    let mut xs: Vec<Input<M>> = (0..count)
        .map(|_| {
            let mut x = <Input<M> as Buffer>::ZERO;
            x.flat_mut()
                .iter_mut()
                .for_each(|v| *v = rng.uniform(-2.0, 2.0));
            x
        })
        .collect();
    let specials = [0.0, -0.0, f32::INFINITY, f32::NEG_INFINITY, f32::NAN, 1e30];
    for (x, s) in xs.iter_mut().zip(specials) {
        if let Some(v) = x.flat_mut().first_mut() {
            *v = s;
        }
    }
    xs
}

/// The summary's layer table (up to its second rule) of the typed model and of the plan.
fn same_table<M: Model>(bytes: &[u8]) {
    let table = |s: &str| -> String {
        let lines: Vec<&str> = s.lines().collect();
        let end = lines.iter().rposition(|l| l.starts_with("---")).unwrap();
        lines[..=end].join("\n")
    };
    let mut typed = String::new();
    embednn::summary::write_summary::<M>(&mut typed).unwrap();
    let info = ModelInfo::parse(bytes).unwrap();
    let params: Vec<f32> = info.params.iter().collect();
    let mut planned = String::new();
    AnyModel::new(&info, &params)
        .unwrap()
        .write_summary(&mut planned)
        .unwrap();
    assert_eq!(table(&planned), table(&typed));
    assert!(planned.contains(&format!("MACs per inference: {}\n", M::MACS)));
}

fn check_type<M: Model + Init>(seed: u64) {
    let model: M = random_model(seed);
    let bytes = file_of(&model);
    same_layers::<M>(&bytes);
    if !std::any::type_name::<M>().contains("Frozen") {
        same_table::<M>(&bytes);
    }
    same_outputs(&model, &bytes, &inputs::<M>(40, seed + 1));
}

// Model types no library code names: every layer kind, both paddings, odd sizes, strides that
// leave a remainder, a 1×1 convolution with stride, a frozen part.

type Sequence = (
    Conv1d<17, 2, 5, 3, 2, 9, Same>,
    BatchNorm<5>,
    LeakyRelu<100>,
    MaxPool1d<2, 2, 5, Same>,
    Conv1d<5, 5, 3, 1, 1, 5>,
    Tanh,
    AvgPool1d<3, 2, 3, Same>,
    GlobalAvgPool,
    Dense<3, 4>,
    Softmax,
);
const _: () = embednn::check::<Sequence>();

type Image = (
    Conv2d<7, 6, 2, 4, 3, 2, 2, 1, 4, 6, Same>,
    Relu6,
    DepthwiseConv2d<4, 6, 4, 3, 3, 1, 2, 4, 3, Same>,
    BatchNorm<4>,
    Sigmoid,
    Conv2d<4, 3, 4, 3, 1, 1, 2, 2, 2, 2>,
    AvgPool2d<2, 2, 1, 1, 2, 2, Same>,
    MaxPool2d<2, 1, 1, 1, 1, 2>,
    Flatten<6>,
    Dropout<300>,
    Dense<6, 1>,
    Sigmoid,
);
const _: () = embednn::check::<Image>();

type Table = (
    Frozen<(Dense<6, 12>, Relu)>,
    BatchNorm<12>,
    Identity,
    Reshape<[[f32; 3]; 4]>,
    Conv1d<4, 3, 2, 2, 1, 3>,
    Flatten<6>,
    Dense<6, 9>,
    LeakyRelu,
    Dense<9, 2>,
);
const _: () = embednn::check::<Table>();

type Pixels = (
    Conv2d<5, 5, 3, 8, 5, 5, 1, 1, 5, 5, Same>,
    MaxPool2d<3, 3, 2, 2, 3, 3, Same>,
    DepthwiseConv2d<3, 3, 8, 3, 3, 1, 1, 1, 1>,
    GlobalAvgPool,
    Dense<8, 3>,
);
const _: () = embednn::check::<Pixels>();

#[test]
fn sequence_model_matches_the_typed_model() {
    check_type::<Sequence>(11);
}

#[test]
fn image_model_matches_the_typed_model() {
    check_type::<Image>(12);
}

#[test]
fn table_model_matches_the_typed_model() {
    check_type::<Table>(13);
}

#[test]
fn pixels_model_matches_the_typed_model() {
    check_type::<Pixels>(14);
}

/// The committed example files, loaded into their types and run both ways.
#[test]
fn example_files_match_their_types() {
    fn check<M: Model + Init>(name: &str, seed: u64) {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("examples/firmware/models")
            .join(name);
        let bytes = std::fs::read(&path).unwrap();
        let mut model: M = M::init(Initializer::Zeros, &mut Rng::seed(0));
        ModelFile::<M>::load_into(&mut model, &bytes).unwrap();
        same_layers::<M>(&bytes);
        same_table::<M>(&bytes);
        same_outputs(&model, &bytes, &inputs::<M>(30, seed));
    }
    check::<embednn_models::Sine>("sine.ennm", 1);
    check::<embednn_models::DigitsMlp>("digits.ennm", 2);
    check::<embednn_models::DigitsCnn>("digits_cnn.ennm", 3);
    check::<embednn_models::GestureCnn>("gestures.ennm", 4);
}

#[test]
fn the_keyword_spotting_cnn_matches() {
    check_type::<embednn_models::ds_cnn::DsCnn>(21);
}

fn desc(kind: &str, dims: &[u32]) -> LayerDesc {
    let mut d = LayerDesc {
        kind: heapless::String::new(),
        dims: heapless::Vec::new(),
    };
    d.kind.push_str(kind).unwrap();
    d.dims.extend_from_slice(dims).unwrap();
    d
}

#[test]
fn files_that_cannot_run_are_refused_with_the_layer_named() {
    let plan = |layers: &[LayerDesc], params: usize| {
        let p = vec![0.0; params];
        AnyModel::plan(layers, &p).map(|m| m.param_count())
    };
    assert_eq!(plan(&[], 0), Err(PlanError::NoLayers));
    // A user's own layer kind: it needs its Rust type.
    let err = plan(&[desc("Dense", &[2, 2]), desc("Affine", &[2])], 6).unwrap_err();
    assert!(
        matches!(err, PlanError::UnknownKind { layer: 1, .. }),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "layer 1 (Affine<2>) is not a layer kind embednn defines, so it cannot run without its \
         Rust type"
    );
    // Sizes that do not chain.
    let err = plan(&[desc("Dense", &[2, 3]), desc("Dense", &[4, 1])], 14).unwrap_err();
    assert_eq!(
        err.to_string(),
        "layer 1 (Dense<4, 1>) cannot take the previous layer's output [3]"
    );
    // An output size the window does not give: (8 − 3) / 1 + 1 = 6, not 7.
    let conv = desc("Conv1d", &[8, 1, 1, 3, 1, 7, 0]);
    let err = plan(&[conv], 4).unwrap_err();
    assert!(
        err.to_string()
            .ends_with("the output size is not what the window and stride give"),
        "{err}"
    );
    let bad_padding = desc("Conv1d", &[8, 1, 1, 3, 1, 6, 2]);
    assert!(matches!(
        plan(&[bad_padding], 4),
        Err(PlanError::BadSizes { .. })
    ));
    assert!(matches!(
        plan(&[desc("Dense", &[0, 1])], 1),
        Err(PlanError::BadSizes { .. })
    ));
    assert!(matches!(
        plan(&[desc("Dense", &[1, 1, 1])], 2),
        Err(PlanError::BadSizes { .. })
    ));
    // Nothing fixes the input before a pool.
    let pool = desc("MaxPool1d", &[2, 2, 2, 0]);
    assert_eq!(
        plan(&[desc("ReLU", &[]), pool], 0),
        Err(PlanError::UnknownInputShape { layer: 1 })
    );
    // Parameter counts.
    assert_eq!(
        plan(&[desc("Dense", &[2, 3])], 8),
        Err(PlanError::ParamCount {
            expected: 9,
            found: 8
        })
    );
    // Sizes whose product overflows.
    let huge = u32::MAX;
    assert!(matches!(
        plan(
            &[desc(
                "Conv2d",
                &[huge, huge, huge, huge, 1, 1, 1, 1, huge, huge, 0]
            )],
            0
        ),
        Err(PlanError::TooLarge { .. })
    ));
}

#[test]
fn slices_of_the_wrong_length_are_errors() {
    let params = vec![0.5; 9];
    let any = AnyModel::plan(&[desc("Dense", &[2, 3]), desc("Softmax", &[])], &params).unwrap();
    let mut scratch = vec![0.0; any.scratch_len()];
    let mut y = [0.0; 3];
    assert_eq!(
        any.forward(&[1.0], &mut scratch, &mut y),
        Err(RunError::InputLength {
            expected: 2,
            found: 1
        })
    );
    assert_eq!(
        any.forward(&[1.0, 2.0], &mut scratch, &mut y[..2]),
        Err(RunError::OutputLength {
            expected: 3,
            found: 2
        })
    );
    assert!(matches!(
        any.forward(&[1.0, 2.0], &mut scratch[..1], &mut y),
        Err(RunError::ScratchTooSmall { .. })
    ));
    any.forward(&[1.0, 2.0], &mut scratch, &mut y).unwrap();
    assert_eq!(y, [1.0 / 3.0; 3]);
}
