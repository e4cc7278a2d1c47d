"""Attention: what replaced recurrence.  One hop to every word, and positions put back by encoding."""

import streamlit as st

from dashboard import attention_view as view
from dashboard.defaults import reset_ui
from dashboard.frame import presenter, require_router
from dashboard.i18n import t

require_router()  # a fresh server's first visit may run this file directly; see dashboard/frame.py


def main():
    st.title(t("att.title"))
    st.markdown(t("att.intro"))
    reset_ui()
    controls = st.container()  # the controls, the gradient and the maps go first, over the places
    places = view.places_ui(presenter())
    with controls:
        lab(places)


@st.fragment
def lab(places: view.AttentionPlaces):
    """The controls and what they change: a slider move reruns only this (the trained-vs-untrained
    section and the headings below stay; the positional and word-order sections are redrawn in place)."""
    c = view.controls_ui()
    big = presenter()
    view.gradient_section(c, big)
    view.heatmap_section(c, big)
    view.positional_section(c, places, big)
    view.order_section(c, places)


main()
