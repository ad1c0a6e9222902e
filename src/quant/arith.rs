//! TensorFlow Lite's integer arithmetic: affine quantization of tensors and the fixed-point
//! requantization of accumulators, reproduced operation for operation so an int8 layer computes
//! exactly what TFLite's reference kernels compute.
//!
//! A real value `r` is stored as an int8 `q` with `r = scale · (q − zero_point)` ([`QParams`]).
//! A layer sums int8 products into an `i32` accumulator whose scale is `s_in · s_w`; moving it to
//! the output's scale multiplies by `M = s_in · s_w / s_out`, which TFLite writes as a Q31
//! fixed-point number and a power of two ([`Requant`]):
//!
//! ```
//! use embednn::quant::Requant;
//! let r = Requant::from_scale(0.5 * 0.25 / 1.0); // M = 0.125 = 0.5 · 2⁻²
//! assert_eq!((r.multiplier, r.shift), (1 << 30, -2));
//! assert_eq!(r.apply(800), 100);
//! assert_eq!(r.apply(-4), -1); // −0.5 rounds away from zero
//! ```

use serde::{Deserialize, Serialize};

/// A Q31 multiplier and a power-of-two shift: `acc · multiplier / 2³¹ · 2^shift`, rounded as
/// TFLite rounds (`MultiplyByQuantizedMultiplier`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Requant {
    /// The mantissa in Q31, in `[2³⁰, 2³¹)` (or 0 for a zero scale).
    pub multiplier: i32,
    /// The exponent: positive shifts left before the multiply, negative rounds right after.
    pub shift: i32,
}

impl Requant {
    /// TFLite's `QuantizeMultiplier`: splits a positive real multiplier into a Q31 mantissa and
    /// an exponent with `frexp`, rounding the mantissa half away from zero; a mantissa that
    /// rounds up to 2³¹ is halved, and a multiplier below 2⁻³¹ becomes zero. Zero, negative and
    /// non-finite multipliers give the zero multiplier (every output is the zero point).
    pub fn from_scale(real: f64) -> Requant {
        if real.is_nan() || real <= 0.0 || !real.is_finite() {
            return Requant::default();
        }
        let (q, mut shift) = libm::frexp(real);
        let mut q_fixed = libm::round(q * (1u64 << 31) as f64) as i64;
        if q_fixed == 1i64 << 31 {
            q_fixed /= 2;
            shift += 1;
        }
        if shift < -31 {
            return Requant::default();
        }
        if shift > 30 {
            // Beyond what an int32 accumulator can be shifted by: saturate.
            return Requant {
                multiplier: i32::MAX,
                shift: 30,
            };
        }
        Requant {
            multiplier: q_fixed.clamp(0, i32::MAX as i64) as i32,
            shift,
        }
    }

    /// The multiplier `s_in · s_w / s_out` of a layer, computed in `f64` from the `f32` scales as
    /// TFLite does.
    pub fn for_scales(input: f32, weight: f32, output: f32) -> Requant {
        Requant::from_scale(input as f64 * weight as f64 / output as f64)
    }

    /// The multiplier as TFLite's per-tensor `FULLY_CONNECTED` computes it: the two scales
    /// multiplied in `f32` first, then divided in `f64` (convolutions, depthwise convolutions
    /// and per-channel fully connected layers use [`Requant::for_scales`]).
    pub fn for_scales_f32_product(input: f32, weight: f32, output: f32) -> Requant {
        Requant::from_scale((input * weight) as f64 / output as f64)
    }

    /// `MultiplyByQuantizedMultiplier(acc, multiplier, shift)`: a saturating rounding doubling
    /// high multiply, then a rounding divide by a power of two.
    #[inline(always)]
    pub fn apply(self, acc: i32) -> i32 {
        let left = if self.shift > 0 { self.shift } else { 0 };
        let right = if self.shift > 0 { 0 } else { -self.shift };
        rounding_divide_by_pot(
            saturating_rounding_doubling_high_mul(acc.wrapping_shl(left as u32), self.multiplier),
            right,
        )
    }
}

/// gemmlowp's `SaturatingRoundingDoublingHighMul`: the high 32 bits of `2·a·b`, rounded to
/// nearest (ties away from zero), saturating the one overflowing case `a = b = i32::MIN`.
#[inline(always)]
pub fn saturating_rounding_doubling_high_mul(a: i32, b: i32) -> i32 {
    if a == i32::MIN && b == i32::MIN {
        return i32::MAX;
    }
    let ab = a as i64 * b as i64;
    let nudge: i64 = if ab >= 0 { 1 << 30 } else { 1 - (1 << 30) };
    // C++ integer division truncates toward zero, as Rust's does.
    ((ab + nudge) / (1i64 << 31)) as i32
}

/// gemmlowp's `RoundingDivideByPOT`: `x / 2^exponent` rounded to nearest, ties away from zero.
/// Exponents outside `0..=31` are clamped into it.
#[inline(always)]
pub fn rounding_divide_by_pot(x: i32, exponent: i32) -> i32 {
    let exponent = exponent.clamp(0, 31) as u32;
    let mask = ((1i64 << exponent) - 1) as i32;
    let remainder = x & mask;
    let threshold = (mask >> 1) + i32::from(x < 0);
    (x >> exponent) + i32::from(remainder > threshold)
}

/// How a tensor's int8 values map to real values: `r = scale · (q − zero_point)`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct QParams {
    /// The real value of one step.
    pub scale: f32,
    /// The int8 value that stands for real zero.
    pub zero_point: i32,
}

impl Default for QParams {
    fn default() -> Self {
        QParams {
            scale: 1.0,
            zero_point: 0,
        }
    }
}

impl QParams {
    /// The fixed parameters TFLite gives a softmax's or a logistic's int8 output: probabilities
    /// in steps of 1/256 from −128.
    pub const PROBABILITY: QParams = QParams {
        scale: 1.0 / 256.0,
        zero_point: -128,
    };

    /// Asymmetric parameters covering `[min, max]` (widened to include 0, so real zero is exact),
    /// with the zero point nudged to an integer as TensorFlow's `ChooseQuantizationParams` does.
    /// An empty or non-finite range gives scale 1, zero point 0.
    pub fn from_range(min: f32, max: f32) -> QParams {
        if !min.is_finite() || !max.is_finite() {
            return QParams::default();
        }
        let (min, max) = (min.min(0.0) as f64, max.max(0.0) as f64);
        if max - min <= 0.0 {
            return QParams::default();
        }
        let (qmin, qmax) = (i8::MIN as f64, i8::MAX as f64);
        let scale = (max - min) / (qmax - qmin);
        let from_min = qmin - min / scale;
        let from_max = qmax - max / scale;
        let err_min = qmin.abs() + (min / scale).abs();
        let err_max = qmax.abs() + (max / scale).abs();
        let zero = if err_min < err_max {
            from_min
        } else {
            from_max
        };
        let zero_point = if zero < qmin {
            qmin
        } else if zero > qmax {
            qmax
        } else {
            libm::round(zero)
        };
        QParams {
            scale: scale as f32,
            zero_point: zero_point as i32,
        }
    }

    /// Symmetric parameters for weights in `[-absmax, absmax]`: zero point 0, the range mapped
    /// to `[-127, 127]` (TFLite's per-channel weight scheme). An all-zero or non-finite range
    /// gives scale 1.
    pub fn symmetric(absmax: f32) -> QParams {
        if absmax.is_nan() || absmax <= 0.0 || !absmax.is_finite() {
            return QParams::default();
        }
        QParams {
            scale: absmax / 127.0,
            zero_point: 0,
        }
    }

    /// TFLite's `AffineQuantize`: `round(r / scale) + zero_point` (division in `f32`, rounding
    /// half away from zero), saturated to int8. NaN becomes the zero point (real zero).
    #[inline]
    pub fn quantize(self, r: f32) -> i8 {
        let q = libm::roundf(r / self.scale);
        let q = if q.is_nan() { 0 } else { q as i32 }; // `as` saturates ±∞
        q.saturating_add(self.zero_point)
            .clamp(i8::MIN as i32, i8::MAX as i32) as i8
    }

    /// `scale · (q − zero_point)`, TFLite's `Dequantize` (the product of an `f32` and a small
    /// integer is exact in `f64`, so computing it in `f32` rounds the same once).
    #[inline]
    pub fn dequantize(self, q: i8) -> f32 {
        self.scale * (q as i32 - self.zero_point) as f32
    }

    /// The int8 value standing for the real value `r`, without saturation (for clamps).
    pub fn level(self, r: f32) -> i32 {
        let q = libm::roundf(r / self.scale);
        if q.is_nan() {
            self.zero_point
        } else {
            (q as i32).saturating_add(self.zero_point)
        }
    }
}

/// What ends every int8 layer that computes a sum: requantize to the output scale, add the
/// output zero point, clamp to `[min, max]` (the int8 range, narrowed by a fused ReLU or ReLU6).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutputStage {
    /// The output's zero point.
    pub zero_point: i32,
    /// The smallest output (−128, or the zero point after a fused ReLU).
    pub min: i8,
    /// The largest output (127, or the level of 6 after a fused ReLU6).
    pub max: i8,
}

impl Default for OutputStage {
    fn default() -> Self {
        OutputStage {
            zero_point: 0,
            min: i8::MIN,
            max: i8::MAX,
        }
    }
}

impl OutputStage {
    /// The stage for an output with parameters `out` and no activation.
    pub fn new(out: QParams) -> OutputStage {
        OutputStage {
            zero_point: out.zero_point,
            min: i8::MIN,
            max: i8::MAX,
        }
    }

    /// Narrows the clamp to the real interval `[lo, hi]` (a fused ReLU is `[0, ∞)`, ReLU6
    /// `[0, 6]`), in the output's levels, as TFLite's `CalculateActivationRangeQuantized`.
    pub fn clamped(mut self, out: QParams, lo: f32, hi: f32) -> OutputStage {
        let to_i8 = |v: i32| v.clamp(i8::MIN as i32, i8::MAX as i32) as i8;
        self.min = self.min.max(to_i8(out.level(lo)));
        self.max = self.max.min(to_i8(out.level(hi)));
        if self.min > self.max {
            self.max = self.min;
        }
        self
    }

    /// Requantizes one accumulator.
    #[inline(always)]
    pub fn finish(self, acc: i32, requant: Requant) -> i8 {
        requant
            .apply(acc)
            .saturating_add(self.zero_point)
            // `max` then `min`, not `clamp`: a stage read from a file with min > max must not
            // panic (`clamp` asserts); it gives `max`.
            .max(self.min as i32)
            .min(self.max as i32) as i8
    }
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn quantize_multiplier_matches_tflite() {
        // frexp(0.75) = 0.75 · 2⁰; 0.75 · 2³¹ = 1610612736.
        assert_eq!(
            Requant::from_scale(0.75),
            Requant {
                multiplier: 1_610_612_736,
                shift: 0
            }
        );
        // A mantissa that rounds to 2³¹ is halved and the exponent grows.
        let r = Requant::from_scale(1.0 - 1e-12);
        assert_eq!((r.multiplier, r.shift), (1 << 30, 1));
        assert_eq!(Requant::from_scale(1e-12), Requant::default()); // 2⁻³⁹: shifts every bit out
    }

    #[test]
    fn rounding_divide_rounds_half_away_from_zero() {
        assert_eq!(rounding_divide_by_pot(5, 1), 3);
        assert_eq!(rounding_divide_by_pot(-5, 1), -3);
        assert_eq!(rounding_divide_by_pot(4, 1), 2);
        assert_eq!(rounding_divide_by_pot(-6, 2), -2); // −1.5 → −2
        assert_eq!(rounding_divide_by_pot(i32::MIN, 31), -1);
        assert_eq!(rounding_divide_by_pot(i32::MAX, 31), 1);
    }

    #[test]
    fn doubling_high_mul_saturates_and_rounds() {
        assert_eq!(
            saturating_rounding_doubling_high_mul(i32::MIN, i32::MIN),
            i32::MAX
        );
        assert_eq!(
            saturating_rounding_doubling_high_mul(1 << 30, 1 << 30),
            1 << 29
        );
        // 3 · 2³⁰ · 2 / 2³² = 1.5 → 2, but −1.5 → −1: gemmlowp's nudge for negative products
        // is 1 − 2³⁰, one short of a half.
        assert_eq!(saturating_rounding_doubling_high_mul(3, 1 << 30), 2);
        assert_eq!(saturating_rounding_doubling_high_mul(-3, 1 << 30), -1);
    }

    #[test]
    fn quantize_saturates_and_maps_nan_to_zero() {
        let p = QParams {
            scale: 0.5,
            zero_point: -10,
        };
        assert_eq!(p.quantize(0.0), -10);
        assert_eq!(p.quantize(0.25), -9); // 0.5 rounds away from zero
        assert_eq!(p.quantize(-0.25), -11);
        assert_eq!(p.quantize(1e9), 127);
        assert_eq!(p.quantize(f32::NEG_INFINITY), -128);
        assert_eq!(p.quantize(f32::INFINITY), 127);
        assert_eq!(p.quantize(f32::NAN), -10);
        assert_eq!(p.dequantize(-9), 0.5);
    }

    #[test]
    fn range_includes_zero_exactly() {
        let p = QParams::from_range(-1.0, 3.0);
        assert_eq!(p.dequantize(p.zero_point as i8), 0.0);
        assert!((p.scale - 4.0 / 255.0).abs() < 1e-7);
        let relu = QParams::from_range(0.0, 6.0);
        assert_eq!(relu.zero_point, -128);
        assert_eq!(QParams::from_range(f32::NAN, 1.0), QParams::default());
    }

    #[test]
    fn fused_relu6_clamps_in_output_levels() {
        let out = QParams {
            scale: 0.05,
            zero_point: -128,
        };
        let stage = OutputStage::new(out).clamped(out, 0.0, 6.0);
        assert_eq!((stage.min, stage.max), (-128, -8)); // 6 / 0.05 = 120 → −128 + 120
        assert_eq!(stage.finish(1 << 20, Requant::from_scale(1.0)), -8);
    }
}
