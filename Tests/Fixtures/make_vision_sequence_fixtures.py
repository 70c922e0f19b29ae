#!/usr/bin/env python3
"""Generate PyTorch parity fixtures for FusionKit's vision and sequence layers.

Usage (from the repository root):

    /path/to/venv/bin/python Tests/Fixtures/make_vision_sequence_fixtures.py

Writes one ``.safetensors`` file per case into ``Tests/Fixtures/parity/``:
conv2d_*, batchnorm2d_*, groupnorm, instancenorm, *pool2d*, upsample_*,
zeropad2d, gru_*, lstm_*. Only these files are written; the fixtures of
``make_fixtures.py`` are left alone.

File format, tensor names (including ``after.<buffer>``) and seeding are those
of ``make_fixtures.py``, whose helpers this script uses (see
``Tests/Fixtures/README.md``).

Extra names used here:

* RNNs: ``h_n`` (and ``c_n`` for LSTM) final states as returned by PyTorch,
  shape [num_layers * num_directions, batch, hidden]; they are not part of
  the loss, backward is ``output.backward(grad_output)`` on the output
  sequence only.
* Packed RNNs: ``lengths`` [batch] (integers stored as float32).

All 2-D hyperparameters (kernel_size, stride, padding, dilation, ...) are
stored in the config as [height, width] pairs.
"""

import os
import sys

import torch
import torch.nn as nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import make_fixtures as mf  # noqa: E402  (no side effects besides torch options)
from make_fixtures import module_case, save, seed_for  # noqa: E402

SIZE_LIMIT = 1536 * 1024  # 1.5 MB for the files written by this script


def pair(v):
    return [int(v[0]), int(v[1])] if isinstance(v, (tuple, list)) else [int(v), int(v)]


def distinct_values(*shape):
    """Distinct, exactly representable values (multiples of 1/8) in random
    order, so max-pool windows never contain ties."""
    n = 1
    for s in shape:
        n *= s
    v = (torch.randperm(n).to(torch.float32) - n / 2) / 8.0
    v = v.reshape(*shape)
    assert torch.unique(v).numel() == n
    return v


# --------------------------------------------------------------------------
# convolution
# --------------------------------------------------------------------------

def conv_cases():
    def conv(name, cin, cout, kernel, shape, stride=1, padding=0, dilation=1,
             groups=1, bias=True):
        seed = seed_for(name)
        m = nn.Conv2d(cin, cout, kernel, stride=stride, padding=padding,
                      dilation=dilation, groups=groups, bias=bias)
        x = torch.randn(*shape)
        module_case(name, m, [x], {
            "in_channels": cin, "out_channels": cout,
            "kernel_size": pair(kernel), "stride": pair(stride),
            "padding": pair(padding), "dilation": pair(dilation),
            "groups": groups, "bias": bias, "padding_mode": "zeros",
            "seed": seed,
            "note": "input NCHW; weight [out, in/groups, kh, kw]; "
                    "cross-correlation (no kernel flip)",
        })

    conv("conv2d_basic", 3, 4, 3, (2, 3, 7, 7))
    conv("conv2d_stride_pad", 3, 4, 3, (2, 3, 8, 7), stride=2, padding=1)
    conv("conv2d_dilation", 2, 3, 3, (2, 2, 9, 8), dilation=2, padding=2)
    conv("conv2d_groups", 4, 6, 3, (2, 4, 6, 6), groups=2, padding=1)
    conv("conv2d_depthwise", 4, 4, 3, (2, 4, 7, 7), stride=2, padding=1, groups=4)
    conv("conv2d_1x1", 5, 3, 1, (2, 5, 4, 4))
    conv("conv2d_nobias", 3, 2, (3, 2), (2, 3, 7, 6), stride=(2, 1),
         padding=(1, 0), bias=False)


# --------------------------------------------------------------------------
# normalisation
# --------------------------------------------------------------------------

def norm_cases():
    for name, train in (("batchnorm2d_train", True), ("batchnorm2d_eval", False)):
        mf.batchnorm_case(name, nn.BatchNorm2d, 3, (2, 3, 4, 5), train,
                          statistics="statistics over N,H,W (40 values per channel); ")

    name = "groupnorm"
    seed = seed_for(name)
    m = nn.GroupNorm(2, 4, eps=1e-5, affine=True)
    with torch.no_grad():
        m.weight.copy_(1.0 + 0.5 * torch.randn(4))
        m.bias.copy_(0.5 * torch.randn(4))
    x = 1.5 * torch.randn(2, 4, 3, 3) + 0.3
    module_case(name, m, [x], {
        "num_groups": 2, "num_channels": 4, "eps": 1e-5, "affine": True,
        "seed": seed,
        "note": "statistics per sample over (channels of the group, H, W) "
                "with biased variance; per-channel affine"})

    name = "instancenorm"
    seed = seed_for(name)
    m = nn.InstanceNorm2d(3, eps=1e-5, affine=True, track_running_stats=False)
    with torch.no_grad():
        m.weight.copy_(1.0 + 0.5 * torch.randn(3))
        m.bias.copy_(0.5 * torch.randn(3))
    x = 1.5 * torch.randn(2, 3, 4, 4) - 0.4
    module_case(name, m, [x], {
        "num_features": 3, "eps": 1e-5, "affine": True,
        "track_running_stats": False, "seed": seed,
        "note": "statistics per (sample, channel) over H, W with biased "
                "variance; affine params set to random values; no buffers"})


# --------------------------------------------------------------------------
# pooling
# --------------------------------------------------------------------------

def pool_cases():
    def maxpool(name, k, s, p, shape):
        seed = seed_for(name)
        x = distinct_values(*shape)
        module_case(name, nn.MaxPool2d(k, stride=s, padding=p), [x], {
            "op": "max_pool2d", "kernel_size": pair(k), "stride": pair(s),
            "padding": pair(p), "dilation": [1, 1], "ceil_mode": False,
            "seed": seed,
            "note": "input values are distinct (no ties); padding acts as "
                    "-inf; overlapping windows accumulate gradient"})

    def avgpool(name, k, s, p, shape, count_include_pad=True):
        seed = seed_for(name)
        x = torch.randn(*shape)
        module_case(name, nn.AvgPool2d(k, stride=s, padding=p,
                                       count_include_pad=count_include_pad), [x], {
            "op": "avg_pool2d", "kernel_size": pair(k), "stride": pair(s),
            "padding": pair(p), "count_include_pad": count_include_pad,
            "ceil_mode": False, "divisor_override": None, "seed": seed,
            "note": "count_include_pad=True: every window divides by kh*kw, "
                    "zero padding included"})

    maxpool("maxpool2d", 2, 2, 0, (2, 3, 6, 6))
    maxpool("maxpool2d_pad", 3, 2, 1, (2, 2, 7, 7))
    avgpool("avgpool2d", 2, 2, 0, (2, 3, 6, 6))
    avgpool("avgpool2d_pad", 3, 2, 1, (2, 2, 7, 7), count_include_pad=True)

    adaptive_note = ("window i along a dim of size L -> out spans "
                     "[floor(i*L/out), ceil((i+1)*L/out)); windows may overlap")

    def adaptive_avg(name, out_size, shape):
        seed = seed_for(name)
        x = torch.randn(*shape)
        module_case(name, nn.AdaptiveAvgPool2d(out_size), [x], {
            "op": "adaptive_avg_pool2d", "output_size": pair(out_size),
            "seed": seed, "note": adaptive_note})

    adaptive_avg("adaptive_avgpool2d", (1, 1), (2, 3, 5, 5))
    adaptive_avg("adaptive_avgpool2d_3x2", (3, 2), (2, 2, 7, 5))

    name = "adaptive_maxpool2d"
    seed = seed_for(name)
    x = distinct_values(2, 3, 5, 5)
    module_case(name, nn.AdaptiveMaxPool2d((1, 1)), [x], {
        "op": "adaptive_max_pool2d", "output_size": [1, 1], "seed": seed,
        "note": "input values are distinct (no ties); " + adaptive_note})


# --------------------------------------------------------------------------
# resampling / padding
# --------------------------------------------------------------------------

def resample_cases():
    def upsample(name, mode, shape, scale_factor=None, size=None,
                 align_corners=None):
        seed = seed_for(name)
        m = nn.Upsample(size=tuple(size) if size else None,
                        scale_factor=float(scale_factor) if scale_factor else None,
                        mode=mode, align_corners=align_corners)
        x = torch.randn(*shape)
        out_hw = (list(size) if size else
                  [int(shape[2] * scale_factor), int(shape[3] * scale_factor)])
        module_case(name, m, [x], {
            "mode": mode,
            "scale_factor": [float(scale_factor)] * 2 if scale_factor else None,
            "size": list(size) if size else None,
            "output_hw": out_hw, "align_corners": align_corners,
            "recompute_scale_factor": None, "seed": seed,
            "note": {
                "nearest": "src = floor(dst * in/out)",
                "bilinear": ("align_corners=False: src = (dst + 0.5) * in/out - 0.5, "
                             "clamped at 0" if not align_corners else
                             "align_corners=True: src = dst * (in-1)/(out-1)"),
            }[mode]})

    upsample("upsample_nearest", "nearest", (2, 2, 3, 4), scale_factor=2)
    upsample("upsample_bilinear", "bilinear", (2, 2, 3, 4), scale_factor=2,
             align_corners=False)
    upsample("upsample_bilinear_align", "bilinear", (2, 2, 3, 4), size=(5, 7),
             align_corners=True)

    name = "zeropad2d"
    seed = seed_for(name)
    x = torch.randn(2, 2, 3, 3)
    module_case(name, nn.ZeroPad2d((1, 2, 0, 1)), [x], {
        "padding": [1, 2, 0, 1], "padding_order": "left,right,top,bottom",
        "seed": seed, "note": "output [N, C, H+top+bottom, W+left+right]"})


# --------------------------------------------------------------------------
# recurrent
# --------------------------------------------------------------------------

GATE_NOTES = {
    "GRU": ("gate order in weight rows: r, z, n; "
            "n = tanh(W_in x + b_in + r * (W_hn h + b_hn)); h' = (1-z)*n + z*h"),
    "LSTM": ("gate order in weight rows: i, f, g, o; c' = f*c + i*g; "
             "h' = o * tanh(c')"),
}


def rnn_case(name, cls, input_size, hidden_size, num_layers, bidirectional,
             shape, lengths=None):
    seed = seed_for(name)
    m = cls(input_size, hidden_size, num_layers=num_layers, bias=True,
            batch_first=True, bidirectional=bidirectional)
    x = torch.randn(*shape)
    params = dict(m.named_parameters())
    keys = list(params.keys())
    param0 = {k: v.detach().clone() for k, v in params.items()}

    xl = x.detach().clone().requires_grad_(True)
    batch, total = shape[0], shape[1]
    if lengths is None:
        out, state = m(xl)
    else:
        lens = torch.tensor(lengths, dtype=torch.long)
        packed = pack_padded_sequence(xl, lens, batch_first=True,
                                      enforce_sorted=False)
        pout, state = m(packed)
        out, out_lens = pad_packed_sequence(pout, batch_first=True,
                                            total_length=total)
        assert out_lens.tolist() == list(lengths)

    grad_output = torch.randn_like(out)
    if lengths is not None:
        valid = (torch.arange(total)[None, :] < lens[:, None])[..., None]
        valid = valid.expand_as(out)
        assert torch.all(out[~valid] == 0)
        grad_output = torch.where(valid, grad_output, torch.zeros_like(grad_output))
    out.backward(grad_output)

    h_n, c_n = (state if cls is nn.LSTM else (state, None))
    dirs = 2 if bidirectional else 1
    assert list(h_n.shape) == [num_layers * dirs, batch, hidden_size]
    assert list(out.shape) == [batch, total, dirs * hidden_size]

    tensors = {"input": x}
    if lengths is not None:
        tensors["lengths"] = torch.tensor(lengths)
        assert torch.all(xl.grad[~valid[..., :1].expand_as(x)] == 0)
    for k in keys:
        tensors["param." + k] = param0[k]
    tensors["output"] = out
    tensors["h_n"] = h_n
    if c_n is not None:
        tensors["c_n"] = c_n
    tensors["grad_output"] = grad_output
    tensors["grad_input"] = xl.grad
    for k in keys:
        tensors["grad." + k] = params[k].grad

    note = ("batch_first; zero initial state; output = last layer, directions "
            "concatenated [fwd, bwd] on the feature dim; h_n/c_n are "
            "[num_layers*num_directions, batch, hidden] ordered (layer, direction) "
            "and are not part of the loss; " + GATE_NOTES[cls.__name__])
    if lengths is not None:
        note += ("; packed: pack_padded_sequence(enforce_sorted=False) / "
                 "pad_packed_sequence(total_length=%d); input at padded steps "
                 "is random and must be ignored (grad_input there is 0); output and "
                 "grad_output at padded steps are 0; h_n is the state at each "
                 "sequence's own last valid step (reverse direction: after "
                 "reaching t=0, starting from t=length-1)" % total)
    cfg = {"mode": cls.__name__, "input_size": input_size,
           "hidden_size": hidden_size, "num_layers": num_layers,
           "bidirectional": bidirectional, "batch_first": True, "bias": True,
           "dropout": 0.0, "param_keys": keys, "seed": seed, "note": note}
    if lengths is not None:
        cfg["lengths"] = list(lengths)
        cfg["packed"] = True
    save(name, tensors, cfg)


def rnn_cases():
    for prefix, cls in (("gru", nn.GRU), ("lstm", nn.LSTM)):
        rnn_case(prefix + "_basic", cls, 3, 4, 1, False, (2, 5, 3))
        rnn_case(prefix + "_2layer_bidir", cls, 3, 4, 2, True, (2, 5, 3))
        rnn_case(prefix + "_packed", cls, 3, 4, 1, True, (3, 6, 3),
                 lengths=[6, 4, 2])


# --------------------------------------------------------------------------

def main():
    mf.run("vision/sequence", SIZE_LIMIT, conv_cases, norm_cases, pool_cases, resample_cases, rnn_cases)


if __name__ == "__main__":
    main()
