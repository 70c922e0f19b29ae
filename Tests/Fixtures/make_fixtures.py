#!/usr/bin/env python3
"""Generate PyTorch parity fixtures for FusionKit's Swift tests.

Usage (from the repository root):

    /path/to/venv/bin/python Tests/Fixtures/make_fixtures.py

Writes one ``.safetensors`` file per case into ``Tests/Fixtures/parity/``.

Conventions inside every file (all tensors are float32 and contiguous):

* ``input``, ``input2`` ...   inputs to the op (integer data such as class
                              indices / token ids is stored as float32)
* ``param.<name>``            module parameters/buffers by state-dict name,
                              *before* the forward pass
* ``output``                  forward result (losses: shape [] scalar)
* ``grad_output``             upstream gradient; backward is
                              ``output.backward(grad_output)``
* ``grad_input``              gradient w.r.t. ``input``
* ``grad.<name>``             gradient of parameter ``<name>``
* ``after.<name>``            buffers after the forward (BatchNorm stats)

Metadata (all strings): ``config`` = JSON of the hyperparameters,
``torch`` = torch version, ``case`` = case name.

Every case is seeded independently (seed derived from the case name with
CRC32) so adding/removing a case never changes the other files.
"""

import collections
import json
import os
import struct
import sys
import zlib

import torch
import torch.nn as nn
import torch.nn.functional as F
from safetensors.torch import save_file

HERE = os.path.dirname(os.path.abspath(__file__))
OUT_DIR = os.path.join(HERE, "parity")

torch.set_default_dtype(torch.float32)
torch.set_num_threads(1)  # single-threaded reductions -> bitwise reproducible
torch.use_deterministic_algorithms(True)

WRITTEN = []  # (filename, {name: shape})


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------

def seed_for(name):
    seed = zlib.crc32(name.encode("utf-8")) & 0x7FFFFFFF
    torch.manual_seed(seed)
    return seed


def f32(t):
    """Detach, cast to float32, make contiguous and own its memory."""
    t = torch.as_tensor(t)
    return t.detach().to(torch.float32).contiguous().clone()


def canonicalize_header(path):
    """Sort the ``__metadata__`` keys in the file header, in place.

    safetensors serialises metadata from a Rust HashMap, so the key order (and
    hence the file bytes) changes from run to run even though the tensors are
    identical. Re-ordering the keys keeps the header the same length, so the
    data offsets are untouched; regenerated files are then byte-identical.
    """
    with open(path, "rb") as fh:
        blob = fh.read()
    n = struct.unpack("<Q", blob[:8])[0]
    raw = blob[8:8 + n]
    text = raw.decode("utf-8").rstrip(" ")
    header = json.loads(text, object_pairs_hook=collections.OrderedDict)
    dump = lambda h: json.dumps(h, separators=(",", ":"), ensure_ascii=False)
    if dump(header) != text:  # unexpected serialisation: leave the file alone
        print("warning: could not canonicalise header of %s" % path, file=sys.stderr)
        return
    md = header.get("__metadata__")
    if md is None:
        return
    header["__metadata__"] = collections.OrderedDict(sorted(md.items()))
    new = dump(header).encode("utf-8")
    assert len(new) == len(text.encode("utf-8"))
    new = new + raw[len(new):]  # keep the original space padding
    with open(path, "wb") as fh:
        fh.write(blob[:8] + new + blob[8 + n:])


def save(name, tensors, config):
    out = {k: f32(v) for k, v in tensors.items()}
    for k, v in out.items():
        assert v.dtype == torch.float32, (name, k, v.dtype)
        assert torch.isfinite(v).all(), (name, k)
    metadata = {
        "case": name,
        "torch": torch.__version__,
        "config": json.dumps(config, sort_keys=True),
    }
    path = os.path.join(OUT_DIR, name + ".safetensors")
    save_file(out, path, metadata=metadata)
    canonicalize_header(path)
    WRITTEN.append((name + ".safetensors", {k: list(v.shape) for k, v in out.items()}))


def module_case(name, module, inputs, config, param_names=None,
                buffer_names=(), input_grad=True):
    """Run forward+backward of ``module`` on ``inputs`` and save everything.

    ``inputs`` is a list of tensors; the first gets ``input``, the rest
    ``input2``, ``input3`` ... Gradients are taken w.r.t. the float inputs
    when ``input_grad`` is True.
    """
    params = dict(module.named_parameters())
    if param_names is None:
        param_names = list(params.keys())
    buffers = dict(module.named_buffers())

    tensors = {}
    leaves = []
    for i, x in enumerate(inputs):
        key = "input" if i == 0 else "input%d" % (i + 1)
        tensors[key] = x
        if input_grad:
            x = x.detach().clone().requires_grad_(True)
        leaves.append(x)
    for p in param_names:
        tensors["param." + p] = params[p]
    for b in buffer_names:
        tensors["param." + b] = buffers[b].detach().clone()

    out = module(*leaves)
    grad_output = torch.randn_like(out)
    out.backward(grad_output)

    tensors["output"] = out
    tensors["grad_output"] = grad_output
    if input_grad:
        for i, x in enumerate(leaves):
            key = "grad_input" if i == 0 else "grad_input%d" % (i + 1)
            tensors[key] = x.grad
    for p in param_names:
        tensors["grad." + p] = params[p].grad
    for b in buffer_names:
        tensors["after." + b] = buffers[b]
    save(name, tensors, config)


def batchnorm_case(name, cls, features, shape, train, statistics=""):
    """A BatchNorm (``cls``: ``nn.BatchNorm1d`` or ``nn.BatchNorm2d``) with random affine
    parameters and running statistics, in train or eval mode, on ``1.5 * randn(shape) + 0.7``.
    ``statistics`` opens the train-mode note (which values the batch statistics are taken over)."""
    seed = seed_for(name)
    m = cls(features, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True)
    with torch.no_grad():
        m.weight.copy_(1.0 + 0.5 * torch.randn(features))
        m.bias.copy_(0.5 * torch.randn(features))
        m.running_mean.copy_(0.5 * torch.randn(features))
        m.running_var.copy_(0.5 + torch.rand(features))
    m.train(train)
    x = 1.5 * torch.randn(*shape) + 0.7
    module_case(name, m, [x], {
        "num_features": features, "eps": 1e-5, "momentum": 0.1,
        "affine": True, "track_running_stats": True,
        "training": train, "seed": seed,
        "note": ("train: " + statistics + "normalise with biased batch variance; running_var "
                 "updated with unbiased batch variance; "
                 "new = (1-momentum)*old + momentum*batch")
        if train else "eval: normalise with running stats; buffers unchanged",
    }, param_names=["weight", "bias"],
        buffer_names=["running_mean", "running_var"])


def run(label, limit, *case_groups):
    """Writes the cases of each function in ``case_groups`` into ``OUT_DIR``, in order, then
    ``summarize``s them under ``label`` with the size limit ``limit``."""
    os.makedirs(OUT_DIR, exist_ok=True)
    for cases in case_groups:
        cases()
    summarize(OUT_DIR, label, limit)


# --------------------------------------------------------------------------
# layers
# --------------------------------------------------------------------------


def summarize(out_dir, label, limit):
    """Prints each file this run wrote with its size and tensor shapes; exits 1 when the files
    together reach `limit` bytes (the fixtures are committed and must stay small)."""
    total = 0
    print("torch %s -> %s" % (torch.__version__, os.path.relpath(out_dir)))
    for fname, shapes in WRITTEN:
        size = os.path.getsize(os.path.join(out_dir, fname))
        total += size
        desc = ", ".join("%s%s" % (k, v) for k, v in shapes.items())
        print("%-40s %6d B  %s" % (fname, size, desc))
    print("%d files, total %d bytes" % (len(WRITTEN), total))
    if total >= limit:
        print("ERROR: %s fixtures reach %d bytes (limit %d)" % (label, total, limit), file=sys.stderr)
        sys.exit(1)


def functional_case(name, input_shapes, make_params, forward, config, buffers=()):
    """A case written as a function of plain tensors: ``make_params(params)`` fills a dict of
    parameters (drawn after the case's seed), inputs of ``input_shapes`` are drawn next, and
    ``forward(params, *inputs)`` is differentiated against a random upstream gradient. Keys in
    ``buffers`` are saved as ``param.<key>`` without gradients. Writes ``fusion_<name>``."""
    seed = seed_for(name)
    params = {}
    make_params(params)
    inputs = [torch.randn(*s) for s in input_shapes]
    leaves = [x.clone().requires_grad_(True) for x in inputs]
    p = {k: v.clone().requires_grad_(k not in buffers) for k, v in params.items()}
    out = forward(p, *leaves)
    grad_output = torch.randn_like(out)
    out.backward(grad_output)
    tensors = {}
    for i, (x, leaf) in enumerate(zip(inputs, leaves)):
        suffix = "" if i == 0 else str(i + 1)
        tensors["input" + suffix] = x
        tensors["grad_input" + suffix] = leaf.grad
    for k, v in params.items():
        tensors["param." + k] = v
        if k not in buffers:
            tensors["grad." + k] = p[k].grad
    tensors["output"] = out
    tensors["grad_output"] = grad_output
    save("fusion_" + name, tensors, dict(config, seed=seed))


def linear_params(params, name, n_in, n_out, bias=True):
    """``<name>.weight`` [n_out, n_in] and ``<name>.bias`` [n_out] drawn as nn.Linear's default
    init draws them: uniform in ±1/√n_in (for ``functional_case``'s ``make_params``)."""
    bound = 1.0 / n_in ** 0.5
    params[name + ".weight"] = (torch.rand(n_out, n_in) * 2 - 1) * bound
    if bias:
        params[name + ".bias"] = (torch.rand(n_out) * 2 - 1) * bound


def lin(p, name, x):
    """The linear map ``<name>`` of the parameter dict ``p`` (with its bias, if it has one)."""
    y = x @ p[name + ".weight"].t()
    if name + ".bias" in p:
        y = y + p[name + ".bias"]
    return y

def layer_cases():
    # Linear 5 -> 3, 2-D input
    name = "linear"
    seed = seed_for(name)
    m = nn.Linear(5, 3, bias=True)
    x = torch.randn(4, 5)
    module_case(name, m, [x], {"in_features": 5, "out_features": 3,
                               "bias": True, "seed": seed})

    # Linear 5 -> 3, 3-D input (leading batch dims flattened)
    name = "linear_3d"
    seed = seed_for(name)
    m = nn.Linear(5, 3, bias=True)
    x = torch.randn(2, 4, 5)
    module_case(name, m, [x], {"in_features": 5, "out_features": 3,
                               "bias": True, "seed": seed})

    # Embedding(10, 4, padding_idx=0); PyTorch zeroes row 0 at init and never
    # accumulates gradient into it.
    name = "embedding"
    seed = seed_for(name)
    m = nn.Embedding(10, 4, padding_idx=0)
    ids = torch.tensor([[1, 0, 3, 3, 9],
                        [0, 0, 5, 2, 7],
                        [4, 8, 1, 0, 6]], dtype=torch.long)
    w0 = m.weight.detach().clone()
    out = m(ids)
    grad_output = torch.randn_like(out)
    out.backward(grad_output)
    assert torch.all(m.weight.grad[0] == 0)
    save(name, {
        "input": ids,  # token ids stored as float32
        "param.weight": w0,
        "output": out,
        "grad_output": grad_output,
        "grad.weight": m.weight.grad,
    }, {"num_embeddings": 10, "embedding_dim": 4, "padding_idx": 0,
        "sparse": False, "seed": seed,
        "note": "input holds integer token ids as float32; no grad_input; "
                "grad.weight row padding_idx is zero; repeated ids accumulate"})

    # LayerNorm(6) with random affine params
    name = "layernorm"
    seed = seed_for(name)
    m = nn.LayerNorm(6, eps=1e-5, elementwise_affine=True)
    with torch.no_grad():
        m.weight.copy_(1.0 + 0.5 * torch.randn(6))
        m.bias.copy_(0.5 * torch.randn(6))
    x = 2.0 * torch.randn(4, 6) + 1.0
    module_case(name, m, [x], {"normalized_shape": [6], "eps": 1e-5,
                               "elementwise_affine": True, "seed": seed})

    # LayerNorm([3, 4]) normalising over the last two dims
    name = "layernorm_2d"
    seed = seed_for(name)
    m = nn.LayerNorm([3, 4], eps=1e-5, elementwise_affine=True)
    with torch.no_grad():
        m.weight.copy_(1.0 + 0.5 * torch.randn(3, 4))
        m.bias.copy_(0.5 * torch.randn(3, 4))
    x = 2.0 * torch.randn(2, 3, 4) - 0.5
    module_case(name, m, [x], {"normalized_shape": [3, 4], "eps": 1e-5,
                               "elementwise_affine": True, "seed": seed})

    # BatchNorm1d cases
    batchnorm_case("batchnorm1d_train", nn.BatchNorm1d, 5, (6, 5), True)
    batchnorm_case("batchnorm1d_eval", nn.BatchNorm1d, 5, (6, 5), False)
    batchnorm_case("batchnorm1d_3d", nn.BatchNorm1d, 3, (4, 3, 5), True)


# --------------------------------------------------------------------------
# activations
# --------------------------------------------------------------------------

def activation_input():
    x = 3.0 * torch.randn(4, 7)
    # some large-magnitude entries in fixed positions (saturation / overflow)
    x[0, 0] = 25.0
    x[1, 3] = -30.0
    x[2, 6] = 12.5
    x[3, 2] = -9.0
    x[3, 5] = 50.0
    # keep away from exact 0 (ReLU-style kinks)
    x = torch.where(x.abs() < 1e-3, torch.full_like(x, 0.25), x)
    return x


class Fn(nn.Module):
    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def forward(self, x):
        return self.fn(x)


def activation_cases():
    acts = [
        ("relu", lambda x: F.relu(x), {"op": "relu"}),
        ("leaky_relu", lambda x: F.leaky_relu(x, negative_slope=0.1),
         {"op": "leaky_relu", "negative_slope": 0.1}),
        ("gelu", lambda x: F.gelu(x, approximate="none"),
         {"op": "gelu", "approximate": "none"}),
        ("gelu_tanh", lambda x: F.gelu(x, approximate="tanh"),
         {"op": "gelu", "approximate": "tanh"}),
        ("tanh", torch.tanh, {"op": "tanh"}),
        ("sigmoid", torch.sigmoid, {"op": "sigmoid"}),
        ("softmax", lambda x: F.softmax(x, dim=-1), {"op": "softmax", "dim": -1}),
        ("log_softmax", lambda x: F.log_softmax(x, dim=-1),
         {"op": "log_softmax", "dim": -1}),
        ("softmax_dim0", lambda x: F.softmax(x, dim=0), {"op": "softmax", "dim": 0}),
    ]
    for short, fn, cfg in acts:
        name = "activation_" + short
        seed = seed_for(name)
        x = activation_input()
        cfg = dict(cfg, seed=seed)
        module_case(name, Fn(fn), [x], cfg)


# --------------------------------------------------------------------------
# losses
# --------------------------------------------------------------------------

def loss_case(name, x, target, loss_fn, config, extra=None):
    """Scalar loss; backward with grad_output = 1."""
    xl = x.detach().clone().requires_grad_(True)
    loss = loss_fn(xl, target)
    assert loss.dim() == 0
    grad_output = torch.ones_like(loss)
    loss.backward(grad_output)
    tensors = {"input": x, "target": target, "output": loss,
               "grad_output": grad_output, "grad_input": xl.grad}
    if extra:
        tensors.update(extra)
    save(name, tensors, config)


def loss_cases():
    # cross entropy family: logits [6,5], class-index targets (stored as float32)
    def ce(name, targets, **kw):
        seed = seed_for(name)
        logits = 2.0 * torch.randn(6, 5)
        t = torch.tensor(targets, dtype=torch.long)
        kw.setdefault("reduction", "mean")
        cfg = {"loss": "cross_entropy", "num_classes": 5, "seed": seed,
               "label_smoothing": kw.get("label_smoothing", 0.0),
               "ignore_index": kw.get("ignore_index", -100),
               "reduction": kw["reduction"],
               "note": "target holds class indices as float32"}
        loss_case(name, logits, t, lambda a, b: F.cross_entropy(a, b, **kw), cfg)
        # re-save target as float (save() casts it already; nothing else to do)

    ce("loss_cross_entropy", [0, 3, 1, 4, 2, 3])
    ce("loss_cross_entropy_smoothing", [0, 3, 1, 4, 2, 3], label_smoothing=0.1)
    ce("loss_cross_entropy_ignore", [2, 3, 2, 4, 0, 2], ignore_index=2)
    ce("loss_cross_entropy_sum", [0, 3, 1, 4, 2, 3], reduction="sum")

    # NLL: input are log-probabilities (log_softmax of random logits)
    name = "loss_nll"
    seed = seed_for(name)
    logp = F.log_softmax(2.0 * torch.randn(6, 5), dim=-1)
    t = torch.tensor([1, 0, 4, 2, 3, 1], dtype=torch.long)
    loss_case(name, logp, t, lambda a, b: F.nll_loss(a, b, reduction="mean"),
              {"loss": "nll", "num_classes": 5, "reduction": "mean",
               "ignore_index": -100, "seed": seed,
               "note": "input = log_softmax(logits, dim=-1); target holds class indices as float32"})

    # BCE with logits
    name = "loss_bce_logits"
    seed = seed_for(name)
    logits = 2.0 * torch.randn(6, 3)
    t = (torch.rand(6, 3) > 0.5).to(torch.float32)
    loss_case(name, logits, t,
              lambda a, b: F.binary_cross_entropy_with_logits(a, b, reduction="mean"),
              {"loss": "bce_with_logits", "reduction": "mean", "seed": seed})

    name = "loss_bce_logits_posweight"
    seed = seed_for(name)
    logits = 2.0 * torch.randn(6, 3)
    t = (torch.rand(6, 3) > 0.5).to(torch.float32)
    pw = torch.tensor([0.5, 2.0, 3.5])
    loss_case(name, logits, t,
              lambda a, b: F.binary_cross_entropy_with_logits(
                  a, b, pos_weight=pw, reduction="mean"),
              {"loss": "bce_with_logits", "reduction": "mean",
               "pos_weight": pw.tolist(), "seed": seed,
               "note": "pos_weight broadcasts over the last dim"},
              extra={"pos_weight": pw})

    name = "loss_mse"
    seed = seed_for(name)
    pred = torch.randn(6, 3)
    t = torch.randn(6, 3)
    loss_case(name, pred, t, lambda a, b: F.mse_loss(a, b, reduction="mean"),
              {"loss": "mse", "reduction": "mean", "seed": seed})

    name = "loss_l1"
    seed = seed_for(name)
    pred = torch.randn(6, 3)
    t = torch.randn(6, 3)
    # keep |pred - target| >= 0.05 so no element sits on the |x| kink at 0
    d = pred - t
    t = torch.where(d.abs() < 0.05, pred - 0.05 * torch.where(d < 0, -1.0, 1.0), t)
    assert (pred - t).abs().min() >= 0.05 - 1e-6
    loss_case(name, pred, t, lambda a, b: F.l1_loss(a, b, reduction="mean"),
              {"loss": "l1", "reduction": "mean", "seed": seed})


# --------------------------------------------------------------------------
# optimizers
# --------------------------------------------------------------------------

def optim_case(name, opt_cls, kwargs, state_keys, grad_decay=1.0):
    """grad_decay < 1 shrinks the gradients step by step (grad t scaled by grad_decay**t), so that
    Adam's second moment falls and AMSGrad's running maximum differs from it."""
    seed = seed_for(name)
    steps = 5
    p0 = torch.randn(3, 4)
    grads = [torch.randn(3, 4) * grad_decay ** t for t in range(steps)]
    p = nn.Parameter(p0.clone())
    opt = opt_cls([p], foreach=False, **kwargs)
    tensors = {"param.initial": p0}
    for t in range(steps):
        tensors["grad.%d" % t] = grads[t]
    for t in range(steps):
        opt.zero_grad(set_to_none=True)
        p.grad = grads[t].clone()
        opt.step()
        tensors["param.after.%d" % t] = p.detach().clone()
    st = opt.state[p]
    for k in state_keys:
        assert k in st and st[k] is not None, (name, k, list(st.keys()))
        tensors["state." + k] = st[k]
    cfg = {"optimizer": opt_cls.__name__, "steps": steps, "seed": seed,
           "state_keys": list(state_keys)}
    for k, v in kwargs.items():
        cfg[k] = list(v) if isinstance(v, tuple) else v
    save(name, tensors, cfg)


def optimizer_cases():
    sgd_defaults = {"momentum": 0.0, "dampening": 0.0, "weight_decay": 0.0,
                    "nesterov": False}
    optim_case("optim_sgd", torch.optim.SGD, dict(sgd_defaults, lr=0.1), [])
    optim_case("optim_sgd_momentum", torch.optim.SGD,
               dict(sgd_defaults, lr=0.1, momentum=0.9, weight_decay=0.01,
                    dampening=0.0), ["momentum_buffer"])
    optim_case("optim_sgd_nesterov", torch.optim.SGD,
               dict(sgd_defaults, lr=0.1, momentum=0.9, nesterov=True),
               ["momentum_buffer"])

    adam_defaults = {"lr": 0.01, "betas": (0.9, 0.999), "eps": 1e-8,
                     "weight_decay": 0.0, "amsgrad": False}
    optim_case("optim_adam", torch.optim.Adam, dict(adam_defaults),
               ["exp_avg", "exp_avg_sq"])
    optim_case("optim_adam_wd", torch.optim.Adam,
               dict(adam_defaults, weight_decay=0.01), ["exp_avg", "exp_avg_sq"])
    optim_case("optim_adamw", torch.optim.AdamW,
               dict(adam_defaults, weight_decay=0.05), ["exp_avg", "exp_avg_sq"])
    optim_case("optim_adam_amsgrad", torch.optim.Adam,
               dict(adam_defaults, amsgrad=True),
               ["exp_avg", "exp_avg_sq", "max_exp_avg_sq"], grad_decay=0.1)


# --------------------------------------------------------------------------
# LR schedules
# --------------------------------------------------------------------------

def schedule_case(name, make_sched, config, base_lr=0.1, steps=10):
    seed = seed_for(name)
    p = nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=base_lr)
    sched = make_sched(opt)
    lrs = []
    for _ in range(steps):
        lrs.append(opt.param_groups[0]["lr"])
        p.grad = torch.zeros_like(p)
        opt.step()
        sched.step()
    cfg = dict(config, base_lr=base_lr, steps=steps, seed=seed,
               lrs_float64=lrs,
               note="lrs[i] = optimizer lr before optimizer step i "
                    "(loop: record, optimizer.step(), scheduler.step())")
    save(name, {"lrs": torch.tensor(lrs, dtype=torch.float64)}, cfg)


def schedule_cases():
    S = torch.optim.lr_scheduler
    schedule_case("schedule_step", lambda o: S.StepLR(o, step_size=3, gamma=0.5),
                  {"scheduler": "StepLR", "step_size": 3, "gamma": 0.5})
    schedule_case("schedule_cosine",
                  lambda o: S.CosineAnnealingLR(o, T_max=10, eta_min=0.001),
                  {"scheduler": "CosineAnnealingLR", "T_max": 10, "eta_min": 0.001})
    schedule_case("schedule_warmup",
                  lambda o: S.LinearLR(o, start_factor=0.1, total_iters=4),
                  {"scheduler": "LinearLR", "start_factor": 0.1,
                   "end_factor": 1.0, "total_iters": 4})

    def warmup_cosine(o):
        warm = S.LinearLR(o, start_factor=0.1, total_iters=3)
        cos = S.CosineAnnealingLR(o, T_max=7)
        return S.SequentialLR(o, schedulers=[warm, cos], milestones=[3])

    schedule_case("schedule_warmup_cosine", warmup_cosine,
                  {"scheduler": "SequentialLR", "milestones": [3],
                   "schedulers": [
                       {"scheduler": "LinearLR", "start_factor": 0.1,
                        "end_factor": 1.0, "total_iters": 3},
                       {"scheduler": "CosineAnnealingLR", "T_max": 7,
                        "eta_min": 0.0}]})


# --------------------------------------------------------------------------
# gradient clipping
# --------------------------------------------------------------------------

def clipping_cases():
    name = "clip_grad_norm"
    seed = seed_for(name)
    p0 = nn.Parameter(torch.randn(3, 4))
    p1 = nn.Parameter(torch.randn(5))
    g0 = 0.8 * torch.randn(3, 4)
    g1 = 0.8 * torch.randn(5)
    p0.grad = g0.clone()
    p1.grad = g1.clone()
    total = torch.nn.utils.clip_grad_norm_([p0, p1], max_norm=1.0, norm_type=2.0,
                                           foreach=False)
    assert total > 1.0, "fixture should actually clip"
    save(name, {
        "grad.before.0": g0, "grad.before.1": g1,
        "grad.after.0": p0.grad, "grad.after.1": p1.grad,
        "total_norm": total,
    }, {"max_norm": 1.0, "norm_type": 2.0, "seed": seed,
        "note": "total_norm is the pre-clip norm over all grads; "
                "clip_coef = max_norm / (total_norm + 1e-6), applied only if < 1"})


# --------------------------------------------------------------------------
# model / state-dict key names
# --------------------------------------------------------------------------

def model_cases():
    name = "mlp"
    seed = seed_for(name)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
    x = torch.randn(5, 4)
    with torch.no_grad():
        y = model(x)
    tensors = {k: v for k, v in model.state_dict().items()}
    assert sorted(tensors) == ["0.bias", "0.weight", "2.bias", "2.weight"]
    tensors["input"] = x
    tensors["output"] = y
    save(name, tensors, {
        "model": "Sequential(Linear(4,8), ReLU(), Linear(8,3))",
        "state_dict_keys": ["0.weight", "0.bias", "2.weight", "2.bias"],
        "seed": seed,
        "note": "state_dict tensors stored under their exact keys, no prefix"})


# --------------------------------------------------------------------------

def main():
    run("parity", 1 << 20, layer_cases, activation_cases, loss_cases, optimizer_cases,
        schedule_cases, clipping_cases, model_cases)


if __name__ == "__main__":
    main()
