//! The `embednn` command line: arguments, dispatch and errors.
//!
//! - [`inspect`]: what a model file holds, and the Keras-like summary of its layers.
//! - [`score`]: `evaluate` and `predict`, run by [`embednn::AnyModel`] for any file made of
//!   embednn's layer kinds — the example models and a user's own alike.
//! - [`table`]: reading the CSV header and target-less feature tables.

pub mod inspect;
pub mod score;
pub mod table;

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand};

/// Inspect embednn model files, and evaluate or run them on CSV data.
///
/// Model files are the ones `ModelFile::save` writes (magic `ENNM`, CRC-32 checked), for any
/// model type made of embednn's layers: the layers stored in the file are run as they are, with
/// the same results as the Rust type that wrote it. `evaluate` and `predict` apply the
/// standardization stored in the file before inference.
#[derive(Debug, Parser)]
#[command(name = "embednn", version)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Show what a model file holds
    ///
    /// Size, format version, CRC status, architecture fingerprint, stored layers, parameter count
    /// and range, preprocessing (standardization, labels), and the summary table (output shapes,
    /// params, MACs, RAM).
    Inspect {
        /// The model file
        model: PathBuf,
    },
    /// Score a model on a labelled CSV
    ///
    /// The CSV has a header row. For a classifier (a model file with labels): accuracy, macro F1
    /// and the confusion matrix; for a regressor: MSE, MAE and R².
    Evaluate {
        /// The model file
        model: PathBuf,
        /// The CSV file; every column but the target is a feature, in header order
        csv: PathBuf,
        /// The target column [default: the last column]
        #[arg(long, value_name = "NAME")]
        target: Option<String>,
        /// Use these feature columns, in this order, instead of all but the target
        #[arg(long, value_name = "A,B,C", value_delimiter = ',')]
        features: Option<Vec<String>>,
    },
    /// Run a model on every row of a CSV and print the predictions as CSV
    ///
    /// The CSV has a header row. The output has a header row, then one line per input row: for a
    /// classifier the predicted label and one probability column per class, for a regressor the
    /// predicted value(s).
    Predict {
        /// The model file
        model: PathBuf,
        /// The CSV file; every column is a feature unless --features picks some
        csv: PathBuf,
        /// Use these feature columns, in this order, instead of all columns
        #[arg(long, value_name = "A,B,C", value_delimiter = ',')]
        features: Option<Vec<String>>,
    },
}

/// Why a command failed. Each message is one line that names the file concerned.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// A file could not be read.
    #[error("{}: cannot read: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// The model file is not valid (bad magic, CRC, truncation, architecture mismatch …).
    #[error("{}: {source}", path.display())]
    Load {
        /// The model file.
        path: PathBuf,
        /// What is wrong with it (boxed: it carries layer descriptors by value).
        source: Box<embednn::LoadError>,
    },
    /// The model file is valid but its layers cannot be run (a layer kind embednn does not
    /// define, sizes that do not chain, …).
    #[error("{}: cannot run this model: {source}", path.display())]
    Plan {
        /// The model file.
        path: PathBuf,
        /// Why (boxed: it carries a layer descriptor by value).
        source: Box<embednn::any_model::PlanError>,
    },
    /// The model does not fit its own labels, or the data (number of feature columns).
    #[error("{}: {reason}", path.display())]
    Mismatch {
        /// The model file.
        path: PathBuf,
        /// What does not fit.
        reason: String,
    },
    /// The CSV could not be loaded.
    #[error(transparent)]
    Data(#[from] host_trainer::data::DataError),
    /// A metric could not be computed.
    #[error("cannot compute the metrics: {0}")]
    Metric(#[from] host_trainer::metrics::MetricError),
    /// Writing the results failed.
    #[error("cannot write the output: {0}")]
    Output(std::io::Error),
}

impl CliError {
    fn load(path: &Path, source: embednn::LoadError) -> Self {
        CliError::Load {
            path: path.to_path_buf(),
            source: Box::new(source),
        }
    }
}

impl From<std::io::Error> for CliError {
    fn from(e: std::io::Error) -> Self {
        CliError::Output(e)
    }
}

/// Runs the command, writing its results to `out`.
pub fn run(cli: &Cli, out: &mut impl Write) -> Result<(), CliError> {
    match &cli.command {
        Command::Inspect { model } => inspect::inspect(model, &read_model(model)?, out),
        Command::Evaluate {
            model,
            csv,
            target,
            features,
        } => {
            let options = score::EvaluateOptions {
                target: target.as_deref(),
                features: features.as_deref(),
            };
            score::evaluate(model, &read_model(model)?, csv, &options, out)
        }
        Command::Predict {
            model,
            csv,
            features,
        } => score::predict(model, &read_model(model)?, csv, features.as_deref(), out),
    }
}

fn read_model(path: &Path) -> Result<Vec<u8>, CliError> {
    std::fs::read(path).map_err(|source| CliError::Read {
        path: path.to_path_buf(),
        source,
    })
}

/// A clap usage error as one line: its message (without the usage block) and where to look for
/// help.
pub fn usage_error(e: &clap::Error) -> String {
    if e.kind() == clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
        return "no command given: use inspect, evaluate or predict (see `embednn --help`)".into();
    }
    let rendered = e.render().to_string();
    let message: Vec<&str> = rendered
        .lines()
        .take_while(|l| !l.starts_with("Usage:") && !l.starts_with("For more information"))
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let message = message.join(" ");
    let message = message.strip_prefix("error: ").unwrap_or(&message);
    format!("{message} (see `embednn --help`)")
}
