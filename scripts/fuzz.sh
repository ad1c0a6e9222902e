#!/usr/bin/env bash
# Fuzzes the model file loader and the CSV reader with cargo-fuzz (libFuzzer; needs nightly).
#
#   scripts/fuzz.sh short            every target for 25 s (./test.sh runs this)
#   scripts/fuzz.sh long [SECONDS]   every target for SECONDS each (default 3600), niced
#   scripts/fuzz.sh seed             only (re)create the seed corpora in fuzz/corpus/
#
# The corpora start from the committed model files (bodies alone for model_body, or int8_body
# for int8 files), the first rows of data/*.csv and fuzz/seeds/. A crash stops the run; cargo-fuzz prints the input's path
# under fuzz/artifacts/ and the command that reproduces it:
#   cargo +nightly fuzz run TARGET fuzz/artifacts/TARGET/crash-...
set -euo pipefail
cd "$(dirname "$0")/.."

TARGETS=(model_info load_model model_body int8_body read_csv)
SHORT_SECONDS=25
CORPUS=fuzz/corpus
LOGS=fuzz/logs

usage() {
    sed -n '2,11s/^# \{0,1\}//p' "$0" >&2
    exit 2
}

# The body of a model file: after the magic, the version and the body length (postcard varints)
# and before the 4-byte CRC.
strip_header() {
    local file=$1 offset=4 byte len=0 shift_by=0
    # Version: one byte for every version so far.
    offset=$((offset + 1))
    for byte in $(od -An -tu1 -j "$offset" -N 5 "$file"); do
        offset=$((offset + 1))
        len=$((len | (byte & 0x7f) << shift_by))
        shift_by=$((shift_by + 7))
        [ "$byte" -lt 128 ] && break
    done
    tail -c +"$((offset + 1))" "$file" | head -c "$len"
}

seed() {
    local target f name
    for target in "${TARGETS[@]}"; do
        mkdir -p "$CORPUS/$target"
        if [ -d "fuzz/seeds/$target" ]; then
            cp fuzz/seeds/"$target"/* "$CORPUS/$target/"
        fi
    done
    for f in $(git ls-files '*.ennm' 2>/dev/null || find examples fuzz/seeds -name '*.ennm'); do
        name=$(basename "$f" .ennm)
        cp "$f" "$CORPUS/model_info/$name.ennm"
        cp "$f" "$CORPUS/load_model/$name.ennm"
        # Version 3 (the byte after the magic): an int8 file.
        if [ "$(od -An -tu1 -j 4 -N 1 "$f" | tr -d ' ')" = 3 ]; then
            target=int8_body
        else
            target=model_body
        fi
        strip_header "$f" >"$CORPUS/$target/$name.body"
    done
    # read_csv: the first byte picks the spec (see fuzz/fuzz_targets/read_csv.rs). 0x05: classes
    # in the last column; 0x00: regression on the first column; 0x0d: classes, two features.
    for f in data/*.csv; do
        name=$(basename "$f" .csv)
        for choice in 05 00 0d; do
            { printf "\\x$choice"; head -n 12 "$f"; } >"$CORPUS/read_csv/$name-$choice.csv"
        done
    done
}

have_nightly() {
    cargo +nightly --version >/dev/null 2>&1
}

need_cargo_fuzz() {
    cargo +nightly fuzz --version >/dev/null 2>&1 && return 0
    echo "==> cargo install cargo-fuzz --locked"
    cargo install cargo-fuzz --locked
}

# Runs every target for $1 seconds each and prints what each did.
run_all() {
    local seconds=$1 target log
    mkdir -p "$LOGS"
    # Built once up front, so that the time limit is all fuzzing.
    (cd fuzz && cargo +nightly fuzz build)
    for target in "${TARGETS[@]}"; do
        log="$LOGS/$target.log"
        echo "==> fuzz $target for ${seconds} s"
        if ! (cd fuzz && cargo +nightly fuzz run "$target" -- \
            -max_total_time="$seconds" -timeout=10 -print_final_stats=1) >"$log" 2>&1; then
            tail -n 40 "$log"
            echo "error: fuzz target $target failed (log: $log)" >&2
            return 1
        fi
        summary "$target" "$log"
    done
}

summary() {
    local target=$1 log=$2 runs seconds
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    seconds=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -n 1)
    echo "    $target: ${runs:-?} runs in ${seconds:-?} s, 0 crashes, corpus $(ls "$CORPUS/$target" | wc -l) inputs"
}

mode=${1:-}
case "$mode" in
    short | long | seed) ;;
    *) usage ;;
esac
if [ "$mode" = seed ]; then
    seed
    exit 0
fi
if ! have_nightly; then
    echo "fuzz: skipped, no nightly toolchain (install one with: rustup toolchain install nightly)"
    exit 0
fi
need_cargo_fuzz
seed
case "$mode" in
    short) run_all "$SHORT_SECONDS" ;;
    long)
        renice -n 10 -p $$ >/dev/null || true
        run_all "${2:-3600}"
        ;;
esac
