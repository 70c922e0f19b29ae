"""PyTorch half of the recurrent benchmarks (Benchmarks/FusionKitBench/RecurrentWorkloads.swift):
the same shapes, the same work (forward, then backward of a fixed upstream gradient of the output
sequence with the input, weight and bias gradients), gradients cleared on every call."""
import torch


def recurrent_workload(name, sizes):
    """A zero-argument callable running one workload, or None for a name this module does not know."""
    if not name.startswith("gru fwd+bwd"):
        return None
    batch, time, inputs, hidden = sizes
    g = torch.Generator().manual_seed(12)
    layer = torch.nn.GRU(inputs, hidden, batch_first=True)
    x = torch.randn(batch, time, inputs, generator=g, requires_grad=True)
    upstream = torch.randn(batch, time, hidden, generator=g)

    def step():
        layer.zero_grad(set_to_none=True)
        x.grad = None
        output, _ = layer(x)
        output.backward(upstream)

    return step
