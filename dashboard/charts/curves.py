"""Curves against distance: the probe's log10 gradient for any number of models on one chart, the
RNN lab's measured curve with its theory lines, clipping across weight scales, and the readout's
attention.  The data-shaping helpers (`*_data`) are pure, so tests can check what a chart will draw
(every point finite, "no path" rows marked) without a browser."""

from __future__ import annotations

import math

import altair as alt
import numpy as np
import pandas as pd
import pyarrow as pa

from ..figure import Figure, finite, template
from .geometry import clip_to_box, simplify, y_domain
from .style import COLORS, DASHED, DOTTED, FREE, SCREEN, SOLID, Style, pow10_labels, vega_config

MAX_POINTS = 800  # points per line sent to the browser; both ends always kept
TIP_POINTS = 100  # hover points per series, evenly spaced over its points: each redraw evaluates every point's tooltip


def _thin(distance: np.ndarray, log10: np.ndarray, max_points: int | None) -> tuple[np.ndarray, np.ndarray]:
    """The curve sorted by distance, at most `max_points` evenly spaced points, both ends kept."""
    order = np.argsort(distance, kind="stable")
    if max_points is not None and len(order) > max_points:
        order = order[np.unique(np.linspace(0, len(order) - 1, max_points).round().astype(int))]
    return distance[order], log10[order]


def curves_data(curves: dict, labels: dict, max_points: int | None = MAX_POINTS, text: bool = False) -> pd.DataFrame:
    """Long table for a curves chart: distance, log10, series, kind, and with `text` value, the
    CSV's text (a chart draws the numbers, so its own build goes without).

    curves maps a series name to a frame with columns distance and log10, or to a (distance,
    log10) pair of arrays; each is sorted by distance here.  kind is "line" for finite points and
    "no_path" for exactly-zero gradients (log10 = -inf), which the chart draws as a band at the
    bottom instead of dropping them silently; other non-finite points (NaN, +inf) are left out.
    """
    names, distances, logs = [], [], []
    for name, curve in curves.items():
        distance, log10 = (curve["distance"], curve["log10"]) if isinstance(curve, pd.DataFrame) else curve
        x, y = _thin(np.asarray(distance), np.asarray(log10, dtype=float), max_points)
        keep = np.isfinite(y) | np.isneginf(y)
        names.append(np.full(int(keep.sum()), name, dtype=object))
        distances.append(x[keep])
        logs.append(y[keep])
    log10 = np.concatenate(logs) if logs else np.array([], dtype=float)
    columns = {
        "distance": np.concatenate(distances) if distances else np.array([], dtype=float),
        "log10": log10,
        "series": np.concatenate(names) if names else np.array([], dtype=object),
        "kind": np.where(np.isneginf(log10), "no_path", "line").astype(object),
    }
    if text:
        columns["value"] = pow10_labels(log10, labels["no_path"])
    return pd.DataFrame(columns)


def probe_curve(probe: pd.DataFrame) -> pd.DataFrame:
    """A probe table as a curve: distance, log10."""
    return pd.DataFrame({"distance": probe["distance"], "log10": probe["log10_grad_norm"]})


def as_curves(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Series name -> curve: probe tables become curves (probe_curve), ready curves stay."""
    return {name: probe_curve(f) if "log10_grad_norm" in f else f for name, f in tables.items()}


def curves_table(tables: dict[str, pd.DataFrame], labels: dict) -> pd.DataFrame:
    """A curves chart's CSV: every point of every series (probe tables or curves, see as_curves),
    unthinned, with its value as text."""
    return curves_data(as_curves(tables), labels, None, text=True)


def _finite(distance, log10_values) -> tuple[np.ndarray, np.ndarray]:
    """The (distance, log10) points whose value is finite."""
    distance, log10 = np.asarray(distance), np.asarray(log10_values, dtype=float)
    keep = np.isfinite(log10)
    return distance[keep], log10[keep]


def theory_curve(distance, log10_values) -> pd.DataFrame:
    """A theory line as a curve; -inf values (ρ = 0 past d = 0) are left out: the line stops."""
    distance, log10 = _finite(distance, log10_values)
    return pd.DataFrame({"distance": distance, "log10": log10})


def gradient_chart_data(
    probe: pd.DataFrame, theory: pd.DataFrame, labels: dict, max_points: int = MAX_POINTS
) -> pd.DataFrame:
    """The RNN lab's curves: measured, the ρ^d line and Pascanu's bound (theory lines stop where
    they are -inf, see theory_curve)."""
    distance = theory["distance"].to_numpy()
    curves = {
        labels["measured"]: (probe["distance"].to_numpy(), probe["log10_grad_norm"].to_numpy()),
        labels["rho"]: _finite(distance, theory["rho_line"].to_numpy()),
        labels["bound"]: _finite(distance, theory["bound_line"].to_numpy()),
    }
    return curves_data(curves, labels, max_points)


LEGEND_ROW = 4  # series a curves chart's legend lists in one row; more take two rows (narrow presenter columns)


@template
def _curves_template(
    labels: dict, colors: tuple, dashes: tuple, style: Style, height: int, log_x: bool = False
) -> alt.LayerChart:
    """The curves chart's spec: the i-th series' colour and dash, but no series name, so a slider
    that renames a series (a window K, a gate bias) changes only the tables, and the browser swaps
    them into the drawn chart instead of compiling it anew.  The scales' domain is the data's
    `key` ("00 name"), sorted: the "_styles" table, first layer, holds every key, so the i-th key
    always meets the i-th colour and dash even when a series draws nothing; the legend shows the
    name alone."""
    columns = len(colors) if len(colors) <= LEGEND_ROW else math.ceil(len(colors) / 2)  # two rows, not one cut off
    legend = alt.Legend(
        symbolType="stroke", symbolStrokeWidth=3, symbolSize=400, symbolOpacity=1, labelExpr=_UNKEY, columns=columns
    )
    color = alt.Color("key:N", title=None, scale=alt.Scale(range=list(colors)), legend=legend)
    dash = alt.StrokeDash("key:N", title=None, scale=alt.Scale(range=[list(d) for d in dashes]), legend=legend)
    styles = alt.Chart(alt.NamedData("_styles")).mark_line(opacity=0).encode(color=color, strokeDash=dash)
    x_scale = alt.Scale(type="log", base=2, nice=False) if log_x else FREE
    x = alt.X("distance:Q", title=labels["axis_distance"], scale=x_scale)
    title = labels["axis_log10"]
    tooltip = [
        alt.Tooltip("series:N", title=labels["series"]),
        alt.Tooltip("distance:Q", title=labels["axis_distance"], format=",.4~f"),
        alt.Tooltip("log10:Q", title=title, format=".2f"),  # the number itself; no text column to send
    ]
    y = alt.Y("log10:Q", title=title, scale=FREE)
    # Each redraw evaluates every point's expressions in Streamlit's expression interpreter, so the lines carry
    # only what draws them: no tooltip (a line's tooltip names one of its points, not the one under the
    # pointer; hovering reads the "_tips" points, at most TIP_POINTS a series), one validity filter, and no
    # per-row parse (`finite`).
    lines = (
        alt.Chart(finite("lines"))
        .mark_line(strokeWidth=style.line_width, invalid="filter")
        .encode(x=x, y=y, color=color, strokeDash=dash, detail=alt.Detail("part:N"))
    )
    tips = (  # invisible, for hover tooltips
        alt.Chart(finite("_tips")).mark_point(size=30, opacity=0, invalid="filter").encode(x=x, y=y, tooltip=tooltip)
    )
    band = (
        alt.Chart(alt.NamedData("no_path"))
        .mark_tick(thickness=2, size=10, opacity=0.8)
        .encode(
            x=x,
            y=alt.Y("y:Q", title=title, scale=FREE),
            color=color,
            strokeDash=dash,  # a filled tick has no stroke to dash: this only keeps the two legends one
            tooltip=[
                alt.Tooltip("series:N", title=labels["series"]),
                alt.Tooltip("distance:Q", title=labels["axis_distance"]),
                alt.Tooltip("label:N", title=" "),
            ],
        )
    )
    extent = alt.Chart(finite("_extent")).mark_point(opacity=0).encode(y=alt.Y("log10:Q", title=title))
    return alt.layer(styles, band, lines, tips, extent, height=height, config=vega_config(style))


_KEY_DIGITS = 2  # a series' key is its rank, zero-padded, a space and its name: "00 measured"


_UNKEY = f"substring(datum.label, {_KEY_DIGITS + 1})"  # the legend shows the name alone


def _keys(names: np.ndarray, order: list) -> np.ndarray:
    """Each series name's key: rank in `order`, then the name, so that sorting keys sorts by rank."""
    rank = {name: f"{i:0{_KEY_DIGITS}d} {name}" for i, name in enumerate(order)}
    return np.array([rank[name] for name in names], dtype=object)


def _drawn(x: np.ndarray, y: np.ndarray, run: np.ndarray, tolerance: float) -> np.ndarray:
    """The indices of the points that draw each run of a line (x as the axis spaces it) to within `tolerance`."""
    kept = [np.flatnonzero(run == r) for r in np.unique(run)]
    kept = [index[simplify(x[index], y[index], tolerance)] for index in kept]
    return np.concatenate(kept) if kept else np.array([], dtype=int)


def curves_chart(
    data: pd.DataFrame,
    labels: dict,
    styles: dict,
    anchors,
    style: Style = SCREEN,
    height: int | None = None,
    log_x: bool = False,
) -> Figure:
    """log10 gradient against distance (or another x, on a log₂ axis with `log_x`) for several named curves.

    styles maps series name -> (colour, dash), in legend order, and must name every series in
    `data`; anchors are the measured series the y range must show in full (other lines are cut
    where they leave it).  Exactly-zero gradients appear as ticks in a strip below the curves, one
    row per series that has them, so they never cover a curve.

    Each line is drawn through as few of its points as keep every other point within half a pixel of it
    (geometry.simplify): the same picture, and fewer points for the browser to handle on every redraw (a
    straight ρ^d line is two points).  Hovering reads measured points, the CSV every point."""
    if len(styles) >= 10**_KEY_DIGITS:
        raise ValueError(f"at most {10**_KEY_DIGITS - 1} series on one curves chart")
    missing = set(data["series"]) - set(styles)
    if missing:
        raise ValueError(f"series without a style: {sorted(missing)}")
    lo, hi = y_domain(data, anchors)
    order = list(styles)
    kind, series = data["kind"].to_numpy(), data["series"].to_numpy()
    distance, log10 = data["distance"].to_numpy(dtype=float), data["log10"].to_numpy(dtype=float)
    gap = kind == "no_path"
    row = np.array([order.index(n) for n in series[gap]], dtype=float)
    # the "no path" ticks get a strip of their own below the curves (a row per series that has them), so
    # they never cover a curve that runs along the bottom of the data
    rows = len(set(row.tolist()))
    strip = (0.03 + 0.035 * rows) * (hi - lo) if rows else 0.0
    height = height or style.chart_height
    half_pixel = 0.5 * (hi - lo + strip) / height  # the y axis spans lo - strip to hi
    pieces, tips = [], []  # (series, x, y, run): a line per (series, part); parts are numbered per series
    for name in dict.fromkeys(series[kind == "line"]):
        pick = (kind == "line") & (series == name)
        by_distance = np.argsort(distance[pick], kind="stable")
        x, y = distance[pick][by_distance], log10[pick][by_distance]
        inside = np.flatnonzero((y >= lo) & (y <= hi))  # hover reads measured points, not where a line is cut
        tip = inside[np.unique(np.linspace(0, len(inside) - 1, min(len(inside), TIP_POINTS)).round().astype(int))]
        tips.append((name, x[tip], y[tip]))
        px, py, run = clip_to_box(x, y, (-math.inf, math.inf, lo, hi))
        keep = _drawn(np.log2(px) if log_x else px, py, run, half_pixel)
        pieces.append((name, px[keep], py[keep], run[keep]))
    names = np.concatenate([np.full(len(p[1]), p[0], dtype=object) for p in pieces]) if pieces else np.array([])
    shown = pa.table(
        {
            "distance": pa.array(np.concatenate([p[1] for p in pieces]) if pieces else [], pa.float64()),
            "log10": pa.array(np.concatenate([p[2] for p in pieces]) if pieces else [], pa.float64()),
            "series": pa.array(names.tolist(), pa.string()).dictionary_encode(),
            "key": pa.array(_keys(names, order).tolist(), pa.string()).dictionary_encode(),
            "part": pa.array(np.concatenate([p[3] for p in pieces]) if pieces else [], pa.int32()),
            "kind": pa.array(["line"] * len(names), pa.string()).dictionary_encode(),
        }
    )
    hover = pa.table(
        {
            "distance": pa.array(np.concatenate([p[1] for p in tips]) if tips else [], pa.float64()),
            "log10": pa.array(np.concatenate([p[2] for p in tips]) if tips else [], pa.float64()),
            "series": pa.array([p[0] for p in tips for _ in p[1]], pa.string()).dictionary_encode(),
        }
    )
    rank = {r: i for i, r in enumerate(sorted(set(row.tolist())))}
    tick_y = lo - strip + (0.025 + 0.035 * np.array([rank[r] for r in row.tolist()], dtype=float)) * (hi - lo)
    no_path = pa.table(
        {
            "distance": pa.array(distance[gap], pa.float64()),
            "series": pa.array(series[gap].tolist(), pa.string()),
            "key": pa.array(_keys(series[gap], order).tolist(), pa.string()),
            "kind": pa.array(["no_path"] * len(row), pa.string()),
            "y": pa.array(tick_y, pa.float64()),
            "label": pa.array([labels["no_path"]] * len(row), pa.string()),
        }
    )
    drawn = pa.table({"key": pa.array(_keys(np.array(order, dtype=object), order).tolist(), pa.string())})
    keys = ("axis_distance", "axis_log10", "series")
    colors = tuple(color for color, _ in styles.values())
    dashes = tuple(tuple(float(v) for v in dash) for _, dash in styles.values())
    spec = _curves_template({k: labels[k] for k in keys}, colors, dashes, style, height, log_x)
    extent = pa.table({"log10": pa.array([lo - strip, hi], pa.float64())})
    tables = {"_styles": drawn, "no_path": no_path, "lines": shown, "_tips": hover, "_extent": extent}
    return Figure(spec, tables)


def gradient_chart(data: pd.DataFrame, labels: dict, style: Style = SCREEN) -> Figure:
    """The RNN lab's chart: measured (solid), ρ^d (dashed), Pascanu bound (dotted)."""
    styles = {
        labels["measured"]: (COLORS["measured"], SOLID),
        labels["rho"]: (COLORS["rho"], DASHED),
        labels["bound"]: (COLORS["bound"], DOTTED),
    }
    return curves_chart(data, labels, styles, labels["measured"], style)


def head_labels(frame: pd.DataFrame) -> pd.Series:
    """ "L1 h2" for layer 1, head 2: one name per attention line."""
    return "L" + frame["layer"].astype(str) + " h" + frame["head"].astype(str)


def readout_attention_chart(frame: pd.DataFrame, x_title: str, y_title: str, style: Style = SCREEN) -> alt.Chart:
    """How much the readout position attends to each position: one line per `line` (head_labels).
    No config or size: callers facet it (trained vs untrained) or size and configure it."""
    return (
        alt.Chart(frame)
        .mark_line(point=True, strokeWidth=style.secondary_line_width)
        .encode(
            x=alt.X("position:Q", title=x_title),
            y=alt.Y("weight:Q", title=y_title),
            color=alt.Color("line:N", title=None),
            tooltip=[alt.Tooltip("line:N"), alt.Tooltip("position:Q"), alt.Tooltip("weight:Q", format=".3f")],
        )
    )


@template
def _clipping_template(labels: dict, style: Style) -> alt.LayerChart:
    order = [labels["clip_raw"], labels["clip_clipped"]]
    lines = (
        alt.Chart(alt.NamedData("lines"))
        .mark_line(strokeWidth=style.line_width, point=True)
        .encode(
            x=alt.X("weight_scale:Q", title=labels["axis_scale"]),
            y=alt.Y("log10:Q", title=labels["axis_total"]),
            color=alt.Color(
                "series:N", title=None, scale=alt.Scale(domain=order, range=[COLORS["rho"], COLORS["measured"]])
            ),
            strokeDash=alt.StrokeDash("series:N", title=None, scale=alt.Scale(domain=order, range=[SOLID, DASHED])),
            tooltip=[
                alt.Tooltip("series:N", title=labels["series"]),
                alt.Tooltip("weight_scale:Q", title=labels["axis_scale"], format=".2f"),
                alt.Tooltip("value:N", title=labels["tooltip_value"]),
            ],
        )
    )
    rule = alt.Chart(alt.NamedData("marker")).mark_rule(color="black").encode(x=alt.X("rho:Q"))
    return alt.layer(lines, rule, height=style.map_height, config=vega_config(style))


def clipping_chart(table: pd.DataFrame, current_scale: float, labels: dict, style: Style = SCREEN) -> Figure:
    """log10 of the first word's gradient against ρ, before (solid) and after (dashed) clipping."""
    raw, clipped = labels["clip_raw"], labels["clip_clipped"]
    data = pd.concat(
        [
            pd.DataFrame({"weight_scale": table["weight_scale"], "log10": table["log10_first"], "series": raw}),
            pd.DataFrame(
                {"weight_scale": table["weight_scale"], "log10": table["log10_first_clipped"], "series": clipped}
            ),
        ]
    )
    data = data[np.isfinite(data["log10"])].assign(value=lambda d: pow10_labels(d["log10"]))
    keys = ("clip_raw", "clip_clipped", "axis_scale", "axis_total", "series", "tooltip_value")
    spec = _clipping_template({k: labels[k] for k in keys}, style)
    return Figure(spec, {"lines": data.reset_index(drop=True), "marker": pd.DataFrame({"rho": [current_scale]})})


def trained_untrained_chart(frame: pd.DataFrame, labels: dict, style: Style = SCREEN) -> alt.FacetChart:
    """The readout's attention of a trained model beside an untrained one's: two panels (`model`, already
    labelled, in the order labels["trained"], labels["untrained"]), a line a head (`line`)."""
    chart = (
        readout_attention_chart(frame, labels["axis_position"], labels["axis_weight"], style)
        .properties(width=380, height=240)
        .facet(column=alt.Column("model:N", title=None, sort=[labels["trained"], labels["untrained"]]))
    )
    return chart.configure(**vega_config(style).to_dict())
