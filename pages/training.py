"""Training: the RNNs fail on long-range recall, attention does not; live, with Stop."""

import streamlit as st

from dashboard import training_view as view
from dashboard.frame import chart_style, head_ui, require_router
from dashboard.i18n import t
from dashboard.slots import chart_ui

require_router()  # a fresh server's first visit may run this file directly; see dashboard/frame.py


def main():
    head_ui("train")
    style = chart_style()

    st.subheader(t("train.sweep_title"))
    table = view.sweep_table(view.SWEEP_CSV.stat().st_mtime)
    summary = view.sweep_data(table)
    chart_ui(view.sweep_chart(summary, chance=0.25, style=style), "sweep", table, title=t("train.sweep_title"))
    st.caption(view.sweep_caption(table, summary))
    view.live_subset_ui(table, style)

    st.subheader(t("train.job_title"))
    view.job_section(style)


main()
