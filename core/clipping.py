"""Gradient clipping (Pascanu, Mikolov & Bengio 2013): if ‖g‖ > θ, g ← θ·g/‖g‖.

Applied here to the whole input gradient (g_0, ..., g_{T-1}) in the log domain.  Clipping
rescales every position by the same factor, so it caps an exploding gradient at θ, but the
ratio between the first and the last word, the shape of the curve, is exactly unchanged: it
tames explosion and cannot cure vanishing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass
class Clipped:
    log10_total: float  # log10 ‖g‖ over all positions, before clipping
    log10_total_clipped: float  # after clipping: min(‖g‖, θ)
    log10_factor: float  # log10 of the factor every position was multiplied by (≤ 0)
    log10_grad: np.ndarray  # the clipped per-position log10 gradient


def log10_total_norm(log10_grad: np.ndarray) -> float:
    """log10 sqrt(Σ g_t²) from log10 g_t, exact far outside float64 (-inf if every g_t is 0)."""
    logs = np.asarray(log10_grad, dtype=np.float64)
    finite = logs[np.isfinite(logs)]
    if finite.size == 0:
        return -math.inf
    top = finite.max()
    return float(top + 0.5 * math.log10(np.sum(np.power(10.0, 2.0 * (finite - top)))))


def clip_by_norm(log10_grad: np.ndarray, threshold: float) -> Clipped:
    """Clip the gradient vector whose per-position log10 norms are log10_grad at norm θ > 0."""
    if not (math.isfinite(threshold) and threshold > 0):
        raise ValueError(f"threshold must be a positive number, got {threshold!r}")
    total = log10_total_norm(log10_grad)
    factor = min(0.0, math.log10(threshold) - total) if math.isfinite(total) else 0.0
    return Clipped(total, total + factor, factor, np.asarray(log10_grad, dtype=np.float64) + factor)


def clipping_over_scales(
    threshold: float,
    seq_len: int = 100,
    hidden_size: int = 64,
    nonlinearity: str = "linear",
    seed: int = 0,
    scales=None,
) -> pd.DataFrame:
    """Total input-gradient norm before and after clipping at θ, for every weight scale.

    Columns: weight_scale, log10_total, log10_total_clipped, log10_first and log10_first_clipped
    (the first word's gradient), and log10_first_over_last, the same before and after clipping:
    clipping rescales all positions alike.
    """
    from .sweep import SWEEP_SCALES, weight_scale_sweep  # here, not at the top: sweep imports the models

    sweep = weight_scale_sweep(
        seq_len=seq_len,
        hidden_size=hidden_size,
        nonlinearity=nonlinearity,
        seed=seed,
        scales=SWEEP_SCALES if scales is None else scales,
        max_distances=seq_len,
    )
    rows = []
    for rho, group in sweep.groupby("weight_scale", sort=True):
        logs = group.sort_values("distance")["log10_grad_norm"].to_numpy()
        clipped = clip_by_norm(logs, threshold)
        ratio = logs[-1] - logs[0] if np.isfinite(logs[0]) else -math.inf
        rows.append((rho, clipped.log10_total, clipped.log10_total_clipped, logs[-1], clipped.log10_grad[-1], ratio))
    columns = [
        "weight_scale",
        "log10_total",
        "log10_total_clipped",
        "log10_first",
        "log10_first_clipped",
        "log10_first_over_last",
    ]
    return pd.DataFrame(rows, columns=columns)
