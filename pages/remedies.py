"""Remedies, and where they fail: truncation, the bidirectional RNN, LSTM/GRU gates, clipping."""

import streamlit as st

from dashboard import remedies_view
from dashboard.controls import remedy_controls_ui, shared_controls_ui
from dashboard.frame import chart_style, head_ui, lab_columns, require_router

require_router()  # a fresh server's first visit may run this file directly; see dashboard/frame.py


def main():
    head_ui("rem")
    section = remedies_view.section_ui()  # a change reruns the page, which draws the new section's frame
    controls, right = lab_columns()  # the controls first (beside the chart in presenter mode)
    with right:
        places = remedies_view.places_ui(section)
    with controls:
        lab(places)


@st.fragment
def lab(p: remedies_view.RemediesPlaces):
    """Every control, and the section's chart: a move reruns only this.  The remedy controls the
    section does not use are not drawn (they keep their values for the sections that do)."""
    c = shared_controls_ui()
    r = remedy_controls_ui(c.seq_len, remedies_view.USES[p.section])
    remedies_view.draw(p, c, r, chart_style())


main()
