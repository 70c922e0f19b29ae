"""PyTorch half of the whole-model VQA benchmarks (issue 8), served through bench.py.

Workloads, for each model of the catalogue (concat-mlp, film, cross-attention, relation-network,
mfb, transformer), all at width 64:

    "vqa-train <model>"     sizes [64]   one training step on 64 images (1,280 questions): zero the
                                         gradients, forward in training mode, cross-entropy, backward,
                                         clip_grad_norm_(5), torch.optim.AdamW(lr 1e-3,
                                         weight_decay 1e-4) step
    "vqa-infer1 <model>"    sizes [1]    eval mode, torch.no_grad, 1 image (20 questions)
    "vqa-infer256 <model>"  sizes [256]  the same on 256 images (5,120 questions)

`sizes` is [image count]; an empty list takes the count above. The optimizer is made once per
workload, so its state carries over between timed steps, as in a training loop.

Files (written by the Swift side, read here):

    $FUSIONKIT_VQA_PEER_DIR (default /tmp/vqa-peer)/<model>.weights.safetensors
        the FusionKit model's state dict (ModelCatalog.makeModel(.sortOfCLEVR(model: <model>,
        width: 64, seed: 1)) after prepare(forTrainingOn:) on the first 4 batch images), so both
        sides start from the same weights; loaded strictly into vqa_models.py's peer.
    $FUSIONKIT_VQA_PEER_DIR/vqa-batch.safetensors   (optional)
        `images` [256, 3, 75, 75] in [0, 1], `questions` [5120, 16] token ids (0 = padding),
        `answers` [5120]: the first 256 images of SortOfCLEVRDataset.generate(seed: 7,
        imageCount: 256) with their questions (VQAData rows, image-major). A workload on N images
        uses the first N. Without the file, the batch is random but valid (images uniform in [0, 1],
        token ids in 1..<vocabulary with random lengths 6...16 then padding, answers in 0..<12).

Both are written by

    Benchmarks/.build/release/vqa-peer-export --weights-only "$FUSIONKIT_VQA_PEER_DIR"

A missing weights file makes the workload unknown to the peer (None, with a note on stderr).
"""
import os
import sys

import torch
import torch.nn.functional as F
from safetensors.torch import load_file

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from vqa_models import ANSWER_COUNT, MODEL_NAMES, QUESTION_LENGTH, QUESTIONS_PER_IMAGE, IMAGE_SIZE, model_from_state  # noqa: E402

DEFAULT_IMAGES = {"vqa-train": 64, "vqa-infer1": 1, "vqa-infer256": 256}
_batch_cache = {}


def peer_directory():
    return os.environ.get("FUSIONKIT_VQA_PEER_DIR", "/tmp/vqa-peer")


def _note(message):
    print(f"vqa_bench: {message}", file=sys.stderr, flush=True)


def batch(image_count, vocabulary_size):
    """(images [N, 3, 75, 75], questions [N·20, 16] int64, answers [N·20] int64)."""
    path = os.path.join(peer_directory(), "vqa-batch.safetensors")
    if "file" not in _batch_cache:
        _batch_cache["file"] = load_file(path) if os.path.exists(path) else None
    stored = _batch_cache["file"]
    rows = image_count * QUESTIONS_PER_IMAGE
    if stored is not None and stored["images"].shape[0] >= image_count:
        return (stored["images"][:image_count].contiguous(), stored["questions"][:rows].long().contiguous(),
                stored["answers"][:rows].long().contiguous())
    g = torch.Generator().manual_seed(7)
    images = torch.rand(image_count, 3, IMAGE_SIZE, IMAGE_SIZE, generator=g)
    questions = torch.randint(1, vocabulary_size, (rows, QUESTION_LENGTH), generator=g)
    lengths = torch.randint(6, QUESTION_LENGTH + 1, (rows, 1), generator=g)
    questions[torch.arange(QUESTION_LENGTH).view(1, -1) >= lengths] = 0
    answers = torch.randint(0, ANSWER_COUNT, (rows,), generator=g)
    return images, questions, answers


def load_model(model_name):
    path = os.path.join(peer_directory(), f"{model_name}.weights.safetensors")
    if not os.path.exists(path):
        _note(f"no weights at {path}; run `Benchmarks/.build/release/vqa-peer-export --weights-only {peer_directory()}`")
        return None
    return model_from_state(model_name, load_file(path))


def vqa_workload(name, sizes):
    """A zero-argument callable running one workload, or None for a name this module does not know."""
    parts = name.split(" ")
    if len(parts) != 2 or parts[0] not in DEFAULT_IMAGES or parts[1] not in MODEL_NAMES:
        return None
    kind, model_name = parts
    image_count = int(sizes[0]) if sizes else DEFAULT_IMAGES[kind]
    model = load_model(model_name)
    if model is None:
        return None
    images, questions, answers = batch(image_count, model.question.embedding.num_embeddings)

    if kind == "vqa-train":
        model.train()
        parameters = list(model.parameters())
        optimizer = torch.optim.AdamW(parameters, lr=1e-3, weight_decay=1e-4)

        def step():
            with torch.enable_grad():
                optimizer.zero_grad(set_to_none=True)
                loss = F.cross_entropy(model(images, questions), answers)
                loss.backward()
                torch.nn.utils.clip_grad_norm_(parameters, 5.0)
                optimizer.step()

        return step

    model.eval()

    def infer():
        with torch.no_grad():
            model(images, questions)

    return infer


def main():
    """Times the workloads given on the command line (`vqa_bench.py "vqa-infer1 mfb" ...`), for checking by hand."""
    import argparse
    import json

    from bench import seconds_per_call

    parser = argparse.ArgumentParser()
    parser.add_argument("names", nargs="*", default=[f"{k} {m}" for k in DEFAULT_IMAGES for m in MODEL_NAMES])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--samples", type=int, default=7)
    parser.add_argument("--memory", metavar="MODEL", help="run --steps training steps of MODEL and print the peak resident bytes")
    parser.add_argument("--steps", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    if args.memory:
        step = vqa_workload(f"vqa-train {args.memory}", [])
        if step is None:
            sys.exit(1)
        for _ in range(args.steps):
            step()
        # VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the parent process across exec.
        with open("/proc/self/status") as status:
            peak = next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmHWM:"))
        print(json.dumps({"peak_bytes": peak}), flush=True)
        return
    for name in args.names:
        body = vqa_workload(name, [])
        seconds = seconds_per_call(body, samples=args.samples) if body is not None else None
        print(json.dumps({"name": name, "seconds": seconds}), flush=True)


if __name__ == "__main__":
    main()
