#!/usr/bin/env bash
# Side-by-side fit benchmark: embednn's host trainer vs Keras/TensorFlow CPU on the same models,
# data, batch sizes, epochs and splits, in one run on one machine. Prints a Markdown table.
#
# Needs: python3 with tensorflow-cpu (`pip install tensorflow-cpu numpy`).
# Usage: benches/fit_vs_keras.sh [SEEDS]   (digits seeds 0..SEEDS-1, default 20)
set -euo pipefail
cd "$(dirname "$0")/.."
seeds=${1:-20}
python3 -c 'import tensorflow' 2>/dev/null || {
    echo "error: TensorFlow is missing; run: pip install tensorflow-cpu numpy" >&2
    exit 1
}
out=$(mktemp -d)
echo "==> embednn (cargo bench --bench fit)" >&2
cargo bench -q --bench fit -- --repeats 5 --seeds "$seeds" > "$out/rust.jsonl"
echo "==> Keras $(python3 -c 'import keras; print(keras.__version__)') (benches/keras_reference.py)" >&2
python3 benches/keras_reference.py --repeats 5 --bench tutorial > "$out/keras.jsonl" 2>/dev/null
python3 benches/keras_reference.py --bench digits --repeats 1 \
    --seeds "$(seq -s, 0 $((seeds - 1)))" >> "$out/keras.jsonl" 2>/dev/null
python3 - "$out/rust.jsonl" "$out/keras.jsonl" <<'PY'
import json, statistics, sys, os
rust = {d["bench"]: d for d in map(json.loads, open(sys.argv[1]))}
keras = {d["bench"]: d for d in map(json.loads, open(sys.argv[2]))}
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
print(f"Machine: {cpu}, {os.cpu_count()} cores; TensorFlow {keras['env']['tensorflow']}, Keras {keras['env']['keras']}.\n")
print("| benchmark | embednn fit | Keras fit | speed-up | embednn result | Keras result |")
print("|---|---|---|---|---|---|")
r, k = rust["tutorial"], keras["tutorial"]
print(f"| Keras tutorial: 2→10→1, 100 samples, 100 epochs, batch 32 | {r['fit_seconds_median']*1e3:.2f} ms "
      f"| {k['median_fit_seconds']:.2f} s | **{k['median_fit_seconds']/r['fit_seconds_median']:,.0f}×** "
      f"| final loss {r['final_train_loss']:.4f} | final loss {k['median_final_train_loss']:.4f} |")
r, k = rust["digits"], keras["digits"]
ra = [s["test_accuracy"] for s in r["seeds"]]
ka = [run["test_accuracy"] for run in k["runs"]]
rl = statistics.median(s["final_train_loss"] for s in r["seeds"])
print(f"| digits MLP: 64→64→10, 1,438 train / 359 test, 20 epochs, batch 32 | {r['fit_seconds_median']*1e3:.1f} ms "
      f"| {k['median_fit_seconds']:.2f} s | **{k['median_fit_seconds']/r['fit_seconds_median']:,.0f}×** "
      f"| test accuracy {statistics.mean(ra):.4f} mean, {min(ra):.4f}–{max(ra):.4f} over {len(ra)} seeds; loss {rl:.4f} "
      f"| test accuracy {statistics.mean(ka):.4f} mean, {min(ka):.4f}–{max(ka):.4f} over {len(ka)} seeds; loss {k['median_final_train_loss']:.4f} |")
print("\nTimes are medians of the wall time of the fit call alone (verbose off), both on all cores.")
PY
rm -rf "$out"
