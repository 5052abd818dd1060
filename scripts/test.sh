#!/usr/bin/env bash
# The whole test suite: install what is missing, then
#   1. release build + every test (unit, golden vs PyTorch, bad files, CLI, tokenizer vs JS)
#   2. ASan + UBSan build + every test
#   3. libFuzzer harnesses, each run briefly from its seed corpus
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

step() { echo; echo "== $*"; }

step "release build and tests"
cmake --preset release -DSEEK_BUILD_TESTS=ON >/dev/null
cmake --build build/release -j "$jobs"
ctest --test-dir build/release -j "$jobs" --output-on-failure --no-tests=error

((quick)) && exit 0

step "ASan + UBSan build and tests"
cmake --preset asan -DSEEK_BUILD_TESTS=ON >/dev/null
cmake --build build/asan -j "$jobs"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  LSAN_OPTIONS=suppressions=$PWD/tests/lsan.supp:print_suppressions=0 \
  ctest --test-dir build/asan -j "$jobs" --output-on-failure --no-tests=error

step "fuzzers (${fuzz_seconds}s each)"
cmake --preset fuzz >/dev/null
cmake --build build/fuzz -j "$jobs"
bash scripts/fuzz.sh build/fuzz "$fuzz_seconds"
echo
echo "test.sh: all passed"
