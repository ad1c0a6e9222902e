//! The layers: one module per kind.

pub mod activation;
pub mod batchnorm;
pub mod conv;
pub mod dense;
pub mod dropout;
pub mod frozen;
pub mod pool;
pub mod recurrent;
pub mod reshape;
pub mod residual;

mod const_fmt;
