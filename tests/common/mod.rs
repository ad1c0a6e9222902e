//! Central finite-difference gradient checks shared by the integration tests.
#![allow(dead_code)]

use embednn::{Buffer, Layer, Loss, Rng, Tensor};

/// Relative error between two gradient arrays: ‖a − n‖ / max(‖a‖, ‖n‖), or the absolute
/// difference when both norms are below 1e-4 (a gradient that is zero in exact arithmetic, such
/// as a bias before a batch norm, is then compared in absolute terms).
pub fn relative_error(analytic: &[f64], numeric: &[f64]) -> f64 {
    let diff: f64 = analytic
        .iter()
        .zip(numeric)
        .map(|(a, n)| (a - n) * (a - n))
        .sum::<f64>()
        .sqrt();
    let na = analytic.iter().map(|a| a * a).sum::<f64>().sqrt();
    let nn = numeric.iter().map(|n| n * n).sum::<f64>().sqrt();
    let scale = na.max(nn);
    if scale < 1e-4 {
        diff
    } else {
        diff / scale
    }
}

/// A random tensor with every element at least `margin` away from zero (so ReLU-like kinks are
/// not crossed by the finite-difference step).
pub fn random_tensor<T: Tensor>(rng: &mut Rng, scale: f32, margin: f32) -> T {
    let mut t = T::ZERO;
    for v in t.flat_mut() {
        let mut x = rng.uniform(-scale, scale);
        if x.abs() < margin {
            x = if x < 0.0 { -margin } else { margin };
        }
        *v = x;
    }
    t
}

/// The scalar objective Σ cᵢ·yᵢ (in f64) of the layer's training forward pass.
fn objective<X: Tensor, L: Layer<X>>(layer: &L, x: &X, c: &[f64], seed: u64) -> f64 {
    let mut y = <L::Output as Buffer>::ZERO;
    let mut cache = <L::Cache as Buffer>::ZERO;
    layer.forward_train(x, &mut y, &mut cache, &mut Rng::seed(seed));
    y.flat()
        .iter()
        .zip(c)
        .map(|(&y, &c)| f64::from(y) * c)
        .sum()
}

/// Report of one check: the worst relative error over the input gradient and every trainable
/// parameter array, and how many scalars were checked.
#[derive(Debug)]
pub struct Report {
    pub input_error: f64,
    pub param_errors: Vec<f64>,
    pub checked: usize,
}

impl Report {
    pub fn worst(&self) -> f64 {
        self.param_errors
            .iter()
            .copied()
            .fold(self.input_error, f64::max)
    }
}

/// Checks `backward` of `layer` at input `x` against central differences with step `h`.
pub fn check_layer<X: Tensor, L: Layer<X> + Clone>(layer: &L, x: &X, h: f32, seed: u64) -> Report {
    let mut rng = Rng::seed(seed ^ 0xC0FFEE);
    let c: Vec<f64> = (0..<L::Output as Buffer>::LEN)
        .map(|_| f64::from(rng.uniform(-1.0, 1.0)))
        .collect();

    // Analytic: dy = c.
    let mut y = <L::Output as Buffer>::ZERO;
    let mut cache = <L::Cache as Buffer>::ZERO;
    layer.forward_train(x, &mut y, &mut cache, &mut Rng::seed(seed));
    let mut dy = <L::Output as Buffer>::ZERO;
    for (d, &c) in dy.flat_mut().iter_mut().zip(&c) {
        *d = c as f32;
    }
    let mut dx = X::ZERO;
    let mut grad = <L::Gradient as Buffer>::ZERO;
    layer.backward(x, &y, &cache, &dy, Some(&mut dx), Some(&mut grad));

    // Numeric input gradient.
    let mut numeric = Vec::new();
    for i in 0..X::LEN {
        let mut xp = *x;
        xp.flat_mut()[i] += h;
        let mut xm = *x;
        xm.flat_mut()[i] -= h;
        let lp = objective(layer, &xp, &c, seed);
        let lm = objective(layer, &xm, &c, seed);
        numeric.push((lp - lm) / (2.0 * f64::from(h)));
    }
    let analytic: Vec<f64> = dx.flat().iter().map(|&v| f64::from(v)).collect();
    let input_error = relative_error(&analytic, &numeric);
    let mut checked = X::LEN;

    let (param_errors, params) = compare_params(layer, &mut grad, h, |l| objective(l, x, &c, seed));
    checked += params;
    Report {
        input_error,
        param_errors,
        checked,
    }
}

/// Compares each trainable parameter array's analytic gradient (`grad`, in visiting order) with
/// central differences of `objective`; returns the relative errors and the scalars checked.
fn compare_params<L: embednn::Params + Clone>(
    layer: &L,
    grad: &mut L::Gradient,
    h: f32,
    objective: impl Fn(&L) -> f64,
) -> (Vec<f64>, usize) {
    let mut analytic: Vec<Vec<f64>> = Vec::new();
    layer.clone().visit_trainable(grad, [], &mut |slot| {
        analytic.push(slot.grad.iter().map(|&g| f64::from(g)).collect());
    });
    let mut errors = Vec::new();
    let mut checked = 0;
    for (k, analytic) in analytic.iter().enumerate() {
        let numeric: Vec<f64> = (0..analytic.len())
            .map(|j| {
                let perturbed = |delta: f32| {
                    let mut l = layer.clone();
                    let mut scratch = <L::Gradient as Buffer>::ZERO;
                    let mut index = 0;
                    l.visit_trainable(&mut scratch, [], &mut |slot| {
                        if index == k {
                            slot.value[j] += delta;
                        }
                        index += 1;
                    });
                    objective(&l)
                };
                (perturbed(h) - perturbed(-h)) / (2.0 * f64::from(h))
            })
            .collect();
        checked += analytic.len();
        errors.push(relative_error(analytic, &numeric));
    }
    (errors, checked)
}

/// Checks a loss's gradient with respect to the prediction.
pub fn check_loss<Y: Tensor, L: Loss<Y>>(loss: &L, p: &Y, t: &L::Target, h: f32) -> f64 {
    let mut g = Y::ZERO;
    loss.loss_and_gradient(p, t, &mut g);
    let analytic: Vec<f64> = g.flat().iter().map(|&v| f64::from(v)).collect();
    let numeric: Vec<f64> = (0..Y::LEN)
        .map(|i| {
            let mut pp = *p;
            pp.flat_mut()[i] += h;
            let mut pm = *p;
            pm.flat_mut()[i] -= h;
            (f64::from(loss.loss(&pp, t)) - f64::from(loss.loss(&pm, t))) / (2.0 * f64::from(h))
        })
        .collect();
    relative_error(&analytic, &numeric)
}

/// A batch in vectors, for checking layer-major passes from the outside.
pub struct VecBatch<'a, X, Y, C, S> {
    pub xs: &'a [X],
    pub ys: &'a mut [Y],
    pub caches: &'a mut [C],
    pub dys: &'a [Y],
    pub dxs: Option<&'a mut [X]>,
    pub scratch: &'a mut [S],
}

impl<X, Y, C, S> embednn::ForwardBatch<X, Y, C> for VecBatch<'_, X, Y, C, S> {
    fn len(&self) -> usize {
        self.xs.len()
    }
    fn sample(&mut self, i: usize) -> Option<(&X, &mut Y, &mut C)> {
        Some((
            self.xs.get(i)?,
            self.ys.get_mut(i)?,
            self.caches.get_mut(i)?,
        ))
    }
}

impl<X, Y, C, S> embednn::BackwardBatch<X, Y, C, S> for VecBatch<'_, X, Y, C, S> {
    fn len(&self) -> usize {
        self.xs.len()
    }
    fn sample(&mut self, i: usize) -> Option<embednn::BackwardSample<'_, X, Y, C, S>> {
        Some(embednn::BackwardSample {
            x: self.xs.get(i)?,
            y: self.ys.get(i)?,
            cache: self.caches.get(i)?,
            dy: self.dys.get(i)?,
            dx: match &mut self.dxs {
                Some(d) => Some(d.get_mut(i)?),
                None => None,
            },
            scratch: self.scratch.get_mut(i)?,
        })
    }
}

/// Σ over the batch of Σ cᵢ·yᵢ after a layer-major training forward pass (on a clone, since the
/// pass updates batch-norm moving averages).
fn batch_objective<X: Tensor, L: Layer<X> + Clone>(layer: &L, xs: &[X], c: &[Vec<f64>]) -> f64 {
    let mut l = layer.clone();
    let mut ys = vec![<L::Output as Buffer>::ZERO; xs.len()];
    let mut caches = vec![<L::Cache as Buffer>::ZERO; xs.len()];
    let mut scratch = vec![<L::Cache as Buffer>::ZERO; xs.len()];
    let mut batch = VecBatch {
        xs,
        ys: &mut ys,
        caches: &mut caches,
        dys: &[],
        dxs: None,
        scratch: &mut scratch,
    };
    l.forward_train_batch(&mut batch, &mut Rng::seed(1));
    ys.iter()
        .zip(c)
        .map(|(y, c)| {
            y.flat()
                .iter()
                .zip(c)
                .map(|(&y, &c)| f64::from(y) * c)
                .sum::<f64>()
        })
        .sum()
}

/// Checks `backward_batch` (input and parameter gradients) against central differences of the
/// batch objective.
pub fn check_batch<X: Tensor, L: Layer<X> + Clone>(layer: &L, xs: &[X], h: f32) -> Report {
    let mut rng = Rng::seed(0xBA7C);
    let c: Vec<Vec<f64>> = xs
        .iter()
        .map(|_| {
            (0..<L::Output as Buffer>::LEN)
                .map(|_| f64::from(rng.uniform(-1.0, 1.0)))
                .collect()
        })
        .collect();
    // Analytic.
    let mut l = layer.clone();
    let mut ys = vec![<L::Output as Buffer>::ZERO; xs.len()];
    let mut caches = vec![<L::Cache as Buffer>::ZERO; xs.len()];
    let mut scratch = vec![<L::Cache as Buffer>::ZERO; xs.len()];
    {
        let mut batch = VecBatch {
            xs,
            ys: &mut ys,
            caches: &mut caches,
            dys: &[],
            dxs: None,
            scratch: &mut scratch,
        };
        l.forward_train_batch(&mut batch, &mut Rng::seed(1));
    }
    let dys: Vec<L::Output> = c
        .iter()
        .map(|c| {
            let mut d = <L::Output as Buffer>::ZERO;
            d.flat_mut()
                .iter_mut()
                .zip(c)
                .for_each(|(d, &c)| *d = c as f32);
            d
        })
        .collect();
    let mut dxs = vec![X::ZERO; xs.len()];
    let mut grad = <L::Gradient as Buffer>::ZERO;
    {
        let mut batch = VecBatch {
            xs,
            ys: &mut ys,
            caches: &mut caches,
            dys: &dys,
            dxs: Some(&mut dxs),
            scratch: &mut scratch,
        };
        layer.backward_batch(&mut batch, Some(&mut grad));
    }
    // Numeric input gradient, every element of every sample.
    let mut analytic = Vec::new();
    let mut numeric = Vec::new();
    for (s, dx) in dxs.iter().enumerate() {
        for i in 0..X::LEN {
            let mut plus = xs.to_vec();
            plus[s].flat_mut()[i] += h;
            let mut minus = xs.to_vec();
            minus[s].flat_mut()[i] -= h;
            numeric.push(
                (batch_objective(layer, &plus, &c) - batch_objective(layer, &minus, &c))
                    / (2.0 * f64::from(h)),
            );
            analytic.push(f64::from(dx.flat()[i]));
        }
    }
    let input_error = relative_error(&analytic, &numeric);
    let mut checked = analytic.len();
    let (param_errors, params) =
        compare_params(layer, &mut grad, h, |l| batch_objective(l, xs, &c));
    checked += params;
    Report {
        input_error,
        param_errors,
        checked,
    }
}
