#!/usr/bin/env bash
# NVRTC 11.2 from Debian's non-free component, so the test suite compiles every CUDA kernel source to
# PTX on a machine without a GPU (tests/KerasNet.Tests/Cuda). Idempotent; needs root only when the
# package is missing. Debian 12 (deb822 sources) is assumed, as on the CI machines.
set -euo pipefail
pkg=libnvrtc11.2
if dpkg -s "$pkg" >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "cuda-deps: $pkg is missing and this is not root; install it with apt-get (Debian non-free)" >&2
  exit 1
fi
sources=/etc/apt/sources.list.d/debian.sources
if [ -f "$sources" ]; then
  # Add contrib and non-free to every Components line that lacks them (once).
  if grep -qE '^Components:' "$sources" && grep -E '^Components:' "$sources" | grep -qvE '\bnon-free\b'; then
    sed -i -E '/^Components:/{/\bnon-free\b/!s/$/ contrib non-free/}' "$sources"
    sed -i -E '/^Components:/s/\bcontrib\b(.*)\bcontrib\b/contrib\1/' "$sources"
  fi
else
  echo "cuda-deps: $sources not found; add the non-free component to apt's sources by hand" >&2
  exit 1
fi
DEBIAN_FRONTEND=noninteractive apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$pkg"
