"""RNNs came back: the LRU and the minGRU, linear recurrences computed by a parallel scan, in the RNN lab's frame."""

import streamlit as st

from dashboard import comeback_view as view
from dashboard.frame import head_ui
from dashboard.i18n import t
from dashboard.lab import charts_ui, lab_ui


def main():
    head_ui("cb")
    lab_ui(view.controls_ui, view.CHARTS)
    if view.scan_ready():
        charts_ui(None, view.SCAN)
    else:
        view.missing_ui()
    charts_ui(None, view.SWEEP)
    with st.expander(t("cb.idea_title")):
        st.markdown(t("cb.idea"))


main()
