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
