"""GRU (torch.nn.GRUCell) and its exact log-domain input gradients.

r, z = σ(W_i· x_t + W_h· h_{t-1} + b);  n = tanh(W_in x_t + b_in + r⊙(W_hn h_{t-1} + b_hn));
h_t = (1 - z)⊙n + z⊙h_{t-1}.  The update gate z plays the forget gate's role: the direct path
∂h_t/∂h_{t-1} ⊇ diag(z), so z ≈ σ(b_z) sets the memory.  b_z is exposed as update_bias.

Sources: Cho et al. 2014; Chung et al. 2014; ../SCIENCE.md "GRU".
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from ..logscale import log10_norms, scales_from_steps
from .base import RecurrentModel, check_recurrent_config, init_gated_cell
from .checks import check_float
from .gates import sigmoid, sigmoid_derivative, tanh_derivative


@dataclass
class GRUConfig:
    hidden_size: int = 64  # H; the input size equals H
    weight_scale: float = 0.9  # ρ of each gate's recurrent block, W_h· = ρ·Q (orthogonal)
    update_bias: float = 0.0  # b_z: z ≈ σ(b_z) is the share of the old state kept each step
    seed: int = 0  # seeds the weights

    def __post_init__(self):
        check_recurrent_config(self)
        check_float("update_bias", self.update_bias, -50.0, 50.0)


class GRU(RecurrentModel):
    """One GRU layer; every gate's input block is orthogonal, every recurrent block ρ·orthogonal."""

    def __init__(self, config: GRUConfig):
        super().__init__()
        self.config = config
        H = config.hidden_size
        self.cell = nn.GRUCell(H, H, dtype=torch.float64)  # gate order in torch: r, z, n
        init_gated_cell(self.cell, 3, config.weight_scale, 1, config.update_bias, config.seed)

    def forward(self, x: torch.Tensor, window: int = 0) -> torch.Tensor:
        """x: (B, T, D) or (T, D) -> h for every step, (..., T, H); window K > 0: truncated backprop."""
        squeeze = x.dim() == 2
        x = x.unsqueeze(0) if squeeze else x
        B, T, _ = x.shape
        h = x.new_zeros(B, self.config.hidden_size)
        out = []
        for t in range(T):
            if window and t == T - window:
                h = h.detach()
            h = self.cell(x[:, t], h)
            out.append(h)
        out = torch.stack(out, dim=1)
        return out[0] if squeeze else out

    @torch.no_grad()
    def log_input_gradients(self, x, readout, window: int = 0) -> np.ndarray:
        """log10 ‖∂(r·h_{T-1})/∂x_t‖ for t = 0..T-1, exact in float64 for any T; -inf: no path."""
        H = self.config.hidden_size
        w_ih = self.cell.weight_ih.detach().numpy()  # (3H, D)
        w_hh = self.cell.weight_hh.detach().numpy()  # (3H, H)
        b_ih, b_hh = self.cell.bias_ih.detach().numpy(), self.cell.bias_hh.detach().numpy()
        pre_x = x.detach().double().numpy() @ w_ih.T + b_ih  # (T, 3H)
        T = len(pre_x)
        pre_h = np.empty((T, 3 * H))  # W_hh h_{t-1} + b_hh
        states = np.zeros((T + 1, H))  # states[t + 1] = h_t
        for t in range(T):
            ah = np.add(w_hh @ states[t], b_hh, out=pre_h[t])
            rz = sigmoid(pre_x[t, : 2 * H] + ah[: 2 * H])
            n = np.tanh(pre_x[t, 2 * H :] + rz[:H] * ah[2 * H :])
            states[t + 1] = n + rz[H:] * (states[t] - n)
        a_r, a_z = pre_x[:, :H] + pre_h[:, :H], pre_x[:, H : 2 * H] + pre_h[:, H : 2 * H]
        r, z, hn = sigmoid(a_r), sigmoid(a_z), pre_h[:, 2 * H :]
        a_n = pre_x[:, 2 * H :] + r * hn
        n, h_prev = np.tanh(a_n), states[:-1]
        # Jacobian factors, (T, H) each, all linear in dh = ∂ℓ/∂h_t
        fac_n = (1.0 - z) * tanh_derivative(a_n)  # da_n = dh·fac_n
        fac_z = (h_prev - n) * sigmoid_derivative(a_z)  # da_z = dh·fac_z
        fac_r = fac_n * hn * sigmoid_derivative(a_r)  # da_r = dh·fac_r
        fac_hn = fac_n * r  # ∂ℓ/∂(W_hn h + b_hn) = dh·fac_hn
        first = 0 if window <= 0 else max(0, T - window)
        d_x = np.zeros((T, 3 * H))  # ∂ℓ/∂(input pre-activations) = [da_r, da_z, da_n]
        d_h = np.zeros(3 * H)  # ∂ℓ/∂(recurrent pre-activations) = [da_r, da_z, dhn]
        step = np.zeros((T, 1))
        dead = np.zeros((T, 1), dtype=bool)
        dh = readout.detach().double().numpy().copy()
        for t in range(T - 1, first - 1, -1):
            dx = d_x[t]
            np.multiply(dh, fac_r[t], out=dx[:H])
            np.multiply(dh, fac_z[t], out=dx[H : 2 * H])
            np.multiply(dh, fac_n[t], out=dx[2 * H :])
            d_h[: 2 * H] = dx[: 2 * H]
            np.multiply(dh, fac_hn[t], out=d_h[2 * H :])
            dh = dh * z[t] + d_h @ w_hh
            n2 = dh @ dh
            if n2 == 0:
                dead[t] = True
                break
            step[t] = 0.5 * math.log10(n2)
            dh *= 1.0 / math.sqrt(n2)
        log_scale = scales_from_steps(step, dead, first)[:, 0]
        return log10_norms(d_x @ w_ih, log_scale)
