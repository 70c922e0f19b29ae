#!/usr/bin/env python3
"""Generate PyTorch parity fixtures for FusionKit's structured fusion strategies.

Usage (from the repository root):

    /path/to/venv/bin/python Tests/Fixtures/make_fusion_fixtures_structured.py

Writes ``fusion_relation_network``, ``fusion_late_stacking`` and
``fusion_feature_pyramid`` (``.safetensors``) into ``Tests/Fixtures/parity/``
and nothing else. Each strategy is written out directly in PyTorch with the
same parameter names as the Swift class, so ``param.*`` loads as a state dict:

* relation network: g_theta is evaluated with an explicit loop over the N*N
  ordered object pairs on the concatenation [o_i; o_j; q] (one weight made of
  the column blocks g_first_object | g_second_object | g_question), unlike the
  batched Swift implementation;
* late fusion, stacking: ``stacking`` Linear over the concatenated logits;
* feature pyramid: 1x1 ``lateral`` convs, top-down nearest x2 upsampling
  (F.interpolate) and sums, 3x3 ``output`` convs; the output is the finest level.

File format, tensor names (``input2``, ``grad_input2`` ... for the further
modalities) and seeding are those of ``make_fixtures.py``, whose
``module_case`` writes every case here.
"""

import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import make_fixtures as mf  # noqa: E402
from make_fixtures import module_case, seed_for  # noqa: E402

OUT_DIR = mf.OUT_DIR
SIZE_LIMIT = 256 * 1024


# Deliberate pattern (same shape as Benchmarks/peer/vqa_models.py:RelationNetworkFusion): the Swift class's parameters built again here, so that the parity reference (an explicit pair loop) does not depend on the benchmark peer.
class RelationNetwork(nn.Module):
    def __init__(self, d, dq, g_widths, f_widths):
        super().__init__()
        h = g_widths[0]
        self.g_first_object = nn.Linear(d, h, bias=False)
        self.g_second_object = nn.Linear(d, h, bias=False)
        self.g_question = nn.Linear(dq, h)
        rest = []
        for a, b in zip(g_widths, g_widths[1:]):
            rest += [nn.Linear(a, b), nn.ReLU()]
        self.g_rest = nn.Sequential(*rest)
        head = []
        widths = [g_widths[-1]] + list(f_widths)
        for i, (a, b) in enumerate(zip(widths, widths[1:])):
            head.append(nn.Linear(a, b))
            if i < len(f_widths) - 1:
                head.append(nn.ReLU())
        self.f = nn.Sequential(*head)

    def forward(self, objects, question):
        w1 = torch.cat([self.g_first_object.weight, self.g_second_object.weight,
                        self.g_question.weight], dim=1)
        n = objects.shape[1]
        total = 0
        for i in range(n):
            for j in range(n):
                pair = torch.cat([objects[:, i], objects[:, j], question], dim=1)
                total = total + self.g_rest(F.relu(F.linear(pair, w1, self.g_question.bias)))
        return self.f(total)


class LateStacking(nn.Module):
    def __init__(self, modalities, classes):
        super().__init__()
        self.stacking = nn.Linear(modalities * classes, classes)

    def forward(self, *predictions):
        return self.stacking(torch.cat(predictions, dim=-1))


class FeaturePyramid(nn.Module):
    def __init__(self, channels, width):
        super().__init__()
        self.lateral = nn.ModuleList([nn.Conv2d(c, width, 1) for c in channels])
        self.output = nn.ModuleList([nn.Conv2d(width, width, 3, padding=1) for _ in channels])

    def forward(self, *maps):
        previous = None
        levels = [None] * len(maps)
        for level in reversed(range(len(maps))):
            current = self.lateral[level](maps[level])
            if previous is not None:
                current = current + F.interpolate(previous, scale_factor=2, mode="nearest")
            previous = current
            levels[level] = self.output[level](current)
        return levels[0]


def main():
    os.makedirs(OUT_DIR, exist_ok=True)

    name = "fusion_relation_network"
    seed = seed_for(name)
    m = RelationNetwork(3, 2, [5, 4], [4, 3])
    module_case(name, m, [torch.randn(2, 3, 3), torch.randn(2, 2)], {
        "object_width": 3, "question_width": 2, "g_widths": [5, 4], "f_widths": [4, 3], "seed": seed,
        "note": "explicit loop over ordered pairs (i, j), i, j in 0..<N, including i == j"})

    name = "fusion_late_stacking"
    seed = seed_for(name)
    m = LateStacking(3, 4)
    module_case(name, m, [torch.randn(2, 4), torch.randn(2, 4), torch.randn(2, 4)], {
        "modalities": 3, "classes": 4, "seed": seed})

    name = "fusion_feature_pyramid"
    seed = seed_for(name)
    m = FeaturePyramid([2, 3, 4], 3)
    used = [k for k, _ in m.named_parameters() if not k.startswith(("output.1.", "output.2."))]
    module_case(name, m, [torch.randn(2, 2, 8, 8), torch.randn(2, 3, 4, 4), torch.randn(2, 4, 2, 2)], {
        "channels": [2, 3, 4], "width": 3, "seed": seed,
        "note": "only the finest level is returned, so output.1.* and output.2.* take no part "
                "and are not stored; load the state dict non-strictly"}, param_names=used)

    mf.summarize(OUT_DIR, "structured fusion", SIZE_LIMIT)


if __name__ == "__main__":
    main()
