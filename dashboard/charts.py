"""Altair chart builders: each takes DataFrames and labels, and returns a chart (no display).

The data-shaping helpers (`*_data`) are pure pandas, so tests can check what a chart will draw
(every point finite, "no path" rows marked) without a browser.
"""

from __future__ import annotations

import math

import altair as alt
import numpy as np
import pandas as pd

MAX_POINTS = 800  # points per line sent to the browser; both ends always kept
HEATMAP_CLIP = 20.0  # colour scale saturates at 10^±20
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
    if np.isneginf(log10_value):
        return zero_label
    if not np.isfinite(log10_value):
        return "—"
    return f"10^{log10_value:.1f}"


def _thin(frame: pd.DataFrame, column: str, max_points: int | None) -> pd.DataFrame:
    if max_points is None or len(frame) <= max_points:
        return frame
    keep = np.unique(np.linspace(0, len(frame) - 1, max_points).round().astype(int))
    return frame.sort_values(column).iloc[keep]


def curves_data(curves: dict[str, pd.DataFrame], labels: dict, max_points: int | None = MAX_POINTS) -> pd.DataFrame:
    """Long table for a curves chart: distance, log10, series, value (tooltip), kind.

    curves maps a series name to a frame with columns distance and log10.  kind is "line" for
    finite points and "no_path" for exactly-zero gradients (log10 = -inf), which the chart draws
    as a band at the bottom instead of dropping them silently.
    """
    parts = []
    for name, frame in curves.items():
        frame = _thin(frame, "distance", max_points)
        parts.append(
            pd.DataFrame({"distance": frame["distance"].to_numpy(), "log10": frame["log10"].to_numpy(), "series": name})
        )
    data = pd.concat(parts, ignore_index=True)
    data = data[np.isfinite(data["log10"]) | np.isneginf(data["log10"])].copy()
    data["kind"] = np.where(np.isneginf(data["log10"]), "no_path", "line")
    data["value"] = [pow10_label(v, labels["no_path"]) for v in data["log10"]]
    return data.reset_index(drop=True)


def probe_curve(probe: pd.DataFrame) -> pd.DataFrame:
    """A probe table as a curve: distance, log10."""
    return pd.DataFrame({"distance": probe["distance"], "log10": probe["log10_grad_norm"]})


def theory_curve(distance, log10_values) -> pd.DataFrame:
    """A theory line as a curve; -inf values (ρ = 0 past d = 0) are left out: the line stops."""
    curve = pd.DataFrame({"distance": np.asarray(distance), "log10": np.asarray(log10_values, dtype=float)})
    return curve[np.isfinite(curve["log10"])]


def gradient_chart_data(probe: pd.DataFrame, theory: pd.DataFrame, labels: dict, max_points: int = MAX_POINTS):
    """The RNN lab's curves: measured, the ρ^d line and Pascanu's bound."""
    curves = {
        labels["measured"]: probe_curve(probe),
        labels["rho"]: theory_curve(theory["distance"], theory["rho_line"]),
        labels["bound"]: theory_curve(theory["distance"], theory["bound_line"]),
    }
    return curves_data(curves, labels, max_points)


def y_domain(data: pd.DataFrame, anchors) -> tuple[float, float]:
    """The y range: all of the anchor (measured) curves; other lines only up to two spans beyond."""
    anchors = [anchors] if isinstance(anchors, str) else list(anchors)
    lines = data[data["kind"] == "line"]
    measured = lines.loc[lines["series"].isin(anchors), "log10"]
    if measured.empty:
        return (-1.0, 1.0)
    lo, hi = float(measured.min()), float(measured.max())
    span = max(hi - lo, 2.0)
    lo = max(min(lo, float(lines["log10"].min())), lo - 2 * span)
    hi = min(max(hi, float(lines["log10"].max())), hi + 2 * span)
    pad = 0.05 * (hi - lo)
    return (math.floor(lo - pad), math.ceil(hi + pad))


def _config(big: bool) -> alt.Config:
    """Font sizes and legend placement, passed at construction: each configure_*() call would
    deep-copy the whole chart, data included (a third of the build time)."""
    size = 18 if big else 12
    return alt.Config(
        axis=alt.AxisConfig(labelFontSize=size, titleFontSize=size + 1),
        legend=alt.LegendConfig(labelFontSize=size, titleFontSize=size, orient="bottom", labelLimit=400),
        title=alt.TitleConfig(fontSize=size + 3),
    )


SOLID, DASHED, DOTTED = [1, 0], [8, 5], [2, 3]


def curves_chart(
    data: pd.DataFrame, labels: dict, styles: dict, anchors, big: bool = False, height: int | None = None
) -> alt.LayerChart:
    """log10 gradient against distance for several named curves.

    styles maps series name -> (colour, dash); anchors are the measured series the y range must
    show in full.  Exactly-zero gradients appear as ticks along the bottom, one row per series.
    """
    lo, hi = y_domain(data, anchors)
    order = list(styles)
    color_scale = alt.Scale(domain=order, range=[c for c, _ in styles.values()])
    color = alt.Color("series:N", title=None, scale=color_scale)
    dash = alt.StrokeDash("series:N", title=None, scale=alt.Scale(domain=order, range=[d for _, d in styles.values()]))
    x = alt.X("distance:Q", title=labels["axis_distance"], scale=alt.Scale(nice=False))
    y_scale = alt.Scale(domain=[lo, hi])
    tooltip = [
        alt.Tooltip("series:N", title=labels["series"]),
        alt.Tooltip("distance:Q", title=labels["axis_distance"]),
        alt.Tooltip("value:N", title=labels["tooltip_value"]),
    ]
    lines = (
        alt.Chart(data[data["kind"] == "line"])
        .mark_line(strokeWidth=4 if big else 2.5, clip=True)
        .encode(
            x=x,
            y=alt.Y("log10:Q", title=labels["axis_log10"], scale=y_scale),
            color=color,
            strokeDash=dash,
            tooltip=tooltip,
        )
    )
    points = lines.mark_point(size=30, opacity=0, clip=True)  # invisible, for hover tooltips on every point
    no_path = data[data["kind"] == "no_path"].copy()
    row = no_path["series"].map({name: k for k, name in enumerate(order)}).fillna(0).astype(float)
    no_path["y"] = lo + (0.025 + 0.035 * row) * (hi - lo)
    band = (
        alt.Chart(no_path.assign(label=labels["no_path"]))
        .mark_tick(thickness=2, size=10, opacity=0.8)
        .encode(
            x=x,
            y=alt.Y("y:Q", scale=y_scale),
            color=alt.Color("series:N", scale=color_scale, title=None),
            tooltip=[
                alt.Tooltip("series:N", title=labels["series"]),
                alt.Tooltip("distance:Q", title=labels["axis_distance"]),
                alt.Tooltip("label:N", title=" "),
            ],
        )
    )
    return alt.layer(band, lines, points, height=height or (420 if big else 360), config=_config(big))


def gradient_chart(data: pd.DataFrame, labels: dict, big: bool = False) -> alt.LayerChart:
    """The RNN lab's chart: measured (solid), ρ^d (dashed), Pascanu bound (dotted)."""
    styles = {
        labels["measured"]: (COLORS["measured"], SOLID),
        labels["rho"]: (COLORS["rho"], DASHED),
        labels["bound"]: (COLORS["bound"], DOTTED),
    }
    return curves_chart(data, labels, styles, labels["measured"], big)


def circle(radius: float, n: int = 181) -> pd.DataFrame:
    angle = np.linspace(0, 2 * np.pi, n)
    return pd.DataFrame({"re": radius * np.cos(angle), "im": radius * np.sin(angle), "order": np.arange(n)})


def eigenvalue_chart(eigs: pd.DataFrame, rho: float, norm: float, labels: dict, big: bool = False) -> alt.Chart:
    """Eigenvalues in the complex plane with the unit circle, |λ| = ρ(W) and radius ‖W‖₂."""
    extent = max(1.25, 1.15 * rho, min(1.15 * norm, 4.0))
    scale = alt.Scale(domain=[-extent, extent], nice=False)
    rings = pd.concat(
        [
            circle(1.0).assign(ring=labels["circle_unit"]),
            circle(max(rho, 1e-9)).assign(ring=labels["circle_rho"]),
            circle(norm).assign(ring=labels["circle_norm"]),
        ]
    )
    order = [labels["circle_unit"], labels["circle_rho"], labels["circle_norm"]]
    ring_chart = (
        alt.Chart(rings)
        .mark_line(clip=True, strokeWidth=2 if big else 1.5)
        .encode(
            x=alt.X("re:Q", scale=scale, title=labels["axis_re"]),
            y=alt.Y("im:Q", scale=scale, title=labels["axis_im"]),
            order=alt.Order("order:Q"),
            detail=alt.Detail("ring:N"),
            color=alt.Color(
                "ring:N", title=None, scale=alt.Scale(domain=order, range=["#9ca3af", COLORS["measured"], "#c2410c"])
            ),
            strokeDash=alt.StrokeDash(
                "ring:N", scale=alt.Scale(domain=order, range=[[1, 0], [6, 4], [2, 3]]), title=None
            ),
        )
    )
    dots = (
        alt.Chart(eigs.assign(size=eigs["abs"].map(lambda v: f"|λ| = {v:.4f}")))
        .mark_circle(size=60 if big else 36, color="#111827", opacity=0.7)
        .encode(
            x=alt.X("re:Q"),
            y=alt.Y("im:Q"),
            tooltip=[
                alt.Tooltip("re:Q", format=".4f"),
                alt.Tooltip("im:Q", format=".4f"),
                alt.Tooltip("size:N", title="|λ|"),
            ],
        )
    )
    side = 380 if big else 320
    # autosize "pad": width and height are the plot area itself, so the unit circle stays round
    return alt.layer(
        dots, ring_chart, width=side, height=side, autosize=alt.AutoSizeParams(type="pad"), config=_config(big)
    )


def heatmap_data(sweep: pd.DataFrame, labels: dict, clip: float = HEATMAP_CLIP) -> pd.DataFrame:
    """Cells with edges (x, x2, y, y2), the clipped colour value, a tooltip text, and kind."""
    data = sweep.copy()
    dists = np.sort(data["distance"].unique())
    edges = np.concatenate([[dists[0] - 0.5], (dists[1:] + dists[:-1]) / 2, [dists[-1] + 0.5]])
    index = np.searchsorted(dists, data["distance"])
    # each cell overlaps its right and upper neighbour by 10%: no antialiasing seams between cells
    data["x"], data["x2"] = edges[index], edges[index + 1] + 0.1 * np.diff(edges)[index]
    scales = np.sort(data["weight_scale"].unique())
    half = (scales[1] - scales[0]) / 2 if len(scales) > 1 else 0.025
    data["y"], data["y2"] = data["weight_scale"] - half, data["weight_scale"] + 1.2 * half
    data["color"] = data["log10_grad_norm"].clip(-clip, clip)
    data["kind"] = np.where(np.isneginf(data["log10_grad_norm"]), "no_path", "value")
    data["value"] = [pow10_label(v, labels["no_path"]) for v in data["log10_grad_norm"]]
    data.loc[data["kind"] == "no_path", "color"] = np.nan
    return data.drop(columns=["log10_grad_norm"])


def sweep_heatmap(
    cells: pd.DataFrame, current_scale: float, labels: dict, clip: float = HEATMAP_CLIP, big: bool = False
) -> alt.Chart:
    """Weight scale × distance, coloured by log10 gradient; a rule at the current ρ."""
    x = alt.X("x:Q", title=labels["axis_distance"], scale=alt.Scale(nice=False, zero=False))
    y = alt.Y("y:Q", title=labels["axis_scale"], scale=alt.Scale(domain=[0, 2.05], nice=False))
    tooltip = [
        alt.Tooltip("weight_scale:Q", title=labels["axis_scale"], format=".2f"),
        alt.Tooltip("distance:Q", title=labels["axis_distance"]),
        alt.Tooltip("value:N", title=labels["tooltip_value"]),
    ]
    position = {"x": x, "x2": alt.X2("x2"), "y": y, "y2": alt.Y2("y2"), "tooltip": tooltip}
    scale = alt.Scale(scheme="redblue", reverse=True, domain=[-clip, clip], domainMid=0)
    no_path = cells["kind"] == "no_path"
    legend = alt.Legend(orient="right", gradientLength=200 if big else 160)
    colored = (
        alt.Chart(cells[~no_path])
        .mark_rect()
        .encode(color=alt.Color("color:Q", title="log10", scale=scale, legend=legend), **position)
    )
    grey = alt.Chart(cells[no_path]).mark_rect(color=COLORS["no_path"]).encode(**position)
    marker = pd.DataFrame({"rho": [current_scale], "label": [labels["current_scale"]]})
    rule = (
        alt.Chart(marker)
        .mark_rule(color="black", strokeWidth=2.5 if big else 1.5)
        .encode(y=alt.Y("rho:Q"), tooltip=[alt.Tooltip("rho:Q", title=labels["current_scale"], format=".2f")])
    )
    one = alt.Chart(pd.DataFrame({"rho": [1.0], "label": ["ρ = 1"]}))
    boundary = one.mark_rule(color="#374151", strokeDash=[5, 4], strokeWidth=1.5).encode(y=alt.Y("rho:Q"))
    boundary_label = one.mark_text(align="left", dx=4, dy=-7, fontSize=15 if big else 11, color="#374151").encode(
        y=alt.Y("rho:Q"), x=alt.XValue(0), text=alt.Text("label:N")
    )
    return alt.layer(colored, grey, boundary, boundary_label, rule, height=400 if big else 320, config=_config(big))


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


def clipping_chart(table: pd.DataFrame, current_scale: float, labels: dict, big: bool = False) -> alt.LayerChart:
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
    data = data[np.isfinite(data["log10"])].assign(value=lambda d: [pow10_label(v) for v in d["log10"]])
    order = [raw, clipped]
    lines = (
        alt.Chart(data)
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
    rule = alt.Chart(pd.DataFrame({"rho": [current_scale]})).mark_rule(color="black").encode(x=alt.X("rho:Q"))
    return alt.layer(lines, rule, height=320 if not big else 400, config=_config(big))
