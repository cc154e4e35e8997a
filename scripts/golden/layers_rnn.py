#!/usr/bin/env python3
"""Independent reference for KerasNet's recurrent layers, wrappers, Masking and MultiHeadAttention.

Every case is computed in PyTorch float64 from Keras 3's definitions (keras/src/layers/rnn/*.py,
keras/src/backend/*/rnn.py, keras/src/layers/attention/multi_head_attention.py), with the recurrences written
out here step by step, not from KerasNet. For each case: the forward outputs y_k and the gradients of
sum_k sum(y_k * R_k) (R_k fixed random weightings) with respect to every float input and every weight, in the
layer's weight order (Keras's: kernel, recurrent_kernel, bias per cell; forward then backward layer;
query, key, value, attention_output kernels and biases). Inputs, weights and R are float32 numbers widened to
float64, so the float32 implementation sees exactly the same values.

The hand-written LSTM and GRU (reset_after) recurrences are also checked here against torch.nn.LSTM and
torch.nn.GRU with the weights reordered (Keras LSTM gates i, f, c, o = torch i, f, g, o; Keras GRU z, r, h vs
torch r, z, n), so that the reference does not rest on one reading of the equations.

Keras semantics followed:
  * go_backwards processes the sequence from its end and returns the outputs in processing order;
  * a masked step keeps the previous states; its output is the previous first state (the previous output),
    or zeros with zero_output_for_mask (which Bidirectional forces when returning sequences);
  * Bidirectional flips the backward layer's sequence back before merging;
  * MultiHeadAttention scales the query by 1/sqrt(key_dim), masks scores where the combined mask (query mask
    [B,T,1] & value mask [B,1,S] & causal & attention_mask) is false, softmaxes over the keys. A fully masked
    row gives uniform weights, as Keras's float32 computation does (the -1e9 offset swamps the scores there).

Writes tests/KerasNet.Tests/Golden/layers_rnn.json. Run: /usr/bin/python3 scripts/golden/layers_rnn.py
"""
import json
import math
import os

import numpy as np
import torch

torch.set_default_dtype(torch.float64)

RNG = np.random.RandomState(20260611)


def f32(shape, scale=1.0):
    a = RNG.standard_normal(size=shape) * scale
    return torch.tensor(a.astype(np.float32).astype(np.float64))


def enc(t):
    t = t.detach()
    return {"shape": list(t.shape), "data": [float(v) for v in t.reshape(-1).tolist()]}


def enc_int(t):
    return {"shape": list(t.shape), "data": [int(v) for v in t.reshape(-1).tolist()], "dtype": "int32"}


def enc_bool(t):
    return {"shape": list(t.shape), "data": [bool(v) for v in t.reshape(-1).tolist()], "dtype": "bool"}


sig = torch.sigmoid


# ----- cells: step(x_t, states, weights) -> (output, new_states) -----

def simple_step(x, states, w):
    k, rk, b = w
    h = torch.tanh(x @ k + b + states[0] @ rk)
    return h, [h]


def lstm_step(x, states, w):
    k, rk, b = w
    h, c = states
    u = rk.shape[0]
    z = x @ k + h @ rk + b
    i, f, g, o = sig(z[:, :u]), sig(z[:, u:2 * u]), torch.tanh(z[:, 2 * u:3 * u]), sig(z[:, 3 * u:])
    c = f * c + i * g
    h = o * torch.tanh(c)
    return h, [h, c]


def gru_step(reset_after):
    def step(x, states, w):
        k, rk, b = w
        h = states[0]
        u = rk.shape[0]
        if reset_after:
            mx = x @ k + b[0]
            inner = h @ rk + b[1]
            z = sig(mx[:, :u] + inner[:, :u])
            r = sig(mx[:, u:2 * u] + inner[:, u:2 * u])
            hh = torch.tanh(mx[:, 2 * u:] + r * inner[:, 2 * u:])
        else:
            mx = x @ k + b
            inner = h @ rk[:, :2 * u]
            z = sig(mx[:, :u] + inner[:, :u])
            r = sig(mx[:, u:2 * u] + inner[:, u:2 * u])
            hh = torch.tanh(mx[:, 2 * u:] + (r * h) @ rk[:, 2 * u:])
        h = z * h + (1 - z) * hh
        return h, [h]
    return step


def run_rnn(step, x, w, nstates, units, mask=None, go_backwards=False, return_sequences=False,
            return_state=False, zero_output_for_mask=False, time_order=False):
    """Keras's RNN loop; returns the list of outputs ([output] + states with return_state)."""
    b, t = x.shape[0], x.shape[1]
    states = [torch.zeros(b, units) for _ in range(nstates)]
    outs = []
    order = range(t - 1, -1, -1) if go_backwards else range(t)
    for ti in order:
        out, new = step(x[:, ti], states, w)
        if mask is not None:
            m = mask[:, ti:ti + 1]
            if zero_output_for_mask:
                out = torch.where(m, out, torch.zeros_like(out))
            else:
                out = torch.where(m, out, states[0])
            new = [torch.where(m, n, s) for n, s in zip(new, states)]
        states = new
        outs.append(out)
    if return_sequences:
        if go_backwards and time_order:
            outs = outs[::-1]
        y = torch.stack(outs, 1)
    else:
        y = outs[-1]
    return [y] + (states if return_state else [])


# ----- cross-checks against torch's own modules -----

def check_against_torch():
    b, t, d, u = 3, 5, 4, 6
    x = f32((b, t, d))
    k, rk, bias = f32((d, 4 * u), 0.5), f32((u, 4 * u), 0.5), f32((4 * u,), 0.5)
    ours = run_rnn(lstm_step, x, (k, rk, bias), 2, u, return_sequences=True)[0]
    m = torch.nn.LSTM(d, u, batch_first=True)
    with torch.no_grad():
        m.weight_ih_l0.copy_(k.T)
        m.weight_hh_l0.copy_(rk.T)
        m.bias_ih_l0.copy_(bias)
        m.bias_hh_l0.zero_()
    theirs, _ = m(x)
    assert torch.allclose(ours, theirs, atol=1e-12), "LSTM recurrence differs from torch.nn.LSTM"

    k, rk, bias = f32((d, 3 * u), 0.5), f32((u, 3 * u), 0.5), f32((2, 3 * u), 0.5)
    ours = run_rnn(gru_step(True), x, (k, rk, bias), 1, u, return_sequences=True)[0]

    def reorder(wm):  # Keras column blocks z, r, h -> torch row blocks r, z, n
        return torch.cat([wm[..., u:2 * u], wm[..., :u], wm[..., 2 * u:]], -1)
    g = torch.nn.GRU(d, u, batch_first=True)
    with torch.no_grad():
        g.weight_ih_l0.copy_(reorder(k).T)
        g.weight_hh_l0.copy_(reorder(rk).T)
        g.bias_ih_l0.copy_(reorder(bias[0]))
        g.bias_hh_l0.copy_(reorder(bias[1]))
    theirs, _ = g(x)
    assert torch.allclose(ours, theirs, atol=1e-12), "GRU recurrence differs from torch.nn.GRU"


# ----- multi-head attention -----

def mha(query, value, key, w, num_heads, key_dim, value_dim, use_bias=True, mask=None):
    """Keras's MultiHeadAttention for rank-3 inputs; returns (output, scores)."""
    if use_bias:
        wq, bq, wk, bk, wv, bv, wo, bo = w
    else:
        wq, wk, wv, wo = w
        bq = bk = bv = bo = 0
    q = torch.einsum("btd,dnh->btnh", query, wq) + bq
    k = torch.einsum("bsd,dnh->bsnh", key, wk) + bk
    v = torch.einsum("bsd,dnh->bsnh", value, wv) + bv
    q = q / math.sqrt(key_dim)
    scores = torch.einsum("bsnh,btnh->bnts", k, q)
    if mask is not None:
        scores = torch.where(mask[:, None], scores, torch.full_like(scores, -1e9))
    probs = torch.softmax(scores, -1)
    o = torch.einsum("bnts,bsnh->btnh", probs, v)
    out = torch.einsum("btnh,nhd->btd", o, wo) + bo
    return out, probs


# ----- cases -----

def cases():
    out = []

    def add(case, inputs, weights, fn, **extra):
        """fn(inputs, weights) -> list of outputs. Float inputs and weights get gradients."""
        ins = [i.clone().requires_grad_(i.dtype == torch.float64) for i in inputs]
        ws = [w.clone().requires_grad_(True) for w in weights]
        ys = fn(ins, ws)
        rs = [f32(tuple(y.shape)) for y in ys]
        loss = sum((y * r).sum() for y, r in zip(ys, rs))
        loss.backward()
        entry = {
            "case": case,
            "inputs": [enc(i) if i.dtype == torch.float64 else enc_int(i) for i in inputs],
            "weights": [enc(w) for w in weights],
            "r": [enc(r) for r in rs],
            "outputs": [enc(y) for y in ys],
            "grad_inputs": [enc(i.grad) if i.dtype == torch.float64 else None for i in ins],
            "grad_weights": [enc(w.grad) for w in ws],
        }
        entry.update(extra)
        out.append(entry)

    b, t, d = 2, 5, 3

    def simple_w(d_, u):
        return [f32((d_, u), 0.5), f32((u, u), 0.5), f32((u,), 0.5)]

    def lstm_w(d_, u):
        return [f32((d_, 4 * u), 0.5), f32((u, 4 * u), 0.5), f32((4 * u,), 0.5)]

    def gru_w(d_, u, reset_after=True):
        return [f32((d_, 3 * u), 0.5), f32((u, 3 * u), 0.5), f32((2, 3 * u) if reset_after else (3 * u,), 0.5)]

    # Plain layers.
    add("simple_rnn", [f32((b, t, d))], simple_w(d, 4), lambda i, w: run_rnn(simple_step, i[0], w, 1, 4))
    add("simple_rnn_seq_state", [f32((b, t, d))], simple_w(d, 4),
        lambda i, w: run_rnn(simple_step, i[0], w, 1, 4, return_sequences=True, return_state=True))
    add("lstm", [f32((b, t, d))], lstm_w(d, 4), lambda i, w: run_rnn(lstm_step, i[0], w, 2, 4))
    add("lstm_seq_state", [f32((b, t, d))], lstm_w(d, 4),
        lambda i, w: run_rnn(lstm_step, i[0], w, 2, 4, return_sequences=True, return_state=True))
    add("lstm_backwards_seq", [f32((b, t, d))], lstm_w(d, 3),
        lambda i, w: run_rnn(lstm_step, i[0], w, 2, 3, go_backwards=True, return_sequences=True))
    add("lstm_long", [f32((2, 40, 3))], lstm_w(3, 5), lambda i, w: run_rnn(lstm_step, i[0], w, 2, 5, return_sequences=True))
    add("gru", [f32((b, t, d))], gru_w(d, 4), lambda i, w: run_rnn(gru_step(True), i[0], w, 1, 4))
    add("gru_seq_state", [f32((b, t, d))], gru_w(d, 4),
        lambda i, w: run_rnn(gru_step(True), i[0], w, 1, 4, return_sequences=True, return_state=True))
    add("gru_reset_before_seq", [f32((b, t, d))], gru_w(d, 4, False),
        lambda i, w: run_rnn(gru_step(False), i[0], w, 1, 4, return_sequences=True))
    add("gru_backwards_state", [f32((b, t, d))], gru_w(d, 3),
        lambda i, w: run_rnn(gru_step(True), i[0], w, 1, 3, go_backwards=True, return_state=True))
    add("simple_rnn_backwards_seq", [f32((b, t, d))], simple_w(d, 3),
        lambda i, w: run_rnn(simple_step, i[0], w, 1, 3, go_backwards=True, return_sequences=True))

    # Embedding(mask_zero) -> recurrent layer, with padded sequences (post-, pre- and mid-padding).
    vocab, emb = 7, 3
    tokens = torch.tensor([[3, 1, 4, 0, 0, 0], [0, 0, 2, 6, 5, 1], [5, 0, 2, 0, 3, 4]], dtype=torch.int64)
    mask = tokens != 0

    def embedded(table, i):
        return table[i]

    def masked(case, step, nstates, units, cell_w, **kw):
        add(case, [tokens], [f32((vocab, emb), 0.8)] + cell_w,
            lambda i, w: run_rnn(step, embedded(w[0], i[0]), w[1:], nstates, units, mask=mask, **kw))

    masked("masked_lstm_seq", lstm_step, 2, 4, lstm_w(emb, 4), return_sequences=True)
    masked("masked_lstm_last_state", lstm_step, 2, 4, lstm_w(emb, 4), return_state=True)
    masked("masked_gru_seq", gru_step(True), 1, 4, gru_w(emb, 4), return_sequences=True)
    masked("masked_gru_backwards", gru_step(True), 1, 3, gru_w(emb, 3), go_backwards=True, return_sequences=True)
    masked("masked_simple_rnn_last", simple_step, 1, 4, simple_w(emb, 4))

    # Masking layer -> LSTM (steps whose features are all 0 are masked).
    xm = f32((3, 5, 2))
    xm[0, 3:] = 0
    xm[1, :2] = 0
    xm[2, 2] = 0
    mmask = (xm != 0).any(-1)
    add("masking_lstm_seq", [xm], lstm_w(2, 3),
        lambda i, w: run_rnn(lstm_step, i[0] * mmask[..., None], w, 2, 3, mask=mmask, return_sequences=True))

    # Bidirectional.
    def bidi(i, w, step, nstates, units, merge, nw, mask_=None, **kw):
        seq = kw.get("return_sequences", False)
        f = run_rnn(step, i, w[:nw], nstates, units, mask=mask_, zero_output_for_mask=seq, **kw)
        bw = run_rnn(step, i, w[nw:], nstates, units, mask=mask_, go_backwards=True, zero_output_for_mask=seq,
                     time_order=True, **kw)
        y, yr = f[0], bw[0]
        merged = {"concat": lambda: [torch.cat([y, yr], -1)], "sum": lambda: [y + yr], "mul": lambda: [y * yr],
                  "ave": lambda: [(y + yr) / 2], None: lambda: [y, yr]}[merge]()
        return merged + f[1:] + bw[1:]

    for merge in ["concat", "sum", "mul", "ave", None]:
        add(f"bidirectional_lstm_seq_{merge or 'none'}", [f32((b, 4, d))], lstm_w(d, 3) + lstm_w(d, 3),
            lambda i, w, merge=merge: bidi(i[0], w, lstm_step, 2, 3, merge, 3, return_sequences=True))
    add("bidirectional_gru_last_state", [f32((b, t, d))], gru_w(d, 3) + gru_w(d, 3),
        lambda i, w: bidi(i[0], w, gru_step(True), 1, 3, "concat", 3, return_state=True))
    add("bidirectional_masked_lstm_seq", [tokens], [f32((vocab, emb), 0.8)] + lstm_w(emb, 3) + lstm_w(emb, 3),
        lambda i, w: bidi(embedded(w[0], i[0]), w[1:], lstm_step, 2, 3, "concat", 3, mask_=mask, return_sequences=True))
    add("bidirectional_masked_gru_last", [tokens], [f32((vocab, emb), 0.8)] + gru_w(emb, 3) + gru_w(emb, 3),
        lambda i, w: bidi(embedded(w[0], i[0]), w[1:], gru_step(True), 1, 3, "sum", 3, mask_=mask))

    # TimeDistributed(Dense(4, tanh)) over (2, 3, 5), and over (2, 3, 2, 5).
    add("time_distributed_dense", [f32((2, 3, 5))], [f32((5, 4), 0.5), f32((4,), 0.5)],
        lambda i, w: [torch.tanh(i[0] @ w[0] + w[1])])
    add("time_distributed_dense_rank4", [f32((2, 3, 2, 5))], [f32((5, 4), 0.5), f32((4,), 0.5)],
        lambda i, w: [i[0] @ w[0] + w[1]])

    return out


def attention_cases():
    out = []

    def add(case, inputs, weights, fn, **extra):
        ins = [i.clone().requires_grad_(i.dtype == torch.float64) for i in inputs]
        ws = [w.clone().requires_grad_(True) for w in weights]
        ys = fn(ins, ws)
        rs = [f32(tuple(y.shape)) for y in ys]
        loss = sum((y * r).sum() for y, r in zip(ys, rs))
        loss.backward()
        entry = {
            "case": case,
            "inputs": [enc(i) if i.dtype == torch.float64 else (enc_bool(i) if i.dtype == torch.bool else enc_int(i)) for i in inputs],
            "weights": [enc(w) for w in weights],
            "r": [enc(r) for r in rs],
            "outputs": [enc(y) for y in ys],
            "grad_inputs": [enc(i.grad) if i.dtype == torch.float64 else None for i in ins],
            "grad_weights": [enc(w.grad) for w in ws],
        }
        entry.update(extra)
        out.append(entry)

    def weights(dq, dk, dv, n, kd, vd, dout, use_bias=True):
        w = [f32((dq, n, kd), 0.5), f32((n, kd), 0.5), f32((dk, n, kd), 0.5), f32((n, kd), 0.5),
             f32((dv, n, vd), 0.5), f32((n, vd), 0.5), f32((n, vd, dout), 0.5), f32((dout,), 0.5)]
        return w if use_bias else [w[0], w[2], w[4], w[6]]

    b, t, s, d = 2, 4, 5, 6
    # Self-attention, no mask.
    add("mha_self", [f32((b, t, d))], weights(d, d, d, 2, 3, 3, d),
        lambda i, w: [mha(i[0], i[0], i[0], w, 2, 3, 3)[0]])
    # Cross-attention with a separate key of another size, value_dim != key_dim, output_shape, scores returned.
    add("mha_cross_key_scores", [f32((b, t, d)), f32((b, s, 5)), f32((b, s, 7))], weights(d, 7, 5, 3, 2, 4, 8),
        lambda i, w: list(mha(i[0], i[1], i[2], w, 3, 2, 4)))
    # No bias.
    add("mha_no_bias", [f32((b, t, d)), f32((b, s, d))], weights(d, d, d, 2, 4, 4, d, use_bias=False),
        lambda i, w: [mha(i[0], i[1], i[1], w, 2, 4, 4, use_bias=False)[0]])
    # Causal self-attention.
    causal = torch.tril(torch.ones(t, t, dtype=torch.bool))[None]
    add("mha_causal", [f32((b, t, d))], weights(d, d, d, 2, 3, 3, d),
        lambda i, w: list(mha(i[0], i[0], i[0], w, 2, 3, 3, mask=causal.expand(b, t, t))))
    # Explicit attention mask (B, T, S).
    am = torch.tensor(RNG.uniform(size=(b, t, s)) > 0.3)
    am[:, :, 0] = True
    add("mha_attention_mask", [f32((b, t, d)), f32((b, s, d)), am], weights(d, d, d, 2, 3, 3, d),
        lambda i, w: [mha(i[0], i[1], i[1], w, 2, 3, 3, mask=i[2])[0]])
    # Query and value masks (as from Embedding(mask_zero) or Masking): [B,T,1] & [B,1,S]; masked query rows are
    # fully masked and get uniform weights. Combined with the causal mask.
    qm = torch.tensor([[True, True, True, False], [True, True, False, False]])
    vm = torch.tensor([[True, True, False, True, False], [True, True, True, True, True]])
    add("mha_query_value_masks", [f32((b, t, d)), f32((b, s, d)), qm, vm], weights(d, d, d, 2, 3, 3, d),
        lambda i, w: list(mha(i[0], i[1], i[1], w, 2, 3, 3, mask=i[2][:, :, None] & i[3][:, None, :])))
    sm = torch.tensor([[True, True, True, False], [True, False, True, True]])
    add("mha_self_mask_causal", [f32((b, t, d)), sm], weights(d, d, d, 2, 3, 3, d),
        lambda i, w: [mha(i[0], i[0], i[0], w, 2, 3, 3,
                          mask=i[1][:, :, None] & i[1][:, None, :] & causal.expand(b, t, t))[0]])

    # keras.layers.Attention (Luong style): weights [scale] with use_scale, then [concat_score_weight] with "concat".
    def luong(q, v, k, scale=None, concat_w=None, q_mask=None, v_mask=None, causal=False):
        if concat_w is None:
            scores = q @ k.transpose(1, 2)
            if scale is not None:
                scores = scores * scale
        else:
            z = q[:, :, None, :] + k[:, None, :, :]
            if scale is not None:
                z = scale * z
            scores = concat_w * torch.tanh(z).sum(-1)
        mask = None
        if v_mask is not None:
            mask = v_mask[:, None, :]
        if causal:
            c = torch.tril(torch.ones(scores.shape[1], scores.shape[2], dtype=torch.bool))[None]
            mask = c if mask is None else mask & c
        if mask is not None:
            scores = scores - 1e9 * (~mask).to(scores.dtype)
        w = torch.softmax(scores, -1)
        result = w @ v
        if q_mask is not None:
            result = result * q_mask[..., None].to(result.dtype)
        return [result, w]

    def scalar(v):
        return torch.tensor(float(np.float32(v)))

    add("attention_dot", [f32((2, 3, 4)), f32((2, 5, 4))], [], lambda i, w: luong(i[0], i[1], i[1])[:1])
    qm2 = torch.tensor([[True, False, True], [True, True, True]])
    vm2 = torch.tensor([[True, True, False, True, False], [False, True, True, True, True]])
    add("attention_dot_scale_key_masks", [f32((2, 3, 4)), f32((2, 5, 6)), f32((2, 5, 4)), qm2, vm2], [scalar(0.8)],
        lambda i, w: luong(i[0], i[1], i[2], scale=w[0], q_mask=i[3], v_mask=i[4]))
    add("attention_concat_scale_causal", [f32((2, 4, 3)), f32((2, 4, 3))], [scalar(0.7), scalar(1.3)],
        lambda i, w: luong(i[0], i[1], i[1], scale=w[0], concat_w=w[1], causal=True))
    add("attention_concat", [f32((2, 3, 3)), f32((2, 4, 3))], [scalar(0.9)],
        lambda i, w: luong(i[0], i[1], i[1], concat_w=w[0])[:1])
    return out


def main():
    check_against_torch()
    doc = {
        "about": "KerasNet recurrent layers, wrappers and attention: forward values and gradients of sum(y * r), torch float64",
        "layers": cases(),
        "attention": attention_cases(),
    }
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    path = os.path.join(root, "tests", "KerasNet.Tests", "Golden", "layers_rnn.json")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(doc, f, indent=None, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {path}: {len(doc['layers'])} recurrent cases, {len(doc['attention'])} attention cases")


if __name__ == "__main__":
    main()
