"""On real text: LSTM, GRU and Transformer language models trained on the same book."""

import streamlit as st

from dashboard import text_view as view
from dashboard.frame import head_ui
from dashboard.i18n import t
from dashboard.lab import charts_ui, lab_ui


def main():
    head_ui("text")
    if not view.checkpoints_ready():
        st.error(t("text.missing"))
        return
    st.caption(view.held_out_summary())
    charts_ui(None, view.CONTEXT)
    lab_ui(view.span_ui, view.GRADIENT, title="text.grad_title")
    lab_ui(view.own_text_ui, view.SURPRISE, title="text.surprise_title")
    st.subheader(t("text.sample_title"))
    st.fragment(view.samples_ui)()  # its controls rerun the samples alone
    with st.expander(t("text.idea_title")):
        st.markdown(t("text.idea"))


main()
