//! The repository's tasks, in Rust: `cargo xtask firmware test|no-panic|bench|lint|deploy [FILE]`
//! (see [`firmware::USAGE`]) and `cargo xtask qemu MACHINE ELF`, the firmware's cargo runner.
//!
//! The decisions live in small modules with unit tests: [`fields`] parses the firmware's
//! `RESULT`/`BENCH`/`LAYER` lines, [`elf`] reads sizes and symbols from the linked ELFs,
//! [`checks`] decides pass or fail, [`table`] formats the benchmark, [`qemu`] holds the one QEMU
//! command line.

mod checks;
mod deploy;
mod elf;
mod fields;
mod firmware;
mod prereq;
mod qemu;
mod table;

use std::path::Path;
use std::process::ExitCode;

const USAGE: &str = "usage: cargo xtask firmware test | no-panic | bench | lint | deploy [FILE] [m4f|m0|both] | deploy-test
       cargo xtask qemu mps2-an386|microbit ELF   (the firmware's cargo runner)";

/// Why a task stopped.
pub enum Failure {
    /// The arguments were not understood.
    Usage,
    /// The task failed; the message says why.
    Error(String),
}

impl From<String> for Failure {
    fn from(message: String) -> Failure {
        Failure::Error(message)
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match args[..] {
        ["firmware", ref rest @ ..] => firmware::main(rest).map_err(|f| match f {
            Failure::Usage => {
                eprintln!("{}", firmware::USAGE);
                Failure::Usage
            }
            f => f,
        }),
        ["qemu", machine, elf] => return run_qemu(machine, Path::new(elf)),
        _ => {
            eprintln!("{USAGE}");
            Err(Failure::Usage)
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Usage) => ExitCode::from(2),
        Err(Failure::Error(message)) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// `qemu MACHINE ELF`: boots ELF, shows its output and exits with its status (124 at the
/// timeout, as `timeout` does).
fn run_qemu(machine: &str, elf: &Path) -> ExitCode {
    let run = firmware::timeout()
        .and_then(|t| Ok((t, qemu::Machine::from_name(machine)?)))
        .and_then(|(t, m)| Ok((t, qemu::run(m, elf, t, true)?)));
    match run {
        Ok((_, run)) if run.code().is_some() => {
            ExitCode::from(u8::try_from(run.code().unwrap_or(1)).unwrap_or(1))
        }
        Ok((timeout, _)) => {
            eprintln!(
                "error: {} did not finish within {}s",
                elf.display(),
                timeout.as_secs()
            );
            ExitCode::from(124)
        }
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}
