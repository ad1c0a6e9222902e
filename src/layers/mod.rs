//! The layers: one module per kind.

pub mod activation;
pub mod dense;
pub mod frozen;
pub mod conv;
pub mod dropout;
pub mod pool;
pub mod reshape;

mod const_fmt;
