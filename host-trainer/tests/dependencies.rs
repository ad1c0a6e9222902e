//! What a crate that depends on host-trainer compiles: no command line (clap), no example models,
//! no plotting stack unless it asks for the `plot` feature, no progress bar without `progress`.
//! Read from `cargo tree`, so a dependency that creeps back in (directly or through another
//! crate) fails here.

use std::process::Command;

/// The crates in host-trainer's normal dependency tree with `features`, one name per entry.
fn tree(features: &[&str]) -> Vec<String> {
    let manifest = concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml");
    let output = Command::new(env!("CARGO"))
        .args(["tree", "--offline", "--locked", "--manifest-path", manifest])
        .args(["-p", "host-trainer", "-e", "normal", "--prefix", "none"])
        .args(["--format", "{p}"])
        .args(features)
        .output()
        .expect("cargo runs");
    assert!(
        output.status.success(),
        "cargo tree failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout)
        .expect("UTF-8")
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_owned)
        .collect()
}

const NEVER: [&str; 3] = ["clap", "embednn-models", "embednn-cli"];
const PLOT: [&str; 3] = ["plotters", "dejavu", "png"];

#[test]
fn default_features_have_no_cli_and_no_plots() {
    let crates = tree(&[]);
    assert!(crates.iter().any(|c| c == "embednn"), "{crates:?}");
    assert!(crates.iter().any(|c| c == "indicatif"), "{crates:?}");
    for name in NEVER.iter().chain(&PLOT) {
        assert!(!crates.iter().any(|c| c == name), "{name} in {crates:?}");
    }
}

#[test]
fn no_default_features_drop_the_progress_bar() {
    let crates = tree(&["--no-default-features"]);
    for name in NEVER.iter().chain(&PLOT).chain(&["indicatif"]) {
        assert!(!crates.iter().any(|c| c == name), "{name} in {crates:?}");
    }
}

#[test]
fn plot_feature_brings_the_plotting_stack_and_nothing_of_the_cli() {
    let crates = tree(&["--features", "plot"]);
    for name in PLOT {
        assert!(
            crates.iter().any(|c| c == name),
            "{name} missing from {crates:?}"
        );
    }
    for name in NEVER {
        assert!(!crates.iter().any(|c| c == name), "{name} in {crates:?}");
    }
}
