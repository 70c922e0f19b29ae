#!/usr/bin/env python3
"""Generate PyTorch parity fixtures for FusionKit's bilinear / tensor fusions.

Usage (from the repository root):

    /path/to/venv/bin/python Tests/Fixtures/make_fusion_fixtures_bilinear.py

Writes ``fusion_<name>.safetensors`` into ``Tests/Fixtures/parity/`` for
bilinear (Tucker), mlb, mfb, mfh, mutan, block, tfn (3 modalities),
lmf (3 modalities), mi_matrix, mi_vector, mi_scalar. Only these files are
written.

File format, tensor names (``input2``, ``grad_input2`` ... for the further
modalities) and seeding are those of ``make_fixtures.py``, whose
``functional_case`` writes every case here.

The formulas are written out directly in PyTorch (no third-party fusion
library), with the parameter names and layouts of the Swift modules:
Linear -> ``<name>.weight`` [out, in] and ``<name>.bias`` [out]; arrays of
modules or parameters -> ``<name>.0``, ``<name>.1`` ...
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


def mfb_pool(joint, out, k, eps_sqrt, eps_norm):
    z = joint.reshape(*joint.shape[:-1], out, k).sum(-1)
    z = torch.sign(z) * torch.sqrt(z.abs() + eps_sqrt)
    return z / torch.sqrt((z * z).sum(-1, keepdim=True) + eps_norm)


def run_case(name, widths, make_params, forward, config):
    mf.functional_case(name, [(BATCH, w) for w in widths], make_params, forward,
                       dict(config, widths=widths, batch=BATCH))


def cases():
    # Tucker bilinear: z = vec(x~ (x) y~) . T[tx*ty, out] + b
    dx, dy, tx, ty, out = 5, 4, 3, 2, 4

    def mk(p):
        linear_params(p, "projections.0", dx, tx)
        linear_params(p, "projections.1", dy, ty)
        p["core"] = torch.randn(tx, ty, out) * 0.5
        p["bias"] = torch.randn(out) * 0.2

    def fw(p, x, y):
        a, b = lin(p, "projections.0", x), lin(p, "projections.1", y)
        outer = (a[:, :, None] * b[:, None, :]).reshape(x.shape[0], tx * ty)
        return outer @ p["core"].reshape(tx * ty, out) + p["bias"]
    run_case("bilinear", [dx, dy], mk, fw, {"projected": [tx, ty], "output": out})

    # MLB
    rank = 6

    def mk(p):
        linear_params(p, "projections.0", dx, rank)
        linear_params(p, "projections.1", dy, rank)
        linear_params(p, "output", rank, out)

    def fw(p, x, y):
        return lin(p, "output", torch.tanh(lin(p, "projections.0", x)) * torch.tanh(lin(p, "projections.1", y)))
    run_case("mlb", [dx, dy], mk, fw, {"rank": rank, "output": out})

    # MFB and MFH (k = 3, o = 4)
    k, o, eps_sqrt, eps_norm = 3, 4, 1e-8, 1e-12

    def mk(p):
        linear_params(p, "projections.0", dx, k * o)
        linear_params(p, "projections.1", dy, k * o)

    def fw(p, x, y):
        joint = lin(p, "projections.0", x) * lin(p, "projections.1", y)
        return mfb_pool(joint, o, k, eps_sqrt, eps_norm)
    run_case("mfb", [dx, dy], mk, fw, {"factor": k, "output": o, "sqrt_epsilon": eps_sqrt, "norm_epsilon": eps_norm})

    order = 2

    def mk(p):
        for i in range(order):
            linear_params(p, "blocks.%d.projections.0" % i, dx, k * o)
            linear_params(p, "blocks.%d.projections.1" % i, dy, k * o)

    def fw(p, x, y):
        prev, outs = None, []
        for i in range(order):
            e = lin(p, "blocks.%d.projections.0" % i, x) * lin(p, "blocks.%d.projections.1" % i, y)
            if prev is not None:
                e = e * prev
            outs.append(mfb_pool(e, o, k, eps_sqrt, eps_norm))
            prev = e
        return torch.cat(outs, -1)
    run_case("mfh", [dx, dy], mk, fw, {"order": order, "factor": k, "output": o,
                                      "sqrt_epsilon": eps_sqrt, "norm_epsilon": eps_norm})

    # MUTAN
    R, m = 3, 4

    def mk(p):
        linear_params(p, "projections.0", dx, tx)
        linear_params(p, "projections.1", dy, ty)
        linear_params(p, "factors.0", tx, R * m)
        linear_params(p, "factors.1", ty, R * m)
        linear_params(p, "output", m, out)

    def fw(p, x, y):
        a = lin(p, "factors.0", torch.tanh(lin(p, "projections.0", x)))
        b = lin(p, "factors.1", torch.tanh(lin(p, "projections.1", y)))
        return lin(p, "output", (a * b).reshape(x.shape[0], R, m).sum(1))
    run_case("mutan", [dx, dy], mk, fw, {"projected": [tx, ty], "rank": R, "joined": m, "output": out})

    # BLOCK: projected 6 and 4, 2 chunks, rank 2, chunk width 3
    bx, by, n, R, s = 6, 4, 2, 2, 3

    def mk(p):
        linear_params(p, "projections.0", dx, bx)
        linear_params(p, "projections.1", dy, by)
        for c in range(n):
            linear_params(p, "leftFactors.%d" % c, bx // n, R * s)
        for c in range(n):
            linear_params(p, "rightFactors.%d" % c, by // n, R * s)
        linear_params(p, "output", n * s, out)

    def fw(p, x, y):
        a = lin(p, "projections.0", x).chunk(n, -1)
        b = lin(p, "projections.1", y).chunk(n, -1)
        zs = [(lin(p, "leftFactors.%d" % c, a[c]) * lin(p, "rightFactors.%d" % c, b[c]))
              .reshape(x.shape[0], R, s).sum(1) for c in range(n)]
        return lin(p, "output", torch.cat(zs, -1))
    run_case("block", [dx, dy], mk, fw, {"projected": [bx, by], "chunks": n, "rank": R,
                                        "chunk_width": s, "output": out})

    # TFN, three modalities
    w3 = [3, 2, 2]
    one = lambda x: torch.cat([torch.ones(x.shape[0], 1), x], -1)

    def mk(p):
        linear_params(p, "output", 4 * 3 * 3, out)

    def fw(p, x, y, w):
        z = one(x)
        for v in (one(y), one(w)):
            z = (z[:, :, None] * v[:, None, :]).reshape(x.shape[0], -1)
        return lin(p, "output", z)
    run_case("tfn", w3, mk, fw, {"output": out, "order": "[1;x1] slowest, row-major"})

    # LMF, three modalities
    r = 3

    def mk(p):
        for i, d in enumerate(w3):
            p["factors.%d" % i] = torch.randn(r, d + 1, out) * 0.5
        p["rankWeights"] = torch.randn(r)
        p["bias"] = torch.randn(out) * 0.2

    def fw(p, *xs):
        prod = None
        for i, x in enumerate(xs):
            f = one(x)[None] @ p["factors.%d" % i]  # [r, B, out]
            prod = f if prod is None else prod * f
        return (prod * p["rankWeights"][:, None, None]).sum(0) + p["bias"]
    run_case("lmf", w3, mk, fw, {"rank": r, "output": out})

    # Multiplicative interactions
    def mk(p):
        linear_params(p, "weightNetwork", dy, dx * out)
        linear_params(p, "biasNetwork", dy, out)

    def fw(p, x, y):
        W = lin(p, "weightNetwork", y).reshape(x.shape[0], dx, out)
        return (x[:, None, :] @ W)[:, 0, :] + lin(p, "biasNetwork", y)
    run_case("mi_matrix", [dx, dy], mk, fw, {"form": "matrix", "output": out})

    def mk(p):
        linear_params(p, "weightNetwork", dy, dx)

    def fw(p, x, y):
        return x * lin(p, "weightNetwork", y)
    run_case("mi_vector", [dx, dy], mk, fw, {"form": "vector"})

    def mk(p):
        linear_params(p, "weightNetwork", dy, 1)
    run_case("mi_scalar", [dx, dy], mk, fw, {"form": "scalar"})


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    cases()
    mf.summarize(OUT_DIR, "bilinear fusion", 1 << 20)


if __name__ == "__main__":
    main()
