#!/usr/bin/env bash
# Installs the Debian packages seek needs that are missing on this machine.
#   scripts/install-deps.sh          build + run (and numpy for the tiny test models)
#   scripts/install-deps.sh --test   also what the test suite needs (PyTorch reference, clang fuzzers,
#                                    Node and Chromium with the npm clients of seek serve's tests)
set -euo pipefail

packages=(cmake ninja-build g++ pkg-config libfmt-dev nlohmann-json3-dev libcli11-dev libpcre2-dev libopenblas-dev libopenblas0-pthread libboost1.81-dev libcairo2-dev fortunes python3-numpy)
if [[ "${1:-}" == "--test" ]]; then
  packages+=(libgtest-dev libbenchmark-dev python3-torch clang libclang-rt-14-dev nodejs npm chromium)
fi

missing=()
for p in "${packages[@]}"; do
  # Node and npm are often installed outside Debian's packages; count them when on PATH.
  if [[ "$p" == nodejs || "$p" == npm ]] && command -v "${p/nodejs/node}" >/dev/null; then continue; fi
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#packages[@]} packages present"
else
  echo "install-deps: installing ${missing[*]}"
  sudo=""
  [[ $(id -u) -ne 0 ]] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  echo "install-deps: done"
fi
# seek serve's tests drive the server with OpenAI's Node SDK and Playwright (npm packages pinned
# by tools/serve/package-lock.json); installed here so that testing downloads nothing.
if [[ "${1:-}" == "--test" ]]; then
  bash "$(dirname "$0")/../tools/serve/run_setup.sh" --install
fi
