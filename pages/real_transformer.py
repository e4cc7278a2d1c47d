"""A real Transformer: all-MiniLM-L6-v2 on real text, its attention and its gradient against distance (#21)."""

import streamlit as st

from dashboard import real_view as view
from dashboard.frame import chart_style, head_ui, require_router
from dashboard.i18n import t
from dashboard.slots import ChartSlot

require_router()  # a fresh server's first visit may run this file directly; see dashboard/frame.py


def main():
    head_ui("real")
    with st.container(border=True):
        text, seed = view.inputs_ui()
    if not view.load_ui():
        return
    enc = view.analysis(text)["enc"]
    view.notices_ui(enc)
    st.subheader(t("real.heads_title"))
    heads(text)
    style = chart_style()
    st.subheader(t("real.reach_title"))
    section = view.reach_section(text, style)
    ChartSlot("head-reach", title=t("real.reach_title")).draw(
        section.figure, lambda: view.analysis(text)["stats"], section.caption
    )
    st.subheader(t("real.grad_title"))
    section = view.gradient_section(text, seed, style)
    ChartSlot("real-gradient", title=t("real.grad_title")).draw(
        section.figure, lambda: view.gradient_table(text, seed), section.caption
    )
    st.subheader(t("real.saliency_title"))
    section = view.saliency_section(text, seed, style)
    ChartSlot("saliency", width="content", title=t("real.saliency_title")).draw(
        section.figure, lambda: view.saliency(text, seed), section.caption
    )
    with st.expander(t("real.idea_title")):
        st.markdown(t("real.idea"))


@st.fragment
def heads(text: str):
    """The layer and head to enlarge, the head view and the model view: a move reruns only this."""
    layer, head = view.head_ui()
    style = chart_style()
    left, right = st.columns([3, 2])
    with left:
        section = view.head_section(text, layer, head, style)
        ChartSlot("head-view", title=t("real.head_title", layer=layer, head=head)).draw(
            section.figure, lambda: view.head_table(text, layer, head), section.caption
        )
    with right:
        section = view.model_section(text, layer, head, style)
        ChartSlot("model-view", title=t("real.model_title")).draw(
            section.figure, lambda: view.model_table(text), section.caption
        )


main()
