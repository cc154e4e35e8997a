#!/usr/bin/env bash
# System packages the test suite uses, installed idempotently (apt-get as root; skipped when present).
set -euo pipefail
need=()
for pkg in "$@"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "ci-deps: missing packages ${need[*]} and not root; install them with apt-get" >&2
    exit 1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
command -v dotnet >/dev/null || { echo "ci-deps: the .NET SDK (dotnet) is required" >&2; exit 1; }
