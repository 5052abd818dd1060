#!/usr/bin/env bash
# Trains the small DeepSeek-V3-style model of docs/training.md ("A model trained on a fixed
# corpus") on the fortune cookies of Debian 12's `fortunes` package (1:1.99.1-7.3): its 43 text
# files concatenated in name order, 2,576,674 bytes, 15,213 fortunes separated by "%" lines.
# About 5 minutes on 2 idle cores. Re-running continues (or leaves alone) the run in RUN_DIR.
#
#   examples/fortunes/train.sh [BUILD_DIR=build/release] [RUN_DIR=runs/fortunes]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-build/release}
run=${2:-runs/fortunes}
seek="$build/src/cli/seek"
[[ -x "$seek" ]] || { echo "no $seek: build first (cmake --preset release && cmake --build build/release)" >&2; exit 1; }
[[ -d /usr/share/games/fortunes ]] || { echo "no /usr/share/games/fortunes: bash scripts/install-deps.sh" >&2; exit 1; }

mkdir -p "$run"
find /usr/share/games/fortunes -maxdepth 1 -type f ! -name '*.dat' | LC_ALL=C sort | xargs cat > "$run/corpus.txt"
[[ -f "$run/tokenizer/tokenizer.json" ]] ||
  "$seek" tokenizer train "$run/corpus.txt" --separator '\n%\n' --vocab-size 2048 --out "$run/tokenizer"
cp "$here/run.json" "$run/run.json"
"$seek" train --config "$run/run.json" --resume
echo "--- a sample (seek generate $run/out/latest):"
"$seek" generate "$run/out/latest" -p "The" -n 60 --temp 0.8 --top-p 0.95
echo "pictures: $run/out/loss.png, $run/out/expert_load.png; metrics: $run/out/metrics.jsonl"
