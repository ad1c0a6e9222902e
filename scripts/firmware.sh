#!/usr/bin/env bash
# Builds and runs the firmware under examples/firmware/ in QEMU.
#
#   scripts/firmware.sh test              build every firmware and run each: device outputs must
#                                         equal the host's, fine-tuning must work, RAM_BYTES must
#                                         match the linked ELF
#   scripts/firmware.sh no-panic          link-time proof that inference and training cannot panic
#                                         (and that the proof fails when a panic is added)
#   scripts/firmware.sh bench             instructions, flash, RAM and stack per model (Markdown)
#   scripts/firmware.sh lint              cargo fmt --check and clippy -D warnings on every firmware crate
#   scripts/firmware.sh deploy [FILE]     build the Cortex-M4F sine firmware around model file FILE
#                                         (default: examples/firmware/models/sine.ennm) and run it
#
# All firmware shares one target directory, target/firmware (override: FIRMWARE_TARGET_DIR).
# Each QEMU run is bounded by a timeout (FIRMWARE_TIMEOUT seconds, default 300).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
source scripts/prerequisites.sh

fw="$root/examples/firmware"
export CARGO_TARGET_DIR="${FIRMWARE_TARGET_DIR:-$root/target/firmware}"
m4f_out="$CARGO_TARGET_DIR/thumbv7em-none-eabihf/release"
run_timeout="${FIRMWARE_TIMEOUT:-300}"

step() { echo; echo "==> $*"; }
die() { echo "error: $*" >&2; exit 1; }

# llvm-size / llvm-nm (rustup's llvm-tools, else the system's), for reading the linked ELFs.
need_llvm_tools() {
    local bin
    bin="$(rustc --print sysroot)/lib/rustlib/$(rustc -vV | sed -n 's/^host: //p')/bin"
    if [ ! -x "$bin/llvm-size" ] && command -v rustup >/dev/null 2>&1; then
        echo "==> rustup component add llvm-tools"
        rustup component add llvm-tools >/dev/null 2>&1 || true
    fi
    if [ -x "$bin/llvm-size" ] && [ -x "$bin/llvm-nm" ]; then
        LLVM_SIZE="$bin/llvm-size" LLVM_NM="$bin/llvm-nm"
    elif command -v llvm-size >/dev/null 2>&1 && command -v llvm-nm >/dev/null 2>&1; then
        LLVM_SIZE=llvm-size LLVM_NM=llvm-nm
    else
        die "llvm-size/llvm-nm are missing; run: rustup component add llvm-tools"
    fi
}

prerequisites() {
    need_targets thumbv7em-none-eabihf thumbv6m-none-eabi
    need_qemu
    need_llvm_tools
}

# build CRATE [cargo args...]: cargo build --release inside examples/firmware/CRATE.
build() {
    local crate=$1
    shift
    (cd "$fw/$crate" && cargo build --release "$@")
}

# run CRATE BIN [ENV=VALUE...]: cargo run (the crate's runner boots QEMU) with a timeout; the
# output is shown and kept in $out. Fails unless the firmware exits 0 and printed PASS.
run() {
    local crate=$1 bin=$2 status=0
    shift 2
    out=$(cd "$fw/$crate" && env "$@" timeout "$run_timeout" cargo run --release --quiet --bin "$bin" 2>&1) || status=$?
    echo "$out"
    if [ "$status" = 124 ]; then
        die "$crate/$bin did not finish within ${run_timeout}s"
    elif [ "$status" != 0 ]; then
        die "$crate/$bin failed (exit status $status)"
    fi
    grep -qx PASS <<<"$out" || die "$crate/$bin did not report PASS"
}

# field LINE KEY: the value of KEY=value in a RESULT/BENCH line.
field() { sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<<"$1"; }
# Thousands separators.
commas() { sed ':a;s/\B[0-9]\{3\}\>/,&/;ta' <<<"$1"; }
# elf_size ELF SECTION...: total size of the named sections.
elf_size() {
    local elf=$1
    shift
    "$LLVM_SIZE" -A "$elf" | awk -v list=" $* " 'index(list, " " $1 " ") { s += $2 } END { print s + 0 }'
}
# symbol_size ELF NAME: size of the symbol whose demangled name ends in NAME (hash stripped).
symbol_size() {
    local hex
    hex=$("$LLVM_NM" -S --demangle "$1" |
        awk -v name="$2" '{ n = $4; sub(/::h[0-9a-f]+$/, "", n) } n == name { print $2; exit }')
    [ -z "$hex" ] || echo $((16#$hex))
}

# check_training_ram LINE ELF SYMBOL: the RAM a training step needs, the compile-time
# Trainer::RAM_BYTES against the trainer's static SYMBOL in the linked ELF plus the painted stack
# of one training step.
check_training_ram() {
    local line=$1 elf=$2 name=$3
    local ram_bytes trainer_size trainer_static step_stack symbol measured
    ram_bytes=$(field "$line" ram_bytes)
    trainer_size=$(field "$line" trainer_size)
    trainer_static=$(field "$line" trainer_static)
    step_stack=$(field "$line" step_stack)
    symbol=$(symbol_size "$elf" "$name")
    [ -n "$symbol" ] || die "no symbol $name in $elf"
    echo "Trainer::RAM_BYTES (compile time)        $ram_bytes bytes"
    echo "ELF: static TRAINER                      $symbol bytes (size_of::<Trainer>() = $trainer_size, + RefCell flag)"
    echo "painted stack of one training step       $step_stack bytes"
    measured=$((trainer_size + step_stack))
    echo "measured: Trainer + step's stack         $measured bytes"
    [ "$symbol" = "$trainer_static" ] || die "the ELF's TRAINER ($symbol bytes) is not the size the firmware reports ($trainer_static)"
    [ "$symbol" -ge "$trainer_size" ] || die "the ELF's TRAINER is smaller than size_of::<Trainer>()"
    [ "$measured" -le "$ram_bytes" ] ||
        die "a training step used $measured bytes, more than Trainer::RAM_BYTES = $ram_bytes"
    echo "ok: the step fits Trainer::RAM_BYTES ($((ram_bytes - measured)) bytes to spare)"
}

cmd_test() {
    local start=$SECONDS
    unset EMBEDNN_MODEL # test the committed model files (deploy is for others)
    prerequisites
    step "build every firmware: Cortex-M4F (sine, train, cnn, gesture_train, no_panic), Cortex-M0, benchmark"
    build m4f
    build m0
    build bench
    step "Cortex-M4F: sine model, device vs host (weights in flash and in RAM)"
    run m4f sine
    step "Cortex-M4F: on-device fine-tuning"
    run m4f train
    check_training_ram "$(grep '^RESULT train' <<<"$out")" "$m4f_out/train" train::TRAINER
    step "Cortex-M4F: digits CNN, gesture CNN and DS-CNN, device vs host (weights in flash)"
    run m4f cnn
    step "Cortex-M4F: fine-tuning the gesture CNN for a new user, on windows the device generates"
    run m4f gesture_train
    check_training_ram "$(grep '^RESULT gesture_train' <<<"$out")" "$m4f_out/gesture_train" \
        gesture_train::TRAINER
    step "Cortex-M0: sine and digits models, device vs host (soft float)"
    run m0 firmware-m0
    echo
    echo "Firmware tests passed in $((SECONDS - start))s."
}

cmd_no_panic() {
    local start=$SECONDS log status=0
    need_targets thumbv7em-none-eabihf
    step "link the no_panic check (inference, model loading, fine-tuning; release profile)"
    build m4f --bin no_panic
    echo "ok: no panic is reachable"
    step "the check must fail when a panic is reachable (feature deliberate-panic)"
    log=$(build m4f --bin no_panic --features deliberate-panic 2>&1) || status=$?
    if [ "$status" = 0 ]; then
        die "the no_panic check linked despite a deliberate panic: the check is broken"
    fi
    grep -q "a panic path is reachable" <<<"$log" || {
        echo "$log" >&2
        die "building with a deliberate panic failed, but not at the panic check"
    }
    grep -m1 "a panic path is reachable" <<<"$log" | sed 's/^ */    /'
    echo "ok: the deliberate panic fails the link"
    echo
    echo "No-panic check passed in $((SECONDS - start))s."
}

cmd_bench() {
    local start=$SECONDS rows=() layers=() m line elf
    local models=(keras_tutorial sine iris digits autoencoder digits_cnn gestures ds_cnn)
    prerequisites
    step "build the benchmark (one ELF per model, weights in flash)"
    build bench
    step "run under QEMU mps2-an386 (Cortex-M4F), -icount shift=0"
    for m in "${models[@]}"; do
        out=$(timeout "$run_timeout" qemu-system-arm -cpu cortex-m4 -machine mps2-an386 -nographic \
            -semihosting-config enable=on,target=native -icount shift=0 -kernel "$m4f_out/$m") ||
            die "benchmark $m failed"
        grep -v '^BENCH' <<<"$out"
        line=$(grep '^BENCH' <<<"$out") || die "benchmark $m printed no result"
        elf="$m4f_out/$m"
        rows+=("$(printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s |' \
            "$m" \
            "$(commas "$(field "$line" macs)")" \
            "$(commas "$(field "$line" per_inference)")" \
            "$(awk -v t="$(field "$line" instructions)" -v r="$(field "$line" reps)" -v m="$(field "$line" macs)" \
                'BEGIN { printf "%.2f", t / (r * m) }')" \
            "$(commas "$(elf_size "$elf" .vector_table .text .rodata .data)")" \
            "$(commas "$(elf_size "$elf" .data .bss .uninit)")" \
            "$(commas "$(field "$line" peak_stack)")" \
            "$(commas "$(field "$line" param_bytes)")" \
            "$(commas "$(field "$line" inference_bytes)")")")
    done
    echo
    echo "QEMU mps2-an386 (Cortex-M4F), thumbv7em-none-eabihf, opt-level 3, fat LTO; instruction"
    echo "counts under -icount shift=0 (SysTick, 1 tick = 40 instructions), not cycles. Flash and RAM"
    echo "(static) from the linked ELF, peak stack by painting, bytes."
    echo
    echo "| model | MACs | instr/inference | instr/MAC | flash | RAM (static) | peak stack | PARAM_BYTES | INFERENCE_BYTES |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
    printf '%s\n' "${rows[@]}"

    step "single layers of the CNNs (conv_layers), same machine and counting"
    out=$(timeout "$run_timeout" qemu-system-arm -cpu cortex-m4 -machine mps2-an386 -nographic \
        -semihosting-config enable=on,target=native -icount shift=0 -kernel "$m4f_out/conv_layers") ||
        die "benchmark conv_layers failed"
    while IFS= read -r line; do
        layers+=("$(printf '| %s | %s | %s | %s |' \
            "$(sed -n 's/^LAYER name=\(.*\) macs=.*/\1/p' <<<"$line")" \
            "$(commas "$(field "$line" macs)" | sed 's/^0$/—/')" \
            "$(commas "$(field "$line" per_call)")" \
            "$(awk -v m="$(field "$line" milli_per_unit)" -v w="$(field "$line" macs)" \
                'BEGIN { printf "%.2f%s", m / 1000, (w == 0 ? " per output" : "") }')")")
    done < <(grep '^LAYER' <<<"$out")
    echo
    echo "| layer | MACs | instr/call | instr/MAC |"
    echo "|---|---:|---:|---:|"
    printf '%s\n' "${layers[@]}"
    echo
    echo "Benchmark done in $((SECONDS - start))s."
}

cmd_deploy() {
    local model=${1:-$fw/models/sine.ennm}
    [ -f "$model" ] || die "no model file $model"
    model="$(cd "$(dirname "$model")" && pwd)/$(basename "$model")"
    need_targets thumbv7em-none-eabihf
    need_qemu
    step "build the Cortex-M4F sine firmware around $model"
    (cd "$fw/m4f" && EMBEDNN_MODEL="$model" cargo build --release --bin sine) ||
        die "the firmware does not build with $model (see the build script's message above)"
    step "run it (QEMU mps2-an386): each input, the device's prediction and the host's"
    run m4f sine EMBEDNN_MODEL="$model"
}

cmd_lint() {
    need_targets thumbv7em-none-eabihf thumbv6m-none-eabi
    for crate in common device m4f m0 bench; do
        step "lint examples/firmware/$crate"
        (cd "$fw/$crate" && cargo fmt --check && cargo clippy --release --all-targets -- -D warnings) ||
            die "examples/firmware/$crate: cargo fmt or clippy failed"
    done
}

case "${1:-}" in
test) cmd_test ;;
lint) cmd_lint ;;
no-panic) cmd_no_panic ;;
bench) cmd_bench ;;
deploy) shift; cmd_deploy "$@" ;;
*)
    echo "usage: $0 test | no-panic | bench | lint | deploy [model file]" >&2
    exit 2
    ;;
esac
