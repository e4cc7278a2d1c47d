"""Retrieval: a passage shown twice, and which of the three language models predicts the second copy."""

import streamlit as st

from dashboard import retrieval_view as view
from dashboard.frame import head_ui
from dashboard.i18n import t
from dashboard.lab import charts_ui, lab_ui


def main():
    head_ui("retrieval")
    if not view.ready():
        st.error(t("retrieval.missing"))
        return
    charts_ui(None, view.GAIN)
    lab_ui(view.copy_inputs_ui, view.DEMO, title="retrieval.demo_title", intro="retrieval.demo_intro")
    charts_ui(None, view.SCHEME)
    with st.expander(t("retrieval.idea_title")):
        st.markdown(view.idea())


main()
