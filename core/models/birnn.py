"""Bidirectional RNN: a forward and a backward Elman RNN, read out at both ends.

The readout reads the concatenation of the forward direction's final state (position T-1) and the
backward direction's final state (position 0), so input t is d = T-1-t steps from one readout and
t steps from the other: the gradient is U-shaped, strong at both ends and weakest in the middle,
where both paths are longest.  The forward direction is exactly the plain RNN with the same
config, so the two are directly comparable; the backward direction has its own weights.

Sources: Schuster & Paliwal 1997; ../SCIENCE.md "Bidirectional RNN".
"""

from __future__ import annotations

import dataclasses

import numpy as np
import torch
from torch import nn

from ..logscale import add_scaled, log10_norms
from .rnn import RNN, RNNConfig

BACKWARD_SEED_OFFSET = 1_000_003  # the backward direction's weights come from seed + this


class BiRNN(nn.Module):
    Config = RNNConfig  # the same options as the RNN, for each direction

    def __init__(self, config: RNNConfig):
        super().__init__()
        self.config = config
        self.fwd = RNN(config)
        self.bwd = RNN(dataclasses.replace(config, seed=config.seed + BACKWARD_SEED_OFFSET))

    @property
    def input_size(self) -> int:
        return self.config.hidden_size

    @property
    def readout_size(self) -> int:
        return 2 * self.config.hidden_size

    def forward(self, x: torch.Tensor, window: int = 0) -> torch.Tensor:
        """x: (..., T, D) -> both directions' states at every position, (..., T, 2H)."""
        back = self.bwd(x.flip(-2), window=window).flip(-2)
        return torch.cat([self.fwd(x, window=window), back], dim=-1)

    def readout_state(self, x: torch.Tensor, window: int = 0) -> torch.Tensor:
        """[h_fwd at T-1, h_bwd at 0]: each direction's final state.  window K truncates each
        direction to its last K steps, so only positions within K of either end get a gradient."""
        return torch.cat([self.fwd(x, window=window)[-1], self.bwd(x.flip(0), window=window)[-1]])

    @torch.no_grad()
    def log_input_gradients(self, x, readout, window: int = 0) -> np.ndarray:
        """log10 ‖∂ℓ/∂x_t‖: the two directions' gradient vectors added exactly in the log domain."""
        H = self.config.hidden_size
        vf, lf = self.fwd.input_gradient_vectors(x, readout[:H], window)
        vb, lb = self.bwd.input_gradient_vectors(x.flip(0), readout[H:], window)
        total, log_total = add_scaled(vf[:, 0], lf[:, 0], vb[::-1, 0], lb[::-1, 0])
        return log10_norms(total, log_total)
