#!/usr/bin/env python3
"""Rewrites the README's Fashion-MNIST training table from a bench/fashion_mnist.sh run.

Usage: bench/readme_table.py bench/results/fashion_mnist.jsonl README.md

Replaces the text between <!-- bench:fashion_mnist:start --> and <!-- bench:fashion_mnist:end --> with the
machine this ran on, the per-thread-count rows and the acceptance ratios, and writes the README through a
temporary file and a rename, so an interrupted run never leaves it half-written."""
import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile

START, END = "<!-- bench:fashion_mnist:start -->", "<!-- bench:fashion_mnist:end -->"


def machine():
    cpu = "unknown CPU"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    flags = open("/proc/cpuinfo").read()
    isa = "AVX-512" if "avx512f" in flags else "AVX2" if "avx2" in flags else "SSE"
    mem = 0
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                mem = int(line.split()[1]) / 1024 / 1024
    torch = subprocess.run(["/usr/bin/python3", "-c", "import torch; print(torch.__version__)"],
                           capture_output=True, text=True).stdout.strip()
    dotnet = subprocess.run(["dotnet", "--version"], capture_output=True, text=True).stdout.strip()
    return (f"{os.cpu_count()} vCPU {cpu} ({isa}), {mem:.0f} GiB, {platform.system()} {platform.release()}; "
            f".NET SDK {dotnet}, PyTorch {torch}; {datetime.date.today().isoformat()}")


def table(rows):
    out = ["| model (batch) | threads | KerasNet s/epoch | PyTorch s/epoch | ratio | KerasNet peak RSS MiB | "
           "PyTorch peak RSS MiB | KerasNet predict/s | PyTorch predict/s | test acc. KerasNet / PyTorch |",
           "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    batch = {"mlp": 32, "cnn": 32, "convnet": 128, "lstm": 128}
    for r in rows:
        out.append(f"| {r['case']} ({batch.get(r['case'], '?')}) | {r['threads']} | {r['kerasnet_sec']:.2f} | "
                   f"{r['pytorch_sec']:.2f} | {r['ratio']:.2f} | {r['kerasnet_peak_rss_mb']:.0f} | "
                   f"{r['pytorch_peak_rss_mb']:.0f} | {r['kerasnet_predict_per_sec']:.0f} | "
                   f"{r['pytorch_predict_per_sec']:.0f} | {r['kerasnet_test_accuracy']:.3f} / "
                   f"{r['pytorch_test_accuracy']:.3f} |")
    out += ["", "Acceptance ratios (KerasNet on all threads ÷ PyTorch at its best thread count; lower is better):", "",
            "| model | KerasNet s/epoch (threads) | PyTorch best s/epoch (threads) | ratio | target |",
            "| --- | --- | --- | --- | --- |"]
    target = {"mlp": 0.5, "convnet": 0.6, "cnn": 0.6, "lstm": 0.7}
    for case in dict.fromkeys(r["case"] for r in rows):
        rs = [r for r in rows if r["case"] == case]
        ours = max(rs, key=lambda r: r["threads"])
        best = min(rs, key=lambda r: r["pytorch_sec"])
        ratio = ours["kerasnet_sec"] / best["pytorch_sec"]
        out.append(f"| {case} | {ours['kerasnet_sec']:.2f} ({ours['threads']}) | {best['pytorch_sec']:.2f} "
                   f"({best['threads']}) | {ratio:.2f} | ≤ {target.get(case, '?')} |")
    return "\n".join(out)


def main():
    results, readme = sys.argv[1], sys.argv[2]
    rows = [json.loads(line) for line in open(results) if line.strip()]
    text = open(readme, encoding="utf-8").read()
    if START not in text or END not in text:
        sys.exit(f"readme_table.py: {readme} has no {START} ... {END} section to replace")
    body = (f"{START}\nMachine: {machine()}.\n\nCommand: `bench/fashion_mnist.sh --readme` (one epoch each, "
            f"both engines in the same run).\n\n{table(rows)}\n{END}")
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(os.path.abspath(readme)), prefix=".readme.")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(head + body + tail)
    os.replace(tmp, readme)


if __name__ == "__main__":
    main()
