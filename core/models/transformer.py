"""A small Transformer encoder: sinusoidal positions, pre-norm layers of torch.nn.MultiheadAttention.

No recurrence: every position is one attention hop from every other, so the gradient does not
decay with distance.  Without positional encoding self-attention is permutation-equivariant (word
order is lost); the sinusoidal encoding PE(pos, 2i) = sin(pos / 10000^(2i/d)),
PE(pos, 2i+1) = cos(...) puts it back.  A window K restricts each query to keys with |i − j| < K:
one layer then reaches K − 1 positions and L layers reach L·(K − 1).

Sources: Vaswani et al. 2017; Xiong et al. 2020 (pre-norm); ../SCIENCE.md "Transformers".
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn

from .checks import check_int


@dataclass
class TransformerConfig:
    d_model: int = 64  # width of every position's vector
    heads: int = 4  # attention heads per layer (d_model must divide evenly)
    layers: int = 2  # encoder layers
    positional: bool = True  # add the sinusoidal encoding to the inputs
    window: int = 0  # K > 0: each query sees only keys with |i − j| < K; 0 = full attention
    seed: int = 0  # seeds the weights

    def __post_init__(self):
        check_int("d_model", self.d_model, 2, 1024)
        check_int("heads", self.heads, 1, 64)
        check_int("layers", self.layers, 1, 12)
        check_int("window", self.window, 0, 10**6)
        check_int("seed", self.seed, 0, 2**31 - 1)
        if self.d_model % self.heads:
            raise ValueError(f"d_model ({self.d_model}) must be a multiple of heads ({self.heads})")


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
    """Pre-norm: x + Attn(LN(x)), then x + FF(LN(x))."""

    def __init__(self, d_model: int, heads: int):
        super().__init__()
        self.norm1 = nn.LayerNorm(d_model)
        self.attn = nn.MultiheadAttention(d_model, heads, dropout=0.0, batch_first=True)
        self.norm2 = nn.LayerNorm(d_model)
        self.ff = nn.Sequential(nn.Linear(d_model, 2 * d_model), nn.GELU(), nn.Linear(2 * d_model, d_model))

    def forward(self, x, mask=None, need_weights: bool = False):
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
            self.layers = nn.ModuleList(EncoderLayer(config.d_model, config.heads) for _ in range(config.layers))
        self.norm = nn.LayerNorm(config.d_model)

    def _inputs(self, x):
        if self.config.positional:
            x = x + sinusoidal_encoding(x.shape[-2], self.config.d_model, x.dtype).to(x.device)
        return x, window_mask(x.shape[-2], self.config.window, x.device)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x, mask = self._inputs(x)
        for layer in self.layers:
            x, _ = layer(x, mask)
        return self.norm(x)

    @torch.no_grad()
    def attention_maps(self, x: torch.Tensor) -> list[torch.Tensor]:
        """Every layer's attention weights for inputs x (B, T, d): a list of (B, heads, T, T)."""
        x, mask = self._inputs(x)
        maps = []
        for layer in self.layers:
            x, weights = layer(x, mask, need_weights=True)
            maps.append(weights)
        return maps
