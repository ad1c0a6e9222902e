//! What the firmware needs on the host, installed when missing (as `scripts/prerequisites.sh`
//! does for `./test.sh`): the Rust targets through rustup, QEMU through apt when we are root.
//! Otherwise each stops with one line saying what to run.

use std::process::{Command, Stdio};

/// The Cortex-M4F target (mps2-an386, the benchmark).
pub const M4F: &str = "thumbv7em-none-eabihf";
/// The Cortex-M0 target (micro:bit).
pub const M0: &str = "thumbv6m-none-eabi";
/// The Cortex-M33 target (mps2-an505): Armv8-M Mainline with FPU.
pub const M33: &str = "thumbv8m.main-none-eabihf";

/// Adds the rustup targets in `targets` that are not installed yet.
pub fn targets(targets: &[&str]) -> Result<(), String> {
    let installed = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .stderr(Stdio::null())
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    let missing = missing_targets(&installed, targets);
    if missing.is_empty() {
        return Ok(());
    }
    let list = missing.join(" ");
    println!("==> rustup target add {list}");
    let added = Command::new("rustup")
        .args(["target", "add"])
        .args(&missing)
        .status()
        .is_ok_and(|s| s.success());
    if added {
        Ok(())
    } else {
        Err(format!(
            "could not add Rust targets; run: rustup target add {list}"
        ))
    }
}

/// The targets of `wanted` missing from `installed` (the output of `rustup target list
/// --installed`, one target a line).
pub fn missing_targets<'a>(installed: &str, wanted: &[&'a str]) -> Vec<&'a str> {
    wanted
        .iter()
        .copied()
        .filter(|t| !installed.lines().any(|l| l.trim() == *t))
        .collect()
}

/// Makes sure `qemu-system-arm` runs: installs it with apt-get when it is missing and we are
/// root, else says what to install.
pub fn qemu() -> Result<(), String> {
    if runs("qemu-system-arm", &["--version"]) {
        return Ok(());
    }
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.trim_ascii() == b"0");
    if !root || !runs("apt-get", &["--version"]) {
        return Err(
            "qemu-system-arm is missing; run: sudo apt-get install -y qemu-system-arm".into(),
        );
    }
    println!("==> apt-get install qemu-system-arm");
    let apt = |args: &[&str]| {
        Command::new("apt-get")
            .args(args)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    if apt(&["update", "-qq"]) && apt(&["install", "-y", "-qq", "qemu-system-arm"]) {
        Ok(())
    } else {
        Err("could not install qemu-system-arm; run: apt-get install -y qemu-system-arm".into())
    }
}

/// For the benchmark's CMSIS-NN comparison: when the CMSIS-NN sources are at `cmsis_nn` (a
/// checkout with `../shared`) and `arm-none-eabi-gcc` is missing, installs it with apt-get if we
/// are root. Never fails: without the compiler the benchmark builds without CMSIS-NN and says so.
pub fn arm_gcc(cmsis_nn: &std::path::Path) {
    if !cmsis_nn.is_dir() || runs("arm-none-eabi-gcc", &["--version"]) {
        return;
    }
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.trim_ascii() == b"0");
    if !root || !runs("apt-get", &["--version"]) {
        println!("note: arm-none-eabi-gcc is missing (apt-get install gcc-arm-none-eabi): the benchmark leaves CMSIS-NN out");
        return;
    }
    println!("==> apt-get install gcc-arm-none-eabi");
    let apt = |args: &[&str]| {
        Command::new("apt-get")
            .args(args)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    if !(apt(&["update", "-qq"]) && apt(&["install", "-y", "-qq", "gcc-arm-none-eabi"])) {
        println!("note: could not install gcc-arm-none-eabi: the benchmark leaves CMSIS-NN out");
    }
}

/// `program args` starts and exits successfully.
fn runs(program: &str, args: &[&str]) -> bool {
    Command::new(program)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_missing_targets() {
        let installed = "x86_64-unknown-linux-gnu\nthumbv7em-none-eabihf\n";
        assert_eq!(missing_targets(installed, &[M4F, M0]), [M0]);
        assert!(missing_targets(installed, &[M4F]).is_empty());
        // No rustup (empty output): everything is missing.
        assert_eq!(missing_targets("", &[M4F, M0]), [M4F, M0]);
        // A target is a whole line, not a prefix.
        assert_eq!(missing_targets("thumbv7em-none-eabihf-x\n", &[M4F]), [M4F]);
    }
}
