//! Counting executed instructions under QEMU.
//!
//! With `-icount shift=0`, QEMU advances its virtual clock by exactly 1 ns per executed guest
//! instruction, and SysTick on `mps2-an386` counts the 25 MHz core clock: one tick is 40 ns, so
//! one tick is exactly 40 instructions. These are instruction counts, not cycles: on silicon a
//! load takes 2 cycles, a `vmla.f32` 3, and flash adds wait states.

use cortex_m::peripheral::{syst::SystClkSource, SYST};

/// Instructions per SysTick tick on `mps2-an386` under `-icount shift=0`.
pub const PER_TICK: u64 = 40;
/// The counter is 24 bits wide.
const MASK: u32 = 0x00FF_FFFF;

/// SysTick set up as a free-running down-counter.
pub struct Counter {
    syst: SYST,
}

impl Counter {
    /// Starts SysTick on the core clock with the longest period.
    pub fn new(mut syst: SYST) -> Self {
        syst.set_clock_source(SystClkSource::Core);
        syst.set_reload(MASK);
        syst.clear_current();
        syst.enable_counter();
        Counter { syst }
    }

    /// Instructions executed by `f` (plus a handful for the two counter reads), or `None` if
    /// the 24-bit counter wrapped (more than about 671 million instructions).
    pub fn count(&mut self, f: impl FnOnce()) -> Option<u64> {
        self.syst.clear_current(); // restart from the reload value, clears COUNTFLAG
        let _ = self.syst.has_wrapped();
        let t0 = SYST::get_current();
        f();
        let t1 = SYST::get_current();
        if self.syst.has_wrapped() {
            return None;
        }
        Some(u64::from(t0.wrapping_sub(t1) & MASK) * PER_TICK)
    }
}
