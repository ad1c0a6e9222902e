#!/usr/bin/env bash
# Runs every test: formatting, lints, docs, host tests (unit, gradient checks, compile-fail),
# the no_std builds for the Cortex-M targets, the firmware under QEMU (outputs must equal the
# host's) and the link-time proof that inference and on-device training cannot panic.
set -euo pipefail
cd "$(dirname "$0")"
source scripts/prerequisites.sh
need_targets thumbv7em-none-eabihf thumbv6m-none-eabi
need_qemu

step() { echo; echo "==> $*"; "$@"; }

step cargo fmt --all -- --check
step cargo clippy --workspace --all-targets -- -D warnings
RUSTDOCFLAGS="-D warnings" step cargo doc --workspace --no-deps
step cargo test --workspace
# The core on bare metal, without std, on a Cortex-M4F and a Cortex-M0.
step cargo build -p embednn --lib --release --target thumbv7em-none-eabihf
step cargo build -p embednn --lib --release --target thumbv6m-none-eabi
step scripts/fuzz.sh short # loader and CSV reader under libFuzzer, 25 s each; needs nightly
# Firmware: Cortex-M4F and Cortex-M0 under QEMU, then the no-panic link check.
step scripts/firmware.sh test
step scripts/firmware.sh deploy-test # any model file: the template on both cores, bit for bit
step scripts/firmware.sh no-panic
step scripts/firmware.sh lint
echo
echo "All tests passed."
