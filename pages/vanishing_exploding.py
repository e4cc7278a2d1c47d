"""Vanishing & exploding gradients: the RNN lab."""

import streamlit as st

from dashboard import rnn_view as view
from dashboard.controls import rnn_choices_ui, rnn_controls_ui
from dashboard.frame import head_ui, presenter
from dashboard.i18n import t
from dashboard.lab import lab_ui


def main():
    head_ui("rnn")
    lab_ui(rnn_controls_ui, view.charts_for, choices_ui=rnn_choices_ui)
    with st.expander(t("rnn.idea_title"), expanded=not presenter()):
        st.markdown(t("rnn.idea"))


main()
