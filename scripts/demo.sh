#!/usr/bin/env bash
# The main job: install what is missing, build seek, and run it on the default model
# (models/default: the result of the R1-Zero run, scripts/r1zero.sh and docs/rl.md): one chat
# answer with its visible reasoning, then held-out accuracy on problems it never trained on.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
cmake --preset release -DSEEK_BUILD_TESTS=OFF >/dev/null
cmake --build build/release --target seek
seek=build/release/src/cli/seek

echo "== seek generate --chat -p 'What is 58 + 67?'   (no MODEL: the default model)"
"$seek" generate --chat -p "What is 58 + 67?" --temp 0 -n 120
echo
echo "== seek eval models/default: held-out 2-digit additions, pass@1 greedy and sampled"
task='{"type": "arithmetic", "min_digits": 2, "max_digits": 2}'
"$seek" eval models/default --task "$task" --problems 200 --temp 0
"$seek" eval models/default --task "$task" --problems 200 --temp 0.6 --top-p 0.95
