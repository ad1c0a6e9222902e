//! Code shared by the firmware crates and their build scripts.
//!
//! Everything here compiles both for the microcontroller and, inside a build script, for the host.
//! That is the point: the golden outputs and the reference fine-tuning run a build script computes
//! come from exactly the code the device runs, so the device can demand identical bits.
//!
//! - [`finetune`]: the on-device transfer-learning recipe (distortion, data, schedule, epoch).
//! - [`gesture_tune`]: fine-tuning the gesture CNN's head for a new user, on windows the device
//!   generates itself.
//! - [`autoencoder`]: the MLPerf Tiny anomaly-detection autoencoder shapes, for the benchmark.
//! - `gen` (feature `build`, host only): loads model files and data and writes the `static`
//!   models, data sets and golden tables the firmware `include!`s.
//! - `int8` (feature `build`, host only): post-training quantization of the firmware's models
//!   and tables of the host's int8 outputs.
#![cfg_attr(not(feature = "build"), no_std)]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod autoencoder;
pub mod finetune;
#[cfg(feature = "build")]
pub mod gen;
pub mod gesture_tune;
#[cfg(feature = "build")]
pub mod int8;
pub mod int8_tune;

/// Distance in units in the last place between two `f32`s: 0 only for identical bits (so `-0.0`
/// and `0.0` are 1 apart), `u32::MAX` when a NaN is involved and the bits differ. Used to state
/// how far a mismatch is, not to excuse it.
pub fn ulps(a: f32, b: f32) -> u32 {
    if a.to_bits() == b.to_bits() {
        return 0;
    }
    if a.is_nan() || b.is_nan() {
        return u32::MAX;
    }
    // Map the sign-magnitude bit patterns onto a monotonic integer line.
    let key = |v: f32| {
        let b = v.to_bits() as i32;
        if b < 0 {
            i32::MIN.wrapping_sub(b)
        } else {
            b
        }
    };
    key(a).abs_diff(key(b)).max(1)
}

/// `(v − mean) / std` for each value, as `ModelInfo::normalize` computes it (so the same bits);
/// the values are left alone unless there is one statistic per value. Lets firmware keep only
/// the statistics of a model file, not the file.
pub fn standardize(values: &mut [f32], mean: &[f32], std: &[f32]) {
    if mean.len() != values.len() || std.len() != values.len() {
        return;
    }
    for ((v, m), s) in values.iter_mut().zip(mean).zip(std) {
        *v = (*v - m) / s;
    }
}

/// One golden pair: an input and the output the host computed for it, as `f32` bit patterns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Golden<const I: usize, const O: usize> {
    /// The input.
    pub input: [u32; I],
    /// The host's output for it.
    pub output: [u32; O],
}

impl<const I: usize, const O: usize> Golden<I, O> {
    /// The input as floats.
    pub fn input(&self) -> [f32; I] {
        self.input.map(f32::from_bits)
    }
    /// The host's output as floats.
    pub fn output(&self) -> [f32; O] {
        self.output.map(f32::from_bits)
    }
}
