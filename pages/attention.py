"""Attention: what replaced recurrence.  One hop to every word, and positions put back by encoding."""

import streamlit as st

from dashboard import attention_view as view
from dashboard.frame import chart_style, head_ui, lab_columns, require_router

require_router()  # a fresh server's first visit may run this file directly; see dashboard/frame.py


def main():
    head_ui("att")
    inputs = view.inputs_ui()
    controls, right = lab_columns()  # the lab's controls next (beside the charts in presenter mode)
    with right:
        places = view.places_ui(inputs, chart_style())
    with controls:
        lab(inputs, places)
    with right:
        view.positional_section(inputs, places, chart_style())  # it depends on the inputs only


@st.fragment
def lab(inputs: dict, places: view.AttentionPlaces):
    """The architecture's controls and what they change: a move reruns only this and re-sends the
    gradient, the maps and the word-order numbers.  Their captions and the positional encoding
    depend on the length and width only (`inputs`, whose change reruns the page): the full run
    draws them."""
    c = view.architecture_ui(inputs)
    style = chart_style()
    view.gradient_section(c, places, style)
    view.heatmap_section(c, places, style)
    view.order_section(c, places)


main()
