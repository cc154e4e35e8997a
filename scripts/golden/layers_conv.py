#!/usr/bin/python3
"""Golden values for KerasNet's convolution, pooling and spatial reshaping layers.

Computed in torch float64 with this file's own layout transposes (NHWC <-> NCHW, HWIO <-> OIHW) and its
own TensorFlow-style padding: "same" pads the input asymmetrically, total = max((out - 1) * s + (k - 1) * d
+ 1 - in, 0), top = total // 2, bottom = total - top. A transposed convolution is computed from its
definition, as the input-gradient of the forward convolution that maps the output back to the input
(what TensorFlow's conv2d_transpose is), with Keras 3's output size.

For every case it records the Keras config, the input x, the weights in Keras's layout, the output y, a
random cotangent R and the gradients of sum(y * R) with respect to x and every weight.

Data is on dyadic grids (x = i/8, kernels = i/16, biases = odd/256, R = i/4; max-pool inputs distinct), so
float32 holds every input exactly and a float32 implementation can be compared at 1e-5 relative without
accidental cancellation; biases of odd/256 keep ReLU inputs away from 0 and distinct max-pool inputs
keep argmax ties out.

Run: /usr/bin/python3 scripts/golden/layers_conv.py  (writes tests/KerasNet.Tests/Golden/layers_conv.json)
"""
import json
import math
import os

import numpy as np
import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
RNG = np.random.default_rng(20240607)


# ----- data on dyadic grids -----

def grid(shape, denom, lo, hi):
    return torch.tensor(RNG.integers(lo, hi + 1, size=shape) / denom)


def inputs(shape):
    return grid(shape, 8, -8, 8)


def distinct(shape):
    n = int(np.prod(shape))
    return torch.tensor((RNG.permutation(n) - n // 2).reshape(shape) / 64.0)


def kernel(shape):
    return grid(shape, 16, -8, 8)


def bias(n):
    return torch.tensor((2 * RNG.integers(-8, 8, size=n) + 1) / 256.0)


def cotangent(shape):
    return grid(shape, 4, -4, 4)


# ----- layouts and TF padding -----

def to_nchw(x):
    return x.permute(0, 3, 1, 2) if x.dim() == 4 else x.permute(0, 2, 1)


def to_nhwc(x):
    return x.permute(0, 2, 3, 1) if x.dim() == 4 else x.permute(0, 2, 1)


def hwio_to_oihw(k):
    return k.permute(3, 2, 0, 1) if k.dim() == 4 else k.permute(2, 1, 0)


def same_pads(size, k, s, d=1):
    out = -(-size // s)
    total = max((out - 1) * s + (k - 1) * d + 1 - size, 0)
    return total // 2, total - total // 2


def pad_spatial(x_nc, pads, value=0.0):
    """pads: [(before, after)] per spatial axis, in axis order; x in NC... layout."""
    flat = []
    for before, after in reversed(pads):
        flat += [before, after]
    return F.pad(x_nc, flat, value=value)


def conv(x, k, strides, padding, dilation, groups=1):
    """Keras conv: x NHWC/NWC, k HWIO/WIO."""
    rank = x.dim() - 2
    xc = to_nchw(x)
    spatial = x.shape[1:-1]
    ks = k.shape[:rank]
    if padding == "same":
        xc = pad_spatial(xc, [same_pads(spatial[i], ks[i], strides[i], dilation[i]) for i in range(rank)])
    elif padding == "causal":
        xc = pad_spatial(xc, [(dilation[0] * (ks[0] - 1), 0)])
    f = F.conv2d if rank == 2 else F.conv1d
    return to_nhwc(f(xc, hwio_to_oihw(k), stride=tuple(strides), dilation=tuple(dilation), groups=groups))


def depthwise(x, k, strides, padding, dilation):
    kh, kw, c, m = k.shape
    w = k.permute(2, 3, 0, 1).reshape(c * m, 1, kh, kw)
    xc = to_nchw(x)
    if padding == "same":
        xc = pad_spatial(xc, [same_pads(x.shape[1 + i], k.shape[i], strides[i], dilation[i]) for i in range(2)])
    return to_nhwc(F.conv2d(xc, w, stride=tuple(strides), dilation=tuple(dilation), groups=c))


def transpose_geometry(size, k, s, d, padding, op):
    keff = (k - 1) * d + 1
    if padding == "valid":
        length = (size - 1) * s + keff + (max(keff, s) - keff if op is None else op)
        return length, 0, 0
    length = size * s if op is None else (size - 1) * s + keff % 2 + op
    total = max((size - 1) * s + keff - length, 0)
    return length, total // 2, total - total // 2


def conv_transpose(x, k, strides, padding, output_padding, dilation):
    """TF conv2d_transpose: the input-gradient of the forward conv from the output shape to x."""
    n, h, w, _ = x.shape
    kh, kw, filters, _ = k.shape
    geo = [transpose_geometry(x.shape[1 + i], k.shape[i], strides[i], dilation[i], padding,
                              None if output_padding is None else output_padding[i]) for i in range(2)]
    z = torch.zeros(n, geo[0][0], geo[1][0], filters, requires_grad=True)
    zc = pad_spatial(to_nchw(z), [(g[1], g[2]) for g in geo])
    fwd = F.conv2d(zc, hwio_to_oihw(k), stride=tuple(strides), dilation=tuple(dilation))
    assert fwd.shape[2:] == (h, w), (fwd.shape, x.shape)
    (y,) = torch.autograd.grad(fwd, z, grad_outputs=to_nchw(x), create_graph=True)
    return y


def max_pool(x, pool, strides, padding):
    rank = x.dim() - 2
    xc = to_nchw(x)
    if rank == 1:
        xc, pool, strides = xc.unsqueeze(2), [1] + pool, [1] + strides
    if padding == "same":
        xc = pad_spatial(xc, [same_pads(xc.shape[2 + i], pool[i], strides[i]) for i in range(2)], value=-math.inf)
    y = F.max_pool2d(xc, tuple(pool), tuple(strides))
    return to_nhwc(y.squeeze(2) if rank == 1 else y)


def avg_pool(x, pool, strides, padding):
    """TF average pooling: "same" windows average their in-bounds elements only."""
    rank = x.dim() - 2
    xc = to_nchw(x)
    if rank == 1:
        xc, pool, strides = xc.unsqueeze(2), [1] + pool, [1] + strides
    pads = [same_pads(xc.shape[2 + i], pool[i], strides[i]) if padding == "same" else (0, 0) for i in range(2)]
    ones = torch.ones(1, 1, *xc.shape[2:])
    sums = F.avg_pool2d(pad_spatial(xc, pads), tuple(pool), tuple(strides), divisor_override=1)
    counts = F.avg_pool2d(pad_spatial(ones, pads), tuple(pool), tuple(strides), divisor_override=1)
    y = sums / counts
    return to_nhwc(y.squeeze(2) if rank == 1 else y)


# ----- cases -----

CASES = []


def tup(v, rank):
    return list(v) if isinstance(v, (list, tuple)) else [v] * rank


def add_case(name, class_name, config, x, weights, forward):
    x = x.clone().requires_grad_(True)
    ws = [w.clone().requires_grad_(True) for w in weights]
    y = forward(x, *ws)
    r = cotangent(tuple(y.shape))
    loss = (y * r).sum()
    grads = torch.autograd.grad(loss, [x] + ws, allow_unused=True)
    grads = [torch.zeros_like(t) if g is None else g for g, t in zip(grads, [x] + ws)]
    CASES.append({
        "name": name,
        "class_name": class_name,
        "config": dict(config, name=name),
        "input_shape": list(x.shape),
        "x": flat(x),
        "weight_shapes": [list(w.shape) for w in ws],
        "weights": [flat(w) for w in ws],
        "output_shape": list(y.shape),
        "y": flat(y),
        "r": flat(r),
        "dx": flat(grads[0]),
        "dweights": [flat(g) for g in grads[1:]],
    })


def flat(t):
    return [float(f"{v:.12g}") for v in t.detach().reshape(-1).tolist()]


def conv_case(name, rank, in_shape, filters, kernel_size, strides=1, padding="valid", dilation=1, groups=1,
              activation=None, use_bias=True):
    ks, st, dl = tup(kernel_size, rank), tup(strides, rank), tup(dilation, rank)
    cin = in_shape[-1]
    weights = [kernel(tuple(ks) + (cin // groups, filters))]
    if use_bias:
        weights.append(bias(filters))
    cls = "Conv2D" if rank == 2 else "Conv1D"
    cfg = {"filters": filters, "kernel_size": ks, "strides": st, "padding": padding, "data_format": "channels_last",
           "dilation_rate": dl, "groups": groups, "activation": activation or "linear", "use_bias": use_bias}

    def forward(x, k, b=None):
        y = conv(x, k, st, padding, dl, groups)
        if b is not None:
            y = y + b
        return torch.relu(y) if activation == "relu" else y

    add_case(name, cls, cfg, inputs(in_shape), weights, forward)


def depthwise_case(name, in_shape, kernel_size, multiplier, strides=1, padding="valid", dilation=1):
    ks, st, dl = tup(kernel_size, 2), tup(strides, 2), tup(dilation, 2)
    c = in_shape[-1]
    cfg = {"depth_multiplier": multiplier, "kernel_size": ks, "strides": st, "padding": padding,
           "data_format": "channels_last", "dilation_rate": dl, "activation": "linear", "use_bias": True}
    add_case(name, "DepthwiseConv2D", cfg, inputs(in_shape), [kernel(tuple(ks) + (c, multiplier)), bias(c * multiplier)],
             lambda x, k, b: depthwise(x, k, st, padding, dl) + b)


def separable_case(name, in_shape, filters, kernel_size, multiplier, strides=1, padding="valid", dilation=1):
    ks, st, dl = tup(kernel_size, 2), tup(strides, 2), tup(dilation, 2)
    c = in_shape[-1]
    cfg = {"depth_multiplier": multiplier, "filters": filters, "kernel_size": ks, "strides": st, "padding": padding,
           "data_format": "channels_last", "dilation_rate": dl, "activation": "linear", "use_bias": True}
    weights = [kernel(tuple(ks) + (c, multiplier)), kernel((1, 1, c * multiplier, filters)), bias(filters)]
    add_case(name, "SeparableConv2D", cfg, inputs(in_shape), weights,
             lambda x, dk, pk, b: conv(depthwise(x, dk, st, padding, dl), pk, [1, 1], "valid", [1, 1]) + b)


def transpose_case(name, in_shape, filters, kernel_size, strides=1, padding="valid", output_padding=None, dilation=1):
    ks, st, dl = tup(kernel_size, 2), tup(strides, 2), tup(dilation, 2)
    op = None if output_padding is None else tup(output_padding, 2)
    cfg = {"filters": filters, "kernel_size": ks, "strides": st, "padding": padding, "data_format": "channels_last",
           "dilation_rate": dl, "activation": "linear", "use_bias": True}
    if op is not None:
        cfg["output_padding"] = op
    weights = [kernel(tuple(ks) + (filters, in_shape[-1])), bias(filters)]
    add_case(name, "Conv2DTranspose", cfg, inputs(in_shape), weights,
             lambda x, k, b: conv_transpose(x, k, st, padding, op, dl) + b)


def pool_case(name, kind, rank, in_shape, pool_size, strides=None, padding="valid"):
    ps = tup(pool_size, rank)
    st = ps if strides is None else tup(strides, rank)
    cls = ("MaxPooling" if kind == "max" else "AveragePooling") + f"{rank}D"
    cfg = {"pool_size": ps, "padding": padding, "strides": st, "data_format": "channels_last"}
    x = distinct(in_shape) if kind == "max" else inputs(in_shape)
    f = max_pool if kind == "max" else avg_pool
    add_case(name, cls, cfg, x, [], lambda x: f(x, list(ps), list(st), padding))


def global_case(name, kind, rank, in_shape, keepdims):
    cls = ("GlobalMaxPooling" if kind == "max" else "GlobalAveragePooling") + f"{rank}D"
    axes = tuple(range(1, rank + 1))
    x = distinct(in_shape) if kind == "max" else inputs(in_shape)
    cfg = {"data_format": "channels_last", "keepdims": keepdims}
    if kind == "max":
        add_case(name, cls, cfg, x, [], lambda x: torch.amax(x, dim=axes, keepdim=keepdims))
    else:
        add_case(name, cls, cfg, x, [], lambda x: torch.mean(x, dim=axes, keepdim=keepdims))


def main():
    # Conv2D
    conv_case("conv2d_valid", 2, (2, 6, 6, 3), 4, 3)
    conv_case("conv2d_same_s2_even", 2, (2, 8, 8, 3), 5, 3, strides=2, padding="same")
    conv_case("conv2d_same_s2_odd", 2, (2, 7, 7, 3), 5, 3, strides=2, padding="same")
    conv_case("conv2d_valid_s2_odd", 2, (2, 7, 7, 2), 3, 3, strides=2)
    conv_case("conv2d_dilation2_valid", 2, (2, 9, 8, 2), 3, 3, dilation=2)
    conv_case("conv2d_dilation2_same", 2, (2, 7, 8, 3), 4, 3, dilation=2, padding="same")
    conv_case("conv2d_groups2_same", 2, (2, 6, 6, 4), 6, 3, padding="same", groups=2)
    conv_case("conv2d_even_kernel_same", 2, (2, 6, 7, 2), 3, 4, padding="same")
    conv_case("conv2d_rect_s21_same", 2, (2, 7, 6, 3), 4, (2, 3), strides=(2, 1), padding="same")
    conv_case("conv2d_relu", 2, (2, 6, 6, 3), 4, 3, padding="same", activation="relu")
    conv_case("conv2d_no_bias_1x1", 2, (2, 5, 5, 4), 3, 1, use_bias=False)
    # Conv1D
    conv_case("conv1d_valid", 1, (2, 10, 3), 4, 3)
    conv_case("conv1d_same_s2_odd", 1, (2, 9, 3), 4, 3, strides=2, padding="same")
    conv_case("conv1d_same_s2_even", 1, (2, 10, 3), 4, 4, strides=2, padding="same")
    conv_case("conv1d_dilation2_same", 1, (2, 11, 2), 3, 3, dilation=2, padding="same")
    conv_case("conv1d_causal", 1, (2, 9, 3), 4, 3, padding="causal")
    conv_case("conv1d_causal_dilation2", 1, (2, 10, 2), 3, 3, dilation=2, padding="causal")
    conv_case("conv1d_groups3", 1, (2, 8, 6), 3, 2, groups=3)
    # DepthwiseConv2D
    depthwise_case("depthwise_m2_same_s2_odd", (2, 7, 7, 3), 3, 2, strides=2, padding="same")
    depthwise_case("depthwise_m2_same_s2_even", (2, 8, 8, 2), 3, 2, strides=2, padding="same")
    depthwise_case("depthwise_m1_dilation2", (2, 8, 9, 3), 3, 1, dilation=2)
    # SeparableConv2D
    separable_case("separable_m2_valid", (2, 7, 7, 3), 5, 3, 2)
    separable_case("separable_m1_same_s2", (2, 8, 8, 3), 4, 3, 1, strides=2, padding="same")
    # Conv2DTranspose
    transpose_case("transpose_same_s2", (2, 4, 4, 3), 2, 3, strides=2, padding="same")
    transpose_case("transpose_valid_s2", (2, 4, 5, 3), 2, 3, strides=2, padding="valid")
    transpose_case("transpose_same_s2_op1", (2, 4, 4, 2), 3, 3, strides=2, padding="same", output_padding=1)
    transpose_case("transpose_same_s2_op0", (2, 4, 3, 2), 3, 3, strides=2, padding="same", output_padding=0)
    transpose_case("transpose_valid_s2_op1_k4", (2, 3, 4, 2), 2, 4, strides=2, padding="valid", output_padding=1)
    transpose_case("transpose_valid_k2_s3", (2, 3, 3, 2), 2, 2, strides=3, padding="valid")
    transpose_case("transpose_same_k4_s2", (2, 3, 4, 2), 2, 4, strides=2, padding="same")
    transpose_case("transpose_same_dilation2", (2, 5, 4, 2), 3, 3, padding="same", dilation=2)
    transpose_case("transpose_valid_s1", (2, 4, 4, 3), 2, (2, 3))
    transpose_case("transpose_same_k3_s3_op1", (2, 3, 4, 2), 2, 3, strides=3, padding="same", output_padding=1)
    transpose_case("transpose_same_k4_s3_op1", (2, 3, 3, 2), 2, 4, strides=3, padding="same", output_padding=(1, 2))
    # Pooling
    pool_case("maxpool2d_valid", "max", 2, (2, 6, 6, 3), 2)
    pool_case("maxpool2d_same_s2_odd", "max", 2, (2, 7, 7, 2), 3, strides=2, padding="same")
    pool_case("maxpool2d_same_s2_even", "max", 2, (2, 8, 8, 2), 3, strides=2, padding="same")
    pool_case("maxpool2d_valid_odd_rect", "max", 2, (2, 7, 5, 2), (3, 2), strides=(2, 1))
    pool_case("maxpool2d_same_default_strides_odd", "max", 2, (2, 5, 7, 2), 2, padding="same")
    pool_case("avgpool2d_valid", "average", 2, (2, 6, 6, 3), 2)
    pool_case("avgpool2d_same_s2_odd", "average", 2, (2, 7, 7, 2), 3, strides=2, padding="same")
    pool_case("avgpool2d_same_s2_even", "average", 2, (2, 8, 8, 2), 3, strides=2, padding="same")
    pool_case("avgpool2d_same_s1", "average", 2, (2, 5, 6, 2), 3, strides=1, padding="same")
    pool_case("avgpool2d_valid_odd_rect", "average", 2, (2, 7, 5, 2), (3, 2), strides=(2, 1))
    pool_case("maxpool1d_valid", "max", 1, (2, 9, 3), 2)
    pool_case("maxpool1d_same_s2_odd", "max", 1, (2, 9, 3), 3, strides=2, padding="same")
    pool_case("avgpool1d_same_s2_odd", "average", 1, (2, 9, 3), 3, strides=2, padding="same")
    pool_case("avgpool1d_valid_s1", "average", 1, (2, 8, 2), 3, strides=1)
    global_case("global_avg2d", "average", 2, (2, 5, 6, 3), False)
    global_case("global_avg2d_keepdims", "average", 2, (2, 5, 6, 3), True)
    global_case("global_max2d", "max", 2, (2, 5, 6, 3), False)
    global_case("global_max2d_keepdims", "max", 2, (2, 5, 6, 3), True)
    global_case("global_avg1d", "average", 1, (2, 7, 3), False)
    global_case("global_avg1d_keepdims", "average", 1, (2, 7, 3), True)
    global_case("global_max1d", "max", 1, (2, 7, 3), False)
    global_case("global_max1d_keepdims", "max", 1, (2, 7, 3), True)
    # Reshaping
    add_case("zero_padding2d_asym", "ZeroPadding2D", {"padding": [[1, 2], [0, 3]], "data_format": "channels_last"},
             inputs((2, 4, 5, 3)), [], lambda x: F.pad(x, (0, 0, 0, 3, 1, 2)))
    add_case("zero_padding2d_default", "ZeroPadding2D", {"padding": [[1, 1], [1, 1]], "data_format": "channels_last"},
             inputs((2, 3, 3, 2)), [], lambda x: F.pad(x, (0, 0, 1, 1, 1, 1)))
    add_case("cropping2d_asym", "Cropping2D", {"cropping": [[1, 0], [2, 1]], "data_format": "channels_last"},
             inputs((2, 5, 6, 3)), [], lambda x: x[:, 1:, 2:-1, :])
    add_case("cropping2d_sym", "Cropping2D", {"cropping": [[1, 1], [2, 2]], "data_format": "channels_last"},
             inputs((2, 5, 6, 2)), [], lambda x: x[:, 1:-1, 2:-2, :])
    add_case("upsampling2d_nearest", "UpSampling2D", {"size": [2, 3], "data_format": "channels_last", "interpolation": "nearest"},
             inputs((2, 3, 4, 2)), [], lambda x: x.repeat_interleave(2, dim=1).repeat_interleave(3, dim=2))
    add_case("upsampling2d_bilinear", "UpSampling2D", {"size": [2, 2], "data_format": "channels_last", "interpolation": "bilinear"},
             inputs((2, 3, 4, 2)), [],
             lambda x: to_nhwc(F.interpolate(to_nchw(x), scale_factor=(2, 2), mode="bilinear", align_corners=False)))
    add_case("upsampling2d_bilinear_rect", "UpSampling2D", {"size": [3, 2], "data_format": "channels_last", "interpolation": "bilinear"},
             inputs((1, 3, 3, 2)), [],
             lambda x: to_nhwc(F.interpolate(to_nchw(x), scale_factor=(3, 2), mode="bilinear", align_corners=False)))

    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    out = os.path.join(root, "tests", "KerasNet.Tests", "Golden", "layers_conv.json")
    with open(out, "w") as f:
        json.dump({"generator": "scripts/golden/layers_conv.py", "torch": torch.__version__, "dtype": "float64",
                   "cases": CASES}, f, separators=(",", ":"))
    print(f"wrote {len(CASES)} cases to {out} ({os.path.getsize(out)} bytes)")


if __name__ == "__main__":
    main()
