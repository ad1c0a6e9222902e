//! `cargo xtask firmware test|no-panic|bench|lint|deploy [FILE] [CORE]|deploy-test`: builds the firmware workspace in
//! `examples/firmware`, runs it under QEMU and checks what it prints and what its ELFs hold.
//!
//! All firmware shares one target directory, `target/firmware` (override: `FIRMWARE_TARGET_DIR`).
//! Each QEMU run is bounded by a timeout (`FIRMWARE_TIMEOUT` seconds, default 300).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::elf::Elf;
use crate::fields::Line;
use crate::qemu::{self, Machine};
use crate::table::{self, ModelRow};
use crate::{checks, deploy, prereq, Failure};

/// The subcommands, for `--help` and usage errors.
pub const USAGE: &str = "\
usage: cargo xtask firmware COMMAND   (or scripts/firmware.sh COMMAND)

  test            build every firmware and run each under QEMU: device outputs must equal the
                  host's, fine-tuning must work, Trainer::RAM_BYTES must match the linked ELF
  no-panic        link-time proof that inference and training cannot panic (and that the proof
                  fails when a panic is added)
  bench           instructions, flash, RAM and stack per model (Markdown tables and one
                  `RESULT bench` line per model)
  lint            cargo fmt --check and clippy -D warnings on every firmware crate
  deploy [FILE] [m4f|m0|both]
                  build the firmware template (examples/firmware-template) around any model
                  file FILE (default: examples/firmware/models/sine.ennm) for the core (default
                  m4f), run it under QEMU and check every output against the host's, bit for bit
  deploy-test     deploy the example files (iris, digits, digits_cnn, gestures) and a model of a
                  type no code names to both cores

environment: FIRMWARE_TARGET_DIR (default target/firmware), FIRMWARE_TIMEOUT (seconds per QEMU
run, default 300)";

/// The benchmark's models in the table's order, each the binary `bench_NAME` of
/// `firmware-bench` (`bench/build.rs` writes its model; `bench/src/bin/NAME.rs` is `bench!(NAME)`,
/// or `bench_int8!(NAME)` for an int8 model, whose name ends in `_int8`).
pub const MODELS: &[&str] = &[
    "keras_tutorial",
    "sine",
    "iris",
    "digits",
    "autoencoder",
    "autoencoder_int8",
    "digits_cnn",
    "gestures",
    "ds_cnn",
    "ds_cnn_int8",
];

/// The DSP kernel's symbol (`src/quant/dsp.rs`), present in an ELF whose int8 layers use it.
pub const DSP_KERNEL: &str = "embednn_dsp_dot4";

/// A crate of the firmware workspace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Crate {
    /// Its directory under `examples/firmware`.
    pub dir: &'static str,
    /// Its package name.
    pub package: &'static str,
    /// Its target; `None` for the libraries, which are linted on the host.
    pub target: Option<&'static str>,
}

impl Crate {
    /// The QEMU machine its target runs on.
    pub fn machine(self) -> Option<Machine> {
        match self.target? {
            prereq::M4F => Some(Machine::Mps2An386),
            prereq::M0 => Some(Machine::Microbit),
            prereq::M33 => Some(Machine::Mps2An505),
            _ => None,
        }
    }
}

/// Code shared by the firmware and its build scripts.
pub const COMMON: Crate = Crate {
    dir: "common",
    package: "firmware-common",
    target: None,
};
/// Device support (SysTick counting, stack painting, semihosting exit).
pub const DEVICE: Crate = Crate {
    dir: "device",
    package: "firmware-device",
    target: None,
};
/// Cortex-M4F firmware: sine, train, cnn, gesture_train, int8, int8_train, no_panic.
pub const M4F: Crate = Crate {
    dir: "m4f",
    package: "firmware-m4f",
    target: Some(prereq::M4F),
};
/// The Cortex-M4F firmware built for the Cortex-M33 (`thumbv8m.main-none-eabihf`, QEMU
/// `mps2-an505`; `build.rs` links it for that board's secure memory map, `memory-an505.x`).
pub const M33: Crate = Crate {
    dir: "m4f",
    package: "firmware-m4f",
    target: Some(prereq::M33),
};
/// Cortex-M0 firmware.
pub const M0: Crate = Crate {
    dir: "m0",
    package: "firmware-m0",
    target: Some(prereq::M0),
};
/// The benchmark, one binary per model and `conv_layers`.
pub const BENCH: Crate = Crate {
    dir: "bench",
    package: "firmware-bench",
    target: Some(prereq::M4F),
};
/// Every crate, in the order they are linted.
pub const CRATES: [Crate; 5] = [COMMON, DEVICE, M4F, M0, BENCH];

/// The arguments of `cargo SUBCOMMAND` in release mode on `krate` (and its target), then `extra`.
pub fn cargo_args(subcommand: &str, krate: Crate, extra: &[&str]) -> Vec<String> {
    let mut args = vec![subcommand, "--release", "--package", krate.package];
    if let Some(target) = krate.target {
        args.extend(["--target", target]);
    }
    args.extend(extra);
    args.into_iter().map(String::from).collect()
}

/// Runs `firmware ARGS`.
pub fn main(args: &[&str]) -> Result<(), Failure> {
    let fw = Firmware::from_env()?;
    match args {
        ["test"] => fw.test(),
        ["no-panic"] => fw.no_panic(),
        ["bench"] => fw.bench(),
        ["lint"] => fw.lint(),
        ["deploy"] => fw.deploy(None, "m4f"),
        ["deploy", file] => fw.deploy(Some(Path::new(file)), "m4f"),
        ["deploy", file, core] => fw.deploy(Some(Path::new(file)), core),
        ["deploy-test"] => fw.deploy_test(),
        ["help" | "-h" | "--help"] => {
            println!("{USAGE}");
            Ok(())
        }
        _ => Err(Failure::Usage),
    }
}

/// The QEMU run timeout, `FIRMWARE_TIMEOUT` seconds (default 300).
pub fn timeout() -> Result<Duration, String> {
    match std::env::var("FIRMWARE_TIMEOUT") {
        Err(_) => Ok(Duration::from_secs(300)),
        Ok(s) => s
            .parse()
            .map(Duration::from_secs)
            .map_err(|_| format!("FIRMWARE_TIMEOUT={s} is not a number of seconds")),
    }
}

fn step(what: &str) {
    println!("\n==> {what}");
}

/// Where the firmware is and where it builds.
struct Firmware {
    /// `examples/firmware`.
    dir: PathBuf,
    /// The shared target directory.
    target_dir: PathBuf,
    timeout: Duration,
}

impl Firmware {
    fn from_env() -> Result<Firmware, String> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .expect("xtask/ is inside the repository")
            .to_path_buf();
        let target_dir = std::env::var_os("FIRMWARE_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| root.join("target/firmware"));
        Ok(Firmware {
            dir: root.join("examples/firmware"),
            target_dir,
            timeout: timeout()?,
        })
    }

    /// `cargo ARGS` in the firmware workspace, with its target directory.
    fn cargo(&self, args: &[String]) -> Command {
        let mut cmd = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
        cmd.current_dir(&self.dir)
            .env("CARGO_TARGET_DIR", &self.target_dir)
            .args(args);
        cmd
    }

    /// `cargo build --release` of `krate` with `extra` arguments and `env`.
    fn build(
        &self,
        krate: Crate,
        extra: &[&str],
        env: Option<(&str, &Path)>,
    ) -> Result<(), String> {
        let mut cmd = self.cargo(&cargo_args("build", krate, extra));
        match env {
            Some((key, value)) => cmd.env(key, value),
            // Test the committed model files (deploy is for others).
            None => cmd.env_remove("EMBEDNN_MODEL"),
        };
        let ok = cmd.status().is_ok_and(|s| s.success());
        ok.then_some(())
            .ok_or_else(|| format!("building examples/firmware/{} failed", krate.dir))
    }

    /// The linked ELF of `bin` in `krate`.
    fn elf(&self, krate: Crate, bin: &str) -> PathBuf {
        let target = krate.target.expect("a firmware crate has a target");
        self.target_dir.join(target).join("release").join(bin)
    }

    /// Boots `bin` of `krate` under QEMU, showing its output: it must exit 0 and print `PASS`.
    /// Returns what it printed.
    fn run(&self, krate: Crate, bin: &str) -> Result<String, String> {
        let machine = krate.machine().expect("a firmware crate runs on a machine");
        self.run_on(machine, krate, bin)
    }

    /// [`Firmware::run`] on another `machine` than the target's own (the M4F's ELFs on the M7).
    fn run_on(&self, machine: Machine, krate: Crate, bin: &str) -> Result<String, String> {
        let run = qemu::run(machine, &self.elf(krate, bin), self.timeout, true)?;
        let name = format!("{}/{bin} on {}", krate.dir, machine.name());
        checks::passed(&name, run.code(), &run.output, self.timeout.as_secs())?;
        Ok(run.output)
    }

    /// Runs `bin` of `krate` (a fine-tuning firmware) and checks its `RESULT NAME` line against
    /// the ELF's `NAME::TRAINER`.
    fn run_training(&self, krate: Crate, bin: &str) -> Result<(), String> {
        let out = self.run(krate, bin)?;
        let line = Line::find(&out, &["RESULT", bin])
            .ok_or_else(|| format!("{}/{bin} printed no `RESULT {bin}` line", krate.dir))?;
        let path = self.elf(krate, bin);
        let bytes = read(&path)?;
        let elf = Elf::parse(&bytes).map_err(|e| format!("{}: {e}", path.display()))?;
        println!(
            "{}",
            checks::training_ram(&line, elf.symbol_size(&format!("{bin}::TRAINER")))?
        );
        Ok(())
    }

    /// Runs the `int8` firmware of `krate` on `machine` after checking that its ELF links the
    /// DSP kernel (so the bit-exactness test compared the DSP path, not the portable one twice).
    fn run_int8(&self, machine: Machine, krate: Crate) -> Result<(), String> {
        let path = self.elf(krate, "int8");
        let bytes = read(&path)?;
        let elf = Elf::parse(&bytes).map_err(|e| format!("{}: {e}", path.display()))?;
        println!(
            "{}",
            checks::dsp_linked(elf.symbol_size(DSP_KERNEL), &path)?
        );
        self.run_on(machine, krate, "int8").map(drop)
    }

    fn test(&self) -> Result<(), Failure> {
        let start = Instant::now();
        prereq::targets(&[prereq::M4F, prereq::M0, prereq::M33])?;
        prereq::qemu()?;
        step("build every firmware: Cortex-M4F (sine, train, cnn, gesture_train, int8, int8_train, no_panic), Cortex-M0, benchmark, and the M4F firmware for the Cortex-M33");
        for krate in [M4F, M0, BENCH, M33] {
            self.build(krate, &[], None)?;
        }
        step("Cortex-M4F: sine model, device vs host (weights in flash and in RAM)");
        self.run(M4F, "sine")?;
        step("Cortex-M4F: on-device fine-tuning");
        self.run_training(M4F, "train")?;
        step("Cortex-M4F: digits CNN, gesture CNN and DS-CNN, device vs host (weights in flash)");
        self.run(M4F, "cnn")?;
        step("Cortex-M4F: fine-tuning the gesture CNN for a new user, on windows the device generates");
        self.run_training(M4F, "gesture_train")?;
        step("Cortex-M4F: fine-tuning an f32 head on a frozen int8 backbone (digits)");
        self.run_training(M4F, "int8_train")?;
        step("Cortex-M4F: int8 kernels (DSP: SMLAD, SXTB16) against the portable kernel on every shape, int8 models against the host");
        self.run_int8(Machine::Mps2An386, M4F)?;
        step("Cortex-M0: sine and digits models, device vs host (soft float), and the int8 sine, digits MLP, digits CNN and gesture CNN");
        self.run(M0, "firmware-m0")?;
        step("Cortex-M7 (QEMU mps2-an500): the M4F firmware's ELFs as built (sine, CNNs, int8)");
        for bin in ["sine", "cnn"] {
            self.run_on(Machine::Mps2An500, M4F, bin)?;
        }
        self.run_int8(Machine::Mps2An500, M4F)?;
        step("Cortex-M33 (QEMU mps2-an505): the M4F firmware built for thumbv8m.main-none-eabihf (sine, CNNs, int8)");
        for bin in ["sine", "cnn"] {
            self.run(M33, bin)?;
        }
        self.run_int8(Machine::Mps2An505, M33)?;
        println!("\nFirmware tests passed in {}s.", start.elapsed().as_secs());
        Ok(())
    }

    fn no_panic(&self) -> Result<(), Failure> {
        let start = Instant::now();
        prereq::targets(&[prereq::M4F])?;
        step("link the no_panic check (inference, model loading, fine-tuning; release profile)");
        self.build(M4F, &["--bin", "no_panic"], None)?;
        println!("ok: no panic is reachable");
        step("the check must fail when a panic is reachable (feature deliberate-panic)");
        let args = cargo_args(
            "build",
            M4F,
            &["--bin", "no_panic", "--features", "deliberate-panic"],
        );
        let out = self
            .cargo(&args)
            .output()
            .map_err(|e| format!("cannot run cargo: {e}"))?;
        let log = String::from_utf8_lossy(&out.stderr).into_owned()
            + &String::from_utf8_lossy(&out.stdout);
        match checks::deliberate_panic(out.status.success(), &log) {
            Ok(line) => println!("    {line}\nok: the deliberate panic fails the link"),
            Err(e) => {
                if !out.status.success() {
                    eprintln!("{log}");
                }
                return Err(e.into());
            }
        }
        println!("\nNo-panic check passed in {}s.", start.elapsed().as_secs());
        Ok(())
    }

    fn bench(&self) -> Result<(), Failure> {
        let start = Instant::now();
        prereq::targets(&[prereq::M4F])?;
        prereq::qemu()?;
        prereq::arm_gcc(&self.root().join("../shared/reference/cmsis-nn"));
        step("build the benchmark (one ELF per model, weights in flash)");
        self.build(BENCH, &[], None)?;
        step("run under QEMU mps2-an386 (Cortex-M4F), -icount shift=0");
        let mut rows = Vec::new();
        for model in MODELS {
            let bin = format!("bench_{model}");
            let out = self.bench_run(&bin)?;
            for l in out.lines().filter(|l| !l.starts_with("BENCH")) {
                println!("{l}");
            }
            let line = Line::find(&out, &["BENCH"])
                .ok_or_else(|| format!("benchmark {model} printed no result"))?;
            let path = self.elf(BENCH, &bin);
            let bytes = read(&path)?;
            let elf = Elf::parse(&bytes).map_err(|e| format!("{}: {e}", path.display()))?;
            rows.push(ModelRow::new(&line, elf.flash(), elf.static_ram())?);
        }
        println!(
            "\nQEMU mps2-an386 (Cortex-M4F), thumbv7em-none-eabihf, opt-level 3, fat LTO; instruction\n\
             counts under -icount shift=0 (SysTick, 1 tick = 40 instructions), not cycles. Flash and RAM\n\
             (static) from the linked ELF, peak stack by painting, bytes.\n"
        );
        print!("{}", table::models_table(&rows));
        println!();
        for row in &rows {
            println!("{}", row.result_line());
        }

        step("single layers of the CNNs (conv_layers), same machine and counting");
        let out = self.bench_run("conv_layers")?;
        let layers = Line::all(&out, &["LAYER"]);
        if layers.is_empty() {
            return Err("benchmark conv_layers printed no LAYER line"
                .to_string()
                .into());
        }
        println!();
        print!("{}", table::layers_table(&layers)?);

        step("int8 fully connected layers (fc_int8): embednn's DSP kernel and CMSIS-NN's arm_fully_connected_s8, same run");
        let out = self.bench_run("fc_int8")?;
        let fc = Line::all(&out, &["FC"]);
        if fc.is_empty() {
            return Err("benchmark fc_int8 printed no FC line".to_string().into());
        }
        for l in out.lines().filter(|l| !l.starts_with("FC")) {
            println!("{l}");
        }
        println!();
        print!("{}", table::fc_table(&fc)?);
        println!("\nBenchmark done in {}s.", start.elapsed().as_secs());
        Ok(())
    }

    /// Runs benchmark binary `bin` quietly; it must exit 0.
    fn bench_run(&self, bin: &str) -> Result<String, String> {
        let run = qemu::run(
            Machine::Mps2An386,
            &self.elf(BENCH, bin),
            self.timeout,
            false,
        )?;
        checks::finished(
            &format!("benchmark {bin}"),
            run.code(),
            self.timeout.as_secs(),
        )
        .inspect_err(|_| eprintln!("{}", run.output))?;
        Ok(run.output)
    }

    fn lint(&self) -> Result<(), Failure> {
        prereq::targets(&[prereq::M4F, prereq::M0])?;
        step("cargo fmt --check on every crate of examples/firmware");
        // By package: `--all` would also check the path dependencies (the core, the models).
        let mut args = vec!["fmt".to_string(), "--check".into()];
        for krate in CRATES {
            args.extend(["--package".into(), krate.package.into()]);
        }
        let ok = self.cargo(&args).status().is_ok_and(|s| s.success());
        if !ok {
            return Err("examples/firmware: cargo fmt --check failed"
                .to_string()
                .into());
        }
        step("cargo fmt --check and clippy on examples/firmware-template (QEMU on both cores; STM32F411RE, nRF52840, RP2040 with defmt)");
        let template = self.root().join("examples/firmware-template");
        let cargo = || {
            let mut cmd = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
            cmd.current_dir(&template).env(
                "CARGO_TARGET_DIR",
                self.root().join("target/firmware-template"),
            );
            cmd
        };
        let mut checks = vec![vec!["fmt", "--check"]];
        // QEMU on both cores, and each real part with defmt.
        for (target, features) in [
            (prereq::M4F, ""),
            (prereq::M0, ""),
            (prereq::M4F, "stm32f411re,defmt"),
            (prereq::M4F, "nrf52840,defmt"),
            (prereq::M0, "rp2040,defmt"),
        ] {
            let mut args = vec!["clippy", "--release", "--target", target];
            if !features.is_empty() {
                args.extend(["--features", features]);
            }
            args.extend(["--", "-D", "warnings"]);
            checks.push(args);
        }
        for args in checks {
            if !cargo().args(&args).status().is_ok_and(|s| s.success()) {
                return Err(format!(
                    "examples/firmware-template: cargo {} failed",
                    args.join(" ")
                )
                .into());
            }
        }
        for krate in CRATES {
            step(&format!("clippy examples/firmware/{}", krate.dir));
            // The common crate's host side (feature `build`, the build scripts' generators) too.
            let features: &[&str] = if krate == COMMON {
                &["--all-features"]
            } else {
                &[]
            };
            let extra = [features, &["--all-targets", "--", "-D", "warnings"]].concat();
            let args = cargo_args("clippy", krate, &extra);
            if !self.cargo(&args).status().is_ok_and(|s| s.success()) {
                return Err(format!("examples/firmware/{}: clippy failed", krate.dir).into());
            }
        }
        Ok(())
    }

    fn root(&self) -> &Path {
        self.dir
            .parent()
            .and_then(Path::parent)
            .unwrap_or(Path::new("."))
    }

    fn deploy(&self, file: Option<&Path>, core: &str) -> Result<(), Failure> {
        let default = self.dir.join("models/sine.ennm");
        let file = file.unwrap_or(&default);
        if !file.is_file() {
            return Err(format!("no model file {}", file.display()).into());
        }
        let cores = deploy::cores(core)?;
        prereq::targets(&cores.iter().map(|c| c.target).collect::<Vec<_>>())?;
        prereq::qemu()?;
        for core in cores {
            step(&format!(
                "build the firmware template around {} for the {} and run it (QEMU {})",
                file.display(),
                core.name,
                core.machine.name()
            ));
            deploy::deploy(self.root(), file, core, self.timeout)?;
        }
        Ok(())
    }

    fn deploy_test(&self) -> Result<(), Failure> {
        let start = Instant::now();
        prereq::targets(&[prereq::M4F, prereq::M0])?;
        prereq::qemu()?;
        let root = self.root();
        let files = [
            "examples/firmware/models/iris.ennm",
            "examples/firmware/models/digits.ennm",
            "examples/firmware/models/digits_cnn.ennm",
            "examples/firmware/models/gestures.ennm",
            // Conv1d, BatchNorm, LeakyReLU, MaxPool1d, Dropout, Dense, Sigmoid: a type that only
            // macros/tests/include.rs names.
            "macros/tests/models/screening.ennm",
        ];
        for core in [deploy::M4F, deploy::M0] {
            for file in files {
                step(&format!("{file} on the {}", core.name));
                deploy::deploy(root, &root.join(file), core, self.timeout)?;
            }
        }
        println!(
            "\nAny-model deployment passed in {}s: {} files on 2 cores.",
            start.elapsed().as_secs(),
            files.len()
        );
        Ok(())
    }
}

fn read(path: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cargo_command_lines() {
        assert_eq!(
            cargo_args("build", M4F, &["--bin", "sine"]).join(" "),
            "build --release --package firmware-m4f --target thumbv7em-none-eabihf --bin sine"
        );
        assert_eq!(
            cargo_args("clippy", COMMON, &["--all-targets", "--", "-D", "warnings"]).join(" "),
            "clippy --release --package firmware-common --all-targets -- -D warnings"
        );
        assert_eq!(M0.machine(), Some(Machine::Microbit));
        assert_eq!(M33.machine(), Some(Machine::Mps2An505));
        assert_eq!(
            cargo_args("build", M33, &[]).join(" "),
            "build --release --package firmware-m4f --target thumbv8m.main-none-eabihf"
        );
        assert_eq!(BENCH.machine(), Some(Machine::Mps2An386));
        assert_eq!(DEVICE.machine(), None);
    }

    /// The workspace's manifest, for the checks that this file and the firmware agree.
    fn firmware_file(path: &str) -> String {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/firmware");
        std::fs::read_to_string(root.join(path)).expect("the firmware workspace is there")
    }

    #[test]
    fn crates_are_the_workspace_members() {
        let manifest = firmware_file("Cargo.toml");
        let dirs: Vec<String> = CRATES.iter().map(|c| format!("\"{}\"", c.dir)).collect();
        assert!(
            manifest.contains(&format!("members = [{}]", dirs.join(", "))),
            "examples/firmware/Cargo.toml's members are not {dirs:?}"
        );
        for c in CRATES {
            let own = firmware_file(&format!("{}/Cargo.toml", c.dir));
            assert!(own.contains(&format!("name = \"{}\"", c.package)));
        }
    }

    #[test]
    fn every_model_is_a_bench_binary() {
        let manifest = firmware_file("bench/Cargo.toml");
        for model in MODELS {
            let bin = format!("name = \"bench_{model}\"\npath = \"src/bin/{model}.rs\"");
            assert!(
                manifest.contains(&bin),
                "bench/Cargo.toml has no binary bench_{model}"
            );
            let src = firmware_file(&format!("bench/src/bin/{model}.rs"));
            let bench = if model.ends_with("_int8") {
                "bench_int8"
            } else {
                "bench"
            };
            assert!(
                src.contains(&format!("firmware_bench::{bench}!({model});")),
                "{model}.rs"
            );
        }
        assert!(manifest.contains("name = \"conv_layers\""));
        assert!(manifest.contains("name = \"fc_int8\""));
    }

    #[test]
    fn binary_names_are_unique() {
        // They share one target directory: `release/NAME` of one crate would overwrite another's.
        let mut names: Vec<String> = CRATES
            .iter()
            .flat_map(|c| {
                let manifest = firmware_file(&format!("{}/Cargo.toml", c.dir));
                manifest
                    .split("[[bin]]\nname = \"")
                    .skip(1)
                    .map(|rest| rest[..rest.find('"').unwrap()].to_string())
                    .collect::<Vec<_>>()
            })
            .collect();
        assert!(names.len() >= MODELS.len() + 7, "{names:?}");
        names.sort();
        let before = names.len();
        names.dedup();
        assert_eq!(
            names.len(),
            before,
            "a binary name is used twice: {names:?}"
        );
    }

    #[test]
    fn runners_go_through_the_one_command_line() {
        // The cargo runner of each target is `qemu-run MACHINE`, which calls `xtask qemu`.
        let config = firmware_file(".cargo/config.toml");
        for (target, machine) in [
            (prereq::M4F, "mps2-an386"),
            (prereq::M0, "microbit"),
            (prereq::M33, "mps2-an505"),
        ] {
            let section = format!("[target.{target}]\nrunner = \"./qemu-run {machine}\"");
            assert!(config.contains(&section), "{section}");
            assert!(Machine::from_name(machine).is_ok());
        }
        assert!(firmware_file("qemu-run").contains("-- qemu \"$machine\" \"$elf\""));
        assert!(!config.contains("qemu-system-arm"));
    }
}
