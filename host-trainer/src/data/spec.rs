//! [`CsvSpec`]: what to load from a CSV — the target column, what it holds ([`TargetKind`]) and
//! the feature columns ([`Features`]).

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

/// How to read a CSV: the target column, its kind and the feature columns.
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
}

impl CsvSpec {
    /// A numeric target; every other column is a feature.
    pub fn regression(target: impl Into<String>) -> Self {
        CsvSpec {
            target: target.into(),
            kind: TargetKind::Regression,
            features: Features::AllButTarget,
        }
    }

    /// A class-label target with classes found in the data; every other column is a feature.
    pub fn classification(target: impl Into<String>) -> Self {
        CsvSpec {
            target: target.into(),
            kind: TargetKind::Classes { expected: None },
            features: Features::AllButTarget,
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
}
