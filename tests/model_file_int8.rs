//! The int8 model file (format version 3): written and read back bit for bit, every part plain
//! postcard, every corruption an error that leaves the model alone, and — behind a valid header
//! and a correct CRC, where the checksum no longer protects the decoder — every bad value named:
//! scales, zero points, clamps, requantizations, layer records, encodings.

mod int8_models;

use embednn::format::{
    crc32, int8_fingerprint, Architecture, FileHeader, Int8Layer, LayerRecord, LoadError,
    ModelFile, ModelInfo, Precision, Preprocessing, QuantizedFile, SaveError, Standardization,
    MAGIC, MAX_LABELS, MAX_LABEL_BYTES, VERSION, VERSION_INT8,
};
use embednn::prelude::*;
use embednn::quant::{QClamp, QParams, QStored, Quantize, Quantized};
use int8_models::*;

/// A small classifier: dense, folded ReLU, dense, softmax.
type Small = (Dense<3, 4>, Relu, Dense<4, 2>, Softmax);
type SmallInt8 = <Small as Quantize<[f32; 3]>>::Quantized;
const _: () = embednn::quant::check::<SmallInt8>();

fn small() -> Quantized<SmallInt8> {
    quantize::<[f32; 3], _>(&Small::init(Initializer::GlorotUniform, &mut Rng::seed(5)))
}

const PRE: Preprocessing<'static> = Preprocessing {
    mean: &[1.0, -2.0, 0.5],
    std: &[2.0, 0.25, 1.0],
    labels: &["cat", "dog"],
};

fn write<M>(model: &Quantized<M>, pre: &Preprocessing<'_>) -> Vec<u8>
where
    M: embednn::quant::QModel + QStored,
    Quantized<M>: serde::Serialize + for<'de> serde::Deserialize<'de>,
{
    let mut buf = vec![0u8; QuantizedFile::<M>::MAX_BYTES];
    let n = QuantizedFile::write(model, pre, &mut buf).unwrap();
    assert!(n <= QuantizedFile::<M>::MAX_BYTES);
    assert_eq!(Some(n), QuantizedFile::<M>::encoded_len(model, pre));
    buf.truncate(n);
    buf
}

fn zero<M: QStored>() -> Quantized<M> {
    Quantized {
        input: QParams::default(),
        layers: M::ZERO,
        output: QParams::default(),
    }
}

fn encode<T: serde::Serialize + ?Sized>(value: &T) -> Vec<u8> {
    postcard::to_stdvec(value).unwrap()
}

#[test]
fn int8_models_round_trip_through_the_file() {
    let x = input::<CnnInput>(7);
    let cnn = cnn();
    let pre = Preprocessing {
        labels: &["a", "b", "c", "d"],
        ..Preprocessing::default()
    };
    let file = write(&cnn, &pre);
    let mut loaded = zero::<CnnInt8>();
    let info = QuantizedFile::load_into(&mut loaded, &file).unwrap();
    assert_eq!(loaded, cnn);
    assert_eq!(loaded.predict(&x), cnn.predict(&x));
    assert_eq!(info.version, VERSION_INT8);
    assert_eq!(info.precision(), Precision::Int8);
    assert_eq!(info.label(3), Some("d"));
    assert!(info.params.is_empty(), "no f32 parameters");

    let (sequence, _) = QuantizedFile::<SequenceInt8>::load(&write(&sequence(), &pre)).unwrap();
    assert_eq!(sequence, int8_models::sequence());

    // 19 layers (no PartialEq on such tuples): the same encoding and outputs.
    let deep = deep();
    let file = write(&deep, &pre);
    let (back, info) = QuantizedFile::<DeepInt8>::load(&file).unwrap();
    assert_eq!(encode(&back), encode(&deep));
    let x = input::<DeepInput>(8);
    assert_eq!(back.predict(&x), deep.predict(&x));
    assert_eq!(info.layer_count(), 19);

    // Residual connections: a header record before each combinator's branches.
    let skip = skip();
    let file = write(&skip, &Preprocessing::default());
    let (back, info) = QuantizedFile::<SkipInt8>::load(&file).unwrap();
    assert_eq!(back, skip);
    let kinds: Vec<String> = info.layers().map(|l| l.to_string()).collect();
    assert_eq!(
        kinds,
        [
            "QDense<4, 6>",
            "QClamp",
            "QResidual<3>",
            "QDense<6, 6>",
            "QClamp",
            "QDense<6, 6>",
            "QClamp",
            "QAdd<1, 2>",
            "QDense<6, 3>",
            "QDense<6, 3>",
            "QLut",
            "QSoftmax"
        ]
    );
}

#[test]
fn every_part_decodes_with_plain_postcard() {
    let model = small();
    let file = write(&model, &PRE);
    let (header, rest) = postcard::take_from_bytes::<FileHeader>(&file).unwrap();
    assert_eq!((header.magic, header.version), (MAGIC, 3));
    let (body, crc) = rest.split_at(header.body_len as usize);
    assert_eq!(crc, crc32(&file[..file.len() - 4]).to_le_bytes());
    let (arch, mut rest) = postcard::take_from_bytes::<Architecture>(body).unwrap();
    assert_eq!(arch.fingerprint, int8_fingerprint::<SmallInt8>());
    let mut kinds = Vec::new();
    for _ in 0..arch.layers {
        let (record, next) = postcard::take_from_bytes::<LayerRecord<'_>>(rest).unwrap();
        kinds.push((record.kind, record.dims.to_vec()));
        rest = next;
    }
    assert_eq!(
        kinds,
        [
            ("QDense", vec![3, 4]),
            ("QClamp", vec![]),
            ("QDense", vec![4, 2]),
            ("QSoftmax", vec![])
        ]
    );
    let (_, rest) =
        postcard::take_from_bytes::<Standardization<embednn::format::Floats<'_>>>(rest).unwrap();
    let (labels, rest) = postcard::take_from_bytes::<Vec<&str>>(rest).unwrap();
    assert_eq!(labels, PRE.labels);
    // The rest is the model, as serde writes it.
    assert_eq!(rest, encode(&model));
    assert_eq!(
        postcard::from_bytes::<Quantized<SmallInt8>>(rest).unwrap(),
        model
    );
}

#[test]
fn the_untyped_reader_shows_every_layers_parameters() {
    let model = small();
    let file = write(&model, &PRE);
    let info = ModelInfo::parse(&file).unwrap();
    let int8 = info.int8.unwrap();
    assert_eq!((int8.input(), int8.output()), (model.input, model.output));
    let layers: Vec<_> = int8.layers().collect();
    assert_eq!(layers.len(), 4);
    let Int8Layer::Weighted(dense) = layers[0].1 else {
        panic!("{:?}", layers[0]);
    };
    // Weights in TFLite's plain order, as the file stores them.
    let mut plain = [0i8; 12];
    embednn::quant::kernels::unpack_rows(model.layers.0.weights.0.as_flattened(), 3, &mut plain);
    assert!(dense.weights().eq(plain));
    assert!(dense.biases().eq(model.layers.0.bias));
    assert!(dense.requants().eq(model.layers.0.requant));
    assert_eq!(dense.output, model.layers.0.output);
    assert_eq!(dense.input_zero_point, None);
    assert_eq!(layers[1].1, Int8Layer::Clamp(model.layers.1));
    assert_eq!(layers[3].1, Int8Layer::Softmax(model.layers.3));
    assert_eq!(layers[2].0.to_string(), "QDense<4, 2>");
}

#[test]
fn every_corruption_is_an_error_and_loads_nothing() {
    let model = small();
    let good = write(&model, &PRE);
    for cut in 0..good.len() {
        assert!(ModelInfo::parse(&good[..cut]).is_err(), "cut at {cut}");
    }
    for i in 0..good.len() {
        for bit in 0..8 {
            let mut bad = good.clone();
            bad[i] ^= 1 << bit;
            let mut loaded = model;
            assert!(
                QuantizedFile::load_into(&mut loaded, &bad).is_err(),
                "byte {i} bit {bit}"
            );
            assert_eq!(loaded, model, "a failed load left the model changed");
        }
    }
    let mut long = good.clone();
    long.push(0);
    assert_eq!(
        ModelInfo::parse(&long),
        Err(LoadError::TrailingBytes { extra: 1 })
    );
}

#[test]
fn another_architecture_names_the_layer_and_both_sizes() {
    let file = write(&small(), &PRE);
    type Other = (Dense<3, 4>, Relu, Dense<4, 3>, Softmax);
    type OtherInt8 = <Other as Quantize<[f32; 3]>>::Quantized;
    let err = QuantizedFile::<OtherInt8>::load(&file).unwrap_err();
    assert_eq!(
        err.to_string(),
        "architecture mismatch at layer 2: the file has QDense<4, 2>, the model type has \
         QDense<4, 3>"
    );
    type Shorter = (Dense<3, 4>, Relu, Dense<4, 2>);
    let err = QuantizedFile::<<Shorter as Quantize<[f32; 3]>>::Quantized>::load(&file);
    assert_eq!(
        err.unwrap_err(),
        LoadError::LayerCount {
            expected: 3,
            found: 4
        }
    );
}

#[test]
fn an_f32_file_and_an_int8_file_are_told_apart() {
    let int8 = write(&small(), &PRE);
    let mut f32_model = Small::init(Initializer::Zeros, &mut Rng::seed(0));
    let err = ModelFile::load_into(&mut f32_model, &int8).unwrap_err();
    assert_eq!(
        err,
        LoadError::Precision {
            expected: Precision::F32,
            found: Precision::Int8
        }
    );
    assert!(err.to_string().contains("QuantizedFile"), "{err}");

    let net = Small::init(Initializer::GlorotUniform, &mut Rng::seed(1));
    let mut buf = vec![0u8; ModelFile::<Small>::MAX_BYTES];
    let n = ModelFile::write(&net, &PRE, &mut buf).unwrap();
    let err = QuantizedFile::<SmallInt8>::load(&buf[..n]).unwrap_err();
    assert_eq!(
        err,
        LoadError::Precision {
            expected: Precision::Int8,
            found: Precision::F32
        }
    );
    // Version 2 files read as before.
    assert_eq!(ModelInfo::parse(&buf[..n]).unwrap().version, VERSION);
}

#[test]
fn the_most_and_longest_labels_fit_max_bytes() {
    let long = "x".repeat(MAX_LABEL_BYTES);
    let labels: Vec<&str> = (0..MAX_LABELS).map(|_| long.as_str()).collect();
    let pre = Preprocessing {
        labels: &labels,
        ..PRE
    };
    let file = write(&small(), &pre);
    assert_eq!(
        ModelInfo::parse(&file).unwrap().labels().count(),
        MAX_LABELS
    );
}

#[test]
fn the_writer_refuses_what_the_reader_refuses() {
    let mut buf = vec![0u8; QuantizedFile::<SmallInt8>::MAX_BYTES];
    let mut bad = small();
    bad.input.scale = 0.0;
    assert_eq!(
        QuantizedFile::write(&bad, &PRE, &mut buf),
        Err(SaveError::InvalidQuantization {
            layer: None,
            what: "a scale is not finite and positive"
        })
    );
    let mut bad = small();
    bad.layers.1 = QClamp { min: 3, max: 2 };
    assert_eq!(
        QuantizedFile::write(&bad, &PRE, &mut buf),
        Err(SaveError::InvalidQuantization {
            layer: Some(1),
            what: "a clamp's minimum exceeds its maximum"
        })
    );
    let pre = Preprocessing {
        mean: &[0.0, 1.0],
        std: &[1.0, 1.0],
        labels: &[],
    };
    assert_eq!(
        QuantizedFile::write(&small(), &pre, &mut buf),
        Err(SaveError::PreprocessingLength {
            expected: 3,
            found: 2
        })
    );
    assert!(matches!(
        QuantizedFile::write(&small(), &PRE, &mut buf[..20]),
        Err(SaveError::BufferTooSmall { .. })
    ));
}

#[test]
fn unsupported_versions_are_named() {
    let mut file = write(&small(), &PRE);
    file[4] = 4;
    assert_eq!(
        ModelInfo::parse(&file),
        Err(LoadError::UnsupportedVersion {
            found: 4,
            supported: 3
        })
    );
    file[4] = 1;
    let err = ModelInfo::parse(&file).unwrap_err();
    assert_eq!(
        err,
        LoadError::UnsupportedVersion {
            found: 1,
            supported: 3
        }
    );
    assert!(err.to_string().contains("versions 2 to 3"), "{err}");
}

// ---- bad bodies behind a valid header and CRC

/// `body` behind a valid version-3 header, with the CRC a writer would compute.
fn frame(body: &[u8]) -> Vec<u8> {
    let mut file = encode(&FileHeader {
        magic: MAGIC,
        version: VERSION_INT8,
        body_len: body.len() as u32,
    });
    file.extend_from_slice(body);
    let crc = crc32(&file);
    file.extend_from_slice(&crc.to_le_bytes());
    file
}

/// A postcard byte string of little-endian floats.
fn floats(values: &[f32]) -> Vec<u8> {
    let mut out = encode(&(values.len() * 4));
    for v in values {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out
}

fn records(list: &[(&str, &[u32])]) -> Vec<u8> {
    let mut out = Vec::new();
    for &(kind, dims) in list {
        let record = LayerRecord {
            kind,
            dims: heapless::Vec::from_slice(dims).unwrap(),
        };
        out.extend(encode(&record));
    }
    out
}

/// The parts of a body for `SmallInt8`, each of which a test may replace.
struct Parts {
    architecture: Vec<u8>,
    layers: Vec<u8>,
    standardization: Vec<u8>,
    labels: Vec<u8>,
    params: Vec<u8>,
}

impl Parts {
    fn good() -> Parts {
        Parts::of(&small())
    }

    /// The parts of `model`, encoded by serde: what another writer would produce.
    fn of(model: &Quantized<SmallInt8>) -> Parts {
        Parts {
            architecture: encode(&Architecture {
                fingerprint: int8_fingerprint::<SmallInt8>(),
                layers: 4,
            }),
            layers: records(&[
                ("QDense", &[3, 4]),
                ("QClamp", &[]),
                ("QDense", &[4, 2]),
                ("QSoftmax", &[]),
            ]),
            standardization: [floats(&[0.5, -1.0, 3.0]), floats(&[2.0, 0.25, 1.0])].concat(),
            labels: [encode(&1u32), encode("y")].concat(),
            params: encode(model),
        }
    }

    fn file(&self) -> Vec<u8> {
        frame(
            &[
                &self.architecture[..],
                &self.layers,
                &self.standardization,
                &self.labels,
                &self.params,
            ]
            .concat(),
        )
    }
}

fn load(file: &[u8]) -> Result<(), LoadError> {
    let mut model = small();
    let before = model;
    let result = QuantizedFile::load_into(&mut model, file).map(|_| ());
    if result.is_err() {
        assert_eq!(model, before, "a failed load leaves the model alone");
    }
    result
}

#[test]
fn the_good_parts_load() {
    let file = Parts::good().file();
    load(&file).unwrap();
    let (model, info) = QuantizedFile::<SmallInt8>::load(&file).unwrap();
    assert_eq!(model, small());
    assert_eq!(info.label(0), Some("y"));
}

/// `small()` changed by `change`, as a body's parameters.
fn params(change: impl FnOnce(&mut Quantized<SmallInt8>)) -> Vec<u8> {
    let mut model = small();
    change(&mut model);
    encode(&model)
}

#[test]
fn each_bad_value_is_named_with_its_layer() {
    let invalid = |layer, what| LoadError::InvalidQuantization { layer, what };
    let cases: Vec<(&str, Vec<u8>, LoadError)> = vec![
        (
            "an input scale of zero",
            params(|m| m.input.scale = 0.0),
            invalid(None, "a scale is not finite and positive"),
        ),
        (
            "a NaN output scale",
            params(|m| m.output.scale = f32::NAN),
            invalid(None, "a scale is not finite and positive"),
        ),
        (
            "a negative input scale",
            params(|m| m.input.scale = -0.5),
            invalid(None, "a scale is not finite and positive"),
        ),
        (
            "an output zero point beyond int8",
            params(|m| m.output.zero_point = 128),
            invalid(None, "a zero point is outside the int8 range"),
        ),
        (
            "a requantization shift of 31",
            params(|m| m.layers.0.requant[2].shift = 31),
            invalid(Some(0), "a requantization shift is outside -31..=30"),
        ),
        (
            "a requantization shift of -32",
            params(|m| m.layers.2.requant[1].shift = -32),
            invalid(Some(2), "a requantization shift is outside -31..=30"),
        ),
        (
            "a negative multiplier",
            params(|m| m.layers.2.requant[0].multiplier = -1),
            invalid(Some(2), "a requantization multiplier is negative"),
        ),
        (
            "an output clamp upside down",
            params(|m| {
                m.layers.0.output.min = 10;
                m.layers.0.output.max = 9;
            }),
            invalid(Some(0), "an output clamp's minimum exceeds its maximum"),
        ),
        (
            "an output stage zero point beyond int8",
            params(|m| m.layers.2.output.zero_point = -129),
            invalid(Some(2), "a zero point is outside the int8 range"),
        ),
        (
            "a clamp upside down",
            params(|m| m.layers.1 = QClamp { min: 0, max: -1 }),
            invalid(Some(1), "a clamp's minimum exceeds its maximum"),
        ),
        (
            "a softmax input scale of infinity",
            params(|m| m.layers.3.input.scale = f32::INFINITY),
            invalid(Some(3), "a scale is not finite and positive"),
        ),
    ];
    for (what, params, expected) in cases {
        let parts = Parts {
            params,
            ..Parts::good()
        };
        let file = parts.file();
        assert_eq!(ModelInfo::parse(&file), Err(expected.clone()), "{what}");
        assert_eq!(load(&file), Err(expected.clone()), "{what}");
        assert!(expected.to_string().contains("int8 parameters are invalid"));
    }
}

#[test]
fn each_bad_part_is_named() {
    let good = Parts::good().params;
    // The output zero point, the last byte, padded to two bytes (the same number).
    let last = *good.last().unwrap();
    assert!(last < 0x80);
    let padded = [&good[..good.len() - 1], &[last | 0x80, 0x00]].concat();
    let malformed = LoadError::Malformed("int8 parameters");
    let cases: Vec<(&str, Parts, LoadError)> = vec![
        (
            "a padded varint",
            Parts {
                params: padded,
                ..Parts::good()
            },
            LoadError::NonCanonical("output quantization"),
        ),
        (
            "the parameters cut inside the first layer's weights",
            Parts {
                params: good[..12].to_vec(),
                ..Parts::good()
            },
            malformed.clone(),
        ),
        (
            "no output quantization",
            Parts {
                params: good[..good.len() - 5].to_vec(),
                ..Parts::good()
            },
            LoadError::Malformed("output quantization"),
        ),
        (
            "bytes after the output quantization",
            Parts {
                params: [&good[..], &[0]].concat(),
                ..Parts::good()
            },
            LoadError::Malformed("bytes after the int8 parameters"),
        ),
        (
            "a layer record missing",
            Parts {
                architecture: encode(&Architecture {
                    fingerprint: int8_fingerprint::<SmallInt8>(),
                    layers: 5,
                }),
                ..Parts::good()
            },
            LoadError::Malformed("layer record"),
        ),
        (
            "standardization of another length than the input",
            Parts {
                standardization: [floats(&[0.5, -1.0]), floats(&[2.0, 0.25])].concat(),
                ..Parts::good()
            },
            LoadError::PreprocessingLength {
                expected: 3,
                found: 2,
            },
        ),
        (
            "a standard deviation of zero",
            Parts {
                standardization: [floats(&[0.5, -1.0, 0.0]), floats(&[2.0, 0.0, 1.0])].concat(),
                ..Parts::good()
            },
            LoadError::InvalidPreprocessing("a standard deviation is not finite and positive"),
        ),
    ];
    for (what, parts, expected) in cases {
        assert_eq!(load(&parts.file()), Err(expected), "{what}");
    }
}

#[test]
fn records_that_are_no_int8_layer_are_named() {
    let cases: [(&str, &[u32]); 5] = [
        ("Dense", &[3, 4]),                  // an f32 layer in an int8 file
        ("QDense", &[3, 4, 1]),              // one size too many
        ("QConv1d", &[8, 3, 6, 3, 2, 4, 2]), // padding code 2
        ("ReLU", &[]),                       // folded into a QClamp in int8 models
        ("QMystery", &[]),
    ];
    for (kind, dims) in cases {
        let parts = Parts {
            layers: records(&[
                (kind, dims),
                ("QClamp", &[]),
                ("QDense", &[4, 2]),
                ("QSoftmax", &[]),
            ]),
            ..Parts::good()
        };
        let err = load(&parts.file()).unwrap_err();
        let LoadError::UnknownInt8Layer { layer: 0, found } = &err else {
            panic!("{kind}: {err:?}");
        };
        assert_eq!(found.kind.as_str(), kind);
        assert!(err.to_string().contains("not an int8 layer"), "{err}");
    }
    // Sizes far beyond the bytes there are (their product overflows on a 32-bit target) are an
    // error, not a panic or a long loop.
    let parts = Parts {
        layers: records(&[
            ("QDense", &[u32::MAX, u32::MAX]),
            ("QClamp", &[]),
            ("QDense", &[4, 2]),
            ("QSoftmax", &[]),
        ]),
        ..Parts::good()
    };
    let err = ModelInfo::parse(&parts.file()).unwrap_err();
    assert!(matches!(err, LoadError::Malformed(_)), "{err:?}");
}

#[test]
fn a_record_of_another_int8_layer_names_both() {
    // A table activation where the model has a clamp: the parameters differ in length too, so
    // the untyped reader sees it first unless the bytes happen to fit; give it a table.
    let mut model = small();
    model.layers.1 = QClamp {
        min: -128,
        max: 127,
    };
    let mut params = encode(&model.input);
    params.extend(encode(&model.layers.0));
    params.extend([0u8; 256]); // a QLut's table
    params.extend(encode(&model.layers.2));
    params.extend(encode(&model.layers.3));
    params.extend(encode(&model.output));
    let parts = Parts {
        layers: records(&[
            ("QDense", &[3, 4]),
            ("QLut", &[]),
            ("QDense", &[4, 2]),
            ("QSoftmax", &[]),
        ]),
        params,
        ..Parts::good()
    };
    let err = load(&parts.file()).unwrap_err();
    assert!(
        matches!(err, LoadError::ArchitectureMismatch { layer: 1, .. }),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("QLut") && err.to_string().contains("QClamp"),
        "{err}"
    );
}

#[test]
fn load_error_stays_small() {
    assert!(core::mem::size_of::<LoadError>() < 128);
}
