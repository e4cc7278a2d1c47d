"""The Remedies page's sections: each draws its own controls, chart and caption.

Every curve comes from the same probe (core.probe via dashboard.cached), so all of them are
comparable: the tanh RNN with orthogonal W is the reference in every section.
"""

from __future__ import annotations

import math

import streamlit as st

from core.models.gates import sigmoid
from core.theory import verdict

from . import cached, charts
from .charts import DASHED, DOTTED, SOLID, pow10_label
from .controls import SharedControls, clip_ui, gate_bias_ui, window_ui
from .export import chart_ui
from .i18n import t

MODEL_COLORS = {"rnn": "#1f5fbf", "truncated": "#7c3aed", "birnn": "#059669", "lstm": "#e07b00", "gru": "#dc2626"}


def _probe(c: SharedControls, model: str, window: int = 0, **options):
    return cached.probe(
        model, c.seq_len, c.seed, window=window, hidden_size=c.hidden_size, weight_scale=c.weight_scale, **options
    )


def _ratio(frame) -> str:
    """The first word's gradient over the last word's, as 10^x (0 when cut off)."""
    return pow10_label(verdict(frame).log10_ratio, t("common.zero"))


def _chart(curves: dict, styles: dict, text: dict, big: bool, name: str, anchors=None) -> None:
    """Draw probe tables (or ready curves) as one chart with downloads; the CSV keeps every point."""
    curves = {label: charts.probe_curve(f) if "log10_grad_norm" in f else f for label, f in curves.items()}
    data = charts.curves_data(curves, text)
    chart = charts.curves_chart(data, text, styles, anchors or list(curves), big)
    chart_ui(chart, name, data=lambda: charts.curves_data(curves, text, max_points=None))


def truncation_section(c: SharedControls, text: dict, big: bool) -> int:
    st.subheader(t("rem.trunc_title"))
    st.markdown(t("rem.trunc_intro"))
    k = window_ui(c.seq_len)
    full, cut = _probe(c, "rnn"), _probe(c, "rnn", window=k)
    names = {"rnn": t("rem.series_rnn"), "truncated": t("rem.series_trunc", k=k)}
    styles = {names["rnn"]: (MODEL_COLORS["rnn"], SOLID), names["truncated"]: (MODEL_COLORS["truncated"], DASHED)}
    _chart({names["rnn"]: full, names["truncated"]: cut}, styles, text, big, "truncation")
    st.caption(t("rem.trunc_caption", k=k, beyond=max(0, c.seq_len - k)))
    return k


def bidirectional_section(c: SharedControls, text: dict, big: bool) -> None:
    st.subheader(t("rem.bi_title"))
    bi, rnn = _probe(c, "birnn"), _probe(c, "rnn")
    names = (t("rem.series_birnn"), t("rem.series_rnn"))
    styles = {names[0]: (MODEL_COLORS["birnn"], SOLID), names[1]: (MODEL_COLORS["rnn"], DOTTED)}
    _chart(dict(zip(names, (bi, rnn), strict=True)), styles, text, big, "bidirectional")
    logs = bi.set_index("distance")["log10_grad_norm"]
    weakest = int(logs.idxmin())
    st.caption(
        t(
            "rem.bi_caption",
            weakest=weakest,
            value=pow10_label(logs.min(), t("common.zero")),
            ends=pow10_label(min(logs.iloc[0], logs.iloc[-1]), t("common.zero")),
        )
    )


def gates_section(c: SharedControls, text: dict, big: bool) -> tuple[float, float]:
    st.subheader(t("rem.gates_title"))
    st.markdown(t("rem.gates_intro"))
    forget, update = gate_bias_ui()
    lstm, gru, rnn = _probe(c, "lstm", forget_bias=forget), _probe(c, "gru", update_bias=update), _probe(c, "rnn")
    f = float(sigmoid(forget))
    cell = charts.theory_curve(lstm["distance"], lstm["distance"] * math.log10(f) + lstm["log10_grad_norm"].iloc[-1])
    names = (t("rem.series_lstm", b=forget), t("rem.series_gru", b=update), t("rem.series_rnn"), t("rem.series_cell"))
    styles = {
        names[0]: (MODEL_COLORS["lstm"], SOLID),
        names[1]: (MODEL_COLORS["gru"], SOLID),
        names[2]: (MODEL_COLORS["rnn"], SOLID),
        names[3]: (MODEL_COLORS["lstm"], DOTTED),
    }
    curves = dict(zip(names, (lstm, gru, rnn, cell), strict=True))
    _chart(curves, styles, text, big, "gates", anchors=names[:3])
    horizon = 1.0 / (1.0 - f) if f < 1 else math.inf
    st.caption(
        t(
            "rem.gates_caption",
            b=forget,
            f=f"{f:.3f}",
            horizon=f"{horizon:.3g}",
            T=c.seq_len,
            lstm=_ratio(lstm),
            gru=_ratio(gru),
            rnn=_ratio(rnn),
        )
    )
    return forget, update


@st.fragment  # the threshold slider reruns this section only: nothing else depends on θ
def clipping_section(c: SharedControls, text: dict, big: bool) -> None:
    st.subheader(t("rem.clip_title"))
    st.markdown(t("rem.clip_intro"))
    theta = clip_ui()
    table = cached.clipping(theta, c.seq_len, c.hidden_size, c.seed)
    chart_ui(charts.clipping_chart(table, c.weight_scale, text, big), "clipping", data=table)
    row = table.iloc[(table["weight_scale"] - c.weight_scale).abs().argmin()]
    m = st.columns(3)
    m[0].metric(t("rem.metric_raw"), pow10_label(row["log10_total"], t("common.zero")))
    m[1].metric(t("rem.metric_clipped"), pow10_label(row["log10_total_clipped"], t("common.zero")))
    m[2].metric(t("rem.metric_share"), pow10_label(row["log10_first_over_last"], t("common.zero")))
    st.caption(t("rem.clip_caption", T=c.seq_len, rho=f"{row['weight_scale']:.2f}", theta=f"{theta:g}"))


def combined_section(c: SharedControls, k: int, forget: float, update: float, text: dict, big: bool) -> None:
    st.subheader(t("rem.all_title"))
    runs = {
        "rnn": (t("rem.series_rnn"), _probe(c, "rnn")),
        "truncated": (t("rem.series_trunc", k=k), _probe(c, "rnn", window=k)),
        "birnn": (t("rem.series_birnn"), _probe(c, "birnn")),
        "lstm": (t("rem.series_lstm", b=forget), _probe(c, "lstm", forget_bias=forget)),
        "gru": (t("rem.series_gru", b=update), _probe(c, "gru", update_bias=update)),
    }
    styles = {name: (MODEL_COLORS[key], DASHED if key == "truncated" else SOLID) for key, (name, _) in runs.items()}
    _chart(dict(runs.values()), styles, text, big, "all-remedies")
    st.caption(t("rem.all_caption", T=c.seq_len))
