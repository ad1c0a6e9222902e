//! CMSIS-NN's `arm_fully_connected_s8`, compiled from `../shared/reference/cmsis-nn` by
//! `build.rs` (with `arm-none-eabi-gcc`, `-mcpu=cortex-m4 -O3 -DARM_MATH_DSP`) when the sources
//! are there (`cfg(cmsis_nn)`), for the benchmark to time next to embednn's int8 layers. Calling
//! C is the one thing in the benchmark that needs `unsafe`.
#![allow(unsafe_code)]

/// The weights of one layer as CMSIS-NN reads them: `O` plain rows of `I` (TFLite's `[O, I]`).
#[derive(Debug)]
pub struct Weights<const I: usize, const O: usize>(pub [[i8; I]; O]);

/// Whether CMSIS-NN was built into this firmware.
pub const AVAILABLE: bool = cfg!(cmsis_nn);

#[cfg(cmsis_nn)]
extern "C" {
    /// `cmsis/fc.c`: one `arm_fully_connected_s8` call; returns its status (0: success).
    fn embednn_bench_cmsis_fc(
        input: *const i8,
        weights: *const i8,
        bias: *const i32,
        output: *mut i8,
        inputs: i32,
        outputs: i32,
        params: *const i32,
    ) -> i32;
}

/// `y = arm_fully_connected_s8(x)` with `weights`, `bias` and `params` (`[input_offset,
/// output_offset, multiplier, shift, min, max]`). Returns whether it ran and succeeded (false
/// when CMSIS-NN is not built in).
#[inline(never)]
pub fn fully_connected<const I: usize, const O: usize>(
    weights: &Weights<I, O>,
    bias: &[i32; O],
    params: &[i32; 6],
    x: &[i8; I],
    y: &mut [i8; O],
) -> bool {
    #[cfg(cmsis_nn)]
    {
        // SAFETY: every pointer comes from a reference that lives across the call: `x` (I
        // bytes), `weights` (O·I bytes), `bias` (O words), `params` (6 words) are read, `y` (O
        // bytes, borrowed mutably here) is written, and `inputs`/`outputs` are those same sizes,
        // so `arm_fully_connected_s8` stays inside them. Its context buffer is NULL, which
        // CMSIS-NN's DSP build allows (it needs none: `arm_fully_connected_s8_get_buffer_size`
        // is 0 without MVE). It is an AAPCS C function compiled for this core and ABI.
        let status = unsafe {
            embednn_bench_cmsis_fc(
                x.as_ptr(),
                weights.0.as_ptr().cast(),
                bias.as_ptr(),
                y.as_mut_ptr(),
                I as i32,
                O as i32,
                params.as_ptr(),
            )
        };
        status == 0
    }
    #[cfg(not(cmsis_nn))]
    {
        let _ = (weights, bias, params, x, y);
        false
    }
}
