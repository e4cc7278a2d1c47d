"""The Remedies page's sections, shown one at a time: truncation, the bidirectional RNN, the
gates, clipping, and all of them on the same axes.

Every curve comes from the same probe (core.probe via dashboard.cached), so all of them are
comparable: the tanh RNN with orthogonal W is the reference in every section.  Each section's
chart and caption are built once per setting and language and shared (figure.memo); the curves
behind a CSV are rebuilt from the cached probes only when the download is clicked.

The page draws the chosen section's frame once (`places_ui`: heading, text, download row,
places) and one fragment, the controls, fills its places (dashboard/slots.py): a slider move
re-sends the controls and one chart, not the five charts of a page showing every section.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import streamlit as st

from core.models.gates import sigmoid
from core.theory import STABLE_DECADES, verdict

from . import cached, charts
from .charts import DASHED, DOTTED, MODEL_COLORS, SOLID, Style, pow10_label
from .controls import RemedyControls, SharedControls, view_ui
from .figure import Figure, Section, memo
from .frame import presenter
from .i18n import chart_labels, t
from .slots import ChartSlot

SECTIONS = ("truncation", "bidirectional", "gates", "clipping", "all")  # codes; labels are rem.section_<code>
USES = {  # the remedy controls each section's charts depend on (the others are not drawn)
    "truncation": frozenset({"window"}),
    "bidirectional": frozenset(),
    "gates": frozenset({"forget", "update"}),
    "clipping": frozenset({"theta"}),
    "all": frozenset({"window", "forget", "update"}),
}
TEXTS = {  # (heading, text over the chart) of each section
    "truncation": ("rem.trunc_title", "rem.trunc_intro"),
    "bidirectional": ("rem.bi_title", None),
    "gates": ("rem.gates_title", "rem.gates_intro"),
    "clipping": ("rem.clip_title", "rem.clip_intro"),
    "all": ("rem.all_title", None),
}
CHART_NAMES = {"all": "all-remedies"}  # file names of the downloads; otherwise the section's code


def section_ui() -> str:
    """Which remedy the page shows, one at a time under the controls (Reset keeps it)."""
    return view_ui(t("rem.section"), {code: t(f"rem.section_{code}") for code in SECTIONS}, key="remedy")


@dataclass(frozen=True)
class RemediesPlaces:
    """One section's frame (see dashboard/slots.py): its heading and text, drawn once, and the
    places the controls' fragment fills."""

    section: str
    chart: ChartSlot
    clip_metrics: tuple = ()  # three st.empty, in the clipping section
    clip_caption: object = None  # st.empty, in the clipping section


def places_ui(section: str) -> RemediesPlaces:
    """The section's heading, text, download row and places."""
    heading, text = TEXTS[section]
    st.subheader(t(heading))
    if text and not presenter():
        st.markdown(t(text))
    name = CHART_NAMES.get(section, section)
    if section != "clipping":
        places = RemediesPlaces(section, ChartSlot(name, title=t(heading)))
    else:
        chart = ChartSlot(name, caption=False, title=t(heading))
        places = RemediesPlaces(section, chart, tuple(column.empty() for column in st.columns(3)), st.empty())
    if text and presenter():  # under the chart, so that the chart is on the first screen
        st.markdown(t(text))
    return places


def draw(p: RemediesPlaces, c: SharedControls, r: RemedyControls, style: Style) -> None:
    """The section's chart (and numbers) for the shared controls `c` and the remedy controls `r`."""
    if p.section == "truncation":
        draw_truncation(p, c, r.window, style)
    elif p.section == "bidirectional":
        draw_bidirectional(p, c, style)
    elif p.section == "gates":
        draw_gates(p, c, r.forget, r.update, style)
    elif p.section == "clipping":
        draw_clipping(p, c, r.theta, style)
    else:
        draw_combined(p, c, r.window, r.forget, r.update, style)


def _probe(c: SharedControls, model: str, window: int = 0, **options):
    return cached.probe(
        model, c.seq_len, c.seed, window=window, hidden_size=c.hidden_size, weight_scale=c.weight_scale, **options
    )


def _ratio(frame) -> str:
    """The first word's gradient over the last word's, as 10^x (0 when cut off)."""
    return pow10_label(verdict(frame).log10_ratio, t("common.zero"))


def _figure(curves: dict, styles: dict, style: Style, anchors=None) -> Figure:
    """Probe tables (or ready curves) as one curves chart."""
    curves, text = charts.as_curves(curves), chart_labels()
    return charts.curves_chart(charts.curves_data(curves, text), text, styles, anchors or list(curves), style)


def _draw(slot: ChartSlot, section: Section, curves) -> None:
    """A section's chart and caption in its place (the CSV keeps every point of `curves()`)."""
    slot.draw(
        section.figure,
        lambda: charts.curves_table(curves(), chart_labels()),
        section.caption,
    )


def truncation_curves(c: SharedControls, k: int) -> dict:
    return {t("rem.series_rnn"): _probe(c, "rnn"), t("rem.series_trunc", k=k): _probe(c, "rnn", window=k)}


@functools.partial(memo, max_entries=64)
def _truncation(c: SharedControls, k: int, style: Style) -> Section:
    names = list(truncation_curves(c, k))
    styles = {names[0]: (MODEL_COLORS["rnn"], SOLID), names[1]: (MODEL_COLORS["truncated"], DASHED)}
    caption = t("rem.trunc_caption", k=k, beyond=max(0, c.seq_len - k))
    return Section(_figure(truncation_curves(c, k), styles, style), caption)


def draw_truncation(p: RemediesPlaces, c: SharedControls, k: int, style: Style) -> None:
    _draw(p.chart, _truncation(c, k, style), lambda: truncation_curves(c, k))


def bidirectional_curves(c: SharedControls) -> dict:
    return {t("rem.series_birnn"): _probe(c, "birnn"), t("rem.series_rnn"): _probe(c, "rnn")}


@functools.partial(memo, max_entries=64)
def _bidirectional(c: SharedControls, style: Style) -> Section:
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
    return Section(_figure(curves, styles, style), caption)


def draw_bidirectional(p: RemediesPlaces, c: SharedControls, style: Style) -> None:
    _draw(p.chart, _bidirectional(c, style), lambda: bidirectional_curves(c))


def gate_curves(c: SharedControls, forget: float, update: float) -> dict:
    """LSTM, GRU and RNN probes, and the LSTM's cell-path line f^d (f = σ(b_f)) from its last word."""
    lstm, gru, rnn = _probe(c, "lstm", forget_bias=forget), _probe(c, "gru", update_bias=update), _probe(c, "rnn")
    f = float(sigmoid(forget))
    cell = charts.theory_curve(lstm["distance"], lstm["distance"] * math.log10(f) + lstm["log10_grad_norm"].iloc[-1])
    names = (t("rem.series_lstm", b=forget), t("rem.series_gru", b=update), t("rem.series_rnn"), t("rem.series_cell"))
    return dict(zip(names, (lstm, gru, rnn, cell), strict=True))


@functools.partial(memo, max_entries=64)
def _gates(c: SharedControls, forget: float, update: float, style: Style) -> Section:
    curves = gate_curves(c, forget, update)
    names = list(curves)
    styles = {
        names[0]: (MODEL_COLORS["lstm"], SOLID),
        names[1]: (MODEL_COLORS["gru"], SOLID),
        names[2]: (MODEL_COLORS["rnn"], SOLID),
        names[3]: (MODEL_COLORS["lstm"], DOTTED),
    }
    caption = gates_caption(c.seq_len, forget, *(curves[name] for name in names))
    return Section(_figure(curves, styles, style, anchors=names[:3]), caption)


def gates_caption(seq_len: int, forget: float, lstm, gru, rnn, _cell=None) -> str:
    """The gates' caption: the horizon σ(b_f) alone would give, the measured first-word ratios beside
    the dotted line's, and what the LSTM's own curve does at this setting (from its verdict)."""
    f = float(sigmoid(forget))
    horizon = 1.0 / (1.0 - f) if f < 1 else math.inf
    measured = verdict(lstm)
    text = t(
        "rem.gates_caption",
        b=forget,
        f=f"{f:.3f}",
        horizon=f"{horizon:.3g}",
        T=seq_len,
        lstm=_ratio(lstm),
        cell=pow10_label((seq_len - 1) * math.log10(f) if f > 0 else -math.inf, t("common.zero")),
        gru=_ratio(gru),
        rnn=_ratio(rnn),
    )
    return text + " " + t(f"rem.gates_lstm_{measured.regime}", per_step=f"{measured.per_step:.4g}")


def draw_gates(p: RemediesPlaces, c: SharedControls, forget: float, update: float, style: Style) -> None:
    _draw(p.chart, _gates(c, forget, update, style), lambda: gate_curves(c, forget, update))


def draw_clipping(p: RemediesPlaces, c: SharedControls, theta: float, style: Style) -> None:
    table = cached.clipping(theta, c.seq_len, c.hidden_size, c.seed)
    p.chart.draw(charts.clipping_chart(table, c.weight_scale, chart_labels(), style), table)
    row = table.iloc[(table["weight_scale"] - c.weight_scale).abs().argmin()]
    numbers = (row["log10_total"], row["log10_total_clipped"], row["log10_first_over_last"])
    for place, key, value in zip(p.clip_metrics, ("raw", "clipped", "share"), numbers, strict=True):
        place.metric(t(f"rem.metric_{key}"), pow10_label(value, t("common.zero")))
    p.clip_caption.caption(clip_caption(row, c.seq_len, theta))


def _number(log10_value: float) -> str:
    """10^x as a plain number where that reads well (0.001 to 9999, four digits: a norm of 1.001 is
    not "1" beside θ = 1), else as 10^x."""
    if math.isfinite(log10_value) and -3 <= log10_value < 4:
        return f"{10**log10_value:.4g}"
    return pow10_label(log10_value, t("common.zero"))


def clip_caption(row, seq_len: int, theta: float) -> str:
    """The clipping caption for the weight scale nearest the current one (a row of cached.clipping):
    whether clipping acts there, what it does to the first word, and the share it never changes."""
    zero = t("common.zero")
    text = t("rem.clip_caption", T=seq_len, rho=f"{row['weight_scale']:.2f}")
    raw, clipped = row["log10_total"], row["log10_total_clipped"]
    if clipped < raw:
        share = row["log10_first_over_last"]
        side = "exploding" if share > STABLE_DECADES else "vanishing" if share < -STABLE_DECADES else "stable"
        text += " " + t(
            f"rem.clip_active_{side}",
            raw=_number(raw),
            theta=f"{theta:g}",
            factor=_number(clipped - raw),
            first=pow10_label(row["log10_first"], zero),
            first_clipped=pow10_label(row["log10_first_clipped"], zero),
        )
    else:
        text += " " + t("rem.clip_idle", raw=_number(raw), theta=f"{theta:g}")
    return text + " " + t("rem.clip_share")


def combined_curves(c: SharedControls, k: int, forget: float, update: float) -> dict:
    return {
        t("rem.series_rnn"): _probe(c, "rnn"),
        t("rem.series_trunc", k=k): _probe(c, "rnn", window=k),
        t("rem.series_birnn"): _probe(c, "birnn"),
        t("rem.series_lstm", b=forget): _probe(c, "lstm", forget_bias=forget),
        t("rem.series_gru", b=update): _probe(c, "gru", update_bias=update),
    }


@functools.partial(memo, max_entries=64)
def _combined(c: SharedControls, k: int, forget: float, update: float, style: Style) -> Section:
    curves = combined_curves(c, k, forget, update)
    keys = ("rnn", "truncated", "birnn", "lstm", "gru")
    styles = {
        name: (MODEL_COLORS[key], DASHED if key == "truncated" else SOLID)
        for key, name in zip(keys, curves, strict=True)
    }
    return Section(_figure(curves, styles, style), t("rem.all_caption", T=c.seq_len))


def draw_combined(p: RemediesPlaces, c: SharedControls, k: int, forget: float, update: float, style: Style) -> None:
    section = _combined(c, k, forget, update, style)
    _draw(p.chart, section, lambda: combined_curves(c, k, forget, update))
