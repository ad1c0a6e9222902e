//! The QEMU command line, defined once for each machine the firmware runs on, and running an
//! ELF on it with a timeout.

use std::io::Read;
use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// A QEMU machine the firmware targets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Machine {
    /// `mps2-an386`: Cortex-M4F, 25 MHz SysTick. With `-icount shift=0` one instruction is one
    /// nanosecond of virtual time, so one SysTick tick is 40 instructions.
    Mps2An386,
    /// `microbit`: BBC micro:bit, nRF51822 (Cortex-M0, no FPU, 16 KiB RAM). Its SysTick runs at
    /// 16 MHz, so under `-icount shift=0` a tick is 62.5 instructions (the M0 firmware
    /// calibrates its counts with a loop of known length).
    Microbit,
    /// `mps2-an500`: Cortex-M7 with FPU, the same memory map as `mps2-an386` (so it boots the
    /// M4F firmware's ELFs as they are).
    Mps2An500,
    /// `mps2-an505`: Cortex-M33 (Armv8-M Mainline, FPU, DSP extension, TrustZone). It boots in
    /// the secure state with its vector table at `0x1000_0000`, the secure alias of the code
    /// SRAM; the data SRAM's secure alias is at `0x3800_0000` (`m4f/memory-an505.x`).
    Mps2An505,
}

impl Machine {
    /// The machine named `name` (QEMU's name).
    pub fn from_name(name: &str) -> Result<Machine, String> {
        match name {
            "mps2-an386" => Ok(Machine::Mps2An386),
            "microbit" => Ok(Machine::Microbit),
            "mps2-an500" => Ok(Machine::Mps2An500),
            "mps2-an505" => Ok(Machine::Mps2An505),
            _ => Err(format!(
                "unknown machine {name} (mps2-an386, microbit, mps2-an500 or mps2-an505)"
            )),
        }
    }

    /// QEMU's name for the machine.
    pub fn name(self) -> &'static str {
        match self {
            Machine::Mps2An386 => "mps2-an386",
            Machine::Microbit => "microbit",
            Machine::Mps2An500 => "mps2-an500",
            Machine::Mps2An505 => "mps2-an505",
        }
    }

    /// The arguments of `qemu-system-arm` that boot `elf` on this machine, with semihosting (the
    /// firmware prints and exits through it, so QEMU's exit status is the firmware's).
    pub fn args(self, elf: &Path) -> Vec<String> {
        let machine: &[&str] = match self {
            Machine::Mps2An386 => &["-cpu", "cortex-m4", "-machine", "mps2-an386"],
            Machine::Microbit => &["-machine", "microbit"],
            Machine::Mps2An500 => &["-cpu", "cortex-m7", "-machine", "mps2-an500"],
            Machine::Mps2An505 => &["-cpu", "cortex-m33", "-machine", "mps2-an505"],
        };
        let common: &[&str] = &[
            "-nographic",
            "-semihosting-config",
            "enable=on,target=native",
        ];
        // Counting instructions: the virtual clock advances 1 ns per instruction.
        let icount: &[&str] = match self {
            Machine::Mps2An386 | Machine::Microbit => &["-icount", "shift=0"],
            Machine::Mps2An500 | Machine::Mps2An505 => &[],
        };
        machine
            .iter()
            .chain(common)
            .chain(icount)
            .map(|s| s.to_string())
            .chain(["-kernel".to_string(), elf.display().to_string()])
            .collect()
    }
}

/// What a QEMU run produced.
pub struct Run {
    /// Everything the firmware printed (QEMU's stdout, then its stderr).
    pub output: String,
    /// QEMU's exit status, `None` when it was killed at the timeout.
    pub status: Option<ExitStatus>,
}

impl Run {
    /// QEMU's exit code (the firmware's), `None` when it was killed at the timeout; killed by a
    /// signal counts as 1.
    pub fn code(&self) -> Option<i32> {
        self.status.map(|s| s.code().unwrap_or(1))
    }
}

/// Boots `elf` on `machine`, waits at most `timeout`, and returns what it printed. With `echo`,
/// the output is also shown as it comes.
pub fn run(machine: Machine, elf: &Path, timeout: Duration, echo: bool) -> Result<Run, String> {
    let mut child = Command::new("qemu-system-arm")
        .args(machine.args(elf))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start qemu-system-arm: {e}"))?;
    let pipe = |r: Option<Box<dyn Read + Send>>, to_stderr: bool| {
        thread::spawn(move || {
            let mut text = Vec::new();
            if let Some(mut r) = r {
                let mut buf = [0u8; 4096];
                while let Ok(n) = r.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    if echo {
                        use std::io::Write;
                        let _ = if to_stderr {
                            std::io::stderr().write_all(&buf[..n])
                        } else {
                            std::io::stdout().write_all(&buf[..n])
                        };
                    }
                    text.extend_from_slice(&buf[..n]);
                }
            }
            text
        })
    };
    let out = pipe(child.stdout.take().map(|r| Box::new(r) as _), false);
    let err = pipe(child.stderr.take().map(|r| Box::new(r) as _), true);
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            break Some(status);
        }
        if start.elapsed() >= timeout {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        thread::sleep(Duration::from_millis(10));
    };
    let mut output = out.join().unwrap_or_default();
    output.extend(err.join().unwrap_or_default());
    Ok(Run {
        output: String::from_utf8_lossy(&output).into_owned(),
        status,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_lines() {
        let elf = Path::new("/t/sine");
        assert_eq!(
            Machine::Mps2An386.args(elf).join(" "),
            "-cpu cortex-m4 -machine mps2-an386 -nographic -semihosting-config \
             enable=on,target=native -icount shift=0 -kernel /t/sine"
        );
        assert_eq!(
            Machine::Microbit.args(elf).join(" "),
            "-machine microbit -nographic -semihosting-config enable=on,target=native \
             -icount shift=0 \
             -kernel /t/sine"
        );
    }

    #[test]
    fn machine_names() {
        assert_eq!(Machine::from_name("microbit"), Ok(Machine::Microbit));
        assert_eq!(Machine::from_name("mps2-an386"), Ok(Machine::Mps2An386));
        for m in [Machine::Mps2An500, Machine::Mps2An505] {
            assert_eq!(Machine::from_name(m.name()), Ok(m));
        }
        assert_eq!(
            Machine::Mps2An505.args(Path::new("/t/int8")).join(" "),
            "-cpu cortex-m33 -machine mps2-an505 -nographic -semihosting-config \
             enable=on,target=native -kernel /t/int8"
        );
        assert!(Machine::from_name("lm3s6965evb").is_err());
    }
}
