//! Post-training quantization: an `f32` model becomes its int8 twin (TensorFlow Lite's scheme,
//! see [`embednn::quant`]), calibrated on sample inputs; the int8 model is then scored with the
//! same loss and metrics as the `f32` one and its costs shown in the same table.
//!
//! ```
//! use host_trainer::prelude::*;
//! use host_trainer::quantize::{self, Calibration};
//!
//! type Net = (Dense<2, 8>, Relu, Dense<8, 1>, Sigmoid);
//! let x: Vec<[f32; 2]> = (0..64).map(|i| [(i % 8) as f32 / 8.0, (i / 8) as f32 / 8.0]).collect();
//! let y: Vec<[f32; 1]> = x.iter().map(|x| [f32::from(u8::from(x[0] > x[1]))]).collect();
//! let mut model = Sequential::<Net>::new(0)
//!     .compile(Adam::new(0.05), BinaryCrossEntropy)
//!     .with_metrics(&[Metric::Accuracy]);
//! model.fit(&x, &y, FitOptions { epochs: 100, verbose: Verbosity::Silent, ..Default::default() })?;
//!
//! // Calibrate on (some of) the training inputs: the int8 model's type follows from `Net`.
//! let int8 = model.quantize(&x, Calibration::MinMax)?;
//! let f32_eval = model.evaluate(&x, &y)?;
//! let int8_eval = quantize::evaluate::<Net, _>(&int8, &x, &y, &BinaryCrossEntropy, &[Metric::Accuracy])?;
//! let (a, b) = (f32_eval.metric(Metric::Accuracy), int8_eval.metric(Metric::Accuracy));
//! assert!((a.unwrap() - b.unwrap()).abs() <= 0.05, "{a:?} {b:?}");
//! println!("{}", quantize::summary(&int8)); // QDense, QClamp, … with int8 sizes
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Calibration
//!
//! Every layer's output range, and the input's, is measured on the calibration inputs
//! ([`Quantize::observe`]); NaN and infinite values are left out of every range (an input that
//! holds one still counts with its finite values).
//!
//! - [`Calibration::MinMax`]: the smallest and largest value seen (TFLite's converter).
//! - [`Calibration::Percentile`]`(p)`: the `p`-th and `(100 − p)`-th percentiles instead, so a
//!   few outliers do not stretch the range (and coarsen every step) for all other values; values
//!   beyond them saturate. Each layer's values go into a histogram of [`HISTOGRAM_BINS`] bins
//!   over its min/max range (a second pass over the samples), so memory does not grow with the
//!   number of samples; a percentile is rounded outwards to its bin's edge.
//!
//! A ReLU or ReLU6 after a layer that computes a sum is folded into that layer's output, which
//! then takes the ReLU's range.

use embednn::quant::{
    self, Context, Observer, QFixedInput, QModel, QOutput, QTensor, Quantize, Range,
};
use embednn::{Buffer, Init, Input, Layer, Loss, Model, Optimizer, Output, Tensor};
use rayon::prelude::*;

pub use embednn::quant::Quantized;

use crate::{Compiled, Evaluation, FitError, Metric, Sequential};

/// The int8 layers of `f32` model `M` (`(Dense<4, 8>, Relu, Dense<8, 3>, Softmax)` →
/// `(QDense<4, 8>, QClamp, QDense<8, 3>, QSoftmax)`); [`quantize`] returns them inside a
/// [`Quantized`], which adds the input's quantization and the output's dequantization.
pub type Int8<M> = <M as Quantize<Input<M>>>::Quantized;

/// The `f32` input of int8 model `Q` (what [`Quantized::predict`] takes).
pub type Int8Input<Q> = <<Q as QFixedInput>::Input as QTensor>::Float;
/// The `f32` output of int8 model `Q` (what [`Quantized::predict`] returns).
pub type Int8Output<Q> = <QOutput<Q> as QTensor>::Float;

/// How calibration turns the values a layer produced into its range.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub enum Calibration {
    /// From the smallest to the largest value seen.
    #[default]
    MinMax,
    /// From the `p`-th to the `(100 − p)`-th percentile of the values seen (`p` in `[0, 50)`;
    /// `0.01` keeps all but the extreme 0.01 % at each end; `0` is min/max to a bin's width).
    Percentile(f32),
}

/// Bins of the histogram [`Calibration::Percentile`] keeps per layer.
pub const HISTOGRAM_BINS: usize = 2048;

/// Why a model could not be quantized.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum QuantizeError {
    /// No calibration inputs were given.
    #[error("no calibration inputs: quantization needs sample inputs to measure ranges on")]
    NoSamples,
    /// Every calibration input value is NaN or infinite.
    #[error("the calibration inputs hold no finite value")]
    NoFiniteInput,
    /// A [`Calibration::Percentile`] outside `[0, 50)`.
    #[error("percentile {0} is outside [0, 50): give the share (in %) to cut at each end")]
    Percentile(f32),
    /// A layer could not be converted: a NaN or infinite weight or bias, or no finite output
    /// during calibration (the index and kind of the layer are in the inner error).
    #[error("{0}")]
    Layer(quant::QuantizeError),
}

impl From<quant::QuantizeError> for QuantizeError {
    fn from(e: quant::QuantizeError) -> Self {
        QuantizeError::Layer(e)
    }
}

/// The int8 twin of `model`, its ranges calibrated on `calibration` (a few hundred training
/// inputs are plenty) by `method`, the input's quantization from the calibration inputs
/// themselves.
///
/// Errors: no calibration inputs, none with a finite value, a percentile outside `[0, 50)`, and
/// from the conversion: a NaN or infinite weight or bias
/// ([`NonFiniteParameter`](quant::QuantizeError::NonFiniteParameter), naming the layer's index
/// and kind), or a layer with no finite output on any calibration input
/// ([`NoRange`](quant::QuantizeError::NoRange)).
pub fn quantize<M>(
    model: &M,
    calibration: &[Input<M>],
    method: Calibration,
) -> Result<Quantized<Int8<M>>, QuantizeError>
where
    M: Model + Quantize<Input<M>>,
{
    if let Calibration::Percentile(p) = method {
        if !(0.0..50.0).contains(&p) {
            return Err(QuantizeError::Percentile(p));
        }
    }
    if calibration.is_empty() {
        return Err(QuantizeError::NoSamples);
    }
    let depth = <M as Layer<Input<M>>>::DEPTH;
    let mut input = Range::EMPTY;
    let mut ranges = vec![Range::EMPTY; depth];
    let mut y = <Output<M> as Buffer>::ZERO;
    {
        let mut observer = Observer::new(&mut ranges);
        for x in calibration {
            input.widen(x.flat());
            observer.next_sample();
            model.observe(x, &mut y, &mut observer);
        }
    }
    if input.min > input.max {
        return Err(QuantizeError::NoFiniteInput);
    }
    if let Calibration::Percentile(p) = method {
        // A second pass: each layer's values into a histogram over its range.
        let mut input_values = Histogram::new(input);
        let mut values: Vec<Histogram> = ranges.iter().map(|&r| Histogram::new(r)).collect();
        let mut sink = |layer: usize, output: &[f32]| {
            if let Some(h) = values.get_mut(layer) {
                h.add(output);
            }
        };
        let mut extremes = vec![Range::EMPTY; depth];
        {
            let mut observer = Observer::with_values(&mut extremes, &mut sink);
            for x in calibration {
                input_values.add(x.flat());
                observer.next_sample();
                model.observe(x, &mut y, &mut observer);
            }
        }
        input = input_values.percentiles(p);
        for (r, h) in ranges.iter_mut().zip(&values) {
            *r = h.percentiles(p);
        }
    }
    let mut kinds = Vec::with_capacity(depth);
    M::layers(&mut |info| kinds.push(info.kind));
    let input = input.params();
    let mut cx = Context::new(&ranges, &kinds, input);
    let layers = model.quantize(&mut cx)?;
    Ok(Quantized {
        input,
        layers,
        output: cx.input(),
    })
}

/// Counts of a layer's finite values in [`HISTOGRAM_BINS`] equal bins over its range.
struct Histogram {
    range: Range,
    counts: Vec<u64>,
    total: u64,
}

impl Histogram {
    fn new(range: Range) -> Self {
        Histogram {
            range,
            counts: vec![0; HISTOGRAM_BINS],
            total: 0,
        }
    }

    /// The width of a bin (0 for an empty or one-point range).
    fn width(&self) -> f64 {
        let span = f64::from(self.range.max) - f64::from(self.range.min);
        if span > 0.0 {
            span / HISTOGRAM_BINS as f64
        } else {
            0.0
        }
    }

    fn add(&mut self, values: &[f32]) {
        let width = self.width();
        for &v in values.iter().filter(|v| v.is_finite()) {
            let bin = if width > 0.0 {
                ((f64::from(v) - f64::from(self.range.min)) / width) as usize
            } else {
                0
            };
            if let Some(c) = self.counts.get_mut(bin.min(HISTOGRAM_BINS - 1)) {
                *c += 1;
            }
            self.total += 1;
        }
    }

    /// From the lower edge of the bin holding the `p`-th percentile to the upper edge of the bin
    /// holding the `(100 − p)`-th (the whole range for none or one point).
    fn percentiles(&self, p: f32) -> Range {
        let width = self.width();
        if self.total == 0 || width == 0.0 {
            return self.range;
        }
        // The values strictly below the lower bound (and above the upper): at most p % of them.
        let cut = (f64::from(p) / 100.0 * self.total as f64).floor() as u64;
        let first = bin_past(self.counts.iter(), cut);
        let last = HISTOGRAM_BINS - 1 - bin_past(self.counts.iter().rev(), cut);
        let min = f64::from(self.range.min);
        let lo = if first == 0 {
            self.range.min
        } else {
            (min + first as f64 * width) as f32
        };
        let hi = if last + 1 >= HISTOGRAM_BINS {
            self.range.max
        } else {
            (min + (last + 1) as f64 * width) as f32
        };
        Range {
            min: lo,
            max: hi.max(lo),
        }
    }
}

/// The index of the first bin at which the running count exceeds `cut`.
fn bin_past<'a>(counts: impl Iterator<Item = &'a u64>, cut: u64) -> usize {
    let mut seen = 0;
    for (i, &c) in counts.enumerate() {
        seen += c;
        if seen > cut {
            return i;
        }
    }
    0
}

/// The int8 model's outputs for every input (quantize, integer layers, dequantize:
/// [`Quantized::predict`]), on all cores for large inputs like
/// [`Compiled::predict`](crate::Compiled::predict).
pub fn predict<Q>(int8: &Quantized<Q>, x: &[Int8Input<Q>]) -> Vec<Int8Output<Q>>
where
    Q: QModel + Sync,
    Int8Input<Q>: Sync,
    Int8Output<Q>: Send,
{
    let work = x.len().saturating_mul(Quantized::<Q>::MACS);
    if x.len() > 1 && rayon::current_num_threads() > 1 && work >= PARALLEL_MACS {
        x.par_iter().map(|x| int8.predict(x)).collect()
    } else {
        x.iter().map(|x| int8.predict(x)).collect()
    }
}

/// Multiply-accumulates over a whole [`predict`] call from which it uses threads.
const PARALLEL_MACS: usize = 120_000;

/// Loss and `metrics` of the int8 twin of `f32` model `M` on a data set, computed exactly as
/// [`Compiled::evaluate`](crate::Compiled::evaluate) computes them for `M` (the same code, the
/// outputs read for what `M` ends in), so the two [`Evaluation`]s compare directly. Name `M`:
/// `quantize::evaluate::<Net, _>(&int8, &x, &y, &CategoricalCrossEntropy, &[Metric::Accuracy])`.
///
/// A loss that does not fit how `M` ends fails the build, as in
/// [`Sequential::compile`](crate::Sequential::compile).
///
/// Errors: `x` and `y` of different lengths ([`FitError::LengthMismatch`] naming the
/// `"evaluation"` set, before any inference).
pub fn evaluate<M, L>(
    int8: &Quantized<Int8<M>>,
    x: &[Input<M>],
    y: &[Output<M>],
    loss: &L,
    metrics: &[Metric],
) -> Result<Evaluation, FitError>
where
    M: Model + Quantize<Input<M>>,
    Int8<M>: QModel + Sync,
    <Int8<M> as QFixedInput>::Input: QTensor<Float = Input<M>>,
    QOutput<Int8<M>>: QTensor<Float = Output<M>>,
    Input<M>: Sync,
    Output<M>: Send,
    L: Loss<Output<M>, Target = Output<M>>,
{
    const { embednn::loss::check_pairing::<M, L>() };
    let ending = <M as Layer<Input<M>>>::ENDING;
    crate::scoring::evaluation(x, y, |x| predict(int8, x), loss, metrics, ending)
}

/// The int8 model's Keras-like table: each int8 layer's kind, output shape, parameter bytes,
/// MACs and output bytes, then [`Quantized::PARAM_BYTES`], [`Quantized::MACS`] and
/// [`Quantized::INFERENCE_BYTES`] (see `embednn::summary::write_quantized_summary`).
pub fn summary<Q: QModel>(_int8: &Quantized<Q>) -> String {
    let mut s = String::new();
    let _ = embednn::summary::write_quantized_summary::<Q>(&mut s);
    s
}

impl<M> Sequential<M>
where
    M: Model + Init + Clone + Send + Sync + Quantize<Input<M>>,
{
    /// The int8 twin of the model, calibrated on `calibration` by `method` ([`quantize`]).
    pub fn quantize(
        &self,
        calibration: &[Input<M>],
        method: Calibration,
    ) -> Result<Quantized<Int8<M>>, QuantizeError> {
        quantize(self.model(), calibration, method)
    }
}

impl<M, L, O> Compiled<M, L, O>
where
    M: Model + Init + Clone + Send + Sync + Quantize<Input<M>>,
    Input<M>: Send + Sync,
    Output<M>: Send + Sync,
    embednn::Trace<M>: Send,
    embednn::Gradient<M>: Send,
    embednn::BatchScratch<M>: Send,
    L: Loss<Output<M>, Target = Output<M>> + Sync,
    O: Optimizer,
{
    /// The int8 twin of the model, calibrated on `calibration` by `method` ([`quantize`]).
    pub fn quantize(
        &self,
        calibration: &[Input<M>],
        method: Calibration,
    ) -> Result<Quantized<Int8<M>>, QuantizeError> {
        quantize(self.model(), calibration, method)
    }
}
