//! Tests of the convolutions: geometry, TensorFlow's padding, kernels against naive loops.

use super::window::*;
use super::*;
use crate::prelude::*;
use crate::tensor::Tensor;
use crate::ParamKind;

#[test]
fn tensorflow_same_padding() {
    // out = ceil(n / s); pad = max((out - 1)·s + k - n, 0); before = pad / 2.
    assert_eq!(Same::output_len(8, 3, 1), 8);
    assert_eq!(Same::padding(8, 3, 1), (1, 1));
    assert_eq!(Same::padding(8, 2, 1), (0, 1));
    assert_eq!(Same::padding(8, 4, 1), (1, 2));
    assert_eq!(Same::output_len(7, 3, 2), 4);
    assert_eq!(Same::padding(7, 3, 2), (1, 1));
    assert_eq!(Same::padding(8, 1, 2), (0, 0));
    assert_eq!(Same::output_len(49, 10, 2), 25);
    assert_eq!(Same::padding(49, 10, 2), (4, 5));
    assert_eq!(Same::output_len(10, 4, 2), 5);
    assert_eq!(Same::padding(10, 4, 2), (1, 1));
    assert_eq!(Valid::output_len(8, 3, 2), 3);
    assert_eq!(Valid::output_len(2, 3, 1), 0);
    assert_eq!(Valid::output_len(8, 3, 0), 0);
}

#[test]
fn size_errors_show_the_numbers() {
    let problem =
        |n, k, s, same, written| Axis::new(n, k, s, same).problem("Conv2d", &HEIGHT, written);
    assert!(problem(8, 3, 2, false, 3).is_none());
    assert!(problem(8, 3, 2, true, 4).is_none());
    assert_eq!(
        problem(8, 3, 2, false, 4).unwrap().as_str(),
        "Conv2d: output height OH = 4 is wrong: (H - KH) / SH + 1 = (8 - 3) / 2 + 1 = 3 \
         with \"valid\" padding; write OH = 3"
    );
    assert_eq!(
        problem(49, 10, 2, true, 24).unwrap().as_str(),
        "Conv2d: output height OH = 24 is wrong: (H + pad - KH) / SH + 1 = (49 + 9 - 10) / 2 \
         + 1 = 25 with \"same\" padding (pad = 9: 4 before, 5 after); write OH = 25"
    );
    assert_eq!(
        problem(3, 5, 1, false, 1).unwrap().as_str(),
        "Conv2d: window height KH = 5 is larger than the input height H = 3; with \"valid\" \
         padding the window must fit (or use `Same`)"
    );
    assert_eq!(
        problem(3, 1, 0, true, 1).unwrap().as_str(),
        "Conv2d: stride SH = 0; a stride is at least 1"
    );
    assert_eq!(
        problem(3, 0, 1, true, 3).unwrap().as_str(),
        "Conv2d: window height KH = 0; a window is at least 1 wide"
    );
}

#[test]
fn spans_clip_windows_at_the_padding() {
    // n = 5, k = 4, s = 2, same: out = 3, pad = 2·2 + 4 − 5 = 3, before = 1.
    let a = Axis::new(5, 4, 2, true);
    let spans: [Span; 3] = core::array::from_fn(|o| a.span(o));
    assert_eq!(
        spans[0],
        Span {
            input: 0,
            tap: 1,
            len: 3
        }
    ); // taps 1..4 over x[0..3]
    assert_eq!(
        spans[1],
        Span {
            input: 1,
            tap: 0,
            len: 4
        }
    ); // x[1..5]
    assert_eq!(
        spans[2],
        Span {
            input: 3,
            tap: 0,
            len: 2
        }
    ); // x[3..5], 2 zeros after
    let v = Axis::new(5, 3, 2, false);
    assert_eq!(
        v.span(1),
        Span {
            input: 2,
            tap: 0,
            len: 3
        }
    );
}

#[test]
fn conv2d_even_kernel_stride_two_same() {
    // 4×4 image x = 1..16, 2×2 ones filter, stride 2, same: out 2×2, pad 0 (2·1 + 2 − 4 = 0).
    let conv = Conv2d::<4, 4, 1, 1, 2, 2, 2, 2, 2, 2, Same>::new([[[[1.0]; 2]; 2]], [1.0]);
    let mut x = [[[0.0f32; 1]; 4]; 4];
    for (i, v) in x
        .as_flattened_mut()
        .as_flattened_mut()
        .iter_mut()
        .enumerate()
    {
        *v = (i + 1) as f32;
    }
    let mut y = [[[0.0; 1]; 2]; 2];
    conv.forward(&x, &mut y);
    // [1+2+5+6, 3+4+7+8; 9+10+13+14, 11+12+15+16] + 1
    assert_eq!(y, [[[15.0], [23.0]], [[47.0], [55.0]]]);
}

/// The documented sums, written naively: from the bias, the whole window in (kh, kw, ci)
/// order, taps in the padding multiplying zeros.
#[allow(clippy::needless_range_loop)] // the reference indexes, like the formula
fn conv2d_reference<
    const H: usize,
    const W: usize,
    const CIN: usize,
    const COUT: usize,
    const KH: usize,
    const KW: usize,
    const SH: usize,
    const SW: usize,
    const OH: usize,
    const OW: usize,
    P: Padding,
>(
    conv: &Conv2d<H, W, CIN, COUT, KH, KW, SH, SW, OH, OW, P>,
    x: &[[[f32; CIN]; W]; H],
) -> [[[f32; COUT]; OW]; OH] {
    let (top, left) = (
        Axis::new(H, KH, SH, P::SAME).before,
        Axis::new(W, KW, SW, P::SAME).before,
    );
    let mut y = [[[0.0; COUT]; OW]; OH];
    for oh in 0..OH {
        for ow in 0..OW {
            for co in 0..COUT {
                let mut acc = conv.bias[co];
                for kh in 0..KH {
                    for kw in 0..KW {
                        for ci in 0..CIN {
                            let ih = (oh * SH + kh).checked_sub(top).filter(|&i| i < H);
                            let iw = (ow * SW + kw).checked_sub(left).filter(|&i| i < W);
                            let v = match (ih, iw) {
                                (Some(ih), Some(iw)) => x[ih][iw][ci],
                                _ => 0.0,
                            };
                            acc += conv.kernel[co][kh][kw][ci] * v;
                        }
                    }
                }
                y[oh][ow][co] = acc;
            }
        }
    }
    y
}

fn random<T: Tensor>(rng: &mut Rng) -> T {
    let mut t = T::ZERO;
    t.flat_mut()
        .iter_mut()
        .for_each(|v| *v = rng.uniform(-2.0, 2.0));
    t
}

#[test]
fn conv2d_sums_in_the_documented_order() {
    fn check<
        const H: usize,
        const W: usize,
        const CIN: usize,
        const COUT: usize,
        const KH: usize,
        const KW: usize,
        const SH: usize,
        const SW: usize,
        const OH: usize,
        const OW: usize,
        P: Padding,
    >(
        seed: u64,
    ) {
        let mut rng = Rng::seed(seed);
        let conv = Conv2d::<H, W, CIN, COUT, KH, KW, SH, SW, OH, OW, P>::init(
            Initializer::Uniform(1.0),
            &mut rng,
        );
        let mut conv = conv;
        conv.bias
            .iter_mut()
            .for_each(|b| *b = rng.uniform(-1.0, 1.0));
        let x: [[[f32; CIN]; W]; H] = random(&mut rng);
        let mut y = [[[0.0; COUT]; OW]; OH];
        conv.forward(&x, &mut y);
        let expected = conv2d_reference(&conv, &x);
        assert_eq!(
            y.flat().iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
            expected
                .flat()
                .iter()
                .map(|v| v.to_bits())
                .collect::<Vec<_>>(),
            "Conv2d<{H}, {W}, {CIN}, {COUT}, {KH}, {KW}, {SH}, {SW}> {}",
            P::NAME
        );
    }
    // The DS-CNN's first layer (shrunk): 10×4, stride 2, same; 8 + 3 output channels.
    check::<13, 6, 1, 11, 10, 4, 2, 2, 7, 3, Same>(1);
    check::<6, 5, 3, 17, 3, 3, 1, 1, 6, 5, Same>(2);
    check::<7, 5, 2, 9, 4, 2, 2, 2, 2, 2, Valid>(3);
    // 1×1: stride 1 (four pixels at a time, and one left over), stride 2.
    check::<5, 5, 6, 10, 1, 1, 1, 1, 5, 5, Valid>(4);
    check::<5, 5, 6, 10, 1, 1, 2, 2, 3, 3, Same>(5);
}

#[test]
fn conv1d_is_conv2d_of_height_one() {
    let mut rng = Rng::seed(6);
    let c1 = Conv1d::<9, 3, 10, 4, 2, 5, Same>::init(Initializer::Uniform(1.0), &mut rng);
    let c2 = Conv2d::<1, 9, 3, 10, 1, 4, 1, 2, 1, 5, Same>::new(c1.kernel.map(|f| [f]), c1.bias);
    let x: [[f32; 3]; 9] = random(&mut rng);
    let (mut y1, mut y2) = ([[0.0; 10]; 5], [[[0.0; 10]; 5]; 1]);
    c1.forward(&x, &mut y1);
    c2.forward(&[x], &mut y2);
    assert_eq!(
        y1.flat().iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
        conv2d_reference(&c2, &[x])
            .flat()
            .iter()
            .map(|v| v.to_bits())
            .collect::<Vec<_>>()
    );
    assert_eq!(y1, y2[0]);
}

#[test]
#[allow(clippy::needless_range_loop)] // the reference indexes, like the formula
fn depthwise_sums_in_the_documented_order() {
    // 6 channels: one block of four and two left over; "same" 3×3 with stride 2.
    let mut rng = Rng::seed(7);
    let dw = DepthwiseConv2d::<5, 4, 6, 3, 3, 2, 2, 3, 2, Same>::init(
        Initializer::Uniform(1.0),
        &mut rng,
    );
    let x: [[[f32; 6]; 4]; 5] = random(&mut rng);
    let mut y = [[[0.0; 6]; 2]; 3];
    dw.forward(&x, &mut y);
    // From the bias, the taps inside the input in (kh, kw) order (the padding is skipped).
    let (top, left) = (Same::padding(5, 3, 2).0, Same::padding(4, 3, 2).0);
    for oh in 0..3usize {
        for ow in 0..2usize {
            for c in 0..6 {
                let mut acc = dw.bias[c];
                for kh in 0..3 {
                    for kw in 0..3 {
                        let ih = (oh * 2 + kh).checked_sub(top).filter(|&i| i < 5);
                        let iw = (ow * 2 + kw).checked_sub(left).filter(|&i| i < 4);
                        if let (Some(ih), Some(iw)) = (ih, iw) {
                            acc += dw.kernel[kh][kw][c] * x[ih][iw][c];
                        }
                    }
                }
                assert_eq!(y[oh][ow][c].to_bits(), acc.to_bits(), "({oh}, {ow}, {c})");
            }
        }
    }
}

#[test]
fn from_keras_transposes_hwio_to_ohwi() {
    // kernel[kh][kw][ci][co] = 1000·kh + 100·kw + 10·ci + co
    let mut hwio = [[[[0.0f32; 3]; 2]; 2]; 1];
    for (kh, a) in hwio.iter_mut().enumerate() {
        for (kw, b) in a.iter_mut().enumerate() {
            for (ci, c) in b.iter_mut().enumerate() {
                for (co, v) in c.iter_mut().enumerate() {
                    *v = (1000 * kh + 100 * kw + 10 * ci + co) as f32;
                }
            }
        }
    }
    let conv = Conv2d::<3, 3, 2, 3, 1, 2, 1, 1, 3, 2>::from_keras(&hwio, [0.0; 3]);
    assert_eq!(conv.kernel[2][0][1][0], 102.0);
    assert_eq!(conv.kernel[1][0][0][1], 11.0);
    let conv1 = Conv1d::<3, 2, 3, 2, 1, 2>::from_keras(&hwio[0], [0.0; 3]);
    assert_eq!(conv1.kernel[2][1][0], 102.0);
}

#[test]
fn params_visit_kernel_then_bias() {
    let mut rng = Rng::seed(3);
    let mut conv =
        Conv2d::<5, 5, 2, 3, 3, 3, 2, 2, 3, 3, Same>::init(Initializer::GlorotUniform, &mut rng);
    // Keras fans: 3·3·2 in, 3·3·3 out.
    let limit = libm::sqrtf(6.0 / (18.0 + 27.0));
    let mut kinds = [None; 2];
    let mut n = 0;
    conv.for_each_param(&mut |kind, values| {
        kinds[n] = Some((kind, values.len()));
        n += 1;
        if kind == ParamKind::Weight {
            assert!(values.iter().all(|w| w.abs() <= limit));
            assert!(values.iter().any(|&w| w != 0.0));
        }
    });
    assert_eq!(
        kinds,
        [Some((ParamKind::Weight, 54)), Some((ParamKind::Bias, 3))]
    );
    assert_eq!(
        <Conv2d<5, 5, 2, 3, 3, 3, 2, 2, 3, 3, Same> as Params>::PARAMS,
        57
    );
    let mut g = Conv2d::ZERO;
    let mut visited = 0;
    conv.visit_trainable(&mut g, [], &mut |slot| {
        assert_eq!(slot.value.len(), slot.grad.len());
        visited += slot.value.len();
    });
    assert_eq!(visited, 57);
}

#[test]
fn describe_names_every_dimension() {
    type C = Conv2d<10, 4, 1, 8, 10, 4, 2, 2, 5, 2, Same>;
    let mut info = None;
    <C as Layer<[[[f32; 1]; 4]; 10]>>::describe(&mut |i| info = Some(i));
    let info = info.unwrap();
    assert_eq!(info.kind, "Conv2d");
    assert_eq!(info.dims, &[10, 4, 1, 8, 10, 4, 2, 2, 5, 2, 1]);
    assert_eq!(info.output_shape, &[5, 2, 8]);
    assert_eq!(info.macs, 5 * 2 * 8 * 10 * 4);
}
