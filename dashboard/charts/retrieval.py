"""Charts of the Retrieval page: the copying gain against distance (median line, range band, the trained window
marked), the gain during training, a head's attention from the second copy to the first, and every head's
induction and previous-character scores.  Characters are data (Vega text and axis labels), never HTML."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from ..figure import Figure
from .images import ramp_scale
from .style import ATTENTION_COLORS, COLORS, Style, vega_config
from .tokens import map_cells, map_image, unique_labels

LABELLED = 64  # the map names its characters on the axes up to this many a copy; beyond, positions

LEGEND_LABEL_PX = 480  # a model's name in full, the longest in presenter mode's larger type too (two columns)


def gain_chart(data: pd.DataFrame, names: list[str], colors: list[str], dashes: list, window: int, labels: dict,
               style: Style) -> Figure:  # fmt: skip
    """The median gain (line) and its range over the passages (band) against distance (log axis), a colour per
    model (`name`, in the order of `names`); a rule at y = 0 and one at `window`, where the second copy's
    characters are as far from their match as the training window was long."""
    color = alt.Color(
        "name:N",
        title=labels["model"],
        scale=alt.Scale(domain=names, range=colors),
        legend=alt.Legend(columns=2, labelLimit=LEGEND_LABEL_PX),
    )
    dash = alt.StrokeDash("name:N", scale=alt.Scale(domain=names, range=dashes), legend=None)
    x = alt.X("distance:Q", title=labels["axis_distance"], scale=alt.Scale(type="log", nice=False))
    y = alt.Y("gain_median:Q", title=labels["axis_gain"])
    tip = [
        "name:N",
        "distance:Q",
        alt.Tooltip("gain_median:Q", format=".2f"),
        alt.Tooltip("gain_low:Q", format=".2f"),
        alt.Tooltip("gain_high:Q", format=".2f"),
    ]
    band = (
        alt.Chart(data)
        .mark_area(opacity=0.12)
        .encode(x=x, y=alt.Y("gain_low:Q", title=labels["axis_gain"]), y2="gain_high:Q", color=color)
    )
    lines = (
        alt.Chart(data)
        .mark_line(point=True, strokeWidth=style.line_width)
        .encode(x=x, y=y, color=color, strokeDash=dash, tooltip=tip)
    )
    zero = alt.Chart(pd.DataFrame({"y": [0.0]})).mark_rule(color=COLORS["bound"]).encode(y="y:Q")
    mark = pd.DataFrame({"distance": [window], "text": [labels["window"]]})
    rule = (
        alt.Chart(mark)
        .mark_rule(color=COLORS["rho"], strokeDash=[6, 4], strokeWidth=style.rule_width)
        .encode(x="distance:Q")
    )
    text = (
        alt.Chart(mark)
        .mark_text(align="left", dx=4, dy=-6, color=COLORS["rho"], fontSize=style.note_font_size, baseline="top")
        .encode(x="distance:Q", y=alt.value(4), text="text:N")
    )
    chart = alt.layer(band, lines, zero, rule, text).properties(height=style.chart_height, config=vega_config(style))
    return Figure.from_altair(chart)


def progress_chart(data: pd.DataFrame, names: list[str], colors: list[str], dashes: list, labels: dict,
                   style: Style) -> Figure:  # fmt: skip
    """The gain at distance 128 on 8 passages, measured at each checkpoint, against the training step."""
    color = alt.Color(
        "name:N",
        title=labels["run"],
        scale=alt.Scale(domain=names, range=colors),
        legend=alt.Legend(columns=2, labelLimit=LEGEND_LABEL_PX),
    )
    dash = alt.StrokeDash("name:N", scale=alt.Scale(domain=names, range=dashes), legend=None)
    lines = (
        alt.Chart(data)
        .mark_line(point=True, strokeWidth=style.secondary_line_width)
        .encode(
            x=alt.X("step:Q", title=labels["axis_step"]),
            y=alt.Y("gain:Q", title=labels["axis_gain_128"]),
            color=color,
            strokeDash=dash,
            tooltip=["name:N", "step:Q", alt.Tooltip("gain:Q", format=".2f")],
        )
    )
    zero = alt.Chart(pd.DataFrame({"y": [0.0]})).mark_rule(color=COLORS["bound"]).encode(y="y:Q")
    return Figure.from_altair(alt.layer(lines, zero).properties(height=style.chart_height, config=vega_config(style)))


def copy_map_chart(weights: np.ndarray, chars: list[str], title: str, labels: dict, style: Style) -> Figure:
    """One head's weights from each character of the second copy (rows) to each of the first (columns): an
    induction head lights the diagonal just right of the main one (the character after the match).  Cells named
    by their characters up to LABELLED a copy; one image with position axes beyond."""
    n = len(chars)
    scale = ramp_scale(0.0, 1.0, ATTENTION_COLORS)
    legend = alt.Legend(orient="right", gradientLength=style.legend_length)
    color = alt.Color("weight:Q", title=labels["axis_weight"], scale=scale, legend=legend)
    side = int(min(560, max(320, 11 * n + 80)))
    if n <= LABELLED:
        names = unique_labels([c if c.strip() else "␣" for c in chars])
        cells = map_cells(weights, names)
        axis = alt.Axis(labelAngle=0, labelFontSize=style.font_size if n <= 40 else 9, labelOverlap=False)
        chart = (
            alt.Chart(cells)
            .mark_rect()
            .encode(
                x=alt.X("key:O", sort=names, title=labels["axis_first"], axis=axis),
                y=alt.Y("query:O", sort=names, title=labels["axis_second"], axis=axis),
                color=color,
                tooltip=[
                    "query_position:Q",
                    "query:N",
                    "key_position:Q",
                    "key:N",
                    alt.Tooltip("weight:Q", format=".3f"),
                ],
            )
            .properties(width=side, height=side, title=title, config=vega_config(style))
        )
        return Figure.from_altair(chart)
    x = alt.X("x:Q", title=labels["axis_first"], scale=alt.Scale(nice=False, zero=False))
    y = alt.Y("y:Q", title=labels["axis_second"], scale=alt.Scale(nice=False, zero=False, reverse=True))
    drawn = map_image(weights, 0.0, 1.0, x, y)
    corner = pd.DataFrame({"x": [0.0, 0.0], "y": [0.0, 0.0], "weight": [0.0, 1.0]})
    key = alt.Chart(corner).mark_point(opacity=0).encode(x=x, y=y, color=color)
    chart = alt.layer(drawn, key, width=side, height=side, title=title).properties(config=vega_config(style))
    return Figure.from_altair(chart)


def head_scores_chart(scores: pd.DataFrame, labels: dict, style: Style) -> Figure:
    """Each head's induction score and previous-character score (bars, 0 to 1), grouped by layer and head."""
    data = scores.melt(id_vars=["layer", "head"], value_vars=["induction", "previous"], var_name="score_kind")
    data["score_name"] = data["score_kind"].map({"induction": labels["induction"], "previous": labels["previous"]})
    data["which"] = [
        labels["head_name"].format(layer=a, head=b) for a, b in zip(data["layer"], data["head"], strict=True)
    ]
    order = list(dict.fromkeys(data["which"]))
    kinds = [labels["induction"], labels["previous"]]
    chart = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X("which:N", title=labels["axis_head"], sort=order, axis=alt.Axis(labelAngle=0)),
            xOffset=alt.XOffset("score_name:N", sort=kinds),
            y=alt.Y("value:Q", title=labels["axis_score"], scale=alt.Scale(domain=[0, 1])),
            color=alt.Color(
                "score_name:N",
                title=labels["score"],
                scale=alt.Scale(domain=kinds, range=[COLORS["measured"], COLORS["rho"]]),
            ),
            tooltip=["which:N", "score_name:N", alt.Tooltip("value:Q", format=".3f")],
        )
        .properties(height=style.map_height - 60, config=vega_config(style))
    )
    return Figure.from_altair(chart)
