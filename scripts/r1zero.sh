#!/usr/bin/env bash
# The R1-Zero run from nothing (docs/rl.md): builds seek, then `seek r1zero` writes into OUT the
# synthetic corpus, the tokenizer, the pretrained base model, the GRPO run and report.md with
# held-out pass@1 before and after RL and the time of every stage.
#
# Usage: scripts/r1zero.sh [OUT=runs/r1zero] [--seed N] [--distill] [--install]
#   --distill   then the distillation comparison (OUT/distill/report.md)
#   --install   copy the final model to models/default (the embedded default model)
set -euo pipefail
cd "$(dirname "$0")/.."

out=runs/r1zero
args=()
install=0
while (($#)); do
  case "$1" in
    --seed) args+=(--seed "$2"); shift ;;
    --distill) args+=(--distill) ;;
    --install) install=1 ;;
    -*) echo "r1zero.sh: unknown option $1" >&2; exit 2 ;;
    *) out="$1" ;;
  esac
  shift
done

bash scripts/install-deps.sh
cmake --preset release -DSEEK_BUILD_TESTS=OFF >/dev/null
cmake --build build/release --target seek
mkdir -p "$(dirname "$out")"
# Two threads whatever the machine: the run is reproducible for a given seed and thread count.
time build/release/src/cli/seek r1zero --out "$out" --threads 2 "${args[@]}"
if ((install)); then
  rm -rf models/default
  mkdir -p models/default
  cp "$out"/rl/model/{config.json,model.safetensors,tokenizer.json,tokenizer_config.json} models/default/
  cp "$out"/report.md models/default/R1ZERO_REPORT.md
  echo "installed $out/rl/model as models/default"
fi
