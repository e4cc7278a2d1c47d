"""The modern recurrences beside the classic ones, for one setting (the page "RNNs came back" and its tests).

`lru_lab` probes an LRU and returns, with the probe, the theory line of its slowest mode and its eigenvalues;
`tail_slope` fits the far tail of any probe; `rnn_eigenvalues` gives the tanh RNN's W at ρ for the same chart.

Source: ../SCIENCE.md; core/models/lru.py.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .models import build_model
from .models.lru import slowest_mode_line
from .probe import make_inputs, make_readout, probe_model
from .theory import eigenvalue_frame

TAIL = 0.25  # the far tail: the quarter of the distances farthest from the readout


def lru_lab(seq_len: int, seed: int, r_min: float, r_max: float, hidden_size: int = 64):
    """(probe table, slowest-mode line as a (distance, log10) frame, eigenvalues (re, im, modulus), log10 |λ|_max,
    γ of that mode) of the LRU at this setting; the probe's inputs and readout are those of `probe_model`."""
    net = build_model("lru", hidden_size=hidden_size, r_min=r_min, r_max=r_max, seed=seed)
    probe = probe_model(net, seq_len, 1.0, seed)
    x, r = make_inputs(seq_len, hidden_size, 1.0, seed), make_readout(hidden_size, seed)
    distance = np.arange(seq_len)
    line = pd.DataFrame({"distance": distance, "log10": slowest_mode_line(net, x, r, distance)})
    lam = net.eigenvalues().detach().numpy()
    eigs = pd.DataFrame({"re": lam.real, "im": lam.imag, "modulus": np.abs(lam)})
    slowest = float(np.abs(lam).max())
    return probe, line, eigs, math.log10(slowest), math.sqrt(1.0 - slowest**2)


def tail_slope(probe: pd.DataFrame, fraction: float = TAIL) -> float:
    """The least-squares slope of log10 g against distance over the farthest `fraction` of distances (decades a
    step); NaN where fewer than 3 finite points lie there."""
    by_distance = probe.sort_values("distance")
    d, logs = by_distance["distance"].to_numpy(float), by_distance["log10_grad_norm"].to_numpy(float)
    far = (d >= d.max() * (1.0 - fraction)) & np.isfinite(logs)
    if far.sum() < 3:
        return math.nan
    return float(np.polyfit(d[far], logs[far], 1)[0])


def rnn_eigenvalues(weight_scale: float, seed: int, hidden_size: int = 64) -> pd.DataFrame:
    """The tanh RNN's W (orthogonal × ρ) as eigenvalues: re, im, and modulus."""
    net = build_model("rnn", hidden_size=hidden_size, weight_scale=weight_scale, seed=seed)
    return eigenvalue_frame(net.W.detach()).rename(columns={"abs": "modulus"})


def speedups(frame: pd.DataFrame) -> pd.DataFrame:
    """loop ÷ scan time per model and length, with both round counts: columns model, seq_len, speedup,
    loop_rounds, scan_rounds."""
    wide = frame.pivot_table(index=["model", "seq_len"], columns="method", values=["seconds", "rounds"])
    out = pd.DataFrame(
        {
            "speedup": wide[("seconds", "loop")] / wide[("seconds", "scan")],
            "loop_rounds": wide[("rounds", "loop")].astype(int),
            "scan_rounds": wide[("rounds", "scan")].astype(int),
        }
    )
    return out.reset_index()
