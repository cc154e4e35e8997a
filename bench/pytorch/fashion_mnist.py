#!/usr/bin/env python3
"""PyTorch peer of samples/FashionMnist: the same architectures, batch sizes, Keras-equivalent optimizer
(Adam lr=1e-3, eps=1e-7 as Keras), validation split 0.1 (the last 10%, before shuffling), and thread count.
Prints one JSON line like the KerasNet sample. Run with /usr/bin/python3 (Debian's python3-torch)."""
import argparse
import gzip
import json
import os
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def load(directory):
    def images(name):
        with gzip.open(os.path.join(directory, name), "rb") as f:
            return np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 28, 28).astype(np.float32) / 255.0

    def labels(name):
        with gzip.open(os.path.join(directory, name), "rb") as f:
            return np.frombuffer(f.read(), np.uint8, offset=8).astype(np.int64)

    return (images("train-images-idx3-ubyte.gz"), labels("train-labels-idx1-ubyte.gz"),
            images("t10k-images-idx3-ubyte.gz"), labels("t10k-labels-idx1-ubyte.gz"))


class Cnn(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1, self.c2, self.c3 = nn.Conv2d(1, 32, 3), nn.Conv2d(32, 64, 3), nn.Conv2d(64, 64, 3)
        self.d1, self.d2 = nn.Linear(576, 64), nn.Linear(64, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.c1(x)), 2)
        x = F.max_pool2d(F.relu(self.c2(x)), 2)
        x = F.relu(self.c3(x))
        # Keras flattens NHWC: permute so the dense layer sees the same order.
        x = x.permute(0, 2, 3, 1).flatten(1)
        return self.d2(F.relu(self.d1(x)))


class Convnet(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1, self.c2 = nn.Conv2d(1, 32, 3), nn.Conv2d(32, 64, 3)
        self.drop, self.d = nn.Dropout(0.5), nn.Linear(1600, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.c1(x)), 2)
        x = F.max_pool2d(F.relu(self.c2(x)), 2)
        return self.d(self.drop(x.permute(0, 2, 3, 1).flatten(1)))


class Mlp(nn.Module):
    def __init__(self):
        super().__init__()
        self.d1, self.d2 = nn.Linear(784, 128), nn.Linear(128, 10)

    def forward(self, x):
        return self.d2(F.relu(self.d1(x.flatten(1))))


class Lstm(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm, self.d = nn.LSTM(28, 128, batch_first=True), nn.Linear(128, 10)

    def forward(self, x):
        out, _ = self.lstm(x.squeeze(1))
        return self.d(out[:, -1])


MODELS = {"mlp": (Mlp, 32), "cnn": (Cnn, 32), "convnet": (Convnet, 128), "lstm": (Lstm, 128)}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--model", default="cnn", choices=sorted(MODELS))
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    p.add_argument("--limit", type=int, default=None)
    p.add_argument("--device", default="cpu", help="torch device: cpu or cuda")
    a = p.parse_args()
    dev = torch.device(a.device)
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    xtr, ytr, xte, yte = load(a.data)
    if a.limit:
        xtr, ytr, xte, yte = xtr[:a.limit], ytr[:a.limit], xte[:max(a.limit // 6, 1)], yte[:max(a.limit // 6, 1)]
    split = int(len(xtr) * 0.9)
    xv, yv, xtr, ytr = xtr[split:], ytr[split:], xtr[:split], ytr[:split]
    cls, bs = MODELS[a.model]
    model = cls().to(dev)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    x = torch.from_numpy(xtr).unsqueeze(1).to(dev)
    y = torch.from_numpy(ytr).to(dev)
    times = []
    for _ in range(a.epochs):
        model.train()
        perm = torch.randperm(len(x), device=dev)
        if dev.type == "cuda":
            torch.cuda.synchronize()
        t0 = time.perf_counter()
        for s in range(0, len(x), bs):
            idx = perm[s:s + bs]
            opt.zero_grad(set_to_none=True)
            loss = F.cross_entropy(model(x[idx]), y[idx])
            loss.backward()
            opt.step()
        if dev.type == "cuda":
            torch.cuda.synchronize()
        times.append(time.perf_counter() - t0)

    def accuracy(xs, ys):
        model.eval()
        with torch.no_grad():
            logits = torch.cat([model(torch.from_numpy(xs[s:s + 512]).unsqueeze(1).to(dev)) for s in range(0, len(xs), 512)])
        return float((logits.argmax(1).cpu().numpy() == ys).mean())

    val_acc, test_acc = accuracy(xv, yv), accuracy(xte, yte)

    def predict(xs, batch=32):
        # As Keras's model.predict: batches of 32, no gradients.
        model.eval()
        with torch.no_grad():
            for s in range(0, len(xs), batch):
                model(torch.from_numpy(xs[s:s + batch]).unsqueeze(1).to(dev))
        if dev.type == "cuda":
            torch.cuda.synchronize()

    predict(xte)  # warm-up
    t0 = time.perf_counter()
    predict(xte)
    predict_sec = time.perf_counter() - t0
    print(json.dumps({"model": a.model, "epochs": a.epochs, "threads": a.threads, "device": a.device,
                      "sec_per_epoch": round(sum(times) / len(times), 3),
                      "val_accuracy": round(val_acc, 4), "test_accuracy": round(test_acc, 4),
                      "predict_samples_per_sec": round(len(xte) / predict_sec, 1),
                      "peak_rss_mb": peak_rss_mb()}))


def peak_rss_mb():
    """The process's peak resident set (VmHWM) in MiB, as the KerasNet sample reports it."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    return -1


if __name__ == "__main__":
    main()
