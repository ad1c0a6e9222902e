//! `cos`, `ln` and `exp` as `const fn`s in `f64`, for the front end's tables.
//!
//! `libm` is not `const`, and the tables (window, mel filterbank, DCT) are built at compile time
//! so they sit in flash and are the same bits for every target. These are evaluated by the
//! compiler in `f64` (a few ulp of `f64` from the correctly rounded value) and rounded once to
//! `f32`, so the tables equal the correctly rounded `f32` values except in rare ties.

use core::f64::consts::{LN_2, PI};

/// `cos(π · p / q)`, reducing the angle exactly in integers first (`q > 0`).
pub(crate) const fn cos_pi(p: u64, q: u64) -> f64 {
    if q == 0 {
        return f64::NAN;
    }
    // cos is 2π-periodic: p/q in [0, 2).
    let two_q = 2 * q as u128;
    let mut p = (p as u128) % two_q;
    let q = q as u128;
    // cos(2π - x) = cos(x): p/q in [0, 1].
    if p > q {
        p = two_q - p;
    }
    // cos(π - x) = -cos(x): p/q in [0, 1/2].
    let mut sign = 1.0;
    if 2 * p > q {
        p = q - p;
        sign = -1.0;
    }
    // cos(x) = sin(π/2 - x): the argument in [0, π/4].
    if 4 * p > q {
        let num = (q - 2 * p) as f64;
        let den = (2 * q) as f64;
        sign * sin_series(PI * num / den)
    } else {
        sign * cos_series(PI * (p as f64) / (q as f64))
    }
}

/// Taylor series of `sin` for `|x| ≤ π/4` (the terms past x²³ are below 1e-25).
const fn sin_series(x: f64) -> f64 {
    let x2 = x * x;
    let mut term = x;
    let mut sum = x;
    let mut k = 1u32;
    while k < 12 {
        term = -term * x2 / (((2 * k) * (2 * k + 1)) as f64);
        sum += term;
        k += 1;
    }
    sum
}

/// Taylor series of `cos` for `|x| ≤ π/4`.
const fn cos_series(x: f64) -> f64 {
    let x2 = x * x;
    let mut term = 1.0;
    let mut sum = 1.0;
    let mut k = 1u32;
    while k < 12 {
        term = -term * x2 / (((2 * k - 1) * (2 * k)) as f64);
        sum += term;
        k += 1;
    }
    sum
}

/// Natural logarithm of a positive, finite, normal `x` (NaN otherwise).
pub(crate) const fn ln(x: f64) -> f64 {
    if x.is_nan() || x > f64::MAX || x < f64::MIN_POSITIVE {
        return f64::NAN;
    }
    // x = m · 2^e with m in [√½, √2).
    let bits = x.to_bits();
    let mut e = ((bits >> 52) & 0x7ff) as i64 - 1023;
    let mut m = f64::from_bits((bits & 0x000f_ffff_ffff_ffff) | (1023u64 << 52));
    if m > core::f64::consts::SQRT_2 {
        m /= 2.0;
        e += 1;
    }
    // ln m = 2 atanh(s), s = (m - 1) / (m + 1), |s| ≤ 0.172: 15 odd terms reach 1e-24.
    let s = (m - 1.0) / (m + 1.0);
    let s2 = s * s;
    let mut power = s;
    let mut sum = 0.0;
    let mut k = 0u32;
    while k < 15 {
        sum += power / ((2 * k + 1) as f64);
        power *= s2;
        k += 1;
    }
    2.0 * sum + (e as f64) * LN_2
}

/// `e^x` for `|x| < 700` (NaN otherwise).
pub(crate) const fn exp(x: f64) -> f64 {
    if x.is_nan() || x <= -700.0 || x >= 700.0 {
        return f64::NAN;
    }
    // x = k ln 2 + r, |r| ≤ ln2 / 2: 22 Taylor terms reach 1e-25.
    let kf = x / LN_2;
    let k = if kf >= 0.0 {
        (kf + 0.5) as i64
    } else {
        (kf - 0.5) as i64
    };
    // Cody and Waite: ln 2 in two parts, so k · LN2_HI is exact and r keeps its precision.
    const LN2_HI: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000); // 0.693147180369123816490
    const LN2_LO: f64 = f64::from_bits(0x3dea_39ef_3579_3c76); // 1.90821492927058770002e-10
    let r = (x - (k as f64) * LN2_HI) - (k as f64) * LN2_LO;
    let mut term = 1.0;
    let mut sum = 1.0;
    let mut n = 1u32;
    while n < 22 {
        term = term * r / (n as f64);
        sum += term;
        n += 1;
    }
    sum * f64::from_bits(((k + 1023) as u64) << 52)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agree_with_libm() {
        // Reduced exactly in integers: the zeros are exact.
        assert_eq!((cos_pi(1, 2), cos_pi(7, 2), cos_pi(3, 2)), (0.0, 0.0, 0.0));
        assert!((cos_pi(1, 3) - 0.5).abs() < 2e-16);
        for q in [1u64, 2, 3, 7, 640, 1024] {
            for p in 0..4 * q {
                // libm's argument carries π's rounding (1.2e-16 relative); ours does not.
                let x = PI * p as f64 / q as f64;
                let (got, want) = (cos_pi(p, q), libm::cos(x));
                let tolerance = 4e-16 + 2.5e-16 * x;
                assert!(
                    (got - want).abs() < tolerance,
                    "cos(π {p}/{q}): {got} vs {want}"
                );
            }
        }
        for x in [1e-300, 1e-6, 0.5, 1.0, 1.5, 2.0, 10.0, 2595.0, 1e10, 1e300] {
            let (got, want) = (ln(x), libm::log(x));
            assert!((got - want).abs() <= 4e-16 * want.abs().max(1.0), "ln({x})");
        }
        for x in [-600.0, -3.0, -0.1, 0.0, 0.01, 0.5, 1.0, 3.7, 100.0, 600.0] {
            let (got, want) = (exp(x), libm::exp(x));
            assert!(
                (got - want).abs() <= 1e-15 * want,
                "exp({x}): {got} vs {want}"
            );
        }
    }
}
