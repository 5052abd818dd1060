#!/usr/bin/env bash
# The Node clients of seek serve's tests: OpenAI's official `openai` SDK and `playwright-core`
# (which drives Debian's Chromium), pinned by package-lock.json into tools/serve/node_modules.
#   run_setup.sh            check only: the ctest fixture `serve_node` (nothing is downloaded
#                           while testing); fails loudly, naming what is missing
#   run_setup.sh --install  `npm ci` when node_modules is missing or differs from the lock, then
#                           check; scripts/install-deps.sh --test runs this
# Needs node >= 18 (Debian 12's) and npm; the npm registry is the only network access.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
fail() {
  echo "run_setup.sh: $*; run scripts/install-deps.sh --test" >&2
  exit 1
}

command -v node >/dev/null || fail "node is not on PATH (Debian package nodejs)"
node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 18 ? 0 : 1)' ||
  fail "node $(node --version) is too old, the clients need >= 18"

# Every package of the lock installed at its locked version; prints the first difference.
check_modules() {
  node - "$here" <<'JS'
const fs = require("fs"), path = require("path");
const dir = process.argv[2];
const lock = JSON.parse(fs.readFileSync(path.join(dir, "package-lock.json"), "utf8"));
for (const [where, p] of Object.entries(lock.packages)) {
  if (!where || p.optional || p.dev) continue;
  let got = null;
  try { got = JSON.parse(fs.readFileSync(path.join(dir, where, "package.json"), "utf8")).version; } catch (e) {}
  if (got !== p.version) {
    console.log(`${where} is ${got === null ? "missing" : got}, the lock wants ${p.version}`);
    process.exit(1);
  }
}
JS
}

if [[ "${1:-}" == "--install" ]]; then
  if ! check_modules >/dev/null; then
    command -v npm >/dev/null || fail "npm is not on PATH (Debian package npm)"
    npm ci --prefix "$here" --no-audit --no-fund --loglevel=error
  fi
elif [[ $# -gt 0 ]]; then
  echo "run_setup.sh: unknown option $1" >&2
  exit 2
fi
why=$(check_modules) || fail "tools/serve/node_modules: $why"
[[ -x /usr/bin/chromium ]] || fail "/usr/bin/chromium is missing (Debian package chromium)"
