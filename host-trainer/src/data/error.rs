//! [`DataError`]: why data could not be loaded, split or converted, with messages that name the
//! file, the line and the column.

use std::fmt::Write as _;

/// How many class names an error message lists before it elides the rest.
const LISTED_NAMES: usize = 12;

/// Why data could not be loaded, split or converted.
///
/// Every variant about a file's contents names the file, the line (1-based, the header is line
/// 1) and the column by its header name.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    /// The file could not be opened or read.
    #[error("{file}: cannot read: {source}")]
    Io {
        /// The file.
        file: String,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// A CSV reader failed for a reason other than I/O. This crate's reader reports each
    /// problem as its own variant instead; this one is for other readers of CSV text.
    #[error("{file}: line {line}: malformed CSV: {message}")]
    Csv {
        /// The file.
        file: String,
        /// The line where reading stopped.
        line: u64,
        /// The CSV reader's message.
        message: String,
    },
    /// The file has no header row at all.
    #[error("{file}: line 1: the file is empty (expected a header row naming the columns)")]
    NoHeader {
        /// The file.
        file: String,
    },
    /// The file (or data set) has a header but no data rows.
    #[error("{file}: no data rows after the header on line 1")]
    NoRows {
        /// The file.
        file: String,
    },
    /// A cell is not valid UTF-8.
    #[error("{file}: line {line}, column `{column}`: the cell is not valid UTF-8 (byte {} of the cell, 0x{byte:02x}, is the first invalid one)", .offset + 1)]
    InvalidUtf8 {
        /// The file.
        file: String,
        /// The line of the record holding the cell.
        line: u64,
        /// The column's header name (or its position if the header itself is unreadable).
        column: String,
        /// Where in the cell (trimmed, 0-based) the first byte that is not UTF-8 is.
        offset: usize,
        /// That byte.
        byte: u8,
    },
    /// A cell is longer than [`CsvSpec::max_field_bytes`](super::CsvSpec::max_field_bytes).
    #[error("{file}: line {line}, column `{column}`: the cell is longer than the limit of {limit} bytes (CsvSpec::max_field_bytes)")]
    FieldTooLong {
        /// The file.
        file: String,
        /// The line where the record holding the cell starts.
        line: u64,
        /// The cell's column (its position if it is in the header or past the header's end).
        column: String,
        /// The limit, in bytes.
        limit: usize,
    },
    /// A record is longer than [`CsvSpec::max_record_bytes`](super::CsvSpec::max_record_bytes).
    #[error("{file}: line {line}, column `{column}`: the record passes the limit of {limit} bytes in this cell (CsvSpec::max_record_bytes)")]
    RecordTooLong {
        /// The file.
        file: String,
        /// The line where the record starts.
        line: u64,
        /// The column being read when the record passed the limit.
        column: String,
        /// The limit, in bytes.
        limit: usize,
    },
    /// The file ends inside a quoted cell: its closing `"` is missing.
    #[error("{file}: line {line}, column `{column}`: the quoted cell is never closed (the file ends before its closing quote)")]
    UnterminatedQuote {
        /// The file.
        file: String,
        /// The line where the record holding the cell starts.
        line: u64,
        /// The cell's column (its position if it is in the header or past the header's end).
        column: String,
    },
    /// A column named in the [`CsvSpec`](super::CsvSpec) is not in the header.
    #[error("{file}: line {line}, column `{column}`: no such column in the header (columns: {})", list(.available))]
    MissingColumn {
        /// The file.
        file: String,
        /// The header's line.
        line: u64,
        /// The name that was asked for.
        column: String,
        /// The header's column names.
        available: Vec<String>,
    },
    /// A column the [`CsvSpec`](super::CsvSpec) uses (the target, a named feature, or any column
    /// when every column but the target is a feature) appears more than once in the header.
    #[error("{file}: line {line}, column `{column}`: the header has this name {count} times, so it is ambiguous")]
    DuplicateColumn {
        /// The file.
        file: String,
        /// The header's line.
        line: u64,
        /// The repeated name.
        column: String,
        /// How many columns have it.
        count: usize,
    },
    /// The target column is also listed as a feature, which would leak the answer.
    #[error("{file}: line {line}, column `{column}`: the target column cannot also be a feature")]
    TargetAsFeature {
        /// The file.
        file: String,
        /// The header's line.
        line: u64,
        /// The target column.
        column: String,
    },
    /// No feature columns are left.
    #[error("{file}: line {line}: no feature columns (the target is `{target}`)")]
    NoFeatures {
        /// The file.
        file: String,
        /// The header's line.
        line: u64,
        /// The target column.
        target: String,
    },
    /// A row ends before the header's last column.
    #[error("{file}: line {line}, column `{column}`: the row ends here: it has {found} cells but the header has {expected} columns")]
    MissingCells {
        /// The file.
        file: String,
        /// The row's line.
        line: u64,
        /// The first column without a cell.
        column: String,
        /// Cells in the row.
        found: usize,
        /// Columns in the header.
        expected: usize,
    },
    /// A row has more cells than the header has columns.
    #[error("{file}: line {line}, after column `{column}`: the row has {found} cells but the header has only {expected} columns")]
    ExtraCells {
        /// The file.
        file: String,
        /// The row's line.
        line: u64,
        /// The header's last column.
        column: String,
        /// Cells in the row.
        found: usize,
        /// Columns in the header.
        expected: usize,
    },
    /// A feature, regression target or class label cell is empty.
    #[error("{file}: line {line}, column `{column}`: the cell is empty")]
    EmptyCell {
        /// The file.
        file: String,
        /// The row's line.
        line: u64,
        /// The cell's column.
        column: String,
    },
    /// A numeric cell does not parse as a number.
    #[error("{file}: line {line}, column `{column}`: expected a number, found {value:?}")]
    NotANumber {
        /// The file.
        file: String,
        /// The row's line.
        line: u64,
        /// The cell's column.
        column: String,
        /// The cell's text.
        value: String,
    },
    /// A numeric cell is NaN, infinite, or beyond the range of `f32`.
    #[error("{file}: line {line}, column `{column}`: {value:?} is not a finite f32 (NaN, infinite or out of range)")]
    NotFinite {
        /// The file.
        file: String,
        /// The row's line.
        line: u64,
        /// The cell's column.
        column: String,
        /// The cell's text.
        value: String,
    },
    /// A label is not one of the classes given by [`TargetKind::KnownClasses`](super::TargetKind::KnownClasses).
    #[error("{file}: line {line}, column `{column}`: unknown class {value:?} (the model's classes: {})", list(.known))]
    UnknownClass {
        /// The file.
        file: String,
        /// The row's line.
        line: u64,
        /// The target column.
        column: String,
        /// The label found.
        value: String,
        /// The classes the model knows.
        known: Vec<String>,
    },
    /// The target column has more distinct labels than the model has classes.
    #[error("{file}: line {line}, column `{column}`: label {value:?} is distinct label number {}, but the model has only {expected} classes (found {}: {})", .expected + 1, .found.len(), list(.found))]
    TooManyClasses {
        /// The file.
        file: String,
        /// The line where the first label beyond the model's count appears.
        line: u64,
        /// The target column.
        column: String,
        /// That label.
        value: String,
        /// Classes the model has.
        expected: usize,
        /// Every distinct label found, sorted.
        found: Vec<String>,
    },
    /// The target column has fewer distinct labels than the model has classes.
    #[error("{file}: lines {first_line}-{last_line}, column `{column}`: found {} class(es) ({}), but need at least {expected}", .found.len(), list(.found))]
    TooFewClasses {
        /// The file.
        file: String,
        /// The first data line.
        first_line: u64,
        /// The last data line.
        last_line: u64,
        /// The target column.
        column: String,
        /// Classes needed.
        expected: usize,
        /// Every distinct label found, sorted.
        found: Vec<String>,
    },
    /// The model's input tensor does not hold one row's features.
    #[error("{file}: the model input `{tensor}` has {expected} values but the data has {found} feature columns")]
    FeatureCount {
        /// The data set's source.
        file: String,
        /// The input tensor type.
        tensor: &'static str,
        /// Values in the tensor.
        expected: usize,
        /// Feature columns in the data.
        found: usize,
    },
    /// The model's output tensor does not match the target encoding.
    #[error("{file}: column `{column}` gives {found} target value(s) per row ({encoding}) but the model output `{tensor}` has {expected}")]
    TargetSize {
        /// The data set's source.
        file: String,
        /// The target column.
        column: String,
        /// How the target is encoded.
        encoding: &'static str,
        /// The output tensor type.
        tensor: &'static str,
        /// Values in the tensor.
        expected: usize,
        /// Values per row the target encoding gives.
        found: usize,
    },
    /// Binary targets were asked of a class column without exactly two classes.
    #[error("{file}: column `{column}` has {} class(es) ({}), but binary targets need exactly 2", .found.len(), list(.found))]
    NotBinary {
        /// The data set's source.
        file: String,
        /// The target column.
        column: String,
        /// The class names.
        found: Vec<String>,
    },
    /// A class operation was asked of regression data, or the other way round.
    #[error("{file}: column `{column}` holds {actual}, not {wanted}")]
    TargetKind {
        /// The data set's source.
        file: String,
        /// The target column.
        column: String,
        /// What the target is.
        actual: &'static str,
        /// What the operation needs.
        wanted: &'static str,
    },
    /// A row index is past the end of the data set.
    #[error("{file}: row index {index} is out of range ({rows} rows)")]
    RowOutOfRange {
        /// The data set's source.
        file: String,
        /// The index asked for.
        index: usize,
        /// Rows in the data set.
        rows: usize,
    },
    /// A standardizer does not fit the data, or its parameters are invalid.
    #[error("standardizer: {reason}")]
    Standardizer {
        /// What is wrong (naming the data set's source when there is one).
        reason: String,
    },
    /// Split parameters are invalid for the number of rows.
    #[error("invalid split: {reason}")]
    InvalidSplit {
        /// What is wrong.
        reason: String,
    },
    /// [`Dataset::new`](super::Dataset::new) was given inconsistent parts.
    #[error("{file}: {reason}")]
    Inconsistent {
        /// The data set's source.
        file: String,
        /// What does not fit.
        reason: String,
    },
}

/// `a, b, c` — or the first [`LISTED_NAMES`] and a count of the rest.
fn list(names: &[String]) -> String {
    let mut out = names
        .iter()
        .take(LISTED_NAMES)
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > LISTED_NAMES {
        let _ = write!(out, ", … ({} more)", names.len() - LISTED_NAMES);
    }
    out
}
