"""Checks that the PyTorch peers (vqa_models.py) compute the same functions as FusionKit's VQA models.

    swift build -c release --package-path Benchmarks --product vqa-peer-export
    Benchmarks/.build/release/vqa-peer-export /tmp/vqa-peer
    /work/.venv-torch/bin/python Benchmarks/peer/vqa_parity.py /tmp/vqa-peer [model ...]

For each `<model>.safetensors` written by vqa-peer-export it loads the state dict into the peer
(strict: same keys and shapes) and compares, on the same batch:

- training mode: the logits, the loss and every parameter's gradient, and the BatchNorm running
  statistics after the pass;
- the optimiser: FusionKit's gradients clipped to norm 5 by torch.nn.utils.clip_grad_norm_ and
  one torch.optim.AdamW step (lr 1e-3, weight decay 1e-4) against FusionKit's step (the change
  of each parameter in units of the learning rate, beyond the parameter's float32 rounding);
- evaluation mode: the logits of the model after that step (FusionKit's parameters and running
  statistics loaded), under torch.no_grad, and the same model exported to ONNX and run by ONNX
  Runtime with every graph optimisation, as `make bench` times it (when onnxruntime and
  onnxscript are installed; `make bench-peer` installs them).

An error is relative to the tensor's scale: max |a − b| / max |b| (for gradients the scale is at
least 1e-6 of the largest gradient, so a gradient that is zero in exact arithmetic, such as the
bias before a softmax, compares absolutely). Some of these functions are ill-conditioned in
float32 (MFB's signed square root near 0, batch norm and sums over many cells and pairs), so the
same pass also runs the peer in float64: a tensor passes when FusionKit and the float32 peer agree
within the tolerance (default 1e-4), or when FusionKit is no further from the float64 result than
3 × the float32 peer is (both float32 implementations are then equally close to the exact
function). One float32 run is a single draw of the rounding, so where a gradient fails that test
the peer is run again on weights moved by one float32 ulp (random sign, four draws): the gradient
passes when FusionKit is within 3 × the largest distance from float64 among those runs, i.e.
within what rounding the inputs alone does to PyTorch's own float32 result. Exits 1 when a
model fails.
"""
import argparse
import os
import sys
import tempfile

import torch
import torch.nn.functional as F
from safetensors.torch import load_file

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from vqa_models import MODEL_NAMES, model_from_state  # noqa: E402
import onnx_bench  # noqa: E402


def relative_error(value, reference, floor=0.0):
    value, reference = value.double(), reference.double()
    if reference.numel() == 0:
        return 0.0
    scale = max(reference.abs().max().item(), floor)
    difference = (value - reference).abs().max().item()
    return difference / scale if scale > 0 else difference


def training_pass(name, state, images, questions, answers, dtype):
    model = model_from_state(name, state).to(dtype)
    model.train()
    logits = model(images.to(dtype), questions)
    loss = F.cross_entropy(logits, answers)
    loss.backward()
    gradients = {k: (p.grad if p.grad is not None else torch.zeros_like(p)) for k, p in model.named_parameters()}
    return logits.detach(), loss.detach().view(1), gradients, dict(model.named_buffers())


def rounding_spread(name, state, images, questions, answers, gradients64, keys, floor, draws=4):
    """For each key, the largest distance from the float64 gradient of the float32 peer run on
    weights moved by one ulp (each element times 1 ± 2⁻²³ or unchanged, at random)."""
    generator = torch.Generator().manual_seed(7)
    spread = {key: 0.0 for key in keys}
    for _ in range(draws):
        moved = {}
        for key, value in state.items():
            if value.is_floating_point():
                step = torch.randint(-1, 2, value.shape, generator=generator).to(value.dtype)
                value = value * (1 + step * torch.finfo(torch.float32).eps / 2)
            moved[key] = value
        _, _, gradients, _ = training_pass(name, moved, images, questions, answers, torch.float32)
        for key in keys:
            spread[key] = max(spread[key], relative_error(gradients[key], gradients64[key], floor))
    return spread


class Comparison:
    """Per-quantity errors: direct (FusionKit vs float32 peer) and, where there is a float64 run,
    FusionKit's and the float32 peer's distance from it."""

    def __init__(self, tolerance):
        self.tolerance = tolerance
        self.rows = []   # (group, key, direct, fusionkit-vs-64, peer-vs-64, ok)

    def add(self, group, key, fusionkit, peer32, peer64=None, floor=0.0):
        direct = relative_error(peer32, fusionkit, floor)
        ok = direct <= self.tolerance
        fk64 = p64 = None
        if peer64 is not None:
            fk64 = relative_error(fusionkit, peer64, floor)
            p64 = relative_error(peer32, peer64, floor)
            ok = ok or fk64 <= max(self.tolerance, 3 * p64)
        self.rows.append((group, key, direct, fk64, p64, ok))

    def add_value(self, group, key, error):
        self.rows.append((group, key, error, None, None, error <= self.tolerance))

    def group(self, group):
        return [r for r in self.rows if r[0] == group]

    def worst(self, group):
        rows = self.group(group)
        return max(rows, key=lambda r: r[2]) if rows else None

    @property
    def ok(self):
        return all(r[5] for r in self.rows)


def check(path, name, tolerance, verbose):
    tensors = load_file(path)
    strip = lambda prefix: {k[len(prefix):]: v for k, v in tensors.items() if k.startswith(prefix)}  # noqa: E731
    state, fk_gradients, fk_buffers, fk_step = strip("state."), strip("grad."), strip("after."), strip("step.")
    images, questions, answers = tensors["input.images"], tensors["input.questions"], tensors["input.answers"].long()
    c = Comparison(tolerance)

    logits32, loss32, gradients32, buffers32 = training_pass(name, state, images, questions, answers, torch.float32)
    logits64, loss64, gradients64, _ = training_pass(name, state, images, questions, answers, torch.float64)
    assert set(gradients32) == set(fk_gradients), f"{name}: parameters differ: {set(gradients32) ^ set(fk_gradients)}"
    c.add("logits", "logits", tensors["output.logits"], logits32, logits64)
    c.add("loss", "loss", tensors["output.loss"], loss32, loss64)
    largest = max(g.abs().max().item() for g in gradients64.values())
    for key in sorted(gradients32):
        c.add("gradients", key, fk_gradients[key], gradients32[key], gradients64[key], floor=1e-6 * largest)
    failing = [row[1] for row in c.group("gradients") if not row[5]]
    if failing:
        spread = rounding_spread(name, state, images, questions, answers, gradients64, failing, floor=1e-6 * largest)
        c.rows = [row if row[0] != "gradients" or row[5] or row[3] > max(tolerance, 3 * spread[row[1]])
                  else row[:4] + (spread[row[1]], True, "spread") for row in c.rows]
    for key in sorted(fk_buffers):
        c.add("buffers", key, fk_buffers[key], buffers32[key].float())

    # The optimiser step on FusionKit's gradients.
    model = model_from_state(name, state)
    for key, parameter in model.named_parameters():
        parameter.grad = fk_gradients[key].clone()
    parameters = list(model.parameters())
    norm = torch.nn.utils.clip_grad_norm_(parameters, 5.0)
    c.add("gradient norm", "norm", tensors["output.gradient_norm"], norm.view(1))
    torch.optim.AdamW(parameters, lr=1e-3, weight_decay=1e-4).step()
    for key, parameter in model.named_parameters():
        # In units of the learning rate; a float32 parameter resolves its change only to its own
        # rounding (half an ulp of each side), which is allowed on top of the tolerance.
        difference = (parameter.detach().double() - fk_step[key].double()).abs()
        rounding = (torch.finfo(torch.float32).eps * torch.maximum(parameter.detach().abs(), fk_step[key].abs())).double()
        c.add_value("adamw step", key, ((difference - rounding).clamp(min=0) / 1e-3).max().item())

    # Evaluation mode with FusionKit's parameters after the step and its running statistics.
    after = dict(state)
    after.update(fk_step)
    after.update(fk_buffers)
    eval_logits = {}
    for dtype in (torch.float32, torch.float64):
        model = model_from_state(name, after).to(dtype).eval()
        with torch.no_grad():
            eval_logits[dtype] = model(images.to(dtype), questions)
    c.add("eval logits", "eval logits", tensors["output.eval_logits"], eval_logits[torch.float32], eval_logits[torch.float64])

    # The same evaluation through ONNX Runtime, as `make bench` times it: the float32 twin
    # exported and run with every graph optimisation, judged as the float32 peer is.
    if onnx_bench.available():
        model = model_from_state(name, after).eval()
        with tempfile.TemporaryDirectory() as directory:
            session, feeds = onnx_bench.session_for(model, (images, questions), os.path.join(directory, f"{name}.onnx"),
                                                    torch.get_num_threads())
            produced = torch.from_numpy(session.run(None, feeds)[0])
        c.add("onnx eval logits", "onnx eval logits", tensors["output.eval_logits"], produced, eval_logits[torch.float64])

    def describe(row):
        text = f"{row[2]:.1e}"
        if row[3] is not None:
            torch_label = ("torch on ulp-moved weights, worst of 4" if len(row) > 6
                           else "onnxruntime" if row[0] == "onnx eval logits" else "torch")
            text += f" (vs float64: fusionkit {row[3]:.1e}, {torch_label} {row[4]:.1e})"
        return text

    print(f"{'ok  ' if c.ok else 'FAIL'} {name}")
    for group in ("logits", "loss", "gradients", "buffers", "gradient norm", "adamw step", "eval logits", "onnx eval logits"):
        row = c.worst(group)
        if row is None:
            continue
        label = group + (f" [{len(c.group(group))}, worst {row[1]}]" if len(c.group(group)) > 1 else "")
        print(f"     {label}: {describe(row)}")
    shown = [r for r in c.rows if not r[5] or len(r) > 6] + (sorted(c.group("gradients"), key=lambda r: -r[2])[:6] if verbose else [])
    for row in shown:
        print(f"       {'FAIL' if not row[5] else '    '} {row[0]} {row[1]}: {describe(row)}")
    return c.ok


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("directory", help="where vqa-peer-export wrote <model>.safetensors")
    parser.add_argument("models", nargs="*", default=MODEL_NAMES)
    parser.add_argument("--tolerance", type=float, default=1e-4)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    results = [check(os.path.join(args.directory, f"{name}.safetensors"), name, args.tolerance, args.verbose)
               for name in args.models]
    sys.exit(0 if all(results) else 1)


if __name__ == "__main__":
    main()
