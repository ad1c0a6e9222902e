//! The geometry of a sliding window along one axis (input size, window, stride, TensorFlow's
//! padding), shared by the convolutions and the pools, and the compile-time checks of its
//! output size.

use crate::layers::const_fmt::Message;

/// The names one axis's sizes go by in a layer's type, for error messages.
pub(crate) struct AxisNames {
    pub(crate) what: &'static str,
    pub(crate) n: &'static str,
    pub(crate) k: &'static str,
    pub(crate) s: &'static str,
    pub(crate) out: &'static str,
}

pub(crate) const HEIGHT: AxisNames = AxisNames {
    what: "height",
    n: "H",
    k: "KH",
    s: "SH",
    out: "OH",
};
pub(crate) const WIDTH: AxisNames = AxisNames {
    what: "width",
    n: "W",
    k: "KW",
    s: "SW",
    out: "OW",
};
pub(crate) const LENGTH: AxisNames = AxisNames {
    what: "length",
    n: "L",
    k: "KL",
    s: "SL",
    out: "OL",
};

/// One spatial axis of a sliding window: input size, window, stride and TensorFlow's padding.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Axis {
    pub(crate) n: usize,
    pub(crate) k: usize,
    pub(crate) s: usize,
    pub(crate) same: bool,
    /// Output size the axis produces.
    pub(crate) out: usize,
    /// Total zeros added ("same" only).
    pub(crate) total: usize,
    /// Zeros added before the first element.
    pub(crate) before: usize,
}

/// The part of one window that lies inside the input: kernel taps `tap..tap + len` read input
/// positions `input..input + len`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Span {
    pub(crate) input: usize,
    pub(crate) tap: usize,
    pub(crate) len: usize,
}

impl Axis {
    /// An axis that does nothing (the missing height of a 1-D layer).
    pub(crate) const UNIT: Axis = Axis::new(1, 1, 1, false);

    pub(crate) const fn new(n: usize, k: usize, s: usize, same: bool) -> Axis {
        // Degenerate sizes give an empty axis here (never a const-evaluation panic);
        // `check` reports them with a proper message.
        let out = if s == 0 || k == 0 {
            0
        } else if same {
            n.div_ceil(s)
        } else if k > n {
            0
        } else {
            (n - k) / s + 1
        };
        let total = if same && out > 0 {
            ((out - 1) * s + k).saturating_sub(n)
        } else {
            0
        };
        Axis {
            n,
            k,
            s,
            same,
            out,
            total,
            before: total / 2,
        }
    }

    /// Fails compilation, naming the sizes, unless `written` is the output size of this axis.
    pub(crate) const fn check(self, layer: &str, names: &AxisNames, written: usize) {
        if let Some(message) = self.problem(layer, names, written) {
            message.fail()
        }
    }

    /// What is wrong with this axis if the layer's type says its output size is `written`.
    pub(crate) const fn problem(
        self,
        layer: &str,
        names: &AxisNames,
        written: usize,
    ) -> Option<Message> {
        let m = Message::new().str(layer).str(": ");
        if self.s == 0 {
            return Some(
                m.str("stride ")
                    .str(names.s)
                    .str(" = 0; a stride is at least 1"),
            );
        }
        if self.k == 0 {
            let m = m.str("window ").str(names.what).str(" ").str(names.k);
            return Some(m.str(" = 0; a window is at least 1 wide"));
        }
        if !self.same && self.k > self.n {
            let m = m.str("window ").str(names.what).str(" ").str(names.k);
            let m = m.str(" = ").num(self.k).str(" is larger than the input ");
            let m = m
                .str(names.what)
                .str(" ")
                .str(names.n)
                .str(" = ")
                .num(self.n);
            return Some(m.str("; with \"valid\" padding the window must fit (or use `Same`)"));
        }
        if written == self.out {
            return None;
        }
        // "OH = 4 is wrong: (H - KH) / SH + 1 = (8 - 3) / 2 + 1 = 3 with "valid" padding; …"
        let m = m.str("output ").str(names.what).str(" ").str(names.out);
        let m = m.str(" = ").num(written).str(" is wrong: (").str(names.n);
        let m = if self.same {
            m.str(" + pad - ")
        } else {
            m.str(" - ")
        };
        let m = m
            .str(names.k)
            .str(") / ")
            .str(names.s)
            .str(" + 1 = (")
            .num(self.n);
        let m = if self.same {
            m.str(" + ").num(self.total).str(" - ")
        } else {
            m.str(" - ")
        };
        let m = m
            .num(self.k)
            .str(") / ")
            .num(self.s)
            .str(" + 1 = ")
            .num(self.out);
        let m = if self.same {
            let m = m
                .str(" with \"same\" padding (pad = ")
                .num(self.total)
                .str(": ");
            let m = m.num(self.before).str(" before, ");
            m.num(self.total - self.before).str(" after)")
        } else {
            m.str(" with \"valid\" padding")
        };
        Some(m.str("; write ").str(names.out).str(" = ").num(self.out))
    }

    /// The part of output `o`'s window that lies inside the input (TensorFlow's padding: the
    /// window of output `o` starts at padded position `o·S`, i.e. input position `o·S − before`).
    #[inline(always)]
    pub(crate) fn span(self, o: usize) -> Span {
        let origin = o * self.s;
        let tap = self.before.saturating_sub(origin);
        let end = (self.n + self.before).saturating_sub(origin).min(self.k);
        Span {
            input: origin + tap - self.before,
            tap,
            len: end.saturating_sub(tap),
        }
    }
}

impl Span {
    /// Number of kernel taps inside the input.
    #[inline(always)]
    pub(crate) fn len(self) -> usize {
        self.len
    }
    /// The input elements under the window (empty rather than a panic if out of range, which
    /// the size checks rule out; debug builds assert it, so the tests would catch a geometry
    /// bug instead of computing on an empty window).
    #[inline(always)]
    pub(crate) fn input_of<T>(self, s: &[T]) -> &[T] {
        debug_assert!(self.input + self.len <= s.len(), "span past the input");
        s.get(self.input..self.input + self.len).unwrap_or(&[])
    }
    /// Mutable form of [`Span::input_of`].
    #[inline(always)]
    pub(crate) fn input_of_mut<T>(self, s: &mut [T]) -> &mut [T] {
        debug_assert!(self.input + self.len <= s.len(), "span past the input");
        s.get_mut(self.input..self.input + self.len)
            .unwrap_or(&mut [])
    }
    /// The kernel taps that fall inside the input.
    #[inline(always)]
    pub(crate) fn taps_of<T>(self, s: &[T]) -> &[T] {
        debug_assert!(self.tap + self.len <= s.len(), "span past the kernel");
        s.get(self.tap..self.tap + self.len).unwrap_or(&[])
    }
    /// Mutable form of [`Span::taps_of`].
    #[inline(always)]
    pub(crate) fn taps_of_mut<T>(self, s: &mut [T]) -> &mut [T] {
        debug_assert!(self.tap + self.len <= s.len(), "span past the kernel");
        s.get_mut(self.tap..self.tap + self.len).unwrap_or(&mut [])
    }
    /// Input position of the `i`-th tap inside the input.
    #[inline(always)]
    pub(crate) fn input_index(self, i: usize) -> usize {
        self.input + i
    }
}
