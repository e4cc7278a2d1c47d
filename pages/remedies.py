"""Remedies, and where they fail: truncation, the bidirectional RNN, LSTM/GRU gates, clipping."""

import streamlit as st

from dashboard import remedies
from dashboard.controls import shared_controls_ui
from dashboard.defaults import reset_ui
from dashboard.frame import presenter, require_router
from dashboard.i18n import t

require_router()  # a fresh server's first visit may run this file directly; see dashboard/frame.py


def main():
    st.title(t("rem.title"))
    st.markdown(t("rem.intro"))
    reset_ui()
    lab()


@st.fragment
def lab():
    """The controls and everything they change: a slider move reruns only this."""
    c = shared_controls_ui()
    big = presenter()
    window = remedies.truncation_section(c, big)
    remedies.bidirectional_section(c, big)
    forget, update = remedies.gates_section(c, big)
    remedies.clipping_section(c, big)
    remedies.combined_section(c, window, forget, update, big)


main()
