#!/usr/bin/env bash
# ctest fixture `llamacpp`: installs the pinned node-llama-cpp (package-lock.json) and its
# prebuilt linux-x64 llama.cpp into tools/llamacpp/node_modules when missing or stale. Optional
# dependencies (CUDA, Vulkan and other platforms' binaries) are left out, and node-llama-cpp's
# postinstall is told not to download or build anything: the prebuilt CPU binary is all it needs.
# Needs node >= 20 and npm; the npm registry is the only network access.
# `npm install --no-save` rather than `npm ci`: the registry mirror lacks some of node-llama-cpp's
# optional platform packages (win-x64, mac-x64, ...), so a lock file naming them cannot be made
# here, and `npm ci` refuses a lock file that omits them. `install` still follows the lock for
# every package it records and never rewrites it.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
if [[ ! -f "$here/node_modules/.package-lock.json" || "$here/package-lock.json" -nt "$here/node_modules/.package-lock.json" ]]; then
  NODE_LLAMA_CPP_SKIP_DOWNLOAD=true npm install --no-save --prefix "$here" --omit=optional --no-audit --no-fund --loglevel=error
fi
test -f "$here/node_modules/@node-llama-cpp/linux-x64/bins/linux-x64/llama-addon.node"
