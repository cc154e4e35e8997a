#!/usr/bin/env bash
# What the ONNX export tests need, installed idempotently (each step is skipped when already done):
#   - Node.js and npm (apt: nodejs, npm) to run ONNX Runtime;
#   - onnxruntime-node 1.30.0 in tests/onnx-runner (npm install --ignore-scripts: the CPU binary ships in the
#     package; the install script would try to download CUDA parts);
#   - the ONNX checker for the system Python (apt: python3-onnx).
# Without these the ONNX tests skip, saying what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

apt_install() {
  if [ "$(id -u)" -ne 0 ]; then
    echo "onnx-deps: need apt packages $* and not root; install them with apt-get" >&2
    exit 1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"
}

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  apt_install nodejs npm
fi

runner=tests/onnx-runner
want=$(node -p "require('./$runner/package.json').dependencies['onnxruntime-node']")
have=$(node -p "try { require('./$runner/node_modules/onnxruntime-node/package.json').version } catch { '' }")
if [ "$have" != "$want" ]; then
  (cd "$runner" && npm install --ignore-scripts --no-audit --no-fund --loglevel=error)
fi

if ! /usr/bin/python3 -c "import onnx" >/dev/null 2>&1; then
  apt_install python3-onnx
fi

echo "onnx-deps: node $(node --version), onnxruntime-node $(node -p "require('./$runner/node_modules/onnxruntime-node/package.json').version"), onnx $(/usr/bin/python3 -c 'import onnx; print(onnx.__version__)')"
