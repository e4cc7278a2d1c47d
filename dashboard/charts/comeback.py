"""The page "RNNs came back": eigenvalues of two models in one complex plane, and the scan's speed against the loop."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from ..figure import Figure
from .geometry import circle
from .style import Style, vega_config

RING_COLORS = ("#9ca3af", "#0891b2")  # the unit circle; the LRU's ring r_min ≤ |λ| ≤ r_max


def _by_model(colors: dict[str, str]) -> alt.Color:
    """Colour by the `model` column, each display name its model's colour, in the legend's order."""
    return alt.Color("model:N", title=None, scale=alt.Scale(domain=list(colors), range=list(colors.values())))


def planes_chart(points: pd.DataFrame, rings: dict[str, float], colors: dict[str, str], labels: dict, style: Style):
    """Eigenvalues in the complex plane, coloured by model (points: re, im, modulus, model), with circles of the
    given radii (name -> radius; the first is the unit circle), all in a square of ±1.15 so that circles stay round."""
    circles = []
    for i, (name, radius) in enumerate(rings.items()):
        x, y = circle(radius)
        circles.append(pd.DataFrame({"re": x, "im": y, "ring": name, "order": np.arange(len(x)), "n": i}))
    ring_data = pd.concat(circles, ignore_index=True)
    scale = alt.Scale(domain=[-1.15, 1.15], nice=False)
    x = alt.X("re:Q", scale=scale, title=labels["axis_re"])
    y = alt.Y("im:Q", scale=scale, title=labels["axis_im"])
    names = list(rings)
    ring_chart = (
        alt.Chart(ring_data)
        .mark_line(strokeWidth=style.ring_width)
        .encode(
            x=x,
            y=y,
            order="order:Q",
            color=alt.Color(
                "ring:N", title=None, scale=alt.Scale(domain=names, range=[RING_COLORS[0]] + [RING_COLORS[1]] * 2)
            ),
            strokeDash=alt.StrokeDash(
                "ring:N", title=None, scale=alt.Scale(domain=names, range=[[1, 0]] + [[6, 4]] * (len(names) - 1))
            ),
        )
    )
    dots = (
        alt.Chart(points)
        .mark_circle(size=style.dot_size, opacity=0.75)
        .encode(
            x=x,
            y=y,
            color=_by_model(colors),
            tooltip=[
                alt.Tooltip("model:N", title=labels["model"]),
                alt.Tooltip("modulus:Q", title="|λ|", format=".5f"),
            ],
        )
    )
    side = style.square_side
    chart = alt.layer(ring_chart, dots, width=side, height=side, autosize=alt.AutoSizeParams(type="pad"))
    return Figure.from_altair(
        chart.resolve_scale(color="independent", strokeDash="independent").properties(config=vega_config(style))
    )


def speedup_chart(table: pd.DataFrame, colors: dict[str, str], labels: dict, style: Style):
    """loop ÷ scan time against T (log axis), a line a model, with the 1× line: above it the scan is faster.
    table: model (display name), seq_len, speedup, loop_rounds, scan_rounds."""
    x = alt.X("seq_len:Q", scale=alt.Scale(type="log"), title=labels["axis_T"])
    y = alt.Y("speedup:Q", scale=alt.Scale(type="log"), title=labels["axis_speedup"])
    lines = (
        alt.Chart(table)
        .mark_line(point=True, strokeWidth=style.line_width)
        .encode(
            x=x,
            y=y,
            color=_by_model(colors),
            tooltip=[
                alt.Tooltip("model:N", title=labels["model"]),
                alt.Tooltip("seq_len:Q", title="T"),
                alt.Tooltip("speedup:Q", title=labels["axis_speedup"], format=".2f"),
                alt.Tooltip("loop_rounds:Q", title=labels["loop_rounds"]),
                alt.Tooltip("scan_rounds:Q", title=labels["scan_rounds"]),
            ],
        )
    )
    even = (
        alt.Chart(pd.DataFrame({"speedup": [1.0]})).mark_rule(color="#6b7280", strokeDash=[4, 3]).encode(y="speedup:Q")
    )
    chart = alt.layer(lines, even, height=style.chart_height).properties(config=vega_config(style))
    return Figure.from_altair(chart)
