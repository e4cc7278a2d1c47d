"""Vaswani et al. 2017, Table 1, measured on our own layers instead of quoted.

For sequence length n, model width d, kernel k and restriction r:
- time per layer: the fastest of several wall times of one forward pass of one layer (the least
  disturbed by other work on the machine), fitted as n^slope over n ≥ 512, with the range of the
  fits to each run alone as its spread;
- sequential operations, by construction rather than measured: the steps that must run one after
  another (a recurrent layer's loop of n dependent steps; the other layers are one batched operation);
- maximum path length: read from gradients, as the fewest hops that connect the first input to
  the last output: recurrent, the smallest truncation window K with a non-zero gradient at the
  first input, from the RNN probe (n); self-attention, one Transformer layer from its probe (1);
  restricted self-attention, the fewest local-attention layers of window r (⌈(n−1)/(r−1)⌉);
  dilated convolutions of kernel k, the fewest layers (⌈log_k n⌉).  Each count is checked by
  autograd: one hop fewer gives exactly zero.  The local-attention stack is checked in forward
  mode, which answers every depth in one pass.

The restricted layer is a real local attention (each query looks at 2r − 1 keys through an
unfolded window), so its cost is O(r·n·d) rather than a masked O(n²·d).
"""

from __future__ import annotations

import math
import threading
import time

import numpy as np
import pandas as pd
import torch
from torch import nn
from torch.autograd import forward_ad

from .models.lru import LRU, LRUConfig
from .probe import gradient_through_time
from .scan import parallel_scan, scan_rounds

TABLE_NS = (16, 32, 64, 128, 256, 512, 1024, 2048)  # the lengths the table's path lengths are shown for
TIMING_NS = (*TABLE_NS, 4096)  # one more octave, so the fit over n ≥ FIT_FROM has four points
FIT_FROM = 512  # the time exponent is fitted over n ≥ this (below, fixed costs dominate)
LAYER_KINDS = ("recurrent", "self-attention", "restricted self-attention", "convolutional", "linear recurrence (scan)")
PAPER = {  # complexity per layer, sequential operations, maximum path length (Vaswani et al. Table 1)
    "self-attention": ("O(n²·d)", "O(1)", "O(1)"),
    "recurrent": ("O(n·d²)", "O(n)", "O(n)"),
    "convolutional": ("O(k·n·d²)", "O(1)", "O(log_k n)"),
    "restricted self-attention": ("O(r·n·d)", "O(1)", "O(n/r)"),
    # not in the paper (2017): an LRU layer, its projections O(n·d²) and its Hillis–Steele scan O(n·d·log n)
    "linear recurrence (scan)": ("O(n·d² + n·d·log n)", "O(log n)", "O(log n)"),
}


def local_attention(x: torch.Tensor, r: int) -> torch.Tensor:
    """Single-head attention where query i sees keys |i − j| < r, in O(n·r·d): x (n, d) -> (n, d)."""
    n, d = x.shape
    pad = torch.nn.functional.pad(x, (0, 0, r - 1, r - 1))
    windows = pad.unfold(0, 2 * r - 1, 1).transpose(1, 2)  # (n, 2r − 1, d)
    # the scalar division is spelled aten.div.Scalar: `/ number` on a forward-mode dual tensor (see
    # local_attention_reach) routes through a Python decomposition whose first use imports torch._dynamo,
    # about a second once per process; the Scalar overload is the same division in C++
    scores = torch.ops.aten.div.Scalar((windows @ x[:, :, None])[..., 0], math.sqrt(d))  # (n, 2r − 1)
    idx = torch.arange(n)[:, None] + torch.arange(2 * r - 1)[None, :] - (r - 1)
    scores = scores.masked_fill((idx < 0) | (idx >= n), float("-inf"))
    return (torch.softmax(scores, dim=-1)[:, None, :] @ windows)[:, 0]


def make_layer(kind: str, d: int, k: int, r: int):
    """One layer of `kind` as a function of x (n, d), in float32."""
    torch.manual_seed(0)
    if kind == "recurrent":
        rnn = nn.RNN(d, d, batch_first=True)
        return lambda x: rnn(x[None])[0][0]
    if kind == "self-attention":
        att = nn.MultiheadAttention(d, 1, batch_first=True)
        return lambda x: att(x[None], x[None], x[None], need_weights=False)[0][0]
    if kind == "restricted self-attention":
        return lambda x: local_attention(x, r)
    if kind == "linear recurrence (scan)":
        lru = LRU(LRUConfig(d), dtype=torch.float32)
        return lambda x: lru.mix(x[None])[0]
    conv = nn.Conv1d(d, d, k, padding=k // 2)
    return lambda x: conv(x.T[None])[0].T


@torch.no_grad()
def time_per_layer(
    ns=(16, 32, 64, 128, 256, 512, 1024, 2048), d: int = 64, k: int = 3, r: int = 32, repeats: int = 5
) -> pd.DataFrame:
    """Every one of `repeats` timings of one forward pass of one layer, in seconds: columns kind, n,
    run, seconds.  Run j of every n is taken in the same sweep over n, so a run's fit is one
    consistent measurement (see slope_range)."""
    rows = []
    for kind in LAYER_KINDS:
        layer = make_layer(kind, d, k, r)
        inputs = {n: torch.randn(n, d) for n in ns}
        for n in ns:
            layer(inputs[n])  # warm-up
        for run in range(repeats):
            for n in ns:
                t0 = time.perf_counter()
                layer(inputs[n])
                rows.append((kind, n, run, time.perf_counter() - t0))
    return pd.DataFrame(rows, columns=["kind", "n", "run", "seconds"])


def fastest(timings: pd.DataFrame) -> pd.DataFrame:
    """The fastest run of each kind and n (interference only ever adds time): columns kind, n, seconds."""
    return timings.groupby(["kind", "n"], sort=False, as_index=False)["seconds"].min()


def _slope(group: pd.DataFrame) -> float:
    return float(np.polyfit(np.log(group["n"]), np.log(group["seconds"]), 1)[0])


def fitted_slopes(timings: pd.DataFrame, min_n: int = 512) -> dict[str, float]:
    """Exponent of n in a log-log fit of the fastest time against n, over n ≥ min_n (below it, fixed
    costs rule: self-attention's local slope rises from about 0.1 at small n towards 2)."""
    best = fastest(timings[timings["n"] >= min_n])
    return {kind: _slope(group) for kind, group in best.groupby("kind")}


def slope_range(timings: pd.DataFrame, min_n: int = 512) -> dict[str, tuple[float, float]]:
    """(lowest, highest) exponent over the runs, each run fitted alone over n ≥ min_n: the spread of
    the measurement.  A table without a `run` column counts as one run."""
    timings = timings[timings["n"] >= min_n]
    if "run" not in timings:
        timings = timings.assign(run=0)
    out = {}
    for kind, group in timings.groupby("kind"):
        slopes = [_slope(run) for _, run in group.groupby("run")]
        out[kind] = (min(slopes), max(slopes))
    return out


def _first_input_reached(model: str, n: int, **options) -> bool:
    logs = gradient_through_time(model, seq_len=n, hidden_size=16, **options)["log10_grad_norm"]
    return bool(np.isfinite(logs.iloc[0]))


def dilated_conv_reaches(n: int, k: int, layers: int) -> bool:
    """Does the last output of `layers` causal convolutions (kernel k, dilation k^l) depend on input 0?"""
    torch.manual_seed(0)
    x = torch.randn(1, 4, n, dtype=torch.float64, requires_grad=True)
    h = x
    for layer in range(layers):
        dil = k**layer
        conv = nn.Conv1d(4, 4, k, dilation=dil).double()
        h = conv(nn.functional.pad(h, ((k - 1) * dil, 0)))
    (grad,) = torch.autograd.grad(h[0, :, -1].sum(), x)
    return bool(grad[0, :, 0].abs().sum() > 0)


# PyTorch's forward-mode AD has one dual level per process, not per thread: two threads inside
# dual_level() at once raise "Nested forward mode AD is not supported" (seen in the soak: two visitors
# asking Table 1 for different n).  One at a time.
FORWARD_AD = threading.Lock()


def local_attention_reach(n: int, r: int, layers: int) -> list[bool]:
    """After each of `layers` local-attention layers (window r), does the last output depend on input 0?

    One forward-mode pass: the tangent of input 0 (∂h_l/∂x_0 for every layer l) is carried through
    the stack, so every depth is answered by one pass instead of one backward pass per depth."""
    x = torch.randn(n, 4, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    tangent = torch.zeros_like(x)
    tangent[0] = 1.0
    reached = []
    with FORWARD_AD, forward_ad.dual_level():
        h = forward_ad.make_dual(x, tangent)
        for _ in range(layers):
            h = local_attention(h, r)
            reached.append(bool(forward_ad.unpack_dual(h).tangent[-1].abs().sum() > 0))
    return reached


def scan_reaches(n: int, rounds: int) -> bool:
    """After `rounds` rounds of the parallel scan, does output n − 1 depend on input 0?"""
    a = torch.ones(4, dtype=torch.float64)  # |λ| = 1: no factor can underflow, whatever n
    b = torch.randn(n, 4, dtype=torch.float64, generator=torch.Generator().manual_seed(0), requires_grad=True)
    (grad,) = torch.autograd.grad(parallel_scan(a, b, rounds=rounds)[-1].sum(), b)
    return bool(grad[0].abs().sum() > 0)


def max_path_length(kind: str, n: int, k: int = 3, r: int = 32) -> int:
    """The fewest steps (recurrent), rounds (the scan) or layers (the others) that connect input 0 to output n − 1,
    found by search and confirmed with gradients: one fewer gives exactly zero."""
    if kind == "recurrent":
        found = n  # truncated backprop: window K reaches distance K − 1, so K = n is needed
        assert _first_input_reached("rnn", n, window=found) and not _first_input_reached("rnn", n, window=found - 1)
        return found
    if kind == "self-attention":
        assert _first_input_reached("transformer", n, layers=1, heads=1)
        return 1
    if kind == "linear recurrence (scan)":  # each round doubles the reach: input 0 meets output n − 1 at ⌈log₂ n⌉
        found = scan_rounds(n)
        assert scan_reaches(n, found) and (found == 0 or not scan_reaches(n, found - 1))
        return found
    if kind == "restricted self-attention":
        found = max(1, math.ceil((n - 1) / (r - 1)))
        reach = local_attention_reach(n, r, found)
        assert reach[-1] and (found == 1 or not reach[-2])
        return found
    found = max(1, math.ceil(math.log(n, k) - 1e-9))
    assert dilated_conv_reaches(n, k, found) and (found == 1 or not dilated_conv_reaches(n, k, found - 1))
    return found


def sequential_operations(kind: str, n: int) -> int:
    """Steps that must run one after another: a recurrent layer's n, the scan's ⌈log₂ n⌉ rounds, everything else 1."""
    return n if kind == "recurrent" else scan_rounds(n) if kind == "linear recurrence (scan)" else 1


def machine_description() -> dict:
    """What a timing was measured on: processor, cores, torch and thread count, and when (UTC)."""
    import datetime
    import os
    import platform

    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            model = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), model)
    except OSError:
        pass
    return {
        "processor": model,
        "cores": os.cpu_count(),
        "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(),
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }
