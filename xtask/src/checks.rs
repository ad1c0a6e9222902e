//! The checks that decide pass or fail from what a firmware printed and what its ELF holds.

use crate::fields::Line;

/// The RAM a training step needs: the compile-time `Trainer::RAM_BYTES` against the trainer's
/// `static` in the linked ELF (`elf_trainer`, the size of symbol `TRAINER`, `None` if absent) plus
/// the painted stack of one training step, all from the firmware's `RESULT` line. Returns the
/// report, or why the check fails.
pub fn training_ram(result: &Line, elf_trainer: Option<u64>) -> Result<String, String> {
    let ram_bytes = result.num("ram_bytes")?;
    let trainer_size = result.num("trainer_size")?;
    let trainer_static = result.num("trainer_static")?;
    let step_stack = result.num("step_stack")?;
    let symbol = elf_trainer.ok_or("the ELF has no symbol TRAINER")?;
    let measured = trainer_size + step_stack;
    let mut report = format!(
        "Trainer::RAM_BYTES (compile time)        {ram_bytes} bytes\n\
         ELF: static TRAINER                      {symbol} bytes (size_of::<Trainer>() = {trainer_size}, + RefCell flag)\n\
         painted stack of one training step       {step_stack} bytes\n\
         measured: Trainer + step's stack         {measured} bytes\n"
    );
    if symbol != trainer_static {
        return Err(format!(
            "the ELF's TRAINER ({symbol} bytes) is not the size the firmware reports ({trainer_static})"
        ));
    }
    if symbol < trainer_size {
        return Err("the ELF's TRAINER is smaller than size_of::<Trainer>()".into());
    }
    if measured > ram_bytes {
        return Err(format!(
            "a training step used {measured} bytes, more than Trainer::RAM_BYTES = {ram_bytes}"
        ));
    }
    report += &format!(
        "ok: the step fits Trainer::RAM_BYTES ({} bytes to spare)",
        ram_bytes - measured
    );
    Ok(report)
}

/// The int8 firmware's ELF must hold the DSP kernel (`size`: its symbol's size, `None` when
/// absent): otherwise the bit-exactness test compared the portable kernel with itself.
pub fn dsp_linked(size: Option<u64>, elf: &std::path::Path) -> Result<String, String> {
    match size {
        Some(n) if n > 0 => Ok(format!(
            "ok: {} links the DSP kernel ({n} bytes)",
            elf.display()
        )),
        _ => Err(format!(
            "{} does not link the DSP kernel: its int8 layers would run the portable kernel \
             (is src/quant/dsp.rs compiled for this target?)",
            elf.display()
        )),
    }
}

/// A firmware run finished well: it exited with status 0 (`None`: killed at the timeout).
pub fn finished(name: &str, status: Option<i32>, timeout_secs: u64) -> Result<(), String> {
    match status {
        None => Err(format!("{name} did not finish within {timeout_secs}s")),
        Some(0) => Ok(()),
        Some(s) => Err(format!("{name} failed (exit status {s})")),
    }
}

/// A firmware run passed: it [`finished`] well and printed `PASS` on a line of its own.
pub fn passed(
    name: &str,
    status: Option<i32>,
    output: &str,
    timeout_secs: u64,
) -> Result<(), String> {
    finished(name, status, timeout_secs)?;
    if output.lines().any(|l| l.trim_end() == "PASS") {
        Ok(())
    } else {
        Err(format!("{name} did not report PASS"))
    }
}

/// What the no-panic check's marker says when a panic is reachable (the name of the undefined
/// symbol in `m4f/src/bin/no_panic.rs`).
pub const PANIC_MARKER: &str = "a panic path is reachable";

/// The build of `no_panic` with a deliberate panic must fail, and fail at the panic check: given
/// whether the build succeeded and its log, returns the log's line naming the reachable panic.
pub fn deliberate_panic(built: bool, log: &str) -> Result<&str, String> {
    if built {
        return Err(
            "the no_panic check linked despite a deliberate panic: the check is broken".into(),
        );
    }
    log.lines()
        .find(|l| l.contains(PANIC_MARKER))
        .map(str::trim)
        .ok_or_else(|| "building with a deliberate panic failed, but not at the panic check".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::elf::{tests::tiny_elf, Elf};

    const LINE: &str = "RESULT gesture_train ram_bytes=33136 trainer_size=23024 \
                        trainer_static=23028 head_static=12188 step_stack=5392 statics=35224";

    #[test]
    fn fits() {
        let report = training_ram(&Line::parse(LINE), Some(23028)).unwrap();
        assert!(report.contains("measured: Trainer + step's stack         28416 bytes"));
        assert!(report.ends_with("(4720 bytes to spare)"));
    }

    #[test]
    fn reads_the_symbol_from_the_elf() {
        let bytes = tiny_elf(
            &[(".bss", 23028)],
            &[("_ZN13gesture_train7TRAINER17h0123456789abcdefE", 23028)],
        );
        let elf = Elf::parse(&bytes).unwrap();
        let size = elf.symbol_size("gesture_train::TRAINER");
        assert!(training_ram(&Line::parse(LINE), size).is_ok());
        let missing = elf.symbol_size("train::TRAINER");
        assert_eq!(
            training_ram(&Line::parse(LINE), missing),
            Err("the ELF has no symbol TRAINER".into())
        );
    }

    #[test]
    fn the_dsp_kernel_must_be_linked() {
        let bytes = tiny_elf(&[(".text", 64)], &[("embednn_dsp_dot4", 360)]);
        let elf = Elf::parse(&bytes).unwrap();
        let path = std::path::Path::new("int8");
        assert!(dsp_linked(elf.symbol_size("embednn_dsp_dot4"), path).is_ok());
        assert!(dsp_linked(elf.symbol_size("embednn_dsp_dot8"), path).is_err());
        assert!(dsp_linked(Some(0), path).is_err());
    }

    #[test]
    fn fails_when_it_should() {
        let line = Line::parse(LINE);
        // The ELF disagrees with the size the firmware reports.
        assert!(training_ram(&line, Some(23032))
            .unwrap_err()
            .contains("is not the size the firmware reports (23028)"));
        // The static is smaller than the type.
        let small = Line::parse(&LINE.replace("trainer_static=23028", "trainer_static=20000"));
        assert!(training_ram(&small, Some(20000))
            .unwrap_err()
            .contains("smaller"));
        // The step needs more than RAM_BYTES promises (28416 > 28415).
        let tight = Line::parse(&LINE.replace("ram_bytes=33136", "ram_bytes=28415"));
        assert_eq!(
            training_ram(&tight, Some(23028)),
            Err("a training step used 28416 bytes, more than Trainer::RAM_BYTES = 28415".into())
        );
        // Exactly RAM_BYTES passes.
        let exact = Line::parse(&LINE.replace("ram_bytes=33136", "ram_bytes=28416"));
        assert!(training_ram(&exact, Some(23028))
            .unwrap()
            .ends_with("(0 bytes to spare)"));
        // A field missing.
        let partial = Line::parse("RESULT train ram_bytes=1");
        assert!(training_ram(&partial, Some(1))
            .unwrap_err()
            .contains("trainer_size"));
    }

    #[test]
    fn pass_needs_status_and_pass_line() {
        assert_eq!(passed("m4f/sine", Some(0), "x\nPASS\n", 300), Ok(()));
        assert!(passed("m4f/sine", Some(0), "x\nFAIL\n", 300)
            .unwrap_err()
            .contains("did not report PASS"));
        assert!(passed("m4f/sine", Some(0), "PASS or not\n", 300).is_err());
        assert!(passed("m4f/sine", Some(1), "PASS\n", 300)
            .unwrap_err()
            .contains("exit status 1"));
        assert!(passed("m4f/sine", None, "PASS\n", 300)
            .unwrap_err()
            .contains("within 300s"));
        // The benchmark needs only the status.
        assert_eq!(finished("benchmark sine", Some(0), 300), Ok(()));
        assert!(finished("benchmark sine", Some(101), 300).is_err());
    }

    #[test]
    fn deliberate_panic_must_fail_the_link() {
        let log = "   Compiling firmware-m4f v0.1.0\nerror: linking with `rust-lld` failed\n  = note: rust-lld: error: undefined symbol: \n\n    error(no-panic check): a panic path is reachable from inference or training; see examples/firmware/README.md\n\n";
        assert_eq!(
            deliberate_panic(false, log),
            Ok("error(no-panic check): a panic path is reachable from inference or training; see examples/firmware/README.md")
        );
        assert!(deliberate_panic(true, log)
            .unwrap_err()
            .contains("the check is broken"));
        assert!(deliberate_panic(false, "error[E0308]: mismatched types")
            .unwrap_err()
            .contains("not at the panic check"));
    }
}
