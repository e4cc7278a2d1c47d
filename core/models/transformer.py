"""A small Transformer encoder: sinusoidal positions, pre-norm layers of torch.nn.MultiheadAttention.

No recurrence: every position is one attention hop from every other, so the gradient does not
decay with distance.  Without positional encoding self-attention is permutation-equivariant (word
order is lost); the sinusoidal encoding PE(pos, 2i) = sin(pos / 10000^(2i/d)),
PE(pos, 2i+1) = cos(...) puts it back.  A window K restricts each query to keys with |i − j| < K:
one layer then reaches K − 1 positions and L layers reach L·(K − 1).

Sources: Vaswani et al. 2017; Xiong et al. 2020 (pre-norm); ../SCIENCE.md "Transformers".
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from .checks import check_int

MAX_PROBE_LEN = 4096  # attention is T² in time and memory: at 4096 one probe takes about 0.8–0.9 s (one thread)


@dataclass(frozen=True)
class TransformerConfig:
    hidden_size: int = 64  # d_model: the width of every position's vector
    heads: int = 4  # attention heads per layer (d_model must divide evenly)
    layers: int = 2  # encoder layers
    positional: bool = True  # add the sinusoidal encoding to the inputs
    window: int = 0  # K > 0: each query sees only keys with |i − j| < K; 0 = full attention
    seed: int = 0  # seeds the weights

    def __post_init__(self):
        check_int("hidden_size", self.hidden_size, 2, 1024)
        check_int("heads", self.heads, 1, 64)
        check_int("layers", self.layers, 1, 32)
        check_int("window", self.window, 0, 10**6)
        check_int("seed", self.seed, 0, 2**31 - 1)
        if self.hidden_size % self.heads:
            raise ValueError(f"hidden_size ({self.hidden_size}) must be a multiple of heads ({self.heads})")


def sinusoidal_encoding(seq_len: int, d_model: int, dtype=torch.float32) -> torch.Tensor:
    """Vaswani et al.'s positional encoding, (T, d)."""
    pos = torch.arange(seq_len, dtype=torch.float64)[:, None]
    rate = torch.exp(-math.log(10000.0) * torch.arange(0, d_model, 2, dtype=torch.float64) / d_model)
    pe = torch.zeros(seq_len, d_model, dtype=torch.float64)
    pe[:, 0::2] = torch.sin(pos * rate)
    pe[:, 1::2] = torch.cos(pos * rate[: d_model // 2])
    return pe.to(dtype)


def window_mask(seq_len: int, window: int, device=None) -> torch.Tensor | None:
    """Boolean (T, T) mask, True where attention is NOT allowed (|i − j| ≥ K); None for full."""
    if window <= 0:
        return None
    idx = torch.arange(seq_len, device=device)
    return (idx[:, None] - idx[None, :]).abs() >= window


class EncoderLayer(nn.Module):
    """Pre-norm: x + Attn(LN(x)), then x + FF(LN(x)).  With norm_first=False, post-norm, as Vaswani et
    al. 2017 wrote it: LN(x + Attn(x)), then LN(x + FF(x)) (core/transformer_depth.py compares the two)."""

    def __init__(self, d_model: int, heads: int, norm_first: bool = True):
        super().__init__()
        self.norm_first = norm_first
        self.norm1 = nn.LayerNorm(d_model)
        self.attn = nn.MultiheadAttention(d_model, heads, dropout=0.0, batch_first=True)
        self.norm2 = nn.LayerNorm(d_model)
        self.ff = nn.Sequential(nn.Linear(d_model, 2 * d_model), nn.GELU(), nn.Linear(2 * d_model, d_model))

    def forward(self, x, mask=None, need_weights: bool = False):
        if not self.norm_first:
            a, weights = self.attn(x, x, x, attn_mask=mask, need_weights=need_weights, average_attn_weights=False)
            x = self.norm1(x + a)
            return self.norm2(x + self.ff(x)), weights
        h = self.norm1(x)
        a, weights = self.attn(h, h, h, attn_mask=mask, need_weights=need_weights, average_attn_weights=False)
        x = x + a
        return x + self.ff(self.norm2(x)), weights  # weights: (B, heads, T, T) or None


class Transformer(nn.Module):
    """Encoder over (B, T, d) input vectors; returns (B, T, d) after a final LayerNorm."""

    def __init__(self, config: TransformerConfig):
        super().__init__()
        self.config = config
        with torch.random.fork_rng(devices=[]):  # torch.nn layers draw from the global generator: seed a copy
            torch.manual_seed(config.seed)
            self.layers = nn.ModuleList(EncoderLayer(config.hidden_size, config.heads) for _ in range(config.layers))
        self.norm = nn.LayerNorm(config.hidden_size)

    @property
    def input_size(self) -> int:
        return self.config.hidden_size

    @property
    def readout_size(self) -> int:
        return self.config.hidden_size

    def _inputs(self, x, window: int = 0):
        if self.config.positional:
            x = x + sinusoidal_encoding(x.shape[-2], self.config.hidden_size, x.dtype).to(x.device)
        return x, window_mask(x.shape[-2], window or self.config.window, x.device)

    def forward(self, x: torch.Tensor, window: int = 0) -> torch.Tensor:
        """x: (B, T, d) -> (B, T, d).  window K > 0 overrides the config's restricted attention."""
        x, mask = self._inputs(x, window)
        for layer in self.layers:
            x, _ = layer(x, mask)
        return self.norm(x)

    def readout_state(self, x: torch.Tensor, window: int = 0) -> torch.Tensor:
        """The probe's readout: the output at the final position.  x: (T, d) -> (d,)."""
        return self.forward(x[None], window=window)[0, -1]

    def log_input_gradients(self, x, readout, window: int = 0) -> np.ndarray:
        """log10 ‖∂(r·y_{T-1})/∂x_t‖ by float64 autograd.  No log domain is needed here: nothing is
        multiplied T times, so the values stay within a few decades of each other.  -inf: no path
        (beyond the restricted-attention reach L·(K − 1))."""
        if len(x) > MAX_PROBE_LEN:
            raise ValueError(
                f"seq_len must be at most {MAX_PROBE_LEN} for the transformer (attention is T²), got {len(x)}"
            )
        net = self if next(self.parameters()).dtype == torch.float64 else copy.deepcopy(self).double()
        x = x.detach().double().clone().requires_grad_(True)
        (grad,) = torch.autograd.grad(readout.double() @ net.readout_state(x, window), x)
        norms = grad.norm(dim=-1).numpy()
        with np.errstate(divide="ignore"):
            return np.log10(norms)

    @torch.no_grad()
    def attention_maps(self, x: torch.Tensor, window: int = 0) -> list[torch.Tensor]:
        """Every layer's attention weights for inputs x (B, T, d): a list of (B, heads, T, T)."""
        x, mask = self._inputs(x, window)
        maps = []
        for layer in self.layers:
            x, weights = layer(x, mask, need_weights=True)
            maps.append(weights)
        return maps
