#!/usr/bin/env bash
# Time per training step of each VQA model on 1 process and on 2 MPI ranks (same global batch),
# and the time the ranks spend summing gradients. Prints a markdown table.
# Usage: Benchmarks/scripts/distributed.sh [images] [batch]   (after: swift build -c release --package-path Examples --product vqa)
set -euo pipefail
cd "$(dirname "$0")/../.."
images=${1:-480}
batch=${2:-8}
vqa=Examples/.build/release/vqa
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
steps=$(( (images + batch - 1) / batch ))
mpirun=(mpirun --allow-run-as-root --oversubscribe -np 2)
common=(train --train-images "$images" --test-images 20 --batch-size "$batch" --epochs 1 --quiet)

# Seconds of the epoch's training steps, from the epoch line "(… questions/s, N s)" of history.json.
seconds() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["epochs"][0]["seconds"])' "$1/history.json"; }
allreduce() { sed -n 's/.*ranks: \([0-9.]*\) ms per step.*/\1/p' "$1"; }

echo "| model | parameters | 1 process, 2 threads: ms/step | 2 ranks × 1 thread: ms/step | speed-up | all-reduce ms/step (blocking) | waiting ms/step (overlapped) |"
echo "|---|---:|---:|---:|---:|---:|---:|"
for model in concat-mlp film cross-attention relation-network mfb transformer; do
  "$vqa" "${common[@]}" --model "$model" --output "$work/$model-1" > "$work/$model-1.log"
  "${mpirun[@]}" "$vqa" "${common[@]}" --model "$model" --output "$work/$model-2" > "$work/$model-2.log"
  "${mpirun[@]}" "$vqa" "${common[@]}" --model "$model" --no-overlap --output "$work/$model-2b" > "$work/$model-2b.log"
  parameters=$(sed -n "s/^$model: \([0-9]*\) parameters.*/\1/p" "$work/$model-1.log")
  one=$(seconds "$work/$model-1")
  two=$(seconds "$work/$model-2")
  python3 - "$model" "$parameters" "$one" "$two" "$steps" "$(allreduce "$work/$model-2b.log")" "$(allreduce "$work/$model-2.log")" <<'PY'
import sys
model, parameters, one, two, steps, blocking, overlapped = sys.argv[1:]
one, two, steps = float(one), float(two), int(steps)
print(f"| {model} | {int(parameters):,} | {one / steps * 1000:.1f} | {two / steps * 1000:.1f} | {one / two:.2f}× | {float(blocking):.2f} | {float(overlapped):.2f} |")
PY
done
