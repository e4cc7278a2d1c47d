"""The probe: how strongly the readout feels each input, g_t = ‖∂ℓ/∂x_t‖₂ (Distill's "connectivity").

ℓ = r·y is a fixed random linear readout of the model's final output y (never `.sum()`: the sum
of a LayerNorm output is constant, so its gradient is zero).  distance = T-1-t is the number of
steps between input t and the readout.  The fast path is each model's `log_input_gradients`,
exact in the log domain for any T; `reference_log_gradients` is plain float64 autograd, used to
check it wherever float64 can represent the values.

Source: ../SCIENCE.md "The probe"; Distill, "Visualizing memorization in RNNs" (2019).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import torch

from .models import build_model
from .models.base import MAX_HIDDEN_SIZE

COLUMNS = ("position", "distance", "grad_norm", "log10_grad_norm")
MAX_SEQ_LEN = 100_000  # longest sequence any caller may probe
MAX_WORK = 2_000_000_000  # T·H² multiply-adds per probe: a few seconds on 2 cores at most
MAX_INPUT_SCALE = 100.0


class StateOverflow(ValueError):
    """A recurrent probe's forward state left float64's range (past 10^308) before any gradient could be
    measured (core/depth.py's unrolled RNN, core/stacked.py)."""


def make_readout(size: int, seed: int) -> torch.Tensor:
    """A fixed random unit vector r (float64), from a stream separate from the model's weights."""
    r = np.random.default_rng([seed, 1]).standard_normal(size)
    return torch.from_numpy(r / np.linalg.norm(r))


def make_inputs(seq_len: int, size: int, input_scale: float, seed: int) -> torch.Tensor:
    """Random input vectors x_t ~ N(0, s²) per unit, float64 (T, D); the "words" of the sentence.

    Drawn row by row from their own stream, so x[:T] is the same for every longer sequence.
    """
    x = np.random.default_rng([seed, 2]).standard_normal((seq_len, size))
    return torch.from_numpy(x * input_scale)


def check_probe_args(seq_len, input_scale, window, hidden_size=None):
    """Raise ValueError with a one-line message for any argument outside the probe's range."""
    if isinstance(seq_len, bool) or not isinstance(seq_len, (int, np.integer)) or not 2 <= seq_len <= MAX_SEQ_LEN:
        raise ValueError(f"seq_len must be a whole number from 2 to {MAX_SEQ_LEN}, got {seq_len!r}")
    if not isinstance(input_scale, (int, float)) or not (
        math.isfinite(input_scale) and 0 <= input_scale <= MAX_INPUT_SCALE
    ):
        raise ValueError(f"input_scale must be a number from 0 to {MAX_INPUT_SCALE:g}, got {input_scale!r}")
    if isinstance(window, bool) or not isinstance(window, (int, np.integer)) or window < 0:
        raise ValueError(f"window must be a whole number ≥ 0 (0 = full backprop), got {window!r}")
    whole = isinstance(hidden_size, (int, np.integer)) and not isinstance(hidden_size, bool)
    # a width outside the models' range is refused by the model's config, with that range in its message
    if whole and 1 <= hidden_size <= MAX_HIDDEN_SIZE and seq_len * hidden_size**2 > MAX_WORK:
        raise ValueError(
            f"seq_len × hidden_size² = {seq_len * hidden_size**2:.3g} exceeds the cap of {MAX_WORK:.0e}; "
            "shorten the sequence or narrow the model"
        )


def connectivity_frame(log10_grad: np.ndarray) -> pd.DataFrame:
    """The probe's table from log10 g_t, t = 0..T-1.  grad_norm overflows to inf past 1e308 and
    underflows to 0 below 1e-308; log10_grad_norm is exact, and -inf only where there is no path."""
    log10_grad = np.asarray(log10_grad, dtype=np.float64)
    T = len(log10_grad)
    with np.errstate(over="ignore", under="ignore"):
        grad = np.power(10.0, log10_grad)
    position = np.arange(T)
    return pd.DataFrame(
        {"position": position, "distance": T - 1 - position, "grad_norm": grad, "log10_grad_norm": log10_grad}
    )


def gradient_through_time(
    model: str = "rnn",
    seq_len: int = 100,
    input_scale: float = 1.0,
    seed: int = 0,
    window: int = 0,
    **model_options,
) -> pd.DataFrame:
    """Probe `model` on T random inputs; returns position, distance, grad_norm, log10_grad_norm.

    model_options go to the model's config (hidden_size, weight_scale, nonlinearity, init, ...).
    window K > 0 backpropagates through the last K steps only (truncated BPTT).
    """
    check_probe_args(seq_len, input_scale, window, model_options.get("hidden_size"))
    return probe_model(build_model(model, seed=seed, **model_options), seq_len, input_scale, seed, window)


def probe_model(net, seq_len: int, input_scale: float = 1.0, seed: int = 0, window: int = 0) -> pd.DataFrame:
    """gradient_through_time for a model already built (with the same `seed`): its inputs and
    readout come from `seed`'s own streams, so the table is the same as the one-call probe's."""
    check_probe_args(seq_len, input_scale, window, getattr(net.config, "hidden_size", None))
    x = make_inputs(seq_len, net.input_size, input_scale, seed)
    r = make_readout(net.readout_size, seed)
    return connectivity_frame(net.log_input_gradients(x, r, window=window))


def reference_log_gradients(net, x: torch.Tensor, readout: torch.Tensor, window: int = 0) -> np.ndarray:
    """log10 ‖∂(r·y)/∂x_t‖ by plain float64 autograd: the check for every fast path."""
    net = net.double()
    x = x.detach().double().clone().requires_grad_(True)
    loss = readout.double() @ net.readout_state(x, window=window)
    (grad,) = torch.autograd.grad(loss, x, allow_unused=True)
    if grad is None:
        return np.full(len(x), -np.inf)
    norms = grad.norm(dim=-1).numpy()
    with np.errstate(divide="ignore"):
        return np.log10(norms)
