#!/usr/bin/env python3
"""Generate the BERT parity fixtures: small random `transformers.BertModel`s saved as Hugging Face
model folders, with their outputs and the gradients of a fine-tuned last layer.

Usage (from the repository root, with a Python that has torch, transformers and safetensors):

    /path/to/venv/bin/python Tests/Fixtures/make_bert_fixtures.py

Writes into ``Tests/Fixtures/bert/``:

* ``small/`` and ``wide/``: two configurations saved with ``save_pretrained`` (``config.json``,
  ``model.safetensors``, F32), each with ``expected.safetensors``: ``input_ids``,
  ``attention_mask``, ``token_type_ids`` (stored as F32), ``hidden_state.K`` for K = 0 (the
  embeddings) … L (the last layer), ``pooler``, ``grad_last`` / ``grad_pooler`` (the output
  gradients backpropagated) and ``grad.<key>`` for every parameter of the last layer and the pooler
  (the rest of the model frozen, as when fine-tuning the top layer).
* ``sharded/``: the ``small`` model saved in shards (``model.safetensors.index.json`` and
  ``model-0000K-of-0000N.safetensors``), same expected outputs as ``small``.
* ``bf16/``: the ``small`` model saved in BF16; ``expected.safetensors`` holds the F32 model's
  outputs with the weights rounded to BF16 (what a reader converting BF16 to F32 computes).
* ``old_style/``: the ``small`` model's tensors renamed as in older BERT checkpoints (``bert.``
  prefix, LayerNorm ``gamma``/``beta``), plus the unused ``cls.predictions.bias`` head and the
  ``embeddings.position_ids`` I64 buffer; same expected outputs as ``small``.

Dropout is off (eval mode); GELU is the exact erf form (``hidden_act="gelu"``).
"""

import os
import shutil

import torch
from safetensors.torch import save_file, load_file
from transformers import BertConfig, BertModel

from fixture_common import deterministic_torch, perturb_parameters, save_expected, tree_size

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "bert")
deterministic_torch()

# Deliberate pattern (same shape as Tests/Fixtures/make_vit_fixtures.py:CONFIGS): each script's own table of model sizes.
CONFIGS = {
    "small": dict(vocab_size=99, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                  intermediate_size=37, max_position_embeddings=40, type_vocab_size=2, layer_norm_eps=1e-12),
    "wide": dict(vocab_size=120, hidden_size=48, num_hidden_layers=3, num_attention_heads=3,
                 intermediate_size=64, max_position_embeddings=24, type_vocab_size=3, layer_norm_eps=1e-5),
}


def inputs(config, seed):
    g = torch.Generator().manual_seed(seed)
    lengths = [9, 5, 7]
    length = max(lengths)
    ids = torch.randint(1, config.vocab_size, (3, length), generator=g)
    mask = torch.zeros(3, length, dtype=torch.long)
    for row, n in enumerate(lengths):
        mask[row, :n] = 1
    ids = ids * mask  # padding id 0
    types = torch.randint(0, config.type_vocab_size, (3, length), generator=g) * mask
    return ids, mask, types


def randomise_norms(model, seed):
    """LayerNorm weights 1 and biases 0 at init would hide a swapped gamma/beta: randomise them."""
    perturb_parameters(model, lambda key: "LayerNorm" in key or key.endswith(".bias"),
                       torch.Generator().manual_seed(seed))


def expected(model, ids, mask, types, seed):
    model.eval()
    for p in model.parameters():
        p.requires_grad_(False)
    last = model.encoder.layer[-1]
    trained = {k: p for k, p in model.named_parameters()
               if k.startswith("encoder.layer.%d." % (len(model.encoder.layer) - 1)) or k.startswith("pooler.")}
    for p in trained.values():
        p.requires_grad_(True)
    out = model(input_ids=ids, attention_mask=mask, token_type_ids=types, output_hidden_states=True)
    g = torch.Generator().manual_seed(seed + 1)
    grad_last = torch.randn(out.last_hidden_state.shape, generator=g)
    grad_pooler = torch.randn(out.pooler_output.shape, generator=g)
    # Padded positions' outputs are not meaningful: no gradient flows from them.
    grad_last = grad_last * mask.unsqueeze(-1)
    loss = (out.last_hidden_state * grad_last).sum() + (out.pooler_output * grad_pooler).sum()
    loss.backward()
    tensors = {
        "input_ids": ids.float(), "attention_mask": mask.float(), "token_type_ids": types.float(),
        "pooler": out.pooler_output, "grad_last": grad_last, "grad_pooler": grad_pooler,
    }
    for k, h in enumerate(out.hidden_states):
        tensors["hidden_state.%d" % k] = h
    for k, p in trained.items():
        tensors["grad." + k] = p.grad
    return tensors


def fresh(folder):
    path = os.path.join(OUT, folder)
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    return path


def main():
    for index, (name, settings) in enumerate(CONFIGS.items()):
        torch.manual_seed(1000 + index)
        config = BertConfig(hidden_act="gelu", hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0, **settings)
        model = BertModel(config)
        randomise_norms(model, 2000 + index)
        ids, mask, types = inputs(config, 3000 + index)
        path = fresh(name)
        model.save_pretrained(path, safe_serialization=True)
        reference = expected(model, ids, mask, types, 4000 + index)
        save_expected(reference, os.path.join(path, "expected.safetensors"))

        if name != "small":
            continue
        # The same weights, sharded.
        sharded = fresh("sharded")
        model.save_pretrained(sharded, safe_serialization=True, max_shard_size="40KB")
        shutil.copy(os.path.join(path, "expected.safetensors"), sharded)

        # BF16 on disk; the reference computes in F32 from the rounded weights.
        bf16 = fresh("bf16")
        rounded = BertModel(config)
        rounded.load_state_dict({k: v.to(torch.bfloat16).float() for k, v in model.state_dict().items()})
        rounded.to(torch.bfloat16).save_pretrained(bf16, safe_serialization=True)
        rounded.float()
        save_expected(expected(rounded, ids, mask, types, 4000 + index), os.path.join(bf16, "expected.safetensors"))

        # Older key names: bert. prefix, gamma/beta, an unused pretraining head and position_ids.
        old = fresh("old_style")
        state = load_file(os.path.join(path, "model.safetensors"))
        renamed = {}
        for key, value in state.items():
            key = key.replace("LayerNorm.weight", "LayerNorm.gamma").replace("LayerNorm.bias", "LayerNorm.beta")
            renamed["bert." + key] = value
        renamed["cls.predictions.bias"] = torch.zeros(config.vocab_size)
        renamed["bert.embeddings.position_ids"] = torch.arange(config.max_position_embeddings).unsqueeze(0)
        save_file(renamed, os.path.join(old, "model.safetensors"))
        shutil.copy(os.path.join(path, "config.json"), old)
        shutil.copy(os.path.join(path, "expected.safetensors"), old)

    total = tree_size(OUT)
    print("wrote %s (%d bytes)" % (OUT, total))
    assert total < 1_000_000


if __name__ == "__main__":
    main()
