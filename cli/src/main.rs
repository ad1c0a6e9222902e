//! `embednn`: look inside model files, and score or run them on CSV data.
//!
//! ```text
//! embednn inspect model.ennm
//! embednn evaluate model.ennm test.csv [--target species]
//! embednn predict model.ennm new.csv [--features a,b,c]
//! ```
//!
//! Every failure is one line on stderr and exit status 1; see [`cli`] for the commands.

mod cli;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = match cli::Cli::try_parse() {
        Ok(args) => args,
        Err(e) if !e.use_stderr() => {
            // --help and --version: clap's text on stdout, success.
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        Err(e) => return fail(&cli::usage_error(&e)),
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let result =
        cli::run(&args, &mut out).and_then(|()| out.flush().map_err(cli::CliError::Output));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        // The reader went away (`embednn predict … | head`): not an error worth reporting.
        Err(cli::CliError::Output(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => {
            ExitCode::SUCCESS
        }
        Err(e) => fail(&e.to_string()),
    }
}

fn fail(message: &str) -> ExitCode {
    eprintln!("embednn: error: {message}");
    ExitCode::FAILURE
}
