"""Elman RNN, h_t = φ(W h_{t-1} + U x_t), and its exact log-domain input gradients.

The gradient of a readout r·h_{T-1} with respect to x_t is U^T D_t W^T D_{t+1} ... W^T D_{T-1} r,
with D_k = diag(φ'(a_k)): the same W is multiplied in once per step.  `log_input_gradients`
evaluates this product in float64, renormalising the backward vector at every step and adding
log10 of the divisor (power-iteration style), so that 10^±1000 comes out exact instead of as
inf, 0 or NaN.  The inner loops use NumPy on (B, H) arrays because per-op overhead, not
arithmetic, dominates at H=64 (see benchmarks/); `forward` is the plain torch model and serves
as the float64 autograd reference.

Sources: Elman 1990; Pascanu, Mikolov & Bengio 2013 §2.1 (the ‖W‖₂ bound); ../SCIENCE.md.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from ..logscale import log10_norms, scales_from_steps
from .base import RecurrentModel, check_recurrent_config, haar_orthogonal
from .checks import check_choice

NONLINEARITIES = ("tanh", "relu", "linear")
INITS = ("orthogonal", "gaussian", "nonnormal")
# Pascanu et al.'s γ: an upper bound on |φ'| for each nonlinearity.
DERIVATIVE_BOUND = {"tanh": 1.0, "relu": 1.0, "linear": 1.0}
NONNORMAL_BLOCK = ((8.0, 8.0), (-8.0, -8.0))  # SCIENCE.md: ρ = 0 but ‖W‖₂ = 16
RESCALE_EVERY = 16  # steps between rescalings of the ReLU forward state


@dataclass
class RNNConfig:
    hidden_size: int = 64  # H; the input size equals H so that U can be orthogonal (norm-preserving)
    weight_scale: float = 0.9  # ρ, the spectral radius of W (a plain multiplier for "nonnormal")
    nonlinearity: str = "tanh"  # φ: "tanh", "relu" or "linear"
    init: str = "orthogonal"  # W = ρQ; "gaussian": N(0, 1/H) rescaled to radius ρ; "nonnormal": ρ·[[8,8],[-8,-8]]
    seed: int = 0  # seeds W and U

    def __post_init__(self):
        check_recurrent_config(self)
        check_choice("nonlinearity", self.nonlinearity, NONLINEARITIES)
        check_choice("init", self.init, INITS)


def unit_recurrent_matrix(hidden_size: int, init: str, generator: torch.Generator) -> torch.Tensor:
    """W at weight scale 1, float64 (H, H).  Every init is linear in ρ: W(ρ) = ρ·W₁."""
    H = hidden_size
    if init == "orthogonal":
        return haar_orthogonal(H, generator)
    if init == "gaussian":  # N(0, 1/H): by the circular law radius ≈ 1 and ‖W‖₂ ≈ 2, but not exactly
        w = torch.randn(H, H, generator=generator, dtype=torch.float64) / math.sqrt(H)
        # rescaled to radius exactly 1, so that the slider's ρ is the drawn W's spectral radius at any H and
        # seed (unscaled, seed 0 at H = 64 has radius 1.079, and a linear RNN at "0.95" would explode)
        return w / torch.linalg.eigvals(w).abs().max()
    w = torch.zeros(H, H, dtype=torch.float64)  # "nonnormal": nilpotent 2×2 blocks, a 0 left over if H is odd
    block = torch.tensor(NONNORMAL_BLOCK, dtype=torch.float64)
    for i in range(0, H - 1, 2):
        w[i : i + 2, i : i + 2] = block
    return w


class RNN(RecurrentModel):
    """h_t = φ(W h_{t-1} + U x_t), h_{-1} = 0, no bias; U is orthogonal, so ‖U^T v‖ = ‖v‖."""

    def __init__(self, config: RNNConfig):
        super().__init__()
        self.config = config
        g = torch.Generator().manual_seed(config.seed)
        H = config.hidden_size
        w1 = unit_recurrent_matrix(H, config.init, g)
        self.W = nn.Parameter(config.weight_scale * w1)  # (H, H) recurrent matrix
        self.U = nn.Parameter(haar_orthogonal(H, g))  # (H, D=H) input matrix
        self.register_buffer("W_unit", w1, persistent=False)  # W at ρ = 1, for scale sweeps

    def phi(self, a: torch.Tensor) -> torch.Tensor:
        kind = self.config.nonlinearity
        return torch.tanh(a) if kind == "tanh" else torch.relu(a) if kind == "relu" else a

    def forward(self, x: torch.Tensor, window: int = 0) -> torch.Tensor:
        """x: (B, T, D) or (T, D) -> hidden states of the same leading shape, (..., T, H).

        window K > 0 is truncated backprop: the state entering the last K steps is detached,
        so no gradient reaches inputs at distance ≥ K from the final position.
        """
        squeeze = x.dim() == 2
        x = x.unsqueeze(0) if squeeze else x  # (B, T, D)
        B, T, _ = x.shape
        ux = x @ self.U.T  # (B, T, H): the input drive, computed for all steps at once
        h = ux.new_zeros(B, self.config.hidden_size)
        states = []
        for t in range(T):
            if window and t == T - window:
                h = h.detach()
            h = self.phi(h @ self.W.T + ux[:, t])
            states.append(h)
        out = torch.stack(states, dim=1)  # (B, T, H)
        return out[0] if squeeze else out

    @torch.no_grad()
    def log_input_gradients(self, x, readout, window: int = 0, scales=None, positions=None) -> np.ndarray:
        """log10 ‖∂(r·h_{T-1})/∂x_t‖ for t = 0..T-1, exact in float64 for any T.

        x: (T, H) inputs, readout: (H,) r.  scales: optional weight scales ρ_b; when given, W is
        replaced by ρ_b·W₁ for each b and the result is (B, T) instead of (T,).  positions: only
        these t are reported (the rest of the row is NaN); default all.  -inf marks an exactly
        zero gradient (no path: cut by the window, or every unit's φ' is 0).
        """
        T = len(x)
        positions = np.arange(T) if positions is None else np.asarray(positions, dtype=int)
        grads, log_scale = self.input_gradient_vectors(x, readout, window, scales, positions)
        out = np.full((T, grads.shape[1]), np.nan)
        out[positions] = log10_norms(grads, log_scale)
        return out[:, 0] if scales is None else out.T

    @torch.no_grad()
    def input_gradient_vectors(self, x, readout, window=0, scales=None, positions=None):
        """∂ℓ/∂x_t as (vectors (P, B, D), log10 scales (P, B)): the gradient is vector · 10^scale."""
        single = scales is None
        w1 = self.W.detach().numpy() if single else self.W_unit.numpy()
        rho = np.array([1.0] if single else scales, dtype=np.float64)
        u_mat = self.U.detach().numpy()
        ux = x.detach().double().numpy() @ u_mat.T  # (T, H)
        positions = np.arange(len(ux)) if positions is None else positions
        rel_d, log10_dmax = _log_derivatives(w1, rho, ux, self.config.nonlinearity)
        return _backward(w1, rho, u_mat, rel_d, log10_dmax, readout.detach().double().numpy(), window, positions)


def _log_derivatives(w1, rho, ux, nonlinearity):
    """Run the forward pass for every scale; return φ'(a_t) as (rel, log10_max).

    rel (T, B, H) ≤ 1 and log10_max (T, B), with φ'(a) = rel · 10^log10_max: a saturated tanh
    unit's φ' of 10^-500 is kept instead of underflowing to 0.  ReLU is positively homogeneous,
    so its state is kept as h = c·ĥ with ‖ĥ‖ = 1 and 1/c tracked: a ReLU net with ρ = 2 over 2000
    steps (2^2000) then keeps the exact sign pattern of a_t instead of overflowing to inf - inf.
    """
    T, H = ux.shape
    B = len(rho)
    if nonlinearity == "linear":  # φ' ≡ 1: no forward pass needed
        return np.ones((1, 1, 1)), np.zeros((T, B))  # rel broadcasts over (T, B, H)
    w1t = w1.T
    scaled = not np.array_equal(rho, [1.0])
    h = np.zeros((B, H))
    pre = np.empty((T, B, H))
    if nonlinearity == "tanh":  # bounded state: plain float64 forward
        if not scaled:  # one matrix (B = 1): 1-D vectors, three calls per step
            h, w, pre1 = h[0], w1t.T.copy(), pre[:, 0]
            for t in range(T):
                a = np.add(w @ h, ux[t], out=pre1[t])
                h = np.tanh(a)
        else:
            for t in range(T):
                a = pre[t]
                np.matmul(h, w1t, out=a)
                a *= rho[:, None]
                a += ux[t]
                h = np.tanh(a)
        # log sech²(a) = 2(log 2 - |a| - log1p(e^{-2|a|})): no underflow even at |a| = 1000
        absa = np.abs(pre)
        log_d = 2.0 * (math.log(2.0) - absa - np.log1p(np.exp(-2.0 * absa)))
        log_max = log_d.max(axis=2)
        return np.exp(log_d - log_max[..., None]), log_max / math.log(10.0)
    inv_c = np.ones(B)  # relu: the true state is h / inv_c
    for t in range(T):
        a = pre[t]
        np.matmul(h, w1t, out=a)
        if scaled:
            a *= rho[:, None]
        a += ux[t] * inv_c[:, None]  # = a_t · inv_c: the same signs as a_t
        h = np.maximum(a, 0.0)
        # ‖h‖ grows at most ×‖W‖₂ ≤ 3200 per step: rescaling every 16 steps cannot overflow
        if t % RESCALE_EVERY == 0:
            n = np.sqrt(np.einsum("bh,bh->b", h, h))
            safe = np.where(n > 0, n, 1.0)
            h /= safe[:, None]
            inv_c = np.where(n > 0, inv_c / safe, 1.0)  # a dead (all-zero) state restarts at c = 1
    rel = (pre > 0).astype(np.float64)  # torch's convention: relu'(0) = 0
    with np.errstate(divide="ignore"):
        return rel, np.log10(rel.max(axis=2))  # 0, or -inf where every unit is off


def _backward(w1, rho, u_mat, rel_d, log10_dmax, readout, window, positions):
    """Backpropagate r through the recurrence in the log domain.

    Returns (U^T u_t at the given positions, (P, B, D); their log10 scales, (P, B)).  The loop
    only multiplies and renormalises; the log10 scales are summed afterwards (core.logscale), and
    a step whose product falls below float64's round-off bound for it (Higham: H·eps·‖u‖‖W₁‖_F)
    counts as an exact zero.  That bound matters for the nilpotent example, W² = 0, where FMA
    round-off would otherwise be renormalised into a fake 10^-500 instead of the true 0.
    """
    T, B = log10_dmax.shape
    H = w1.shape[0]
    first = 0 if window <= 0 else max(0, T - window)  # steps below `first` get no gradient
    rel_d = np.broadcast_to(rel_d, (T, B, H))
    # B = 1 runs on 1-D vectors: per-op overhead, not arithmetic, is the cost at H = 64
    lead = (B,) if B > 1 else ()
    rel_d = rel_d if B > 1 else rel_d[:, 0]
    u_all = np.zeros((T, *lead, H))  # ∂ℓ/∂a_t, each renormalised
    v_norm2 = np.ones((T, *lead))  # ‖W₁^T u_t‖² before renormalising
    v = np.tile(readout, (B, 1)) if B > 1 else readout.copy()  # ∂ℓ/∂h_t, renormalised
    with np.errstate(divide="ignore", invalid="ignore"):  # a zero norm is caught by `dead` below
        if B == 1:  # the same loop as below, with scalar norms: half the per-step cost
            for t in range(T - 1, first - 1, -1):
                u = np.multiply(rel_d[t], v, out=u_all[t])
                v = u @ w1
                n2 = v_norm2[t] = v @ v
                v *= 1.0 / math.sqrt(n2) if n2 > 0 else 1.0
        else:
            for t in range(T - 1, first - 1, -1):
                u = np.multiply(rel_d[t], v, out=u_all[t])
                v = u @ w1  # W^T u in row form, without the factor ρ
                n2 = v_norm2[t] = np.einsum("bh,bh->b", v, v)
                v /= np.sqrt(n2)[:, None]
        v_norm2, u_all = v_norm2.reshape(T, B), u_all.reshape(T, B, H)
        u_norm2 = np.einsum("tbh,tbh->tb", u_all, u_all)
        roundoff2 = (H * np.finfo(np.float64).eps * np.linalg.norm(w1)) ** 2
        dead = (v_norm2 <= roundoff2 * u_norm2) | ~np.isfinite(log10_dmax)  # v_{t-1} is exactly 0
        log_rho = np.log10(rho, where=rho > 0, out=np.full(B, -np.inf))
        step = log10_dmax + log_rho + 0.5 * np.log10(np.where(dead, 1.0, v_norm2))
        log_u = scales_from_steps(step, dead, first) + log10_dmax  # (T, B)
    reported = u_all if len(positions) == T else u_all[positions]
    return reported @ u_mat, log_u[positions]  # (U^T u_t)^T: (P, B, D)
