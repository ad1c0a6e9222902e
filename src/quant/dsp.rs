//! The int8 dot products on Cortex-M cores with the DSP extension (M4, M7, M33), in assembly:
//! the one module of the crate that uses `unsafe`.
//!
//! # What it computes
//!
//! [`dot_rows`] is [`kernels::dot_rows`](super::kernels::dot_rows) for the interleaved layout:
//! `acc[r] += Σᵢ w[r][i] · x[i]`. Every sum is an exact integer sum taken modulo 2³², as in the
//! portable kernel, so the result is bit-identical whatever the order (the firmware checks it
//! on the device against [`dot_rows_portable`] over thousands of random shapes).
//!
//! # How
//!
//! One 16-byte group of a 4-row block holds the next four weights of four rows. Per group, the
//! kernel loads the four weight words with one `LDM` (the weights are word-aligned: the layers
//! store them in [`Packed`](super::Packed)) and the four inputs with one `LDR` (unaligned, which
//! the M4, M7 and M33 allow for `LDR` but not for `LDM`/`LDRD`), sign-extends the inputs once
//! into two pairs of halfwords with `SXTB16` (`x0, x2` and, rotated by 8, `x1, x3`), and then
//! for each row sign-extends its word the same way and adds the four products with two
//! `SMLAD`s (each `acc + a.lo·b.lo + a.hi·b.hi`): 20 instructions for 16 multiply-accumulates.
//! The group loop is unrolled four times (entered part-way for the remainder), so it adds half
//! an instruction per group. The block's last `k % 4` inputs, the rows after the last full
//! block and anything the assembly cannot take are computed by the portable code.
//!
//! The function is a `global_asm!` AAPCS function rather than an `asm!` block because it needs
//! fourteen registers (four accumulators, four weight words, the two input pairs, a scratch, the
//! two pointers and the end), and `asm!` on Thumb cannot name `r6`, `r7` (nor `r11` on some
//! targets) as operands.
//!
//! # Which cores
//!
//! `kernels` calls this module on 32-bit Arm targets that have the DSP extension. Stable Rust
//! hides Arm target features from `cfg` (`target_feature = "dsp"` is never set there), so the
//! module is compiled for the bare-metal, hard-float M-profile targets — `thumbv7em-none-eabihf`
//! (Armv7E-M: the DSP extension is part of the architecture; Cortex-M4F, M7) and
//! `thumbv8m.main-none-eabihf` (Armv8-M Mainline with FPU: Cortex-M33, M35P, M55, M85, whose
//! parts with an FPU have the DSP extension too) — recognised by `target_os = "none"`,
//! `target_abi = "eabihf"` and the absence of 64-bit atomics (which every A- and R-profile core
//! has). Where `cfg(target_feature = "dsp")` is visible (a nightly compiler) it also enables
//! the module on M-profile targets built with the feature, such as `thumbv7em-none-eabi`.
//! Cortex-M0/M0+/M3 (`thumbv6m`, `thumbv7m`) always use the portable kernel.

use core::arch::global_asm;

use super::kernels::{dot, dot_rows_portable, BLOCK_ROWS};

/// One interleaved group: four inputs, four rows (`r0` weights, `r1` inputs, `r4`–`r7` the
/// accumulators; `r3`, `r8`–`r12`, `lr` scratch).
macro_rules! group {
    () => {
        "
    ldr     r3, [r1], #4
    ldm     r0!, {{r8, r9, r10, r11}}
    sxtb16  r12, r3, ror #8
    sxtb16  r3, r3
    sxtb16  lr, r8, ror #8
    sxtb16  r8, r8
    smlad   r4, lr, r12, r4
    smlad   r4, r8, r3, r4
    sxtb16  lr, r9, ror #8
    sxtb16  r9, r9
    smlad   r5, lr, r12, r5
    smlad   r5, r9, r3, r5
    sxtb16  lr, r10, ror #8
    sxtb16  r10, r10
    smlad   r6, lr, r12, r6
    smlad   r6, r10, r3, r6
    sxtb16  lr, r11, ror #8
    sxtb16  r11, r11
    smlad   r7, lr, r12, r7
    smlad   r7, r11, r3, r7
"
    };
}

// `void embednn_dsp_dot4(const i8 *w, const i8 *x, usize groups, i32 acc[4])`: for one 4-row
// block, `acc[r] += Σ` over `groups` groups of four inputs. `w` is word-aligned, `groups ≥ 1`.
// AAPCS: arguments in r0–r3; r4–r11 and lr saved and restored; no stack arguments. Its
// instructions are all Armv7E-M's, which Armv8-M Mainline with the DSP extension also has:
// `.arch armv7e-m` lets LLVM's assembler take them on `thumbv8m.main`, whose default feature set
// leaves the DSP extension out (and LLVM knows no `.arch_extension dsp`).
global_asm!(
    "
    .pushsection .text.embednn_dsp_dot4,\"ax\",%progbits
    .syntax unified
    .thumb
    .arch armv7e-m
    .p2align 2
    .global embednn_dsp_dot4
    .type   embednn_dsp_dot4, %function
    .thumb_func
embednn_dsp_dot4:
    push    {{r4, r5, r6, r7, r8, r9, r10, r11, lr}}
    ldm     r3, {{r4, r5, r6, r7}}
    push    {{r3}}
    @ r2 = end of the inputs; enter the four-times unrolled loop where groups % 4 says.
    and     r12, r2, #3
    add     r2, r1, r2, lsl #2
    tbb     [pc, r12]
0:
    .byte   (1f - 0b) / 2, (4f - 0b) / 2, (3f - 0b) / 2, (2f - 0b) / 2
    .p2align 1
1:
",
    group!(),
    "
2:
",
    group!(),
    "
3:
",
    group!(),
    "
4:
",
    group!(),
    "
    cmp     r1, r2
    bne     1b
    pop     {{r3}}
    stm     r3, {{r4, r5, r6, r7}}
    pop     {{r4, r5, r6, r7, r8, r9, r10, r11, pc}}
    .size   embednn_dsp_dot4, . - embednn_dsp_dot4
    .popsection
"
);

extern "C" {
    /// See the `global_asm!` above.
    fn embednn_dsp_dot4(w: *const i8, x: *const i8, groups: usize, acc: *mut i32);
}

/// `acc[r] += Σᵢ w[r][i] · x[i]` for the packed rows (`k` weights each, `acc.len()` rows), as
/// [`dot_rows_portable`], bit for bit. Returns `false`, having computed nothing, when it cannot
/// take the case (the caller then runs the portable kernel): lengths that do not match, fewer
/// than four inputs, or weights that are not word-aligned.
pub(crate) fn dot_rows(packed: &[i8], k: usize, x: &[i8], acc: &mut [i32]) -> bool {
    let groups = k / 4;
    if groups == 0
        || x.len() != k
        || packed.len() != acc.len().wrapping_mul(k)
        || !(packed.as_ptr() as usize).is_multiple_of(4)
    {
        return false;
    }
    let block = BLOCK_ROWS * k;
    let full = acc.len() / BLOCK_ROWS;
    let (Some((blocks, rest)), Some((acc_blocks, acc_rest))) = (
        packed.split_at_checked(full * block),
        acc.split_at_mut_checked(full * BLOCK_ROWS),
    ) else {
        return false;
    };
    let k4 = groups * 4;
    let x_tail = x.get(k4..).unwrap_or(&[]);
    for (b, a) in blocks
        .chunks_exact(block)
        .zip(acc_blocks.chunks_exact_mut(BLOCK_ROWS))
    {
        let Ok(a) = <&mut [i32; BLOCK_ROWS]>::try_from(a) else {
            return false;
        };
        // SAFETY: `b` is one block of `4·k` bytes starting at a multiple of `4·k` bytes from
        // the word-aligned `packed`, so it is word-aligned; the function reads its first
        // `16·groups ≤ 4·k` bytes with LDM, and `4·groups ≤ k = x.len()` bytes of `x` with LDR
        // (unaligned word loads are allowed on the cores this module is compiled for). It reads
        // and writes the four `i32` of `a`, which is borrowed mutably here, and touches no other
        // memory but its own stack frame; it follows the AAPCS (r4–r11 restored, no flags or
        // FPU registers assumed), so the compiler's state is intact when it returns.
        unsafe { embednn_dsp_dot4(b.as_ptr(), x.as_ptr(), groups, a.as_mut_ptr()) };
        if !x_tail.is_empty() {
            let tail = b.get(4 * k4..).unwrap_or(&[]);
            for (ar, row) in a.iter_mut().zip(tail.chunks_exact(x_tail.len())) {
                *ar = ar.wrapping_add(dot(row, x_tail));
            }
        }
    }
    if !acc_rest.is_empty() {
        // Fewer than four rows: stored plainly, as the portable kernel reads them.
        dot_rows_portable(rest, k, x, acc_rest);
    }
    true
}
