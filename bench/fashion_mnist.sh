#!/usr/bin/env bash
# Trains one Fashion-MNIST model with KerasNet and with PyTorch (Debian's python3-torch) in the same run, on the
# same data, architecture, batch size, optimizer and thread count, and prints both JSON lines and the ratio of
# seconds per epoch (KerasNet / PyTorch; lower is better).
# Usage: bench/fashion_mnist.sh [--model cnn] [--epochs 1] [--threads 2] [--limit N]
set -euo pipefail
cd "$(dirname "$0")/.."
model=cnn epochs=1 threads=2 limit=()
while [ $# -gt 0 ]; do
  case "$1" in
    --model) model=$2; shift 2 ;;
    --epochs) epochs=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --limit) limit=(--limit "$2"); shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
dotnet build -c Release samples/FashionMnist/FashionMnist.csproj --nologo -v q >/dev/null
k=$(dotnet run -c Release --no-build --project samples/FashionMnist -- --model "$model" --epochs "$epochs" --threads "$threads" --verbose 0 "${limit[@]}" | tail -n 1)
p=$(/usr/bin/python3 bench/pytorch/fashion_mnist.py --model "$model" --epochs "$epochs" --threads "$threads" "${limit[@]}" | tail -n 1)
echo "kerasnet: $k"
echo "pytorch:  $p"
/usr/bin/python3 -c "import json,sys; k=json.loads(sys.argv[1]); p=json.loads(sys.argv[2]); print(json.dumps({'case': k['model'], 'threads': $threads, 'kerasnet_sec_per_epoch': k['sec_per_epoch'], 'pytorch_sec_per_epoch': p['sec_per_epoch'], 'ratio': round(k['sec_per_epoch']/p['sec_per_epoch'], 3), 'kerasnet_test_accuracy': k['test_accuracy'], 'pytorch_test_accuracy': p['test_accuracy']}))" "$k" "$p"
