"""The Remedies page's sections: each draws its own controls, chart and caption.

Every curve comes from the same probe (core.probe via dashboard.cached), so all of them are
comparable: the tanh RNN with orthogonal W is the reference in every section.  Each section's
chart and caption are built once per setting and language and shared (figure.memo); the curves
behind a CSV are rebuilt from the cached probes only when the download is clicked.

The page draws its frame once (`places_ui`: headings, texts, download rows, places) and three
fragments fill the places (dashboard/slots.py): the shared controls and the truncation window
(whose range is 1..T) redraw every chart; the gate biases and the clipping threshold only the
charts that use them.  `state()` holds each control's latest value for the fragments that do not
draw it.
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
from .controls import SharedControls
from .figure import Figure, memo
from .i18n import chart_labels, language, speaks, t
from .slots import ChartSlot

MODEL_COLORS = {"rnn": "#1f5fbf", "truncated": "#7c3aed", "birnn": "#059669", "lstm": "#e07b00", "gru": "#dc2626"}
STATE_KEY = "_remedies"  # session state: the latest value of each control, for the fragments that do not draw it


def truncation_intro_ui() -> None:
    """The truncation section's heading and text (over its window slider)."""
    st.subheader(t("rem.trunc_title"))
    st.markdown(t("rem.trunc_intro"))


def state() -> dict:
    """This visitor's latest controls: `c` (SharedControls), window, forget, update, theta, each
    set by the fragment that draws it."""
    return st.session_state.setdefault(STATE_KEY, {})


@dataclass(frozen=True)
class RemediesPlaces:
    """The page's frame (see dashboard/slots.py): boxes for the section controls, chart places."""

    truncation: ChartSlot
    bidirectional: ChartSlot
    gates_box: object  # the two gate biases
    gates: ChartSlot
    clip_box: object  # the clipping threshold
    clipping: ChartSlot
    clip_metrics: tuple  # three st.empty
    clip_caption: object  # st.empty
    combined: ChartSlot

    def reserve_sections(self) -> None:
        """Write empty the places that the gates' and the threshold's fragments draw in a full run."""
        for slot in (self.gates, self.clipping, self.combined):
            slot.reserve()
        for place in (*self.clip_metrics, self.clip_caption):
            place.empty()


def places_ui() -> RemediesPlaces:
    """Headings, texts, download rows and the places the fragments fill, in the page's order, from
    the truncation chart on (its heading and window slider are the shared controls' fragment's)."""
    truncation = ChartSlot("truncation")
    st.subheader(t("rem.bi_title"))
    bidirectional = ChartSlot("bidirectional")
    st.subheader(t("rem.gates_title"))
    st.markdown(t("rem.gates_intro"))
    gates_box, gates = st.container(), ChartSlot("gates")
    st.subheader(t("rem.clip_title"))
    st.markdown(t("rem.clip_intro"))
    clip_box, clipping = st.container(), ChartSlot("clipping", caption=False)
    clip_metrics, clip_caption = tuple(column.empty() for column in st.columns(3)), st.empty()
    st.subheader(t("rem.all_title"))
    combined = ChartSlot("all-remedies")
    clip = (clip_box, clipping, clip_metrics, clip_caption)
    return RemediesPlaces(truncation, bidirectional, gates_box, gates, *clip, combined)


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


def _draw(slot: ChartSlot, section: Section, curves) -> None:
    """A section's chart and caption in its place (the CSV keeps every point of `curves()`)."""
    slot.draw(
        section.figure, lambda: charts.curves_data(charts.as_curves(curves()), chart_labels(), None), section.caption
    )


def truncation_curves(c: SharedControls, k: int) -> dict:
    return {t("rem.series_rnn"): _probe(c, "rnn"), t("rem.series_trunc", k=k): _probe(c, "rnn", window=k)}


@functools.partial(memo, max_entries=64)
@speaks
def _truncation(c: SharedControls, k: int, lang: str, big: bool) -> Section:
    names = list(truncation_curves(c, k))
    styles = {names[0]: (MODEL_COLORS["rnn"], SOLID), names[1]: (MODEL_COLORS["truncated"], DASHED)}
    caption = t("rem.trunc_caption", k=k, beyond=max(0, c.seq_len - k))
    return Section(_figure(truncation_curves(c, k), styles, big), caption)


def draw_truncation(p: RemediesPlaces, c: SharedControls, k: int, big: bool) -> None:
    _draw(p.truncation, _truncation(c, k, language(), big), lambda: truncation_curves(c, k))


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


def draw_bidirectional(p: RemediesPlaces, c: SharedControls, big: bool) -> None:
    _draw(p.bidirectional, _bidirectional(c, language(), big), lambda: bidirectional_curves(c))


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


def draw_gates(p: RemediesPlaces, c: SharedControls, forget: float, update: float, big: bool) -> None:
    _draw(p.gates, _gates(c, forget, update, language(), big), lambda: gate_curves(c, forget, update))


def draw_clipping(p: RemediesPlaces, c: SharedControls, theta: float, big: bool) -> None:
    table = cached.clipping(theta, c.seq_len, c.hidden_size, c.seed)
    p.clipping.draw(charts.clipping_chart(table, c.weight_scale, chart_labels(), big), table)
    row = table.iloc[(table["weight_scale"] - c.weight_scale).abs().argmin()]
    numbers = (row["log10_total"], row["log10_total_clipped"], row["log10_first_over_last"])
    for place, key, value in zip(p.clip_metrics, ("raw", "clipped", "share"), numbers, strict=True):
        place.metric(t(f"rem.metric_{key}"), pow10_label(value, t("common.zero")))
    p.clip_caption.caption(t("rem.clip_caption", T=c.seq_len, rho=f"{row['weight_scale']:.2f}", theta=f"{theta:g}"))


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


def draw_combined(p: RemediesPlaces, c: SharedControls, k: int, forget: float, update: float, big: bool) -> None:
    section = _combined(c, k, forget, update, language(), big)
    _draw(p.combined, section, lambda: combined_curves(c, k, forget, update))
