"""How much parallelism buys: training throughput and the longest chain of dependent operations, LSTM against
Transformer at matched parameters (the stability sweep's two models, core/stability.py).

- `chain_length(output)`: the longest path through the autograd graph behind `output`, counted in backward nodes.
  Operations on one such path must run one after another, whatever the hardware; everything off it can run beside
  it.  It is read from the graph, not written in: for a recurrent model it grows with the window T (each character's
  state needs the one before it), for the Transformer it is the same at every T and grows with its layers.
  On the CPU, nn.LSTM runs as one fused kernel, a single node that hides its loop; the chain is read with that
  kernel switched off (the same mathematics, one node per operation), the throughput with it on.
- `throughput(...)`: characters a second through a forward and a backward pass (no optimizer step), CHARS
  characters a step (batch = CHARS / T), the median of `repeats` timed steps after one untimed one.

`python -m benchmarks.throughput` measures both for windows 64 … 1,024 and 1 and 2 threads (`--device cuda` where
there is a GPU) and writes data/throughput.csv, which the Stability page reads.
"""

from __future__ import annotations

import statistics
import time
import warnings

import torch

from .lm import CharLM
from .stability import StabilityConfig, lm_config

PARALLEL_MODELS = ("lstm", "transformer-pre")  # the stability sweep's names
WINDOWS = (64, 128, 256, 512, 1024)
CHARS = 8192  # characters a step: the batch is CHARS / window
COLUMNS = ("device", "model", "params", "window", "threads", "chars_per_second", "chain")


def chain_length(output: torch.Tensor) -> int:
    """The number of nodes on the longest path of the autograd graph that ends at `output` (iterative: a recurrent
    model's graph is thousands deep)."""
    if output.grad_fn is None:
        return 0
    depth: dict = {}
    stack = [(output.grad_fn, False)]
    while stack:
        node, expanded = stack.pop()
        children = [child for child, _ in node.next_functions if child is not None]
        if expanded:
            depth[node] = 1 + max((depth[c] for c in children), default=0)
            continue
        if node in depth:
            continue
        stack.append((node, True))
        stack.extend((c, False) for c in children if c not in depth)
    return depth[output.grad_fn]


def model_for(name: str, window: int, layers: int = 6) -> CharLM:
    """The stability sweep's model `name` (lstm | transformer-pre) at `layers` Transformer layers, reading `window`."""
    config = lm_config(StabilityConfig(model=name, layers=layers))
    config.context = window
    torch.manual_seed(0)
    return CharLM(config)


def chain(name: str, window: int, layers: int = 6) -> int:
    """The longest chain of dependent operations in one training step's graph (batch 1), fused kernels off."""
    model = model_for(name, window, layers)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="TF32 acceleration")  # the flags' note on Intel GPUs
        with torch.backends.mkldnn.flags(enabled=False):
            ids = torch.zeros(1, window, dtype=torch.long)
            return chain_length(model(ids).sum())


def throughput(name: str, window: int, threads: int, device: str = "cpu", repeats: int = 3, layers: int = 6) -> float:
    """Characters a second through forward + backward (module docstring)."""
    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        model = model_for(name, window, layers).to(device)
        batch = max(1, CHARS // window)
        ids = torch.randint(0, model.config.vocab, (batch, window + 1), generator=torch.Generator().manual_seed(0))
        x, y = ids[:, :-1].to(device), ids[:, 1:].to(device)

        def step() -> float:
            if device != "cpu":
                torch.cuda.synchronize()
            started = time.perf_counter()
            logits = model(x)
            loss = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
            model.zero_grad(set_to_none=True)
            loss.backward()
            if device != "cpu":
                torch.cuda.synchronize()
            return time.perf_counter() - started

        step()
        seconds = statistics.median(step() for _ in range(repeats))
        return batch * window / seconds
    finally:
        torch.set_num_threads(before)
