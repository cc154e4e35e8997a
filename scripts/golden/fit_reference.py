#!/usr/bin/env python3
"""Independent reference for KerasNet's Fit: replays Keras 3's fit loop by hand in PyTorch (float64).

Keras semantics reproduced here, written from the Keras documentation and source, not from KerasNet:
- validation_split takes the LAST fraction of the samples, before any shuffling;
- shuffle=False keeps the order; the last partial batch is kept;
- the epoch "loss" (and each mean metric) is the batch-size-weighted mean of the per-batch values,
  computed in the same step BEFORE the optimizer update;
- validation runs after the epoch with the updated weights, in batches of batch_size, and reports the
  sample-weighted mean loss and metrics as val_*.

Writes tests/KerasNet.Tests/Golden/fit_reference.json. Run: /usr/bin/python3 scripts/golden/fit_reference.py
"""
import json
import math
import os

import torch

torch.set_default_dtype(torch.float64)


def data():
    n = 20
    x = torch.tensor([[math.sin(0.3 * i + j) for j in range(3)] for i in range(n)])
    y_reg = torch.stack([x[:, 0] * 0.5 - x[:, 1] + 0.25, x[:, 2] * x[:, 0]], dim=1)
    y_cls = torch.tensor([(i * 7) % 3 for i in range(n)])
    return x, y_reg, y_cls


def init_weights():
    w1 = torch.tensor([[0.1 * ((i * 4 + j) % 7) - 0.3 for j in range(4)] for i in range(3)])
    b1 = torch.tensor([0.01, -0.02, 0.03, 0.0])
    w2 = torch.tensor([[0.05 * ((i * 3 + j) % 5) - 0.1 for j in range(2)] for i in range(4)])
    b2 = torch.tensor([0.0, 0.1])
    w3 = torch.tensor([[0.2 * ((i + 2 * j) % 4) - 0.3 for j in range(3)] for i in range(3)])
    b3 = torch.tensor([0.05, -0.05, 0.0])
    return w1, b1, w2, b2, w3, b3


def batches(n, bs):
    return [(s, min(s + bs, n)) for s in range(0, n, bs)]


def run_regression():
    """Dense(4, relu) -> Dense(2); MSE; SGD(lr=0.1); metric mae; batch 6; validation_split 0.2; 3 epochs."""
    x, y, _ = data()
    w1, b1, w2, b2, _, _ = init_weights()
    params = [p.clone().requires_grad_(True) for p in (w1, b1, w2, b2)]
    split = math.floor(len(x) * (1 - 0.2))
    xt, yt, xv, yv = x[:split], y[:split], x[split:], y[split:]

    def forward(p, xb):
        h = torch.relu(xb @ p[0] + p[1])
        return h @ p[2] + p[3]

    hist = {"loss": [], "mae": [], "val_loss": [], "val_mae": []}
    for _ in range(3):
        tot_l = tot_m = 0.0
        for s, e in batches(len(xt), 6):
            pred = forward(params, xt[s:e])
            loss = ((pred - yt[s:e]) ** 2).mean(dim=1).mean()
            mae = (pred - yt[s:e]).abs().mean(dim=1).sum().item()
            grads = torch.autograd.grad(loss, params)
            with torch.no_grad():
                for p, g in zip(params, grads):
                    p -= 0.1 * g
            tot_l += loss.item() * (e - s)
            tot_m += mae
        hist["loss"].append(tot_l / len(xt))
        hist["mae"].append(tot_m / len(xt))
        with torch.no_grad():
            vl = vm = 0.0
            for s, e in batches(len(xv), 6):
                pred = forward(params, xv[s:e])
                vl += ((pred - yv[s:e]) ** 2).mean(dim=1).mean().item() * (e - s)
                vm += (pred - yv[s:e]).abs().mean(dim=1).sum().item()
            hist["val_loss"].append(vl / len(xv))
            hist["val_mae"].append(vm / len(xv))
    return hist


def run_classification():
    """Dense(3) logits; sparse CE from logits; Adam(lr=0.05) with Keras's formula; accuracy; batch 5;
    validation_split 0.25; 4 epochs."""
    x, _, y = data()
    _, _, _, _, w3, b3 = init_weights()
    params = [w3.clone().requires_grad_(True), b3.clone().requires_grad_(True)]
    m = [torch.zeros_like(p) for p in params]
    v = [torch.zeros_like(p) for p in params]
    lr, b1, b2, eps = 0.05, 0.9, 0.999, 1e-7
    split = math.floor(len(x) * (1 - 0.25))
    xt, yt, xv, yv = x[:split], y[:split], x[split:], y[split:]
    hist = {"loss": [], "accuracy": [], "val_loss": [], "val_accuracy": []}
    t = 0
    for _ in range(4):
        tot_l = tot_a = 0.0
        for s, e in batches(len(xt), 5):
            logits = xt[s:e] @ params[0] + params[1]
            loss = torch.nn.functional.cross_entropy(logits, yt[s:e])
            acc = (logits.argmax(dim=1) == yt[s:e]).double().sum().item()
            grads = torch.autograd.grad(loss, params)
            t += 1
            with torch.no_grad():
                alpha = lr * math.sqrt(1 - b2 ** t) / (1 - b1 ** t)
                for i, (p, g) in enumerate(zip(params, grads)):
                    m[i] += (g - m[i]) * (1 - b1)
                    v[i] += (g * g - v[i]) * (1 - b2)
                    p -= alpha * m[i] / (v[i].sqrt() + eps)
            tot_l += loss.item() * (e - s)
            tot_a += acc
        hist["loss"].append(tot_l / len(xt))
        hist["accuracy"].append(tot_a / len(xt))
        with torch.no_grad():
            logits = xv @ params[0] + params[1]
            hist["val_loss"].append(torch.nn.functional.cross_entropy(logits, yv).item())
            hist["val_accuracy"].append((logits.argmax(dim=1) == yv).double().mean().item())
    return hist


def main():
    x, y_reg, y_cls = data()
    w1, b1, w2, b2, w3, b3 = init_weights()
    out = {
        "x": x.flatten().tolist(), "x_shape": list(x.shape),
        "y_reg": y_reg.flatten().tolist(), "y_cls": y_cls.tolist(),
        "w1": w1.flatten().tolist(), "b1": b1.tolist(), "w2": w2.flatten().tolist(), "b2": b2.tolist(),
        "w3": w3.flatten().tolist(), "b3": b3.tolist(),
        "regression": run_regression(),
        "classification": run_classification(),
    }
    path = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "KerasNet.Tests", "Golden", "fit_reference.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=1)
    print("wrote", os.path.normpath(path))


if __name__ == "__main__":
    main()
