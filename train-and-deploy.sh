#!/usr/bin/env bash
# The whole story in one command: train the sine model on the host, write its model file, build
# the firmware template (examples/firmware-template, include_model!) around that file for the
# Cortex-M4F and run it under QEMU; every output must be bit-identical to the host's run of the
# same file. `./train-and-deploy.sh FILE [m4f|m0|both]` deploys any model file instead.
set -euo pipefail
cd "$(dirname "$0")"
source scripts/prerequisites.sh
need_targets thumbv7em-none-eabihf
need_qemu

if [ $# -gt 0 ]; then
    # ./train-and-deploy.sh FILE [m4f|m0|both]: deploy a model file you trained yourself.
    scripts/firmware.sh deploy "$@"
    exit
fi
echo "==> train on the host: cargo run --release --example sine"
cargo run --release --example sine
echo
echo "==> deploy out/sine.ennm to the Cortex-M4F (QEMU mps2-an386)"
scripts/firmware.sh deploy out/sine.ennm
