#!/usr/bin/env python3
"""Golden values for KerasNet's optimizers, learning-rate schedules, regularizers and constraints.

Each Keras 3 rule is re-implemented here independently in numpy float64, from the formulas of
keras/src/optimizers/*.py, keras/src/optimizers/schedules/learning_rate_schedule.py,
keras/src/regularizers/regularizers.py and keras/src/constraints/constraints.py (torch.optim is not used:
its Adam and RMSprop place epsilon differently). Run with /usr/bin/python3 from the repository root:

    /usr/bin/python3 scripts/golden/optimizers.py

It writes tests/KerasNet.Tests/Golden/{optimizers,schedules,regularizers,constraints}.json. With
--self-check it instead compares the numpy optimizer references with torch.optim where the rules coincide.
"""

import json
import math
import os
import sys

import numpy as np

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "KerasNet.Tests", "Golden")
STEPS = 6
SHAPES = [(2, 3), (4,), (3, 1, 2)]


# ----------------------------------------------------------------------------------------------
# Learning-rate schedules (float64).
# ----------------------------------------------------------------------------------------------

def schedule_value(spec, step):
    """The learning rate of a serialized Keras schedule at an integer step."""
    name, c = spec["class_name"], spec["config"]
    step = float(step)
    if name == "ExponentialDecay":
        p = step / c["decay_steps"]
        if c.get("staircase", False):
            p = math.floor(p)
        return c["initial_learning_rate"] * c["decay_rate"] ** p
    if name == "InverseTimeDecay":
        p = step / c["decay_steps"]
        if c.get("staircase", False):
            p = math.floor(p)
        return c["initial_learning_rate"] / (1.0 + c["decay_rate"] * p)
    if name == "PiecewiseConstantDecay":
        for b, v in zip(c["boundaries"], c["values"]):
            if step <= b:
                return v
        return c["values"][-1]
    if name == "PolynomialDecay":
        decay = float(c["decay_steps"])
        end = c.get("end_learning_rate", 0.0001)
        power = c.get("power", 1.0)
        if c.get("cycle", False):
            decay = decay * (1.0 if step == 0 else math.ceil(step / decay))
        else:
            step = min(step, decay)
        return (c["initial_learning_rate"] - end) * (1.0 - step / decay) ** power + end
    if name == "CosineDecay":
        initial = c["initial_learning_rate"]
        decay = float(c["decay_steps"])
        alpha = c.get("alpha", 0.0)
        target = c.get("warmup_target")
        warmup = float(c.get("warmup_steps", 0))

        def decayed(s, start):
            cosine = 0.5 * (1.0 + math.cos(math.pi * s / decay))
            return start * ((1.0 - alpha) * cosine + alpha)

        if target is None:
            return decayed(min(step, decay), initial)
        step = min(step, decay + warmup)
        if step < warmup:
            return (target - initial) * (step / warmup) + initial
        return decayed(step - warmup, target)
    raise ValueError(name)


def sched(class_name, **config):
    return {"module": "keras.optimizers.schedules", "class_name": class_name, "config": config, "registered_name": None}


# ----------------------------------------------------------------------------------------------
# Optimizers (float64), following BaseOptimizer.apply: clip, decoupled weight decay, update_step,
# iterations += 1.
# ----------------------------------------------------------------------------------------------

DEFAULTS = {
    "SGD": dict(learning_rate=0.01, momentum=0.0, nesterov=False),
    "Adam": dict(learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False),
    "AdamW": dict(learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False),
    "RMSprop": dict(learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False),
    "Adagrad": dict(learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7),
    "Adadelta": dict(learning_rate=0.001, rho=0.95, epsilon=1e-7),
    "Adamax": dict(learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7),
    "Nadam": dict(learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7),
    "Lion": dict(learning_rate=0.001, beta_1=0.9, beta_2=0.99),
}


class Reference:
    def __init__(self, class_name, config):
        self.kind = class_name
        self.c = dict(DEFAULTS[class_name])
        self.c.update(config)
        self.iterations = 0
        self.slots = None
        self.sign_margin = math.inf  # smallest |argument of sign| seen (Lion)

    def learning_rate(self):
        lr = self.c["learning_rate"]
        return schedule_value(lr, self.iterations) if isinstance(lr, dict) else lr

    def clip(self, grads):
        cn, gcn, cv = self.c.get("clipnorm"), self.c.get("global_clipnorm"), self.c.get("clipvalue")
        if cn and cn > 0:
            return [g * cn / max(np.sqrt(np.sum(g * g)), cn) for g in grads]
        if gcn and gcn > 0:
            norm = math.sqrt(sum(float(np.sum(g * g)) for g in grads))
            scale = gcn * min(1.0 / norm, 1.0 / gcn)
            return [g * scale for g in grads]
        if cv and cv > 0:
            return [np.clip(g, -cv, cv) for g in grads]
        return grads

    def build(self, variables):
        k = self.kind
        c = self.c

        def zeros():
            return [np.zeros_like(v) for v in variables]

        if k == "SGD":
            self.slots = {"m": zeros()}
        elif k in ("Adam", "AdamW"):
            self.slots = {"m": zeros(), "v": zeros(), "vhat": zeros()}
        elif k == "RMSprop":
            self.slots = {"vel": zeros(), "mom": zeros(), "avg": zeros()}
        elif k == "Adagrad":
            self.slots = {"acc": [np.full_like(v, c["initial_accumulator_value"]) for v in variables]}
        elif k == "Adadelta":
            self.slots = {"ag": zeros(), "ad": zeros()}
        elif k == "Adamax":
            self.slots = {"m": zeros(), "u": zeros()}
        elif k == "Nadam":
            self.slots = {"m": zeros(), "v": zeros()}
            self.u_product = 1.0
        elif k == "Lion":
            self.slots = {"m": zeros()}

    def apply(self, grads, variables):
        if self.slots is None:
            self.build(variables)
        grads = self.clip([np.array(g, dtype=np.float64) for g in grads])
        lr = self.learning_rate()
        wd = self.c.get("weight_decay")
        if wd is not None:
            variables = [v - v * wd * lr for v in variables]
        if self.kind == "Nadam":
            t = self.iterations + 1
            self.u_product *= self.c["beta_1"] * (1.0 - 0.5 * 0.96 ** t)
        out = [self.update(g, v, i, lr) for i, (g, v) in enumerate(zip(grads, variables))]
        self.iterations += 1
        return out

    def update(self, g, w, i, lr):
        c, s, k = self.c, self.slots, self.kind
        t = self.iterations + 1
        if k == "SGD":
            mu = c["momentum"]
            if mu == 0:
                return w - lr * g
            s["m"][i] = mu * s["m"][i] - lr * g
            if c["nesterov"]:
                return w + mu * s["m"][i] - lr * g
            return w + s["m"][i]
        if k in ("Adam", "AdamW"):
            b1, b2 = c["beta_1"], c["beta_2"]
            s["m"][i] = s["m"][i] + (g - s["m"][i]) * (1 - b1)
            s["v"][i] = s["v"][i] + (g * g - s["v"][i]) * (1 - b2)
            v = s["v"][i]
            if c["amsgrad"]:
                s["vhat"][i] = np.maximum(s["vhat"][i], v)
                v = s["vhat"][i]
            alpha = lr * math.sqrt(1 - b2 ** t) / (1 - b1 ** t)
            return w - s["m"][i] * alpha / (np.sqrt(v) + c["epsilon"])
        if k == "RMSprop":
            rho, eps, mu = c["rho"], c["epsilon"], c["momentum"]
            s["vel"][i] = rho * s["vel"][i] + (1 - rho) * g * g
            if c["centered"]:
                s["avg"][i] = rho * s["avg"][i] + (1 - rho) * g
                den = s["vel"][i] - s["avg"][i] ** 2 + eps
            else:
                den = s["vel"][i] + eps
            inc = lr * g / np.sqrt(den)
            if mu > 0:
                s["mom"][i] = mu * s["mom"][i] + inc
                return w - s["mom"][i]
            return w - inc
        if k == "Adagrad":
            s["acc"][i] = s["acc"][i] + g * g
            return w - lr * g / np.sqrt(s["acc"][i] + c["epsilon"])
        if k == "Adadelta":
            rho, eps = c["rho"], c["epsilon"]
            s["ag"][i] = rho * s["ag"][i] + (1 - rho) * g * g
            delta = -np.sqrt(s["ad"][i] + eps) * g / np.sqrt(s["ag"][i] + eps)
            s["ad"][i] = rho * s["ad"][i] + (1 - rho) * delta * delta
            return w + lr * delta
        if k == "Adamax":
            b1, b2 = c["beta_1"], c["beta_2"]
            s["m"][i] = s["m"][i] + (g - s["m"][i]) * (1 - b1)
            s["u"][i] = np.maximum(b2 * s["u"][i], np.abs(g))
            return w - lr * s["m"][i] / ((1 - b1 ** t) * (s["u"][i] + c["epsilon"]))
        if k == "Nadam":
            b1, b2 = c["beta_1"], c["beta_2"]
            u_t = b1 * (1 - 0.5 * 0.96 ** t)
            u_t1 = b1 * (1 - 0.5 * 0.96 ** (t + 1))
            prod_t = self.u_product
            prod_t1 = prod_t * u_t1
            s["m"][i] = s["m"][i] + (g - s["m"][i]) * (1 - b1)
            s["v"][i] = s["v"][i] + (g * g - s["v"][i]) * (1 - b2)
            m_hat = u_t1 * s["m"][i] / (1 - prod_t1) + (1 - u_t) * g / (1 - prod_t)
            v_hat = s["v"][i] / (1 - b2 ** t)
            return w - m_hat * lr / (np.sqrt(v_hat) + c["epsilon"])
        if k == "Lion":
            b1, b2 = c["beta_1"], c["beta_2"]
            mix = s["m"][i] * b1 + g * (1 - b1)
            self.sign_margin = min(self.sign_margin, float(np.min(np.abs(mix))))
            out = w - lr * np.sign(mix)
            s["m"][i] = s["m"][i] * b2 + g * (1 - b2)
            return out
        raise ValueError(k)


OPTIMIZER_CASES = [
    ("sgd", "SGD", dict(learning_rate=0.1)),
    ("sgd_defaults", "SGD", dict()),
    ("sgd_momentum", "SGD", dict(learning_rate=0.05, momentum=0.9)),
    ("sgd_nesterov", "SGD", dict(learning_rate=0.05, momentum=0.9, nesterov=True)),
    ("sgd_clipvalue", "SGD", dict(learning_rate=0.1, clipvalue=0.5)),
    ("sgd_clipnorm", "SGD", dict(learning_rate=0.1, clipnorm=1.0)),
    ("sgd_momentum_global_clipnorm", "SGD", dict(learning_rate=0.1, momentum=0.5, global_clipnorm=2.0)),
    ("sgd_weight_decay", "SGD", dict(learning_rate=0.1, weight_decay=0.05)),
    ("sgd_exponential_staircase", "SGD",
     dict(learning_rate=sched("ExponentialDecay", initial_learning_rate=0.1, decay_steps=2, decay_rate=0.5, staircase=True,
                              name="ExponentialDecay"))),
    ("adam", "Adam", dict(learning_rate=0.01)),
    ("adam_defaults", "Adam", dict()),
    ("adam_amsgrad", "Adam", dict(learning_rate=0.01, amsgrad=True)),
    ("adam_weight_decay_clipnorm", "Adam", dict(learning_rate=0.01, weight_decay=0.1, clipnorm=0.5)),
    ("adam_cosine_warmup", "Adam",
     dict(learning_rate=sched("CosineDecay", initial_learning_rate=0.0, decay_steps=4, alpha=0.1, name="CosineDecay",
                              warmup_target=0.02, warmup_steps=2))),
    ("adamw", "AdamW", dict(learning_rate=0.01)),
    ("adamw_amsgrad_global_clipnorm", "AdamW", dict(learning_rate=0.01, weight_decay=0.05, amsgrad=True, global_clipnorm=1.0)),
    ("rmsprop", "RMSprop", dict(learning_rate=0.01)),
    ("rmsprop_defaults", "RMSprop", dict()),
    ("rmsprop_momentum", "RMSprop", dict(learning_rate=0.01, momentum=0.9)),
    ("rmsprop_centered", "RMSprop", dict(learning_rate=0.01, centered=True)),
    ("rmsprop_centered_momentum", "RMSprop", dict(learning_rate=0.01, rho=0.8, momentum=0.5, centered=True)),
    ("adagrad", "Adagrad", dict(learning_rate=0.1)),
    ("adagrad_clipvalue", "Adagrad", dict(learning_rate=0.1, initial_accumulator_value=0.5, clipvalue=0.3)),
    ("adadelta", "Adadelta", dict(learning_rate=1.0)),
    ("adadelta_defaults", "Adadelta", dict()),
    ("adamax", "Adamax", dict(learning_rate=0.01)),
    ("adamax_weight_decay", "Adamax", dict(learning_rate=0.02, beta_2=0.9, weight_decay=0.1)),
    ("nadam", "Nadam", dict(learning_rate=0.01)),
    ("nadam_polynomial", "Nadam",
     dict(learning_rate=sched("PolynomialDecay", initial_learning_rate=0.02, decay_steps=4, end_learning_rate=0.001, power=2.0,
                              cycle=False, name="PolynomialDecay"))),
    ("lion", "Lion", dict(learning_rate=0.01)),
    ("lion_weight_decay", "Lion", dict(learning_rate=0.01, beta_1=0.95, weight_decay=0.5)),
    ("lion_clipnorm", "Lion", dict(learning_rate=0.005, clipnorm=0.8)),
    # Gradients small enough that epsilon is comparable to the denominator: these tell Keras's epsilon
    # placement (after the square root in Adam/Adamax/Nadam, inside it in RMSprop/Adagrad/Adadelta) apart
    # from the alternatives.
    ("adam_small_gradients", "Adam", dict(learning_rate=0.01), 1e-6),
    ("adam_amsgrad_small_gradients", "Adam", dict(learning_rate=0.01, amsgrad=True), 3e-6),
    ("adamax_small_gradients", "Adamax", dict(learning_rate=0.01), 1e-7),
    ("nadam_small_gradients", "Nadam", dict(learning_rate=0.01), 1e-6),
    ("rmsprop_small_gradients", "RMSprop", dict(learning_rate=0.01), 3e-4),
    ("rmsprop_centered_small_gradients", "RMSprop", dict(learning_rate=0.01, centered=True, momentum=0.3), 3e-4),
    ("adagrad_small_gradients", "Adagrad", dict(learning_rate=0.01, initial_accumulator_value=0.0), 1e-4),
    ("adadelta_small_gradients", "Adadelta", dict(learning_rate=1.0, epsilon=1e-6), 1e-3),
]


def optimizer_golden():
    rng = np.random.default_rng(20240517)
    # Small weights, so that each update is a sizeable part of the value being compared.
    # Values are rounded to float32 (what the C# test feeds) before the float64 reference sees them.
    def f32(a):
        return a.astype(np.float32).astype(np.float64)

    initial = [f32(rng.normal(0.0, 0.1, size=s)) for s in SHAPES]
    scales = [1.0, 2.5, 0.4]
    gradients = [[f32(rng.normal(0.0, sc, size=s)) for s, sc in zip(SHAPES, scales)] for _ in range(STEPS)]
    cases = []
    for name, class_name, config, *rest in OPTIMIZER_CASES:
        gradient_scale = rest[0] if rest else 1.0
        ref = Reference(class_name, config)
        variables = [v.copy() for v in initial]
        expected = []
        for step in range(STEPS):
            # The scaled gradients are rounded to float32 first, as the C# test feeds them.
            grads = [(g.astype(np.float32) * np.float32(gradient_scale)).astype(np.float64) for g in gradients[step]]
            variables = ref.apply(grads, variables)
            expected.append([v.reshape(-1).tolist() for v in variables])
        if class_name == "Lion":
            # float32 rounding (~1e-7) must not flip a sign: keep every argument of sign away from 0.
            assert ref.sign_margin > 1e-4, (name, ref.sign_margin)
        cases.append({
            "name": name,
            "class_name": class_name,
            "config": config,
            "gradient_scale": gradient_scale,
            "expected": expected,
        })
    return {
        "shapes": [list(s) for s in SHAPES],
        "initial": [v.reshape(-1).tolist() for v in initial],
        "gradients": [[g.reshape(-1).tolist() for g in step] for step in gradients],
        "cases": cases,
    }


SCHEDULE_CASES = [
    sched("ExponentialDecay", initial_learning_rate=0.1, decay_steps=10, decay_rate=0.96, staircase=False, name="ExponentialDecay"),
    sched("ExponentialDecay", initial_learning_rate=0.5, decay_steps=3, decay_rate=0.5, staircase=True, name="ExponentialDecay"),
    sched("InverseTimeDecay", initial_learning_rate=0.1, decay_steps=5, decay_rate=0.5, staircase=False, name="InverseTimeDecay"),
    sched("InverseTimeDecay", initial_learning_rate=0.2, decay_steps=4, decay_rate=1.5, staircase=True, name="InverseTimeDecay"),
    sched("PiecewiseConstantDecay", boundaries=[5, 10, 20], values=[1.0, 0.5, 0.1, 0.01], name="PiecewiseConstant"),
    sched("PiecewiseConstantDecay", boundaries=[0], values=[0.3, 0.03], name="PiecewiseConstant"),
    sched("PolynomialDecay", initial_learning_rate=0.1, decay_steps=10, end_learning_rate=0.0001, power=1.0, cycle=False,
          name="PolynomialDecay"),
    sched("PolynomialDecay", initial_learning_rate=0.1, decay_steps=10, end_learning_rate=0.001, power=0.5, cycle=False,
          name="PolynomialDecay"),
    sched("PolynomialDecay", initial_learning_rate=0.1, decay_steps=7, end_learning_rate=0.01, power=2.0, cycle=True,
          name="PolynomialDecay"),
    sched("CosineDecay", initial_learning_rate=0.1, decay_steps=20, alpha=0.0, name="CosineDecay", warmup_target=None,
          warmup_steps=0),
    sched("CosineDecay", initial_learning_rate=0.1, decay_steps=15, alpha=0.1, name="CosineDecay", warmup_target=None,
          warmup_steps=0),
    sched("CosineDecay", initial_learning_rate=0.0, decay_steps=20, alpha=0.0, name="CosineDecay", warmup_target=0.1,
          warmup_steps=5),
    sched("CosineDecay", initial_learning_rate=0.01, decay_steps=10, alpha=0.2, name="CosineDecay", warmup_target=0.05,
          warmup_steps=8),
]

SCHEDULE_STEPS = list(range(0, 41)) + [50, 99, 100, 101, 1000, 123456]


def schedules_golden():
    return {"cases": [{
        "schedule": spec,
        "steps": SCHEDULE_STEPS,
        "values": [schedule_value(spec, s) for s in SCHEDULE_STEPS],
    } for spec in SCHEDULE_CASES]}


# ----------------------------------------------------------------------------------------------
# Regularizers and constraints.
# ----------------------------------------------------------------------------------------------

def regularizers_golden():
    rng = np.random.default_rng(7)
    x = rng.normal(0.0, 1.5, size=(3, 4))
    x[np.abs(x) < 0.05] += 0.1  # keep |x| away from 0, where the L1 gradient jumps
    cases = []

    def add(identifier, l1, l2):
        penalty = l1 * np.sum(np.abs(x)) + l2 * np.sum(x * x)
        gradient = l1 * np.sign(x) + 2 * l2 * x
        cases.append({"identifier": identifier, "penalty": float(penalty), "gradient": gradient.reshape(-1).tolist()})

    def cfg(class_name, **config):
        return {"module": "keras.regularizers", "class_name": class_name, "config": config, "registered_name": None}

    add(cfg("L1", l1=0.01), 0.01, 0.0)
    add(cfg("L1", l1=0.3), 0.3, 0.0)
    add(cfg("L2", l2=0.01), 0.0, 0.01)
    add(cfg("L2", l2=2.0), 0.0, 2.0)
    add(cfg("L1L2", l1=0.01, l2=0.02), 0.01, 0.02)
    add(cfg("L1L2", l1=0.0, l2=0.1), 0.0, 0.1)
    add(cfg("L1L2", l1=0.05, l2=0.0), 0.05, 0.0)
    add("l1", 0.01, 0.0)
    add("l2", 0.0, 0.01)
    add("l1_l2", 0.01, 0.01)
    return {"shape": [3, 4], "x": x.reshape(-1).tolist(), "cases": cases}


def constraints_golden():
    rng = np.random.default_rng(11)
    eps = 1e-7
    cases = []

    def norms(w, axis):
        return np.sqrt(np.sum(w * w, axis=axis, keepdims=True))

    def add(class_name, config, w, out):
        cases.append({
            "constraint": {"module": "keras.constraints", "class_name": class_name, "config": config, "registered_name": None},
            "shape": list(w.shape),
            "w": w.reshape(-1).tolist(),
            "expected": out.reshape(-1).tolist(),
        })

    def ax(a):
        return tuple(a) if isinstance(a, list) else a

    w2 = rng.normal(0.0, 1.5, size=(4, 3))
    w4 = rng.normal(0.0, 0.8, size=(2, 2, 3, 4))
    for w, config in [(w2, dict(max_value=2, axis=0)), (w2, dict(max_value=1.0, axis=1)),
                      (w4, dict(max_value=1.5, axis=[0, 1, 2])), (w2, dict(max_value=10.0, axis=0))]:
        n = norms(w, ax(config["axis"]))
        add("MaxNorm", config, w, w * (np.clip(n, 0, config["max_value"]) / (eps + n)))
    for w, config in [(w2, dict(axis=0)), (w2, dict(axis=1)), (w4, dict(axis=[0, 1, 2]))]:
        n = norms(w, ax(config["axis"]))
        add("UnitNorm", config, w, w / (eps + n))
    for w, config in [(w2, dict(min_value=0.0, max_value=1.0, rate=1.0, axis=0)),
                      (w2, dict(min_value=1.5, max_value=2.5, rate=1.0, axis=0)),
                      (w2, dict(min_value=0.5, max_value=1.5, rate=0.5, axis=1)),
                      (w4, dict(min_value=1.0, max_value=2.0, rate=0.25, axis=[0, 1, 2]))]:
        n = norms(w, ax(config["axis"]))
        desired = config["rate"] * np.clip(n, config["min_value"], config["max_value"]) + (1 - config["rate"]) * n
        add("MinMaxNorm", config, w, w * (desired / (eps + n)))
    add("NonNeg", {}, w2, np.maximum(w2, 0))
    add("NonNeg", {}, w4, np.maximum(w4, 0))
    return {"cases": cases}


def write(name, data):
    path = os.path.join(OUT, name)
    with open(path, "w") as f:
        json.dump(data, f, indent=1)
        f.write("\n")
    print("wrote", os.path.normpath(path))


def main():
    os.makedirs(OUT, exist_ok=True)
    write("optimizers.json", optimizer_golden())
    write("schedules.json", schedules_golden())
    write("regularizers.json", regularizers_golden())
    write("constraints.json", constraints_golden())


def self_check_against_torch():
    """Checks the numpy references against torch.optim where the two rules coincide: with epsilon 0 (the two
    libraries place it differently, except in Adadelta) and constant learning rates. Not used for the golden values; run with --self-check."""
    import torch

    rng = np.random.default_rng(3)
    init = [rng.normal(size=s) for s in SHAPES]
    grads = [[rng.normal(size=s) for s in SHAPES] for _ in range(STEPS)]
    pairs = [
        ("SGD", dict(learning_rate=0.1, momentum=0.9), lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9)),
        ("SGD", dict(learning_rate=0.1, momentum=0.9, nesterov=True),
         lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True)),
        ("Adam", dict(learning_rate=0.01, epsilon=0.0), lambda p: torch.optim.Adam(p, lr=0.01, eps=0.0)),
        ("Adam", dict(learning_rate=0.01, epsilon=0.0, amsgrad=True), lambda p: torch.optim.Adam(p, lr=0.01, eps=0.0, amsgrad=True)),
        ("RMSprop", dict(learning_rate=0.01, epsilon=0.0, momentum=0.5, centered=True),
         lambda p: torch.optim.RMSprop(p, lr=0.01, alpha=0.9, eps=0.0, momentum=0.5, centered=True)),
        ("Adagrad", dict(learning_rate=0.1, epsilon=0.0, initial_accumulator_value=0.1),
         lambda p: torch.optim.Adagrad(p, lr=0.1, eps=0.0, initial_accumulator_value=0.1)),
        ("Adadelta", dict(learning_rate=1.0, epsilon=1e-6), lambda p: torch.optim.Adadelta(p, lr=1.0, rho=0.95, eps=1e-6)),
        ("Adamax", dict(learning_rate=0.01, epsilon=0.0), lambda p: torch.optim.Adamax(p, lr=0.01, eps=0.0)),
        # Not NAdam: torch 1.13 computes mu_product_next = mu_product * mu * mu_next (one mu too many; fixed in later torch).
    ]
    for class_name, config, make in pairs:
        ref = Reference(class_name, config)
        variables = [v.copy() for v in init]
        params = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in init]
        opt = make(params)
        for step in range(STEPS):
            variables = ref.apply(grads[step], variables)
            for p, g in zip(params, grads[step]):
                p.grad = torch.tensor(g, dtype=torch.float64)
            opt.step()
        err = max(float(np.max(np.abs(v - p.detach().numpy()))) for v, p in zip(variables, params))
        print(f"{class_name:8s} {config}: max |numpy - torch| = {err:.2e}")
        assert err < 1e-10, (class_name, config, err)


if __name__ == "__main__":
    if "--self-check" in sys.argv:
        self_check_against_torch()
    else:
        main()
