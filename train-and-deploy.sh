#!/usr/bin/env bash
# The whole story in one command: train the sine model on the host, write its model file, build
# Cortex-M4F firmware around that file and run it under QEMU, printing the device's predictions
# next to the host's (they must be bit-identical; the firmware fails otherwise).
set -euo pipefail
cd "$(dirname "$0")"
source scripts/prerequisites.sh
need_targets thumbv7em-none-eabihf
need_qemu

echo "==> train on the host: cargo run --release --example sine"
cargo run --release --example sine
echo
echo "==> deploy out/sine.ennm to the Cortex-M4F (QEMU mps2-an386)"
scripts/firmware.sh deploy out/sine.ennm
