"""Depth as well as length: the gradient at every layer of a deep network (#23)."""

import streamlit as st

from dashboard import depth_view as view
from dashboard import stack_view as stack
from dashboard.frame import chart_style, head_ui, lab_columns, presenter, require_router
from dashboard.i18n import t
from dashboard.slots import ChartSlot

require_router()  # a fresh server's first visit may run this file directly; see dashboard/frame.py


def main():
    head_ui("depth")
    left, right = lab_columns()  # side by side in presenter mode
    with right:
        st.subheader(t("depth.chart_title"))
        slot = ChartSlot("depth-gradient", title=t("depth.chart_title"))
    with left, st.container(border=True):
        st.fragment(lab)(slot)  # a move reruns this section only
    style = chart_style()
    sections = (
        ("unrolled-rnn", "unroll", view.unrolled_controls_ui, view.build_unrolled, view.unrolled_table),
        ("stacked-rnn", "stack", stack.stacked_controls_ui, stack.build_stacked, stack.stacked_table),
        ("transformers", "tdepth", stack.transformer_controls_ui, stack.build_transformer, stack.transformer_table),
    )
    for name, key, controls_ui, build, table in sections:  # heading, intro, controls, chart, caption each
        view.section_ui(name, key, controls_ui, build, table, style)
    with st.expander(t("depth.idea_title"), expanded=not presenter()):
        st.markdown(t("depth.idea"))


def lab(slot: ChartSlot):
    """The feed-forward network's controls, and its chart in `slot`."""
    view.draw(view.controls_ui(), slot, chart_style())


main()
