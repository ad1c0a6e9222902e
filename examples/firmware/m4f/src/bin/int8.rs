//! int8 on the device. First the kernels: on the Cortex-M4, M7 and M33 the int8 layers run the
//! DSP kernel (`SMLAD`, `SXTB16`; `src/quant/dsp.rs`), which must give exactly the integers of
//! the portable kernel, so both run on every shape of 1 to 40 rows by 1 to 70 inputs (random
//! values, then values drawn from the extremes −128, −127, 0, 127; inputs at every alignment)
//! and one autoencoder-sized case, and every sum is compared. Then two int8 models with their
//! weights in flash, quantized on the host: the digits MLP on the 359 held-out digits and the
//! DS-CNN on three inputs; every int8 output must equal the host's (which ran the portable
//! kernels). Exits with failure on any difference.
#![no_std]
#![no_main]
#![forbid(unsafe_code)]

use cortex_m_rt::entry;
use embednn::quant::kernels::{dot_rows, dot_rows_portable, pack_rows};
use embednn::quant::{Packed, QModel, QOutput, QTensor, Quantized};
use embednn::Rng;
use firmware_device::{println, stack};
use panic_semihosting as _;

/// The int8 models and the host's outputs (`build.rs`).
mod int8 {
    include!(concat!(env!("OUT_DIR"), "/int8.rs"));
}

const MAX_ROWS: usize = 40;
const MAX_K: usize = 70;

/// A random int8: any value (`extremes` false), or one of −128, −127, 0, 127 and, one time in
/// five, any value.
fn value(rng: &mut Rng, extremes: bool) -> i8 {
    let w = rng.next_word();
    if !extremes {
        return (w >> 24) as u8 as i8;
    }
    match w % 5 {
        0 => -128,
        1 => -127,
        2 => 0,
        3 => 127,
        _ => (w >> 24) as u8 as i8,
    }
}

/// One case: `rows` rows of `k` weights, the `k` inputs at byte `offset` of their buffer, values
/// drawn from the extremes or not.
#[derive(Clone, Copy)]
struct Case {
    rows: usize,
    k: usize,
    offset: usize,
    extremes: bool,
}

/// `dot_rows` (the DSP kernel on these cores) against `dot_rows_portable` on `case`, with
/// random values and random starting sums. Returns whether every sum agreed; prints the case
/// when not and `report` (the first few only: a broken kernel fails thousands).
fn case<const N: usize, const R: usize>(
    rng: &mut Rng,
    case: Case,
    plain: &mut [i8; N],
    packed: &mut Packed<[i8; N]>,
    xs: &mut [i8],
    report: bool,
) -> bool {
    let Case {
        rows,
        k,
        offset,
        extremes,
    } = case;
    let n = rows * k;
    let (Some(plain), Some(packed), Some(x)) = (
        plain.get_mut(..n),
        packed.0.get_mut(..n),
        xs.get_mut(offset..offset + k),
    ) else {
        return false;
    };
    plain.iter_mut().for_each(|w| *w = value(rng, extremes));
    x.iter_mut().for_each(|v| *v = value(rng, extremes));
    pack_rows(plain, k, packed);
    let mut dsp = [0i32; R];
    for a in dsp.iter_mut() {
        *a = rng.next_word() as i32;
    }
    let mut portable = dsp;
    let (Some(d), Some(p)) = (dsp.get_mut(..rows), portable.get_mut(..rows)) else {
        return false;
    };
    dot_rows(packed, k, x, d);
    dot_rows_portable(packed, k, x, p);
    if d != p {
        if !report {
            return false;
        }
        println!(
            "  MISMATCH rows {} k {} input offset {}{}: first sums DSP {} portable {}",
            rows,
            k,
            offset,
            if extremes { " (extremes)" } else { "" },
            d.first().copied().unwrap_or(0),
            p.first().copied().unwrap_or(0)
        );
        return false;
    }
    true
}

/// Every shape, random values and extremes, then a 16 × 640 block of the autoencoder's size.
fn kernels() -> bool {
    let mut rng = Rng::seed(0x1812);
    let mut plain = [0i8; MAX_ROWS * MAX_K];
    let mut packed = Packed([0i8; MAX_ROWS * MAX_K]);
    let mut xs = [0i8; MAX_K + 3];
    let (mut cases, mut failed) = (0u32, 0u32);
    for rows in 1..=MAX_ROWS {
        for k in 1..=MAX_K {
            for extremes in [false, true] {
                let offset = (rows + k + usize::from(extremes)) % 4;
                let ok = case::<{ MAX_ROWS * MAX_K }, MAX_ROWS>(
                    &mut rng,
                    Case {
                        rows,
                        k,
                        offset,
                        extremes,
                    },
                    &mut plain,
                    &mut packed,
                    &mut xs,
                    failed < 5,
                );
                cases += 1;
                failed += u32::from(!ok);
            }
        }
    }
    // The autoencoder's longest rows, sixteen at a time as the dense layer runs them.
    let mut plain = [0i8; 16 * 640];
    let mut packed = Packed([0i8; 16 * 640]);
    let mut xs = [0i8; 643];
    for (extremes, offset) in [(false, 0), (true, 1), (true, 3)] {
        let ok = case::<{ 16 * 640 }, 16>(
            &mut rng,
            Case {
                rows: 16,
                k: 640,
                offset,
                extremes,
            },
            &mut plain,
            &mut packed,
            &mut xs,
            failed < 5,
        );
        cases += 1;
        failed += u32::from(!ok);
    }
    println!(
        "int8 kernels, DSP against portable: {} cases (rows 1..=40 x inputs 1..=70, random and extreme values, inputs at every alignment; 16 x 640): {} identical, {} different",
        cases,
        cases - failed,
        failed
    );
    failed == 0
}

/// Runs `model` on every int8 input and compares each int8 output with the host's.
fn check<M: QModel, const I: usize, const O: usize>(
    name: &str,
    model: &Quantized<M>,
    inputs: &[[i8; I]],
    golden: &[[i8; O]],
) -> bool {
    let (mut outputs, mut different) = (0usize, 0usize);
    let (_, used) = stack::measure(|| {
        for (input, host) in inputs.iter().zip(golden) {
            let mut x = <M::Input as QTensor>::ZERO;
            x.flat_mut()
                .iter_mut()
                .zip(input)
                .for_each(|(d, &s)| *d = s);
            let y: QOutput<M> = model.predict_int8(&x);
            for (&d, &h) in y.flat().iter().zip(host) {
                outputs += 1;
                different += usize::from(d != h);
            }
        }
    });
    let ok = different == 0 && outputs == inputs.len() * O && outputs > 0;
    println!(
        "{}: {} int8 outputs of {} inputs, {} different from the host's; PARAM_BYTES {}, INFERENCE_BYTES {}, stack {} bytes: {}",
        name,
        outputs,
        inputs.len(),
        different,
        Quantized::<M>::PARAM_BYTES,
        Quantized::<M>::INFERENCE_BYTES,
        used,
        if ok { "identical" } else { "FAILED" }
    );
    ok
}

#[entry]
fn main() -> ! {
    let mut ok = kernels();
    ok &= check(
        "digits MLP int8, held-out digits",
        &int8::DIGITS,
        &int8::DIGITS_GOLDEN_INPUTS,
        &int8::DIGITS_GOLDEN,
    );
    ok &= check(
        "DS-CNN int8",
        &int8::DS_CNN,
        &int8::DS_CNN_GOLDEN_INPUTS,
        &int8::DS_CNN_GOLDEN,
    );
    if ok {
        println!("PASS");
    }
    firmware_device::exit(ok)
}
