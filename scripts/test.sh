#!/usr/bin/env bash
# The whole test suite: install what is missing, then
#   1. release build + every test (unit, golden vs PyTorch, bad files, CLI, tokenizer vs JS)
#   2. ASan + UBSan build (clang, preset sanitize) + every test
#   3. libFuzzer harnesses from that same build, each run briefly from its seed corpus
# One sanitizer build serves steps 2 and 3: building ASan and the fuzzers apart cost about
# half of the whole run. It is clang's, which has no target_clones: the AVX-512 and AVX2
# clones of kernels/vec.cc (GCC) run in step 1 only; the intrinsics kernels run in both.
# Options: --quick (step 1 only), --fuzz-seconds N (default 30).
set -euo pipefail
cd "$(dirname "$0")/.."

quick=0
fuzz_seconds=30
while (($#)); do
  case "$1" in
    --quick) quick=1 ;;
    --fuzz-seconds) fuzz_seconds="$2"; shift ;;
    *) echo "test.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done

bash scripts/install-deps.sh --test
jobs=$(nproc)

# Each step prints the time so far, and the CPU time (user, sys) of the shell, then of the
# commands it ran: the build steps' share of the run is their CPU time over the cores.
step() { echo; echo "== $* (at ${SECONDS}s; CPU so far:)"; times; }

step "release build and tests"
cmake --preset release -DSEEK_BUILD_TESTS=ON >/dev/null
cmake --build build/release -j "$jobs"
ctest --test-dir build/release -j "$jobs" --output-on-failure --no-tests=error

((quick)) && exit 0

step "ASan + UBSan build and tests"
cmake --preset sanitize >/dev/null
cmake --build build/sanitize -j "$jobs"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  LSAN_OPTIONS=suppressions=$PWD/tests/lsan.supp:print_suppressions=0 \
  ctest --test-dir build/sanitize -j "$jobs" --output-on-failure --no-tests=error

step "fuzzers (${fuzz_seconds}s each)"
bash scripts/fuzz.sh build/sanitize "$fuzz_seconds"
step "done"
echo "test.sh: all passed"
