#!/usr/bin/env python3
"""Generate the fixture of `clip-rank` and `ImageTextRanking`: a small random CLIP model folder
that also holds a tokenizer, a picture, captions, and what Hugging Face's CLIP computes for them.

Usage (from the repository root, with a Python that has torch, torchvision, transformers, Pillow
and safetensors; run make_clip_tokenizer_fixtures.py first, whose vocabulary this reuses):

    /path/to/venv/bin/python Tests/Fixtures/make_clip_rank_fixtures.py

Writes `Tests/Fixtures/clip/rank/`: `config.json`, `model.safetensors` (a `transformers.CLIPModel`
whose text vocabulary is the 2,008 tokens of `clip_tokenizer/`, 77 positions, 32 × 32 images in
patches of 8), `vocab.json` and `merges.txt` (copied from `clip_tokenizer/`), `photo.png` (60 × 44),
`captions.json`, and `expected.safetensors`: `pixels` [1, 3, 32, 32] — the photo as
`torchvision.transforms.v2.functional` prepares it: shorter side resized to 32 (bilinear,
antialiased), centre crop 32 × 32, CLIP's mean and standard deviation (CLIP's own processor
resizes bicubically; FusionKit's `ImagePreprocessing.clip` is bilinear, so this is the pipeline
both sides share) —, `input_ids` and `attention_mask` [captions, L] (F32) from
`CLIPTokenizerFast.from_pretrained` with `padding=True`, and `logits_per_text` [captions, 1].
"""

import json
import os
import shutil

import numpy as np
import torch
import torchvision.transforms.v2.functional as F
from PIL import Image
from safetensors.torch import save_file
from transformers import CLIPTokenizerFast

from fixture_common import save_model
from make_clip_fixtures import small_clip

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "clip", "rank")
TOKENIZER = os.path.join(HERE, "clip_tokenizer")
CAPTIONS = ["a red square", "two blue circles beside a green square", "a dog on a sofa", "a crowded street at night"]
torch.set_num_threads(1)


def main():
    vocabulary = json.load(open(os.path.join(TOKENIZER, "vocab.json"), encoding="utf-8"))
    start, end = vocabulary["<|startoftext|>"], vocabulary["<|endoftext|>"]
    model = small_clip(710, vocab_size=len(vocabulary), max_position_embeddings=77, bos_token_id=start,
                       eos_token_id=end, pad_token_id=end)
    save_model(model, OUT)
    for name in ("vocab.json", "merges.txt"):
        shutil.copy(os.path.join(TOKENIZER, name), os.path.join(OUT, name))

    rng = np.random.default_rng(711)
    photo = np.zeros((44, 60, 3), dtype=np.uint8)
    photo[:] = np.linspace(40, 220, 60, dtype=np.uint8)[None, :, None]
    photo[10:30, 8:28] = (200, 30, 30)
    photo += rng.integers(0, 20, photo.shape, dtype=np.uint8)
    Image.fromarray(photo).save(os.path.join(OUT, "photo.png"))
    with open(os.path.join(OUT, "captions.json"), "w", encoding="utf-8") as f:
        json.dump(CAPTIONS, f, indent=1)

    x = torch.from_numpy(photo).permute(2, 0, 1).float() / 255
    x = F.resize(x, 32, interpolation=F.InterpolationMode.BILINEAR, antialias=True)
    x = F.center_crop(x, [32, 32])
    x = F.normalize(x, [0.48145466, 0.4578275, 0.40821073], [0.26862954, 0.26130258, 0.27577711])
    pixels = x.unsqueeze(0).contiguous()
    tokenizer = CLIPTokenizerFast.from_pretrained(OUT)
    encoded = tokenizer(CAPTIONS, padding=True, return_tensors="pt")
    with torch.no_grad():
        out = model(input_ids=encoded["input_ids"], attention_mask=encoded["attention_mask"], pixel_values=pixels)
    save_file({"pixels": pixels, "input_ids": encoded["input_ids"].float(), "attention_mask": encoded["attention_mask"].float(),
               "logits_per_text": out.logits_per_text.contiguous()}, os.path.join(OUT, "expected.safetensors"))
    for name in os.listdir(OUT):  # save_pretrained may add files the fixture does not need
        if name not in ("config.json", "model.safetensors", "vocab.json", "merges.txt", "photo.png", "captions.json",
                        "expected.safetensors"):
            os.remove(os.path.join(OUT, name))
    print("wrote", OUT, "logits_per_text", out.logits_per_text.flatten().tolist())


if __name__ == "__main__":
    main()
