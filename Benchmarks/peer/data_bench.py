"""The PyTorch-side rows of FusionKit's data layer (see Benchmarks/FusionKitBench/DataWorkloads.swift):
Pillow decoding the generated 480 x 320 PNG files, and Pillow + torchvision preparing them as
`vqa train --image-size 128` does (pad to a square with zeros, antialiased bilinear resize)."""
import os

import numpy as np
import torch

FOLDER = os.path.join(os.environ.get("FUSIONKIT_BENCH_DIR", ".build/bench"), "loader-data", "images")


def _paths(count):
    return [os.path.join(FOLDER, f"{index:05d}.png") for index in range(count)]


def data_workload(name, sizes):
    (count,) = sizes
    from PIL import Image

    if name.startswith("decode png"):
        paths = _paths(count)

        def decode():
            for path in paths:
                with Image.open(path) as image:
                    np.asarray(image.convert("RGB"))
        return decode
    if name.startswith("load png"):
        import torchvision.transforms.v2.functional as F
        paths = _paths(count)

        def load():
            for path in paths:
                with Image.open(path) as image:
                    x = torch.from_numpy(np.asarray(image.convert("RGB"))).permute(2, 0, 1).float() / 255
                height, width = x.shape[1:]
                side = max(height, width)
                top, left = (side - height) // 2, (side - width) // 2
                x = F.pad(x, [left, top, side - width - left, side - height - top], fill=0.0)
                F.resize(x, [128, 128], interpolation=F.InterpolationMode.BILINEAR, antialias=True)
        return load
    return None
