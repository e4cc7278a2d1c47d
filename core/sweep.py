"""The weight-scale sweep: the RNN probe at ~40 spectral radii at once, for the ρ × distance map.

Every initialisation is linear in ρ (W = ρ·W₁), so one batched forward and backward pass over
(B, H) arrays covers all scales with the same W₁, U, inputs and readout as the single probe:
row ρ of the sweep equals `gradient_through_time(weight_scale=ρ, ...)`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .models.rnn import RNN, RNNConfig
from .probe import check_probe_args, make_inputs, make_readout

SWEEP_SCALES = tuple(round(0.05 * k, 2) for k in range(1, 41))  # 0.05, 0.10, ..., 2.00: 40 scales
CHUNK_ELEMENTS = 2_000_000  # T·B·H float64 values per batched pass (16 MB per array)


def sample_distances(seq_len: int, count: int) -> np.ndarray:
    """At most `count` distances from 0 to T-1, evenly spread, always including both ends."""
    return np.unique(np.linspace(0, seq_len - 1, min(count, seq_len)).round().astype(int))


def weight_scale_sweep(
    seq_len: int = 100,
    hidden_size: int = 64,
    nonlinearity: str = "tanh",
    init: str = "orthogonal",
    input_scale: float = 1.0,
    seed: int = 0,
    scales=SWEEP_SCALES,
    max_distances: int = 200,
    window: int = 0,
) -> pd.DataFrame:
    """log10 g at sampled distances for every weight scale: columns weight_scale, distance, log10_grad_norm."""
    check_probe_args(seq_len, input_scale, window, hidden_size)
    net = RNN(RNNConfig(hidden_size=hidden_size, weight_scale=1.0, nonlinearity=nonlinearity, init=init, seed=seed))
    x = make_inputs(seq_len, net.input_size, input_scale, seed)
    r = make_readout(net.readout_size, seed)
    scales = np.asarray(scales, dtype=np.float64)
    dist = sample_distances(seq_len, max_distances)
    positions = seq_len - 1 - dist
    chunk = max(1, CHUNK_ELEMENTS // (seq_len * hidden_size))
    rows = np.concatenate(
        [
            net.log_input_gradients(x, r, window=window, scales=scales[i : i + chunk], positions=positions)
            for i in range(0, len(scales), chunk)
        ]
    )  # (B, T), column t is position t
    values = rows[:, positions]  # (B, len(dist))
    return pd.DataFrame(
        {
            "weight_scale": np.repeat(scales, len(dist)),
            "distance": np.tile(dist, len(scales)),
            "log10_grad_norm": values.ravel(),
        }
    )
