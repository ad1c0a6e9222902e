//! The layers: one module per kind.

pub mod activation;
pub mod dense;
pub mod frozen;
