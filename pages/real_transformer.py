"""A real Transformer: all-MiniLM-L6-v2 on real text, its attention and its gradient against distance (#21)."""

import streamlit as st

from dashboard import real_view as view
from dashboard.frame import chart_style, head_ui, lab_columns, presenter, require_router
from dashboard.i18n import t
from dashboard.slots import ChartSlot

require_router()  # a fresh server's first visit may run this file directly; see dashboard/frame.py


def main():
    head_ui("real")
    left, right = lab_columns()  # side by side in presenter mode: the controls beside the head view
    with left, st.container(border=True):
        text, seed = view.inputs_ui()
    if not view.load_ui():
        return
    view.notices_ui(view.analysis(text)["enc"])
    with right if presenter() else left:  # on a screen the heading comes before its sliders
        st.subheader(t("real.heads_title"))
    with right:
        head, model = st.columns([3, 2]) if not presenter() else (st.container(), st.container())
        with head:
            head_slot = ChartSlot("head-view")
        with model:
            model_slot = ChartSlot("model-view", title=t("real.model_title"))
    with left:
        heads(text, head_slot, model_slot)
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
def heads(text: str, head_slot: ChartSlot, model_slot: ChartSlot):
    """The layer and head to enlarge, which fill the head view and the model view: a move reruns only this."""
    layer, head = view.head_ui()
    style = chart_style()
    section = view.head_section(text, layer, head, style)
    head_slot.title = t("real.head_title", layer=layer, head=head)
    head_slot.draw(section.figure, lambda: view.head_table(text, layer, head), section.caption)
    section = view.model_section(text, layer, head, style)
    model_slot.draw(section.figure, lambda: view.model_table(text), section.caption)


main()
