"""ONNX Runtime beside FusionKit on the VQA models' inference rows (served through bench.py).

For "vqa-infer1 <model>" and "vqa-infer256 <model>", the PyTorch twin (vqa_models.py, with the
weights the Swift side wrote, see vqa_bench.py) is exported with `torch.onnx.export(...,
dynamo=True, opset_version=18)` for that batch shape, and run by an ONNX Runtime session with
every graph optimisation on (ORT_ENABLE_ALL), `intra_op_num_threads` = FusionKit's BLAS threads
and one inter-op thread, on the CPU execution provider. Before it is timed, the session's
logits are compared with FusionKit's own (`<model>.logits.safetensors`, written by the Swift side):
a largest difference above 1e-3 of the logits' largest magnitude makes the row unknown (None,
with a note) rather than a timing of a different computation. (1e-3, not 1e-4: the transformer's
colour slots, a softmax of learned sharpness over pixel distances, amplify float32 rounding, so
that even its eager PyTorch twin differs from FusionKit by 7.9e-5 at 1 image and 5.6e-4 at 256;
the other five models agree within 2e-6.)

torch.export lowers the twins' `F.scaled_dot_product_attention` with a mask into a graph whose
strides it then cannot reshape (torch 2.15), so during the export that function is replaced by its
definition, softmax(q·kᵀ/√d + mask)·v; the PyTorch rows keep the fused kernel.
"""
import math
import os
import sys
import warnings

import torch
import torch.nn.functional as F
from safetensors.torch import load_file

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from vqa_bench import batch, load_model, peer_directory  # noqa: E402
from vqa_models import MODEL_NAMES  # noqa: E402

_sessions = {}


def available():
    try:
        import onnxruntime  # noqa: F401
        import onnxscript  # noqa: F401
        return True
    except ImportError:
        return False


def version():
    import onnxruntime
    return onnxruntime.__version__


def _note(message):
    print(f"onnx_bench: {message}", file=sys.stderr, flush=True)


def _attention_by_definition(q, k, v, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None):
    scores = torch.matmul(q, k.transpose(-2, -1)) * (scale if scale is not None else 1 / math.sqrt(q.shape[-1]))
    if attn_mask is not None:
        scores = scores + attn_mask
    return torch.matmul(torch.softmax(scores, dim=-1), v)


def _export(model, inputs, path):
    fused = F.scaled_dot_product_attention
    F.scaled_dot_product_attention = _attention_by_definition
    try:
        torch.onnx.export(model, inputs, path, dynamo=True, opset_version=18, verbose=False)
    finally:
        F.scaled_dot_product_attention = fused


def session_for(model, inputs, path, threads):
    """`model` (in eval mode) exported to `path` for these inputs, and an ONNX Runtime session
    on it with every graph optimisation, `threads` intra-op threads and one inter-op thread;
    returns (session, feeds)."""
    import onnxruntime as ort
    with warnings.catch_warnings():
        # torch.export notes the twins' caches (GRU weights, coordinate planes) assigned during
        # tracing; they are constants of the exported graph, as intended.
        warnings.simplefilter("ignore", UserWarning)
        _export(model, inputs, path)
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    feeds = {i.name: value.numpy() for i, value in zip(session.get_inputs(), inputs)}
    return session, feeds


def onnx_workload(name, sizes, threads):
    """A zero-argument callable running the ONNX Runtime session, or None."""
    parts = name.split(" ")
    if len(parts) != 2 or parts[0] not in ("vqa-infer1", "vqa-infer256") or not available():
        return None
    kind, model_name = parts
    if model_name not in MODEL_NAMES:
        return None  # a FusionKit model without a PyTorch twin: nothing to export
    count = int(sizes[0]) if sizes else (1 if kind == "vqa-infer1" else 256)
    key = (model_name, count, threads)
    if key not in _sessions:
        model = load_model(model_name)
        logits_path = os.path.join(peer_directory(), f"{model_name}.logits.safetensors")
        if model is None or not os.path.exists(logits_path):
            _note(f"no weights or logits for {model_name} in {peer_directory()}")
            return None
        model.eval()
        images, questions, _ = batch(count, model.question.embedding.num_embeddings)
        path = os.path.join(peer_directory(), f"{model_name}-b{count}.onnx")
        session, feeds = session_for(model, (images, questions), path, threads)
        expected = load_file(logits_path).get(f"logits{count}")
        if expected is None:
            _note(f"{logits_path} holds no logits{count}")
            return None
        produced = torch.from_numpy(session.run(None, feeds)[0])
        error = (produced - expected).abs().max().item() / max(expected.abs().max().item(), 1e-12)
        if error > 1e-3:
            _note(f"{model_name} b{count}: ONNX Runtime's logits differ from FusionKit's by {error:.2e} (relative); not timed")
            return None
        _sessions[key] = (session, feeds)
    session, feeds = _sessions[key]
    return lambda: session.run(None, feeds)
