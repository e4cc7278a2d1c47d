"""The Head to head page's sections: every model on one chart, and Vaswani's Table 1 measured."""

from __future__ import annotations

import functools
import json
from pathlib import Path

import altair as alt
import pandas as pd
import streamlit as st

from core.complexity import (
    FIT_FROM,
    LAYER_KINDS,
    PAPER,
    TABLE_NS,
    TIMING_NS,
    fastest,
    fitted_slopes,
    machine_description,
    max_path_length,
    sequential_operations,
    slope_range,
    time_per_layer,
)

from . import cached, charts
from .bytecache import byte_cache
from .charts import DASHED, MODEL_COLORS, SOLID, Style, pow10_label, vega_config
from .controls import SharedControls
from .defaults import bound
from .figure import Section, memo
from .i18n import chart_labels, t
from .slots import ChartSlot, chart_ui

TIMINGS_CSV = Path(__file__).resolve().parent.parent / "data" / "timings.csv"  # made by `python -m core timings`
LIVE_KEY = "h2h_live_timings"  # session state: this visitor asked for timings measured now, on this server
KIND_KEYS = {
    "recurrent": "recurrent",
    "self-attention": "attention",
    "restricted self-attention": "restricted",
    "convolutional": "conv",
}
R, K = 32, 3  # restriction and kernel size for the table
# one colour per layer kind in every language (a scale over translated names would sort them anew):
# the attention pair in reds, the recurrent and convolutional layers in blues
KIND_COLORS = {
    "recurrent": "#83c9ff",
    "self-attention": "#ff2b2b",
    "restricted self-attention": "#ffabab",
    "convolutional": "#0068c9",
}


def all_model_curves(c: SharedControls, window: int) -> tuple[dict, dict]:
    """Every model's probe on the same footing: ({series: probe table}, {series: (colour, dash)})."""
    runs = {
        t("rem.series_rnn"): ("rnn", {"weight_scale": c.weight_scale}, MODEL_COLORS["rnn"], SOLID),
        t("h2h.series_lstm"): ("lstm", {"weight_scale": c.weight_scale}, MODEL_COLORS["lstm"], SOLID),
        t("h2h.series_gru"): ("gru", {"weight_scale": c.weight_scale}, MODEL_COLORS["gru"], SOLID),
        t("rem.series_birnn"): ("birnn", {"weight_scale": c.weight_scale}, MODEL_COLORS["birnn"], SOLID),
        t("att.series_transformer"): ("transformer", {}, MODEL_COLORS["transformer"], SOLID),
        t("h2h.series_restricted", k=window): ("transformer", {"window": window}, MODEL_COLORS["restricted"], DASHED),
    }
    frames = {
        name: cached.probe(model, c.seq_len, c.seed, hidden_size=c.hidden_size, **options)
        for name, (model, options, _, _) in runs.items()
    }
    return frames, {name: (color, dash) for name, (_, _, color, dash) in runs.items()}


@functools.partial(memo, max_entries=64)
def _all_models(c: SharedControls, window: int, style: Style) -> Section:
    frames, styles = all_model_curves(c, window)
    text, curves = chart_labels(), charts.as_curves(frames)
    figure = charts.curves_chart(charts.curves_data(curves, text), text, styles, list(curves), style)
    far = {name: pow10_label(frame["log10_grad_norm"].iloc[0], t("common.zero")) for name, frame in frames.items()}
    summary = " · ".join(f"{name}: {value}" for name, value in far.items())
    return Section(figure, t("h2h.all_caption", T=c.seq_len, reach=2 * (window - 1)) + " " + summary)


def all_models_place() -> ChartSlot:
    """The all-models chart's place, download row and caption place (drawn once: dashboard/slots.py)."""
    return ChartSlot("all-models", title=t("h2h.all_title"))


def all_models_section(c: SharedControls, place: ChartSlot, style: Style) -> None:
    """The section's heading and window slider, then its chart and caption in `place`."""
    st.subheader(t("h2h.all_title"))
    window = int(st.slider(t("h2h.window"), 2, 64, 8, **bound("h2h_window", 8), help=t("h2h.window_help")))
    section = _all_models(c, window, style)

    def csv():  # every point of every model, built only when the download is clicked
        return charts.curves_table(all_model_curves(c, window)[0], chart_labels())

    place.draw(section.figure, csv, section.caption)


@byte_cache(max_mb=1, ttl=None)
def _shipped(mtime: float) -> tuple[pd.DataFrame, dict]:  # mtime: re-read when the file changes
    """The timings shipped in data/ and the machine and date they were measured on."""
    return pd.read_csv(TIMINGS_CSV), json.loads(TIMINGS_CSV.with_suffix(".json").read_text())


@byte_cache(max_mb=1)
def _measured_now() -> tuple[pd.DataFrame, dict]:
    """Timings measured on this server (once an hour at most, whoever asks), and when."""
    return time_per_layer(TIMING_NS, r=R, k=K, repeats=7), machine_description()


def _timings_and_source() -> tuple[pd.DataFrame, dict, bool]:
    """(timings, what they were measured on, measured now?): the shipped ones unless this visitor asked."""
    if st.session_state.get(LIVE_KEY):
        return *_measured_now(), True
    return *_shipped(TIMINGS_CSV.stat().st_mtime), False


def _timings() -> pd.DataFrame:
    return _timings_and_source()[0]


@byte_cache(max_mb=1)
def _paths(n: int) -> dict:
    return {kind: max_path_length(kind, n, K, R) for kind in LAYER_KINDS}


def table_section(style: Style) -> None:
    st.subheader(t("h2h.table_title"))
    n = int(st.select_slider(t("h2h.n"), TABLE_NS, 256, **bound("h2h_n", 256)))
    timings, paths = _timings(), _paths(n)
    slopes, spread = fitted_slopes(timings, FIT_FROM), slope_range(timings, FIT_FROM)
    rows = []
    for kind in LAYER_KINDS:
        complexity, sequential, path = PAPER[kind]
        rows.append(
            {
                t("h2h.col_layer"): t(f"h2h.kind_{KIND_KEYS[kind]}"),
                t(
                    "h2h.col_complexity"
                ): f"{complexity} · n^{slopes[kind]:.2f} ({spread[kind][0]:.2f}–{spread[kind][1]:.2f})",
                t("h2h.col_seq"): f"{sequential} · {sequential_operations(kind, n)}",
                t("h2h.col_path"): f"{path} · {paths[kind]}",
            }
        )
    # a plain table: four rows need no grid, and a grid redraws its cells well after the run ends
    st.table(pd.DataFrame(rows).set_index(t("h2h.col_layer")))
    runs = int(timings["run"].nunique()) if "run" in timings else 1
    st.caption(t("h2h.table_caption", n=n, r=R, k=K, n_lo=FIT_FROM, n_hi=TIMING_NS[-1], runs=runs))


@functools.partial(memo, max_entries=8)
def _timing_figure(style: Style, measured: str) -> alt.Chart:
    """Measured time per layer against n, from the timings `measured` names (their date; built once per
    measurement and language)."""
    timings = fastest(_timings())
    slopes = fitted_slopes(timings, FIT_FROM)
    label = {kind: f"{t(f'h2h.kind_{KIND_KEYS[kind]}')} (n^{slopes[kind]:.2f})" for kind in LAYER_KINDS}
    data = timings.assign(layer=timings["kind"].map(label), ms=timings["seconds"] * 1000)
    return (
        alt.Chart(data)
        .mark_line(point=True, strokeWidth=style.secondary_line_width)
        .encode(
            x=alt.X("n:Q", title=t("h2h.axis_n"), scale=alt.Scale(type="log", base=2)),
            y=alt.Y("ms:Q", title=t("h2h.axis_time"), scale=alt.Scale(type="log")),
            color=alt.Color(
                "layer:N",
                title=None,
                scale=alt.Scale(domain=[label[k] for k in LAYER_KINDS], range=[KIND_COLORS[k] for k in LAYER_KINDS]),
            ),
            tooltip=[alt.Tooltip("layer:N"), alt.Tooltip("n:Q"), alt.Tooltip("ms:Q", format=".3f")],
        )
        .properties(height=360, config=vega_config(style))
    )


def timing_section(style: Style) -> None:
    """The measured times behind the table's complexity column, with what they were measured on, and a
    button to measure them now, on this server (no slider changes them)."""
    timings, source, live = _timings_and_source()
    chart_ui(_timing_figure(style, f"{live} {source['date']}"), "time-per-layer", title=t("h2h.table_title"))
    if live:
        st.caption(t("h2h.timings_live", date=source["date"], cores=source["cores"]))
    else:
        st.caption(t("h2h.timings_shipped", date=source["date"], processor=source["processor"], cores=source["cores"]))
    st.caption(t("h2h.time_caption", n_lo=FIT_FROM))
    if not live and st.button(t("h2h.remeasure"), help=t("h2h.remeasure_help"), key="h2h_remeasure"):
        with st.spinner(t("h2h.remeasuring")):
            _measured_now()
        st.session_state[LIVE_KEY] = True
        st.rerun()
