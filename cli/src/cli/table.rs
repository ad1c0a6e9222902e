//! CSV reading the data module does not cover: the header alone (to default the target to the
//! last column), and feature tables with no target column (for `predict`).
//!
//! Cells are trimmed and blank lines skipped, as [`host_trainer::data`] does, and errors use its
//! [`DataError`] variants so that they read the same: file, line (1 is the header), column.

use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use host_trainer::data::DataError;

fn open(path: &Path) -> Result<csv::Reader<BufReader<File>>, DataError> {
    let file = path.display().to_string();
    let handle = File::open(path).map_err(|source| DataError::Io {
        file: file.clone(),
        source,
    })?;
    Ok(csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true) // row lengths are checked below, with better messages
        .trim(csv::Trim::All)
        .from_reader(BufReader::new(handle)))
}

fn csv_error(file: &str, e: csv::Error, line: u64) -> DataError {
    let line = e.position().map_or(line, csv::Position::line);
    match e.into_kind() {
        csv::ErrorKind::Io(source) => DataError::Io {
            file: file.to_string(),
            source,
        },
        kind => DataError::Csv {
            file: file.to_string(),
            line,
            message: format!("{kind:?}"),
        },
    }
}

/// The column names of a CSV's header row.
pub fn header(path: &Path) -> Result<Vec<String>, DataError> {
    let file = path.display().to_string();
    let mut reader = open(path)?;
    let names: Vec<String> = reader
        .headers()
        .map_err(|e| csv_error(&file, e, 1))?
        .iter()
        .map(str::to_string)
        .collect();
    if names.iter().all(String::is_empty) {
        return Err(DataError::NoHeader { file });
    }
    Ok(names)
}

/// Feature rows read from a CSV without a target column.
#[derive(Debug)]
pub struct FeatureTable {
    /// The chosen columns, in feature order.
    pub columns: Vec<String>,
    /// The features, row-major.
    pub values: Vec<f32>,
}

impl FeatureTable {
    /// The features of each row.
    pub fn rows(&self) -> impl Iterator<Item = &[f32]> {
        self.values.chunks_exact(self.columns.len().max(1))
    }
}

/// Reads the `features` columns (all columns if `None`) of every row as finite `f32`s.
pub fn features(path: &Path, features: Option<&[String]>) -> Result<FeatureTable, DataError> {
    let file = path.display().to_string();
    let names = header(path)?;
    let chosen: Vec<usize> = match features {
        None => (0..names.len()).collect(),
        Some(wanted) => wanted
            .iter()
            .map(|w| column_index(&file, &names, w))
            .collect::<Result<_, _>>()?,
    };
    let mut reader = open(path)?;
    let mut values = Vec::new();
    let mut record = csv::StringRecord::new();
    loop {
        let line = reader.position().line();
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(csv_error(&file, e, line)),
        }
        let line = record.position().map_or(line, csv::Position::line);
        if record.len() < names.len() {
            return Err(DataError::MissingCells {
                file,
                line,
                column: names[record.len()].clone(),
                found: record.len(),
                expected: names.len(),
            });
        }
        if record.len() > names.len() {
            return Err(DataError::ExtraCells {
                file,
                line,
                column: names.last().cloned().unwrap_or_default(),
                found: record.len(),
                expected: names.len(),
            });
        }
        for &c in &chosen {
            values.push(number(&file, line, &names[c], &record[c])?);
        }
    }
    if values.is_empty() {
        return Err(DataError::NoRows { file });
    }
    Ok(FeatureTable {
        columns: chosen.iter().map(|&c| names[c].clone()).collect(),
        values,
    })
}

/// The position of column `wanted`, which must appear exactly once.
pub fn column_index(file: &str, names: &[String], wanted: &str) -> Result<usize, DataError> {
    let mut found = names.iter().enumerate().filter(|(_, n)| *n == wanted);
    match (found.next(), found.count()) {
        (Some((i, _)), 0) => Ok(i),
        (Some(_), more) => Err(DataError::DuplicateColumn {
            file: file.to_string(),
            line: 1,
            column: wanted.to_string(),
            count: more + 1,
        }),
        (None, _) => Err(DataError::MissingColumn {
            file: file.to_string(),
            line: 1,
            column: wanted.to_string(),
            available: names.to_vec(),
        }),
    }
}

fn number(file: &str, line: u64, column: &str, cell: &str) -> Result<f32, DataError> {
    let parsed = cell.parse::<f32>();
    if let Ok(v) = parsed {
        if v.is_finite() {
            return Ok(v);
        }
    }
    let (file, column, value) = (file.to_string(), column.to_string(), cell.to_string());
    Err(if cell.is_empty() {
        DataError::EmptyCell { file, line, column }
    } else if parsed.is_ok() {
        DataError::NotFinite {
            file,
            line,
            column,
            value,
        }
    } else {
        DataError::NotANumber {
            file,
            line,
            column,
            value,
        }
    })
}
