#!/usr/bin/env bash
# Issue 5's training benchmark: seek (bench/train_bench) against the PyTorch reference
# (tools/ref/train_bench.py) training the same model on the same batch with the same recipe,
# on this machine, in this run. The rounds alternate seek and PyTorch so that load from other
# work hits both; each side keeps its best step. PyTorch runs twice a round:
#   torch           the environment as given (OpenBLAS picks its kernels itself)
#   torch+skx       OPENBLAS_CORETYPE=SkylakeX, the kernels seek asks OpenBLAS for (train/blas.h)
# OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE are unset for every run, so nothing but the CPU and
# the programs themselves decides the kernels.
#
# Usage: bench/train_bench.sh [BUILD_DIR=build/release] [ROUNDS=2] [STEPS=4] [MTP=0]
set -euo pipefail
build=${1:-build/release}
rounds=${2:-2}
steps=${3:-4}
mtp=${4:-0}
here=$(cd "$(dirname "$0")/.." && pwd)
log=$(mktemp)
trap 'rm -f "$log"' EXIT
clean() { env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$@"; }

echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) CPUs; load: $(cut -d' ' -f1-3 /proc/loadavg)"
for ((r = 1; r <= rounds; r++)); do
  echo "== round $r"
  clean "$build/bench/train_bench" --threads 2 --steps "$steps" --mtp "$mtp" | tee -a "$log" | grep -E "^(blas|fp32|seek):"
  clean /usr/bin/python3 "$here/tools/ref/train_bench.py" --threads 2 --steps "$steps" --mtp "$mtp" |
    sed 's/^torch_bench_json:/torch_json:/' | tee -a "$log" | grep -E "^torch:"
  clean env OPENBLAS_CORETYPE=SkylakeX /usr/bin/python3 "$here/tools/ref/train_bench.py" --threads 2 --steps "$steps" --mtp "$mtp" |
    sed 's/^torch_bench_json:/torchskx_json:/; s/^torch:/torch+skx:/' | tee -a "$log" | grep -E "^torch\+skx:"
done

/usr/bin/python3 - "$log" <<'PY'
import json, sys
runs = {"seek": [], "torch": [], "torchskx": []}
for line in open(sys.argv[1]):
    for key, tag in (("seek", "train_bench_json: "), ("torch", "torch_json: "), ("torchskx", "torchskx_json: ")):
        if line.startswith(tag):
            runs[key].append(json.loads(line[len(tag):]))
best = {k: min(v, key=lambda x: x["best_s"]) for k, v in runs.items() if v}
s = best["seek"]
print(f"\nsummary (best step of each side over all rounds)")
print(f"  seek        {s['best_s']:.3f} s/step  {s['tokens_per_s']:8.0f} tokens/s  {s['gflops']:.1f} GFLOP/s "
      f"= {100 * s['gflops'] / s['peak_gflops']:.1f}% of the fp32 peak measured beside it ({s['peak_gflops']:.1f} GFLOP/s)")
for k, name in (("torch", "torch"), ("torchskx", "torch+skx")):
    if k in best:
        t = best[k]
        print(f"  {name:<11} {t['best_s']:.3f} s/step  {t['tokens_per_s']:8.0f} tokens/s  "
              f"{s['flops_per_step'] / t['best_s'] / 1e9:.1f} GFLOP/s; seek is {t['best_s'] / s['best_s']:.1f}x faster")
PY
