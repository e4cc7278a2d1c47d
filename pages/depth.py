"""Depth as well as length: the gradient at every layer of a deep network (#23)."""

import streamlit as st

from dashboard import depth_view as view
from dashboard.frame import chart_style, head_ui, lab_columns, presenter, require_router
from dashboard.i18n import t
from dashboard.slots import ChartSlot

require_router()  # a fresh server's first visit may run this file directly; see dashboard/frame.py


def main():
    head_ui("depth")
    left, right = lab_columns()  # side by side in presenter mode
    with left, st.container(border=True):
        config = view.controls_ui()
    with right:
        st.subheader(t("depth.chart_title"))
        view.draw(config, ChartSlot("depth-gradient", title=t("depth.chart_title")), chart_style())
    st.subheader(t("depth.unroll_title"))
    st.markdown(t("depth.unroll_intro"))
    with st.container(border=True):
        unrolled = view.unrolled_controls_ui()
    section = view.build_unrolled(unrolled, chart_style())
    slot = ChartSlot("unrolled-rnn", title=t("depth.unroll_title"))
    slot.draw(section.figure, lambda: view.unrolled_table(unrolled), section.caption)
    with st.expander(t("depth.idea_title"), expanded=not presenter()):
        st.markdown(t("depth.idea"))


main()
