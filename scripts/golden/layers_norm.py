#!/usr/bin/python3
"""Golden values for KerasNet's normalization layers, computed independently in float64 with torch's own
normalization functions (F.batch_norm, F.layer_norm, F.group_norm) where they match Keras 3, and with plain
torch tensor math where Keras differs from torch (biased moving variance, rms_scaling, non-trailing axes).

Each case holds the input x, the layer's weights in Keras's order, a random cotangent R, the forward output
y and the gradients of sum(y * R) with respect to x, gamma and beta. BatchNormalization training cases also
hold the moving statistics after one and after two training steps (momentum 0.99, biased batch variance).

Run: /usr/bin/python3 scripts/golden/layers_norm.py  (writes tests/KerasNet.Tests/Golden/layers_norm.json)
"""
import json
import os

import numpy as np
import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
RNG = np.random.default_rng(20240611)
EPS = 1e-3
MOMENTUM = 0.99


def rand(*shape, low=-2.0, high=2.0):
    # Values rounded to float32 so the float32 C# side sees exactly the same inputs.
    return RNG.uniform(low, high, size=shape).astype(np.float32).astype(np.float64)


def pack(a):
    a = np.asarray(a, dtype=np.float64)
    return {"shape": list(a.shape), "data": [float(v) for v in a.reshape(-1)]}


def t(a, grad=False):
    return torch.tensor(a, dtype=torch.float64, requires_grad=grad)


def channels_first(x, axis_last):
    """(N, ..., C) -> (N, C, ...) for torch's channel-first functions."""
    if not axis_last or x.dim() == 2:
        return x
    perm = [0, x.dim() - 1] + list(range(1, x.dim() - 1))
    return x.permute(*perm)


def channels_last(y, axis_last):
    if not axis_last or y.dim() == 2:
        return y
    perm = [0] + list(range(2, y.dim())) + [1]
    return y.permute(*perm)


def grads(y, r, *sources):
    loss = (y * t(r)).sum()
    gs = torch.autograd.grad(loss, sources)
    return [g.detach().numpy() for g in gs]


def batch_norm_case(shape, training):
    c = shape[-1]
    x = rand(*shape)
    gamma, beta = rand(c, low=0.5, high=1.5), rand(c, low=-0.5, high=0.5)
    mm, mv = rand(c, low=-0.3, high=0.3), rand(c, low=0.5, high=1.5)
    r = rand(*shape)
    xt, gt, bt = t(x, True), t(gamma, True), t(beta, True)
    xc = channels_first(xt, True)
    # torch normalizes with the biased batch variance, as Keras does; its running statistics are not used
    # (torch updates the running variance with the unbiased variance, Keras with the biased one).
    yc = F.batch_norm(xc, t(mm), t(mv), gt, bt, training=training, momentum=0.0, eps=EPS)
    y = channels_last(yc, True)
    dx, dg, db = grads(y, r, xt, gt, bt)
    case = {
        "input": pack(x), "gamma": pack(gamma), "beta": pack(beta),
        "moving_mean": pack(mm), "moving_variance": pack(mv), "r": pack(r),
        "y": pack(y.detach().numpy()), "dx": pack(dx), "dgamma": pack(dg), "dbeta": pack(db),
    }
    if training:
        axes = tuple(range(len(shape) - 1))
        x2 = rand(*shape)
        m1, v1 = x.mean(axis=axes), x.var(axis=axes)  # numpy's var is the biased (population) variance
        mm1 = mm * MOMENTUM + m1 * (1 - MOMENTUM)
        mv1 = mv * MOMENTUM + v1 * (1 - MOMENTUM)
        m2, v2 = x2.mean(axis=axes), x2.var(axis=axes)
        mm2 = mm1 * MOMENTUM + m2 * (1 - MOMENTUM)
        mv2 = mv1 * MOMENTUM + v2 * (1 - MOMENTUM)
        case.update({
            "input2": pack(x2),
            "moving_mean_1": pack(mm1), "moving_variance_1": pack(mv1),
            "moving_mean_2": pack(mm2), "moving_variance_2": pack(mv2),
        })
    return case


def layer_norm_case(shape, axes, rms=False):
    x = rand(*shape)
    wshape = tuple(shape[a] for a in axes)
    gamma = rand(*wshape, low=0.5, high=1.5)
    beta = rand(*wshape, low=-0.5, high=0.5)
    r = rand(*shape)
    xt, gt, bt = t(x, True), t(gamma, True), t(beta, True)
    nd = len(shape)
    pos = sorted(a % nd for a in axes)
    trailing = pos == list(range(nd - len(pos), nd))
    if rms:
        # Keras 3's rms_scaling: x * rsqrt(var(x) + eps) * gamma (variance over the axes, no beta).
        var = xt.var(dim=pos, unbiased=False, keepdim=True)
        bshape = [shape[i] if i in pos else 1 for i in range(nd)]
        y = xt * torch.rsqrt(var + EPS) * gt.reshape(bshape)
        dx, dg = grads(y, r, xt, gt)
        return {"axis": list(axes), "rms_scaling": True, "input": pack(x), "gamma": pack(gamma), "r": pack(r),
                "y": pack(y.detach().numpy()), "dx": pack(dx), "dgamma": pack(dg)}
    if trailing:
        y = F.layer_norm(xt, wshape, gt, bt, EPS)
    else:
        mean = xt.mean(dim=pos, keepdim=True)
        var = xt.var(dim=pos, unbiased=False, keepdim=True)
        bshape = [shape[i] if i in pos else 1 for i in range(nd)]
        y = (xt - mean) / torch.sqrt(var + EPS) * gt.reshape(bshape) + bt.reshape(bshape)
    dx, dg, db = grads(y, r, xt, gt, bt)
    return {"axis": list(axes), "rms_scaling": False, "input": pack(x), "gamma": pack(gamma), "beta": pack(beta),
            "r": pack(r), "y": pack(y.detach().numpy()), "dx": pack(dx), "dgamma": pack(dg), "dbeta": pack(db)}


def group_norm_case(shape, groups):
    c = shape[-1]
    x = rand(*shape)
    gamma, beta = rand(c, low=0.5, high=1.5), rand(c, low=-0.5, high=0.5)
    r = rand(*shape)
    xt, gt, bt = t(x, True), t(gamma, True), t(beta, True)
    # Keras splits the channels into consecutive groups, as torch's group_norm does on (N, C, ...).
    xc = xt.permute(0, len(shape) - 1, *range(1, len(shape) - 1)) if len(shape) > 2 else xt
    yc = F.group_norm(xc, groups, gt, bt, EPS)
    y = yc.permute(0, *range(2, len(shape)), 1) if len(shape) > 2 else yc
    dx, dg, db = grads(y, r, xt, gt, bt)
    return {"groups": groups, "input": pack(x), "gamma": pack(gamma), "beta": pack(beta), "r": pack(r),
            "y": pack(y.detach().numpy()), "dx": pack(dx), "dgamma": pack(dg), "dbeta": pack(db)}


def main():
    cases = {
        "batch_norm": {
            "train_2d": batch_norm_case((6, 5), True),
            "infer_2d": batch_norm_case((6, 5), False),
            "train_4d": batch_norm_case((2, 3, 4, 3), True),
            "infer_4d": batch_norm_case((2, 3, 4, 3), False),
        },
        "layer_norm": {
            "last_axis": layer_norm_case((4, 6), [-1]),
            "two_axes": layer_norm_case((2, 3, 4, 5), [1, 2]),
            "trailing_axes": layer_norm_case((2, 3, 4), [-2, -1]),
            "rms_last_axis": layer_norm_case((4, 6), [-1], rms=True),
            "rms_two_axes": layer_norm_case((2, 3, 4), [1, 2], rms=True),
        },
        "group_norm": {
            "rank4_groups2": group_norm_case((2, 3, 2, 4), 2),
            "rank3_groups3": group_norm_case((3, 4, 6), 3),
            "rank2_groups1": group_norm_case((4, 6), 1),
        },
    }
    doc = {
        "generator": "scripts/golden/layers_norm.py",
        "torch": torch.__version__,
        "numpy": np.__version__,
        "epsilon": EPS,
        "momentum": MOMENTUM,
        "cases": cases,
    }
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "KerasNet.Tests", "Golden", "layers_norm.json")
    out = os.path.normpath(out)
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    print("wrote", out)


if __name__ == "__main__":
    main()
