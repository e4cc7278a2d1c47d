"""Transformers in depth (#23): the gradient at every layer of a stack of our Transformer layers,
post-norm against pre-norm (Xiong et al. 2020, "On Layer Normalization in the Transformer Architecture").

    h_0 = x + PE,    h_l = layer_l(h_{l-1}),    ℓ = r · y_{T-1}

with y = LN(h_L) for pre-norm (whose layers leave the residual stream unnormalised, so the stack ends
in one LayerNorm, as core/models/transformer.py's does) and y = h_L for post-norm (each layer already
ends in one).  The measurement is ‖∂ℓ/∂h_l‖ for l = 0..L, the norm over all positions of the
gradient reaching the l-th layer's output (0: the input).

- pre-norm, x + F(LN(x)): the identity path carries the gradient past every layer untouched;
- post-norm, LN(x + F(x)): every LayerNorm divides the gradient by the spread of its input, twice a
  layer, with no path around it.

Plain float64 autograd: at a depth of 24 nothing leaves float64's range.  Weights are PyTorch's
default initialisation, drawn from the seed, untrained: Xiong et al.'s analysis is at initialisation.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from .models.checks import check_int

NORMS = ("pre", "post")
MAX_LAYERS = 24


def build_stack(layers: int, norm: str, width: int = 64, heads: int = 4, seed: int = 0) -> torch.nn.ModuleList:
    """`layers` of our EncoderLayer, pre- or post-norm, float64, from the seed (the same draws for both)."""
    from .models.transformer import EncoderLayer

    check_int("layers", layers, 1, MAX_LAYERS)
    if norm not in NORMS:
        raise ValueError(f"norm must be one of {', '.join(NORMS)}, got {norm!r}")
    with torch.random.fork_rng(devices=[]):  # torch.nn layers draw from the global generator: seed a copy
        torch.manual_seed(seed)
        stack = torch.nn.ModuleList(EncoderLayer(width, heads, norm_first=norm == "pre") for _ in range(layers))
    return stack.double()


def transformer_gradient_by_layer(
    layers: int, norm: str, seq_len: int = 16, width: int = 64, heads: int = 4, seed: int = 0
) -> pd.DataFrame:
    """‖∂ℓ/∂h_l‖ for l = 0..L: columns layer, grad_norm, log10_grad_norm."""
    from .models.transformer import sinusoidal_encoding
    from .probe import make_inputs, make_readout

    check_int("seq_len", seq_len, 2, 512)
    stack = build_stack(layers, norm, width, heads, seed)
    x = make_inputs(seq_len, width, 1.0, seed) + sinusoidal_encoding(seq_len, width, torch.float64)
    hidden = [x[None].clone().requires_grad_()]  # (1, T, d) each
    for layer in stack:
        h, _ = layer(hidden[-1])
        h.retain_grad()
        hidden.append(h)
    top = hidden[-1][0, -1]
    if norm == "pre":
        top = torch.nn.functional.layer_norm(top, (width,))
    (make_readout(width, seed) @ top).backward()
    norms = np.array([float(torch.linalg.vector_norm(h.grad)) for h in hidden])
    with np.errstate(divide="ignore"):
        log10 = np.log10(norms)
    return pd.DataFrame({"layer": np.arange(layers + 1), "grad_norm": norms, "log10_grad_norm": log10})
