"""Head to head: every model on the same axes, and Vaswani et al.'s Table 1 measured."""

import streamlit as st

from dashboard import h2h_view as view
from dashboard.controls import shared_controls_ui
from dashboard.defaults import reset_ui
from dashboard.frame import presenter, require_router
from dashboard.i18n import t

require_router()  # a fresh server's first visit may run this file directly; see dashboard/frame.py


def main():
    st.title(t("h2h.title"))
    st.markdown(t("h2h.intro"))
    reset_ui()
    lab()
    st.fragment(view.table_section)(presenter())  # its own slider (n) reruns the table only


@st.fragment
def lab():
    """The shared controls and the all-models chart they change: a slider move reruns only this."""
    c = shared_controls_ui()
    view.all_models_section(c, presenter())


main()
