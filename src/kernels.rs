//! The inner loops, written once for host and microcontroller.
//!
//! Results must be bit-identical on every target, so the summation order is fixed here and never
//! depends on the machine: Rust neither reassociates nor fuses `f32` arithmetic, so the same code
//! gives the same bits on x86-64 (SSE), a Cortex-M4F (VFP) and a Cortex-M0 (soft float).

use crate::tensor::Tensor;

/// `y[o] = bias[o] + Σᵢ rows[o][i]·x[i]` for every output, summed in ascending `i` starting from
/// the bias (exactly the naive loop: `acc = b; for i { acc = acc + w·x }`).
///
/// Eight outputs are computed together so each input is loaded once per eight rows; inputs go in
/// straight-line blocks of 64, then 8, then 1. On a Cortex-M4F, LLVM turns `acc + w * x` into
/// `vmla.f32`, the *non-fused* multiply-accumulate (the product is rounded before the add), so
/// the result is bit-identical to x86-64 and to soft float — and costs 2.2 instructions per MAC
/// under QEMU (see the README's benchmark table).
#[inline(always)]
pub fn dense_forward<const I: usize, const O: usize>(
    rows: &[[f32; I]; O],
    bias: &[f32; O],
    x: &[f32; I],
    y: &mut [f32; O],
) {
    let (wg, wrest) = rows.as_chunks::<8>();
    let (bg, brest) = bias.as_chunks::<8>();
    let (yg, yrest) = y.as_chunks_mut::<8>();
    for ((rows, bs), ys) in wg.iter().zip(bg).zip(yg.iter_mut()) {
        rows8::<I>(rows, x, bs, ys);
    }
    for ((row, bo), yo) in wrest.iter().zip(brest).zip(yrest.iter_mut()) {
        rows1::<I>(
            core::array::from_ref(row),
            x,
            core::array::from_ref(bo),
            core::array::from_mut(yo),
        );
    }
}

/// [`dense_forward`] for four inputs side by side in memory (four pixels of a 1×1
/// convolution), with the same sums in the same order, so bit-identical results.
///
/// Four rows × four inputs are computed together: each step loads four weights and four inputs
/// for sixteen multiply-adds, where [`dense_forward`] loads eight weights and one input for
/// eight — half the loads per multiply-add, and each weight read once per four inputs.
#[inline(always)]
pub fn dense_forward4<const I: usize, const O: usize>(
    rows: &[[f32; I]; O],
    bias: &[f32; O],
    xs: &[[f32; I]; 4],
    ys: &mut [[f32; O]; 4],
) {
    let (groups, rows_rest) = rows.as_chunks::<4>();
    let (bias4, bias_rest) = bias.as_chunks::<4>();
    for (g, (w, b)) in groups.iter().zip(bias4).enumerate() {
        // acc[r][p]: row r of the group, input p.
        let mut acc = [[b[0]; 4], [b[1]; 4], [b[2]; 4], [b[3]; 4]];
        // One input index at a time (the compiler unrolls by two; wider blocks run out of
        // registers and spill).
        for i in 0..I {
            let x = [xs[0][i], xs[1][i], xs[2][i], xs[3][i]];
            for (acc_r, w_r) in acc.iter_mut().zip(w) {
                let wv = w_r[i];
                for (a, &xv) in acc_r.iter_mut().zip(&x) {
                    *a += wv * xv;
                }
            }
        }
        for (p, y) in ys.iter_mut().enumerate() {
            if let Some(out) = y.as_chunks_mut::<4>().0.get_mut(g) {
                *out = [acc[0][p], acc[1][p], acc[2][p], acc[3][p]];
            }
        }
    }
    let first_rest = O - rows_rest.len();
    for (r, (row, &b)) in rows_rest.iter().zip(bias_rest).enumerate() {
        let mut acc = [b; 4];
        for (i, &wv) in row.iter().enumerate() {
            for (a, x) in acc.iter_mut().zip(xs) {
                *a += wv * x[i];
            }
        }
        for (y, a) in ys.iter_mut().zip(acc) {
            if let Some(out) = y.get_mut(first_rest + r) {
                *out = a;
            }
        }
    }
}

/// [`dense_forward_flat`] for four windows side by side: `xt[i]` holds input `i` of each of the
/// four (so `xt` has one entry per value of `T`), and `ys[p]` receives window `p`'s outputs. The
/// same sums in the same order, so bit-identical results.
///
/// Four rows × four windows per step: four weights and four adjacent inputs feed sixteen
/// multiply-adds (on the host, one vector multiply and add per row), where one window at a time
/// needs a load per multiply-add.
#[inline(always)]
pub fn dense_forward_windows4<T: Tensor, const O: usize>(
    rows: &[T; O],
    bias: &[f32; O],
    xt: &[[f32; 4]],
    ys: &mut [[f32; O]; 4],
) {
    let n = xt.len();
    let (groups, rows_rest) = rows.as_chunks::<4>();
    let (bias4, bias_rest) = bias.as_chunks::<4>();
    for (g, (w, b)) in groups.iter().zip(bias4).enumerate() {
        let [r0, r1, r2, r3] = w;
        let (Some(w0), Some(w1), Some(w2), Some(w3)) = (
            r0.flat().get(..n),
            r1.flat().get(..n),
            r2.flat().get(..n),
            r3.flat().get(..n),
        ) else {
            return;
        };
        // acc[r][p]: row r of the group, window p.
        let mut acc = [[b[0]; 4], [b[1]; 4], [b[2]; 4], [b[3]; 4]];
        for (i, x) in xt.iter().enumerate() {
            for (acc_r, wv) in acc.iter_mut().zip([w0[i], w1[i], w2[i], w3[i]]) {
                for (a, &xv) in acc_r.iter_mut().zip(x) {
                    *a += wv * xv;
                }
            }
        }
        for (p, y) in ys.iter_mut().enumerate() {
            if let Some(out) = y.as_chunks_mut::<4>().0.get_mut(g) {
                *out = [acc[0][p], acc[1][p], acc[2][p], acc[3][p]];
            }
        }
    }
    let first_rest = O - rows_rest.len();
    for (r, (row, &b)) in rows_rest.iter().zip(bias_rest).enumerate() {
        let mut acc = [b; 4];
        for (&wv, x) in row.flat().iter().zip(xt) {
            for (a, &xv) in acc.iter_mut().zip(x) {
                *a += wv * xv;
            }
        }
        for (y, a) in ys.iter_mut().zip(acc) {
            if let Some(out) = y.get_mut(first_rest + r) {
                *out = a;
            }
        }
    }
}

/// [`dense_forward`] for `S` samples at once, in the same summation order per output (so the
/// results are bit-identical), but with the samples side by side: `xt[i]` holds input `i` of
/// every sample, so one weight multiplies `S` inputs that sit next to each other in memory, which
/// the host's vector units take in one instruction. Used by the layer-major training pass.
#[inline]
pub fn dense_forward_samples<const I: usize, const O: usize, const S: usize>(
    rows: &[[f32; I]; O],
    bias: &[f32; O],
    xt: &[[f32; S]; I],
    yt: &mut [[f32; S]; O],
) {
    let (rows4, rows_rest) = rows.as_chunks::<4>();
    let (bias4, bias_rest) = bias.as_chunks::<4>();
    let (ys4, ys_rest) = yt.as_chunks_mut::<4>();
    for ((rows, bias), ys) in rows4.iter().zip(bias4).zip(ys4.iter_mut()) {
        let [r0, r1, r2, r3] = rows;
        let mut acc = [[bias[0]; S], [bias[1]; S], [bias[2]; S], [bias[3]; S]];
        for ((((x, &w0), &w1), &w2), &w3) in xt.iter().zip(r0).zip(r1).zip(r2).zip(r3) {
            for s in 0..S {
                acc[0][s] += w0 * x[s];
                acc[1][s] += w1 * x[s];
                acc[2][s] += w2 * x[s];
                acc[3][s] += w3 * x[s];
            }
        }
        *ys = acc;
    }
    for ((row, &b), y) in rows_rest.iter().zip(bias_rest).zip(ys_rest.iter_mut()) {
        let mut acc = [b; S];
        for (&w, x) in row.iter().zip(xt) {
            for s in 0..S {
                acc[s] += w * x[s];
            }
        }
        *y = acc;
    }
}

/// Kernel-gradient accumulation for `S` samples, each weight summing its samples in order:
/// `grad[o][i] += Σₛ dy[s][o]·x[s][i]`, with the same bits as `S` calls of [`axpy`].
#[inline]
pub fn dense_kernel_gradient<const I: usize, const O: usize, const S: usize>(
    grad: &mut [[f32; I]; O],
    xs: &[[f32; I]; S],
    dys: &[[f32; O]; S],
) {
    for (o, row) in grad.iter_mut().enumerate() {
        let mut d = [0.0f32; S];
        for (d, dy) in d.iter_mut().zip(dys) {
            *d = dy.get(o).copied().unwrap_or(0.0);
        }
        for (i, g) in row.iter_mut().enumerate() {
            let mut acc = *g;
            for s in 0..S {
                acc += d[s] * xs[s][i];
            }
            *g = acc;
        }
    }
}

/// The naive loop with the summation order of [`dense_forward`] (the reference in tests).
pub fn dense_reference<const I: usize, const O: usize>(
    rows: &[[f32; I]; O],
    bias: &[f32; O],
    x: &[f32; I],
    y: &mut [f32; O],
) {
    for ((row, &b), out) in rows.iter().zip(bias).zip(y.iter_mut()) {
        let mut acc = b;
        for (&w, &xi) in row.iter().zip(x) {
            acc += w * xi;
        }
        *out = acc;
    }
}

/// `acc[k] += Σᵢ w_k[i]·x[i]` for eight weight rows `w = [w_0, …, w_7]` against one input `x`,
/// each accumulator adding its products one by one in ascending `i` (exactly the naive loop's
/// order, whatever the unrolling). Rows are cut to `x.len()`; a shorter row leaves `acc` as it
/// is (the callers' sizes rule that out).
///
/// Eight outputs share each input load, as in [`dense_forward`]; the rows need not be adjacent
/// in memory. Inputs go in straight-line blocks of 8, then one by one.
#[inline(always)]
pub fn mac_rows8(acc: &mut [f32; 8], w: [&[f32]; 8], x: &[f32]) {
    let n = x.len();
    let [w0, w1, w2, w3, w4, w5, w6, w7] = w;
    let (Some(w0), Some(w1), Some(w2), Some(w3), Some(w4), Some(w5), Some(w6), Some(w7)) = (
        w0.get(..n),
        w1.get(..n),
        w2.get(..n),
        w3.get(..n),
        w4.get(..n),
        w5.get(..n),
        w6.get(..n),
        w7.get(..n),
    ) else {
        return;
    };
    let [mut a0, mut a1, mut a2, mut a3, mut a4, mut a5, mut a6, mut a7] = *acc;
    let (xc, xr) = x.as_chunks::<8>();
    let (c0, r0) = w0.as_chunks::<8>();
    let (c1, r1) = w1.as_chunks::<8>();
    let (c2, r2) = w2.as_chunks::<8>();
    let (c3, r3) = w3.as_chunks::<8>();
    let (c4, r4) = w4.as_chunks::<8>();
    let (c5, r5) = w5.as_chunks::<8>();
    let (c6, r6) = w6.as_chunks::<8>();
    let (c7, r7) = w7.as_chunks::<8>();
    for (j, xs) in xc.iter().enumerate() {
        for (u, &xv) in xs.iter().enumerate() {
            a0 += c0[j][u] * xv;
            a1 += c1[j][u] * xv;
            a2 += c2[j][u] * xv;
            a3 += c3[j][u] * xv;
            a4 += c4[j][u] * xv;
            a5 += c5[j][u] * xv;
            a6 += c6[j][u] * xv;
            a7 += c7[j][u] * xv;
        }
    }
    for (i, &xv) in xr.iter().enumerate() {
        a0 += r0[i] * xv;
        a1 += r1[i] * xv;
        a2 += r2[i] * xv;
        a3 += r3[i] * xv;
        a4 += r4[i] * xv;
        a5 += r5[i] * xv;
        a6 += r6[i] * xv;
        a7 += r7[i] * xv;
    }
    *acc = [a0, a1, a2, a3, a4, a5, a6, a7];
}

/// [`dense_forward`] with rows and input of any fixed shape `T` (flattened): `y[o] = bias[o] +
/// Σᵢ rows[o].flat()[i]·x.flat()[i]`, summed from the bias in ascending `i`, eight rows at a time
/// ([`mac_rows8`]). The convolutions' kernel: `T` is one filter, `x` one window.
#[inline(always)]
pub fn dense_forward_flat<T: Tensor, const O: usize>(
    rows: &[T; O],
    bias: &[f32; O],
    x: &T,
    y: &mut [f32; O],
) {
    let x = x.flat();
    let (groups, rest) = rows.as_chunks::<8>();
    let (bias8, bias_rest) = bias.as_chunks::<8>();
    let (y8, y_rest) = y.as_chunks_mut::<8>();
    for ((group, b), out) in groups.iter().zip(bias8).zip(y8) {
        let [r0, r1, r2, r3, r4, r5, r6, r7] = group;
        let mut acc = *b;
        let w = [r0, r1, r2, r3, r4, r5, r6, r7].map(Tensor::flat);
        mac_rows8(&mut acc, w, x);
        *out = acc;
    }
    for ((row, &b), out) in rest.iter().zip(bias_rest).zip(y_rest) {
        *out = mac_row(b, row.flat(), x);
    }
}

/// `acc + Σᵢ w[i]·x[i]`, the products added one by one in ascending `i` (the order of
/// [`mac_rows8`] for one row).
#[inline(always)]
pub fn mac_row(mut acc: f32, w: &[f32], x: &[f32]) -> f32 {
    for (&wi, &xi) in w.iter().zip(x) {
        acc += wi * xi;
    }
    acc
}

/// Dot product with four partial sums: `s_k` sums the products at indices `i ≡ k (mod 4)` of the
/// whole blocks of four, the sums are combined as `(s0 + s1) + (s2 + s3)`, then the leftover
/// `I mod 4` products are added in order.
#[inline]
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut s = [0.0f32; 4];
    let a4 = a.chunks_exact(4);
    let b4 = b.chunks_exact(4);
    let (ra, rb) = (a4.remainder(), b4.remainder());
    for (ca, cb) in a4.zip(b4) {
        s[0] += ca[0] * cb[0];
        s[1] += ca[1] * cb[1];
        s[2] += ca[2] * cb[2];
        s[3] += ca[3] * cb[3];
    }
    let mut total = (s[0] + s[1]) + (s[2] + s[3]);
    for (x, y) in ra.iter().zip(rb) {
        total += x * y;
    }
    total
}

/// `y += alpha · x`, element by element.
#[inline]
pub fn axpy(alpha: f32, x: &[f32], y: &mut [f32]) {
    for (yi, xi) in y.iter_mut().zip(x) {
        *yi += alpha * xi;
    }
}

/// Generates `fn $name<I, RELU>(rows: &[[f32; I]; R], x, b: &[f32; R], y: &mut [f32; R])`:
/// blocks of $U1 inputs, then blocks of $U2, then single inputs, all in ascending i.
/// Each row gets a named accumulator ($a) and its own chunk view ($w): no arrays of references,
/// so every index is provably in bounds (no panic path in the generated code).
macro_rules! group_fn {
    ($name:ident, $R:literal, $rows:tt, $U1:literal, $us1:tt, $U2:literal, $us2:tt) => {
        #[inline(never)]
        fn $name<const I: usize>(
            rows: &[[f32; I]; $R], x: &[f32; I], b: &[f32; $R], y: &mut [f32; $R],
        ) {
            group_fn!(@init rows, b, $U1, $rows);
            let (xc, xt) = x.as_chunks::<$U1>();
            for (j, xs) in xc.iter().enumerate() {
                group_fn!(@body j, xs, $rows, $us1);
            }
            group_fn!(@split $U2, $rows);
            let (xc2, xt2) = xt.as_chunks::<$U2>();
            for (j, xs) in xc2.iter().enumerate() {
                group_fn!(@body j, xs, $rows, $us2);
            }
            for (k, xv) in xt2.iter().enumerate() {
                let xv = *xv;
                group_fn!(@one k, xv, $rows);
            }
            group_fn!(@store y, $rows);
        }
    };
    (@init $rs:ident, $b:ident, $U:literal, [$(($r:literal $a:ident $w:ident))*]) => {
        $( let mut $a = $b[$r]; let $w = $rs[$r].as_chunks::<$U>(); )*
    };
    (@split $U:literal, [$(($r:literal $a:ident $w:ident))*]) => {
        $( let $w = $w.1.as_chunks::<$U>(); )*
    };
    (@store $y:ident, [$(($r:literal $a:ident $w:ident))*]) => { $( $y[$r] = $a; )* };
    (@body $j:ident, $xs:ident, $rows:tt, [$($u:literal)*]) => {
        $( group_fn!(@mac $j, $xs, $u, $rows); )*
    };
    (@mac $j:ident, $xs:ident, $u:literal, [$(($r:literal $a:ident $w:ident))*]) => {
        let xv = $xs[$u];
        $( $a += $w.0[$j][$u] * xv; )*
    };
    (@one $k:ident, $xv:ident, [$(($r:literal $a:ident $w:ident))*]) => {
        $( $a += $w.1[$k] * $xv; )*
    };
}

group_fn!(rows8, 8, [(0 a0 w0) (1 a1 w1) (2 a2 w2) (3 a3 w3) (4 a4 w4) (5 a5 w5) (6 a6 w6) (7 a7 w7)],
    64, [ 0  1  2  3  4  5  6  7  8  9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31
         32 33 34 35 36 37 38 39 40 41 42 43 44 45 46 47 48 49 50 51 52 53 54 55 56 57 58 59 60 61 62 63],
    8, [0 1 2 3 4 5 6 7]);
group_fn!(rows1, 1, [(0 a0 w0)],
    16, [0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15],
    4, [0 1 2 3]);

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn dense_matches_its_reference_bit_for_bit() {
        // Sizes around the 8-row groups and the 64/8/1 input blocks.
        fn check<const I: usize, const O: usize>() {
            let mut rng = crate::Rng::seed((I * 1000 + O) as u64);
            let rows: [[f32; I]; O] =
                core::array::from_fn(|_| core::array::from_fn(|_| rng.uniform(-1.0, 1.0)));
            let bias: [f32; O] = core::array::from_fn(|_| rng.uniform(-1.0, 1.0));
            let x: [f32; I] = core::array::from_fn(|_| rng.uniform(-2.0, 2.0));
            let (mut a, mut b) = ([0.0; O], [0.0; O]);
            dense_forward(&rows, &bias, &x, &mut a);
            dense_reference(&rows, &bias, &x, &mut b);
            assert_eq!(a.map(f32::to_bits), b.map(f32::to_bits), "Dense<{I}, {O}>");
        }
        check::<1, 1>();
        check::<3, 7>();
        check::<8, 8>();
        check::<9, 17>();
        check::<64, 8>();
        check::<73, 9>();
        check::<130, 16>();
        check::<640, 128>();
    }

    #[test]
    fn four_inputs_four_windows_and_flat_rows_match_dense_bit_for_bit() {
        fn check<const I: usize, const O: usize>() {
            let mut rng = crate::Rng::seed((I * 31 + O) as u64);
            let rows: [[f32; I]; O] =
                core::array::from_fn(|_| core::array::from_fn(|_| rng.uniform(-1.0, 1.0)));
            let bias: [f32; O] = core::array::from_fn(|_| rng.uniform(-1.0, 1.0));
            let xs: [[f32; I]; 4] =
                core::array::from_fn(|_| core::array::from_fn(|_| rng.uniform(-2.0, 2.0)));
            let mut ys = [[0.0; O]; 4];
            dense_forward4(&rows, &bias, &xs, &mut ys);
            // The same four inputs side by side, for the windows kernel.
            let xt: [[f32; 4]; I] = core::array::from_fn(|i| core::array::from_fn(|p| xs[p][i]));
            let mut yw = [[0.0; O]; 4];
            dense_forward_windows4(&rows, &bias, &xt, &mut yw);
            assert_eq!(
                ys.map(|y| y.map(f32::to_bits)),
                yw.map(|y| y.map(f32::to_bits)),
                "windows, {I} → {O}"
            );
            for (x, y4) in xs.iter().zip(&ys) {
                let (mut y, mut flat) = ([0.0; O], [0.0; O]);
                dense_reference(&rows, &bias, x, &mut y);
                dense_forward_flat(&rows, &bias, x, &mut flat);
                assert_eq!(
                    y.map(f32::to_bits),
                    y4.map(f32::to_bits),
                    "4 inputs, {I} → {O}"
                );
                assert_eq!(
                    y.map(f32::to_bits),
                    flat.map(f32::to_bits),
                    "flat, {I} → {O}"
                );
            }
        }
        check::<1, 1>();
        check::<3, 5>();
        check::<4, 4>();
        check::<9, 17>();
        check::<64, 64>();
        check::<67, 13>();
    }

    #[test]
    fn multi_sample_forward_matches_bit_for_bit() {
        fn check<const I: usize, const O: usize>() {
            let mut rng = crate::Rng::seed((I * 7 + O) as u64);
            let rows: [[f32; I]; O] =
                core::array::from_fn(|_| core::array::from_fn(|_| rng.uniform(-1.0, 1.0)));
            let bias: [f32; O] = core::array::from_fn(|_| rng.uniform(-1.0, 1.0));
            let xs: [[f32; I]; 4] =
                core::array::from_fn(|_| core::array::from_fn(|_| rng.uniform(-2.0, 2.0)));
            let xt: [[f32; 4]; I] = core::array::from_fn(|i| core::array::from_fn(|s| xs[s][i]));
            let mut yt = [[0.0; 4]; O];
            dense_forward_samples(&rows, &bias, &xt, &mut yt);
            for (s, x) in xs.iter().enumerate() {
                let mut y = [0.0; O];
                dense_forward(&rows, &bias, x, &mut y);
                for o in 0..O {
                    assert_eq!(
                        y[o].to_bits(),
                        yt[o][s].to_bits(),
                        "Dense<{I}, {O}> sample {s} output {o}"
                    );
                }
            }
        }
        check::<1, 1>();
        check::<5, 7>();
        check::<64, 64>();
        check::<33, 10>();
    }

    #[test]
    fn dot_matches_documented_order() {
        let a = [1.0e8f32, 1.0, -1.0e8, 1.0, 0.5, 0.25];
        let b = [1.0f32; 6];
        // (s0 + s1) + (s2 + s3) = (1e8 + 1) + (-1e8 + 1) = 1e8 + -1e8 (1 lost twice) = 0,
        // then + 0.5 + 0.25.
        let s = ((1.0e8f32 + 1.0) + (-1.0e8f32 + 1.0)) + 0.5 + 0.25;
        assert_eq!(dot(&a, &b), s);
    }
}
