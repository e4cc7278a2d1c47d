"""On real text: LSTM, GRU and Transformer language models trained on the same book (#22)."""

import streamlit as st

from dashboard import text_view as view
from dashboard.defaults import bound
from dashboard.frame import chart_style, head_ui, require_router
from dashboard.i18n import t
from dashboard.slots import ChartSlot

require_router()  # a fresh server's first visit may run this file directly; see dashboard/frame.py


def main():
    head_ui("text")
    if not view.checkpoints_ready():
        st.error(t("text.missing"))
        return
    style = chart_style()
    st.caption(view.held_out_summary())
    st.subheader(t("text.context_title"))
    section = view.context_section(style)
    ChartSlot("context", title=t("text.context_title")).draw(section.figure, view.context_table, section.caption)

    st.subheader(t("text.grad_title"))
    lo, hi, step = view.RANGES["span"]
    span = st.slider(t("text.span"), lo, hi, view.DEFAULTS["span"], step, **bound("text_span", view.DEFAULTS["span"]))
    section = view.gradient_section(int(span), style)
    ChartSlot("lm-gradient", title=t("text.grad_title")).draw(
        section.figure, lambda: view.gradient_table(int(span)), section.caption
    )

    st.subheader(t("text.surprise_title"))
    default = view.own_default()
    own = st.text_area(t("text.own"), default, max_chars=view.OWN_MAX_CHARS, **bound("text_own", default))
    if len(own) < 2:
        st.info(t("text.own_short"))
        own = default
    section = view.surprise_section(own, style)
    ChartSlot("surprise", width="content", title=t("text.surprise_title")).draw(
        section.figure, lambda: view.surprises(own), section.caption
    )

    st.subheader(t("text.sample_title"))
    with st.container(border=True):
        prompt, length, temperature, seed = view.sample_ui()
    for code, text in view.samples(prompt, length, temperature, seed).items():
        st.markdown(f"**{view.names()[code]}**")
        st.code(prompt + text, language=None, wrap_lines=True)
    st.caption(t("text.sample_caption", temperature=temperature, seed=seed))
    with st.expander(t("text.idea_title")):
        st.markdown(t("text.idea"))


main()
