//! [`CsvSpec`]: what to load from a CSV — the target column, what it holds ([`TargetKind`]), the
//! feature columns ([`Features`]) and the size limits on cells and records.

/// Which columns are features.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Features {
    /// Every column except the target, in header order.
    AllButTarget,
    /// These columns, in this order.
    Named(Vec<String>),
}

/// What the target column holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TargetKind {
    /// A number per row.
    Regression,
    /// A class label per row (any text; integers sort numerically). The classes are the
    /// distinct labels, sorted; there must be at least two, and exactly `expected` if given.
    Classes {
        /// The number of classes the model has, if known.
        expected: Option<usize>,
    },
    /// A class label from this list, e.g. the class names stored with a trained model; class
    /// `i` is `names[i]`. Any other label is an error. Use this for test data, which may lack
    /// some classes.
    KnownClasses(Vec<String>),
}

/// How to read a CSV: the target column, its kind, the feature columns and the size limits.
///
/// The limits bound the memory one record can take while it is parsed, whatever the file holds
/// (a missing quote can otherwise turn the rest of a file into one cell): a longer cell is a
/// [`DataError::FieldTooLong`](super::DataError::FieldTooLong), a longer record a
/// [`DataError::RecordTooLong`](super::DataError::RecordTooLong).
///
/// ```
/// use host_trainer::data::CsvSpec;
///
/// let iris = CsvSpec::classification("species").expect_classes(3);
/// let sine = CsvSpec::regression("y").features(["x"]);
/// # let _ = (iris, sine);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CsvSpec {
    /// The target column's header name.
    pub target: String,
    /// What the target holds.
    pub kind: TargetKind,
    /// The feature columns.
    pub features: Features,
    /// The longest cell accepted, in bytes, counted after unquoting and before trimming
    /// (default [`CsvSpec::DEFAULT_MAX_FIELD_BYTES`]). Applies to the header's cells too; a
    /// class label or a column name longer than this is refused like a number.
    pub max_field_bytes: usize,
    /// The longest record accepted, in bytes as written in the file: cells, commas and quotes,
    /// not the line ending (default [`CsvSpec::DEFAULT_MAX_RECORD_BYTES`]).
    pub max_record_bytes: usize,
}

impl CsvSpec {
    /// The default [`max_field_bytes`](CsvSpec::max_field_bytes()): 1 KiB. The longest `f32` in
    /// shortest round-trip form is under 20 bytes; the rest is room for labels and names.
    pub const DEFAULT_MAX_FIELD_BYTES: usize = 1024;
    /// The default [`max_record_bytes`](CsvSpec::max_record_bytes()): 1 MiB.
    pub const DEFAULT_MAX_RECORD_BYTES: usize = 1 << 20;

    /// A numeric target; every other column is a feature.
    pub fn regression(target: impl Into<String>) -> Self {
        CsvSpec {
            target: target.into(),
            kind: TargetKind::Regression,
            features: Features::AllButTarget,
            max_field_bytes: Self::DEFAULT_MAX_FIELD_BYTES,
            max_record_bytes: Self::DEFAULT_MAX_RECORD_BYTES,
        }
    }

    /// A class-label target with classes found in the data; every other column is a feature.
    pub fn classification(target: impl Into<String>) -> Self {
        CsvSpec {
            target: target.into(),
            kind: TargetKind::Classes { expected: None },
            features: Features::AllButTarget,
            max_field_bytes: Self::DEFAULT_MAX_FIELD_BYTES,
            max_record_bytes: Self::DEFAULT_MAX_RECORD_BYTES,
        }
    }

    /// Requires exactly `n` distinct labels (the target becomes a class label).
    #[must_use]
    pub fn expect_classes(mut self, n: usize) -> Self {
        self.kind = TargetKind::Classes { expected: Some(n) };
        self
    }

    /// Maps labels through a fixed list of class names (the target becomes a class label).
    #[must_use]
    pub fn known_classes<I, S>(mut self, names: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.kind = TargetKind::KnownClasses(names.into_iter().map(Into::into).collect());
        self
    }

    /// Uses these columns as features, in this order, instead of all but the target.
    #[must_use]
    pub fn features<I, S>(mut self, names: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.features = Features::Named(names.into_iter().map(Into::into).collect());
        self
    }

    /// Rejects cells longer than `bytes` (sets the field of the same name).
    #[must_use]
    pub fn max_field_bytes(mut self, bytes: usize) -> Self {
        self.max_field_bytes = bytes;
        self
    }

    /// Rejects records longer than `bytes` (sets the field of the same name).
    #[must_use]
    pub fn max_record_bytes(mut self, bytes: usize) -> Self {
        self.max_record_bytes = bytes;
        self
    }
}
