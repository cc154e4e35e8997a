#!/usr/bin/env bash
# Checks the native backend's CUDA device in one go, on a GPU machine with no .NET SDK (see docs/cuda.md).
# Prepare on a machine with the SDK (from the repository root):
#   dotnet publish bench/KerasNet.CudaCheck -c Release -r linux-x64 --self-contained -o artifacts/cudacheck
#   mkdir -p artifacts/fashion-mnist && cp /usr/share/datasets/fashion-mnist/*.gz artifacts/fashion-mnist/
# then carry artifacts/cudacheck and artifacts/fashion-mnist to the GPU machine and run scripts/gpu-check.sh there.
# Usage: scripts/gpu-check.sh [--bin DIR] [--data DIR] [--steps N] [--epochs N] [--python PYTHON]
# Exit status: 0 when every check passed.
set -uo pipefail
cd "$(dirname "$0")/.."
bin=artifacts/cudacheck data=artifacts/fashion-mnist steps=1000 epochs=1 python=python3
while [ $# -gt 0 ]; do
  case "$1" in
    --bin) bin=$2; shift 2 ;;
    --data) data=$2; shift 2 ;;
    --steps) steps=$2; shift 2 ;;
    --epochs) epochs=$2; shift 2 ;;
    --python) python=$2; shift 2 ;;
    *) echo "gpu-check: unknown argument $1" >&2; exit 2 ;;
  esac
done
exe="$bin/KerasNet.CudaCheck"
[ -x "$exe" ] || { echo "gpu-check: $exe not found; publish bench/KerasNet.CudaCheck (see the header of this script)" >&2; exit 2; }
[ -f "$data/train-images-idx3-ubyte.gz" ] || { echo "gpu-check: Fashion-MNIST IDX .gz files not found in $data" >&2; exit 2; }
export KERASNET_CUDA_CACHE="${KERASNET_CUDA_CACHE:-$PWD/artifacts/cuda-cache}"
export DOTNET_gcServer=0
failed=0
step() { echo; echo "=== $*"; }

step "probe"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null || true
"$exe" probe || { echo "gpu-check: the CUDA device is not available; nothing else can run" >&2; exit 1; }

step "kernels: CUDA against the CPU device"
"$exe" kernels || failed=1

declare -A kn
for model in mlp cnn; do
  step "train $model on cuda ($epochs epoch)"
  kn[$model]=$("$exe" train --model "$model" --device cuda --epochs "$epochs" --data "$data" | tail -n 1) || failed=1
  echo "${kn[$model]}"
done

step "device memory over $steps training steps (mlp, then cnn)"
"$exe" memory --model mlp --steps "$steps" --data "$data" || failed=1
"$exe" memory --model cnn --steps "$steps" --data "$data" || failed=1

step "PyTorch eager on the same GPU"
if "$python" -c "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)" 2>/dev/null; then
  for model in mlp cnn; do
    pt=$("$python" bench/pytorch/fashion_mnist.py --model "$model" --epochs "$epochs" --device cuda --data "$data" | tail -n 1) || { failed=1; continue; }
    echo "pytorch: $pt"
    "$python" - "${kn[$model]:-}" "$pt" <<'PY'
import json, sys
try:
    k, p = json.loads(sys.argv[1]), json.loads(sys.argv[2])
except ValueError:
    print("ratio: unavailable (KerasNet did not report)"); sys.exit(0)
r = k["sec_per_epoch"] / p["sec_per_epoch"]
print(json.dumps({"case": k["model"], "kerasnet_sec_per_epoch": k["sec_per_epoch"], "pytorch_sec_per_epoch": p["sec_per_epoch"],
                  "ratio": round(r, 3), "target": "<= 1.0", "kerasnet_test_accuracy": k["test_accuracy"],
                  "pytorch_test_accuracy": p["test_accuracy"]}))
PY
  done
else
  echo "gpu-check: PyTorch with CUDA not found for $python; no ratio" >&2
fi

step "result"
if [ "$failed" -eq 0 ]; then echo "gpu-check: all checks passed"; else echo "gpu-check: some checks FAILED"; fi
exit "$failed"
