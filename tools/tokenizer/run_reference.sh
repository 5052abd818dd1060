#!/usr/bin/env bash
# ctest fixture `tokenizer_reference`: installs the pinned npm references (package-lock.json)
# into tools/tokenizer/node_modules when missing or stale, then writes OUT_DIR (see
# make_reference.js). Needs node and npm; the npm registry is the only network access.
set -euo pipefail
out="${1:?usage: run_reference.sh OUT_DIR}"
here="$(cd "$(dirname "$0")" && pwd)"
if [[ ! -f "$here/node_modules/.package-lock.json" || "$here/package-lock.json" -nt "$here/node_modules/.package-lock.json" ]]; then
  npm ci --prefix "$here" --no-audit --no-fund --loglevel=error
fi
# Skip the work when the reference is newer than everything it is made from.
stamp="$out/reference.json"
if [[ -f "$stamp" ]] && [[ -z "$(find "$here" "$here/../../tests/tokenizer" -newer "$stamp" -type f -not -path '*/node_modules/*' -print -quit)" ]]; then
  exit 0
fi
node "$here/make_reference.js" "$out"
