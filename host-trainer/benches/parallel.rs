//! Where threads start to pay in `fit` and `predict`: the same training run on one thread and on
//! all cores, for models and batch sizes spanning four orders of magnitude of work per batch.
//!
//! Prints one Markdown table row per case (median time per batch, serial and parallel, and the
//! speed-up) and the smallest work per batch from which every measured case gains. The
//! thresholds in `host-trainer/src/fit/batch.rs` come from this run. Parallel and serial runs
//! are forced with the `EMBEDNN_PARALLEL_MACS` override (`0`: always; `parallel: false`: never);
//! the weights of the two runs are compared bit for bit.
//!
//! Run: `cargo bench -p host-trainer --bench parallel` (add `-- --repeats N`, default 7; and
//! `--min-macs A --max-macs B` for only the cases whose work per batch lies in between).

use std::hint::black_box;
use std::time::Instant;

use embednn::format::{ModelFile, Preprocessing};
use embednn::model::{BatchScratch, Gradient, Input, Output, Trace};
use embednn::prelude::*;
use host_trainer::{FitOptions, Sequential, Verbosity};

type Tiny = (Dense<2, 10>, Relu, Dense<10, 1>);
type Small = (Dense<4, 16>, Relu, Dense<16, 3>);
type Mid = (Dense<16, 32>, Relu, Dense<32, 32>, Relu, Dense<32, 4>);
type Digits = (Dense<64, 64>, Relu, Dense<64, 10>);
type Wide = (Dense<64, 256>, Relu, Dense<256, 256>, Relu, Dense<256, 10>);
/// The digits CNN of `examples/models` (convolutions: many MACs per parameter).
type Cnn = (
    Conv2d<8, 8, 1, 16, 3, 3, 1, 1, 8, 8, Same>,
    Relu,
    MaxPool2d<2, 2, 2, 2, 4, 4>,
    Conv2d<4, 4, 16, 32, 3, 3, 1, 1, 4, 4, Same>,
    Relu,
    MaxPool2d<2, 2, 2, 2, 2, 2>,
    Flatten<128>,
    Dense<128, 10>,
);

const VAR: &str = "EMBEDNN_PARALLEL_MACS";

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Whether a case's work per batch lies within `--min-macs` and `--max-macs`.
fn in_range(work: usize) -> bool {
    (arg("--min-macs", 0)..=arg("--max-macs", usize::MAX)).contains(&work)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn data<M: Model>(n: usize) -> (Vec<Input<M>>, Vec<Output<M>>)
where
    Input<M>: Tensor,
    Output<M>: Tensor,
{
    let mut rng = Rng::seed(1);
    let mut x = vec![<Input<M> as Buffer>::ZERO; n];
    let mut y = vec![<Output<M> as Buffer>::ZERO; n];
    for v in &mut x {
        v.flat_mut()
            .iter_mut()
            .for_each(|e| *e = rng.uniform(-1.0, 1.0));
    }
    for v in &mut y {
        v.flat_mut()
            .iter_mut()
            .for_each(|e| *e = rng.uniform(0.0, 1.0));
    }
    (x, y)
}

fn set_override(value: Option<&str>) {
    // Only this (main) thread reads or writes the environment while no fit is running.
    match value {
        Some(v) => std::env::set_var(VAR, v),
        None => std::env::remove_var(VAR),
    }
}

/// Seconds per batch of one `fit` epoch and the trained weights' bytes.
fn fit_once<M>(x: &[Input<M>], y: &[Output<M>], batch: usize, parallel: bool) -> (f64, Vec<u8>)
where
    M: Model + Init + Clone + Send + Sync,
    Input<M>: Tensor + Send + Sync,
    Output<M>: Tensor + Send + Sync,
    Trace<M>: Send,
    Gradient<M>: Send,
    BatchScratch<M>: Send,
    Mse: Loss<Output<M>, Target = Output<M>> + Sync,
{
    set_override(parallel.then_some("0"));
    let mut model = Sequential::<M>::new(3).compile(Sgd::new(0.001), Mse);
    let options = FitOptions {
        epochs: 1,
        batch_size: batch,
        verbose: Verbosity::Silent,
        parallel,
        ..Default::default()
    };
    let t = Instant::now();
    black_box(model.fit(x, y, options).expect("fit"));
    let seconds = t.elapsed().as_secs_f64() / x.len().div_ceil(batch) as f64;
    set_override(None);
    let mut bytes = vec![0; ModelFile::<M>::MAX_BYTES];
    let n = ModelFile::write(model.model(), &Preprocessing::default(), &mut bytes).unwrap();
    bytes.truncate(n);
    (seconds, bytes)
}

struct Row {
    work: usize,
    speedup: f64,
}

fn fit_case<M>(name: &str, batch: usize, repeats: usize, rows: &mut Vec<Row>)
where
    M: Model + Init + Clone + Send + Sync,
    Input<M>: Tensor + Send + Sync,
    Output<M>: Tensor + Send + Sync,
    Trace<M>: Send,
    Gradient<M>: Send,
    BatchScratch<M>: Send,
    Mse: Loss<Output<M>, Target = Output<M>> + Sync,
{
    let work = 3 * batch * M::MACS;
    if !in_range(work) {
        return;
    }
    // About 0.1 s of single-thread work per epoch (10^9 MACs at ~10 G MAC/s), at least 16
    // batches.
    let n = (1_000_000_000 / (3 * M::MACS)).clamp(16 * batch, 400_000) / batch * batch;
    let (x, y) = data::<M>(n);
    let (mut serial, mut parallel) = (Vec::new(), Vec::new());
    fit_once::<M>(&x, &y, batch, true); // warm-up: threads started, pages touched
    for _ in 0..repeats {
        let (s, a) = fit_once::<M>(&x, &y, batch, false);
        let (p, b) = fit_once::<M>(&x, &y, batch, true);
        assert_eq!(
            a, b,
            "{name}, batch {batch}: serial and parallel weights differ"
        );
        serial.push(s);
        parallel.push(p);
    }
    let (s, p) = (median(serial), median(parallel));
    println!(
        "| fit | {name} | {} | {batch} | {work} | {:.1} | {:.1} | {:.2} |",
        M::MACS,
        s * 1e6,
        p * 1e6,
        s / p
    );
    rows.push(Row {
        work,
        speedup: s / p,
    });
}

fn predict_case<M>(name: &str, samples: usize, repeats: usize, rows: &mut Vec<Row>)
where
    M: Model + Init + Clone + Send + Sync,
    Input<M>: Tensor + Send + Sync,
    Output<M>: Tensor + Send + Sync,
    Trace<M>: Send,
    Gradient<M>: Send,
    BatchScratch<M>: Send,
    Mse: Loss<Output<M>, Target = Output<M>> + Sync,
{
    let work = samples * M::MACS;
    if !in_range(work) {
        return;
    }
    let (x, y) = data::<M>(samples);
    let model = Sequential::<M>::new(3).compile(Sgd::new(0.001), Mse);
    // Enough calls for about 0.1 s of single-thread work (10^9 MACs at ~10 G MAC/s).
    let calls = (1_000_000_000 / work.max(1)).clamp(1, 1_000_000);
    let time = |threads: &str| {
        set_override(Some(threads));
        let t = Instant::now();
        for _ in 0..calls {
            black_box(model.predict(black_box(&x)));
        }
        set_override(None);
        t.elapsed().as_secs_f64() / calls as f64
    };
    assert_eq!(
        {
            set_override(Some("0"));
            model.predict(&x)
        },
        {
            set_override(Some(&usize::MAX.to_string()));
            model.predict(&x)
        }
    );
    let never = usize::MAX.to_string();
    let (mut serial, mut parallel) = (Vec::new(), Vec::new());
    time("0");
    for _ in 0..repeats {
        serial.push(time(&never));
        parallel.push(time("0"));
    }
    drop(y);
    let (s, p) = (median(serial), median(parallel));
    println!(
        "| predict | {name} | {} | {samples} | {work} | {:.1} | {:.1} | {:.2} |",
        M::MACS,
        s * 1e6,
        p * 1e6,
        s / p
    );
    rows.push(Row {
        work,
        speedup: s / p,
    });
}

/// The smallest measured work from which every larger case gains at least `gain`.
fn crossover(rows: &[Row], gain: f64) -> Option<usize> {
    let mut sorted: Vec<&Row> = rows.iter().collect();
    sorted.sort_by_key(|r| r.work);
    let mut from = None;
    for r in sorted.iter().rev() {
        if r.speedup >= gain {
            from = Some(r.work);
        } else {
            break;
        }
    }
    from
}

fn main() {
    let repeats = arg("--repeats", 7);
    println!(
        "{} threads. Median of {repeats} runs; µs per batch (fit) or per call (predict).\n",
        rayon::current_num_threads()
    );
    println!("| | model | MACs | batch | MACs per batch | serial µs | parallel µs | speed-up |");
    println!("|---|---|---|---|---|---|---|---|");
    let mut fit_rows = Vec::new();
    for batch in [32, 64, 128, 192, 256, 384, 512, 768, 1024, 2048] {
        fit_case::<Tiny>("2-10-1", batch, repeats, &mut fit_rows);
        fit_case::<Small>("4-16-3", batch, repeats, &mut fit_rows);
        fit_case::<Mid>("16-32-32-4", batch, repeats, &mut fit_rows);
        fit_case::<Digits>("64-64-10", batch, repeats, &mut fit_rows);
        fit_case::<Wide>("64-256-256-10", batch, repeats, &mut fit_rows);
        fit_case::<Cnn>("digits CNN", batch, repeats, &mut fit_rows);
    }
    let mut predict_rows = Vec::new();
    for samples in [16, 64, 256, 512, 1024, 2048, 4096] {
        predict_case::<Tiny>("2-10-1", samples, repeats, &mut predict_rows);
        predict_case::<Small>("4-16-3", samples, repeats, &mut predict_rows);
        predict_case::<Mid>("16-32-32-4", samples, repeats, &mut predict_rows);
        predict_case::<Digits>("64-64-10", samples, repeats, &mut predict_rows);
        predict_case::<Wide>("64-256-256-10", samples, repeats, &mut predict_rows);
        predict_case::<Cnn>("digits CNN", samples, repeats, &mut predict_rows);
    }
    for (what, rows) in [("fit", &fit_rows), ("predict", &predict_rows)] {
        for gain in [1.0, 1.1] {
            match crossover(rows, gain) {
                Some(w) => println!(
                    "\n{what}: every case from {w} MACs on gains at least {:.0}%",
                    (gain - 1.0) * 100.0
                ),
                None => println!("\n{what}: the largest case gains less than {gain}x"),
            }
        }
    }
}
