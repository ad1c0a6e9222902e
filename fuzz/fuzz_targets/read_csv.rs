//! The CSV reader (`Dataset::from_reader`) on arbitrary bytes, then what a trainer does next with
//! what it returns: splits, standardization, tensors.
//!
//! The first byte picks the spec: bits 0-1 the target kind, bit 2 whether the target is the first
//! or the last column of the first line, bit 3 whether two feature columns are named (in reverse
//! order) instead of all. The rest is the CSV text.
#![no_main]

use host_trainer::data::{CsvSpec, Dataset, Preprocessor, SplitSpec, Target};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Some((&choice, csv)) = data.split_first() else {
        return;
    };
    let spec = spec(choice, csv);
    match Dataset::from_reader("fuzz.csv", csv, &spec) {
        Ok(dataset) => check(dataset),
        Err(e) => {
            let _ = e.to_string();
        }
    }
});

fn spec(choice: u8, csv: &[u8]) -> CsvSpec {
    let first_line = csv.split(|&b| b == b'\n').next().unwrap_or_default();
    let names: Vec<String> = String::from_utf8_lossy(first_line)
        .split(',')
        .map(|n| n.trim().to_string())
        .collect();
    let target = if choice & 4 == 0 {
        names.first()
    } else {
        names.last()
    };
    let target = target.cloned().unwrap_or_default();
    let mut spec = match choice & 3 {
        0 => CsvSpec::regression(&target),
        1 => CsvSpec::classification(&target),
        2 => CsvSpec::classification(&target).expect_classes(3),
        _ => CsvSpec::classification(&target).known_classes(["0", "1", "setosa"]),
    };
    if choice & 8 != 0 {
        let others: Vec<&String> = names.iter().filter(|n| **n != target).take(2).collect();
        spec = spec.features(others.into_iter().rev().cloned());
    }
    spec
}

fn check(mut dataset: Dataset) {
    let rows = dataset.len();
    assert_eq!(dataset.feature_names().len(), dataset.n_features());
    assert_eq!(dataset.features().len(), rows * dataset.n_features());
    assert_eq!(dataset.rows().len(), rows);
    assert_eq!(dataset.target().len(), rows);
    assert!(dataset.features().iter().all(|v| v.is_finite()));
    match dataset.target() {
        Target::Regression(values) => assert!(values.iter().all(|v| v.is_finite())),
        Target::Classes { labels, names } => assert!(labels.iter().all(|&l| l < names.len())),
    }

    let _ = dataset
        .inputs::<[f32; 4]>()
        .map(|x| assert_eq!(x.len(), rows));
    let _ = dataset
        .one_hot_targets::<[f32; 3]>()
        .map(|y| assert_eq!(y.len(), rows));
    let _ = dataset
        .binary_targets::<[f32; 1]>()
        .map(|y| assert_eq!(y.len(), rows));
    let _ = dataset
        .regression_targets::<[f32; 1]>()
        .map(|y| assert_eq!(y.len(), rows));
    for spec in [
        SplitSpec::new(0.2, 0.2, 1),
        SplitSpec::new(0.0, 0.5, 2).stratified(),
    ] {
        if let Ok(split) = dataset.split(&spec) {
            let total = split.train.len() + split.validation.len() + split.test.len();
            assert_eq!(total, rows);
            let _ = dataset.subset(&split.test);
        }
    }
    let _ = dataset.k_fold(3, 1);
    let _ = dataset.every_kth(3, 0);
    if let Ok(pre) = Preprocessor::fit(&dataset) {
        let _ = pre.transform(&mut dataset);
    }
}
