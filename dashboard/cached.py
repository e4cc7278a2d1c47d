"""Cached wrappers around core: one entry per distinct set of controls, bounded in number.

st.cache_data hands every caller its own copy, so no session can mutate another's result.
"""

from __future__ import annotations

import streamlit as st

from core.models import build_model
from core.probe import gradient_through_time
from core.sweep import weight_scale_sweep
from core.theory import eigenvalue_frame, spectral_norm, spectral_radius

from .charts import heatmap_data

_TTL = 3600  # seconds an entry may live on a shared server


@st.cache_data(max_entries=256, ttl=_TTL, show_spinner=False)
def rnn_probe(seq_len, hidden_size, weight_scale, nonlinearity, init, input_scale, seed):
    """The probe table for the RNN lab's controls."""
    return gradient_through_time(
        "rnn",
        seq_len=seq_len,
        hidden_size=hidden_size,
        weight_scale=weight_scale,
        nonlinearity=nonlinearity,
        init=init,
        input_scale=input_scale,
        seed=seed,
    )


@st.cache_data(max_entries=256, ttl=_TTL, show_spinner=False)
def rnn_spectrum(hidden_size, weight_scale, init, seed):
    """(eigenvalues of W as re/im/abs, ρ(W), ‖W‖₂)."""
    net = build_model("rnn", hidden_size=hidden_size, weight_scale=weight_scale, init=init, seed=seed)
    return eigenvalue_frame(net.W), spectral_radius(net.W), spectral_norm(net.W)


@st.cache_data(max_entries=32, ttl=_TTL, show_spinner=False)
def rnn_sweep_cells(seq_len, hidden_size, nonlinearity, init, input_scale, seed, labels, max_distances=120):
    """The ρ × distance map's cells (see charts.heatmap_data): 40 weight scales at up to
    `max_distances` sampled distances.  Independent of the current ρ, so moving ρ reuses it."""
    sweep = weight_scale_sweep(
        seq_len=seq_len,
        hidden_size=hidden_size,
        nonlinearity=nonlinearity,
        init=init,
        input_scale=input_scale,
        seed=seed,
        max_distances=max_distances,
    )
    return heatmap_data(sweep, labels)
