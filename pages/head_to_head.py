"""Head to head: every model on the same axes, and Vaswani's Table 1 measured."""

import streamlit as st

from dashboard import h2h_view as view
from dashboard.frame import head_ui
from dashboard.lab import charts_ui, lab_ui


def main():
    head_ui("h2h")
    lab_ui(view.all_models_controls_ui, view.ALL_MODELS)
    st.fragment(view.table_section)()  # its own slider (n) reruns the table only
    charts_ui(None, view.TIMING)
    view.remeasure_ui()


main()
