"""Altair chart builders: each takes DataFrames and labels, and returns a chart (no display).

The data-shaping helpers (`*_data`) are pure pandas, so tests can check what a chart will draw
(every point finite, "no path" rows marked) without a browser.
"""

from __future__ import annotations

import base64
import io
import math

import altair as alt
import numpy as np
import pandas as pd
import pyarrow as pa
from PIL import Image

from .figure import Figure, template

MAX_POINTS = 800  # points per line sent to the browser; both ends always kept
CIRCLE_POINTS = 73  # a circle drawn as a 72-gon (see circle)
HEATMAP_CLIP = 20.0  # colour scale saturates at 10^±20
# ColorBrewer RdBu (11 classes), blue for vanishing (log10 < 0) through white to red for exploding
HEATMAP_COLORS = (
    "#053061", "#2166ac", "#4393c3", "#92c5de", "#d1e5f0", "#f7f7f7",
    "#fddbc7", "#f4a582", "#d6604d", "#b2182b", "#67001f",
)  # fmt: skip
# ColorBrewer Blues (9 classes): attention weight 0 (white) to 1 (dark blue)
ATTENTION_COLORS = ("#f7fbff", "#deebf7", "#c6dbef", "#9ecae1", "#6baed6", "#4292c6", "#2171b5", "#08519c", "#08306b")
MAP_PIXELS = 480  # an attention map's image is at most this many pixels a side
# Every label the builders read, with the i18n key the pages fill it from.
LABEL_KEYS = {
    **{
        name: f"rnn.{name}"
        for name in (
            "axis_distance",
            "axis_log10",
            "series",
            "tooltip_value",
            "axis_re",
            "axis_im",
            "circle_unit",
            "circle_rho",
            "circle_norm",
            "axis_scale",
            "current_scale",
        )
    },
    "measured": "rnn.series_measured",
    "rho": "rnn.series_rho",
    "bound": "rnn.series_bound",
    "no_path": "common.no_path",
    "clip_raw": "rem.clip_raw",
    "clip_clipped": "rem.clip_clipped",
    "axis_total": "rem.axis_total",
}
COLORS = {"measured": "#1f5fbf", "rho": "#e07b00", "bound": "#6b7280", "no_path": "#9ca3af"}


def pow10_label(log10_value: float, zero_label: str = "0") -> str:
    """10^-45.2 style text for a log10 value; `zero_label` for -inf (an exactly zero gradient)."""
    return pow10_labels([log10_value], zero_label)[0]


def pow10_labels(log10_values, zero_label: str = "0") -> list[str]:
    """pow10_label of every value: one pass, without a numpy call per value; "—" for NaN and +inf."""
    return [
        f"10^{v:.1f}" if math.isfinite(v) else (zero_label if v == -math.inf else "—")
        for v in np.asarray(log10_values, dtype=float).tolist()
    ]


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


def y_domain(data: pd.DataFrame, anchors) -> tuple[float, float]:
    """The y range: all of the anchor (measured) curves; other lines only up to two spans beyond."""
    anchors = [anchors] if isinstance(anchors, str) else list(anchors)
    line = data["kind"].to_numpy() == "line"
    logs = data["log10"].to_numpy(dtype=float)[line]
    measured = logs[np.isin(data["series"].to_numpy()[line], anchors)]
    if not len(measured):
        return (-1.0, 1.0)
    lo, hi = float(measured.min()), float(measured.max())
    span = max(hi - lo, 2.0)
    lo = max(min(lo, float(logs.min())), lo - 2 * span)
    hi = min(max(hi, float(logs.max())), hi + 2 * span)
    pad = 0.05 * (hi - lo)
    return (math.floor(lo - pad), math.ceil(hi + pad))


def clip_to_box(x, y, box) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The parts of the polyline (x, y) inside box = (x0, x1, y0, y1), as (x, y, run): a segment
    that leaves the box is cut exactly where it crosses the edge (Liang-Barsky), and `run`
    numbers the unbroken pieces, so a line that leaves and comes back is drawn as two lines.

    The charts use this instead of a literal axis range: with every drawn point inside the box,
    the axis is the data's own extent, so the chart's spec does not change with the data."""
    x0, x1, y0, y1 = box
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if len(x) < 2:
        keep = (x >= x0) & (x <= x1) & (y >= y0) & (y <= y1)
        return x[keep], y[keep], np.zeros(int(keep.sum()), dtype=int)
    dx, dy = np.diff(x), np.diff(y)
    t0, t1 = np.zeros(len(dx)), np.ones(len(dx))
    with np.errstate(divide="ignore", invalid="ignore"):
        for p, q in ((-dx, x[:-1] - x0), (dx, x1 - x[:-1]), (-dy, y[:-1] - y0), (dy, y1 - y[:-1])):
            r = q / p
            t0 = np.where(p < 0, np.maximum(t0, r), t0)
            t1 = np.where(p > 0, np.minimum(t1, r), t1)
            t1 = np.where((p == 0) & (q < 0), -1.0, t1)  # parallel to this edge and outside it
    seg = np.flatnonzero(t0 < t1)  # a piece of positive length (a corner merely touched is left out)
    a, b = t0[seg], t1[seg]
    joined = np.zeros(len(seg), dtype=bool)  # continues the previous visible segment
    joined[1:] = (seg[1:] == seg[:-1] + 1) & (b[:-1] == 1.0) & (a[1:] == 0.0)
    run = np.cumsum(~joined) - 1
    starts = ~joined
    px = np.concatenate([x[seg][starts] + a[starts] * dx[seg][starts], x[seg] + b * dx[seg]])
    py = np.concatenate([y[seg][starts] + a[starts] * dy[seg][starts], y[seg] + b * dy[seg]])
    order = np.argsort(np.concatenate([2 * seg[starts], 2 * seg + 1]), kind="stable")
    return px[order], py[order], np.concatenate([run[starts], run])[order]


def _config(big: bool) -> alt.Config:
    """Font sizes and legend placement, passed at construction: each configure_*() call would
    deep-copy the whole chart, data included (a third of the build time).

    aria=False: Vega-Lite otherwise gives every mark item an ARIA description built by several
    format() calls, evaluated on every redraw through Streamlit's CSP-safe expression interpreter
    (about a fifth of a chart's redraw, measured), and a canvas, which is what the page draws on,
    never shows it.  Exported files get it back (export.export_spec)."""
    size = 18 if big else 12
    return alt.Config(
        aria=False,
        axis=alt.AxisConfig(labelFontSize=size, titleFontSize=size + 1),
        legend=alt.LegendConfig(labelFontSize=size, titleFontSize=size, orient="bottom", labelLimit=400),
        title=alt.TitleConfig(fontSize=size + 3),
    )


SOLID, DASHED, DOTTED = [1, 0], [8, 5], [2, 3]
FREE = alt.Scale(nice=False, zero=False)  # an axis spanning exactly the data (see clip_to_box)


@template
def _curves_template(labels: dict, colors: tuple, dashes: tuple, big: bool, height: int) -> alt.LayerChart:
    """The curves chart's spec: the i-th series' colour and dash, but no series name, so a slider
    that renames a series (a window K, a gate bias) changes only the tables, and the browser swaps
    them into the drawn chart instead of compiling it anew.  The scales' domain is the data's
    `key` ("00 name"), sorted: the "_styles" table, first layer, holds every key, so the i-th key
    always meets the i-th colour and dash even when a series draws nothing; the legend shows the
    name alone."""
    legend = alt.Legend(symbolType="stroke", symbolStrokeWidth=3, symbolSize=400, symbolOpacity=1, labelExpr=_UNKEY)
    color = alt.Color("key:N", title=None, scale=alt.Scale(range=list(colors)), legend=legend)
    dash = alt.StrokeDash("key:N", title=None, scale=alt.Scale(range=[list(d) for d in dashes]), legend=legend)
    styles = alt.Chart(alt.NamedData("_styles")).mark_line(opacity=0).encode(color=color, strokeDash=dash)
    x = alt.X("distance:Q", title=labels["axis_distance"], scale=FREE)
    title = labels["axis_log10"]
    tooltip = [
        alt.Tooltip("series:N", title=labels["series"]),
        alt.Tooltip("distance:Q", title=labels["axis_distance"], format=",.4~f"),
        alt.Tooltip("log10:Q", title=title, format=".2f"),  # the number itself; no text column to send
    ]
    lines = (
        alt.Chart(alt.NamedData("lines"))
        .mark_line(strokeWidth=4 if big else 2.5)
        .encode(
            x=x,
            y=alt.Y("log10:Q", title=title, scale=FREE),
            color=color,
            strokeDash=dash,
            detail=alt.Detail("part:N"),
            tooltip=tooltip,
        )
    )
    points = lines.mark_point(size=30, opacity=0)  # invisible, for hover tooltips on every point
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
    extent = alt.Chart(alt.NamedData("_extent")).mark_point(opacity=0).encode(y=alt.Y("log10:Q", title=title))
    return alt.layer(styles, band, lines, points, extent, height=height, config=_config(big))


_KEY_DIGITS = 2  # a series' key is its rank, zero-padded, a space and its name: "00 measured"
_UNKEY = f"substring(datum.label, {_KEY_DIGITS + 1})"  # the legend shows the name alone


def _keys(names: np.ndarray, order: list) -> np.ndarray:
    """Each series name's key: rank in `order`, then the name, so that sorting keys sorts by rank."""
    rank = {name: f"{i:0{_KEY_DIGITS}d} {name}" for i, name in enumerate(order)}
    return np.array([rank[name] for name in names], dtype=object)


def curves_chart(
    data: pd.DataFrame, labels: dict, styles: dict, anchors, big: bool = False, height: int | None = None
) -> Figure:
    """log10 gradient against distance for several named curves.

    styles maps series name -> (colour, dash), in legend order, and must name every series in
    `data`; anchors are the measured series the y range must show in full (other lines are cut
    where they leave it).  Exactly-zero gradients appear as ticks along the bottom, one row per
    series."""
    if len(styles) >= 10**_KEY_DIGITS:
        raise ValueError(f"at most {10**_KEY_DIGITS - 1} series on one curves chart")
    missing = set(data["series"]) - set(styles)
    if missing:
        raise ValueError(f"series without a style: {sorted(missing)}")
    lo, hi = y_domain(data, anchors)
    order = list(styles)
    kind, series = data["kind"].to_numpy(), data["series"].to_numpy()
    distance, log10 = data["distance"].to_numpy(dtype=float), data["log10"].to_numpy(dtype=float)
    pieces = []  # (series, x, y, run): a line per (series, part); parts are numbered per series
    for name in dict.fromkeys(series[kind == "line"]):
        pick = (kind == "line") & (series == name)
        by_distance = np.argsort(distance[pick], kind="stable")
        x, y, run = clip_to_box(distance[pick][by_distance], log10[pick][by_distance], (-math.inf, math.inf, lo, hi))
        pieces.append((name, x, y, run))
    names = np.concatenate([np.full(len(p[1]), p[0], dtype=object) for p in pieces]) if pieces else np.array([])
    shown = pa.table(
        {
            "distance": pa.array(np.concatenate([p[1] for p in pieces]) if pieces else [], pa.float64()),
            "log10": pa.array(np.concatenate([p[2] for p in pieces]) if pieces else [], pa.float64()),
            "series": pa.array(names.tolist(), pa.string()),
            "key": pa.array(_keys(names, order).tolist(), pa.string()),
            "part": pa.array(np.concatenate([p[3] for p in pieces]) if pieces else [], pa.int64()),
            "kind": pa.array(["line"] * len(names), pa.string()),
        }
    )
    gap = kind == "no_path"
    row = np.array([order.index(n) for n in series[gap]], dtype=float)
    no_path = pa.table(
        {
            "distance": pa.array(distance[gap], pa.float64()),
            "series": pa.array(series[gap].tolist(), pa.string()),
            "key": pa.array(_keys(series[gap], order).tolist(), pa.string()),
            "kind": pa.array(["no_path"] * len(row), pa.string()),
            "y": pa.array(lo + (0.025 + 0.035 * row) * (hi - lo), pa.float64()),
            "label": pa.array([labels["no_path"]] * len(row), pa.string()),
        }
    )
    drawn = pa.table({"key": pa.array(_keys(np.array(order, dtype=object), order).tolist(), pa.string())})
    keys = ("axis_distance", "axis_log10", "series")
    colors = tuple(color for color, _ in styles.values())
    dashes = tuple(tuple(float(v) for v in dash) for _, dash in styles.values())
    spec = _curves_template({k: labels[k] for k in keys}, colors, dashes, big, height or (420 if big else 360))
    extent = pa.table({"log10": pa.array([lo, hi], pa.float64())})
    tables = {"_styles": drawn, "no_path": no_path, "lines": shown, "_extent": extent}
    return Figure(spec, tables)


def gradient_chart(data: pd.DataFrame, labels: dict, big: bool = False) -> Figure:
    """The RNN lab's chart: measured (solid), ρ^d (dashed), Pascanu bound (dotted)."""
    styles = {
        labels["measured"]: (COLORS["measured"], SOLID),
        labels["rho"]: (COLORS["rho"], DASHED),
        labels["bound"]: (COLORS["bound"], DOTTED),
    }
    return curves_chart(data, labels, styles, labels["measured"], big)


def circle(radius: float, n: int = CIRCLE_POINTS) -> tuple[np.ndarray, np.ndarray]:
    """(x, y) of a closed polygon of n-1 sides: at 5° a side, it leaves the true circle by at most
    r·(1 - cos 2.5°) < 0.001·r, under 0.2 px on the largest circle the chart draws (≤ 170 px)."""
    angle = np.linspace(0, 2 * np.pi, n)
    return radius * np.cos(angle), radius * np.sin(angle)


@template
def _eigenvalue_template(labels: dict, big: bool) -> alt.LayerChart:
    order = [labels["circle_unit"], labels["circle_rho"], labels["circle_norm"]]
    x = alt.X("re:Q", scale=FREE, title=labels["axis_re"])
    y = alt.Y("im:Q", scale=FREE, title=labels["axis_im"])
    ring_chart = (
        alt.Chart(alt.NamedData("rings"))
        .mark_line(strokeWidth=2 if big else 1.5)
        .encode(
            x=x,
            y=y,
            order=alt.Order("order:Q"),
            detail=alt.Detail("part:N"),
            color=alt.Color(
                "ring:N", title=None, scale=alt.Scale(domain=order, range=["#9ca3af", COLORS["measured"], "#c2410c"])
            ),
            strokeDash=alt.StrokeDash(
                "ring:N", scale=alt.Scale(domain=order, range=[[1, 0], [6, 4], [2, 3]]), title=None
            ),
        )
    )
    dots = (
        alt.Chart(alt.NamedData("eigenvalues"))
        .mark_circle(size=60 if big else 36, color="#111827", opacity=0.7)
        .encode(
            x=x,
            y=y,
            tooltip=[
                alt.Tooltip("re:Q", format=".4f"),
                alt.Tooltip("im:Q", format=".4f"),
                alt.Tooltip("size:N", title="|λ|"),
            ],
        )
    )
    extent = alt.Chart(alt.NamedData("_extent")).mark_point(opacity=0).encode(x=x, y=y)
    side = 380 if big else 320
    # autosize "pad": width and height are the plot area itself, so the unit circle stays round
    return alt.layer(
        dots, ring_chart, extent, width=side, height=side, autosize=alt.AutoSizeParams(type="pad"), config=_config(big)
    )


def eigenvalue_chart(eigs: pd.DataFrame, rho: float, norm: float, labels: dict, big: bool = False) -> Figure:
    """Eigenvalues in the complex plane with the unit circle, |λ| = ρ(W) and radius ‖W‖₂ (the
    circles cut at the square's edge, which is the larger of ±1.25, ±1.15ρ and ±min(1.15‖W‖₂, 4))."""
    extent = max(1.25, 1.15 * rho, min(1.15 * norm, 4.0))
    box = (-extent, extent, -extent, extent)
    res, ims, orders, names, parts = [], [], [], [], []
    for name, radius in (("circle_unit", 1.0), ("circle_rho", max(rho, 1e-9)), ("circle_norm", norm)):
        x, y, run = clip_to_box(*circle(radius), box)
        res.append(x)
        ims.append(y)
        orders.append(np.arange(len(x)))
        names += [labels[name]] * len(x)
        parts += [f"{name}-{r}" for r in run.tolist()]
    rings = pa.table(
        {
            "re": pa.array(np.concatenate(res), pa.float64()),
            "im": pa.array(np.concatenate(ims), pa.float64()),
            "order": pa.array(np.concatenate(orders), pa.int64()),
            "ring": pa.array(names, pa.string()),
            "part": pa.array(parts, pa.string()),
        }
    )
    size = np.asarray(eigs["abs"], dtype=float)
    dots = pa.table(
        {
            "re": pa.array(np.asarray(eigs["re"], dtype=float), pa.float64()),
            "im": pa.array(np.asarray(eigs["im"], dtype=float), pa.float64()),
            "abs": pa.array(size, pa.float64()),
            "size": pa.array([f"|λ| = {v:.4f}" for v in size.tolist()], pa.string()),
        }
    )
    corners = pa.table(
        {"re": pa.array([-extent, extent], pa.float64()), "im": pa.array([-extent, extent], pa.float64())}
    )
    spec = _eigenvalue_template(
        {k: labels[k] for k in ("circle_unit", "circle_rho", "circle_norm", "axis_re", "axis_im")}, big
    )
    return Figure(spec, {"eigenvalues": dots, "rings": rings, "_extent": corners})


def heatmap_data(sweep: pd.DataFrame, labels: dict, clip: float = HEATMAP_CLIP) -> pd.DataFrame:
    """Cells with edges (x, x2, y, y2), the clipped colour value, a value text, and kind: the
    map's numbers, as its CSV gives them (the chart draws them as one image, heatmap_image)."""
    data = sweep.copy()
    dists = np.sort(data["distance"].unique())
    edges = np.concatenate([[dists[0] - 0.5], (dists[1:] + dists[:-1]) / 2, [dists[-1] + 0.5]])
    index = np.searchsorted(dists, data["distance"])
    data["x"], data["x2"] = edges[index], edges[index + 1]
    scales = np.sort(data["weight_scale"].unique())
    half = (scales[1] - scales[0]) / 2 if len(scales) > 1 else 0.025
    data["y"], data["y2"] = data["weight_scale"] - half, data["weight_scale"] + half
    data["color"] = data["log10_grad_norm"].clip(-clip, clip)
    data["kind"] = np.where(np.isneginf(data["log10_grad_norm"]), "no_path", "value")
    data["value"] = pow10_labels(data["log10_grad_norm"], labels["no_path"])
    data.loc[data["kind"] == "no_path", "color"] = np.nan
    return data.drop(columns=["log10_grad_norm"])


def _rgb(hex_colors) -> np.ndarray:
    return np.array([[int(h[k : k + 2], 16) for k in (1, 3, 5)] for h in hex_colors], dtype=np.float64)


def ramp_rgb(values, low: float, high: float, colors) -> tuple[np.ndarray, np.ndarray]:
    """Colours (…, 3) as floats, and where the values are NaN: piecewise-linear RGB between
    `colors` at evenly spaced stops from `low` to `high` (values beyond them take the end colours),
    exactly what a Vega-Lite scale with those stops and interpolate "rgb" draws."""
    values = np.asarray(values, dtype=np.float64)
    stops, rgb = np.linspace(low, high, len(colors)), _rgb(colors)
    flat = np.clip(values.ravel(), low, high)
    out = np.stack([np.interp(flat, stops, rgb[:, k]) for k in range(3)], axis=-1)
    return out.reshape(values.shape + (3,)), np.isnan(values)


def ramp_scale(low: float, high: float, colors) -> alt.Scale:
    """The Vega-Lite colour scale (a legend's) that ramp_rgb colours pixels by."""
    stops = [float(v) for v in np.linspace(low, high, len(colors))]
    return alt.Scale(domain=stops, range=list(colors), interpolate="rgb")


def heatmap_rgb(values, clip: float = HEATMAP_CLIP) -> np.ndarray:
    """Colours (…, 3) uint8 of log10 values: ramp_rgb between HEATMAP_COLORS from -clip to clip,
    the legend's scale; NaN (no path) is COLORS["no_path"]."""
    values = np.asarray(values, dtype=np.float64)
    rgb, missing = ramp_rgb(values, -clip, clip, HEATMAP_COLORS)
    rgb[missing] = _rgb([COLORS["no_path"]])[0]
    return np.rint(rgb).astype(np.uint8)


def png_url(pixels: np.ndarray) -> str:
    """An (rows, columns, 3) uint8 image as a PNG data: URL (drawn by a Vega image mark)."""
    buffer = io.BytesIO()
    Image.fromarray(pixels, "RGB").save(buffer, "PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def pixel_cells(edges: np.ndarray, pixels: int) -> np.ndarray:
    """For `pixels` evenly spaced pixels spanning edges[0]..edges[-1]: the cell (between two
    consecutive edges) that each pixel's centre falls in."""
    lo, hi = float(edges[0]), float(edges[-1])
    centres = lo + (np.arange(pixels) + 0.5) * (hi - lo) / pixels
    return np.clip(np.searchsorted(edges, centres, side="right") - 1, 0, len(edges) - 2)


def heatmap_image(cells: pd.DataFrame, clip: float = HEATMAP_CLIP, max_columns: int = 1000) -> pd.DataFrame:
    """The map as one PNG (a data: URL) with its corners (x, x2, y, y2): a pixel per weight scale
    and per unit of distance (at most `max_columns` evenly spaced columns), each pixel the colour
    of the cell it falls in.  One image is one item for Vega to redraw, where thousands of cell
    rectangles were (measured in benchmarks/app_speed.py)."""
    x0, x1 = cells["x"].min(), cells["x2"].max()
    columns = int(min(max(round(x1 - x0), 1), max_columns))
    edges = np.sort(cells["x"].unique())
    col_of = pixel_cells(np.append(edges, x1), columns)
    scales = np.sort(cells["weight_scale"].unique())
    grid = cells.pivot_table(index="weight_scale", columns="x", values="color", aggfunc="first", dropna=False)
    grid = grid.reindex(index=scales, columns=edges)
    url = png_url(heatmap_rgb(grid.to_numpy()[::-1][:, col_of], clip))  # top row: the largest scale
    return pd.DataFrame({"x": [x0], "x2": [x1], "y": [cells["y"].min()], "y2": [cells["y2"].max()], "url": [url]})


@template
def _heatmap_template(labels: dict, clip: float, big: bool) -> alt.LayerChart:
    x = alt.X("x:Q", title=labels["axis_distance"], scale=FREE)
    y = alt.Y("y:Q", title=labels["axis_scale"], scale=alt.Scale(domain=[0, 2.05], nice=False))
    image = (
        alt.Chart(alt.NamedData("image"))
        .mark_image(aspect=False, smooth=False)  # smooth=False: crisp cells, no blur between them
        .encode(x=x, x2=alt.X2("x2"), y=y, y2=alt.Y2("y2"), url=alt.Url("url:N"))
    )
    scale = ramp_scale(-clip, clip, HEATMAP_COLORS)
    legend = alt.Legend(
        orient="right", gradientLength=200 if big else 160, values=[-clip, -clip / 2, 0, clip / 2, clip]
    )
    key = (
        alt.Chart(alt.NamedData("_legend"))
        .mark_point(opacity=0)
        .encode(color=alt.Color("color:Q", title="log10", scale=scale, legend=legend), y=alt.Y("rho:Q"))
    )
    rule = (
        alt.Chart(alt.NamedData("marker"))
        .mark_rule(color="black", strokeWidth=2.5 if big else 1.5)
        .encode(y=alt.Y("rho:Q"), tooltip=[alt.Tooltip("rho:Q", title=labels["current_scale"], format=".2f")])
    )
    one = alt.Chart(alt.Data(values=[{"rho": 1.0, "label": "ρ = 1"}]))
    boundary = one.mark_rule(color="#374151", strokeDash=[5, 4], strokeWidth=1.5).encode(y=alt.Y("rho:Q"))
    boundary_label = one.mark_text(align="left", dx=4, dy=-7, fontSize=15 if big else 11, color="#374151").encode(
        y=alt.Y("rho:Q"), x=alt.XValue(0), text=alt.Text("label:N")
    )
    return alt.layer(image, key, boundary, boundary_label, rule, height=400 if big else 320, config=_config(big))


def sweep_heatmap(
    image: pd.DataFrame, current_scale: float, labels: dict, clip: float = HEATMAP_CLIP, big: bool = False
) -> Figure:
    """Weight scale × distance, coloured by log10 gradient (`image`: heatmap_image of the cells);
    a rule at the current ρ."""
    keys = ("axis_distance", "axis_scale", "current_scale")
    spec = _heatmap_template({k: labels[k] for k in keys}, clip, big)
    legend = pd.DataFrame({"color": [-clip, clip], "rho": [1.0, 1.0]})
    return Figure(spec, {"image": image, "_legend": legend, "marker": pd.DataFrame({"rho": [current_scale]})})


def attention_images(frame: pd.DataFrame, max_pixels: int = MAP_PIXELS) -> pd.DataFrame:
    """One PNG a head (core.attention.attention_frame's cells of one layer) with its corners:
    head, x, x2 (keys), y, y2 (queries), url.  A pixel per position, at most `max_pixels` evenly
    spaced ones a side, each the colour of the cell its centre falls in (ATTENTION_COLORS, weight
    0 to 1).  One image is one item for Vega to redraw where a head's cells were up to 48 × 48
    rectangles (measured in benchmarks/app_speed.py)."""
    rows = []
    for head, cells in frame.groupby("head", sort=True):
        # the pooling is square (core.attention._pool): the queries' cell edges are the keys'
        edges = np.unique(np.concatenate([cells["key"].to_numpy(), cells["key_end"].to_numpy()]))
        n = len(edges) - 1
        grid = np.full((n, n), np.nan)
        grid[np.searchsorted(edges, cells["query"]), np.searchsorted(edges, cells["key"])] = cells["weight"]
        index = pixel_cells(edges, int(min(edges[-1] - edges[0], max_pixels)))
        rgb, _ = ramp_rgb(grid[np.ix_(index, index)], 0.0, 1.0, ATTENTION_COLORS)
        lo, hi, url = float(edges[0]), float(edges[-1]), png_url(np.rint(rgb).astype(np.uint8))
        rows.append({"head": int(head), "x": lo, "x2": hi, "y": lo, "y2": hi, "url": url})
    return pd.DataFrame(rows)


@template
def _maps_template(labels: dict, heads: int, side: int, big: bool) -> alt.ConcatChart:
    """A panel a head, four to a row, each one image (see attention_images, table "head-<h>");
    the y axis on the first column only, and the weight's legend once, beside them."""
    scale = ramp_scale(0.0, 1.0, ATTENTION_COLORS)
    legend = alt.Legend(orient="right", gradientLength=side, values=[0, 0.25, 0.5, 0.75, 1], format=".2~f")
    x = alt.X("x:Q", title=labels["axis_key"], scale=alt.Scale(nice=False, zero=False))
    panels = []
    for head in range(1, heads + 1):
        axis = alt.Axis(title=labels["axis_query"]) if head % 4 == 1 else None
        y = alt.Y("y:Q", scale=alt.Scale(nice=False, zero=False, reverse=True), axis=axis)
        image = (
            alt.Chart(alt.NamedData(f"head-{head}"))
            .mark_image(aspect=False, smooth=False)  # crisp cells
            .encode(x=x, x2=alt.X2("x2"), y=y, y2=alt.Y2("y2"), url=alt.Url("url:N"))
        )
        layers = [image]
        if head == 1:  # the legend, from a helper table of two invisible points at the map's corner
            color = alt.Color("weight:Q", title=labels["axis_weight"], scale=scale, legend=legend)
            layers.append(alt.Chart(alt.NamedData("_legend")).mark_point(opacity=0).encode(x=x, y=y, color=color))
        panels.append(alt.layer(*layers, width=side, height=side, title=f"{labels['head']} {head}"))
    return alt.concat(*panels, columns=4, config=_config(big))


def attention_maps(images: pd.DataFrame, labels: dict, big: bool = False) -> Figure:
    """One layer's attention maps, a panel a head (`images`: attention_images)."""
    heads = len(images)
    spec = _maps_template(labels, heads, 190 if heads > 2 else 300, big)  # four 190-px panels fit the page
    data = {f"head-{head}": images[images["head"] == head].reset_index(drop=True) for head in images["head"]}
    corner = float(images["x"].iloc[0])
    data["_legend"] = pd.DataFrame({"x": [corner, corner], "y": [corner, corner], "weight": [0.0, 1.0]})
    return Figure(spec, data)


def head_labels(frame: pd.DataFrame) -> pd.Series:
    """ "L1 h2" for layer 1, head 2: one name per attention line."""
    return "L" + frame["layer"].astype(str) + " h" + frame["head"].astype(str)


def readout_attention_chart(frame: pd.DataFrame, x_title: str, y_title: str, big: bool = False) -> alt.Chart:
    """How much the readout position attends to each position: one line per `line` (head_labels).
    No config or size: callers facet it (trained vs untrained) or size and configure it."""
    return (
        alt.Chart(frame)
        .mark_line(point=True, strokeWidth=3 if big else 2)
        .encode(
            x=alt.X("position:Q", title=x_title),
            y=alt.Y("weight:Q", title=y_title),
            color=alt.Color("line:N", title=None),
            tooltip=[alt.Tooltip("line:N"), alt.Tooltip("position:Q"), alt.Tooltip("weight:Q", format=".3f")],
        )
    )


@template
def _clipping_template(labels: dict, big: bool) -> alt.LayerChart:
    order = [labels["clip_raw"], labels["clip_clipped"]]
    lines = (
        alt.Chart(alt.NamedData("lines"))
        .mark_line(strokeWidth=4 if big else 2.5, point=True)
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
    return alt.layer(lines, rule, height=320 if not big else 400, config=_config(big))


def clipping_chart(table: pd.DataFrame, current_scale: float, labels: dict, big: bool = False) -> Figure:
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
    spec = _clipping_template({k: labels[k] for k in keys}, big)
    return Figure(spec, {"lines": data.reset_index(drop=True), "marker": pd.DataFrame({"rho": [current_scale]})})
