"""Depth as well as length: the gradient at every layer of a deep network, and against its width; the
RNN unrolled into a deep network; a stacked RNN; Transformer stacks, post-norm against pre-norm."""

import streamlit as st

from dashboard import depth_view as view
from dashboard import stack_view as stack
from dashboard.frame import head_ui, presenter
from dashboard.i18n import t
from dashboard.lab import lab_ui


def main():
    head_ui("depth")
    lab_ui(view.controls_ui, view.FEED_FORWARD)
    lab_ui(view.unrolled_controls_ui, view.UNROLLED, title="depth.unroll_title", intro="depth.unroll_intro")
    lab_ui(stack.stacked_controls_ui, stack.STACKED, title="depth.stack_title", intro="depth.stack_intro")
    lab_ui(stack.transformer_controls_ui, stack.TRANSFORMERS, title="depth.tdepth_title", intro="depth.tdepth_intro")
    with st.expander(t("depth.idea_title"), expanded=not presenter()):
        st.markdown(t("depth.idea"))


main()
