#!/usr/bin/python3
"""Golden values for KerasNet's losses and metrics.

Every formula is written here from first principles, following Keras 3's definitions
(keras/src/losses/{loss,losses}.py, keras/src/metrics/*.py, keras/src/backend/*/nn.py) including
its float32 epsilon clipping (1e-7), label smoothing, sample-weight alignment
(squeeze_or_expand_to_same_rank) and reductions. Inputs are float32 values; the references are
computed in float64 (PyTorch 1.13 for the losses and their gradients d loss / d y_pred, NumPy for
the metrics).

Run with /usr/bin/python3 from the repository root:
    /usr/bin/python3 scripts/golden/losses_metrics.py
It writes tests/KerasNet.Tests/Golden/losses.json and metrics.json.
"""

import json
import os

import numpy as np
import torch

torch.set_default_dtype(torch.float64)

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(ROOT, "tests", "KerasNet.Tests", "Golden")


def f32(x):
    """A Python float rounded to float32, as Keras turns Python constants into float32 tensors."""
    return float(np.float32(x))


EPS = f32(1e-7)          # keras.backend.epsilon() as float32
ONE_MINUS_EPS = f32(1.0 - 1e-7)
NEG_INF = -1e10

rng = np.random.default_rng(20240607)


# ----------------------------------------------------------------------------- helpers

def as_f32(a):
    return np.asarray(a, dtype=np.float32)


def tensor_json(a, dtype="float32"):
    a = np.asarray(a)
    if dtype == "float32":
        data = [float(v) for v in np.asarray(a, dtype=np.float64).ravel()]
    else:
        data = [int(v) for v in a.ravel()]
    return {"shape": list(a.shape), "dtype": dtype, "data": data}


def result_json(t):
    a = t.detach().numpy() if isinstance(t, torch.Tensor) else np.asarray(t, dtype=np.float64)
    return {"shape": list(a.shape), "dtype": "float32", "data": [float(v) for v in a.ravel()]}


def squeeze_or_expand(x1, x2, expand_rank_1=True):
    """keras.src.losses.loss.squeeze_or_expand_to_same_rank (works on torch tensors and numpy arrays)."""
    r1, r2 = len(x1.shape), len(x2.shape)
    if r1 == r2:
        return x1, x2
    if r1 == r2 + 1 and x1.shape[-1] == 1:
        if r2 == 1 and expand_rank_1:
            x2 = x2[..., None]
        else:
            x1 = x1[..., 0]
    if r2 == r1 + 1 and x2.shape[-1] == 1:
        if r1 == 1 and expand_rank_1:
            x1 = x1[..., None]
        else:
            x2 = x2[..., 0]
    return x1, x2


def clip(x, lo, hi):
    return torch.clamp(x, min=lo, max=hi)


def l2_normalize(x, axis):
    sq = torch.sum(x * x, dim=axis, keepdim=True)
    return x * torch.clamp(1.0 / torch.sqrt(sq), max=f32(1.0 / 1e-7))


# ----------------------------------------------------------------------------- loss formulas (torch, float64)

def mse(t, p):
    t, p = squeeze_or_expand(t, p)
    return torch.mean((t - p) ** 2, dim=-1)


def mae(t, p):
    t, p = squeeze_or_expand(t, p)
    return torch.mean(torch.abs(t - p), dim=-1)


def mape(t, p):
    t, p = squeeze_or_expand(t, p)
    return 100.0 * torch.mean(torch.abs((t - p) / torch.clamp(torch.abs(t), min=EPS)), dim=-1)


def msle(t, p):
    t, p = squeeze_or_expand(t, p)
    a = torch.log(torch.clamp(p, min=EPS) + 1.0)
    b = torch.log(torch.clamp(t, min=EPS) + 1.0)
    return torch.mean((a - b) ** 2, dim=-1)


def huber(t, p, delta=1.0):
    t, p = squeeze_or_expand(t, p)
    e = p - t
    a = torch.abs(e)
    return torch.mean(torch.where(a <= delta, 0.5 * e * e, delta * a - 0.5 * delta * delta), dim=-1)


def log_cosh(t, p):
    t, p = squeeze_or_expand(t, p)
    return torch.mean(torch.log(torch.cosh(p - t)), dim=-1)


def cosine_similarity_value(t, p, axis=-1):
    t, p = squeeze_or_expand(t, p)
    return torch.sum(l2_normalize(t, axis) * l2_normalize(p, axis), dim=axis)


def cosine_similarity_loss(t, p, axis=-1):
    return -cosine_similarity_value(t, p, axis)


def kld(t, p):
    t, p = squeeze_or_expand(t, p)
    t = clip(t, EPS, 1.0)
    p = clip(p, EPS, 1.0)
    return torch.sum(t * torch.log(t / p), dim=-1)


def poisson(t, p):
    t, p = squeeze_or_expand(t, p)
    return torch.mean(p - t * torch.log(p + EPS), dim=-1)


def hinge_labels(t):
    binary = bool(torch.all((t == 0) | (t == 1)))
    return 2.0 * t - 1.0 if binary else t


def hinge(t, p):
    t, p = squeeze_or_expand(t, p)
    t = hinge_labels(t)
    return torch.mean(torch.clamp(1.0 - t * p, min=0.0), dim=-1)


def squared_hinge(t, p):
    t, p = squeeze_or_expand(t, p)
    t = hinge_labels(t)
    return torch.mean(torch.clamp(1.0 - t * p, min=0.0) ** 2, dim=-1)


def categorical_hinge(t, p):
    t, p = squeeze_or_expand(t, p)
    pos = torch.sum(t * p, dim=-1)
    neg = torch.max((1.0 - t) * p, dim=-1).values
    return torch.clamp(neg - pos + 1.0, min=0.0)


def bce(t, p, from_logits=False, label_smoothing=0.0, axis=-1):
    t, p = squeeze_or_expand(t, p)
    if label_smoothing:
        t = t * f32(1.0 - label_smoothing) + f32(0.5 * label_smoothing)
    if from_logits:
        # -[z log σ(x) + (1 - z) log(1 - σ(x))], with log σ computed stably.
        per = -(t * torch.nn.functional.logsigmoid(p) + (1.0 - t) * torch.nn.functional.logsigmoid(-p))
    else:
        pc = clip(p, EPS, ONE_MINUS_EPS)
        per = -(t * torch.log(pc) + (1.0 - t) * torch.log(1.0 - pc))
    return torch.mean(per, dim=axis)


def cce(t, p, from_logits=False, label_smoothing=0.0, axis=-1):
    t, p = squeeze_or_expand(t, p)
    if label_smoothing:
        t = t * f32(1.0 - label_smoothing) + f32(label_smoothing / t.shape[-1])
    if from_logits:
        logp = torch.log_softmax(p, dim=axis)
    else:
        logp = torch.log(clip(p / torch.sum(p, dim=axis, keepdim=True), EPS, ONE_MINUS_EPS))
    return -torch.sum(t * logp, dim=axis)


def scce_with_mask(t, p, from_logits=False, ignore_class=None):
    t = torch.as_tensor(np.asarray(t), dtype=torch.float64)
    if t.dim() == p.dim() and t.shape[-1] == 1:
        t = t[..., 0]
    valid = None
    if ignore_class is not None:
        valid = t != float(ignore_class)
        t = torch.where(valid, t, torch.zeros_like(t))
    labels = t.to(torch.int64)
    if from_logits:
        logp = torch.log_softmax(p, dim=-1)
    else:
        logp = torch.log(clip(p / torch.sum(p, dim=-1, keepdim=True), EPS, ONE_MINUS_EPS))
    res = -torch.gather(logp, -1, labels[..., None])[..., 0]
    if valid is not None:
        res = torch.where(valid, res, torch.zeros_like(res))
    return res, valid


# ----------------------------------------------------------------------------- reduction (keras.src.losses.loss)

def reduce_weighted(values, sample_weight=None, mask=None, reduction="sum_over_batch_size"):
    sw = None if sample_weight is None else torch.as_tensor(sample_weight, dtype=torch.float64)
    if mask is not None:
        m = mask.to(torch.float64)
        if reduction in ("mean", "sum_over_batch_size"):
            total = float(m.numel())
            valid = float(torch.sum(m))
            m = m * (total / valid if valid != 0 else 0.0)
        if sw is not None:
            m, sw = squeeze_or_expand(m, sw)
            sw = sw * m
        else:
            sw = m
    if sw is not None:
        values, sw = squeeze_or_expand(values, sw)
        values = values * sw
    if reduction in (None, "none") or tuple(values.shape) in ((), (0,)):
        return values
    loss = torch.sum(values)
    if reduction in ("sum_over_batch_size", "mean", "mean_with_sample_weight"):
        if reduction == "mean_with_sample_weight" and sw is not None:
            d = torch.sum(sw)
            loss = loss / d if float(d) != 0 else torch.zeros_like(loss)
        else:
            loss = loss / values.numel()
    return loss


# ----------------------------------------------------------------------------- loss cases

LOSS_FNS = {
    "MeanSquaredError": lambda t, p, c: (mse(t, p), None),
    "MeanAbsoluteError": lambda t, p, c: (mae(t, p), None),
    "MeanAbsolutePercentageError": lambda t, p, c: (mape(t, p), None),
    "MeanSquaredLogarithmicError": lambda t, p, c: (msle(t, p), None),
    "Huber": lambda t, p, c: (huber(t, p, c.get("delta", 1.0)), None),
    "LogCosh": lambda t, p, c: (log_cosh(t, p), None),
    "CosineSimilarity": lambda t, p, c: (cosine_similarity_loss(t, p, c.get("axis", -1)), None),
    "KLDivergence": lambda t, p, c: (kld(t, p), None),
    "Poisson": lambda t, p, c: (poisson(t, p), None),
    "Hinge": lambda t, p, c: (hinge(t, p), None),
    "SquaredHinge": lambda t, p, c: (squared_hinge(t, p), None),
    "CategoricalHinge": lambda t, p, c: (categorical_hinge(t, p), None),
    "BinaryCrossentropy": lambda t, p, c: (bce(t, p, c.get("from_logits", False), c.get("label_smoothing", 0.0), c.get("axis", -1)), None),
    "CategoricalCrossentropy": lambda t, p, c: (cce(t, p, c.get("from_logits", False), c.get("label_smoothing", 0.0), c.get("axis", -1)), None),
}

loss_cases = []


def add_loss(family, name, cls, config, y_true, y_pred, sample_weight=None, true_dtype="float32"):
    y_pred = as_f32(y_pred)
    y_true = np.asarray(y_true, dtype=np.int32) if true_dtype == "int32" else as_f32(y_true)
    sw = None if sample_weight is None else as_f32(sample_weight)
    p = torch.tensor(y_pred.astype(np.float64), requires_grad=True)
    t = torch.tensor(y_true.astype(np.float64))
    if cls == "SparseCategoricalCrossentropy":
        per, mask = scce_with_mask(y_true, p, config.get("from_logits", False), config.get("ignore_class"))
    else:
        per, mask = LOSS_FNS[cls](t, p, config)
    reduction = config.get("reduction", "sum_over_batch_size")
    loss = reduce_weighted(per, sw, mask, reduction)
    (grad,) = torch.autograd.grad(torch.sum(loss), p)
    case = {
        "family": family,
        "name": name,
        "class_name": cls,
        "config": config,
        "y_true": tensor_json(y_true, true_dtype),
        "y_pred": tensor_json(y_pred),
        "call": result_json(per),
        "loss": result_json(loss),
        "grad": result_json(grad),
    }
    if sw is not None:
        case["sample_weight"] = tensor_json(sw)
    loss_cases.append(case)


def normal(*shape, scale=1.0):
    return as_f32(rng.normal(0.0, scale, size=shape))


def uniform(lo, hi, *shape):
    return as_f32(rng.uniform(lo, hi, size=shape))


def away_from(x, points, gap):
    """Nudges values that are within `gap` of any of `points`."""
    x = np.array(x, dtype=np.float64)
    for _ in range(10):
        bad = np.zeros(x.shape, dtype=bool)
        for q in points:
            bad |= np.abs(x - q) < gap
        if not bad.any():
            break
        x[bad] += 3 * gap
    return as_f32(x)


def one_hot(labels, n):
    return as_f32(np.eye(n)[labels])


def probs(*shape):
    x = rng.uniform(0.05, 1.0, size=shape)
    return as_f32(x / x.sum(axis=-1, keepdims=True))


# Regression losses.
t, p = normal(4, 3), normal(4, 3)
add_loss("regression", "mse", "MeanSquaredError", {"name": "mean_squared_error", "reduction": "sum_over_batch_size"}, t, p)
add_loss("regression", "mse_rank3", "MeanSquaredError", {}, normal(2, 3, 4), normal(2, 3, 4))
add_loss("regression", "mse_ytrue_rank1_ypred_col", "MeanSquaredError", {}, normal(5), normal(5, 1))
add_loss("regression", "mae", "MeanAbsoluteError", {}, normal(4, 3), normal(4, 3))
mt = normal(4, 3)
mt = as_f32(np.sign(mt) * (np.abs(mt) + 0.5))
add_loss("regression", "mape", "MeanAbsolutePercentageError", {}, mt, normal(4, 3))
add_loss("regression", "mape_zero_true", "MeanAbsolutePercentageError", {}, as_f32([[0.0, 1.0], [2.0, 0.0]]), as_f32([[0.25, 0.5], [1.5, -0.5]]))
add_loss("regression", "msle", "MeanSquaredLogarithmicError", {}, uniform(0.0, 3.0, 4, 3), as_f32(np.where(rng.random((4, 3)) < 0.2, -0.5, rng.uniform(0.0, 3.0, (4, 3)))))
ht = normal(5, 4)
hp = as_f32(ht + away_from(rng.normal(0.0, 1.5, (5, 4)), [-1.0, 1.0, -0.5, 0.5], 0.05))
add_loss("regression", "huber", "Huber", {"delta": 1.0}, ht, hp)
add_loss("regression", "huber_delta_half", "Huber", {"delta": 0.5, "name": "huber_loss"}, ht, hp)
add_loss("regression", "log_cosh", "LogCosh", {}, normal(4, 3), normal(4, 3, scale=2.0))
add_loss("regression", "cosine_similarity", "CosineSimilarity", {"axis": -1}, normal(4, 5), normal(4, 5))
add_loss("regression", "cosine_similarity_axis0", "CosineSimilarity", {"axis": 0}, normal(3, 4), normal(3, 4))

# Probabilistic losses.
bt = as_f32(rng.integers(0, 2, (4, 3)))
bp = uniform(0.02, 0.98, 4, 3)
add_loss("probabilistic", "bce", "BinaryCrossentropy", {}, bt, bp)
add_loss("probabilistic", "bce_label_smoothing", "BinaryCrossentropy", {"label_smoothing": 0.2}, bt, bp)
add_loss("probabilistic", "bce_clipped", "BinaryCrossentropy", {}, as_f32([[1, 0, 1], [0, 1, 0]]), as_f32([[0.0, 1.0, 1.0], [0.0, 0.3, 0.9999]]))
add_loss("probabilistic", "bce_from_logits", "BinaryCrossentropy", {"from_logits": True}, bt, away_from(normal(4, 3, scale=3.0), [0.0], 0.01))
add_loss("probabilistic", "bce_from_logits_smoothing", "BinaryCrossentropy", {"from_logits": True, "label_smoothing": 0.1}, bt, away_from(normal(4, 3, scale=3.0), [0.0], 0.01))
add_loss("probabilistic", "bce_axis0", "BinaryCrossentropy", {"axis": 0}, bt, bp)
add_loss("probabilistic", "bce_ytrue_rank1", "BinaryCrossentropy", {}, as_f32([1, 0, 1, 1]), uniform(0.05, 0.95, 4, 1))
labels = rng.integers(0, 4, 5)
ct = one_hot(labels, 4)
unnorm = uniform(0.05, 2.0, 5, 4)
add_loss("probabilistic", "cce", "CategoricalCrossentropy", {}, ct, probs(5, 4))
add_loss("probabilistic", "cce_unnormalized", "CategoricalCrossentropy", {}, ct, unnorm)
add_loss("probabilistic", "cce_clipped", "CategoricalCrossentropy", {}, one_hot([1, 2], 3), as_f32([[0.05, 0.95, 0.0], [0.1, 0.8, 0.1]]))
add_loss("probabilistic", "cce_label_smoothing", "CategoricalCrossentropy", {"label_smoothing": 0.1}, ct, probs(5, 4))
add_loss("probabilistic", "cce_from_logits", "CategoricalCrossentropy", {"from_logits": True}, ct, normal(5, 4, scale=2.0))
add_loss("probabilistic", "cce_from_logits_smoothing", "CategoricalCrossentropy", {"from_logits": True, "label_smoothing": 0.2}, ct, normal(5, 4, scale=2.0))
ct3 = np.transpose(one_hot(rng.integers(0, 3, (2, 4)), 3), (0, 2, 1))  # (2, 3 classes, 4)
add_loss("probabilistic", "cce_from_logits_axis1", "CategoricalCrossentropy", {"from_logits": True, "axis": 1}, ct3, normal(2, 3, 4))
add_loss("probabilistic", "cce_probs_axis1", "CategoricalCrossentropy", {"axis": 1}, ct3, uniform(0.05, 1.0, 2, 3, 4))
sl = rng.integers(0, 4, 6)
add_loss("probabilistic", "scce_int_labels", "SparseCategoricalCrossentropy", {}, sl, probs(6, 4), true_dtype="int32")
add_loss("probabilistic", "scce_float_labels_col", "SparseCategoricalCrossentropy", {}, as_f32(sl[:, None]), uniform(0.05, 1.0, 6, 4))
add_loss("probabilistic", "scce_from_logits", "SparseCategoricalCrossentropy", {"from_logits": True}, sl, normal(6, 4, scale=2.0), true_dtype="int32")
add_loss("probabilistic", "scce_from_logits_float_col", "SparseCategoricalCrossentropy", {"from_logits": True}, as_f32(sl[:, None]), normal(6, 4, scale=2.0))
add_loss("probabilistic", "scce_rank3", "SparseCategoricalCrossentropy", {"from_logits": True}, rng.integers(0, 5, (2, 3)), normal(2, 3, 5), true_dtype="int32")
il = np.array([0, -1, 2, 3, -1, 1], dtype=np.int32)
add_loss("probabilistic", "scce_ignore_class_logits", "SparseCategoricalCrossentropy", {"from_logits": True, "ignore_class": -1}, il, normal(6, 4), true_dtype="int32")
add_loss("probabilistic", "scce_ignore_class_probs", "SparseCategoricalCrossentropy", {"ignore_class": -1}, il, probs(6, 4), true_dtype="int32")
add_loss("probabilistic", "scce_ignore_class_sum", "SparseCategoricalCrossentropy", {"from_logits": True, "ignore_class": -1, "reduction": "sum"}, il, normal(6, 4), true_dtype="int32")
kt = probs(4, 3)
kt[0, 1] = 0.0
add_loss("probabilistic", "kld", "KLDivergence", {}, kt, probs(4, 3))
add_loss("probabilistic", "poisson", "Poisson", {}, as_f32(rng.poisson(2.0, (4, 3))), uniform(0.1, 4.0, 4, 3))

# Hinge losses.
gp = away_from(normal(4, 3), [-1.0, 1.0], 0.02)
add_loss("hinge", "hinge_01_labels", "Hinge", {}, as_f32(rng.integers(0, 2, (4, 3))), gp)
add_loss("hinge", "hinge_pm1_labels", "Hinge", {}, as_f32(2 * rng.integers(0, 2, (4, 3)) - 1), gp)
add_loss("hinge", "squared_hinge_01_labels", "SquaredHinge", {}, as_f32(rng.integers(0, 2, (4, 3))), gp)
add_loss("hinge", "squared_hinge_pm1_labels", "SquaredHinge", {}, as_f32(2 * rng.integers(0, 2, (4, 3)) - 1), gp)
add_loss("hinge", "categorical_hinge", "CategoricalHinge", {}, one_hot(rng.integers(0, 4, 5), 4), normal(5, 4))

# Reductions and sample weights.
rt, rp = normal(4, 3), normal(4, 3)
w4 = as_f32([0.5, 2.0, 0.0, 1.5])
add_loss("reduction", "mse_sum", "MeanSquaredError", {"reduction": "sum"}, rt, rp)
add_loss("reduction", "mse_none", "MeanSquaredError", {"reduction": "none"}, rt, rp)
add_loss("reduction", "mse_mean", "MeanSquaredError", {"reduction": "mean"}, rt, rp)
add_loss("reduction", "mse_weighted", "MeanSquaredError", {}, rt, rp, w4)
add_loss("reduction", "mse_weighted_col", "MeanSquaredError", {}, rt, rp, w4[:, None])
add_loss("reduction", "mse_weighted_sum", "MeanSquaredError", {"reduction": "sum"}, rt, rp, w4)
add_loss("reduction", "mse_weighted_none", "MeanSquaredError", {"reduction": "none"}, rt, rp, w4)
add_loss("reduction", "mse_mean_with_sample_weight", "MeanSquaredError", {"reduction": "mean_with_sample_weight"}, rt, rp, w4)
add_loss("reduction", "mse_mean_with_sample_weight_none_given", "MeanSquaredError", {"reduction": "mean_with_sample_weight"}, rt, rp)
add_loss("reduction", "mse_rank3_elementwise_weights", "MeanSquaredError", {}, normal(2, 3, 4), normal(2, 3, 4), uniform(0.0, 2.0, 2, 3))
add_loss("reduction", "bce_weighted", "BinaryCrossentropy", {}, bt, bp, w4)
add_loss("reduction", "cce_weighted_sum", "CategoricalCrossentropy", {"from_logits": True, "reduction": "sum"}, ct, normal(5, 4), as_f32([1.0, 0.0, 2.0, 0.5, 1.0]))
add_loss("reduction", "scce_weighted", "SparseCategoricalCrossentropy", {"from_logits": True}, sl, normal(6, 4), uniform(0.0, 2.0, 6), true_dtype="int32")
add_loss("reduction", "scce_ignore_class_weighted", "SparseCategoricalCrossentropy", {"from_logits": True, "ignore_class": -1}, il, normal(6, 4), uniform(0.5, 2.0, 6), true_dtype="int32")
add_loss("reduction", "scce_ignore_class_mean_with_sample_weight", "SparseCategoricalCrossentropy",
         {"from_logits": True, "ignore_class": -1, "reduction": "mean_with_sample_weight"}, il, normal(6, 4), uniform(0.5, 2.0, 6), true_dtype="int32")
add_loss("reduction", "huber_weighted_mean", "Huber", {"reduction": "mean"}, ht[:4], hp[:4], w4)


# ----------------------------------------------------------------------------- metric formulas (numpy, float64)

def np_sq(t, p):
    return squeeze_or_expand(np.asarray(t, np.float64), np.asarray(p, np.float64))


def m_accuracy(t, p, c):
    t, p = np_sq(t, p)
    return np.mean((t == p).astype(np.float64), axis=-1)


def m_binary_accuracy(t, p, c):
    t, p = np_sq(t, p)
    return np.mean((t == (p > f32(c.get("threshold", 0.5))).astype(np.float64)).astype(np.float64), axis=-1)


def m_categorical_accuracy(t, p, c):
    return (np.argmax(t, -1) == np.argmax(p, -1)).astype(np.float64)


def m_sparse_categorical_accuracy(t, p, c):
    t = np.asarray(t, np.float64)
    shape = t.shape
    reshape = False
    if t.ndim == p.ndim and t.shape[-1] == 1:
        t = t[..., 0]
        reshape = True
    m = (t == np.argmax(p, -1)).astype(np.float64)
    if reshape:
        m = m.reshape(shape)
    if m.ndim > 1 and m.shape[-1] == 1:
        m = m[..., 0]
    return m


def in_top_k(labels, p, k):
    labels = np.asarray(labels).astype(np.int64)
    shape = labels.shape
    flat = labels.reshape(-1)
    p2 = p.reshape(-1, p.shape[-1])
    target = p2[np.arange(len(flat)), flat]
    above = np.sum(p2 > target[:, None], axis=-1)
    return (above < k).astype(np.float64).reshape(shape)


def t2(fn):
    def g(t, p, c):
        r = fn(torch.tensor(np.asarray(t, np.float64)), torch.tensor(np.asarray(p, np.float64)), c)
        return r.numpy() if isinstance(r, torch.Tensor) else r
    return g


METRIC_FNS = {
    "Accuracy": m_accuracy,
    "BinaryAccuracy": m_binary_accuracy,
    "CategoricalAccuracy": m_categorical_accuracy,
    "SparseCategoricalAccuracy": m_sparse_categorical_accuracy,
    "TopKCategoricalAccuracy": lambda t, p, c: in_top_k(np.argmax(t, -1), p, c.get("k", 5)),
    "SparseTopKCategoricalAccuracy": lambda t, p, c: in_top_k(t, p, c.get("k", 5)),
    "MeanSquaredError": t2(lambda t, p, c: mse(t, p)),
    "MeanAbsoluteError": t2(lambda t, p, c: mae(t, p)),
    "MeanAbsolutePercentageError": t2(lambda t, p, c: mape(t, p)),
    "MeanSquaredLogarithmicError": t2(lambda t, p, c: msle(t, p)),
    "CosineSimilarity": t2(lambda t, p, c: cosine_similarity_value(t, p, c.get("axis", -1))),
    "LogCoshError": t2(lambda t, p, c: log_cosh(t, p)),
    "BinaryCrossentropy": t2(lambda t, p, c: bce(t, p, c.get("from_logits", False), c.get("label_smoothing", 0.0))),
    "CategoricalCrossentropy": t2(lambda t, p, c: cce(t, p, c.get("from_logits", False), c.get("label_smoothing", 0.0), c.get("axis", -1))),
    "SparseCategoricalCrossentropy": lambda t, p, c: scce_with_mask(t, torch.tensor(np.asarray(p, np.float64)), c.get("from_logits", False))[0].numpy(),
    "KLDivergence": t2(lambda t, p, c: kld(t, p)),
    "Poisson": t2(lambda t, p, c: poisson(t, p)),
    "Hinge": t2(lambda t, p, c: hinge(t, p)),
    "SquaredHinge": t2(lambda t, p, c: squared_hinge(t, p)),
    "CategoricalHinge": t2(lambda t, p, c: categorical_hinge(t, p)),
}


def reduce_to_samplewise(values, sw, reduce_fn):
    """keras.src.metrics.reduction_metrics.reduce_to_samplewise_values."""
    values = np.asarray(values, np.float64)
    if sw is not None:
        sw = np.asarray(sw, np.float64)
        values, sw = squeeze_or_expand(values, sw)
        wn, vn = sw.ndim, values.ndim
        if vn > wn:
            values = reduce_fn(values, axis=tuple(range(wn, vn)))
        sw = np.broadcast_to(sw, values.shape)
        values = values * sw
        if wn > 1:
            sw = reduce_fn(sw, axis=tuple(range(1, wn)))
    if values.ndim > 1:
        values = reduce_fn(values, axis=tuple(range(1, values.ndim)))
    return values, sw


class MeanState:
    def __init__(self, rmse=False):
        self.total = 0.0
        self.count = 0.0
        self.rmse = rmse

    def update(self, values, sw):
        v, w = reduce_to_samplewise(values, sw, np.mean)
        self.total += float(np.sum(v))
        self.count += float(np.sum(w)) if w is not None else float(v.shape[0] if v.ndim >= 1 else 1)

    def result(self):
        r = self.total / self.count if self.count != 0 else 0.0
        return np.sqrt(r) if self.rmse else r


def confusion_update(state, t, p, sw, thresholds, top_k=None, class_id=None, clip01=False):
    """keras.src.metrics.metrics_utils.update_confusion_matrix_variables: positive when y_pred > threshold."""
    t = np.asarray(t, np.float64)
    p = np.asarray(p, np.float64)
    p, t = squeeze_or_expand(p, t)
    if sw is not None:
        sw = np.asarray(sw, np.float64)[..., None]
        _, sw = squeeze_or_expand(t, sw, expand_rank_1=False)
    if top_k is not None:
        # Keep the k largest per row (lower index first on ties), others NEG_INF.
        order = np.argsort(-p, axis=-1, kind="stable")
        keep = np.zeros_like(p, dtype=bool)
        np.put_along_axis(keep, order[..., :top_k], True, axis=-1)
        p = np.where(keep, p, NEG_INF)
    if class_id is not None:
        t = t[..., class_id:class_id + 1]
        p = p[..., class_id:class_id + 1]
    if clip01:
        p = np.clip(p, 0.0, 1.0)
    w = np.ones_like(p) if sw is None else np.broadcast_to(sw, p.shape)
    label = (t != 0).astype(np.float64).ravel()
    w = w.ravel()
    pf = p.ravel()
    for i, th in enumerate(thresholds):
        pos = pf > th
        state["tp"][i] += np.sum(w * label * pos)
        state["fp"][i] += np.sum(w * (1 - label) * pos)
        state["fn"][i] += np.sum(w * label * ~pos)
        state["tn"][i] += np.sum(w * (1 - label) * ~pos)


def divide_no_nan(a, b):
    a = np.asarray(a, np.float64)
    b = np.asarray(b, np.float64)
    return np.where(b == 0, 0.0, a / np.where(b == 0, 1.0, b))


def auc_thresholds(n):
    t = [0.0 - 1e-7] + [(i + 1) * 1.0 / (n - 1) for i in range(n - 2)] + [1.0 + 1e-7]
    return [f32(x) for x in t]


def auc_result(s, n, curve, summation, multi_label):
    tp, fp, tn, fn = (np.asarray(s[k], np.float64) for k in ("tp", "fp", "tn", "fn"))
    if curve == "PR" and summation == "interpolation":
        dtp = tp[:n - 1] - tp[1:]
        pp = tp + fp
        dp = pp[:n - 1] - pp[1:]
        slope = divide_no_nan(dtp, np.maximum(dp, 0))
        intercept = tp[1:] - slope * pp[1:]
        ratio = np.where((pp[:n - 1] > 0) & (pp[1:] > 0), divide_no_nan(pp[:n - 1], np.maximum(pp[1:], 0)), 1.0)
        inc = divide_no_nan(slope * (dtp + intercept * np.log(ratio)), np.maximum(tp[1:] + fn[1:], 0))
        return float(np.mean(np.sum(inc, axis=0))) if multi_label else float(np.sum(inc))
    recall = divide_no_nan(tp, tp + fn)
    if curve == "ROC":
        x, y = divide_no_nan(fp, fp + tn), recall
    else:
        x, y = recall, divide_no_nan(tp, tp + fp)
    if summation == "interpolation":
        h = (y[:n - 1] + y[1:]) / 2
    elif summation == "minoring":
        h = np.minimum(y[:n - 1], y[1:])
    else:
        h = np.maximum(y[:n - 1], y[1:])
    terms = (x[:n - 1] - x[1:]) * h
    return float(np.mean(np.sum(terms, axis=0))) if multi_label else float(np.sum(terms))


def fbeta_update(s, t, p, sw, threshold, average):
    t = np.asarray(t, np.float64)
    p = np.asarray(p, np.float64)
    if threshold is None:
        pred = (p >= p.max(axis=-1, keepdims=True)) & (np.abs(p) > 1e-9)
    else:
        pred = p > threshold
    pred = pred.astype(np.float64)
    axis = None if average == "micro" else 0

    def wsum(v):
        if sw is not None:
            v = v * np.asarray(sw, np.float64)[:, None]
        return np.sum(v, axis=axis)

    s["tp"] = s["tp"] + wsum(pred * t)
    s["fp"] = s["fp"] + wsum(pred * (1 - t))
    s["fn"] = s["fn"] + wsum((1 - pred) * t)
    s["w"] = s["w"] + wsum(t)


def fbeta_result(s, beta, average):
    e = EPS
    prec = s["tp"] / (s["tp"] + s["fp"] + e)
    rec = s["tp"] / (s["tp"] + s["fn"] + e)
    b2 = beta * beta
    f = prec * rec / (b2 * prec + rec + e) * (1 + b2)
    if average == "weighted":
        return np.sum(f * (s["w"] / (np.sum(s["w"]) + e)))
    if average is not None:
        return np.mean(f)
    return f


metric_cases = []


def batch_json(t, p, sw, true_dtype):
    b = {"y_true": tensor_json(t, true_dtype), "y_pred": tensor_json(p)}
    if sw is not None:
        b["sample_weight"] = tensor_json(sw)
    return b


def add_metric(family, name, cls, config, batches, true_dtype="float32"):
    """batches: list of (y_true, y_pred, sample_weight or None). Records the result after each batch."""
    results = []
    jb = []
    c = config
    if cls in ("Precision", "Recall", "AUC"):
        if cls == "AUC":
            n = c.get("num_thresholds", 200)
            thresholds = auc_thresholds(n)
        else:
            th = c.get("thresholds")
            thresholds = [NEG_INF if c.get("top_k") is not None else 0.5] if th is None else ([th] if isinstance(th, float) else th)
            thresholds = [f32(x) for x in thresholds]
        shape = (len(thresholds),)
        state = None
        for (t, p, sw) in batches:
            t, p = np.asarray(t), as_f32(p)
            sw = None if sw is None else as_f32(sw)
            pp = np.asarray(p, np.float64)
            if cls == "AUC" and c.get("from_logits"):
                pp = as_f32(1.0 / (1.0 + np.exp(-pp))).astype(np.float64)
            if cls == "AUC" and c.get("multi_label"):
                if state is None:
                    state = {k: np.zeros((len(thresholds), p.shape[1])) for k in ("tp", "fp", "tn", "fn")}
                for j in range(p.shape[1]):
                    sub = {k: state[k][:, j] for k in state}
                    confusion_update(sub, t[:, j], pp[:, j], sw, thresholds, clip01=True)
            else:
                if state is None:
                    state = {k: np.zeros(shape) for k in ("tp", "fp", "tn", "fn")}
                confusion_update(state, t, pp, sw, thresholds, c.get("top_k"), c.get("class_id"), clip01=(cls == "AUC"))
            if cls == "AUC":
                r = auc_result(state, len(thresholds), c.get("curve", "ROC"), c.get("summation_method", "interpolation"), c.get("multi_label", False))
            else:
                other = state["fp"] if cls == "Precision" else state["fn"]
                r = divide_no_nan(state["tp"], state["tp"] + other)
                if len(thresholds) == 1:
                    r = float(r[0])
            results.append(result_json(r))
            jb.append(batch_json(t, p, sw, true_dtype))
    elif cls in ("F1Score", "FBetaScore"):
        average = c.get("average")
        beta = c.get("beta", 1.0)
        th = c.get("threshold")
        th = None if th is None else f32(th)
        state = None
        for (t, p, sw) in batches:
            p = as_f32(p)
            sw = None if sw is None else as_f32(sw)
            if state is None:
                z = 0.0 if average == "micro" else np.zeros(p.shape[1])
                state = {"tp": z, "fp": z, "fn": z, "w": z}
            fbeta_update(state, t, p, sw, th, average)
            results.append(result_json(fbeta_result(state, beta, average)))
            jb.append(batch_json(t, p, sw, true_dtype))
    elif cls == "Mean":
        st = MeanState()
        for (v, sw) in batches:
            v = as_f32(v)
            sw = None if sw is None else as_f32(sw)
            st.update(v, sw)
            results.append(result_json(st.result()))
            b = {"values": tensor_json(v)}
            if sw is not None:
                b["sample_weight"] = tensor_json(sw)
            jb.append(b)
    else:
        st = MeanState(rmse=(cls == "RootMeanSquaredError"))
        for (t, p, sw) in batches:
            t = np.asarray(t, np.int32) if true_dtype == "int32" else as_f32(t)
            p = as_f32(p)
            sw = None if sw is None else as_f32(sw)
            if cls == "RootMeanSquaredError":
                tt, pp = np_sq(t, p)
                values = (pp - tt) ** 2
            else:
                values = METRIC_FNS[cls](t, p, c)
            st.update(values, sw)
            results.append(result_json(st.result()))
            jb.append(batch_json(t, p, sw, true_dtype))
    metric_cases.append({"family": family, "name": name, "class_name": cls, "config": config, "batches": jb, "results": results})


def with_and_without_weights(family, name, cls, config, make_batch, true_dtype="float32", sizes=(4, 3, 5)):
    batches = [make_batch(n) for n in sizes]
    add_metric(family, name, cls, config, [(t, p, None) for (t, p) in batches], true_dtype)
    add_metric(family, name + "_weighted", cls, config, [(t, p, uniform(0.0, 2.0, len(p))) for (t, p) in batches], true_dtype)


def binary_batch(n, k=1):
    return as_f32(rng.integers(0, 2, (n, k))), away_from(rng.uniform(0, 1, (n, k)), [0.5, 0.7], 0.01)


def onehot_batch(n, c=4):
    return one_hot(rng.integers(0, c, n), c), uniform(0, 1, n, c)


# Accuracy metrics.
with_and_without_weights("accuracy", "accuracy", "Accuracy", {}, lambda n: (as_f32(rng.integers(0, 3, (n, 1))), as_f32(rng.integers(0, 3, (n, 1)))))
with_and_without_weights("accuracy", "binary_accuracy", "BinaryAccuracy", {}, lambda n: binary_batch(n))
with_and_without_weights("accuracy", "binary_accuracy_threshold", "BinaryAccuracy", {"threshold": 0.7}, lambda n: binary_batch(n, 3))
with_and_without_weights("accuracy", "categorical_accuracy", "CategoricalAccuracy", {}, onehot_batch)
with_and_without_weights("accuracy", "sparse_categorical_accuracy", "SparseCategoricalAccuracy", {},
                         lambda n: (rng.integers(0, 4, n).astype(np.int32), uniform(0, 1, n, 4)), true_dtype="int32")
with_and_without_weights("accuracy", "sparse_categorical_accuracy_float_col", "SparseCategoricalAccuracy", {},
                         lambda n: (as_f32(rng.integers(0, 4, (n, 1))), uniform(0, 1, n, 4)))
with_and_without_weights("accuracy", "top_k_categorical_accuracy", "TopKCategoricalAccuracy", {"k": 2}, lambda n: onehot_batch(n, 5))
with_and_without_weights("accuracy", "top_k_categorical_accuracy_default_k", "TopKCategoricalAccuracy", {}, lambda n: onehot_batch(n, 7))
with_and_without_weights("accuracy", "sparse_top_k_categorical_accuracy", "SparseTopKCategoricalAccuracy", {"k": 2},
                         lambda n: (rng.integers(0, 5, n).astype(np.int32), uniform(0, 1, n, 5)), true_dtype="int32")
with_and_without_weights("accuracy", "sparse_top_k_categorical_accuracy_col", "SparseTopKCategoricalAccuracy", {"k": 3},
                         lambda n: (as_f32(rng.integers(0, 6, (n, 1))), uniform(0, 1, n, 6)))

# Mean.
add_metric("reduction", "mean", "Mean", {}, [(normal(4), None), (normal(3, 2), None), (as_f32(2.5), None)])
add_metric("reduction", "mean_weighted", "Mean", {}, [(normal(4), uniform(0, 2, 4)), (normal(3, 2), uniform(0, 2, 3)), (normal(2, 3), uniform(0, 2, 2, 3))])

# Regression and probabilistic wrappers.
reg = lambda n: (normal(n, 3), normal(n, 3))
for cls, nm in [("MeanSquaredError", "mse"), ("MeanAbsoluteError", "mae"), ("RootMeanSquaredError", "rmse"), ("LogCoshError", "logcosh"), ("CosineSimilarity", "cosine_similarity")]:
    with_and_without_weights("regression", nm, cls, {}, reg)
with_and_without_weights("regression", "mape", "MeanAbsolutePercentageError", {}, lambda n: (as_f32(uniform(0.5, 2.0, n, 3) * np.where(rng.random((n, 3)) < 0.5, -1, 1)), normal(n, 3)))
with_and_without_weights("regression", "msle", "MeanSquaredLogarithmicError", {}, lambda n: (uniform(0, 3, n, 3), uniform(0, 3, n, 3)))
with_and_without_weights("probabilistic", "binary_crossentropy", "BinaryCrossentropy", {}, lambda n: (as_f32(rng.integers(0, 2, (n, 2))), uniform(0.02, 0.98, n, 2)))
with_and_without_weights("probabilistic", "binary_crossentropy_logits", "BinaryCrossentropy", {"from_logits": True, "label_smoothing": 0.1},
                         lambda n: (as_f32(rng.integers(0, 2, (n, 2))), away_from(normal(n, 2, scale=2.0), [0.0], 0.01)))
with_and_without_weights("probabilistic", "categorical_crossentropy", "CategoricalCrossentropy", {}, lambda n: (one_hot(rng.integers(0, 4, n), 4), probs(n, 4)))
with_and_without_weights("probabilistic", "categorical_crossentropy_logits", "CategoricalCrossentropy", {"from_logits": True},
                         lambda n: (one_hot(rng.integers(0, 4, n), 4), normal(n, 4)))
with_and_without_weights("probabilistic", "sparse_categorical_crossentropy", "SparseCategoricalCrossentropy", {},
                         lambda n: (rng.integers(0, 4, n).astype(np.int32), probs(n, 4)), true_dtype="int32")
with_and_without_weights("probabilistic", "sparse_categorical_crossentropy_logits", "SparseCategoricalCrossentropy", {"from_logits": True},
                         lambda n: (rng.integers(0, 4, n).astype(np.int32), normal(n, 4)), true_dtype="int32")
with_and_without_weights("probabilistic", "kl_divergence", "KLDivergence", {}, lambda n: (probs(n, 3), probs(n, 3)))
with_and_without_weights("probabilistic", "poisson", "Poisson", {}, lambda n: (as_f32(rng.poisson(2.0, (n, 3))), uniform(0.1, 4.0, n, 3)))
with_and_without_weights("probabilistic", "hinge", "Hinge", {}, lambda n: (as_f32(rng.integers(0, 2, (n, 3))), away_from(normal(n, 3), [-1.0, 1.0], 0.02)))
with_and_without_weights("probabilistic", "squared_hinge", "SquaredHinge", {}, lambda n: (as_f32(2 * rng.integers(0, 2, (n, 3)) - 1), away_from(normal(n, 3), [-1.0, 1.0], 0.02)))
with_and_without_weights("probabilistic", "categorical_hinge", "CategoricalHinge", {}, lambda n: (one_hot(rng.integers(0, 4, n), 4), normal(n, 4)))


# Confusion metrics.
def conf_batch(n, k=1, points=(0.5,)):
    return as_f32(rng.integers(0, 2, (n, k))), away_from(rng.uniform(0, 1, (n, k)), list(points), 0.005)


auc_points = auc_thresholds(200)
with_and_without_weights("confusion", "precision", "Precision", {}, lambda n: conf_batch(n, 1), sizes=(6, 5, 7))
with_and_without_weights("confusion", "recall", "Recall", {}, lambda n: conf_batch(n, 1), sizes=(6, 5, 7))
with_and_without_weights("confusion", "precision_thresholds", "Precision", {"thresholds": [0.3, 0.5, 0.8]}, lambda n: conf_batch(n, 2, (0.3, 0.5, 0.8)))
with_and_without_weights("confusion", "recall_thresholds", "Recall", {"thresholds": [0.3, 0.5, 0.8]}, lambda n: conf_batch(n, 2, (0.3, 0.5, 0.8)))
multi_hot = lambda n: (as_f32(rng.integers(0, 2, (n, 5))), uniform(0, 1, n, 5))
with_and_without_weights("confusion", "precision_top_k", "Precision", {"top_k": 2}, multi_hot)
with_and_without_weights("confusion", "recall_top_k", "Recall", {"top_k": 2}, multi_hot)
with_and_without_weights("confusion", "precision_class_id", "Precision", {"class_id": 1}, lambda n: (as_f32(rng.integers(0, 2, (n, 3))), away_from(rng.uniform(0, 1, (n, 3)), [0.5], 0.005)))
with_and_without_weights("confusion", "recall_class_id_top_k", "Recall", {"class_id": 2, "top_k": 2}, lambda n: (as_f32(rng.integers(0, 2, (n, 4))), uniform(0, 1, n, 4)))
auc_batch = lambda n: (as_f32(rng.integers(0, 2, n)), away_from(rng.uniform(0, 1, n), auc_points, 1e-4))
with_and_without_weights("confusion", "auc_roc", "AUC", {}, auc_batch, sizes=(20, 15, 25))
with_and_without_weights("confusion", "auc_pr", "AUC", {"curve": "PR"}, auc_batch, sizes=(20, 15, 25))
with_and_without_weights("confusion", "auc_roc_minoring", "AUC", {"summation_method": "minoring", "num_thresholds": 50}, lambda n: (as_f32(rng.integers(0, 2, n)), away_from(rng.uniform(0, 1, n), auc_thresholds(50), 1e-4)), sizes=(20, 15))
with_and_without_weights("confusion", "auc_pr_majoring", "AUC", {"curve": "PR", "summation_method": "majoring", "num_thresholds": 50}, lambda n: (as_f32(rng.integers(0, 2, n)), away_from(rng.uniform(0, 1, n), auc_thresholds(50), 1e-4)), sizes=(20, 15))
add_metric("confusion", "auc_endpoints", "AUC", {"num_thresholds": 3}, [(as_f32([0, 0, 1, 1]), as_f32([0, 0.5, 0.3, 0.9]), None), (as_f32([1, 0, 1]), as_f32([1.0, 0.0, 0.7]), as_f32([1, 2, 0.5]))])
with_and_without_weights("confusion", "auc_multi_label", "AUC", {"multi_label": True, "num_thresholds": 40}, lambda n: (as_f32(rng.integers(0, 2, (n, 3))), away_from(rng.uniform(0, 1, (n, 3)), auc_thresholds(40), 1e-4)), sizes=(12, 10))


def logit_auc_batch(n):
    # Logits whose sigmoids stay away from the thresholds.
    q = away_from(rng.uniform(0.02, 0.98, n), auc_points, 2e-4).astype(np.float64)
    return as_f32(rng.integers(0, 2, n)), as_f32(np.log(q / (1 - q)))


with_and_without_weights("confusion", "auc_from_logits", "AUC", {"from_logits": True}, logit_auc_batch, sizes=(20, 15))
f1_batch = lambda n: (as_f32(rng.integers(0, 2, (n, 4))), away_from(rng.uniform(0, 1, (n, 4)), [0.5], 0.005))
for avg in [None, "micro", "macro", "weighted"]:
    with_and_without_weights("fscore", f"f1_{avg or 'none'}", "F1Score", {"average": avg, "threshold": 0.5}, f1_batch)
    with_and_without_weights("fscore", f"f1_{avg or 'none'}_argmax", "F1Score", {"average": avg}, f1_batch)
with_and_without_weights("fscore", "fbeta_2_macro", "FBetaScore", {"average": "macro", "beta": 2.0, "threshold": 0.5}, f1_batch)


# ----------------------------------------------------------------------------- write

os.makedirs(OUT, exist_ok=True)
header = {"generator": "scripts/golden/losses_metrics.py", "torch": torch.__version__, "numpy": np.__version__}


def write(path, cases):
    """One case per line, so that regenerating shows a readable diff."""
    with open(path, "w") as f:
        f.write("{\n")
        for k, v in header.items():
            f.write(f" {json.dumps(k)}: {json.dumps(v)},\n")
        f.write(' "cases": [\n')
        f.write(",\n".join("  " + json.dumps(c, separators=(",", ":")) for c in cases))
        f.write("\n ]\n}\n")


write(os.path.join(OUT, "losses.json"), loss_cases)
write(os.path.join(OUT, "metrics.json"), metric_cases)
print(f"{len(loss_cases)} loss cases, {len(metric_cases)} metric cases written to {OUT}")
