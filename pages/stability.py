"""Stability and speed: does the Transformer train more stably, and how much does parallelism buy?"""

import streamlit as st

from dashboard import stability_view as view
from dashboard.frame import chart_style, head_ui
from dashboard.i18n import t
from dashboard.lab import charts_ui, lab_ui


def main():
    head_ui("stab")
    if not view.ready():
        st.error(t("stab.missing"))
        return
    lab_ui(view.inputs_ui, view.GRID)
    st.subheader(t("stab.live_title"))
    view.live_ui(chart_style())
    if view.speed().empty:
        st.info(t("stab.speed_missing"))
    else:
        charts_ui(None, view.SPEED)
    with st.expander(t("stab.idea_title")):
        st.markdown(t("stab.idea"))


main()
