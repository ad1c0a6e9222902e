//! Picks the linker memory map for the part (a feature, or QEMU's machine for the target) and
//! rebuilds when `EMBEDNN_MODEL` names another model file.

use std::path::PathBuf;

fn main() {
    let target = std::env::var("TARGET").unwrap_or_default();
    let feature =
        |f: &str| std::env::var_os(format!("CARGO_FEATURE_{}", f.to_uppercase())).is_some();
    let part = if feature("stm32f411re") {
        "stm32f411re"
    } else if feature("nrf52840") {
        "nrf52840"
    } else if feature("rp2040") {
        "rp2040"
    } else if target.starts_with("thumbv6m") {
        "microbit"
    } else {
        "mps2-an386"
    };
    // The part's RAM, for the compile-time check that one inference fits (src/main.rs).
    let ram_kib = match part {
        "microbit" => 16,
        "stm32f411re" | "mps2-an386" => 128,
        _ => 256,
    };
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    let memory = std::fs::read(format!("memory/{part}.x")).expect("memory/<part>.x exists");
    std::fs::write(out.join("memory.x"), memory).expect("OUT_DIR is writable");
    let part_rs = format!(
        "/// The part linked for.\npub const PART: &str = {part:?};\n\
         /// Its RAM in bytes (memory/{part}.x).\npub const RAM_BYTES: usize = {ram_kib} * 1024;\n"
    );
    std::fs::write(out.join("part.rs"), part_rs).expect("OUT_DIR is writable");
    println!("cargo:rustc-link-search={}", out.display());
    println!("cargo:rustc-link-arg=-Tlink.x");
    if feature("defmt") {
        println!("cargo:rustc-link-arg=-Tdefmt.x");
    }
    println!("cargo:rerun-if-changed=memory/{part}.x");
    println!("cargo:rerun-if-env-changed=EMBEDNN_MODEL");
}
