#!/usr/bin/env bash
# Encode throughput of seek's tokenizer and of the JavaScript references on the same >= 10 MB of
# mixed text, one thread each. Usage: bench/tokenizer_bench.sh [BUILD_DIR] [MB]
# Needs a release build (cmake --preset release && cmake --build build/release) and node/npm.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$root/build/release}"
mb="${2:-12}"
work="$build/bench_tokenizer"
"$root/tools/tokenizer/run_reference.sh" "$build/testdata/tokenizer" >/dev/null
mkdir -p "$work"
node "$root/tools/tokenizer/bench_text.js" make "$work/mixed.txt" "$mb"
echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) CPUs"
"$build/bench/tokenizer_bench" "$build/testdata/tokenizer/deepseek_v3" "$work/mixed.txt"
node "$root/tools/tokenizer/bench_text.js" encode "$work/mixed.txt"
