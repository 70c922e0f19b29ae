#!/usr/bin/env python3
"""Generate the ViT parity fixtures: two small random `transformers.ViTModel`s saved as model
folders, with their outputs and the gradients of a fine-tuned last layer.

Usage (from the repository root, with a Python that has torch, transformers and safetensors):

    /path/to/venv/bin/python Tests/Fixtures/make_vit_fixtures.py

Writes `Tests/Fixtures/vit/<name>/`: `config.json`, `model.safetensors` (as `save_pretrained`
writes them, with the hub's key names) and `expected.safetensors`: `pixels` [2, C, S, S],
`hidden_state.K` (K = 0 the embeddings … L the last layer, before the final norm),
`last_hidden_state`, `pooler`, `grad_last`, `grad_pooler` and `grad.<key>` for every parameter of
the last layer, the final layer norm and the pooler (the rest frozen); and for images of another
size, the position embeddings interpolated (`interpolate_pos_encoding=True`):
`interpolated.pixels`, `interpolated.last_hidden_state`, `interpolated.pooler`.
"""

import os

import torch
from transformers import ViTConfig, ViTModel

from fixture_common import deterministic_torch, perturb_parameters, save_expected, save_model, saved_names, tree_size

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "vit")
deterministic_torch()

# Deliberate pattern (same shape as Tests/Fixtures/make_bert_fixtures.py:CONFIGS): each script's own table of model sizes.
CONFIGS = {
    "small": dict(hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=37,
                  image_size=32, patch_size=8, num_channels=3, layer_norm_eps=1e-12),
    "wide": dict(hidden_size=48, num_hidden_layers=3, num_attention_heads=3, intermediate_size=64,
                 image_size=24, patch_size=4, num_channels=2, layer_norm_eps=1e-6, hidden_act="gelu_pytorch_tanh"),
}

# Patch grids of the interpolated case: 4 × 4 → 6 × 5 and 6 × 6 → 5 × 7.
INTERPOLATED = {"small": (6, 5), "wide": (5, 7)}


def main():
    for index, (name, settings) in enumerate(CONFIGS.items()):
        torch.manual_seed(500 + index)
        config = ViTConfig(hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0, **settings)
        model = ViTModel(config).eval()
        perturb_parameters(model, lambda key: "layernorm" in key or key.endswith(".bias") or "cls_token" in key
                           or "position" in key)
        path = os.path.join(OUT, name)
        save_model(model, path)
        # In memory layers.N.attention.q_proj, in the file encoder.layer.N.attention.attention.query.
        saved_name = saved_names(path)
        for p in model.parameters():
            p.requires_grad_(False)
        last = config.num_hidden_layers - 1
        trained = {}
        for p in model.parameters():
            key = saved_name(p)
            if key.startswith("encoder.layer.%d." % last) or key.startswith(("layernorm.", "pooler.")):
                trained[key] = p
                p.requires_grad_(True)
        g = torch.Generator().manual_seed(600 + index)
        pixels = torch.randn(2, config.num_channels, config.image_size, config.image_size, generator=g)
        out = model(pixel_values=pixels, output_hidden_states=True)
        grad_last = torch.randn(out.last_hidden_state.shape, generator=g)
        grad_pooler = torch.randn(out.pooler_output.shape, generator=g)
        ((out.last_hidden_state * grad_last).sum() + (out.pooler_output * grad_pooler).sum()).backward()
        tensors = {"pixels": pixels, "last_hidden_state": out.last_hidden_state, "pooler": out.pooler_output,
                   "grad_last": grad_last, "grad_pooler": grad_pooler}
        for k, h in enumerate(out.hidden_states):
            tensors["hidden_state.%d" % k] = h
        for k, p in trained.items():
            tensors["grad." + k] = p.grad
        # Another image size, the position embeddings interpolated (interpolate_pos_encoding=True).
        rows, columns = INTERPOLATED[name]
        size = (rows * config.patch_size, columns * config.patch_size)
        other = torch.randn(2, config.num_channels, *size, generator=g)
        with torch.no_grad():
            resized = model(pixel_values=other, interpolate_pos_encoding=True)
        tensors["interpolated.pixels"] = other
        tensors["interpolated.last_hidden_state"] = resized.last_hidden_state
        tensors["interpolated.pooler"] = resized.pooler_output
        save_expected(tensors, os.path.join(path, "expected.safetensors"))
    total = tree_size(OUT)
    print("wrote %s (%d bytes)" % (OUT, total))
    assert total < 1_000_000


if __name__ == "__main__":
    main()
