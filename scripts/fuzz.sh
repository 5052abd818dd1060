#!/usr/bin/env bash
# Runs every libFuzzer harness in BUILD_DIR/tests/fuzz for SECONDS each, from its seed corpus
# (tests/fuzz/corpus/<name without _fuzz>). New inputs go to a scratch copy, not the repo.
set -euo pipefail
build=${1:?usage: fuzz.sh BUILD_DIR SECONDS}
seconds=${2:-30}
root="$(cd "$(dirname "$0")/.." && pwd)"
shopt -s nullglob
harnesses=("$build"/tests/fuzz/*_fuzz)
((${#harnesses[@]})) || { echo "fuzz.sh: no harnesses in $build/tests/fuzz" >&2; exit 1; }
for h in "${harnesses[@]}"; do
  name=$(basename "$h" _fuzz)
  corpus=$(mktemp -d)
  [[ -d "$root/tests/fuzz/corpus/$name" ]] && cp -r "$root/tests/fuzz/corpus/$name/." "$corpus/"
  echo "fuzz: $name for ${seconds}s"
  log="$corpus.log"
  # Crash inputs land in the current directory (crash-<sha1>), where a developer can replay them.
  if ! "$h" "$corpus" -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=2048 -print_final_stats=1 >"$log" 2>&1; then
    # libFuzzer prints its final stats after a crash too: show the report, not just the stats.
    { sed -n '/ERROR\|runtime error\|deadly signal\|out-of-memory\|timeout/,$p' "$log" | head -60; tail -5 "$log"; } >&2
    echo "fuzz.sh: $name failed; replay with: $h crash-*" >&2
    exit 1
  fi
  tail -3 "$log"
  rm -rf "$corpus" "$log"
done
