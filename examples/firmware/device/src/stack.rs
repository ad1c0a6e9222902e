//! Peak stack use, measured by painting.
//!
//! cortex-m-rt (feature `paint-stack`) fills the stack region with `0xCCCC_CCCC` before `main`;
//! a word that no longer holds the paint has been used. [`peak`] scans up from the bottom of the
//! region for the first used word, so it reports the deepest the stack has ever been since boot
//! or the last [`repaint`]. The region is what the linker script leaves between the statics and
//! the top of RAM (`_stack_end`..`_stack_start`).
//!
//! Reading memory that no Rust object owns is the one thing here that needs `unsafe`.
#![allow(unsafe_code)]

use core::ptr::{addr_of, read_volatile, write_volatile};

/// The value cortex-m-rt paints the stack with.
pub const PAINT: u32 = 0xCCCC_CCCC;

extern "C" {
    // Symbols of cortex-m-rt's `link.x`; only their addresses are used.
    static _stack_start: u32;
    static _stack_end: u32;
    static _ram_start: u32;
}

/// Lowest and one-past-highest address of the stack region.
fn region() -> (usize, usize) {
    (
        addr_of!(_stack_end) as usize,
        addr_of!(_stack_start) as usize,
    )
}

/// Bytes of RAM taken by statics (`.data`, `.bss`, `.uninit`): everything below the stack.
pub fn static_ram() -> usize {
    let (bottom, _) = region();
    bottom - addr_of!(_ram_start) as usize
}

/// Size of the stack region (RAM left over by the statics).
pub fn capacity() -> usize {
    let (bottom, top) = region();
    top - bottom
}

/// Deepest stack use, in bytes from the top of RAM, since boot or the last [`repaint`].
pub fn peak() -> usize {
    let (bottom, top) = region();
    let mut addr = bottom;
    while addr < top {
        // SAFETY: `addr` is word-aligned and inside the RAM region the linker reserved for the
        // stack; reading it has no side effects.
        if unsafe { read_volatile(addr as *const u32) } != PAINT {
            break;
        }
        addr += 4;
    }
    top - addr
}

/// Current stack depth in bytes (top of RAM minus the stack pointer).
#[inline(always)]
pub fn depth() -> usize {
    let (_, top) = region();
    top.saturating_sub(cortex_m::register::msp::read() as usize)
}

/// Measures the stack `f` uses: repaints, runs `f`, and returns its result with the bytes of
/// stack it used below the caller's stack pointer.
#[inline(never)]
pub fn measure<R>(f: impl FnOnce() -> R) -> (R, usize) {
    repaint();
    let base = depth();
    let r = call(f);
    (r, peak().saturating_sub(base))
}

/// Runs `f` in a frame of its own. Were `f` inlined into [`measure`], its locals (a model's
/// activation slots, say) would be allocated in `measure`'s prologue, before the base depth is
/// read, and the measurement would miss them.
#[inline(never)]
fn call<R>(f: impl FnOnce() -> R) -> R {
    f()
}

/// Bytes left unpainted just below the stack pointer by [`repaint`]: the compiler may read the
/// stack pointer before this function pushes its own return address.
const REPAINT_MARGIN: usize = 64;

/// Paints the free part of the stack again (below the current stack pointer, less
/// [`REPAINT_MARGIN`]), so that the next [`peak`] measures only what runs after this call.
#[inline(never)]
pub fn repaint() {
    let (bottom, _) = region();
    let sp = cortex_m::register::msp::read() as usize;
    let end = sp.saturating_sub(REPAINT_MARGIN);
    let mut addr = bottom;
    while addr + 4 <= end {
        // SAFETY: below the stack pointer nothing is live (no interrupts are enabled in these
        // firmwares, so nothing else pushes onto the stack meanwhile).
        unsafe { write_volatile(addr as *mut u32, PAINT) };
        addr += 4;
    }
}
