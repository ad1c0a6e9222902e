#!/usr/bin/env bash
# Builds, runs and measures the firmware under examples/firmware/ in QEMU. A shim: the work is
# `cargo xtask firmware COMMAND` (xtask/src/firmware.rs), kept so existing commands keep working.
#
#   scripts/firmware.sh test              build every firmware and run each: device outputs must
#                                         equal the host's, fine-tuning must work, RAM_BYTES must
#                                         match the linked ELF
#   scripts/firmware.sh no-panic          link-time proof that inference and training cannot panic
#                                         (and that the proof fails when a panic is added)
#   scripts/firmware.sh bench             instructions, flash, RAM and stack per model (Markdown,
#                                         and one `RESULT bench` line per model)
#   scripts/firmware.sh lint              cargo fmt --check and clippy -D warnings on every firmware crate
#   scripts/firmware.sh deploy [FILE] [m4f|m0|both]
#                                         build the firmware template (examples/firmware-template)
#                                         around any model file FILE (default: the sine model) for
#                                         the core (default m4f), run it under QEMU and compare
#                                         every output with the host's, bit for bit
#   scripts/firmware.sh deploy-test       deploy iris, digits, digits_cnn, gestures and a model of
#                                         a type no code names to both cores
#
# All firmware shares one target directory, target/firmware (override: FIRMWARE_TARGET_DIR).
# Each QEMU run is bounded by a timeout (FIRMWARE_TIMEOUT seconds, default 300).
set -euo pipefail
# deploy's FILE is relative to the caller's directory; the xtask runs from the repository root.
if [ "${1:-}" = deploy ] && [ -n "${2:-}" ] && [ "${2#/}" = "$2" ]; then
    set -- deploy "$PWD/$2" "${@:3}"
fi
cd "$(dirname "$0")/.."
exec cargo xtask firmware "$@"
