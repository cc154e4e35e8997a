#!/usr/bin/env python3
"""Independent reference for KerasNet's core, activation, reshaping and merge layers and its activations.

Everything is computed in PyTorch float64 from the layers' definitions in Keras 3 (its documentation and
source), not from KerasNet: for each case, the forward output y and the gradients of sum(y * R) (R a fixed
random weighting) with respect to every float input and every weight. Inputs, weights and R are drawn as
float32 numbers (then widened), so that the float32 implementation sees exactly the same values.

Activation inputs avoid the kinks (0, +-0.5, +-1, +-3, 6, the thresholds) by at least 0.01, so derivatives
are well defined there.

Writes tests/KerasNet.Tests/Golden/layers_core.json. Run: /usr/bin/python3 scripts/golden/layers_core.py
"""
import json
import math
import os

import numpy as np
import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)

RNG = np.random.RandomState(20260517)
KINKS = [-6.0, -3.0, -2.5, -1.0, -0.5, 0.0, 0.5, 1.0, 2.5, 3.0, 6.0]


def f32(shape, scale=1.0, low=None, high=None):
    """Random float32 numbers (normal, or uniform in [low, high)), as float64 tensors."""
    if low is not None:
        a = RNG.uniform(low, high, size=shape)
    else:
        a = RNG.standard_normal(size=shape) * scale
    return torch.tensor(a.astype(np.float32).astype(np.float64))


def enc(t):
    """A tensor as {"shape", "data"} (row-major)."""
    t = t.detach()
    return {"shape": list(t.shape), "data": [float(v) for v in t.reshape(-1).tolist()]}


def enc_int(t):
    return {"shape": list(t.shape), "data": [int(v) for v in t.reshape(-1).tolist()], "dtype": "int32"}


# ----- activations -----

def sparsemax(x, dim):
    """The simplex projection by sorting (Martins & Astudillo, 2016)."""
    z = x.movedim(dim, -1)
    zs, _ = torch.sort(z, dim=-1, descending=True)
    k = torch.arange(1, z.shape[-1] + 1, dtype=z.dtype)
    cssv = zs.cumsum(-1)
    support = (1 + k * zs) > cssv
    ksup = support.sum(-1, keepdim=True)
    tau = (torch.gather(cssv, -1, ksup - 1) - 1) / ksup.to(z.dtype)
    return torch.clamp(z - tau, min=0).movedim(-1, dim)


def keras_relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    # Keras's documented piecewise form.
    y = torch.where(x >= threshold, x, negative_slope * (x - threshold))
    if max_value is not None:
        y = torch.where(x >= max_value, torch.full_like(x, max_value), y)
    return y


def sparse_plus(x):
    return torch.where(x <= -1, torch.zeros_like(x), torch.where(x < 1, 0.25 * (x + 1) ** 2, x))


def sparse_sigmoid(x):
    return torch.where(x <= -1, torch.zeros_like(x), torch.where(x >= 1, torch.ones_like(x), 0.5 * (x + 1)))


ACTIVATIONS = [
    ("linear", {}, lambda x: x),
    ("relu", {}, torch.relu),
    ("relu", {"negative_slope": 0.1, "max_value": 2.5, "threshold": 0.5}, lambda x: keras_relu(x, 0.1, 2.5, 0.5)),
    ("relu", {"negative_slope": 0.2}, lambda x: keras_relu(x, 0.2)),
    ("relu", {"max_value": 6.0}, lambda x: keras_relu(x, 0.0, 6.0)),
    ("relu6", {}, lambda x: torch.clamp(x, 0, 6)),
    ("leaky_relu", {}, lambda x: F.leaky_relu(x, 0.2)),
    ("leaky_relu", {"negative_slope": 0.05}, lambda x: F.leaky_relu(x, 0.05)),
    ("elu", {}, F.elu),
    ("elu", {"alpha": 0.7}, lambda x: F.elu(x, 0.7)),
    ("selu", {}, F.selu),
    ("gelu", {}, F.gelu),
    ("gelu", {"approximate": True}, lambda x: F.gelu(x, approximate="tanh")),
    ("sigmoid", {}, torch.sigmoid),
    ("hard_sigmoid", {}, F.hardsigmoid),
    ("hard_silu", {}, F.hardswish),
    ("hard_swish", {}, F.hardswish),
    ("silu", {}, F.silu),
    ("swish", {}, F.silu),
    ("tanh", {}, torch.tanh),
    ("softplus", {}, lambda x: torch.log1p(torch.exp(x))),
    ("softsign", {}, F.softsign),
    ("softmax", {}, lambda x: torch.softmax(x, -1)),
    ("softmax", {"axis": 0}, lambda x: torch.softmax(x, 0)),
    ("log_softmax", {}, lambda x: torch.log_softmax(x, -1)),
    ("exponential", {}, torch.exp),
    ("mish", {}, F.mish),
    ("celu", {}, F.celu),
    ("celu", {"alpha": 1.5}, lambda x: F.celu(x, 1.5)),
    ("glu", {}, lambda x: F.glu(x, -1)),
    ("hard_tanh", {}, F.hardtanh),
    ("log_sigmoid", {}, F.logsigmoid),
    ("sparse_plus", {}, sparse_plus),
    ("squareplus", {}, lambda x: (x + torch.sqrt(x * x + 4)) / 2),
    ("squareplus", {"b": 1.0}, lambda x: (x + torch.sqrt(x * x + 1)) / 2),
    ("tanh_shrink", {}, F.tanhshrink),
    ("soft_shrink", {}, lambda x: F.softshrink(x, 0.5)),
    ("hard_shrink", {}, lambda x: F.hardshrink(x, 0.5)),
    ("threshold", {"threshold": 0.5, "default_value": -2.0}, lambda x: F.threshold(x, 0.5, -2.0)),
    ("sparse_sigmoid", {}, sparse_sigmoid),
    ("sparsemax", {}, lambda x: sparsemax(x, -1)),
    ("sparsemax", {"axis": 0}, lambda x: sparsemax(x, 0)),
    ("crelu", {}, lambda x: torch.cat([torch.relu(x), torch.relu(-x)], -1)),
]


def activation_input():
    """A (4, 8) grid over [-7, 7] plus noise, kept 0.01 away from every kink."""
    base = np.linspace(-7.1, 6.9, 32) + RNG.uniform(-0.05, 0.05, size=32)
    RNG.shuffle(base)
    for i, v in enumerate(base):
        while min(abs(v - k) for k in KINKS) < 0.01:
            v += 0.013
        base[i] = v
    x = base.astype(np.float32).astype(np.float64).reshape(4, 8)
    # Sparsemax needs ties to be absent as well: they are, the values are distinct.
    return torch.tensor(x)


def activation_cases():
    x0 = activation_input()
    out = []
    for name, args, fn in ACTIVATIONS:
        x = x0.clone().requires_grad_(True)
        y = fn(x)
        r = f32(tuple(y.shape))
        (y * r).sum().backward()
        out.append({"name": name, "args": args, "x": enc(x), "r": enc(r), "y": enc(y), "dx": enc(x.grad)})
    return out


# ----- layers -----

def batch_dot(x, y, a0, a1):
    """keras.layers.Dot's batch dot product for one pair of axes, by einsum-free reshaping."""
    x_nd, y_nd = x.dim(), y.dim()
    xm = x.movedim(a0, -1)                      # (b, ..., k)
    ym = y.movedim(a1, 1)                       # (b, k, ...)
    b, k = xm.shape[0], xm.shape[-1]
    x_mid = list(xm.shape[1:-1])
    y_trail = list(ym.shape[2:])
    out = torch.matmul(xm.reshape(b, -1, k), ym.reshape(b, k, -1)).reshape([b] + x_mid + y_trail)
    if len(out.shape) == 1:
        out = out.reshape(b, 1)
    if x_nd == 2 and y_nd == 2:
        out = out.reshape(b, 1)
    return out


def l2n(t, axis):
    return t / torch.clamp(torch.sqrt((t * t).sum(axis, keepdim=True)), min=1e-7)


def layer_cases():
    cases = []

    def add(case, inputs, weights, fn):
        ins = [i.clone().requires_grad_(True) if i.dtype == torch.float64 else i for i in inputs]
        ws = [w.clone().requires_grad_(True) for w in weights]
        y = fn(ins, ws)
        r = f32(tuple(y.shape))
        (y * r).sum().backward()
        cases.append({
            "case": case,
            "inputs": [enc(i) if i.dtype == torch.float64 else enc_int(i) for i in ins],
            "weights": [enc(w) for w in ws],
            "r": enc(r),
            "output": enc(y),
            "grad_inputs": [enc(i.grad) if i.dtype == torch.float64 else None for i in ins],
            "grad_weights": [enc(w.grad) for w in ws],
        })

    # Dense: activation(x @ kernel + bias), kernel (in, units).
    add("dense_tanh", [f32((2, 4))], [f32((4, 3), 0.5), f32((3,), 0.1)],
        lambda i, w: torch.tanh(i[0] @ w[0] + w[1]))
    add("dense_rank3_nobias_sigmoid", [f32((2, 3, 4))], [f32((4, 5), 0.5)],
        lambda i, w: torch.sigmoid(torch.matmul(i[0], w[0])))
    add("dense_linear", [f32((3, 2))], [f32((2, 4)), f32((4,))],
        lambda i, w: i[0] @ w[0] + w[1])
    # Embedding: rows of the matrix at the indices (repeated indices accumulate their gradients).
    idx = torch.tensor([[1, 4, 4, 0, 6], [2, 1, 1, 1, 5]])
    add("embedding", [idx], [f32((7, 3))], lambda i, w: w[0][i[0]])
    add("activation_softmax", [f32((2, 5))], [], lambda i, w: torch.softmax(i[0], -1))
    add("activation_gelu", [f32((2, 5))], [], lambda i, w: F.gelu(i[0]))
    x_relu = activation_input()[:2]
    add("relu_full", [x_relu], [], lambda i, w: keras_relu(i[0], 0.1, 2.5, 0.5))
    add("relu_max6", [x_relu], [], lambda i, w: keras_relu(i[0], 0.0, 6.0))
    add("leaky_relu", [x_relu], [], lambda i, w: F.leaky_relu(i[0], 0.3))
    # PReLU: relu(x) - alpha * relu(-x), alpha of shape input_shape[1:] with shared axes set to 1.
    add("prelu_shared_axis1", [x_relu.reshape(2, 2, 4)], [f32((1, 4), low=0.05, high=0.5)],
        lambda i, w: torch.relu(i[0]) - w[0] * torch.relu(-i[0]))
    add("elu", [x_relu], [], lambda i, w: F.elu(i[0], 0.7))
    add("softmax_axis1", [f32((2, 3, 4))], [], lambda i, w: torch.softmax(i[0], 1))
    add("identity", [f32((2, 3))], [], lambda i, w: i[0])
    add("dropout_inference", [f32((2, 3))], [], lambda i, w: i[0])
    add("flatten", [f32((2, 3, 4))], [], lambda i, w: i[0].reshape(2, -1))
    add("flatten_channels_first", [f32((2, 3, 2, 2))], [], lambda i, w: i[0].permute(0, 2, 3, 1).reshape(2, -1))
    add("reshape", [f32((2, 3, 4))], [], lambda i, w: i[0].reshape(2, -1, 2))
    add("permute", [f32((2, 2, 3, 4))], [], lambda i, w: i[0].permute(0, 3, 1, 2))
    add("repeat_vector", [f32((2, 4))], [], lambda i, w: i[0].unsqueeze(1).expand(2, 3, 4))
    add("lambda_square_plus_one", [f32((2, 3))], [], lambda i, w: i[0] * i[0] + 1)
    # Merges: NumPy broadcasting of the per-sample shapes; a lower rank gains axes right after the batch axis.
    add("add3", [f32((2, 3)), f32((2, 3)), f32((2, 3))], [], lambda i, w: i[0] + i[1] + i[2])
    add("add_broadcast", [f32((2, 3, 4)), f32((2, 1, 4)), f32((2, 4))], [],
        lambda i, w: i[0] + i[1] + i[2].unsqueeze(1))
    add("subtract", [f32((2, 3)), f32((2, 3))], [], lambda i, w: i[0] - i[1])
    add("multiply3", [f32((2, 3)), f32((2, 3)), f32((2, 1))], [], lambda i, w: i[0] * i[1] * i[2])
    add("average", [f32((2, 3)), f32((2, 3))], [], lambda i, w: (i[0] + i[1]) / 2)
    add("maximum3", [f32((2, 3)), f32((2, 3)), f32((2, 3))], [],
        lambda i, w: torch.maximum(torch.maximum(i[0], i[1]), i[2]))
    add("minimum3", [f32((2, 3)), f32((2, 3)), f32((2, 3))], [],
        lambda i, w: torch.minimum(torch.minimum(i[0], i[1]), i[2]))
    add("concatenate_last", [f32((2, 3)), f32((2, 5))], [], lambda i, w: torch.cat(i, -1))
    add("concatenate_axis1", [f32((2, 2, 4)), f32((2, 3, 4))], [], lambda i, w: torch.cat(i, 1))
    add("dot_axes1", [f32((2, 4)), f32((2, 4))], [], lambda i, w: (i[0] * i[1]).sum(1, keepdim=True))
    add("dot_axes12", [f32((2, 3, 5)), f32((2, 4, 3))], [], lambda i, w: batch_dot(i[0], i[1], 1, 2))
    add("dot_normalize", [f32((2, 3, 4)), f32((2, 5, 4))], [],
        lambda i, w: batch_dot(l2n(i[0], 2), l2n(i[1], 2), 2, 2))
    return cases


def main():
    doc = {
        "about": "KerasNet core layers and activations: forward values and gradients of sum(y * r), torch float64",
        "activations": activation_cases(),
        "layers": layer_cases(),
    }
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    path = os.path.join(root, "tests", "KerasNet.Tests", "Golden", "layers_core.json")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(doc, f, indent=None, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {path}: {len(doc['activations'])} activation cases, {len(doc['layers'])} layer cases")


if __name__ == "__main__":
    main()
