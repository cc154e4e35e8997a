#!/usr/bin/env bash
# Trains the Fashion-MNIST models of samples/FashionMnist for one epoch with KerasNet and with PyTorch (Debian's
# python3-torch, bench/pytorch/fashion_mnist.py: same architecture, batch size, Keras-equivalent Adam, validation
# split and thread count) in the same run, at each thread count, and prints one JSON line per case:
#   {"case", "threads", "kerasnet_sec", "pytorch_sec", "ratio", "kerasnet_peak_rss_mb", "pytorch_peak_rss_mb",
#    "kerasnet_predict_per_sec", "pytorch_predict_per_sec", "kerasnet_test_accuracy", "pytorch_test_accuracy"}
# then one "summary" line per model: KerasNet at the most threads against PyTorch at its best thread count (the
# issue's acceptance ratio). Seconds are training time for one epoch (54,000 images), validation excluded.
# With --readme it rewrites the README's training table from this run (bench/readme_table.py).
#
# Usage: bench/fashion_mnist.sh [--models "mlp convnet cnn lstm"] [--threads "1 2"] [--epochs 1] [--limit N] [--readme]
set -euo pipefail
cd "$(dirname "$0")/.."
models="mlp convnet cnn lstm" threads="1 2" epochs=1 limit=() readme=0
while [ $# -gt 0 ]; do
  case "$1" in
    --models|--model) models=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --epochs) epochs=$2; shift 2 ;;
    --limit) limit=(--limit "$2"); shift 2 ;;
    --readme) readme=1; shift ;;
    *) echo "fashion_mnist.sh: unknown argument $1 (see the usage line at the top of the script)" >&2; exit 2 ;;
  esac
done
[ -d /usr/share/datasets/fashion-mnist ] || { echo "fashion_mnist.sh: install the dataset first: apt-get install dataset-fashion-mnist" >&2; exit 1; }
/usr/bin/python3 -c "import torch" 2>/dev/null || { echo "fashion_mnist.sh: the PyTorch peer needs python3-torch (apt-get install python3-torch)" >&2; exit 1; }
# The sample as an application ships: published with ReadyToRun code, so its first epoch does not wait on the JIT.
dotnet publish -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true samples/FashionMnist/FashionMnist.csproj \
  -o bench/out/FashionMnist --nologo -v q >/dev/null
mkdir -p bench/results
out=bench/results/fashion_mnist.jsonl
tmp=$(mktemp "$out.XXXXXX")
trap 'rm -f "$tmp"' EXIT
for model in $models; do
  for t in $threads; do
    k=$(dotnet bench/out/FashionMnist/FashionMnist.dll --model "$model" --epochs "$epochs" --threads "$t" --verbose 0 "${limit[@]}" | tail -n 1)
    p=$(/usr/bin/python3 bench/pytorch/fashion_mnist.py --model "$model" --epochs "$epochs" --threads "$t" "${limit[@]}" | tail -n 1)
    /usr/bin/python3 - "$model" "$t" "$k" "$p" <<'EOF' | tee -a "$tmp"
import json, sys
model, t, k, p = sys.argv[1], int(sys.argv[2]), json.loads(sys.argv[3]), json.loads(sys.argv[4])
print(json.dumps({"case": model, "threads": t, "kerasnet_sec": k["sec_per_epoch"], "pytorch_sec": p["sec_per_epoch"],
                  "ratio": round(k["sec_per_epoch"] / p["sec_per_epoch"], 3),
                  "kerasnet_peak_rss_mb": k["peak_rss_mb"], "pytorch_peak_rss_mb": p["peak_rss_mb"],
                  "kerasnet_predict_per_sec": k["predict_samples_per_sec"], "pytorch_predict_per_sec": p["predict_samples_per_sec"],
                  "kerasnet_test_accuracy": k["test_accuracy"], "pytorch_test_accuracy": p["test_accuracy"]}))
EOF
  done
done
/usr/bin/python3 - "$tmp" <<'EOF'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
for case in dict.fromkeys(r["case"] for r in rows):
    rs = [r for r in rows if r["case"] == case]
    ours = max(rs, key=lambda r: r["threads"])
    best = min(rs, key=lambda r: r["pytorch_sec"])
    print(json.dumps({"summary": case, "kerasnet_threads": ours["threads"], "kerasnet_sec": ours["kerasnet_sec"],
                      "pytorch_best_threads": best["threads"], "pytorch_best_sec": best["pytorch_sec"],
                      "ratio": round(ours["kerasnet_sec"] / best["pytorch_sec"], 3)}))
EOF
mv "$tmp" "$out"
trap - EXIT
if [ "$readme" = 1 ]; then /usr/bin/python3 bench/readme_table.py "$out" README.md; fi
