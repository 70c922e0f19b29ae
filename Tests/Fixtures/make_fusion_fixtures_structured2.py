#!/usr/bin/env python3
"""Generate PyTorch parity fixtures for the remaining structured fusion strategies.

Usage (from the repository root):

    /path/to/venv/bin/python Tests/Fixtures/make_fusion_fixtures_structured2.py

Writes ``fusion_<name>.safetensors`` into ``Tests/Fixtures/parity/`` for cross-modal
attention, stacked attention, the non-local gate (sigmoid and softmax), the
cross-modal transformer (MulT), the early-fusion transformer (mean and class-token
pooling), late fusion (average, learned weights, maximum), skip concatenation
(plain and with a convolution), residual addition with a projection,
concatenation + squeeze-and-excitation, global pooling and co-attention, and
nothing else. Each strategy is written out directly from the formula in the
Swift doc comment, with torch.nn.MultiheadAttention / LayerNorm / Linear /
Conv2d / TransformerEncoder where the Swift side mirrors them and the same
parameter names as the Swift class, so ``param.*`` loads as a state dict.

Every parameter is perturbed by 0.1 * N(0, 1) after construction, so that the
zero biases, unit LayerNorm gains and zero learned late-fusion weights of the
default initialisations do not hide mistakes. Inputs are standard normal, so
the element-wise maximum of late fusion has distinct arguments (with
probability one; the script asserts it).

The conventions are those of ``make_fusion_fixtures_structured.py``.
"""

import math
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import make_fixtures as mf  # noqa: E402
from make_fixtures import module_case, seed_for  # noqa: E402
from make_attention_fixtures import SqueezeExcitation  # noqa: E402

OUT_DIR = mf.OUT_DIR
SIZE_LIMIT = 256 * 1024


def perturb(module):
    with torch.no_grad():
        for p in module.parameters():
            p.add_(0.1 * torch.randn_like(p))
    return module


def mha(embed, heads, kdim=None):
    return nn.MultiheadAttention(embed, heads, dropout=0.0, kdim=kdim, vdim=kdim, batch_first=True)


class CrossModalAttention(nn.Module):
    def __init__(self, dq, dk, heads):
        super().__init__()
        self.attention = mha(dq, heads, dk)
        self.norm = nn.LayerNorm(dq)

    def forward(self, queries, keys):
        out, _ = self.attention(queries, keys, keys, need_weights=False)
        return self.norm(queries + out).mean(dim=1)


class Hop(nn.Module):
    def __init__(self, d, a):
        super().__init__()
        self.image = nn.Linear(d, a, bias=False)
        self.question = nn.Linear(d, a)
        self.score = nn.Linear(a, 1)


class StackedAttention(nn.Module):
    def __init__(self, d, a, hops):
        super().__init__()
        self.hops = nn.ModuleList([Hop(d, a) for _ in range(hops)])

    def forward(self, u, regions):
        for hop in self.hops:
            h = torch.tanh(hop.image(regions) + hop.question(u)[:, None, :])
            p = torch.softmax(hop.score(h), dim=1)            # [B, N, 1]
            u = (p * regions).sum(dim=1) + u
        return u


class NonLocalGate(nn.Module):
    def __init__(self, d, da, k, gate):
        super().__init__()
        self.k, self.gate = k, gate
        self.theta = nn.Linear(d, k)
        self.phi = nn.Linear(da, k)
        self.g = nn.Linear(da, k)
        self.output = nn.Linear(k, d)

    def forward(self, visual, other):
        scores = self.theta(visual) @ self.phi(other).transpose(1, 2) / math.sqrt(self.k)
        weights = torch.softmax(scores, dim=-1) if self.gate == "softmax" else torch.sigmoid(scores)
        return (visual + self.output(weights @ self.g(other))).mean(dim=1)


def sinusoidal_table(length, width):
    pe = torch.zeros(length, width, dtype=torch.float64)
    for p in range(length):
        for i in range(0, width, 2):
            angle = p / (10000.0 ** (i / width))
            pe[p, i] = math.sin(angle)
            if i + 1 < width:
                pe[p, i + 1] = math.cos(angle)
    return pe.float()


class Positions(nn.Module):
    def __init__(self, width, length):
        super().__init__()
        self.register_buffer("pe", sinusoidal_table(length, width))

    def forward(self, x):
        return x + self.pe[: x.shape[1]]


# Deliberate pattern (same shape as Benchmarks/peer/vqa_models.py:TransformerEncoderLayer): the fixture is written from the Swift doc comment, independent of the benchmark peer (post-norm here, pre-norm there).
class CrossModalBlock(nn.Module):
    def __init__(self, d, heads, ff):
        super().__init__()
        self.attention = mha(d, heads)
        self.linear1 = nn.Linear(d, ff)
        self.linear2 = nn.Linear(ff, d)
        self.norm1 = nn.LayerNorm(d)
        self.norm2 = nn.LayerNorm(d)

    def forward(self, target, source):
        out, _ = self.attention(target, source, source, need_weights=False)
        z = self.norm1(target + out)
        return self.norm2(z + self.linear2(F.relu(self.linear1(z))))


class CrossModalTransformer(nn.Module):
    """MulT as in the Swift doc comment: post-norm blocks, depth 1, time mean."""

    def __init__(self, widths, d, heads, ff, length):
        super().__init__()
        self.projections = nn.ModuleList([nn.Linear(w, d) for w in widths])
        self.positions = Positions(d, length)
        m = len(widths)
        self.pairs = [(t, s) for t in range(m) for s in range(m) if s != t]
        self.blocks = nn.ModuleList([CrossModalBlock(d, heads, ff) for _ in self.pairs])

    def forward(self, *inputs):
        z = [self.positions(p(x)) for p, x in zip(self.projections, inputs)]
        per_target = [[] for _ in inputs]
        for block, (t, s) in zip(self.blocks, self.pairs):
            per_target[t].append(block(z[t], z[s]))
        return torch.cat([torch.cat(h, dim=2).mean(dim=1) for h in per_target], dim=1)


class ModalityEmbedding(nn.Module):
    def __init__(self, m, d):
        super().__init__()
        self.weight = nn.Parameter(0.02 * torch.randn(m, d))


class EarlyFusionTransformer(nn.Module):
    def __init__(self, widths, d, heads, ff, class_token):
        super().__init__()
        self.projections = nn.ModuleList([nn.Linear(w, d) for w in widths])
        self.embedding = ModalityEmbedding(len(widths), d)
        layer = nn.TransformerEncoderLayer(d, heads, ff, dropout=0.0, activation="relu", batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, 1, enable_nested_tensor=False)
        self.token = nn.Parameter(0.02 * torch.randn(1, 1, d)) if class_token else None

    def forward(self, *inputs):
        tokens = [p(x) + self.embedding.weight[m] for m, (p, x) in enumerate(zip(self.projections, inputs))]
        if self.token is not None:
            tokens.insert(0, self.token.expand(inputs[0].shape[0], 1, -1))
        h = self.encoder(torch.cat(tokens, dim=1))
        return h[:, 0] if self.token is not None else h.mean(dim=1)


class LateFusion(nn.Module):
    def __init__(self, m, combination):
        super().__init__()
        self.combination = combination
        if combination == "learned_weights":
            self.weights = nn.Parameter(torch.zeros(m))

    def forward(self, *predictions):
        stacked = torch.stack(predictions, dim=0)
        if self.combination == "average":
            return stacked.mean(dim=0)
        if self.combination == "learned_weights":
            return (torch.softmax(self.weights, dim=0)[:, None, None] * stacked).sum(dim=0)
        return stacked.amax(dim=0)


class SkipConcatenation(nn.Module):
    def __init__(self, cs, cd, out=None):
        super().__init__()
        self.convolution = nn.Conv2d(cs + cd, out, 3, padding=1) if out else None

    def forward(self, shallow, deep):
        if deep.shape[2:] != shallow.shape[2:]:
            deep = F.interpolate(deep, size=shallow.shape[2:], mode="nearest")
        joined = torch.cat([shallow, deep], dim=1)
        return F.relu(self.convolution(joined)) if self.convolution is not None else joined


class ResidualAddition(nn.Module):
    def __init__(self, c, c_other):
        super().__init__()
        self.projection = nn.Conv2d(c_other, c, 1, bias=False)

    def forward(self, x, other):
        return x + self.projection(other)


class SqueezeExcitationFusion(nn.Module):
    """The maps concatenated on the channels, then the squeeze-and-excitation block of
    ``make_attention_fixtures.py`` (keys ``excitation.fc1.*``, ``excitation.fc2.*``)."""

    def __init__(self, channels, reduction):
        super().__init__()
        c = sum(channels)
        self.excitation = SqueezeExcitation(c, max(1, c // reduction))

    def forward(self, *maps):
        return self.excitation(torch.cat(maps, dim=1))


class GlobalPooling(nn.Module):
    def forward(self, *maps):
        return torch.cat([x.mean(dim=(2, 3)) for x in maps], dim=1)


# Deliberate pattern (same shape as Tests/Fixtures/make_attention_fixtures.py:SqueezeExcitation): two Linear layers and a one-line forward; a different block (GELU feed-forward, not an excitation) that only looks alike.
class FeedForward(nn.Module):
    def __init__(self, d, hidden):
        super().__init__()
        self.linear1 = nn.Linear(d, hidden)
        self.linear2 = nn.Linear(hidden, d)

    def forward(self, x):
        return self.linear2(F.gelu(self.linear1(x)))


class CoAttentionLayer(nn.Module):
    def __init__(self, da, db, heads, ff):
        super().__init__()
        self.attention_a = mha(da, heads, db)
        self.attention_b = mha(db, heads, da)
        self.ffn_a = FeedForward(da, ff)
        self.ffn_b = FeedForward(db, ff)
        self.norm_a1, self.norm_a2 = nn.LayerNorm(da), nn.LayerNorm(da)
        self.norm_b1, self.norm_b2 = nn.LayerNorm(db), nn.LayerNorm(db)

    def forward(self, a, b):
        seen_by_a = self.norm_a1(a + self.attention_a(a, b, b, need_weights=False)[0])
        seen_by_b = self.norm_b1(b + self.attention_b(b, a, a, need_weights=False)[0])
        return (self.norm_a2(seen_by_a + self.ffn_a(seen_by_a)),
                self.norm_b2(seen_by_b + self.ffn_b(seen_by_b)))


class CoAttention(nn.Module):
    def __init__(self, da, db, heads, ff, layers):
        super().__init__()
        self.layers = nn.ModuleList([CoAttentionLayer(da, db, heads, ff) for _ in range(layers)])

    def forward(self, a, b):
        for layer in self.layers:
            a, b = layer(a, b)
        return torch.cat([a.mean(dim=1), b.mean(dim=1)], dim=1)


def main():
    os.makedirs(OUT_DIR, exist_ok=True)

    name = "fusion_cross_modal_attention"
    seed = seed_for(name)
    m = perturb(CrossModalAttention(4, 3, 2))
    module_case(name, m, [torch.randn(2, 3, 4), torch.randn(2, 2, 3)], {
        "query_width": 4, "key_width": 3, "head_count": 2, "seed": seed})

    name = "fusion_stacked_attention"
    seed = seed_for(name)
    m = perturb(StackedAttention(3, 4, 2))
    module_case(name, m, [torch.randn(2, 3), torch.randn(2, 4, 3)], {
        "width": 3, "attention_width": 4, "hop_count": 2, "seed": seed})

    for gate in ["sigmoid", "softmax"]:
        name = "fusion_nonlocal_gate_" + gate
        seed = seed_for(name)
        m = perturb(NonLocalGate(4, 3, 2, gate))
        module_case(name, m, [torch.randn(2, 3, 4), torch.randn(2, 2, 3)], {
            "visual_width": 4, "other_width": 3, "inner_width": 2, "gate": gate, "seed": seed})

    name = "fusion_cross_modal_transformer"
    seed = seed_for(name)
    m = perturb(CrossModalTransformer([3, 2, 4], 4, 2, 5, 8))
    module_case(name, m, [torch.randn(2, 3, 3), torch.randn(2, 2, 2), torch.randn(2, 4, 4)], {
        "widths": [3, 2, 4], "width": 4, "head_count": 2, "depth": 1, "feed_forward_width": 5,
        "maximum_length": 8, "seed": seed,
        "note": "pairs target-major: (0,1), (0,2), (1,0), (1,2), (2,0), (2,1); positions.pe is a buffer"},
        buffer_names=["positions.pe"])

    for pooling in ["mean", "class_token"]:
        name = "fusion_early_transformer_" + pooling
        seed = seed_for(name)
        m = perturb(EarlyFusionTransformer([3, 2], 4, 2, 6, pooling == "class_token"))
        module_case(name, m, [torch.randn(2, 3, 3), torch.randn(2, 2, 2)], {
            "widths": [3, 2], "width": 4, "head_count": 2, "layer_count": 1, "feed_forward_width": 6,
            "pooling": pooling, "activation": "relu", "norm_first": False, "seed": seed})

    for combination in ["average", "learned_weights", "maximum"]:
        name = "fusion_late_" + combination
        seed = seed_for(name)
        m = perturb(LateFusion(3, combination))
        inputs = [torch.randn(2, 4) for _ in range(3)]
        if combination == "maximum":
            stacked = torch.stack(inputs).sort(dim=0).values
            assert (stacked[2] - stacked[1]).min() > 1e-3, "maximum needs distinct arguments"
        module_case(name, m, inputs, {"modalities": 3, "classes": 4, "combination": combination, "seed": seed})

    name = "fusion_skip_concatenation"
    seed = seed_for(name)
    m = SkipConcatenation(2, 3)
    module_case(name, m, [torch.randn(2, 2, 4, 4), torch.randn(2, 3, 2, 2)], {
        "shallow_channels": 2, "deep_channels": 3, "mode": "nearest", "seed": seed})

    name = "fusion_skip_concatenation_conv"
    seed = seed_for(name)
    m = perturb(SkipConcatenation(2, 3, 2))
    module_case(name, m, [torch.randn(2, 2, 4, 4), torch.randn(2, 3, 2, 2)], {
        "shallow_channels": 2, "deep_channels": 3, "output_channels": 2, "mode": "nearest", "seed": seed})

    name = "fusion_residual_addition"
    seed = seed_for(name)
    m = perturb(ResidualAddition(2, 3))
    module_case(name, m, [torch.randn(2, 2, 3, 3), torch.randn(2, 3, 3, 3)], {
        "channels": 2, "other_channels": 3, "seed": seed})

    name = "fusion_squeeze_excitation"
    seed = seed_for(name)
    m = perturb(SqueezeExcitationFusion([2, 3], 2))
    module_case(name, m, [torch.randn(2, 2, 3, 3), torch.randn(2, 3, 3, 3)], {
        "channels": [2, 3], "reduction": 2, "seed": seed})

    name = "fusion_global_pooling"
    seed = seed_for(name)
    module_case(name, GlobalPooling(), [torch.randn(2, 2, 3, 3), torch.randn(2, 3, 2, 2), torch.randn(2, 1, 1, 2)], {
        "channels": [2, 3, 1], "seed": seed})

    name = "fusion_co_attention"
    seed = seed_for(name)
    m = perturb(CoAttention(4, 6, 2, 5, 2))
    module_case(name, m, [torch.randn(2, 3, 4), torch.randn(2, 2, 6)], {
        "width_a": 4, "width_b": 6, "head_count": 2, "feed_forward_width": 5, "layer_count": 2,
        "activation": "gelu (exact)", "seed": seed})

    mf.summarize(OUT_DIR, "structured fusion", SIZE_LIMIT)


if __name__ == "__main__":
    main()
