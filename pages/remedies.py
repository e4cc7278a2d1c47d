"""Remedies, and where they fail: truncation, the bidirectional RNN, LSTM/GRU gates, clipping."""

import streamlit as st

from dashboard import remedies
from dashboard.controls import clip_ui, gate_bias_ui, shared_controls_ui, window_ui
from dashboard.defaults import reset_ui
from dashboard.frame import presenter, require_router
from dashboard.i18n import t
from dashboard.slots import fragment_rerun

require_router()  # a fresh server's first visit may run this file directly; see dashboard/frame.py


def main():
    st.title(t("rem.title"))
    st.markdown(t("rem.intro"))
    reset_ui()
    controls = st.container()  # the shared controls and the window slider go first, over the places
    p = remedies.places_ui()
    with controls:
        lab(p)
    with p.gates_box:
        gates(p)
    with p.clip_box:
        clipping(p)


@st.fragment
def lab(p: remedies.RemediesPlaces):
    """T, ρ, hidden size, seed and the truncation window (its range is 1..T): a move redraws every
    chart (the gate biases and the threshold come from state, set by their fragments)."""
    s, big = remedies.state(), presenter()
    c = s["c"] = shared_controls_ui()
    remedies.truncation_intro_ui()
    k = s["window"] = window_ui(c.seq_len)
    remedies.draw_truncation(p, c, k, big)
    remedies.draw_bidirectional(p, c, big)
    if not fragment_rerun():  # a full run: the gates' and the threshold's fragments, next, draw the rest
        p.reserve_sections()
        return
    remedies.draw_gates(p, c, s["forget"], s["update"], big)
    remedies.draw_clipping(p, c, s["theta"], big)
    remedies.draw_combined(p, c, k, s["forget"], s["update"], big)


@st.fragment
def gates(p: remedies.RemediesPlaces):
    """The gate biases: a move redraws the gates chart and the all-remedies chart only."""
    s = remedies.state()
    s["forget"], s["update"] = gate_bias_ui()
    remedies.draw_gates(p, s["c"], s["forget"], s["update"], presenter())
    remedies.draw_combined(p, s["c"], s["window"], s["forget"], s["update"], presenter())


@st.fragment
def clipping(p: remedies.RemediesPlaces):
    """The clipping threshold θ: a move redraws the clipping chart and its numbers only."""
    s = remedies.state()
    s["theta"] = clip_ui()
    remedies.draw_clipping(p, s["c"], s["theta"], presenter())


main()
