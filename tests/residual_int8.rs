//! int8 residual connections: TFLite's int8 `ADD` against a naive transcription of its reference
//! kernel (every input pair, many scale pairs), and `Residual`/`Add` models quantized with
//! calibration, the following ReLU folded into the add, against their `f32` twins.

use embednn::prelude::*;
use embednn::quant::{
    Context, Observer, OutputStage, QAdd, QAddParams, QClamp, QLayer, QParams, QResidual, Quantize,
    Quantized, Range,
};
use embednn::{Add, LayerInfo, Residual};

/// TFLite's `QuantizeMultiplier`, naively: `frexp` from the bits, the mantissa rounded half away
/// from zero to Q31.
fn quantize_multiplier(m: f64) -> (i64, i32) {
    assert!(m > 0.0 && m.is_finite());
    // frexp for normal numbers (the multipliers here are): m = q · 2^exp, q in [0.5, 1).
    let mut exp = ((m.to_bits() >> 52) & 0x7ff) as i32 - 1022;
    let q = m / 2f64.powi(exp);
    assert!((0.5..1.0).contains(&q));
    let mut fixed = (q * 2f64.powi(31)).round() as i64;
    if fixed == 1 << 31 {
        fixed /= 2;
        exp += 1;
    }
    if exp < -31 {
        return (0, 0);
    }
    (fixed, exp)
}

/// gemmlowp's SaturatingRoundingDoublingHighMul, naively in i128.
fn high_mul(a: i64, b: i64) -> i64 {
    if a == i32::MIN as i64 && b == i32::MIN as i64 {
        return i32::MAX as i64;
    }
    let ab = a as i128 * b as i128;
    let nudge: i128 = if ab >= 0 { 1 << 30 } else { 1 - (1 << 30) };
    ((ab + nudge) / (1i128 << 31)) as i64 // truncating, as C++
}

/// gemmlowp's RoundingDivideByPOT, naively.
fn divide_by_pot(x: i64, exponent: i32) -> i64 {
    let mask = (1i64 << exponent) - 1;
    let remainder = x & mask;
    let threshold = (mask >> 1) + i64::from(x < 0);
    (x >> exponent) + i64::from(remainder > threshold)
}

fn smaller_than_one(x: i64, (m, shift): (i64, i32)) -> i64 {
    assert!(shift <= 0, "a multiplier below one has no left shift");
    divide_by_pot(high_mul(x, m), -shift)
}

/// TFLite's int8 ADD: `Prepare` (left shift 20, per-input multipliers, output multiplier) and
/// `AddElementwise`, written out as the C++ does it.
#[allow(clippy::too_many_arguments)] // the kernel's own parameter list
fn tflite_add(
    a: i8,
    b: i8,
    s1: f32,
    z1: i32,
    s2: f32,
    z2: i32,
    so: f32,
    zo: i32,
    lo: i32,
    hi: i32,
) -> i8 {
    let left_shift = 20;
    let twice_max_input_scale = 2.0 * (s1.max(s2) as f64);
    let real_input1_multiplier = s1 as f64 / twice_max_input_scale;
    let real_input2_multiplier = s2 as f64 / twice_max_input_scale;
    let real_output_multiplier = twice_max_input_scale / (((1 << left_shift) as f32 * so) as f64);
    let m1 = quantize_multiplier(real_input1_multiplier);
    let m2 = quantize_multiplier(real_input2_multiplier);
    let mo = quantize_multiplier(real_output_multiplier);
    let input1_val = -z1 as i64 + a as i64;
    let input2_val = -z2 as i64 + b as i64;
    let shifted_input1_val = input1_val * (1 << left_shift);
    let shifted_input2_val = input2_val * (1 << left_shift);
    let scaled_input1_val = smaller_than_one(shifted_input1_val, m1);
    let scaled_input2_val = smaller_than_one(shifted_input2_val, m2);
    let raw_sum = scaled_input1_val + scaled_input2_val;
    let raw_output = smaller_than_one(raw_sum, mo) + zo as i64;
    raw_output.clamp(lo as i64, hi as i64) as i8
}

#[test]
fn int8_add_is_tflites_for_every_input_pair() {
    let scales: [(f32, i32); 7] = [
        (0.0235, -128),
        (0.0235, -3),
        (0.05, 12),
        (0.0117, 127),
        (0.1, 0),
        (0.003921569, -128),
        (0.0470588, -7),
    ];
    let mut rng = Rng::seed(21);
    let mut checked = 0usize;
    for (i, &(s1, z1)) in scales.iter().enumerate() {
        for &(s2, z2) in scales.iter().skip(i) {
            // An output range that covers the sum (as calibration picks it), and a tighter one.
            for widen in [1.0f32, 0.6] {
                let lo = widen * (s1 * (-128 - z1) as f32 + s2 * (-128 - z2) as f32);
                let hi = widen * (s1 * (127 - z1) as f32 + s2 * (127 - z2) as f32);
                let out = QParams::from_range(lo, hi);
                for relu in [false, true] {
                    let mut stage = OutputStage::new(out);
                    if relu {
                        stage = stage.clamped(out, 0.0, f32::INFINITY);
                    }
                    let params = QAddParams::new(
                        QParams {
                            scale: s1,
                            zero_point: z1,
                        },
                        QParams {
                            scale: s2,
                            zero_point: z2,
                        },
                        out,
                        stage,
                    );
                    // Every pair for one combination in four; a random sample otherwise.
                    let every = rng.uniform(0.0, 1.0) < 0.25;
                    let pairs: Vec<(i8, i8)> = if every {
                        (-128..=127i32)
                            .flat_map(|a| (-128..=127i32).map(move |b| (a as i8, b as i8)))
                            .collect()
                    } else {
                        (0..2000)
                            .map(|_| {
                                (
                                    rng.uniform(-128.0, 128.0).floor() as i8,
                                    rng.uniform(-128.0, 128.0).floor() as i8,
                                )
                            })
                            .chain([(-128, -128), (127, 127), (-128, 127), (127, -128)])
                            .collect()
                    };
                    for (a, b) in pairs {
                        let want = tflite_add(
                            a,
                            b,
                            s1,
                            z1,
                            s2,
                            z2,
                            out.scale,
                            out.zero_point,
                            stage.min as i32,
                            stage.max as i32,
                        );
                        assert_eq!(
                            params.add(a, b),
                            want,
                            "add({a}, {b}) with s1 {s1} z1 {z1}, s2 {s2} z2 {z2}, out {out:?}, relu {relu}"
                        );
                        checked += 1;
                    }
                }
            }
        }
    }
    assert!(checked > 500_000, "{checked}");
}

#[test]
fn int8_add_is_close_to_the_real_sum() {
    let (p1, p2) = (
        QParams {
            scale: 0.02,
            zero_point: -5,
        },
        QParams {
            scale: 0.05,
            zero_point: 10,
        },
    );
    let out = QParams::from_range(-10.0, 10.0);
    let params = QAddParams::new(p1, p2, out, OutputStage::new(out));
    for a in [-128i8, -60, 0, 33, 127] {
        for b in [-128i8, -1, 10, 90, 127] {
            let real = p1.dequantize(a) + p2.dequantize(b);
            let got = out.dequantize(params.add(a, b));
            assert!(
                (got - real).abs() <= out.scale,
                "{a} + {b}: {got} vs {real}"
            );
        }
    }
}

/// Calibrates `model` on `xs` and quantizes it (what the host trainer's `quantize` does).
fn quantize<M>(model: &M, xs: &[Input<M>]) -> Quantized<M::Quantized>
where
    M: Model + Quantize<Input<M>>,
{
    let depth = <M as Layer<Input<M>>>::DEPTH;
    let mut ranges = vec![Range::EMPTY; depth];
    let mut input = Range::EMPTY;
    {
        let mut observer = Observer::new(&mut ranges);
        let mut y = <Output<M> as Buffer>::ZERO;
        for x in xs {
            input.widen(x.flat());
            observer.next_sample();
            model.observe(x, &mut y, &mut observer);
        }
    }
    let mut kinds = Vec::new();
    M::layers(&mut |l: LayerInfo| kinds.push(l.kind));
    assert_eq!(kinds.len(), depth);
    let input = input.params();
    let mut cx = Context::new(&ranges, &kinds, input);
    let layers = model.quantize(&mut cx).unwrap();
    Quantized {
        input,
        layers,
        output: cx.input(),
    }
}

#[test]
fn quantized_residual_models_follow_their_f32_twins() {
    type Block = Residual<(
        Conv2d<8, 8, 4, 4, 3, 3, 1, 1, 8, 8, Same>,
        Relu,
        Conv2d<8, 8, 4, 4, 3, 3, 1, 1, 8, 8, Same>,
    )>;
    type Projection = Add<
        (
            Conv2d<8, 8, 4, 6, 3, 3, 2, 2, 4, 4, Same>,
            Relu,
            Conv2d<4, 4, 6, 6, 3, 3, 1, 1, 4, 4, Same>,
        ),
        Conv2d<8, 8, 4, 6, 1, 1, 2, 2, 4, 4, Same>,
    >;
    type Net = (
        Conv2d<8, 8, 3, 4, 3, 3, 1, 1, 8, 8, Same>,
        Relu,
        Block,
        Relu,
        Projection,
        Relu,
        GlobalAvgPool,
        Dense<6, 3>,
    );
    embednn::check!(Net);
    type NetInt8 = <Net as Quantize<Input<Net>>>::Quantized;
    // The int8 type follows from the f32 one.
    let _: fn(NetInt8) -> (_, QClamp, QResidual<_>, QClamp, QAdd<_, _>, QClamp, _, _) = |m| m;

    let mut rng = Rng::seed(31);
    let model = Net::init(Initializer::HeUniform, &mut rng);
    let xs: Vec<Input<Net>> = (0..64)
        .map(|_| {
            let mut x = <Input<Net> as Buffer>::ZERO;
            for v in x.flat_mut() {
                *v = rng.uniform(-1.0, 1.0);
            }
            x
        })
        .collect();
    let q = quantize(&model, &xs);
    // The ReLUs after the adds folded into them: clamps that do nothing.
    assert_eq!(q.layers.3, QClamp::FOLDED);
    assert_eq!(q.layers.5, QClamp::FOLDED);
    // The adds' outputs take the ReLUs' ranges, [0, max]: real zero is the lowest level.
    assert_eq!(q.layers.2.add.stage.zero_point, -128);
    assert_eq!(q.layers.4.add.stage.zero_point, -128);
    // And the inner convolutions kept their own outputs: the block's last conv did not fold the
    // ReLU after the block.
    assert_eq!(q.layers.2.block.2.output.min, i8::MIN);

    // int8 inference follows the f32 model within the quantization error.
    let (mut worst, mut scale) = (0.0f32, 0.0f32);
    for x in &xs {
        let f = model.predict(x);
        let i = q.predict(x);
        for (a, b) in f.iter().zip(&i) {
            worst = worst.max((a - b).abs());
            scale = scale.max(a.abs());
        }
    }
    assert!(
        worst <= 0.05 * scale.max(1.0),
        "worst error {worst} on outputs up to {scale}"
    );

    // The description lists each combinator before its branches, as the f32 one does.
    let mut kinds = Vec::new();
    <NetInt8 as QLayer<_>>::describe(&mut |l| kinds.push(l.kind));
    assert_eq!(kinds.len(), <Net as Layer<Input<Net>>>::DEPTH);
    assert_eq!(kinds[2], "QResidual");
    assert_eq!(kinds[7], "QAdd");
}
