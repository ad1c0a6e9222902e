//! Reading CSV text into a [`Dataset`](super::Dataset): the header, the columns a
//! [`CsvSpec`](super::CsvSpec) selects, cell parsing and class inference, each problem a
//! [`DataError`](super::DataError) naming the file, the line and the column.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::io::Read;

use super::dataset::{Dataset, Target};
use super::spec::{CsvSpec, Features, TargetKind};
use super::DataError;

/// Loads CSV text with a header row; `file` names it in errors (see
/// [`Dataset::from_reader`]).
pub(super) fn load(file: String, reader: impl Read, spec: &CsvSpec) -> Result<Dataset, DataError> {
    CsvLoader { file, spec }.load(reader)
}

struct CsvLoader<'a> {
    file: String,
    spec: &'a CsvSpec,
}

/// The header, decoded, and the columns the spec selects.
struct Columns {
    names: Vec<String>,
    line: u64,
    target: usize,
    features: Vec<usize>,
}

impl CsvLoader<'_> {
    fn load(&self, reader: impl Read) -> Result<Dataset, DataError> {
        let mut csv = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(true) // row lengths are checked below, with better messages
            .trim(csv::Trim::All)
            .from_reader(reader);
        let header = csv
            .byte_headers()
            .map_err(|e| self.csv_error(e, 1))?
            .clone();
        let columns = self.columns(&header)?;
        let known: Option<HashMap<&str, usize>> = match &self.spec.kind {
            TargetKind::KnownClasses(names) => Some(class_index(names)),
            _ => None,
        };

        let mut features = Vec::new();
        let mut regression = Vec::new();
        let mut known_labels = Vec::new();
        let mut labels: Vec<(String, u64)> = Vec::new();
        let mut lines = (None, columns.line);
        let mut record = csv::ByteRecord::new();
        loop {
            match csv.read_byte_record(&mut record) {
                Ok(true) => {}
                Ok(false) => break,
                Err(e) => return Err(self.csv_error(e, lines.1 + 1)),
            }
            let line = record.position().map_or(lines.1 + 1, csv::Position::line);
            lines = (lines.0.or(Some(line)), line);
            self.check_length(&record, &columns, line)?;
            for &c in &columns.features {
                features.push(self.number(&record, &columns, c, line)?);
            }
            let target = columns.target;
            match (&self.spec.kind, &known) {
                (TargetKind::Regression, _) => {
                    regression.push(self.number(&record, &columns, target, line)?);
                }
                (TargetKind::KnownClasses(names), Some(index)) => {
                    let label = self.text(&record, &columns, target, line)?;
                    let class = index.get(label).ok_or_else(|| DataError::UnknownClass {
                        file: self.file.clone(),
                        line,
                        column: columns.names[target].clone(),
                        value: label.to_owned(),
                        known: names.clone(),
                    })?;
                    known_labels.push(*class);
                }
                _ => {
                    let label = self.text(&record, &columns, target, line)?;
                    labels.push((label.to_owned(), line));
                }
            }
        }
        let (Some(first_line), last_line) = lines else {
            return Err(DataError::NoRows {
                file: self.file.clone(),
            });
        };

        let target = match &self.spec.kind {
            TargetKind::Regression => Target::Regression(regression),
            TargetKind::KnownClasses(names) => Target::Classes {
                labels: known_labels,
                names: names.clone(),
            },
            TargetKind::Classes { expected } => {
                let column = &columns.names[columns.target];
                self.infer_classes(&labels, *expected, column, (first_line, last_line))?
            }
        };
        Ok(Dataset {
            source: self.file.clone(),
            feature_names: columns
                .features
                .iter()
                .map(|&c| columns.names[c].clone())
                .collect(),
            target_name: columns.names[columns.target].clone(),
            features,
            target,
        })
    }

    fn csv_error(&self, error: csv::Error, line: u64) -> DataError {
        let line = error.position().map_or(line, csv::Position::line);
        let message = error.to_string();
        match error.into_kind() {
            csv::ErrorKind::Io(source) => DataError::Io {
                file: self.file.clone(),
                source,
            },
            _ => DataError::Csv {
                file: self.file.clone(),
                line,
                message,
            },
        }
    }

    fn columns(&self, header: &csv::ByteRecord) -> Result<Columns, DataError> {
        let file = || self.file.clone();
        let line = header.position().map_or(1, csv::Position::line);
        if header.is_empty() {
            return Err(DataError::NoHeader { file: file() });
        }
        let names = header
            .iter()
            .enumerate()
            .map(|(i, bytes)| {
                String::from_utf8(bytes.to_vec()).map_err(|_| DataError::InvalidUtf8 {
                    file: file(),
                    line,
                    column: format!("#{} of the header", i + 1),
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let find = |name: &str| -> Result<usize, DataError> {
            let mut matches = names.iter().enumerate().filter(|(_, n)| *n == name);
            let Some((index, _)) = matches.next() else {
                return Err(DataError::MissingColumn {
                    file: file(),
                    line,
                    column: name.to_owned(),
                    available: names.clone(),
                });
            };
            let others = matches.count();
            if others > 0 {
                return Err(DataError::DuplicateColumn {
                    file: file(),
                    line,
                    column: name.to_owned(),
                    count: others + 1,
                });
            }
            Ok(index)
        };
        let target = find(&self.spec.target)?;
        let features = match &self.spec.features {
            Features::AllButTarget => (0..names.len()).filter(|&c| c != target).collect(),
            Features::Named(wanted) => wanted
                .iter()
                .map(|name| {
                    let c = find(name)?;
                    if c == target {
                        return Err(DataError::TargetAsFeature {
                            file: file(),
                            line,
                            column: name.clone(),
                        });
                    }
                    Ok(c)
                })
                .collect::<Result<Vec<_>, _>>()?,
        };
        if features.is_empty() {
            return Err(DataError::NoFeatures {
                file: file(),
                line,
                target: names[target].clone(),
            });
        }
        Ok(Columns {
            names,
            line,
            target,
            features,
        })
    }

    fn check_length(
        &self,
        record: &csv::ByteRecord,
        columns: &Columns,
        line: u64,
    ) -> Result<(), DataError> {
        let (found, expected) = (record.len(), columns.names.len());
        let file = self.file.clone();
        match found.cmp(&expected) {
            Ordering::Equal => Ok(()),
            Ordering::Less => Err(DataError::MissingCells {
                file,
                line,
                column: columns.names[found].clone(),
                found,
                expected,
            }),
            Ordering::Greater => Err(DataError::ExtraCells {
                file,
                line,
                column: columns.names[expected - 1].clone(),
                found,
                expected,
            }),
        }
    }

    /// The trimmed text of cell `c`, which must be non-empty UTF-8.
    fn text<'r>(
        &self,
        record: &'r csv::ByteRecord,
        columns: &Columns,
        c: usize,
        line: u64,
    ) -> Result<&'r str, DataError> {
        let column = || columns.names[c].clone();
        let bytes = record.get(c).ok_or_else(|| DataError::MissingCells {
            file: self.file.clone(),
            line,
            column: column(),
            found: record.len(),
            expected: columns.names.len(),
        })?;
        let text = std::str::from_utf8(bytes).map_err(|_| DataError::InvalidUtf8 {
            file: self.file.clone(),
            line,
            column: column(),
        })?;
        if text.is_empty() {
            return Err(DataError::EmptyCell {
                file: self.file.clone(),
                line,
                column: column(),
            });
        }
        Ok(text)
    }

    fn number(
        &self,
        record: &csv::ByteRecord,
        columns: &Columns,
        c: usize,
        line: u64,
    ) -> Result<f32, DataError> {
        let text = self.text(record, columns, c, line)?;
        let (file, column, value) = (self.file.clone(), columns.names[c].clone(), text.into());
        match text.parse::<f32>() {
            Ok(v) if v.is_finite() => Ok(v),
            // Rust parses "NaN", "inf" and overflowing literals like "1e39" (to infinity).
            Ok(_) => Err(DataError::NotFinite {
                file,
                line,
                column,
                value,
            }),
            Err(_) => Err(DataError::NotANumber {
                file,
                line,
                column,
                value,
            }),
        }
    }

    /// Sorted class names from `(label, line)` pairs, checked against the expected count.
    fn infer_classes(
        &self,
        labels: &[(String, u64)],
        expected: Option<usize>,
        column: &str,
        (first_line, last_line): (u64, u64),
    ) -> Result<Target, DataError> {
        let mut names: Vec<String> = labels.iter().map(|(l, _)| l.clone()).collect();
        names.sort_unstable();
        names.dedup();
        // Integer labels sort by value ("2" before "10"); equal values ("1", "01") by text.
        if let Some(mut values) = names
            .iter()
            .map(|n| Some((n.parse::<i128>().ok()?, n.clone())))
            .collect::<Option<Vec<_>>>()
        {
            values.sort_unstable();
            names = values.into_iter().map(|(_, n)| n).collect();
        }
        let needed = expected.unwrap_or(2).max(2);
        if names.len() < needed {
            return Err(DataError::TooFewClasses {
                file: self.file.clone(),
                first_line,
                last_line,
                column: column.to_owned(),
                expected: needed,
                found: names,
            });
        }
        if let Some(expected) = expected.filter(|&n| names.len() > n) {
            // Blame the line where a label beyond the model's count first appears.
            let mut seen = std::collections::HashSet::new();
            let culprit = labels
                .iter()
                .find(|(label, _)| seen.insert(label.as_str()) && seen.len() > expected);
            let (value, line) = culprit.cloned().unwrap_or((String::new(), first_line));
            return Err(DataError::TooManyClasses {
                file: self.file.clone(),
                line,
                column: column.to_owned(),
                value,
                expected,
                found: names,
            });
        }
        let index = class_index(&names);
        let labels = labels
            .iter()
            .map(|(label, _)| index.get(label.as_str()).copied().unwrap_or(0))
            .collect();
        Ok(Target::Classes { labels, names })
    }
}

/// Class name → index; the first of repeated names wins.
fn class_index(names: &[String]) -> HashMap<&str, usize> {
    let mut index = HashMap::with_capacity(names.len());
    for (i, name) in names.iter().enumerate() {
        index.entry(name.as_str()).or_insert(i);
    }
    index
}
