"""Probe speed: the exact log-domain probe against the naive float32 autograd loop, same run.

    python -m benchmarks.probe_speed            # the README table
    python -m benchmarks.probe_speed --quick    # fewer repeats

Naive = what one writes first: the model in float32, inputs with requires_grad, a Python loop
that keeps every hidden state, ℓ = r·h_{T-1}, .backward(), then ‖x.grad[t]‖.  It is also the
one that overflows: the "finite" columns show whether each method still returns a finite
log10 at every position for a linear RNN at ρ = 1.5 (float32 overflows past 10^38).
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import torch

from core.models import build_model
from core.probe import gradient_through_time, make_inputs, make_readout


def naive_log_gradients(seq_len, hidden_size, weight_scale, nonlinearity, seed=0):
    """float32 autograd through a loop that keeps every hidden state."""
    net = build_model(
        "rnn", hidden_size=hidden_size, weight_scale=weight_scale, nonlinearity=nonlinearity, seed=seed
    ).float()
    x = make_inputs(seq_len, hidden_size, 1.0, seed).float().requires_grad_(True)
    r = make_readout(hidden_size, seed).float()
    loss = r @ net.readout_state(x)
    loss.backward()
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.log10(x.grad.norm(dim=1).numpy().astype(np.float64))


def fast_log_gradients(seq_len, hidden_size, weight_scale, nonlinearity, seed=0):
    frame = gradient_through_time(
        "rnn", seq_len=seq_len, hidden_size=hidden_size, weight_scale=weight_scale, nonlinearity=nonlinearity, seed=seed
    )
    return frame["log10_grad_norm"].to_numpy()


def median_ms(fn, repeats):
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(1000 * (time.perf_counter() - t0))
    return statistics.median(times)


def run(lengths=(100, 1000, 10000), hidden_size=64, nonlinearity="tanh", quick=False):
    rows = []
    for T in lengths:
        fast_reps = 3 if quick else (20 if T <= 1000 else 7)
        naive_reps = 1 if quick or T >= 10000 else 5
        fast_log_gradients(T, hidden_size, 0.9, nonlinearity)  # warm-up
        fast = median_ms(lambda T=T: fast_log_gradients(T, hidden_size, 0.9, nonlinearity), fast_reps)
        naive = median_ms(lambda T=T: naive_log_gradients(T, hidden_size, 0.9, nonlinearity), naive_reps)
        exploding_fast = np.isfinite(fast_log_gradients(T, hidden_size, 1.5, "linear")).all()
        exploding_naive = np.isfinite(naive_log_gradients(T, hidden_size, 1.5, "linear")).all()
        rows.append((T, hidden_size, fast, naive, naive / fast, exploding_fast, exploding_naive))
    return rows


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="fewer repeats")
    ap.add_argument("--nonlinearity", default="tanh", choices=("tanh", "relu", "linear"))
    args = ap.parse_args(argv)
    torch.set_num_threads(1)  # as the app and the CLI run; the same setting for both methods
    print(
        f"torch {torch.__version__}, {torch.get_num_threads()} torch thread(s); RNN H=64, {args.nonlinearity}, rho=0.9;"
    )
    print("times are medians in ms; finite = every log10 finite for a linear RNN at rho=1.5\n")
    print(
        "| T | H | exact probe (ms) | naive float32 autograd (ms) | speed-up | exact finite at ρ=1.5 | naive finite |"
    )
    print("|---:|---:|---:|---:|---:|:---:|:---:|")
    for T, H, fast, naive, ratio, ok_fast, ok_naive in run(nonlinearity=args.nonlinearity, quick=args.quick):
        print(
            f"| {T} | {H} | {fast:.1f} | {naive:.1f} | {ratio:.1f}× | {'yes' if ok_fast else 'no'} | "
            f"{'yes' if ok_naive else 'no (inf/NaN)'} |"
        )


if __name__ == "__main__":
    main()
