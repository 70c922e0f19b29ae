#!/usr/bin/env python3
"""Generate the PyTorch parity fixtures of torch.nn.Bilinear.

Usage (from the repository root):

    /path/to/venv/bin/python Tests/Fixtures/make_bilinear_fixtures.py

Writes ``bilinear.safetensors`` (2-D inputs, with bias) and
``bilinear_3d_nobias.safetensors`` (inputs [2, 3, in], no bias) into
``Tests/Fixtures/parity/``, with the names and conventions of
``make_fixtures.py``: ``input``, ``input2``, ``param.weight``, ``param.bias``,
``output``, ``grad_output``, ``grad_input``, ``grad_input2``, ``grad.weight``,
``grad.bias``. Only these two files are written.
"""

import os
import sys

import torch.nn as nn
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from make_fixtures import module_case, seed_for  # noqa: E402


def main():
    name = "bilinear"
    seed = seed_for(name)
    m = nn.Bilinear(5, 4, 3, bias=True)
    module_case(name, m, [torch.randn(6, 5), torch.randn(6, 4)],
                {"in1_features": 5, "in2_features": 4, "out_features": 3, "bias": True, "seed": seed})

    name = "bilinear_3d_nobias"
    seed = seed_for(name)
    m = nn.Bilinear(3, 7, 2, bias=False)
    module_case(name, m, [torch.randn(2, 3, 3), torch.randn(2, 3, 7)],
                {"in1_features": 3, "in2_features": 7, "out_features": 2, "bias": False, "seed": seed})
    print("wrote bilinear.safetensors and bilinear_3d_nobias.safetensors")


if __name__ == "__main__":
    main()
