"""LRU, the Linear Recurrent Unit (Orvieto et al. 2023), and its exact log-domain input gradients.

h_t = λ ⊙ h_{t−1} + γ ⊙ (B x_t), a diagonal complex recurrence of N = H modes, with
λ_j = exp(−exp(ν_j) + i·exp(θ_j)).  The paper's initialisation: |λ| uniform on the ring r_min ≤ |λ| ≤ r_max
(uniform in area: |λ|² ~ U[r_min², r_max²]), arg λ ~ U[0, max_phase], and γ_j = √(1 − |λ_j|²), so that
every mode's state has the variance of its input whatever its memory: a slow mode (|λ| near 1) enters weakly.
The output is y_t = MLP(Re(C h_t) + D ⊙ x_t), a position-wise GELU MLP, as in the paper's block.

Nothing nonlinear sits inside the recurrence, so ∂h_{T−1}/∂h_t = diag(λ^{T−1−t}) exactly: the gradient
reaching x_t is Re(Bᵀ (λ^k ⊙ γ ⊙ Cᵀ g)) at distance k = T−1−t (g = ∂ℓ/∂(Re C h + D x) at the last step),
plus D ⊙ g at k = 0.  Far back only the slowest mode is left: the tail falls like |λ|_max^k, the RNN lab's
ρ^k with ρ = |λ|_max.  The recurrence is linear in h, so it is computed by a parallel scan (core/scan.py).

Source: Orvieto, Smith, Gu, Fernando, Gulcehre, Pascanu & De 2023, "Resurrecting recurrent neural
networks for long sequences"; ../SCIENCE.md.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from ..scan import parallel_scan, sequential_scan
from .base import RecurrentModel
from .checks import check_float, check_int

MAX_LRU_HIDDEN = 1024
CHUNK = 2048  # distances evaluated at once by the probe: (CHUNK, N) complex arrays


@dataclass
class LRUConfig:
    hidden_size: int = 64  # H: input, output and the number of complex modes N
    r_min: float = 0.9  # the smallest |λ| drawn (the paper's default)
    r_max: float = 0.999  # the largest |λ| drawn: 0.999^1000 = 0.37 (the paper's default)
    max_phase: float = 2 * math.pi  # arg λ drawn uniformly from [0, max_phase]
    seed: int = 0  # seeds the weights

    def __post_init__(self):
        check_int("hidden_size", self.hidden_size, 1, MAX_LRU_HIDDEN)
        check_float("r_max", self.r_max, 0.01, 0.9999)
        check_float("r_min", self.r_min, 0.0, self.r_max)
        check_float("max_phase", self.max_phase, 0.0, 2 * math.pi)
        check_int("seed", self.seed, 0, 2**31 - 1)


def ring_init(n: int, r_min: float, r_max: float, max_phase: float, generator: torch.Generator):
    """(ν_log, θ_log, γ_log), float64 (n,) each: |λ|² ~ U[r_min², r_max²], arg λ ~ U[0, max_phase]."""
    u1 = torch.rand(n, generator=generator, dtype=torch.float64)
    u2 = torch.rand(n, generator=generator, dtype=torch.float64)
    modulus2 = u1 * (r_max**2 - r_min**2) + r_min**2
    modulus2 = modulus2.clamp(min=1e-300)  # r_min = 0: a draw of exactly 0 would give ν = inf
    nu_log = torch.log(-0.5 * torch.log(modulus2))  # |λ| = exp(−exp(ν_log))
    theta_log = torch.log((max_phase * u2).clamp(min=1e-300))  # θ = exp(θ_log) ≥ 0
    gamma_log = 0.5 * torch.log1p(-modulus2)  # γ = √(1 − |λ|²)
    return nu_log, theta_log, gamma_log


class LRU(RecurrentModel):
    """One LRU layer with its MLP; float64 for the probe (`.float()` for training: every parameter is real)."""

    def __init__(self, config: LRUConfig, dtype=torch.float64):
        super().__init__()
        self.config = config
        H = N = config.hidden_size
        g = torch.Generator().manual_seed(config.seed)
        nu_log, theta_log, gamma_log = ring_init(N, config.r_min, config.r_max, config.max_phase, g)
        self.nu_log = nn.Parameter(nu_log.to(dtype))
        self.theta_log = nn.Parameter(theta_log.to(dtype))
        self.gamma_log = nn.Parameter(gamma_log.to(dtype))
        # B, C complex Gaussian (B: variance 1/H per entry, C: 1/N), kept as real and imaginary parts
        self.B_re = nn.Parameter((torch.randn(N, H, generator=g, dtype=torch.float64) / math.sqrt(2 * H)).to(dtype))
        self.B_im = nn.Parameter((torch.randn(N, H, generator=g, dtype=torch.float64) / math.sqrt(2 * H)).to(dtype))
        self.C_re = nn.Parameter((torch.randn(H, N, generator=g, dtype=torch.float64) / math.sqrt(N)).to(dtype))
        self.C_im = nn.Parameter((torch.randn(H, N, generator=g, dtype=torch.float64) / math.sqrt(N)).to(dtype))
        self.D = nn.Parameter(torch.randn(H, generator=g, dtype=torch.float64).to(dtype))
        self.mlp = nn.Sequential(nn.Linear(H, 2 * H, dtype=dtype), nn.GELU(), nn.Linear(2 * H, H, dtype=dtype))
        with torch.no_grad():  # the MLP from the same generator, so the model is a function of the seed alone
            for layer in (self.mlp[0], self.mlp[2]):
                bound = 1.0 / math.sqrt(layer.in_features)
                layer.weight.copy_(torch.rand(layer.weight.shape, generator=g, dtype=torch.float64) * 2 * bound - bound)
                layer.bias.zero_()

    def eigenvalues(self) -> torch.Tensor:
        """λ, complex (N,)."""
        return torch.exp(torch.complex(-torch.exp(self.nu_log), torch.exp(self.theta_log)))

    def mix(self, x: torch.Tensor, scan=parallel_scan) -> torch.Tensor:
        """Re(C h_t) + D ⊙ x_t for every step: x (..., T, H) -> (..., T, H)."""
        gamma = torch.exp(self.gamma_log)
        drive = torch.complex(x @ (self.B_re.T * gamma), x @ (self.B_im.T * gamma))  # γ ⊙ B x_t, (..., T, N)
        h = scan(self.eigenvalues(), drive)
        return h.real @ self.C_re.T - h.imag @ self.C_im.T + self.D * x  # Re(C h_t) + D x_t

    def forward(self, x: torch.Tensor, window: int = 0, scan=parallel_scan) -> torch.Tensor:
        """y_t = MLP(Re(C h_t) + D ⊙ x_t): (..., T, H) -> (..., T, H).  `scan=sequential_scan` is the loop."""
        if window:
            raise ValueError("window (truncated backprop) applies to rnn, lstm, gru and transformer, not lru")
        return self.mlp(self.mix(x, scan))

    def loop_forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.forward(x, scan=sequential_scan)

    @torch.no_grad()
    def _last_step_gradient(self, x: torch.Tensor, readout: torch.Tensor) -> np.ndarray:
        """g = ∂(r·MLP(u))/∂u at u = Re(C h_{T−1}) + D x_{T−1}, float64 (H,)."""
        u = self.mix(x.double())[-1]
        with torch.enable_grad():
            u = u.detach().clone().requires_grad_(True)
            (g,) = torch.autograd.grad(readout.double() @ self.mlp(u), u)
        return g.numpy()

    def mode_weights(self, x: torch.Tensor, readout: torch.Tensor):
        """(log|λ| (N,), arg λ (N,), w = γ ⊙ Cᵀg (N,) complex, B (N, H) complex, D ⊙ g (H,)) in NumPy."""
        g = self._last_step_gradient(x, readout)
        nu = self.nu_log.detach().double().numpy()
        log_mod = -np.exp(nu)
        phase = np.exp(self.theta_log.detach().double().numpy())
        gamma = np.exp(self.gamma_log.detach().double().numpy())
        C = self.C_re.detach().double().numpy() + 1j * self.C_im.detach().double().numpy()
        B = self.B_re.detach().double().numpy() + 1j * self.B_im.detach().double().numpy()
        w = gamma * (C.T @ g)
        return log_mod, phase, w, B, self.D.detach().double().numpy() * g

    @torch.no_grad()
    def log_input_gradients(self, x, readout, window: int = 0) -> np.ndarray:
        """log10 ‖∂(r·y_{T−1})/∂x_t‖ for t = 0..T−1, exact for any T: at distance k the gradient is
        Re(Bᵀ(λ^k ⊙ w)), evaluated as 10^m_k · Re(Bᵀ(λ^k ⊙ w)/10^m_k) with m_k its largest mode's log10."""
        if window:
            raise ValueError("window (truncated backprop) applies to rnn, lstm, gru and transformer, not lru")
        T = len(x)
        log_mod, phase, w, B, skip = self.mode_weights(x, readout)
        log_w = np.log(np.abs(w), where=np.abs(w) > 0, out=np.full(len(w), -np.inf))
        arg_w = np.angle(w)
        out = np.empty(T)  # by distance k = 0..T−1
        for start in range(0, T, CHUNK):
            k = np.arange(start, min(T, start + CHUNK), dtype=np.float64)[:, None]
            log_terms = k * log_mod + log_w  # natural log of |λ_j^k w_j|, (K, N)
            top = log_terms.max(axis=1, keepdims=True)
            terms = np.exp(log_terms - top) * np.exp(1j * (k * phase + arg_w))
            vec = (terms @ B).real  # Re(Bᵀ(λ^k ⊙ w)) / e^top, (K, H)
            if start == 0:
                vec[0] += skip * math.exp(-top[0, 0])
            norms = np.sqrt(np.einsum("kh,kh->k", vec, vec))
            with np.errstate(divide="ignore"):
                out[start : start + len(k)] = np.log10(norms) + top[:, 0] / math.log(10.0)
        return out[::-1].copy()  # by position t = T−1−k


def slowest_mode_line(model: LRU, x: torch.Tensor, readout: torch.Tensor, distance) -> np.ndarray:
    """log10 of the slowest mode's own term, |w_j|·‖b_j‖·|λ_j|^k (an upper envelope of its share of the
    gradient: Re(·) of one complex mode can only be smaller), at each distance k."""
    log_mod, _, w, B, _ = model.mode_weights(x, readout)
    j = int(np.argmax(log_mod))
    anchor = math.log10(abs(w[j]) * float(np.linalg.norm(B[j])))
    return anchor + np.asarray(distance, dtype=np.float64) * log_mod[j] / math.log(10.0)
