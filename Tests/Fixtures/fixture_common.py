"""Helpers shared by the fixture scripts of pretrained-model folders and tokenizers
(``make_bert_fixtures.py``, ``make_vit_fixtures.py``, ``make_clip*_fixtures.py``,
``make_wordpiece_fixtures.py``): deterministic torch, perturbed parameters, model folders and
their ``expected.safetensors``, JSON files and the size checks.

The parity scripts (``parity/``) have their own helpers in ``make_fixtures.py``. Importing this
module changes nothing: every setting is made by a call.
"""

import json
import os
import shutil

import torch
from safetensors.torch import load_file, save_file


def deterministic_torch():
    """One thread and deterministic algorithms, so that a rerun gives the same bytes."""
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)


def perturb_parameters(model, chosen, generator=None):
    """Adds 0.2 · N(0, 1) to every parameter whose key ``chosen(key)`` accepts, drawn from
    ``generator`` (torch's global generator when None), in ``named_parameters`` order: layer norms
    at 1/0 and zero biases would hide swapped names."""
    with torch.no_grad():
        for key, p in model.named_parameters():
            if chosen(key):
                p.add_(0.2 * torch.randn(p.shape, generator=generator))


def save_model(model, path):
    """``model.save_pretrained(path)`` (safetensors) into a folder emptied first."""
    shutil.rmtree(path, ignore_errors=True)
    model.save_pretrained(path, safe_serialization=True)


def saved_names(path):
    """A function giving each parameter of the model saved in ``path`` the key its
    ``model.safetensors`` holds it under (transformers 5 names its modules in memory differently
    from the hub files it writes), found as the one saved tensor equal to it."""
    saved = load_file(os.path.join(path, "model.safetensors"))

    def saved_name(p):
        matches = [k for k, v in saved.items() if v.shape == p.shape and torch.equal(v, p.detach())]
        assert len(matches) == 1, matches
        return matches[0]
    return saved_name


def save_expected(tensors, path):
    """Saves ``tensors`` (by name) as detached, contiguous float32 copies (safetensors refuses
    tensors that share memory, as a last hidden state and the last of the hidden states may) into
    the safetensors file ``path``."""
    save_file({k: v.detach().float().contiguous().clone() for k, v in tensors.items()}, path)


def tree_size(folder):
    """The bytes of all files below ``folder``."""
    return sum(os.path.getsize(os.path.join(root, f)) for root, _, files in os.walk(folder) for f in files)


def library_versions(*modules):
    """``{name: version}`` of the given modules, in their order (for the fixtures' JSON files)."""
    return {module.__name__: module.__version__ for module in modules}


def write_json(path, value, **options):
    """``json.dump(value, **options)`` into ``path`` (UTF-8) with a final newline."""
    with open(path, "w", encoding="utf-8") as file:
        json.dump(value, file, **options)
        file.write("\n")


def list_sizes(folder):
    """Prints each file of ``folder`` with its size; returns their total."""
    total = 0
    for name in sorted(os.listdir(folder)):
        size = os.path.getsize(os.path.join(folder, name))
        total += size
        print("%-16s %8d bytes" % (name, size))
    return total
