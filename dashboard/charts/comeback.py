"""The page "RNNs came back": eigenvalues of two models in one complex plane, and the scan's speed against the loop."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from ..figure import Figure, finite, template
from .geometry import circle
from .style import Style, vega_config

RING_COLORS = ("#9ca3af", "#0891b2")  # the unit circle; the LRU's ring r_min ≤ |λ| ≤ r_max


def _by_model(colors: dict[str, str]) -> alt.Color:
    """Colour by the `model` column, each display name its model's colour, in the legend's order."""
    return alt.Color("model:N", title=None, scale=alt.Scale(domain=list(colors), range=list(colors.values())))


_KEY = "substring(datum.label, 2)"  # a ring's key is its rank, a space and its name: the legend shows the name


@template
def _planes_template(models: tuple[str, ...], colors: tuple[str, ...], rings: int, labels: dict, style: Style):
    """The spec: the i-th ring's colour and dash by rank (a key "i name", so that a slider that renames a ring,
    its radius, changes only the tables and the browser swaps them into the drawn chart)."""
    scale = alt.Scale(domain=[-1.15, 1.15], nice=False)
    x = alt.X("re:Q", scale=scale, title=labels["axis_re"])
    y = alt.Y("im:Q", scale=scale, title=labels["axis_im"])
    legend = alt.Legend(labelExpr=_KEY)
    ring_chart = (
        alt.Chart(finite("rings"))
        .mark_line(strokeWidth=style.ring_width)
        .encode(
            x=x,
            y=y,
            order="order:Q",
            color=alt.Color(
                "key:N", title=None, legend=legend, scale=alt.Scale(range=[RING_COLORS[0]] + [RING_COLORS[1]] * rings)
            ),
            strokeDash=alt.StrokeDash(
                "key:N", title=None, legend=legend, scale=alt.Scale(range=[[1, 0]] + [[6, 4]] * (rings - 1))
            ),
        )
    )
    dots = (
        alt.Chart(finite("eigenvalues"))
        .mark_circle(size=style.dot_size, opacity=0.75)
        .encode(
            x=x,
            y=y,
            color=_by_model(dict(zip(models, colors, strict=True))),
            tooltip=[
                alt.Tooltip("model:N", title=labels["model"]),
                alt.Tooltip("modulus:Q", title="|λ|", format=".5f"),
            ],
        )
    )
    side = style.square_side
    chart = alt.layer(ring_chart, dots, width=side, height=side, autosize=alt.AutoSizeParams(type="pad"))
    return chart.resolve_scale(color="independent", strokeDash="independent").properties(config=vega_config(style))


def planes_chart(points: pd.DataFrame, rings: dict[str, float], colors: dict[str, str], labels: dict, style: Style):
    """Eigenvalues in the complex plane, coloured by model (points: re, im, modulus, model), with circles of the
    given radii (name -> radius; the first is the unit circle), all in a square of ±1.15 so that circles stay round."""
    circles = []
    for i, (name, radius) in enumerate(rings.items()):
        x, y = circle(radius)
        order = np.arange(len(x), dtype=np.int32)  # int32: a JavaScript number as it is (`finite`: no per-row parse)
        circles.append(pd.DataFrame({"re": x, "im": y, "key": f"{i} {name}", "order": order}))
    keys = {k: labels[k] for k in ("axis_re", "axis_im", "model")}
    spec = _planes_template(tuple(colors), tuple(colors.values()), len(rings), keys, style)
    tables = {
        "rings": pd.concat(circles, ignore_index=True),
        "eigenvalues": points[["re", "im", "modulus", "model"]].reset_index(drop=True),
    }
    return Figure(spec, tables)


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
