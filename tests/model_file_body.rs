//! The body decoder with bad input behind a valid header and a correct CRC — what the CRC check
//! stops every other loader test before: each part that is missing, malformed, out of limits or
//! not in postcard's canonical form is named in the error, and nothing is loaded.

use embednn::format::{
    crc32, fingerprint, Architecture, FileHeader, LayerRecord, LoadError, ModelFile, ModelInfo,
    MAGIC, MAX_LABELS, VERSION,
};
use embednn::prelude::*;

type Net = (Dense<2, 3>, Relu, Dense<3, 1>);

/// `body` behind a valid header, with the CRC a writer would compute.
fn frame(body: &[u8]) -> Vec<u8> {
    let header = FileHeader {
        magic: MAGIC,
        version: VERSION,
        body_len: body.len() as u32,
    };
    let mut file = postcard::to_stdvec(&header).unwrap();
    file.extend_from_slice(body);
    let crc = crc32(&file);
    file.extend_from_slice(&crc.to_le_bytes());
    file
}

/// A postcard byte string of little-endian floats.
fn floats(values: &[f32]) -> Vec<u8> {
    let mut out = postcard::to_stdvec(&(values.len() * 4)).unwrap();
    for v in values {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out
}

/// The parts of a body for `Net`, in order, each of which a test may replace.
struct Parts {
    architecture: Vec<u8>,
    layers: Vec<u8>,
    standardization: Vec<u8>,
    labels: Vec<u8>,
    params: Vec<u8>,
}

impl Parts {
    fn good() -> Parts {
        let mut layers = Vec::new();
        for (kind, dims) in [("Dense", &[2u32, 3][..]), ("ReLU", &[]), ("Dense", &[3, 1])] {
            let record = LayerRecord {
                kind,
                dims: heapless::Vec::from_slice(dims).unwrap(),
            };
            layers.extend(postcard::to_stdvec(&record).unwrap());
        }
        let mut standardization = floats(&[0.5, -1.0]);
        standardization.extend(floats(&[2.0, 0.25]));
        let mut labels = postcard::to_stdvec(&1u32).unwrap();
        labels.extend(postcard::to_stdvec("y").unwrap());
        Parts {
            architecture: postcard::to_stdvec(&Architecture {
                fingerprint: fingerprint::<Net>(),
                layers: 3,
            })
            .unwrap(),
            layers,
            standardization,
            labels,
            params: floats(&[0.25; 13]),
        }
    }

    fn file(&self) -> Vec<u8> {
        let body = [
            &self.architecture[..],
            &self.layers,
            &self.standardization,
            &self.labels,
            &self.params,
        ]
        .concat();
        frame(&body)
    }
}

fn load(file: &[u8]) -> Result<(), LoadError> {
    let mut net = Net::init(Initializer::Zeros, &mut Rng::seed(0));
    ModelFile::load_into(&mut net, file).map(|_| ())
}

#[test]
fn the_good_parts_load() {
    let file = Parts::good().file();
    load(&file).unwrap();
    assert_eq!(ModelInfo::parse(&file).unwrap().label(0), Some("y"));
}

#[test]
fn each_bad_part_is_named() {
    let cases: Vec<(&str, Parts, LoadError)> = vec![
        (
            "a layer record is missing",
            Parts {
                architecture: postcard::to_stdvec(&Architecture {
                    fingerprint: fingerprint::<Net>(),
                    layers: 4,
                })
                .unwrap(),
                ..Parts::good()
            },
            LoadError::Malformed("layer record"),
        ),
        (
            "a padded varint (a number with an extra 0x80 byte)",
            Parts {
                labels: [&[0x81u8, 0x00][..], &postcard::to_stdvec("y").unwrap()].concat(),
                ..Parts::good()
            },
            LoadError::NonCanonical("label count"),
        ),
        (
            "a float run whose length is not a multiple of four",
            Parts {
                params: [&[5u8][..], &[0; 5]].concat(),
                ..Parts::good()
            },
            LoadError::Malformed("parameters"),
        ),
        (
            "bytes after the parameters",
            Parts {
                params: [floats(&[0.25; 13]), vec![0]].concat(),
                ..Parts::good()
            },
            LoadError::Malformed("bytes after the parameters"),
        ),
        (
            "more labels than a file may hold",
            Parts {
                labels: postcard::to_stdvec(&(MAX_LABELS as u32 + 1)).unwrap(),
                ..Parts::good()
            },
            LoadError::InvalidLabels("more labels than a file may hold"),
        ),
        (
            "a standard deviation of zero",
            Parts {
                standardization: [floats(&[0.5, -1.0]), floats(&[2.0, 0.0])].concat(),
                ..Parts::good()
            },
            LoadError::InvalidPreprocessing("a standard deviation is not finite and positive"),
        ),
        (
            "a NaN mean",
            Parts {
                standardization: [floats(&[f32::NAN, -1.0]), floats(&[2.0, 1.0])].concat(),
                ..Parts::good()
            },
            LoadError::InvalidPreprocessing("a mean is not finite"),
        ),
        (
            "means and standard deviations of different lengths",
            Parts {
                standardization: [floats(&[0.5, -1.0]), floats(&[2.0])].concat(),
                ..Parts::good()
            },
            LoadError::InvalidPreprocessing("means and standard deviations differ in number"),
        ),
        (
            "standardization of another length than the input",
            Parts {
                standardization: [floats(&[0.5, -1.0, 3.0]), floats(&[2.0, 1.0, 1.0])].concat(),
                ..Parts::good()
            },
            LoadError::PreprocessingLength {
                expected: 2,
                found: 3,
            },
        ),
        (
            "too few parameters",
            Parts {
                params: floats(&[0.25; 12]),
                ..Parts::good()
            },
            LoadError::ParamCount {
                expected: 13,
                found: 12,
            },
        ),
    ];
    for (what, parts, expected) in cases {
        assert_eq!(load(&parts.file()), Err(expected), "{what}");
    }
}

#[test]
fn a_record_of_another_layer_names_the_position_and_both_layers() {
    let mut parts = Parts::good();
    let mut layers = Vec::new();
    for (kind, dims) in [("Dense", &[2u32, 3][..]), ("Tanh", &[]), ("Dense", &[3, 1])] {
        let record = LayerRecord {
            kind,
            dims: heapless::Vec::from_slice(dims).unwrap(),
        };
        layers.extend(postcard::to_stdvec(&record).unwrap());
    }
    parts.layers = layers;
    let err = load(&parts.file()).unwrap_err();
    assert!(
        matches!(err, LoadError::ArchitectureMismatch { layer: 1, .. }),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("ReLU") && err.to_string().contains("Tanh"),
        "{err}"
    );
}
