//! Why a model file could not be read or written.

use core::fmt;

use super::records::{ExpectedLayer, LayerDesc};
use super::{Precision, MAX_DIMS, MAX_KIND, MAX_LABELS, MAX_LABEL_BYTES, VERSION};

/// Why a model file could not be loaded.
///
/// Without a heap, a mismatch carries the file's layer descriptor by value; the enum stays under
/// the 128 bytes past which clippy's `result_large_err` would ask callers to box it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LoadError {
    /// Fewer bytes than the header says (or than a header).
    Truncated {
        /// Bytes the file should have.
        expected: usize,
        /// Bytes given.
        found: usize,
    },
    /// More bytes than the header says.
    TrailingBytes {
        /// Bytes beyond the end of the file.
        extra: usize,
    },
    /// The first four bytes are not `ENNM`: not a model file.
    BadMagic([u8; 4]),
    /// A format version this crate does not read.
    UnsupportedVersion {
        /// The version the file has.
        found: u16,
        /// The newest version this build reads (it reads every version from
        /// [`VERSION`](super::VERSION) to this one).
        supported: u16,
    },
    /// The content does not match its CRC: the file is corrupt.
    BadCrc {
        /// CRC stored in the file.
        stored: u32,
        /// CRC of the bytes given.
        computed: u32,
    },
    /// The body could not be decoded although its CRC matched (written by something else).
    Malformed(&'static str),
    /// A part decodes, but not from postcard's one canonical encoding (e.g. a number padded
    /// with extra bytes): this crate never writes that, so the file was changed.
    NonCanonical(&'static str),
    /// The stored standardization cannot be applied (a length differs, a value is not finite, a
    /// standard deviation is not positive).
    InvalidPreprocessing(&'static str),
    /// The stored standardization has a different number of features than the model's input.
    PreprocessingLength {
        /// Input features of the model type.
        expected: usize,
        /// Features in the file.
        found: usize,
    },
    /// More or longer labels than a file may hold.
    InvalidLabels(&'static str),
    /// The file describes a different number of layers than the model type has.
    LayerCount {
        /// Layers in the model type.
        expected: usize,
        /// Layers in the file.
        found: usize,
    },
    /// A layer in the file differs from the model type's layer at the same position.
    ArchitectureMismatch {
        /// Position of the first differing layer (0-based).
        layer: usize,
        /// What the model type has there.
        expected: ExpectedLayer,
        /// What the file has there.
        found: LayerDesc,
    },
    /// Same layers, different fingerprint: the file's fingerprint field is inconsistent.
    FingerprintMismatch {
        /// Fingerprint of the model type.
        expected: u64,
        /// Fingerprint in the file.
        found: u64,
    },
    /// The file holds a different number of parameters than the model type.
    ParamCount {
        /// Parameters of the model type.
        expected: usize,
        /// Parameters in the file.
        found: usize,
    },
    /// An int8 file given for an `f32` model type, or an `f32` file for an int8 one.
    Precision {
        /// What the model type is.
        expected: Precision,
        /// What the file holds.
        found: Precision,
    },
    /// A layer record of an int8 file names no int8 layer this build reads (an unknown kind,
    /// the wrong number of sizes, a padding code other than 0 or 1).
    UnknownInt8Layer {
        /// Position of the record (0-based).
        layer: usize,
        /// The record.
        found: LayerDesc,
    },
    /// An int8 file holds a quantization parameter no int8 model can have: a scale that is not
    /// finite and positive, a zero point outside int8, a clamp whose minimum exceeds its
    /// maximum, a requantization with a negative multiplier or a shift outside `-31..=30`.
    InvalidQuantization {
        /// The layer (0-based), or `None` for the model's input or output quantization.
        layer: Option<usize>,
        /// What is wrong.
        what: &'static str,
    },
}

/// `at layer 3` or `at the model's input or output`.
struct Site(Option<usize>);

impl fmt::Display for Site {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(layer) => write!(f, "layer {layer}"),
            None => f.write_str("the model's input or output"),
        }
    }
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::Truncated { expected, found } => {
                write!(f, "model file truncated: {found} bytes, expected {expected}")
            }
            LoadError::TrailingBytes { extra } => {
                write!(f, "{extra} unexpected bytes after the end of the model file")
            }
            LoadError::BadMagic(m) => write!(f, "not a model file (starts with {m:02x?}, not ENNM)"),
            LoadError::UnsupportedVersion { found, supported } => write!(
                f,
                "model file format version {found} is not supported (this build reads versions \
                 {VERSION} to {supported}; write the file again with this version's trainer)"
            ),
            LoadError::BadCrc { stored, computed } => write!(
                f,
                "model file is corrupt: CRC-32 {computed:08x} does not match the stored {stored:08x}"
            ),
            LoadError::Malformed(what) => write!(f, "model file body is malformed: {what}"),
            LoadError::NonCanonical(what) => {
                write!(f, "model file is malformed: the {what} is not canonical postcard")
            }
            LoadError::InvalidPreprocessing(why) => {
                write!(f, "model file's preprocessing is invalid: {why}")
            }
            LoadError::PreprocessingLength { expected, found } => write!(
                f,
                "model file standardizes {found} features, the model type has {expected} inputs"
            ),
            LoadError::InvalidLabels(why) => write!(f, "model file's labels are invalid: {why}"),
            LoadError::LayerCount { expected, found } => write!(
                f,
                "architecture mismatch: the file has {found} layers, the model type has {expected}"
            ),
            LoadError::ArchitectureMismatch {
                layer,
                expected,
                found,
            } => write!(
                f,
                "architecture mismatch at layer {layer}: the file has {found}, the model type has \
                 {expected}"
            ),
            LoadError::FingerprintMismatch { expected, found } => write!(
                f,
                "architecture fingerprint {found:016x} in the file, {expected:016x} expected"
            ),
            LoadError::ParamCount { expected, found } => write!(
                f,
                "the file has {found} parameters, the model type has {expected}"
            ),
            LoadError::Precision { expected, found } => write!(
                f,
                "the file holds an {found} model, the model type is {expected} (read {} files \
                 with {})",
                found,
                match found {
                    Precision::F32 => "ModelFile",
                    Precision::Int8 => "QuantizedFile",
                }
            ),
            LoadError::UnknownInt8Layer { layer, found } => write!(
                f,
                "layer {layer} of the int8 model file is {found}, which is not an int8 layer this \
                 build reads"
            ),
            LoadError::InvalidQuantization { layer, what } => write!(
                f,
                "model file's int8 parameters are invalid at {}: {what}",
                Site(*layer)
            ),
        }
    }
}

impl core::error::Error for LoadError {}

/// Why a model file could not be written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SaveError {
    /// The output buffer is too small.
    BufferTooSmall {
        /// Bytes needed.
        needed: usize,
        /// Bytes available.
        available: usize,
    },
    /// `mean` or `std` is neither empty nor one value per input feature.
    PreprocessingLength {
        /// Input features of the model.
        expected: usize,
        /// Values given.
        found: usize,
    },
    /// `mean` and `std` differ in length, a mean is not finite, or a standard deviation is not
    /// finite and positive.
    InvalidPreprocessing(&'static str),
    /// More labels than [`MAX_LABELS`].
    TooManyLabels(usize),
    /// A label longer than [`MAX_LABEL_BYTES`] bytes.
    LabelTooLong(usize),
    /// A layer whose kind is longer than [`MAX_KIND`] bytes or which has more than [`MAX_DIMS`]
    /// defining sizes (a custom layer's [`Params::KIND`](crate::Params::KIND) or
    /// [`Params::DIMS`](crate::Params::DIMS)).
    LayerNotStorable(&'static str),
    /// A parameter is NaN or infinite — the mark of a model whose training diverged. Refused
    /// unless asked for ([`ModelFile::write_keeping_non_finite`](super::ModelFile::write_keeping_non_finite)),
    /// so a broken model is not deployed by accident.
    NonFiniteParameter {
        /// Position in [`Params::for_each_param`](crate::Params::for_each_param) order.
        index: usize,
    },
    /// A quantization parameter that no int8 file may hold (what loading refuses as
    /// [`LoadError::InvalidQuantization`]).
    InvalidQuantization {
        /// The layer (0-based), or `None` for the model's input or output quantization.
        layer: Option<usize>,
        /// What is wrong.
        what: &'static str,
    },
    /// postcard refused a part (cannot happen for a buffer of the size computed first).
    Encode,
}

impl fmt::Display for SaveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SaveError::BufferTooSmall { needed, available } => {
                write!(f, "model file needs {needed} bytes, buffer has {available}")
            }
            SaveError::PreprocessingLength { expected, found } => write!(
                f,
                "preprocessing has {found} values, the model has {expected} input features"
            ),
            SaveError::InvalidPreprocessing(why) => write!(f, "invalid preprocessing: {why}"),
            SaveError::TooManyLabels(n) => write!(f, "{n} labels, at most {MAX_LABELS} fit"),
            SaveError::LabelTooLong(n) => {
                write!(f, "a label of {n} bytes, at most {MAX_LABEL_BYTES} fit")
            }
            SaveError::LayerNotStorable(kind) => write!(
                f,
                "layer {kind} cannot be stored: kinds have at most {MAX_KIND} bytes and \
                 {MAX_DIMS} sizes"
            ),
            SaveError::NonFiniteParameter { index } => write!(
                f,
                "parameter {index} is NaN or infinite: the model diverged (save it anyway with \
                 ModelFile::save_keeping_non_finite)"
            ),
            SaveError::InvalidQuantization { layer, what } => write!(
                f,
                "the int8 model cannot be stored: at {}, {what}",
                Site(*layer)
            ),
            SaveError::Encode => f.write_str("postcard could not encode a part of the model file"),
        }
    }
}

impl core::error::Error for SaveError {}
