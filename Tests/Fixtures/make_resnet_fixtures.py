#!/usr/bin/env python3
"""Generate the ResNet parity fixtures with torchvision's ResNet-18 and ResNet-50.

Usage (from the repository root, with a Python that has torch, torchvision and safetensors):

    /path/to/venv/bin/python Tests/Fixtures/make_resnet_fixtures.py

The full weights would be 45 and 94 MB, so they are not stored: every parameter and buffer is
set by a formula that the Swift test computes too (`deterministic_value`, keys in sorted order,
element i of the k-th key):

    conv and linear weights: sin(0.731 i + 1.3 k) · sqrt(2 / fan_in)
    batch-norm weight:       0.5 + 0.1 sin(0.731 i + 1.3 k)
    biases:                  0.1 sin(0.731 i + 1.3 k)
    running_mean:            0.1 sin(0.731 i + 1.3 k)
    running_var:             1 + 0.25 (1 + sin(0.731 i + 1.3 k))
    num_batches_tracked:     0

(computed in double precision, then rounded to float32). Writes `resnet18.safetensors` and
`resnet50.safetensors` into `Tests/Fixtures/resnet/`: `input` [2, 3, 32, 32] (also by formula:
sin(0.37 i)), the model in eval mode (10 classes): `stem`, `stage.1` … `stage.4`, `pooled`,
`logits`; then, with every parameter frozen except the last block of `layer4`, the loss
sum(logits · grad_logits) (grad_logits = cos(0.5 i)) backpropagated: for each trainable
parameter `grad_sample.<key>` (every 97th element of the flattened gradient, at most 1024) and
`grad_norm.<key>` (its Euclidean norm).
"""

import math
import os

import torch
import torchvision
from safetensors.torch import save_file

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "resnet")
torch.set_num_threads(1)
torch.use_deterministic_algorithms(True)


def deterministic_value(key, k, shape):
    count = math.prod(shape)
    phase = torch.arange(count, dtype=torch.float64) * 0.731 + 1.3 * k
    wave = torch.sin(phase)
    name = key.rsplit(".", 1)[-1]
    if name == "weight" and len(shape) >= 2:
        fan_in = math.prod(shape[1:])
        values = wave * math.sqrt(2.0 / fan_in)
    elif name == "weight":
        values = 0.5 + 0.1 * wave
    elif name in ("bias", "running_mean"):
        values = 0.1 * wave
    elif name == "running_var":
        values = 1.0 + 0.25 * (1.0 + wave)
    else:
        raise ValueError(key)
    return values.to(torch.float32).reshape(shape)


def case(depth):
    model = getattr(torchvision.models, "resnet%d" % depth)(num_classes=10)
    state = model.state_dict()
    keys = sorted(state.keys())
    with torch.no_grad():
        for k, key in enumerate(keys):
            if key.endswith("num_batches_tracked"):
                state[key].zero_()
            else:
                state[key].copy_(deterministic_value(key, k, tuple(state[key].shape)))
    model.eval()
    x = torch.sin(torch.arange(2 * 3 * 32 * 32, dtype=torch.float64) * 0.37).to(torch.float32).reshape(2, 3, 32, 32)
    for p in model.parameters():
        p.requires_grad_(False)
    last = model.layer4[-1]
    for p in last.parameters():
        p.requires_grad_(True)
    stem = model.maxpool(model.relu(model.bn1(model.conv1(x))))
    stages = []
    h = stem
    for layer in (model.layer1, model.layer2, model.layer3, model.layer4):
        h = layer(h)
        stages.append(h)
    pooled = torch.flatten(model.avgpool(h), 1)
    logits = model.fc(pooled)
    grad_logits = torch.cos(torch.arange(logits.numel(), dtype=torch.float64) * 0.5).to(torch.float32).reshape(logits.shape)
    (logits * grad_logits).sum().backward()
    tensors = {"input": x, "stem": stem, "pooled": pooled, "logits": logits, "grad_logits": grad_logits}
    for index, stage in enumerate(stages):
        tensors["stage.%d" % (index + 1)] = stage
    prefix = "layer4.%d." % (len(model.layer4) - 1)
    for name, p in last.named_parameters():
        flat = p.grad.flatten()
        tensors["grad_sample." + prefix + name] = flat[::97][:1024]
        tensors["grad_norm." + prefix + name] = flat.norm().reshape(1)
    tensors = {k: v.detach().contiguous().float() for k, v in tensors.items()}
    save_file(tensors, os.path.join(OUT, "resnet%d.safetensors" % depth), metadata={"torchvision": torchvision.__version__})


def main():
    os.makedirs(OUT, exist_ok=True)
    for depth in (18, 50):
        case(depth)
    total = sum(os.path.getsize(os.path.join(OUT, f)) for f in os.listdir(OUT))
    print("wrote %s (%d bytes)" % (OUT, total))
    assert total < 1_000_000


if __name__ == "__main__":
    main()
