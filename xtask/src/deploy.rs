//! `cargo xtask firmware deploy [FILE] [m4f|m0|both]`: builds the firmware template
//! (`examples/firmware-template`, `include_model!` around `EMBEDNN_MODEL=FILE`) for a core, boots
//! it under QEMU, and compares every output it prints with the host's run of the same file
//! through [`AnyModel`] on the same seeded inputs — bit for bit.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use embednn::{AnyModel, ModelInfo, Rng};

use crate::prereq;
use crate::qemu::{self, Machine};

/// Inputs the template runs, and their seed: `SAMPLES` and `SEED` in
/// `examples/firmware-template/src/main.rs` (a unit test keeps them equal).
pub const SAMPLES: usize = 8;
pub const SEED: u64 = 0x5EED;
/// The template's binary.
const BIN: &str = "embednn-firmware-template";

/// A core the template is built for and the QEMU machine it runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Core {
    /// `m4f` or `m0`.
    pub name: &'static str,
    /// The Rust target.
    pub target: &'static str,
    /// The machine.
    pub machine: Machine,
}

/// Cortex-M4F (QEMU mps2-an386).
pub const M4F: Core = Core {
    name: "Cortex-M4F",
    target: prereq::M4F,
    machine: Machine::Mps2An386,
};
/// Cortex-M0 (QEMU microbit, soft float).
pub const M0: Core = Core {
    name: "Cortex-M0",
    target: prereq::M0,
    machine: Machine::Microbit,
};

/// The cores `m4f`, `m0` or `both` name.
pub fn cores(name: &str) -> Result<Vec<Core>, String> {
    match name {
        "m4f" => Ok(vec![M4F]),
        "m0" => Ok(vec![M0]),
        "both" => Ok(vec![M4F, M0]),
        _ => Err(format!("unknown core {name} (m4f, m0 or both)")),
    }
}

/// The host's outputs for `bytes` on the template's seeded inputs, sample by sample.
pub fn host_outputs(bytes: &[u8]) -> Result<Vec<Vec<f32>>, String> {
    let info = ModelInfo::parse(bytes).map_err(|e| e.to_string())?;
    let params: Vec<f32> = info.params.iter().collect();
    let model = AnyModel::new(&info, &params).map_err(|e| e.to_string())?;
    let mut rng = Rng::seed(SEED);
    let mut scratch = vec![0.0; model.scratch_len()];
    let mut outputs = Vec::new();
    for _ in 0..SAMPLES {
        let x: Vec<f32> = (0..model.input_len())
            .map(|_| rng.uniform(-2.0, 2.0))
            .collect();
        let mut y = vec![0.0; model.output_len()];
        model
            .forward(&x, &mut scratch, &mut y)
            .map_err(|e| e.to_string())?;
        outputs.push(y);
    }
    Ok(outputs)
}

/// The `y SAMPLE OUTPUT BITS VALUE` lines the firmware printed, as bits by (sample, output).
pub fn device_outputs(text: &str) -> BTreeMap<(usize, usize), u32> {
    text.lines()
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            (words.next()? == "y").then_some(())?;
            let sample = words.next()?.parse().ok()?;
            let output = words.next()?.parse().ok()?;
            let bits = words.next()?.parse().ok()?;
            Some(((sample, output), bits))
        })
        .collect()
}

/// Every host output against the device's: `Ok(count)` when all are there and bit-identical,
/// otherwise the first few differences.
pub fn compare(host: &[Vec<f32>], device: &BTreeMap<(usize, usize), u32>) -> Result<usize, String> {
    let mut problems = Vec::new();
    let mut count = 0;
    for (i, y) in host.iter().enumerate() {
        for (j, v) in y.iter().enumerate() {
            count += 1;
            match device.get(&(i, j)) {
                Some(&bits) if bits == v.to_bits() => {}
                Some(&bits) => problems.push(format!(
                    "sample {i} output {j}: device {} ({bits:#010x}), host {v} ({:#010x})",
                    f32::from_bits(bits),
                    v.to_bits()
                )),
                None => problems.push(format!("sample {i} output {j}: the device printed none")),
            }
        }
    }
    if device.len() != count && problems.is_empty() {
        problems.push(format!(
            "the device printed {} outputs, the host computed {count}",
            device.len()
        ));
    }
    if problems.is_empty() {
        Ok(count)
    } else {
        problems.truncate(5);
        Err(problems.join("; "))
    }
}

/// Builds the template around `file` for `core`, runs it, and checks it against the host.
pub fn deploy(root: &Path, file: &Path, core: Core, timeout: Duration) -> Result<(), String> {
    let model = file
        .canonicalize()
        .map_err(|e| format!("{}: {e}", file.display()))?;
    let bytes = std::fs::read(&model).map_err(|e| format!("{}: {e}", model.display()))?;
    let host = host_outputs(&bytes).map_err(|e| format!("{}: {e}", model.display()))?;
    let dir = root.join("examples/firmware-template");
    let target_dir = root.join("target/firmware-template");
    let status = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
        .current_dir(&dir)
        .env("CARGO_TARGET_DIR", &target_dir)
        .env("EMBEDNN_MODEL", &model)
        .args(["build", "--release", "--quiet", "--target", core.target])
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !status.success() {
        return Err(format!(
            "the firmware template does not build around {} for the {}",
            model.display(),
            core.name
        ));
    }
    let elf: PathBuf = target_dir.join(core.target).join("release").join(BIN);
    let run = qemu::run(core.machine, &elf, timeout, false)?;
    if run.code() != Some(0) {
        return Err(format!(
            "the {} firmware failed (exit {:?}):\n{}",
            core.name,
            run.code(),
            run.output
        ));
    }
    if let Some(line) = run.output.lines().find(|l| l.starts_with("model:")) {
        println!("    device: {line}");
    }
    let device = device_outputs(&run.output);
    let count = compare(&host, &device)
        .map_err(|e| format!("{} on the {}: {e}", file.display(), core.name))?;
    for (i, y) in host.iter().enumerate().take(3) {
        let shown: Vec<String> = y.iter().take(4).map(|v| format!("{v:.6}")).collect();
        let more = if y.len() > 4 { ", …" } else { "" };
        println!("    sample {i}: [{}{more}] on both", shown.join(", "));
    }
    println!(
        "ok: {} on the {} ({}): {count} outputs of {SAMPLES} seeded inputs, bit-identical to the host",
        file.display(),
        core.name,
        core.target
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_and_sample_count_are_the_templates() {
        let main = include_str!("../../examples/firmware-template/src/main.rs");
        assert!(main.contains(&format!("const SAMPLES: usize = {SAMPLES};")));
        assert!(main.contains(&format!("const SEED: u64 = {SEED:#X};").replace("0X", "0x")));
    }

    #[test]
    fn outputs_are_read_and_compared_by_bits() {
        let text = "model: …\ny 0 0 1065353216 1\ny 0 1 0 0\nnoise\ny 1 0 3212836864 -1\ndone\n";
        let device = device_outputs(text);
        assert_eq!(device.len(), 3);
        let host = vec![vec![1.0, 0.0], vec![-1.0]];
        assert_eq!(compare(&host, &device), Ok(3));
        let off = vec![vec![1.0, -0.0], vec![-1.0]];
        let err = compare(&off, &device).unwrap_err();
        assert!(
            err.starts_with("sample 0 output 1: device 0 (0x00000000), host -0"),
            "{err}"
        );
        let more = vec![vec![1.0, 0.0], vec![-1.0, 2.0]];
        assert!(compare(&more, &device)
            .unwrap_err()
            .contains("sample 1 output 1: the device printed none"));
    }
}
