"""minGRU (Feng et al. 2024, "Were RNNs all we needed?") and its exact log-domain input gradients.

z_t = σ(W_z x_t + b_z),  h̃_t = W_h x_t + b_h,  h_t = (1 − z_t) ⊙ h_{t−1} + z_t ⊙ h̃_t.
The GRU with h_{t−1} taken out of its gates: z and h̃ see the input alone, so the recurrence is linear in h
and a parallel scan computes it (core/scan.py).  z is the share of the new input taken in; the share kept,
1 − z_t ≈ σ(−b_z), is the memory: ∂h_{T−1}/∂h_t = Π_{k>t} diag(1 − z_k), a product of input-chosen
factors in (0, 1), never above 1 (no explosion) and near 1 wherever the input says "keep".

The probe's readout is r·h_{T−1}, as for the GRU.  The gradient is evaluated with Σ log(1 − z_k) =
−Σ softplus(a_k) per unit, so that products of 10^−1000 are kept instead of underflowing.

Source: Feng, Tung, Ahmed, Bengio & Hajimirsadeghi 2024; ../SCIENCE.md.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from ..scan import parallel_scan, sequential_scan
from .base import MAX_HIDDEN_SIZE, RecurrentModel, haar_orthogonal
from .checks import check_float, check_int
from .gates import sigmoid, sigmoid_derivative


@dataclass
class MinGRUConfig:
    hidden_size: int = 64  # H; the input size equals H; W_z and W_h are orthogonal (there is no recurrent matrix)
    update_bias: float = -3.0  # b_z: z ≈ σ(b_z) taken in a step, 1 − z ≈ σ(3) = 0.95 kept (the sweep's gate switch)
    seed: int = 0  # seeds the weights

    def __post_init__(self):
        check_int("hidden_size", self.hidden_size, 1, MAX_HIDDEN_SIZE)
        check_int("seed", self.seed, 0, 2**31 - 1)
        check_float("update_bias", self.update_bias, -50.0, 50.0)


class MinGRU(RecurrentModel):
    """One minGRU layer; float64 for the probe (`.float()` for training)."""

    def __init__(self, config: MinGRUConfig, dtype=torch.float64):
        super().__init__()
        self.config = config
        H = config.hidden_size
        g = torch.Generator().manual_seed(config.seed)
        self.W_z = nn.Parameter(haar_orthogonal(H, g).to(dtype))
        self.W_h = nn.Parameter(haar_orthogonal(H, g).to(dtype))
        self.b_z = nn.Parameter(torch.full((H,), float(config.update_bias), dtype=dtype))
        self.b_h = nn.Parameter(torch.zeros(H, dtype=dtype))

    def gates(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(z_t, h̃_t) for every step, from the inputs alone."""
        return torch.sigmoid(x @ self.W_z.T + self.b_z), x @ self.W_h.T + self.b_h

    def forward(self, x: torch.Tensor, window: int = 0, scan=parallel_scan) -> torch.Tensor:
        """h_t for every step: (..., T, H) -> (..., T, H).  `scan=sequential_scan` is the loop."""
        if window:
            raise ValueError("window (truncated backprop) applies to rnn, lstm, gru and transformer, not mingru")
        z, candidate = self.gates(x)
        return scan(1.0 - z, z * candidate)

    def loop_forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.forward(x, scan=sequential_scan)

    @torch.no_grad()
    def log_input_gradients(self, x, readout, window: int = 0) -> np.ndarray:
        """log10 ‖∂(r·h_{T−1})/∂x_t‖ for t = 0..T−1, exact for any T: ∂ℓ/∂h_t = r ⊙ Π_{k>t}(1 − z_k), its
        product kept as a sum of logs, factored out per position before the vector is formed."""
        if window:
            raise ValueError("window (truncated backprop) applies to rnn, lstm, gru and transformer, not mingru")
        w_z, w_h = self.W_z.detach().double().numpy(), self.W_h.detach().double().numpy()
        xs = x.detach().double().numpy()
        a = xs @ w_z.T + self.b_z.detach().double().numpy()  # (T, H) gate pre-activations
        candidate = xs @ w_h.T + self.b_h.detach().double().numpy()
        h = self.forward(x.detach().double()).numpy()
        h_prev = np.vstack([np.zeros((1, h.shape[1])), h[:-1]])
        log_keep = -np.logaddexp(0.0, a)  # log(1 − σ(a)) = −softplus(a), exact for any a
        after = np.vstack([np.cumsum(log_keep[::-1], axis=0)[::-1][1:], np.zeros((1, h.shape[1]))])
        r = readout.detach().double().numpy()
        with np.errstate(divide="ignore"):
            log_dh = after + np.log(np.abs(r))  # log|∂ℓ/∂h_t| per unit (T, H)
        top = log_dh.max(axis=1, keepdims=True)
        dh = np.sign(r) * np.exp(log_dh - top)  # ∂ℓ/∂h_t / e^top
        vec = (dh * (candidate - h_prev) * sigmoid_derivative(a)) @ w_z + (dh * sigmoid(a)) @ w_h
        norms = np.sqrt(np.einsum("th,th->t", vec, vec))
        with np.errstate(divide="ignore"):
            return np.log10(norms) + top[:, 0] / math.log(10.0)
