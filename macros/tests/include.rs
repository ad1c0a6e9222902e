//! `include_model!` against the run-time loader: the committed example files and a model of a
//! type no library code names, compiled in as statics, equal the models `ModelFile::load_into`
//! reads from the same bytes, parameter for parameter and output for output; the compile errors
//! are in `tests/ui` (trybuild, with a pass case so the expansion is built and run).

use embednn::format::QuantizedFile;
use embednn::prelude::*;
use embednn::quant::{Context, QParams, Quantize, Quantized, Range};
use embednn::{ModelFile, ParamKind, Params};
use embednn_macros::include_model;

// Typed: the file must be this architecture.
include_model!(static SINE: embednn_models::Sine = "../examples/firmware/models/sine.ennm");
include_model!(pub(crate) static GESTURES: embednn_models::GestureCnn = "../examples/firmware/models/gestures.ennm");
// Untyped: the type comes from the file (`DigitsCnnFile`).
include_model!(pub DIGITS_CNN_FILE = "../examples/firmware/models/digits_cnn.ennm");
include_model!(SCREENING_FILE = "tests/models/screening.ennm");
// int8 files (format version 3): a `Quantized<(…)>`, untyped and typed.
include_model!(pub IRIS_INT8_FILE = "tests/models/iris_int8.ennm");
include_model!(static IRIS_INT8: Quantized<IrisInt8> = "tests/models/iris_int8.ennm");
include_model!(SKIP_INT8_FILE = "tests/models/skip_int8.ennm");

type IrisInt8 = <embednn_models::Iris as Quantize<[f32; 4]>>::Quantized;

/// Both residual connections, in int8 (a type only this test names).
type Skip = (
    Dense<4, 8>,
    Relu,
    embednn::Residual<(Dense<8, 8>, Relu, Dense<8, 8>)>,
    Relu,
    embednn::Add<Dense<8, 3>, (Dense<8, 3>, Tanh)>,
    Softmax,
);
type SkipInt8 = <Skip as Quantize<[f32; 4]>>::Quantized;

/// A model type that only this test names: every parameterised layer kind but the 2-D ones.
type Screening = (
    Conv1d<8, 2, 4, 3, 1, 8, Same>,
    BatchNorm<4>,
    LeakyRelu<200>,
    MaxPool1d<2, 2, 4>,
    Flatten<16>,
    Dropout<100>,
    Dense<16, 1>,
    Sigmoid,
);

fn loaded<M: Model + Init>(bytes: &[u8]) -> M {
    let mut model = M::init(Initializer::Zeros, &mut Rng::seed(0));
    ModelFile::load_into(&mut model, bytes).expect("the committed file loads");
    model
}

fn bits<M: Params>(m: &M) -> Vec<u32> {
    let mut v = Vec::new();
    m.for_each_param(&mut |_, s| v.extend(s.iter().map(|x| x.to_bits())));
    v
}

/// The bytes of `tests/models/screening.ennm`: a seeded `Screening` with random batch-norm
/// statistics (`EMBEDNN_BLESS=1` rewrites the file).
fn screening_bytes() -> Vec<u8> {
    let mut rng = Rng::seed(2026);
    let mut model = Screening::init(Initializer::GlorotUniform, &mut rng);
    model.for_each_param_mut(&mut |kind, values| {
        for v in values.iter_mut() {
            *v = match kind {
                ParamKind::Statistic => rng.uniform(0.2, 2.0),
                _ => rng.uniform(-1.0, 1.0),
            };
        }
    });
    let pre = Preprocessing {
        mean: &[],
        std: &[],
        labels: &["no", "yes"],
    };
    let mut bytes = vec![0; ModelFile::<Screening>::MAX_BYTES];
    let n = ModelFile::write(&model, &pre, &mut bytes).unwrap();
    bytes.truncate(n);
    bytes
}

/// `model` quantized with calibration ranges made up per layer.
fn quantize<X: Tensor, M: Model + Quantize<X>>(model: &M) -> Quantized<M::Quantized> {
    let mut kinds = Vec::new();
    M::layers(&mut |info| kinds.push(info.kind));
    let ranges: Vec<Range> = (0..kinds.len())
        .map(|i| Range {
            min: -0.5 - 0.25 * (i % 3) as f32,
            max: 1.0 + 0.5 * (i % 4) as f32,
        })
        .collect();
    let input = QParams::from_range(-2.0, 2.0);
    let mut cx = Context::new(&ranges, &kinds, input);
    let layers = model.quantize(&mut cx).expect("finite weights quantize");
    Quantized {
        input,
        layers,
        output: cx.input(),
    }
}

fn int8_bytes<M>(model: &Quantized<M>, labels: &[&str]) -> Vec<u8>
where
    M: embednn::quant::QModel + embednn::quant::QStored,
    Quantized<M>: embednn::serde::Serialize + for<'de> embednn::serde::Deserialize<'de>,
{
    let pre = Preprocessing {
        labels,
        ..Preprocessing::default()
    };
    let mut bytes = vec![0; QuantizedFile::<M>::MAX_BYTES];
    let n = QuantizedFile::write(model, &pre, &mut bytes).unwrap();
    bytes.truncate(n);
    bytes
}

/// `tests/models/iris_int8.ennm`: a seeded iris model, quantized.
fn iris_int8_bytes() -> Vec<u8> {
    let iris = embednn_models::Iris::init(Initializer::GlorotUniform, &mut Rng::seed(12));
    int8_bytes(
        &quantize::<[f32; 4], _>(&iris),
        &["setosa", "versicolor", "virginica"],
    )
}

/// `tests/models/skip_int8.ennm`: a seeded `Skip`, quantized.
fn skip_int8_bytes() -> Vec<u8> {
    let skip = Skip::init(Initializer::GlorotUniform, &mut Rng::seed(13));
    int8_bytes(&quantize::<[f32; 4], _>(&skip), &[])
}

#[test]
fn the_committed_files_are_what_their_seeds_give() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/models");
    let screening = screening_bytes();
    let (iris_int8, skip_int8) = (iris_int8_bytes(), skip_int8_bytes());
    // corrupt.ennm: sine.ennm with one parameter byte flipped (the CRC no longer matches).
    let mut corrupt = SINE_BYTES.to_vec();
    corrupt[40] ^= 0x10;
    if std::env::var_os("EMBEDNN_BLESS").is_some() {
        std::fs::write(dir.join("screening.ennm"), &screening).unwrap();
        std::fs::write(dir.join("corrupt.ennm"), &corrupt).unwrap();
        std::fs::write(dir.join("iris_int8.ennm"), &iris_int8).unwrap();
        std::fs::write(dir.join("skip_int8.ennm"), &skip_int8).unwrap();
    }
    assert_eq!(
        std::fs::read(dir.join("iris_int8.ennm")).unwrap(),
        iris_int8
    );
    assert_eq!(
        std::fs::read(dir.join("skip_int8.ennm")).unwrap(),
        skip_int8
    );
    assert_eq!(
        std::fs::read(dir.join("screening.ennm")).unwrap(),
        screening
    );
    assert_eq!(std::fs::read(dir.join("corrupt.ennm")).unwrap(), corrupt);
}

const SINE_BYTES: &[u8] = include_bytes!("../../examples/firmware/models/sine.ennm");

#[test]
fn typed_statics_equal_the_loaded_models() {
    let sine: embednn_models::Sine = loaded(SINE_BYTES);
    assert_eq!(bits(&SINE), bits(&sine));
    let gestures: embednn_models::GestureCnn = loaded(include_bytes!(
        "../../examples/firmware/models/gestures.ennm"
    ));
    assert_eq!(bits(&GESTURES), bits(&gestures));
    for x in [-3.0f32, -0.5, 0.0, 0.25, 2.0] {
        assert_eq!(
            SINE.predict(&[x])[0].to_bits(),
            sine.predict(&[x])[0].to_bits()
        );
    }
}

#[test]
fn the_generated_type_is_the_files_architecture() {
    // The type the macro wrote is the example's type, layer for layer.
    let file: &embednn_models::DigitsCnn = &DIGITS_CNN_FILE;
    let digits: embednn_models::DigitsCnn = loaded(include_bytes!(
        "../../examples/firmware/models/digits_cnn.ennm"
    ));
    assert_eq!(bits(file), bits(&digits));
    assert_eq!(<DigitsCnnFile as Params>::PARAMS, 6090);
    let mut x = [[[0.0f32; 1]; 8]; 8];
    for (i, px) in x.as_flattened_mut().iter_mut().enumerate() {
        px[0] = (i % 7) as f32 / 7.0;
    }
    let (a, b) = (DIGITS_CNN_FILE.predict(&x), digits.predict(&x));
    assert_eq!(a.map(f32::to_bits), b.map(f32::to_bits));
}

#[test]
fn a_type_no_code_names_is_included_bit_for_bit() {
    let file: &Screening = &SCREENING_FILE;
    let screening: Screening = loaded(&screening_bytes());
    assert_eq!(bits(file), bits(&screening));
    let mut rng = Rng::seed(5);
    for _ in 0..20 {
        let x: [[f32; 2]; 8] = std::array::from_fn(|_| [rng.normal(), rng.normal()]);
        let (a, b) = (SCREENING_FILE.predict(&x)[0], screening.predict(&x)[0]);
        assert_eq!(a.to_bits(), b.to_bits());
    }
    assert_eq!(
        <ScreeningFile as Model>::INFERENCE_BYTES,
        Screening::INFERENCE_BYTES
    );
}

#[test]
fn int8_statics_equal_the_loaded_models() {
    let (iris, info) = QuantizedFile::<IrisInt8>::load(include_bytes!("models/iris_int8.ennm"))
        .expect("the committed int8 file loads");
    assert_eq!(info.label(2), Some("virginica"));
    assert_eq!(IRIS_INT8, iris);
    // The generated type is the model's int8 type.
    let file: &Quantized<IrisInt8> = &IRIS_INT8_FILE;
    assert_eq!(*file, iris);
    let (skip, _) = QuantizedFile::<SkipInt8>::load(include_bytes!("models/skip_int8.ennm"))
        .expect("the committed int8 file loads");
    let file: &Quantized<SkipInt8> = &SKIP_INT8_FILE;
    assert_eq!(*file, skip);
    let mut rng = Rng::seed(9);
    for _ in 0..20 {
        let x: [f32; 4] = std::array::from_fn(|_| rng.normal());
        assert_eq!(IRIS_INT8_FILE.predict(&x), iris.predict(&x));
        assert_eq!(SKIP_INT8_FILE.predict(&x), skip.predict(&x));
    }
    assert_eq!(
        IrisInt8File::PARAM_BYTES,
        Quantized::<IrisInt8>::PARAM_BYTES
    );
}

#[test]
fn files_that_cannot_be_included_are_compile_errors() {
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/include_ok.rs");
    t.compile_fail("tests/ui/missing_file.rs");
    t.compile_fail("tests/ui/corrupt_file.rs");
    t.compile_fail("tests/ui/wrong_type.rs");
}
