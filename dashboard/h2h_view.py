"""The Head to head page's sections: every model on one chart, and Vaswani's Table 1 measured."""

from __future__ import annotations

import functools
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from core.complexity import FIT_FROM, LAYER_KINDS, PAPER, TABLE_NS, TIMING_NS

from . import cached
from .charts.curves import as_curves, curves_chart, curves_data, curves_table
from .charts.lines import timing_chart
from .charts.style import DASHED, MODEL_COLORS, SOLID, Style, pow10_label
from .controls import SharedControls, shared_controls_ui
from .figure import Figure, memo
from .i18n import chart_labels, t
from .lab import Chart, Section
from .url import bound

TIMINGS_CSV = cached.DATA / "timings.csv"  # made by `python -m core timings`
LIVE_KEY = "h2h_live_timings"  # session state: this visitor asked for timings measured now, on this server
KIND_KEYS = {
    "recurrent": "recurrent",
    "self-attention": "attention",
    "restricted self-attention": "restricted",
    "convolutional": "conv",
    "linear recurrence (scan)": "scan",
}
R, K = 32, 3  # restriction and kernel size for the table


def all_model_curves(c: SharedControls, window: int) -> tuple[dict, dict]:
    """Every model's probe on the same footing: ({series: probe table}, {series: (colour, dash)})."""
    runs = {
        t("rem.series_rnn"): ("rnn", {"weight_scale": c.weight_scale}, MODEL_COLORS["rnn"], SOLID),
        t("h2h.series_lstm"): ("lstm", {"weight_scale": c.weight_scale}, MODEL_COLORS["lstm"], SOLID),
        t("h2h.series_gru"): ("gru", {"weight_scale": c.weight_scale}, MODEL_COLORS["gru"], SOLID),
        t("rem.series_birnn"): ("birnn", {"weight_scale": c.weight_scale}, MODEL_COLORS["birnn"], SOLID),
        t("att.series_transformer"): ("transformer", {}, MODEL_COLORS["transformer"], SOLID),
        t("h2h.series_restricted", k=window): ("transformer", {"window": window}, MODEL_COLORS["restricted"], DASHED),
        t("cb.series_lru"): ("lru", {}, MODEL_COLORS["lru"], SOLID),  # at its paper's ring, 0.9 ≤ |λ| ≤ 0.999
        t("cb.series_mingru"): ("mingru", {}, MODEL_COLORS["mingru"], SOLID),  # keeping σ(3) = 0.95 a step
    }
    frames = {
        name: cached.probe(model, c.seq_len, c.seed, hidden_size=c.hidden_size, **options)
        for name, (model, options, _, _) in runs.items()
    }
    return frames, {name: (color, dash) for name, (_, _, color, dash) in runs.items()}


def _all_models_table(c: SharedControls, window: int) -> pd.DataFrame:
    return curves_table(all_model_curves(c, window)[0], chart_labels())


@functools.partial(memo, max_entries=64)
def _all_models(c: SharedControls, window: int, style: Style) -> Section:
    frames, styles = all_model_curves(c, window)
    text, curves = chart_labels(), as_curves(frames)
    figure = curves_chart(curves_data(curves, text), text, styles, list(curves), style)
    far = {name: pow10_label(frame["log10_grad_norm"].iloc[0], t("common.zero")) for name, frame in frames.items()}
    summary = " · ".join(f"{name}: {value}" for name, value in far.items())
    caption = t("h2h.all_caption", T=c.seq_len, reach=2 * (window - 1)) + " " + summary
    return Section(figure, caption, functools.partial(_all_models_table, c, window))


@dataclass(frozen=True)
class AllModelsControls:
    shared: SharedControls
    window: int = 8  # the restricted Transformer's window K


def all_models_controls_ui() -> AllModelsControls:
    """The shared controls and the restricted Transformer's window."""
    shared = shared_controls_ui()
    window = int(st.slider(t("h2h.window"), 2, 64, 8, **bound("h2h_window", 8), help=t("h2h.window_help")))
    return AllModelsControls(shared, window)


ALL_MODELS = [Chart("all-models", lambda c, style: _all_models(c.shared, c.window, style), title="h2h.all_title")]


def _timings_and_source() -> tuple[pd.DataFrame, dict, bool]:
    """(timings, what they were measured on, measured now?): the shipped ones unless this visitor asked."""
    if st.session_state.get(LIVE_KEY):
        return *cached.timings_now(TIMING_NS, R, K), True
    return *cached.shipped_timings(TIMINGS_CSV.stat().st_mtime), False


def _timings() -> pd.DataFrame:
    return _timings_and_source()[0]


def table_section() -> None:
    """Vaswani et al.'s Table 1 with each cell measured at the chosen n (its own slider reruns it alone)."""
    st.subheader(t("h2h.table_title"))
    n = int(st.select_slider(t("h2h.n"), TABLE_NS, 256, **bound("h2h_n", 256)))
    timings, paths = _timings(), cached.path_lengths(n, K, R)
    slopes, spread = cached.fitted_slopes(timings, FIT_FROM), cached.slope_range(timings, FIT_FROM)
    rows = []
    for kind in LAYER_KINDS:
        complexity, sequential, path = PAPER[kind]
        rows.append(
            {
                t("h2h.col_layer"): t(f"h2h.kind_{KIND_KEYS[kind]}"),
                t(
                    "h2h.col_complexity"
                ): f"{complexity} · n^{slopes[kind]:.2f} ({spread[kind][0]:.2f}–{spread[kind][1]:.2f})",
                t("h2h.col_seq"): f"{sequential} · {cached.sequential_operations(kind, n)}",
                t("h2h.col_path"): f"{path} · {paths[kind]}",
            }
        )
    # a plain table: four rows need no grid, and a grid redraws its cells well after the run ends
    st.table(pd.DataFrame(rows).set_index(t("h2h.col_layer")))
    runs = int(timings["run"].nunique()) if "run" in timings else 1
    st.caption(t("h2h.table_caption", n=n, r=R, k=K, n_lo=FIT_FROM, n_hi=TIMING_NS[-1], runs=runs))


@functools.partial(memo, max_entries=8)
def _timing_figure(style: Style, measured: str) -> Figure:
    """Measured time per layer against n, from the timings `measured` names (their date; built once per
    measurement and language)."""
    timings = cached.fastest(_timings())
    slopes = cached.fitted_slopes(timings, FIT_FROM)
    label = {kind: f"{t(f'h2h.kind_{KIND_KEYS[kind]}')} (n^{slopes[kind]:.2f})" for kind in LAYER_KINDS}
    data = timings.assign(layer=timings["kind"].map(label), ms=timings["seconds"] * 1000)
    labels = {"axis_n": t("h2h.axis_n"), "axis_time": t("h2h.axis_time")}
    return Figure.from_altair(timing_chart(data, [label[k] for k in LAYER_KINDS], labels, style))


def timing_section(_value, style: Style) -> Section:
    timings, source, live = _timings_and_source()
    if live:
        where = t("h2h.timings_live", date=source["date"], cores=source["cores"])
    else:
        where = t("h2h.timings_shipped", date=source["date"], processor=source["processor"], cores=source["cores"])
    figure = _timing_figure(style, f"{live} {source['date']}")
    return Section(figure, where + "\n\n" + t("h2h.time_caption", n_lo=FIT_FROM))


TIMING = [Chart("time-per-layer", timing_section, title="h2h.timings_title")]


def remeasure_ui() -> None:
    """A button to measure the timings now, on this server (once an hour at most, whoever asks)."""
    if not st.session_state.get(LIVE_KEY) and st.button(
        t("h2h.remeasure"), help=t("h2h.remeasure_help"), key="h2h_remeasure"
    ):
        with st.spinner(t("h2h.remeasuring")):
            cached.timings_now(TIMING_NS, R, K)
        st.session_state[LIVE_KEY] = True
        st.rerun()
