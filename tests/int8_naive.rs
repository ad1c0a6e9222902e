//! Every int8 layer against a naive reference written here from TFLite's formulas, on random
//! parameters and inputs (extremes included), for valid and same padding and several strides:
//! `acc = bias + Σ (x − zp_in)·w` over the taps inside the input, then
//! `clamp(zp_out + MultiplyByQuantizedMultiplier(acc))`.

use embednn::quant::{
    OutputStage, QBatchNorm, QConv1d, QConv2d, QDense, QDepthwiseConv2d, QLayer, QParams, QTensor,
    Requant,
};
use embednn::{Padding, Rng, Same, Valid};

fn byte(rng: &mut Rng) -> i8 {
    (rng.next_word() >> 24) as u8 as i8
}

fn fill<T: QTensor>(rng: &mut Rng) -> T {
    let mut t = T::ZERO;
    for v in t.flat_mut() {
        // A quarter of the values at the extremes.
        *v = match rng.below(8) {
            0 => -128,
            1 => 127,
            _ => byte(rng),
        };
    }
    t
}

fn requant(rng: &mut Rng) -> Requant {
    Requant::from_scale(rng.uniform(0.0005, 0.05) as f64)
}

fn stage(rng: &mut Rng) -> OutputStage {
    let out = QParams {
        scale: 0.05,
        zero_point: byte(rng) as i32 / 2,
    };
    match rng.below(3) {
        0 => OutputStage::new(out),
        1 => OutputStage::new(out).clamped(out, 0.0, f32::INFINITY),
        _ => OutputStage::new(out).clamped(out, 0.0, 6.0),
    }
}

/// The naive 2-D convolution (depthwise when `depthwise`), TFLite's loops.
#[allow(clippy::too_many_arguments)]
fn naive_conv(
    x: &[i8],
    (h, w, ci): (usize, usize, usize),
    filters: &[i8],
    (co, kh, kw): (usize, usize, usize),
    (sh, sw, oh, ow): (usize, usize, usize, usize),
    same: bool,
    bias: &[i32],
    requant: &[Requant],
    zp_in: i32,
    stage: OutputStage,
    depthwise: bool,
) -> Vec<i8> {
    let pad = |n: usize, k: usize, s: usize, o: usize| {
        if same {
            ((o - 1) * s + k).saturating_sub(n) / 2
        } else {
            0
        }
    };
    let (ph, pw) = (pad(h, kh, sh, oh), pad(w, kw, sw, ow));
    let mut y = vec![0i8; oh * ow * co];
    for oy in 0..oh {
        for ox in 0..ow {
            for c in 0..co {
                let mut acc = bias[c];
                for ky in 0..kh {
                    for kx in 0..kw {
                        let iy = (oy * sh + ky) as isize - ph as isize;
                        let ix = (ox * sw + kx) as isize - pw as isize;
                        if iy < 0 || ix < 0 || iy >= h as isize || ix >= w as isize {
                            continue;
                        }
                        let (iy, ix) = (iy as usize, ix as usize);
                        if depthwise {
                            let xv = x[(iy * w + ix) * ci + c] as i32 - zp_in;
                            acc += xv * filters[(ky * kw + kx) * co + c] as i32;
                        } else {
                            for i in 0..ci {
                                let xv = x[(iy * w + ix) * ci + i] as i32 - zp_in;
                                acc += xv * filters[((c * kh + ky) * kw + kx) * ci + i] as i32;
                            }
                        }
                    }
                }
                y[(oy * ow + ox) * co + c] = stage.finish(acc, requant[c]);
            }
        }
    }
    y
}

macro_rules! conv2d_case {
    ($rng:expr, $h:literal, $w:literal, $ci:literal, $co:literal, $kh:literal, $kw:literal,
     $sh:literal, $sw:literal, $oh:literal, $ow:literal, $p:ty) => {{
        let rng: &mut Rng = $rng;
        let filters: [[[[i8; $ci]; $kw]; $kh]; $co] = {
            let mut f = [[[[0i8; $ci]; $kw]; $kh]; $co];
            for v in f.as_flattened_mut().as_flattened_mut().as_flattened_mut() {
                *v = byte(rng).max(-127);
            }
            f
        };
        let bias: [i32; $co] = std::array::from_fn(|_| rng.below(20_000) as i32 - 10_000);
        let rq: [Requant; $co] = std::array::from_fn(|_| requant(rng));
        let zp = byte(rng);
        let st = stage(rng);
        let layer = QConv2d::<$h, $w, $ci, $co, $kh, $kw, $sh, $sw, $oh, $ow, $p>::from_tflite(
            &filters, bias, zp, rq, st,
        );
        for _ in 0..4 {
            let x: [[[i8; $ci]; $w]; $h] = fill(rng);
            let mut y = [[[0i8; $co]; $ow]; $oh];
            layer.forward(&x, &mut y);
            let want = naive_conv(
                x.flat(), ($h, $w, $ci),
                filters.as_flattened().as_flattened().as_flattened(), ($co, $kh, $kw),
                ($sh, $sw, $oh, $ow), <$p as Padding>::SAME, &bias, &rq, zp as i32, st, false,
            );
            assert_eq!(y.flat(), &want[..], "conv {}x{} stride {}", $kh, $kw, $sh);
        }
    }};
}

#[test]
fn conv2d_equals_the_naive_loops() {
    let rng = &mut Rng::seed(11);
    for _ in 0..3 {
        conv2d_case!(rng, 8, 8, 3, 4, 3, 3, 1, 1, 6, 6, Valid);
        conv2d_case!(rng, 8, 8, 3, 5, 3, 3, 1, 1, 8, 8, Same);
        conv2d_case!(rng, 9, 7, 2, 6, 3, 2, 2, 3, 5, 3, Same);
        conv2d_case!(rng, 9, 7, 2, 17, 4, 4, 2, 1, 3, 4, Valid);
        conv2d_case!(rng, 5, 5, 8, 9, 1, 1, 1, 1, 5, 5, Valid);
        conv2d_case!(rng, 5, 5, 8, 9, 1, 1, 2, 2, 3, 3, Same);
        conv2d_case!(rng, 49, 10, 1, 8, 10, 4, 2, 2, 25, 5, Same);
    }
}

#[test]
fn conv1d_equals_the_naive_loops() {
    let rng = &mut Rng::seed(12);
    let mut filters = [[[0i8; 3]; 5]; 7];
    for v in filters.as_flattened_mut().as_flattened_mut() {
        *v = byte(rng).max(-127);
    }
    let bias: [i32; 7] = std::array::from_fn(|_| rng.below(2000) as i32 - 1000);
    let rq: [Requant; 7] = std::array::from_fn(|_| requant(rng));
    let (zp, st) = (byte(rng), stage(rng));
    let layer = QConv1d::<20, 3, 7, 5, 2, 10, Same>::from_tflite(&filters, bias, zp, rq, st);
    // The same computation as a 2-D convolution of height 1.
    let as_2d: [[[[i8; 3]; 5]; 1]; 7] = filters.map(|f| [f]);
    for _ in 0..8 {
        let x: [[i8; 3]; 20] = fill(rng);
        let mut y = [[0i8; 7]; 10];
        layer.forward(&x, &mut y);
        let want = naive_conv(
            x.flat(),
            (1, 20, 3),
            as_2d.as_flattened().as_flattened().as_flattened(),
            (7, 1, 5),
            (1, 2, 1, 10),
            true,
            &bias,
            &rq,
            zp as i32,
            st,
            false,
        );
        assert_eq!(y.flat(), &want[..]);
    }
}

#[test]
fn depthwise_equals_the_naive_loops() {
    let rng = &mut Rng::seed(13);
    for same in [false, true] {
        let mut weights = [[[0i8; 6]; 3]; 3];
        for v in weights.as_flattened_mut().as_flattened_mut() {
            *v = byte(rng).max(-127);
        }
        let bias: [i32; 6] = std::array::from_fn(|_| rng.below(2000) as i32 - 1000);
        let rq: [Requant; 6] = std::array::from_fn(|_| requant(rng));
        let (zp, st) = (byte(rng), stage(rng));
        for _ in 0..6 {
            let x: [[[i8; 6]; 7]; 7] = fill(rng);
            let (y, oh) = if same {
                let l = QDepthwiseConv2d::<7, 7, 6, 3, 3, 2, 2, 4, 4, Same> {
                    weights,
                    bias,
                    requant: rq,
                    output: st,
                    input_zero_point: zp,
                    padding: core::marker::PhantomData,
                };
                let mut y = [[[0i8; 6]; 4]; 4];
                l.forward(&x, &mut y);
                (y.flat().to_vec(), 4)
            } else {
                let l = QDepthwiseConv2d::<7, 7, 6, 3, 3, 2, 2, 3, 3, Valid> {
                    weights,
                    bias,
                    requant: rq,
                    output: st,
                    input_zero_point: zp,
                    padding: core::marker::PhantomData,
                };
                let mut y = [[[0i8; 6]; 3]; 3];
                l.forward(&x, &mut y);
                (y.flat().to_vec(), 3)
            };
            let want = naive_conv(
                x.flat(),
                (7, 7, 6),
                weights.as_flattened().as_flattened(),
                (6, 3, 3),
                (2, 2, oh, oh),
                same,
                &bias,
                &rq,
                zp as i32,
                st,
                true,
            );
            assert_eq!(y, want, "same: {same}");
        }
    }
}

#[test]
fn dense_equals_the_naive_sums_for_every_row_count() {
    let rng = &mut Rng::seed(14);
    fn case<const I: usize, const O: usize>(rng: &mut Rng) {
        let rows: [[i8; I]; O] =
            std::array::from_fn(|_| std::array::from_fn(|_| byte(rng).max(-127)));
        let bias: [i32; O] = std::array::from_fn(|_| rng.below(20_000) as i32 - 10_000);
        let rq: [Requant; O] = std::array::from_fn(|_| requant(rng));
        let (zp, st) = (byte(rng) as i32, stage(rng));
        let layer = QDense::<I, O>::from_tflite(&rows, bias, zp, rq, st);
        for _ in 0..4 {
            let x: [i8; I] = fill(rng);
            let mut y = [0i8; O];
            layer.forward(&x, &mut y);
            for o in 0..O {
                let acc = bias[o]
                    + (0..I)
                        .map(|i| (x[i] as i32 - zp) * rows[o][i] as i32)
                        .sum::<i32>();
                assert_eq!(y[o], st.finish(acc, rq[o]), "{I}x{O} row {o}");
            }
        }
    }
    case::<1, 1>(rng);
    case::<3, 5>(rng);
    case::<7, 16>(rng);
    case::<16, 17>(rng);
    case::<33, 35>(rng);
    case::<640, 128>(rng);
    case::<128, 640>(rng);
}

#[test]
fn batch_norm_equals_the_per_channel_formula() {
    let rng = &mut Rng::seed(15);
    let bn = QBatchNorm::<4> {
        weights: [127, -127, 64, 0],
        bias: [100, -50, 0, 7],
        requant: std::array::from_fn(|_| requant(rng)),
        output: stage(rng),
        input_zero_point: -3,
    };
    let x: [[i8; 4]; 9] = fill(rng);
    let mut y = [[0i8; 4]; 9];
    bn.forward(&x, &mut y);
    for (xp, yp) in x.iter().zip(&y) {
        for c in 0..4 {
            let acc = (xp[c] as i32 + 3) * bn.weights[c] as i32 + bn.bias[c];
            assert_eq!(yp[c], bn.output.finish(acc, bn.requant[c]));
        }
    }
}
