"""Vanishing & exploding gradients: the RNN lab.  Inputs, cached core calls, dashboard rendering."""

import streamlit as st

from core.models.rnn import DERIVATIVE_BOUND
from core.theory import theory_frame, verdict
from dashboard import cached, charts
from dashboard.controls import rnn_controls_ui
from dashboard.defaults import reset_ui
from dashboard.export import chart_ui
from dashboard.frame import presenter, require_router
from dashboard.i18n import t
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
    big, text = presenter(), {name: t(key) for name, key in charts.LABEL_KEYS.items()}
    probe = cached.probe(
        "rnn",
        c.seq_len,
        c.seed,
        input_scale=c.input_scale,
        hidden_size=c.hidden_size,
        weight_scale=c.weight_scale,
        nonlinearity=c.nonlinearity,
        init=c.init,
    )
    eigs, rho, norm = cached.rnn_spectrum(c.hidden_size, c.weight_scale, c.init, c.seed)
    gamma = DERIVATIVE_BOUND[c.nonlinearity]
    v = verdict(probe)

    verdict_ui(v, c.seq_len)
    m = st.columns(4)
    m[0].metric(t("rnn.metric_rho"), f"{rho:.3f}")
    m[1].metric(t("rnn.metric_norm"), f"{norm:.3f}")
    m[2].metric(t("rnn.metric_bound"), f"{gamma * norm:.3f}")
    m[3].metric(t("rnn.metric_ratio"), charts.pow10_label(v.log10_ratio, t("common.zero")))

    st.subheader(t("rnn.main_chart"))
    theory = theory_frame(probe["distance"], rho, norm, gamma)
    data = charts.gradient_chart_data(probe, theory, text)
    chart_ui(charts.gradient_chart(data, text, big), "gradient", data=lambda: probe.merge(theory, on="distance"))
    st.caption(t("rnn.main_caption") + (" " + t("rnn.lines_coincide") if abs(rho - norm) < 1e-9 * norm else ""))
    if probe["log10_grad_norm"].abs().replace(float("inf"), 0).max() > 308:
        st.caption(t("common.beyond_float"))

    left, right = st.columns([1, 1], gap="large")
    with left:
        st.subheader(t("rnn.eigen_chart"))
        chart_ui(charts.eigenvalue_chart(eigs, rho, norm, text, big), "eigenvalues", data=eigs, width="content")
        st.caption(t("rnn.eigen_caption"))
    with right:
        st.subheader(t("rnn.sweep_chart"))
        args = (c.seq_len, c.hidden_size, c.nonlinearity, c.init, c.input_scale, c.seed)
        cells, image = cached.rnn_sweep_map(*args, text)
        chart_ui(charts.sweep_heatmap(image, c.weight_scale, text, big=big), "weight-scale-map", data=cells)
        st.caption(t("rnn.sweep_caption", clip=int(charts.HEATMAP_CLIP)))


main()
