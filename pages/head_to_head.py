"""Head to head: every model on the same axes, and Vaswani et al.'s Table 1 measured."""

import streamlit as st

from dashboard import h2h_view as view
from dashboard.controls import shared_controls_ui
from dashboard.frame import chart_style, head_ui, lab_columns, require_router

require_router()  # a fresh server's first visit may run this file directly; see dashboard/frame.py


def main():
    head_ui("h2h")
    controls, right = lab_columns()  # the controls first (beside the chart in presenter mode)
    with right:
        place = view.all_models_place()
    with controls:
        lab(place)
    st.fragment(view.table_section)(chart_style())  # its own slider (n) reruns the table only
    view.timing_section(chart_style())  # drawn once: no control changes it


@st.fragment
def lab(place):
    """The shared controls and the window: a move reruns only this, and redraws the chart in its place."""
    view.all_models_section(shared_controls_ui(), place, chart_style())


main()
