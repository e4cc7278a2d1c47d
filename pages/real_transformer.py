"""A real Transformer: all-MiniLM-L6-v2 on real text, its attention and its gradient against distance."""

import streamlit as st

from dashboard import real_view as view
from dashboard.frame import head_ui
from dashboard.i18n import t
from dashboard.lab import charts_ui, lab_ui


def main():
    head_ui("real")
    if not view.load_ui():
        return
    inputs = lab_ui(view.head_ui, view.HEADS_VIEW, choices_ui=view.inputs_ui)
    charts_ui(inputs, view.TEXT_VIEW)
    with st.expander(t("real.idea_title")):
        st.markdown(t("real.idea"))


main()
