//! Comparing the device's outputs with the host's.

use embednn::prelude::*;
use firmware_common::{ulps, Golden};

use crate::{println, Num};

/// Largest accepted difference between a device output and the host's golden output, in units
/// in the last place. Zero: the same code does the same IEEE-754 operations in the same order on
/// both, so the bits must be identical.
pub const TOLERANCE_ULPS: u32 = 0;

/// The result of checking one model against a golden table.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Check {
    /// Outputs compared.
    pub outputs: usize,
    /// Outputs further than [`TOLERANCE_ULPS`] from the host's.
    pub mismatches: usize,
    /// The largest difference seen, in ULPs.
    pub max_ulps: u32,
}

impl Check {
    /// Whether every output was within tolerance.
    pub fn passed(&self) -> bool {
        self.mismatches == 0 && self.outputs > 0
    }
}

/// Runs `model` on every golden input and compares each output with the host's. With `show`,
/// prints one line per input: the input, the device's output, the host's output.
pub fn check<M, const I: usize, const O: usize>(
    model: &M,
    goldens: &[Golden<I, O>],
    show: bool,
) -> Check
where
    M: Model + FixedInput<Input = [f32; I]> + Layer<[f32; I], Output = [f32; O]>,
{
    let mut check = Check::default();
    for g in goldens {
        let x = g.input();
        let host = g.output();
        let device = model.predict(&x);
        let mut worst = 0;
        for (&d, &h) in device.iter().zip(&host) {
            let u = ulps(d, h);
            worst = worst.max(u);
            check.outputs += 1;
            if u > TOLERANCE_ULPS {
                check.mismatches += 1;
            }
        }
        check.max_ulps = check.max_ulps.max(worst);
        if show {
            let verdict = if worst == 0 { "identical" } else { "DIFFERENT" };
            if I == 1 && O == 1 {
                println!(
                    "  x = {:<12} device {:<14} host {:<14} {}",
                    Num(x[0]),
                    Num(device[0]),
                    Num(host[0]),
                    verdict
                );
            } else {
                println!(
                    "  argmax device {} host {}   {} ({} ulp)",
                    device.argmax(),
                    host.argmax(),
                    verdict,
                    worst
                );
            }
        }
    }
    check
}

impl Check {
    /// Adds one output of the device, compared with the host's bit patterns; returns the largest
    /// difference in ULPs among its values.
    pub fn add<const O: usize>(&mut self, device: &[f32; O], host: &[u32; O]) -> u32 {
        let mut worst = 0;
        for (&d, &h) in device.iter().zip(host) {
            let u = ulps(d, f32::from_bits(h));
            worst = worst.max(u);
            self.outputs += 1;
            if u > TOLERANCE_ULPS {
                self.mismatches += 1;
            }
        }
        self.max_ulps = self.max_ulps.max(worst);
        worst
    }
}
