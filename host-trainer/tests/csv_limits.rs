//! The CSV reader's limits and its messages for malformed text: cells and records over the
//! [`CsvSpec`] limits, invalid UTF-8, duplicate header names, a quote the file never closes and
//! rows of the wrong length, each naming the file, the line and the column. Also the dialect
//! (checked against the `csv` crate) and, `#[ignore]`d because it writes and reads a 200 MB
//! file, the peak memory of a load:
//!
//! ```text
//! cargo test -p host-trainer --release --test csv_limits -- --ignored --nocapture
//! ```

use std::io::Write as _;
use std::path::PathBuf;

use host_trainer::data::{CsvSpec, DataError, Dataset};

/// Writes `text` as `name` in a fresh directory (kept alive by the returned guard).
fn file(name: &str, text: &[u8]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    (dir, path)
}

/// Loads `text` from a file called `name` and returns the error and its message, which must
/// name the file and contain each of `parts`.
#[track_caller]
fn load_err(name: &str, text: &[u8], spec: &CsvSpec, parts: &[&str]) -> DataError {
    let (_dir, path) = file(name, text);
    let err = match Dataset::from_csv(&path, spec) {
        Ok(data) => panic!("{name} loaded ({} rows), expected an error", data.len()),
        Err(err) => err,
    };
    let message = err.to_string();
    assert!(message.contains(name), "no file name in: {message}");
    for part in parts {
        assert!(message.contains(part), "no {part:?} in: {message}");
    }
    err
}

#[test]
fn a_cell_over_the_default_field_limit_names_file_line_column_and_limit() {
    let mut text = b"x1,x2,label\n1,2,a\n3,".to_vec();
    text.extend(std::iter::repeat_n(
        b'7',
        CsvSpec::DEFAULT_MAX_FIELD_BYTES + 1,
    ));
    text.extend(b",b\n");
    let err = load_err(
        "wide.csv",
        &text,
        &CsvSpec::classification("label"),
        &["line 3, column `x2`", "1024 bytes", "max_field_bytes"],
    );
    assert!(
        matches!(err, DataError::FieldTooLong { line: 3, ref column, limit: 1024, .. } if column == "x2"),
        "{err:?}"
    );
}

#[test]
fn max_field_bytes_is_configurable_and_inclusive() {
    let text = b"x,label\n12345678,a\n1,b\n";
    let spec = CsvSpec::classification("label").max_field_bytes(8);
    assert_eq!(
        Dataset::from_reader("ok.csv", &text[..], &spec)
            .unwrap()
            .len(),
        2
    );
    let spec = CsvSpec::classification("label").max_field_bytes(7);
    let err = load_err(
        "narrow.csv",
        text,
        &spec,
        &["line 2, column `x`", "7 bytes"],
    );
    assert!(
        matches!(
            err,
            DataError::FieldTooLong {
                line: 2,
                limit: 7,
                ..
            }
        ),
        "{err:?}"
    );
    // Header names obey the limit too, named by position.
    let spec = CsvSpec::classification("label").max_field_bytes(4);
    let err = load_err("header.csv", text, &spec, &["line 1", "#2 of the header"]);
    assert!(
        matches!(
            err,
            DataError::FieldTooLong {
                line: 1,
                limit: 4,
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn a_record_over_max_record_bytes_names_file_line_column_and_limit() {
    // 20 columns of "1.5" are 20 × 3 + 19 = 79 bytes: fine at 79, refused at 78 in the last one.
    let header: Vec<String> = (0..20).map(|i| format!("c{i}")).collect();
    let row = vec!["1.5"; 20].join(",");
    let text = format!("{}\n{row}\n{row}\n", header.join(","));
    let spec = CsvSpec::regression("c0").max_record_bytes(79);
    let data = Dataset::from_reader("ok.csv", text.as_bytes(), &spec).unwrap();
    assert_eq!(data.len(), 2);
    let spec = CsvSpec::regression("c0").max_record_bytes(78);
    let err = load_err(
        "long.csv",
        text.as_bytes(),
        &spec,
        &["line 2, column `c19`", "78 bytes", "max_record_bytes"],
    );
    assert!(
        matches!(err, DataError::RecordTooLong { line: 2, ref column, limit: 78, .. } if column == "c19"),
        "{err:?}"
    );
}

#[test]
fn the_default_record_limit_stops_a_huge_record_early() {
    // 3 MiB in one record of short cells: refused at 1 MiB, with the header's names.
    let mut text = b"x,y\n".to_vec();
    for _ in 0..(3 << 19) {
        text.extend(b"1,");
    }
    text.extend(b"1\n");
    let err = load_err(
        "huge.csv",
        &text,
        &CsvSpec::regression("y"),
        &["line 2", "1048576 bytes", "(the header has 2 columns)"],
    );
    assert!(
        matches!(
            err,
            DataError::RecordTooLong {
                line: 2,
                limit: 1_048_576,
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn an_unterminated_quote_names_the_line_and_column_it_opens() {
    // Without the check, `"b` swallows the rest of the file as one label.
    let text = b"x,label\n1,a\n2,\"b\n3,c\n4,d\n";
    let err = load_err(
        "quote.csv",
        text,
        &CsvSpec::classification("label"),
        &["line 3, column `label`", "never closed"],
    );
    assert!(
        matches!(err, DataError::UnterminatedQuote { line: 3, ref column, .. } if column == "label"),
        "{err:?}"
    );
    // A closed quote at the very end, without a final line ending, is fine.
    let text = b"x,label\n1,a\n2,\"b\"";
    let data = Dataset::from_reader("closed.csv", &text[..], &CsvSpec::classification("label"));
    assert_eq!(data.unwrap().class_names().unwrap(), ["a", "b"]);
}

#[test]
fn an_unterminated_quote_in_a_long_file_hits_the_field_limit_first() {
    // The reader does not buffer the rest of the file looking for the closing quote.
    let mut text = b"x,label\n1,\"a\n".to_vec();
    for i in 0..100_000 {
        text.extend(format!("{i},b\n").as_bytes());
    }
    let err = load_err(
        "runaway.csv",
        &text,
        &CsvSpec::classification("label"),
        &["line 2, column `label`", "1024 bytes"],
    );
    assert!(
        matches!(err, DataError::FieldTooLong { line: 2, .. }),
        "{err:?}"
    );
}

#[test]
fn invalid_utf8_names_line_column_and_byte() {
    let err = load_err(
        "bytes.csv",
        b"x,label\n1,a\n2,ok\xff\n",
        &CsvSpec::classification("label"),
        &["line 3, column `label`", "byte 3 of the cell", "0xff"],
    );
    assert!(
        matches!(
            err,
            DataError::InvalidUtf8 {
                line: 3,
                offset: 2,
                byte: 0xff,
                ref column,
                ..
            } if column == "label"
        ),
        "{err:?}"
    );
    // In the header, the column is named by position.
    let err = load_err(
        "header.csv",
        b"x,\xc3(\n1,2\n",
        &CsvSpec::regression("x"),
        &["line 1, column `#2 of the header`", "byte 1 of the cell"],
    );
    assert!(
        matches!(err, DataError::InvalidUtf8 { line: 1, .. }),
        "{err:?}"
    );
}

#[test]
fn line_numbers_count_blank_lines_and_multiline_cells() {
    // The `csv` crate's record position was the end of the previous record: line 3 here.
    let err = load_err(
        "blank.csv",
        b"x,label\n1,a\n\n\nfoo,b\n",
        &CsvSpec::classification("label"),
        &["line 5, column `x`", "\"foo\""],
    );
    assert!(
        matches!(err, DataError::NotANumber { line: 5, .. }),
        "{err:?}"
    );
    // A quoted cell spanning lines, and CRLF endings.
    let err = load_err(
        "multiline.csv",
        b"x,label\r\n1,\"two\r\nlines\"\r\nbad,b\r\n",
        &CsvSpec::classification("label"),
        &["line 4, column `x`"],
    );
    assert!(
        matches!(err, DataError::NotANumber { line: 4, .. }),
        "{err:?}"
    );
}

#[test]
fn duplicate_header_names_are_refused_when_they_are_features() {
    // Every column but the target is a feature: two `x` columns would be ambiguous features.
    let err = load_err(
        "dup.csv",
        b"x,x,label\n1,2,a\n3,4,b\n",
        &CsvSpec::classification("label"),
        &["line 1, column `x`", "2 times"],
    );
    assert!(
        matches!(err, DataError::DuplicateColumn { line: 1, count: 2, ref column, .. } if column == "x"),
        "{err:?}"
    );
    // A repeated name the spec does not use is harmless.
    let spec = CsvSpec::classification("label").features(["x"]);
    let data = Dataset::from_reader(
        "ok.csv",
        &b"x,note,note,label\n1,p,q,a\n2,r,s,b\n"[..],
        &spec,
    );
    assert_eq!(data.unwrap().features(), [1.0, 2.0]);
    // Feature tables without a target (the CLI's `predict`) check it too.
    let (_dir, path) = file("table.csv", b"a,b,a\n1,2,3\n");
    let err = Dataset::csv_features(&path, None).unwrap_err();
    assert!(
        matches!(err, DataError::DuplicateColumn { count: 2, .. }),
        "{err:?}"
    );
}

#[test]
fn rows_of_the_wrong_length_name_the_line_and_column() {
    // A quoted comma is inside a cell; the extra cell is after it.
    let err = load_err(
        "extra.csv",
        b"x,label\n1,a\n2,\"b,c\",d\n",
        &CsvSpec::classification("label"),
        &["line 3, after column `label`", "3 cells", "only 2 columns"],
    );
    assert!(
        matches!(
            err,
            DataError::ExtraCells {
                line: 3,
                found: 3,
                expected: 2,
                ..
            }
        ),
        "{err:?}"
    );
    let err = load_err(
        "short.csv",
        b"x1,x2,label\n1,2,a\n3\n",
        &CsvSpec::classification("label"),
        &["line 3, column `x2`", "1 cells", "3 columns"],
    );
    assert!(
        matches!(
            err,
            DataError::MissingCells {
                line: 3,
                found: 1,
                expected: 3,
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn the_dialect_is_the_csv_crates() {
    // BOM, quotes with `""`, a quote inside an unquoted cell, trimming, CRLF, lone CR, blank
    // lines, no final line ending.
    let text: &[u8] = b"\xef\xbb\xbfx , label\r\n1,\"a \"\"q\"\"\"\r\n\r\n 2 ,b\"c\r3,\" pad \"\n\n4,\"x,y\"\"\"z";
    let data =
        Dataset::from_reader("dialect.csv", text, &CsvSpec::classification("label")).unwrap();
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text);
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(header, ["x", "label"]);
    assert_eq!(data.feature_names(), ["x"]);
    assert_eq!(data.target_name(), "label");
    let (mut xs, mut labels) = (Vec::new(), Vec::new());
    for record in reader.records() {
        let record = record.unwrap();
        xs.push(record[0].parse::<f32>().unwrap());
        labels.push(record[1].to_string());
    }
    assert_eq!(data.features(), xs);
    let names = data.class_names().unwrap();
    let read: Vec<&str> = data
        .labels()
        .unwrap()
        .iter()
        .map(|&c| names[c].as_str())
        .collect();
    assert_eq!(read, labels);
    assert_eq!(labels, ["a \"q\"", "b\"c", "pad", "x,y\"z"]);
}

#[test]
fn inferred_classes_keep_their_order_and_blame() {
    // Interned labels: integers sort by value, and the first label beyond the count is blamed.
    let text = b"x,label\n1,10\n2,2\n3,10\n4,01\n5,1\n";
    let data =
        Dataset::from_reader("int.csv", &text[..], &CsvSpec::classification("label")).unwrap();
    assert_eq!(data.class_names().unwrap(), ["01", "1", "2", "10"]);
    assert_eq!(data.labels().unwrap(), [3, 2, 3, 0, 1]);
    let spec = CsvSpec::classification("label").expect_classes(2);
    let err = load_err("many.csv", text, &spec, &["line 5", "\"01\""]);
    assert!(
        matches!(err, DataError::TooManyClasses { line: 5, .. }),
        "{err:?}"
    );
}

/// This process's peak resident set, in bytes (`VmHWM`).
fn peak_rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().strip_suffix("kB"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap();
    kb * 1024
}

/// This process's resident set now, in bytes (`VmRSS`).
fn rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().strip_suffix("kB"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap();
    kb * 1024
}

#[test]
#[ignore = "writes and reads a 200 MB CSV; run with --release -- --ignored"]
fn peak_memory_of_a_200_mb_csv_is_at_most_twice_its_f32_data() {
    const COLUMNS: usize = 8;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.csv");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    let header: Vec<String> = (0..COLUMNS).map(|c| format!("x{c}")).collect();
    writeln!(out, "{},y", header.join(",")).unwrap();
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut written = 0u64;
    let mut rows = 0u64;
    while written < 200_000_000 {
        let mut line = String::new();
        for c in 0..=COLUMNS {
            // xorshift: values like 0.83712345 and -12.5
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let v = (state >> 40) as f32 / (1u64 << 24) as f32 * 200.0 - 100.0;
            if c > 0 {
                line.push(',');
            }
            line += &v.to_string();
        }
        line.push('\n');
        written += line.len() as u64;
        rows += 1;
        out.write_all(line.as_bytes()).unwrap();
    }
    out.flush().unwrap();
    drop(out);

    // Reset the peak to the current resident set where the kernel allows it.
    let reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();
    let baseline = if reset { rss() } else { peak_rss() };
    let start = std::time::Instant::now();
    let data = Dataset::from_csv(&path, &CsvSpec::regression("y")).unwrap();
    let seconds = start.elapsed().as_secs_f64();
    let peak = peak_rss().saturating_sub(baseline);
    assert_eq!(data.len() as u64, rows);
    let f32_bytes = (data.features().len() + data.len()) * std::mem::size_of::<f32>();
    let mb = |b: f64| b / 1e6;
    let ratio = peak as f64 / f32_bytes as f64;
    println!(
        "CSV {:.1} MB ({rows} rows × {} columns), f32 data {:.1} MB, peak extra RSS {:.1} MB \
         (peak reset: {reset}), ratio {ratio:.2}, read in {seconds:.2} s",
        mb(written as f64),
        COLUMNS + 1,
        mb(f32_bytes as f64),
        mb(peak as f64),
    );
    assert!(
        ratio <= 2.0,
        "peak {peak} bytes for {f32_bytes} bytes of f32"
    );
}
