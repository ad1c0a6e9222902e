#!/usr/bin/env bash
# Installs what the build needs when it is missing, or says in one line what to install.
# Sourced by ./test.sh and ./train-and-deploy.sh.
set -euo pipefail

need_targets() {
    local missing=()
    local installed
    installed=$(rustup target list --installed 2>/dev/null || true)
    for t in "$@"; do
        grep -qx "$t" <<<"$installed" || missing+=("$t")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        echo "==> rustup target add ${missing[*]}"
        rustup target add "${missing[@]}" || {
            echo "error: could not add Rust targets; run: rustup target add ${missing[*]}" >&2
            exit 1
        }
    fi
}

need_qemu() {
    command -v qemu-system-arm >/dev/null 2>&1 && return 0
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "==> apt-get install qemu-system-arm"
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq qemu-system-arm >/dev/null
    else
        echo "error: qemu-system-arm is missing; run: sudo apt-get install -y qemu-system-arm" >&2
        exit 1
    fi
}
