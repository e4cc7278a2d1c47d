"""The Remedies page's sections: each draws its own controls, chart and caption.

Every curve comes from the same probe (core.probe via dashboard.cached), so all of them are
comparable: the tanh RNN with orthogonal W is the reference in every section.  Each section's
chart and caption are built once per setting and language and shared (figure.memo); the curves
behind a CSV are rebuilt from the cached probes only when the download is clicked.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import streamlit as st

from core.models.gates import sigmoid
from core.theory import verdict

from . import cached, charts
from .charts import DASHED, DOTTED, SOLID, pow10_label
from .controls import SharedControls, clip_ui, gate_bias_ui, window_ui
from .export import chart_ui
from .figure import Figure, memo
from .i18n import chart_labels, language, speaks, t

MODEL_COLORS = {"rnn": "#1f5fbf", "truncated": "#7c3aed", "birnn": "#059669", "lstm": "#e07b00", "gru": "#dc2626"}


@dataclass(frozen=True)
class Section:
    figure: Figure
    caption: str


def _probe(c: SharedControls, model: str, window: int = 0, **options):
    return cached.probe(
        model, c.seq_len, c.seed, window=window, hidden_size=c.hidden_size, weight_scale=c.weight_scale, **options
    )


def _ratio(frame) -> str:
    """The first word's gradient over the last word's, as 10^x (0 when cut off)."""
    return pow10_label(verdict(frame).log10_ratio, t("common.zero"))


def _figure(curves: dict, styles: dict, big: bool, anchors=None) -> Figure:
    """Probe tables (or ready curves) as one curves chart."""
    curves, text = charts.as_curves(curves), chart_labels()
    return charts.curves_chart(charts.curves_data(curves, text), text, styles, anchors or list(curves), big)


def _draw(section: Section, name: str, curves) -> None:
    """A section's chart with downloads (the CSV keeps every point of `curves()`) and caption."""

    chart_ui(section.figure, name, data=lambda: charts.curves_data(charts.as_curves(curves()), chart_labels(), None))
    st.caption(section.caption)


def truncation_curves(c: SharedControls, k: int) -> dict:
    return {t("rem.series_rnn"): _probe(c, "rnn"), t("rem.series_trunc", k=k): _probe(c, "rnn", window=k)}


@functools.partial(memo, max_entries=64)
@speaks
def _truncation(c: SharedControls, k: int, lang: str, big: bool) -> Section:
    names = list(truncation_curves(c, k))
    styles = {names[0]: (MODEL_COLORS["rnn"], SOLID), names[1]: (MODEL_COLORS["truncated"], DASHED)}
    caption = t("rem.trunc_caption", k=k, beyond=max(0, c.seq_len - k))
    return Section(_figure(truncation_curves(c, k), styles, big), caption)


def truncation_section(c: SharedControls, big: bool) -> int:
    st.subheader(t("rem.trunc_title"))
    st.markdown(t("rem.trunc_intro"))
    k = window_ui(c.seq_len)
    _draw(_truncation(c, k, language(), big), "truncation", lambda: truncation_curves(c, k))
    return k


def bidirectional_curves(c: SharedControls) -> dict:
    return {t("rem.series_birnn"): _probe(c, "birnn"), t("rem.series_rnn"): _probe(c, "rnn")}


@functools.partial(memo, max_entries=64)
@speaks
def _bidirectional(c: SharedControls, lang: str, big: bool) -> Section:
    curves = bidirectional_curves(c)
    names = list(curves)
    styles = {names[0]: (MODEL_COLORS["birnn"], SOLID), names[1]: (MODEL_COLORS["rnn"], DOTTED)}
    logs = curves[names[0]].set_index("distance")["log10_grad_norm"]
    caption = t(
        "rem.bi_caption",
        weakest=int(logs.idxmin()),
        value=pow10_label(logs.min(), t("common.zero")),
        ends=pow10_label(min(logs.iloc[0], logs.iloc[-1]), t("common.zero")),
    )
    return Section(_figure(curves, styles, big), caption)


def bidirectional_section(c: SharedControls, big: bool) -> None:
    st.subheader(t("rem.bi_title"))
    _draw(_bidirectional(c, language(), big), "bidirectional", lambda: bidirectional_curves(c))


def gate_curves(c: SharedControls, forget: float, update: float) -> dict:
    """LSTM, GRU and RNN probes, and the LSTM's cell-path line f^d (f = σ(b_f)) from its last word."""
    lstm, gru, rnn = _probe(c, "lstm", forget_bias=forget), _probe(c, "gru", update_bias=update), _probe(c, "rnn")
    f = float(sigmoid(forget))
    cell = charts.theory_curve(lstm["distance"], lstm["distance"] * math.log10(f) + lstm["log10_grad_norm"].iloc[-1])
    names = (t("rem.series_lstm", b=forget), t("rem.series_gru", b=update), t("rem.series_rnn"), t("rem.series_cell"))
    return dict(zip(names, (lstm, gru, rnn, cell), strict=True))


@functools.partial(memo, max_entries=64)
@speaks
def _gates(c: SharedControls, forget: float, update: float, lang: str, big: bool) -> Section:
    curves = gate_curves(c, forget, update)
    names = list(curves)
    styles = {
        names[0]: (MODEL_COLORS["lstm"], SOLID),
        names[1]: (MODEL_COLORS["gru"], SOLID),
        names[2]: (MODEL_COLORS["rnn"], SOLID),
        names[3]: (MODEL_COLORS["lstm"], DOTTED),
    }
    f = float(sigmoid(forget))
    horizon = 1.0 / (1.0 - f) if f < 1 else math.inf
    lstm, gru, rnn = (curves[name] for name in names[:3])
    caption = t(
        "rem.gates_caption",
        b=forget,
        f=f"{f:.3f}",
        horizon=f"{horizon:.3g}",
        T=c.seq_len,
        lstm=_ratio(lstm),
        gru=_ratio(gru),
        rnn=_ratio(rnn),
    )
    return Section(_figure(curves, styles, big, anchors=names[:3]), caption)


def gates_section(c: SharedControls, big: bool) -> tuple[float, float]:
    st.subheader(t("rem.gates_title"))
    st.markdown(t("rem.gates_intro"))
    forget, update = gate_bias_ui()
    _draw(_gates(c, forget, update, language(), big), "gates", lambda: gate_curves(c, forget, update))
    return forget, update


@st.fragment  # the threshold slider reruns this section only: nothing else depends on θ
def clipping_section(c: SharedControls, big: bool) -> None:
    st.subheader(t("rem.clip_title"))
    st.markdown(t("rem.clip_intro"))
    theta = clip_ui()
    table = cached.clipping(theta, c.seq_len, c.hidden_size, c.seed)
    chart_ui(charts.clipping_chart(table, c.weight_scale, chart_labels(), big), "clipping", data=table)
    row = table.iloc[(table["weight_scale"] - c.weight_scale).abs().argmin()]
    m = st.columns(3)
    m[0].metric(t("rem.metric_raw"), pow10_label(row["log10_total"], t("common.zero")))
    m[1].metric(t("rem.metric_clipped"), pow10_label(row["log10_total_clipped"], t("common.zero")))
    m[2].metric(t("rem.metric_share"), pow10_label(row["log10_first_over_last"], t("common.zero")))
    st.caption(t("rem.clip_caption", T=c.seq_len, rho=f"{row['weight_scale']:.2f}", theta=f"{theta:g}"))


def combined_curves(c: SharedControls, k: int, forget: float, update: float) -> dict:
    return {
        t("rem.series_rnn"): _probe(c, "rnn"),
        t("rem.series_trunc", k=k): _probe(c, "rnn", window=k),
        t("rem.series_birnn"): _probe(c, "birnn"),
        t("rem.series_lstm", b=forget): _probe(c, "lstm", forget_bias=forget),
        t("rem.series_gru", b=update): _probe(c, "gru", update_bias=update),
    }


@functools.partial(memo, max_entries=64)
@speaks
def _combined(c: SharedControls, k: int, forget: float, update: float, lang: str, big: bool) -> Section:
    curves = combined_curves(c, k, forget, update)
    keys = ("rnn", "truncated", "birnn", "lstm", "gru")
    styles = {
        name: (MODEL_COLORS[key], DASHED if key == "truncated" else SOLID)
        for key, name in zip(keys, curves, strict=True)
    }
    return Section(_figure(curves, styles, big), t("rem.all_caption", T=c.seq_len))


def combined_section(c: SharedControls, k: int, forget: float, update: float, big: bool) -> None:
    st.subheader(t("rem.all_title"))
    section = _combined(c, k, forget, update, language(), big)
    _draw(section, "all-remedies", lambda: combined_curves(c, k, forget, update))
