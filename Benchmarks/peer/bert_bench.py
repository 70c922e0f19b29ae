"""PyTorch half of the BERT rows of `make bench`: `transformers.BertModel` loaded from the folder
FusionKit wrote (same weights), forward at the same batch and sequence, in evaluation mode under
`torch.inference_mode()`, ids computed by the same formula as BertWorkloads.ids."""
import os

import torch


def bert_workload(name, sizes):
    kind, model_name = name.split(" ")[:2]
    if kind != "bert-forward":
        return None
    from transformers import BertModel  # only when a BERT row runs: the import takes seconds

    batch, length = sizes
    folder = os.path.join(os.environ.get("FUSIONKIT_BENCH_DIR", ".build/bench"), "bert-" + model_name)
    model = BertModel.from_pretrained(folder).eval()  # transformers' default attention (SDPA)
    ids = torch.tensor([[(31 * b + 7 * t) % 30000 + 1000 for t in range(length)] for b in range(batch)])
    mask = torch.ones(batch, length, dtype=torch.long)

    def forward():
        with torch.inference_mode():
            model(input_ids=ids, attention_mask=mask)

    return forward
