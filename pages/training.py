"""Training: the RNNs fail on long-range recall, attention does not; live, with Stop."""

import streamlit as st

from dashboard import training_view as view
from dashboard.frame import chart_style, head_ui
from dashboard.i18n import t
from dashboard.lab import charts_ui


def main():
    head_ui("train")
    charts_ui(None, view.SWEEP)
    view.live_subset_ui(view.sweep_table())
    st.subheader(t("train.job_title"))
    view.job_section(chart_style())


main()
