"""PyTorch half of `make bench`: the same workloads as Benchmarks/FusionKitBench, timed the same
way (repeat to ~20 ms, keep the fastest of 7 samples), printed as JSON on stdout.

Usage: bench.py --threads N --workloads '{"matmul 64x600x256": [64, 600, 256], ...}'
"""
import argparse
import json
import sys
import time

import torch

from recurrent import recurrent_workload
from vqa_bench import vqa_workload
from bert_bench import bert_workload
from image_encoder_bench import image_encoder_workload
from data_bench import data_workload
import onnx_bench


def seconds_per_call(body, samples=7, minimum=0.02):
    body()
    iterations = 1
    while True:
        start = time.perf_counter()
        for _ in range(iterations):
            body()
        elapsed = time.perf_counter() - start
        if elapsed >= minimum or iterations >= 1 << 24:
            break
        iterations *= max(2, min(16, int(minimum / elapsed) + 1)) if elapsed > 0 else 16
    best = float("inf")
    for _ in range(samples):
        start = time.perf_counter()
        for _ in range(iterations):
            body()
        best = min(best, (time.perf_counter() - start) / iterations)
    return best


def workload(name, sizes):
    op = name.split(" ")[0]
    g = torch.Generator().manual_seed(7)
    if op == "matmul":
        m, k, n = sizes
        a, b = torch.randn(m, k, generator=g), torch.randn(k, n, generator=g)
        return lambda: torch.matmul(a, b)
    if op in ("add", "mul", "exp", "sum"):
        a, b = torch.randn(*sizes, generator=g), torch.randn(*sizes, generator=g)
        return {"add": lambda: a + b, "mul": lambda: a * b, "exp": lambda: torch.exp(a), "sum": lambda: a.sum()}[op]
    if op == "linear":
        batch, inputs, outputs = sizes
        layer = torch.nn.Linear(inputs, outputs)
        x = torch.randn(batch, inputs, generator=g, requires_grad=True)
        upstream = torch.randn(batch, outputs, generator=g)

        def step():
            layer.zero_grad(set_to_none=True)
            x.grad = None
            layer(x).backward(upstream)

        return step
    if op == "mha":
        batch, queries, keys, width, heads = sizes
        attention = torch.nn.MultiheadAttention(width, heads, batch_first=True)
        query = torch.randn(batch, queries, width, generator=g, requires_grad=True)
        memory = torch.randn(batch, keys, width, generator=g, requires_grad=True)
        upstream = torch.randn(batch, queries, width, generator=g)

        def step():
            attention.zero_grad(set_to_none=True)
            query.grad = None
            memory.grad = None
            attention(query, memory, memory, need_weights=False)[0].backward(upstream)

        return step
    if op == "gru":
        return recurrent_workload(name, sizes)
    if op in ("vqa-train", "vqa-infer1", "vqa-infer256"):
        return vqa_workload(name, sizes)
    if op == "bert-forward":
        return bert_workload(name, sizes)
    if op in ("resnet50-forward", "clip-image-forward", "clip-text-forward"):
        return image_encoder_workload(name, sizes)
    if op in ("decode", "load"):
        return data_workload(name, sizes)
    if op == "conv2d":
        batch, channels, size, outputs, stride, input_gradient = sizes
        layer = torch.nn.Conv2d(channels, outputs, 3, stride=stride, padding=1)
        x = torch.randn(batch, channels, size, size, generator=g, requires_grad=bool(input_gradient))
        out_size = (size + 2 - 3) // stride + 1
        upstream = torch.randn(batch, outputs, out_size, out_size, generator=g)

        def step():
            layer.zero_grad(set_to_none=True)
            x.grad = None
            layer(x).backward(upstream)

        return step
    return None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, required=True)
    parser.add_argument("--workloads", help="JSON object name -> sizes; times them all and prints one JSON object")
    parser.add_argument("--serve", action="store_true",
                        help="read one JSON request per line ({name, sizes}) and answer each with one JSON line")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    def measure(name, sizes):
        body = workload(name, sizes)
        if body is None:
            return None
        # Whole-model steps last long: the fastest of 3 (batch-1 inference: of 7), as on the Swift side.
        samples = 3 if name.startswith(("vqa-train", "vqa-infer256")) or name.endswith(("b32", "b32 224")) else 7
        if name.startswith(("linear", "conv2d", "gru", "mha", "vqa-train")):
            return seconds_per_call(body, samples=samples)
        with torch.no_grad():
            return seconds_per_call(body, samples=samples)

    def measure_onnx(name, sizes):
        body = onnx_bench.onnx_workload(name, sizes, args.threads)
        return None if body is None else seconds_per_call(body, samples=3 if name.startswith("vqa-infer256") else 7)

    if args.serve:
        hello = {"torch": torch.__version__, "threads": torch.get_num_threads()}
        if onnx_bench.available():
            hello["onnxruntime"] = onnx_bench.version()
        print(json.dumps(hello), flush=True)
        for line in sys.stdin:
            request = json.loads(line)
            answer = {"name": request["name"], "seconds": measure(request["name"], request["sizes"])}
            if request.get("onnxruntime"):
                answer["onnxruntime_seconds"] = measure_onnx(request["name"], request["sizes"])
            print(json.dumps(answer), flush=True)
        return
    results = {}
    for name, sizes in json.loads(args.workloads).items():
        seconds = measure(name, sizes)
        if seconds is not None:
            results[name] = seconds
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "seconds": results}))


if __name__ == "__main__":
    main()
