"""Closed-form theory for recurrent gradients, and the plain-words verdict on a measured curve.

For h_t = φ(W h_{t-1} + U x_t) and ℓ = r·h_{T-1}, the input gradient at distance d is
U^T D_t W^T ... W^T D_{T-1} r.  Two lines follow:
- the linear-RNN prediction ρ(W)^d, exact for an orthogonal W = ρQ with orthogonal U and ‖r‖ = 1;
- Pascanu et al.'s bound ‖U‖₂‖r‖ γ^(d+1) ‖W‖₂^d, with |φ'| ≤ γ, which no measurement may exceed.
ρ(W) (largest |eigenvalue|) and ‖W‖₂ (largest singular value) differ for non-normal W: the bound
needs ‖W‖₂ (SCIENCE.md: [[8,8],[-8,-8]] has ρ = 0, ‖W‖₂ = 16).

Sources: Pascanu, Mikolov & Bengio 2013 §2.1; Bengio, Simard & Frasconi 1994; ../SCIENCE.md.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

STABLE_DECADES = 1.0  # |log10(first / last)| up to this counts as "stable" (within a factor of 10)


def spectral_norm(w: torch.Tensor) -> float:
    """‖W‖₂: the largest singular value."""
    return float(torch.linalg.matrix_norm(w.detach().double(), ord=2))


def eigenvalue_frame(w: torch.Tensor) -> pd.DataFrame:
    """The eigenvalues of W as columns re, im, abs."""
    ev = torch.linalg.eigvals(w.detach().double()).numpy()
    return pd.DataFrame({"re": ev.real, "im": ev.imag, "abs": np.abs(ev)})


def spectral_radius(w: torch.Tensor) -> float:
    """ρ(W): the largest |eigenvalue| (by the same route as spectrum's, so the two agree to the bit)."""
    return float(eigenvalue_frame(w)["abs"].max())


def spectrum(w: torch.Tensor) -> tuple[pd.DataFrame, float, float]:
    """(eigenvalue_frame(W), ρ(W), ‖W‖₂), the eigenvalues computed once for both."""
    eigs = eigenvalue_frame(w)
    return eigs, float(eigs["abs"].max()), spectral_norm(w)


def _d_log10(distance: np.ndarray, base: float) -> np.ndarray:
    """d·log10(base), with base^0 = 1 even for base = 0."""
    d = np.asarray(distance, dtype=np.float64)
    if base > 0:
        return d * math.log10(base)
    return np.where(d == 0, 0.0, -np.inf)


def theory_frame(distance, rho: float, norm: float, gamma: float = 1.0, input_norm: float = 1.0) -> pd.DataFrame:
    """log10 of the two reference lines at each distance: columns distance, rho_line, bound_line."""
    d = np.asarray(distance, dtype=np.float64)
    anchor = math.log10(input_norm)
    return pd.DataFrame(
        {
            "distance": d.astype(int),
            "rho_line": anchor + _d_log10(d, rho),
            "bound_line": anchor + (d + 1) * math.log10(gamma) + _d_log10(d, norm),
        }
    )


@dataclass
class Verdict:
    regime: str  # "vanishing", "stable", "exploding" or "none" (no gradient reaches any input)
    log10_ratio: float  # log10(g at the farthest input / g at the nearest); -inf when cut off
    per_step: float  # geometric-mean factor per step, 10^(log10_ratio / (T-1)); 0 when cut off
    zero_from: int | None  # smallest distance whose gradient is exactly zero, if any


def verdict(frame: pd.DataFrame) -> Verdict:
    """Classify a probe table: vanishing, stable or exploding over its whole length."""
    by_distance = frame.sort_values("distance")
    logs = by_distance["log10_grad_norm"].to_numpy()
    dist = by_distance["distance"].to_numpy()
    finite = np.isfinite(logs)
    if not finite.any():
        return Verdict("none", -math.inf, 0.0, 0)
    zero = np.isneginf(logs)
    zero_from = int(dist[zero].min()) if zero.any() else None
    nearest = logs[finite][0]
    span = int(dist[-1] - dist[finite][0])
    if zero[-1]:
        return Verdict("vanishing", -math.inf, 0.0, zero_from)
    ratio = float(logs[-1] - nearest)
    per_step = 10 ** (ratio / span) if span else 1.0
    regime = "vanishing" if ratio < -STABLE_DECADES else "exploding" if ratio > STABLE_DECADES else "stable"
    return Verdict(regime, ratio, per_step, zero_from)
