#!/usr/bin/env bash
# ctest fixture `serve_node`: installs the pinned clients of seek serve's tests (package-lock.json:
# OpenAI's official `openai` SDK and `playwright-core`) into tools/serve/node_modules when
# missing or stale, and checks that Debian's Chromium is there for the chat-page test.
# Needs node >= 20 and npm; the npm registry is the only network access.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
if [[ ! -f "$here/node_modules/.package-lock.json" || "$here/package-lock.json" -nt "$here/node_modules/.package-lock.json" ]]; then
  npm ci --prefix "$here" --no-audit --no-fund --loglevel=error
fi
test -f "$here/node_modules/openai/package.json"
test -f "$here/node_modules/playwright-core/package.json"
command -v /usr/bin/chromium >/dev/null || { echo "run_setup.sh: /usr/bin/chromium is missing (scripts/install-deps.sh --test)" >&2; exit 1; }
