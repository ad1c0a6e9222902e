//! Scalar math shared by every target, chosen so results are bit-identical everywhere.
//!
//! Transcendental functions (`exp`, `ln`, `tanh`, …) always come from the `libm` crate, never from
//! the platform, because two correct implementations may still differ in the last bit. Square
//! root is the exception: IEEE 754 requires it to be correctly rounded, so `libm::sqrtf` (used
//! without `std`) and the hardware instruction behind `f32::sqrt` (used with `std`, which lets the
//! compiler vectorize the optimizer loops) return the same bits for every input.

/// Correctly rounded square root.
#[inline(always)]
pub fn sqrt(x: f32) -> f32 {
    #[cfg(feature = "std")]
    {
        x.sqrt()
    }
    #[cfg(not(feature = "std"))]
    {
        libm::sqrtf(x)
    }
}

#[cfg(test)]
mod test {
    #[test]
    fn matches_libm_bit_for_bit() {
        let mut rng = crate::Rng::seed(3);
        for _ in 0..100_000 {
            let x = f32::from_bits(rng.next_word() & 0x7fff_ffff);
            assert_eq!(super::sqrt(x).to_bits(), libm::sqrtf(x).to_bits(), "{x:e}");
        }
        for x in [
            0.0,
            -0.0,
            f32::MIN_POSITIVE,
            f32::MAX,
            f32::INFINITY,
            -1.0,
            f32::NAN,
        ] {
            assert_eq!(super::sqrt(x).is_nan(), libm::sqrtf(x).is_nan());
            if !x.is_nan() && x >= 0.0 {
                assert_eq!(super::sqrt(x).to_bits(), libm::sqrtf(x).to_bits());
            }
        }
    }
}
