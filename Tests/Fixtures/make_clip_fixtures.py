#!/usr/bin/env python3
"""Generate the CLIP parity fixtures: a small random `transformers.CLIPModel` saved as a model
folder, with both towers' outputs, the logits, the contrastive loss and its gradients.

Usage (from the repository root, with a Python that has torch, transformers and safetensors):

    /path/to/venv/bin/python Tests/Fixtures/make_clip_fixtures.py

Writes `Tests/Fixtures/clip/small/`: `config.json`, `model.safetensors` (hub key names) and
`expected.safetensors`: `pixels` [3, 3, 32, 32]; `input_ids`, `attention_mask` [3, 9] (F32; each
sequence starts with the start token 97 and ends with the end token 98, shorter ones padded with
1); `vision.hidden_state.K`, `vision.last_hidden_state`, `vision.pooled`; `text.hidden_state.K`,
`text.last_hidden_state`, `text.pooled`; `image_embeds`, `text_embeds` (projected, normalised),
`logits_per_text`; `loss` (clip_loss of the logits); and `grad.<key>` of that loss for the last
layer of each tower, both projections and `logit_scale` (everything else frozen).
"""

import os

import torch
from transformers import CLIPConfig, CLIPModel, CLIPTextConfig, CLIPVisionConfig

from fixture_common import deterministic_torch, perturb_parameters, save_expected, save_model, saved_names, tree_size

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "clip", "small")


def small_clip(seed, **text_settings):
    """The small random CLIP model of the fixtures (also ``make_clip_rank_fixtures.py``'s), in eval
    mode: 2 text layers of width 32 (``text_settings``: the vocabulary, positions and special
    tokens), 2 vision layers of width 48 on 32 × 32 images in patches of 8, projections to 24;
    drawn after ``torch.manual_seed(seed)``, layer norms, biases and the class embedding perturbed."""
    torch.manual_seed(seed)
    text = CLIPTextConfig(hidden_size=32, intermediate_size=37, num_hidden_layers=2, num_attention_heads=4,
                          **text_settings)
    vision = CLIPVisionConfig(hidden_size=48, intermediate_size=40, num_hidden_layers=2, num_attention_heads=3,
                              image_size=32, patch_size=8)
    model = CLIPModel(CLIPConfig(text_config=text.to_dict(), vision_config=vision.to_dict(), projection_dim=24)).eval()
    perturb_parameters(model, lambda key: "norm" in key or key.endswith(".bias") or "class_embedding" in key)
    return model


def main():
    deterministic_torch()
    model = small_clip(700, vocab_size=99, max_position_embeddings=16, bos_token_id=97, eos_token_id=98, pad_token_id=1)
    save_model(model, OUT)
    saved_name = saved_names(OUT)

    trained = {}
    for p in model.parameters():
        key = saved_name(p)
        p.requires_grad_(key.startswith(("vision_model.encoder.layers.1.", "text_model.encoder.layers.1.",
                                         "visual_projection.", "text_projection.", "logit_scale")))
        if p.requires_grad:
            trained[key] = p

    g = torch.Generator().manual_seed(701)
    pixels = torch.randn(3, 3, 32, 32, generator=g)
    ids = torch.ones(3, 9, dtype=torch.long)
    mask = torch.zeros(3, 9, dtype=torch.long)
    for row, length in enumerate([9, 5, 7]):
        body = torch.randint(2, 97, (length - 2,), generator=g)
        ids[row, :length] = torch.cat([torch.tensor([97]), body, torch.tensor([98])])
        mask[row, :length] = 1
    vision_out = model.vision_model(pixel_values=pixels, output_hidden_states=True)
    text_out = model.text_model(input_ids=ids, attention_mask=mask, output_hidden_states=True)
    out = model(input_ids=ids, attention_mask=mask, pixel_values=pixels, return_loss=True)
    out.loss.backward()
    tensors = {"pixels": pixels, "input_ids": ids.float(), "attention_mask": mask.float(),
               "vision.last_hidden_state": vision_out.last_hidden_state, "vision.pooled": vision_out.pooler_output,
               "text.last_hidden_state": text_out.last_hidden_state, "text.pooled": text_out.pooler_output,
               "image_embeds": out.image_embeds, "text_embeds": out.text_embeds, "logits_per_text": out.logits_per_text,
               "loss": out.loss.reshape(1)}
    for k, h in enumerate(vision_out.hidden_states):
        tensors["vision.hidden_state.%d" % k] = h
    for k, h in enumerate(text_out.hidden_states):
        tensors["text.hidden_state.%d" % k] = h
    for key, p in trained.items():
        tensors["grad." + key] = p.grad.reshape(p.shape) if p.grad.dim() else p.grad.reshape(1)
    save_expected(tensors, os.path.join(OUT, "expected.safetensors"))
    total = tree_size(OUT)
    print("wrote %s (%d bytes), %d trained tensors" % (OUT, total, len(trained)))
    assert total < 1_000_000


if __name__ == "__main__":
    main()
