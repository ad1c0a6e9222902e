//! Checkpoints (`fit_with_backup`, Keras' `BackupAndRestore`): a run stopped after some epochs
//! and resumed from its backup — by a model built from another seed, as a restarted program
//! would — ends bit-identical to a run that never stopped; damaged or foreign backups are errors.

use embednn::format::{ModelFile, Preprocessing};
use embednn::prelude::*;
use host_trainer::{EarlyStopping, FitError, FitOptions, Sequential, Validation, Verbosity};

type Net = (Dense<3, 12>, Relu, Dropout<200>, Dense<12, 2>);

fn data() -> (Vec<[f32; 3]>, Vec<[f32; 2]>) {
    let mut rng = Rng::seed(11);
    let x: Vec<[f32; 3]> = (0..120)
        .map(|_| std::array::from_fn(|_| rng.uniform(-1.0, 1.0)))
        .collect();
    let y = x
        .iter()
        .map(|p| [p[0] * p[1] - p[2], (p[0] + p[2]).sin()])
        .collect();
    (x, y)
}

fn options(epochs: usize) -> FitOptions<'static> {
    FitOptions {
        epochs,
        batch_size: 16,
        validation: Validation::Split(0.2),
        early_stopping: Some(EarlyStopping {
            restore_best_weights: true,
            ..EarlyStopping::new(50)
        }),
        verbose: Verbosity::Silent,
        ..Default::default()
    }
}

fn bits<M: Model>(m: &M) -> Vec<u8> {
    let mut buf = vec![0u8; ModelFile::<M>::MAX_BYTES];
    let n = ModelFile::write(m, &Preprocessing::default(), &mut buf).unwrap();
    buf.truncate(n);
    buf
}

fn compiled(seed: u64) -> host_trainer::Compiled<Net, Mse, Adam> {
    Sequential::<Net>::new(seed).compile(Adam::new(0.01), Mse)
}

#[test]
fn a_resumed_run_ends_bit_identical_to_an_uninterrupted_one() {
    let (x, y) = data();
    let dir = tempfile::tempdir().unwrap();
    let backup = dir.path().join("net.ckpt");

    let mut straight = compiled(7);
    let whole = straight.fit(&x, &y, options(12)).unwrap();

    let mut first = compiled(7);
    first.fit_with_backup(&x, &y, options(5), &backup).unwrap();
    assert!(backup.exists());
    // A restarted program: another seed, so nothing but the backup can make the bits agree.
    let mut resumed = compiled(12345);
    let rest = resumed
        .fit_with_backup(&x, &y, options(12), &backup)
        .unwrap();
    assert_eq!(rest.epochs.first().map(|e| e.epoch), Some(5));
    assert_eq!(rest.epochs.len(), 7);
    assert_eq!(bits(resumed.model()), bits(straight.model()));
    assert_eq!(rest.best_epoch, whole.best_epoch);
    let last = |h: &host_trainer::History| h.epochs.last().map(|e| e.loss.to_bits());
    assert_eq!(last(&rest), last(&whole));

    // Everything trained: a rerun has nothing left to do and changes nothing.
    let mut again = compiled(1);
    let none = again.fit_with_backup(&x, &y, options(12), &backup).unwrap();
    assert!(none.epochs.is_empty());
    assert_eq!(bits(again.model()), bits(straight.model()));
}

#[test]
fn damaged_or_foreign_backups_are_errors() {
    let (x, y) = data();
    let dir = tempfile::tempdir().unwrap();
    let backup = dir.path().join("net.ckpt");
    compiled(3)
        .fit_with_backup(&x, &y, options(2), &backup)
        .unwrap();
    let good = std::fs::read(&backup).unwrap();

    let mut damaged = good.clone();
    damaged[20] ^= 1;
    std::fs::write(&backup, &damaged).unwrap();
    let err = compiled(3)
        .fit_with_backup(&x, &y, options(4), &backup)
        .unwrap_err();
    assert!(matches!(err, FitError::Checkpoint { .. }));
    assert!(err.to_string().contains("the CRC does not match"), "{err}");

    // A backup of another architecture.
    std::fs::write(&backup, &good).unwrap();
    let mut other =
        Sequential::<(Dense<3, 4>, Relu, Dense<4, 2>)>::new(3).compile(Adam::new(0.01), Mse);
    let err = other
        .fit_with_backup(&x, &y, options(4), &backup)
        .unwrap_err();
    assert!(err.to_string().contains("do not fit this model"), "{err}");
}
