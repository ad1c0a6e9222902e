//! The recurrent layers' inference on slices, with sizes known only at run time, for
//! [`AnyModel`](crate::AnyModel): the same operations in the same order as the typed layers'
//! `step`, so the results are the typed layers' bit for bit (`tests/recurrent_models.rs`).
//!
//! Every slice is cut with `get`/`split_at_checked`/`chunks_exact`: a wrong length gives wrong
//! (zero) values, never a panic; the planner makes the lengths right.

use super::{sigmoid, tanh};
use crate::kernels::axpy;

/// `acc = bias; acc += Σ_c x[c] · rows[c]` with rows of `acc.len()` values.
fn project(bias: &[f32], rows: &[f32], x: &[f32], acc: &mut [f32]) {
    for (a, &b) in acc.iter_mut().zip(bias) {
        *a = b;
    }
    let width = acc.len().max(1);
    for (&v, row) in x.iter().zip(rows.chunks_exact(width)) {
        axpy(v, row, acc);
    }
}

/// Splits `s` into consecutive pieces of the given lengths (empty pieces past its end).
fn split<const N: usize>(s: &[f32], lens: [usize; N]) -> [&[f32]; N] {
    let mut rest = s;
    lens.map(|n| {
        let (head, tail) = rest.split_at_checked(n).unwrap_or((rest, &[]));
        rest = tail;
        head
    })
}

fn split_mut<const N: usize>(s: &mut [f32], lens: [usize; N]) -> [&mut [f32]; N] {
    let mut rest = s;
    lens.map(|n| {
        let taken = core::mem::take(&mut rest);
        let at = n.min(taken.len());
        let (head, tail) = taken.split_at_mut(at);
        rest = tail;
        head
    })
}

/// `dst = src` over their common length.
fn copy(dst: &mut [f32], src: &[f32]) {
    for (d, &s) in dst.iter_mut().zip(src) {
        *d = s;
    }
}

/// Scratch values [`gru`] and [`lstm`] need for `units` units.
pub(crate) fn scratch_len(units: usize) -> usize {
    units.saturating_mul(8)
}

/// Writes `h` as step `t`'s output: into row `t` when returning sequences, else (every step, so
/// the last one stays) into `y` itself.
fn emit(y: &mut [f32], t: usize, h: &[f32], sequences: bool) {
    let out = if sequences {
        y.chunks_exact_mut(h.len().max(1)).nth(t)
    } else {
        Some(y)
    };
    if let Some(out) = out {
        for (o, &v) in out.iter_mut().zip(h) {
            *o = v;
        }
    }
}

/// `Gru<L, C, U, R>::forward` on slices: `params` in file order, `x` `L·C` values, `y` `U` (or
/// `L·U` when `sequences`), `scratch` at least [`scratch_len`].
pub(crate) fn gru(
    params: &[f32],
    (channels, units, sequences): (usize, usize, bool),
    x: &[f32],
    y: &mut [f32],
    scratch: &mut [f32],
) {
    let g = 3 * units;
    let [kernel, recurrent, bias_x, bias_h] = split(params, [channels * g, units * g, g, g]);
    let [xa, ha, h, prev] = split_mut(scratch, [g, g, units, units]);
    h.fill(0.0);
    for (t, xt) in x.chunks_exact(channels.max(1)).enumerate() {
        copy(prev, h);
        project(bias_x, kernel, xt, xa);
        project(bias_h, recurrent, prev, ha);
        let [xz, xr, xn] = split(xa, [units; 3]);
        let [hz, hr, hn] = split(ha, [units; 3]);
        let gates = xz.iter().zip(xr).zip(xn).zip(hz.iter().zip(hr).zip(hn));
        for ((((&xz, &xr), &xn), ((&hz, &hr), &hn)), (h, &p)) in gates.zip(h.iter_mut().zip(&*prev))
        {
            let z = sigmoid(xz + hz);
            let r = sigmoid(xr + hr);
            let n = tanh(xn + r * hn);
            *h = z * p + (1.0 - z) * n;
        }
        emit(y, t, h, sequences);
    }
}

/// `Lstm<L, C, U, R>::forward` on slices (as [`gru`]).
pub(crate) fn lstm(
    params: &[f32],
    (channels, units, sequences): (usize, usize, bool),
    x: &[f32],
    y: &mut [f32],
    scratch: &mut [f32],
) {
    let g = 4 * units;
    let [kernel, recurrent, bias] = split(params, [channels * g, units * g, g]);
    let [a, h, c, prev] = split_mut(scratch, [g, units, units, units]);
    h.fill(0.0);
    c.fill(0.0);
    for (t, xt) in x.chunks_exact(channels.max(1)).enumerate() {
        copy(prev, h);
        project(bias, kernel, xt, a);
        // The recurrent term adds onto the input term, as the typed layer's second `project`.
        for (&v, row) in prev.iter().zip(recurrent.chunks_exact(g.max(1))) {
            axpy(v, row, a);
        }
        let [ai, af, ag, ao] = split(a, [units; 4]);
        let gates = ai.iter().zip(af).zip(ag).zip(ao);
        for ((((&ai, &af), &ag), &ao), (h, c)) in gates.zip(h.iter_mut().zip(c.iter_mut())) {
            let i = sigmoid(ai);
            let f = sigmoid(af);
            let g = tanh(ag);
            let o = sigmoid(ao);
            *c = f * *c + i * g;
            *h = o * tanh(*c);
        }
        emit(y, t, h, sequences);
    }
}

/// `Embedding<V, DIM, L>::forward` on slices: `params` the `V·DIM` table.
pub(crate) fn embedding(
    params: &[f32],
    (vocabulary, dim): (usize, usize),
    x: &[f32],
    y: &mut [f32],
) {
    for (&id, out) in x.iter().zip(y.chunks_exact_mut(dim.max(1))) {
        let row = token(id, vocabulary).and_then(|i| params.chunks_exact(dim.max(1)).nth(i));
        match row {
            Some(row) => copy(out, row),
            None => out.fill(0.0),
        }
    }
}

/// [`Embedding::token`](super::Embedding::token) with `V` known at run time.
pub(crate) fn token(x: f32, vocabulary: usize) -> Option<usize> {
    // `vocabulary as f32` may round up for a huge table; the lookups' `get`/`nth` still guard.
    if x.is_nan() || x < 0.0 || x >= vocabulary as f32 || libm::truncf(x) != x {
        return None;
    }
    Some(x as usize)
}
