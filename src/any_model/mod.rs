//! Running a model file whose Rust type is not known: [`AnyModel`].
//!
//! A typed model (`ModelFile::<MyNet>::load_into`) is the way to run a model you wrote: its
//! shapes are checked by the compiler and its loops are specialised to its sizes. A tool that is
//! handed *any* model file — the `embednn` CLI, a test harness, a host that checks what firmware
//! computed — has no type to name. [`AnyModel`] reads the layer descriptors the file stores,
//! works out every shape from them, and runs the layers one after another on slices, through the
//! same kernels and element functions as the typed layers, so its outputs are the typed model's
//! outputs bit for bit (tested on every example model and on types no library code names).
//!
//! Nothing is allocated: the caller provides the decoded parameters and a scratch slice of
//! [`AnyModel::scratch_len`] values.
//!
//! ```
//! use embednn::prelude::*;
//! use embednn::{AnyModel, ModelInfo};
//!
//! type Net = (Dense<2, 3>, Relu, Dense<3, 1>, Sigmoid);
//! let net: Net = Net::init(Initializer::GlorotUniform, &mut Rng::seed(1));
//! let mut bytes = [0u8; 256];
//! let n = ModelFile::<Net>::write(&net, &Preprocessing::default(), &mut bytes).unwrap();
//!
//! let info = ModelInfo::parse(&bytes[..n]).unwrap();
//! let mut params = [0.0f32; 13];
//! for (p, v) in params.iter_mut().zip(info.params.iter()) {
//!     *p = v;
//! }
//! let any = AnyModel::new(&info, &params).unwrap();
//! assert_eq!((any.input_len(), any.output_len()), (2, 1));
//!
//! let mut scratch = [0.0f32; 16];
//! let mut y = [0.0f32; 1];
//! any.forward(&[0.5, -1.0], &mut scratch[..any.scratch_len()], &mut y).unwrap();
//! assert_eq!(y[0].to_bits(), net.predict(&[0.5, -1.0])[0].to_bits());
//! ```

mod error;
mod plan;

use core::fmt::{self, Write as _};

pub use error::{PlanError, RunError};

use crate::format::{LayerDesc, ModelInfo};
use crate::kernels;
use crate::layers::activation::{leaky_relu, Elementwise};
use crate::layers::batchnorm::{inverse_std, normalize_value};
use crate::layers::conv::window::Axis;
use crate::layers::pool::replaces;
use crate::layers::recurrent::slices as recurrent;
use crate::summary::Row;
use crate::{Identity, Relu, Relu6, Sigmoid, Softmax, Tanh};
use plan::{Activation, Op, Step};

/// Most layers a plan holds.
pub const MAX_LAYERS: usize = 128;

/// A tensor shape of rank 1 to 3 (`[N]`, `[L, C]`, `[H, W, C]`), outermost axis first.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Shape {
    dims: [usize; 3],
    rank: usize,
}

impl Shape {
    /// The shape with these sizes (at most three; more are dropped).
    pub fn of(dims: &[usize]) -> Shape {
        let mut s = Shape::default();
        for (slot, &d) in s.dims.iter_mut().zip(dims) {
            *slot = d;
            s.rank += 1;
        }
        s
    }
    /// The sizes, outermost first.
    pub fn dims(&self) -> &[usize] {
        self.dims.get(..self.rank).unwrap_or_default()
    }
    /// Number of elements.
    pub fn len(&self) -> usize {
        self.checked_len().unwrap_or(usize::MAX)
    }
    /// Number of elements, `None` if that overflows a `usize`.
    fn checked_len(&self) -> Option<usize> {
        self.dims()
            .iter()
            .try_fold(1usize, |p, &d| p.checked_mul(d))
    }
    /// Whether it has no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl fmt::Display for Shape {
    /// `[8, 8, 1]`, as the typed model summary prints shapes.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.dims())
    }
}

/// What [`AnyModel::layers`] says about one layer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LayerPlan {
    /// The layer as stored (`Dense<16, 1>`).
    pub desc: LayerDesc,
    /// Its input's shape.
    pub input: Shape,
    /// Its output's shape.
    pub output: Shape,
    /// Stored parameters.
    pub params: usize,
    /// Multiply-accumulates per inference (as `Layer::MACS` counts them).
    pub macs: usize,
}

/// A model read from a file's layer descriptors, run on slices (see the [module docs](self)).
#[derive(Clone, Debug)]
pub struct AnyModel<'a> {
    steps: heapless::Vec<Step, MAX_LAYERS>,
    params: &'a [f32],
    /// Longest intermediate activation.
    activation: usize,
    /// Longest convolution window.
    window: usize,
}

impl<'a> AnyModel<'a> {
    /// Plans the layers `info` describes, with `params` their parameters in file order (the
    /// values of `info.params`; `params` is borrowed, not copied).
    ///
    /// Errors: an unknown layer kind, sizes that do not describe a layer, a layer that cannot
    /// take the previous one's output, an input shape no layer fixes, or a parameter count that
    /// is not what the layers need (in the file or in `params`).
    pub fn new(info: &ModelInfo<'_>, params: &'a [f32]) -> Result<Self, PlanError> {
        let descs = info.layers();
        if info.layer_count() > MAX_LAYERS {
            return Err(PlanError::TooManyLayers {
                found: info.layer_count(),
                max: MAX_LAYERS,
            });
        }
        let mut list: heapless::Vec<LayerDesc, MAX_LAYERS> = heapless::Vec::new();
        for d in descs {
            let _ = list.push(d);
        }
        let model = Self::plan(&list, params)?;
        if !info.mean.is_empty() && info.mean.len() != model.input_len() {
            return Err(PlanError::PreprocessingLength {
                expected: model.input_len(),
                found: info.mean.len(),
            });
        }
        if info.params.len() != model.param_count() {
            return Err(PlanError::ParamCount {
                expected: model.param_count(),
                found: info.params.len(),
            });
        }
        Ok(model)
    }

    /// Plans the layers `layers` with parameters `params` (what [`AnyModel::new`] does with a
    /// file's descriptors).
    pub fn plan(layers: &[LayerDesc], params: &'a [f32]) -> Result<Self, PlanError> {
        if layers.is_empty() {
            return Err(PlanError::NoLayers);
        }
        if layers.len() > MAX_LAYERS {
            return Err(PlanError::TooManyLayers {
                found: layers.len(),
                max: MAX_LAYERS,
            });
        }
        // The input is what the first shape-fixing layer takes; only layers that keep any shape
        // may come before it.
        let mut input = None;
        for (i, desc) in layers.iter().enumerate() {
            if let Some(shape) = plan::fixed_input(desc) {
                input = Some(shape);
                break;
            }
            if !plan::keeps_any_shape(&desc.kind) {
                return Err(plan::cannot_start(i, desc));
            }
        }
        let mut shape = input.ok_or(PlanError::UnknownInputShape { layer: 0 })?;
        if shape.checked_len().is_none() {
            return Err(PlanError::TooLarge { layer: 0 });
        }
        let mut steps = heapless::Vec::new();
        let (mut first_param, mut activation, mut window) = (0usize, shape.len(), 0);
        for (i, desc) in layers.iter().enumerate() {
            let step = plan::step(i, desc, shape, first_param)?;
            first_param = first_param
                .checked_add(step.params)
                .ok_or(PlanError::TooLarge { layer: i })?;
            activation = activation.max(step.output.len());
            window = window.max(step.window);
            shape = step.output;
            let _ = steps.push(step);
        }
        if params.len() != first_param {
            return Err(PlanError::ParamCount {
                expected: first_param,
                found: params.len(),
            });
        }
        // Two activations and a window must be addressable.
        activation
            .checked_mul(2)
            .and_then(|a| a.checked_add(window))
            .and_then(|n| n.checked_mul(4))
            .ok_or(PlanError::TooLarge { layer: 0 })?;
        Ok(AnyModel {
            steps,
            params,
            activation,
            window,
        })
    }

    /// The input's shape.
    pub fn input_shape(&self) -> Shape {
        self.steps.first().map(|s| s.input).unwrap_or_default()
    }
    /// The output's shape.
    pub fn output_shape(&self) -> Shape {
        self.steps.last().map(|s| s.output).unwrap_or_default()
    }
    /// Values in one input.
    pub fn input_len(&self) -> usize {
        self.input_shape().len()
    }
    /// Values in one output.
    pub fn output_len(&self) -> usize {
        self.output_shape().len()
    }
    /// Parameters the layers hold.
    pub fn param_count(&self) -> usize {
        self.steps.iter().map(|s| s.params).sum()
    }
    /// Multiply-accumulates per inference.
    pub fn macs(&self) -> usize {
        self.steps.iter().map(|s| s.macs).sum()
    }
    /// The kind of the last layer (`"Softmax"`, `"Sigmoid"`, `"Dense"`, …): how to read the
    /// outputs.
    pub fn last_kind(&self) -> &str {
        self.steps.last().map_or("", |s| s.desc.kind.as_str())
    }
    /// `f32` values of scratch [`AnyModel::forward`] needs: two of the longest activation and the
    /// largest convolution window.
    pub fn scratch_len(&self) -> usize {
        2 * self.activation + self.window
    }
    /// Bytes of RAM one inference needs: input, output and scratch.
    pub fn inference_bytes(&self) -> usize {
        4 * (self.input_len() + self.output_len() + self.scratch_len())
    }

    /// The layer table of [`summary::write_summary`](crate::summary::write_summary) (without
    /// frozen marks: a file does not record which layers were frozen) and the plan's totals:
    /// parameters, MACs, and the RAM one [`AnyModel::forward`] needs.
    pub fn write_summary(&self, out: &mut impl fmt::Write) -> fmt::Result {
        crate::summary::write_rows(out, &|row: &mut dyn FnMut(&Row<'_>)| {
            for s in &self.steps {
                let mut name = heapless::String::<96>::new();
                let _ = write!(name, "{}", s.desc);
                row(&Row {
                    name: &name,
                    shape: s.output.dims(),
                    params: s.params,
                    macs: s.macs,
                });
            }
        })?;
        writeln!(
            out,
            "Total params: {} ({} bytes)",
            self.param_count(),
            4 * self.param_count()
        )?;
        writeln!(out, "MACs per inference: {}", self.macs())?;
        writeln!(
            out,
            "Inference RAM: {} bytes (input {}, output {}, scratch {})",
            self.inference_bytes(),
            4 * self.input_len(),
            4 * self.output_len(),
            4 * self.scratch_len()
        )
    }

    /// Every layer's shapes, parameters and MACs, in order.
    pub fn layers(&self) -> impl Iterator<Item = LayerPlan> + '_ {
        self.steps.iter().map(|s| LayerPlan {
            desc: s.desc.clone(),
            input: s.input,
            output: s.output,
            params: s.params,
            macs: s.macs,
        })
    }

    /// Runs the model on `x` (already standardized, see
    /// [`ModelInfo::standardize`]) into `y`, using `scratch`.
    ///
    /// Errors: a slice of the wrong length. Never panics, whatever the values (NaN and
    /// infinities propagate as in the typed layers).
    pub fn forward(&self, x: &[f32], scratch: &mut [f32], y: &mut [f32]) -> Result<(), RunError> {
        if x.len() != self.input_len() {
            return Err(RunError::InputLength {
                expected: self.input_len(),
                found: x.len(),
            });
        }
        if y.len() != self.output_len() {
            return Err(RunError::OutputLength {
                expected: self.output_len(),
                found: y.len(),
            });
        }
        let too_small = RunError::ScratchTooSmall {
            needed: self.scratch_len(),
            found: scratch.len(),
        };
        let (a, rest) = scratch
            .split_at_mut_checked(self.activation)
            .ok_or(too_small)?;
        let (b, window) = rest
            .split_at_mut_checked(self.activation)
            .ok_or(too_small)?;
        let window = window.get_mut(..self.window).ok_or(too_small)?;
        // Step i reads what step i − 1 wrote: x, then a and b in turn.
        for (i, step) in self.steps.iter().enumerate() {
            let params = self
                .params
                .get(step.first_param..step.first_param + step.params)
                .unwrap_or_default();
            let (src, dst): (&[f32], &mut [f32]) = match i {
                0 => (x, &mut *a),
                _ if i % 2 == 1 => (&*a, &mut *b),
                _ => (&*b, &mut *a),
            };
            let src = src.get(..step.input.len()).unwrap_or_default();
            let dst = dst.get_mut(..step.output.len()).unwrap_or_default();
            let window = window.get_mut(..step.window).unwrap_or_default();
            run(step, params, src, dst, window);
        }
        let last: &[f32] = if self.steps.len() % 2 == 1 { a } else { b };
        for (o, &v) in y.iter_mut().zip(last) {
            *o = v;
        }
        Ok(())
    }
}

/// One step on slices of exactly its input and output lengths.
fn run(step: &Step, params: &[f32], x: &[f32], y: &mut [f32], window: &mut [f32]) {
    let width = |s: Shape| s.dims().get(s.dims().len().wrapping_sub(2)).copied();
    match step.op {
        Op::Dense { inputs, outputs } => {
            let (kernel, bias) = params
                .split_at_checked(inputs * outputs)
                .unwrap_or_default();
            for ((out, row), &b) in y.iter_mut().zip(kernel.chunks_exact(inputs)).zip(bias) {
                // The same sum, in the same order, as `kernels::dense_forward`.
                *out = kernels::mac_row(b, row, x);
            }
        }
        Op::Conv {
            rows,
            cols,
            cin,
            cout,
        } => {
            let filter = window.len();
            let (kernel, bias) = params.split_at_checked(filter * cout).unwrap_or_default();
            let w = width(step.input).unwrap_or(1);
            for (q, pixel) in y.chunks_exact_mut(cout).enumerate() {
                fill_window(rows, cols, q / cols.out, q % cols.out, w, cin, x, window);
                for ((out, f), &b) in pixel.iter_mut().zip(kernel.chunks_exact(filter)).zip(bias) {
                    // As the typed convolution: the whole window, padding zeros included,
                    // summed from the bias in (kh, kw, ci) order.
                    *out = kernels::mac_row(b, f, window);
                }
            }
        }
        Op::Depthwise {
            rows,
            cols,
            channels,
        } => {
            let (kernel, bias) = params
                .split_at_checked(rows.k * cols.k * channels)
                .unwrap_or_default();
            let w = width(step.input).unwrap_or(1);
            for (q, pixel) in y.chunks_exact_mut(channels).enumerate() {
                let (r, c) = (rows.span(q / cols.out), cols.span(q % cols.out));
                for (ch, (out, &b)) in pixel.iter_mut().zip(bias).enumerate() {
                    // Only the taps inside the input, from the bias, in (kh, kw) order.
                    let mut acc = b;
                    for i in 0..r.len() {
                        for j in 0..c.len() {
                            let tap = ((r.tap + i) * cols.k + c.tap + j) * channels + ch;
                            let at = ((r.input + i) * w + c.input + j) * channels + ch;
                            if let (Some(&wv), Some(&xv)) = (kernel.get(tap), x.get(at)) {
                                acc += wv * xv;
                            }
                        }
                    }
                    *out = acc;
                }
            }
        }
        Op::MaxPool {
            rows,
            cols,
            channels,
        } => {
            let w = width(step.input).unwrap_or(1);
            pool(rows, cols, w, channels, x, y, |values, out| {
                let mut m = f32::NEG_INFINITY;
                for v in values {
                    if replaces(v, m) {
                        m = v;
                    }
                }
                *out = m;
            });
        }
        Op::AvgPool {
            rows,
            cols,
            channels,
        } => {
            let w = width(step.input).unwrap_or(1);
            pool(rows, cols, w, channels, x, y, |values, out| {
                let (mut sum, mut count) = (0.0f32, 0usize);
                for v in values {
                    sum += v;
                    count += 1;
                }
                *out = sum / count as f32;
            });
        }
        Op::GlobalAvgPool { channels } => {
            y.iter_mut().for_each(|s| *s = 0.0);
            let mut positions = 0usize;
            for p in x.chunks_exact(channels) {
                for (s, &v) in y.iter_mut().zip(p) {
                    *s += v;
                }
                positions += 1;
            }
            y.iter_mut().for_each(|s| *s /= positions as f32);
        }
        Op::BatchNorm { channels } => {
            let mut arrays = params.chunks_exact(channels);
            let (Some(gamma), Some(beta), Some(mean), Some(var)) =
                (arrays.next(), arrays.next(), arrays.next(), arrays.next())
            else {
                return;
            };
            for (xs, ys) in x.chunks_exact(channels).zip(y.chunks_exact_mut(channels)) {
                let stats = gamma.iter().zip(beta).zip(mean.iter().zip(var));
                for ((out, &v), ((&g, &b), (&m, &s2))) in ys.iter_mut().zip(xs).zip(stats) {
                    *out = normalize_value(v, m, inverse_std(s2), g, b);
                }
            }
        }
        Op::Map(f) => {
            let f: fn(f32) -> f32 = match f {
                Activation::Relu => <Relu as Elementwise>::apply,
                Activation::Relu6 => <Relu6 as Elementwise>::apply,
                Activation::Sigmoid => <Sigmoid as Elementwise>::apply,
                Activation::Tanh => <Tanh as Elementwise>::apply,
                Activation::Identity => <Identity as Elementwise>::apply,
                Activation::LeakyRelu(alpha) => {
                    for (o, &v) in y.iter_mut().zip(x) {
                        *o = leaky_relu(v, alpha);
                    }
                    return;
                }
            };
            for (o, &v) in y.iter_mut().zip(x) {
                *o = f(v);
            }
        }
        Op::Softmax => Softmax::apply(x, y),
        Op::Copy => {
            for (o, &v) in y.iter_mut().zip(x) {
                *o = v;
            }
        }
        Op::Recurrent {
            lstm,
            channels,
            units,
            sequences,
        } => {
            let sizes = (channels, units, sequences);
            if lstm {
                recurrent::lstm(params, sizes, x, y, window);
            } else {
                recurrent::gru(params, sizes, x, y, window);
            }
        }
        Op::Embedding { vocabulary, dim } => recurrent::embedding(params, (vocabulary, dim), x, y),
    }
}

/// Copies the window of output pixel (`oh`, `ow`) into `window` (`[KH][KW][CIN]`), zeros where it
/// hangs over the border.
#[allow(clippy::too_many_arguments)]
fn fill_window(
    rows: Axis,
    cols: Axis,
    oh: usize,
    ow: usize,
    width: usize,
    cin: usize,
    x: &[f32],
    window: &mut [f32],
) {
    let (r, c) = (rows.span(oh), cols.span(ow));
    if r.len() < rows.k || c.len() < cols.k {
        window.iter_mut().for_each(|w| *w = 0.0);
    }
    for i in 0..r.len() {
        let tap = ((r.tap + i) * cols.k + c.tap) * cin;
        let at = ((r.input + i) * width + c.input) * cin;
        let n = c.len() * cin;
        if let (Some(dst), Some(src)) = (window.get_mut(tap..tap + n), x.get(at..at + n)) {
            dst.copy_from_slice(src);
        }
    }
}

/// Calls `reduce` once per output element with the input values under its window, in (row,
/// column) order, the part of the window inside the input only.
fn pool(
    rows: Axis,
    cols: Axis,
    width: usize,
    channels: usize,
    x: &[f32],
    y: &mut [f32],
    reduce: impl Fn(&mut dyn Iterator<Item = f32>, &mut f32),
) {
    for (q, pixel) in y.chunks_exact_mut(channels).enumerate() {
        let (r, c) = (rows.span(q / cols.out), cols.span(q % cols.out));
        for (ch, out) in pixel.iter_mut().enumerate() {
            let mut values = (0..r.len()).flat_map(|i| {
                (0..c.len()).filter_map(move |j| {
                    x.get(((r.input + i) * width + c.input + j) * channels + ch)
                        .copied()
                })
            });
            reduce(&mut values, out);
        }
    }
}
