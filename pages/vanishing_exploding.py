"""Vanishing & exploding gradients: the RNN lab.  Inputs, cached core calls, dashboard rendering."""

import streamlit as st

from dashboard import rnn_view
from dashboard.controls import rnn_choices_ui, rnn_controls_ui
from dashboard.frame import chart_style, head_ui, lab_columns, presenter, require_router
from dashboard.i18n import t
from dashboard.verdict import verdict_ui

require_router()  # a fresh server's first visit may run this file directly; see dashboard/frame.py


def main():
    head_ui("rnn")
    left, right = lab_columns()  # side by side in presenter mode
    with left, st.container(border=True):
        choices = rnn_choices_ui()  # a change reruns the page
        controls = st.container()  # the lab's sliders, over the places it fills
    with right:
        places = rnn_view.places_ui(choices[1])
    with controls:
        lab(choices, places)
    with st.expander(t("rnn.idea_title"), expanded=not presenter()):
        st.markdown(t("rnn.idea"))


@st.fragment
def lab(choices: tuple[str, str], p: rnn_view.RnnPlaces):
    """The controls, and the places they change: a slider move reruns only this and re-sends only
    the verdict, the numbers, the two charts shown and one caption (the text around them stays)."""
    c = rnn_controls_ui(choices)
    view = rnn_view.build(c, chart_style())  # shared, built once per setting

    verdict_ui(view.verdict, c.seq_len, where=p.verdict, rho=view.rho, nonlinearity=c.nonlinearity)
    for place, (label, value) in zip(p.metrics, rnn_view.metrics(view), strict=True):
        place.metric(label, value)
    p.gradient.draw(view.gradient, lambda: rnn_view.gradient_table(c), rnn_view.main_caption(view))
    if p.detail == "eigenvalues":
        p.detail_chart.draw(view.eigenvalues, lambda: rnn_view.eigenvalue_table(c))
    elif p.detail == "map":
        p.detail_chart.draw(rnn_view.weight_map(c, chart_style()), lambda: rnn_view.map_table(c))
    else:
        rates = rnn_view.rate_section(c, chart_style())
        p.detail_chart.draw(rates.figure, lambda: rnn_view.rate_table(c), rates.caption)


main()
