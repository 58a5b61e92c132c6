#!/usr/bin/env bash
# Installs everything this repository needs on a fresh machine, then its npm packages (npm ci).
# aws-lambda-ric, AWS's runtime interface client (used by @onefn/aws's real-runtime test), builds
# natively and needs autotools beside cmake, make and g++; those come from the system's packages.
# The dev dashboard's browser test drives the system's Chromium (Debian's `chromium`) through
# playwright-core, which downloads no browser of its own.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v autoreconf >/dev/null 2>&1 || need+=(autoconf)
command -v automake >/dev/null 2>&1 || need+=(automake)
command -v libtoolize >/dev/null 2>&1 || need+=(libtool)
command -v cmake >/dev/null 2>&1 || need+=(cmake)
command -v make >/dev/null 2>&1 || need+=(make)
command -v g++ >/dev/null 2>&1 || need+=(g++)
[ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ] || need+=(chromium)
if [ ${#need[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "setup: please install ${need[*]} with your system's package manager, then run npm ci" >&2
    exit 1
  fi
  echo "setup: installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi

npm ci --no-audit --no-fund
