"""LSTM (torch.nn.LSTMCell) and its exact log-domain input gradients.

i, f, g, o = σ, σ, tanh, σ of W_ih x_t + W_hh h_{t-1} + b;  c_t = f⊙c_{t-1} + i⊙g;  h_t = o⊙tanh(c_t).
The cell path gives ∂c_T/∂c_t = Π diag(f_k), so memory is set by the forget gate f ≈ σ(b_f), which the
input moves around that value: b_f = 0 gives about 0.5^distance from the bias alone, b_f = 5 about
0.993^distance.  PyTorch's default init has no dedicated forget bias (every bias is drawn from
U(±1/√H)); Jozefowicz et al. 2015 recommend b_f = 1 (our default).  The probe backpropagates
the pair (∂ℓ/∂h_t, ∂ℓ/∂c_t) through the cell's Jacobian, renormalising the pair at every step.

Sources: Hochreiter & Schmidhuber 1997; Gers et al. 2000 (forget gate); Jozefowicz, Zaremba &
Sutskever 2015; Tallec & Ollivier 2018 (chrono init); ../SCIENCE.md "LSTM".
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
class LSTMConfig:
    hidden_size: int = 64  # H; the input size equals H
    weight_scale: float = 0.9  # ρ of each gate's recurrent block, W_h· = ρ·Q (orthogonal)
    forget_bias: float = 1.0  # b_f, "the gate switch": f ≈ σ(b_f); PyTorch draws every bias from U(±1/√H)
    seed: int = 0  # seeds the weights

    def __post_init__(self):
        check_recurrent_config(self)
        check_float("forget_bias", self.forget_bias, -50.0, 50.0)


class LSTM(RecurrentModel):
    """One LSTM layer; every gate's input block is orthogonal, every recurrent block ρ·orthogonal."""

    def __init__(self, config: LSTMConfig):
        super().__init__()
        self.config = config
        H = config.hidden_size
        self.cell = nn.LSTMCell(H, H, dtype=torch.float64)  # gate order in torch: i, f, g, o
        init_gated_cell(self.cell, 4, config.weight_scale, 1, config.forget_bias, config.seed)

    def forward(self, x: torch.Tensor, window: int = 0) -> torch.Tensor:
        """x: (B, T, D) or (T, D) -> h for every step, (..., T, H).  window K > 0 detaches the
        state (h and c) entering the last K steps: truncated backprop."""
        squeeze = x.dim() == 2
        x = x.unsqueeze(0) if squeeze else x
        B, T, _ = x.shape
        h = x.new_zeros(B, self.config.hidden_size)
        c = x.new_zeros(B, self.config.hidden_size)
        out = []
        for t in range(T):
            if window and t == T - window:
                h, c = h.detach(), c.detach()
            h, c = self.cell(x[:, t], (h, c))
            out.append(h)
        out = torch.stack(out, dim=1)
        return out[0] if squeeze else out

    @torch.no_grad()
    def log_input_gradients(self, x, readout, window: int = 0) -> np.ndarray:
        """log10 ‖∂(r·h_{T-1})/∂x_t‖ for t = 0..T-1, exact in float64 for any T; -inf: no path."""
        H = self.config.hidden_size
        w_ih = self.cell.weight_ih.detach().numpy()  # (4H, D)
        w_hh = self.cell.weight_hh.detach().numpy()  # (4H, H)
        bias = (self.cell.bias_ih + self.cell.bias_hh).detach().numpy()
        pre_x = x.detach().double().numpy() @ w_ih.T + bias  # (T, 4H)
        T = len(pre_x)
        pre = np.empty((T, 4 * H))  # gate pre-activations
        cells = np.zeros((T + 1, H))  # cells[t + 1] = c_t; cells[0] = c_{-1} = 0
        h = np.zeros(H)
        for t in range(T):
            a = np.add(w_hh @ h, pre_x[t], out=pre[t])
            s = sigmoid(a)
            c = np.add(s[H : 2 * H] * cells[t], s[:H] * np.tanh(a[2 * H : 3 * H]), out=cells[t + 1])
            h = s[3 * H :] * np.tanh(c)
        a_i, a_f, a_g, a_o = (pre[:, k * H : (k + 1) * H] for k in range(4))
        i, f, g, o = sigmoid(a_i), sigmoid(a_f), np.tanh(a_g), sigmoid(a_o)
        c, c_prev = cells[1:], cells[:-1]
        # Jacobian factors, (T, H) each: dc_total = dc + dh·o·tanh'(c); da_i = dc_total·g·σ'(a_i); ...
        h_to_c = o * tanh_derivative(c)
        fac_i, fac_f = g * sigmoid_derivative(a_i), c_prev * sigmoid_derivative(a_f)
        fac_g, fac_o = i * tanh_derivative(a_g), np.tanh(c) * sigmoid_derivative(a_o)
        first = 0 if window <= 0 else max(0, T - window)
        d_pre = np.zeros((T, 4 * H))  # ∂ℓ/∂(pre-activations), renormalised per step
        step = np.zeros((T, 1))
        dead = np.zeros((T, 1), dtype=bool)
        dh, dc = readout.detach().double().numpy().copy(), np.zeros(H)
        for t in range(T - 1, first - 1, -1):
            dct = dc + dh * h_to_c[t]
            da = d_pre[t]
            np.multiply(dct, fac_i[t], out=da[:H])
            np.multiply(dct, fac_f[t], out=da[H : 2 * H])
            np.multiply(dct, fac_g[t], out=da[2 * H : 3 * H])
            np.multiply(dh, fac_o[t], out=da[3 * H :])
            dh = da @ w_hh
            dc = dct * f[t]
            n2 = dh @ dh + dc @ dc
            if n2 == 0:  # nothing flows further back
                dead[t] = True
                break
            step[t] = 0.5 * math.log10(n2)
            scale = 1.0 / math.sqrt(n2)
            dh *= scale
            dc *= scale
        log_scale = scales_from_steps(step, dead, first)[:, 0]
        return log10_norms(d_pre @ w_ih, log_scale)
