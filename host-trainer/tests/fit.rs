//! `fit`: reproducibility, thread-count independence, validation, early stopping, schedules,
//! augmentation and callbacks.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use embednn::format::{ModelFile, Preprocessing};
use embednn::prelude::*;
use host_trainer::metrics::MetricError;
use host_trainer::{
    Augmentation, Callback, Control, EarlyStopping, FitError, FitOptions, Metric, Monitor,
    OnNonFinite, Schedule, Sequential, Validation, Verbosity,
};

type Net = (Dense<64, 64>, Relu, Dense<64, 10>);

/// A synthetic 10-class problem with 64 features: class k's samples cluster around a random
/// centre.
fn blobs(n: usize, seed: u64) -> (Vec<[f32; 64]>, Vec<[f32; 10]>) {
    let mut rng = Rng::seed(seed);
    let centres: Vec<[f32; 64]> = (0..10)
        .map(|_| core::array::from_fn(|_| rng.uniform(-1.0, 1.0)))
        .collect();
    let mut x = Vec::new();
    let mut y = Vec::new();
    for i in 0..n {
        let k = i % 10;
        x.push(core::array::from_fn(|j| centres[k][j] + 0.8 * rng.normal()));
        let mut t = [0.0; 10];
        t[k] = 1.0;
        y.push(t);
    }
    (x, y)
}

fn file_bytes<M: Model>(m: &M) -> Vec<u8> {
    let mut buf = vec![0; ModelFile::<M>::MAX_BYTES];
    let n = ModelFile::write(m, &Preprocessing::default(), &mut buf).unwrap();
    buf.truncate(n);
    buf
}

fn train(threads: usize, seed: u64) -> Vec<u8> {
    let (x, y) = blobs(600, 1);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    pool.install(|| {
        let mut m = Sequential::<Net>::new(seed).compile(Adam::new(0.01), SoftmaxCrossEntropy);
        m.fit(
            &x,
            &y,
            FitOptions {
                epochs: 3,
                batch_size: 200, // large enough for the parallel path
                verbose: Verbosity::Silent,
                augmentation: Some(Augmentation::GaussianNoise(0.1)),
                ..Default::default()
            },
        )
        .unwrap();
        file_bytes(m.model())
    })
}

#[test]
fn same_seed_same_bytes_whatever_the_thread_count() {
    let one = train(1, 5);
    assert_eq!(one, train(1, 5), "two runs, same seed");
    assert_eq!(one, train(2, 5), "1 thread vs 2 threads");
    assert_eq!(one, train(4, 5), "1 thread vs 4 threads");
    assert_ne!(one, train(2, 6), "another seed gives other weights");
}

#[test]
fn learns_a_classification_problem_with_validation() {
    let (x, y) = blobs(1000, 2);
    let mut m = Sequential::<Net>::new(3)
        .compile(Adam::new(0.005), SoftmaxCrossEntropy)
        .with_metrics(&[Metric::Accuracy]);
    let h = m
        .fit(
            &x,
            &y,
            FitOptions {
                epochs: 10,
                validation: Validation::Split(0.2),
                verbose: Verbosity::Silent,
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(h.epochs.len(), 10);
    let first = &h.epochs[0];
    let last = h.last().unwrap();
    assert!(
        last.loss < first.loss / 2.0,
        "{} -> {}",
        first.loss,
        last.loss
    );
    assert!(last.get("val_accuracy").unwrap() > 0.9, "{last:?}");
    assert_eq!(h.series("val_loss").len(), 10);
    // evaluate agrees with the last epoch's validation numbers (same model, same data).
    let e = m.evaluate(&x[800..], &y[800..]).unwrap();
    assert!((e.loss - last.val_loss.unwrap()).abs() < 1e-9);
}

#[test]
fn early_stopping_restores_the_best_weights() {
    // Overfit a tiny training set so validation loss rises; the restored model must be the one
    // from the best validation epoch.
    let (x, y) = blobs(60, 4);
    let (vx, vy) = blobs(200, 5);
    let mut m = Sequential::<Net>::new(7).compile(Adam::new(0.05), SoftmaxCrossEntropy);
    let snapshots = std::cell::RefCell::new(Vec::new());
    let h = m
        .fit_with_validation_data(
            &x,
            &y,
            &vx,
            &vy,
            FitOptions {
                epochs: 200,
                batch_size: 10,
                verbose: Verbosity::Silent,
                early_stopping: Some(EarlyStopping {
                    monitor: Monitor::ValLoss,
                    patience: 5,
                    min_delta: 0.0,
                    restore_best_weights: true,
                }),
                callbacks: vec![Callback::new(|log| {
                    snapshots.borrow_mut().push(log.val_loss.unwrap());
                    Control::Continue
                })],
                ..Default::default()
            },
        )
        .unwrap();
    assert!(h.stopped_early, "ran all {} epochs", h.epochs.len());
    let losses = snapshots.into_inner();
    let best = h.best_epoch.unwrap();
    let min = losses.iter().cloned().fold(f64::INFINITY, f64::min);
    assert_eq!(losses[best], min);
    assert_eq!(
        h.epochs.len(),
        best + 1 + 5,
        "stops after `patience` epochs without improvement"
    );
    let now = m.evaluate(&vx, &vy).unwrap().loss;
    assert!(
        (now - min).abs() < 1e-9,
        "restored model's val loss {now} vs best {min}"
    );
}

#[test]
fn callbacks_can_stop_and_schedules_set_the_rate() {
    let (x, y) = blobs(100, 6);
    let mut m = Sequential::<Net>::new(1).compile(Adam::new(0.1), SoftmaxCrossEntropy);
    let rates = std::cell::RefCell::new(Vec::new());
    let h = m
        .fit(
            &x,
            &y,
            FitOptions {
                epochs: 10,
                verbose: Verbosity::Silent,
                schedule: Schedule::Step {
                    every: 2,
                    factor: 0.5,
                },
                callbacks: vec![Callback::new(|log| {
                    rates.borrow_mut().push(log.learning_rate);
                    if log.epoch == 4 {
                        Control::Stop
                    } else {
                        Control::Continue
                    }
                })],
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(h.epochs.len(), 5);
    assert!(h.stopped_early);
    assert_eq!(rates.into_inner(), [0.1, 0.1, 0.05, 0.05, 0.025]);
    // The optimizer's own rate is restored after fit.
    assert_eq!(m.optimizer().learning_rate(), 0.1);

    let cosine = Schedule::Cosine {
        epochs: 10,
        min_lr: 0.0,
    };
    assert_eq!(cosine.rate(0, 1.0), 1.0);
    assert!((cosine.rate(5, 1.0) - 0.5).abs() < 1e-6);
    assert_eq!(cosine.rate(10, 1.0), 0.0);
}

#[test]
fn augmentation_touches_training_samples_only() {
    let (x, y) = blobs(50, 7);
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = calls.clone();
    let mut m = Sequential::<Net>::new(1).compile(Adam::new(0.01), SoftmaxCrossEntropy);
    m.fit(
        &x,
        &y,
        FitOptions {
            epochs: 3,
            validation: Validation::Split(0.2),
            verbose: Verbosity::Silent,
            augmentation: Some(Augmentation::custom(move |_x, _rng| {
                counter.fetch_add(1, Ordering::Relaxed);
            })),
            ..Default::default()
        },
    )
    .unwrap();
    // 40 training samples × 3 epochs; the 10 validation samples are never augmented.
    assert_eq!(calls.load(Ordering::Relaxed), 120);
}

/// How many samples one epoch trains on (counted by an augmentation that changes nothing).
fn trained_samples(
    fit: impl FnOnce(&mut host_trainer::Compiled<Net, SoftmaxCrossEntropy, Adam>, FitOptions<'_>),
) -> usize {
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = calls.clone();
    let mut m = Sequential::<Net>::new(1).compile(Adam::new(0.01), SoftmaxCrossEntropy);
    let options = FitOptions {
        verbose: Verbosity::Silent,
        augmentation: Some(Augmentation::custom(move |_x, _rng| {
            counter.fetch_add(1, Ordering::Relaxed);
        })),
        ..Default::default()
    };
    fit(&mut m, options);
    calls.load(Ordering::Relaxed)
}

#[test]
fn validation_split_cuts_where_keras_does_and_validation_data_trains_on_everything() {
    let (x, y) = blobs(7, 3);
    // Keras: the first floor(7 × (1 − 0.3)) = 4 samples train, the last 3 validate.
    let split = |fraction| {
        trained_samples(|m, options| {
            m.fit(
                &x,
                &y,
                FitOptions {
                    validation: Validation::Split(fraction),
                    ..options
                },
            )
            .unwrap();
        })
    };
    assert_eq!(split(0.3), 4);
    assert_eq!(split(0.0), 7);
    assert_eq!(split(1.0), 0);
    let (vx, vy) = blobs(5, 4);
    let all = trained_samples(|m, options| {
        let h = m
            .fit_with_validation_data(&x, &y, &vx, &vy, options)
            .unwrap();
        let e = m.evaluate(&vx, &vy).unwrap();
        assert_eq!(h.last().unwrap().val_loss, Some(e.loss));
    });
    assert_eq!(all, 7);
}

#[test]
fn one_options_value_trains_models_of_different_shapes() {
    type Other = (Dense<64, 4>, Relu, Dense<4, 10>, Softmax);
    let (x, y) = blobs(64, 5);
    let seen = std::cell::RefCell::new(Vec::new());
    let options = FitOptions {
        epochs: 2,
        verbose: Verbosity::Silent,
        callbacks: vec![Callback::new(|log| {
            seen.borrow_mut().push(log.epoch);
            Control::Continue
        })],
        augmentation: Some(Augmentation::GaussianNoise(0.01)),
        ..Default::default()
    };
    let mut a = Sequential::<Net>::new(1).compile(Adam::new(0.01), SoftmaxCrossEntropy);
    let mut b = Sequential::<Other>::new(1).compile(Adam::new(0.01), CategoricalCrossEntropy);
    a.fit(&x, &y, options.clone()).unwrap();
    b.fit(&x, &y, options).unwrap();
    // The clones share the callback.
    assert_eq!(seen.into_inner(), [0, 1, 0, 1]);
}

#[test]
fn models_with_batch_norm_train_on_whole_batches() {
    type BnNet = (Dense<64, 32>, BatchNorm<32>, Relu, Dense<32, 10>);
    let (x, y) = blobs(400, 8);
    let run = || {
        let mut m = Sequential::<BnNet>::new(2)
            .compile(Adam::new(0.01), SoftmaxCrossEntropy)
            .with_metrics(&[Metric::Accuracy]);
        let h = m
            .fit(
                &x,
                &y,
                FitOptions {
                    epochs: 8,
                    validation: Validation::Split(0.25),
                    verbose: Verbosity::Silent,
                    ..Default::default()
                },
            )
            .unwrap();
        (h, file_bytes(m.model()))
    };
    let (h, bytes) = run();
    // Validation runs in inference mode (moving statistics) and must still be accurate.
    assert!(
        h.last().unwrap().get("val_accuracy").unwrap() > 0.9,
        "{:?}",
        h.last()
    );
    assert_eq!(bytes, run().1, "deterministic");
}

#[test]
fn k_fold_cross_validation() {
    let (x, y) = blobs(300, 9);
    let run = || {
        host_trainer::cross_validate(
            5,
            3,
            &x,
            &y,
            |fold| {
                Sequential::<Net>::new(fold as u64)
                    .compile(Adam::new(0.01), SoftmaxCrossEntropy)
                    .with_metrics(&[Metric::Accuracy])
            },
            |_| FitOptions {
                epochs: 5,
                verbose: Verbosity::Silent,
                ..Default::default()
            },
        )
        .unwrap()
    };
    let cv = run();
    assert_eq!(cv.folds.len(), 5);
    let acc = cv.mean_metric(Metric::Accuracy).unwrap();
    assert!(acc > 0.9, "mean held-out accuracy {acc}");
    assert!(cv.std_metric(Metric::Accuracy).unwrap() < 0.1);
    assert_eq!(cv, run(), "deterministic");
    // Too many folds is an error, not a panic.
    let err = host_trainer::cross_validate(
        1000,
        0,
        &x,
        &y,
        |_| Sequential::<Net>::new(0).compile(Adam::new(0.01), SoftmaxCrossEntropy),
        |_| FitOptions::default(),
    );
    assert!(err.is_err());
}

/// 16 rows of a linear target, the last batch of four (rows 12..16) with a NaN in row 13.
fn with_a_nan_row() -> (Vec<[f32; 2]>, Vec<[f32; 1]>) {
    let x: Vec<[f32; 2]> = (0..16)
        .map(|i| [i as f32 / 8.0 - 1.0, (i % 3) as f32 - 1.0])
        .collect();
    let mut y: Vec<[f32; 1]> = x.iter().map(|p| [0.5 * p[0] - p[1]]).collect();
    y[13] = [f32::NAN];
    (x, y)
}

fn nan_options(on_non_finite: OnNonFinite) -> FitOptions<'static> {
    FitOptions {
        epochs: 5,
        batch_size: 4,
        shuffle: false,
        verbose: Verbosity::Silent,
        on_non_finite,
        ..Default::default()
    }
}

type Line = (Dense<2, 4>, Tanh, Dense<4, 1>);

fn all_finite<M: Params>(m: &M) -> bool {
    let mut finite = true;
    m.for_each_param(&mut |_, v| finite &= v.iter().all(|x| x.is_finite()));
    finite
}

#[test]
fn a_nan_batch_stops_training_naming_epoch_and_batch_with_the_weights_from_before_it() {
    let (x, y) = with_a_nan_row();
    let mut model = Sequential::<Line>::new(3).compile(Adam::new(0.01), Mse);
    let Err(FitError::NonFinite { at, history }) =
        model.fit(&x, &y, nan_options(OnNonFinite::Stop))
    else {
        panic!("a NaN batch under OnNonFinite::Stop is an error");
    };
    assert_eq!(history.non_finite.map(|a| (a.epoch, a.batch)), Some((0, 3)));
    assert_eq!((at.epoch, at.batch), (0, 3));
    assert!(at.loss.is_nan());
    assert!(
        at.to_string()
            .starts_with("epoch 1, batch 4: the loss (NaN)"),
        "{at}"
    );
    assert!(history.stopped_early);
    assert_eq!(history.epochs.len(), 1);
    assert!(all_finite(model.model()));
    // Exactly the three finite steps before it: one epoch on rows 0..12.
    let mut clean = Sequential::<Line>::new(3).compile(Adam::new(0.01), Mse);
    clean
        .fit(
            &x[..12],
            &y[..12],
            FitOptions {
                epochs: 1,
                ..nan_options(OnNonFinite::Stop)
            },
        )
        .unwrap();
    assert_eq!(file_bytes(model.model()), file_bytes(clean.model()));
}

#[test]
fn skipping_nan_batches_trains_as_if_they_were_not_there() {
    let (x, y) = with_a_nan_row();
    let mut model = Sequential::<Line>::new(4).compile(Adam::new(0.01), Mse);
    let options = FitOptions {
        early_stopping: Some(EarlyStopping::new(2)),
        ..nan_options(OnNonFinite::SkipBatch)
    };
    let history = model.fit(&x, &y, options.clone()).unwrap();
    assert_eq!(history.skipped_batches, 5, "one per epoch");
    assert_eq!(history.non_finite.map(|a| (a.epoch, a.batch)), Some((0, 3)));
    assert!(history.epochs.iter().all(|e| e.loss.is_finite()));
    assert!(all_finite(model.model()));
    let mut clean = Sequential::<Line>::new(4).compile(Adam::new(0.01), Mse);
    clean.fit(&x[..12], &y[..12], options).unwrap();
    assert_eq!(file_bytes(model.model()), file_bytes(clean.model()));
}

#[test]
fn inputs_and_targets_of_different_lengths_are_an_error_before_any_training() {
    let (x, y) = with_a_nan_row();
    let mut model = Sequential::<Line>::new(5).compile(Adam::new(0.01), Mse);
    let before = file_bytes(model.model());
    let err = model
        .fit(&x, &y[..15], nan_options(OnNonFinite::Stop))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "the training set has 16 inputs but 15 targets; they must pair up"
    );
    let err = model
        .fit_with_validation_data(
            &x[..12],
            &y[..12],
            &x[12..],
            &y[13..],
            nan_options(OnNonFinite::Stop),
        )
        .unwrap_err();
    assert!(matches!(
        err,
        FitError::LengthMismatch {
            set: "validation",
            inputs: 4,
            targets: 3
        }
    ));
    assert_eq!(file_bytes(model.model()), before, "nothing was trained");
}

type Sine = (Dense<1, 16>, Relu, Dense<16, 16>, Relu, Dense<16, 1>);

fn sine_data() -> (Vec<[f32; 1]>, Vec<[f32; 1]>) {
    let x: Vec<[f32; 1]> = (0..256)
        .map(|i| [i as f32 / 256.0 * std::f32::consts::TAU])
        .collect();
    let y = x.iter().map(|x| [x[0].sin()]).collect();
    (x, y)
}

/// The probe: a learning rate of 1e4 keeps the loss finite but near 1e26.
#[test]
fn an_exploding_loss_stops_training_with_the_weights_from_before_it() {
    let (x, y) = sine_data();
    let options = FitOptions {
        epochs: 20,
        verbose: Verbosity::Silent,
        ..Default::default()
    };
    let start = file_bytes(Sequential::<Sine>::new(42).model());
    let mut model = Sequential::<Sine>::new(42).compile(Adam::new(1e4), Mse);
    let result = model.fit(&x, &y, options.clone());
    let Err(FitError::Diverged { at, history }) = result else {
        panic!("lr 1e4 is not flagged: {result:?}");
    };
    assert_eq!(at.epoch, 0, "{at}");
    assert!(at.loss > 1e20 && at.loss.is_finite(), "{at}");
    assert_eq!(
        at.limit,
        1e4 * at.lowest,
        "the first epoch's limit: 10,000 × the start"
    );
    assert!(at.lowest < 10.0, "the loss of the untrained model, {at}");
    assert!(
        at.to_string().starts_with("epoch 1: the loss diverged to "),
        "{at}"
    );
    assert_eq!(history.diverged, Some(at));
    assert_eq!(history.epochs.len(), 1);
    assert_eq!(history.epochs[0].loss, at.loss);
    assert_eq!(history.best_epoch, None, "no epoch's weights are kept");
    assert!(history.stopped_early);
    assert_eq!(
        file_bytes(model.model()),
        start,
        "the weights it started from"
    );

    // No checkpoint of a diverged epoch is written.
    let dir = tempfile::tempdir().unwrap();
    let backup = dir.path().join("sine.ckpt");
    let mut model = Sequential::<Sine>::new(42).compile(Adam::new(1e4), Mse);
    let result = model.fit_with_backup(&x, &y, options.clone(), &backup);
    assert!(
        matches!(result, Err(FitError::Diverged { .. })),
        "{result:?}"
    );
    assert!(!backup.exists());

    // Turned off, it trains to the end (and the loss stays where it exploded to).
    let mut model = Sequential::<Sine>::new(42).compile(Adam::new(1e4), Mse);
    let off = FitOptions {
        divergence: None,
        ..options
    };
    let history = model.fit(&x, &y, off).unwrap();
    assert_eq!(history.epochs.len(), 20);
    assert!(history.series("loss").iter().all(|&l| l > 1e20));
}

/// A schedule that multiplies the rate by 1e5 after three good epochs: the fourth explodes.
fn exploding_at_epoch_3(
    early_stopping: Option<EarlyStopping>,
    epochs: usize,
) -> FitOptions<'static> {
    FitOptions {
        epochs,
        batch_size: 32,
        shuffle: false,
        verbose: Verbosity::Silent,
        schedule: Schedule::Step {
            every: 3,
            factor: 1e5,
        },
        early_stopping,
        ..Default::default()
    }
}

#[test]
fn a_loss_exploding_mid_run_keeps_the_last_good_weights_and_early_stopping_never_restores_it() {
    let (x, y) = sine_data();
    let fit = |early_stopping| {
        let mut model = Sequential::<Sine>::new(7).compile(Adam::new(0.01), Mse);
        let result = model.fit(&x, &y, exploding_at_epoch_3(early_stopping, 10));
        (model, result)
    };
    // The same good epochs, and no more: `train(n)` is the model after `n` of them.
    let train = |n| {
        let mut model = Sequential::<Sine>::new(7).compile(Adam::new(0.01), Mse);
        let history = model.fit(&x, &y, exploding_at_epoch_3(None, n)).unwrap();
        (file_bytes(model.model()), history)
    };
    let (three, good) = train(3);
    let good = good.series("loss");

    let (model, result) = fit(None);
    let Err(FitError::Diverged { at, history }) = result else {
        panic!("not flagged: {result:?}");
    };
    assert_eq!(at.epoch, 3, "{at}");
    assert!(at.lowest <= good.iter().copied().fold(f64::INFINITY, f64::min));
    assert_eq!(history.series("loss")[..3], good[..]);
    assert_eq!(history.epochs.len(), 4);
    assert_eq!(history.best_epoch, Some(2));
    assert_eq!(file_bytes(model.model()), three);

    // Early stopping watching the training loss: the diverged epoch is never its best, and
    // what it restores is the best good epoch.
    let watch_loss = EarlyStopping {
        monitor: Monitor::Loss,
        patience: 100,
        min_delta: 0.0,
        restore_best_weights: true,
    };
    let (model, result) = fit(Some(watch_loss));
    let Err(FitError::Diverged { at, history }) = result else {
        panic!("not flagged: {result:?}");
    };
    assert_eq!(at.epoch, 3);
    let best = (0..3).min_by(|&a, &b| good[a].total_cmp(&good[b])).unwrap();
    assert_eq!(history.best_epoch, Some(best));
    assert_eq!(file_bytes(model.model()), train(best + 1).0);
}

#[test]
fn evaluating_inputs_and_targets_of_different_lengths_is_an_error() {
    let (x, y) = with_a_nan_row();
    let model = Sequential::<Line>::new(5)
        .compile(Adam::new(0.01), Mse)
        .with_metrics(&[Metric::Mae]);
    let err = model.evaluate(&x[..12], &y[..11]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "the evaluation set has 12 inputs but 11 targets; they must pair up"
    );
    assert!(model.evaluate(&x[..12], &y[..12]).is_ok());
    let mismatch = MetricError::LengthMismatch {
        left: "inputs",
        left_len: 12,
        right: "targets",
        right_len: 11,
    };
    let confusion = model.confusion_matrix(&x[..12], &y[..11]);
    assert_eq!(confusion, Err(mismatch));
    let predictions = model.predict(&x[..12]);
    let mae = Metric::Mae.compute(&predictions, &y[..11], embednn::Ending::Values);
    assert_eq!(
        mae,
        Err(MetricError::LengthMismatch {
            left: "predictions",
            left_len: 12,
            right: "targets",
            right_len: 11,
        })
    );
}
