//! `fit` on threads: batches with enough work really run on several threads, and the weights are
//! bit for bit those of one thread, for batches on both sides of the parallel threshold and for
//! a convolutional model (dropout masks included).

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::thread::ThreadId;

use embednn::format::{ModelFile, Preprocessing};
use embednn::model::{BatchScratch, Gradient, Input, Output, Trace};
use embednn::prelude::*;
use host_trainer::{Augmentation, FitOptions, Sequential, Verbosity};

type Mlp = (Dense<64, 64>, Relu, Dense<64, 10>);
type Cnn = (
    Conv2d<8, 8, 1, 8, 3, 3, 1, 1, 8, 8, Same>,
    Relu,
    MaxPool2d<2, 2, 2, 2, 4, 4>,
    Flatten<128>,
    Dropout<250>,
    Dense<128, 10>,
);

fn bytes<M: Model>(m: &M) -> Vec<u8> {
    let mut buf = vec![0; ModelFile::<M>::MAX_BYTES];
    let n = ModelFile::write(m, &Preprocessing::default(), &mut buf).unwrap();
    buf.truncate(n);
    buf
}

/// Trains on `threads` threads; returns the weights and the threads that ran training passes
/// (seen by a custom augmentation, which runs inside each chunk's pass).
fn train<M>(threads: usize, batch_size: usize, x: &[Input<M>], y: &[Output<M>]) -> (Vec<u8>, usize)
where
    M: Model + Init + Clone + Send + Sync,
    Input<M>: Tensor + Send + Sync,
    Output<M>: Tensor + Send + Sync,
    Trace<M>: Send,
    Gradient<M>: Send,
    BatchScratch<M>: Send,
    SoftmaxCrossEntropy: Loss<Output<M>, Target = Output<M>> + Sync,
{
    let seen: Arc<Mutex<HashSet<ThreadId>>> = Arc::default();
    let record = Arc::clone(&seen);
    let augment = move |x: &mut [f32], rng: &mut Rng| {
        record.lock().unwrap().insert(std::thread::current().id());
        for v in x {
            *v += 0.05 * rng.normal();
        }
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    let weights = pool.install(|| {
        let mut m = Sequential::<M>::new(11).compile(Adam::new(0.01), SoftmaxCrossEntropy);
        m.fit(
            x,
            y,
            FitOptions {
                epochs: 2,
                batch_size,
                verbose: Verbosity::Silent,
                augmentation: Some(Augmentation::custom(augment)),
                ..Default::default()
            },
        )
        .unwrap();
        bytes(m.model())
    });
    let threads_used = seen.lock().unwrap().len();
    (weights, threads_used)
}

fn data<M: Model>(n: usize) -> (Vec<Input<M>>, Vec<Output<M>>)
where
    Input<M>: Tensor,
    Output<M>: Tensor,
{
    let mut rng = Rng::seed(2);
    let x = (0..n)
        .map(|_| {
            let mut v = <Input<M> as Buffer>::ZERO;
            v.flat_mut().iter_mut().for_each(|e| *e = rng.normal());
            v
        })
        .collect();
    let y = (0..n)
        .map(|i| {
            let mut t = <Output<M> as Buffer>::ZERO;
            t.flat_mut()[i % 10] = 1.0;
            t
        })
        .collect();
    (x, y)
}

#[test]
fn large_batches_use_threads_and_give_the_same_bytes() {
    let (x, y) = data::<Mlp>(2048);
    // 3 · 512 · 4,736 = 7.3 M MACs per batch: well above the threshold.
    let (one, used) = train::<Mlp>(1, 512, &x, &y);
    assert_eq!(used, 1);
    for threads in [2, 3, 4] {
        let (many, used) = train::<Mlp>(threads, 512, &x, &y);
        assert!(used > 1, "{threads} threads: only {used} ran the passes");
        assert_eq!(one, many, "1 thread vs {threads} threads");
    }
}

#[test]
fn small_batches_stay_on_one_thread_with_the_same_bytes() {
    let (x, y) = data::<Mlp>(512);
    // 3 · 32 · 4,736 = 0.45 M MACs per batch: threads would cost more than they save.
    let (one, _) = train::<Mlp>(1, 32, &x, &y);
    let (two, used) = train::<Mlp>(2, 32, &x, &y);
    assert_eq!(used, 1, "a small batch ran on {used} threads");
    assert_eq!(one, two);
}

#[test]
fn convolutions_with_dropout_give_the_same_bytes_on_threads() {
    let (x, y) = data::<Cnn>(512);
    let (one, _) = train::<Cnn>(1, 128, &x, &y);
    let (two, used) = train::<Cnn>(2, 128, &x, &y);
    assert!(used > 1, "the CNN's batches ran on {used} thread");
    assert_eq!(one, two);
    assert_eq!(one, train::<Cnn>(4, 128, &x, &y).0);
}
