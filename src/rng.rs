//! A small seeded random number generator for weight initialization, shuffling and dropout.
//!
//! [`Rng`] is xoshiro128++ (four `u32` words of state, a few instructions per number, good on a
//! Cortex-M0) seeded through SplitMix64. It implements `rand_core`'s [`TryRng`] and
//! [`SeedableRng`], so it plugs into the `rand` ecosystem, and every function in this crate that
//! needs randomness takes any `rand_core::Rng`. The same seed gives the same numbers on every
//! target, which is what makes training reproducible bit for bit.

use core::convert::Infallible;
use rand_core::{SeedableRng, TryRng};

/// xoshiro128++ seeded by SplitMix64: small, fast, reproducible everywhere.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rng {
    s: [u32; 4],
}

impl Rng {
    /// A generator whose whole stream is fixed by `seed`.
    pub const fn seed(seed: u64) -> Self {
        let mut sm = seed;
        let a = splitmix64(&mut sm);
        let b = splitmix64(&mut sm);
        let mut s = [a as u32, (a >> 32) as u32, b as u32, (b >> 32) as u32];
        if s[0] | s[1] | s[2] | s[3] == 0 {
            s[0] = 1; // the all-zero state is a fixed point
        }
        Rng { s }
    }

    /// An independent generator for stream `index` of `seed` (e.g. one per sample per epoch),
    /// so work can be split across threads without changing any number drawn.
    pub const fn stream(seed: u64, index: u64) -> Self {
        let mut sm = seed ^ index.wrapping_mul(0xD1B5_4A32_D192_ED03);
        Rng::seed(splitmix64(&mut sm))
    }

    /// The next 32 random bits.
    #[inline]
    pub fn next_word(&mut self) -> u32 {
        let s = &mut self.s;
        let result = s[0].wrapping_add(s[3]).rotate_left(7).wrapping_add(s[0]);
        let t = s[1] << 9;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(11);
        result
    }

    /// Uniform in `[0, 1)` with 24 bits of precision.
    #[inline]
    pub fn next_f32(&mut self) -> f32 {
        (self.next_word() >> 8) as f32 * (1.0 / (1u32 << 24) as f32)
    }

    /// Uniform in `[low, high)`.
    #[inline]
    pub fn uniform(&mut self, low: f32, high: f32) -> f32 {
        low + (high - low) * self.next_f32()
    }

    /// Standard normal (Box–Muller).
    pub fn normal(&mut self) -> f32 {
        // 1 - u is in (0, 1], so the logarithm is finite.
        let u1 = 1.0 - self.next_f32();
        let u2 = self.next_f32();
        libm::sqrtf(-2.0 * libm::logf(u1)) * libm::cosf(core::f32::consts::TAU * u2)
    }

    /// Uniform integer in `0..n` (`0` when `n == 0`), without modulo bias.
    pub fn below(&mut self, n: u32) -> u32 {
        if n == 0 {
            return 0;
        }
        // Lemire's multiply-shift with rejection.
        let threshold = n.wrapping_neg() % n;
        loop {
            let m = u64::from(self.next_word()) * u64::from(n);
            if (m as u32) >= threshold {
                return (m >> 32) as u32;
            }
        }
    }

    /// Shuffles `items` in place (Fisher–Yates).
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        let mut i = items.len();
        while i > 1 {
            let j = self.below(i as u32) as usize;
            i -= 1;
            items.swap(i, j);
        }
    }
}

const fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl TryRng for Rng {
    type Error = Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        Ok(self.next_word())
    }
    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        let lo = u64::from(self.next_word());
        Ok(lo | (u64::from(self.next_word()) << 32))
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        for chunk in dst.chunks_mut(4) {
            let word = self.next_word().to_le_bytes();
            chunk.copy_from_slice(&word[..chunk.len()]);
        }
        Ok(())
    }
}

impl SeedableRng for Rng {
    type Seed = [u8; 16];
    fn from_seed(seed: [u8; 16]) -> Self {
        let mut s = [0u32; 4];
        for (word, bytes) in s.iter_mut().zip(seed.chunks_exact(4)) {
            *word = u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
        }
        if s == [0; 4] {
            s[0] = 1;
        }
        Rng { s }
    }
    fn seed_from_u64(state: u64) -> Self {
        Rng::seed(state)
    }
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn same_seed_same_stream() {
        let mut a = Rng::seed(42);
        let mut b = Rng::seed(42);
        for _ in 0..100 {
            assert_eq!(a.next_word(), b.next_word());
        }
        assert_ne!(Rng::seed(1).next_word(), Rng::seed(2).next_word());
    }

    #[test]
    fn known_first_values() {
        // Computed by an independent Python implementation of SplitMix64 + xoshiro128++; pinned
        // so that a change to the generator (and so to every trained model) is noticed.
        let mut r = Rng::seed(0);
        let first = [r.next_word(), r.next_word(), r.next_word()];
        assert_eq!(first, [0x4653_daa3, 0x7392_2b58, 0xb82b_4add]);
    }

    #[test]
    fn uniform_and_normal_moments() {
        let mut r = Rng::seed(7);
        let n = 20_000;
        let (mut sum, mut sq) = (0.0f64, 0.0f64);
        for _ in 0..n {
            let u = r.next_f32();
            assert!((0.0..1.0).contains(&u));
            sum += f64::from(u);
        }
        assert!((sum / f64::from(n) - 0.5).abs() < 0.01);
        sum = 0.0;
        for _ in 0..n {
            let z = f64::from(r.normal());
            sum += z;
            sq += z * z;
        }
        let mean = sum / f64::from(n);
        assert!(mean.abs() < 0.03, "mean {mean}");
        assert!((sq / f64::from(n) - 1.0).abs() < 0.05);
    }

    #[test]
    fn below_stays_in_range_and_shuffle_permutes() {
        let mut r = Rng::seed(3);
        assert_eq!(r.below(0), 0);
        for _ in 0..1000 {
            assert!(r.below(7) < 7);
        }
        let mut v = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
        r.shuffle(&mut v);
        let mut sorted = v;
        sorted.sort();
        assert_eq!(sorted, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
        assert_ne!(v, sorted);
    }
}
