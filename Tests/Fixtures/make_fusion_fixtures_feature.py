#!/usr/bin/env python3
"""Generate PyTorch parity fixtures for FusionKit's feature-level fusions.

Usage (from the repository root):

    /path/to/venv/bin/python Tests/Fixtures/make_fusion_fixtures_feature.py

Writes ``fusion_<name>.safetensors`` into ``Tests/Fixtures/parity/`` for
concat, concat_mlp, projected_sum, projected_product, projected_maximum,
weighted_sum, modality_attention, deepset_sum, deepset_mean, deepset_maximum,
gmu2, gmu3 (FeatureFusion.swift), film, film_residual (FiLM.swift), mcb and
mcb_raw (CompactBilinearPooling.swift). Only these files are written.

The conventions are those of ``make_fusion_fixtures_bilinear.py`` (every case
goes through ``make_fixtures.functional_case``). Buffers (the MCB hashes and signs) are
saved as ``param.<key>`` too, since they are part of the state dict, but have
no ``grad.<key>``.

The formulas are written out directly in PyTorch (no third-party fusion
library), with the parameter names and layouts of the Swift modules:
Linear -> ``<name>.weight`` [out, in] and ``<name>.bias`` [out]; arrays of
modules -> ``<name>.0``, ``<name>.1`` ...; Sequential children by index
(``mlp.0``, ``mlp.2``; ``phi.0``, ``rho.0``).

The maximum-type strategies (projected_maximum, deepset_maximum) assert that
the winners are separated from the runners-up by a clear margin, so no ties
make the gradient routing ambiguous.
"""

import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import make_fixtures as mf  # noqa: E402
from make_fixtures import lin, linear_params  # noqa: E402

OUT_DIR = mf.OUT_DIR
BATCH = 3
TIE_MARGIN = 1e-3


def assert_no_ties(stacked, dim, what, ignore_zero=False):
    """The largest value along ``dim`` beats the second largest by TIE_MARGIN.

    With ``ignore_zero``, positions whose maximum is exactly 0 (ReLU outputs,
    whose gradient is 0 whatever the routing) are skipped.
    """
    top = stacked.detach().topk(2, dim=dim).values
    first, second = top.select(dim, 0), top.select(dim, 1)
    gap = first - second
    if ignore_zero:
        gap = torch.where(first == 0, torch.full_like(gap, 1.0), gap)
    assert gap.min().item() > TIE_MARGIN, (what, gap.min().item())


def run_case(name, shapes, make_params, forward, config, buffers=()):
    """``shapes``: the input shapes; ``buffers``: keys of ``params`` without gradients."""
    mf.functional_case(name, shapes, make_params, forward,
                       dict(config, shapes=[list(s) for s in shapes], batch=BATCH), buffers=buffers)


def rows(widths):
    return [(BATCH, w) for w in widths]


def projections(p, widths, width, bias=True):
    for i, d in enumerate(widths):
        linear_params(p, "projections.%d" % i, d, width, bias=bias)


def projected(p, xs):
    return [lin(p, "projections.%d" % i, x) for i, x in enumerate(xs)]


def feature_cases():
    w2 = [5, 4]
    w3 = [3, 2, 4]
    width = 4

    # Concatenation, no parameters: y = [x1; x2].
    run_case("concat", rows(w2), lambda p: None, lambda p, *xs: torch.cat(xs, -1), {"mlp": None})

    # Concatenation + MLP: y = W2 relu(W1 [x1; x2; x3] + b1) + b2.
    hidden, out = 6, 3

    def mk(p):
        linear_params(p, "mlp.0", sum(w3), hidden)
        linear_params(p, "mlp.2", hidden, out)

    def fw(p, *xs):
        return lin(p, "mlp.2", torch.relu(lin(p, "mlp.0", torch.cat(xs, -1))))
    run_case("concat_mlp", rows(w3), mk, fw, {"hidden": hidden, "output": out})

    # Projected fusion: y = sum / product / max over m of P_m x_m.
    def mk(p):
        projections(p, w2, width)

    def fw_sum(p, *xs):
        h = projected(p, xs)
        return h[0] + h[1]

    def fw_product(p, *xs):
        h = projected(p, xs)
        return h[0] * h[1]
    run_case("projected_sum", rows(w2), mk, fw_sum, {"width": width, "combination": "sum"})
    run_case("projected_product", rows(w2), mk, fw_product, {"width": width, "combination": "product"})

    def mk3(p):
        projections(p, w3, width)

    def fw_max(p, *xs):
        h = projected(p, xs)
        assert_no_ties(torch.stack(h, 0), 0, "projected_maximum")
        y = h[0]
        for t in h[1:]:
            y = torch.maximum(y, t)
        return y
    run_case("projected_maximum", rows(w3), mk3, fw_max, {"width": width, "combination": "maximum"})

    # Weighted sum: y = sum_m softmax(w)_m P_m x_m (w random here, zeros at init in Swift).
    def mk(p):
        projections(p, w3, width)
        p["weights"] = torch.randn(len(w3))

    def fw(p, *xs):
        share = torch.softmax(p["weights"], 0)
        return sum(share[i] * h for i, h in enumerate(projected(p, xs)))
    run_case("weighted_sum", rows(w3), mk, fw, {"width": width})

    # Modality attention: h_m = tanh(P_m x_m), s_m = v^T h_m, alpha = softmax_m(s), y = sum_m alpha_m h_m.
    def mk(p):
        projections(p, w3, width)
        linear_params(p, "score", width, 1, bias=False)

    def fw(p, *xs):
        h = torch.stack([torch.tanh(t) for t in projected(p, xs)], -2)  # [B, M, width]
        alpha = torch.softmax(lin(p, "score", h), -2)                   # [B, M, 1]
        return (alpha * h).sum(-2)
    run_case("modality_attention", rows(w3), mk, fw, {"width": width})

    # Deep sets: y = rho(pool_m phi(P_m x_m)), phi = relu(Linear), rho = relu(Linear).
    def mk(p):
        projections(p, w3, width)
        linear_params(p, "phi.0", width, width)
        linear_params(p, "rho.0", width, width)
        # Keep phi mostly active so the pooling sees non-zero members.
        p["phi.0.bias"] = p["phi.0.bias"] + 0.5
        p["rho.0.bias"] = p["rho.0.bias"] + 0.5

    def deepset(pool):
        def fw(p, *xs):
            members = torch.stack([torch.relu(lin(p, "phi.0", t)) for t in projected(p, xs)], -2)
            if pool == "sum":
                pooled = members.sum(-2)
            elif pool == "mean":
                pooled = members.mean(-2)
            else:
                assert_no_ties(members, -2, "deepset_maximum", ignore_zero=True)
                pooled = members.amax(-2)
            return torch.relu(lin(p, "rho.0", pooled))
        return fw
    for pool in ("sum", "mean", "maximum"):
        run_case("deepset_" + pool, rows(w3), mk, deepset(pool), {"width": width, "pooling": pool})

    # GMU, two modalities: h_m = tanh(W_m x_m), z = sigmoid(W_z [x1; x2]), y = z h1 + (1 - z) h2.
    def mk(p):
        projections(p, w2, width, bias=False)
        linear_params(p, "gates.0", sum(w2), width, bias=False)

    def fw(p, x, y):
        h1, h2 = [torch.tanh(t) for t in projected(p, (x, y))]
        z = torch.sigmoid(lin(p, "gates.0", torch.cat([x, y], -1)))
        return z * h1 + (1 - z) * h2
    run_case("gmu2", rows(w2), mk, fw, {"width": width})

    # GMU, three modalities: z_m = sigmoid(W_zm [x1; x2; x3]), y = sum_m z_m h_m.
    def mk(p):
        projections(p, w3, width, bias=False)
        for i in range(len(w3)):
            linear_params(p, "gates.%d" % i, sum(w3), width, bias=False)

    def fw(p, *xs):
        joined = torch.cat(xs, -1)
        h = [torch.tanh(t) for t in projected(p, xs)]
        return sum(torch.sigmoid(lin(p, "gates.%d" % i, joined)) * h[i] for i in range(len(xs)))
    run_case("gmu3", rows(w3), mk, fw, {"width": width})


def film_cases():
    # FiLM: [gamma; beta] = W c + b, y = gamma * F + beta per channel (1 + gamma with residualScale).
    channels, cond = 3, 4
    shapes = [(BATCH, channels, 2, 2), (BATCH, cond)]

    def mk(p):
        linear_params(p, "projection", cond, 2 * channels)

    def film(residual):
        def fw(p, features, condition):
            gb = lin(p, "projection", condition)
            gamma = gb[:, :channels, None, None]
            beta = gb[:, channels:, None, None]
            return features * (gamma + 1 if residual else gamma) + beta
        return fw
    run_case("film", shapes, mk, film(False), {"channels": channels, "condition": cond, "residual_scale": False})
    run_case("film_residual", shapes, mk, film(True), {"channels": channels, "condition": cond, "residual_scale": True})


def mcb_cases():
    # MCB: count sketches Psi(x)[h(j)] += s(j) x[j], z = irfft(rfft(Psi(x)) rfft(Psi(y))),
    # then z <- sign(z) sqrt(|z| + 1e-8), z <- z / sqrt(sum z^2 + 1e-12) when normalising.
    # Widths above the dimension so every bucket of the convolution is hit: a structural zero
    # would leave sign(z) and the signed square root's gradient to floating-point noise.
    w2 = [9, 7]
    dim = 8
    buffers = ("hash_x", "sign_x", "hash_y", "sign_y")

    def mk(p):
        for key, d in (("x", w2[0]), ("y", w2[1])):
            p["hash_" + key] = torch.randint(0, dim, (d,)).to(torch.float32)
            p["sign_" + key] = torch.randint(0, 2, (d,)).to(torch.float32) * 2 - 1

    def sketch(v, hash_, sign):
        out = torch.zeros(v.shape[0], dim)
        return out.index_add(1, hash_.long(), v * sign)

    def mcb(normalize):
        def fw(p, x, y):
            a = sketch(x, p["hash_x"], p["sign_x"])
            b = sketch(y, p["hash_y"], p["sign_y"])
            z = torch.fft.irfft(torch.fft.rfft(a, dim=-1) * torch.fft.rfft(b, dim=-1), n=dim, dim=-1)
            if normalize:
                assert z.detach().abs().min().item() > 0.05, ("mcb: |z| too small", z.detach().abs().min().item())
                z = torch.sign(z) * torch.sqrt(z.abs() + 1e-8)
                z = z / torch.sqrt((z * z).sum(1, keepdim=True) + 1e-12)
            return z
        return fw
    run_case("mcb", rows(w2), mk, mcb(True), {"dimension": dim, "normalize": True}, buffers=buffers)
    run_case("mcb_raw", rows(w2), mk, mcb(False), {"dimension": dim, "normalize": False}, buffers=buffers)


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    feature_cases()
    film_cases()
    mcb_cases()
    mf.summarize(OUT_DIR, "feature fusion", 1 << 20)


if __name__ == "__main__":
    main()
