//! Reading CSV text into a [`Dataset`](super::Dataset): the header, the columns a
//! [`CsvSpec`](super::CsvSpec) selects, cell parsing and class inference, each problem a
//! [`DataError`](super::DataError) naming the file, the line and the column.
//!
//! Records are parsed one at a time, by [`Records`], into one reused buffer of at most
//! [`CsvSpec::max_record_bytes`] bytes, and each selected cell goes straight into the growing
//! `f32` (or class index) storage of the result: no row is kept as text. Class labels are
//! interned as they are read, so a column of inferred classes costs one index per row plus one
//! string per distinct label.
//!
//! The CSV dialect is the `csv` crate's default, which this reader replaced: `,` between cells,
//! `"` quotes with `""` inside them, `\n`, `\r\n` or `\r` ending a record, blank lines skipped, a
//! UTF-8 byte order mark at the start ignored. A `"` opens quotes only as a cell's first byte;
//! elsewhere it is an ordinary character. Cells are trimmed of ASCII whitespace after unquoting.
//! Unlike the `csv` crate, a file that ends inside quotes is an error, not one long last cell.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::io::{BufRead, BufReader, ErrorKind, Read};

use super::dataset::{Dataset, Target};
use super::spec::{CsvSpec, Features, TargetKind};
use super::DataError;

/// Read size: large enough that the per-call overhead vanishes on big files.
const BUFFER_BYTES: usize = 64 * 1024;

/// Loads CSV text with a header row; `file` names it in errors (see
/// [`Dataset::from_reader`]).
pub(super) fn load(file: String, reader: impl Read, spec: &CsvSpec) -> Result<Dataset, DataError> {
    let limits = Limits::of(spec);
    let mut records = Records::new(&file, reader, limits);
    CsvLoader { file: &file, spec }.load(&mut records)
}

/// The header row's column names (see [`Dataset::csv_header`]).
pub(super) fn header(file: &str, reader: impl Read) -> Result<Vec<String>, DataError> {
    let mut records = Records::new(file, reader, Limits::default());
    Ok(read_header(file, &mut records)?.names)
}

/// The `wanted` columns (every column if `None`) of every row, as finite `f32`s, with no target
/// column (see [`Dataset::csv_features`]).
pub(super) fn features(
    file: &str,
    reader: impl Read,
    wanted: Option<&[String]>,
) -> Result<(Vec<String>, Vec<f32>), DataError> {
    let mut records = Records::new(file, reader, Limits::default());
    let header = read_header(file, &mut records)?;
    let chosen: Vec<usize> = match wanted {
        None => {
            let all: Vec<usize> = (0..header.names.len()).collect();
            header.check_unique(file, &all)?;
            all
        }
        Some(wanted) => wanted
            .iter()
            .map(|w| header.find(file, w))
            .collect::<Result<_, _>>()?,
    };
    let cells = Cells {
        file,
        names: &header.names,
    };
    let mut values = Vec::new();
    while records.next(Some(&header.names))? {
        let line = records.record_line();
        cells.check_length(&records, line)?;
        for &c in &chosen {
            values.push(cells.number(&records, c, line)?);
        }
    }
    if values.is_empty() {
        return Err(DataError::NoRows { file: file.into() });
    }
    values.shrink_to_fit();
    Ok((
        chosen.iter().map(|&c| header.names[c].clone()).collect(),
        values,
    ))
}

/// The size limits of [`CsvSpec`], in bytes.
#[derive(Clone, Copy, Debug)]
struct Limits {
    field: usize,
    record: usize,
}

impl Limits {
    fn of(spec: &CsvSpec) -> Self {
        Limits {
            field: spec.max_field_bytes,
            record: spec.max_record_bytes,
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            field: CsvSpec::DEFAULT_MAX_FIELD_BYTES,
            record: CsvSpec::DEFAULT_MAX_RECORD_BYTES,
        }
    }
}

/// Where the parser is within a record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// Between records: line endings here are blank lines.
    StartRecord,
    /// At the start of a cell, where a `"` opens a quoted cell.
    StartField,
    /// In an unquoted cell (or after a quoted part of one).
    InField,
    /// Inside quotes.
    InQuoted,
    /// Inside quotes, just after a `"`: a second one is a literal quote, anything else closes.
    QuoteInQuoted,
}

/// What stopped a record, before it is put in terms of the file and its column names.
#[derive(Clone, Copy, Debug)]
enum Problem {
    FieldTooLong { column: usize },
    RecordTooLong { column: usize },
    UnterminatedQuote { column: usize },
}

/// The CSV state machine and the current record: cells unquoted into `fields`, cell `i` ending
/// at `ends[i]`.
struct Parser {
    limits: Limits,
    state: State,
    /// The line of the next byte (1-based; `\n`, `\r\n` and a lone `\r` each end a line).
    line: u64,
    after_cr: bool,
    /// The line the current record starts on.
    record_line: u64,
    /// Bytes of the current record so far, as written in the file.
    raw: usize,
    fields: Vec<u8>,
    ends: Vec<usize>,
}

impl Parser {
    fn new(limits: Limits) -> Self {
        Parser {
            limits,
            state: State::StartRecord,
            line: 1,
            after_cr: false,
            record_line: 1,
            raw: 0,
            fields: Vec::new(),
            ends: Vec::new(),
        }
    }

    fn count_line(&mut self, b: u8) {
        match b {
            b'\n' if self.after_cr => self.after_cr = false,
            b'\n' => self.line += 1,
            b'\r' => {
                self.line += 1;
                self.after_cr = true;
            }
            _ => self.after_cr = false,
        }
    }

    fn field_start(&self) -> usize {
        self.ends.last().copied().unwrap_or(0)
    }

    fn push(&mut self, b: u8) -> Result<(), Problem> {
        if self.fields.len() - self.field_start() >= self.limits.field {
            return Err(Problem::FieldTooLong {
                column: self.ends.len(),
            });
        }
        self.fields.push(b);
        Ok(())
    }

    fn end_field(&mut self) {
        self.ends.push(self.fields.len());
    }

    /// Appends a run of ordinary bytes (no `,`, `"`, line ending) to an unquoted cell.
    fn extend(&mut self, run: &[u8]) -> Result<(), Problem> {
        // As byte by byte: the first byte past a limit fails, the record's limit checked first.
        let room_record = self.limits.record.saturating_sub(self.raw);
        let field = self.fields.len() - self.field_start();
        let room_field = self.limits.field.saturating_sub(field);
        if run.len() > room_record.min(room_field) {
            let column = self.ends.len();
            return Err(if room_record <= room_field {
                Problem::RecordTooLong { column }
            } else {
                Problem::FieldTooLong { column }
            });
        }
        self.raw += run.len();
        self.after_cr = false;
        self.fields.extend_from_slice(run);
        Ok(())
    }

    /// Parses `input`; returns how many bytes were used and whether they complete a record.
    fn feed(&mut self, input: &[u8]) -> Result<(usize, bool), Problem> {
        let mut i = 0;
        while let Some(&b) = input.get(i) {
            if self.state == State::InField {
                // The common case, a number: copy up to the next byte that means something.
                let rest = input.get(i..).unwrap_or_default();
                let run = rest
                    .iter()
                    .position(|&c| matches!(c, b',' | b'\n' | b'\r'))
                    .unwrap_or(rest.len());
                if run > 0 {
                    self.extend(&rest[..run])?;
                    i += run;
                    continue;
                }
            }
            i += 1;
            self.count_line(b);
            let newline = b == b'\n' || b == b'\r';
            if self.state == State::StartRecord {
                if newline {
                    continue; // a blank line, or the `\n` of a `\r\n`
                }
                self.fields.clear();
                self.ends.clear();
                self.raw = 0;
                // `count_line` has seen `b`, which is not a line ending.
                self.record_line = self.line;
                self.state = State::StartField;
            }
            if newline && self.state != State::InQuoted {
                self.end_field();
                self.state = State::StartRecord;
                return Ok((i, true));
            }
            self.raw += 1;
            if self.raw > self.limits.record {
                return Err(Problem::RecordTooLong {
                    column: self.ends.len(),
                });
            }
            match (self.state, b) {
                (State::StartRecord | State::StartField, b'"') => self.state = State::InQuoted,
                (_, b',') if self.state != State::InQuoted => {
                    self.end_field();
                    self.state = State::StartField;
                }
                (State::InQuoted, b'"') => self.state = State::QuoteInQuoted,
                (State::InQuoted, _) => self.push(b)?,
                (State::QuoteInQuoted, b'"') => {
                    self.push(b)?;
                    self.state = State::InQuoted;
                }
                (_, _) => {
                    self.push(b)?;
                    self.state = State::InField;
                }
            }
        }
        Ok((input.len(), false))
    }

    /// At the end of the input: whether a last record (without a line ending) is complete.
    fn finish(&mut self) -> Result<bool, Problem> {
        match self.state {
            State::StartRecord => Ok(false),
            State::InQuoted => Err(Problem::UnterminatedQuote {
                column: self.ends.len(),
            }),
            State::StartField | State::InField | State::QuoteInQuoted => {
                self.end_field();
                self.state = State::StartRecord;
                Ok(true)
            }
        }
    }
}

/// CSV records read one at a time from `input`, the current one held in a reused buffer.
struct Records<'f, R> {
    file: &'f str,
    input: BufReader<R>,
    parser: Parser,
    /// Whether anything has been read (a byte order mark is only skipped at the start).
    begun: bool,
    eof: bool,
}

impl<'f, R: Read> Records<'f, R> {
    fn new(file: &'f str, input: R, limits: Limits) -> Self {
        Records {
            file,
            input: BufReader::with_capacity(BUFFER_BYTES, input),
            parser: Parser::new(limits),
            begun: false,
            eof: false,
        }
    }

    /// Reads the next record; `false` at the end of the input. `names` (the header's, or `None`
    /// while reading the header) name the columns in errors.
    fn next(&mut self, names: Option<&[String]>) -> Result<bool, DataError> {
        loop {
            if self.eof {
                return self.parser.finish().map_err(|p| self.problem(p, names));
            }
            let input = match self.input.fill_buf() {
                Ok(input) => input,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(source) => {
                    return Err(DataError::Io {
                        file: self.file.into(),
                        source,
                    })
                }
            };
            if input.is_empty() {
                self.eof = true;
                continue;
            }
            let mut skip = 0;
            if !self.begun {
                self.begun = true;
                if input.starts_with(b"\xef\xbb\xbf") {
                    skip = 3;
                }
            }
            let fed = self.parser.feed(&input[skip..]);
            match fed {
                Ok((used, done)) => {
                    self.input.consume(skip + used);
                    if done {
                        return Ok(true);
                    }
                }
                Err(p) => return Err(self.problem(p, names)),
            }
        }
    }

    /// The line the current record starts on.
    fn record_line(&self) -> u64 {
        self.parser.record_line
    }

    /// Cells in the current record.
    fn len(&self) -> usize {
        self.parser.ends.len()
    }

    /// Cell `c` of the current record, trimmed.
    fn get(&self, c: usize) -> Option<&[u8]> {
        let end = *self.parser.ends.get(c)?;
        let start = match c {
            0 => 0,
            _ => *self.parser.ends.get(c - 1)?,
        };
        Some(self.parser.fields.get(start..end)?.trim_ascii())
    }

    fn problem(&self, problem: Problem, names: Option<&[String]>) -> DataError {
        let (file, line) = (self.file.to_owned(), self.parser.record_line);
        let (limits, column) = (self.parser.limits, |c| column_name(names, c));
        match problem {
            Problem::FieldTooLong { column: c } => DataError::FieldTooLong {
                file,
                line,
                column: column(c),
                limit: limits.field,
            },
            Problem::RecordTooLong { column: c } => DataError::RecordTooLong {
                file,
                line,
                column: column(c),
                limit: limits.record,
            },
            Problem::UnterminatedQuote { column: c } => DataError::UnterminatedQuote {
                file,
                line,
                column: column(c),
            },
        }
    }
}

/// Column `c` by its header name, or by position in the header or past its end.
fn column_name(names: Option<&[String]>, c: usize) -> String {
    match names {
        None => format!("#{} of the header", c + 1),
        Some(names) => names
            .get(c)
            .cloned()
            .unwrap_or_else(|| format!("#{} (the header has {} columns)", c + 1, names.len())),
    }
}

/// The header row, decoded.
struct Header {
    names: Vec<String>,
    line: u64,
}

/// Reads the first record as the column names.
fn read_header<R: Read>(file: &str, records: &mut Records<'_, R>) -> Result<Header, DataError> {
    if !records.next(None)? {
        return Err(DataError::NoHeader { file: file.into() });
    }
    let line = records.record_line();
    let names = (0..records.len())
        .map(|c| {
            let bytes = records.get(c).unwrap_or_default();
            utf8(file, line, bytes, || column_name(None, c)).map(str::to_owned)
        })
        .collect::<Result<Vec<_>, _>>()?;
    if names.iter().all(String::is_empty) {
        return Err(DataError::NoHeader { file: file.into() });
    }
    Ok(Header { names, line })
}

impl Header {
    /// The position of column `name`, which must appear exactly once.
    fn find(&self, file: &str, name: &str) -> Result<usize, DataError> {
        let mut matches = self.names.iter().enumerate().filter(|(_, n)| *n == name);
        let Some((index, _)) = matches.next() else {
            return Err(DataError::MissingColumn {
                file: file.into(),
                line: self.line,
                column: name.to_owned(),
                available: self.names.clone(),
            });
        };
        match matches.count() {
            0 => Ok(index),
            others => Err(DataError::DuplicateColumn {
                file: file.into(),
                line: self.line,
                column: name.to_owned(),
                count: others + 1,
            }),
        }
    }

    /// Each of `columns` must have a name no other column of the header has.
    fn check_unique(&self, file: &str, columns: &[usize]) -> Result<(), DataError> {
        let mut count: HashMap<&str, usize> = HashMap::with_capacity(self.names.len());
        for name in &self.names {
            *count.entry(name.as_str()).or_insert(0) += 1;
        }
        for &c in columns {
            let name = self.names[c].as_str();
            match count.get(name) {
                Some(&n) if n > 1 => {
                    return Err(DataError::DuplicateColumn {
                        file: file.into(),
                        line: self.line,
                        column: name.to_owned(),
                        count: n,
                    })
                }
                _ => {}
            }
        }
        Ok(())
    }
}

/// `bytes` as text, or [`DataError::InvalidUtf8`] at the first bad byte.
fn utf8<'b>(
    file: &str,
    line: u64,
    bytes: &'b [u8],
    column: impl FnOnce() -> String,
) -> Result<&'b str, DataError> {
    std::str::from_utf8(bytes).map_err(|e| {
        let offset = e.valid_up_to();
        DataError::InvalidUtf8 {
            file: file.into(),
            line,
            column: column(),
            offset,
            byte: bytes.get(offset).copied().unwrap_or(0),
        }
    })
}

/// Reading cells of data records, named by the header.
struct Cells<'a> {
    file: &'a str,
    names: &'a [String],
}

impl Cells<'_> {
    fn check_length<R: Read>(&self, record: &Records<'_, R>, line: u64) -> Result<(), DataError> {
        let (found, expected) = (record.len(), self.names.len());
        let file = self.file.to_owned();
        match found.cmp(&expected) {
            Ordering::Equal => Ok(()),
            Ordering::Less => Err(DataError::MissingCells {
                file,
                line,
                column: self.names[found].clone(),
                found,
                expected,
            }),
            Ordering::Greater => Err(DataError::ExtraCells {
                file,
                line,
                column: self.names[expected - 1].clone(),
                found,
                expected,
            }),
        }
    }

    /// The trimmed text of cell `c`, which must be non-empty UTF-8.
    fn text<'r, R: Read>(
        &self,
        record: &'r Records<'_, R>,
        c: usize,
        line: u64,
    ) -> Result<&'r str, DataError> {
        let column = || column_name(Some(self.names), c);
        let bytes = record.get(c).ok_or_else(|| DataError::MissingCells {
            file: self.file.into(),
            line,
            column: column(),
            found: record.len(),
            expected: self.names.len(),
        })?;
        let text = utf8(self.file, line, bytes, column)?;
        if text.is_empty() {
            return Err(DataError::EmptyCell {
                file: self.file.into(),
                line,
                column: column(),
            });
        }
        Ok(text)
    }

    fn number<R: Read>(
        &self,
        record: &Records<'_, R>,
        c: usize,
        line: u64,
    ) -> Result<f32, DataError> {
        let text = self.text(record, c, line)?;
        let (file, column, value) = (self.file.into(), self.names[c].clone(), text.into());
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
}

/// Distinct labels in order of first appearance, each row holding its label's index.
#[derive(Default)]
struct Labels {
    index: HashMap<String, usize>,
    /// The distinct labels and the line each first appears on.
    distinct: Vec<(String, u64)>,
    rows: Vec<usize>,
}

impl Labels {
    fn push(&mut self, label: &str, line: u64) {
        let next = self.distinct.len();
        let id = match self.index.get(label) {
            Some(&id) => id,
            None => {
                self.index.insert(label.to_owned(), next);
                self.distinct.push((label.to_owned(), line));
                next
            }
        };
        self.rows.push(id);
    }
}

struct CsvLoader<'a> {
    file: &'a str,
    spec: &'a CsvSpec,
}

/// The columns the spec selects.
struct Columns {
    header: Header,
    target: usize,
    features: Vec<usize>,
}

impl CsvLoader<'_> {
    fn load<R: Read>(&self, records: &mut Records<'_, R>) -> Result<Dataset, DataError> {
        let columns = self.columns(read_header(self.file, records)?)?;
        let names = &columns.header.names;
        let cells = Cells {
            file: self.file,
            names,
        };
        let known: Option<HashMap<&str, usize>> = match &self.spec.kind {
            TargetKind::KnownClasses(names) => Some(class_index(names)),
            _ => None,
        };

        let mut features = Vec::new();
        let mut regression = Vec::new();
        let mut known_labels = Vec::new();
        let mut labels = Labels::default();
        let mut lines = None;
        let target = columns.target;
        while records.next(Some(names))? {
            let line = records.record_line();
            lines = Some((lines.map_or(line, |(first, _)| first), line));
            cells.check_length(records, line)?;
            for &c in &columns.features {
                features.push(cells.number(records, c, line)?);
            }
            match (&self.spec.kind, &known) {
                (TargetKind::Regression, _) => {
                    regression.push(cells.number(records, target, line)?);
                }
                (TargetKind::KnownClasses(known_names), Some(index)) => {
                    let label = cells.text(records, target, line)?;
                    let class = index.get(label).ok_or_else(|| DataError::UnknownClass {
                        file: self.file.into(),
                        line,
                        column: names[target].clone(),
                        value: label.to_owned(),
                        known: known_names.clone(),
                    })?;
                    known_labels.push(*class);
                }
                _ => labels.push(cells.text(records, target, line)?, line),
            }
        }
        let Some(lines) = lines else {
            return Err(DataError::NoRows {
                file: self.file.into(),
            });
        };

        let target = match &self.spec.kind {
            TargetKind::Regression => {
                regression.shrink_to_fit();
                Target::Regression(regression)
            }
            TargetKind::KnownClasses(known_names) => {
                known_labels.shrink_to_fit();
                Target::Classes {
                    labels: known_labels,
                    names: known_names.clone(),
                }
            }
            TargetKind::Classes { expected } => {
                self.infer_classes(labels, *expected, &names[target], lines)?
            }
        };
        features.shrink_to_fit();
        Ok(Dataset {
            source: self.file.into(),
            feature_names: columns.features.iter().map(|&c| names[c].clone()).collect(),
            target_name: names[columns.target].clone(),
            features,
            target,
        })
    }

    fn columns(&self, header: Header) -> Result<Columns, DataError> {
        let file = self.file;
        let target = header.find(file, &self.spec.target)?;
        let features: Vec<usize> = match &self.spec.features {
            Features::AllButTarget => {
                let all: Vec<usize> = (0..header.names.len()).filter(|&c| c != target).collect();
                header.check_unique(file, &all)?;
                all
            }
            Features::Named(wanted) => wanted
                .iter()
                .map(|name| {
                    let c = header.find(file, name)?;
                    if c == target {
                        return Err(DataError::TargetAsFeature {
                            file: file.into(),
                            line: header.line,
                            column: name.clone(),
                        });
                    }
                    Ok(c)
                })
                .collect::<Result<_, _>>()?,
        };
        if features.is_empty() {
            return Err(DataError::NoFeatures {
                file: file.into(),
                line: header.line,
                target: header.names[target].clone(),
            });
        }
        Ok(Columns {
            header,
            target,
            features,
        })
    }

    /// Sorted class names from the labels read, checked against the expected count.
    fn infer_classes(
        &self,
        labels: Labels,
        expected: Option<usize>,
        column: &str,
        (first_line, last_line): (u64, u64),
    ) -> Result<Target, DataError> {
        let Labels {
            distinct, mut rows, ..
        } = labels;
        // `order[i]` is the index into `distinct` of the `i`-th class name.
        let mut order: Vec<usize> = (0..distinct.len()).collect();
        order.sort_unstable_by(|&a, &b| distinct[a].0.cmp(&distinct[b].0));
        // Integer labels sort by value ("2" before "10"); equal values ("1", "01") by text.
        if let Some(values) = order
            .iter()
            .map(|&i| distinct[i].0.parse::<i128>().ok())
            .collect::<Option<Vec<_>>>()
        {
            let mut keyed: Vec<(i128, usize)> = values.into_iter().zip(order).collect();
            keyed.sort_by_key(|&(value, _)| value); // stable: ties keep the text order
            order = keyed.into_iter().map(|(_, i)| i).collect();
        }
        let names: Vec<String> = order.iter().map(|&i| distinct[i].0.clone()).collect();
        let needed = expected.unwrap_or(2).max(2);
        if names.len() < needed {
            return Err(DataError::TooFewClasses {
                file: self.file.into(),
                first_line,
                last_line,
                column: column.to_owned(),
                expected: needed,
                found: names,
            });
        }
        if let Some(expected) = expected.filter(|&n| names.len() > n) {
            // Blame the line where a label beyond the model's count first appears.
            let (value, line) = distinct
                .get(expected)
                .cloned()
                .unwrap_or((String::new(), first_line));
            return Err(DataError::TooManyClasses {
                file: self.file.into(),
                line,
                column: column.to_owned(),
                value,
                expected,
                found: names,
            });
        }
        let mut class_of = vec![0; distinct.len()];
        for (class, &i) in order.iter().enumerate() {
            class_of[i] = class;
        }
        for row in &mut rows {
            *row = class_of.get(*row).copied().unwrap_or(0);
        }
        rows.shrink_to_fit();
        Ok(Target::Classes {
            labels: rows,
            names,
        })
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Every record of `text` as trimmed cells, or the parser's problem.
    fn ours(text: &[u8]) -> Result<Vec<Vec<Vec<u8>>>, DataError> {
        let mut records = Records::new("t.csv", text, Limits::default());
        let mut out = Vec::new();
        while records.next(None)? {
            out.push(
                (0..records.len())
                    .map(|c| records.get(c).unwrap_or_default().to_vec())
                    .collect(),
            );
        }
        Ok(out)
    }

    fn theirs(text: &[u8]) -> Vec<Vec<Vec<u8>>> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .trim(csv::Trim::All)
            .from_reader(text);
        reader
            .byte_records()
            .map(|r| r.unwrap().iter().map(<[u8]>::to_vec).collect())
            .collect()
    }

    #[test]
    fn records_match_the_csv_crate_on_random_text() {
        const ALPHABET: &[u8] = b"a1,,\"\"\n\r \t";
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let (mut compared, mut unterminated) = (0, 0);
        for case in 0..20_000 {
            let len = (next() % 40) as usize;
            let mut text: Vec<u8> = (0..len)
                .map(|_| ALPHABET[(next() % ALPHABET.len() as u64) as usize])
                .collect();
            if case % 10 == 0 {
                text.splice(0..0, *b"\xef\xbb\xbf");
            }
            match ours(&text) {
                Ok(records) => {
                    assert_eq!(
                        records,
                        theirs(&text),
                        "{:?}",
                        String::from_utf8_lossy(&text)
                    );
                    compared += 1;
                }
                Err(DataError::UnterminatedQuote { .. }) => {
                    // The `csv` crate ends the cell at the end of the file instead.
                    let quotes = text.iter().filter(|&&b| b == b'"').count();
                    assert!(quotes > 0, "{text:?}");
                    unterminated += 1;
                }
                Err(e) => panic!("{e}: {text:?}"),
            }
        }
        assert!(
            compared > 10_000 && unterminated > 100,
            "{compared} {unterminated}"
        );
    }

    #[test]
    fn limits_apply_at_the_first_byte_past_them() {
        for (field, record, text, expected) in [
            (3, 100, &b"abc,de\n"[..], None),
            (2, 100, b"abc,de\n", Some("field 0")),
            (3, 6, b"abc,de\n", None),
            (3, 5, b"abc,de\n", Some("record 1")),
            (3, 3, b"abcd\n", Some("record 0")), // both at once: the record is named
            (1, 100, b"\"ab\"\n", Some("field 0")),
        ] {
            let limits = Limits { field, record };
            let mut records = Records::new("t.csv", text, limits);
            let found = match records.next(None) {
                Ok(_) => None,
                Err(DataError::FieldTooLong { column, .. }) => Some(format!("field {column}")),
                Err(DataError::RecordTooLong { column, .. }) => Some(format!("record {column}")),
                Err(e) => panic!("{e}"),
            };
            let expected = expected.map(|e| {
                let (kind, c) = e.split_once(' ').unwrap();
                format!("{kind} #{} of the header", c.parse::<usize>().unwrap() + 1)
            });
            assert_eq!(found, expected, "{field} {record} {text:?}");
        }
    }
}
