"""Trainable sequence models for the long-range tasks: input layer, body, linear head.

The body is torch.nn.RNN / LSTM / GRU (their C++ loops make training fast), a bidirectional
nn.RNN, the Transformer encoder, or a stack of LRU or minGRU blocks (linear recurrences, computed by the
parallel scan of core/scan.py), initialised as the probe's models are: recurrent blocks
orthogonal, the LSTM's forget-gate bias and the GRU's update-gate bias set (both 3 by default: the
same switch for both gated models, so neither is favoured; the minGRU keeps the same share, σ(3), a
step).  The head reads the last position (the
bidirectional RNN: the forward direction's last state and the backward direction's first), so the
first token is always T − 1 steps from the readout.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from .checks import check_choice, check_float, check_int
from .lru import LRU, LRUConfig
from .mingru import MinGRU, MinGRUConfig
from .transformer import Transformer, TransformerConfig

SEQUENCE_MODELS = ("rnn", "lstm", "gru", "birnn", "transformer", "lru", "mingru")
SCAN_MODELS = ("lru", "mingru")  # linear recurrences, computed by the parallel scan (core/scan.py)


class ScanStack(nn.Module):
    """`layers` pre-norm residual blocks x ← x + block(LayerNorm(x)), as in both papers' deep models: the LRU
    block is the LRU with its MLP (Orvieto et al.), the minGRU block a minGRU then the same GELU MLP (Feng et
    al.).  The minGRU's gate bias is −update_bias, so that it keeps σ(update_bias) a step, as the GRU does."""

    def __init__(self, kind: str, hidden_size: int, layers: int, update_bias: float, seed: int):
        super().__init__()
        H = hidden_size
        self.norms = nn.ModuleList(nn.LayerNorm(H) for _ in range(layers))
        if kind == "lru":
            self.blocks = nn.ModuleList(
                LRU(LRUConfig(H, seed=seed + 1000 * i), dtype=torch.float32) for i in range(layers)
            )
        else:
            self.blocks = nn.ModuleList(
                nn.Sequential(
                    MinGRU(MinGRUConfig(H, update_bias=-update_bias, seed=seed + 1000 * i), dtype=torch.float32),
                    nn.Linear(H, 2 * H),
                    nn.GELU(),
                    nn.Linear(2 * H, H),
                )
                for i in range(layers)
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for norm, block in zip(self.norms, self.blocks, strict=True):
            x = x + block(norm(x))
        return x


@dataclass
class SequenceModelConfig:
    model: str = "transformer"  # one of SEQUENCE_MODELS
    hidden_size: int = 64  # H, and d_model for the Transformer
    forget_bias: float = 3.0  # LSTM b_f: 3 solves recall at T = 40 (SCIENCE.md calibration)
    update_bias: float = 3.0  # GRU b_z: the same switch setting as the LSTM's, so the two compare fairly
    layers: int = 2  # Transformer, LRU and minGRU layers (the other recurrent models have one)
    heads: int = 4  # Transformer heads
    positional: bool = True  # Transformer: sinusoidal positional encoding
    window: int = 0  # Transformer: restricted attention |i − j| < K; 0 = full
    seed: int = 0  # seeds the weights

    def __post_init__(self):
        check_choice("model", self.model, SEQUENCE_MODELS)
        check_int("hidden_size", self.hidden_size, 2, 1024)
        check_float("forget_bias", self.forget_bias, -50.0, 50.0)
        check_float("update_bias", self.update_bias, -50.0, 50.0)
        check_int("seed", self.seed, 0, 2**31 - 1)


def _orthogonal_blocks(weight: torch.Tensor, blocks: int) -> None:
    H = weight.shape[1]
    for k in range(blocks):
        nn.init.orthogonal_(weight[k * H : (k + 1) * H])


class SequenceModel(nn.Module):
    """inputs -> (prediction, embedded inputs).  Recall: token ids (B, T) -> logits (B, V);
    adding: features (B, T, 2) -> values (B,)."""

    def __init__(self, config: SequenceModelConfig, vocab: int | None, outputs: int):
        super().__init__()
        self.config = config
        H = config.hidden_size
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(config.seed)
            self.embed = nn.Embedding(vocab, H) if vocab else nn.Linear(2, H)
            kind = config.model
            if kind == "transformer":
                self.body = Transformer(
                    TransformerConfig(H, config.heads, config.layers, config.positional, config.window, config.seed)
                )
            elif kind in SCAN_MODELS:
                self.body = ScanStack(kind, H, config.layers, config.update_bias, config.seed)
            else:
                cls = {"rnn": nn.RNN, "birnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}[kind]
                self.body = cls(H, H, batch_first=True, bidirectional=kind == "birnn")
                gates = {"lstm": 4, "gru": 3}.get(kind, 1)
                with torch.no_grad():
                    for name, p in self.body.named_parameters():
                        if name.startswith("weight_hh"):
                            _orthogonal_blocks(p, gates)
                        elif name.startswith("bias"):
                            p.zero_()
                            if kind == "lstm" and name.startswith("bias_ih"):  # gates i, f, g, o
                                p[H : 2 * H] = config.forget_bias
                            if kind == "gru" and name.startswith("bias_ih"):  # gates r, z, n; h' = (1−z)n + z·h
                                p[H : 2 * H] = config.update_bias
            features = 2 * H if kind == "birnn" else H
            self.head = nn.Linear(features, outputs)

    def forward(self, inputs: torch.Tensor):
        x = self.embed(inputs)  # (B, T, H)
        if self.config.model == "transformer" or self.config.model in SCAN_MODELS:
            out = self.body(x)[:, -1]
        else:
            seq, _ = self.body(x)
            H = self.config.hidden_size
            out = torch.cat([seq[:, -1, :H], seq[:, 0, H:]], dim=-1) if self.config.model == "birnn" else seq[:, -1]
        pred = self.head(out)
        return (pred if pred.shape[-1] > 1 else pred[:, 0]), x

    @torch.no_grad()
    def attention_maps(self, inputs: torch.Tensor) -> list[torch.Tensor]:
        """The Transformer's attention weights per layer, (B, heads, T, T) each."""
        if self.config.model != "transformer":
            raise ValueError("attention maps exist only for the transformer")
        return self.body.attention_maps(self.embed(inputs))
