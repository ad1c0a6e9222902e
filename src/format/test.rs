use super::*;
use crate::prelude::*;

type Net = (Dense<3, 4>, Relu, Dense<4, 2>, Sigmoid);

fn net() -> Net {
    Net::init(Initializer::GlorotUniform, &mut Rng::seed(7))
}

const PRE: Preprocessing<'static> = Preprocessing {
    mean: &[1.0, -2.0, 0.5],
    std: &[2.0, 0.25, 1.0],
    labels: &["cat", "dog"],
};

fn file(buf: &mut [u8]) -> usize {
    ModelFile::<Net>::write(&net(), &PRE, buf).unwrap()
}

#[test]
fn crc_is_the_iso_hdlc_check_value() {
    // The standard check value of CRC-32/ISO-HDLC (zlib's, PNG's).
    assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
}

#[test]
fn every_part_decodes_with_plain_postcard() {
    let mut buf = [0u8; ModelFile::<Net>::MAX_BYTES];
    let n = file(&mut buf);
    assert_eq!(Some(n), ModelFile::<Net>::encoded_len(&PRE));
    let bytes = &buf[..n];

    let (header, rest) = postcard::take_from_bytes::<FileHeader>(bytes).unwrap();
    assert_eq!(header.magic, MAGIC);
    assert_eq!(header.version, VERSION);
    let (body, crc) = rest.split_at(header.body_len as usize);
    assert_eq!(crc, crc32(&bytes[..n - 4]).to_le_bytes());

    let (arch, mut rest) = postcard::take_from_bytes::<Architecture>(body).unwrap();
    assert_eq!(arch.fingerprint, fingerprint::<Net>());
    assert_eq!(arch.layers, 4);
    let mut kinds = [""; 4];
    let mut dims = [[0u32; 2]; 4];
    for i in 0..4 {
        let (record, next) = postcard::take_from_bytes::<LayerRecord<'_>>(rest).unwrap();
        kinds[i] = record.kind;
        for (d, &v) in dims[i].iter_mut().zip(record.dims.iter()) {
            *d = v;
        }
        rest = next;
    }
    assert_eq!(kinds, ["Dense", "ReLU", "Dense", "Sigmoid"]);
    assert_eq!(dims[0], [3, 4]);
    assert_eq!(dims[2], [4, 2]);

    let (pre, rest) = postcard::take_from_bytes::<Standardization<Floats<'_>>>(rest).unwrap();
    assert!(pre.mean.iter().eq(PRE.mean.iter().copied()));
    assert!(pre.std.iter().eq(PRE.std.iter().copied()));
    let (labels, rest) = postcard::take_from_bytes::<heapless::Vec<&str, 8>>(rest).unwrap();
    assert_eq!(labels.as_slice(), PRE.labels);
    let params: Floats<'_> = postcard::from_bytes(rest).unwrap();
    let mut expected = [0.0f32; Net::PARAMS];
    let mut i = 0;
    net().for_each_param(&mut |_, values| {
        for &v in values {
            expected[i] = v;
            i += 1;
        }
    });
    assert!(params
        .iter()
        .map(f32::to_bits)
        .eq(expected.map(f32::to_bits)));
}

#[test]
fn round_trip_and_max_bytes_bound() {
    let mut buf = [0u8; ModelFile::<Net>::MAX_BYTES];
    let n = file(&mut buf);
    assert!(n <= ModelFile::<Net>::MAX_BYTES);
    let mut loaded = Net::init(Initializer::Zeros, &mut Rng::seed(0));
    let info = ModelFile::load_into(&mut loaded, &buf[..n]).unwrap();
    assert_eq!(loaded, net());
    assert_eq!(
        info.labels().collect::<heapless::Vec<_, 4>>(),
        ["cat", "dog"]
    );
    assert_eq!(info.label(1), Some("dog"));
    assert_eq!(info.layers().nth(2).unwrap().to_string(), "Dense<4, 2>");

    // The most and longest labels fit in MAX_BYTES.
    let long = "x".repeat(MAX_LABEL_BYTES);
    let labels: std::vec::Vec<&str> = (0..MAX_LABELS).map(|_| long.as_str()).collect();
    let pre = Preprocessing {
        labels: &labels,
        ..PRE
    };
    let mut big = [0u8; ModelFile::<Net>::MAX_BYTES];
    let m = ModelFile::<Net>::write(&net(), &pre, &mut big).unwrap();
    assert_eq!(Some(m), ModelFile::<Net>::encoded_len(&pre));
}

#[test]
fn an_old_version_is_named_with_ours() {
    // Version 1 files began `ENNM`, then the version as a little-endian u16.
    let v1 = [b'E', b'N', b'N', b'M', 1, 0, 9, 0, 0, 0, 0, 0, 0, 0];
    let err = ModelInfo::parse(&v1).unwrap_err();
    assert_eq!(
        err,
        LoadError::UnsupportedVersion {
            found: 1,
            supported: VERSION_INT8
        }
    );
    let text = err.to_string();
    assert!(
        text.contains("version 1") && text.contains("versions 2 to 3"),
        "{text}"
    );
}

#[test]
fn every_corruption_is_an_error() {
    let mut buf = [0u8; ModelFile::<Net>::MAX_BYTES];
    let n = file(&mut buf);
    let good = &buf[..n];
    for cut in 0..n {
        assert!(ModelInfo::parse(&good[..cut]).is_err(), "cut at {cut}");
    }
    for i in 0..n {
        for bit in 0..8 {
            let mut bad = good.to_vec();
            bad[i] ^= 1 << bit;
            let mut model = net();
            assert!(
                ModelFile::load_into(&mut model, &bad).is_err(),
                "byte {i} bit {bit}"
            );
            assert_eq!(model, net(), "a failed load left the model changed");
        }
    }
    let mut long = good.to_vec();
    long.push(0);
    assert_eq!(
        ModelInfo::parse(&long),
        Err(LoadError::TrailingBytes { extra: 1 })
    );
}

#[test]
fn another_architecture_names_the_layer() {
    let mut buf = [0u8; ModelFile::<Net>::MAX_BYTES];
    let n = file(&mut buf);
    type Other = (Dense<3, 4>, Relu, Dense<4, 3>, Sigmoid);
    let mut other = Other::init(Initializer::Zeros, &mut Rng::seed(0));
    let err = ModelFile::load_into(&mut other, &buf[..n]).unwrap_err();
    assert!(matches!(
        err,
        LoadError::ArchitectureMismatch { layer: 2, .. }
    ));
    assert_eq!(
        err.to_string(),
        "architecture mismatch at layer 2: the file has Dense<4, 2>, the model type has Dense<4, 3>"
    );
}

#[test]
fn load_error_is_small() {
    // Under clippy's result_large_err threshold, so callers need no allow.
    assert!(core::mem::size_of::<LoadError>() < 128);
}

/// postcard bytes of `value`.
fn enc<T: serde::Serialize + ?Sized>(value: &T) -> std::vec::Vec<u8> {
    let mut buf = [0u8; 4096];
    postcard::to_slice(value, &mut buf).unwrap().to_vec()
}

/// A body for `Net` built part by part, as another writer might.
fn body(mean: &[f32], std: &[f32], labels: &[&str], layers: u32) -> std::vec::Vec<u8> {
    let mut body = enc(&Architecture {
        fingerprint: fingerprint::<Net>(),
        layers,
    });
    Net::layers(&mut |info| body.extend(enc(&LayerRecord::of(&info))));
    body.extend(enc(&Standardization {
        mean: records::FloatsOut(mean),
        std: records::FloatsOut(std),
    }));
    body.extend(enc(labels));
    body.extend(enc(&records::ParamsOut(Some(&net()))));
    body
}

/// `body` framed as a complete file with a correct header and CRC.
fn frame(body: &[u8]) -> std::vec::Vec<u8> {
    let mut file = enc(&FileHeader {
        magic: MAGIC,
        version: VERSION,
        body_len: body.len() as u32,
    });
    file.extend_from_slice(body);
    let crc = crc32(&file);
    file.extend_from_slice(&crc.to_le_bytes());
    file
}

#[test]
fn a_body_built_part_by_part_loads() {
    let file = frame(&body(PRE.mean, PRE.std, PRE.labels, 4));
    let mut buf = [0u8; ModelFile::<Net>::MAX_BYTES];
    let n = ModelFile::<Net>::write(&net(), &PRE, &mut buf).unwrap();
    assert_eq!(file, &buf[..n], "the documented parts are the whole file");
}

#[test]
fn a_padded_number_does_not_load() {
    // The layer count padded to two bytes (0x84 0x00) decodes to the same 4, so only the
    // canonical-form check can refuse it.
    let good = body(&[], &[], &[], 4);
    let at = enc(&fingerprint::<Net>()).len();
    assert_eq!(good[at], 4);
    let mut padded = good[..at].to_vec();
    padded.extend_from_slice(&[0x84, 0x00]);
    padded.extend_from_slice(&good[at + 1..]);
    assert_eq!(
        ModelInfo::parse(&frame(&padded)),
        Err(LoadError::NonCanonical("architecture"))
    );
}

#[test]
fn preprocessing_is_validated_on_write_and_load() {
    let mut buf = [0u8; ModelFile::<Net>::MAX_BYTES];
    let bad: [(&[f32], &[f32]); 5] = [
        (&[0.0, 0.0, 0.0], &[1.0, 0.0, 1.0]),
        (&[0.0, 0.0, 0.0], &[1.0, -1.0, 1.0]),
        (&[0.0, f32::NAN, 0.0], &[1.0, 1.0, 1.0]),
        (&[0.0, 0.0, 0.0], &[1.0, f32::INFINITY, 1.0]),
        (&[0.0, 0.0, 0.0], &[]),
    ];
    for (mean, std) in bad {
        let pre = Preprocessing {
            mean,
            std,
            labels: &[],
        };
        assert!(matches!(
            ModelFile::<Net>::write(&net(), &pre, &mut buf),
            Err(SaveError::InvalidPreprocessing(_))
        ));
        // Written by something else, it does not load either.
        assert!(matches!(
            ModelInfo::parse(&frame(&body(mean, std, &[], 4))),
            Err(LoadError::InvalidPreprocessing(_))
        ));
    }
    // Standardization of two features for a model with three inputs.
    let two = frame(&body(&[0.0, 1.0], &[1.0, 1.0], &[], 4));
    ModelInfo::parse(&two).unwrap();
    let mut model = net();
    assert_eq!(
        ModelFile::load_into(&mut model, &two).unwrap_err(),
        LoadError::PreprocessingLength {
            expected: 3,
            found: 2
        }
    );
    assert_eq!(model, net());
}

#[test]
fn labels_beyond_the_limits_do_not_load() {
    let long = "x".repeat(MAX_LABEL_BYTES + 1);
    assert!(matches!(
        ModelInfo::parse(&frame(&body(&[], &[], &[long.as_str()], 4))),
        Err(LoadError::InvalidLabels(_))
    ));
    let many = [""; MAX_LABELS + 1];
    assert!(matches!(
        ModelInfo::parse(&frame(&body(&[], &[], &many, 4))),
        Err(LoadError::InvalidLabels(_))
    ));
    let most = [""; MAX_LABELS];
    ModelInfo::parse(&frame(&body(&[], &[], &most, 4))).unwrap();
}
