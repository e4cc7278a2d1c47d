"""Log-domain bookkeeping shared by every recurrent probe.

A backward pass that renormalises its vector at each step records, per step, log10 of the
factor it divided out; the true scale of the vector at step t is the sum of those factors for
all later steps.  These helpers turn the per-step records into per-position log10 scales,
propagate exact zeros (a dead step cuts every earlier position), and add two vectors that carry
different log10 scales (the bidirectional RNN's two directions).
"""

from __future__ import annotations

import numpy as np


def scales_from_steps(step_log10: np.ndarray, dead: np.ndarray, first: int = 0) -> np.ndarray:
    """log10 scale of the backward vector entering step t, for every t: (T, B).

    step_log10[t]: log10 of what step t divided out (the growth from v_t to v_{t-1}).
    dead[t]: step t produced an exactly zero vector, so positions before t get no gradient.
    first: positions before it are cut off too (truncated backprop).
    """
    T, B = step_log10.shape
    step = np.where(dead, 0.0, step_log10)
    after = np.vstack([np.cumsum(step[::-1], axis=0)[::-1][1:], np.zeros((1, B))])
    cut = np.vstack([np.cumsum(dead[::-1], axis=0)[::-1][1:], np.zeros((1, B))]) > 0
    cut[:first] = True
    return np.where(cut, -np.inf, after)


def log10_norms(vectors: np.ndarray, log10_scale: np.ndarray) -> np.ndarray:
    """log10 ‖vectors‖ along the last axis plus their log10 scale; -inf for a zero vector."""
    norms = np.sqrt(np.einsum("...d,...d->...", vectors, vectors))
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(norms > 0, np.log10(norms) + log10_scale, -np.inf)


def add_scaled(a: np.ndarray, log_a: np.ndarray, b: np.ndarray, log_b: np.ndarray):
    """a·10^log_a + b·10^log_b as (vectors, log10 scale), exact when the scales differ by 10^300."""
    top = np.maximum(log_a, log_b)
    safe = np.where(np.isfinite(top), top, 0.0)
    with np.errstate(invalid="ignore"):
        wa = np.where(np.isneginf(log_a), 0.0, np.power(10.0, log_a - safe))
        wb = np.where(np.isneginf(log_b), 0.0, np.power(10.0, log_b - safe))
    return a * wa[..., None] + b * wb[..., None], top
