"""PyTorch half of the pretrained image-encoder rows of `make bench`: torchvision's ResNet-50 with
the state dict FusionKit wrote, and CLIP ViT-B/32 from the folder FusionKit wrote
(`transformers.CLIPModel`, its default attention), inputs computed by the same formulas as
Benchmarks/FusionKitBench/ImageEncoderWorkloads.swift."""
import math
import os

import torch

FOLDER = os.environ.get("FUSIONKIT_BENCH_DIR", ".build/bench")
_models = {}


def _images(batch, side=224):
    count = batch * 3 * side * side
    return torch.sin(torch.arange(count, dtype=torch.float64) * 0.37).to(torch.float32).reshape(batch, 3, side, side)


def _ids(batch, length=32):
    rows = [[49406] + [(7 * t + 31 * b) % 40000 + 300 for t in range(1, length - 1)] + [49407] for b in range(batch)]
    return torch.tensor(rows)


def image_encoder_workload(name, sizes):
    (batch,) = sizes
    if name.startswith("resnet50-forward"):
        if "resnet" not in _models:
            import torchvision
            from safetensors.torch import load_file
            model = torchvision.models.resnet50()
            model.load_state_dict(load_file(os.path.join(FOLDER, "resnet50.safetensors")))
            _models["resnet"] = model.eval()
        model, x = _models["resnet"], _images(batch)
        return lambda: model(x)
    if name.startswith("clip-"):
        if "clip" not in _models:
            from transformers import CLIPModel
            _models["clip"] = CLIPModel.from_pretrained(os.path.join(FOLDER, "clip-vit-b32")).eval()
        model = _models["clip"]
        if name.startswith("clip-image"):
            x = _images(batch)
            return lambda: model.get_image_features(pixel_values=x)
        ids = _ids(batch)
        return lambda: model.get_text_features(input_ids=ids)
    return None
