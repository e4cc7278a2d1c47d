"""Probe speed: every model's exact log-domain probe against the naive float32 autograd loop,
measured side by side in the same run.

    python -m benchmarks.probe_speed            # the README table
    python -m benchmarks.probe_speed --quick    # fewer repeats

Naive = what one writes first: the model in float32, inputs with requires_grad, a Python loop
that keeps every hidden state, ℓ = r·y, .backward(), then ‖x.grad[t]‖.  It is also the one that
overflows: the "finite" columns say whether each method still returns a finite log10 at every
position for a linear RNN at ρ = 1.5 (float32 overflows past 10^38).
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import torch

from core.models import build_model
from core.models.transformer import MAX_PROBE_LEN
from core.probe import gradient_through_time, make_inputs, make_readout
from core.threads import one_thread_each

H = 64
LENGTHS = (100, 1000, 10000)
CASES = [  # (model, options, sequence lengths)
    ("rnn", {"nonlinearity": "tanh"}, LENGTHS),
    ("lstm", {"forget_bias": 1.0}, LENGTHS),
    ("gru", {}, LENGTHS),
    ("birnn", {"nonlinearity": "tanh"}, LENGTHS),
    # exact = float64 autograd (no decay to guard against); T² attention: its probe stops at MAX_PROBE_LEN,
    # so T = 10000 is a row that records the refusal, and the cap itself is measured instead
    ("transformer", {}, (100, 1000, MAX_PROBE_LEN, 10000)),
]


def naive_log_gradients(model, seq_len, options, seed=0):
    """float32 autograd through a loop that keeps every hidden state."""
    options = options if model == "transformer" else {"weight_scale": 0.9, **options}
    net = build_model(model, hidden_size=H, seed=seed, **options).float()
    x = make_inputs(seq_len, net.input_size, 1.0, seed).float().requires_grad_(True)
    r = make_readout(net.readout_size, seed).float()
    (r @ net.readout_state(x)).backward()
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.log10(x.grad.norm(dim=1).numpy().astype(np.float64))


def fast_log_gradients(model, seq_len, options, seed=0):
    options = options if model == "transformer" else {"weight_scale": 0.9, **options}
    frame = gradient_through_time(model, seq_len=seq_len, hidden_size=H, seed=seed, **options)
    return frame["log10_grad_norm"].to_numpy()


def median_ms(fn, repeats):
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(1000 * (time.perf_counter() - t0))
    return statistics.median(times)


def run(quick=False):
    rows = []
    for model, options, lengths in CASES:
        for T in lengths:
            if model == "transformer" and T > MAX_PROBE_LEN:
                try:
                    fast_log_gradients(model, T, options)
                except ValueError as refused:  # the cap answers before any work is done
                    rows.append((model, T, None, None, None, f"refused: {refused}", "not run"))
                    continue
                raise AssertionError(f"the transformer probe accepted T = {T} > {MAX_PROBE_LEN}")
            fast_reps = 3 if quick else (15 if T <= 1000 else 5)
            naive_reps = 1 if quick or T >= 10000 else 3
            fast_log_gradients(model, T, options)  # warm-up
            fast = median_ms(lambda m=model, T=T, o=options: fast_log_gradients(m, T, o), fast_reps)
            naive = median_ms(lambda m=model, T=T, o=options: naive_log_gradients(m, T, o), naive_reps)
            finite = ("—", "—")
            if model == "rnn":
                explode = {"nonlinearity": "linear", "weight_scale": 1.5}
                finite = tuple(
                    "yes" if np.isfinite(f("rnn", T, explode)).all() else "no (inf/NaN)"
                    for f in (fast_log_gradients, naive_log_gradients)
                )
            rows.append((model, T, fast, naive, naive / fast, *finite))
    return rows


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="fewer repeats")
    args = ap.parse_args(argv)
    one_thread_each()  # as the app and the CLI run (one torch and one BLAS thread); the same for both methods
    print(
        f"torch {torch.__version__}, {torch.get_num_threads()} torch thread(s); H={H}, rho=0.9, tanh RNNs, "
        "LSTM b_f=1; medians in ms\n"
    )
    print(
        "| model | T | exact probe (ms) | naive float32 autograd (ms) | speed-up | exact finite at ρ=1.5 "
        "| naive finite |"
    )
    print("|---|---:|---:|---:|---:|:---:|:---:|")
    for model, T, fast, naive, ratio, ok_fast, ok_naive in run(quick=args.quick):
        if fast is None:
            print(f"| {model} | {T} | — | — | — | {ok_fast} | {ok_naive} |")
        else:
            print(f"| {model} | {T} | {fast:.1f} | {naive:.1f} | {ratio:.1f}× | {ok_fast} | {ok_naive} |")


if __name__ == "__main__":
    main()
