#!/usr/bin/env bash
# seek against llama.cpp on the same GGUF file, same machine, same run: writes the synthetic
# DeepSeek-V2-Lite shape with 4 layers (`seek quantize --synthetic v2-lite-4l`) in each TYPE to a
# temporary directory, then times prefill (one 512-token batch) and decode (128 greedy tokens,
# one at a time) with `seek bench FILE` and tools/llamacpp/bench_llamacpp.mjs on that file.
# Rounds alternate the two engines so that load from other work hits both; each side keeps its
# best run. llama.cpp runs with flash attention off and on (whichever is faster counts) and 2
# repeats per process (the first warms its buffers); seek runs once per process. Both choices
# favour llama.cpp.
#
# Usage: bench/llamacpp_compare.sh [BUILD_DIR=build/release] [TYPE...=q8_0 q4_0]
# Environment: ROUNDS=2, THREADS=2, SHAPE=v2-lite-4l, PROMPT=512, GEN=128,
#   BENCH_WRAP: a command prefix for every timed run, e.g. "flock /tmp/bench.lock" to keep
#   benchmarks on a shared machine from overlapping (quantizing runs under it too: it takes all
#   CPUs for a minute).
# Needs a release build of seek and tools/llamacpp/run_setup.sh (node >= 20).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build/release}
shift $(($# > 0 ? 1 : 0))
types=("$@")
[[ ${#types[@]} -gt 0 ]] || types=(q8_0 q4_0)
rounds=${ROUNDS:-2} threads=${THREADS:-2} shape=${SHAPE:-v2-lite-4l} prompt=${PROMPT:-512} gen=${GEN:-128}
read -r -a wrap <<<"${BENCH_WRAP:-}"
seek="$build/src/cli/seek"
[[ -x "$seek" ]] || { echo "llamacpp_compare: no seek binary in $build (cmake --build $build --target seek)" >&2; exit 1; }
bash "$root/tools/llamacpp/run_setup.sh" >/dev/null
work=$(mktemp -d "${TMPDIR:-/tmp}/llamacpp_compare.XXXXXX")
trap 'rm -rf "$work"' EXIT
# Every run unsets OPENBLAS_*: the environment, not the programs, would pick kernels.

echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) CPUs; $threads threads each; $shape; prompt $prompt, decode $gen"
results="$work/results.jsonl"
for type in "${types[@]}"; do
  file="$work/$shape-$type.gguf"
  "${wrap[@]}" env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \
    "$seek" quantize --synthetic "$shape" "$file" --type "$type" 2>&1 | grep -v '^seek: note:' >&2
  for ((r = 1; r <= rounds; ++r)); do
    line=$("${wrap[@]}" env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \
      "$seek" bench "$file" -t "$threads" --prompt "$prompt" --gen "$gen" --json)
    echo "{\"type\":\"$type\",\"round\":$r,\"seek\":$line}" >>"$results"
    for fa in "" --flash-attention; do
      line=$("${wrap[@]}" env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \
        node "$root/tools/llamacpp/bench_llamacpp.mjs" "$file" --threads "$threads" --prompt "$prompt" --gen "$gen" --repeats 2 $fa)
      echo "{\"type\":\"$type\",\"round\":$r,\"llama\":$line}" >>"$results"
    done
    echo "  $type round $r done" >&2
  done
  rm -f "$file"
done

/usr/bin/python3 - "$results" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
types = list(dict.fromkeys(r["type"] for r in rows))
llama = next(r["llama"] for r in rows if "llama" in r)
print(f"llama.cpp {llama['llama_cpp']} (node-llama-cpp {llama['node_llama_cpp']}), CPU backend {llama['cpu_backend']}, "
      f"{llama['threads']} threads; its best of flash attention off and on")
print(f"llama.cpp CPU features: {llama['cpu_features']}")
for t in types:
    print(f"llama.cpp weight buffers, {t}: {', '.join(next(r['llama']['weight_buffers'] for r in rows if r['type'] == t and 'llama' in r))}")
print()
print("| file | seek prefill | llama.cpp prefill | prefill ratio | seek decode | llama.cpp decode | decode ratio | seek decode / bandwidth limit |")
print("|---|---:|---:|---:|---:|---:|---:|---:|")
for t in types:
    s = [r["seek"] for r in rows if r["type"] == t and "seek" in r]
    l = [x for r in rows if r["type"] == t and "llama" in r for x in r["llama"]["runs"]]
    sp, sd = max(x["prefill_tps"] for x in s), max(x["decode_tps"] for x in s)
    lp, ld = max(x["prefill_tps"] for x in l), max(x["decode_tps"] for x in l)
    best = max(s, key=lambda x: x["decode_tps"])
    print(f"| {t} | {sp:.1f} tok/s | {lp:.1f} tok/s | {sp / lp:.2f}x | {sd:.2f} tok/s | {ld:.2f} tok/s | {sd / ld:.2f}x | "
          f"{100 * best['decode_fraction_of_limit']:.0f}% of {best['decode_limit_tps']:.1f} tok/s at {best['bandwidth_gbs']:.1f} GB/s |")
print()
print("every run (tok/s, prefill / decode):")
for r in rows:
    if "seek" in r:
        print(f"  {r['type']} round {r['round']} seek       {r['seek']['prefill_tps']:.1f} / {r['seek']['decode_tps']:.2f}")
    else:
        runs = ", ".join(f"{x['prefill_tps']:.1f} / {x['decode_tps']:.2f}" for x in r["llama"]["runs"])
        fa = "FA on " if r["llama"]["flash_attention"] else "FA off"
        print(f"  {r['type']} round {r['round']} llama.cpp  {fa}  {runs}")
PY
