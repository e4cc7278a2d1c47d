"""Stacked RNNs: depth and length at once (#23).  The gradient of one readout at every layer and
every time step of an RNN of several layers.

    h⁽⁰⁾_t = x_t,    h⁽ᵏ⁾_t = φ(W_k h⁽ᵏ⁾_{t-1} + U_k h⁽ᵏ⁻¹⁾_t),  h⁽ᵏ⁾_{-1} = 0,    ℓ = r · h⁽ᴸ⁾_{T-1}

Layer 1 is the RNN lab's RNN (the same W, U, inputs and readout from the seed), so a one-layer
stack's input row is the RNN probe's table.  Every further layer k draws its own W_k (the same
initialisation, times ρ) and an orthogonal U_k from a stream of its own.

Backward, the gradient at state (k, t) is the sum of two paths: back in time through W_k and
down from the layer above through U_{k+1},

    g⁽ᵏ⁾_t = W_kᵀ D⁽ᵏ⁾_{t+1} g⁽ᵏ⁾_{t+1} + U_{k+1}ᵀ D⁽ᵏ⁺¹⁾_t g⁽ᵏ⁺¹⁾_t,    D = diag φ'(pre-activation),

so the number of paths from the readout to (k, t) grows as a binomial coefficient in depth and
distance: for commuting linear steps of norm ρ and u, a state m layers below the readout and d
steps back gets exactly ρ^d u^m C(d + m, m) (tests/test_stacked.py).

Exact at any length, as the probe is (core/logscale.py): each gradient is a unit vector and a log10
of its norm, and two are added after scaling both by the larger norm.
NumPy float64: thousands of small matrix-vector products, where torch's per-call cost would dominate.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import torch

from .logscale import add_scaled
from .probe import StateOverflow, check_probe_args, make_inputs, make_readout

MAX_LAYERS = 8
MAX_CELLS = 8 * 1000  # layers × seq_len: the work one map may take (about 0.3 s at H = 64)


def _stack(layers, hidden_size, weight_scale, nonlinearity, init, seed):
    """[(W_k, U_k)] for k = 1..L, float64 NumPy; layer 1 is the RNN lab's."""
    from .models import build_model
    from .models.base import haar_orthogonal
    from .models.rnn import unit_recurrent_matrix

    net = build_model("rnn", hidden_size=hidden_size, weight_scale=weight_scale, seed=seed, nonlinearity=nonlinearity,
                      init=init)  # fmt: skip
    out = [(net.W.detach().numpy(), net.U.detach().numpy())]
    for k in range(2, layers + 1):
        gen = torch.Generator().manual_seed(seed * 1009 + 7_654_321 + k)  # a stream of its own a layer
        W = weight_scale * unit_recurrent_matrix(hidden_size, init, gen)
        out.append((W.numpy(), haar_orthogonal(hidden_size, gen).numpy()))
    return out


def _phi(nonlinearity: str, a: np.ndarray) -> np.ndarray:
    return np.tanh(a) if nonlinearity == "tanh" else np.maximum(a, 0) if nonlinearity == "relu" else a


def _slope(nonlinearity: str, a: np.ndarray) -> np.ndarray:
    if nonlinearity == "tanh":
        return 1 - np.tanh(a) ** 2
    return (a > 0).astype(np.float64) if nonlinearity == "relu" else np.ones_like(a)


def _unit(v: np.ndarray, log10: float) -> tuple[np.ndarray, float]:
    """v·10^log10 as (unit vector, log10 norm); (v, -inf) for an exact zero."""
    norm = float(np.linalg.norm(v))
    if norm == 0 or log10 == -math.inf:
        return np.zeros_like(v), -math.inf
    return v / norm, log10 + math.log10(norm)


def _add(a: tuple[np.ndarray, float], b: tuple[np.ndarray, float]) -> tuple[np.ndarray, float]:
    """The sum of two (unit vector, log10 norm) gradients, as (unit vector, log10 norm)."""
    total, top = add_scaled(a[0], np.float64(a[1]), b[0], np.float64(b[1]))
    return _unit(total, float(top))


def stacked_gradients(
    layers: int,
    seq_len: int,
    hidden_size: int = 64,
    weight_scale: float = 0.9,
    nonlinearity: str = "tanh",
    init: str = "orthogonal",
    input_scale: float = 1.0,
    seed: int = 0,
    steps: list | None = None,
) -> pd.DataFrame:
    """log10 ‖∂ℓ/∂h⁽ᵏ⁾_t‖ for every layer k = 0..L (0: the input x_t) and position t.

    Columns layer, position, distance (T − 1 − t), grad_norm, log10_grad_norm, ordered by layer then
    position.  `steps` replaces the drawn [(W_k, U_k)] (the closed-form tests use commuting ones)."""
    from .models.rnn import NONLINEARITIES

    check_probe_args(seq_len, input_scale, 0, hidden_size)
    if isinstance(layers, bool) or not isinstance(layers, (int, np.integer)) or not 1 <= layers <= MAX_LAYERS:
        raise ValueError(f"layers must be a whole number from 1 to {MAX_LAYERS}, got {layers!r}")
    if layers * seq_len > MAX_CELLS:
        raise ValueError(f"layers × seq_len = {layers * seq_len} exceeds the cap of {MAX_CELLS}")
    if nonlinearity not in NONLINEARITIES:
        raise ValueError(f"nonlinearity must be one of {', '.join(NONLINEARITIES)}, got {nonlinearity!r}")
    weights = steps or _stack(layers, hidden_size, weight_scale, nonlinearity, init, seed)
    x = make_inputs(seq_len, hidden_size, input_scale, seed).numpy()
    r = make_readout(hidden_size, seed).numpy()

    slopes = []  # slopes[k-1]: (T, H) φ' of layer k's pre-activations
    below = x
    for W, U in weights:
        h, pre = np.zeros(hidden_size), np.empty((seq_len, hidden_size))
        drive = below @ U.T  # (T, H): U_k h⁽ᵏ⁻¹⁾_t for every t
        states = np.empty((seq_len, hidden_size))
        with np.errstate(over="ignore", invalid="ignore"):  # an exploding state is refused just below
            for t in range(seq_len):
                pre[t] = W @ h + drive[t]
                h = states[t] = _phi(nonlinearity, pre[t])
        if not np.isfinite(pre).all():
            raise StateOverflow("the forward state left float64's range: lower weight_scale or seq_len")
        slopes.append(_slope(nonlinearity, pre))
        below = states

    log10 = np.empty((layers + 1, seq_len))
    from_above = [(np.zeros(hidden_size), -math.inf)] * seq_len  # U_{k+1}ᵀ D⁽ᵏ⁺¹⁾_t g⁽ᵏ⁺¹⁾_t
    for k in range(layers, 0, -1):
        W, U = weights[k - 1]
        D = slopes[k - 1]
        g = (np.zeros(hidden_size), -math.inf)  # the path back in time: W_kᵀ D⁽ᵏ⁾_{t+1} g⁽ᵏ⁾_{t+1}
        down = [None] * seq_len
        for t in range(seq_len - 1, -1, -1):
            g = _add(g, from_above[t])
            if k == layers and t == seq_len - 1:
                g = (r, 0.0)  # ∂ℓ/∂h⁽ᴸ⁾_{T-1} = r, a unit vector
            log10[k, t] = g[1]
            v = D[t] * g[0]  # ∂ℓ/∂(pre-activation), up to the factor 10^g[1]
            down[t] = _unit(U.T @ v, g[1])
            g = _unit(W.T @ v, g[1])
        from_above = down
    log10[0] = [d[1] for d in from_above]
    return _frame(log10)


def _frame(log10: np.ndarray) -> pd.DataFrame:
    rows, T = log10.shape
    with np.errstate(over="ignore", under="ignore"):
        grad = np.power(10.0, log10)
    position = np.tile(np.arange(T), rows)
    return pd.DataFrame(
        {
            "layer": np.repeat(np.arange(rows), T),
            "position": position,
            "distance": T - 1 - position,
            "grad_norm": grad.ravel(),
            "log10_grad_norm": log10.ravel(),
        }
    )
