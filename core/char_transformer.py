"""The character language models' causal Transformer, with a choice of position scheme.

A pre-norm Transformer (minGPT's block: x + attention(norm(x)), then x + MLP(norm(x))) whose attention is written
out with `F.scaled_dot_product_attention`, so that the position scheme can enter as an additive bias:

- "learned": a learned vector per absolute position, added to the input (GPT-2).  It reads at most its training
  window: there is no vector for position W + 1.
- "alibi": no position vectors; head h adds −m_h·(i − j) to the score of query i on key j (Press et al. 2022,
  "Train short, test long").  The slopes m_h are 2^(−8h/H), h = 1 … H: 2^-2, 2^-4, 2^-6, 2^-8 for 4 heads.
- "rope": no position vectors; each query and key is rotated by an angle proportional to its position, pair by
  pair of dimensions, at frequencies base^(−2k/d_head) (Su et al. 2021; LLaMA), so their dot product depends on
  i − j only.

ALiBi and RoPE depend only on the distance i − j, so they read any length; whether what they learned holds past
the training window is a measurement (core/retrieval.py), not a property.

`norm="post"` gives the 2017 layout instead (Vaswani et al.: x = norm1(x + attention(x)), then
x = norm2(x + MLP(x)), no final norm), which trains only with a careful warm-up (Xiong et al. 2020; Liu et al.
2020; core/stability.py measures it).

`nn.TransformerEncoder` is not used: in eval mode its fast path gave wrong outputs with a per-head additive mask
(pytorch/pytorch#102333); this module has one path, and its tests compare it with a plain loop.
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F

POSITIONS = ("alibi", "rope", "learned")
NORMS = ("pre", "post")  # where each block's LayerNorms sit: on the branch's input (GPT-2) or after the sum (2017)
ROPE_BASE = 10_000.0
QUERY_BLOCK = 256  # queries whose scores are held at once (#37: a 1,536-character demo held 200 MB of n × n scores)


def alibi_slopes(heads: int) -> torch.Tensor:
    """m_h = 2^(−8h/H) for h = 1 … H (Press et al. 2022, for a power-of-two H)."""
    return torch.tensor([2.0 ** (-8.0 * h / heads) for h in range(1, heads + 1)])


def causal_bias(
    n: int, heads: int, position: str, dtype=torch.float32, start: int = 0, stop: int | None = None
) -> torch.Tensor:
    """The additive score bias of queries start … stop−1 (default: all n) on keys 0 … n−1, heads × rows × n: −inf
    where the key comes after the query; for ALiBi −m_h·(i − j) where it does not."""
    i, j = torch.arange(start, n if stop is None else stop), torch.arange(n)
    distance = (i[:, None] - j[None, :]).to(dtype)
    blocked = torch.zeros(len(i), n, dtype=dtype).masked_fill(j[None, :] > i[:, None], -math.inf)
    if position != "alibi":
        return blocked.expand(heads, len(i), n)
    return blocked - alibi_slopes(heads).to(dtype)[:, None, None] * distance.clamp(min=0)


def attend(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, heads: int, position: str) -> torch.Tensor:
    """softmax(q·kᵀ/√d_head + causal_bias)·v, QUERY_BLOCK queries at a time: a block of queries needs only the keys
    up to its last query (the later ones are masked), so no n × n score matrix is ever held whole."""
    n = q.shape[-2]
    parts = []
    for start in range(0, n, QUERY_BLOCK):
        stop = min(n, start + QUERY_BLOCK)
        bias = causal_bias(stop, heads, position, q.dtype, start)
        rows, keys, values = q[..., start:stop, :], k[..., :stop, :], v[..., :stop, :]
        parts.append(F.scaled_dot_product_attention(rows, keys, values, attn_mask=bias))
    return torch.cat(parts, dim=-2) if len(parts) > 1 else parts[0]


def rotate(x: torch.Tensor, offset: int = 0, base: float = ROPE_BASE) -> torch.Tensor:
    """RoPE: rotate each pair (x_2k, x_2k+1) of the last dimension by position · base^(−2k/d); x is … × T × d,
    its rows at positions offset, offset + 1, …"""
    n, d = x.shape[-2], x.shape[-1]
    frequency = base ** (-torch.arange(0, d, 2, dtype=torch.float64) / d)
    angle = torch.arange(offset, offset + n, dtype=torch.float64)[:, None] * frequency[None, :]
    cos, sin = angle.cos().to(x.dtype), angle.sin().to(x.dtype)
    even, odd = x[..., 0::2], x[..., 1::2]
    return torch.stack((even * cos - odd * sin, even * sin + odd * cos), dim=-1).flatten(-2)


class Block(nn.Module):
    """Pre-norm: x + attention(norm1(x)), then x + MLP(norm2(x)).  Post-norm: norm1(x + attention(x)), then
    norm2(x + MLP(x)).  The MLP is d → 4d → d with GELU."""

    def __init__(self, d_model: int, heads: int, position: str, norm: str = "pre", smear: bool = False):
        super().__init__()
        self.heads, self.position, self.pre = heads, position, norm == "pre"
        # smeared keys (Olsson et al. 2022): each head's key at t is σ(s)·k_t + (1 − σ(s))·k_{t−1}, s learned
        self.smear = nn.Parameter(torch.zeros(heads)) if smear else None
        self.norm1 = nn.LayerNorm(d_model)
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.out = nn.Linear(d_model, d_model)
        self.norm2 = nn.LayerNorm(d_model)
        self.mlp = nn.Sequential(nn.Linear(d_model, 4 * d_model), nn.GELU(), nn.Linear(4 * d_model, d_model))

    def queries_keys_values(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """q, k, v (B × heads × T × d_head) of the block's input (normed first in the pre-norm layout), RoPE applied
        to q and k where it is the scheme; with smeared keys, each key mixed with the one before it."""
        q, k, v = self.raw_queries_keys_values(x)
        return q, self.smeared(k), v

    def raw_queries_keys_values(self, x: torch.Tensor, offset: int = 0):
        """q, k, v before the keys are smeared."""
        b, n, d = x.shape
        q, k, v = (
            part.view(b, n, self.heads, d // self.heads).transpose(1, 2)
            for part in self.qkv(self.norm1(x) if self.pre else x).split(d, dim=-1)
        )
        if self.position == "rope":
            q, k = rotate(q, offset), rotate(k, offset)
        return q, k, v

    def smeared(self, k: torch.Tensor, before: torch.Tensor | None = None) -> torch.Tensor:
        """σ(s)·k_t + (1 − σ(s))·k_{t−1} for each head; k_{−1} is `before`, or k_0 itself where there is none."""
        if self.smear is None:
            return k
        previous = torch.cat([k[..., :1, :] if before is None else before, k[..., :-1, :]], dim=-2)
        keep = torch.sigmoid(self.smear).to(k.dtype)[:, None, None]
        return keep * k + (1 - keep) * previous

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.read(x)[0]

    def read(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """The block's output, and its keys, values and last unsmeared key (what a KV cache keeps)."""
        q, raw, v = self.raw_queries_keys_values(x)
        k = self.smeared(raw)
        mixed = attend(q, k, v, self.heads, self.position)
        x = x + self.out(mixed.transpose(1, 2).reshape(x.shape))
        if self.pre:
            x = x + self.mlp(self.norm2(x))
        else:
            x = self.norm1(x)
            x = self.norm2(x + self.mlp(x))
        return x, k, v, raw[..., -1:, :]

    def weight_blocks(self, x: torch.Tensor):
        """(start, the attention weights of queries start … start + QUERY_BLOCK − 1 on every key, B × heads ×
        rows × T), a block of queries at a time: softmax(q·k/√d_head + causal_bias) over the keys."""
        q, k, _ = self.queries_keys_values(x)
        n = q.shape[-2]
        for start in range(0, n, QUERY_BLOCK):
            stop = min(n, start + QUERY_BLOCK)
            scores = q[..., start:stop, :] @ k.transpose(-1, -2) / math.sqrt(q.shape[-1])
            yield start, torch.softmax(scores + causal_bias(n, self.heads, self.position, q.dtype, start, stop), dim=-1)

    def weights(self, x: torch.Tensor) -> torch.Tensor:
        """The attention weights, B × heads × T × T (weight_blocks, put together)."""
        return torch.cat([rows for _, rows in self.weight_blocks(x)], dim=-2)


class CharTransformer(nn.Module):
    """Input embeddings (B × T × d) → `layers` blocks → a final LayerNorm (pre-norm only: a post-norm block's
    output is already normed); the caller adds the embedding and the head (core/lm.py's CharLM)."""

    def __init__(
        self, d_model: int, heads: int, layers: int, context: int, position: str, norm: str = "pre", smear: bool = False
    ):
        super().__init__()
        if position not in POSITIONS:
            raise ValueError(f"position must be one of {', '.join(POSITIONS)}; got {position!r}")
        if norm not in NORMS:
            raise ValueError(f"norm must be one of {', '.join(NORMS)}; got {norm!r}")
        if d_model % heads or (d_model // heads) % 2:
            raise ValueError(f"d_model ({d_model}) must split into {heads} heads of an even width")
        self.position, self.heads, self.context = position, heads, context
        self.positions = nn.Embedding(context, d_model) if position == "learned" else None
        self.blocks = nn.ModuleList(Block(d_model, heads, position, norm, smear) for _ in range(layers))
        self.norm = nn.LayerNorm(d_model) if norm == "pre" else nn.Identity()

    @property
    def reach(self) -> int | None:
        """The most characters it can read at once: its window with learned positions, else no limit."""
        return self.context if self.position == "learned" else None

    def _start(self, x: torch.Tensor) -> torch.Tensor:
        n = x.shape[1]
        if self.reach is not None and n > self.reach:
            raise ValueError(f"the Transformer reads at most {self.reach} characters; got {n}")
        return x + self.positions.weight[:n] if self.positions is not None else x

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self._start(x)
        for block in self.blocks:
            h = block(h)
        return self.norm(h)

    def smear_weights(self) -> list[list[float]] | None:
        """σ(s) of each layer's heads: the share of a head's key that is its own character's (None: not smeared)."""
        if self.blocks[0].smear is None:
            return None
        return [torch.sigmoid(block.smear.detach()).tolist() for block in self.blocks]

    @torch.no_grad()
    def layer_maps(self, x: torch.Tensor):
        """Each layer's attention weights in turn (heads × T × T) for input embeddings x (1 × T × d): one layer's
        maps held at a time."""
        h = self._start(x)
        for block in self.blocks:
            yield block.weights(h)[0]
            h = block(h)

    @torch.no_grad()
    def layer_weight_blocks(self, x: torch.Tensor):
        """For each layer in turn, an iterator over (start, heads × rows × T weights of a block of queries) for
        input embeddings x (1 × T × d): read it before asking for the next layer.  No layer's T × T is held."""
        h = self._start(x)
        for block in self.blocks:
            yield ((start, rows[0]) for start, rows in block.weight_blocks(h))
            h = block(h)

    def attention(self, x: torch.Tensor) -> torch.Tensor:
        """Every layer's attention weights for input embeddings x (1 × T × d): layers × heads × T × T."""
        return torch.stack(list(self.layer_maps(x)))
