//! Loading, validating, splitting and standardizing data sets (`host_trainer::data`).

use std::path::PathBuf;

use host_trainer::data::{
    every_kth, k_fold, one_hot, split_rows, split_stratified, CsvSpec, DataError, Dataset,
    Preprocessor, SplitSpec, Standardizer, Target,
};

fn repo_file(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(path)
}

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn iris() -> Dataset {
    Dataset::from_csv(
        repo_file("data/iris.csv"),
        &CsvSpec::classification("species").expect_classes(3),
    )
    .expect("iris.csv loads")
}

fn digits() -> Dataset {
    Dataset::from_csv(
        repo_file("data/digits.csv"),
        &CsvSpec::classification("label").expect_classes(10),
    )
    .expect("digits.csv loads")
}

fn load_err(name: &str, spec: &CsvSpec) -> (DataError, String) {
    match Dataset::from_csv(fixture(name), spec) {
        Ok(data) => panic!("{name} loaded ({} rows) but should fail", data.len()),
        Err(e) => {
            let message = e.to_string();
            (e, message)
        }
    }
}

/// Asserts the message names the file, the line and (if given) the column.
fn assert_names(message: &str, file: &str, line: &str, column: Option<&str>) {
    assert!(
        message.contains(file),
        "no file name {file:?} in: {message}"
    );
    assert!(message.contains(line), "no {line:?} in: {message}");
    if let Some(column) = column {
        let quoted = format!("`{column}`");
        assert!(
            message.contains(&quoted),
            "no column {quoted} in: {message}"
        );
    }
}

fn count_by_class(labels: &[usize], rows: &[usize], classes: usize) -> Vec<usize> {
    let mut counts = vec![0; classes];
    for &r in rows {
        counts[labels[r]] += 1;
    }
    counts
}

// ---- real data sets --------------------------------------------------------------------------

#[test]
fn iris_loads_with_sorted_class_names() {
    let data = iris();
    assert_eq!(data.len(), 150);
    assert_eq!(data.n_features(), 4);
    assert_eq!(
        data.feature_names(),
        ["sepal_length", "sepal_width", "petal_length", "petal_width"]
    );
    assert_eq!(data.target_name(), "species");
    assert_eq!(
        data.class_names().unwrap(),
        ["setosa", "versicolor", "virginica"]
    );
    assert_eq!(data.num_classes(), Some(3));
    let labels = data.labels().unwrap();
    assert!(labels[..50].iter().all(|&c| c == 0));
    assert!(labels[50..100].iter().all(|&c| c == 1));
    assert!(labels[100..].iter().all(|&c| c == 2));
    assert_eq!(data.row(0), Some(&[5.1, 3.5, 1.4, 0.2][..]));
    assert_eq!(data.row(149), Some(&[5.9, 3.0, 5.1, 1.8][..]));
    assert_eq!(data.row(150), None);
    assert!(data.regression_values().is_none());

    let x: Vec<[f32; 4]> = data.inputs().unwrap();
    let y: Vec<[f32; 3]> = data.one_hot_targets().unwrap();
    assert_eq!(x.len(), 150);
    assert_eq!(x[0], [5.1, 3.5, 1.4, 0.2]);
    assert_eq!(y[0], [1.0, 0.0, 0.0]);
    assert_eq!(y[75], [0.0, 1.0, 0.0]);
    assert_eq!(y[149], [0.0, 0.0, 1.0]);
}

#[test]
fn digits_loads_as_vectors_and_images() {
    let data = digits();
    assert_eq!(data.len(), 1797);
    assert_eq!(data.n_features(), 64);
    assert_eq!(data.feature_names()[0], "p0");
    assert_eq!(data.feature_names()[63], "p63");
    let names: Vec<String> = (0..10).map(|d| d.to_string()).collect();
    assert_eq!(data.class_names().unwrap(), names.as_slice());
    // Label counts from data/README.md.
    let all: Vec<usize> = (0..data.len()).collect();
    assert_eq!(
        count_by_class(data.labels().unwrap(), &all, 10),
        [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
    );

    let vectors: Vec<[f32; 64]> = data.inputs().unwrap();
    let images: Vec<[[[f32; 1]; 8]; 8]> = data.inputs().unwrap();
    assert_eq!(vectors[0][..8], [0.0, 0.0, 5.0, 13.0, 9.0, 1.0, 0.0, 0.0]);
    assert_eq!(images[0][0][3], [13.0]); // p3: row 0, column 3
    assert_eq!(images[0][1][2], [vectors[0][10]]); // p10: row 1, column 2
    let y: Vec<[f32; 10]> = data.one_hot_targets().unwrap();
    assert_eq!(y[0], one_hot::<[f32; 10]>(0).unwrap());
    assert_eq!(y[1], one_hot::<[f32; 10]>(1).unwrap());
}

#[test]
fn digits_benchmark_split_matches_readme() {
    let data = digits();
    let split = data.every_kth(5, 4).unwrap();
    assert_eq!((split.train.len(), split.test.len()), (1438, 359));
    assert!(split.validation.is_empty());
    assert!(split.test.iter().all(|i| i % 5 == 4));
    assert_eq!(
        count_by_class(data.labels().unwrap(), &split.test, 10),
        [27, 21, 34, 52, 34, 28, 31, 43, 47, 42]
    );
}

#[test]
fn wrong_tensor_sizes_name_both_sizes() {
    let data = iris();
    let message = data.inputs::<[f32; 5]>().unwrap_err().to_string();
    assert!(message.contains("iris.csv"), "{message}");
    assert!(message.contains("[f32; 5]"), "{message}");
    assert!(message.contains("5 values"), "{message}");
    assert!(message.contains("4 feature columns"), "{message}");

    let err = data.one_hot_targets::<[f32; 2]>().unwrap_err();
    assert!(matches!(
        err,
        DataError::TargetSize {
            expected: 2,
            found: 3,
            ..
        }
    ));
    assert!(err.to_string().contains("`species`"), "{err}");
    assert!(matches!(
        data.regression_targets::<[f32; 1]>(),
        Err(DataError::TargetKind { .. })
    ));
    assert!(matches!(
        data.binary_targets::<[f32; 1]>(),
        Err(DataError::NotBinary { .. })
    ));
}

// ---- loading details -------------------------------------------------------------------------

#[test]
fn integer_labels_sort_numerically() {
    let data = Dataset::from_csv(
        fixture("integer_labels.csv"),
        &CsvSpec::classification("label"),
    )
    .unwrap();
    assert_eq!(data.class_names().unwrap(), ["1", "2", "10"]);
    // Labels 10, 2, 1, 10, " 2" (trimmed).
    assert_eq!(data.labels().unwrap(), [2, 1, 0, 2, 1]);
}

#[test]
fn named_features_in_given_order_and_regression_target() {
    let spec = CsvSpec::regression("y").features(["x2", "x1"]);
    let data = Dataset::from_csv(fixture("regression.csv"), &spec).unwrap();
    assert_eq!(data.feature_names(), ["x2", "x1"]);
    assert_eq!(data.features(), [-2.0, 1.0, -1.0, 2.0, 0.0, 3.0]);
    assert_eq!(data.regression_values().unwrap(), [0.5, 1.5, -0.25]);
    assert!(data.class_names().is_none());
    let y: Vec<[f32; 1]> = data.regression_targets().unwrap();
    assert_eq!(y, [[0.5], [1.5], [-0.25]]);
    assert!(matches!(
        data.regression_targets::<[f32; 2]>(),
        Err(DataError::TargetSize { .. })
    ));
    assert!(matches!(
        data.one_hot_targets::<[f32; 2]>(),
        Err(DataError::TargetKind { .. })
    ));

    // All but the target: every other column, in header order.
    let all = Dataset::from_csv(fixture("regression.csv"), &CsvSpec::regression("y")).unwrap();
    assert_eq!(all.feature_names(), ["id", "x1", "x2", "note"]);
}

#[test]
fn blank_lines_are_skipped() {
    let data = Dataset::from_csv(
        fixture("blank_lines.csv"),
        &CsvSpec::classification("label"),
    )
    .unwrap();
    assert_eq!(data.len(), 2);
    assert_eq!(data.labels().unwrap(), [0, 1]);

    // Line numbers still count the blank line.
    let (err, message) = load_err(
        "blank_line_before_error.csv",
        &CsvSpec::classification("label"),
    );
    assert!(
        matches!(err, DataError::EmptyCell { line: 5, .. }),
        "{err:?}"
    );
    assert_names(
        &message,
        "blank_line_before_error.csv",
        "line 5",
        Some("label"),
    );
}

#[test]
fn known_classes_keep_the_models_order() {
    // A test set may lack classes; the model's list decides the indices.
    let spec = CsvSpec::classification("label").known_classes(["fox", "eel", "dog", "cat", "ant"]);
    let data = Dataset::from_csv(fixture("four_classes.csv"), &spec).unwrap();
    assert_eq!(data.labels().unwrap(), [3, 2, 3, 1, 0, 4]);
    assert_eq!(data.num_classes(), Some(5));
}

#[test]
fn binary_targets_are_zero_or_one() {
    let csv = "x,sick\n1,no\n2,yes\n3,no\n";
    let data =
        Dataset::from_reader("mem.csv", csv.as_bytes(), &CsvSpec::classification("sick")).unwrap();
    let y: Vec<[f32; 1]> = data.binary_targets().unwrap();
    assert_eq!(y, [[0.0], [1.0], [0.0]]);
    assert!(matches!(
        data.binary_targets::<[f32; 2]>(),
        Err(DataError::TargetSize { .. })
    ));
}

#[test]
fn one_hot_helper() {
    assert_eq!(one_hot::<[f32; 4]>(2), Some([0.0, 0.0, 1.0, 0.0]));
    assert_eq!(one_hot::<[[f32; 2]; 2]>(3), Some([[0.0, 0.0], [0.0, 1.0]]));
    assert_eq!(one_hot::<[f32; 4]>(4), None);
}

#[test]
fn dataset_new_checks_its_parts() {
    let ok = Dataset::new(
        "gen",
        vec!["a".into(), "b".into()],
        "y",
        vec![1.0, 2.0, 3.0, 4.0],
        Target::Regression(vec![0.0, 1.0]),
    );
    assert_eq!(ok.unwrap().len(), 2);
    let bad_len = Dataset::new(
        "gen",
        vec!["a".into(), "b".into()],
        "y",
        vec![1.0, 2.0, 3.0],
        Target::Regression(vec![0.0, 1.0]),
    );
    assert!(matches!(bad_len, Err(DataError::Inconsistent { .. })));
    let bad_class = Dataset::new(
        "gen",
        vec!["a".into()],
        "y",
        vec![1.0],
        Target::Classes {
            labels: vec![2],
            names: vec!["p".into(), "q".into()],
        },
    );
    assert!(matches!(bad_class, Err(DataError::Inconsistent { .. })));
    let nan = Dataset::new(
        "gen",
        vec!["a".into()],
        "y",
        vec![f32::NAN],
        Target::Regression(vec![0.0]),
    );
    assert!(matches!(nan, Err(DataError::Inconsistent { .. })));
}

#[test]
fn subset_keeps_order_and_rejects_bad_indices() {
    let data = iris();
    let sub = data.subset(&[149, 0]).unwrap();
    assert_eq!(sub.len(), 2);
    assert_eq!(sub.labels().unwrap(), [2, 0]);
    assert_eq!(sub.row(1), data.row(0));
    assert_eq!(sub.class_names(), data.class_names());
    let err = data.subset(&[0, 150]).unwrap_err();
    assert!(matches!(
        err,
        DataError::RowOutOfRange {
            index: 150,
            rows: 150,
            ..
        }
    ));
}

// ---- every CSV error names the file, the line and the column ---------------------------------

#[test]
fn missing_file_is_an_io_error() {
    let (err, message) = load_err("does_not_exist.csv", &CsvSpec::classification("label"));
    assert!(matches!(err, DataError::Io { .. }));
    assert!(message.contains("does_not_exist.csv"), "{message}");
}

#[test]
fn empty_file() {
    let (err, message) = load_err("empty.csv", &CsvSpec::classification("label"));
    assert!(matches!(err, DataError::NoHeader { .. }), "{err:?}");
    assert_names(&message, "empty.csv", "line 1", None);
}

#[test]
fn header_without_rows() {
    let (err, message) = load_err("header_only.csv", &CsvSpec::classification("label"));
    assert!(matches!(err, DataError::NoRows { .. }), "{err:?}");
    assert_names(&message, "header_only.csv", "line 1", None);
}

#[test]
fn non_numeric_cell() {
    let (err, message) = load_err("not_a_number.csv", &CsvSpec::classification("label"));
    assert!(
        matches!(err, DataError::NotANumber { line: 3, .. }),
        "{err:?}"
    );
    assert_names(&message, "not_a_number.csv", "line 3", Some("x2"));
    assert!(message.contains("\"abc\""), "{message}");
}

#[test]
fn nan_cell() {
    let (err, message) = load_err("nan_cell.csv", &CsvSpec::classification("label"));
    assert!(
        matches!(err, DataError::NotFinite { line: 4, .. }),
        "{err:?}"
    );
    assert_names(&message, "nan_cell.csv", "line 4", Some("x1"));
}

#[test]
fn infinite_cell() {
    // 1e39 overflows f32 to infinity.
    let (err, message) = load_err("inf_cell.csv", &CsvSpec::classification("label"));
    assert!(
        matches!(err, DataError::NotFinite { line: 3, .. }),
        "{err:?}"
    );
    assert_names(&message, "inf_cell.csv", "line 3", Some("x2"));
}

#[test]
fn nan_regression_target() {
    let (err, message) = load_err("regression_nan_target.csv", &CsvSpec::regression("y"));
    assert!(
        matches!(err, DataError::NotFinite { line: 3, .. }),
        "{err:?}"
    );
    assert_names(&message, "regression_nan_target.csv", "line 3", Some("y"));
}

#[test]
fn empty_cell() {
    let (err, message) = load_err("empty_cell.csv", &CsvSpec::classification("label"));
    assert!(
        matches!(err, DataError::EmptyCell { line: 3, .. }),
        "{err:?}"
    );
    assert_names(&message, "empty_cell.csv", "line 3", Some("x2"));
}

#[test]
fn too_few_cells() {
    let (err, message) = load_err("short_row.csv", &CsvSpec::classification("label"));
    assert!(
        matches!(
            err,
            DataError::MissingCells {
                line: 3,
                found: 2,
                expected: 3,
                ..
            }
        ),
        "{err:?}"
    );
    assert_names(&message, "short_row.csv", "line 3", Some("label"));
}

#[test]
fn too_many_cells() {
    let (err, message) = load_err("long_row.csv", &CsvSpec::classification("label"));
    assert!(
        matches!(
            err,
            DataError::ExtraCells {
                line: 3,
                found: 4,
                expected: 3,
                ..
            }
        ),
        "{err:?}"
    );
    assert_names(&message, "long_row.csv", "line 3", Some("label"));
}

#[test]
fn invalid_utf8_cell() {
    let (err, message) = load_err("invalid_utf8.csv", &CsvSpec::classification("label"));
    assert!(
        matches!(err, DataError::InvalidUtf8 { line: 3, .. }),
        "{err:?}"
    );
    assert_names(&message, "invalid_utf8.csv", "line 3", Some("x2"));
}

#[test]
fn missing_target_column() {
    let (err, message) = load_err("not_a_number.csv", &CsvSpec::classification("species"));
    assert!(
        matches!(err, DataError::MissingColumn { line: 1, .. }),
        "{err:?}"
    );
    assert_names(&message, "not_a_number.csv", "line 1", Some("species"));
    assert!(message.contains("x1, x2, label"), "{message}");
}

#[test]
fn missing_feature_column() {
    let spec = CsvSpec::classification("label").features(["x1", "x3"]);
    let (err, message) = load_err("not_a_number.csv", &spec);
    assert!(matches!(err, DataError::MissingColumn { .. }), "{err:?}");
    assert_names(&message, "not_a_number.csv", "line 1", Some("x3"));
}

#[test]
fn ambiguous_column() {
    let spec = CsvSpec::classification("label").features(["x1"]);
    let (err, message) = load_err("duplicate_column.csv", &spec);
    assert!(
        matches!(err, DataError::DuplicateColumn { count: 2, .. }),
        "{err:?}"
    );
    assert_names(&message, "duplicate_column.csv", "line 1", Some("x1"));
}

#[test]
fn target_listed_as_feature() {
    let spec = CsvSpec::classification("label").features(["x1", "label"]);
    let (err, message) = load_err("one_class.csv", &spec);
    assert!(matches!(err, DataError::TargetAsFeature { .. }), "{err:?}");
    assert_names(&message, "one_class.csv", "line 1", Some("label"));
}

#[test]
fn no_feature_columns() {
    let spec = CsvSpec::classification("label").features(Vec::<String>::new());
    let (err, message) = load_err("one_class.csv", &spec);
    assert!(matches!(err, DataError::NoFeatures { .. }), "{err:?}");
    assert_names(&message, "one_class.csv", "line 1", Some("label"));
}

#[test]
fn too_many_classes_for_the_model() {
    // Labels in file order: cat dog cat eel fox ant; with 3 classes allowed, `fox` on line 6 is
    // the fourth distinct label.
    let spec = CsvSpec::classification("label").expect_classes(3);
    let (err, message) = load_err("four_classes.csv", &spec);
    let DataError::TooManyClasses {
        line,
        ref value,
        ref found,
        ..
    } = err
    else {
        panic!("{err:?}");
    };
    assert_eq!((line, value.as_str()), (6, "fox"));
    assert_eq!(found, &["ant", "cat", "dog", "eel", "fox"]);
    assert_names(&message, "four_classes.csv", "line 6", Some("label"));
}

#[test]
fn too_few_classes_for_the_model() {
    let spec = CsvSpec::classification("label").expect_classes(6);
    let (err, message) = load_err("four_classes.csv", &spec);
    assert!(
        matches!(err, DataError::TooFewClasses { expected: 6, .. }),
        "{err:?}"
    );
    assert_names(&message, "four_classes.csv", "lines 2-7", Some("label"));

    // Without an expected count, a classifier still needs two classes.
    let (err, message) = load_err("one_class.csv", &CsvSpec::classification("label"));
    assert!(
        matches!(err, DataError::TooFewClasses { expected: 2, .. }),
        "{err:?}"
    );
    assert_names(&message, "one_class.csv", "lines 2-4", Some("label"));
}

#[test]
fn unknown_class_label() {
    let spec = CsvSpec::classification("label").known_classes(["cat", "dog"]);
    let (err, message) = load_err("four_classes.csv", &spec);
    assert!(
        matches!(err, DataError::UnknownClass { line: 5, .. }),
        "{err:?}"
    );
    assert_names(&message, "four_classes.csv", "line 5", Some("label"));
    assert!(message.contains("\"eel\""), "{message}");
}

#[test]
fn in_memory_source_name_is_used() {
    let err = Dataset::from_reader(
        "memory.csv",
        "a,b\n1,x\n".as_bytes(),
        &CsvSpec::regression("b"),
    )
    .unwrap_err();
    assert_names(&err.to_string(), "memory.csv", "line 2", Some("b"));
}

// ---- splits ----------------------------------------------------------------------------------

fn assert_partition(rows: usize, parts: &[&[usize]]) {
    let mut seen = vec![0; rows];
    for part in parts {
        assert!(part.windows(2).all(|w| w[0] < w[1]), "not increasing");
        for &r in *part {
            seen[r] += 1;
        }
    }
    assert!(seen.iter().all(|&n| n == 1), "not a partition: {seen:?}");
}

#[test]
fn random_split_is_deterministic_per_seed() {
    let spec = SplitSpec::new(0.1, 0.2, 42);
    let a = split_rows(150, &spec).unwrap();
    let b = split_rows(150, &spec).unwrap();
    assert_eq!(a, b);
    assert_eq!(
        (a.train.len(), a.validation.len(), a.test.len()),
        (105, 15, 30)
    );
    assert_partition(150, &[&a.train, &a.validation, &a.test]);
    let c = split_rows(150, &SplitSpec::new(0.1, 0.2, 43)).unwrap();
    assert_ne!(a.test, c.test);
    // The dataset method is the same function of the row count.
    assert_eq!(iris().split(&spec).unwrap(), a);
}

#[test]
fn stratified_split_keeps_class_proportions() {
    let data = iris();
    let spec = SplitSpec::new(0.1, 0.2, 7).stratified();
    let split = data.split(&spec).unwrap();
    assert_eq!(split, data.split(&spec).unwrap());
    assert_partition(150, &[&split.train, &split.validation, &split.test]);
    let labels = data.labels().unwrap();
    assert_eq!(count_by_class(labels, &split.test, 3), [10, 10, 10]);
    assert_eq!(count_by_class(labels, &split.validation, 3), [5, 5, 5]);
    assert_eq!(count_by_class(labels, &split.train, 3), [35, 35, 35]);

    // Digits: every class less than one row from 20 % of its count, 360 rows in all.
    let digits = digits();
    let labels = digits.labels().unwrap();
    let split = digits
        .split(&SplitSpec::new(0.0, 0.2, 1).stratified())
        .unwrap();
    let all: Vec<usize> = (0..digits.len()).collect();
    let totals = count_by_class(labels, &all, 10);
    for (test, total) in count_by_class(labels, &split.test, 10).iter().zip(totals) {
        assert!(
            (*test as f64 - 0.2 * total as f64).abs() < 1.0,
            "{test} of {total}"
        );
    }
    assert_eq!(
        split_stratified(labels, 10, &SplitSpec::new(0.0, 0.2, 1)).unwrap(),
        split
    );
}

/// Test-part sizes (and, stratified, per-class sizes) printed by scikit-learn 1.9.1's
/// `train_test_split` (`tests/reference/split_sizes.py`).
#[test]
fn split_sizes_are_scikit_learns() {
    let cases: [(&[usize], f64, usize, &[usize]); 6] = [
        (&[212, 357], 0.25, 143, &[53, 90]),
        (&[50, 50, 50], 0.2, 30, &[10, 10, 10]),
        (
            &[178, 182, 177, 183, 181, 182, 181, 179, 174, 180],
            0.2,
            360,
            &[36, 36, 35, 37, 36, 37, 36, 36, 35, 36],
        ),
        (&[7, 13, 29, 2], 0.3, 16, &[2, 4, 9, 1]),
        (&[59, 71, 48], 0.25, 45, &[15, 18, 12]),
        (&[3, 4], 0.5, 4, &[2, 2]),
    ];
    for (counts, test, expected_test, expected_per_class) in cases {
        let labels: Vec<usize> = counts
            .iter()
            .enumerate()
            .flat_map(|(class, &n)| std::iter::repeat_n(class, n))
            .collect();
        let n = labels.len();
        for seed in [0, 1, 42] {
            let plain = split_rows(n, &SplitSpec::new(0.0, test, seed)).unwrap();
            assert_eq!(plain.test.len(), expected_test, "{counts:?} unstratified");
            assert_eq!(plain.train.len(), n - expected_test);
            let spec = SplitSpec::new(0.0, test, seed).stratified();
            let split = split_stratified(&labels, counts.len(), &spec).unwrap();
            assert_eq!(
                count_by_class(&labels, &split.test, counts.len()),
                expected_per_class,
                "{counts:?} stratified, seed {seed}"
            );
            assert_partition(n, &[&split.train, &split.validation, &split.test]);
        }
    }
    // With a validation part: ceil(0.1 × 569) = 57 rows of what the test part left, stratified
    // in proportion again.
    let labels: Vec<usize> = (0..569).map(|i| usize::from(i >= 212)).collect();
    let split = split_stratified(&labels, 2, &SplitSpec::new(0.1, 0.25, 3).stratified()).unwrap();
    assert_eq!(
        (split.train.len(), split.validation.len(), split.test.len()),
        (369, 57, 143)
    );
    assert_eq!(count_by_class(&labels, &split.validation, 2), [21, 36]);
    assert_partition(569, &[&split.train, &split.validation, &split.test]);
}

#[test]
fn a_preprocessor_is_the_training_parts_standardization_and_class_names() {
    let data = iris();
    let split = data
        .split(&SplitSpec::new(0.0, 0.2, 5).stratified())
        .unwrap();
    let (mut train, mut test) = (
        data.subset(&split.train).unwrap(),
        data.subset(&split.test).unwrap(),
    );
    let pre = Preprocessor::fit(&train).unwrap();
    assert_eq!(pre.standardizer(), &Standardizer::fit(&train).unwrap());
    assert_eq!(pre.labels(), data.class_names().unwrap());
    let mut expected = test.clone();
    Standardizer::fit(&train)
        .unwrap()
        .transform(&mut expected)
        .unwrap();
    pre.transform(&mut test).unwrap();
    pre.transform(&mut train).unwrap();
    assert_eq!(test.features(), expected.features());

    // It writes both into the model file.
    type Net = (embednn::Dense<4, 3>, embednn::Softmax);
    let model = <Net as embednn::Init>::init(
        embednn::Initializer::GlorotUniform,
        &mut embednn::Rng::seed(1),
    );
    let mut file = vec![0; embednn::format::ModelFile::<Net>::MAX_BYTES];
    let n = pre.write(&model, &mut file).unwrap();
    let info = embednn::format::ModelInfo::parse(&file[..n]).unwrap();
    assert_eq!(
        info.labels().collect::<Vec<_>>(),
        ["setosa", "versicolor", "virginica"]
    );
    let means: Vec<f32> = info.mean.iter().collect();
    assert_eq!(means, pre.standardizer().mean());
    let renamed = pre.clone().with_labels(["a", "b", "c"]);
    assert_eq!(renamed.labels(), ["a", "b", "c"]);
    assert_eq!(renamed.standardizer(), pre.standardizer());

    // A regression set has no class names.
    let regression =
        Dataset::from_csv(fixture("regression.csv"), &CsvSpec::regression("y")).unwrap();
    assert!(Preprocessor::fit(&regression).unwrap().labels().is_empty());
    assert!(matches!(
        Preprocessor::fit(&regression.subset(&[]).unwrap()),
        Err(DataError::NoRows { .. })
    ));
}

#[test]
fn split_errors() {
    assert!(matches!(
        split_rows(10, &SplitSpec::new(0.6, 0.6, 0)),
        Err(DataError::InvalidSplit { .. })
    ));
    assert!(matches!(
        split_rows(10, &SplitSpec::new(-0.1, 0.2, 0)),
        Err(DataError::InvalidSplit { .. })
    ));
    assert!(matches!(
        split_rows(10, &SplitSpec::new(f64::NAN, 0.2, 0)),
        Err(DataError::InvalidSplit { .. })
    ));
    assert!(matches!(
        split_rows(10, &SplitSpec::new(0.5, 0.5, 0)),
        Err(DataError::InvalidSplit { .. })
    ));
    assert!(matches!(
        split_rows(0, &SplitSpec::new(0.0, 0.0, 0)),
        Err(DataError::InvalidSplit { .. })
    ));
    assert!(matches!(
        split_stratified(&[0, 3], 2, &SplitSpec::new(0.0, 0.5, 0)),
        Err(DataError::InvalidSplit { .. })
    ));
    let regression =
        Dataset::from_csv(fixture("regression.csv"), &CsvSpec::regression("y")).unwrap();
    assert!(matches!(
        regression.split(&SplitSpec::new(0.0, 0.3, 0).stratified()),
        Err(DataError::TargetKind { .. })
    ));
}

#[test]
fn every_kth_split() {
    let split = every_kth(10, 3, 0).unwrap();
    assert_eq!(split.test, [0, 3, 6, 9]);
    assert_eq!(split.train, [1, 2, 4, 5, 7, 8]);
    assert!(matches!(
        every_kth(10, 1, 0),
        Err(DataError::InvalidSplit { .. })
    ));
    assert!(matches!(
        every_kth(10, 3, 3),
        Err(DataError::InvalidSplit { .. })
    ));
}

#[test]
fn k_fold_covers_every_row_once() {
    for (rows, k) in [(150, 5), (10, 3), (7, 7), (1797, 10)] {
        let folds = k_fold(rows, k, 99).unwrap();
        assert_eq!(folds.len(), k);
        let validation: Vec<&[usize]> = folds.iter().map(|f| f.validation.as_slice()).collect();
        assert_partition(rows, &validation);
        for fold in &folds {
            assert_partition(rows, &[&fold.train, &fold.validation]);
            let size = fold.validation.len();
            assert!(size == rows / k || size == rows / k + 1);
        }
        assert_eq!(folds, k_fold(rows, k, 99).unwrap());
    }
    assert_ne!(k_fold(150, 5, 1).unwrap(), k_fold(150, 5, 2).unwrap());
    assert_eq!(iris().k_fold(5, 3).unwrap(), k_fold(150, 5, 3).unwrap());
    assert!(matches!(
        k_fold(10, 1, 0),
        Err(DataError::InvalidSplit { .. })
    ));
    assert!(matches!(
        k_fold(3, 4, 0),
        Err(DataError::InvalidSplit { .. })
    ));
}

// ---- standardization -------------------------------------------------------------------------

#[test]
fn standardizer_is_fitted_on_training_rows_only() {
    let data = iris();
    let split = data
        .split(&SplitSpec::new(0.0, 0.3, 5).stratified())
        .unwrap();
    let train = data.subset(&split.train).unwrap();
    let scaler = Standardizer::fit(&train).unwrap();

    // The same statistics, by hand, from the training rows.
    for c in 0..4 {
        let xs: Vec<f64> = train.rows().map(|r| f64::from(r[c])).collect();
        let mean = xs.iter().sum::<f64>() / xs.len() as f64;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / xs.len() as f64;
        assert_eq!(scaler.mean()[c], mean as f32);
        assert_eq!(scaler.std()[c], var.sqrt() as f32);
    }

    // Test rows do not influence it: wildly different test rows, same fit.
    let mut features = data.features().to_vec();
    for &r in &split.test {
        features[r * 4..r * 4 + 4].fill(1000.0);
    }
    let altered = Dataset::new(
        "altered",
        data.feature_names().to_vec(),
        "species",
        features,
        data.target().clone(),
    )
    .unwrap();
    let refit = Standardizer::fit(&altered.subset(&split.train).unwrap()).unwrap();
    assert_eq!(refit, scaler);
    assert_ne!(Standardizer::fit(&altered).unwrap(), scaler);

    // Transformed training features have mean 0 and std 1.
    let mut scaled = train.clone();
    scaler.transform(&mut scaled).unwrap();
    for c in 0..4 {
        let xs: Vec<f64> = scaled.rows().map(|r| f64::from(r[c])).collect();
        let mean = xs.iter().sum::<f64>() / xs.len() as f64;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / xs.len() as f64;
        assert!(mean.abs() < 1e-6, "mean {mean}");
        assert!((var - 1.0).abs() < 1e-5, "var {var}");
    }
}

#[test]
fn constant_features_get_unit_std() {
    // Digits: p0 is 0 in every row.
    let mut data = digits();
    let scaler = Standardizer::fit(&data).unwrap();
    assert_eq!((scaler.mean()[0], scaler.std()[0]), (0.0, 1.0));
    scaler.transform(&mut data).unwrap();
    assert!(data.features().iter().all(|x| x.is_finite()));
    assert!(data.rows().all(|r| r[0] == 0.0));

    let constant = Dataset::new(
        "c",
        vec!["a".into()],
        "y",
        vec![0.1; 3],
        Target::Regression(vec![0.0; 3]),
    )
    .unwrap();
    let scaler = Standardizer::fit(&constant).unwrap();
    assert_eq!(
        (scaler.mean(), scaler.std()),
        (&[0.1f32][..], &[1.0f32][..])
    );
}

#[test]
fn standardizer_errors() {
    let data = iris();
    let empty = data.subset(&[]).unwrap();
    assert!(matches!(
        Standardizer::fit(&empty),
        Err(DataError::NoRows { .. })
    ));
    let scaler = Standardizer::from_parts(vec![0.0; 3], vec![1.0; 3]).unwrap();
    let mut wrong = data.clone();
    assert!(matches!(
        scaler.transform(&mut wrong),
        Err(DataError::Standardizer { .. })
    ));
    assert_eq!(wrong, data, "nothing changed on error");
    assert!(scaler.transform_row(&mut [0.0; 4]).is_err());
    assert!(Standardizer::from_parts(vec![0.0], vec![0.0]).is_err());
    assert!(Standardizer::from_parts(vec![0.0], vec![f32::NAN]).is_err());
    assert!(Standardizer::from_parts(vec![0.0, 1.0], vec![1.0]).is_err());
}
