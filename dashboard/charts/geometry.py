"""Axes and shapes: the y range a curves chart spans, curves clipped to a box, circles, and the
eigenvalue chart drawn with them."""

from __future__ import annotations

import math

import altair as alt
import numpy as np
import pandas as pd
import pyarrow as pa

from ..figure import Figure, finite, template
from .style import COLORS, FREE, SCREEN, Style, vega_config

CIRCLE_POINTS = 73  # a circle drawn as a 72-gon (see circle)


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


def circle(radius: float, n: int = CIRCLE_POINTS) -> tuple[np.ndarray, np.ndarray]:
    """(x, y) of a closed polygon of n-1 sides: at 5° a side, it leaves the true circle by at most
    r·(1 - cos 2.5°) < 0.001·r, under 0.2 px on the largest circle the chart draws (≤ 170 px)."""
    angle = np.linspace(0, 2 * np.pi, n)
    return radius * np.cos(angle), radius * np.sin(angle)


@template
def _eigenvalue_template(labels: dict, style: Style) -> alt.LayerChart:
    order = [labels["circle_unit"], labels["circle_rho"], labels["circle_norm"]]
    x = alt.X("re:Q", scale=FREE, title=labels["axis_re"])
    y = alt.Y("im:Q", scale=FREE, title=labels["axis_im"])
    ring_chart = (
        alt.Chart(finite("rings"))
        .mark_line(strokeWidth=style.ring_width)
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
        alt.Chart(finite("eigenvalues"))
        .mark_circle(size=style.dot_size, color="#111827", opacity=0.7)
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
    extent = alt.Chart(finite("_extent")).mark_point(opacity=0).encode(x=x, y=y)
    side = style.square_side
    # autosize "pad": width and height are the plot area itself, so the unit circle stays round
    return alt.layer(
        dots,
        ring_chart,
        extent,
        width=side,
        height=side,
        autosize=alt.AutoSizeParams(type="pad"),
        config=vega_config(style),
    )


def eigenvalue_chart(eigs: pd.DataFrame, rho: float, norm: float, labels: dict, style: Style = SCREEN) -> Figure:
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
            "order": pa.array(np.concatenate(orders), pa.int32()),
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
        {k: labels[k] for k in ("circle_unit", "circle_rho", "circle_norm", "axis_re", "axis_im")}, style
    )
    return Figure(spec, {"eigenvalues": dots, "rings": rings, "_extent": corners})


def simplify(x, y, tolerance: float) -> np.ndarray:
    """The indices of the points of the polyline (x, y), x increasing, that draw it to within `tolerance`
    vertically (Ramer-Douglas-Peucker with vertical distance): every point left out lies within `tolerance`
    of the line through the kept ones, at its own x; both ends are kept."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    n = len(x)
    if n <= 2:
        return np.arange(n)
    keep = np.zeros(n, dtype=bool)
    keep[[0, -1]] = True
    stack = [(0, n - 1)]
    while stack:
        a, b = stack.pop()
        if b - a < 2:
            continue
        xs, ys = x[a + 1 : b], y[a + 1 : b]
        span = x[b] - x[a]
        chord = y[a] + (y[b] - y[a]) * ((xs - x[a]) / span if span > 0 else 0.5)
        gap = np.abs(ys - chord)
        i = int(np.argmax(gap))
        if gap[i] > tolerance:
            m = a + 1 + i
            keep[m] = True
            stack += [(a, m), (m, b)]
    return np.flatnonzero(keep)
