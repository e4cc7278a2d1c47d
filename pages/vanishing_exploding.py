"""Vanishing & exploding gradients: the RNN lab.  Inputs, cached core calls, dashboard rendering."""

import streamlit as st

from dashboard import charts, rnn_view
from dashboard.controls import rnn_controls_ui
from dashboard.defaults import reset_ui
from dashboard.export import chart_ui
from dashboard.frame import presenter, require_router
from dashboard.i18n import language, t
from dashboard.verdict import verdict_ui

require_router()  # a fresh server's first visit may run this file directly; see dashboard/frame.py


def main():
    st.title(t("rnn.title"))
    st.markdown(t("rnn.intro"))
    reset_ui()
    lab()
    with st.expander(t("rnn.idea_title"), expanded=True):
        st.markdown(t("rnn.idea"))


@st.fragment
def lab():
    """Everything a control changes: a slider move reruns only this (the text around it stays)."""
    c = rnn_controls_ui()
    view = rnn_view.build(c, language(), presenter())  # shared, built once per setting
    v, rho, norm = view.verdict, view.rho, view.norm

    verdict_ui(v, c.seq_len)
    m = st.columns(4)
    m[0].metric(t("rnn.metric_rho"), f"{rho:.3f}")
    m[1].metric(t("rnn.metric_norm"), f"{norm:.3f}")
    m[2].metric(t("rnn.metric_bound"), f"{view.gamma * norm:.3f}")
    m[3].metric(t("rnn.metric_ratio"), charts.pow10_label(v.log10_ratio, t("common.zero")))

    st.subheader(t("rnn.main_chart"))
    chart_ui(view.gradient, "gradient", data=lambda: rnn_view.gradient_table(c))
    st.caption(t("rnn.main_caption") + (" " + t("rnn.lines_coincide") if abs(rho - norm) < 1e-9 * norm else ""))
    if view.beyond_float:
        st.caption(t("common.beyond_float"))

    left, right = st.columns([1, 1], gap="large")
    with left:
        st.subheader(t("rnn.eigen_chart"))
        chart_ui(view.eigenvalues, "eigenvalues", data=lambda: rnn_view.eigenvalue_table(c), width="content")
        st.caption(t("rnn.eigen_caption"))
    with right:
        st.subheader(t("rnn.sweep_chart"))
        chart_ui(view.weight_map, "weight-scale-map", data=lambda: rnn_view.map_table(c))
        st.caption(t("rnn.sweep_caption", clip=int(charts.HEATMAP_CLIP)))


main()
