#!/usr/bin/env python3
"""Generate PyTorch parity fixtures for FusionKit's attention layers.

Usage (from the repository root):

    /path/to/venv/bin/python Tests/Fixtures/make_attention_fixtures.py

Writes one ``.safetensors`` file per case into ``Tests/Fixtures/parity/``:
sdpa_*, mha_*, encoder_*, decoder_cross, sinusoidal_positions,
squeeze_excitation, non_local. Only these files are written; the fixtures of
``make_fixtures.py`` and ``make_vision_sequence_fixtures.py`` are left alone.

File format, tensor names and seeding are those of ``make_fixtures.py``, whose
helpers this script uses (see ``Tests/Fixtures/README.md``).

Extra names used here:

* ``query``, ``key``, ``value`` (and ``grad.query``, ``grad.key``,
  ``grad.value``): separate attention inputs and their gradients, used
  instead of ``input``/``grad_input`` where the three differ.
* ``memory`` / ``grad.memory``: decoder memory and its gradient.
* ``key_padding_mask`` [batch, Lk], ``memory_key_padding_mask``: 1 = the key
  is padding and is ignored, 0 = attend (PyTorch's boolean convention for
  ``nn.MultiheadAttention``: True = ignore), stored as float32 1/0.
* ``attn_mask``: for ``mha_causal`` a boolean mask stored as float32 1/0
  (1 = masked, PyTorch's MultiheadAttention convention); for
  ``sdpa_additive`` a float mask that is *added* to the scores.
* ``weights`` / ``weights_per_head``: attention probabilities. They are not
  part of the loss; backward is ``output.backward(grad_output)`` only.

Every attention-like module runs in train mode with dropout 0.0 so that
PyTorch's regular (non-fast-path) implementation is used.
"""

import math
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import make_fixtures as mf  # noqa: E402  (no side effects besides torch options)
from make_fixtures import module_case, save, seed_for  # noqa: E402

SIZE_LIMIT = 1024 * 1024  # 1 MB for the files written by this script

BIAS_NOTE = ("PyTorch initialises the attention biases (in_proj_bias, "
             "out_proj.bias) to zero and LayerNorm weight/bias to 1/0; here "
             "they are overwritten with random values (biases 0.2*randn, "
             "LayerNorm weight 1+0.2*randn, LayerNorm bias 0.2*randn) so that "
             "they are exercised; all other parameters use PyTorch's default init")


def bool_as_float(m):
    return m.to(torch.float32)


def randomize_attention_params(module):
    """Overwrite zero-initialised MHA biases and LayerNorm affine params."""
    with torch.no_grad():
        for _, sub in module.named_modules():
            if isinstance(sub, nn.MultiheadAttention):
                sub.in_proj_bias.copy_(0.2 * torch.randn_like(sub.in_proj_bias))
                sub.out_proj.bias.copy_(0.2 * torch.randn_like(sub.out_proj.bias))
            elif isinstance(sub, nn.LayerNorm):
                sub.weight.copy_(1.0 + 0.2 * torch.randn_like(sub.weight))
                sub.bias.copy_(0.2 * torch.randn_like(sub.bias))


def param_keys(module):
    keys = [k for k, _ in module.named_parameters()]
    assert keys == list(module.state_dict().keys()), (keys, list(module.state_dict()))
    return keys


def assert_close(a, b, what, atol=1e-5, rtol=1e-5):
    assert a.shape == b.shape, (what, a.shape, b.shape)
    err = (a - b).abs().max().item()
    assert torch.allclose(a, b, atol=atol, rtol=rtol), (what, err)


# --------------------------------------------------------------------------
# scaled dot-product attention (explicit)
# --------------------------------------------------------------------------

def explicit_attention(q, k, v, bool_mask=None, add_mask=None):
    """softmax(q k^T / sqrt(d) + mask) v in float32.

    ``bool_mask`` (broadcastable to [.., Lq, Lk]): True = masked, filled
    with -inf before the softmax, so masked probabilities are exactly 0.
    ``add_mask``: float mask added to the scaled scores.
    Returns (output, weights).
    """
    d = q.shape[-1]
    scores = torch.matmul(q, k.transpose(-2, -1)) * (1.0 / math.sqrt(d))
    if add_mask is not None:
        scores = scores + add_mask
    if bool_mask is not None:
        scores = scores.masked_fill(bool_mask, float("-inf"))
    w = torch.softmax(scores, dim=-1)
    return torch.matmul(w, v), w


def sdpa_case(name, lq, lk, mask_kind):
    seed = seed_for(name)
    b, h, d, dv = 2, 2, 5, 3
    q = torch.randn(b, h, lq, d)
    k = torch.randn(b, h, lk, d)
    v = torch.randn(b, h, lk, dv)
    tensors = {"query": q, "key": k, "value": v}
    cfg = {"op": "scaled_dot_product_attention", "batch": b, "heads": h,
           "head_dim": d, "value_dim": dv, "lq": lq, "lk": lk,
           "scale": 1.0 / math.sqrt(d), "dropout_p": 0.0, "is_causal": False,
           "mask": mask_kind, "seed": seed}
    bool_mask = add_mask = None
    sdpa_kw = {}  # the equivalent F.scaled_dot_product_attention arguments
    note = ("output = softmax(query @ key^T * scale + mask) @ value, scale = "
            "1/sqrt(head_dim), computed explicitly in float32; weights = the "
            "softmax probabilities [batch, heads, Lq, Lk]")
    if mask_kind == "key_padding":
        lens = [lk - 2, lk - 1]
        kpm = torch.arange(lk)[None, :] >= torch.tensor(lens)[:, None]  # True = pad
        tensors["key_padding_mask"] = bool_as_float(kpm)
        bool_mask = kpm[:, None, None, :]
        sdpa_kw["attn_mask"] = ~bool_mask  # SDPA boolean: True = attend
        cfg["valid_keys"] = lens
        note += ("; key_padding_mask [batch, Lk]: 1 = padded key, ignored "
                 "(score set to -inf, probability exactly 0); batch 0 pads the "
                 "last 2 keys, batch 1 the last 1. NB F.scaled_dot_product_attention's "
                 "own boolean attn_mask has the opposite meaning (True = attend)")
    elif mask_kind == "causal":
        causal = torch.ones(lq, lk, dtype=torch.bool).triu(1)  # True = masked
        bool_mask = causal
        sdpa_kw["is_causal"] = True
        cfg["is_causal"] = True
        note += ("; causal: query i attends to keys j <= i (j > i gets -inf, "
                 "probability exactly 0); no mask tensor is stored")
    elif mask_kind == "additive":
        am = torch.empty(lq, lk).uniform_(-2.0, 2.0)
        cols = torch.randint(0, lk, (lq,))
        am[torch.arange(lq), cols] = -1e9
        tensors["attn_mask"] = am
        add_mask = am
        sdpa_kw["attn_mask"] = am
        cfg["minus_1e9_columns"] = cols.tolist()
        note += ("; attn_mask [Lq, Lk] is added to the scaled scores and "
                 "broadcasts over batch and heads; values uniform in [-2, 2] "
                 "except one entry per row set to -1e9 (column per row in "
                 "minus_1e9_columns), whose probability underflows to exactly 0")
    else:
        assert mask_kind == "none"
    cfg["note"] = note

    leaves = [t.detach().clone().requires_grad_(True) for t in (q, k, v)]
    out, w = explicit_attention(*leaves, bool_mask=bool_mask, add_mask=add_mask)
    grad_output = torch.randn_like(out)
    out.backward(grad_output)

    # sanity: same as PyTorch's own SDPA (math within float32 rounding)
    with torch.no_grad():
        ref = F.scaled_dot_product_attention(q, k, v, dropout_p=0.0, **sdpa_kw)
    assert_close(out.detach(), ref, name)
    if bool_mask is not None:
        assert torch.all(w.detach()[bool_mask.expand_as(w)] == 0), name
    if mask_kind == "additive":
        assert torch.all(w.detach()[..., torch.arange(lq), cols] == 0), name
    assert_close(w.detach().sum(-1), torch.ones(b, h, lq), name + " rows")

    tensors.update({"output": out, "weights": w, "grad_output": grad_output,
                    "grad.query": leaves[0].grad, "grad.key": leaves[1].grad,
                    "grad.value": leaves[2].grad})
    save(name, tensors, cfg)


def sdpa_cases():
    sdpa_case("sdpa_nomask", 4, 6, "none")
    sdpa_case("sdpa_key_padding", 4, 6, "key_padding")
    sdpa_case("sdpa_causal", 5, 5, "causal")
    sdpa_case("sdpa_additive", 4, 6, "additive")


# --------------------------------------------------------------------------
# nn.MultiheadAttention
# --------------------------------------------------------------------------

def mha_reference(m, q, k, v, kpm=None, attn_mask=None):
    """Documented MHA semantics, re-derived by hand (sanity check only)."""
    e, h = m.embed_dim, m.num_heads
    if m._qkv_same_embed_dim:
        wq, wk, wv = m.in_proj_weight.chunk(3)
    else:
        wq, wk, wv = m.q_proj_weight, m.k_proj_weight, m.v_proj_weight
    bq, bk, bv = m.in_proj_bias.chunk(3)
    Q, K, V = F.linear(q, wq, bq), F.linear(k, wk, bk), F.linear(v, wv, bv)

    def heads(t):  # [B, L, E] -> [B, H, L, E/H]
        return t.reshape(t.shape[0], t.shape[1], h, e // h).transpose(1, 2)

    mask = None
    if kpm is not None:
        mask = kpm[:, None, None, :]
    if attn_mask is not None:
        mask = attn_mask if mask is None else (mask | attn_mask)
    o, w = explicit_attention(heads(Q), heads(K), heads(V), bool_mask=mask)
    o = o.transpose(1, 2).reshape(q.shape[0], q.shape[1], e)
    return m.out_proj(o), w


def mha_case(name, kind):
    seed = seed_for(name)
    e, h = 8, 2
    kdim = vdim = None
    if kind == "cross_kdim":
        kdim, vdim = 6, 4
    m = nn.MultiheadAttention(e, h, dropout=0.0, bias=True, batch_first=True,
                              kdim=kdim, vdim=vdim)
    randomize_attention_params(m)
    m.train()
    keys = param_keys(m)
    params = dict(m.named_parameters())
    param0 = {k: v.detach().clone() for k, v in params.items()}

    cfg = {"module": "MultiheadAttention", "embed_dim": e, "num_heads": h,
           "head_dim": e // h, "kdim": kdim or e, "vdim": vdim or e,
           "dropout": 0.0, "bias": True, "add_bias_kv": False,
           "add_zero_attn": False, "batch_first": True, "training": True,
           "need_weights": True, "param_keys": keys, "seed": seed}
    note = ("train mode, dropout 0 (regular path); called with need_weights=True "
            "(output from that call); Q = query W_q^T + b_q etc. with "
            "in_proj_bias = [b_q; b_k; b_v]"
            + ("; in_proj_weight = [W_q; W_k; W_v] stacked on rows"
               if kdim is None else
               "; separate q_proj_weight [E,E], k_proj_weight [E,kdim], "
               "v_proj_weight [E,vdim]")
            + "; heads split the projected features in order (head i = "
            "features i*head_dim ..< (i+1)*head_dim); per head softmax(Q K^T / "
            "sqrt(head_dim) + mask) V; heads concatenated, then out_proj; "
            "weights = attention probabilities averaged over heads "
            "(average_attn_weights=True)")

    tensors = {}
    kpm = attn_mask = None
    if kind == "cross_kdim":
        b, lq, lk = 2, 4, 6
        q = torch.randn(b, lq, e)
        k = torch.randn(b, lk, kdim)
        v = torch.randn(b, lk, vdim)
        tensors.update({"query": q, "key": k, "value": v})
        leaves = [t.detach().clone().requires_grad_(True) for t in (q, k, v)]
        call = (leaves[0], leaves[1], leaves[2])
    else:
        b, l = 2, 5
        x = torch.randn(b, l, e)
        tensors["input"] = x
        leaves = [x.detach().clone().requires_grad_(True)]
        call = (leaves[0], leaves[0], leaves[0])  # query is key is value
        note += "; self-attention: query = key = value = input"
        if kind == "self":
            kpm = torch.zeros(b, l, dtype=torch.bool)
            kpm[1, l - 2:] = True
            tensors["key_padding_mask"] = bool_as_float(kpm)
            cfg["valid_keys"] = [l, l - 2]
            note += ("; key_padding_mask [batch, L]: 1 = padded key, ignored "
                     "(batch 1 pads the last 2 keys); padded query positions "
                     "still produce (finite) outputs; weights_per_head = "
                     "average_attn_weights=False [batch, heads, L, L]")
        elif kind == "causal":
            attn_mask = torch.ones(l, l, dtype=torch.bool).triu(1)
            tensors["attn_mask"] = bool_as_float(attn_mask)
            cfg["is_causal"] = False
            note += ("; attn_mask [L, L] boolean, 1 = masked (upper triangle "
                     "above the diagonal): position i attends to j <= i; passed "
                     "as attn_mask with is_causal=False")
    cfg["note"] = note

    out, w = m(*call, key_padding_mask=kpm, attn_mask=attn_mask,
               need_weights=True, average_attn_weights=True)
    grad_output = torch.randn_like(out)
    out.backward(grad_output)

    with torch.no_grad():
        ref_in = [t.detach() for t in call]
        out2, w_heads = m(*ref_in, key_padding_mask=kpm, attn_mask=attn_mask,
                          need_weights=True, average_attn_weights=False)
        ref_out, ref_w = mha_reference(m, *ref_in, kpm=kpm, attn_mask=attn_mask)
    assert torch.equal(out2, out.detach()), name
    assert_close(w_heads.mean(1), w.detach(), name + " mean weights")
    assert_close(ref_out, out.detach(), name + " reference")
    assert_close(ref_w, w_heads, name + " reference weights")

    for key in keys:
        tensors["param." + key] = param0[key]
    tensors["output"] = out
    tensors["weights"] = w
    if kind == "self":
        tensors["weights_per_head"] = w_heads
    tensors["grad_output"] = grad_output
    if kind == "cross_kdim":
        for nm, leaf in zip(("query", "key", "value"), leaves):
            tensors["grad." + nm] = leaf.grad
    else:
        tensors["grad_input"] = leaves[0].grad
    for key in keys:
        tensors["grad." + key] = params[key].grad
    cfg["note"] += "; " + BIAS_NOTE
    save(name, tensors, cfg)


def mha_cases():
    mha_case("mha_self", "self")
    mha_case("mha_cross_kdim", "cross_kdim")
    mha_case("mha_causal", "causal")


# --------------------------------------------------------------------------
# Transformer encoder / decoder layers
# --------------------------------------------------------------------------

def run_transformer(name, module, inputs, call, extra, cfg):
    """Forward+backward for a transformer module.

    ``inputs``: ordered {tensor name: value} of float inputs that get
    gradients (the first must be ``input``); ``call(leaves)`` runs the
    forward; ``extra``: more tensors to save (masks).
    """
    keys = param_keys(module)
    params = dict(module.named_parameters())
    param0 = {k: v.detach().clone() for k, v in params.items()}
    leaves = {k: v.detach().clone().requires_grad_(True) for k, v in inputs.items()}
    out = call(leaves)
    grad_output = torch.randn_like(out)
    out.backward(grad_output)

    tensors = dict(inputs)
    tensors.update(extra)
    for k in keys:
        tensors["param." + k] = param0[k]
    tensors["output"] = out
    tensors["grad_output"] = grad_output
    for nm, leaf in leaves.items():
        tensors["grad_input" if nm == "input" else "grad." + nm] = leaf.grad
    for k in keys:
        tensors["grad." + k] = params[k].grad
    cfg = dict(cfg, param_keys=keys)
    save(name, tensors, cfg)


def layer_cfg(norm_first, activation):
    return {"d_model": 8, "nhead": 2, "dim_feedforward": 16, "dropout": 0.0,
            "batch_first": True, "norm_first": norm_first,
            "activation": activation, "layer_norm_eps": 1e-5, "bias": True,
            "training": True}


ENCODER_NOTE = {
    False: ("post-norm: x = norm1(x + self_attn(x, x, x)); "
            "x = norm2(x + linear2(act(linear1(x))))"),
    True: ("pre-norm: x = x + self_attn(norm1(x)) (query = key = value = "
           "norm1(x)); x = x + linear2(act(linear1(norm2(x))))"),
}
ACT_NOTE = {"relu": "act = relu", "gelu": "act = exact (erf) gelu"}
TRAIN_NOTE = ("run in train mode with dropout 0.0 so PyTorch takes the regular "
              "autograd path, not the eval-mode inference fast path (a fused "
              "kernel; inside nn.TransformerEncoder with nested tensors it "
              "would also return 0 at padded query positions)")


def make_encoder_layer(norm_first, activation):
    layer = nn.TransformerEncoderLayer(
        d_model=8, nhead=2, dim_feedforward=16, dropout=0.0,
        activation=activation, layer_norm_eps=1e-5, batch_first=True,
        norm_first=norm_first, bias=True)
    randomize_attention_params(layer)
    layer.train()
    return layer


def encoder_layer_case(name, norm_first, activation):
    seed = seed_for(name)
    layer = make_encoder_layer(norm_first, activation)
    b, l = 2, 5
    x = torch.randn(b, l, 8)
    kpm = torch.zeros(b, l, dtype=torch.bool)
    kpm[1, l - 1] = True
    cfg = dict(layer_cfg(norm_first, activation), seed=seed,
               module="TransformerEncoderLayer", valid_keys=[l, l - 1],
               note="; ".join([
                   ENCODER_NOTE[norm_first], ACT_NOTE[activation],
                   "self_attn is MultiheadAttention(8, 2) with "
                   "src_key_padding_mask; key_padding_mask [batch, L]: 1 = "
                   "padded key, ignored (batch 1 pads the last key); padded "
                   "query positions still produce outputs and get grad_output",
                   TRAIN_NOTE, BIAS_NOTE]))
    run_transformer(name, layer, {"input": x},
                    lambda lv: layer(lv["input"], src_key_padding_mask=kpm),
                    {"key_padding_mask": bool_as_float(kpm)}, cfg)


def encoder_stack_case(name):
    seed = seed_for(name)
    first = make_encoder_layer(False, "relu")
    enc = nn.TransformerEncoder(first, num_layers=2, norm=None,
                                enable_nested_tensor=False)
    # TransformerEncoder deep-copies the layer, so both copies start out
    # identical; give layer 1 its own freshly drawn parameters.
    second = make_encoder_layer(False, "relu")
    enc.layers[1].load_state_dict(second.state_dict())
    enc.train()
    x = torch.randn(2, 5, 8)
    cfg = dict(layer_cfg(False, "relu"), seed=seed, module="TransformerEncoder",
               num_layers=2, final_norm=None, enable_nested_tensor=False,
               note="; ".join([
                   "TransformerEncoder of 2 post-norm TransformerEncoderLayers "
                   "(relu), no final norm, no mask; layers.i.* are the "
                   "parameters of layer i, applied in order 0 then 1",
                   "the two layers have different parameters (layer 1 was "
                   "re-drawn after TransformerEncoder deep-copied layer 0)",
                   ENCODER_NOTE[False], TRAIN_NOTE, BIAS_NOTE]))
    run_transformer(name, enc, {"input": x}, lambda lv: enc(lv["input"]), {}, cfg)


def decoder_case(name):
    seed = seed_for(name)
    layer = nn.TransformerDecoderLayer(
        d_model=8, nhead=2, dim_feedforward=16, dropout=0.0, activation="relu",
        layer_norm_eps=1e-5, batch_first=True, norm_first=False, bias=True)
    randomize_attention_params(layer)
    layer.train()
    b, lt, lm = 2, 4, 6
    tgt = torch.randn(b, lt, 8)
    memory = torch.randn(b, lm, 8)
    mkpm = torch.zeros(b, lm, dtype=torch.bool)
    mkpm[0, lm - 2:] = True
    cfg = dict(layer_cfg(False, "relu"), seed=seed,
               module="TransformerDecoderLayer", valid_memory_keys=[lm - 2, lm],
               tgt_mask=None, tgt_is_causal=False, memory_mask=None,
               note="; ".join([
                   "post-norm: x = norm1(x + self_attn(x, x, x)); "
                   "x = norm2(x + multihead_attn(x, memory, memory)); "
                   "x = norm3(x + linear2(relu(linear1(x))))",
                   "input = tgt [batch, Lt, d]; memory [batch, Lm, d]; no tgt "
                   "mask (target self-attention is unmasked)",
                   "memory_key_padding_mask [batch, Lm]: 1 = padded memory "
                   "key, ignored in the cross-attention (batch 0 pads the "
                   "last 2); grad.memory = gradient w.r.t. memory (0 at "
                   "padded memory positions)",
                   TRAIN_NOTE, BIAS_NOTE]))
    run_transformer(
        name, layer, {"input": tgt, "memory": memory},
        lambda lv: layer(lv["input"], lv["memory"], memory_key_padding_mask=mkpm),
        {"memory_key_padding_mask": bool_as_float(mkpm)}, cfg)


def transformer_cases():
    encoder_layer_case("encoder_postnorm", False, "relu")
    encoder_layer_case("encoder_prenorm", True, "gelu")
    encoder_stack_case("encoder_stack")
    decoder_case("decoder_cross")


# --------------------------------------------------------------------------
# positional encoding
# --------------------------------------------------------------------------

def positional_cases():
    name = "sinusoidal_positions"
    seed = seed_for(name)
    n, d = 7, 8
    pos = torch.arange(n, dtype=torch.float64)[:, None]
    two_i = torch.arange(0, d, 2, dtype=torch.float64)[None, :]
    angle = pos / torch.pow(torch.tensor(10000.0, dtype=torch.float64), two_i / d)
    pe = torch.zeros(n, d, dtype=torch.float64)
    pe[:, 0::2] = torch.sin(angle)
    pe[:, 1::2] = torch.cos(angle)
    save(name, {"output": pe}, {
        "positions": n, "d_model": d, "base": 10000.0, "seed": seed,
        "note": "PE[pos, 2i] = sin(pos / 10000^(2i/d)), PE[pos, 2i+1] = "
                "cos(pos / 10000^(2i/d)), pos = 0..positions-1; computed in "
                "float64, then cast to float32; no random data"})


# --------------------------------------------------------------------------
# squeeze-and-excitation / non-local blocks
# --------------------------------------------------------------------------

# Deliberate pattern (same shape as Tests/Fixtures/make_fusion_fixtures_structured2.py:FeedForward): two Linear layers and a short forward; a different block that only looks alike.
class SqueezeExcitation(nn.Module):
    def __init__(self, channels, reduced):
        super().__init__()
        self.fc1 = nn.Linear(channels, reduced)
        self.fc2 = nn.Linear(reduced, channels)

    def forward(self, x):
        s = x.mean((2, 3))
        s = torch.sigmoid(self.fc2(F.relu(self.fc1(s))))
        return x * s[:, :, None, None]


class NonLocal(nn.Module):
    def __init__(self, channels, inter):
        super().__init__()
        self.theta = nn.Conv2d(channels, inter, 1)
        self.phi = nn.Conv2d(channels, inter, 1)
        self.g = nn.Conv2d(channels, inter, 1)
        self.out = nn.Conv2d(inter, channels, 1)

    def forward(self, x):
        b, _, hh, ww = x.shape
        theta = self.theta(x).flatten(2).transpose(1, 2)  # [B, HW, inter]
        phi = self.phi(x).flatten(2)                      # [B, inter, HW]
        g = self.g(x).flatten(2).transpose(1, 2)          # [B, HW, inter]
        f = torch.softmax(torch.bmm(theta, phi), dim=-1)  # [B, HW, HW]
        y = torch.bmm(f, g)                               # [B, HW, inter]
        y = y.transpose(1, 2).reshape(b, -1, hh, ww)      # [B, inter, H, W]
        return self.out(y) + x


def block_cases():
    name = "squeeze_excitation"
    seed = seed_for(name)
    m = SqueezeExcitation(6, 3)
    x = torch.randn(2, 6, 4, 4)
    module_case(name, m, [x], {
        "channels": 6, "reduced": 3, "param_keys": param_keys(m), "seed": seed,
        "note": "s = x.mean over (H, W) -> [B, C]; s = sigmoid(fc2(relu(fc1(s)))); "
                "output = x * s[:, :, None, None]; fc1 = Linear(6, 3), "
                "fc2 = Linear(3, 6), default init"})

    name = "non_local"
    seed = seed_for(name)
    m = NonLocal(4, 2)
    x = torch.randn(2, 4, 3, 3)
    module_case(name, m, [x], {
        "channels": 4, "inter_channels": 2, "param_keys": param_keys(m),
        "seed": seed,
        "note": "embedded-Gaussian non-local block without batch norm; "
                "theta/phi/g/out are 1x1 Conv2d (default init, NCHW); "
                "theta(x), g(x) flattened to [B, HW, inter] (row-major HW), "
                "phi(x) to [B, inter, HW]; f = softmax(theta @ phi, dim=-1) "
                "(no 1/sqrt(d) scaling); y = f @ g -> [B, HW, inter] -> "
                "transposed and reshaped to [B, inter, H, W]; "
                "output = out(y) + x"})


# --------------------------------------------------------------------------

def main():
    mf.run("attention", SIZE_LIMIT, sdpa_cases, mha_cases, transformer_cases, positional_cases, block_cases)


if __name__ == "__main__":
    main()
