//! The model types the CLI can load: the examples' types from `embednn-models`, recognised by
//! their architecture fingerprint.
//!
//! A model file does not name its Rust type, and loading needs one (shapes are types), so the
//! CLI keeps this list. A new example model type is one line in [`with_model`] and one name in
//! [`NAMES`].

use embednn::format::fingerprint;
use embednn::{Init, Model};
use embednn_models::{DigitsCnn, DigitsMlp, GestureCnn, Iris, KerasTutorial, Sine};

/// The names of the known model types, in the order they are tried.
pub const NAMES: [&str; 6] = [
    "KerasTutorial",
    "Sine",
    "Iris",
    "DigitsMlp",
    "DigitsCnn",
    "GestureCnn",
];

/// Something to do with a model type chosen at run time.
pub trait ModelVisitor {
    /// What it gives back.
    type Output;
    /// Called with the model type whose fingerprint matched, and its name.
    fn visit<M: Model + Init>(self, name: &'static str) -> Self::Output;
}

/// Calls `visitor` with the known model type whose fingerprint is `fingerprint`, or returns
/// `None` if there is none.
pub fn with_model<V: ModelVisitor>(fingerprint_in_file: u64, visitor: V) -> Option<V::Output> {
    macro_rules! try_types {
        ($($ty:ident),+) => {
            $(
                if fingerprint_in_file == fingerprint::<$ty>() {
                    return Some(visitor.visit::<$ty>(stringify!($ty)));
                }
            )+
        };
    }
    try_types!(KerasTutorial, Sine, Iris, DigitsMlp, DigitsCnn, GestureCnn);
    None
}

#[cfg(test)]
mod test {
    use super::*;

    struct Name;
    impl ModelVisitor for Name {
        type Output = &'static str;
        fn visit<M: Model + Init>(self, name: &'static str) -> &'static str {
            name
        }
    }

    #[test]
    fn every_name_is_reachable_and_fingerprints_differ() {
        let prints = [
            fingerprint::<KerasTutorial>(),
            fingerprint::<Sine>(),
            fingerprint::<Iris>(),
            fingerprint::<DigitsMlp>(),
            fingerprint::<DigitsCnn>(),
            fingerprint::<GestureCnn>(),
        ];
        for (print, name) in prints.iter().zip(NAMES) {
            assert_eq!(with_model(*print, Name), Some(name));
        }
        assert_eq!(with_model(0, Name), None);
    }
}
