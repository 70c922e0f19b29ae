#!/usr/bin/env bash
# Milliseconds per training step on 2 MPI ranks of two `vqa` builds, run alternately so that the
# host's drift hits both alike. Prints one line per run; compare medians.
# Usage: Benchmarks/scripts/compare-distributed-steps.sh OLD_VQA NEW_VQA [rounds] [models…]
#   e.g. after `git worktree add /tmp/old HEAD~1 && (cd /tmp/old && swift build -c release --package-path Examples --product vqa)`:
#   Benchmarks/scripts/compare-distributed-steps.sh /tmp/old/Examples/.build/release/vqa Examples/.build/release/vqa 5 concat-mlp transformer
set -euo pipefail
old=$1 new=$2 rounds=${3:-5}
shift $(( $# < 3 ? $# : 3 ))
models=("$@"); [ ${#models[@]} -gt 0 ] || models=(concat-mlp transformer)
images=1600 batch=8 steps=$(( 1600 / 8 ))
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for round in $(seq "$rounds"); do
  for model in "${models[@]}"; do
    for build in old new; do
      vqa=$old; [ "$build" = new ] && vqa=$new
      out=$work/$model-$build-$round
      mpirun --allow-run-as-root --oversubscribe -np 2 "$vqa" train --train-images $images --test-images 20 \
        --batch-size $batch --epochs 1 --quiet --model "$model" --output "$out" > "$out.log" 2>&1
      python3 -c 'import json,sys; s=json.load(open(sys.argv[1]))["epochs"][0]["seconds"]; print(sys.argv[2], sys.argv[3], sys.argv[4], "%.1f ms/step" % (s / int(sys.argv[5]) * 1000))' \
        "$out/history.json" "$model" "$build" "$round" "$steps"
    done
  done
done
